// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the flag and program-kind rules (src/core/maptype.c, their
 * checks in src/core/rules.c): every flag name and its bit, the map types
 * the kernel accepts each flag on (the whole matrix, as Linux 6.18 answered
 * bpf(BPF_MAP_CREATE); tests/kernel/test_mim.c asks the running kernel),
 * refused pairs, messages located at the flag with the kernel's errno,
 * sleepable used_by kinds, and an inner rule inheriting its outer map's
 * used_by (so a target before 6.1 keeps it preallocated). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include <mapsize/status.h>
#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	uint32_t bit;
} flags[] = {
	{ "no_common_lru", 1U << 1 }, { "numa_node", 1U << 2 }, { "rdonly", 1U << 3 }, { "wronly", 1U << 4 },
	{ "stack_build_id", 1U << 5 }, { "zero_seed", 1U << 6 }, { "rdonly_prog", 1U << 7 },
	{ "wronly_prog", 1U << 8 }, { "clone", 1U << 9 }, { "mmapable", 1U << 10 },
	{ "preserve_elems", 1U << 11 }, { "inner_map", 1U << 12 },
};

/* A rule of `type` valid without flags, by type. */
static const struct {
	const char *type, *body;
	const char *accepts;	/* the flags Linux 6.18 accepts on it, as the probe found */
} types[] = {
	{ "hash", "key_size: 4, value_size: 8, max_entries: 4",
	  "numa_node rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "percpu_hash", "key_size: 4, value_size: 8, max_entries: 4", "rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "lru_hash", "key_size: 4, value_size: 8, max_entries: 4",
	  "no_common_lru numa_node rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "lru_percpu_hash", "key_size: 4, value_size: 8, max_entries: 4",
	  "no_common_lru rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "array", "value_size: 8, max_entries: 4", "numa_node rdonly wronly rdonly_prog wronly_prog mmapable inner_map" },
	{ "percpu_array", "value_size: 8, max_entries: 4", "rdonly wronly rdonly_prog wronly_prog" },
	{ "prog_array", "max_entries: 4", "numa_node rdonly wronly" },
	{ "perf_event_array", "max_entries: 4", "numa_node rdonly wronly preserve_elems" },
	{ "ringbuf", "max_entries: 4096", "numa_node" },
	{ "lpm_trie", "key_size: 8, value_size: 8, max_entries: 4", "numa_node rdonly wronly rdonly_prog wronly_prog" },
	{ "hash_of_maps", "key_size: 4, max_entries: 4", "numa_node rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "array_of_maps", "max_entries: 4", "numa_node rdonly wronly" },
	{ "queue", "value_size: 8, max_entries: 4", "numa_node rdonly wronly rdonly_prog wronly_prog" },
	{ "stack", "value_size: 8, max_entries: 4", "numa_node rdonly wronly rdonly_prog wronly_prog" },
	{ "bloom_filter", "value_size: 8, max_entries: 4",
	  "numa_node rdonly wronly zero_seed rdonly_prog wronly_prog" },
	{ "stack_trace", "value_size: 128, max_entries: 4", "numa_node rdonly wronly stack_build_id" },
	{ "task_storage", "value_size: 8", "clone" },
	{ "inode_storage", "value_size: 8", "clone" },
	{ "sk_storage", "value_size: 8", "clone" },
	{ "cgrp_storage", "value_size: 8", "clone" },
	{ "user_ringbuf", "max_entries: 4096", "numa_node" },
	/* not 6.18: what the 7.2 kernel accepts (availprobe under qemu) */
	{ "rhash", "key_size: 4, value_size: 8, max_entries: 4", "numa_node rdonly wronly rdonly_prog wronly_prog" },
};

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static void test_flag_names_and_bits(void **state)
{
	char yaml[256];

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		const char *type = !strcmp(flags[i].name, "no_common_lru") ? "lru_hash" :
				   !strcmp(flags[i].name, "stack_build_id") ? "stack_trace" :
				   !strcmp(flags[i].name, "clone") ? "sk_storage" :
				   !strcmp(flags[i].name, "preserve_elems") ? "perf_event_array" :
				   !strcmp(flags[i].name, "zero_seed") ? "hash" : "array";
		const char *body = NULL;
		struct mapsize_plan *plan;

		for (size_t t = 0; t < ARRAY_SIZE(types); t++)
			if (!strcmp(types[t].type, type))
				body = types[t].body;
		snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s, flags: [%s]}\n", type, body,
			 flags[i].name);
		plan = quick_plan(yaml);
		/* the plan carries the bit (and NO_PREALLOC where the type needs it) */
		assert_int_equal(find(plan, "m")->map_flags & ~MAPSIZE_F_NO_PREALLOC, flags[i].bit);
		mapsize_plan__free(plan);
	}
	assert_int_equal(MAPSIZE_F_NUMA_NODE, 1U << 2);
	assert_int_equal(MAPSIZE_F_RDONLY, 1U << 3);
	assert_int_equal(MAPSIZE_F_WRONLY, 1U << 4);
	assert_int_equal(MAPSIZE_F_STACK_BUILD_ID, 1U << 5);
	assert_int_equal(MAPSIZE_F_ZERO_SEED, 1U << 6);
	assert_int_equal(MAPSIZE_F_CLONE, 1U << 9);
	assert_int_equal(MAPSIZE_F_PRESERVE_ELEMS, 1U << 11);
}

/* The whole matrix: 22 types x 12 flags. */
static void test_flag_type_matrix(void **state)
{
	size_t accepted = 0, refused = 0;
	char yaml[256];

	for (size_t t = 0; t < ARRAY_SIZE(types); t++)
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
			struct mapsize_error err;
			struct mapsize_rules *r;

			snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s, flags: [%s]}\n",
				 types[t].type, types[t].body, flags[f].name);
			r = mapsize_rules__parse(yaml, strlen(yaml), RULES_FILE, &err);
			if (word_in(types[t].accepts, flags[f].name)) {
				if (!r)
					fail_msg("%s on %s refused: %s", flags[f].name, types[t].type, err.msg);
				mapsize_rules__free(r);
				accepted++;
				continue;
			}
			if (r)
				fail_msg("%s on %s accepted, the kernel says EINVAL", flags[f].name, types[t].type);
			assert_contains(err.msg, "(the kernel says EINVAL)");
			assert_int_equal(err.line, 3);
			/* at the flag: after "flags: [" */
			assert_int_equal(err.col, strlen("  m: {type: , , flags: [") + strlen(types[t].type) +
					 strlen(types[t].body) + 1);
			refused++;
		}
	assert_int_equal(ARRAY_SIZE(types), MAPSIZE_MAP_TYPE_CNT - 1);
	assert_int_equal(accepted, 87);
	assert_int_equal(refused, 22 * 12 - 87);
}

static void test_flag_messages(void **state)
{
	struct mapsize_error err;
	char line[1024];

	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [rdonly_prog, inner_map]\n"));
	assert_error_at(&err, RULES_FILE, 8, 26, "flag 'inner_map' is not accepted by a hash map (the kernel "
			"says EINVAL), expected it only on array maps");
	mapsize_error__format(&err, line, sizeof(line));
	assert_string_equal(line, "t.yaml:8:26: error: flag 'inner_map' is not accepted by a hash map (the "
			    "kernel says EINVAL), expected it only on array maps");
	err = rules_err(ONE_MAP("    type: ringbuf\n    max_entries: 4096\n    flags:\n      - rdonly_prog\n"));
	assert_error_at(&err, RULES_FILE, 7, 9, "flag 'rdonly_prog' is not accepted by a ringbuf map (the "
			"kernel says EINVAL), expected it on any map type but prog_array, perf_event_array, "
			"ringbuf, array_of_maps, stack_trace, task_storage, inode_storage, sk_storage, "
			"cgrp_storage or user_ringbuf");
	err = rules_err(ONE_MAP("    type: percpu_array\n    value_size: 8\n    max_entries: 2\n"
				"    flags: [mmapable]\n"));
	assert_error_at(&err, RULES_FILE, 7, 13, "flag 'mmapable' is not accepted by a percpu_array map");
	err = rules_err(ONE_MAP("    type: lru_percpu_hash\n    key_size: 4\n    value_size: 8\n"
				"    max_entries: 2\n    flags: [numa_node]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "flag 'numa_node' is not accepted by an lru_percpu_hash map "
			"(the kernel says EINVAL), expected it on any map type but percpu_hash, lru_percpu_hash, "
			"percpu_array, task_storage, inode_storage, sk_storage or cgrp_storage");
	err = rules_err(ONE_MAP("    type: array_of_maps\n    max_entries: 2\n    flags: [inner_map]\n"));
	assert_error_at(&err, RULES_FILE, 6, 13, "flag 'inner_map' is not accepted by an array_of_maps map");
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [clone]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "expected it only on task_storage, inode_storage, sk_storage "
			"or cgrp_storage maps");
	/* pairs: at the second flag */
	err = rules_err(ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [wronly_prog, rdonly_prog]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "flags 'rdonly_prog' and 'wronly_prog' together are refused by "
			"the kernel (EINVAL: bpf_map_flags_access_ok()), expected at most one of them");
	err = rules_err(ONE_MAP("    type: array\n    value_size: 4\n    max_entries: 1\n"
				"    flags: [rdonly, wronly]\n"));
	assert_error_at(&err, RULES_FILE, 7, 21, "flags 'rdonly' and 'wronly' together are refused by the kernel");
	err = rules_err(ONE_MAP("    type: lru_hash\n    key_size: 4\n    value_size: 4\n"
				"    max_entries: 1\n    flags: [no_common_lru, numa_node]\n"));
	assert_error_at(&err, RULES_FILE, 8, 13, "flags 'numa_node' and 'no_common_lru' together are refused");
	/* build-id stack traces: 32-byte entries */
	err = rules_err(ONE_MAP("    type: stack_trace\n    value_size: 40\n    max_entries: 1\n"
				"    flags: [stack_build_id]\n"));
	assert_error_at(&err, RULES_FILE, 5, 17, "value_size 40, expected a multiple of 32 for a stack_trace map "
			"with stack_build_id");
	mapsize_rules__free(rules_ok(ONE_MAP("    type: stack_trace\n    value_size: 96\n    max_entries: 1\n"
					     "    flags: [stack_build_id]\n")));
	/* inner maps the kernel refuses */
	err = rules_err("app: t\nmaps:\n  o: {type: array_of_maps, max_entries: 2}\n"
			"  o.inner: {type: prog_array, max_entries: 2}\n");
	assert_error_at(&err, RULES_FILE, 4, 3, "inner map 'o.inner' is a prog_array, which the kernel refuses "
			"as an inner map (ENOTSUPP), expected another map type");
	err = rules_err("app: t\nmaps:\n  o: {type: array_of_maps, max_entries: 2}\n"
			"  o.inner: {type: array_of_maps, max_entries: 2}\n");
	assert_error_at(&err, RULES_FILE, 4, 3, "the kernel allows one level only (EINVAL)");
}

static void test_sleepable_used_by(void **state)
{
	static const char *const kinds[] = { "lsm.s", "fentry.s", "fexit.s", "iter.s", "uprobe.s", "uretprobe.s",
					     "usdt.s", "syscall" };
	unsigned int v6_0 = MAPSIZE_KERNEL_VERSION(6, 0), v6_1 = MAPSIZE_KERNEL_VERSION(6, 1);
	const char *why;
	char yaml[256];

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct mapsize_plan_map *m;
		struct mapsize_planner *pl;
		struct mapsize_plan *plan;

		snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: hash, key_size: 4, value_size: 8, "
			 "max_entries: 4096, expected: 16, prealloc: auto, used_by: [%s]}\n", kinds[i]);
		/* before 6.1: kept preallocated, cannot toggle */
		pl = planner(NULL, "6.0.12");
		plan = plan_ok(pl, yaml);
		m = find(plan, "m");
		assert_true(m->used_by & MAPSIZE_USED_BY_SLEEPABLE);
		assert_true(m->prealloc);
		assert_false(m->prealloc_toggle);
		assert_int_equal(m->map_flags, 0);
		assert_contains(m->prealloc_reason, "auto (rule at t.yaml:3:90): preallocated because sleepable programs");
		mapsize_plan__free(plan);
		/* ... and the exception lists refuse it */
		assert_int_equal(mapsize_planner__disable_prealloc(pl, "m"), 0);
		assert_int_equal(mapsize_planner__set_prealloc_default(pl, true), 0);
		assert_contains(plan_err(pl, yaml).msg, "map 'm' cannot toggle preallocation (sleepable programs");
		mapsize_planner__free(pl);
		/* since 6.1: auto drops preallocation (16 of 4096) */
		pl = planner(NULL, "6.1");
		plan = plan_ok(pl, yaml);
		assert_false(find(plan, "m")->prealloc);
		assert_int_equal(find(plan, "m")->map_flags, MAPSIZE_F_NO_PREALLOC);
		mapsize_plan__free(plan);
		mapsize_planner__free(pl);
	}
	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, MAPSIZE_USED_BY_SLEEPABLE, v6_0, &why));
	assert_string_equal(why, "sleepable programs (lsm.s, fentry.s, fexit.s, iter.s, uprobe.s, syscall) need "
			    "preallocated hash maps before Linux 6.1");
	assert_true(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, MAPSIZE_USED_BY_SLEEPABLE, v6_1, NULL));
	assert_true(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH_OF_MAPS, MAPSIZE_USED_BY_SLEEPABLE, 0, NULL));
	/* the plain classes keep their meaning */
	assert_true(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, MAPSIZE_USED_BY_LSM | MAPSIZE_USED_BY_TRACING |
					     MAPSIZE_USED_BY_SYSCALL, v6_0, NULL));
	assert_string_equal(mapsize_used_by__name(MAPSIZE_USED_BY_SLEEPABLE), "sleepable");
	/* the names and their classes */
	{
		struct mapsize_rules *r;
		struct mapsize_plan *plan;

		r = rules_ok("app: t\nmaps:\n  m: {type: hash, key_size: 4, value_size: 8, max_entries: 4, "
			     "used_by: [lsm.s, uprobe.s, iter.s]}\n");
		mapsize_rules__free(r);
		plan = quick_plan("app: t\nmaps:\n  m: {type: hash, key_size: 4, value_size: 8, max_entries: 4, "
				  "used_by: [lsm.s, uprobe.s, iter.s]}\n  n: {type: hash, key_size: 4, value_size: 8, "
				  "max_entries: 4, used_by: [lsm, uprobe, iter]}\n");
		assert_int_equal(find(plan, "m")->used_by, MAPSIZE_USED_BY_LSM | MAPSIZE_USED_BY_KPROBE |
							   MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_SLEEPABLE);
		assert_int_equal(find(plan, "n")->used_by, MAPSIZE_USED_BY_LSM | MAPSIZE_USED_BY_KPROBE |
							   MAPSIZE_USED_BY_TRACING);
		mapsize_plan__free(plan);
	}
	assert_error_at((struct mapsize_error[]){ rules_err(ONE_MAP("    type: hash\n    key_size: 4\n"
			"    value_size: 4\n    max_entries: 1\n    used_by: [lsm.z]\n")) }, RULES_FILE, 8, 15,
			"unknown program kind 'lsm.z' (did you mean 'lsm.s'?)");
}

static const char inherit_rules[] =
	"app: t\n"
	"maps:\n"
	"  outer: {type: hash_of_maps, key_size: 4, max_entries: 8, used_by: [perf_event, xdp]}\n"
	"  outer.inner: {type: hash, key_size: 4, value_size: 8, max_entries: 1024, prealloc: false,\n"
	"                used_by: [tc]}\n"
	"  lone: {type: hash, key_size: 4, value_size: 8, max_entries: 1024, prealloc: false}\n";

/* "perf_event programs can only use preallocated inner hash map": an inner
 * rule is used by its outer map's programs too. */
static void test_inner_inherits_used_by(void **state)
{
	struct mapsize_planner *pl = planner(NULL, "5.15");
	struct mapsize_plan *plan;
	const struct mapsize_plan_map *inner;

	capture_reset();
	plan = plan_ok(pl, inherit_rules);
	inner = find(plan, "outer.inner");
	assert_int_equal(inner->used_by, MAPSIZE_USED_BY_PERF_EVENT | MAPSIZE_USED_BY_NETWORKING);
	assert_true(inner->prealloc);
	assert_false(inner->prealloc_toggle);
	assert_int_equal(inner->map_flags, 0);
	assert_string_equal(inner->prealloc_reason, "preallocated because perf_event programs need preallocated "
			    "hash maps before Linux 6.1");
	assert_contains(warnings(plan), "map 'outer.inner' stays preallocated despite rule at t.yaml:4:86: "
			"perf_event programs need preallocated hash maps before Linux 6.1");
	/* a map no perf_event program reaches is not held back */
	assert_false(find(plan, "lone")->prealloc);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	/* since 6.1 the inner rule's prealloc: false holds */
	pl = planner(NULL, "6.1");
	plan = plan_ok(pl, inherit_rules);
	assert_false(find(plan, "outer.inner")->prealloc);
	assert_int_equal(find(plan, "outer.inner")->map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_int_equal(find(plan, "outer.inner")->used_by, MAPSIZE_USED_BY_PERF_EVENT | MAPSIZE_USED_BY_NETWORKING);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
}

/* Every predicate of every uapi map type, from the one type table. */
/* The types libbpf creates without the object's BTF key/value types. */
static void test_type_takes_btf(void **state)
{
	char got[40] = "";

	for (unsigned int t = 0; t < 34; t++)
		got[t] = bpf_map_type_takes_btf(t) ? 'y' : '-';
	/*                        0         1         2         3
	 *                        0123456789012345678901234567890123 */
	assert_string_equal(got, "yyyy-yy--yyy-------yyy--y-yyyyyyyy");
}

static void test_type_traits(void **state)
{
#define P MAPSIZE_TRAIT_PERCPU
#define H MAPSIZE_TRAIT_HASH
#define A MAPSIZE_TRAIT_ARRAY
#define M MAPSIZE_TRAIT_MAP_IN_MAP
#define L MAPSIZE_TRAIT_LRU
#define F MAPSIZE_TRAIT_FD
#define S MAPSIZE_TRAIT_STORAGE
#define R MAPSIZE_TRAIT_RINGBUF
#define Q MAPSIZE_TRAIT_QUEUE
#define B MAPSIZE_TRAIT_BLOOM
#define W MAPSIZE_TRAIT_WALKABLE
#define X MAPSIZE_TRAIT_BATCH
#define C MAPSIZE_TRAIT_COPYABLE
	static const struct {
		const char *name;
		uint32_t traits;
	} want[] = {
		{ "unspec", 0 },			{ "hash", H | W | X | C },
		{ "array", A | X | C },			{ "prog_array", A | F },
		{ "perf_event_array", A | F },		{ "percpu_hash", P | H | W | X | C },
		{ "percpu_array", P | A | X | C },	{ "stack_trace", W },
		{ "cgroup_array", A | F },		{ "lru_hash", H | L | W | X | C },
		{ "lru_percpu_hash", P | H | L | W | X | C }, { "lpm_trie", W | X | C },
		{ "array_of_maps", A | M | F },		{ "hash_of_maps", H | M | F | W },
		{ "devmap", A },			{ "sockmap", A },
		{ "cpumap", A },			{ "xskmap", A },
		{ "sockhash", W },			{ "cgroup_storage", S },
		{ "reuseport_sockarray", A },		{ "percpu_cgroup_storage", P | S },
		{ "queue", Q },				{ "stack", Q },
		{ "sk_storage", S },			{ "devmap_hash", W },
		{ "struct_ops", 0 },			{ "ringbuf", R },
		{ "inode_storage", S },			{ "task_storage", S },
		{ "bloom_filter", B },			{ "user_ringbuf", R },
		{ "cgrp_storage", S },			{ "arena", 0 },
		{ "insn_array", A },			{ "rhash", W },
	};
#undef P
#undef H
#undef A
#undef M
#undef L
#undef F
#undef S
#undef R
#undef Q
#undef B
#undef W
#undef X
#undef C

	(void)state;
	for (unsigned int t = 0; t < ARRAY_SIZE(want); t++) {
		if (mapsize_bpf_map_type__traits(t) != want[t].traits)
			fail_msg("bpf type %u (%s): traits %#x, expected %#x", t, want[t].name,
				 mapsize_bpf_map_type__traits(t), want[t].traits);
		assert_string_equal(mapsize_bpf_map_type__name(t), want[t].name);
	}
	assert_int_equal(mapsize_bpf_map_type__traits(ARRAY_SIZE(want)), 0);
	assert_string_equal(mapsize_bpf_map_type__name(ARRAY_SIZE(want)), "unknown");
	/* the types mapsize sizes read the same table through their bpf id */
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++) {
		unsigned int bt = mapsize_map_type__bpf_type((enum mapsize_map_type)t);

		assert_int_equal(mapsize_map_type__from_bpf_type(bt), t);
		assert_string_equal(mapsize_map_type__name((enum mapsize_map_type)t), want[bt].name);
		assert_int_equal(mapsize_map_type__traits((enum mapsize_map_type)t), want[bt].traits);
		assert_int_equal(mapsize_map_type__is_percpu((enum mapsize_map_type)t),
				 !!(want[bt].traits & MAPSIZE_TRAIT_PERCPU));
	}
	assert_int_equal(mapsize_map_type__traits(MAPSIZE_MAP_UNSPEC), 0);
	assert_int_equal(mapsize_map_type__traits(MAPSIZE_MAP_TYPE_CNT), 0);
	assert_int_equal(mapsize_map_type__from_bpf_type(14 /* devmap */), MAPSIZE_MAP_UNSPEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_takes_btf),
		cmocka_unit_test(test_type_traits),
		cmocka_unit_test(test_flag_names_and_bits),
		cmocka_unit_test(test_flag_type_matrix),
		cmocka_unit_test(test_flag_messages),
		cmocka_unit_test(test_sleepable_used_by),
		cmocka_unit_test(test_inner_inherits_used_by),
	};

	return cmocka_run_group_tests_name("map flags and program kinds", tests, capture_warnings, NULL);
}
