// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench memlock, section (a): the demo agent's maps loaded in the
 * kernel as compiled (Tetragon's sizes) and planned for small/medium/large;
 * fdinfo memlock per map, in total and as a ratio to the compiled baseline,
 * next to mapsize's memory model at expected fill and when full.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include <mapsize/memory.h>

#include "format.h"
#include "agent.skel.h"
#include "bench_common.h"

static const char *map_type_str(unsigned int type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

struct mem_row {
	char name[96];
	unsigned int bpf_type;
	uint32_t max_entries, map_flags;
	uint64_t memlock;
	uint32_t key_size, value_size;
	bool model_ok;
	uint64_t model_load, model_full;	/* mapsize's model: empty / every slot used */
	uint64_t model_expected;		/* at the plan's expected entries */
};

struct mem_config {
	const char *name;		/* "baseline" or a profile */
	struct mem_row rows[MAX_MAPS];
	int cnt;
	struct mem_row inner;		/* one inner map instance (first map-in-map) */
	bool have_inner;
	char inner_of[64];
	uint64_t total;			/* object maps */
	uint64_t full;			/* model: object maps + 1 inner at max_entries */
	uint64_t expected;		/* model: object maps + 1 inner at expected entries */
	bool model_ok;			/* every map modelled, load figure == kernel's */
	char dims[512];
};

static int read_row(int fd, const char *name, struct mem_row *row)
{
	struct mapsize_kernel_map km = { .sz = sizeof(km) };
	int ret = mapsize_kernel_map__read(fd, &km);

	if (ret)
		return ret;
	snprintf(row->name, sizeof(row->name), "%s", name);
	row->bpf_type = km.bpf_type;
	row->max_entries = km.max_entries;
	row->map_flags = km.map_flags;
	row->memlock = km.memlock_bytes;
	row->key_size = km.key_size;
	row->value_size = km.value_size;
	return 0;
}

/* mapsize's memory model for this kernel, to show what the maps cost when
 * full (a no-prealloc map's memlock grows with its entries). */
static struct mapsize_kernel_consts kconsts = { .sz = sizeof(struct mapsize_kernel_consts) };
static enum mapsize_mem_era kera;
static bool kmodel;

static void model_init(void)
{
	unsigned int ver = 0;

	if (mapsize_kernel_version(bench_node.kernel_release, &ver) ||
	    mapsize_mem_era__from_kernel(ver, &kera))
		return;
	if (mapsize_kernel_consts__from_btf(NULL, &kconsts) &&
	    mapsize_kernel_consts__builtin(bench_node.kernel_release, &kconsts) &&
	    mapsize_kernel_consts__builtin(NULL, &kconsts))
		return;
	mapsize_kernel_consts__set_kernel(&kconsts, ver);
	kmodel = true;
}

/* `expected`: live entries the plan expects (0 = empty, as loaded). */
static void model_row(struct mem_row *row, uint64_t expected)
{
	struct mapsize_mem_map mm = {
		.sz = sizeof(mm),
		.type = mapsize_map_type__from_bpf_type(row->bpf_type),
		.key_size = row->key_size,
		.value_size = row->value_size,
		.max_entries = row->max_entries,
		.map_flags = row->map_flags,
		.possible_cpus = bench_node.possible_cpus,
	};

	row->model_ok = kmodel && mm.type != MAPSIZE_MAP_UNSPEC &&
			!mapsize_memlock_at_load(&mm, &kconsts, kera, &row->model_load) &&
			!mapsize_memlock_at_max(&mm, &kconsts, kera, &row->model_full) &&
			!mapsize_memlock(&mm, &kconsts, kera,
					 expected < row->max_entries ? expected : row->max_entries,
					 &row->model_expected) &&
			row->model_load == row->memlock;
}

static bool is_map_in_map(unsigned int type)
{
	return type == BPF_MAP_TYPE_HASH_OF_MAPS || type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

/* Load the demo object as compiled (profile NULL) or planned for `profile`,
 * create one inner map instance per map-in-map the way the agent does, read
 * every map's memlock back from the kernel. */
static int mem_load(const char *profile, struct mem_config *c)
{
	struct mapsize_plan *plan = NULL;
	struct mapsize_applied *applied = NULL;
	struct agent_bpf *skel;
	struct bpf_map *map, *outer = NULL;
	struct { unsigned int type; uint32_t key, value, max, flags; } tmpl = { 0 };
	struct mapsize_error err;
	int ret = -1, inner_fd = -1;

	memset(c, 0, sizeof(*c));
	c->name = profile ? profile : "baseline";
	if (profile) {
		plan = make_plan(profile, NULL, 0);
		if (!plan)
			return -EINVAL;
		for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
			uint64_t v;
			const char *d = mapsize_plan__dim(plan, i, &v);
			size_t len = strlen(c->dims);

			if (!strcmp(d, "memory"))
				continue;
			snprintf(c->dims + len, sizeof(c->dims) - len, "%s%s=%" PRIu64,
				 len ? " " : "", d, v);
		}
	}
	skel = agent_bpf__open();
	if (!skel) {
		ret = -errno;
		fprintf(stderr, "mapsize-bench: opening the demo object: %s\n", strerror(-ret));
		goto out;
	}
	bpf_object__for_each_map(map, skel->obj) {
		struct bpf_map *in = bpf_map__inner_map(map);

		if (!outer && in && is_map_in_map(bpf_map__type(map))) {
			outer = map;
			tmpl.type = bpf_map__type(in);
			tmpl.key = bpf_map__key_size(in);
			tmpl.value = bpf_map__value_size(in);
			tmpl.max = bpf_map__max_entries(in);
			tmpl.flags = bpf_map__map_flags(in);
		}
	}
	if (plan) {
		memset(&err, 0, sizeof(err));
		applied = mapsize_plan__apply(plan, skel->obj, NULL, &err);
		if (!applied) {
			print_mapsize_error("apply", &err);
			ret = err.code ? err.code : -EINVAL;
			goto out;
		}
	}
	ret = agent_bpf__load(skel);
	if (applied)
		mapsize_applied__free(applied);
	applied = NULL;
	if (ret) {
		fprintf(stderr, "mapsize-bench: loading the demo object (%s): %s\n", c->name,
			strerror(-ret));
		goto out;
	}
	bpf_object__for_each_map(map, skel->obj) {
		const struct mapsize_plan_map *pm;
		struct mem_row *row;

		if (c->cnt == MAX_MAPS)
			break;
		row = &c->rows[c->cnt++];
		ret = read_row(bpf_map__fd(map), bpf_map__name(map), row);
		if (ret) {
			fprintf(stderr, "mapsize-bench: reading map %s: %s\n", bpf_map__name(map),
				strerror(-ret));
			goto out;
		}
		c->total += row->memlock;
		pm = plan ? mapsize_plan__find(plan, row->name) : NULL;
		model_row(row, pm ? pm->expected_entries : 0);
		c->full += row->model_full;
		c->expected += row->model_expected;
	}
	if (outer) {
		const struct mapsize_plan_map *pm;
		uint32_t key = 1;
		char iname[80];

		snprintf(c->inner_of, sizeof(c->inner_of), "%s", bpf_map__name(outer));
		if (plan) {
			memset(&err, 0, sizeof(err));
			inner_fd = mapsize_plan__create_inner_map(plan, c->inner_of, "policy_1_map", &err);
			if (inner_fd < 0) {
				print_mapsize_error("inner map", &err);
				ret = inner_fd;
				goto out;
			}
		} else {
			LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = tmpl.flags);

			inner_fd = bpf_map_create(tmpl.type, "policy_1_map", tmpl.key, tmpl.value,
						  tmpl.max, &mo);
			if (inner_fd < 0) {
				ret = -errno;
				fprintf(stderr, "mapsize-bench: creating an inner map: %s\n",
					strerror(-ret));
				goto out;
			}
		}
		if (bpf_map_update_elem(bpf_map__fd(outer), &key, &inner_fd, BPF_ANY)) {
			ret = -errno;
			fprintf(stderr, "mapsize-bench: inserting the inner map into %s: %s\n",
				c->inner_of, strerror(-ret));
			goto out;
		}
		snprintf(iname, sizeof(iname), "%s (1 inner map)", c->inner_of);
		ret = read_row(inner_fd, iname, &c->inner);
		if (ret)
			goto out;
		snprintf(iname, sizeof(iname), "%s.inner", c->inner_of);
		pm = plan ? mapsize_plan__find(plan, iname) : NULL;
		model_row(&c->inner, pm ? pm->expected_entries : 0);
		c->full += c->inner.model_full;
		c->expected += c->inner.model_expected;
		c->have_inner = true;
	}
	c->model_ok = kmodel;
	for (int i = 0; i < c->cnt; i++)
		c->model_ok = c->model_ok && c->rows[i].model_ok;
	if (c->have_inner)
		c->model_ok = c->model_ok && c->inner.model_ok;
	ret = 0;
out:
	if (inner_fd >= 0)
		close(inner_fd);
	agent_bpf__destroy(skel);
	mapsize_plan__free(plan);
	return ret;
}

static void mem_cell(const struct mem_row *r, char *buf, size_t size)
{
	char hb[32];

	snprintf(buf, size, "%s (%u%s)", human_bytes(r->memlock, hb, sizeof(hb)), r->max_entries,
		 r->map_flags & BPF_F_NO_PREALLOC ? ", np" : "");
}

/* Load the object four times (baseline, small, medium, large), print section (a). */
int cmd_memlock(void)
{
	static const char *const profiles[] = { NULL, "small", "medium", "large" };
	enum { NCONF = 4 };
	static struct mem_config conf[NCONF];
	char hb[32], cell[64];
	int ret;

	bool model_ok = true;

	model_init();
	for (int i = 0; i < NCONF; i++) {
		ret = mem_load(profiles[i], &conf[i]);
		model_ok = model_ok && conf[i].model_ok;
		if (ret)
			return 1;
		if (conf[i].cnt != conf[0].cnt) {
			fprintf(stderr, "mapsize-bench: %s has %d maps, baseline %d\n", conf[i].name,
				conf[i].cnt, conf[0].cnt);
			return 1;
		}
	}

	printf("## (a) Kernel memory of the demo agent's maps\n\n");
	printf("The demo agent's object (`build/demo/agent.bpf.o`, %d maps compiled at Tetragon's "
	       "shipped sizes) loaded into the kernel four times: as compiled (*baseline*, no plan "
	       "applied) and with the plan for each built-in profile from `examples/agent.rules.yaml` "
	       "(`mapsize_planner__use_node`: this node's %u possible CPUs; applied between open and "
	       "load).  *memlock* is the kernel's own figure, `memlock:` in `/proc/self/fdinfo/<fd>`, "
	       "summed over the object's maps.  The map-in-map `%s` holds one inner map per loaded "
	       "policy; the second total adds **one** inner map instance (created as the agent does: "
	       "the compiled template's size for baseline, `mapsize_plan__create_inner_map()` for the "
	       "profiles).  Programs are loaded but not attached, maps are empty.\n\n",
	       conf[0].cnt, bench_node.possible_cpus, conf[0].have_inner ? conf[0].inner_of : "-");

	printf("| configuration | memlock at load, object maps | ratio to baseline | + 1 inner map | ratio to baseline |%s\n",
	       model_ok ? " at expected fill, + 1 inner map (model) | ratio to baseline | every map full, + 1 inner map (model) | ratio to baseline |" : "");
	printf("|---|--:|--:|--:|--:|%s\n", model_ok ? "--:|--:|--:|--:|" : "");
	for (int i = 0; i < NCONF; i++) {
		uint64_t t = conf[i].total, ti = t + (conf[i].have_inner ? conf[i].inner.memlock : 0);
		uint64_t b = conf[0].total, bi = b + (conf[0].have_inner ? conf[0].inner.memlock : 0);
		char hb2[32];

		printf("| %s | %" PRIu64 " B (%s) | %.4f | %" PRIu64 " B (%s) | %.4f |",
		       conf[i].name, t, human_bytes(t, hb, sizeof(hb)), b ? (double)t / (double)b : NAN,
		       ti, human_bytes(ti, hb2, sizeof(hb2)), bi ? (double)ti / (double)bi : NAN);
		if (model_ok) {
			printf(" %s | %.4f |", human_bytes(conf[i].expected, hb, sizeof(hb)),
			       conf[0].expected ? (double)conf[i].expected / (double)conf[0].expected : NAN);
			printf(" %s | %.4f |", human_bytes(conf[i].full, hb, sizeof(hb)),
			       conf[0].full ? (double)conf[i].full / (double)conf[0].full : NAN);
		}
		printf("\n");
	}
	if (model_ok)
		printf("\nThe two *model* columns come from mapsize's memory model for this kernel "
		       "(%s constants, %s era), whose figure for every map as loaded equals the "
		       "kernel's measured one above (checked by this run).  Preallocated maps cost "
		       "their full size at load; BPF_F_NO_PREALLOC maps and the LPM trie grow as "
		       "entries arrive: *at expected fill* puts in each such map the entries its rule's "
		       "`expected:` gives for the profile, or max_entries where the rule has none, "
		       "like the LPM trie's (baseline: as loaded, since all its hashes "
		       "are preallocated; its LPM trie, at most 1024 entries, is counted empty); *every "
		       "map full* puts max_entries in every map (the larger profiles allow more "
		       "entries than baseline, e.g. large's execve_map holds 131072 processes, baseline's "
		       "32768).\n",
		       kconsts.source, mapsize_mem_era__name(kera));
	else
		printf("\n(mapsize's memory model did not reproduce the kernel's figure for every "
		       "map on this kernel, so no *every map full* column.)\n");
	printf("\nProfile dimensions as planned (cpus and memory from this node): ");
	for (int i = 1; i < NCONF; i++)
		printf("%s*%s*: %s", i > 1 ? "; " : "", conf[i].name, conf[i].dims);
	printf(".\n\n");

	printf("Per map: memlock (max_entries; *np* = BPF_F_NO_PREALLOC, memory taken per "
	       "element on insert, so an empty map shows only its table):\n\n");
	printf("| map | type |");
	for (int i = 0; i < NCONF; i++)
		printf(" %s |", conf[i].name);
	printf("\n|---|---|");
	for (int i = 0; i < NCONF; i++)
		printf("--:|");
	printf("\n");
	for (int r = 0; r < conf[0].cnt; r++) {
		printf("| %s | %s |", conf[0].rows[r].name, map_type_str(conf[0].rows[r].bpf_type));
		for (int i = 0; i < NCONF; i++) {
			const struct mem_row *row = &conf[i].rows[r];

			if (strcmp(row->name, conf[0].rows[r].name)) {
				fprintf(stderr, "mapsize-bench: map order differs (%s vs %s)\n",
					row->name, conf[0].rows[r].name);
				return 1;
			}
			mem_cell(row, cell, sizeof(cell));
			printf(" %s |", cell);
		}
		printf("\n");
	}
	if (conf[0].have_inner) {
		printf("| %s | %s |", conf[0].inner.name, map_type_str(conf[0].inner.bpf_type));
		for (int i = 0; i < NCONF; i++) {
			mem_cell(&conf[i].inner, cell, sizeof(cell));
			printf(" %s |", cell);
		}
		printf("\n");
	}
	printf("| **total, object maps** | |");
	for (int i = 0; i < NCONF; i++)
		printf(" **%s** |", human_bytes(conf[i].total, hb, sizeof(hb)));
	printf("\n\n**In short:** at load, the plans take %.3f (small), %.3f (medium) and %.3f "
	       "(large) of the kernel memory the compiled sizes take (%s)",
	       (double)conf[1].total / (double)conf[0].total,
	       (double)conf[2].total / (double)conf[0].total,
	       (double)conf[3].total / (double)conf[0].total, human_bytes(conf[0].total, hb, sizeof(hb)));
	if (model_ok)
		printf("; with the rules' expected entries in the maps that grow, %.3f, %.3f and %.3f",
		       (double)conf[1].expected / (double)conf[0].expected,
		       (double)conf[2].expected / (double)conf[0].expected,
		       (double)conf[3].expected / (double)conf[0].expected);
	printf(".\n\n");
	return 0;
}
