// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the plan (src/core/plan.c, src/core/header.c, src/core/maptype.c):
 * preallocation decisions (default, exception lists, their warnings and
 * errors, prealloc: auto, kernel era), per-map prealloc precedence, the
 * generated header and the small helpers behind them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapsize_test.h"
#include <mapsize/memory.h>

/* a: eligible, kernel default; b: eligible, `prealloc: false` at 13:15;
 * lru: always preallocated; trie: never preallocated. */
static const char *const four_maps =
	"app: t\n"
	"maps:\n"
	"  a:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 1024\n"
	"  b:\n"
	"    type: percpu_hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 1024\n"
	"    prealloc: false\n"
	"  lru:\n"
	"    type: lru_hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 1024\n"
	"  trie:\n"
	"    type: lpm_trie\n"
	"    key_size: 8\n"
	"    value_size: 4\n"
	"    max_entries: 16\n";

/* ---- defaults ---------------------------------------------------------------------- */

static void test_prealloc_without_options(void **state)
{
	struct mapsize_plan *plan = quick_plan(four_maps);
	const struct mapsize_plan_map *m;

	assert_int_equal(mapsize_plan__map_cnt(plan), 4);
	assert_string_equal(mapsize_plan__map(plan, 0)->name, "a");	/* rules order */
	assert_string_equal(mapsize_plan__map(plan, 3)->name, "trie");
	assert_null(mapsize_plan__map(plan, 4));
	assert_null(mapsize_plan__find(plan, "nope"));

	m = find(plan, "a");
	assert_true(m->prealloc);
	assert_true(m->prealloc_toggle);
	assert_int_equal(m->map_flags, 0);
	assert_string_equal(m->prealloc_reason, "kernel default");
	m = find(plan, "b");
	assert_false(m->prealloc);
	assert_true(m->prealloc_toggle);
	assert_int_equal(m->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_string_equal(m->prealloc_reason, "rule at t.yaml:13:15");
	m = find(plan, "lru");
	assert_true(m->prealloc);
	assert_false(m->prealloc_toggle);
	assert_int_equal(m->map_flags, 0);
	assert_string_equal(m->prealloc_reason, "lru_hash maps are always preallocated");
	m = find(plan, "trie");
	assert_false(m->prealloc);
	assert_false(m->prealloc_toggle);
	assert_int_equal(m->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_string_equal(m->prealloc_reason, "the kernel requires BPF_F_NO_PREALLOC for lpm_trie maps");
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
}

static void test_prealloc_default_option(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	assert_int_equal(mapsize_planner__set_prealloc_default(pl, false), 0);
	plan = plan_ok(pl, four_maps);
	assert_false(find(plan, "a")->prealloc);
	assert_int_equal(find(plan, "a")->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_string_equal(find(plan, "a")->prealloc_reason, "--bpf-maps-prealloc=false");
	assert_false(find(plan, "b")->prealloc);
	assert_true(find(plan, "lru")->prealloc);	/* not eligible: unchanged, no warning */
	assert_false(find(plan, "trie")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);

	/* the default applies to every eligible map, over the rule's choice */
	assert_int_equal(mapsize_planner__set_prealloc_default(pl, true), 0);
	plan = plan_ok(pl, four_maps);
	assert_true(find(plan, "a")->prealloc);
	assert_true(find(plan, "b")->prealloc);
	assert_int_equal(find(plan, "b")->map_flags, 0);
	assert_string_equal(find(plan, "b")->prealloc_reason, "--bpf-maps-prealloc=true");
	assert_false(find(plan, "trie")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* ---- exception lists -------------------------------------------------------------------- */

static void test_disable_list(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	mapsize_planner__set_prealloc_default(pl, true);
	assert_int_equal(mapsize_planner__disable_prealloc(pl, "a"), 0);
	plan = plan_ok(pl, four_maps);
	assert_false(find(plan, "a")->prealloc);
	assert_int_equal(find(plan, "a")->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_string_equal(find(plan, "a")->prealloc_reason, "--bpf-maps-disable-prealloc");
	assert_true(find(plan, "b")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_enable_list(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	mapsize_planner__set_prealloc_default(pl, false);
	assert_int_equal(mapsize_planner__enable_prealloc(pl, "b,a"), 0);	/* comma-separated */
	plan = plan_ok(pl, four_maps);
	assert_true(find(plan, "a")->prealloc);
	assert_true(find(plan, "b")->prealloc);
	assert_int_equal(find(plan, "b")->map_flags, 0);
	assert_string_equal(find(plan, "b")->prealloc_reason, "--bpf-maps-enable-prealloc");
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* repeatable: lists accumulate */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, false);
	assert_int_equal(mapsize_planner__enable_prealloc(pl, "a"), 0);
	assert_int_equal(mapsize_planner__enable_prealloc(pl, "b"), 0);
	plan = plan_ok(pl, four_maps);
	assert_true(find(plan, "a")->prealloc);
	assert_true(find(plan, "b")->prealloc);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_list_without_effect_warns(void **state)
{
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;

	/* a whole list against the chosen default: one warning, not one per map */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, false);
	mapsize_planner__disable_prealloc(pl, "a,b");
	capture_reset();
	plan = plan_ok(pl, four_maps);
	assert_false(find(plan, "a")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 1);
	assert_string_equal(mapsize_plan__warning(plan, 0),
			    "--bpf-maps-disable-prealloc has no effect with --bpf-maps-prealloc=false "
			    "(eligible maps are already not preallocated)");
	assert_contains(captured, "warning: --bpf-maps-disable-prealloc has no effect");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, true);
	mapsize_planner__enable_prealloc(pl, "a");
	plan = plan_ok(pl, four_maps);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 1);
	assert_string_equal(mapsize_plan__warning(plan, 0),
			    "--bpf-maps-enable-prealloc has no effect with --bpf-maps-prealloc=true "
			    "(eligible maps are already preallocated)");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* no default: a name whose map already is that way */
	pl = planner(NULL, NULL);
	mapsize_planner__disable_prealloc(pl, "b");
	mapsize_planner__enable_prealloc(pl, "a");
	plan = plan_ok(pl, four_maps);
	assert_string_equal(warnings(plan),
			    "--bpf-maps-disable-prealloc=b has no effect: map 'b' is already not preallocated "
			    "(rule at t.yaml:13:15)\n"
			    "--bpf-maps-enable-prealloc=a has no effect: map 'a' is already preallocated "
			    "(kernel default)\n");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* default false, but --set turned this map on: the list switches it back, no warning */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, false);
	set_ok(pl, "maps.a.prealloc=true");
	mapsize_planner__disable_prealloc(pl, "a");
	plan = plan_ok(pl, four_maps);
	assert_false(find(plan, "a")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* ... and with a second name that the default already covers: only that one warns */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, false);
	set_ok(pl, "maps.a.prealloc=true");
	mapsize_planner__disable_prealloc(pl, "a,b");
	plan = plan_ok(pl, four_maps);
	assert_string_equal(warnings(plan),
			    "--bpf-maps-disable-prealloc=b has no effect: map 'b' is already not preallocated "
			    "(--bpf-maps-prealloc=false)\n");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* a default of true, but this map was switched off by --set: the list adds nothing */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, true);
	set_ok(pl, "maps.a.prealloc=false");
	mapsize_planner__disable_prealloc(pl, "a");
	plan = plan_ok(pl, four_maps);
	assert_string_equal(warnings(plan),
			    "--bpf-maps-disable-prealloc=a has no effect: map 'a' is already not preallocated "
			    "(--set 'maps.a.prealloc=false')\n");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_list_errors(void **state)
{
	struct mapsize_planner *pl;
	struct mapsize_error err;

	pl = planner(NULL, NULL);
	mapsize_planner__disable_prealloc(pl, "aa");
	err = plan_err(pl, four_maps);
	assert_cmdline_error(&err, "");
	assert_string_equal(err.msg, "--bpf-maps-disable-prealloc: unknown map 'aa' (did you mean 'a'?); "
			    "maps whose preallocation can toggle: a, b");
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	mapsize_planner__enable_prealloc(pl, "a,lru");
	err = plan_err(pl, four_maps);
	assert_string_equal(err.msg, "--bpf-maps-enable-prealloc: map 'lru' cannot toggle preallocation "
			    "(the kernel rejects BPF_F_NO_PREALLOC for this type); maps that can: a, b");
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	mapsize_planner__disable_prealloc(pl, "trie");
	err = plan_err(pl, four_maps);
	assert_string_equal(err.msg, "--bpf-maps-disable-prealloc: map 'trie' cannot toggle preallocation "
			    "(the kernel requires BPF_F_NO_PREALLOC for this type); maps that can: a, b");
	mapsize_planner__free(pl);

	pl = planner(NULL, NULL);
	mapsize_planner__disable_prealloc(pl, "a,b");
	mapsize_planner__enable_prealloc(pl, "b");
	err = plan_err(pl, four_maps);
	assert_string_equal(err.msg, "map 'b' is named in both --bpf-maps-disable-prealloc and "
			    "--bpf-maps-enable-prealloc, expected one of them");
	mapsize_planner__free(pl);

	/* no eligible map at all */
	pl = planner(NULL, NULL);
	mapsize_planner__disable_prealloc(pl, "m");
	err = plan_err(pl, ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 1\n"));
	assert_string_equal(err.msg, "--bpf-maps-disable-prealloc: map 'm' cannot toggle preallocation "
			    "(the kernel rejects BPF_F_NO_PREALLOC for this type); maps that can: (none)");
	mapsize_planner__free(pl);
}

static void test_list_syntax(void **state)
{
	static const struct {
		const char *list, *msg;
	} cases[] = {
		{ "", "--bpf-maps-disable-prealloc: empty list, expected map names separated by commas" },
		{ "a,,b", "--bpf-maps-disable-prealloc=a,,b: empty map name, expected map names separated by single commas" },
		{ ",a", "--bpf-maps-disable-prealloc=,a: empty map name" },
		{ "a,", "--bpf-maps-disable-prealloc=a,: trailing comma, expected a map name" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mapsize_planner *pl = planner(NULL, NULL);

		assert_int_equal(mapsize_planner__disable_prealloc(pl, cases[i].list), -EINVAL);
		assert_cmdline_error(mapsize_planner__error(pl), cases[i].msg);
		mapsize_planner__free(pl);
	}
}

/* ---- per-map prealloc: rule < default < files in order < --set < lists ---------------------- */

static void test_prealloc_precedence(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

#define STEP(want, reason)							\
	do {									\
		plan = plan_ok(pl, four_maps);					\
		assert_int_equal(find(plan, "b")->prealloc, (want));		\
		assert_string_equal(find(plan, "b")->prealloc_reason, (reason)); \
		mapsize_plan__free(plan);					\
	} while (0)

	STEP(false, "rule at t.yaml:13:15");
	mapsize_planner__set_prealloc_default(pl, true);
	STEP(true, "--bpf-maps-prealloc=true");
	add_profile(pl, "maps:\n  b:\n    prealloc: false\n", "one.yaml");
	STEP(false, "profile one.yaml:3:15");
	add_profile(pl, "maps:\n  b:\n    prealloc: true\n", "two.yaml");
	STEP(true, "profile two.yaml:3:15");
	set_ok(pl, "maps.b.prealloc=false");
	STEP(false, "--set 'maps.b.prealloc=false'");
	set_ok(pl, "maps.b.prealloc=true");
	STEP(true, "--set 'maps.b.prealloc=true'");
	mapsize_planner__disable_prealloc(pl, "b");
	STEP(false, "--bpf-maps-disable-prealloc");
#undef STEP
	mapsize_planner__free(pl);
}

static void test_fixed_types_ignore_overrides_with_warning(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	set_ok(pl, "maps.lru.prealloc=false");
	add_profile(pl, "maps:\n  trie:\n    prealloc: true\n", "p.yaml");
	plan = plan_ok(pl, four_maps);
	assert_true(find(plan, "lru")->prealloc);
	assert_false(find(plan, "trie")->prealloc);
	assert_string_equal(warnings(plan),
			    "map 'lru' stays preallocated despite --set 'maps.lru.prealloc=false': "
			    "lru_hash maps are always preallocated\n"
			    "map 'trie' stays not preallocated despite profile p.yaml:3:15: the kernel "
			    "requires BPF_F_NO_PREALLOC for lpm_trie maps\n");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* the global default does not single them out */
	pl = planner(NULL, NULL);
	mapsize_planner__set_prealloc_default(pl, false);
	plan = plan_ok(pl, four_maps);
	assert_true(find(plan, "lru")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* ---- prealloc: auto ------------------------------------------------------------------------------ */

/* One auto hash with max_entries and expected (NULL: none); returns the map's prealloc. */
static bool auto_prealloc(const char *max, const char *expected, const char *kernel,
			  const char *used_by, char *reason, size_t reason_size)
{
	char yaml[512];
	struct mapsize_planner *pl = planner(NULL, kernel);
	struct mapsize_plan *plan;
	bool prealloc;

	snprintf(yaml, sizeof(yaml), ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
					     "    max_entries: %s\n    prealloc: auto\n%s%s%s%s%s"),
		 max, expected ? "    expected: " : "", expected ? expected : "", expected ? "\n" : "",
		 used_by ? "    used_by: " : "", used_by ? used_by : "");
	if (used_by)
		strcat(yaml, "\n");
	plan = plan_ok(pl, yaml);
	prealloc = find(plan, "m")->prealloc;
	assert_int_equal(find(plan, "m")->map_flags, prealloc ? 0 : MAPSIZE_F_NO_PREALLOC);
	if (reason)
		snprintf(reason, reason_size, "%s", find(plan, "m")->prealloc_reason);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	return prealloc;
}

static void test_auto_threshold(void **state)
{
	char why[256];

	/* at most a quarter of max_entries expected: not preallocated */
	assert_false(auto_prealloc("1024", "256", NULL, NULL, why, sizeof(why)));
	assert_string_equal(why, "auto (rule at t.yaml:8:15): expected 256 of 1024 entries is at most 1/4");
	assert_true(auto_prealloc("1024", "257", NULL, NULL, why, sizeof(why)));
	assert_string_equal(why, "auto (rule at t.yaml:8:15): expected 257 of 1024 entries is above 1/4");
	/* the boundary is exact for sizes not divisible by 4 */
	assert_false(auto_prealloc("1025", "256", NULL, NULL, NULL, 0));
	assert_true(auto_prealloc("1025", "257", NULL, NULL, NULL, 0));
	assert_false(auto_prealloc("1023", "255", NULL, NULL, NULL, 0));
	assert_true(auto_prealloc("1023", "256", NULL, NULL, NULL, 0));
	assert_false(auto_prealloc("procs", "procs / 32", NULL, NULL, NULL, 0));
	assert_false(auto_prealloc("1024", "0", NULL, NULL, NULL, 0));
	/* no expected entries: nothing to go on, keep the kernel default */
	assert_true(auto_prealloc("1024", NULL, NULL, NULL, why, sizeof(why)));
	assert_string_equal(why, "auto (rule at t.yaml:8:15): no expected entries given, kernel default");
	/* far more expected than fit: preallocated (no wrap-around in the comparison) */
	assert_true(auto_prealloc("1024", "4611686018427387904", NULL, NULL, NULL, 0));
}

static void test_auto_from_set(void **state)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan;

	set_ok(pl, "maps.m.prealloc=auto");
	plan = plan_ok(pl, ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				   "    max_entries: 1000\n    expected: 10\n"));
	assert_false(find(plan, "m")->prealloc);
	assert_string_equal(find(plan, "m")->prealloc_reason,
			    "auto (--set 'maps.m.prealloc=auto'): expected 10 of 1000 entries is at most 1/4");
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* ---- kernel era ------------------------------------------------------------------------------------- */

static void test_era_perf_event_before_6_1(void **state)
{
	char why[256];
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	struct mapsize_error err;
	const char *yaml = ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 1024\n"
				   "    expected: 16\n    prealloc: auto\n    used_by: [perf_event]\n");

	/* auto would pick no-prealloc, but 6.0 refuses it for perf_event users */
	assert_true(auto_prealloc("1024", "16", "6.0", "[perf_event]", why, sizeof(why)));
	assert_string_equal(why, "auto (rule at t.yaml:8:15): preallocated because perf_event programs "
			    "need preallocated hash maps before Linux 6.1");
	assert_false(auto_prealloc("1024", "16", "6.1", "[perf_event]", NULL, 0));
	assert_false(auto_prealloc("1024", "16", "6.1.0-13-amd64", "[perf_event]", NULL, 0));

	pl = planner(NULL, "6.0");
	plan = plan_ok(pl, yaml);
	assert_false(find(plan, "m")->prealloc_toggle);
	mapsize_plan__free(plan);
	/* the exception list refuses it, listing what can toggle */
	mapsize_planner__disable_prealloc(pl, "m");
	err = plan_err(pl, yaml);
	assert_string_equal(err.msg, "--bpf-maps-disable-prealloc: map 'm' cannot toggle preallocation "
			    "(perf_event programs need preallocated hash maps before Linux 6.1); maps that "
			    "can: (none)");
	mapsize_planner__free(pl);

	/* on 6.1 the same list works */
	pl = planner(NULL, "6.1");
	mapsize_planner__disable_prealloc(pl, "m");
	plan = plan_ok(pl, yaml);
	assert_true(find(plan, "m")->prealloc_toggle);
	assert_false(find(plan, "m")->prealloc);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_era_tracing_before_6_1(void **state)
{
	char why[256];

	assert_true(auto_prealloc("1024", "16", "6.0", "[kprobe]", why, sizeof(why)));
	assert_contains(why, "tracing programs with run-time allocated hash maps are flagged unsafe on "
			"Linux 5.7-6.0");
	assert_true(auto_prealloc("1024", "16", "5.4.0-150-generic", "[tracepoint]", why, sizeof(why)));
	assert_contains(why, "run-time allocation from tracing programs can deadlock before Linux 6.1");
	assert_true(auto_prealloc("1024", "16", "5.15", "[raw_tracepoint, xdp]", NULL, 0));
	assert_false(auto_prealloc("1024", "16", "6.1", "[kprobe]", NULL, 0));
	/* networking-only or unstated users are fine on older kernels */
	assert_false(auto_prealloc("1024", "16", "5.15", "[xdp, tc]", NULL, 0));
	assert_false(auto_prealloc("1024", "16", "5.15", "[lsm, fentry]", NULL, 0));
	assert_false(auto_prealloc("1024", "16", "5.15", NULL, NULL, 0));
}

static void test_era_explicit_choices(void **state)
{
	const char *yaml = "app: t\nmaps:\n"
			   "  pe:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 64\n"
			   "    prealloc: false\n    used_by: [perf_event]\n"
			   "  net:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 64\n"
			   "    used_by: [xdp]\n";
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;

	/* a rule asking for no-prealloc on 6.0: kept preallocated, with a warning */
	pl = planner(NULL, "6.0");
	plan = plan_ok(pl, yaml);
	assert_true(find(plan, "pe")->prealloc);
	assert_int_equal(find(plan, "pe")->map_flags, 0);
	assert_string_equal(warnings(plan), "map 'pe' stays preallocated despite rule at t.yaml:8:15: "
			    "perf_event programs need preallocated hash maps before Linux 6.1\n");
	assert_true(find(plan, "net")->prealloc_toggle);
	mapsize_plan__free(plan);
	/* a global default is not a request for this map: no warning */
	mapsize_planner__set_prealloc_default(pl, false);
	plan = plan_ok(pl, yaml);
	assert_true(find(plan, "pe")->prealloc);
	assert_false(find(plan, "net")->prealloc);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_bad_kernel_release(void **state)
{
	struct mapsize_planner_opts opts = { .sz = sizeof(opts), .kernel_release = "linux-6" };
	struct mapsize_error err;

	assert_null(mapsize_planner__new(&opts, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg, "kernel release 'linux-6' is not MAJOR.MINOR[...], expected e.g. 6.1 "
			    "or 5.15.0-100-generic");
}

static void test_kernel_version(void **state)
{
	static const struct {
		const char *release;
		int ret;
		unsigned int version;
	} cases[] = {
		{ "6.1", 0, MAPSIZE_KERNEL_VERSION(6, 1) },
		{ "6.0", 0, MAPSIZE_KERNEL_VERSION(6, 0) },
		{ "5.15.0-100-generic", 0, MAPSIZE_KERNEL_VERSION(5, 15) },
		{ "6.18.44-fc-v657", 0, MAPSIZE_KERNEL_VERSION(6, 18) },
		{ "4.19+", 0, MAPSIZE_KERNEL_VERSION(4, 19) },
		{ "5.4-rc1", 0, MAPSIZE_KERNEL_VERSION(5, 4) },
		{ "255.255", 0, MAPSIZE_KERNEL_VERSION(255, 255) },
		{ "6", -EINVAL, 0 },
		{ "6.", -EINVAL, 0 },
		{ "6.x", -EINVAL, 0 },
		{ "6.1x", -EINVAL, 0 },
		{ "v6.1", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "256.1", -EINVAL, 0 },
		{ "6.256", -EINVAL, 0 },
		{ "-6.1", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int v = 12345;
		int ret = mapsize_kernel_version(cases[i].release, &v);

		if (ret != cases[i].ret)
			fail_msg("'%s': returned %d, expected %d", cases[i].release, ret, cases[i].ret);
		if (!ret && v != cases[i].version)
			fail_msg("'%s': 0x%x, expected 0x%x", cases[i].release, v, cases[i].version);
	}
	assert_int_equal(mapsize_kernel_version(NULL, &(unsigned int){ 0 }), -EINVAL);
	assert_int_equal(MAPSIZE_KERNEL_VERSION(6, 1), 0x601);
}

static void test_prealloc_allowed_table(void **state)
{
	const unsigned int v5_4 = MAPSIZE_KERNEL_VERSION(5, 4), v5_15 = MAPSIZE_KERNEL_VERSION(5, 15);
	const unsigned int v6_0 = MAPSIZE_KERNEL_VERSION(6, 0), v6_1 = MAPSIZE_KERNEL_VERSION(6, 1);
	const uint32_t tracing = MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_TRACEPOINT |
				 MAPSIZE_USED_BY_RAW_TRACEPOINT;
	const char *why;

	for (int t = MAPSIZE_MAP_HASH; t < MAPSIZE_MAP_TYPE_CNT; t++) {
		bool optional = t == MAPSIZE_MAP_HASH || t == MAPSIZE_MAP_PERCPU_HASH ||
				t == MAPSIZE_MAP_HASH_OF_MAPS;
		bool required = t == MAPSIZE_MAP_LPM_TRIE || t == MAPSIZE_MAP_TASK_STORAGE ||
				t == MAPSIZE_MAP_INODE_STORAGE || t == MAPSIZE_MAP_SK_STORAGE ||
				t == MAPSIZE_MAP_CGRP_STORAGE || t == MAPSIZE_MAP_RHASH;

		why = "unset";
		assert_int_equal(mapsize_prealloc_allowed(t, 0, 0, &why), optional);
		if (optional) {
			assert_null(why);
			/* newest (0) and 6.1+: any program type */
			assert_true(mapsize_prealloc_allowed(t, ~0U, 0, NULL));
			assert_true(mapsize_prealloc_allowed(t, ~0U, v6_1, NULL));
			/* before 6.1: perf_event and kprobe/tracepoint users cannot */
			assert_false(mapsize_prealloc_allowed(t, MAPSIZE_USED_BY_PERF_EVENT, v6_0, &why));
			assert_string_equal(why, "perf_event programs need preallocated hash maps before Linux 6.1");
			assert_false(mapsize_prealloc_allowed(t, MAPSIZE_USED_BY_KPROBE, v5_15, &why));
			assert_contains(why, "flagged unsafe on Linux 5.7-6.0");
			assert_false(mapsize_prealloc_allowed(t, MAPSIZE_USED_BY_TRACEPOINT, v5_4, &why));
			assert_contains(why, "can deadlock before Linux 6.1");
			assert_false(mapsize_prealloc_allowed(t, tracing, v6_0, NULL));
			/* the others can */
			assert_true(mapsize_prealloc_allowed(t, MAPSIZE_USED_BY_NETWORKING | MAPSIZE_USED_BY_LSM |
							     MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_SYSCALL,
							     v5_4, NULL));
		} else if (required) {
			assert_string_equal(why, "the kernel requires BPF_F_NO_PREALLOC for this type");
		} else {
			assert_string_equal(why, "the kernel rejects BPF_F_NO_PREALLOC for this type");
		}
	}
	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_UNSPEC, 0, 0, &why));
	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_TYPE_CNT, 0, 0, &why));
}

/* ---- the header ----------------------------------------------------------------------------------------- */

static const char *const policy_rules =
	"app: demo-agent\n"
	"maps:\n"
	"  policy_filter_maps:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    max_entries: policies\n"
	"  policy_filter_maps.inner:\n"
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 1\n"
	"    max_entries: containers * 2\n"
	"    expected: 22\n"
	"    prealloc: auto\n"
	"  execve_map:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 896\n"
	"    max_entries: procs\n"
	"    flags: [rdonly_prog]\n";

/* The header of policy_rules under medium, plus options. */
static char *header_for(const char *set, const char *kernel, uint64_t *digest)
{
	struct mapsize_planner *pl = planner(NULL, kernel);
	struct mapsize_plan *plan;
	char *text;

	if (set)
		set_ok(pl, set);
	plan = plan_ok(pl, policy_rules);
	text = mapsize_plan__header(plan);
	assert_non_null(text);
	if (digest)
		*digest = mapsize_plan__digest(plan);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	return text;
}

static void test_header_text(void **state)
{
	uint64_t digest;
	char *h = header_for(NULL, NULL, &digest);
	char line[128];

	assert_true(strncmp(h, "/* Generated by mapsize " MAPSIZE_VERSION ": do not edit.\n", 34) == 0);
	assert_contains(h, " * app: demo-agent\n * profile: medium\n");
	snprintf(line, sizeof(line), " * inputs digest: fnv1a64:%016llx\n", (unsigned long long)digest);
	assert_contains(h, line);
	assert_contains(h, " * dimensions: cidrs=4096 containers=220 cpus=8 ");
	assert_contains(h, "\n#ifndef MAPSIZE_PLAN_DEMO_AGENT_H\n#define MAPSIZE_PLAN_DEMO_AGENT_H\n");
	assert_contains(h, "#define MAPSIZE_PROFILE \"medium\"\n");
	snprintf(line, sizeof(line), "#define MAPSIZE_DIGEST 0x%016llxULL\n", (unsigned long long)digest);
	assert_contains(h, line);
	assert_contains(h, "#define MAPSIZE_MAP_COUNT 3\n");
	assert_contains(h, "#define MAPSIZE_DIM_PROCS 32768ULL\n");
	assert_contains(h, "#define MAPSIZE_DIM_MEMORY 17179869184ULL\n");

	assert_contains(h, "\n/* policy_filter_maps: hash_of_maps, key 4 B, value 4 B, preallocated */\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_ID 0\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_MAX_ENTRIES 128\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_FLAGS 0\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_EXPECTED_ENTRIES 128\n");
	assert_contains(h, "\n/* policy_filter_maps.inner: hash, key 8 B, value 1 B, not preallocated */\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_INNER_ID 1\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_INNER_MAX_ENTRIES 440\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_INNER_FLAGS 1\n"
			"#define MAPSIZE_POLICY_FILTER_MAPS_INNER_EXPECTED_ENTRIES 22\n");
	assert_contains(h, "#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES 32768\n"
			"#define MAPSIZE_EXECVE_MAP_FLAGS 128\n");	/* BPF_F_RDONLY_PROG */
	assert_non_null(strstr(h, "\n#endif /* MAPSIZE_PLAN_DEMO_AGENT_H */\n"));
	/* after the last map block: the overflow slot list, the maps' names as
	 * C identifiers in id order, then the guard's end */
	assert_string_equal(strstr(h, "#define MAPSIZE_EXECVE_MAP_EXPECTED_ENTRIES 32768\n"),
			    "#define MAPSIZE_EXECVE_MAP_EXPECTED_ENTRIES 32768\n"
			    "\n/* Overflow counter slots in MAPSIZE_<NAME>_ID order, for <mapsize/bpf_overflow.h>: "
			    "the names become the counter map's BTF member names, so user space names every "
			    "counter. */\n"
			    "#define MAPSIZE_OVERFLOW_SLOTS(X) X(policy_filter_maps) X(policy_filter_maps_inner) "
			    "X(execve_map)\n"
			    "\n#endif /* MAPSIZE_PLAN_DEMO_AGENT_H */\n");
	assert_contains(h, "#define MAPSIZE_EXECVE_MAP_ID 2\n");
	free(h);
}

static void test_header_deterministic(void **state)
{
	uint64_t d1, d2, d3, d4;
	char *h1 = header_for(NULL, NULL, &d1);
	char *h2 = header_for(NULL, NULL, &d2);
	char *h3 = header_for("procs=1000", NULL, &d3);
	char *h4 = header_for(NULL, "6.0", &d4);

	/* same inputs, separate planners: byte-identical */
	assert_string_equal(h1, h2);
	assert_true(d1 == d2);
	/* a changed --set changes the digest (and the sizes it reaches) */
	assert_true(d3 != d1);
	assert_contains(h3, "#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES 1000\n");
	/* so does the target kernel, though no size changes */
	assert_true(d4 != d1);
	free(h1);
	free(h2);
	free(h3);
	free(h4);
}

static void test_digest_inputs(void **state)
{
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	uint64_t base, d;

	plan = quick_plan(four_maps);
	base = mapsize_plan__digest(plan);
	mapsize_plan__free(plan);

#define DIGEST_WITH(setup)						\
	do {								\
		pl = planner(NULL, NULL);				\
		setup;							\
		plan = plan_ok(pl, four_maps);				\
		d = mapsize_plan__digest(plan);				\
		mapsize_plan__free(plan);				\
		mapsize_planner__free(pl);				\
	} while (0)

	DIGEST_WITH((void)0);
	assert_true(d == base);
	DIGEST_WITH(mapsize_planner__set_prealloc_default(pl, true));
	assert_true(d != base);
	DIGEST_WITH(mapsize_planner__disable_prealloc(pl, "a"));
	assert_true(d != base);
	DIGEST_WITH(mapsize_planner__set_node_dimension(pl, "cpus", 8));	/* same value as medium */
	assert_true(d != base);
	DIGEST_WITH(add_profile(pl, "dimensions:\n  pods: 110\n", "same.yaml"));
	assert_true(d != base);
#undef DIGEST_WITH
	/* the rules text itself, even a comment */
	{
		char yaml[1024];

		snprintf(yaml, sizeof(yaml), "# changed\n%s", four_maps);
		plan = quick_plan(yaml);
		assert_true(mapsize_plan__digest(plan) != base);
		mapsize_plan__free(plan);
	}
	/* another built-in */
	pl = planner("small", NULL);
	plan = plan_ok(pl, four_maps);
	assert_true(mapsize_plan__digest(plan) != base);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

static void test_header_odd_names(void **state)
{
	char yaml[1024], *h, guard[160];
	struct mapsize_plan *plan;
	size_t closes = 0;

	/* a long app name gives a bounded guard, not garbage */
	snprintf(yaml, sizeof(yaml), "app: %0200d\nmaps:\n  m:\n    type: array\n    value_size: 4\n"
		 "    max_entries: 1\n", 7);
	plan = quick_plan(yaml);
	h = mapsize_plan__header(plan);
	assert_non_null(h);
	memset(guard, '0', 127);
	guard[127] = '\0';
	assert_contains(h, "#ifndef MAPSIZE_PLAN_");
	assert_contains(strstr(h, "#ifndef MAPSIZE_PLAN_"), guard);
	assert_int_equal(strcspn(strstr(h, "#ifndef MAPSIZE_PLAN_") + 21, "\n"), 127 + 2);
	free(h);
	mapsize_plan__free(plan);

	/* names cannot end the comment they are printed in */
	plan = quick_plan("app: \"x */ #error injected /*\"\nmaps:\n  \"a*/b\":\n    type: array\n"
			  "    value_size: 4\n    max_entries: 1\n");
	h = mapsize_plan__header(plan);
	assert_non_null(h);
	assert_not_contains(h, "\n#error");
	assert_contains(h, " * app: x * / #error injected /*\n");
	assert_contains(h, "\n/* a* /b: array, key 4 B, value 4 B, preallocated */\n");
	for (const char *p = h; (p = strstr(p, "*/")); p += 2)
		closes++;
	/* top comment, one map comment, the slot list's comment, #endif comment */
	assert_int_equal(closes, 4);
	assert_contains(h, "#ifndef MAPSIZE_PLAN_X_____ERROR_INJECTED____H\n");
	assert_contains(h, "#define MAPSIZE_A__B_MAX_ENTRIES 1\n");
	assert_contains(h, "\n#define MAPSIZE_OVERFLOW_SLOTS(X) X(a__b)\n");
	free(h);
	mapsize_plan__free(plan);

	/* slot names are C identifiers: case kept, a leading digit gets a '_' */
	plan = quick_plan("app: t\nmaps:\n"
			  "  9lives:\n    type: array\n    value_size: 4\n    max_entries: 1\n"
			  "  Mixed.Case-x:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	h = mapsize_plan__header(plan);
	assert_non_null(h);
	assert_contains(h, "#define MAPSIZE_9LIVES_ID 0\n");
	assert_contains(h, "#define MAPSIZE_MIXED_CASE_X_ID 1\n");
	assert_contains(h, "\n#define MAPSIZE_OVERFLOW_SLOTS(X) X(_9lives) X(Mixed_Case_x)\n");
	free(h);
	mapsize_plan__free(plan);
}

static void test_header_macro_collision(void **state)
{
	struct mapsize_plan *plan = quick_plan("app: t\nmaps:\n"
					       "  a.b:\n    type: array\n    value_size: 4\n    max_entries: 1\n"
					       "  a_b:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	struct mapsize_error err;

	errno = 0;
	assert_null(mapsize_plan__header(plan));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(mapsize_plan__write_header(plan, "/nonexistent/x.h", &err), -EEXIST);
	assert_string_equal(err.file, "/nonexistent/x.h");
	assert_contains(err.msg, "two map names give the same macro name");
	mapsize_plan__free(plan);

	/* distinct macro names (1A, _1A) but the same overflow slot (_1a) */
	plan = quick_plan("app: t\nmaps:\n"
			  "  1a:\n    type: array\n    value_size: 4\n    max_entries: 1\n"
			  "  _1a:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	errno = 0;
	assert_null(mapsize_plan__header(plan));
	assert_int_equal(errno, EEXIST);
	mapsize_plan__free(plan);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_write_header(void **state)
{
	char dir[] = "/tmp/mapsize-test-XXXXXX", path[128], sub[128], buf[8192];
	struct mapsize_plan *plan = quick_plan(policy_rules);
	struct mapsize_error err;
	char *text = mapsize_plan__header(plan);
	FILE *f;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.h", dir);
	assert_int_equal(mapsize_plan__write_header(plan, path, &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, text);
	assert_int_equal(count_entries(dir), 1);		/* no temp file left */

	/* a target that cannot be replaced: error, and no temp file beside it */
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_true(mapsize_plan__write_header(plan, sub, &err) < 0);
	assert_string_equal(err.file, sub);
	assert_contains(err.msg, "cannot rename the temporary file into place");
	assert_int_equal(count_entries(dir), 2);
	/* a directory that does not exist */
	snprintf(sub, sizeof(sub), "%s/none/plan.h", dir);
	assert_int_equal(mapsize_plan__write_header(plan, sub, &err), -ENOENT);
	assert_contains(err.msg, "cannot create a temporary file beside it");

	snprintf(sub, sizeof(sub), "%s/adir", dir);
	rmdir(sub);
	unlink(path);
	rmdir(dir);
	free(text);
	mapsize_plan__free(plan);
}

static void test_macro_name(void **state)
{
	char buf[64];

	assert_int_equal(mapsize_macro_name("policy_filter_maps.inner", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "POLICY_FILTER_MAPS_INNER");
	assert_int_equal(mapsize_macro_name("execve_map", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "EXECVE_MAP");
	assert_int_equal(mapsize_macro_name("agent-1.rodata", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AGENT_1_RODATA");
	assert_int_equal(mapsize_macro_name("caf\xc3\xa9", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "CAF__");
	assert_int_equal(mapsize_macro_name("", buf, sizeof(buf)), -ENAMETOOLONG);
	/* the buffer must hold the name and its NUL */
	assert_int_equal(mapsize_macro_name("abcd", buf, 4), -ENAMETOOLONG);
	assert_int_equal(mapsize_macro_name("abcd", buf, 5), 0);
	assert_string_equal(buf, "ABCD");
}

static void test_map_type_names(void **state)
{
	static const char *const names[] = {
		NULL, "hash", "percpu_hash", "lru_hash", "lru_percpu_hash", "array", "percpu_array",
		"prog_array", "perf_event_array", "ringbuf", "lpm_trie", "hash_of_maps", "array_of_maps",
		"queue", "stack", "bloom_filter", "stack_trace", "task_storage", "inode_storage",
		"sk_storage", "cgrp_storage", "user_ringbuf", "rhash",
	};
	/* enum bpf_map_type values from the kernel's uapi */
	static const unsigned int bpf[] = { 0, 1, 5, 9, 10, 2, 6, 3, 4, 27, 11, 13, 12, 22, 23, 30, 7, 29, 28, 24, 32, 31,
					    35 };

	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++) {
		assert_string_equal(mapsize_map_type__name(t), names[t]);
		assert_int_equal(mapsize_map_type__from_name(names[t]), t);
		assert_int_equal(mapsize_map_type__bpf_type(t), bpf[t]);
		assert_int_equal(mapsize_map_type__from_bpf_type(bpf[t]), t);
	}
	assert_null(mapsize_map_type__name(MAPSIZE_MAP_UNSPEC));
	assert_null(mapsize_map_type__name(MAPSIZE_MAP_TYPE_CNT));
	assert_int_equal(mapsize_map_type__from_name("hashmap"), MAPSIZE_MAP_UNSPEC);
	assert_int_equal(mapsize_map_type__from_bpf_type(8), MAPSIZE_MAP_UNSPEC);	/* cgroup_array */
	assert_true(mapsize_map_type__is_percpu(MAPSIZE_MAP_LRU_PERCPU_HASH));
	assert_false(mapsize_map_type__is_percpu(MAPSIZE_MAP_HASH));
}

/* Plan memory: per-instance figures for inner templates, totals counting
 * no instance at load, the outer's expected entries at "expected" and its
 * max_entries when full (builtin 6.18 sizes, 2 CPUs). */
static void test_plan_memory_totals(void **state)
{
	struct mapsize_kernel_consts k = { .sz = sizeof(struct mapsize_kernel_consts) };
	struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = &k, .possible_cpus = 2 };
	struct mapsize_map_memory mem[3] = { { .sz = sizeof(mem[0]) } };
	MAPSIZE_OPTS(mapsize_map_memory, total);
	struct mapsize_plan *plan = quick_plan(
		"app: t\nmaps:\n"
		"  h:\n    type: hash\n    key_size: 16\n    value_size: 24\n    max_entries: 4096\n"
		"  o:\n    type: hash_of_maps\n    key_size: 4\n    max_entries: 10\n    expected: 3\n"
		"  o.inner:\n    type: hash\n    key_size: 8\n    value_size: 1\n    max_entries: 64\n"
		"    prealloc: false\n");

	assert_int_equal(mapsize_kernel_consts__builtin("6.18", &k), 0);
	k.bpf_htab = 832;	/* the notes' 6.18 build (the live 6.18.44 one has 896) */
	assert_int_equal(mapsize_plan__memory(plan, &mo, mem, &total), 0);
	/* the shared notes' worked example: hash K=16 V=24 M=4096, N=2, preallocated */
	assert_int_equal(mem[0].memlock_load, 427072);
	assert_int_equal(mem[0].memlock_full, 427072);
	assert_int_equal(mem[2].instances_expected, 3);
	assert_int_equal(mem[2].instances_full, 10);
	assert_int_equal(mem[0].instances_expected, 1);
	assert_int_equal(total.memlock_load, mem[0].memlock_load + mem[1].memlock_load);
	assert_int_equal(total.memlock_expected,
			 mem[0].memlock_expected + mem[1].memlock_expected + 3 * mem[2].memlock_expected);
	assert_int_equal(total.memlock_full, mem[0].memlock_full + mem[1].memlock_full + 10 * mem[2].memlock_full);
	/* a no-prealloc inner map grows from empty to full */
	assert_true(mem[2].memlock_load < mem[2].memlock_full);
	mapsize_plan__free(plan);
}

/* ---- big but valid inputs stay fast ------------------------------------------------ */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		assert_non_null(t->buf);
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

#define PREFIX "a_map_name_with_a_long_common_prefix_"

/* Lookups that were linear made these quadratic (or worse) and took
 * seconds (times at -O2; several times more under the sanitizers): names
 * of 1000 expressions over 4000 dimensions (2.5 s), 4096 maps against
 * override files of 4096 maps each (0.3 s per file), a
 * --bpf-maps-disable-prealloc list naming 4096 maps (2.8 s), 4096 --set,
 * the header's check for colliding macro names. */
static void test_large_inputs_stay_fast(void **state)
{
	struct text rules = { 0 }, prof = { 0 }, list = { 0 };
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	char *header;
	double t;

	/* 4000 dimensions; 1000 maps whose max_entries name 80 of them */
	text_add(&prof, "dimensions:\n");
	for (int i = 0; i < 4000; i++)
		text_add(&prof, "  d_%s%d: %d\n", PREFIX, i, i + 1);
	text_add(&rules, "app: t\nmaps:\n");
	for (int m = 0; m < 1000; m++) {
		text_add(&rules, "  m%d:\n    type: array\n    value_size: 4\n    max_entries: \"min(", m);
		for (int k = 0; k < 80; k++)
			text_add(&rules, "%sd_%s%d", k ? ", " : "", PREFIX, 3999 - k);
		text_add(&rules, ")\"\n");
	}
	pl = planner(NULL, NULL);
	add_profile(pl, prof.buf, "dims.yaml");
	t = seconds();
	plan = plan_ok(pl, rules.buf);
	t = seconds() - t;
	assert_int_equal(find(plan, "m999")->max_entries, 3921);
	/* informational only: speed is measured in benchmarks, not asserted */
	print_message("1000 expressions over 4000 dimensions took %.2f s\n", t);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);

	/* 4096 maps, overridden by five files of 4096 maps, all disabled */
	rules.len = prof.len = 0;
	text_add(&rules, "app: t\nmaps:\n");
	text_add(&prof, "maps:\n");
	for (int m = 0; m < 4096; m++) {
		text_add(&rules, "  %s%04d: {type: hash, key_size: 4, value_size: 4, max_entries: 1}\n",
			 PREFIX, m);
		text_add(&prof, "  %s%04d: {max_entries: 2, prealloc: true}\n", PREFIX, 4095 - m);
		text_add(&list, "%s%s%04d", m ? "," : "", PREFIX, m);
	}
	pl = planner(NULL, NULL);
	for (int i = 0; i < 5; i++)
		add_profile(pl, prof.buf, "maps.yaml");
	assert_int_equal(mapsize_planner__disable_prealloc(pl, list.buf), 0);
	for (int m = 0; m < 4096; m += 2) {
		char set[128];

		snprintf(set, sizeof(set), "maps.%s%04d.max_entries=%d", PREFIX, m, m + 3);
		set_ok(pl, set);
	}
	t = seconds();
	plan = plan_ok(pl, rules.buf);
	header = mapsize_plan__header(plan);
	t = seconds() - t;
	assert_non_null(header);
	free(header);
	assert_int_equal(mapsize_plan__map_cnt(plan), 4096);
	{	/* 4096 names sharing their 15 bytes: one warning, not one per pair */
		size_t shared = 0;

		for (size_t w = 0; w < mapsize_plan__warning_cnt(plan); w++) {
			const char *msg = mapsize_plan__warning(plan, w);

			if (strstr(msg, "share their first 15 bytes")) {
				shared++;
				assert_non_null(strstr(msg, "'" PREFIX "0000', '" PREFIX "0001', '" PREFIX "0002', '"
						       PREFIX "0003' and 4092 more share"));
			}
		}
		assert_int_equal(shared, 1);
	}
	assert_int_equal(find(plan, PREFIX "0016")->max_entries, 19);
	assert_int_equal(find(plan, PREFIX "0017")->max_entries, 2);
	assert_false(find(plan, PREFIX "0017")->prealloc);
	assert_string_equal(find(plan, PREFIX "4095")->prealloc_reason, "--bpf-maps-disable-prealloc");
	/* informational only: speed is measured in benchmarks, not asserted */
	print_message("4096 maps, 5 x 4096 overrides, 2048 --set and a 4096-name list took %.2f s\n", t);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	free(rules.buf);
	free(prof.buf);
	free(list.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prealloc_without_options),
		cmocka_unit_test(test_prealloc_default_option),
		cmocka_unit_test(test_disable_list),
		cmocka_unit_test(test_enable_list),
		cmocka_unit_test(test_list_without_effect_warns),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_list_syntax),
		cmocka_unit_test(test_prealloc_precedence),
		cmocka_unit_test(test_fixed_types_ignore_overrides_with_warning),
		cmocka_unit_test(test_auto_threshold),
		cmocka_unit_test(test_auto_from_set),
		cmocka_unit_test(test_era_perf_event_before_6_1),
		cmocka_unit_test(test_era_tracing_before_6_1),
		cmocka_unit_test(test_era_explicit_choices),
		cmocka_unit_test(test_bad_kernel_release),
		cmocka_unit_test(test_kernel_version),
		cmocka_unit_test(test_prealloc_allowed_table),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_header_deterministic),
		cmocka_unit_test(test_digest_inputs),
		cmocka_unit_test(test_header_odd_names),
		cmocka_unit_test(test_header_macro_collision),
		cmocka_unit_test(test_write_header),
		cmocka_unit_test(test_macro_name),
		cmocka_unit_test(test_map_type_names),
		cmocka_unit_test(test_plan_memory_totals),
		cmocka_unit_test(test_large_inputs_stay_fast),
	};

	return cmocka_run_group_tests_name("plan", tests, capture_warnings, NULL);
}
