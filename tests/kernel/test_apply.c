// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of mapsize_plan__apply(): plan from the shipped rules,
 * open the demo agent's object (and a mixed object not written for
 * mapsize), apply, load into the running kernel, read every map back.
 *
 *  - for small/medium/large and override/prealloc combinations every managed
 *    map's kernel max_entries and flags equal the plan; inner map instances
 *    too, and they fit their outer map;
 *  - unmanaged maps (.rodata/.data/.bss, maps without a rule) keep their
 *    compiled sizes; rules without a map are MISSING, an error when strict;
 *  - stale rules (value size, key size, type) are refused before load;
 *  - the sizes are real: a full map refuses one more key (E2BIG, ENOSPC).
 *
 * When the kernel refuses bpf() every test is skipped (printed), not passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_kernel.h"
#include <mapsize/overflow.h>

#define DEMO_OBJ	"demo/agent.bpf.o"
#define MIXED_OBJ	"tests/bpf/mixed.bpf.o"

/* An object opened, planned, applied and (after tk_load) loaded. */
struct run {
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *applied;
	/* what the object had before apply */
	struct {
		char name[64];
		uint32_t max_entries, map_flags;
	} compiled[32];
	size_t compiled_cnt;
};

static void run_free(struct run *r)
{
	mapsize_applied__free(r->applied);
	bpf_object__close(r->obj);
	mapsize_plan__free(r->plan);
	memset(r, 0, sizeof(*r));
}

static void snapshot(struct run *r)
{
	struct bpf_map *map;

	r->compiled_cnt = 0;
	bpf_object__for_each_map(map, r->obj) {
		assert_true(r->compiled_cnt < ARRAY_SIZE(r->compiled));
		snprintf(r->compiled[r->compiled_cnt].name, sizeof(r->compiled[0].name), "%s",
			 bpf_map__name(map));
		r->compiled[r->compiled_cnt].max_entries = bpf_map__max_entries(map);
		r->compiled[r->compiled_cnt].map_flags = bpf_map__map_flags(map);
		r->compiled_cnt++;
	}
}

static size_t compiled_idx(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->compiled_cnt; i++)
		if (!strcmp(r->compiled[i].name, name))
			return i;
	fail_msg("map '%s' was not in the object before apply", name);
	return 0;
}

static const struct mapsize_applied_map *applied_find(const struct mapsize_applied *a, const char *name)
{
	for (size_t i = 0; i < mapsize_applied__map_cnt(a); i++)
		if (!strcmp(mapsize_applied__map(a, i)->name, name))
			return mapsize_applied__map(a, i);
	return NULL;
}

/* Plan, open, snapshot, apply (the caller loads). */
static void run_apply(struct run *r, const struct tk_req *req, const char *object, bool strict)
{
	struct mapsize_apply_opts opts = { .sz = sizeof(opts), .strict = strict };
	struct mapsize_error err;

	memset(r, 0, sizeof(*r));
	r->plan = tk_plan(req);
	r->obj = tk_open(object);
	snapshot(r);
	r->applied = mapsize_plan__apply(r->plan, r->obj, &opts, &err);
	if (!r->applied)
		tk_fail_error("mapsize_plan__apply", &err);
}

/* What apply reports: every object map once (applied or unmanaged, with
 * its compiled size), every inner rule of a map-in-map in the object
 * applied, every other rule missing. */
static void check_applied(const struct run *r)
{
	const struct mapsize_applied *a = r->applied;
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
		const char *name = bpf_map__name(map);
		const struct mapsize_plan_map *pm = mapsize_plan__find(r->plan, name);
		const struct mapsize_applied_map *am = applied_find(a, name);
		size_t c = compiled_idx(r, name);
		size_t seen = 0;

		for (size_t i = 0; i < mapsize_applied__map_cnt(a); i++)
			seen += !strcmp(mapsize_applied__map(a, i)->name, name);
		if (!am || seen != 1)
			fail_msg("map '%s' is reported %zu times by apply, expected once", name, seen);
		assert_int_equal(am->compiled_max_entries, r->compiled[c].max_entries);
		assert_int_equal(am->compiled_map_flags, r->compiled[c].map_flags);
		assert_int_equal(am->bpf_type, bpf_map__type(map));
		assert_int_equal(am->key_size, bpf_map__key_size(map));
		assert_int_equal(am->value_size, bpf_map__value_size(map));
		if (pm) {
			assert_int_equal(am->status, MAPSIZE_MAP_APPLIED);
			assert_ptr_equal(am->planned, pm);
			assert_int_equal(am->max_entries, pm->max_entries);
			assert_int_equal(am->map_flags, (r->compiled[c].map_flags & ~MAPSIZE_F_NO_PREALLOC) |
							pm->map_flags);
			/* what libbpf will ask the kernel for */
			assert_int_equal(bpf_map__max_entries(map), pm->max_entries);
			assert_int_equal(bpf_map__map_flags(map), am->map_flags);
		} else {
			assert_int_equal(am->status, MAPSIZE_MAP_UNMANAGED);
			assert_null(am->planned);
			assert_int_equal(am->max_entries, r->compiled[c].max_entries);
			assert_int_equal(am->map_flags, r->compiled[c].map_flags);
			assert_int_equal(bpf_map__max_entries(map), r->compiled[c].max_entries);
			assert_int_equal(bpf_map__map_flags(map), r->compiled[c].map_flags);
		}
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(r->plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(r->plan, i);
		const struct mapsize_applied_map *am = applied_find(a, pm->name);
		bool in_object = bpf_object__find_map_by_name(r->obj, pm->inner_of ? pm->inner_of : pm->name);

		if (!am)
			fail_msg("rule '%s' is not reported by apply", pm->name);
		assert_ptr_equal(am->planned, pm);
		if (in_object) {
			assert_int_equal(am->status, MAPSIZE_MAP_APPLIED);
			assert_int_equal(am->max_entries, pm->max_entries);
			assert_int_equal(am->map_flags & MAPSIZE_F_NO_PREALLOC,
					 pm->map_flags & MAPSIZE_F_NO_PREALLOC);
		} else {
			assert_int_equal(am->status, MAPSIZE_MAP_MISSING);
		}
	}
}

/* After load: managed maps as planned, unmanaged ones as compiled.
 * Returns how many managed maps were checked. */
static size_t check_kernel(const struct run *r)
{
	struct bpf_map *map;
	size_t managed = 0;

	bpf_object__for_each_map(map, r->obj) {
		const char *name = bpf_map__name(map);
		const struct mapsize_plan_map *pm = mapsize_plan__find(r->plan, name);
		size_t c = compiled_idx(r, name);
		struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };

		tk_kmap(bpf_map__fd(map), &k, name);
		assert_int_equal(k.bpf_type, bpf_map__type(map));
		if (!pm) {
			if (k.max_entries != r->compiled[c].max_entries)
				fail_msg("unmanaged map '%s': kernel max_entries %u, compiled %u", name,
					 k.max_entries, r->compiled[c].max_entries);
			assert_int_equal(k.map_flags & MAPSIZE_F_NO_PREALLOC,
					 r->compiled[c].map_flags & MAPSIZE_F_NO_PREALLOC);
			continue;
		}
		if (k.max_entries != pm->max_entries)
			fail_msg("map '%s': kernel max_entries %u, planned %u", name, k.max_entries,
				 pm->max_entries);
		if ((k.map_flags & MAPSIZE_F_NO_PREALLOC) != (pm->map_flags & MAPSIZE_F_NO_PREALLOC))
			fail_msg("map '%s': kernel flags 0x%x, planned 0x%x (BPF_F_NO_PREALLOC differs)", name,
				 k.map_flags, pm->map_flags);
		/* flags the object sets are kept, the plan's are added */
		if (k.map_flags != ((r->compiled[c].map_flags & ~MAPSIZE_F_NO_PREALLOC) | pm->map_flags))
			fail_msg("map '%s': kernel flags 0x%x, expected compiled 0x%x with the plan's 0x%x", name,
				 k.map_flags, r->compiled[c].map_flags, pm->map_flags);
		if (pm->prealloc_toggle && pm->prealloc != !(k.map_flags & MAPSIZE_F_NO_PREALLOC))
			fail_msg("map '%s': planned prealloc %d, kernel flags 0x%x", name, pm->prealloc,
				 k.map_flags);
		if (pm->type != MAPSIZE_MAP_RINGBUF) {
			assert_int_equal(k.key_size, pm->key_size);
			assert_int_equal(k.value_size, pm->value_size);
		}
		managed++;
	}
	return managed;
}

/* Create `cnt` inner instances of every map-in-map of the plan, check them
 * against the plan and insert them into the loaded outer map (the kernel
 * compares them with the template).  Returns how many were inserted. */
static size_t check_inner_instances(const struct run *r, uint32_t cnt)
{
	size_t inserted = 0;

	for (size_t i = 0; i < mapsize_plan__map_cnt(r->plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(r->plan, i);
		struct bpf_map *outer;
		MAPSIZE_OPTS(mapsize_kernel_map, k);
		MAPSIZE_OPTS(mapsize_kernel_map, ko);
		uint32_t n;

		if (!pm->inner_of)
			continue;
		outer = bpf_object__find_map_by_name(r->obj, pm->inner_of);
		if (!outer)
			continue;
		tk_kmap(bpf_map__fd(outer), &ko, pm->inner_of);
		n = cnt < ko.max_entries ? cnt : ko.max_entries;
		for (uint32_t key = 0; key < n; key++) {
			struct mapsize_error err;
			char iname[16];
			uint32_t id = 0;
			int fd, ret;

			snprintf(iname, sizeof(iname), "inst_%u", key);
			fd = mapsize_plan__create_inner_map(r->plan, pm->inner_of, iname, &err);
			if (fd < 0)
				tk_fail_error("mapsize_plan__create_inner_map", &err);
			tk_kmap(fd, &k, iname);
			assert_string_equal(k.name, iname);
			assert_int_equal(k.bpf_type, mapsize_map_type__bpf_type(pm->type));
			assert_int_equal(k.key_size, pm->key_size);
			assert_int_equal(k.value_size, pm->value_size);
			if (k.max_entries != pm->max_entries || k.map_flags != pm->map_flags)
				fail_msg("inner instance of '%s': kernel max_entries %u flags 0x%x, planned %u 0x%x",
					 pm->inner_of, k.max_entries, k.map_flags, pm->max_entries, pm->map_flags);
			ret = bpf_map_update_elem(bpf_map__fd(outer), &key, &fd, BPF_ANY);
			if (ret)
				fail_msg("inserting an inner instance of '%s' (max_entries %u flags 0x%x) into the "
					 "outer map: %s", pm->name, k.max_entries, k.map_flags, strerror(errno));
			/* user space reads back the inner map's id */
			assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(outer), &key, &id), 0);
			assert_int_equal(id, k.id);
			close(fd); /* the outer map holds it */
			inserted++;
		}
	}
	return inserted;
}

static size_t object_map_cnt(struct bpf_object *obj)
{
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, obj)
		n++;
	return n;
}

/* The object's maps but <mapsize/bpf_overflow.h>'s counter map, which has
 * no rule: its size follows the slot list, not the cluster. */
static size_t object_rule_map_cnt(struct bpf_object *obj)
{
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, obj)
		n += !mapsize_overflow__is_counter_map(bpf_map__name(map), bpf_map__type(map));
	return n;
}

/* The whole round trip for the demo agent with the shipped rules: every
 * object map but the overflow counters has a rule, so all are managed. */
static void demo_round_trip(struct run *r, const struct tk_req *req)
{
	run_apply(r, req, DEMO_OBJ, true);
	check_applied(r);
	tk_load(r->obj);
	assert_int_equal(object_map_cnt(r->obj), object_rule_map_cnt(r->obj) + 1);
	assert_int_equal(check_kernel(r), object_rule_map_cnt(r->obj));
	assert_int_equal(check_inner_instances(r, 3), 3);
}

static void expect_plan(const struct mapsize_plan *plan, const char *name, uint32_t max_entries,
			bool prealloc)
{
	const struct mapsize_plan_map *pm = tk_plan_map(plan, name);

	if (pm->max_entries != max_entries || pm->prealloc != prealloc)
		fail_msg("plan of '%s': max_entries %u prealloc %d, expected %u prealloc %d", name,
			 pm->max_entries, pm->prealloc, max_entries, prealloc);
	assert_int_equal(!!(pm->map_flags & MAPSIZE_F_NO_PREALLOC), !prealloc);
}

/* ---- profiles ----------------------------------------------------------------- */

static void profile_test(const char *size)
{
	struct tk_req req = { .size = size };
	uint64_t cpus = 0;
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	assert_string_equal(mapsize_plan__profile(r.plan), size);
	/* node-local: the plan used this machine's possible CPUs */
	assert_int_equal(mapsize_plan__dim_value(r.plan, "cpus", &cpus), 0);
	assert_int_equal(cpus, tk_node.possible_cpus);
	run_free(&r);
}

static void test_profile_small(void **state) { profile_test("small"); }
static void test_profile_medium(void **state) { profile_test("medium"); }
static void test_profile_large(void **state) { profile_test("large"); }

/* The three profiles really differ in the kernel. */
static void test_profiles_grow(void **state)
{
	static const char *const sizes[] = { "small", "medium", "large" };
	uint32_t prev = 0;

	REQUIRE_BPF();
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct tk_req req = { .size = sizes[i] };
		struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
		struct run r;

		run_apply(&r, &req, DEMO_OBJ, false);
		tk_load(r.obj);
		tk_kmap(bpf_map__fd(bpf_object__find_map_by_name(r.obj, "execve_map")), &k, "execve_map");
		if (k.max_entries <= prev)
			fail_msg("execve_map: %s gives %u entries, not more than the smaller profile's %u",
				 sizes[i], k.max_entries, prev);
		prev = k.max_entries;
		run_free(&r);
	}
}

/* ---- overrides and prealloc options --------------------------------------------- */

static void test_set_procs(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "procs=20000" } };
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	assert_int_equal(tk_plan_map(r.plan, "execve_map")->max_entries, 20000);
	assert_int_equal(tk_plan_map(r.plan, "override_tasks")->max_entries, 20000);
	assert_int_equal(tk_plan_map(r.plan, "tg_parents_bin")->max_entries, 5000);
	run_free(&r);
}

static void test_set_map_max_entries(void **state)
{
	struct tk_req req = {
		.size = "medium",
		.sets = { "maps.execve_map.max_entries=5000", "maps.policy_filter_maps.inner.max_entries=77",
			  "maps.policy_filter_maps.max_entries=40", "maps.cgroup_rate_map.prealloc=false" },
	};
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	assert_int_equal(tk_plan_map(r.plan, "execve_map")->max_entries, 5000);
	assert_int_equal(tk_plan_map(r.plan, "policy_filter_maps.inner")->max_entries, 77);
	assert_int_equal(tk_plan_map(r.plan, "policy_filter_maps")->max_entries, 40);
	assert_false(tk_plan_map(r.plan, "cgroup_rate_map")->prealloc);
	run_free(&r);
}

/* --bpf-maps-prealloc=false: every map whose preallocation can toggle is
 * created with BPF_F_NO_PREALLOC, the others keep the kernel default. */
static void test_prealloc_false(void **state)
{
	struct tk_req req = { .size = "large", .prealloc = TK_PREALLOC_FALSE };
	size_t toggles = 0;
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	for (size_t i = 0; i < mapsize_plan__map_cnt(r.plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(r.plan, i);

		if (pm->prealloc_toggle) {
			assert_false(pm->prealloc);
			toggles++;
		}
	}
	assert_true(toggles >= 5); /* execve_map, override_tasks, tg_cgrps_tracking_map, ... */
	expect_plan(r.plan, "tg_parents_bin", tk_plan_map(r.plan, "tg_parents_bin")->max_entries, true);
	run_free(&r);
}

static void test_prealloc_true_disable(void **state)
{
	struct tk_req req = {
		.size = "medium",
		.prealloc = TK_PREALLOC_TRUE,
		.disable = "execve_map,policy_filter_maps.inner",
	};
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	expect_plan(r.plan, "execve_map", tk_plan_map(r.plan, "execve_map")->max_entries, false);
	expect_plan(r.plan, "policy_filter_maps.inner",
		    tk_plan_map(r.plan, "policy_filter_maps.inner")->max_entries, false);
	expect_plan(r.plan, "override_tasks", tk_plan_map(r.plan, "override_tasks")->max_entries, true);
	expect_plan(r.plan, "cgroup_rate_map", tk_plan_map(r.plan, "cgroup_rate_map")->max_entries, true);
	run_free(&r);
}

static void test_prealloc_false_enable(void **state)
{
	struct tk_req req = {
		.size = "small",
		.prealloc = TK_PREALLOC_FALSE,
		.enable = "override_tasks,policy_filter_maps",
	};
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	expect_plan(r.plan, "override_tasks", tk_plan_map(r.plan, "override_tasks")->max_entries, true);
	expect_plan(r.plan, "policy_filter_maps", tk_plan_map(r.plan, "policy_filter_maps")->max_entries, true);
	expect_plan(r.plan, "execve_map", tk_plan_map(r.plan, "execve_map")->max_entries, false);
	expect_plan(r.plan, "policy_filter_maps.inner",
		    tk_plan_map(r.plan, "policy_filter_maps.inner")->max_entries, false);
	run_free(&r);
}

static const char override_profile[] =
	"# an operator's override file\n"
	"base: large\n"
	"dimensions:\n"
	"  procs: 12345\n"
	"  policies: 40\n"
	"maps:\n"
	"  execve_map:\n"
	"    max_entries: 3000\n"
	"    prealloc: true\n"
	"  policy_filter_maps.inner:\n"
	"    max_entries: 99\n";

/* --profile FILE with base:, dimensions and per-map overrides. */
static void test_profile_file(void **state)
{
	struct tk_req req = { .profile = override_profile };
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	expect_plan(r.plan, "execve_map", 3000, true);
	assert_int_equal(tk_plan_map(r.plan, "override_tasks")->max_entries, 12345);
	assert_int_equal(tk_plan_map(r.plan, "policy_filter_maps")->max_entries, 40);
	assert_int_equal(tk_plan_map(r.plan, "policy_filter_maps.inner")->max_entries, 99);
	run_free(&r);
}

/* --set beats the file, per-map prealloc lists beat both. */
static void test_profile_file_set_lists(void **state)
{
	struct tk_req req = {
		.profile = override_profile,
		.sets = { "procs=2048", "maps.execve_map.max_entries=4000" },
		.prealloc = TK_PREALLOC_TRUE,
		.disable = "execve_map",
	};
	struct run r;

	REQUIRE_BPF();
	demo_round_trip(&r, &req);
	expect_plan(r.plan, "execve_map", 4000, false);
	assert_int_equal(tk_plan_map(r.plan, "override_tasks")->max_entries, 2048);
	run_free(&r);
}

/* ---- unmanaged and missing -------------------------------------------------------- */

/* Rules for a few of the demo agent's maps, and one the object lacks. */
static const char partial_rules[] =
	"app: partial\n"
	"maps:\n"
	"  execve_map:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 896\n"
	"    max_entries: 2048\n"
	"    prealloc: false\n"
	"  policy_filter_maps:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 8\n"
	"  policy_filter_maps.inner:\n"
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 1\n"
	"    max_entries: 100\n"
	"    prealloc: false\n"
	"  ghost_map:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 10\n";

static void test_unmanaged_and_missing(void **state)
{
	struct tk_req req = { .size = "small", .rules = partial_rules };
	const struct mapsize_applied_map *am;
	size_t unmanaged = 0;
	struct run r;

	REQUIRE_BPF();
	run_apply(&r, &req, DEMO_OBJ, false);
	check_applied(&r);
	am = applied_find(r.applied, "ghost_map");
	assert_non_null(am);
	assert_int_equal(am->status, MAPSIZE_MAP_MISSING);
	assert_int_equal(am->bpf_type, 0);
	for (size_t i = 0; i < mapsize_applied__map_cnt(r.applied); i++)
		unmanaged += mapsize_applied__map(r.applied, i)->status == MAPSIZE_MAP_UNMANAGED;
	assert_int_equal(unmanaged, object_map_cnt(r.obj) - 2);
	am = applied_find(r.applied, "tg_parents_bin");
	assert_int_equal(am->status, MAPSIZE_MAP_UNMANAGED);
	assert_int_equal(am->max_entries, 32768);
	tk_load(r.obj);
	assert_int_equal(check_kernel(&r), 2);
	assert_int_equal(check_inner_instances(&r, 3), 3);
	run_free(&r);
}

static void test_strict(void **state)
{
	struct mapsize_apply_opts opts = { .sz = sizeof(opts), .strict = true };
	struct tk_req req = { .size = "small", .rules = partial_rules };
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	struct mapsize_error err;

	/* apply creates the inner map template of policy_filter_maps: bpf() */
	REQUIRE_BPF();
	plan = tk_plan(&req);
	obj = tk_open(DEMO_OBJ);
	errno = 0;
	a = mapsize_plan__apply(plan, obj, &opts, &err);
	assert_null(a);
	assert_int_equal(err.code, -ENOENT);
	assert_int_equal(errno, ENOENT);
	if (!strstr(err.msg, "ghost_map"))
		fail_msg("strict error does not name the map: %s", err.msg);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

/* An object not written for mapsize: global data maps, a map without a
 * rule, map-in-maps whose templates the plan resizes. */
static const char mixed_rules[] =
	"app: mixed\n"
	"maps:\n"
	"  flows:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 8\n"
	"    max_entries: procs / 16\n"
	"    prealloc: false\n"
	"  tables:\n"
	"    type: array_of_maps\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 6\n"
	"  tables.inner:\n"
	"    type: array\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 100\n"
	"  sets:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 3\n"
	"  sets.inner:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 50\n"
	"    prealloc: %s\n"
	"  ghost:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 10\n";

static void mixed_test(const char *sets_inner_prealloc)
{
	char rules[sizeof(mixed_rules) + 16];
	struct tk_req req = { .size = "small", .rules = rules };
	static const char *const globals[] = { ".rodata", ".data", ".bss" };
	const struct mapsize_plan_map *inner;
	struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
	struct bpf_map *map;
	uint32_t key, cnt = 0;
	int fd, tables_fd;
	struct run r;

	REQUIRE_BPF();
	snprintf(rules, sizeof(rules), mixed_rules, sets_inner_prealloc);
	run_apply(&r, &req, MIXED_OBJ, false);
	check_applied(&r);
	assert_int_equal(applied_find(r.applied, "ghost")->status, MAPSIZE_MAP_MISSING);
	assert_int_equal(applied_find(r.applied, "unruled")->status, MAPSIZE_MAP_UNMANAGED);
	tk_load(r.obj);
	assert_int_equal(check_kernel(&r), 3);
	/* libbpf's global data maps: as libbpf made them (1 entry, its flags) */
	bpf_object__for_each_map(map, r.obj) {
		const char *name = bpf_map__name(map);

		for (size_t i = 0; i < ARRAY_SIZE(globals); i++) {
			size_t nl = strlen(name), gl = strlen(globals[i]);

			if (nl < gl || strcmp(name + nl - gl, globals[i]))
				continue;
			tk_kmap(bpf_map__fd(map), &k, name);
			assert_int_equal(k.max_entries, 1);
			assert_int_equal(k.map_flags, r.compiled[compiled_idx(&r, name)].map_flags);
			assert_int_equal(applied_find(r.applied, name)->status, MAPSIZE_MAP_UNMANAGED);
			cnt++;
		}
	}
	assert_int_equal(cnt, 3);
	tk_kmap(bpf_map__fd(bpf_object__find_map_by_name(r.obj, "unruled")), &k, "unruled");
	assert_int_equal(k.max_entries, 5);
	assert_int_equal(check_inner_instances(&r, 10), 6 + 3); /* capped by the outer sizes */

	/* The kernel requires an inner array's max_entries to equal the
	 * template's: instances of the planned 100 went in above, one of the
	 * compiled 8 must not. */
	inner = tk_plan_map(r.plan, "tables.inner");
	assert_int_equal(inner->max_entries, 100);
	tables_fd = bpf_map__fd(bpf_object__find_map_by_name(r.obj, "tables"));
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "compiled_size", 4, 4, 8, NULL);
	assert_true(fd >= 0);
	key = 0;
	assert_int_equal(bpf_map_update_elem(tables_fd, &key, &fd, BPF_ANY), -EINVAL);
	close(fd);
	/* array_of_maps holds exactly the planned 6 */
	fd = mapsize_plan__create_inner_map(r.plan, "tables", "past_end", NULL);
	assert_true(fd >= 0);
	key = 6;
	assert_int_equal(bpf_map_update_elem(tables_fd, &key, &fd, BPF_ANY), -E2BIG);
	close(fd);
	run_free(&r);
}

static void test_mixed_object_no_prealloc(void **state) { mixed_test("false"); }
/* The template is compiled with BPF_F_NO_PREALLOC: the plan removes it. */
static void test_mixed_object_prealloc(void **state) { mixed_test("true"); }

/* ---- stale rules ------------------------------------------------------------------- */

/* Apply `rules` to the demo object: refused before anything is created,
 * with an error naming the map and containing every `needles` string. */
static void stale_test(const char *rules, const char *const *needles, size_t needle_cnt)
{
	struct tk_req req = { .size = "small", .rules = rules };
	struct mapsize_plan *plan = tk_plan(&req);
	struct bpf_object *obj = tk_open(DEMO_OBJ);
	struct mapsize_applied *a;
	struct mapsize_error err;
	struct bpf_map *map;

	a = mapsize_plan__apply(plan, obj, NULL, &err);
	assert_null(a);
	assert_int_equal(err.code, -EINVAL);
	for (size_t i = 0; i < needle_cnt; i++)
		if (!strstr(err.msg, needles[i]))
			fail_msg("stale-rule error lacks '%s': %s", needles[i], err.msg);
	/* refused before load: the kernel has not seen a single map */
	bpf_object__for_each_map(map, obj)
		assert_true(bpf_map__fd(map) < 0);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

static void test_stale_value_size(void **state)
{
	static const char *const needles[] = { "execve_map", "value_size 896", "says 900" };

	stale_test("app: stale\nmaps:\n  execve_map:\n    type: hash\n    key_size: 4\n"
		   "    value_size: 900\n    max_entries: 1024\n", needles, ARRAY_SIZE(needles));
}

static void test_stale_key_size(void **state)
{
	static const char *const needles[] = { "override_tasks", "key_size 8", "says 4" };

	stale_test("app: stale\nmaps:\n  override_tasks:\n    type: hash\n    key_size: 4\n"
		   "    value_size: 4\n    max_entries: 1024\n", needles, ARRAY_SIZE(needles));
}

static void test_stale_type(void **state)
{
	static const char *const needles[] = { "tg_execve_joined_info_map", "lru_hash", "says hash" };

	stale_test("app: stale\nmaps:\n  tg_execve_joined_info_map:\n    type: hash\n    key_size: 8\n"
		   "    value_size: 16\n    max_entries: 1024\n", needles, ARRAY_SIZE(needles));
}

static void test_stale_inner_value_size(void **state)
{
	static const char *const needles[] = { "policy_filter_maps.inner", "value_size 1 ", "says 2" };

	stale_test("app: stale\nmaps:\n  policy_filter_maps:\n    type: hash_of_maps\n    key_size: 4\n"
		   "    value_size: 4\n    max_entries: 16\n  policy_filter_maps.inner:\n    type: hash\n"
		   "    key_size: 8\n    value_size: 2\n    max_entries: 64\n", needles, ARRAY_SIZE(needles));
}

/* ---- rhash (Linux 7.2): apply converts the object's hash --------------------------- */

/* mixed.bpf.o's `flows` is compiled as a plain hash (max_entries 100, no
 * flags, map_extra 0); the plan for a 7.3 target makes it an rhash.  Only
 * the libbpf map's fields are checked (this kernel may predate rhash; the
 * load is proved under qemu by rhashfill). */
static void rhash_apply_test(const char *rule_lines)
{
	char rules[512];
	struct tk_req req = { .size = "small", .rules = rules, .kernel = "7.3.0" };
	const struct mapsize_applied_map *am;
	struct bpf_map *flows;
	struct run r;

	snprintf(rules, sizeof(rules), "app: rh\nmaps:\n  flows:\n%s    key_size: 4\n    value_size: 8\n"
		 "    max_entries: 3000\n    expected: 1200\n", rule_lines);
	run_apply(&r, &req, MIXED_OBJ, false);
	assert_int_equal(tk_plan_map(r.plan, "flows")->type, MAPSIZE_MAP_RHASH);
	flows = bpf_object__find_map_by_name(r.obj, "flows");
	assert_int_equal(r.compiled[compiled_idx(&r, "flows")].max_entries, 100);
	assert_int_equal(bpf_map__type(flows), 35);
	assert_int_equal(bpf_map__max_entries(flows), 3000);		/* the cap */
	assert_int_equal(bpf_map__map_extra(flows), 1200);		/* the initial size: expected */
	assert_int_equal(bpf_map__map_flags(flows), BPF_F_NO_PREALLOC);
	am = applied_find(r.applied, "flows");
	assert_int_equal(am->status, MAPSIZE_MAP_APPLIED);
	assert_int_equal(am->bpf_type, 35);
	assert_int_equal(am->max_entries, 3000);
	assert_int_equal(am->map_flags, BPF_F_NO_PREALLOC);
	/* the other maps untouched by the conversion */
	assert_int_equal(bpf_map__type(bpf_object__find_map_by_name(r.obj, "unruled")), BPF_MAP_TYPE_ARRAY);
	run_free(&r);
}

static void test_rhash_resizable_auto(void **state)
{
	rhash_apply_test("    type: hash\n    resizable: auto\n    used_by: [tc]\n");
}

static void test_rhash_rule_on_hash(void **state)
{
	rhash_apply_test("    type: rhash\n");
}

/* On a 6.18 target `resizable: auto` stays a hash: no-prealloc, the cap, no map_extra. */
static void test_rhash_auto_old_target(void **state)
{
	struct tk_req req = { .size = "small", .kernel = "6.18.0", .rules =
		"app: rh\nmaps:\n  flows:\n    type: hash\n    resizable: auto\n    key_size: 4\n"
		"    value_size: 8\n    max_entries: 3000\n    expected: 1200\n" };
	struct bpf_map *flows;
	struct run r;

	run_apply(&r, &req, MIXED_OBJ, false);
	flows = bpf_object__find_map_by_name(r.obj, "flows");
	assert_int_equal(bpf_map__type(flows), BPF_MAP_TYPE_HASH);
	assert_int_equal(bpf_map__max_entries(flows), 3000);
	assert_int_equal(bpf_map__map_extra(flows), 0);
	assert_int_equal(bpf_map__map_flags(flows), BPF_F_NO_PREALLOC);
	run_free(&r);
}

/* Apply after load: libbpf cannot resize any more; say so. */
static void test_apply_after_load(void **state)
{
	struct tk_req req = { .size = "small" };
	struct mapsize_applied *again;
	struct mapsize_error err;
	struct run r;

	REQUIRE_BPF();
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	again = mapsize_plan__apply(r.plan, r.obj, NULL, &err);
	assert_null(again);
	assert_int_equal(err.code, -EBUSY);
	if (!strstr(err.msg, "between open and load"))
		fail_msg("unhelpful error: %s", err.msg);
	run_free(&r);
}

/* ---- the sizes are real ----------------------------------------------------------- */

static int map_fd(const struct run *r, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(r->obj, name);

	if (!map)
		fail_msg("no map '%s' in the object", name);
	return bpf_map__fd(map);
}

/* Fill a hash-like map to max_entries with new keys, then one more fails
 * with `full_err`; replacing and deleting still work when full. */
static void fill(int fd, const char *name, uint32_t max_entries, size_t key_size, size_t value_size,
		 int full_err)
{
	unsigned char *key = calloc(1, key_size), *value = calloc(1, value_size);
	uint32_t i;

	assert_non_null(key);
	assert_non_null(value);
	for (i = 0; i <= max_entries; i++) {
		int ret;

		memcpy(key, &i, key_size < sizeof(i) ? key_size : sizeof(i));
		memcpy(value, &i, value_size < sizeof(i) ? value_size : sizeof(i));
		ret = bpf_map_update_elem(fd, key, value, BPF_NOEXIST);
		if (i < max_entries && ret)
			fail_msg("%s: insert %u of max_entries %u failed: %s", name, i + 1, max_entries,
				 strerror(errno));
		if (i == max_entries && ret != -full_err)
			fail_msg("%s: insert %u into a full map (max_entries %u) returned %d (%s), expected %s",
				 name, i + 1, max_entries, ret, ret ? strerror(-ret) : "success",
				 strerror(full_err));
	}
	/* an existing key can still be replaced; a delete makes room for one */
	memset(key, 0, key_size);
	assert_int_equal(bpf_map_update_elem(fd, key, value, BPF_EXIST), 0);
	assert_int_equal(bpf_map_delete_elem(fd, key), 0);
	i = max_entries + 1;
	memcpy(key, &i, key_size < sizeof(i) ? key_size : sizeof(i));
	assert_int_equal(bpf_map_update_elem(fd, key, value, BPF_NOEXIST), 0);
	free(key);
	free(value);
}

static void fill_hash_test(const char *prealloc)
{
	char set[64];
	struct tk_req req = { .size = "small", .sets = { "maps.execve_map.max_entries=1024", set } };
	const struct mapsize_plan_map *pm;
	struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
	struct run r;

	REQUIRE_BPF();
	snprintf(set, sizeof(set), "maps.execve_map.prealloc=%s", prealloc);
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	check_kernel(&r);
	pm = tk_plan_map(r.plan, "execve_map");
	expect_plan(r.plan, "execve_map", 1024, !strcmp(prealloc, "true"));
	tk_kmap(map_fd(&r, "execve_map"), &k, "execve_map");
	assert_int_equal(k.max_entries, 1024);
	fill(map_fd(&r, "execve_map"), "execve_map", pm->max_entries, pm->key_size, pm->value_size, E2BIG);
	run_free(&r);
}

static void test_fill_hash_prealloc(void **state) { fill_hash_test("true"); }
static void test_fill_hash_no_prealloc(void **state) { fill_hash_test("false"); }

/* Per-CPU values: one value per possible CPU in user space. */
static void test_fill_percpu_hash(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "maps.cgroup_rate_map.prealloc=false" } };
	const struct mapsize_plan_map *pm;
	struct run r;

	REQUIRE_BPF();
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	check_kernel(&r);
	pm = tk_plan_map(r.plan, "cgroup_rate_map");
	assert_true(pm->max_entries <= 4096);
	fill(map_fd(&r, "cgroup_rate_map"), "cgroup_rate_map", pm->max_entries, pm->key_size,
	     ((pm->value_size + 7) & ~7U) * libbpf_num_possible_cpus(), E2BIG);
	run_free(&r);
}

struct lpm_v4_key {
	uint32_t prefixlen;
	uint8_t addr[4];
};

/* lpm_trie (always BPF_F_NO_PREALLOC) reports a full trie as ENOSPC. */
static void test_fill_lpm_trie(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "cidrs=40" } };
	const struct mapsize_plan_map *pm;
	struct lpm_v4_key key = { .prefixlen = 32 };
	uint8_t value = 1;
	uint32_t i;
	int fd;
	struct run r;

	REQUIRE_BPF();
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	check_kernel(&r);
	pm = tk_plan_map(r.plan, "addr4_lpm");
	assert_int_equal(pm->max_entries, 40);
	fd = map_fd(&r, "addr4_lpm");
	for (i = 0; i <= pm->max_entries; i++) {
		int ret;

		key.addr[0] = 10;
		key.addr[2] = (uint8_t)(i >> 8);
		key.addr[3] = (uint8_t)i;
		ret = bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST);
		if (i < pm->max_entries && ret)
			fail_msg("addr4_lpm: insert %u of %u failed: %s", i + 1, pm->max_entries, strerror(-ret));
		if (i == pm->max_entries && ret != -ENOSPC)
			fail_msg("addr4_lpm: insert into a full trie returned %d, expected -ENOSPC", ret);
	}
	/* replacing an existing prefix still works when full */
	key.addr[2] = key.addr[3] = 0;
	assert_int_equal(bpf_map_update_elem(fd, &key, &value, BPF_EXIST), 0);
	run_free(&r);
}

/* Arrays: the planned number of slots, then E2BIG. */
static void test_fill_arrays(void **state)
{
	struct tk_req req = { .size = "medium" };
	const struct mapsize_plan_map *pm;
	uint64_t *values;
	uint32_t key;
	int ncpus = libbpf_num_possible_cpus(), fd;
	struct run r;

	REQUIRE_BPF();
	assert_true(ncpus > 0);
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	pm = tk_plan_map(r.plan, "execve_map_stats");
	values = calloc((size_t)ncpus, sizeof(*values));
	assert_non_null(values);
	fd = map_fd(&r, "execve_map_stats");
	for (key = 0; key < pm->max_entries; key++)
		assert_int_equal(bpf_map_update_elem(fd, &key, values, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(fd, &key, values, BPF_ANY), -E2BIG);
	free(values);
	run_free(&r);
}

/* The outer map holds exactly `policies` inner maps, each inner instance
 * exactly its planned entries. */
static void test_fill_map_in_map(void **state)
{
	struct tk_req req = { .size = "small", .sets = { "policies=20", "containers=30" } };
	const struct mapsize_plan_map *outer, *inner;
	struct mapsize_error err;
	int outer_fd, fd = -1;
	uint32_t key;
	struct run r;

	REQUIRE_BPF();
	run_apply(&r, &req, DEMO_OBJ, false);
	tk_load(r.obj);
	check_kernel(&r);
	outer = tk_plan_map(r.plan, "policy_filter_maps");
	inner = tk_plan_map(r.plan, "policy_filter_maps.inner");
	assert_int_equal(outer->max_entries, 20);
	assert_int_equal(inner->max_entries, 64); /* containers * 2 = 60, min 64 */
	outer_fd = map_fd(&r, "policy_filter_maps");
	for (key = 1; key <= outer->max_entries + 1; key++) {
		int ret;

		fd = mapsize_plan__create_inner_map(r.plan, "policy_filter_maps", NULL, &err);
		if (fd < 0)
			tk_fail_error("mapsize_plan__create_inner_map", &err);
		ret = bpf_map_update_elem(outer_fd, &key, &fd, BPF_NOEXIST);
		if (key <= outer->max_entries && ret)
			fail_msg("policy %u of %u: %s", key, outer->max_entries, strerror(-ret));
		if (key > outer->max_entries && ret != -E2BIG)
			fail_msg("policy %u into a full outer map (max_entries %u): %d, expected -E2BIG", key,
				 outer->max_entries, ret);
		if (key < outer->max_entries + 1)
			close(fd);
	}
	/* the spare instance: fill it (BPF_F_NO_PREALLOC, 8-byte keys, 1-byte values) */
	assert_false(inner->prealloc);
	fill(fd, "policy_filter_maps.inner instance", inner->max_entries, inner->key_size,
	     inner->value_size, E2BIG);
	close(fd);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_small),
		cmocka_unit_test(test_profile_medium),
		cmocka_unit_test(test_profile_large),
		cmocka_unit_test(test_profiles_grow),
		cmocka_unit_test(test_set_procs),
		cmocka_unit_test(test_set_map_max_entries),
		cmocka_unit_test(test_prealloc_false),
		cmocka_unit_test(test_prealloc_true_disable),
		cmocka_unit_test(test_prealloc_false_enable),
		cmocka_unit_test(test_profile_file),
		cmocka_unit_test(test_profile_file_set_lists),
		cmocka_unit_test(test_unmanaged_and_missing),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_mixed_object_no_prealloc),
		cmocka_unit_test(test_mixed_object_prealloc),
		cmocka_unit_test(test_stale_value_size),
		cmocka_unit_test(test_stale_key_size),
		cmocka_unit_test(test_stale_type),
		cmocka_unit_test(test_stale_inner_value_size),
		cmocka_unit_test(test_apply_after_load),
		cmocka_unit_test(test_rhash_resizable_auto),
		cmocka_unit_test(test_rhash_rule_on_hash),
		cmocka_unit_test(test_rhash_auto_old_target),
		cmocka_unit_test(test_fill_hash_prealloc),
		cmocka_unit_test(test_fill_hash_no_prealloc),
		cmocka_unit_test(test_fill_percpu_hash),
		cmocka_unit_test(test_fill_lpm_trie),
		cmocka_unit_test(test_fill_arrays),
		cmocka_unit_test(test_fill_map_in_map),
	};

	return cmocka_run_group_tests_name("apply (live kernel)", tests, tk_setup, tk_teardown);
}
