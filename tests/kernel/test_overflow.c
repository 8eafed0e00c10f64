// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of the BPF-side overflow counters: <mapsize/bpf_overflow.h>
 * in the demo agent ($O/demo/agent.bpf.o, every managed insert through
 * MAPSIZE_UPDATE), its fill programs (fill_map: syscall, fill_lpm: raw_tp,
 * run with BPF_PROG_TEST_RUN) and mapsize_overflow__read().
 *
 *  - the counter map's BTF names every slot: the rules' map names (as C
 *    identifiers) in MAPSIZE_<NAME>_ID order, in the dynamic and the static
 *    objects; a map that is not a counter map is refused with -EINVAL;
 *  - exact counts: a hash filled to max_entries from user space, then k new
 *    keys from BPF -> E2BIG == k, an update of an existing key while full
 *    succeeds and is not counted; max + k keys from BPF -> E2BIG == k
 *    (preallocated and not); EEXIST (BPF_NOEXIST) and ENOENT (BPF_EXIST)
 *    are not counted; an lpm_trie past max_entries -> ENOSPC == k;
 *  - a no-prealloc hash filled by a process in a memory cgroup with a small
 *    limit (v1 memory.limit_in_bytes, or v2 memory.max) -> ENOMEM counted,
 *    E2BIG 0.  Skipped with the reason when no memory cgroup can be made.
 *
 * When the kernel refuses bpf() every test is skipped (printed), not passed.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "test_kernel.h"
#include <mapsize/overflow.h>
#include <mapsize/status.h>

#define DEMO_OBJ	"demo/agent.bpf.o"

/* The context of fill_map / fill_lpm (tools/demo/agent.bpf.c). */
struct fill_args {
	uint32_t map_id, start, count, flags;
};

/* The demo object loaded with a plan. */
struct ovf_run {
	struct mapsize_plan *plan;
	struct bpf_object *obj;
};

/* ---- helpers that do not assert (also used in the forked child) ---------------- */

/* The slot name of a map: the rules' name as a C identifier, as gen-header
 * writes it into MAPSIZE_OVERFLOW_SLOTS. */
static void slot_ident(const char *name, char *buf, size_t size)
{
	size_t j = 0;

	if (name[0] >= '0' && name[0] <= '9' && j + 1 < size)
		buf[j++] = '_';
	for (; *name && j + 1 < size; name++)
		buf[j++] = (*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
			   (*name >= '0' && *name <= '9') || *name == '_' ? *name : '_';
	buf[j] = '\0';
}

static int plan_idx(const struct mapsize_plan *plan, const char *name)
{
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++)
		if (!strcmp(mapsize_plan__map(plan, i)->name, name))
			return (int)i;
	return -1;
}

/* Open, apply the plan, load; NULL with *err set on failure. */
static struct bpf_object *load_planned(const struct mapsize_plan *plan, int *err)
{
	char path[PATH_MAX + 32];
	struct mapsize_error merr;
	struct mapsize_applied *applied;
	struct bpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s", tk_build, DEMO_OBJ);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		*err = -errno;
		return NULL;
	}
	applied = mapsize_plan__apply(plan, obj, NULL, &merr);
	if (!applied) {
		*err = merr.code ? merr.code : -EINVAL;
		bpf_object__close(obj);
		return NULL;
	}
	*err = bpf_object__load(obj);
	mapsize_applied__free(applied);
	if (*err) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* BPF_PROG_TEST_RUN of the fill program for MAP: 0 and *failed, or a
 * negative errno (the run, or the program's own negative return). */
static int fill_raw(struct bpf_object *obj, const struct mapsize_plan *plan, const char *map,
		    uint32_t start, uint32_t count, uint32_t flags, uint32_t *failed)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map);
	struct fill_args args = { .start = start, .count = count, .flags = flags };
	struct bpf_program *prog;
	int id = plan_idx(plan, map), err;

	if (!m || id < 0)
		return -ENOENT;
	args.map_id = (uint32_t)id;
	prog = bpf_object__find_program_by_name(obj, bpf_map__type(m) == BPF_MAP_TYPE_LPM_TRIE ?
						"fill_lpm" : "fill_map");
	if (!prog)
		return -ENOENT;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return err < 0 ? err : -errno;
	if ((int)opts.retval < 0)
		return (int)opts.retval;
	*failed = opts.retval;
	return 0;
}

/* The counters of MAP (found at its plan index, checked by name). */
static int counters_raw(struct bpf_object *obj, const struct mapsize_plan *plan, const char *map,
			uint64_t out[MAPSIZE_OVF_CLASSES])
{
	struct bpf_map *ovf = bpf_object__find_map_by_name(obj, MAPSIZE_OVERFLOW_MAP_NAME);
	struct mapsize_overflow_counter *c;
	int id = plan_idx(plan, map), n;
	char ident[128];

	if (!ovf || id < 0)
		return -ENOENT;
	n = mapsize_overflow__read(bpf_map__fd(ovf), &c);
	if (n < 0)
		return n;
	slot_ident(map, ident, sizeof(ident));
	if (n != (int)mapsize_plan__map_cnt(plan) || strcmp(c[id].map_name, ident)) {
		free(c);
		return -EPROTO;
	}
	memcpy(out, c[id].failures, sizeof(c[id].failures));
	free(c);
	return 0;
}

/* ---- asserting wrappers ------------------------------------------------------------ */

static void ovf_load(struct ovf_run *r, const struct tk_req *req)
{
	int err;

	r->plan = tk_plan(req);
	tk_libbpf_log_reset();
	r->obj = load_planned(r->plan, &err);
	if (!r->obj)
		fail_msg("loading %s with the plan: %s\nlibbpf:\n%s", DEMO_OBJ, strerror(-err), tk_libbpf_log);
}

static void ovf_free(struct ovf_run *r)
{
	bpf_object__close(r->obj);
	mapsize_plan__free(r->plan);
	memset(r, 0, sizeof(*r));
}

static uint32_t fill(struct ovf_run *r, const char *map, uint32_t start, uint32_t count, uint32_t flags)
{
	uint32_t failed = 0;
	int err = fill_raw(r->obj, r->plan, map, start, count, flags, &failed);

	if (err)
		fail_msg("fill %s %u..+%u flags %u: %s", map, start, count, flags, strerror(-err));
	return failed;
}

static void counters(struct ovf_run *r, const char *map, uint64_t out[MAPSIZE_OVF_CLASSES])
{
	int err = counters_raw(r->obj, r->plan, map, out);

	if (err)
		fail_msg("counters of %s: %s", map, strerror(-err));
}

/* The four counters of MAP equal e2big, enospc, enomem, other. */
static void expect_counters(struct ovf_run *r, const char *map, uint64_t e2big, uint64_t enospc,
			    uint64_t enomem, uint64_t other)
{
	uint64_t c[MAPSIZE_OVF_CLASSES];

	counters(r, map, c);
	if (c[MAPSIZE_OVF_E2BIG] != e2big || c[MAPSIZE_OVF_ENOSPC] != enospc ||
	    c[MAPSIZE_OVF_ENOMEM] != enomem || c[MAPSIZE_OVF_OTHER] != other)
		fail_msg("%s: counters E2BIG %llu ENOSPC %llu ENOMEM %llu other %llu, expected %llu %llu %llu %llu",
			 map, (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2],
			 (unsigned long long)c[3], (unsigned long long)e2big, (unsigned long long)enospc,
			 (unsigned long long)enomem, (unsigned long long)other);
}

/* Every counter of every map is 0 except those of `except`. */
static void expect_others_zero(struct ovf_run *r, const char *except)
{
	for (size_t i = 0; i < mapsize_plan__map_cnt(r->plan); i++) {
		const char *name = mapsize_plan__map(r->plan, i)->name;

		if (!except || strcmp(name, except))
			expect_counters(r, name, 0, 0, 0, 0);
	}
}

static uint32_t kernel_max_entries(struct ovf_run *r, const char *map)
{
	struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };

	tk_kmap(bpf_map__fd(bpf_object__find_map_by_name(r->obj, map)), &k, map);
	return k.max_entries;
}

/* ---- names ------------------------------------------------------------------------------ */

/* Every slot's name, in the order of the rules (= MAPSIZE_<NAME>_ID). */
static void check_slot_names(struct bpf_object *obj, const char *what)
{
	struct mapsize_error err;
	struct mapsize_rules *rules = mapsize_rules__load_file("examples/agent.rules.yaml", &err);
	struct bpf_map *ovf = bpf_object__find_map_by_name(obj, MAPSIZE_OVERFLOW_MAP_NAME);
	struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
	struct mapsize_overflow_counter *c;
	int n;

	if (!rules)
		tk_fail_error("rules", &err);
	if (!ovf)
		fail_msg("%s: no %s map", what, MAPSIZE_OVERFLOW_MAP_NAME);
	tk_kmap(bpf_map__fd(ovf), &k, MAPSIZE_OVERFLOW_MAP_NAME);
	/* the kernel keeps 15 bytes of the name */
	assert_string_equal(k.name, "mapsize_overflo");
	assert_true(mapsize_overflow__is_counter_map(k.name, k.bpf_type));
	assert_int_equal(k.bpf_type, BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(k.max_entries, 1);
	assert_int_equal(k.value_size, mapsize_rules__map_cnt(rules) * MAPSIZE_OVF_CLASSES * 8);

	n = mapsize_overflow__read(bpf_map__fd(ovf), &c);
	if (n < 0)
		fail_msg("%s: mapsize_overflow__read: %s", what, strerror(-n));
	assert_int_equal(n, mapsize_rules__map_cnt(rules));
	for (int i = 0; i < n; i++) {
		char ident[128];

		slot_ident(mapsize_rules__map_name(rules, (size_t)i), ident, sizeof(ident));
		if (strcmp(c[i].map_name, ident))
			fail_msg("%s: slot %d is named '%s', the rules' map %d is '%s'", what, i, c[i].map_name, i,
				 mapsize_rules__map_name(rules, (size_t)i));
		for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
			assert_int_equal(c[i].failures[k], 0);
	}
	/* spelled out once, so that a silent change of the identifier rule shows */
	assert_string_equal(c[0].map_name, "execve_map");
	assert_string_equal(c[10].map_name, "policy_filter_maps_inner");
	assert_string_equal(mapsize_rules__map_name(rules, 10), "policy_filter_maps.inner");
	free(c);
	mapsize_rules__free(rules);
}

static void test_slot_names(void **state)
{
	static const char *const sizes[] = { "small", "medium", "large" };
	struct tk_req req = { .size = "small" };
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct ovf_run r;

	REQUIRE_BPF();
	ovf_load(&r, &req);
	/* the plan's ids (the header's MAPSIZE_<NAME>_ID) are the rules' order */
	rules = mapsize_rules__load_file("examples/agent.rules.yaml", &err);
	assert_non_null(rules);
	assert_int_equal(mapsize_plan__map_cnt(r.plan), mapsize_rules__map_cnt(rules));
	for (size_t i = 0; i < mapsize_plan__map_cnt(r.plan); i++)
		assert_string_equal(mapsize_plan__map(r.plan, i)->name, mapsize_rules__map_name(rules, i));
	mapsize_rules__free(rules);
	check_slot_names(r.obj, DEMO_OBJ);
	ovf_free(&r);

	/* the static objects carry the same slots (their headers' lists) */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char rel[64];
		struct bpf_object *obj;

		snprintf(rel, sizeof(rel), "demo/static-%s.bpf.o", sizes[i]);
		obj = tk_open(rel);
		tk_load(obj);
		check_slot_names(obj, rel);
		bpf_object__close(obj);
	}
}

static void test_not_a_counter_map(void **state)
{
	struct tk_req req = { .size = "small" };
	struct mapsize_overflow_counter *c = (void *)1;
	struct ovf_run r;
	int fd;

	/* pure: class names and the name/type test */
	assert_string_equal(mapsize_ovf_class__name(MAPSIZE_OVF_E2BIG), "E2BIG");
	assert_string_equal(mapsize_ovf_class__name(MAPSIZE_OVF_ENOSPC), "ENOSPC");
	assert_string_equal(mapsize_ovf_class__name(MAPSIZE_OVF_ENOMEM), "ENOMEM");
	assert_string_equal(mapsize_ovf_class__name(MAPSIZE_OVF_OTHER), "other");
	assert_null(mapsize_ovf_class__name(MAPSIZE_OVF_CLASSES));
	assert_null(mapsize_ovf_class__name(-1));
	assert_true(mapsize_overflow__is_counter_map("mapsize_overflo", BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_true(mapsize_overflow__is_counter_map("mapsize_overflow", BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_false(mapsize_overflow__is_counter_map("mapsize_overflo", BPF_MAP_TYPE_ARRAY));
	assert_false(mapsize_overflow__is_counter_map("mapsize_over", BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_false(mapsize_overflow__is_counter_map("execve_map", BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_false(mapsize_overflow__is_counter_map(NULL, BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_int_equal(mapsize_overflow__read(0, NULL), -EINVAL);

	REQUIRE_BPF();
	ovf_load(&r, &req);
	/* a hash; a per-CPU array whose BTF value is not u64[4] slots (data_heap) */
	assert_int_equal(mapsize_overflow__read(bpf_map__fd(bpf_object__find_map_by_name(r.obj, "execve_map")), &c),
			 -EINVAL);
	assert_null(c);
	assert_int_equal(mapsize_overflow__read(bpf_map__fd(bpf_object__find_map_by_name(r.obj, "data_heap")), &c),
			 -EINVAL);
	assert_int_equal(mapsize_overflow__read(bpf_map__fd(bpf_object__find_map_by_name(r.obj,
												"execve_map_stats")), &c),
			 -EINVAL);
	ovf_free(&r);
	/* the right shape without BTF */
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "mapsize_overflo", 4, 64, 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(mapsize_overflow__read(fd, &c), -EINVAL);
	close(fd);
	/* not an fd at all: the kernel's errno (EBADFD on 6.18, EBADF before) */
	fd = mapsize_overflow__read(-1, &c);
	if (fd != -EBADF && fd != -EBADFD)
		fail_msg("mapsize_overflow__read(-1): %d, expected -EBADF or -EBADFD", fd);
	assert_null(c);
}

/* ---- exact counts ------------------------------------------------------------------ */

/* execve_map preallocated with 1024 entries, filled to the top from user
 * space (not counted: only BPF counts), then K new keys from BPF. */
static void test_e2big_after_user_fill(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "maps.execve_map.max_entries=1024",
							 "maps.execve_map.prealloc=true" } };
	static const uint8_t value[896];
	const uint32_t k = 37;
	struct ovf_run r;
	uint32_t max;
	int fd;

	REQUIRE_BPF();
	ovf_load(&r, &req);
	max = kernel_max_entries(&r, "execve_map");
	assert_int_equal(max, 1024);
	fd = bpf_map__fd(bpf_object__find_map_by_name(r.obj, "execve_map"));
	for (uint32_t key = 0; key < max; key++)
		if (bpf_map_update_elem(fd, &key, value, BPF_NOEXIST))
			fail_msg("user-space insert %u of %u: %s", key, max, strerror(errno));
	{
		uint32_t key = max;

		assert_int_not_equal(bpf_map_update_elem(fd, &key, value, BPF_ANY), 0);
		assert_int_equal(errno, E2BIG);
	}
	expect_others_zero(&r, NULL);	/* user space is not counted */

	assert_int_equal(fill(&r, "execve_map", max, k, BPF_ANY), k);
	expect_counters(&r, "execve_map", k, 0, 0, 0);
	/* existing keys while full: replaced, not failures */
	assert_int_equal(fill(&r, "execve_map", 5, 1, BPF_ANY), 0);
	assert_int_equal(fill(&r, "execve_map", 0, 100, BPF_EXIST), 0);
	expect_counters(&r, "execve_map", k, 0, 0, 0);
	/* and new ones still fail, counted again */
	assert_int_equal(fill(&r, "execve_map", 2 * max, 3, BPF_NOEXIST), 3);
	expect_counters(&r, "execve_map", k + 3, 0, 0, 0);
	expect_others_zero(&r, "execve_map");
	ovf_free(&r);
}

/* max + k keys from BPF into an empty map -> exactly k E2BIG. */
static void bpf_fill_test(const char *map, const char *const sets[3], uint32_t want_max, bool prealloc)
{
	struct tk_req req = { .size = "small" };
	const uint32_t k = 23;
	struct ovf_run r;
	uint32_t max;

	for (int i = 0; i < 3 && sets[i]; i++)
		req.sets[i] = sets[i];
	ovf_load(&r, &req);
	max = kernel_max_entries(&r, map);
	assert_int_equal(max, want_max);
	assert_int_equal(tk_plan_map(r.plan, map)->prealloc, prealloc);
	assert_int_equal(fill(&r, map, 1000, max + k, BPF_ANY), k);
	expect_counters(&r, map, k, 0, 0, 0);
	expect_others_zero(&r, map);
	ovf_free(&r);
}

static void test_e2big_bpf_fill(void **state)
{
	static const char *const exec_sets[3] = { "maps.execve_map.max_entries=2000",
						  "maps.execve_map.prealloc=true" };
	static const char *const exec_np_sets[3] = { "maps.execve_map.max_entries=1500",
						     "maps.execve_map.prealloc=false" };
	static const char *const cgrp_sets[3] = { "maps.tg_cgrps_tracking_map.max_entries=1100",
						  "maps.tg_cgrps_tracking_map.prealloc=false" };
	static const char *const ovr_sets[3] = { "maps.override_tasks.max_entries=1024",
						 "maps.override_tasks.prealloc=true" };

	REQUIRE_BPF();
	bpf_fill_test("execve_map", exec_sets, 2000, true);		/* hash, __u32 key */
	bpf_fill_test("execve_map", exec_np_sets, 1500, false);		/* no prealloc */
	bpf_fill_test("tg_cgrps_tracking_map", cgrp_sets, 1100, false);	/* hash, __u64 key */
	bpf_fill_test("override_tasks", ovr_sets, 1024, true);		/* hash, __u64 key */
}

/* EEXIST (BPF_NOEXIST on a present key) and ENOENT (BPF_EXIST on a missing
 * key) are flag semantics: returned, never counted. */
static void test_eexist_enoent_not_counted(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "maps.execve_map.max_entries=1024" } };
	struct ovf_run r;

	REQUIRE_BPF();
	ovf_load(&r, &req);
	assert_int_equal(fill(&r, "execve_map", 0, 100, BPF_ANY), 0);
	assert_int_equal(fill(&r, "execve_map", 0, 100, BPF_NOEXIST), 100);	/* -EEXIST */
	assert_int_equal(fill(&r, "execve_map", 5000, 100, BPF_EXIST), 100);	/* -ENOENT */
	assert_int_equal(fill(&r, "tg_cgrps_tracking_map", 7, 10, BPF_ANY), 0);
	assert_int_equal(fill(&r, "tg_cgrps_tracking_map", 7, 10, BPF_NOEXIST), 10);
	expect_others_zero(&r, NULL);
	/* an unknown map id is refused by the program, nothing counted */
	{
		uint32_t failed = 0;
		int err = fill_raw(r.obj, r.plan, "data_heap", 0, 1, BPF_ANY, &failed);

		assert_int_equal(err, -EINVAL);
	}
	expect_others_zero(&r, NULL);
	ovf_free(&r);
}

/* An lpm_trie past max_entries: -ENOSPC, counted as ENOSPC. */
static void test_lpm_enospc(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "maps.addr4_lpm.max_entries=64" } };
	const uint32_t k = 9;
	struct ovf_run r;

	REQUIRE_BPF();
	ovf_load(&r, &req);
	assert_int_equal(kernel_max_entries(&r, "addr4_lpm"), 64);
	assert_int_equal(fill(&r, "addr4_lpm", 0x0a000000, 64 + k, BPF_ANY), k);	/* 10.0.0.0.. */
	expect_counters(&r, "addr4_lpm", 0, k, 0, 0);
	/* present prefixes are replaced, not failures */
	assert_int_equal(fill(&r, "addr4_lpm", 0x0a000000, 64, BPF_ANY), 0);
	expect_counters(&r, "addr4_lpm", 0, k, 0, 0);
	expect_others_zero(&r, "addr4_lpm");
	ovf_free(&r);
}

/* ---- ENOMEM under a memory cgroup --------------------------------------------------- */

struct memcg {
	char dir[PATH_MAX];		/* the new group */
	char home_procs[PATH_MAX];	/* cgroup.procs of the group we came from */
	const char *limit_file;		/* memory.limit_in_bytes / memory.max */
	const char *usage_file;		/* memory.usage_in_bytes / memory.current */
	const char *version;
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	unsigned long long x;
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*v = x;
	return 0;
}

/* This process's path in hierarchy `key` of /proc/self/cgroup ("memory" for
 * v1; "" for the v2 line "0::PATH"). */
static int self_cgroup(const char *key, char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 64];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		if (strcmp(c1 + 1, key))
			continue;
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		snprintf(buf, size, "%s", strcmp(c2 + 1, "/") ? c2 + 1 : "");
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* The cgroup2 mount point with the memory controller available, or -ENOENT. */
static int v2_mount(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[2 * PATH_MAX], ctl[PATH_MAX + 32], mnt[PATH_MAX / 2], controllers[512];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		FILE *c;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1)
			continue;
		snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", mnt);
		c = fopen(ctl, "re");
		if (!c)
			continue;
		if (fgets(controllers, sizeof(controllers), c) && strstr(controllers, "memory")) {
			snprintf(buf, size, "%s", mnt);
			ret = 0;
		}
		fclose(c);
	}
	fclose(f);
	return ret;
}

/* A new memory cgroup: v1 under this process's memory group, else v2 under
 * the cgroup2 root.  0, or a negative errno with `why` filled. */
static int memcg_create(struct memcg *cg, char *why, size_t why_size)
{
	char path[PATH_MAX / 2], root[PATH_MAX / 2], file[PATH_MAX + 32];
	int err;

	memset(cg, 0, sizeof(*cg));
	if (!access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) && !self_cgroup("memory", path, sizeof(path))) {
		snprintf(cg->dir, sizeof(cg->dir), "/sys/fs/cgroup/memory%s/mapsize-ovf-%d", path, (int)getpid());
		snprintf(cg->home_procs, sizeof(cg->home_procs), "/sys/fs/cgroup/memory%s/cgroup.procs", path);
		cg->limit_file = "memory.limit_in_bytes";
		cg->usage_file = "memory.usage_in_bytes";
		cg->version = "v1";
		if (!mkdir(cg->dir, 0755))
			return 0;
		err = -errno;
		snprintf(why, why_size, "cgroup v1: mkdir %s: %s", cg->dir, strerror(-err));
	} else {
		snprintf(why, why_size, "no writable cgroup v1 memory hierarchy at /sys/fs/cgroup/memory");
		err = -ENOENT;
	}
	if (v2_mount(root, sizeof(root))) {
		snprintf(why + strlen(why), why_size - strlen(why),
			 "; no cgroup2 mount with the memory controller");
		return err;
	}
	if (self_cgroup("", path, sizeof(path)))
		path[0] = '\0';
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", root);
	write_str(file, "+memory");	/* already on, or refused: mkdir + memory.max tell */
	snprintf(cg->dir, sizeof(cg->dir), "%s/mapsize-ovf-%d", root, (int)getpid());
	snprintf(cg->home_procs, sizeof(cg->home_procs), "%s%s/cgroup.procs", root, path);
	cg->limit_file = "memory.max";
	cg->usage_file = "memory.current";
	cg->version = "v2";
	if (mkdir(cg->dir, 0755)) {
		err = -errno;
		snprintf(why + strlen(why), why_size - strlen(why), "; cgroup v2: mkdir %s: %s", cg->dir,
			 strerror(-err));
		return err;
	}
	snprintf(file, sizeof(file), "%s/%s", cg->dir, cg->limit_file);
	if (access(file, W_OK)) {
		err = -errno;
		snprintf(why + strlen(why), why_size - strlen(why), "; cgroup v2: %s: %s", file, strerror(-err));
		rmdir(cg->dir);
		return err;
	}
	return 0;
}

static int memcg_file(const struct memcg *cg, const char *name, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s", cg->dir, name) >= (int)size ? -ENAMETOOLONG : 0;
}

/* What the child reports through the pipe. */
struct child_result {
	int err;			/* 0, or the negative errno of the step that failed */
	int step;			/* which step (for the message) */
	uint64_t usage_loaded, limit;
	uint32_t count, failed;
	uint64_t c[MAPSIZE_OVF_CLASSES];
};

#define ENOMEM_FILL	200000		/* keys: ~1 KiB each, far above the limit */
#define ENOMEM_MAX	262144		/* max_entries: never full, so no E2BIG */
#define ENOMEM_HEADROOM	(4 << 20)	/* the limit: usage after load + 4 MiB */

/* In the child: join the group, load the demo object (its maps are charged
 * to the group), lower the limit to the usage + ENOMEM_HEADROOM, fill a
 * no-prealloc execve_map from BPF, go home, read the counters. */
static void child_fill(const struct memcg *cg, const struct mapsize_plan *plan, int out_fd)
{
	struct child_result res = { .count = ENOMEM_FILL };
	char file[PATH_MAX], num[32];
	struct bpf_object *obj = NULL;
	/* Opened before the fill: at the limit, opening a file charges a
	 * struct file to the group and the OOM killer takes the child (seen
	 * under load); a write to an open cgroup.procs charges nothing. */
	int home_fd = open(cg->home_procs, O_WRONLY | O_CLOEXEC);

#define STEP(n, expr)					\
	do {						\
		res.step = (n);				\
		if ((res.err = (expr)))			\
			goto done;			\
	} while (0)

	snprintf(num, sizeof(num), "%d", (int)getpid());
	STEP(1, memcg_file(cg, "cgroup.procs", file, sizeof(file)));
	STEP(2, write_str(file, num));
	res.step = 3;
	obj = load_planned(plan, &res.err);
	if (!obj)
		goto done;
	STEP(4, memcg_file(cg, cg->usage_file, file, sizeof(file)));
	STEP(5, read_u64(file, &res.usage_loaded));
	res.limit = res.usage_loaded + ENOMEM_HEADROOM;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)res.limit);
	STEP(6, memcg_file(cg, cg->limit_file, file, sizeof(file)));
	STEP(7, write_str(file, num));
	snprintf(num, sizeof(num), "%d", (int)getpid());
	STEP(8, home_fd < 0 ? -errno : 0);
	STEP(8, fill_raw(obj, plan, "execve_map", 1, ENOMEM_FILL, BPF_ANY, &res.failed));
	/* back home before anything else allocates: the maps stay charged to the group */
	STEP(9, write(home_fd, num, strlen(num)) == (ssize_t)strlen(num) ? 0 : -errno);
	STEP(10, counters_raw(obj, plan, "execve_map", res.c));
done:
	if (write(out_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	bpf_object__close(obj);
	_exit(0);
#undef STEP
}

static void test_enomem_memcg(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "maps.execve_map.max_entries=262144",
							 "maps.execve_map.prealloc=false" } };
	struct mapsize_plan *plan;
	struct child_result res;
	struct memcg cg;
	char why[3 * PATH_MAX];
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	REQUIRE_BPF();
	why[0] = '\0';
	if (memcg_create(&cg, why, sizeof(why))) {
		print_message("SKIP: no memory cgroup for the ENOMEM test: %s\n", why);
		skip();
	}
	plan = tk_plan(&req);
	assert_int_equal(tk_plan_map(plan, "execve_map")->max_entries, ENOMEM_MAX);
	assert_false(tk_plan_map(plan, "execve_map")->prealloc);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		child_fill(&cg, plan, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &res, sizeof(res));
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (rmdir(cg.dir))
		print_message("warning: rmdir %s: %s\n", cg.dir, strerror(errno));
	mapsize_plan__free(plan);
	if (n != (ssize_t)sizeof(res))
		fail_msg("the child (cgroup %s) reported nothing: %s %d", cg.version,
			 WIFSIGNALED(status) ? "killed by signal" : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (res.err)
		fail_msg("child in cgroup %s %s: step %d failed: %s", cg.version, cg.dir, res.step,
			 strerror(-res.err));
	print_message("cgroup %s: usage after load %llu, limit %llu; %u of %u inserts failed: "
		      "E2BIG %llu ENOSPC %llu ENOMEM %llu other %llu\n", cg.version,
		      (unsigned long long)res.usage_loaded, (unsigned long long)res.limit, res.failed, res.count,
		      (unsigned long long)res.c[0], (unsigned long long)res.c[1], (unsigned long long)res.c[2],
		      (unsigned long long)res.c[3]);
	assert_true(res.c[MAPSIZE_OVF_ENOMEM] > 0);
	assert_int_equal(res.c[MAPSIZE_OVF_E2BIG], 0);
	assert_int_equal(res.c[MAPSIZE_OVF_ENOSPC], 0);
	/* every refused insert was counted, and the limit did refuse most */
	assert_int_equal(res.failed, res.c[MAPSIZE_OVF_ENOMEM] + res.c[MAPSIZE_OVF_OTHER]);
	assert_true(res.failed > ENOMEM_FILL / 2);
}

/* Counters are matched to maps by full name: 7 failures written into the
 * slot of policy_filter_maps.inner are not the outer policy_filter_maps's,
 * though both kernel names are "policy_filter_m" (the outer map has no BTF
 * of its own: libbpf creates map-in-maps without; its program's BTF names
 * it). */
static void test_status_attributes_by_full_name(void **state)
{
	struct tk_req req = { .size = "small" };
	struct mapsize_status_opts o = { .sz = sizeof(o), .name_glob = "policy_filter_maps*", .no_pids = true };
	struct mapsize_overflow_counter *c;
	struct mapsize_status *st = NULL;
	struct mapsize_error err;
	const struct mapsize_live_map *outer = NULL;
	struct ovf_run r;
	uint64_t *vals;
	uint32_t zero = 0;
	int ovf, n, slot = -1, ncpu = libbpf_num_possible_cpus();
	size_t stride;

	REQUIRE_BPF();
	ovf_load(&r, &req);
	ovf = bpf_map__fd(bpf_object__find_map_by_name(r.obj, MAPSIZE_OVERFLOW_MAP_NAME));
	n = mapsize_overflow__read(ovf, &c);
	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].map_name, "policy_filter_maps_inner"))
			slot = i;
	free(c);
	assert_true(slot >= 0);
	stride = ((size_t)n * MAPSIZE_OVF_CLASSES * sizeof(uint64_t) + 7) / 8;
	vals = calloc((size_t)ncpu, stride * sizeof(uint64_t));
	assert_non_null(vals);
	vals[(size_t)slot * MAPSIZE_OVF_CLASSES] = 7;	/* CPU 0, the first class */
	assert_int_equal(bpf_map_update_elem(ovf, &zero, vals, BPF_ANY), 0);
	free(vals);

	assert_int_equal(mapsize_status__read(&o, &st, &err), 0);
	for (size_t i = 0; i < mapsize_status__map_cnt(st); i++)
		if (mapsize_status__map(st, i)->bpf_type == BPF_MAP_TYPE_HASH_OF_MAPS)
			outer = mapsize_status__map(st, i);
	assert_non_null(outer);
	print_message("outer map: kernel name '%s', full name '%s', failures %llu\n", outer->kernel_name,
		      outer->name, (unsigned long long)mapsize_live_map__failures(outer));
	assert_string_equal(outer->kernel_name, "policy_filter_m");
	assert_string_equal(outer->name, "policy_filter_maps");
	assert_false(outer->name_truncated);
	assert_true(outer->has_failures);	/* its own counter, at 0 */
	assert_int_equal(mapsize_live_map__failures(outer), 0);
	mapsize_status__free(st);
	ovf_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_names),
		cmocka_unit_test(test_not_a_counter_map),
		cmocka_unit_test(test_e2big_after_user_fill),
		cmocka_unit_test(test_e2big_bpf_fill),
		cmocka_unit_test(test_eexist_enoent_not_counted),
		cmocka_unit_test(test_lpm_enospc),
		cmocka_unit_test(test_enomem_memcg),
		cmocka_unit_test(test_status_attributes_by_full_name),
	};

	return cmocka_run_group_tests_name("overflow counters (live kernel)", tests, tk_setup, tk_teardown);
}
