// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench: the benchmarks behind `make bench` (issue 4, item 4).  Each
 * subcommand prints one markdown section on stdout; bench/run.sh puts them
 * together in bench/results.md.  A benchmark, not a test: it never fails on
 * a number, only when the kernel refuses something.
 *
 *   mapsize-bench memlock   (a) the demo agent's maps loaded in the kernel
 *                           as compiled (Tetragon's sizes) and planned for
 *                           small/medium/large: fdinfo memlock per map, in
 *                           total and as a ratio to the compiled baseline
 *   mapsize-bench prealloc  (b) one hash map preallocated vs BPF_F_NO_PREALLOC
 *                           at several fill levels: update+delete and lookup
 *                           ns/op in the kernel with BPF_PROG_TEST_RUN
 *   mapsize-bench overhead  (c) open+load of the demo object with and without
 *                           mapsize (rules + plan + apply) in between
 *
 * Options: --rounds N (interleaved rounds, default 31; medians are over them),
 *          --rules FILE (default examples/agent.rules.yaml),
 *          --fills 10,50,90 (prealloc: fill levels in percent, ascending),
 *          --target-ms MS (prealloc: length of one measurement, default 10).
 *
 * Exit status: 0 ok, 2 usage, 3 bpf() refused (reason on stderr), 1 other.
 */
#include <errno.h>
#include <sched.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include <mapsize/memory.h>

#include "format.h"
#include "agent.skel.h"
#include "prealloc.skel.h"

#ifndef BENCH_RULES
#define BENCH_RULES "examples/agent.rules.yaml"
#endif

#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define MAX_ROUNDS 101
#define MAX_MAPS 64
#define MAX_FILLS 8

static const char *rules_path = BENCH_RULES;
static int rounds = 31;
static struct mapsize_node node = { .sz = sizeof(struct mapsize_node) };

/* ---- small helpers -------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q (0..1) of v[0..n-1], linear between order statistics. */
static double quantile(const double *v, int n, double q)
{
	double *s, pos, r;
	int i;

	if (n <= 0 || !(s = malloc((size_t)n * sizeof(*s))))
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	pos = q * (n - 1);
	i = (int)pos;
	r = i + 1 >= n ? s[n - 1] : s[i] + (pos - i) * (s[i + 1] - s[i]);
	free(s);
	return r;
}

static double median(const double *v, int n)
{
	return quantile(v, n, 0.5);
}

static const char *map_type_str(unsigned int type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int mapsize_print(enum mapsize_print_level level, const char *fmt, va_list args)
{
	if (level != MAPSIZE_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void print_mapsize_error(const char *what, const struct mapsize_error *err)
{
	char buf[1200];

	mapsize_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "mapsize-bench: %s: %s\n", what, buf);
}

/* Can this process create BPF maps at all?  0, or prints why not. */
static int probe_bpf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsize_probe", 4, 4, 1, NULL);
	char unpriv[16] = "?";
	FILE *f;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fd = errno;
	f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "re");
	if (f) {
		if (!fgets(unpriv, sizeof(unpriv), f))
			snprintf(unpriv, sizeof(unpriv), "?");
		unpriv[strcspn(unpriv, "\n")] = '\0';
		fclose(f);
	}
	fprintf(stderr, "bpf() refused: BPF_MAP_CREATE failed with %s (errno %d, uid %u, "
		"kernel.unprivileged_bpf_disabled=%s)%s\n", strerror(fd), fd, (unsigned)geteuid(),
		unpriv,
		fd == EPERM || fd == EACCES ? ": run as root, or with CAP_BPF + CAP_PERFMON" :
		fd == ENOSYS ? ": the kernel is built without CONFIG_BPF_SYSCALL" : "");
	return -fd;
}

/* ---- planning ---------------------------------------------------------------- */

/* rules + built-in profile + this node (+ --set assignments) -> plan, as the
 * demo agent does it.  Every step is inside; the caller times the call. */
static struct mapsize_plan *make_plan(const char *profile, const char *const *sets, int set_cnt)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = profile,
		.kernel_release = node.kernel_release,
	};
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan = NULL;
	int ret;

	memset(&err, 0, sizeof(err));
	rules = mapsize_rules__load_file(rules_path, &err);
	if (!rules) {
		print_mapsize_error("rules", &err);
		return NULL;
	}
	pl = mapsize_planner__new(&opts, &err);
	if (!pl) {
		print_mapsize_error("planner", &err);
		mapsize_rules__free(rules);
		return NULL;
	}
	ret = mapsize_planner__use_node(pl, &node);
	for (int i = 0; !ret && i < set_cnt; i++)
		ret = mapsize_planner__set(pl, sets[i]);
	if (ret)
		print_mapsize_error("planner", mapsize_planner__error(pl));
	else if (!(plan = mapsize_planner__plan(pl, rules)))
		print_mapsize_error("plan", mapsize_planner__error(pl));
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return plan;
}

/* =============================================================================
 * (a) memlock of the demo agent's maps under baseline / small / medium / large
 * ============================================================================= */

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

	if (mapsize_kernel_version(node.kernel_release, &ver) ||
	    mapsize_mem_era__from_kernel(ver, &kera))
		return;
	if (mapsize_kernel_consts__from_btf(NULL, &kconsts) &&
	    mapsize_kernel_consts__builtin(node.kernel_release, &kconsts) &&
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
		.possible_cpus = node.possible_cpus,
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

static int cmd_memlock(void)
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
	       conf[0].cnt, node.possible_cpus, conf[0].have_inner ? conf[0].inner_of : "-");

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

/* =============================================================================
 * (b) CPU cost of preallocation: BPF_PROG_TEST_RUN on prealloc vs no-prealloc
 * ============================================================================= */

#define PB_MAX_ENTRIES	65536
#define PB_NR_OPS	4096		/* operations per program run (bpf_loop) */
static double pb_target_ns = 10e6;	/* aim for this long per measurement */

enum { VAR_PREALLOC, VAR_NOPREALLOC, NVAR };
enum { OP_UPD_DEL, OP_BURST, OP_LOOKUP, NOP };
static const char *const var_name[NVAR] = { "prealloc", "no-prealloc" };
static const char *const op_name[NOP] = {
	"update+delete",
	"burst: 4096 inserts, then 4096 deletes",
	"lookup (hit)",
};

static int fills_pct[MAX_FILLS] = { 10, 50, 90 };
static int fill_cnt = 3;

struct pb_variant {
	struct prealloc_bpf *skel;
	int map_fd;
};

static int pb_open(struct pb_variant *v, bool prealloc)
{
	int ret;

	v->skel = prealloc_bpf__open();
	if (!v->skel)
		return -errno;
	v->skel->rodata->nr_ops = PB_NR_OPS;
	if (!prealloc) {
		ret = bpf_map__set_map_flags(v->skel->maps.bench_map, BPF_F_NO_PREALLOC);
		if (ret)
			return ret;
	}
	ret = prealloc_bpf__load(v->skel);
	if (ret)
		return ret;
	v->map_fd = bpf_map__fd(v->skel->maps.bench_map);
	return 0;
}

/* Add keys [from, to) with value zero, in one batch. */
static int pb_fill(int fd, uint64_t from, uint64_t to)
{
	uint32_t count = (uint32_t)(to - from);
	uint64_t *keys;
	void *vals;
	int ret = 0;

	if (!count)
		return 0;
	keys = calloc(count, sizeof(*keys));
	vals = calloc(count, 64);
	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++)
		keys[i] = from + i;
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
		/* no batch ops (or a partial batch): one by one */
		for (uint32_t i = 0; i < (uint32_t)(to - from); i++) {
			if (bpf_map_update_elem(fd, &keys[i], (char *)vals + (size_t)i * 64,
						BPF_ANY)) {
				ret = -errno;
				break;
			}
		}
	}
out:
	free(keys);
	free(vals);
	return ret;
}

/* One BPF_PROG_TEST_RUN of `prog` with `repeat`: ns per run, or <0. */
static double pb_run(struct bpf_program *prog, int repeat, double *wall_ns)
{
	static char pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	double t0 = now_ns();
	int ret = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (wall_ns)
		*wall_ns = now_ns() - t0;
	if (ret)
		return -(double)errno;
	if (o.retval != XDP_PASS)
		return -EIO;
	return (double)o.duration;
}

static struct bpf_program *pb_prog(struct pb_variant *v, int op)
{
	return op == OP_UPD_DEL ? v->skel->progs.bench_upd_del :
	       op == OP_BURST ? v->skel->progs.bench_burst : v->skel->progs.bench_lookup;
}

static int cmd_prealloc(void)
{
	struct pb_variant var[NVAR] = { 0 };
	double ns[MAX_FILLS][NOP][NVAR][MAX_ROUNDS];
	double ratio[MAX_FILLS][NOP][MAX_ROUNDS];
	double loop_ns[MAX_FILLS * MAX_ROUNDS];
	uint64_t memlock[MAX_FILLS][NVAR];
	uint64_t fill_entries[MAX_FILLS];
	int repeat[MAX_FILLS][NOP];
	int loop_cnt = 0, ret;
	uint64_t have = 0;
	double t_start = now_ns();
	int cpu = sched_getcpu();
	bool pinned = false;

	/* test_run executes on the calling CPU: keep every measurement on one */
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pinned = !sched_setaffinity(0, sizeof(set), &set);
	}
	for (int i = 0; i < NVAR; i++) {
		ret = pb_open(&var[i], i == VAR_PREALLOC);
		if (ret) {
			fprintf(stderr, "mapsize-bench: loading the prealloc benchmark (%s): %s\n",
				var_name[i], strerror(-ret));
			return 1;
		}
	}

	for (int f = 0; f < fill_cnt; f++) {
		uint64_t want = (uint64_t)PB_MAX_ENTRIES * (uint64_t)fills_pct[f] / 100;

		/* the burst inserts PB_NR_OPS keys on top of the fill */
		if (want > PB_MAX_ENTRIES - PB_NR_OPS)
			want = PB_MAX_ENTRIES - PB_NR_OPS;
		fill_entries[f] = want;
		for (int i = 0; i < NVAR; i++) {
			struct mapsize_kernel_map km = { .sz = sizeof(km) };

			if (want > have && (ret = pb_fill(var[i].map_fd, have, want))) {
				fprintf(stderr, "mapsize-bench: filling the %s map to %" PRIu64 ": %s\n",
					var_name[i], want, strerror(-ret));
				return 1;
			}
			var[i].skel->bss->fill = want;
			ret = mapsize_kernel_map__read(var[i].map_fd, &km);
			memlock[f][i] = ret ? 0 : km.memlock_bytes;
		}
		if (want > have)
			have = want;

		/* warm up and size the repeat count: same for both variants */
		for (int op = 0; op < NOP; op++) {
			double worst = 0;

			for (int i = 0; i < NVAR; i++) {
				double d;

				pb_run(pb_prog(&var[i], op), 2, NULL);
				d = pb_run(pb_prog(&var[i], op), 5, NULL);
				if (d < 0) {
					fprintf(stderr, "mapsize-bench: BPF_PROG_TEST_RUN: %s\n",
						strerror((int)-d));
					return 1;
				}
				if (d > worst)
					worst = d;
			}
			repeat[f][op] = worst > 0 ? (int)(pb_target_ns / worst) : 100;
			if (repeat[f][op] < 3)
				repeat[f][op] = 3;
			if (repeat[f][op] > 100000)
				repeat[f][op] = 100000;
		}
		for (int i = 0; i < NVAR; i++)
			var[i].skel->bss->errors = 0;

		/* interleaved rounds, alternating which variant goes first (ABBA) */
		for (int r = 0; r < rounds; r++) {
			for (int op = 0; op < NOP; op++) {
				for (int k = 0; k < NVAR; k++) {
					int i = (r & 1) ? NVAR - 1 - k : k;
					double d = pb_run(pb_prog(&var[i], op), repeat[f][op], NULL);

					if (d < 0) {
						fprintf(stderr, "mapsize-bench: BPF_PROG_TEST_RUN: %s\n",
							strerror((int)-d));
						return 1;
					}
					ns[f][op][i][r] = d / PB_NR_OPS;
				}
				ratio[f][op][r] = ns[f][op][VAR_NOPREALLOC][r] / ns[f][op][VAR_PREALLOC][r];
			}
			{
				double d = pb_run(var[VAR_PREALLOC].skel->progs.bench_loop,
						  repeat[f][OP_LOOKUP], NULL);

				if (d > 0 && loop_cnt < MAX_FILLS * MAX_ROUNDS)
					loop_ns[loop_cnt++] = d / PB_NR_OPS;
			}
		}
		for (int i = 0; i < NVAR; i++) {
			if (var[i].skel->bss->errors) {
				fprintf(stderr, "mapsize-bench: %s map at fill %d%%: %llu failed map "
					"operations in the benchmark programs\n", var_name[i],
					fills_pct[f], (unsigned long long)var[i].skel->bss->errors);
				return 1;
			}
		}
	}

	printf("## (b) CPU cost of preallocation\n\n");
	printf("One hash map, key 8 B, value 64 B, max_entries %d, created preallocated (the "
	       "kernel default) and with `BPF_F_NO_PREALLOC`, filled to the same level with keys "
	       "0..fill-1 (`BPF_MAP_UPDATE_BATCH`).  Measured in the kernel with "
	       "`BPF_PROG_TEST_RUN` (XDP programs from `bench/prealloc.bpf.c`, run with "
	       "`repeat`): each run does %d operations in a `bpf_loop()`; ns/op = the kernel's "
	       "duration per run / %d.  *update+delete*: insert a key that is not in the map "
	       "(`BPF_NOEXIST`) and delete it again, i.e. the element allocation and free path, "
	       "the fill level stays put; per insert+delete pair.  *burst*: %d new keys inserted, "
	       "then all deleted, in one run: enough allocations in a row to drain the per-CPU caches "
	       "of the no-prealloc allocator (`bpf_mem_alloc`), so its refills from the slab are "
	       "included; per insert+delete pair.  *lookup*: hits, present keys in a pseudo-random "
	       "order.  %d "
	       "rounds per fill level, the two variants interleaved (alternating which runs "
	       "first), about %.0f ms per measurement, %s; ns/op are medians over the rounds; the "
	       "ratio is the median of the per-round ratios no-prealloc / prealloc (first and "
	       "third quartile in brackets); it cancels the drift between rounds that the two ns/op "
	       "columns, each a median on its own, still carry.  *memlock*: fdinfo at that fill "
	       "level.\n\n",
	       PB_MAX_ENTRIES, PB_NR_OPS, PB_NR_OPS, PB_NR_OPS, rounds, pb_target_ns / 1e6,
	       pinned ? "the process pinned to one CPU" : "not pinned to a CPU");
	printf("| fill (entries) | memlock prealloc / no-prealloc | operation | prealloc, ns/op | no-prealloc, ns/op | no-prealloc / prealloc |\n");
	printf("|---|--:|---|--:|--:|--:|\n");
	for (int f = 0; f < fill_cnt; f++) {
		char h0[32], h1[32];

		for (int op = 0; op < NOP; op++) {
			if (op == 0)
				printf("| %d%% (%" PRIu64 ") | %s / %s |", fills_pct[f], fill_entries[f],
				       human_bytes(memlock[f][VAR_PREALLOC], h0, sizeof(h0)),
				       human_bytes(memlock[f][VAR_NOPREALLOC], h1, sizeof(h1)));
			else
				printf("| | |");
			printf(" %s | %.1f | %.1f | **%.2f** [%.2f–%.2f] |\n", op_name[op],
			       median(ns[f][op][VAR_PREALLOC], rounds),
			       median(ns[f][op][VAR_NOPREALLOC], rounds),
			       median(ratio[f][op], rounds), quantile(ratio[f][op], rounds, 0.25),
			       quantile(ratio[f][op], rounds, 0.75));
		}
	}
	printf("\nOne empty `bpf_loop()` iteration, included once in every ns/op above (twice in *burst*): %.1f ns "
	       "(median of %d runs).  Section wall time %.1f s.\n\n",
	       median(loop_ns, loop_cnt), loop_cnt,
	       (now_ns() - t_start) / 1e9);
	printf("**In short:** no-prealloc / prealloc, over fill levels");
	for (int op = 0; op < NOP; op++) {
		double lo = INFINITY, hi = -INFINITY;

		for (int f = 0; f < fill_cnt; f++) {
			double m = median(ratio[f][op], rounds);

			lo = m < lo ? m : lo;
			hi = m > hi ? m : hi;
		}
		printf("%s %s %.2f–%.2f×", op ? ";" : ":",
		       op == OP_UPD_DEL ? "update+delete" : op == OP_BURST ? "bursts of inserts" :
		       "lookups", lo, hi);
	}
	printf(".\n\n");

	for (int i = 0; i < NVAR; i++)
		prealloc_bpf__destroy(var[i].skel);
	return 0;
}

/* =============================================================================
 * (c) what mapsize adds to open + load of the demo object
 * ============================================================================= */

enum { OV_PLAIN, OV_MEDIUM, OV_PINNED, NOV };
static const char *const ov_name[NOV] = {
	"open + load (as compiled)",
	"open + rules + plan (medium) + apply + load",
	"open + rules + plan (pinned to the compiled sizes) + apply + load",
};

/* --set assignments that pin every ruled map to the object's compiled size
 * and preallocation, so the kernel does the same work as the plain load. */
static char pin_buf[MAX_MAPS * 2][128];
static const char *pin_sets[MAX_MAPS * 2];
static int pin_cnt;
static int ov_map_cnt, ov_prog_cnt;

static int pin_prepare(void)
{
	struct mapsize_plan *plan = make_plan("medium", NULL, 0);
	struct agent_bpf *skel;
	int ret = 0;

	if (!plan)
		return -EINVAL;
	skel = agent_bpf__open();
	if (!skel) {
		mapsize_plan__free(plan);
		return -errno;
	}
	{
		struct bpf_map *m;
		struct bpf_program *p;

		bpf_object__for_each_map(m, skel->obj)
			ov_map_cnt++;
		bpf_object__for_each_program(p, skel->obj)
			ov_prog_cnt++;
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan) && pin_cnt + 2 <= MAX_MAPS * 2; i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		struct bpf_map *m;
		uint32_t max, flags;

		if (pm->inner_of) {
			struct bpf_map *o = bpf_object__find_map_by_name(skel->obj, pm->inner_of);

			m = o ? bpf_map__inner_map(o) : NULL;
		} else {
			m = bpf_object__find_map_by_name(skel->obj, pm->name);
		}
		if (!m)
			continue;
		max = bpf_map__max_entries(m);
		flags = bpf_map__map_flags(m);
		if (pm->max_entries || max) {
			snprintf(pin_buf[pin_cnt], sizeof(pin_buf[0]), "maps.%s.max_entries=%u",
				 pm->name, max);
			pin_sets[pin_cnt] = pin_buf[pin_cnt];
			pin_cnt++;
		}
		if (pm->prealloc_toggle) {
			snprintf(pin_buf[pin_cnt], sizeof(pin_buf[0]), "maps.%s.prealloc=%s",
				 pm->name, flags & BPF_F_NO_PREALLOC ? "false" : "true");
			pin_sets[pin_cnt] = pin_buf[pin_cnt];
			pin_cnt++;
		}
	}
	agent_bpf__destroy(skel);
	mapsize_plan__free(plan);
	return ret;
}

struct ov_times {
	double total;		/* everything, ns */
	double plan;		/* rules + node + planner + plan */
	double apply;		/* apply + freeing the applied state after load */
	bool same_as_compiled;	/* every applied map kept its compiled size/flags */
};

static int ov_once(int v, struct ov_times *t)
{
	struct mapsize_plan *plan = NULL;
	struct mapsize_applied *applied = NULL;
	struct mapsize_error err;
	struct agent_bpf *skel;
	double t0, t1, t2, t3, t4, t5;
	int ret;

	memset(t, 0, sizeof(*t));
	t0 = now_ns();
	skel = agent_bpf__open();
	if (!skel)
		return -errno;
	t1 = now_ns();
	if (v != OV_PLAIN) {
		struct mapsize_node n = { .sz = sizeof(n) };

		if (!mapsize_node__read(&n))	/* part of planning on a live node */
			node = n;
		plan = v == OV_PINNED ? make_plan("medium", pin_sets, pin_cnt)
				      : make_plan("medium", NULL, 0);
		if (!plan) {
			ret = -EINVAL;
			goto out;
		}
	}
	t2 = now_ns();
	if (plan) {
		memset(&err, 0, sizeof(err));
		applied = mapsize_plan__apply(plan, skel->obj, NULL, &err);
		if (!applied) {
			print_mapsize_error("apply", &err);
			ret = err.code ? err.code : -EINVAL;
			goto out;
		}
		t->same_as_compiled = true;
		for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++) {
			const struct mapsize_applied_map *am = mapsize_applied__map(applied, i);

			if (am->status == MAPSIZE_MAP_APPLIED &&
			    (am->max_entries != am->compiled_max_entries ||
			     am->map_flags != am->compiled_map_flags))
				t->same_as_compiled = false;
		}
	}
	t3 = now_ns();
	ret = agent_bpf__load(skel);
	t4 = now_ns();
	if (applied)
		mapsize_applied__free(applied);
	applied = NULL;
	mapsize_plan__free(plan);
	plan = NULL;
	t5 = now_ns();
	if (ret) {
		fprintf(stderr, "mapsize-bench: loading the demo object: %s\n", strerror(-ret));
		goto out;
	}
	t->total = t5 - t0;
	t->plan = t2 - t1;
	t->apply = (t3 - t2) + (t5 - t4);
out:
	if (applied)
		mapsize_applied__free(applied);
	mapsize_plan__free(plan);
	agent_bpf__destroy(skel);
	return ret;
}

static int cmd_overhead(void)
{
	double total[NOV][MAX_ROUNDS], plan[NOV][MAX_ROUNDS], apply[NOV][MAX_ROUNDS];
	double mapsize_part[NOV][MAX_ROUNDS], ratio[NOV][MAX_ROUNDS];
	bool pinned_same = true;
	double t_start = now_ns();
	int ret;

	ret = pin_prepare();
	if (ret) {
		fprintf(stderr, "mapsize-bench: building the pinned plan: %s\n", strerror(-ret));
		return 1;
	}
	/* warm-up: page cache, libbpf's feature probes, the kernel's BTF */
	for (int v = 0; v < NOV; v++) {
		struct ov_times t;

		if (ov_once(v, &t))
			return 1;
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NOV; k++) {
			int v = (k + r) % NOV;	/* rotate the order every round */
			struct ov_times t;

			sleep_ms(20);	/* let the previous maps' deferred freeing settle */
			if (ov_once(v, &t))
				return 1;
			total[v][r] = t.total;
			plan[v][r] = t.plan;
			apply[v][r] = t.apply;
			mapsize_part[v][r] = t.plan + t.apply;
			if (v == OV_PINNED && !t.same_as_compiled)
				pinned_same = false;
		}
		for (int v = 0; v < NOV; v++)
			ratio[v][r] = total[v][r] / total[OV_PLAIN][r];
	}

	printf("## (c) Time mapsize adds to open + load\n\n");
	printf("The demo object opened from its skeleton and loaded (%d programs verified, %d maps "
	       "created), then destroyed; timed with CLOCK_MONOTONIC in one process.  *mapsize "
	       "part* = reading `examples/agent.rules.yaml` + `mapsize_node__read()` + planner "
	       "(built-in profile, node) + `mapsize_planner__plan()` + `mapsize_plan__apply()` "
	       "(which also creates the inner map template) + freeing the applied state after "
	       "load.  The *medium* plan loads smaller maps than the compiled ones, so the kernel "
	       "does less work; the *pinned* plan sets every ruled map back to its compiled size "
	       "and preallocation with `--set`-style assignments (%d of them; %s), so the kernel "
	       "work is the same as the plain load and the difference is mapsize's own cost.  %d "
	       "rounds, the three variants interleaved (order rotated every round, 20 ms pause "
	       "before each); medians over the rounds, ratio = median of the per-round ratios to "
	       "the plain load of the same round.\n\n",
	       ov_prog_cnt, ov_map_cnt, pin_cnt,
	       pinned_same ? "checked: every applied map kept its compiled max_entries and flags"
			   : "**warning: some applied map differed from its compiled size**",
	       rounds);
	printf("| variant | total, median ms | ratio to open + load | mapsize part, median ms | of which plan | of which apply |\n");
	printf("|---|--:|--:|--:|--:|--:|\n");
	for (int v = 0; v < NOV; v++) {
		if (v == OV_PLAIN) {
			printf("| %s | %.2f | 1.000 | – | – | – |\n", ov_name[v],
			       median(total[v], rounds) / 1e6);
			continue;
		}
		printf("| %s | %.2f | **%.3f** [%.3f–%.3f] | %.3f | %.3f | %.3f |\n", ov_name[v],
		       median(total[v], rounds) / 1e6, median(ratio[v], rounds),
		       quantile(ratio[v], rounds, 0.25), quantile(ratio[v], rounds, 0.75),
		       median(mapsize_part[v], rounds) / 1e6, median(plan[v], rounds) / 1e6,
		       median(apply[v], rounds) / 1e6);
	}
	{
		double part[MAX_ROUNDS];

		for (int r = 0; r < rounds; r++)
			part[r] = mapsize_part[OV_MEDIUM][r] / total[OV_PLAIN][r];
		printf("\nThe mapsize part alone (medium) is %.1f%% of a plain open + load (median "
		       "of per-round ratios).  Section wall time %.1f s.\n\n",
		       100 * median(part, rounds), (now_ns() - t_start) / 1e9);
		printf("**In short:** mapsize's own work (rules, plan, apply) takes %.2f ms, %.1f%% "
		       "of a plain open + load of %.1f ms; with the medium plan the whole open + load "
		       "takes %.2f× as long as with the compiled sizes, because the kernel allocates "
		       "less.\n\n",
		       median(mapsize_part[OV_MEDIUM], rounds) / 1e6, 100 * median(part, rounds),
		       median(total[OV_PLAIN], rounds) / 1e6, median(ratio[OV_MEDIUM], rounds));
	}
	return 0;
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mapsize-bench memlock|prealloc|overhead [--rounds N] [--rules FILE]\n"
"                     [--fills P,P,...] [--target-ms MS]\n"
"Prints one markdown section of bench/results.md (see bench/run.sh).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "fills", required_argument, NULL, 'f' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr, "mapsize-bench: --rounds: 1..%d\n", MAX_ROUNDS);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			rules_path = optarg;
			break;
		case 'f': {
			char *s = optarg, *end;

			fill_cnt = 0;
			while (*s && fill_cnt < MAX_FILLS) {
				long p = strtol(s, &end, 10);

				if (end == s || p < 1 || p > 100) {
					fprintf(stderr, "mapsize-bench: --fills: percentages 1..100\n");
					return EXIT_USAGE;
				}
				fills_pct[fill_cnt++] = (int)p;
				s = *end == ',' ? end + 1 : end;
				if (*end && *end != ',')
					return EXIT_USAGE;
			}
			for (int i = 1; i < fill_cnt; i++)
				if (fills_pct[i] <= fills_pct[i - 1]) {
					fprintf(stderr, "mapsize-bench: --fills: ascending\n");
					return EXIT_USAGE;
				}
			break;
		}
		case 't':
			pb_target_ns = atof(optarg) * 1e6;
			if (!(pb_target_ns >= 1e5 && pb_target_ns <= 1e9)) {
				fprintf(stderr, "mapsize-bench: --target-ms: 0.1..1000\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "memlock") && strcmp(cmd, "prealloc") && strcmp(cmd, "overhead")) {
		usage(stderr);
		return EXIT_USAGE;
	}

	libbpf_set_print(libbpf_print);
	mapsize_set_print(mapsize_print);
	ret = mapsize_node__read(&node);
	if (ret) {
		fprintf(stderr, "mapsize-bench: reading this node: %s\n", strerror(-ret));
		return 1;
	}
	if (probe_bpf())
		return EXIT_REFUSED;

	if (!strcmp(cmd, "memlock"))
		return cmd_memlock();
	if (!strcmp(cmd, "prealloc"))
		return cmd_prealloc();
	return cmd_overhead();
}
