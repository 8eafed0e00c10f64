// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the memory budget (src/core/plan_budget.c): a budget the
 * plan fits (nothing scaled), one that scales (the factor, every map's
 * entries, the total, min respected, the literal map untouched,
 * preallocation re-decided), one below the minimums (the minimum total in
 * the error), percentages of the memory dimension and of a live node's
 * memory cgroup limit, bad budget strings, inner maps, ring buffers.
 *
 * Exact numbers come from the 5.11-6.3 ("pages") accounting era, where a
 * map's memlock is round_up(max_entries * round_up(key + value, 8), 4096):
 * key 8 + value 4088 makes every entry exactly one page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include <mapsize/bpf.h>
#include <mapsize/memory.h>

/* big: procs entries (1000), min 100, expected 600 -> one page each;
 * mid: procs / 4 = 250 rounded up to 256, min 16, max 1024, expected 40
 * (auto: not preallocated at 256, since 40 <= 256 / 4);
 * lit: 50 entries written as a literal.  Full: (1000 + 256 + 50) pages. */
static const char *const three_maps =
	"app: t\n"
	"maps:\n"
	"  big:\n"
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 4088\n"
	"    max_entries: procs\n"
	"    expected: procs * 6 / 10\n"
	"    min: 100\n"
	"    prealloc: auto\n"
	"  mid:\n"
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 4088\n"
	"    max_entries: procs / 4\n"
	"    expected: 40\n"
	"    min: 16\n"
	"    max: 1024\n"
	"    round: pow2\n"
	"    prealloc: auto\n"
	"  lit:\n"
	"    type: array\n"
	"    value_size: 4092\n"
	"    max_entries: 50\n";

#define PAGE 4096ULL
#define BEFORE ((1000 + 256 + 50) * PAGE)	/* 5349376 */

static struct mapsize_memory_opts pages_era = {
	.sz = sizeof(struct mapsize_memory_opts), .era = MAPSIZE_MEM_ERA_PAGES,
};

static struct mapsize_planner *budget_planner(const char *budget, struct mapsize_error *err)
{
	MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "medium", .budget = budget,
		     .budget_memory = &pages_era);
	struct mapsize_planner *pl = mapsize_planner__new(&opts, err);

	if (pl) {
		set_ok(pl, "procs=1000");
		set_ok(pl, "memory=10000000");
	}
	return pl;
}

static struct mapsize_plan *budget_plan(const char *budget)
{
	struct mapsize_error err;
	struct mapsize_planner *pl = budget_planner(budget, &err);
	struct mapsize_plan *plan;

	assert_non_null(pl);
	plan = plan_ok(pl, three_maps);
	mapsize_planner__free(pl);
	return plan;
}

static uint64_t full_of(const struct mapsize_plan *plan)
{
	struct mapsize_map_memory mem[8] = { { .sz = sizeof(mem[0]) } };
	MAPSIZE_OPTS(mapsize_map_memory, total);

	assert_int_equal(mapsize_plan__memory(plan, &pages_era, mem, &total), 0);
	return total.memlock_full;
}

static void test_budget_fits(void **state)
{
	struct mapsize_plan *plan = budget_plan("5349376");	/* exactly the full memory */
	MAPSIZE_OPTS(mapsize_plan_budget, b);

	(void)state;
	assert_int_equal(mapsize_plan__budget(plan, &b), 0);
	assert_int_equal(b.limit_bytes, 5349376);
	assert_string_equal(b.source, "--budget 5349376");
	assert_int_equal(b.before_full_bytes, BEFORE);
	assert_int_equal(b.after_full_bytes, BEFORE);
	assert_true(b.factor == 1.0);
	assert_int_equal(b.scaled_cnt, 0);
	assert_int_equal(b.will_overflow_cnt, 0);
	assert_int_equal(find(plan, "big")->max_entries, 1000);
	assert_int_equal(find(plan, "mid")->max_entries, 256);
	assert_int_equal(find(plan, "lit")->max_entries, 50);
	assert_int_equal(find(plan, "big")->budget_from_entries, 0);
	assert_false(find(plan, "mid")->prealloc);
	assert_int_equal(full_of(plan), BEFORE);
	mapsize_plan__free(plan);
}

/* Budget 3000000: big + mid may take 682 pages beside lit's 50.  mid stays
 * at 128 (pow2 of floor(250 f) <= 128) while 250 f < 129, i.e. up to
 * k = floor(129 * 2^32 / 250) = 2216203124; there big is floor(1000 f) =
 * 515 and the total (515 + 128 + 50) pages = 2838528 <= 3000000, while at
 * k + 1 mid jumps to 256 and the plan no longer fits. */
static void check_scaled(const struct mapsize_plan *plan, uint64_t limit, const char *source)
{
	MAPSIZE_OPTS(mapsize_plan_budget, b);
	const struct mapsize_plan_map *big = find(plan, "big"), *mid = find(plan, "mid");

	assert_int_equal(mapsize_plan__budget(plan, &b), 0);
	assert_int_equal(b.limit_bytes, limit);
	assert_string_equal(b.source, source);
	assert_int_equal(b.before_full_bytes, BEFORE);
	assert_int_equal(b.after_full_bytes, 2838528);
	assert_true(b.after_full_bytes <= b.limit_bytes);
	assert_true(b.factor == 2216203124.0 / 4294967296.0);
	assert_int_equal(b.scaled_cnt, 2);
	assert_int_equal(big->max_entries, 515);
	assert_int_equal(big->budget_from_entries, 1000);
	assert_int_equal(mid->max_entries, 128);
	assert_int_equal(mid->budget_from_entries, 256);
	/* auto re-decided at the new size: 40 > 128 / 4 */
	assert_true(mid->prealloc);
	assert_contains(mid->prealloc_reason, "expected 40 of 128 entries is above 1/4");
	assert_int_equal(find(plan, "lit")->max_entries, 50);
	assert_int_equal(find(plan, "lit")->budget_from_entries, 0);
	/* big now holds fewer than the 600 expected */
	assert_int_equal(b.will_overflow_cnt, 1);
	assert_contains(warnings(plan), "map 'big': the memory budget");
	assert_contains(warnings(plan), "scales it from 1000 to 515 entries, below its expected 600: "
			"will overflow at expected load");
	assert_int_equal(full_of(plan), 2838528);
}

static void test_budget_scales(void **state)
{
	struct mapsize_plan *plan = budget_plan("3000000");

	(void)state;
	check_scaled(plan, 3000000, "--budget 3000000");
	mapsize_plan__free(plan);
}

/* 30% of memory=10000000 is the same 3000000 bytes. */
static void test_budget_percent_of_memory(void **state)
{
	struct mapsize_plan *plan = budget_plan("30%");

	(void)state;
	check_scaled(plan, 3000000, "30% of memory 10000000");
	mapsize_plan__free(plan);
}

/* On a live node the smaller of node memory and the cgroup limit. */
static void test_budget_percent_of_cgroup_limit(void **state)
{
	MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "medium", .budget = "30%",
		     .budget_memory = &pages_era);
	struct mapsize_node node = { .sz = sizeof(node), .possible_cpus = 2, .memory_bytes = 20000000,
				     .memcg_limit_bytes = 10000000 };
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);
	struct mapsize_plan *plan;

	(void)state;
	snprintf(node.memcg_limit_file, sizeof(node.memcg_limit_file), "/cg/memory.limit_in_bytes");
	assert_non_null(pl);
	assert_int_equal(mapsize_planner__use_node(pl, &node), 0);
	set_ok(pl, "procs=1000");
	plan = plan_ok(pl, three_maps);
	assert_int_equal(dim(plan, "memory"), 20000000);
	check_scaled(plan, 3000000, "30% of cgroup limit 10000000 (/cg/memory.limit_in_bytes)");
	mapsize_plan__free(plan);

	/* a limit above node memory: the node's memory counts */
	node.memcg_limit_bytes = 1ULL << 40;
	node.memory_bytes = 10000000;
	assert_int_equal(mapsize_planner__use_node(pl, &node), 0);
	plan = plan_ok(pl, three_maps);
	check_scaled(plan, 3000000, "30% of memory 10000000");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* The minimums: big 100, mid 16 (floor(250 * 0) is 1, min 16, pow2 16),
 * lit 50: 166 pages = 679936 bytes. */
static void test_budget_below_minimums(void **state)
{
	struct mapsize_error err;
	struct mapsize_planner *pl = budget_planner("600000", &err);
	struct mapsize_plan *plan;

	(void)state;
	assert_non_null(pl);
	err = plan_err(pl, three_maps);
	assert_int_equal(err.code, -EINVAL);
	assert_cmdline_error(&err, "--budget 600000: the limit is 600000 bytes but the maps take 679936 bytes "
			     "when full even with every expression-sized map at its minimum: the minimum "
			     "achievable total is 679936 bytes");
	mapsize_planner__free(pl);

	/* exactly the minimum fits, with every scaled map at its min */
	pl = budget_planner("679936", &err);
	plan = plan_ok(pl, three_maps);
	assert_int_equal(find(plan, "big")->max_entries, 100);
	assert_int_equal(find(plan, "mid")->max_entries, 16);
	assert_int_equal(find(plan, "lit")->max_entries, 50);
	assert_int_equal(full_of(plan), 679936);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_budget_bad_strings(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "12Q", "--budget '12Q' is not a size, expected bytes with an optional k, M, G, T, Ki, Mi, Gi "
			 "or Ti suffix (256Mi, 1G, 1048576) or PCT% of the memory dimension (25%)" },
		{ "-1", "--budget '-1' is not a size" },
		{ "", "--budget '' is not a size" },
		{ "99999999999999999999", "--budget '99999999999999999999' is out of range" },
		{ "0", "--budget '0': expected a budget above 0 bytes" },
		{ "0%", "--budget '0%': expected a percentage above 0% and at most 100%" },
		{ "100.01%", "--budget '100.01%': expected a percentage above 0% and at most 100%" },
		{ "1.234%", "--budget '1.234%' is not a percentage, expected digits with at most two decimals" },
		{ "%", "--budget '%' is not a percentage" },
		{ "25 %", "--budget '25 %' is not a percentage" },
	};
	struct mapsize_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		MAPSIZE_OPTS(mapsize_planner_opts, opts, .budget = cases[i].text);

		assert_null(mapsize_planner__new(&opts, &err));
		assert_int_equal(errno, EINVAL);
		assert_cmdline_error(&err, cases[i].msg);
	}
	/* the accepted spellings */
	{
		static const char *const ok[] = { "256Mi", "1G", "1048576", "64k", "25%", "12.5%", "100%", "0.01%" };

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			MAPSIZE_OPTS(mapsize_planner_opts, opts, .budget = ok[i]);
			struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);

			assert_non_null(pl);
			mapsize_planner__free(pl);
		}
	}
}

/* No budget: mapsize_plan__budget says so; the plan is the same as ever. */
static void test_budget_absent(void **state)
{
	struct mapsize_plan *plan = quick_plan(three_maps);
	MAPSIZE_OPTS(mapsize_plan_budget, b);

	(void)state;
	assert_int_equal(mapsize_plan__budget(plan, &b), -ENOENT);
	b.sz = 4;
	assert_int_equal(mapsize_plan__budget(plan, &b), -EINVAL);
	mapsize_plan__free(plan);
}

/* Per-map overrides are the operator's numbers: not scaled.  Inner maps
 * count once per outer slot, so both levels shrink. */
static void test_budget_overrides_and_inner(void **state)
{
	static const char *const rules =
		"app: t\nmaps:\n"
		"  o:\n    type: hash_of_maps\n    key_size: 4\n    max_entries: policies\n    min: 4\n"
		"  o.inner:\n    type: hash\n    key_size: 8\n    value_size: 4088\n    max_entries: policies\n"
		"    min: 4\n    prealloc: false\n"
		"  big:\n    type: hash\n    key_size: 8\n    value_size: 4088\n    max_entries: procs\n";
	MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "medium", .budget = "1Mi",
		     .budget_memory = &pages_era);
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);
	struct mapsize_plan *plan;
	uint64_t full;

	(void)state;
	set_ok(pl, "policies=16");
	set_ok(pl, "maps.big.max_entries=100");	/* 100 pages, as written */
	plan = plan_ok(pl, rules);
	/* before: o 16 slots x 16 pages + o's own page + big 100 pages; 1 MiB =
	 * 256 pages leaves 256 - 100 - 1 = 155 for the instances: s x s <= 155 -> s = 12 */
	assert_int_equal(find(plan, "big")->max_entries, 100);
	assert_int_equal(find(plan, "big")->budget_from_entries, 0);
	assert_int_equal(find(plan, "o")->max_entries, 12);
	assert_int_equal(find(plan, "o.inner")->max_entries, 12);
	full = full_of(plan);
	assert_true(full <= 1048576);
	assert_int_equal(full, (100 + 12 * 12) * PAGE + PAGE);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* A ring buffer's scaled size stays a power of two of at least a page,
 * with or without round: pow2. */
static void test_budget_ringbuf(void **state)
{
	static const char *const rules =
		"app: t\nmaps:\n"
		"  rb:\n    type: ringbuf\n    max_entries: procs * 4096\n"
		"  big:\n    type: hash\n    key_size: 8\n    value_size: 4088\n    max_entries: procs\n";
	MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "medium", .budget = "2Mi");
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);
	struct mapsize_plan *plan;
	uint32_t rb;

	(void)state;
	set_ok(pl, "procs=1024");	/* rb 4 MiB, big 1024 elements: over 2 MiB */
	plan = plan_ok(pl, rules);
	rb = find(plan, "rb")->max_entries;
	assert_true(rb >= 4096 && !(rb & (rb - 1)) && rb < 4194304);
	assert_int_equal(find(plan, "rb")->budget_from_entries, 4194304);
	{
		MAPSIZE_OPTS(mapsize_plan_budget, b);

		assert_int_equal(mapsize_plan__budget(plan, &b), 0);
		assert_true(b.after_full_bytes <= 2097152);
		assert_true(b.factor > 0 && b.factor < 1);
	}
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* A user_ringbuf scales exactly as a ringbuf of the same rules: the same
 * memory, the same power-of-two floor. */
static void test_budget_user_ringbuf(void **state)
{
	static const char *const fmt =
		"app: t\nmaps:\n"
		"  rb:\n    type: %s\n    max_entries: procs * 4096\n    expected: procs * 4096\n"
		"  big:\n    type: hash\n    key_size: 8\n    value_size: 4088\n    max_entries: procs\n";
	static const char *const kinds[] = { "ringbuf", "user_ringbuf" };
	uint32_t rb[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "medium", .budget = "2Mi");
		struct mapsize_error err;
		struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);
		struct mapsize_plan *plan;
		char rules[512];

		snprintf(rules, sizeof(rules), fmt, kinds[i]);
		set_ok(pl, "procs=1024");
		plan = plan_ok(pl, rules);
		rb[i] = find(plan, "rb")->max_entries;
		assert_int_equal(find(plan, "rb")->budget_from_entries, 4194304);
		{
			MAPSIZE_OPTS(mapsize_plan_budget, b);

			assert_int_equal(mapsize_plan__budget(plan, &b), 0);
			assert_int_equal(b.scaled_cnt, 2);
			assert_int_equal(b.will_overflow_cnt, 0);	/* bytes, not entries: never "overflow" */
		}
		mapsize_plan__free(plan);
		mapsize_planner__free(pl);
	}
	assert_true(rb[1] >= 4096 && !(rb[1] & (rb[1] - 1)) && rb[1] < 4194304);
	assert_int_equal(rb[1], rb[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_fits),
		cmocka_unit_test(test_budget_scales),
		cmocka_unit_test(test_budget_percent_of_memory),
		cmocka_unit_test(test_budget_percent_of_cgroup_limit),
		cmocka_unit_test(test_budget_below_minimums),
		cmocka_unit_test(test_budget_bad_strings),
		cmocka_unit_test(test_budget_absent),
		cmocka_unit_test(test_budget_overrides_and_inner),
		cmocka_unit_test(test_budget_ringbuf),
		cmocka_unit_test(test_budget_user_ringbuf),
	};

	return cmocka_run_group_tests_name("budget", tests, capture_warnings, NULL);
}
