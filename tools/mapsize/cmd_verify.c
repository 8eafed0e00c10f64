// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize verify: apply the plan to an object, load it into the running
 * kernel, read every map back and compare with the plan. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libbpf_log.h"
#include "mapsize.h"
#include "pin_rows.h"
#include "verify.h"

static const char *load_hint(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "the kernel refused bpf(): run as root or with CAP_BPF (+CAP_PERFMON), "
		       "and check kernel.unprivileged_bpf_disabled / lockdown";
	case EINVAL:
	case ENOTSUP:
	case 524: /* ENOTSUPP */
		return "the kernel rejected a map's size or flags (e.g. BPF_F_NO_PREALLOC on a type "
		       "that cannot take it, or a program rejected by the verifier)";
	case ENOMEM:
	case E2BIG:
		return "not enough memory for the maps (memory cgroup limit?) or a size above the "
		       "kernel's limit: try a smaller --map-size or no preallocation";
	default:
		return "see libbpf's messages above";
	}
}

#define OPT_MAPS_ONLY (OPT_PLAN_LAST + 32)
#define OPT_SKIP_PROGRAM (OPT_PLAN_LAST + 33)

struct verify_args {
	const char *object;
	const char *pin_root;	/* --pin-root DIR */
	bool strict, maps_only, verbose;
	const char **skip;	/* --skip-program NAME, argc slots */
	size_t skip_cnt;
};

static int verify_opt(int opt, const char *arg, void *ctx)
{
	struct verify_args *va = ctx;

	switch (opt) {
	case 'O':
		va->object = arg;
		return 1;
	case 's':
		va->strict = true;
		return 1;
	case 'v':
		va->verbose = true;
		return 1;
	case OPT_MAPS_ONLY:
		va->maps_only = true;
		return 1;
	case OPT_SKIP_PROGRAM:
		va->skip[va->skip_cnt++] = arg;
		return 1;
	case OPT_PIN_ROOT:
		va->pin_root = arg;
		return 1;
	}
	return 0;
}

static void verify_usage(void)
{
	printf("Usage: mapsize verify RULES --object FILE.bpf.o [--strict] [--maps-only | --skip-program NAME ...]\n"
	       "                      [--verbose] [plan options] [--format table|json]\n"
	       "\n"
	       "Applies the plan to the object, loads it into the running kernel, reads every map back\n"
	       "and compares it with the plan: max_entries, flags, and predicted vs kernel memlock.  One\n"
	       "inner map instance per map-in-map is created and inserted into its outer map, as an\n"
	       "agent does at run time.  Needs CAP_BPF (root).  Maps the object pins are loaded\n"
	       "unpinned: nothing in bpffs is created, reused or removed, and a live agent's pinned\n"
	       "maps are only read (to show reuse, migrate or refuse).\n"
	       "\n"
	       "  --object FILE.bpf.o   the BPF object (clang -target bpf)\n"
	       "  --strict              a rule without a map in the object is an error\n"
	       PIN_ROOT_USAGE
	       "  --maps-only           create the object's maps as libbpf does at load, but load no\n"
	       "                        program (for programs that need run-time linking or kernel\n"
	       "                        features this machine lacks); on an object libbpf cannot\n"
	       "                        open, mapsize creates the maps from their definitions\n"
	       "  --skip-program NAME   do not load this program, load the others; repeatable\n"
	       "  --verbose             every libbpf message, as it comes, on stderr\n"
	       "\n"
	       "Externs (kfuncs, kconfig values) that only programs not loaded refer to are left\n"
	       "unresolved.  Exit status: 0 every map as planned, 1 a mismatch, a failed load (the\n"
	       "reason on stderr: libbpf's, the verifier's deciding line, or the memory cgroup limit)\n"
	       "or a pinned map the plan can neither reuse nor migrate,\n"
	       "2 bad input (rules, options, object).\n\n");
	plan_options__usage(stdout);
	printf("\n`mapsize maps RULES` lists the maps whose preallocation can toggle.\n");
}


/* Predict the memlock of the map the kernel created, from its type, sizes
 * and flags: the model must match the kernel's own figure to the byte. */
void verify_row__predict(struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus,
			 const struct mapsize_kernel_consts *k, enum mapsize_mem_era era)
{
	struct mapsize_mem_map mm = {
		.sz = sizeof(mm),
		.type = mapsize_map_type__from_bpf_type(r->k.bpf_type),
		.key_size = r->k.key_size,
		.value_size = r->k.value_size,
		.max_entries = r->k.max_entries,
		.map_flags = r->k.map_flags,
		.map_extra = pm ? pm->map_extra : 0,
		.possible_cpus = cpus,
	};

	r->has_prediction = mm.type != MAPSIZE_MAP_UNSPEC &&
			    !mapsize_memlock_at_load(&mm, k, era, &r->predicted);
}

/* What apply asks the kernel for: the object's flags merged with the plan's
 * (an inner template's BPF_F_INNER_MAP stays), so the planned column shows
 * those and not the rule's alone.  NULL when apply did not size `name`. */
static const struct mapsize_applied_map *applied_find(const struct mapsize_applied *applied, const char *name)
{
	for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++) {
		const struct mapsize_applied_map *am = mapsize_applied__map(applied, i);

		if (am->status != MAPSIZE_MAP_MISSING && !strcmp(am->name, name))
			return am;
	}
	return NULL;
}

/* Does what the kernel created match the plan?  Flags exactly: one the
 * kernel has and the plan lacks is a difference too. */
bool verify_row__matches(const struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus)
{
	uint32_t want = r->planned_max_entries;

	if (pm && pm->type == MAPSIZE_MAP_PERF_EVENT_ARRAY && !want)
		want = cpus; /* libbpf: one per possible CPU */
	return r->k.max_entries == want && r->k.map_flags == r->planned_map_flags;
}

/* Every --skip-program names a program of the object; else exit 2 listing them. */
static int check_skips(const struct verify_args *va, struct bpf_object *obj)
{
	struct bpf_program *prog;

	for (size_t i = 0; i < va->skip_cnt; i++) {
		size_t n = 0;

		if (bpf_object__find_program_by_name(obj, va->skip[i]))
			continue;
		fprintf(stderr, "%s: error: --skip-program %s: no such program, expected one of: ", va->object,
			va->skip[i]);
		bpf_object__for_each_program(prog, obj)
			fprintf(stderr, "%s%s", n++ ? ", " : "", bpf_program__name(prog));
		fprintf(stderr, "%s\n", n ? "" : "(the object has no program)");
		return 2;
	}
	return 0;
}

static bool skipped(const struct verify_args *va, const char *name)
{
	if (va->maps_only)
		return true;
	for (size_t i = 0; i < va->skip_cnt; i++)
		if (!strcmp(va->skip[i], name))
			return true;
	return false;
}

/* A map the kernel could not create for want of memory: name it, its
 * predicted memlock and the memory cgroup limit. */
static bool explain_nomem(const char *object, int ret, const struct mapsize_plan *plan,
			  const struct mapsize_kernel_consts *consts, enum mapsize_mem_era era, uint32_t cpus)
{
	const char *text = libbpf_log__text(), *p, *q;
	char name[128], pred[160] = "", lim[64], file[4200], hb[32];
	uint64_t limit = 0;
	const struct mapsize_plan_map *pm;

	if (ret != -ENOMEM)	/* E2BIG: a size above the kernel's limit, not memory */
		return false;
	/* libbpf: "map 'execve_map': failed to create: Cannot allocate memory(-12)" */
	for (p = text, q = NULL; (p = strstr(p, "': failed to create")); p++)
		q = p;
	if (!q)
		return false;
	for (p = q; p > text && p[-1] != '\''; p--)
		;
	snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
	pm = mapsize_plan__find(plan, name);
	if (pm) {
		size_t cnt = mapsize_plan__map_cnt(plan), idx = cnt;
		struct mapsize_map_memory *mem = calloc(cnt + 1, sizeof(*mem));
		struct mapsize_map_memory total = { .sz = sizeof(total) };
		struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = consts, .era = era,
						  .possible_cpus = cpus };

		for (size_t i = 0; i < cnt; i++)
			if (mapsize_plan__map(plan, i) == pm)
				idx = i;
		if (mem) {
			mem[0].sz = sizeof(mem[0]);
			if (idx < cnt && !mapsize_plan__memory(plan, &mo, mem, &total))
				snprintf(pred, sizeof(pred), " (%s, needs %s = %llu bytes: predicted memlock at load)",
					 pm->prealloc ? "preallocated" : "not preallocated",
					 human_bytes(mem[idx].memlock_load, hb, sizeof(hb)),
					 (unsigned long long)mem[idx].memlock_load);
			free(mem);
		}
	}
	if (!mapsize_memcg__limit(&limit, file, sizeof(file)))
		snprintf(lim, sizeof(lim), "%s = %llu bytes", human_bytes(limit, hb, sizeof(hb)),
			 (unsigned long long)limit);
	if (limit)
		fprintf(stderr, "%s: error: map '%s'%s: the kernel could not allocate it within the memory "
			"cgroup limit of %s (%s): %s\nhint: a smaller --map-size or --set maps.%s.max_entries, "
			"--set maps.%s.prealloc=false, or a larger limit\n", object, name, pred, lim, file,
			strerror(-ret), name, name);
	else
		fprintf(stderr, "%s: error: map '%s'%s: the kernel could not allocate it (no memory cgroup "
			"limit applies): %s\nhint: %s\n", object, name, pred, strerror(-ret), load_hint(ret));
	return true;
}

/* bpf_object__load() failed: libbpf's messages, then one line with the
 * deciding reason and a hint. */
static void load_failed(const struct verify_args *va, int ret, const struct mapsize_plan *plan,
			const struct mapsize_kernel_consts *consts, enum mapsize_mem_era era, uint32_t cpus)
{
	char reason[1024], prog[128], ext[128] = "", users[512] = "";
	const char *p;

	if (explain_nomem(va->object, ret, plan, consts, era, cpus))
		return;
	libbpf_log__print(stderr);
	libbpf_log__reason(reason, sizeof(reason), prog, sizeof(prog));
	if (!reason[0])
		snprintf(reason, sizeof(reason), "%s", strerror(-ret));
	if (prog[0]) {
		fprintf(stderr, "%s: error: program '%s' did not load: %s\nhint: the verifier's log above says "
			"why; --skip-program %s loads the other programs, --maps-only the maps alone\n",
			va->object, prog, reason, prog);
		return;
	}
	if ((p = strstr(reason, "extern")) && (p = strchr(p, '\''))) {
		snprintf(ext, sizeof(ext), "%.*s", (int)strcspn(p + 1, "'"), p + 1);
		verify_object__extern_users(va->object, ext, users, sizeof(users));
	}
	if (ext[0] && users[0]) {
		fprintf(stderr, "%s: error: loading failed: %s\nhint: the running kernel does not provide '%s', "
			"used by %s: --skip-program for %s loads the other programs, --maps-only the maps alone\n",
			va->object, reason, ext, users, strchr(users, ',') ? "each of them" : "it");
		return;
	}
	if (ext[0]) {
		fprintf(stderr, "%s: error: loading failed: %s\nhint: the running kernel does not provide '%s'; "
			"--maps-only loads the maps alone\n", va->object, reason, ext);
		return;
	}
	fprintf(stderr, "%s: error: loading failed: %s\nhint: %s\n", va->object, reason, load_hint(ret));
}

/* Insert one inner instance into its outer map, as an agent would. */
static int insert_instance(int outer_fd, uint32_t key_size, int inner_fd)
{
	void *key = calloc(1, key_size ? key_size : 4);
	int ret;

	if (!key)
		return -ENOMEM;
	ret = bpf_map_update_elem(outer_fd, key, &inner_fd, BPF_ANY);
	free(key);
	return ret < 0 ? -errno : 0;
}

static jv_t *programs_json(struct bpf_object *obj)
{
	jv_t *a = jv_array();
	struct bpf_program *prog;

	if (!obj)	/* maps created by mapsize: no program was looked at */
		return a;

	bpf_object__for_each_program(prog, obj) {
		jv_t *o = jv_object();

		jv_object_set_new(o, "name", jv_string(bpf_program__name(prog)));
		jv_object_set_new(o, "loaded", jv_boolean(bpf_program__fd(prog) >= 0));
		jv_array_append_new(a, o);
	}
	return a;
}

static void print_programs(const struct verify_args *va, struct bpf_object *obj, const struct verify_object *vo)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, obj)
		if (bpf_program__fd(prog) >= 0)
			printf("%s%s", n++ ? ", " : "\nprograms loaded: ", bpf_program__name(prog));
	if (!n)
		printf("\nprograms loaded: none");
	n = 0;
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__fd(prog) < 0)
			printf("%s%s", n++ ? ", " : "; not loaded: ", bpf_program__name(prog));
	if (n)
		printf(" (%s)", va->maps_only ? "--maps-only" : "--skip-program");
	printf("\n");
	for (size_t i = 0; i < vo->weak_cnt; i++)
		printf("%s%s", i ? ", " : "externs only the programs not loaded use, left unresolved: ", vo->weak[i]);
	if (vo->weak_cnt)
		printf("\n");
	for (size_t i = 0; i < vo->unslotted_cnt; i++)
		printf("%s%s", i ? ", " : "prog_array slots left empty for the programs not loaded: ",
		       vo->unslotted[i]);
	if (vo->unslotted_cnt)
		printf("\n");
}

int do_verify(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "strict", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "maps-only", no_argument, NULL, OPT_MAPS_ONLY },
		{ "skip-program", required_argument, NULL, OPT_SKIP_PROGRAM },
		PIN_ROOT_OPTION,
	};
	struct verify_args va = { 0 };
	struct plan_options po;
	struct mapsize_node node = { .sz = sizeof(struct mapsize_node) };
	struct mapsize_error err;
	struct mapsize_apply_opts aopts = { .sz = sizeof(aopts) };
	struct mapsize_applied *applied = NULL;
	struct mapsize_plan *plan = NULL;
	struct verify_object vo = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct mapsize_kernel_consts consts = { .sz = sizeof(struct mapsize_kernel_consts) };
	enum mapsize_mem_era era;
	uint64_t total_predicted = 0;
	struct row *rows = NULL;
	size_t nrows = 0, mismatches = 0, nobj = 0, insert_failures = 0;
	uint64_t total = 0;
	const char *rules;
	int ret, status = 1, inner_fd = -1;
	struct bpf_map *map;
	struct verify_maps vm = { .btf_fd = -1 };
	struct pin_rows pins = { 0 };
	bool own = false;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			verify_usage();
			return 0;
		}
	}
	va.skip = calloc((size_t)argc + 1, sizeof(*va.skip));
	if (!va.skip) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	rules = parse_cmd_args(argc, argv, &po, extra, sizeof(extra) / sizeof(extra[0]), verify_opt, &va);
	if (!va.object) {
		fprintf(stderr, "error: mapsize verify needs --object FILE.bpf.o\n");
		status = 2;
		goto out;
	}
	pins.root = va.pin_root;
	aopts.strict = va.strict;
	aopts.object_path = va.object;	/* which maps the static slots name */
	ret = mapsize_node__read(&node);
	if (ret) {
		fprintf(stderr, "error: cannot read the node's CPUs and memory: %s\n", strerror(-ret));
		goto out;
	}
	plan = plan_options__plan(&po, rules, &node);
	if (!plan) {
		status = 2;
		goto out;
	}
	if (plan_options__memory_model(&po, &consts, &era)) {
		status = 2;
		goto out;
	}
	{
		char why[1024];	/* the built-in sizes check names every struct */

		if (plan_options__consts_warning(&po, &consts, why, sizeof(why)))
			mapsize_plan__add_warning(plan, why);
	}
	/* --maps-only on what libbpf cannot open: mapsize creates the maps */
	own = va.maps_only && !va.skip_cnt && verify_maps__needed(va.object);
	libbpf_log__capture(va.verbose);
	if (own) {
		ret = bpf_probe_privilege();
		if (ret == -EPERM || ret == -EACCES) {
			fprintf(stderr, "error: mapsize verify loads %s into the kernel and needs CAP_BPF (root): "
				"bpf() was refused: %s\n", va.object, strerror(-ret));
			goto out;
		}
		status = verify_maps__run(&vm, va.object, plan, node.possible_cpus, &consts, era);
		if (!status)	/* mapsize created the maps: never pinned; what is pinned there */
			status = pin_rows__from_object(&pins, plan, va.object);
		if (status)
			goto out;
		status = 1;
		obj = NULL;
		rows = vm.rows;
		vm.rows = NULL;
		nrows = vm.nrows;
		mismatches = vm.mismatches;
		insert_failures = vm.insert_failures;
		total = vm.total;
		total_predicted = vm.total_predicted;
		goto report;
	}
	status = verify_object__open(&vo, va.object);
	if (!status)
		status = check_skips(&va, vo.obj);
	if (!status && (va.maps_only || va.skip_cnt))
		status = verify_object__partial(&vo, va.object, va.skip, va.skip_cnt, va.maps_only);
	if (!status)
		status = verify_object__unpin(&vo);
	if (status)
		goto out;
	status = 1;
	obj = vo.obj;
	bpf_object__for_each_program(prog, obj) {
		if (skipped(&va, bpf_program__name(prog)))
			bpf_program__set_autoload(prog, false);
	}
	/* apply creates inner templates: bpf() is needed from here on */
	ret = bpf_probe_privilege();
	if (ret == -EPERM || ret == -EACCES) {
		fprintf(stderr, "error: mapsize verify loads %s into the kernel and needs CAP_BPF (root): bpf() "
			"was refused: %s\n", va.object, strerror(-ret));
		goto out;
	}
	applied = mapsize_plan__apply(plan, obj, &aopts, &err);
	if (!applied) {
		print_error(&err);
		status = 2;
		goto out;
	}
	/* what the object asks for after the plan, against what is pinned */
	for (size_t i = 0; i < vo.pinned_cnt; i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(obj, vo.pinned[i]);
		const struct pin_map_spec spec = {
			.bpf_type = bpf_map__type(m), .key_size = bpf_map__key_size(m),
			.value_size = bpf_map__value_size(m), .max_entries = bpf_map__max_entries(m),
			.map_flags = bpf_map__map_flags(m), .map_extra = bpf_map__map_extra(m),
		};

		if (pin_rows__add(&pins, vo.pinned[i], &spec, mapsize_plan__find(plan, vo.pinned[i])))
			goto out;
	}
	ret = bpf_object__load(obj);
	if (ret) {
		load_failed(&va, ret, plan, &consts, era, node.possible_cpus);
		goto out;
	}
	/* Room for every object map plus one inner instance each. */
	bpf_object__for_each_map(map, obj)
		nobj++;
	rows = calloc(2 * nobj + 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	bpf_object__for_each_map(map, obj) {
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, bpf_map__name(map));
		const struct mapsize_applied_map *am;
		struct row *r = &rows[nrows];

		r->name = bpf_map__name(map);
		r->managed = pm && !pm->inner_of;
		am = applied_find(applied, r->name);
		if (am) {
			r->planned_max_entries = am->max_entries;
			r->planned_map_flags = am->map_flags;
		}
		r->k.sz = sizeof(r->k);
		ret = mapsize_kernel_map__read(bpf_map__fd(map), &r->k);
		if (ret) {
			fprintf(stderr, "error: cannot read map '%s' back from the kernel: %s\n", r->name,
				strerror(-ret));
			goto out;
		}
		r->match = !r->managed || verify_row__matches(r, pm, node.possible_cpus);
		verify_row__predict(r, pm, node.possible_cpus, &consts, era);
		r->match &= !r->has_prediction || r->predicted == r->k.memlock_bytes;
		mismatches += !r->match;
		total += r->k.memlock_bytes;
		total_predicted += r->predicted;
		nrows++;
		/* One inner instance per map-in-map, created and inserted as an agent would. */
		if (pm && (mapsize_map_type__traits(pm->type) & MAPSIZE_TRAIT_MAP_IN_MAP)) {
			char iname[256];
			const struct mapsize_plan_map *ipm;
			struct row *o = r;

			snprintf(iname, sizeof(iname), "%s.inner", r->name);
			ipm = mapsize_plan__find(plan, iname);
			if (!ipm)
				continue;
			o->outer = true;
			inner_fd = mapsize_plan__create_inner_map(plan, r->name, "inner_instance", &err);
			if (inner_fd < 0) {
				snprintf(o->insert_err, sizeof(o->insert_err), "%s", err.msg);
				insert_failures++;
				continue;
			}
			ret = insert_instance(bpf_map__fd(map), bpf_map__key_size(map), inner_fd);
			if (ret) {
				snprintf(o->insert_err, sizeof(o->insert_err), "map '%s': the kernel refused an instance "
					 "of '%s' (max_entries %u, flags 0x%x) as a value: %s", o->name, ipm->name,
					 ipm->max_entries, ipm->map_flags, strerror(-ret));
				insert_failures++;
			}
			o->inserted = !ret;
			r = &rows[nrows];
			r->name = ipm->name;
			r->managed = true;
			r->instance = true;
			am = applied_find(applied, ipm->name);
			r->planned_max_entries = am ? am->max_entries : ipm->max_entries;
			r->planned_map_flags = am ? am->map_flags : ipm->map_flags;
			r->k.sz = sizeof(r->k);
			ret = mapsize_kernel_map__read(inner_fd, &r->k);
			close(inner_fd);
			inner_fd = -1;
			if (ret) {
				fprintf(stderr, "error: cannot read map '%s' back: %s\n", r->name, strerror(-ret));
				goto out;
			}
			r->match = verify_row__matches(r, ipm, node.possible_cpus);
			verify_row__predict(r, ipm, node.possible_cpus, &consts, era);
			r->match &= !r->has_prediction || r->predicted == r->k.memlock_bytes;
			mismatches += !r->match;
			total += r->k.memlock_bytes;
			total_predicted += r->predicted;
			nrows++;
		}
	}
report:
	if (po.format == FORMAT_JSON) {
		jv_t *root = jv_root(), *maps = jv_array();

		jv_object_set_new(root, "object", jv_string(va.object));
		jv_object_set_new(root, "profile", jv_string(mapsize_plan__profile(plan)));
		jv_object_set_new(root, "kernel", jv_string(node.kernel_release));
		jv_object_set_new(root, "possible_cpus", jv_integer(node.possible_cpus));
		for (size_t i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			jv_t *o = jv_object();

			jv_object_set_new(o, "name", jv_string(r->name));
			jv_object_set_new(o, "managed", jv_boolean(r->managed));
			jv_object_set_new(o, "inner_instance", jv_boolean(r->instance));
			jv_object_set_new(o, "planned_max_entries",
					    r->managed ? jv_integer(r->planned_max_entries) : jv_null());
			jv_object_set_new(o, "kernel_max_entries", jv_integer(r->k.max_entries));
			jv_object_set_new(o, "planned_map_flags",
					    r->managed ? jv_integer(r->planned_map_flags) : jv_null());
			jv_object_set_new(o, "kernel_map_flags", jv_integer(r->k.map_flags));
			jv_object_set_new(o, "kernel_memlock_bytes", jv_u64(r->k.memlock_bytes));
			jv_object_set_new(o, "predicted_memlock_bytes",
					    r->has_prediction ? jv_u64(r->predicted) : jv_null());
			jv_object_set_new(o, "match", jv_boolean(r->match));
			if (!r->instance) {
				const struct pin_row *pr = pin_rows__find(&pins, r->name);

				jv_object_set_new(o, "pin", pr ? pin_row__json(pr) : jv_null());
			}
			if (r->outer) {
				jv_object_set_new(o, "inner_instance_inserted", jv_boolean(r->inserted));
				jv_object_set_new(o, "inner_instance_error",
						    r->inserted ? jv_null() : jv_string(r->insert_err));
			}
			jv_array_append_new(maps, o);
		}
		jv_object_set_new(root, "maps", maps);
		{
			jv_t *missing = jv_array();

			for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++)
				if (mapsize_applied__map(applied, i)->status == MAPSIZE_MAP_MISSING)
					jv_array_append_new(missing,
							      jv_string(mapsize_applied__map(applied, i)->name));
			for (size_t i = 0; i < vm.missing_cnt; i++)
				jv_array_append_new(missing, jv_string(vm.missing[i]));
			jv_object_set_new(root, "rules_without_map", missing);
		}
		jv_object_set_new(root, "total_kernel_memlock_bytes", jv_u64(total));
		jv_object_set_new(root, "total_predicted_memlock_bytes", jv_u64(total_predicted));
		jv_object_set_new(root, "kernel_era", jv_string(mapsize_mem_era__name(era)));
		jv_object_set_new(root, "kernel_consts", jv_string(consts.source));
		jv_object_set_new(root, "mismatches", jv_u64(mismatches));
		jv_object_set_new(root, "inner_instances_not_inserted", jv_u64(insert_failures));
		{
			jv_t *budget = plan_budget_json(plan);

			if (budget)
				jv_object_set_new(root, "budget", budget);
		}
		jv_object_set_new(root, "pin_root", jv_string(va.pin_root ? va.pin_root : PIN_ROOT_DEFAULT));
		jv_object_set_new(root, "maps_only", jv_boolean(va.maps_only));
		jv_object_set_new(root, "programs", programs_json(obj));
		if (own)	/* libbpf could not open the object: mapsize created its maps */
			jv_object_set_new(root, "maps_created_by", jv_string("mapsize"));
		{
			jv_t *weak = jv_array();

			for (size_t i = 0; i < vo.weak_cnt; i++)
				jv_array_append_new(weak, jv_string(vo.weak[i]));
			jv_object_set_new(root, "externs_not_required", weak);
			weak = jv_array();
			for (size_t i = 0; i < vo.unslotted_cnt; i++)
				jv_array_append_new(weak, jv_string(vo.unslotted[i]));
			jv_object_set_new(root, "prog_array_slots_left_empty", weak);
		}
		print_json(root);
	} else {
		char hb[32];

		printf("object: %s  profile: %s  kernel: %s  possible cpus: %u\n\n", va.object,
		       mapsize_plan__profile(plan), node.kernel_release, node.possible_cpus);
		printf("%-28s %-8s %11s %11s %7s %7s %12s %12s  %s\n", "MAP", "MANAGED", "PLANNED_MAX",
		       "KERNEL_MAX", "PLAN_FL", "KERN_FL", "MEMLOCK", "PREDICTED", "RESULT");
		for (size_t i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			char pmax[16] = "-", pfl[16] = "-";

			if (r->managed) {
				snprintf(pmax, sizeof(pmax), "%u", r->planned_max_entries);
				snprintf(pfl, sizeof(pfl), "0x%x", r->planned_map_flags);
			}
			char pred[24] = "-";

			if (r->has_prediction)
				snprintf(pred, sizeof(pred), "%llu", (unsigned long long)r->predicted);
			printf("%-28s %-8s %11s %11u %7s %7s %12llu %12s  %s\n", r->name,
			       r->instance ? "instance" : r->managed ? "yes" : "no", pmax, r->k.max_entries, pfl,
			       (snprintf(hb, sizeof(hb), "0x%x", r->k.map_flags), hb),
			       (unsigned long long)r->k.memlock_bytes, pred,
			       !r->match ? "MISMATCH" : !r->managed ? "unmanaged" : "ok");
		}
		for (size_t i = 0, n = 0; i < mapsize_applied__map_cnt(applied) + vm.missing_cnt; i++)
			if (i >= mapsize_applied__map_cnt(applied))
				printf("%s%s", n++ ? ", " : "\nrules without a map in the object: ",
				       vm.missing[i - mapsize_applied__map_cnt(applied)]);
			else if (mapsize_applied__map(applied, i)->status == MAPSIZE_MAP_MISSING)
				printf("%s%s", n++ ? ", " : "\nrules without a map in the object: ",
				       mapsize_applied__map(applied, i)->name);
		for (size_t i = 0, n = 0; i < nrows; i++) {
			const struct row *r = &rows[i];

			if (!r->outer)
				continue;
			printf("%s", n++ ? "" : "\n");
			if (r->inserted)
				printf("inner instance inserted into %s: ok\n", r->name);
			else
				printf("inner instance into %s: FAILED: %s\n", r->name, r->insert_err);
		}
		pin_rows__print(&pins, stdout);
		if (own)
			printf("\nprograms loaded: none; the maps were created by mapsize from the object's "
			       "definitions (libbpf cannot open it: --maps-only)\n");
		else
			print_programs(&va, obj, &vo);
		printf("\ntotal kernel memlock: %s (%llu bytes), predicted %llu bytes (%s era, sizes from %s); "
		       "%zu maps, %zu mismatches%s\n", human_bytes(total, hb, sizeof(hb)), (unsigned long long)total,
		       (unsigned long long)total_predicted, mapsize_mem_era__name(era), consts.source, nrows,
		       mismatches, insert_failures ? ", inner instances not inserted" : "");
		print_plan_budget(NULL, plan);
	}
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].outer && !rows[i].inserted)
			fprintf(stderr, "%s: error: %s\n", va.object, rows[i].insert_err);
	status = mismatches || insert_failures || pin_rows__report(&pins, rules, va.object) ? 1 : 0;
out:
	pin_rows__free(&pins);
	free(rows);
	verify_maps__free(&vm);
	verify_object__close(&vo);
	mapsize_applied__free(applied);
	mapsize_plan__free(plan);
	libbpf_log__reset();
	free(va.skip);
	return status;
}
