// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Inner map instances sized per instance (src/core/inner_instance.c): the
 * `instance:` rule key and its errors, the kernel rule per type, flags and
 * target kernel (template size before 5.10), the sizing formula and the
 * grow/shrink decision.  Pure: no kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"

/* medium profile: containers = 220 */
#define RULES(inner_type, inner_extra, instance)				\
	"app: t\n"								\
	"maps:\n"								\
	"  pol:\n"								\
	"    type: hash_of_maps\n"						\
	"    key_size: 4\n"							\
	"    max_entries: 16\n"							\
	"  pol.inner:\n"							\
	"    type: " inner_type "\n"						\
	"    key_size: " inner_extra "\n"					\
	"    value_size: 1\n"							\
	"    max_entries: containers * 2\n"					\
	instance

static const char hash_rules[] = RULES("hash", "8", "    instance: {headroom: 3, min: 16, max: pow2(containers * 2)}\n");

static struct mapsize_plan *plan_kernel(const char *yaml, const char *kernel)
{
	struct mapsize_planner *pl = planner("medium", kernel);
	struct mapsize_plan *plan = plan_ok(pl, yaml);

	mapsize_planner__free(pl);
	return plan;
}

static struct mapsize_inner_sizing sizing(const struct mapsize_plan *plan)
{
	struct mapsize_inner_sizing s = { .sz = sizeof(s) };

	assert_int_equal(mapsize_plan__inner_sizing(plan, "pol", &s), 0);
	return s;
}

static uint32_t entries_for(const struct mapsize_plan *plan, uint64_t live, bool *per)
{
	uint32_t e = 0;

	assert_int_equal(mapsize_plan__inner_entries(plan, "pol", live, &e, per), 0);
	return e;
}

static void test_formula(void **state)
{
	struct mapsize_plan *plan = plan_kernel(hash_rules, "6.1");
	struct mapsize_inner_sizing s = sizing(plan);
	bool per = false;

	(void)state;
	assert_true(s.has_instance);
	assert_true(s.kernel_allows);
	assert_true(s.per_instance);
	assert_contains(s.why, "5.10");
	assert_int_equal(s.headroom_milli, 3000);
	assert_int_equal(s.min_entries, 16);
	assert_int_equal(s.max_entries, 512);		/* pow2(440) */
	assert_int_equal(s.template_entries, 440);
	/* clamp(round(3 x live), 16, 512) */
	assert_int_equal(entries_for(plan, 0, &per), 16);
	assert_true(per);
	assert_int_equal(entries_for(plan, 5, NULL), 16);
	assert_int_equal(entries_for(plan, 6, NULL), 18);
	assert_int_equal(entries_for(plan, 100, NULL), 300);
	assert_int_equal(entries_for(plan, 170, NULL), 510);
	assert_int_equal(entries_for(plan, 171, NULL), 512);
	assert_int_equal(entries_for(plan, UINT64_MAX, NULL), 512);
	assert_int_equal(mapsize_plan__inner_entries(plan, "nope", 1, &(uint32_t){ 0 }, NULL), -ENOENT);
	mapsize_plan__free(plan);
}

static void test_headroom_default_and_fraction(void **state)
{
	struct mapsize_plan *plan = plan_kernel(RULES("hash", "8", "    instance: {}\n"), NULL);
	struct mapsize_inner_sizing s = sizing(plan);

	(void)state;
	assert_int_equal(s.headroom_milli, 2000);
	assert_int_equal(s.min_entries, 1);
	assert_int_equal(s.max_entries, 440);		/* default max: the template's */
	assert_int_equal(entries_for(plan, 10, NULL), 20);
	assert_int_equal(entries_for(plan, 1000, NULL), 440);
	mapsize_plan__free(plan);

	capture_reset();
	plan = plan_kernel(RULES("hash", "8", "    instance: {headroom: 1.1}\n"), NULL);
	assert_contains(captured, "map 'pol.inner': instance headroom 1.100 leaves an instance grown at 90% full");
	mapsize_plan__free(plan);
	capture_reset();
	plan = plan_kernel(RULES("hash", "8", "    instance: {headroom: 1.5}\n"), NULL);
	assert_int_equal(captured_len, 0);
	assert_int_equal(sizing(plan).headroom_milli, 1500);
	assert_int_equal(entries_for(plan, 3, NULL), 5);	/* 4.5 rounds half up */
	assert_int_equal(entries_for(plan, 10, NULL), 15);
	mapsize_plan__free(plan);
}

/* Before 5.10 every instance equals the template: the plan falls back. */
static void test_before_5_10_template_size(void **state)
{
	struct mapsize_plan *plan;
	struct mapsize_inner_sizing s;
	bool per = true;

	(void)state;
	capture_reset();
	plan = plan_kernel(hash_rules, "5.4");
	s = sizing(plan);
	assert_true(s.has_instance);
	assert_false(s.kernel_allows);
	assert_false(s.per_instance);
	assert_contains(s.why, "before 5.10");
	assert_int_equal(entries_for(plan, 10, &per), 440);
	assert_false(per);
	assert_contains(captured, "map 'pol.inner': instances are created at the template's max_entries 440");
	mapsize_plan__free(plan);
	plan = plan_kernel(hash_rules, "5.10");
	assert_true(sizing(plan).per_instance);
	mapsize_plan__free(plan);
}

/* kernel_allows of an inner rule of `type` with one more line (`extra`) for `kernel`. */
static bool inner_ok(const char *type, const char *flags, const char *kernel, const char **why)
{
	char yaml[512];
	struct mapsize_plan *plan;
	struct mapsize_inner_sizing s;
	bool array = strstr(type, "array") != NULL;

	snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  pol: {type: array_of_maps, max_entries: 4}\n"
		 "  pol.inner:\n    type: %s\n    key_size: %s\n    value_size: 8\n    max_entries: 64\n"
		 "    %s\n    instance: {}\n", type, array ? "4" : "8", flags ? flags : "");
	plan = plan_kernel(yaml, kernel);
	s = sizing(plan);
	*why = s.why;
	mapsize_plan__free(plan);
	return s.kernel_allows;
}

static void test_kernel_rule_per_type(void **state)
{
	static const char *const hashes[] = { "hash", "percpu_hash", "lru_hash", "lru_percpu_hash" };
	const char *why;

	(void)state;
	/* arrays only with BPF_F_INNER_MAP */
	assert_false(inner_ok("array", NULL, NULL, &why));
	assert_contains(why, "BPF_F_INNER_MAP");
	assert_true(inner_ok("array", "flags: [inner_map]", NULL, &why));
	assert_false(inner_ok("array", NULL, "5.9", &why));
	assert_contains(why, "before 5.10");
	{	/* and before 5.10 the flag itself does not exist: the plan is refused */
		struct mapsize_planner *pl = planner("medium", "5.9");
		struct mapsize_error err = plan_err(pl, "app: t\nmaps:\n  pol: {type: array_of_maps, max_entries: 4}\n"
						    "  pol.inner: {type: array, value_size: 8, max_entries: 64,\n"
						    "              flags: [inner_map], instance: {}}\n");

		assert_contains(err.msg, "flag inner_map (BPF_F_INNER_MAP) on an array map is first in Linux 5.10");
		mapsize_planner__free(pl);
	}
	/* percpu_array: differs 5.10 - 7.0 */
	assert_true(inner_ok("percpu_array", NULL, "6.18", &why));
	assert_false(inner_ok("percpu_array", NULL, "7.1", &why));
	assert_false(inner_ok("percpu_array", NULL, NULL, &why));
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		assert_true(inner_ok(hashes[i], NULL, "5.10", &why));
		assert_false(inner_ok(hashes[i], NULL, "5.4", &why));
	}
	assert_true(inner_ok("lpm_trie", "prealloc: false", NULL, &why));
	assert_false(inner_ok("lpm_trie", "prealloc: false", "4.19", &why));
}

static void test_array_plan(void **state)
{
	struct mapsize_plan *plan;

	(void)state;
	plan = plan_kernel(RULES("array", "4", "    instance: {headroom: 2}\n"), NULL);
	assert_false(sizing(plan).per_instance);
	assert_int_equal(entries_for(plan, 10, NULL), 440);
	mapsize_plan__free(plan);
	plan = plan_kernel(RULES("array", "4", "    flags: [inner_map]\n    instance: {headroom: 2}\n"), NULL);
	assert_true(sizing(plan).per_instance);
	assert_int_equal(entries_for(plan, 10, NULL), 20);
	mapsize_plan__free(plan);
	/* no instance: the kernel rule is still reported */
	plan = plan_kernel(RULES("hash", "8", ""), NULL);
	assert_false(sizing(plan).has_instance);
	assert_true(sizing(plan).kernel_allows);
	assert_false(sizing(plan).per_instance);
	assert_int_equal(entries_for(plan, 10, NULL), 440);
	mapsize_plan__free(plan);
}

static void test_check_grow_shrink(void **state)
{
	struct mapsize_plan *plan = plan_kernel(hash_rules, NULL);
	MAPSIZE_OPTS(mapsize_inner_check_opts, opts, .grow_permille = 800, .shrink_permille = 250);
	uint32_t n = 0;

	(void)state;
	/* size 100: grow at >= 90 live to 3 x live */
	assert_int_equal(mapsize_inner__check(plan, "pol", 89, 100, NULL, &n), MAPSIZE_INNER_KEEP);
	assert_int_equal(n, 100);
	assert_int_equal(mapsize_inner__check(plan, "pol", 90, 100, NULL, &n), MAPSIZE_INNER_GROW);
	assert_int_equal(n, 270);
	/* shrink below 1/8 */
	assert_int_equal(mapsize_inner__check(plan, "pol", 13, 100, NULL, &n), MAPSIZE_INNER_KEEP);
	assert_int_equal(mapsize_inner__check(plan, "pol", 12, 100, NULL, &n), MAPSIZE_INNER_SHRINK);
	assert_int_equal(n, 36);
	/* at min: no smaller map; at max: no bigger one */
	assert_int_equal(mapsize_inner__check(plan, "pol", 1, 16, NULL, &n), MAPSIZE_INNER_KEEP);
	assert_int_equal(mapsize_inner__check(plan, "pol", 500, 512, NULL, &n), MAPSIZE_INNER_KEEP);
	assert_int_equal(n, 512);
	/* thresholds from opts */
	assert_int_equal(mapsize_inner__check(plan, "pol", 80, 100, &opts, &n), MAPSIZE_INNER_GROW);
	assert_int_equal(mapsize_inner__check(plan, "pol", 24, 100, &opts, &n), MAPSIZE_INNER_SHRINK);
	opts.shrink_permille = 900;
	assert_int_equal(mapsize_inner__check(plan, "pol", 24, 100, &opts, &n), -EINVAL);
	assert_int_equal(mapsize_inner__check(plan, "pol", 24, 0, NULL, &n), -EINVAL);
	assert_string_equal(mapsize_inner_action__name(MAPSIZE_INNER_GROW), "grow");
	assert_null(mapsize_inner_action__name((enum mapsize_inner_action)7));
	mapsize_plan__free(plan);
	/* before 5.10: always keep */
	plan = plan_kernel(hash_rules, "5.4");
	assert_int_equal(mapsize_inner__check(plan, "pol", 440, 440, NULL, &n), MAPSIZE_INNER_KEEP);
	mapsize_plan__free(plan);
}

static void test_rule_errors(void **state)
{
	struct mapsize_error e;

	(void)state;
	e = rules_err(RULES("hash", "8", "    instance: {headroom: 3, mni: 16}\n"));
	assert_error_at(&e, RULES_FILE, 12, 29, "'mni'");
	assert_contains(e.msg, "did you mean 'min'");
	e = rules_err(RULES("hash", "8", "    instance: {headroom: 0.5}\n"));
	assert_error_at(&e, RULES_FILE, 12, 26, "headroom '0.5', expected a factor from 1 to 1000");
	e = rules_err(RULES("hash", "8", "    instance: {headroom: 1.2345}\n"));
	assert_error_at(&e, RULES_FILE, 12, 26, "expected a factor");
	e = rules_err(RULES("hash", "8", "    instance: 3\n"));
	assert_error_at(&e, RULES_FILE, 12, 15, "a mapping with headroom, min and max");
	e = rules_err(RULES("hash", "8", "    instance: {min: 3 +}\n"));
	assert_true(e.line == 12);
	e = rules_err("app: t\nmaps:\n  m:\n    type: hash\n    key_size: 4\n    value_size: 4\n"
		      "    max_entries: 8\n    instance: {headroom: 2}\n");
	assert_error_at(&e, RULES_FILE, 8, 15, "not an inner map rule");
	e = rules_err(RULES("ringbuf", "0", "    instance: {headroom: 2}\n"));
	assert_true(e.code < 0);
}

static void test_plan_errors(void **state)
{
	struct mapsize_planner *pl = planner("medium", NULL);
	struct mapsize_error e;

	(void)state;
	e = plan_err(pl, RULES("hash", "8", "    instance: {min: 100, max: 10}\n"));
	assert_error_at(&e, RULES_FILE, 12, 21, "instance min 100 is above max 10");
	e = plan_err(pl, RULES("hash", "8", "    instance: {min: 0}\n"));
	assert_contains(e.msg, "instance min evaluates to 0");
	e = plan_err(pl, RULES("hash", "8", "    instance: {max: contaners}\n"));
	assert_contains(e.msg, "did you mean 'containers'");
	mapsize_planner__free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_headroom_default_and_fraction),
		cmocka_unit_test(test_before_5_10_template_size),
		cmocka_unit_test(test_kernel_rule_per_type),
		cmocka_unit_test(test_array_plan),
		cmocka_unit_test(test_check_grow_shrink),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_plan_errors),
	};

	return cmocka_run_group_tests_name("inner_instance", tests, capture_warnings, NULL);
}
