// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The other way round: the demo agent compiled against the header that
 * `mapsize gen-header` wrote for a profile ($O/demo/static-SIZE.bpf.o, built
 * with -include $O/demo/mapsize-SIZE.h) loads with exactly the planned sizes
 * and flags, without mapsize_plan__apply() or any other resizing.
 *
 * The reference plan is computed here as gen-header does: built-in profile
 * only (no node-local cpus/memory), the running kernel as target.  The
 * header on disk must be byte-identical to the one this plan renders, so the
 * object and the reference cannot silently drift apart.
 *
 * When the kernel refuses bpf() the load tests are skipped (printed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_kernel.h"
#include <mapsize/overflow.h>

static struct mapsize_plan *static_plan(const char *size)
{
	struct tk_req req = { .size = size, .no_node = true };

	return tk_plan(&req);
}

/* The header the build used is the one this plan renders. */
static void header_test(const char *size)
{
	struct mapsize_plan *plan = static_plan(size);
	char path[PATH_MAX], rel[64];
	char *want, *have;

	snprintf(rel, sizeof(rel), "demo/mapsize-%s.h", size);
	have = tk_read_file(tk_build_path(path, sizeof(path), rel));
	want = mapsize_plan__header(plan);
	assert_non_null(want);
	if (strcmp(want, have))
		fail_msg("%s differs from the header of a %s plan computed like gen-header (stale build, or "
			 "gen-header plans with other inputs)", path, size);
	free(want);
	free(have);
	mapsize_plan__free(plan);
}

static void test_header_small(void **state) { header_test("small"); }
static void test_header_medium(void **state) { header_test("medium"); }
static void test_header_large(void **state) { header_test("large"); }

static void static_load_test(const char *size)
{
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct bpf_map *map;
	char rel[64];
	size_t maps = 0, inserted = 0, counter_maps = 0;

	REQUIRE_BPF();
	plan = static_plan(size);
	snprintf(rel, sizeof(rel), "demo/static-%s.bpf.o", size);
	obj = tk_open(rel);
	/* compiled in: every map (and the inner template) already has the
	 * planned size and flags before load, nothing resizes it */
	bpf_object__for_each_map(map, obj) {
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, bpf_map__name(map));
		struct bpf_map *tmpl = bpf_map__inner_map(map);

		/* <mapsize/bpf_overflow.h>'s counters: sized by the slot list, no rule */
		if (!pm && mapsize_overflow__is_counter_map(bpf_map__name(map), bpf_map__type(map))) {
			counter_maps++;
			continue;
		}
		if (!pm)
			fail_msg("%s: map '%s' has no rule; the static build should fail to compile then",
				 rel, bpf_map__name(map));
		if (bpf_map__max_entries(map) != pm->max_entries ||
		    (bpf_map__map_flags(map) & MAPSIZE_F_NO_PREALLOC) != (pm->map_flags & MAPSIZE_F_NO_PREALLOC))
			fail_msg("%s: map '%s' compiled with max_entries %u flags 0x%x, planned %u 0x%x", rel,
				 pm->name, bpf_map__max_entries(map), bpf_map__map_flags(map), pm->max_entries,
				 pm->map_flags);
		if (tmpl) {
			char iname[256];
			const struct mapsize_plan_map *ipm;

			snprintf(iname, sizeof(iname), "%s.inner", pm->name);
			ipm = tk_plan_map(plan, iname);
			assert_int_equal(bpf_map__max_entries(tmpl), ipm->max_entries);
			assert_int_equal(bpf_map__map_flags(tmpl), ipm->map_flags);
		}
		maps++;
	}
	/* the rules describe every map of the program, inner template and
	 * overflow counters aside */
	assert_int_equal(maps, mapsize_plan__map_cnt(plan) - 1);
	assert_int_equal(counter_maps, 1);
	tk_load(obj);
	assert_int_equal(tk_check_static_plan(plan, obj), maps);

	/* inner instances of the planned size and flags fit the compiled template */
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
		struct mapsize_error err;
		int outer_fd, fd;

		if (!pm->inner_of)
			continue;
		outer_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, pm->inner_of));
		for (uint32_t key = 1; key <= 3; key++) {
			fd = mapsize_plan__create_inner_map(plan, pm->inner_of, "static_inner", &err);
			if (fd < 0)
				tk_fail_error("mapsize_plan__create_inner_map", &err);
			tk_kmap(fd, &k, pm->name);
			assert_int_equal(k.max_entries, pm->max_entries);
			assert_int_equal(k.map_flags, pm->map_flags);
			if (bpf_map_update_elem(outer_fd, &key, &fd, BPF_ANY))
				fail_msg("%s: an inner instance of '%s' does not fit the compiled template: %s", rel,
					 pm->name, strerror(errno));
			close(fd);
			inserted++;
		}
	}
	assert_int_equal(inserted, 3);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

static void test_static_small(void **state) { static_load_test("small"); }
static void test_static_medium(void **state) { static_load_test("medium"); }
static void test_static_large(void **state) { static_load_test("large"); }

/* The static objects differ from each other (the header did something),
 * and small differs from the dynamic object's compiled-in baseline. */
static void test_static_sizes_differ(void **state)
{
	static const char *const sizes[] = { "small", "medium", "large" };
	struct bpf_object *dyn = tk_open("demo/agent.bpf.o");
	uint32_t baseline = bpf_map__max_entries(bpf_object__find_map_by_name(dyn, "execve_map"));
	uint32_t prev = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char rel[64];
		struct bpf_object *obj;
		uint32_t n;

		snprintf(rel, sizeof(rel), "demo/static-%s.bpf.o", sizes[i]);
		obj = tk_open(rel);
		n = bpf_map__max_entries(bpf_object__find_map_by_name(obj, "execve_map"));
		if (n <= prev || (i == 0 && n == baseline))
			fail_msg("%s: execve_map has %u entries (previous profile %u, baseline %u)", rel, n, prev,
				 baseline);
		prev = n;
		bpf_object__close(obj);
	}
	bpf_object__close(dyn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_small),
		cmocka_unit_test(test_header_medium),
		cmocka_unit_test(test_header_large),
		cmocka_unit_test(test_static_small),
		cmocka_unit_test(test_static_medium),
		cmocka_unit_test(test_static_large),
		cmocka_unit_test(test_static_sizes_differ),
	};

	return cmocka_run_group_tests_name("static header (live kernel)", tests, tk_setup, tk_teardown);
}
