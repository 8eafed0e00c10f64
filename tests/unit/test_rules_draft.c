// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for rules drafts and stale-rule checks (src/core/rules_draft.c,
 * src/core/rules_check.c), pure: maps are added as an object would define
 * them.  The YAML parses back with the values given, merges and conflicts
 * across objects, placeholders, comments, and every kind of staleness with
 * its location in the rules file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include <mapsize/rules_draft.h>

/* uapi enum bpf_map_type */
#define BT_HASH 1
#define BT_ARRAY 2
#define BT_PERF 4
#define BT_PERCPU_ARRAY 6
#define BT_STACK_TRACE 7
#define BT_LRU 9
#define BT_LPM 11
#define BT_HOFM 13
#define BT_DEVMAP 14
#define BT_RINGBUF 27
#define BT_TASK_STORAGE 29
#define BT_BLOOM 30

static void add(struct mapsize_rules_draft *d, const char *obj, const char *name, unsigned int type,
		uint32_t key, uint32_t value, uint32_t max, uint32_t flags, const char *inner_of)
{
	struct mapsize_error err;
	MAPSIZE_OPTS(mapsize_object_map, m, .name = name, .bpf_type = type, .key_size = key,
		     .value_size = value, .max_entries = max, .map_flags = flags, .inner_of = inner_of);
	int ret = mapsize_rules_draft__add_map(d, obj, &m, &err);

	if (ret)
		fail_msg("add %s: %d %s", name, ret, err.msg);
}

static char *draft_yaml(const struct mapsize_rules_draft *d)
{
	struct mapsize_error err;
	char *y = mapsize_rules_draft__yaml(d, &err);

	if (!y)
		fail_msg("yaml: %s", err.msg);
	return y;
}

static struct mapsize_plan *plan_of(const char *yaml, struct mapsize_rules **rules)
{
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(NULL, &err);
	struct mapsize_plan *plan;

	*rules = mapsize_rules__parse(yaml, strlen(yaml), "draft.yaml", &err);
	if (!*rules)
		fail_msg("parse back: %u:%u %s\n%s", err.line, err.col, err.msg, yaml);
	plan = mapsize_planner__plan(pl, *rules);
	if (!plan)
		fail_msg("plan: %s", mapsize_planner__error(pl)->msg);
	mapsize_planner__free(pl);
	return plan;
}

static void test_draft_parses_back_with_the_object_values(void **state)
{
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);
	struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *pm;
	char *y;

	assert_non_null(d);
	add(d, "dir/agent.bpf.o", "procs", BT_HASH, 4, 896, 32768, 0, NULL);
	add(d, "dir/agent.bpf.o", "sparse", BT_HASH, 8, 16, 4096, MAPSIZE_F_NO_PREALLOC, NULL);
	add(d, "dir/agent.bpf.o", "conf", BT_ARRAY, 4, 64, 1, MAPSIZE_F_RDONLY_PROG | MAPSIZE_F_MMAPABLE, NULL);
	add(d, "dir/agent.bpf.o", "lru", BT_LRU, 8, 4, 1024, MAPSIZE_F_NO_COMMON_LRU, NULL);
	add(d, "dir/agent.bpf.o", "trie", BT_LPM, 8, 1, 256, MAPSIZE_F_NO_PREALLOC, NULL);
	add(d, "dir/agent.bpf.o", "bloom", BT_BLOOM, 0, 8, 1000, 0, NULL);
	add(d, "dir/agent.bpf.o", "perf", BT_PERF, 0, 0, 0, 0, NULL);	/* sizes libbpf fills at load */
	add(d, "dir/agent.bpf.o", "events", BT_RINGBUF, 0, 0, 1 << 18, 0, NULL);
	add(d, "dir/agent.bpf.o", "tasks", BT_TASK_STORAGE, 4, 16, 0, MAPSIZE_F_NO_PREALLOC, NULL);
	add(d, "dir/agent.bpf.o", "pol", BT_HOFM, 4, 4, 128, 0, NULL);
	add(d, "dir/agent.bpf.o", "pol.inner", BT_HASH, 8, 1, 64, MAPSIZE_F_NO_PREALLOC, "pol");
	add(d, "dir/agent.bpf.o", "ports", BT_DEVMAP, 4, 4, 8, 0, NULL);
	add(d, "dir/agent.bpf.o", "mapsize_overflow", BT_PERCPU_ARRAY, 4, 64, 1, 0, NULL);
	assert_int_equal(mapsize_rules_draft__map_cnt(d), 13);
	assert_int_equal(mapsize_rules_draft__warning_cnt(d), 1);	/* devmap: no rule */
	assert_contains(mapsize_rules_draft__warning(d, 0), "mapsize does not size devmap maps");
	assert_true(mapsize_rules_draft__find(d, "mapsize_overflow")->counters);

	y = draft_yaml(d);
	assert_contains(y, "\napp: agent\n");
	assert_contains(y, "  # compiled 32768: replace with an expression of the profile's dimensions, e.g. procs\n"
			   "  # add expected: (live entries) and prealloc: auto to let mapsize drop preallocation\n"
			   "  procs:\n    type: hash\n    key_size: 4\n    value_size: 896\n"
			   "    max_entries: 32768\n    baseline: 32768\n");
	assert_contains(y, "  conf:\n    type: array\n    value_size: 64\n    flags: [rdonly_prog, mmapable]\n");
	assert_contains(y, "  perf:\n    type: perf_event_array\n    max_entries: 0\n\n");
	assert_contains(y, "  # ports: a devmap map (bpf map type 14)");
	assert_contains(y, "  # mapsize_overflow: mapsize's overflow counters");
	plan = plan_of(y, &rules);
	assert_int_equal(mapsize_plan__map_cnt(plan), 11);
	pm = mapsize_plan__find(plan, "procs");
	assert_int_equal(pm->max_entries, 32768);
	assert_int_equal(pm->baseline_max_entries, 32768);
	assert_true(pm->prealloc);
	pm = mapsize_plan__find(plan, "sparse");
	assert_false(pm->prealloc);
	assert_int_equal(pm->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_int_equal(mapsize_plan__find(plan, "conf")->map_flags, MAPSIZE_F_RDONLY_PROG | MAPSIZE_F_MMAPABLE);
	assert_int_equal(mapsize_plan__find(plan, "lru")->map_flags, MAPSIZE_F_NO_COMMON_LRU);
	assert_int_equal(mapsize_plan__find(plan, "bloom")->value_size, 8);
	assert_int_equal(mapsize_plan__find(plan, "events")->max_entries, 1 << 18);
	assert_int_equal(mapsize_plan__find(plan, "tasks")->max_entries, 0);
	pm = mapsize_plan__find(plan, "pol.inner");
	assert_string_equal(pm->inner_of, "pol");
	assert_int_equal(pm->key_size, 8);
	assert_false(pm->prealloc);
	assert_null(mapsize_plan__find(plan, "ports"));
	mapsize_plan__free(plan);
	mapsize_rules__free(rules);
	free(y);
	mapsize_rules_draft__free(d);
}

static void test_deterministic_and_in_object_order(void **state)
{
	char *y[2];

	for (int i = 0; i < 2; i++) {
		struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);

		add(d, "a.o", "zz", BT_HASH, 4, 4, 10, 0, NULL);
		add(d, "a.o", "aa", BT_HASH, 4, 4, 20, 0, NULL);
		y[i] = draft_yaml(d);
		mapsize_rules_draft__free(d);
	}
	assert_string_equal(y[0], y[1]);
	assert_true(strstr(y[0], "  zz:") < strstr(y[0], "  aa:"));
	free(y[0]);
	free(y[1]);
}

static void test_merge_and_conflict(void **state)
{
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);
	MAPSIZE_OPTS(mapsize_object_map, m, .name = "shared", .bpf_type = BT_HASH, .key_size = 4,
		     .value_size = 16, .max_entries = 64);
	struct mapsize_error err;
	char *y;

	add(d, "a.bpf.o", "shared", BT_HASH, 4, 8, 64, 0, NULL);
	add(d, "a.bpf.o", "grow", BT_HASH, 4, 8, 256, 0, NULL);
	add(d, "b.bpf.o", "shared", BT_HASH, 4, 8, 64, 0, NULL);
	add(d, "b.bpf.o", "grow", BT_HASH, 4, 8, 1024, 0, NULL);
	add(d, "b.bpf.o", "only_b", BT_HASH, 4, 8, 8, 0, NULL);
	assert_int_equal(mapsize_rules_draft__map_cnt(d), 3);
	assert_int_equal(mapsize_rules_draft__object_cnt(d), 2);
	assert_int_equal(mapsize_rules_draft__find(d, "shared")->object_cnt, 2);
	assert_int_equal(mapsize_rules_draft__find(d, "grow")->max_entries, 1024);
	assert_int_equal(mapsize_rules_draft__find(d, "grow")->min_max_entries, 256);
	assert_int_equal(mapsize_rules_draft__warning_cnt(d), 1);
	assert_string_equal(mapsize_rules_draft__warning(d, 0),
			    "map 'grow': max_entries 1024 in b.bpf.o, 256 before (in a.bpf.o): the draft keeps 1024");
	/* a different value size: one rule cannot describe both */
	assert_int_equal(mapsize_rules_draft__add_map(d, "c.bpf.o", &m, &err), -EINVAL);
	assert_string_equal(err.file, "c.bpf.o");
	assert_contains(err.msg, "map 'shared' conflicts with its definition in a.bpf.o: value_size is 8 "
				 "there and 16 here");
	m.value_size = 8;
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(mapsize_rules_draft__add_map(d, "c.bpf.o", &m, &err), -EINVAL);
	assert_contains(err.msg, "map_flags is 0x0 there and 0x1 here");
	y = draft_yaml(d);
	assert_contains(y, "# mapsize rules drafted by `mapsize rules init` from the map definitions of "
			   "a.bpf.o, b.bpf.o, c.bpf.o.\n");
	assert_contains(y, "  # compiled 64: replace with an expression of the profile's dimensions, e.g. procs\n"
			   "  # the same map in 2 objects\n");
	assert_contains(y, "  # compiled 256 to 1024 in 2 objects (the largest kept)");
	assert_contains(y, "    max_entries: 1024\n    baseline: 1024\n");
	free(y);
	mapsize_rules_draft__free(d);
}

static void test_placeholders_names_and_errors(void **state)
{
	MAPSIZE_OPTS(mapsize_rules_draft_opts, opts, .app = "my app: v2");
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(&opts);
	MAPSIZE_OPTS(mapsize_object_map, m, .name = "x.inner", .bpf_type = BT_HASH, .key_size = 4,
		     .value_size = 4, .max_entries = 1, .inner_of = "nope");
	struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	struct mapsize_error err;
	char *y;

	/* an inner template needs its outer map first */
	assert_int_equal(mapsize_rules_draft__add_map(d, "a.o", &m, &err), -EINVAL);
	assert_contains(err.msg, "needs its outer map-in-map 'nope' added first");
	/* nothing but maps mapsize does not size: an empty rules file that parses */
	add(d, "a.o", "ports", BT_DEVMAP, 4, 4, 8, 0, NULL);
	y = draft_yaml(d);
	assert_contains(y, "\nmaps: {}\n# no rule: 1 map, none of a type mapsize sizes\n");
	assert_contains(y, "  # ports: a devmap map (bpf map type 14), a type mapsize does not size");
	free(y);
	/* compiled 0 (sized at run time) becomes 1, said in a comment and a warning */
	add(d, "a.o", "later", BT_HASH, 4, 4, 0, 0, NULL);
	/* compiled 1, resized at run time by its agent */
	add(d, "a.o", "resized", BT_HASH, 4, 8, 1, 0, NULL);
	assert_contains(mapsize_rules_draft__warning(d, 1), "compiled max_entries 0");
	/* an outer map without a compiled inner template */
	add(d, "a.o", "outer", BT_HOFM, 4, 4, 16, 0, NULL);
	y = draft_yaml(d);
	assert_contains(y, "app: \"my app: v2\"\n");
	assert_contains(y, "  # compiled 0, which the kernel refuses for a hash map (set at run time?): 1 is a placeholder");
	/* sized at run time: no baseline: (a report against 1 would be bogus), said why */
	assert_contains(y, "  later:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 1\n"
			   "    # baseline: compiled at 0 (sized at run time by the agent); set the size it runs with\n\n");
	assert_contains(y, "  resized:\n    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: 1\n"
			   "    # baseline: compiled at 1 (sized at run time by the agent); set the size it runs with\n\n");
	assert_null(strstr(y, "baseline: 1\n"));
	assert_contains(y, "  # outer.inner: the object has no inner template");
	plan = plan_of(y, &rules);
	assert_string_equal(mapsize_rules__app(rules), "my app: v2");
	assert_int_equal(mapsize_plan__find(plan, "later")->max_entries, 1);
	assert_int_equal(mapsize_plan__find(plan, "later")->baseline_max_entries, 0);
	assert_int_equal(mapsize_plan__find(plan, "resized")->baseline_max_entries, 0);
	mapsize_plan__free(plan);
	mapsize_rules__free(rules);
	free(y);
	/* a fixed size the kernel would refuse: no rule can describe it */
	add(d, "a.o", "bad", BT_ARRAY, 8, 4, 4, 0, NULL);
	assert_null(mapsize_rules_draft__yaml(d, &err));
	assert_contains(err.msg, "map 'bad': array maps have key_size 4 but the object says 8");
	mapsize_rules_draft__free(d);
	/* bad opts */
	{
		struct { struct mapsize_rules_draft_opts o; char tail[8]; } newer = { .o.sz = sizeof(newer) };

		newer.tail[0] = 1;
		assert_null(mapsize_rules_draft__new(&newer.o));
		assert_int_equal(errno, EINVAL);
	}
}

static const char check_rules[] =
	"app: t\n"
	"maps:\n"
	"  procs:\n"				/* line 3 */
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 900\n"			/* line 6: stale */
	"    max_entries: procs\n"
	"  conf:\n"				/* line 8 */
	"    type: array\n"
	"    value_size: 64\n"
	"    max_entries: 1\n"			/* flags: [rdonly_prog] missing */
	"  gone:\n"				/* line 12: no map */
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 16\n"
	"  pol:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    max_entries: 4\n"
	"  pol.inner:\n"			/* no template in the object: fine */
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 1\n"
	"    max_entries: 8\n"
	"  ring:\n"
	"    type: lru_hash\n"			/* line 27: type differs */
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: 8\n";

static void test_check_names_every_problem(void **state)
{
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);
	struct mapsize_rules *rules;
	struct mapsize_rules_check *c;
	const struct mapsize_rules_check_map *e;
	struct mapsize_error err;

	add(d, "a.bpf.o", "procs", BT_HASH, 4, 896, 100, 0, NULL);
	add(d, "a.bpf.o", "conf", BT_ARRAY, 4, 64, 1, MAPSIZE_F_RDONLY_PROG, NULL);
	add(d, "a.bpf.o", "pol", BT_HOFM, 4, 4, 4, 0, NULL);
	add(d, "a.bpf.o", "ring", BT_RINGBUF, 0, 0, 4096, 0, NULL);
	add(d, "a.bpf.o", "extra", BT_HASH, 4, 4, 16, 0, NULL);
	add(d, "a.bpf.o", "ports", BT_DEVMAP, 4, 4, 8, 0, NULL);
	rules = mapsize_rules__parse(check_rules, strlen(check_rules), RULES_FILE, &err);
	assert_non_null(rules);
	c = mapsize_rules_draft__check(d, rules, &err);
	assert_non_null(c);
	assert_true(mapsize_rules_check__stale(c));
	assert_int_equal(mapsize_rules_check__map_cnt(c), 8);
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_OK), 2);	/* pol, pol.inner */
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_STALE), 3);
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_RULE), 1);
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_MAP), 1);
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_SKIPPED), 1);

	e = mapsize_rules_check__map(c, 0);
	assert_string_equal(e->name, "procs");
	assert_int_equal(e->status, MAPSIZE_RULES_CHECK_STALE);
	assert_int_equal(e->diff_cnt, 1);
	assert_string_equal(e->diffs[0].field, "value_size");
	assert_string_equal(e->diffs[0].rule, "900");
	assert_string_equal(e->diffs[0].object, "896");
	assert_string_equal(e->diffs[0].loc.file, RULES_FILE);
	assert_int_equal(e->diffs[0].loc.line, 6);
	assert_int_equal(e->diffs[0].loc.col, 17);
	assert_int_equal(e->loc.line, 3);
	assert_string_equal(e->msg, "map 'procs': value_size is 900 in the rules but 896 in a.bpf.o");

	e = mapsize_rules_check__map(c, 1);
	assert_string_equal(e->diffs[0].field, "flags");
	assert_string_equal(e->diffs[0].rule, "[]");
	assert_string_equal(e->diffs[0].object, "[rdonly_prog]");
	assert_int_equal(e->diffs[0].loc.line, 8);	/* no flags: key: the rule's name */

	e = mapsize_rules_check__map(c, 3);
	assert_string_equal(e->name, "ring");
	assert_string_equal(e->diffs[0].field, "type");
	assert_string_equal(e->diffs[0].rule, "lru_hash");
	assert_string_equal(e->diffs[0].object, "ringbuf");
	assert_int_equal(e->diffs[0].loc.line, 27);

	e = mapsize_rules_check__map(c, 4);
	assert_string_equal(e->name, "extra");
	assert_int_equal(e->status, MAPSIZE_RULES_CHECK_NO_RULE);
	assert_null(e->loc.file);
	assert_contains(e->msg, "map 'extra' (hash, max_entries 16) in a.bpf.o has no rule");
	e = mapsize_rules_check__map(c, 5);
	assert_int_equal(e->status, MAPSIZE_RULES_CHECK_SKIPPED);
	e = mapsize_rules_check__map(c, 6);
	assert_string_equal(e->name, "gone");
	assert_int_equal(e->status, MAPSIZE_RULES_CHECK_NO_MAP);
	assert_int_equal(e->loc.line, 12);
	assert_contains(e->msg, "map 'gone' has a rule but no map in a.bpf.o");
	e = mapsize_rules_check__map(c, 7);
	assert_string_equal(e->name, "pol.inner");
	assert_int_equal(e->status, MAPSIZE_RULES_CHECK_OK);
	assert_contains(e->msg, "no inner template for 'pol', apply creates one from this rule");
	assert_string_equal(mapsize_rules_check_status__name(MAPSIZE_RULES_CHECK_NO_RULE), "no_rule");
	assert_null(mapsize_rules_check_status__name(99));
	mapsize_rules_check__free(c);
	mapsize_rules__free(rules);
	mapsize_rules_draft__free(d);
}

static void test_check_of_own_draft_is_clean(void **state)
{
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);
	struct mapsize_rules *rules;
	struct mapsize_rules_check *c;
	struct mapsize_error err;
	char *y;

	add(d, "a.o", "h", BT_HASH, 4, 8, 64, MAPSIZE_F_NO_PREALLOC, NULL);
	add(d, "a.o", "perf", BT_PERF, 0, 0, 0, 0, NULL);
	add(d, "a.o", "bloom", BT_BLOOM, 0, 8, 100, 0, NULL);
	add(d, "a.o", "pol", BT_HOFM, 4, 4, 4, 0, NULL);
	add(d, "a.o", "pol.inner", BT_ARRAY, 4, 4, 4, MAPSIZE_F_INNER_MAP, "pol");
	add(d, "a.o", "mapsize_overflow", BT_PERCPU_ARRAY, 4, 64, 1, 0, NULL);
	y = draft_yaml(d);
	assert_contains(y, "  pol.inner:\n    type: array\n    value_size: 4\n    flags: [inner_map]\n");
	rules = mapsize_rules__parse(y, strlen(y), "d.yaml", &err);
	assert_non_null(rules);
	c = mapsize_rules_draft__check(d, rules, &err);
	assert_false(mapsize_rules_check__stale(c));
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_OK), 5);
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_SKIPPED), 1);
	mapsize_rules_check__free(c);
	mapsize_rules__free(rules);
	free(y);
	mapsize_rules_draft__free(d);
}

/* A value_size compiled 0 is set at run time by the agent (libbpf-tools'
 * stack maps: bpf_map__set_value_size()): the draft writes a placeholder
 * and says so; rules check accepts any value_size the rule gives for it.
 * Keys over 512 bytes draft as they are (the target kernel decides). */
static void test_value_size_set_at_run_time(void **state)
{
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(NULL);
	struct mapsize_rules *rules;
	struct mapsize_rules_check *c;
	struct mapsize_plan *plan;
	struct mapsize_error err;
	char *y, *edited;

	add(d, "offcputime.bpf.o", "stackmap", BT_STACK_TRACE, 4, 0, 0, 0, NULL);
	add(d, "offcputime.bpf.o", "hv", BT_HASH, 4, 0, 64, 0, NULL);
	add(d, "offcputime.bpf.o", "paths", BT_LRU, 4098, 4, 64, 0, NULL);
	assert_contains(mapsize_rules_draft__warning(d, 1), "map 'stackmap' in offcputime.bpf.o: compiled value_size 0 "
			"(set at run time by the agent?), which the kernel refuses for a stack_trace map: the draft "
			"says 1016, write the size the agent sets");
	assert_contains(mapsize_rules_draft__warning(d, 2), "map 'hv' in offcputime.bpf.o: compiled value_size 0");
	y = draft_yaml(d);
	assert_contains(y, "  stackmap:\n    type: stack_trace\n"
			   "    # value_size: compiled 0, set at run time by the agent (bpf_map__set_value_size);\n"
			   "    # 1016 is a placeholder (127 frames of 8 bytes, the default kernel.perf_event_max_stack): "
			   "write the size the agent sets\n    value_size: 1016\n    max_entries: 1\n");
	assert_contains(y, "  hv:\n    type: hash\n    key_size: 4\n"
			   "    # value_size: compiled 0, set at run time by the agent (bpf_map__set_value_size);\n"
			   "    # 8 is a placeholder (one u64): write the size the agent sets\n    value_size: 8\n");
	assert_contains(y, "  paths:\n    type: lru_hash\n    key_size: 4098\n    value_size: 4\n");
	plan = plan_of(y, &rules);
	assert_int_equal(mapsize_plan__find(plan, "stackmap")->value_size, 1016);
	assert_int_equal(mapsize_plan__find(plan, "paths")->key_size, 4098);
	mapsize_plan__free(plan);
	c = mapsize_rules_draft__check(d, rules, &err);
	assert_false(mapsize_rules_check__stale(c));
	assert_int_equal(mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_OK), 3);
	mapsize_rules_check__free(c);
	mapsize_rules__free(rules);
	/* the size the agent sets (perf-max-stack-depth 64): still no drift */
	edited = strdup(y);
	memcpy(strstr(edited, "value_size: 1016"), "value_size: 0512", 16);
	rules = mapsize_rules__parse(edited, strlen(edited), "d.yaml", &err);
	assert_non_null(rules);
	c = mapsize_rules_draft__check(d, rules, &err);
	assert_false(mapsize_rules_check__stale(c));
	mapsize_rules_check__free(c);
	mapsize_rules__free(rules);
	free(edited);
	free(y);
	/* a size no release accepts: refused naming the object and the map */
	add(d, "agent.bpf.o", "huge", BT_ARRAY, 4, 4194305, 1, 0, NULL);
	assert_null(mapsize_rules_draft__yaml(d, &err));
	assert_string_equal(err.file, "agent.bpf.o");
	assert_contains(err.msg, "map 'huge': value_size 4194305 exceeds 4194304, the limit of every Linux release "
			"for type array (KMALLOC_MAX_SIZE, E2BIG); expected value_size 1..4194304; no rule can "
			"describe it");
	mapsize_rules_draft__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_parses_back_with_the_object_values),
		cmocka_unit_test(test_deterministic_and_in_object_order),
		cmocka_unit_test(test_merge_and_conflict),
		cmocka_unit_test(test_placeholders_names_and_errors),
		cmocka_unit_test(test_check_names_every_problem),
		cmocka_unit_test(test_check_of_own_draft_is_clean),
		cmocka_unit_test(test_value_size_set_at_run_time),
	};

	return cmocka_run_group_tests(tests, capture_warnings, NULL);
}
