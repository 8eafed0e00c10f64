// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for map type and flag availability per kernel version
 * (src/core/maptype.c, checked by the planner in src/core/plan.c): the first
 * release of every type and of every flag on every type that accepts it, the
 * error at the boundary (one release before: an error at the rule's type or
 * flag naming the map, the type or flag and the release; at it: a plan), no
 * error without a target kernel or for a newer one, and BPF_F_NO_PREALLOC's
 * own release in mapsize_prealloc_allowed().  tests/kernel/test_availability.c
 * creates every pair the table claims on the running kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define V MAPSIZE_KERNEL_VERSION

/* Every type mapsize knows, its first release and a rule body valid without flags. */
static const struct {
	const char *type;
	unsigned int since;
	const char *body;
} types[] = {
	{ "hash", V(3, 19), "key_size: 4, value_size: 8, max_entries: 4" },
	{ "percpu_hash", V(4, 6), "key_size: 4, value_size: 8, max_entries: 4" },
	{ "lru_hash", V(4, 10), "key_size: 4, value_size: 8, max_entries: 4" },
	{ "lru_percpu_hash", V(4, 10), "key_size: 4, value_size: 8, max_entries: 4" },
	{ "array", V(3, 19), "value_size: 8, max_entries: 4" },
	{ "percpu_array", V(4, 6), "value_size: 8, max_entries: 4" },
	{ "prog_array", V(4, 2), "max_entries: 4" },
	{ "perf_event_array", V(4, 3), "max_entries: 4" },
	{ "ringbuf", V(5, 8), "max_entries: 4096" },
	{ "lpm_trie", V(4, 11), "key_size: 8, value_size: 8, max_entries: 4" },
	{ "hash_of_maps", V(4, 12), "key_size: 4, max_entries: 4" },
	{ "array_of_maps", V(4, 12), "max_entries: 4" },
	{ "queue", V(4, 20), "value_size: 8, max_entries: 4" },
	{ "stack", V(4, 20), "value_size: 8, max_entries: 4" },
	{ "bloom_filter", V(5, 16), "value_size: 8, max_entries: 4" },
	{ "stack_trace", V(4, 6), "value_size: 128, max_entries: 4" },
	{ "task_storage", V(5, 11), "value_size: 8" },
	{ "inode_storage", V(5, 10), "value_size: 8" },
	{ "sk_storage", V(5, 2), "value_size: 8" },
	{ "cgrp_storage", V(6, 2), "value_size: 8" },
	{ "user_ringbuf", V(6, 1), "max_entries: 4096" },
	{ "rhash", V(7, 2), "key_size: 4, value_size: 8, max_entries: 4" },
};

/* Every flag rules can name, its bit and its own first release. */
static const struct {
	const char *name;
	uint32_t bit;
	unsigned int since;
} flags[] = {
	{ "no_common_lru", MAPSIZE_F_NO_COMMON_LRU, V(4, 10) }, { "numa_node", MAPSIZE_F_NUMA_NODE, V(4, 14) },
	{ "rdonly", MAPSIZE_F_RDONLY, V(4, 15) }, { "wronly", MAPSIZE_F_WRONLY, V(4, 15) },
	{ "stack_build_id", MAPSIZE_F_STACK_BUILD_ID, V(4, 17) }, { "zero_seed", MAPSIZE_F_ZERO_SEED, V(5, 0) },
	{ "rdonly_prog", MAPSIZE_F_RDONLY_PROG, V(5, 2) }, { "wronly_prog", MAPSIZE_F_WRONLY_PROG, V(5, 2) },
	{ "clone", MAPSIZE_F_CLONE, V(5, 4) }, { "mmapable", MAPSIZE_F_MMAPABLE, V(5, 5) },
	{ "preserve_elems", MAPSIZE_F_PRESERVE_ELEMS, V(5, 10) }, { "inner_map", MAPSIZE_F_INNER_MAP, V(5, 10) },
	{ "rb_overwrite", MAPSIZE_F_RB_OVERWRITE, V(6, 19) },
};

static enum mapsize_map_type type_of(const char *name)
{
	enum mapsize_map_type t = mapsize_map_type__from_name(name);

	if (t == MAPSIZE_MAP_UNSPEC)
		fail_msg("no map type '%s'", name);
	return t;
}

/* The plan of one map "m" for target `kernel`; NULL and *err when refused. */
static struct mapsize_plan *plan_for(const char *kernel, const char *yaml, struct mapsize_error *err)
{
	struct mapsize_planner *pl = planner("small", kernel);
	struct mapsize_rules *r = rules_ok(yaml);
	struct mapsize_plan *plan = mapsize_planner__plan(pl, r);

	*err = *mapsize_planner__error(pl);
	mapsize_rules__free(r);
	mapsize_planner__free(pl);
	return plan;
}

static void test_type_first_release(void **state)
{
	assert_int_equal(ARRAY_SIZE(types), MAPSIZE_MAP_TYPE_CNT - 1);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		unsigned int got = mapsize_map_type__since(type_of(types[i].type));

		if (got != types[i].since)
			fail_msg("%s: first in %u.%u, expected %u.%u", types[i].type, got >> 8, got & 0xff,
				 types[i].since >> 8, types[i].since & 0xff);
	}
	assert_int_equal(mapsize_map_type__since(MAPSIZE_MAP_UNSPEC), 0);
	assert_int_equal(mapsize_map_type__since(MAPSIZE_MAP_TYPE_CNT), 0);
	/* the uapi types since 6.12 (enum bpf_map_type of Debian's 7.3 BTF) and arena,
	 * by bpf id: availprobe creates them on every kernel of the qemu matrix */
	assert_int_equal(mapsize_bpf_map_type__since(33), V(6, 9));
	assert_string_equal(mapsize_bpf_map_type__name(33), "arena");
	assert_int_equal(mapsize_bpf_map_type__since(34), V(6, 19));
	assert_string_equal(mapsize_bpf_map_type__name(34), "insn_array");
	assert_int_equal(mapsize_bpf_map_type__since(MAPSIZE_BPF_MAP_TYPE_RHASH), V(7, 2));
	assert_string_equal(mapsize_bpf_map_type__name(35), "rhash");
	assert_int_equal(mapsize_bpf_map_type__since(36), 0);
	assert_int_equal(mapsize_bpf_map_type__since(1), V(3, 19));
	assert_int_equal(mapsize_bpf_map_type__since(14), 0);	/* devmap: not recorded */
}

/* A flag works on a type from the later of the two releases, only where the
 * type accepts it (the rules' matrix, test_map_flags.c), and 0 elsewhere. */
static void test_flag_first_release(void **state)
{
	size_t pairs = 0;
	char yaml[256];

	for (size_t t = 0; t < ARRAY_SIZE(types); t++)
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
			unsigned int got = mapsize_map_flag__since(type_of(types[t].type), flags[f].bit);
			unsigned int want = types[t].since > flags[f].since ? types[t].since : flags[f].since;
			struct mapsize_error err;
			struct mapsize_rules *r;

			snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s, flags: [%s]}\n",
				 types[t].type, types[t].body, flags[f].name);
			r = mapsize_rules__parse(yaml, strlen(yaml), RULES_FILE, &err);
			if (!r) {
				if (got)
					fail_msg("%s on %s: refused by the rules but first in %u.%u", flags[f].name,
						 types[t].type, got >> 8, got & 0xff);
				continue;
			}
			mapsize_rules__free(r);
			if (got != want)
				fail_msg("%s on %s: first in %u.%u, expected %u.%u", flags[f].name, types[t].type,
					 got >> 8, got & 0xff, want >> 8, want & 0xff);
			pairs++;
		}
	assert_int_equal(pairs, 88);
	/* exact releases where the type or the flag decides */
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_ARRAY, MAPSIZE_F_MMAPABLE), V(5, 5));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_ARRAY, MAPSIZE_F_INNER_MAP), V(5, 10));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_PERF_EVENT_ARRAY, MAPSIZE_F_PRESERVE_ELEMS), V(5, 10));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_SK_STORAGE, MAPSIZE_F_CLONE), V(5, 4));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_CGRP_STORAGE, MAPSIZE_F_CLONE), V(6, 2));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_RINGBUF, MAPSIZE_F_NUMA_NODE), V(5, 8));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_USER_RINGBUF, MAPSIZE_F_NUMA_NODE), V(6, 1));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_USER_RINGBUF, MAPSIZE_F_RDONLY), 0);
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_BLOOM_FILTER, MAPSIZE_F_ZERO_SEED), V(5, 16));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_HASH, MAPSIZE_F_ZERO_SEED), V(5, 0));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_STACK_TRACE, MAPSIZE_F_STACK_BUILD_ID), V(4, 17));
	/* BPF_F_NO_PREALLOC: optional on hashes since 4.6, required from the type's own release */
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_HASH, MAPSIZE_F_NO_PREALLOC), V(4, 6));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_PERCPU_HASH, MAPSIZE_F_NO_PREALLOC), V(4, 6));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_HASH_OF_MAPS, MAPSIZE_F_NO_PREALLOC), V(4, 12));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_LPM_TRIE, MAPSIZE_F_NO_PREALLOC), V(4, 11));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_TASK_STORAGE, MAPSIZE_F_NO_PREALLOC), V(5, 11));
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_ARRAY, MAPSIZE_F_NO_PREALLOC), 0);
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_LRU_HASH, MAPSIZE_F_NO_PREALLOC), 0);
	/* never accepted, unknown type, unknown bit */
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_HASH, MAPSIZE_F_MMAPABLE), 0);
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_UNSPEC, MAPSIZE_F_NUMA_NODE), 0);
	assert_int_equal(mapsize_map_flag__since(MAPSIZE_MAP_ARRAY, 1U << 30), 0);
}

/* The release before `v` in mainline numbering (3.19, 4.20 and 5.19 end their series). */
static unsigned int previous_release(unsigned int v)
{
	if (v & 0xff)
		return v - 1;
	return (v >> 8) == 4 ? V(3, 19) : (v >> 8) == 5 ? V(4, 20) : V(5, 19);
}

/* Every type: one release before its first an error at `type:` (line 3,
 * col 13), naming the map, the type, its uapi name and the release; at its
 * first release a plan. */
static void test_type_boundary(void **state)
{
	char yaml[256], kernel[32], want[512], uapi[48];

	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		unsigned int before = previous_release(types[t].since);
		struct mapsize_plan *plan;
		struct mapsize_error err;
		size_t i;

		for (i = 0; types[t].type[i]; i++)
			uapi[i] = (char)(types[t].type[i] >= 'a' ? types[t].type[i] - 'a' + 'A' : types[t].type[i]);
		uapi[i] = '\0';
		snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s}\n", types[t].type, types[t].body);
		snprintf(kernel, sizeof(kernel), "%u.%u", before >> 8, before & 0xff);
		plan = plan_for(kernel, yaml, &err);
		if (plan)
			fail_msg("%s planned for %s, first in %u.%u", types[t].type, kernel, types[t].since >> 8,
				 types[t].since & 0xff);
		snprintf(want, sizeof(want), "map 'm': type %s (BPF_MAP_TYPE_%s) is first in Linux %u.%u, the "
			 "target kernel %s refuses it (EINVAL); expected a target kernel of %u.%u or newer, or "
			 "another map type", types[t].type, uapi, types[t].since >> 8, types[t].since & 0xff,
			 kernel, types[t].since >> 8, types[t].since & 0xff);
		assert_int_equal(err.code, -EINVAL);
		assert_error_at(&err, RULES_FILE, 3, 13, want);
		assert_string_equal(err.msg, want);

		snprintf(kernel, sizeof(kernel), "%u.%u.0-1-amd64", types[t].since >> 8, types[t].since & 0xff);
		plan = plan_for(kernel, yaml, &err);
		if (!plan)
			fail_msg("%s not planned for %s: %s", types[t].type, kernel, err.msg);
		assert_int_equal(mapsize_plan__kernel_version(plan), types[t].since);
		mapsize_plan__free(plan);
	}
}

/* The newest type, spelled out: user_ringbuf is refused by 6.0, planned for 6.1. */
static void test_user_ringbuf_boundary(void **state)
{
	static const char yaml[] = "app: t\nmaps:\n  m: {type: user_ringbuf, max_entries: 64Ki}\n";
	struct mapsize_plan *plan;
	struct mapsize_error err;

	plan = plan_for("6.0", yaml, &err);
	assert_null(plan);
	assert_int_equal(err.code, -EINVAL);
	assert_error_at(&err, RULES_FILE, 3, 13, "map 'm': type user_ringbuf (BPF_MAP_TYPE_USER_RINGBUF) is "
			"first in Linux 6.1, the target kernel 6.0 refuses it (EINVAL); expected a target kernel "
			"of 6.1 or newer, or another map type");
	plan = plan_for("6.1", yaml, &err);
	assert_non_null(plan);
	assert_int_equal(mapsize_plan__map(plan, 0)->max_entries, 65536);
	assert_int_equal(mapsize_plan__map(plan, 0)->type, MAPSIZE_MAP_USER_RINGBUF);
	mapsize_plan__free(plan);
}

/* Flags at their boundary, the error at the list item naming the flag. */
static void test_flag_boundary(void **state)
{
	static const struct {
		const char *type, *body, *flags, *before, *at;
		unsigned int line, col;
		const char *msg;
	} cases[] = {
		{ "array", "    value_size: 8\n    max_entries: 4\n", "[numa_node, mmapable]", "5.4", "5.5", 7, 24,
		  "map 'm': flag mmapable (BPF_F_MMAPABLE) on an array map is first in Linux 5.5, the target "
		  "kernel 5.4 refuses it (EINVAL); expected a target kernel of 5.5 or newer, or the map without it" },
		{ "array", "    value_size: 8\n    max_entries: 4\n", "[inner_map]", "5.9", "5.10", 7, 13,
		  "map 'm': flag inner_map (BPF_F_INNER_MAP) on an array map is first in Linux 5.10, the target "
		  "kernel 5.9 refuses it (EINVAL)" },
		{ "perf_event_array", "    max_entries: 4\n", "[preserve_elems]", "5.9", "5.10", 6, 13,
		  "map 'm': flag preserve_elems (BPF_F_PRESERVE_ELEMS) on a perf_event_array map is first in "
		  "Linux 5.10, the target kernel 5.9 refuses it" },
		{ "sk_storage", "    value_size: 8\n", "[clone]", "5.3", "5.4", 6, 13,
		  "map 'm': flag clone (BPF_F_CLONE) on a sk_storage map is first in Linux 5.4" },
		{ "hash", "    key_size: 4\n    value_size: 8\n    max_entries: 4\n", "[zero_seed]", "4.20", "5.0", 8, 13,
		  "map 'm': flag zero_seed (BPF_F_ZERO_SEED) on a hash map is first in Linux 5.0, the target "
		  "kernel 4.20 refuses it" },
		{ "lpm_trie", "    key_size: 8\n    value_size: 8\n    max_entries: 4\n", "[rdonly_prog]", "5.1", "5.2",
		  8, 13, "map 'm': flag rdonly_prog (BPF_F_RDONLY_PROG) on an lpm_trie map is first in Linux 5.2" },
		{ "stack_trace", "    value_size: 128\n    max_entries: 4\n", "[rdonly, stack_build_id]", "4.16",
		  "4.17", 7, 21, "flag stack_build_id (BPF_F_STACK_BUILD_ID) on a stack_trace map is first in Linux 4.17" },
	};
	char yaml[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mapsize_error err;
		struct mapsize_plan *plan;

		snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m:\n    type: %s\n%s    flags: %s\n", cases[i].type,
			 cases[i].body, cases[i].flags);
		plan = plan_for(cases[i].before, yaml, &err);
		if (plan)
			fail_msg("%s %s planned for %s", cases[i].type, cases[i].flags, cases[i].before);
		assert_int_equal(err.code, -EINVAL);
		assert_error_at(&err, RULES_FILE, cases[i].line, cases[i].col, cases[i].msg);
		plan = plan_for(cases[i].at, yaml, &err);
		if (!plan)
			fail_msg("%s %s not planned for %s: %s", cases[i].type, cases[i].flags, cases[i].at, err.msg);
		mapsize_plan__free(plan);
	}
}

/* No target kernel (the newest behaviour), 7.2 (rhash) and later:
 * every type with every flag it accepts plans. */
static void test_newest_has_everything(void **state)
{
	static const char *const kernels[] = { NULL, "7.2", "7.3.4+deb13-cloud-amd64" };
	char yaml[256];

	for (size_t k = 0; k < ARRAY_SIZE(kernels); k++)
		for (size_t t = 0; t < ARRAY_SIZE(types); t++)
			for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
				struct mapsize_error err;
				struct mapsize_plan *plan;

				if (!mapsize_map_flag__since(type_of(types[t].type), flags[f].bit))
					continue;
				snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s, flags: [%s]}\n",
					 types[t].type, types[t].body, flags[f].name);
				plan = plan_for(kernels[k], yaml, &err);
				if (!plan)
					fail_msg("%s with %s on %s: %s", types[t].type, flags[f].name,
						 kernels[k] ? kernels[k] : "(newest)", err.msg);
				mapsize_plan__free(plan);
			}
}

/* BPF_F_NO_PREALLOC is 4.6: before it a hash can only be preallocated, and
 * the plan says why (the era rules after it are unchanged). */
static void test_no_prealloc_release(void **state)
{
	static const char yaml[] = ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 8\n"
					   "    max_entries: 1024\n    prealloc: false\n");
	const char *why = NULL;
	struct mapsize_error err;
	struct mapsize_plan *plan;

	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, 0, V(4, 5), &why));
	assert_string_equal(why, "the kernel has no BPF_F_NO_PREALLOC before Linux 4.6");
	assert_true(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, 0, V(4, 6), &why));
	assert_null(why);
	assert_true(mapsize_prealloc_allowed(MAPSIZE_MAP_PERCPU_HASH, MAPSIZE_USED_BY_NETWORKING, V(5, 10), NULL));
	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_HASH, MAPSIZE_USED_BY_KPROBE, V(5, 10), &why));
	assert_contains(why, "5.7-6.0");
	assert_false(mapsize_prealloc_allowed(MAPSIZE_MAP_LPM_TRIE, 0, V(5, 10), &why));
	assert_string_equal(why, "the kernel requires BPF_F_NO_PREALLOC for this type");

	capture_reset();
	plan = plan_for("4.5", yaml, &err);
	if (!plan)
		fail_msg("hash not planned for 4.5: %s", err.msg);
	assert_true(find(plan, "m")->prealloc);
	assert_false(find(plan, "m")->prealloc_toggle);
	assert_int_equal(find(plan, "m")->map_flags & MAPSIZE_F_NO_PREALLOC, 0);
	assert_contains(warnings(plan), "map 'm' stays preallocated despite rule at t.yaml:8:15: the kernel has "
			"no BPF_F_NO_PREALLOC before Linux 4.6");
	mapsize_plan__free(plan);
	plan = plan_for("4.6", yaml, &err);
	assert_non_null(plan);
	assert_false(find(plan, "m")->prealloc);
	assert_int_equal(find(plan, "m")->map_flags & MAPSIZE_F_NO_PREALLOC, MAPSIZE_F_NO_PREALLOC);
	mapsize_plan__free(plan);
}

/* The first refused map in file order is the one reported; maps the kernel
 * has around it do not hide it. */
static void test_reports_the_refused_map(void **state)
{
	static const char yaml[] =
		"app: t\nmaps:\n"
		"  events: {type: ringbuf, max_entries: 4096}\n"
		"  procs: {type: task_storage, value_size: 16}\n"
		"  seen: {type: bloom_filter, value_size: 8, max_entries: 100}\n";
	struct mapsize_error err;
	struct mapsize_plan *plan;

	assert_null(plan_for("5.10", yaml, &err));
	assert_error_at(&err, RULES_FILE, 4, 17, "map 'procs': type task_storage (BPF_MAP_TYPE_TASK_STORAGE) is "
			"first in Linux 5.11, the target kernel 5.10 refuses it");
	assert_null(plan_for("5.11", yaml, &err));
	assert_error_at(&err, RULES_FILE, 5, 16, "map 'seen': type bloom_filter (BPF_MAP_TYPE_BLOOM_FILTER) is "
			"first in Linux 5.16, the target kernel 5.11 refuses it");
	assert_null(plan_for("5.7", yaml, &err));
	assert_error_at(&err, RULES_FILE, 3, 18, "map 'events': type ringbuf");
	plan = plan_for("5.16", yaml, &err);
	assert_non_null(plan);
	assert_int_equal(mapsize_plan__map_cnt(plan), 3);
	mapsize_plan__free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_first_release),
		cmocka_unit_test(test_flag_first_release),
		cmocka_unit_test(test_type_boundary),
		cmocka_unit_test(test_user_ringbuf_boundary),
		cmocka_unit_test(test_flag_boundary),
		cmocka_unit_test(test_newest_has_everything),
		cmocka_unit_test(test_no_prealloc_release),
		cmocka_unit_test(test_reports_the_refused_map),
	};

	return cmocka_run_group_tests_name("map type and flag availability per kernel", tests, capture_warnings,
					   NULL);
}
