// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for map rules (src/core/rules.c, src/core/yaml_doc.c) and the type
 * rules applied when a plan sizes each map (src/core/plan.c): every rule key,
 * fixed sizes, kernel limits per type, min/max/round, expression errors
 * located inside the expression, and each class of bad YAML input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "mapsize_test.h"
#include <mapsize/memory.h>

/* ---- every key ------------------------------------------------------------------ */

static void test_every_rule_key(void **state)
{
	const char *yaml =
		"app: every-key\n"
		"description: \"all keys at once\"\n"
		"maps:\n"
		"  m:\n"
		"    type: hash\n"
		"    key_size: 8\n"
		"    value_size: 96\n"
		"    max_entries: procs * 2\n"	/* medium: 65536 */
		"    expected: procs / 64\n"	/* 512 */
		"    min: 1024\n"
		"    max: 100000\n"
		"    round: pow2\n"
		"    prealloc: auto\n"
		"    used_by: [kprobe, tracepoint, xdp]\n"
		"    flags: [rdonly_prog]\n"
		"    baseline: 32768\n"
		"  bloom:\n"
		"    type: bloom_filter\n"
		"    value_size: 8\n"
		"    max_entries: 4096\n"
		"    map_extra: 5\n";
	struct mapsize_rules *r = rules_ok(yaml);
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *m;

	assert_string_equal(mapsize_rules__app(r), "every-key");
	assert_int_equal(mapsize_rules__map_cnt(r), 2);
	assert_string_equal(mapsize_rules__map_name(r, 0), "m");
	assert_string_equal(mapsize_rules__map_name(r, 1), "bloom");
	assert_null(mapsize_rules__map_name(r, 2));
	mapsize_rules__free(r);

	plan = quick_plan(yaml);
	m = find(plan, "m");
	assert_int_equal(m->type, MAPSIZE_MAP_HASH);
	assert_int_equal(m->key_size, 8);
	assert_int_equal(m->value_size, 96);
	assert_int_equal(m->max_entries, 65536);	/* in [1024, 100000], already pow2 */
	assert_int_equal(m->expected_entries, 512);
	assert_false(m->prealloc);			/* auto: 512 <= 65536 / 4 */
	assert_true(m->prealloc_toggle);
	assert_int_equal(m->map_flags, MAPSIZE_F_RDONLY_PROG | MAPSIZE_F_NO_PREALLOC);
	assert_int_equal(m->used_by, MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_TRACEPOINT |
				     MAPSIZE_USED_BY_NETWORKING);
	assert_int_equal(m->baseline_max_entries, 32768);
	assert_null(m->inner_of);
	assert_contains(m->prealloc_reason, "auto (rule at t.yaml:13:15)");

	m = find(plan, "bloom");
	assert_int_equal(m->type, MAPSIZE_MAP_BLOOM_FILTER);
	assert_int_equal(m->key_size, 0);
	assert_int_equal(m->map_extra, 5);
	assert_int_equal(m->max_entries, 4096);
	assert_int_equal(m->baseline_max_entries, 0);
	assert_int_equal(m->map_flags, 0);
	mapsize_plan__free(plan);
}

static void test_flags_and_used_by_names(void **state)
{
	struct mapsize_plan *plan = quick_plan(
		"app: t\n"
		"maps:\n"
		"  lru:\n"
		"    type: lru_hash\n"
		"    key_size: 4\n"
		"    value_size: 4\n"
		"    max_entries: 10\n"
		"    flags: [no_common_lru, wronly_prog]\n"
		"    used_by: [kretprobe, uprobe, uretprobe, usdt, raw_tracepoint, perf_event]\n"
		"  arr:\n"
		"    type: array\n"
		"    value_size: 4\n"
		"    max_entries: 10\n"
		"    flags: [mmapable, inner_map]\n"
		"    used_by: [fentry, fexit, tp_btf, iter, lsm, tc, socket, cgroup, syscall]\n");
	const struct mapsize_plan_map *m = find(plan, "lru");

	assert_int_equal(m->map_flags, MAPSIZE_F_NO_COMMON_LRU | MAPSIZE_F_WRONLY_PROG);
	assert_int_equal(m->used_by, MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_RAW_TRACEPOINT |
				     MAPSIZE_USED_BY_PERF_EVENT);
	m = find(plan, "arr");
	assert_int_equal(m->map_flags, MAPSIZE_F_MMAPABLE | MAPSIZE_F_INNER_MAP);
	/* "syscall" programs are sleepable */
	assert_int_equal(m->used_by, MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_LSM |
				     MAPSIZE_USED_BY_NETWORKING | MAPSIZE_USED_BY_SYSCALL |
				     MAPSIZE_USED_BY_SLEEPABLE);
	mapsize_plan__free(plan);
}

static void test_flag_errors(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [rdonly_prg]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "unknown map flag 'rdonly_prg' (did you mean 'rdonly_prog'?)");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [no_common_lru]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "flag 'no_common_lru' is not accepted by a hash map (the kernel "
			"says EINVAL), expected it only on lru_hash or lru_percpu_hash maps");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [mmapable]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "flag 'mmapable' is not accepted by a hash map (the kernel says "
			"EINVAL), expected it only on array maps");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: rdonly_prog\n"));
	assert_error_at(&err, RULES_FILE, 8, 12, "expected a list but found a scalar");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    used_by: [kprobes]\n"));
	assert_error_at(&err, RULES_FILE, 8, 15, "unknown program kind 'kprobes' (did you mean 'kprobe'?)");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    map_extra: 3\n"));
	assert_error_at(&err, RULES_FILE, 8, 16, "map_extra is only used by bloom_filter maps");
	err = rules_err(ONE_MAP("    type: bloom_filter\n    value_size: 4\n"
				"    max_entries: 1\n    map_extra: 16\n"));
	assert_error_at(&err, RULES_FILE, 7, 16, "map_extra 16, expected 0..15 hash functions");
}

#define ONE_LINE "maps: {m: {type: array, value_size: 4, max_entries: 1}}\n"

static void test_document_keys(void **state)
{
	struct mapsize_error err;

	struct mapsize_rules *r;

	/* no app: the file's name up to its first dot */
	r = rules_ok("maps:\n  m:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	assert_string_equal(mapsize_rules__app(r), "t");
	mapsize_rules__free(r);
	r = mapsize_rules__parse(ONE_LINE, strlen(ONE_LINE), "/etc/agents/my-agent.rules.yaml", &err);
	assert_non_null(r);
	assert_string_equal(mapsize_rules__app(r), "my-agent");
	mapsize_rules__free(r);
	r = mapsize_rules__parse(ONE_LINE, strlen(ONE_LINE), ".hidden", &err);
	assert_non_null(r);
	assert_string_equal(mapsize_rules__app(r), "app");
	mapsize_rules__free(r);
	err = rules_err("app: \"\"\nmaps:\n  m:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	assert_error_at(&err, RULES_FILE, 1, 1, "empty 'app', expected the application's name");
	err = rules_err("app: t\n");
	assert_error_at(&err, RULES_FILE, 1, 1, "no 'maps', expected a mapping of map names to rules");
	/* an object without maps: an explicitly empty mapping is zero rules */
	r = mapsize_rules__parse("app: t\nmaps: {}\n", 16, RULES_FILE, &err);
	assert_non_null(r);
	assert_int_equal(mapsize_rules__map_cnt(r), 0);
	mapsize_rules__free(r);
	err = rules_err("app: t\nmpas:\n  m: {}\n");
	assert_error_at(&err, RULES_FILE, 2, 1,
			"unknown key 'mpas' in the rules file (did you mean 'maps'?); expected one of: "
			"app, description, maps");
	err = rules_err("app: t\nmaps:\n  \"a b\":\n    type: array\n");
	assert_error_at(&err, RULES_FILE, 3, 3, "'a b' is not a map name");
	err = rules_err(ONE_MAP("    key_size: 4\n    value_size: 4\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 3, 3, "map 'm' has no type, expected e.g. 'type: hash'");
	err = rules_err(ONE_MAP("    type: hahs\n"));
	assert_error_at(&err, RULES_FILE, 4, 11, "unknown map type 'hahs' (did you mean 'hash'?)");
	err = rules_err(ONE_MAP("    type: user_ringbuff\n"));
	assert_error_at(&err, RULES_FILE, 4, 11, "unknown map type 'user_ringbuff' (did you mean 'user_ringbuf'?); "
			"expected hash, percpu_hash, lru_hash, lru_percpu_hash, array, percpu_array, prog_array, "
			"perf_event_array, ringbuf, lpm_trie, hash_of_maps, array_of_maps, queue, stack, bloom_filter, "
			"stack_trace, task_storage, inode_storage, sk_storage, cgrp_storage, user_ringbuf or rhash");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"));
	assert_error_at(&err, RULES_FILE, 3, 3, "map 'm' has no max_entries, expected a number or an expression");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries:\n"));
	assert_error_at(&err, RULES_FILE, 7, 17, "expected a number or an expression but found nothing");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    round: up\n"));
	assert_error_at(&err, RULES_FILE, 8, 12, "unknown rounding 'up', expected pow2 or none");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    prealloc: yes\n"));
	assert_error_at(&err, RULES_FILE, 8, 15, "'yes' is not a preallocation choice, expected true, false or auto");
}

/* ---- sizes ------------------------------------------------------------------------ */

struct fixed_case {
	const char *type;
	uint32_t key_size, value_size;	/* what the plan must report */
	const char *extra;		/* lines the type needs besides type/max_entries */
	const char *max_entries;
};

static void test_fixed_size_defaults(void **state)
{
	static const struct fixed_case cases[] = {
		{ "array", 4, 16, "    value_size: 16\n", "8" },
		{ "percpu_array", 4, 16, "    value_size: 16\n", "8" },
		{ "prog_array", 4, 4, "", "8" },
		{ "perf_event_array", 4, 4, "", "0" },
		{ "ringbuf", 0, 0, "", "4096" },
		{ "hash_of_maps", 8, 4, "    key_size: 8\n", "8" },
		{ "array_of_maps", 4, 4, "", "8" },
		{ "queue", 0, 16, "    value_size: 16\n", "8" },
		{ "stack", 0, 16, "    value_size: 16\n", "8" },
		{ "bloom_filter", 0, 16, "    value_size: 16\n", "8" },
		{ "stack_trace", 4, 16, "    value_size: 16\n", "8" },
		{ "task_storage", 4, 16, "    value_size: 16\n", "0" },
		{ "inode_storage", 4, 16, "    value_size: 16\n", "0" },
		{ "sk_storage", 4, 16, "    value_size: 16\n", "0" },
		{ "cgrp_storage", 4, 16, "    value_size: 16\n", "0" },
		{ "user_ringbuf", 0, 0, "", "4096" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512];
		struct mapsize_plan *plan;
		const struct mapsize_plan_map *m;

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n%s    max_entries: %s\n"),
			 cases[i].type, cases[i].extra, cases[i].max_entries);
		plan = quick_plan(yaml);
		m = find(plan, "m");
		if (m->key_size != cases[i].key_size || m->value_size != cases[i].value_size)
			fail_msg("%s: key %u value %u, expected %u %u", cases[i].type, m->key_size,
				 m->value_size, cases[i].key_size, cases[i].value_size);
		assert_string_equal(mapsize_map_type__name(m->type), cases[i].type);
		mapsize_plan__free(plan);
	}
}

static void test_fixed_size_mismatch(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: array\n    key_size: 8\n    value_size: 4\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "array maps have key_size 4, found 8");
	err = rules_err(ONE_MAP("    type: prog_array\n    value_size: 8\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "prog_array maps have value_size 4, found 8");
	err = rules_err(ONE_MAP("    type: ringbuf\n    key_size: 4\n    max_entries: 4096\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "ringbuf maps have key_size 0, found 4");
	err = rules_err(ONE_MAP("    type: user_ringbuf\n    value_size: 8\n    max_entries: 4096\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "user_ringbuf maps have value_size 0, found 8");
	err = rules_err(ONE_MAP("    type: hash_of_maps\n    key_size: 4\n    value_size: 8\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 6, 17, "hash_of_maps maps have value_size 4, found 8");
	/* the fixed size may also be written out */
	mapsize_plan__free(quick_plan(ONE_MAP("    type: array\n    key_size: 4\n    value_size: 4\n"
					      "    max_entries: 1\n")));
}

static void test_missing_and_zero_sizes(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: hash\n    value_size: 4\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 3, 3, "map 'm' has no key_size, expected one for a hash map");
	err = rules_err(ONE_MAP("    type: array\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 3, 3, "map 'm' has no value_size, expected one for a array map");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 0\n    value_size: 4\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "key_size 0, expected at least 1 for a hash map");
	err = rules_err(ONE_MAP("    type: queue\n    value_size: 0\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "value_size 0, expected at least 1 for a queue map");
}

/* Hash keys over 512 bytes (MAX_BPF_STACK) are first in 5.11: refused only
 * when the target kernel is older (issue 17 item 2). */
static void test_hash_key_size_limit(void **state)
{
	static const char *const types[] = { "hash", "lru_hash", "percpu_hash", "lru_percpu_hash" };
	struct mapsize_planner *pl;
	struct mapsize_error err;
	struct mapsize_plan *plan;
	char yaml[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    key_size: 4098\n    value_size: 4\n"
						     "    max_entries: 1\n"), types[i]);
		plan = quick_plan(yaml);	/* the newest kernel */
		assert_int_equal(find(plan, "m")->key_size, 4098);
		mapsize_plan__free(plan);
		pl = planner(NULL, "5.11");
		mapsize_plan__free(plan_ok(pl, yaml));
		mapsize_planner__free(pl);
		pl = planner(NULL, "5.10.0-35-amd64");
		err = plan_err(pl, yaml);
		mapsize_planner__free(pl);
		assert_error_at(&err, RULES_FILE, 5, 15, "map 'm': key_size 4098 exceeds 512, the limit of Linux "
				"5.10 (target) for type ");
		assert_non_null(strstr(err.msg, "first accepted in Linux 5.11 (commit c6bde958a62b \"bpf: Lift "
					"hashtab key_size limit\")"));
	}
	/* 512 on every release that has the type */
	pl = planner(NULL, "4.4");
	mapsize_plan__free(plan_ok(pl, ONE_MAP("    type: hash\n    key_size: 512\n    value_size: 4\n"
					      "    max_entries: 1\n")));
	mapsize_planner__free(pl);
	/* hash of maps: the same hash table */
	pl = planner(NULL, "5.10");
	err = plan_err(pl, "app: a\nmaps:\n  o:\n    type: hash_of_maps\n    key_size: 513\n    max_entries: 2\n"
		       "  o.inner:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	mapsize_planner__free(pl);
	assert_error_at(&err, RULES_FILE, 5, 15, "map 'o': key_size 513 exceeds 512");
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_HASH, 513, 4), MAPSIZE_KERNEL_VERSION(5, 11));
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_HASH, 512, 4), MAPSIZE_KERNEL_VERSION(3, 19));
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_LRU_HASH, 512, 4), MAPSIZE_KERNEL_VERSION(4, 10));
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_ARRAY, 4, 4194304), MAPSIZE_KERNEL_VERSION(3, 19));
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_ARRAY, 4, 4194305), 0);
	assert_int_equal(mapsize_map_sizes__since(MAPSIZE_MAP_HASH, 4, 4194304 - 48 - 4), 0);
}

/* 5.10 also kept a hash value below KMALLOC_MAX_SIZE - MAX_BPF_STACK -
 * the element header; 5.11 bounds key + value together (the same commit). */
static void test_hash_value_size_limit(void **state)
{
	const char *ok = ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4193743\n    max_entries: 1\n");
	const char *big = ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4193744\n    max_entries: 1\n");
	struct mapsize_planner *pl = planner(NULL, "5.10");
	struct mapsize_error err;

	mapsize_plan__free(plan_ok(pl, ok));
	err = plan_err(pl, big);
	assert_error_at(&err, RULES_FILE, 6, 17, "map 'm': value_size 4193744 exceeds 4193743, the limit of "
			"Linux 5.10 (target)");
	mapsize_planner__free(pl);
	mapsize_plan__free(quick_plan(big));
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 8\n    value_size: 4194248\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 6, 17, "map 'm': key_size 8 + value_size 4194248 = 4194256 exceeds "
			"4194255, the limit of every Linux release for type hash");
}

static void test_percpu_value_limit(void **state)
{
	static const char *const types[] = { "percpu_hash", "lru_percpu_hash", "percpu_array" };

	for (size_t i = 0; i < 3; i++) {
		char yaml[256];
		struct mapsize_error err;
		struct mapsize_plan *plan;

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    key_size: 4\n    value_size: 32768\n"
						     "    max_entries: 4\n"), types[i]);
		plan = quick_plan(yaml);
		assert_int_equal(find(plan, "m")->value_size, 32768);
		mapsize_plan__free(plan);
		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    key_size: 4\n    value_size: 32769\n"
						     "    max_entries: 4\n"), types[i]);
		err = rules_err(yaml);
		assert_error_at(&err, RULES_FILE, 6, 17, "map 'm': value_size 32769 exceeds 32768, the limit of "
				"every Linux release for type ");
	}
	/* not per-CPU: no such limit */
	mapsize_plan__free(quick_plan(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 65536\n"
					      "    max_entries: 4\n")));
}

static void test_lpm_key_size_range(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;

	err = rules_err(ONE_MAP("    type: lpm_trie\n    key_size: 4\n    value_size: 1\n    max_entries: 16\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "map 'm': key_size 4 is below 5, the least of every Linux "
			"release for type lpm_trie");
	err = rules_err(ONE_MAP("    type: lpm_trie\n    key_size: 261\n    value_size: 1\n    max_entries: 16\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "map 'm': key_size 261 exceeds 260, the limit of every Linux "
			"release for type lpm_trie (a 4-byte prefix length and 1 to 256 bytes of data, EINVAL); "
			"expected key_size 5..260");
	plan = quick_plan(ONE_MAP("    type: lpm_trie\n    key_size: 5\n    value_size: 1\n    max_entries: 16\n"));
	assert_int_equal(find(plan, "m")->key_size, 5);
	mapsize_plan__free(plan);
	plan = quick_plan(ONE_MAP("    type: lpm_trie\n    key_size: 260\n    value_size: 1\n    max_entries: 16\n"));
	assert_int_equal(find(plan, "m")->key_size, 260);
	mapsize_plan__free(plan);
}

static void test_stack_trace_value_size(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;

	err = rules_err(ONE_MAP("    type: stack_trace\n    value_size: 12\n    max_entries: 16\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "value_size 12, expected a multiple of 8 for a stack_trace map");
	plan = quick_plan(ONE_MAP("    type: stack_trace\n    value_size: 1016\n    max_entries: 16\n"));
	assert_int_equal(find(plan, "m")->value_size, 1016);
	mapsize_plan__free(plan);
}

/* ---- preallocation per type ------------------------------------------------------- */

enum { PA_OPTIONAL, PA_REQUIRED_OFF, PA_ALWAYS_ON };

struct prealloc_case {
	const char *type;
	const char *sizes;
	const char *max_entries;
	int kind;
};

static const struct prealloc_case prealloc_cases[] = {
	{ "hash", "    key_size: 4\n    value_size: 4\n", "64", PA_OPTIONAL },
	{ "percpu_hash", "    key_size: 4\n    value_size: 4\n", "64", PA_OPTIONAL },
	{ "hash_of_maps", "    key_size: 4\n", "64", PA_OPTIONAL },
	{ "lpm_trie", "    key_size: 8\n    value_size: 4\n", "64", PA_REQUIRED_OFF },
	{ "task_storage", "    value_size: 4\n", "0", PA_REQUIRED_OFF },
	{ "inode_storage", "    value_size: 4\n", "0", PA_REQUIRED_OFF },
	{ "sk_storage", "    value_size: 4\n", "0", PA_REQUIRED_OFF },
	{ "cgrp_storage", "    value_size: 4\n", "0", PA_REQUIRED_OFF },
	{ "lru_hash", "    key_size: 4\n    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "lru_percpu_hash", "    key_size: 4\n    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "array", "    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "percpu_array", "    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "prog_array", "", "64", PA_ALWAYS_ON },
	{ "perf_event_array", "", "0", PA_ALWAYS_ON },
	{ "ringbuf", "", "4096", PA_ALWAYS_ON },
	{ "user_ringbuf", "", "4096", PA_ALWAYS_ON },
	{ "array_of_maps", "", "64", PA_ALWAYS_ON },
	{ "queue", "    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "stack", "    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "bloom_filter", "    value_size: 4\n", "64", PA_ALWAYS_ON },
	{ "stack_trace", "    value_size: 8\n", "64", PA_ALWAYS_ON },
};

/* Rule for map "m" of the case with `prealloc: choice` (NULL: no key). */
static void prealloc_yaml(char *buf, size_t size, const struct prealloc_case *pc, const char *choice)
{
	snprintf(buf, size, ONE_MAP("    type: %s\n%s    max_entries: %s\n%s%s%s"), pc->type, pc->sizes,
		 pc->max_entries, choice ? "    prealloc: " : "", choice ? choice : "", choice ? "\n" : "");
}

static void test_prealloc_type_rules(void **state)
{
	for (size_t i = 0; i < sizeof(prealloc_cases) / sizeof(prealloc_cases[0]); i++) {
		const struct prealloc_case *pc = &prealloc_cases[i];
		/* prealloc: is on the line after max_entries; sizes take 0-2 lines */
		unsigned int line = 6 + (unsigned int)(strchr(pc->sizes, '\n') ? 1 : 0) +
				    (unsigned int)(strstr(pc->sizes, "\n    ") ? 1 : 0);
		const struct mapsize_plan_map *m;
		struct mapsize_plan *plan;
		struct mapsize_error err;
		char yaml[512];

		/* no prealloc key: the kernel's behaviour for the type */
		prealloc_yaml(yaml, sizeof(yaml), pc, NULL);
		plan = quick_plan(yaml);
		m = find(plan, "m");
		assert_int_equal(m->prealloc, pc->kind != PA_REQUIRED_OFF);
		assert_int_equal(m->prealloc_toggle, pc->kind == PA_OPTIONAL);
		assert_int_equal(m->map_flags, pc->kind == PA_REQUIRED_OFF ? MAPSIZE_F_NO_PREALLOC : 0);
		mapsize_plan__free(plan);

		/* prealloc: auto is accepted by every type */
		prealloc_yaml(yaml, sizeof(yaml), pc, "auto");
		mapsize_plan__free(quick_plan(yaml));

		prealloc_yaml(yaml, sizeof(yaml), pc, "false");
		if (pc->kind == PA_ALWAYS_ON) {
			char want[128];

			err = rules_err(yaml);
			snprintf(want, sizeof(want), "%s maps are always preallocated (the kernel rejects "
				 "BPF_F_NO_PREALLOC), expected true or auto", pc->type);
			assert_error_at(&err, RULES_FILE, line, 15, want);
		} else {
			plan = quick_plan(yaml);
			m = find(plan, "m");
			assert_false(m->prealloc);
			assert_int_equal(m->map_flags, MAPSIZE_F_NO_PREALLOC);
			mapsize_plan__free(plan);
		}

		prealloc_yaml(yaml, sizeof(yaml), pc, "true");
		if (pc->kind == PA_REQUIRED_OFF) {
			char want[128];

			err = rules_err(yaml);
			snprintf(want, sizeof(want), "%s maps are never preallocated (the kernel requires "
				 "BPF_F_NO_PREALLOC), expected false or auto", pc->type);
			assert_error_at(&err, RULES_FILE, line, 15, want);
		} else {
			plan = quick_plan(yaml);
			m = find(plan, "m");
			assert_true(m->prealloc);
			assert_int_equal(m->map_flags, 0);
			mapsize_plan__free(plan);
		}
	}
}

/* ---- max_entries per type ---------------------------------------------------------- */

static void test_ringbuf_sizes(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;

	err = quick_plan_err(ONE_MAP("    type: ringbuf\n    max_entries: 3 * 4096\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "map 'm': ringbuf size 12288 bytes is not a power of two "
			"multiple of the 4096-byte page size, expected e.g. 16384 (add 'round: pow2')");
	err = quick_plan_err(ONE_MAP("    type: ringbuf\n    max_entries: 2048\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "ringbuf size 2048 bytes is not a power of two multiple "
			"of the 4096-byte page size, expected e.g. 4096");
	plan = quick_plan(ONE_MAP("    type: ringbuf\n    max_entries: 64Ki * cpus\n    round: pow2\n"));
	assert_int_equal(find(plan, "m")->max_entries, 524288);	/* medium: 8 cpus */
	mapsize_plan__free(plan);
	plan = quick_plan(ONE_MAP("    type: ringbuf\n    max_entries: 5000\n    round: pow2\n"));
	assert_int_equal(find(plan, "m")->max_entries, 8192);
	mapsize_plan__free(plan);
}

/* user_ringbuf: ringbuf_map_alloc's checks, under its own name. */
static void test_user_ringbuf_sizes(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;

	err = quick_plan_err(ONE_MAP("    type: user_ringbuf\n    max_entries: 3 * 4096\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "map 'm': user_ringbuf size 12288 bytes is not a power of "
			"two multiple of the 4096-byte page size, expected e.g. 16384 (add 'round: pow2')");
	err = quick_plan_err(ONE_MAP("    type: user_ringbuf\n    max_entries: 2048\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "user_ringbuf size 2048 bytes is not a power of two multiple "
			"of the 4096-byte page size, expected e.g. 4096");
	err = quick_plan_err(ONE_MAP("    type: user_ringbuf\n    max_entries: cpus / 16\n    round: pow2\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "max_entries evaluates to 0, expected at least 1 for a "
			"user_ringbuf map");
	plan = quick_plan(ONE_MAP("    type: user_ringbuf\n    max_entries: 64Ki * cpus\n    round: pow2\n"));
	assert_int_equal(find(plan, "m")->max_entries, 524288);	/* medium: 8 cpus */
	assert_int_equal(find(plan, "m")->type, MAPSIZE_MAP_USER_RINGBUF);
	mapsize_plan__free(plan);
	plan = quick_plan(ONE_MAP("    type: user_ringbuf\n    max_entries: 5000\n    round: pow2\n"));
	assert_int_equal(find(plan, "m")->max_entries, 8192);
	mapsize_plan__free(plan);
	/* the kernel's RINGBUF_CREATE_FLAG_MASK: NUMA_NODE only */
	mapsize_plan__free(quick_plan(ONE_MAP("    type: user_ringbuf\n    max_entries: 4096\n"
					      "    flags: [numa_node]\n")));
	err = rules_err(ONE_MAP("    type: user_ringbuf\n    max_entries: 4096\n    flags: [rdonly]\n"));
	assert_error_at(&err, RULES_FILE, 6, 13, "flag 'rdonly' is not accepted by a user_ringbuf map (the "
			"kernel says EINVAL)");
}

static void test_local_storage_max_entries(void **state)
{
	static const char *const types[] = { "task_storage", "inode_storage", "sk_storage", "cgrp_storage" };

	for (size_t i = 0; i < 4; i++) {
		char yaml[256], want[128];
		struct mapsize_error err;
		struct mapsize_plan *plan;
		const struct mapsize_plan_map *m;

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    value_size: 16\n"), types[i]);
		plan = quick_plan(yaml);
		m = find(plan, "m");
		assert_int_equal(m->max_entries, 0);
		assert_int_equal(m->expected_entries, 0);
		assert_false(m->prealloc);
		assert_int_equal(m->map_flags, MAPSIZE_F_NO_PREALLOC);
		mapsize_plan__free(plan);

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    value_size: 16\n    max_entries: 0\n"),
			 types[i]);
		mapsize_plan__free(quick_plan(yaml));

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    value_size: 16\n    max_entries: 5\n"),
			 types[i]);
		err = rules_err(yaml);
		snprintf(want, sizeof(want), "%s maps have max_entries 0 (one element per object), found '5'",
			 types[i]);
		assert_error_at(&err, RULES_FILE, 6, 18, want);
	}
}

static void test_perf_event_array_zero(void **state)
{
	struct mapsize_plan *plan;

	plan = quick_plan(ONE_MAP("    type: perf_event_array\n"));
	assert_int_equal(find(plan, "m")->max_entries, 0);	/* one per CPU */
	mapsize_plan__free(plan);
	plan = quick_plan(ONE_MAP("    type: perf_event_array\n    max_entries: 0\n"));
	assert_int_equal(find(plan, "m")->max_entries, 0);
	mapsize_plan__free(plan);
	plan = quick_plan(ONE_MAP("    type: perf_event_array\n    max_entries: cpus\n"));
	assert_int_equal(find(plan, "m")->max_entries, 8);
	mapsize_plan__free(plan);
}

static void test_zero_max_entries_invalid(void **state)
{
	struct mapsize_error err;

	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 0\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "map 'm': max_entries evaluates to 0, expected at least 1 "
			"for a hash map");
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: procs - procs\n"));
	assert_error_at(&err, RULES_FILE, 6, 18, "max_entries evaluates to 0, expected at least 1 for a array map");
	err = quick_plan_err(ONE_MAP("    type: ringbuf\n    max_entries: cpus / 16\n    round: pow2\n"));
	assert_error_at(&err, RULES_FILE, 5, 18, "max_entries evaluates to 0, expected at least 1 for a ringbuf map");
}

static void test_hash_max_entries_limit(void **state)
{
	static const char *const types[] = { "hash", "percpu_hash", "lru_hash", "lru_percpu_hash" };
	struct mapsize_plan *plan;

	for (size_t i = 0; i < 4; i++) {
		char yaml[256], want[160];
		struct mapsize_error err;

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    key_size: 4\n    value_size: 4\n"
						     "    max_entries: 128Mi\n"), types[i]);
		plan = quick_plan(yaml);
		assert_int_equal(find(plan, "m")->max_entries, 134217728);
		mapsize_plan__free(plan);
		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    key_size: 4\n    value_size: 4\n"
						     "    max_entries: 128Mi + 1\n"), types[i]);
		err = quick_plan_err(yaml);
		snprintf(want, sizeof(want), "map 'm': max_entries 134217729 exceeds 134217728 (2^27), the most "
			 "the kernel allows for a %s map (E2BIG)", types[i]);
		assert_error_at(&err, RULES_FILE, 7, 18, want);
	}
	/* arrays have no such limit */
	plan = quick_plan(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 256Mi\n"));
	assert_int_equal(find(plan, "m")->max_entries, 268435456);
	mapsize_plan__free(plan);
}

static void test_u32_overflow(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;

	plan = quick_plan(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 4294967295\n"));
	assert_int_equal(find(plan, "m")->max_entries, UINT32_MAX);
	mapsize_plan__free(plan);
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 4Gi\n"));
	assert_error_at(&err, RULES_FILE, 6, 18, "map 'm': max_entries evaluates to 4294967296, which does "
			"not fit max_entries (at most 4294967295)");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: procs * procs * 8\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "evaluates to 8589934592, which does not fit max_entries");
	/* round: pow2 above 2^31 goes to 2^32, which does not fit either */
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 2Gi + 1\n"
				     "    round: pow2\n"));
	assert_error_at(&err, RULES_FILE, 6, 18, "evaluates to 4294967296, which does not fit");
}

/* ---- min, max, round ------------------------------------------------------------------ */

/* max_entries of map "m" (a plain array) under medium for the given lines. */
static uint32_t sized(const char *lines)
{
	char yaml[512];
	struct mapsize_plan *plan;
	uint32_t v;

	snprintf(yaml, sizeof(yaml), ONE_MAP("    type: array\n    value_size: 4\n%s"), lines);
	plan = quick_plan(yaml);
	v = find(plan, "m")->max_entries;
	mapsize_plan__free(plan);
	return v;
}

static void test_min_max_round(void **state)
{
	assert_int_equal(sized("    max_entries: 1000\n"), 1000);
	assert_int_equal(sized("    max_entries: 1000\n    round: none\n"), 1000);
	assert_int_equal(sized("    max_entries: 1000\n    round: pow2\n"), 1024);
	assert_int_equal(sized("    max_entries: 1024\n    round: pow2\n"), 1024);
	assert_int_equal(sized("    max_entries: 1\n    round: pow2\n"), 1);
	/* min and max clamp */
	assert_int_equal(sized("    max_entries: 10\n    min: 100\n"), 100);
	assert_int_equal(sized("    max_entries: 5000\n    max: 4096\n"), 4096);
	assert_int_equal(sized("    max_entries: 3000\n    min: 100\n    max: 4096\n"), 3000);
	/* expressions everywhere */
	assert_int_equal(sized("    max_entries: procs\n    min: cpus * 2\n    max: pods * 100\n"), 11000);
	/* clamp first, then round up: the minimum is a power-of-two floor */
	assert_int_equal(sized("    max_entries: 10\n    min: 100\n    round: pow2\n"), 128);
	/* rounding never goes above max: the largest power of two below it */
	assert_int_equal(sized("    max_entries: 1000\n    max: 1000\n    round: pow2\n"), 512);
	assert_int_equal(sized("    max_entries: 70000\n    max: 100000\n    round: pow2\n"), 65536);
	assert_int_equal(sized("    max_entries: 200000\n    max: 100000\n    round: pow2\n"), 65536);
	assert_int_equal(sized("    max_entries: 600\n    min: 500\n    max: 1000\n    round: pow2\n"), 512);
}

static void test_min_max_errors(void **state)
{
	struct mapsize_error err;

	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 10\n"
				     "    min: 10\n    max: 5\n"));
	assert_error_at(&err, RULES_FILE, 7, 10, "map 'm': min 10 is above max 5, expected min <= max");
	/* no power of two between min and max: an error, not a size below min */
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 110\n"
				     "    min: 100\n    max: 120\n    round: pow2\n"));
	assert_error_at(&err, RULES_FILE, 8, 10, "round: pow2 finds no power of two between min 100 and max 120");
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 10\n    max: 0\n"));
	assert_error_at(&err, RULES_FILE, 6, 18, "max_entries evaluates to 0");
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 10\n    min: cpuz\n"));
	assert_error_at(&err, RULES_FILE, 7, 10, "map 'm': min 'cpuz': unknown dimension 'cpuz' (did you mean 'cpus'?)");
	err = quick_plan_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 10\n    max: 1 / 0\n"));
	assert_error_at(&err, RULES_FILE, 7, 12, "map 'm': max '1 / 0': division by zero");
}

static void test_expected_entries(void **state)
{
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *m;

	plan = quick_plan(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 1000\n"));
	assert_int_equal(find(plan, "m")->expected_entries, 1000);	/* no rule: = max_entries */
	assert_int_equal(mapsize_plan__warning_cnt(plan), 0);
	mapsize_plan__free(plan);

	plan = quick_plan(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 1000\n"
				  "    expected: pods + containers\n"));
	assert_int_equal(find(plan, "m")->expected_entries, 330);
	mapsize_plan__free(plan);

	capture_reset();
	plan = quick_plan(ONE_MAP("    type: lru_hash\n    key_size: 4\n    value_size: 4\n    max_entries: 100\n"
				  "    expected: 150\n"));
	m = find(plan, "m");
	assert_int_equal(m->expected_entries, 150);
	assert_int_equal(m->max_entries, 100);
	assert_int_equal(mapsize_plan__warning_cnt(plan), 1);
	assert_string_equal(mapsize_plan__warning(plan, 0),
			    "map 'm': expected entries 150 exceed max_entries 100: the map will fill up "
			    "(updates fail with E2BIG, or LRU evicts live entries)");
	assert_null(mapsize_plan__warning(plan, 1));
	assert_contains(captured, "warning: map 'm': expected entries 150 exceed max_entries 100");
	mapsize_plan__free(plan);
}

/* ---- expression errors: FILE:LINE:COL inside the expression ------------------------------ */

static void test_expression_unknown_dimension(void **state)
{
	struct mapsize_error err;

	/* plain scalar: the value starts at column 18 of line 7 */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: 2 * procz\n"));
	assert_error_at(&err, RULES_FILE, 7, 22, "");
	assert_string_equal(err.msg, "map 'm': max_entries '2 * procz': unknown dimension 'procz' "
			    "(did you mean 'procs'?)");
	assert_int_equal(err.code, -EINVAL);
	/* double-quoted: one more column for the quote */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: \"2 * procz\"\n"));
	assert_error_at(&err, RULES_FILE, 7, 23, "unknown dimension 'procz' (did you mean 'procs'?)");
	/* single-quoted, in `expected` */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: 100\n    expected: 'max(1, nodez)'\n"));
	assert_error_at(&err, RULES_FILE, 8, 23, "map 'm': expected 'max(1, nodez)': unknown dimension "
			"'nodez' (did you mean 'nodes'?)");
	/* nothing close: no suggestion */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: bananas\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "unknown dimension 'bananas'");
	assert_not_contains(err.msg, "did you mean");
}

static void test_expression_arithmetic_errors(void **state)
{
	struct mapsize_error err;

	/* medium has 8 cpus: the divisor is 0; the column is the '/' */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: procs / (cpus - 8)\n"));
	assert_error_at(&err, RULES_FILE, 7, 24, "map 'm': max_entries 'procs / (cpus - 8)': division by zero");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: \"procs % (cpus - 8)\"\n"));
	assert_error_at(&err, RULES_FILE, 7, 25, "division by zero");
	/* 2^40 * 2^40 overflows at the second '*' */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: 1Ti * 1Ti\n"));
	assert_error_at(&err, RULES_FILE, 7, 22, "'*' overflows 64 bits");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: cpus - 9\n"));
	assert_error_at(&err, RULES_FILE, 7, 23, "'-' goes below zero (8 - 9)");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: clamp(procs, 10, 5)\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "clamp() lower bound 10 is above upper bound 5");
}

static void test_expression_syntax_errors(void **state)
{
	struct mapsize_error err;

	/* found while parsing the rules, before any profile */
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: procs +\n"));
	assert_error_at(&err, RULES_FILE, 7, 25, "unexpected end of expression");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: \"(procs * 2\"\n"));
	assert_error_at(&err, RULES_FILE, 7, 29, "unexpected end of expression, expected ')'");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 99999999999999999999\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "number '99999999999999999999' overflows 64 bits");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: [1, 2]\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "expected a number or an expression but found a list");
}

/* ---- inner maps ---------------------------------------------------------------------------- */

static void test_inner_map_rules(void **state)
{
	struct mapsize_error err;
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *m;

	plan = quick_plan("app: t\nmaps:\n"
			  "  outer:\n    type: hash_of_maps\n    key_size: 4\n    max_entries: policies\n"
			  "  outer.inner:\n    type: hash\n    key_size: 8\n    value_size: 1\n"
			  "    max_entries: containers\n"
			  "  arr:\n    type: array_of_maps\n    max_entries: 4\n"
			  "  arr.inner:\n    type: array\n    value_size: 8\n    max_entries: 16\n");
	m = find(plan, "outer.inner");
	assert_string_equal(m->inner_of, "outer");
	assert_int_equal(m->max_entries, 220);
	assert_null(find(plan, "outer")->inner_of);
	assert_int_equal(find(plan, "outer")->max_entries, 128);
	assert_string_equal(find(plan, "arr.inner")->inner_of, "arr");
	mapsize_plan__free(plan);

	err = rules_err("app: t\nmaps:\n"
			"  lonely.inner:\n    type: hash\n    key_size: 8\n    value_size: 1\n    max_entries: 1\n");
	assert_error_at(&err, RULES_FILE, 3, 3, "inner map rule 'lonely.inner' has no rule for its outer map "
			"'lonely', expected a hash_of_maps or array_of_maps rule named 'lonely'");
	err = rules_err("app: t\nmaps:\n"
			"  h:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 1\n"
			"  h.inner:\n    type: hash\n    key_size: 8\n    value_size: 1\n    max_entries: 1\n");
	assert_error_at(&err, RULES_FILE, 8, 3, "'h.inner' is an inner map rule but 'h' is a hash, "
			"expected hash_of_maps or array_of_maps");
	err = rules_err("app: t\nmaps:\n"
			"  o:\n    type: array_of_maps\n    max_entries: 1\n"
			"  o.inner:\n    type: array_of_maps\n    max_entries: 1\n");
	assert_error_at(&err, RULES_FILE, 6, 3, "inner map 'o.inner' is itself a map-in-map");
	/* a dot alone does not make an inner rule */
	plan = quick_plan("app: t\nmaps:\n  a.b:\n    type: array\n    value_size: 4\n    max_entries: 1\n");
	assert_null(find(plan, "a.b")->inner_of);
	mapsize_plan__free(plan);
}

/* ---- bad input, one test per class ---------------------------------------------------------- */

static void test_bad_yaml_syntax(void **state)
{
	struct mapsize_error err = rules_err(ONE_MAP("    type: hash: 4\n"));

	assert_error_at(&err, RULES_FILE, 4, 15, "invalid YAML: mapping values are not allowed in this context");
	err = rules_err("app: t\nmaps:\n  m: [1, 2\n");
	assert_error_at(&err, RULES_FILE, 4, 1, "invalid YAML: did not find expected ',' or ']'");
	/* bytes libyaml's reader refuses: located by their offset, counting characters */
	err = rules_err("app: t\nmaps:\n  m\xc3\x28:\n");
	assert_error_at(&err, RULES_FILE, 3, 5, "invalid YAML: invalid trailing UTF-8 octet");
	err = rules_err("app: t\nmaps:\n  x: \"caf\xc3\xa9\x01\"\n");
	assert_error_at(&err, RULES_FILE, 3, 11, "invalid YAML: control characters are not allowed");
}

static void test_bad_wrong_type(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: hash\n    key_size: {a: 1}\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "expected a number but found a mapping");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: four\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "'four' is not a number");
	err = rules_err(ONE_MAP("    type: [hash]\n"));
	assert_error_at(&err, RULES_FILE, 4, 11, "expected a string but found a list");
	err = rules_err("app: t\nmaps: [a, b]\n");
	assert_error_at(&err, RULES_FILE, 2, 7, "expected a mapping of map names to rules but found a list");
	err = rules_err("- app\n- maps\n");
	assert_error_at(&err, RULES_FILE, 1, 1, "expected the rules file but found a list");
	err = rules_err("app: t\nmaps:\n  m: 5\n");
	assert_error_at(&err, RULES_FILE, 3, 6, "expected map 'm' but found a scalar");
}

static void test_bad_unknown_key(void **state)
{
	struct mapsize_error err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
						     "    max_entires: 10\n"));

	assert_error_at(&err, RULES_FILE, 7, 5, "");
	assert_string_equal(err.msg, "unknown key 'max_entires' in map 'm' (did you mean 'max_entries'?); "
			    "expected one of: type, key_size, value_size, max_entries, expected, initial, min, max, "
			    "round, prealloc, resizable, used_by, flags, map_extra, baseline, instance");
}

static void test_bad_duplicate_key(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    key_size: 8\n"));
	assert_error_at(&err, RULES_FILE, 6, 5, "duplicate key 'key_size' (first at line 5, column 5)");
	err = rules_err("app: t\nmaps:\n  m: {type: array}\n  m: {type: hash}\n");
	assert_error_at(&err, RULES_FILE, 4, 3, "duplicate key 'm' (first at line 3, column 3)");
}

static void test_bad_negative_number(void **state)
{
	struct mapsize_error err = rules_err(ONE_MAP("    type: hash\n    key_size: -4\n"));

	assert_error_at(&err, RULES_FILE, 5, 15, "negative number '-4', expected a number >= 0");
}

static void test_bad_out_of_range_number(void **state)
{
	struct mapsize_error err;

	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4294967296\n"));
	assert_error_at(&err, RULES_FILE, 5, 15, "number 4294967296 out of range, expected at most 4294967295");
	err = rules_err(ONE_MAP("    type: hash\n    value_size: 18446744073709551616\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "out of range, expected at most 18446744073709551615");
}

static void test_bad_empty_file(void **state)
{
	struct mapsize_error err;

	err = rules_err("");
	assert_error_at(&err, RULES_FILE, 1, 1, "empty rules file, expected a mapping with 'app' and 'maps'");
	err = rules_err("# nothing but a comment\n\n");
	assert_error_at(&err, RULES_FILE, 1, 1, "empty rules file");
	err = rules_err("---\n");
	assert_error_at(&err, RULES_FILE, 1, 1, "empty rules file");
}

static void test_bad_alias_bomb(void **state)
{
	struct mapsize_error err = rules_err(
		"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"app: t\n");

	assert_error_at(&err, RULES_FILE, 2, 8, "YAML alias '*a' is not supported, expected the value written out");
	/* a merge key is an alias too */
	err = rules_err("base: &b {type: hash}\napp: t\nmaps:\n  m:\n    <<: *b\n");
	assert_error_at(&err, RULES_FILE, 5, 9, "YAML alias '*b' is not supported");
}

static void test_bad_nesting(void **state)
{
	char *deep = malloc(10002);
	struct mapsize_error err;

	assert_non_null(deep);
	memset(deep, '[', 10000);
	deep[10000] = '\n';
	deep[10001] = '\0';
	err = rules_err(deep);
	assert_error_at(&err, RULES_FILE, 1, 33, "nesting deeper than 32 levels, expected a flat document");
	free(deep);
	/* block-style nesting is bounded the same way */
	{
		char buf[8192];
		size_t off = 0;

		for (int i = 0; i < 40; i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%*sk%d:\n", i * 2, "", i);
		err = rules_err(buf);
		assert_error_at(&err, RULES_FILE, 33, 65, "nesting deeper than 32 levels");
	}
}

static void test_bad_other_documents(void **state)
{
	struct mapsize_error err;

	err = rules_err("app: t\n---\napp: u\n");
	assert_error_at(&err, RULES_FILE, 2, 1, "a second YAML document, expected a single document");
	err = rules_err("app: t\n? [a, b]\n: c\n");
	assert_error_at(&err, RULES_FILE, 2, 3, "a list cannot be a mapping key");
	{
		static const char nul[] = "app: \"a\\0b\"\n";

		err = rules_err(nul);
		assert_error_at(&err, RULES_FILE, 1, 6, "NUL byte in a scalar");
	}
}

static void test_load_file_missing(void **state)
{
	struct mapsize_error err;

	assert_null(mapsize_rules__load_file("/nonexistent/rules.yaml", &err));
	assert_int_equal(err.code, -ENOENT);
	assert_string_equal(err.file, "/nonexistent/rules.yaml");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "cannot open: No such file or directory");
}

static void test_error_format(void **state)
{
	struct mapsize_error err = rules_err(ONE_MAP("    type: hash\n    key_size: -4\n"));
	char buf[1200];

	mapsize_error__format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "t.yaml:5:15: error: negative number '-4', expected a number >= 0");
	err.line = 0;
	mapsize_error__format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "t.yaml: error: negative number '-4', expected a number >= 0");
	err.file[0] = '\0';
	mapsize_error__format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "error: negative number '-4', expected a number >= 0");
}

/* ---- regressions found by fuzzing (tests/fuzz) ----------------------------------- */

/* fuzz_rules: a folded scalar with a blank line is "8\n* 1"; the message
 * quoting it was two lines.  Control characters are now escaped, and map
 * names cannot hold them. */
static void test_fuzz_message_stays_one_line(void **state)
{
	struct mapsize_error err;
	char buf[1200];

	err = rules_err(ONE_MAP("    type: array\n    value_size: 8\n\n      * 1\n    max_entries: 1\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "'8\\n* 1' is not a number");
	mapsize_error__format(&err, buf, sizeof(buf));
	assert_null(strchr(buf, '\n'));
	err = rules_err("app: t\nmaps:\n  \"a\\tb\": {type: array, value_size: 4, max_entries: 1}\n");
	assert_error_at(&err, RULES_FILE, 3, 3, "'a\\tb' is not a map name");
	err = rules_err("app: t\nmaps:\n  \"a\\nb\\x01\": {type: array, value_size: 4, max_entries: 1}\n");
	assert_error_at(&err, RULES_FILE, 3, 3, "'a\\nb\\x01' is not a map name");
	assert_contains(err.msg, "no spaces or control characters");
}

/* The plan must not hold a map the kernel rejects: fuzz_rules found
 * `cg: {type: cgrp_storage, value_size: 8M}` planned fine, then the memory
 * model (and the kernel) refused it with E2BIG and no location.  Each
 * element-size limit: accepted at the limit (and the memory model agrees),
 * an error at the value one past it. */
static void test_fuzz_element_size_limits(void **state)
{
	static const struct {
		const char *type, *key;
		unsigned int max_value;
		const char *msg;
	} cases[] = {
		{ "hash", "    key_size: 512\n", 4194255 - 512,
		  "exceeds 4194255, the limit of every Linux release for type hash" },
		{ "lru_hash", "    key_size: 4\n", 4194255 - 4,
		  "exceeds 4194255, the limit of every Linux release for type lru_hash" },
		{ "array", "", 4194304, "exceeds 4194304, the limit of every Linux release for type array" },
		{ "queue", "", 4194304, "exceeds 4194304, the limit of every Linux release for type queue" },
		{ "stack", "", 4194304, "exceeds 4194304, the limit of every Linux release for type stack" },
		{ "bloom_filter", "", 4194304, "exceeds 4194304, the limit of every Linux release for type bloom_filter" },
		{ "lpm_trie", "    key_size: 8\n", 4194008, "exceeds 4194008, the limit of every Linux release for type lpm_trie" },
		{ "task_storage", "", 65407, "exceeds 65407, the limit of every Linux release for type task_storage" },
		{ "cgrp_storage", "", 65407, "exceeds 65407, the limit of every Linux release for type cgrp_storage" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool storage = strstr(cases[i].type, "_storage") != NULL;
		const char *prealloc = !strcmp(cases[i].type, "lpm_trie") ? "    prealloc: false\n" : "";
		MAPSIZE_OPTS(mapsize_map_memory, mem);
		MAPSIZE_OPTS(mapsize_map_memory, total);
		struct mapsize_plan *plan;
		struct mapsize_error err;
		char yaml[512];

		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n%s    value_size: %u\n%s%s"),
			 cases[i].type, cases[i].key, cases[i].max_value,
			 storage ? "" : "    max_entries: 1\n", prealloc);
		plan = quick_plan(yaml);
		assert_int_equal(mapsize_plan__memory(plan, NULL, &mem, &total), 0);
		mapsize_plan__free(plan);
		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n%s    value_size: %u\n%s%s"),
			 cases[i].type, cases[i].key, cases[i].max_value + 1,
			 storage ? "" : "    max_entries: 1\n", prealloc);
		err = rules_err(yaml);
		assert_error_at(&err, RULES_FILE, cases[i].key[0] ? 6 : 5, 17, cases[i].msg);
	}
}

/* fd arrays take no rdonly_prog/wronly_prog (the kernel says EINVAL). */
static void test_fuzz_fd_array_flags(void **state)
{
	static const char *const types[] = { "prog_array", "perf_event_array", "array_of_maps" };
	struct mapsize_error err;
	char yaml[256];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(yaml, sizeof(yaml), ONE_MAP("    type: %s\n    max_entries: 4\n"
						     "    flags: [wronly_prog]\n"), types[i]);
		err = rules_err(yaml);
		assert_error_at(&err, RULES_FILE, 6, 13, "flag 'wronly_prog' is not accepted by a");
		assert_contains(err.msg, types[i]);
		assert_contains(err.msg, "(the kernel says EINVAL)");
	}
	mapsize_plan__free(quick_plan(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 4\n"
					      "    flags: [rdonly_prog]\n")));
}

/* stack_trace: the kernel caps max_entries at 2^31 (E2BIG above). */
static void test_fuzz_stack_trace_max_entries(void **state)
{
	struct mapsize_error err;
	MAPSIZE_OPTS(mapsize_map_memory, mem);
	MAPSIZE_OPTS(mapsize_map_memory, total);
	struct mapsize_plan *plan;

	plan = quick_plan(ONE_MAP("    type: stack_trace\n    value_size: 8\n    max_entries: 2Gi\n"));
	assert_int_equal(find(plan, "m")->max_entries, 1U << 31);
	assert_int_equal(mapsize_plan__memory(plan, NULL, &mem, &total), 0);
	mapsize_plan__free(plan);
	err = quick_plan_err(ONE_MAP("    type: stack_trace\n    value_size: 8\n    max_entries: 2Gi + 1\n"));
	assert_error_at(&err, RULES_FILE, 6, 18, "max_entries 2147483649 exceeds 2147483648 (2^31)");
}

/* Positions must point into the document.  fuzz_rules found: an error at
 * the end of input without a final line break one line past the end
 * ("[[", or a last key without a value); a folded scalar's offset added
 * to its first line's column, past the end of that line; line breaks
 * other than \n (\r, NEL, UTF-16 input) not counted for encoding errors. */
static void test_fuzz_positions_inside_the_input(void **state)
{
	static const char utf16[] = "\xff\xfe" "a\0p\0p\0:\0 \0t\0\n\0m\0a\0p\0s\0:\0 \0[\0[\0";
	struct mapsize_error err;
	struct mapsize_rules *r;

	err = rules_err("app: t\nmaps: [[");
	assert_error_at(&err, RULES_FILE, 2, 9, "did not find expected node content");
	err = rules_err("app: t\nmaps:\n  m:");
	assert_error_at(&err, RULES_FILE, 3, 5, "but found nothing");
	err = rules_err("app: t\nmaps:\n ? m");
	assert_error_at(&err, RULES_FILE, 3, 5, "but found nothing");

	/* expressions: folded or escaped scalars point at the scalar */
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: procs +\n      foo\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "unknown dimension 'foo'");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: \"\\x41 + foo\"\n"));
	assert_error_at(&err, RULES_FILE, 7, 18, "unknown dimension 'A'");
	err = quick_plan_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				     "    max_entries: \"procs + foo\"\n"));
	assert_error_at(&err, RULES_FILE, 7, 27, "unknown dimension 'foo'");

	/* \r, \r\n, NEL and LS end lines for libyaml, so for its reader errors too */
	err = rules_err("app: t\rmaps:\r  m: {type: hash}\xff");
	assert_error_at(&err, RULES_FILE, 3, 18, "invalid leading UTF-8 octet");
	err = rules_err("app: t\r\nmaps:\r\n  m: {type: hash}\xff");
	assert_error_at(&err, RULES_FILE, 3, 18, "invalid leading UTF-8 octet");
	err = rules_err("app: t\xc2\x85maps:\xe2\x80\xa8  m: {type: hash}\xff");
	assert_error_at(&err, RULES_FILE, 3, 18, "invalid leading UTF-8 octet");
	/* UTF-16 input: lines and columns in characters */
	r = mapsize_rules__parse(utf16, sizeof(utf16) - 1, RULES_FILE, &err);
	assert_null(r);
	assert_error_at(&err, RULES_FILE, 2, 9, "did not find expected node content");
	r = mapsize_rules__parse(utf16, sizeof(utf16) - 2, RULES_FILE, &err);
	assert_null(r);
	assert_error_at(&err, RULES_FILE, 2, 8, "incomplete UTF-16 character");
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A mapping holds at most 4096 keys; duplicates are found through a hash
 * set (they were found by comparing every key with every other: a 4 MiB
 * document of 24 mappings x 4096 keys took ~1 s at -O2). */
static void test_many_keys(void **state)
{
	size_t cap = 4U << 20, len = 0;
	char *yaml = malloc(cap);
	struct mapsize_error err;
	double t;

	assert_non_null(yaml);
	len += (size_t)snprintf(yaml + len, cap - len, "app: t\nmaps:\n");
	for (int i = 0; i < 4096; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "  m%04d: {type: array, value_size: 4, "
					"max_entries: 1}\n", i);
	mapsize_rules__free(rules_ok(yaml));
	/* the 4097th key */
	snprintf(yaml + len, cap - len, "  x: {}\n");
	err = rules_err(yaml);
	assert_error_at(&err, RULES_FILE, 4099, 3, "more than 4096 keys in one mapping");
	/* a duplicate far into a big mapping still points at the first one */
	snprintf(yaml + len, cap - len, "  m0017: {}\n");
	err = rules_err(yaml);
	assert_error_at(&err, RULES_FILE, 4099, 3, "duplicate key 'm0017' (first at line 20, column 3)");

	/* ~3.7 MiB: 24 mappings of 4096 keys sharing a long prefix */
	len = (size_t)snprintf(yaml, cap, "app: t\nx:\n");
	for (int m = 0; m < 24; m++) {
		len += (size_t)snprintf(yaml + len, cap - len, "  m%d:\n", m);
		for (int k = 0; k < 4096; k++)
			len += (size_t)snprintf(yaml + len, cap - len,
						"    a_very_long_common_prefix_%04d: 1\n", k);
	}
	assert_true(len < cap);
	t = seconds();
	err = rules_err(yaml);
	t = seconds() - t;
	assert_error_at(&err, RULES_FILE, 2, 1, "unknown key 'x' in the rules file");
	/* informational only: speed is measured in benchmarks, not asserted */
	print_message("parsing %zu bytes of keys took %.2f s\n", len, t);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_key),
		cmocka_unit_test(test_flags_and_used_by_names),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test(test_document_keys),
		cmocka_unit_test(test_fixed_size_defaults),
		cmocka_unit_test(test_fixed_size_mismatch),
		cmocka_unit_test(test_missing_and_zero_sizes),
		cmocka_unit_test(test_hash_key_size_limit),
		cmocka_unit_test(test_hash_value_size_limit),
		cmocka_unit_test(test_percpu_value_limit),
		cmocka_unit_test(test_lpm_key_size_range),
		cmocka_unit_test(test_stack_trace_value_size),
		cmocka_unit_test(test_prealloc_type_rules),
		cmocka_unit_test(test_ringbuf_sizes),
		cmocka_unit_test(test_user_ringbuf_sizes),
		cmocka_unit_test(test_local_storage_max_entries),
		cmocka_unit_test(test_perf_event_array_zero),
		cmocka_unit_test(test_zero_max_entries_invalid),
		cmocka_unit_test(test_hash_max_entries_limit),
		cmocka_unit_test(test_u32_overflow),
		cmocka_unit_test(test_min_max_round),
		cmocka_unit_test(test_min_max_errors),
		cmocka_unit_test(test_expected_entries),
		cmocka_unit_test(test_expression_unknown_dimension),
		cmocka_unit_test(test_expression_arithmetic_errors),
		cmocka_unit_test(test_expression_syntax_errors),
		cmocka_unit_test(test_inner_map_rules),
		cmocka_unit_test(test_bad_yaml_syntax),
		cmocka_unit_test(test_bad_wrong_type),
		cmocka_unit_test(test_bad_unknown_key),
		cmocka_unit_test(test_bad_duplicate_key),
		cmocka_unit_test(test_bad_negative_number),
		cmocka_unit_test(test_bad_out_of_range_number),
		cmocka_unit_test(test_bad_empty_file),
		cmocka_unit_test(test_bad_alias_bomb),
		cmocka_unit_test(test_bad_nesting),
		cmocka_unit_test(test_bad_other_documents),
		cmocka_unit_test(test_load_file_missing),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_fuzz_message_stays_one_line),
		cmocka_unit_test(test_fuzz_element_size_limits),
		cmocka_unit_test(test_fuzz_fd_array_flags),
		cmocka_unit_test(test_fuzz_stack_trace_max_entries),
		cmocka_unit_test(test_fuzz_positions_inside_the_input),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests_name("rules", tests, capture_warnings, NULL);
}
