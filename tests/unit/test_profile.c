// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for cluster profiles and the layers that shape dimensions and
 * per-map max_entries (src/core/profile.c, src/core/planner.c, src/core/plan.c).
 * Precedence, lowest first, each step tested on its own:
 *   built-in profile < override files in order < node-local cpus/memory
 *   (unless a file or --set names them) < --set,
 * and `base:` / --map-size choosing the built-in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mapsize/bpf.h>
#include "mapsize_test.h"

/* Maps whose max_entries are dimensions, to see them flow into a plan. */
static const char *const dims_rules =
	"app: t\n"
	"maps:\n"
	"  m:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: procs\n"
	"  per_cpu:\n"
	"    type: array\n"
	"    value_size: 4\n"
	"    max_entries: cpus\n";

static const char *const required[] = {
	"nodes", "cpus", "memory", "procs", "pods", "containers", "workloads", "policies",
};

/* ---- built-in profiles ------------------------------------------------------------ */

static void test_builtin_profiles(void **state)
{
	const char *const *names = mapsize_builtin_profile_names();
	uint64_t prev[8] = { 0 };

	assert_string_equal(names[0], "small");
	assert_string_equal(names[1], "medium");
	assert_string_equal(names[2], "large");
	assert_null(names[3]);
	assert_null(mapsize_builtin_profile("huge", NULL));
	assert_null(mapsize_builtin_profile("", NULL));

	for (size_t i = 0; names[i]; i++) {
		size_t len = 0;
		const char *text = mapsize_builtin_profile(names[i], &len);
		struct mapsize_planner *pl = planner(names[i], NULL);
		struct mapsize_plan *plan = plan_ok(pl, dims_rules);

		assert_non_null(text);
		assert_int_equal(len, strlen(text));
		assert_string_equal(mapsize_plan__profile(plan), names[i]);
		/* every required dimension, growing from small to large */
		for (size_t d = 0; d < 8; d++) {
			uint64_t v = dim(plan, required[d]);

			if (v < prev[d])
				fail_msg("%s: %s=%llu is below the smaller profile's %llu", names[i], required[d],
					 (unsigned long long)v, (unsigned long long)prev[d]);
			prev[d] = v;
		}
		assert_int_equal(find(plan, "m")->max_entries, dim(plan, "procs"));
		assert_int_equal(find(plan, "per_cpu")->max_entries, dim(plan, "cpus"));
		mapsize_plan__free(plan);
		mapsize_planner__free(pl);
	}
}

static void test_builtin_values(void **state)
{
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;

	/* medium: the typical cluster, 100-500 nodes of 4-8 cores and 16 GiB */
	pl = planner("medium", NULL);
	plan = plan_ok(pl, dims_rules);
	assert_in_range(dim(plan, "nodes"), 100, 500);
	assert_in_range(dim(plan, "cpus"), 4, 8);
	assert_int_equal(dim(plan, "memory"), 16ULL << 30);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	/* large: Kubernetes' tested limits */
	pl = planner("large", NULL);
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "nodes"), 5000);
	assert_int_equal(dim(plan, "pods"), 110);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_default_is_medium(void **state)
{
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(NULL, &err);
	struct mapsize_plan *plan;

	assert_non_null(pl);
	plan = plan_ok(pl, dims_rules);
	assert_string_equal(mapsize_plan__profile(plan), "medium");
	assert_int_equal(find(plan, "m")->max_entries, 32768);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_unknown_map_size(void **state)
{
	struct mapsize_planner_opts opts = { .sz = sizeof(opts), .map_size = "huge" };
	struct mapsize_error err;

	assert_null(mapsize_planner__new(&opts, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg, "unknown --map-size 'huge', expected small, medium or large");
	assert_string_equal(err.file, "");
}

static void test_planner_opts_size(void **state)
{
	struct {
		struct mapsize_planner_opts opts;
		char newer[16];
	} big = { .opts = { .sz = sizeof(big), .map_size = "small" } };
	struct mapsize_error err;
	struct mapsize_planner *pl;

	/* a newer caller's zeroed tail is fine */
	pl = mapsize_planner__new(&big.opts, &err);
	assert_non_null(pl);
	mapsize_planner__free(pl);
	/* an option this library does not know is refused */
	big.newer[3] = 1;
	assert_null(mapsize_planner__new(&big.opts, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_contains(err.msg, "unsupported planner option");
}

/* ---- override files ------------------------------------------------------------------ */

static void test_override_files_in_order(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	add_profile(pl, "dimensions:\n  procs: 1000\n  pods: 50\n", "a.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "procs"), 1000);		/* file beats built-in */
	assert_int_equal(dim(plan, "pods"), 50);
	assert_int_equal(dim(plan, "nodes"), 500);		/* untouched: built-in medium */
	assert_int_equal(find(plan, "m")->max_entries, 1000);
	mapsize_plan__free(plan);

	add_profile(pl, "dimensions:\n  procs: 2000\n", "b.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "procs"), 2000);		/* the later file wins */
	assert_int_equal(dim(plan, "pods"), 50);		/* the earlier file still applies */
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* the other order */
	pl = planner(NULL, NULL);
	add_profile(pl, "dimensions:\n  procs: 2000\n", "b.yaml");
	add_profile(pl, "dimensions:\n  procs: 1000\n", "a.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "procs"), 1000);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_override_new_dimension_and_suffixes(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	add_profile(pl,
		    "name: mine\n"
		    "description: \"my cluster\"\n"
		    "dimensions:\n"
		    "  conns_per_pod: 200\n"
		    "  memory: 32Gi\n"
		    "  policies: 1k\n", "mine.yaml");
	plan = plan_ok(pl, "app: t\nmaps:\n  conns:\n    type: hash\n    key_size: 16\n    value_size: 8\n"
			   "    max_entries: conns_per_pod * pods\n");
	assert_int_equal(dim(plan, "conns_per_pod"), 200);
	assert_int_equal(dim(plan, "memory"), 32ULL << 30);
	assert_int_equal(dim(plan, "policies"), 1000);
	assert_int_equal(find(plan, "conns")->max_entries, 200 * 110);
	/* the plan names the built-in the dimensions started from */
	assert_string_equal(mapsize_plan__profile(plan), "mine");
	assert_string_equal(mapsize_plan__base_profile(plan), "medium");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_dimensions_sorted(void **state)
{
	struct mapsize_planner *pl = planner("small", NULL);
	struct mapsize_plan *plan;
	const char *prev = "";
	uint64_t v;

	add_profile(pl, "dimensions:\n  aaa: 1\n  zzz: 2\n", "x.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(mapsize_plan__dim_cnt(plan), 11);	/* 9 built-in + 2 */
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		const char *name = mapsize_plan__dim(plan, i, &v);

		assert_true(strcmp(prev, name) < 0);
		prev = name;
	}
	assert_string_equal(mapsize_plan__dim(plan, 0, &v), "aaa");
	assert_int_equal(v, 1);
	assert_null(mapsize_plan__dim(plan, 11, &v));
	assert_int_equal(mapsize_plan__dim_value(plan, "nope", &v), -ENOENT);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* ---- base: and --map-size ------------------------------------------------------------------ */

static void test_base_selects_builtin(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	add_profile(pl, "base: small\ndimensions:\n  pods: 40\n", "edge.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_string_equal(mapsize_plan__profile(plan), "small");
	assert_int_equal(dim(plan, "procs"), 4096);		/* small's */
	assert_int_equal(dim(plan, "pods"), 40);		/* the file's */
	mapsize_plan__free(plan);
	/* a later file's base wins, and says so (log and the plan's warnings) */
	add_profile(pl, "base: large\n", "big.yaml");
	capture_reset();
	plan = plan_ok(pl, dims_rules);
	assert_string_equal(mapsize_plan__profile(plan), "large");
	assert_int_equal(mapsize_plan__warning_cnt(plan), 1);
	assert_string_equal(mapsize_plan__warning(plan, 0),
			    "'base: large' at big.yaml:1:7 overrides 'base: small' at edge.yaml:1:7 (the last file wins)");
	assert_contains(captured, "warning: 'base: large' at big.yaml:1:7 overrides 'base: small'");
	assert_int_equal(dim(plan, "procs"), 131072);
	assert_int_equal(dim(plan, "pods"), 40);		/* edge.yaml still overrides */
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_map_size_beats_base(void **state)
{
	struct mapsize_planner *pl = planner("large", NULL);
	struct mapsize_plan *plan;

	add_profile(pl, "base: small\n", "edge.yaml");
	capture_reset();
	plan = plan_ok(pl, dims_rules);
	assert_string_equal(mapsize_plan__profile(plan), "large");
	assert_int_equal(dim(plan, "nodes"), 5000);
	assert_contains(captured, "warning: --map-size=large overrides 'base: small' at edge.yaml:1:7");
	assert_int_equal(mapsize_plan__warning_cnt(plan), 1);
	assert_string_equal(mapsize_plan__warning(plan, 0), "--map-size=large overrides 'base: small' at edge.yaml:1:7");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* agreeing options say nothing */
	pl = planner("small", NULL);
	add_profile(pl, "base: small\n", "edge.yaml");
	capture_reset();
	plan = plan_ok(pl, dims_rules);
	assert_string_equal(mapsize_plan__profile(plan), "small");
	assert_string_equal(captured, "");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* ---- node-local dimensions ---------------------------------------------------------------- */

static void test_node_dims_replace_builtin(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_node node = { .sz = sizeof(node), .possible_cpus = 3, .memory_bytes = 1ULL << 30 };
	struct mapsize_plan *plan;

	assert_int_equal(mapsize_planner__use_node(pl, &node), 0);
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "cpus"), 3);
	assert_int_equal(dim(plan, "memory"), 1ULL << 30);
	assert_int_equal(dim(plan, "procs"), 32768);		/* not node-local */
	assert_int_equal(find(plan, "per_cpu")->max_entries, 3);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* a node that could not be read leaves the profile's values */
	pl = planner(NULL, NULL);
	node = (struct mapsize_node){ .sz = sizeof(node) };
	assert_int_equal(mapsize_planner__use_node(pl, &node), 0);
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "cpus"), 8);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_node_dims_lose_to_files(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	/* in any order: a value written in an override file pins the dimension */
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "cpus", 3), 0);
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "memory", 1ULL << 30), 0);
	add_profile(pl, "dimensions:\n  cpus: 16\n", "pin.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "cpus"), 16);		/* the file's */
	assert_int_equal(dim(plan, "memory"), 1ULL << 30);	/* the node's: no file names it */
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_node_dims_lose_to_set(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	set_ok(pl, "cpus=2");
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "cpus", 3), 0);
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "memory", 1ULL << 30), 0);
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "cpus"), 2);
	assert_int_equal(dim(plan, "memory"), 1ULL << 30);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_node_dims_only_cpus_memory(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);

	assert_int_equal(mapsize_planner__set_node_dimension(pl, "procs", 5), -EINVAL);
	assert_cmdline_error(mapsize_planner__error(pl),
			     "'procs' is not a node-local dimension, expected cpus or memory");
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "cpus", 0), -EINVAL);
	assert_cmdline_error(mapsize_planner__error(pl), "cpus 0, expected 1..4294967295");
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "cpus", 1ULL << 32), -EINVAL);
	assert_int_equal(mapsize_planner__set_node_dimension(pl, "cpus", UINT32_MAX), 0);
	mapsize_planner__free(pl);
}

/* ---- --set ---------------------------------------------------------------------------------- */

static void test_set_beats_files(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	set_ok(pl, "procs=64Ki");	/* before the file: order of calls does not matter */
	add_profile(pl, "dimensions:\n  procs: 1000\n  pods: 50\n", "a.yaml");
	set_ok(pl, "memory=2Gi");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "procs"), 65536);
	assert_int_equal(dim(plan, "pods"), 50);
	assert_int_equal(dim(plan, "memory"), 2ULL << 30);
	mapsize_plan__free(plan);
	/* the last --set of a name wins */
	set_ok(pl, "procs=7");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "procs"), 7);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_set_dimension_from_file(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;
	struct mapsize_error err;

	/* --set changes dimensions the profiles define ... */
	set_ok(pl, "extra=5");
	err = plan_err(pl, dims_rules);
	assert_cmdline_error(&err, "--set 'extra=5': unknown dimension 'extra'; --set changes a dimension "
			     "the profiles define (add new ones in a --profile file)");
	/* ... including ones an override file added */
	add_profile(pl, "dimensions:\n  extra: 1\n", "x.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(dim(plan, "extra"), 5);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	set_ok(pl, "procz=5");
	err = plan_err(pl, dims_rules);
	assert_cmdline_error(&err, "--set 'procz=5': unknown dimension 'procz' (did you mean 'procs'?)");
	mapsize_planner__free(pl);
}

struct set_case {
	const char *assignment;
	const char *msg;
};

static void test_set_errors(void **state)
{
	static const struct set_case cases[] = {
		{ "procs", "malformed --set 'procs', expected NAME=VALUE (e.g. procs=65536 or "
			   "maps.execve_map.max_entries=65536)" },
		{ "=5", "malformed --set '=5', expected NAME=VALUE" },
		{ "procs=", "malformed --set 'procs=', expected NAME=VALUE" },
		{ "Procs=5", "--set 'Procs=5': 'Procs' is not a dimension name" },
		{ "procs=-1", "--set 'procs=-1': negative value, expected a number >= 0" },
		{ "procs=lots", "--set 'procs=lots': 'lots' is not a number, expected digits with an optional "
				"k/M/G/T/Ki/Mi/Gi/Ti suffix" },
		{ "procs=99999999999999999999", "--set 'procs=99999999999999999999': '99999999999999999999' is "
						"out of range" },
		{ "maps.max_entries=5", "malformed --set 'maps.max_entries=5', expected "
					"maps.NAME.max_entries=VALUE or maps.NAME.prealloc=true|false|auto" },
		{ "maps.m.=5", "malformed --set 'maps.m.=5'" },
		{ "maps.m.size=5", "--set 'maps.m.size=5': unknown map field 'size', expected max_entries or prealloc" },
		{ "maps.m.prealloc=maybe", "--set 'maps.m.prealloc=maybe': 'maybe' is not a preallocation choice, "
					   "expected true, false or auto" },
		{ "maps.m.max_entries=1+", "--set 'maps.m.max_entries=1+': unexpected end of expression" },
		{ "maps.m.max_entries=(1", "(at character 3 of the value)" },
		/* fuzz_set: cpus 0 planned, then the memory model refused it
		 * without a location */
		{ "cpus=0", "--set 'cpus=0': cpus 0, expected 1..4294967295 possible CPUs per node" },
		{ "cpus=4Gi", "--set 'cpus=4Gi': cpus 4Gi, expected 1..4294967295" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mapsize_planner *pl = planner(NULL, NULL);
		struct mapsize_plan *plan;

		if (mapsize_planner__set(pl, cases[i].assignment) != -EINVAL)
			fail_msg("--set '%s' was accepted", cases[i].assignment);
		assert_cmdline_error(mapsize_planner__error(pl), cases[i].msg);
		/* a refused --set leaves the planner as it was */
		plan = plan_ok(pl, dims_rules);
		assert_int_equal(find(plan, "m")->max_entries, 32768);
		assert_int_equal(mapsize_planner__error(pl)->code, 0);
		mapsize_plan__free(plan);
		mapsize_planner__free(pl);
	}
}

/* ---- per-map max_entries: rule < files in order < --set ---------------------------------------- */

static void test_map_max_entries_precedence(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 32768);		/* the rule: procs */
	mapsize_plan__free(plan);

	add_profile(pl, "maps:\n  m:\n    max_entries: 1000\n", "a.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 1000);		/* file beats rule */
	mapsize_plan__free(plan);

	add_profile(pl, "maps:\n  m:\n    max_entries: pods * 10\n", "b.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 1100);		/* later file wins */
	mapsize_plan__free(plan);

	add_profile(pl, "maps:\n  m:\n    prealloc: false\n", "c.yaml");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 1100);		/* a file without max_entries keeps it */
	mapsize_plan__free(plan);

	set_ok(pl, "maps.m.max_entries=procs / 2");
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 16384);		/* --set beats files */
	mapsize_plan__free(plan);

	set_ok(pl, "maps.m.max_entries=3000");
	set_ok(pl, "procs=10");						/* does not reach m any more */
	plan = plan_ok(pl, dims_rules);
	assert_int_equal(find(plan, "m")->max_entries, 3000);		/* last --set wins */
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_map_override_keeps_type_rules(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_error err;

	/* an override still goes through min/max/round and the type's limits */
	add_profile(pl, "maps:\n  m:\n    max_entries: 1Gi\n", "huge.yaml");
	err = plan_err(pl, dims_rules);
	assert_error_at(&err, "huge.yaml", 3, 18, "map 'm': max_entries 1073741824 exceeds 134217728 (2^27)");
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	set_ok(pl, "maps.m.max_entries=0");
	err = plan_err(pl, dims_rules);
	assert_cmdline_error(&err, "--set 'maps.m.max_entries=0': map 'm': max_entries evaluates to 0, "
			     "expected at least 1 for a hash map");
	mapsize_planner__free(pl);
}

static void test_map_override_errors(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_error err;

	/* an expression error points into the override file */
	add_profile(pl, "base: small\nmaps:\n  m:\n    max_entries: \"procz * 2\"\n", "p.yaml");
	err = plan_err(pl, dims_rules);
	assert_error_at(&err, "p.yaml", 4, 19, "map 'm': max_entries 'procz * 2': unknown dimension 'procz' "
			"(did you mean 'procs'?)");
	mapsize_planner__free(pl);

	/* an override of a map the rules do not have */
	pl = planner(NULL, NULL);
	add_profile(pl, "maps:\n  mm:\n    max_entries: 5\n", "p.yaml");
	err = plan_err(pl, dims_rules);
	assert_error_at(&err, "p.yaml", 2, 3, "override of unknown map 'mm' (did you mean 'm'?), expected a "
			"map of the rules of 't'");
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	set_ok(pl, "maps.mm.max_entries=5");
	err = plan_err(pl, dims_rules);
	assert_cmdline_error(&err, "--set 'maps.mm.max_entries=5': unknown map 'mm' (did you mean 'm'?), "
			     "expected a map of the rules of 't'");
	mapsize_planner__free(pl);

	/* an expression error in --set has no file and names the assignment */
	pl = planner(NULL, NULL);
	set_ok(pl, "maps.m.max_entries=procz");
	err = plan_err(pl, dims_rules);
	assert_cmdline_error(&err, "--set 'maps.m.max_entries=procz': map 'm': max_entries 'procz': "
			     "unknown dimension 'procz' (did you mean 'procs'?)");
	mapsize_planner__free(pl);
}

/* ---- bad profile documents ------------------------------------------------------------------------ */

struct profile_case {
	const char *yaml;
	unsigned int line, col;
	const char *msg;
};

static void test_profile_errors(void **state)
{
	static const struct profile_case cases[] = {
		{ "base: huge\n", 1, 7, "unknown base profile 'huge', expected small, medium or large" },
		{ "dimensons:\n  procs: 1\n", 1, 1, "unknown key 'dimensons' in the profile (did you mean "
						    "'dimensions'?); expected one of: name, description, "
						    "base, dimensions, maps" },
		{ "dimensions:\n  Procs: 5\n", 2, 3, "'Procs' is not a dimension name, expected lower-case "
						    "letters, digits and '_' starting with a letter" },
		{ "dimensions:\n  max: 5\n", 2, 3, "'max' is a function name, expected another dimension name" },
		{ "dimensions:\n  procs: -5\n", 2, 10, "negative number '-5', expected a number >= 0" },
		{ "dimensions:\n  procs: many\n", 2, 10, "'many' is not a number" },
		{ "dimensions:\n  procs: 99999999999999999999\n", 2, 10, "number '99999999999999999999' out of range" },
		{ "dimensions:\n  procs: [1]\n", 2, 10, "expected a number but found a list" },
		{ "dimensions: [procs]\n", 1, 13, "expected a mapping of dimension names to numbers but found a list" },
		{ "dimensions:\n  procs: 1\n  procs: 2\n", 3, 3, "duplicate key 'procs' (first at line 2, column 3)" },
		{ "maps:\n  m:\n    max_entires: 5\n", 3, 5, "unknown key 'max_entires' in the override of map 'm' "
							"(did you mean 'max_entries'?)" },
		{ "maps:\n  m:\n    prealloc: sometimes\n", 3, 15, "'sometimes' is not a preallocation choice" },
		{ "maps:\n  m:\n    max_entries: 2 *\n", 3, 21, "unexpected end of expression" },
		{ "", 1, 1, "empty profile, expected a mapping with 'name' and 'dimensions' (or 'base')" },
		{ "dimensions:\n  procs: &p 5\n  pods: *p\n", 3, 9, "YAML alias '*p' is not supported" },
		{ "dimensions: {procs: 5\n", 2, 1, "invalid YAML" },
		/* fuzz_profile: the memory model needs 1..2^32-1 possible CPUs */
		{ "dimensions:\n  cpus: 0\n", 2, 9, "cpus 0, expected 1..4294967295 possible CPUs per node" },
		{ "dimensions:\n  cpus: 4294967296\n", 2, 9, "cpus 4294967296, expected 1..4294967295" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mapsize_planner *pl = planner(NULL, NULL);
		const char *y = cases[i].yaml;

		if (mapsize_planner__add_profile(pl, y, strlen(y), "p.yaml") != -EINVAL)
			fail_msg("profile %zu was accepted: %s", i, y);
		assert_error_at(mapsize_planner__error(pl), "p.yaml", cases[i].line, cases[i].col, cases[i].msg);
		mapsize_planner__free(pl);
	}
}

static void test_profile_file_missing(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);

	assert_int_equal(mapsize_planner__add_profile_file(pl, "/nonexistent/p.yaml"), -ENOENT);
	assert_string_equal(mapsize_planner__error(pl)->file, "/nonexistent/p.yaml");
	assert_string_equal(mapsize_planner__error(pl)->msg, "cannot open: No such file or directory");
	mapsize_planner__free(pl);
}

/* A per-map override is exact: the rule's min/max/round shape only the
 * rule's own expression; leaving the bounds is a warning, not a clamp. */
static void test_map_override_is_exact(void **state)
{
	const char *rules = "app: t\nmaps:\n  m:\n    type: hash\n    key_size: 4\n    value_size: 4\n"
			    "    max_entries: procs\n    min: 1024\n    max: 4096\n    round: pow2\n";
	struct mapsize_planner *pl = planner("medium", NULL);
	struct mapsize_plan *plan;

	set_ok(pl, "maps.m.max_entries=100");
	plan = plan_ok(pl, rules);
	assert_int_equal(find(plan, "m")->max_entries, 100);
	assert_contains(warnings(plan), "outside the rule's bounds [1024, 4096]");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* the rule's own expression is still clamped and rounded */
	pl = planner("medium", NULL);
	set_ok(pl, "procs=3000");
	plan = plan_ok(pl, rules);
	assert_int_equal(find(plan, "m")->max_entries, 4096);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* An override file's name: names the plan; the built-in stays visible. */
static void test_override_name(void **state)
{
	struct mapsize_planner *pl = planner("large", NULL);
	struct mapsize_plan *plan;
	char *hdr;

	add_profile(pl, "name: prod-eu\ndimensions:\n  pods: 40\n", "prod.yaml");
	plan = plan_ok(pl, ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: pods\n"));
	assert_string_equal(mapsize_plan__profile(plan), "prod-eu");
	assert_string_equal(mapsize_plan__base_profile(plan), "large");
	hdr = mapsize_plan__header(plan);
	assert_contains(hdr, " * profile: prod-eu (base large)\n");
	assert_contains(hdr, "#define MAPSIZE_PROFILE \"large\"\n");
	free(hdr);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_profiles),
		cmocka_unit_test(test_builtin_values),
		cmocka_unit_test(test_default_is_medium),
		cmocka_unit_test(test_unknown_map_size),
		cmocka_unit_test(test_planner_opts_size),
		cmocka_unit_test(test_override_files_in_order),
		cmocka_unit_test(test_override_new_dimension_and_suffixes),
		cmocka_unit_test(test_dimensions_sorted),
		cmocka_unit_test(test_base_selects_builtin),
		cmocka_unit_test(test_map_size_beats_base),
		cmocka_unit_test(test_node_dims_replace_builtin),
		cmocka_unit_test(test_node_dims_lose_to_files),
		cmocka_unit_test(test_node_dims_lose_to_set),
		cmocka_unit_test(test_node_dims_only_cpus_memory),
		cmocka_unit_test(test_set_beats_files),
		cmocka_unit_test(test_set_dimension_from_file),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_map_max_entries_precedence),
		cmocka_unit_test(test_map_override_keeps_type_rules),
		cmocka_unit_test(test_map_override_errors),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_file_missing),
		cmocka_unit_test(test_map_override_is_exact),
		cmocka_unit_test(test_override_name),
	};

	return cmocka_run_group_tests_name("profile", tests, capture_warnings, NULL);
}
