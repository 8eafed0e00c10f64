// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize plan | gen-header | maps: outputs that need no kernel. */
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"
#include "pin_rows.h"
#include "pod_memory.h"

jv_t *plan_map_json(const struct mapsize_plan_map *m)
{
	jv_t *o = jv_object();

	jv_object_set_new(o, "name", jv_string(m->name));
	jv_object_set_new(o, "type", jv_string(mapsize_map_type__name(m->type)));
	jv_object_set_new(o, "key_size", jv_integer(m->key_size));
	jv_object_set_new(o, "value_size", jv_integer(m->value_size));
	jv_object_set_new(o, "max_entries", jv_integer(m->max_entries));
	jv_object_set_new(o, "map_flags", jv_integer(m->map_flags));
	jv_object_set_new(o, "prealloc", jv_boolean(m->prealloc));
	jv_object_set_new(o, "expected_entries", jv_u64(m->expected_entries));
	jv_object_set_new(o, "map_extra", jv_u64(m->map_extra));
	/* rhash: max_entries is the cap, map_extra the initial size */
	jv_object_set_new(o, "initial_entries",
			  m->type == MAPSIZE_MAP_RHASH ? jv_u64(m->map_extra) : jv_null());
	/* resizable: auto: what the hash became and why */
	jv_object_set_new(o, "resizable", m->resizable_reason ? jv_string(mapsize_map_type__name(m->type)) : jv_null());
	jv_object_set_new(o, "resizable_reason", m->resizable_reason ? jv_string(m->resizable_reason) : jv_null());
	{
		jv_t *used = jv_array();

		for (uint32_t bit = 1; bit; bit <<= 1)
			if (m->used_by & bit) {
				const char *name = mapsize_used_by__name(bit);
				char unknown[16];

				snprintf(unknown, sizeof(unknown), "bit%u", __builtin_ctz(bit));
				jv_array_append_new(used, jv_string(name ? name : unknown));
			}
		jv_object_set_new(o, "used_by", used);
	}
	jv_object_set_new(o, "prealloc_toggle", jv_boolean(m->prealloc_toggle));
	jv_object_set_new(o, "prealloc_reason", jv_string(m->prealloc_reason));
	jv_object_set_new(o, "inner_of", m->inner_of ? jv_string(m->inner_of) : jv_null());
	jv_object_set_new(o, "baseline_max_entries",
			    m->baseline_max_entries ? jv_integer(m->baseline_max_entries) : jv_null());
	return o;
}

/* Memory of every map and the totals; NULL after printing an error. */
struct plan_memory *plan_memory_new(const struct plan_options *po, struct mapsize_plan *plan,
				    uint32_t possible_cpus)
{
	struct mapsize_memory_opts mo = { .sz = sizeof(mo), .possible_cpus = possible_cpus };
	struct plan_memory *pm = calloc(1, sizeof(*pm));
	uint64_t node_memory;
	int ret;

	if (!pm || !(pm->maps = calloc(mapsize_plan__map_cnt(plan) + 1, sizeof(*pm->maps)))) {
		free(pm);
		fprintf(stderr, "error: out of memory\n");
		return NULL;
	}
	pm->consts.sz = sizeof(pm->consts);
	pm->maps[0].sz = sizeof(pm->maps[0]);
	pm->total.sz = sizeof(pm->total);
	if (plan_options__memory_model(po, &pm->consts, &pm->era))
		goto fail;
	{
		char why[1024];	/* the built-in sizes check names every struct */

		if (plan_options__consts_warning(po, &pm->consts, why, sizeof(why)))
			mapsize_plan__add_warning(plan, why);
	}
	mo.consts = &pm->consts;
	mo.era = pm->era;
	ret = mapsize_plan__memory(plan, &mo, pm->maps, &pm->total);
	if (ret) {
		fprintf(stderr, "error: cannot predict the plan's memory: %s\n", strerror(-ret));
		goto fail;
	}
	/* Full maps taking a tenth of the node is a sizing mistake, not a plan. */
	if (!mapsize_plan__dim_value(plan, "memory", &node_memory) && node_memory &&
	    pm->total.memlock_full > node_memory / 10) {
		char a[32], b[32];

		fprintf(stderr, "warning: the maps take %s when full, more than 10%% of the node's %s "
			"memory\n", human_bytes(pm->total.memlock_full, a, sizeof(a)),
			human_bytes(node_memory, b, sizeof(b)));
	}
	return pm;
fail:
	plan_memory_free(pm);
	return NULL;
}

void plan_memory_free(struct plan_memory *pm)
{
	if (pm)
		free(pm->maps);
	free(pm);
}

/* pod_memory: the agent container's request and limit (src/core/pod_memory.c). */
static jv_t *pod_memory_json(const struct mapsize_map_memory *total)
{
	struct pod_memory pm;
	jv_t *o;

	if (pod_memory_from_totals(total, &pm))
		return jv_null();	/* sums past 2^64 bytes: no container holds them */
	o = jv_object();
	jv_object_set_new(o, "at_load_bytes", jv_u64(pm.at_load_bytes));
	jv_object_set_new(o, "at_expected_bytes", jv_u64(pm.at_expected_bytes));
	jv_object_set_new(o, "full_bytes", jv_u64(pm.full_bytes));
	jv_object_set_new(o, "request_bytes", jv_u64(pm.request_bytes));
	jv_object_set_new(o, "limit_bytes", jv_u64(pm.limit_bytes));
	return o;
}

/* plan --pod-memory: the same for people, with the Kubernetes quantities. */
static void print_pod_memory(const struct plan_memory *mem)
{
	struct pod_memory pm;
	char a[32], b[32], c[32];

	if (pod_memory_from_totals(&mem->total, &pm)) {
		printf("\npod memory: the maps' memory does not fit 64 bits\n");
		return;
	}
	printf("\npod memory (maps are charged to the agent container's memory cgroup since Linux 5.11):\n"
	       "  maps at load %s, at expected entries %s, full %s\n", human_bytes(pm.at_load_bytes, a, sizeof(a)),
	       human_bytes(pm.at_expected_bytes, b, sizeof(b)), human_bytes(pm.full_bytes, c, sizeof(c)));
	printf("  resources.requests.memory: %lluMi   (expected + %llu MiB for the agent process)\n"
	       "  resources.limits.memory:   %lluMi   (full + 1/8 + %llu MiB for the agent process)\n",
	       (unsigned long long)(pm.request_bytes >> 20), POD_MEMORY_AGENT_BYTES >> 20,
	       (unsigned long long)(pm.limit_bytes >> 20), POD_MEMORY_AGENT_BYTES >> 20);
}

jv_t *plan_json(const struct mapsize_plan *plan, const struct plan_memory *mem)
{
	jv_t *root = jv_root(), *dims = jv_object(), *maps = jv_array(), *warn = jv_array();
	unsigned int kv = mapsize_plan__kernel_version(plan);
	char kernel[16];

	snprintf(kernel, sizeof(kernel), "%u.%u", kv >> 8, kv & 0xff);
	/* null: no target kernel given, the newest behaviour */
	jv_object_set_new(root, "kernel", kv ? jv_string(kernel) : jv_null());
	jv_object_set_new(root, "app", jv_string(mapsize_plan__app(plan)));
	jv_object_set_new(root, "profile", jv_string(mapsize_plan__profile(plan)));
	jv_object_set_new(root, "base_profile", jv_string(mapsize_plan__base_profile(plan)));
	jv_object_set_new(root, "dimensions", dims);
	jv_object_set_new(root, "maps", maps);
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		jv_object_set_new(dims, name, jv_u64(v));
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		jv_t *o = plan_map_json(mapsize_plan__map(plan, i));

		if (mem) {
			const struct mapsize_map_memory *m = &mem->maps[i];

			jv_object_set_new(o, "memlock_bytes", jv_u64(m->memlock_load));
			jv_object_set_new(o, "memlock_expected_bytes", jv_u64(m->memlock_expected));
			jv_object_set_new(o, "memlock_full_bytes", jv_u64(m->memlock_full));
			jv_object_set_new(o, "real_expected_bytes", jv_u64(m->real_expected));
			if (mapsize_plan__map(plan, i)->inner_of) {
				jv_object_set_new(o, "instances_expected", jv_u64(m->instances_expected));
				jv_object_set_new(o, "instances_full", jv_u64(m->instances_full));
				jv_object_set_new(o, "instance", inner_sizing_json(plan, mapsize_plan__map(plan, i),
										   &mem->consts, mem->era));
			}
		}
		jv_array_append_new(maps, o);
	}
	if (mem) {
		jv_object_set_new(root, "total_memlock_bytes", jv_u64(mem->total.memlock_load));
		jv_object_set_new(root, "total_memlock_expected_bytes",
				    jv_u64(mem->total.memlock_expected));
		jv_object_set_new(root, "total_memlock_full_bytes",
				    jv_u64(mem->total.memlock_full));
		jv_object_set_new(root, "total_real_expected_bytes",
				    jv_u64(mem->total.real_expected));
		jv_object_set_new(root, "kernel_era", jv_string(mapsize_mem_era__name(mem->era)));
		jv_object_set_new(root, "kernel_consts", jv_string(mem->consts.source));
		jv_object_set_new(root, "page_size", jv_integer(mem->consts.page_size));
		/* <= 5.10: the creator's RLIMIT_MEMLOCK must hold every map */
		jv_object_set_new(root, "memlock_rlimit_min_bytes",
				    mem->era == MAPSIZE_MEM_ERA_RLIMIT ? jv_u64(mem->total.memlock_full)
								       : jv_null());
		jv_object_set_new(root, "pod_memory", pod_memory_json(&mem->total));
	}
	{
		jv_t *budget = plan_budget_json(plan);

		if (budget)
			jv_object_set_new(root, "budget", budget);
	}
	for (size_t i = 0; i < mapsize_plan__warning_cnt(plan); i++)
		jv_array_append_new(warn, jv_string(mapsize_plan__warning(plan, i)));
	jv_object_set_new(root, "warnings", warn);
	{
		char digest[24];

		snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)mapsize_plan__digest(plan));
		jv_object_set_new(root, "digest", jv_string(digest));
	}
	return root;
}

static void print_plan_table(const struct mapsize_plan *plan, const struct plan_memory *mem,
			     const struct pin_rows *pins)
{
	char b1[32], b2[32], b3[32];
	uint64_t total_entries = 0, total_expected = 0;
	size_t n_prealloc = 0;

	printf("profile: %s", mapsize_plan__profile(plan));
	if (strcmp(mapsize_plan__profile(plan), mapsize_plan__base_profile(plan)))
		printf(" (base %s)", mapsize_plan__base_profile(plan));
	printf("\ndimensions:");
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		printf(" %s=%llu", name, (unsigned long long)v);
	}
	printf("\nmemory model: %s era, kernel struct sizes from %s, page size %u\n",
	       mapsize_mem_era__name(mem->era), mem->consts.source, mem->consts.page_size);
	if (mem->era == MAPSIZE_MEM_ERA_RLIMIT)
		printf("RLIMIT_MEMLOCK: kernels up to 5.10 charge map memory to the loading process's "
		       "RLIMIT_MEMLOCK, not a memory cgroup: the agent's limit must be at least %s (%llu "
		       "bytes) or unlimited\n", human_bytes(mem->total.memlock_full, b1, sizeof(b1)),
		       (unsigned long long)mem->total.memlock_full);
	printf("\n%-30s %-16s %5s %6s %11s %-8s %10s %11s %11s %11s\n", "MAP", "TYPE", "KEY", "VALUE",
	       "MAX_ENTRIES", "PREALLOC", "EXPECTED", "AT_LOAD", "AT_EXPECTED", "FULL");
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		printf("%-30s %-16s %5u %6u %11u %-8s %10llu %11s %11s %11s%s\n", m->name,
		       mapsize_map_type__name(m->type), m->key_size, m->value_size, m->max_entries,
		       m->prealloc ? "yes" : "no", (unsigned long long)m->expected_entries,
		       human_bytes(mem->maps[i].memlock_load, b1, sizeof(b1)),
		       human_bytes(mem->maps[i].memlock_expected, b2, sizeof(b2)),
		       human_bytes(mem->maps[i].memlock_full, b3, sizeof(b3)),
		       m->inner_of ? "  (per inner map)" : "");
		total_entries += m->max_entries;
		total_expected += m->expected_entries;
		n_prealloc += m->prealloc;
	}
	printf("%-30s %-16s %5s %6s %11llu %-8s %10llu %11s %11s %11s\n", "TOTAL", "", "", "",
	       (unsigned long long)total_entries, "", (unsigned long long)total_expected,
	       human_bytes(mem->total.memlock_load, b1, sizeof(b1)),
	       human_bytes(mem->total.memlock_expected, b2, sizeof(b2)),
	       human_bytes(mem->total.memlock_full, b3, sizeof(b3)));
	print_inner_sizing(plan, NULL, &mem->consts, mem->era);
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (m->resizable_reason)
			printf("%s: resizable: auto -> %s\n", m->name, m->resizable_reason);
		if (m->type == MAPSIZE_MAP_RHASH)
			printf("%s: rhash, cap %u (max_entries: E2BIG beyond), initial size %llu (map_extra); "
			       "the kernel resizes in between\n", m->name, m->max_entries,
			       (unsigned long long)m->map_extra);
	}
	printf("\n%zu maps, %zu preallocated, %zu not; memory is the kernel's memlock (totals count inner "
	       "maps per expected/max outer entry)\n", mapsize_plan__map_cnt(plan), n_prealloc,
	       mapsize_plan__map_cnt(plan) - n_prealloc);
	print_plan_budget(NULL, plan);
	if (pins)
		pin_rows__print(pins, stdout);
}

/* --object: every map's `pin` ({path, live_*, action, reason}), null for
 * the maps that do not pin. */
static jv_t *plan_json_pins(jv_t *root, const struct pin_rows *pins)
{
	jv_t *maps = jv_object_get(root, "maps");

	for (size_t i = 0; pins && i < jv_array_size(maps); i++) {
		jv_t *m = jv_array_get(maps, i);
		const struct pin_row *r = pin_rows__find(pins, jv_string_value(jv_object_get(m, "name")));

		jv_object_set_new(m, "pin", r ? pin_row__json(r) : jv_null());
	}
	if (pins)
		jv_object_set_new(root, "pin_root", jv_string(pins->root ? pins->root : PIN_ROOT_DEFAULT));
	return root;
}

/* plan's own options beside the plan options */
enum { OPT_NODE_LOCAL = OPT_PLAN_LAST + 0x40, OPT_POD_MEMORY };

struct plan_cmd {
	const char *out;		/* -o FILE: written atomically */
	bool node_local;		/* --node-local: cpus and memory of this machine */
	const char *object;		/* --object FILE: which maps pin */
	const char *pin_root;		/* --pin-root DIR */
	bool pod_memory;		/* --pod-memory: the container's request and limit */
};

static int plan_opt(int opt, const char *arg, void *ctx)
{
	struct plan_cmd *pc = ctx;

	if (opt == 'o')
		pc->out = arg;
	else if (opt == OPT_NODE_LOCAL)
		pc->node_local = true;
	else if (opt == 'O')
		pc->object = arg;
	else if (opt == OPT_PIN_ROOT)
		pc->pin_root = arg;
	else if (opt == OPT_POD_MEMORY)
		pc->pod_memory = true;
	else
		return 0;
	return 1;
}

/* print_plan_table() writes to stdout; for -o it writes into memory
 * instead (in glibc stdout is an assignable variable). */
static char *plan_table_text(const struct mapsize_plan *plan, const struct plan_memory *mem,
			     const struct pin_rows *pins, size_t *len)
{
	FILE *saved = stdout, *f;
	char *text = NULL;

	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	stdout = f;
	print_plan_table(plan, mem, pins);
	stdout = saved;
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* --node-local: this machine's possible CPUs and memory as the first --set
 * options, so they win over every profile (a cluster profile from
 * `profile --from-kubernetes` names cpus and memory, which pins them against
 * the live-machine layer) and the operator's own --set still wins over them. */
static int node_local_sets(struct plan_options *po, struct mapsize_node *node, char sets[2][48])
{
	int ret = mapsize_node__read(node);

	if (ret) {
		fprintf(stderr, "error: --node-local: cannot read this node's CPUs and memory: %s\n",
			strerror(-ret));
		return 1;
	}
	if (po->set_cnt + 2 > PLAN_OPTIONS_MAX) {
		fprintf(stderr, "error: too many --set options, expected at most %d with --node-local\n",
			PLAN_OPTIONS_MAX - 2);
		return 2;
	}
	snprintf(sets[0], sizeof(sets[0]), "cpus=%u", node->possible_cpus);
	snprintf(sets[1], sizeof(sets[1]), "memory=%llu", (unsigned long long)node->memory_bytes);
	memmove(po->sets + 2, po->sets, po->set_cnt * sizeof(po->sets[0]));
	po->sets[0] = sets[0];
	po->sets[1] = sets[1];
	po->set_cnt += 2;
	return 0;
}

int do_plan(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "node-local", no_argument, NULL, OPT_NODE_LOCAL },
		{ "object", required_argument, NULL, 'O' },
		PIN_ROOT_OPTION,
		{ "pod-memory", no_argument, NULL, OPT_POD_MEMORY },
	};
	struct mapsize_node node = { .sz = sizeof(node) };
	struct plan_options po;
	struct plan_cmd pc = { 0 };
	char node_sets[2][48];
	const char *rules = parse_cmd_args(argc, argv, &po, extra, ARRAY_SIZE(extra), plan_opt, &pc);
	struct pin_rows pins = { .root = pc.pin_root }, *pinsp = NULL;
	struct mapsize_plan *plan;
	struct plan_memory *mem;
	char *text = NULL;
	size_t len = 0;
	int ret = 0;

	if (pc.pin_root && !pc.object) {
		fprintf(stderr, "error: --pin-root %s: plan needs --object FILE to know which maps pin\n",
			pc.pin_root);
		return 2;
	}
	if (pc.node_local && (ret = node_local_sets(&po, &node, node_sets)))
		return ret;
	po.object = pc.object;	/* named in the errors about its maps */
	plan = plan_options__plan(&po, rules, NULL);
	if (!plan)
		return 2;
	mem = plan_memory_new(&po, plan, 0);
	if (!mem) {
		mapsize_plan__free(plan);
		return 2;
	}
	if (pc.object) {
		pins.root = pc.pin_root;
		pinsp = &pins;
		ret = pin_rows__from_object(&pins, plan, pc.object);
		if (ret)
			goto out;
	}
	if (!pc.out && po.format == FORMAT_JSON) {
		ret = print_json(plan_json_pins(plan_json(plan, mem), pinsp));
	} else if (!pc.out) {
		print_plan_table(plan, mem, pinsp);
		if (pc.pod_memory)
			print_pod_memory(mem);
	} else {
		text = po.format == FORMAT_JSON ? jv_text(plan_json_pins(plan_json(plan, mem), pinsp))
						: plan_table_text(plan, mem, pinsp, &len);
		if (text && po.format == FORMAT_JSON)
			len = strlen(text);
		ret = text ? write_output(pc.out, text, len) : 1;
		if (!text)
			fprintf(stderr, "error: out of memory\n");
		free(text);
	}
out:
	pin_rows__free(&pins);
	plan_memory_free(mem);
	mapsize_plan__free(plan);
	return ret;
}

static int gen_header_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'o')
		return 0;
	*(const char **)ctx = arg;
	return 1;
}

int do_gen_header(int argc, char **argv)
{
	static const struct option extra[] = { { "output", required_argument, NULL, 'o' } };
	struct plan_options po;
	struct mapsize_error err;
	const char *out = NULL, *rules;
	struct mapsize_plan *plan;
	int ret;

	rules = parse_cmd_args(argc, argv, &po, extra, 1, gen_header_opt, &out);
	if (!out) {
		fprintf(stderr, "error: mapsize gen-header needs -o FILE\n");
		return 2;
	}
	plan = plan_options__plan(&po, rules, NULL);
	if (!plan)
		return 2;
	ret = mapsize_plan__write_header(plan, out, &err);
	mapsize_plan__free(plan);
	if (ret) {
		print_error(&err);
		return exit_code_for(ret);
	}
	return 0;
}

int do_maps(int argc, char **argv)
{
	struct plan_options po;
	const char *rules = parse_cmd_args(argc, argv, &po, NULL, 0, NULL, NULL);
	struct mapsize_plan *plan = plan_options__plan(&po, rules, NULL);

	if (!plan)
		return 2;
	if (po.format == FORMAT_JSON) {
		jv_t *root = jv_root(), *maps = jv_array();

		for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
			const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);
			jv_t *o = jv_object();

			jv_object_set_new(o, "name", jv_string(m->name));
			jv_object_set_new(o, "type", jv_string(mapsize_map_type__name(m->type)));
			jv_object_set_new(o, "prealloc_toggle", jv_boolean(m->prealloc_toggle));
			jv_object_set_new(o, "prealloc", jv_boolean(m->prealloc));
			jv_object_set_new(o, "prealloc_reason", jv_string(m->prealloc_reason));
			jv_array_append_new(maps, o);
		}
		jv_object_set_new(root, "maps", maps);
		mapsize_plan__free(plan);
		return print_json(root);
	}
	printf("%-32s %-16s %-8s %-9s %s\n", "MAP", "TYPE", "TOGGLE", "PREALLOC", "WHY");
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		printf("%-32s %-16s %-8s %-9s %s\n", m->name, mapsize_map_type__name(m->type),
		       m->prealloc_toggle ? "yes" : "no", m->prealloc ? "yes" : "no", m->prealloc_reason);
	}
	printf("\n");
	plan_options__print_toggles(stdout, plan);
	mapsize_plan__free(plan);
	return 0;
}

