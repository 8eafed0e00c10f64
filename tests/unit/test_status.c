// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests of the live-status model (src/core/status*.c): fill levels,
 * the warning line, totals, growth, the Prometheus text, verdicts and the
 * dimension that fits a live load (through the real planner). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/status.h>
#include "../../tools/mapsize/status_sleep.h"
#include "../../src/core/status_attr.h"

#define RULES "examples/agent.rules.yaml"

static struct mapsize_live_map hash_map(const char *name, uint32_t id, uint32_t max, uint64_t entries)
{
	struct mapsize_live_map m = {
		.id = id, .bpf_type = 1 /* hash */, .key_size = 4, .value_size = 8,
		.max_entries = max, .has_entries = true, .entries = entries,
		.count_method = MAPSIZE_COUNT_KFUNC, .memlock_bytes = 4096,
	};

	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

static void test_method_names(void **state)
{
	enum mapsize_count_method m;

	for (int i = MAPSIZE_COUNT_AUTO; i <= MAPSIZE_COUNT_NONE; i++) {
		assert_int_equal(mapsize_count_method__from_name(mapsize_count_method__name(i), &m), 0);
		assert_int_equal(m, i);
	}
	assert_string_equal(mapsize_count_method__name(MAPSIZE_COUNT_MEMLOCK), "memlock");
	assert_int_equal(mapsize_count_method__from_name("walk", &m), -EINVAL);
	assert_null(mapsize_count_method__name(99));
	assert_string_equal(mapsize_bpf_map_type__name(25), "devmap_hash");
	assert_string_equal(mapsize_bpf_map_type__name(9999), "unknown");
}

static void test_levels_and_warning(void **state)
{
	struct mapsize_live_map m = hash_map("execve_map", 812, 32768, 31457);
	char line[256];

	assert_int_equal(mapsize_live_map__level(&m, 0.80, 0.95), MAPSIZE_FILL_CRIT);
	assert_int_equal(mapsize_live_map__warning(&m, 0.80, 0.95, line, sizeof(line)), 0);
	assert_string_equal(line, "warning: map execve_map (id 812) is 96% full (31457/32768): "
				  "new entries will fail with E2BIG");
	m.entries = 26215;	/* 80.0003% */
	assert_int_equal(mapsize_live_map__level(&m, 0.80, 0.95), MAPSIZE_FILL_WARN);
	m.entries = 26214;	/* 79.99% */
	assert_int_equal(mapsize_live_map__level(&m, 0.80, 0.95), MAPSIZE_FILL_OK);
	assert_int_equal(mapsize_live_map__warning(&m, 0.80, 0.95, line, sizeof(line)), 0);
	assert_string_equal(line, "");
	/* failed inserts are critical whatever the ratio */
	m.has_failures = true;
	m.failures[MAPSIZE_OVF_E2BIG] = 120;
	m.failures[MAPSIZE_OVF_ENOMEM] = 3;
	assert_int_equal(mapsize_live_map__failures(&m), 123);
	assert_int_equal(mapsize_live_map__level(&m, 0.80, 0.95), MAPSIZE_FILL_CRIT);
	assert_int_equal(mapsize_live_map__warning(&m, 0.80, 0.95, line, sizeof(line)), 0);
	assert_string_equal(line, "warning: map execve_map (id 812) is 80% full (26214/32768): new entries will "
				  "fail with E2BIG; 123 inserts already failed (E2BIG 120, ENOMEM 3)");
	assert_int_equal(mapsize_live_map__warning(&m, 0.80, 0.95, line, 40), -ENOSPC);
	/* LRU and LPM say what full means for them */
	m = hash_map("lru", 1, 100, 99);
	m.bpf_type = 9;
	m.evicts = true;
	mapsize_live_map__warning(&m, 0.80, 0.95, line, sizeof(line));
	assert_string_equal(line, "warning: map lru (id 1) is 99% full (99/100): LRU: old entries are evicted "
				  "before it is full");
	m = hash_map("cidrs", 2, 10, 10);
	m.bpf_type = 11;
	mapsize_live_map__warning(&m, 0.80, 0.95, line, sizeof(line));
	assert_string_equal(line, "warning: map cidrs (id 2) is 100% full (10/10): new entries will fail with ENOSPC");
	/* no count: no ratio, no level */
	m.has_entries = false;
	assert_int_equal(mapsize_live_map__level(&m, 0.1, 0.2), MAPSIZE_FILL_OK);
}

static void test_totals(void **state)
{
	struct mapsize_status *st = mapsize_status__new();
	struct mapsize_live_map a = hash_map("a", 1, 100, 90), b = hash_map("b", 2, 1000, 10), c = hash_map("c", 3, 10, 0);
	struct mapsize_status_totals t = { .sz = sizeof(t) };
	uint32_t pids[] = { 7, 42 };

	c.has_entries = false;
	c.count_method = MAPSIZE_COUNT_NONE;
	b.has_failures = true;
	b.failures[MAPSIZE_OVF_ENOSPC] = 5;
	a.pids = pids;
	a.pid_cnt = 2;
	assert_int_equal(mapsize_status__add(st, &a), 0);
	assert_int_equal(mapsize_status__add(st, &b), 0);
	assert_int_equal(mapsize_status__add(st, &c), 0);
	pids[0] = 8;	/* the status holds its own copy */
	assert_int_equal(mapsize_status__map(st, 0)->pids[0], 7);
	assert_int_equal(mapsize_status__find_id(st, 3)->max_entries, 10);
	assert_null(mapsize_status__find_id(st, 4));
	assert_int_equal(mapsize_status__totals(st, 0.8, 0.95, &t), 0);
	assert_int_equal(t.maps, 3);
	assert_int_equal(t.counted, 2);
	assert_int_equal(t.entries, 100);
	assert_int_equal(t.max_entries, 1100);
	assert_int_equal(t.memlock_bytes, 3 * 4096);
	assert_int_equal(t.update_failures, 5);
	assert_int_equal(t.warn, 1);	/* a at 90% */
	assert_int_equal(t.crit, 1);	/* b dropped inserts */
	t.sz = 4;
	assert_int_equal(mapsize_status__totals(st, 0.8, 0.95, &t), -EINVAL);
	mapsize_status__free(st);
}

static void test_growth(void **state)
{
	struct mapsize_live_map a = hash_map("execve_map", 1, 32768, 10000), b = a;
	struct mapsize_growth g = { .sz = sizeof(g) };
	char buf[64];

	b.entries = 10120;		/* +120 in 60 s */
	assert_int_equal(mapsize_live_map__growth(&a, &b, 60, &g), 0);
	assert_true(g.fills);
	assert_float_equal(g.per_minute, 120.0, 1e-9);
	assert_float_equal(g.seconds_to_full, (32768.0 - 10120) * 60 / 120, 1e-6);
	assert_string_equal(mapsize_growth__str(&g, buf, sizeof(buf)), "+120/min, full in ~3 h");
	b.entries = 9996;
	mapsize_live_map__growth(&a, &b, 60, &g);
	assert_false(g.fills);
	assert_string_equal(mapsize_growth__str(&g, buf, sizeof(buf)), "-4/min");
	b.entries = 10000;
	mapsize_live_map__growth(&a, &b, 60, &g);
	assert_string_equal(mapsize_growth__str(&g, buf, sizeof(buf)), "steady");
	b.entries = 32000;		/* +22000 in 10 s: full in ~0.35 s */
	mapsize_live_map__growth(&a, &b, 10, &g);
	assert_string_equal(mapsize_growth__str(&g, buf, sizeof(buf)), "+132000/min, full in ~1 s");
	b.has_entries = false;
	assert_int_equal(mapsize_live_map__growth(&a, &b, 10, &g), -EINVAL);
	assert_int_equal(mapsize_live_map__growth(&a, &a, 0, &g), -EINVAL);
}

static void test_prometheus(void **state)
{
	struct mapsize_status *st = mapsize_status__new();
	struct mapsize_live_map a = hash_map("execve_map", 812, 32768, 16384);
	struct mapsize_live_map b = hash_map("execve_map", 900, 4, 1);	/* a second agent's, */
	/* with nothing but the id to tell it from the first (no pin, no program) */
	struct mapsize_live_map c = hash_map("q\"x\\y", 5, 8, 0);
	char *text = NULL;

	a.has_failures = true;
	a.failures[MAPSIZE_OVF_E2BIG] = 7;
	c.bpf_type = 2;	/* array */
	c.has_entries = false;
	c.count_method = MAPSIZE_COUNT_NONE;
	mapsize_status__add(st, &b);
	mapsize_status__add(st, &a);
	mapsize_status__add(st, &c);
	assert_int_equal(mapsize_status__prometheus(st, &text), 0);
	assert_string_equal(text,
		"# HELP mapsize_map_entries Live entries of the BPF map (mapsize_map_info's count_method says how they were counted).\n"
		"# TYPE mapsize_map_entries gauge\n"
		"mapsize_map_entries{map=\"execve_map\",id=\"900\"} 1\n"
		"mapsize_map_entries{map=\"execve_map\",id=\"812\"} 16384\n"
		"# HELP mapsize_map_max_entries max_entries of the BPF map.\n"
		"# TYPE mapsize_map_max_entries gauge\n"
		"mapsize_map_max_entries{map=\"execve_map\",id=\"900\"} 4\n"
		"mapsize_map_max_entries{map=\"execve_map\",id=\"812\"} 32768\n"
		"mapsize_map_max_entries{map=\"q\\\"x\\\\y\"} 8\n"
		"# HELP mapsize_map_fill_ratio Live entries divided by max_entries (0 to 1).\n"
		"# TYPE mapsize_map_fill_ratio gauge\n"
		"mapsize_map_fill_ratio{map=\"execve_map\",id=\"900\"} 0.25\n"
		"mapsize_map_fill_ratio{map=\"execve_map\",id=\"812\"} 0.5\n"
		"# HELP mapsize_map_memlock_bytes Kernel memory charged to the BPF map (fdinfo memlock).\n"
		"# TYPE mapsize_map_memlock_bytes gauge\n"
		"mapsize_map_memlock_bytes{map=\"execve_map\",id=\"900\"} 4096\n"
		"mapsize_map_memlock_bytes{map=\"execve_map\",id=\"812\"} 4096\n"
		"mapsize_map_memlock_bytes{map=\"q\\\"x\\\\y\"} 4096\n"
		"# HELP mapsize_map_update_failures_total Failed inserts counted by the BPF program (<mapsize/bpf_overflow.h>), by errno.\n"
		"# TYPE mapsize_map_update_failures_total counter\n"
		"mapsize_map_update_failures_total{map=\"execve_map\",id=\"812\",errno=\"E2BIG\"} 7\n"
		"mapsize_map_update_failures_total{map=\"execve_map\",id=\"812\",errno=\"ENOSPC\"} 0\n"
		"mapsize_map_update_failures_total{map=\"execve_map\",id=\"812\",errno=\"ENOMEM\"} 0\n"
		"mapsize_map_update_failures_total{map=\"execve_map\",id=\"812\",errno=\"other\"} 0\n"
		"# HELP mapsize_map_info The BPF map's id, type and how its entries were counted (value 1).\n"
		"# TYPE mapsize_map_info gauge\n"
		"mapsize_map_info{map=\"execve_map\",id=\"900\",type=\"hash\",count_method=\"kfunc\"} 1\n"
		"mapsize_map_info{map=\"execve_map\",id=\"812\",type=\"hash\",count_method=\"kfunc\"} 1\n"
		"mapsize_map_info{map=\"q\\\"x\\\\y\",id=\"5\",type=\"array\",count_method=\"none\"} 1\n");
	free(text);
	mapsize_status__free(st);
	/* nothing loaded: an empty exposition */
	st = mapsize_status__new();
	assert_int_equal(mapsize_status__prometheus(st, &text), 0);
	assert_string_equal(text, "");
	free(text);
	mapsize_status__free(st);
}

/* Two maps of one full name keep their series when a reload swaps their
 * ids: the label that tells them apart is a pin path, else a program, and
 * an id only when neither does (never "#2" in id order). */
static char *exposition_of(const struct mapsize_live_map *x, const struct mapsize_live_map *y)
{
	struct mapsize_status *st = mapsize_status__new();
	char *text = NULL;

	assert_int_equal(mapsize_status__add(st, x), 0);
	assert_int_equal(mapsize_status__add(st, y), 0);
	assert_int_equal(mapsize_status__prometheus(st, &text), 0);
	mapsize_status__free(st);
	return text;
}

static void test_prometheus_identity(void **state)
{
	struct mapsize_live_map a = hash_map("tg_execve_joined_by_pid", 10, 8, 2);
	struct mapsize_live_map b = hash_map("tg_execve_joined_by_pid", 11, 8, 4);
	char *text, *swapped;

	snprintf(a.prog, sizeof(a.prog), "agent_a_exec");
	snprintf(b.prog, sizeof(b.prog), "agent_b_exec");
	text = exposition_of(&a, &b);
	assert_non_null(strstr(text, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",prog=\"agent_a_exec\"} 2\n"));
	assert_non_null(strstr(text, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",prog=\"agent_b_exec\"} 4\n"));
	assert_non_null(strstr(text, "mapsize_map_info{map=\"tg_execve_joined_by_pid\",prog=\"agent_b_exec\",id=\"11\","));
	/* reloaded the other way round: b gets the lower id, each keeps its series */
	a.id = 13;
	b.id = 12;
	swapped = exposition_of(&b, &a);
	assert_non_null(strstr(swapped, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",prog=\"agent_a_exec\"} 2\n"));
	assert_non_null(strstr(swapped, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",prog=\"agent_b_exec\"} 4\n"));
	free(text);
	free(swapped);
	/* pins first: one program name for both (an agent loaded twice) */
	snprintf(b.prog, sizeof(b.prog), "agent_a_exec");
	a.pin = "/sys/fs/bpf/one/tg_execve_joined_by_pid";
	b.pin = "/sys/fs/bpf/two/tg_execve_joined_by_pid";
	text = exposition_of(&a, &b);
	assert_non_null(strstr(text, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",pin=\"/sys/fs/bpf/one/tg_execve_joined_by_pid\"} 2\n"));
	assert_non_null(strstr(text, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",pin=\"/sys/fs/bpf/two/tg_execve_joined_by_pid\"} 4\n"));
	free(text);
	/* one pinned, one not, one program: only the id tells them apart */
	b.pin = NULL;
	text = exposition_of(&a, &b);
	assert_non_null(strstr(text, "mapsize_map_entries{map=\"tg_execve_joined_by_pid\",id=\"13\"} 2\n"));
	assert_non_null(strstr(text, "mapsize_map_info{map=\"tg_execve_joined_by_pid\",id=\"13\",type=\"hash\""));
	free(text);
	/* a unique name has no extra label, whatever it has */
	text = exposition_of(&a, &(struct mapsize_live_map){ .id = 3, .name = "other", .max_entries = 1 });
	assert_non_null(strstr(text, "mapsize_map_max_entries{map=\"tg_execve_joined_by_pid\"} 8\n"));
	free(text);
}

static void test_nearest(void **state)
{
	struct mapsize_status *st = mapsize_status__new();
	const char *names[] = { "tg_execve_joined_by_pid", "tg_execve_joined_by_cgroup", "execve_map", "policy_filter_maps" };
	const struct mapsize_live_map *out[3];

	for (size_t i = 0; i < 4; i++) {
		struct mapsize_live_map m = hash_map(names[i], (uint32_t)i + 1, 8, 0);

		snprintf(m.kernel_name, sizeof(m.kernel_name), "%.15s", names[i]);
		assert_int_equal(mapsize_status__add(st, &m), 0);
	}
	/* one transposition away; then the longest common prefix breaks the tie */
	assert_int_equal(mapsize_status__nearest(st, "tg_execve_joined_by_ipd", out, 3), 3);
	assert_string_equal(out[0]->name, "tg_execve_joined_by_pid");
	assert_string_equal(out[1]->name, "tg_execve_joined_by_cgroup");
	/* glob characters are ignored */
	assert_int_equal(mapsize_status__nearest(st, "execve_mpa*", out, 1), 1);
	assert_string_equal(out[0]->name, "execve_map");
	/* a kernel name typed in full is nearest by it */
	assert_int_equal(mapsize_status__nearest(st, "policy_filter_m", out, 1), 1);
	assert_string_equal(out[0]->name, "policy_filter_maps");
	assert_int_equal(mapsize_status__nearest(st, "x", out, 0), 0);
	assert_string_equal(mapsize_name_source__name(MAPSIZE_NAME_KERNEL), "kernel");
	assert_string_equal(mapsize_name_source__name(MAPSIZE_NAME_BTF), "btf");
	assert_string_equal(mapsize_name_source__name(MAPSIZE_NAME_PIN), "pin");
	assert_string_equal(mapsize_name_source__name(MAPSIZE_NAME_RULES), "rules");
	assert_null(mapsize_name_source__name(MAPSIZE_NAME_RULES + 1));
	mapsize_status__free(st);
}

/* ---- against a real plan of the shipped rules ------------------------------- */

struct replan_ctx {
	struct mapsize_rules *rules;
	int calls;
};

static struct mapsize_plan *plan_with(struct mapsize_rules *rules, const char *set)
{
	struct mapsize_planner_opts o = { .sz = sizeof(o), .map_size = "small" };
	struct mapsize_planner *pl = mapsize_planner__new(&o, NULL);
	struct mapsize_plan *plan;

	assert_non_null(pl);
	if (set)
		assert_int_equal(mapsize_planner__set(pl, set), 0);
	plan = mapsize_planner__plan(pl, rules);
	mapsize_planner__free(pl);
	return plan;
}

static int replan(void *arg, const char *dim, uint64_t value, const char *map, struct mapsize_plan_map *out)
{
	struct replan_ctx *rc = arg;
	char set[96];
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *pm;

	rc->calls++;
	snprintf(set, sizeof(set), "%s=%llu", dim, (unsigned long long)value);
	plan = plan_with(rc->rules, set);
	if (!plan)
		return -EINVAL;
	pm = mapsize_plan__find(plan, map);
	*out = *pm;
	out->name = NULL;
	mapsize_plan__free(plan);
	return 0;
}

static void test_verdict_and_fit(void **state)
{
	struct mapsize_error err;
	struct replan_ctx rc = { .rules = mapsize_rules__load_file(RULES, &err) };
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *pm;
	struct mapsize_live_map live;
	struct mapsize_fit fit = { .sz = sizeof(fit) };

	assert_non_null(rc.rules);
	plan = plan_with(rc.rules, NULL);
	assert_non_null(plan);
	pm = mapsize_plan__find(plan, "execve_map");	/* small: procs 4096, max 4096, expected 512 */
	assert_int_equal(pm->max_entries, 4096);
	assert_int_equal(pm->expected_entries, 512);
	live = hash_map("execve_map", 1, 4096, 512);
	assert_int_equal(mapsize_live_map__verdict(&live, pm, 0.8), MAPSIZE_VERDICT_OK);
	live.entries = 513;
	assert_int_equal(mapsize_live_map__verdict(&live, pm, 0.8), MAPSIZE_VERDICT_UNDERSIZED);
	live.entries = 64;
	assert_int_equal(mapsize_live_map__verdict(&live, pm, 0.8), MAPSIZE_VERDICT_OK);
	live.entries = 63;
	assert_int_equal(mapsize_live_map__verdict(&live, pm, 0.8), MAPSIZE_VERDICT_OVERSIZED);
	live.has_entries = false;
	assert_int_equal(mapsize_live_map__verdict(&live, pm, 0.8), MAPSIZE_VERDICT_UNKNOWN);
	assert_string_equal(mapsize_verdict__name(MAPSIZE_VERDICT_OVERSIZED), "oversized");

	/* 45,000 live tgids: expected = procs / 8 >= 45000 needs procs >= 360000
	 * (and 45000 < 0.8 * procs holds then); 4 steps per octave: 393216. */
	assert_int_equal(mapsize_plan__fit_dimension(plan, "execve_map", 45000, 0.8, replan, &rc, &fit), 0);
	assert_string_equal(fit.dimension, "procs");
	assert_int_equal(fit.current, 4096);
	assert_int_equal(fit.needed, 360000);
	assert_int_equal(fit.suggested, 393216);
	/* 10 live: procs / 8 >= 10 needs procs >= 80 (max_entries stays at its min 1024) */
	assert_int_equal(mapsize_plan__fit_dimension(plan, "execve_map", 10, 0.8, replan, &rc, &fit), 0);
	assert_int_equal(fit.needed, 80);
	assert_int_equal(fit.suggested, 80);
	/* a fixed-size map has no driving dimension */
	assert_int_equal(mapsize_plan__fit_dimension(plan, "execve_map_stats", 3, 0.8, replan, &rc, &fit), -ENOENT);
	assert_int_equal(mapsize_plan__fit_dimension(plan, "no_such_map", 3, 0.8, replan, &rc, &fit), -EINVAL);
	mapsize_plan__free(plan);
	mapsize_rules__free(rc.rules);
}

/* --watch accepts up to 86,400 s: the pause is exact over the whole range
 * (usleep((useconds_t)(s * 1e6)) wrapped above ~4,295 s: 4,300 s slept 5 s). */
static void test_watch_interval(void **state)
{
	static const struct {
		double seconds;
		long long sec;
		long nsec;
	} cases[] = {
		{ 4300, 4300, 0 }, { 86400, 86400, 0 }, { 4294.967296, 4294, 967296000 },
		{ 10, 10, 0 }, { 0.25, 0, 250000000 }, { 1.5, 1, 500000000 }, { 0.000001, 0, 1000 },
	};
	struct timespec ts;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ts = status_watch_interval(cases[i].seconds);
		assert_int_equal(ts.tv_sec, cases[i].sec);
		/* the double's last bits: within a microsecond */
		assert_true(labs(ts.tv_nsec - cases[i].nsec) < 1000);
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	}
	ts = status_watch_interval(0);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
	/* a short real pause ends, and not early */
	{
		struct timespec a, b;
		double took;

		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_int_equal(status_watch_sleep(0.01), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		assert_true(took >= 0.01 && took < 1);
	}
}

/* Overflow counters to maps: by full name; by the kernel's 15 bytes only
 * when one map and one counter share them; else to neither. */
static void test_counter_attribution(void **state)
{
	static const char *const counters[] = { "policy_filter_maps", "policy_filter_maps_inner", "execve_map",
						 "tg_cgrps_tracking_map", "_4tuple_v6" };
	const size_t nc = sizeof(counters) / sizeof(counters[0]);
	bool pick[4];

	(void)state;
	/* resolved full names: each counter finds its own map */
	{
		const struct status_attr_map maps[] = {
			{ "policy_filter_maps", false }, { "policy_filter_maps.inner", false },
			{ "execve_map", false }, { "policy_filter_m", true },
		};

		assert_int_equal(status_attr_pick(counters, nc, 0, maps, 4, pick), 1);
		assert_true(pick[0] && !pick[1] && !pick[2] && !pick[3]);
		assert_int_equal(status_attr_pick(counters, nc, 1, maps, 4, pick), 1);
		assert_true(!pick[0] && pick[1] && !pick[2] && !pick[3]);
		assert_int_equal(status_attr_pick(counters, nc, 2, maps, 4, pick), 1);
		assert_true(pick[2]);
	}
	/* only the 15 bytes, and two counters start with them: neither */
	{
		const struct status_attr_map maps[] = { { "policy_filter_m", true }, { "execve_map", false } };

		assert_int_equal(status_attr_pick(counters, nc, 0, maps, 2, pick), -1);
		assert_false(pick[0] || pick[1]);
		assert_int_equal(status_attr_pick(counters, nc, 1, maps, 2, pick), -1);
		assert_false(pick[0] || pick[1]);
	}
	/* only the 15 bytes, one map and one counter: that one */
	{
		const struct status_attr_map maps[] = { { "tg_cgrps_tracki", true }, { "execve_map", false } };

		assert_int_equal(status_attr_pick(counters, nc, 3, maps, 2, pick), 1);
		assert_true(pick[0] && !pick[1]);
	}
	/* two maps with the same 15 bytes for one counter: neither */
	{
		const struct status_attr_map maps[] = { { "tg_cgrps_tracki", true }, { "tg_cgrps_tracki", true } };

		assert_int_equal(status_attr_pick(counters, nc, 3, maps, 2, pick), -1);
		assert_false(pick[0] || pick[1]);
	}
	/* a name that is not a C identifier: compared as gen-header spells it */
	{
		const struct status_attr_map maps[] = { { "4tuple.v6", false } };

		assert_int_equal(status_attr_pick(counters, nc, 4, maps, 1, pick), 1);
		assert_true(pick[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_levels_and_warning),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_prometheus_identity),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_verdict_and_fit),
		cmocka_unit_test(test_watch_interval),
		cmocka_unit_test(test_counter_attribution),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
