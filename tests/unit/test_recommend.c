// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for `mapsize recommend`'s computation (src/core/recommend.c):
 * nearest-rank percentiles, the leak test (steady growth vs a plateau),
 * demand x headroom, rounding as the rule rounds, and solving a map's
 * max_entries for its one dimension through real re-plans: the smallest
 * value, the pow2 rounding and min it goes through, and the reasons for
 * constants, two dimensions, a max that caps it and a decreasing expression. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include "recommend.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char rules_text[] =
	"app: t\nmaps:\n"
	"  by_procs:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: procs\n    min: 64\n"
	"  by_pods:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: pods * 16\n    round: pow2\n"
	"  fixed:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: 256\n"
	"  two:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: pods * cpus\n"
	"  per_cpu:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: cpus * 256\n"
	"  capped:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: nodes * 4\n    max: 1000\n"
	"  falling:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: 100000 / policies\n"
	"    min: 1\n";

struct ctx {
	const struct mapsize_rules *rules;
};

/* The plan of the rules on base "small" plus dim=value. */
static int replan(void *arg, const char *dim, uint64_t value, const char *map, struct mapsize_plan_map *out)
{
	struct ctx *c = arg;
	struct mapsize_planner_opts o = { .sz = sizeof(o), .map_size = "small", .kernel_release = "6.6" };
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(&o, &err);
	struct mapsize_plan *plan;
	char set[96];
	int ret = -EINVAL;

	assert_non_null(pl);
	snprintf(set, sizeof(set), "%s=%llu", dim, (unsigned long long)value);
	if (mapsize_planner__set(pl, set))
		goto out;
	plan = mapsize_planner__plan(pl, c->rules);
	if (plan) {
		*out = *mapsize_plan__find(plan, map);
		out->name = NULL;
		out->prealloc_reason = NULL;
		out->inner_of = NULL;
		ret = 0;
	}
	mapsize_plan__free(plan);
out:
	mapsize_planner__free(pl);
	return ret;
}

static void test_percentile(void **state)
{
	uint64_t v[100], one[] = { 42 }, five[] = { 50, 10, 40, 20, 30 };

	for (size_t i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 1..100, reversed */
	assert_int_equal(recommend_percentile(v, 100, 99), 99);
	assert_int_equal(recommend_percentile(v, 100, 100), 100);
	assert_int_equal(recommend_percentile(v, 100, 50), 50);
	assert_int_equal(recommend_percentile(one, 1, 99), 42);
	assert_int_equal(recommend_percentile(five, 5, 100), 50);
	assert_int_equal(recommend_percentile(five, 5, 60), 30);	/* rank ceil(3) */
	assert_int_equal(recommend_percentile(five, 5, 61), 40);	/* rank ceil(3.05) */
}

/* The index of the element at the percentile, v left as it was: the
 * other fields of that node (its failures, evictions, drops) are read
 * through it. */
static void test_percentile_index(void **state)
{
	uint64_t five[] = { 50, 10, 40, 20, 30 }, ties[] = { 7, 3, 7, 7 };

	assert_int_equal(recommend_percentile_index(five, 5, 100), 0);
	assert_int_equal(recommend_percentile_index(five, 5, 60), 4);	/* 30 */
	assert_int_equal(recommend_percentile_index(five, 5, 61), 2);	/* 40 */
	assert_int_equal(recommend_percentile_index(five, 5, 1), 1);	/* 10 */
	assert_int_equal(five[0], 50);					/* not sorted */
	assert_int_equal(recommend_percentile_index(ties, 4, 50), 0);	/* rank 2: the first 7 */
	assert_int_equal(recommend_percentile_index(ties, 4, 75), 2);
	assert_int_equal(recommend_percentile_index(ties, 4, 100), 3);
	assert_int_equal(recommend_percentile_index(ties, 0, 100), 0);
}

/* A counter's increase between samples; a smaller value is a reset (the
 * agent restarted, the kernel counters were attached again): from zero. */
static void test_counter_increase(void **state)
{
	assert_int_equal(recommend_counter_increase(10, 25), 15);
	assert_int_equal(recommend_counter_increase(25, 25), 0);
	assert_int_equal(recommend_counter_increase(25, 4), 4);
	assert_int_equal(recommend_counter_increase(0, UINT64_MAX), UINT64_MAX);
}

static void test_leak(void **state)
{
	uint64_t grow[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	uint64_t plateau[] = { 10, 20, 30, 40, 80, 80, 80, 80 };
	uint64_t saw[] = { 10, 90, 10, 90, 10, 90, 10, 90 };
	uint64_t noisy_up[] = { 10, 5, 20, 15, 30, 25, 40, 45 };
	uint64_t drop_at_end[] = { 10, 20, 30, 40, 50, 60, 70, 5 };

	assert_true(recommend_is_leak(grow, 8));
	assert_true(recommend_is_leak(noisy_up, 8));
	assert_false(recommend_is_leak(plateau, 8));
	assert_false(recommend_is_leak(saw, 8));
	assert_false(recommend_is_leak(drop_at_end, 8));
	assert_false(recommend_is_leak(grow, 7));	/* too few samples to tell */
}

static void test_target_and_round(void **state)
{
	struct mapsize_error err;
	struct mapsize_rules *rules = mapsize_rules__parse(rules_text, sizeof(rules_text) - 1, RULES_FILE, &err);

	assert_non_null(rules);
	assert_int_equal(recommend_target(1200, 2), 2400);
	assert_int_equal(recommend_target(207, 1.5), 311);	/* 310.5 up */
	assert_int_equal(recommend_target(UINT64_MAX, 2), UINT64_MAX);
	assert_int_equal(recommend_round(rules, "by_pods", 414), 512);
	assert_int_equal(recommend_round(rules, "by_pods", 512), 512);
	assert_int_equal(recommend_round(rules, "by_procs", 10), 64);	/* min */
	assert_int_equal(recommend_round(rules, "by_procs", 2400), 2400);
	assert_int_equal(recommend_round(rules, "no_such_map", 7), 7);
	mapsize_rules__free(rules);
}

static void test_solve(void **state)
{
	struct mapsize_error err;
	struct mapsize_rules *rules = mapsize_rules__parse(rules_text, sizeof(rules_text) - 1, RULES_FILE, &err);
	struct mapsize_planner_opts o = { .sz = sizeof(o), .map_size = "small", .kernel_release = "6.6" };
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	struct recommend_solution s;
	struct ctx c = { .rules = rules };

	assert_non_null(rules);
	pl = mapsize_planner__new(&o, &err);
	plan = mapsize_planner__plan(pl, rules);
	assert_non_null(plan);

	assert_int_equal(recommend_solve(rules, plan, "by_procs", 2400, replan, &c, &s), 0);
	assert_string_equal(s.dimension, "procs");
	assert_int_equal(s.current, 4096);
	assert_int_equal(s.value, 2400);
	assert_int_equal(s.max_entries, 2400);
	/* below min: any procs gives 64 */
	assert_int_equal(recommend_solve(rules, plan, "by_procs", 50, replan, &c, &s), 0);
	assert_int_equal(s.value, 1);
	assert_int_equal(s.max_entries, 64);
	/* 17 x 16 = 272 rounds up to 512 >= 414; 16 x 16 = 256 does not */
	assert_int_equal(recommend_solve(rules, plan, "by_pods", 414, replan, &c, &s), 0);
	assert_string_equal(s.dimension, "pods");
	assert_int_equal(s.value, 17);
	assert_int_equal(s.max_entries, 512);

	assert_int_equal(recommend_solve(rules, plan, "fixed", 10, replan, &c, &s), -ENOENT);
	assert_string_equal(s.reason, "max_entries '256' names no dimension");
	assert_int_equal(recommend_solve(rules, plan, "two", 10, replan, &c, &s), -ENOENT);
	assert_string_equal(s.reason, "max_entries 'pods * cpus' depends on pods and cpus: no single dimension "
			    "to solve for");
	assert_int_equal(recommend_solve(rules, plan, "per_cpu", 10, replan, &c, &s), -ENOENT);
	assert_string_equal(s.reason, "max_entries 'cpus * 256' depends on cpus, which each node supplies (not a "
			    "demand to solve for)");
	assert_int_equal(recommend_solve(rules, plan, "capped", 2000, replan, &c, &s), -ENOENT);
	assert_string_equal(s.reason, "max_entries 'nodes * 4' reaches at most 1000 as nodes grows (capped by "
			    "the rule's max or the map type's limit), below 2000");
	assert_int_equal(recommend_solve(rules, plan, "capped", 1000, replan, &c, &s), 0);
	assert_int_equal(s.value, 250);
	assert_int_equal(recommend_solve(rules, plan, "falling", 200000, replan, &c, &s), -ENOENT);
	assert_string_equal(s.reason, "max_entries '100000 / policies' is not monotonic in policies "
			    "(100000 at 1, 50000 at 2)");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_percentile_index),
		cmocka_unit_test(test_counter_increase),
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_target_and_round),
		cmocka_unit_test(test_solve),
	};

	return cmocka_run_group_tests_name("recommend", tests, NULL, NULL);
}
