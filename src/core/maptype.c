// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What mapsize knows about each map type: kernel ids, fixed sizes and the
 * preallocation rules (see shared kernel notes: BPF_F_NO_PREALLOC optional
 * for hash, percpu_hash, hash_of_maps; required for lpm_trie and local
 * storage; rejected elsewhere). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Every uapi map type (enum bpf_map_type, stable numbers), by bpf type:
 * its bpftool name and what it is (enum mapsize_type_trait).  The one
 * place these predicates are written; core, kernel and CLI ask here.
 *   HASH: kernel/bpf/hashtab.c, whose batch token is a u32 bucket index
 *   (__htab_map_lookup_and_delete_batch) and whose elements the
 *   bpf_map_sum_elem_count() kfunc counts; ARRAY: every slot in
 *   [0, max_entries) always exists; WALKABLE: BPF_MAP_GET_NEXT_KEY visits
 *   the entries present, so a walk counts how full it is; BATCH:
 *   BPF_MAP_LOOKUP_BATCH (htab and generic_map_lookup_batch; lpm_trie 5.13+);
 *   COPYABLE: entries read without consuming them and written back by user
 *   space (what an inner instance grow copies). */
#define HASHK (MAPSIZE_TRAIT_HASH | MAPSIZE_TRAIT_WALKABLE)
#define COPY MAPSIZE_TRAIT_COPYABLE
/* `since`: the first mainline release whose bpf(BPF_MAP_CREATE) knows the type
 * (0: not recorded; types mapsize sizes and every type added since 6.12 are):
 * the release that first contains the commit adding it to
 * include/uapi/linux/bpf.h (tables of bcc's docs/kernel-versions.md, the
 * kernel's Documentation/bpf/map_*.rst "introduced in" notes, checked against
 * the commit dates and merge windows).  A kernel built without the type's
 * config (CONFIG_BPF_LSM for inode_storage, and task_storage before 5.12)
 * lacks it whatever its version; that cannot be known from a release. */
#define V MAPSIZE_KERNEL_VERSION
static const struct {
	const char *name;
	uint32_t traits;
	unsigned int since;
} bpf_types[] = {
	[0]  = { "unspec", 0 },
	[1] = { "hash", HASHK | MAPSIZE_TRAIT_BATCH | COPY, V(3, 19) },	/* 0f8e4bd8a1fc bpf: add hashtable type of eBPF maps */
	[2] = { "array", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_BATCH | COPY, V(3, 19) },	/* 28fbcfa08d8e bpf: add array type of eBPF maps */
	[3] = { "prog_array", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_FD, V(4, 2) },	/* 04fd61ab36ec bpf: allow bpf programs to tail-call other bpf programs */
	[4] = { "perf_event_array", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_FD, V(4, 3) },	/* ea317b267e9d bpf: Add new bpf map type to store the pointer to struct perf_event */
	[5] = { "percpu_hash", HASHK | MAPSIZE_TRAIT_PERCPU | MAPSIZE_TRAIT_BATCH | COPY, V(4, 6) },	/* 824bd0ce6c7c bpf: introduce BPF_MAP_TYPE_PERCPU_HASH map */
	[6] = { "percpu_array", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_PERCPU | MAPSIZE_TRAIT_BATCH | COPY, V(4, 6) },	/* a10423b87a7e bpf: introduce BPF_MAP_TYPE_PERCPU_ARRAY map */
	[7] = { "stack_trace", MAPSIZE_TRAIT_WALKABLE, V(4, 6) },	/* d5a3b1f69186 bpf: introduce BPF_MAP_TYPE_STACK_TRACE */
	[8]  = { "cgroup_array", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_FD },
	[9] = { "lru_hash", HASHK | MAPSIZE_TRAIT_LRU | MAPSIZE_TRAIT_BATCH | COPY, V(4, 10) },	/* 29ba732acbee bpf: Add BPF_MAP_TYPE_LRU_HASH */
	[10] = { "lru_percpu_hash", HASHK | MAPSIZE_TRAIT_LRU | MAPSIZE_TRAIT_PERCPU | MAPSIZE_TRAIT_BATCH | COPY, V(4, 10) },	/* 8f8449384ec3 bpf: Add BPF_MAP_TYPE_LRU_PERCPU_HASH */
	[11] = { "lpm_trie", MAPSIZE_TRAIT_WALKABLE | MAPSIZE_TRAIT_BATCH | COPY, V(4, 11) },	/* b95a5c4db09b bpf: add a longest prefix match trie map implementation */
	[12] = { "array_of_maps", MAPSIZE_TRAIT_ARRAY | MAPSIZE_TRAIT_MAP_IN_MAP | MAPSIZE_TRAIT_FD, V(4, 12) },	/* 56f668dfe00d bpf: Add array of maps support */
	[13] = { "hash_of_maps", HASHK | MAPSIZE_TRAIT_MAP_IN_MAP | MAPSIZE_TRAIT_FD, V(4, 12) },	/* bcc6b1b7ebf8 bpf: Add hash of maps support */
	[14] = { "devmap", MAPSIZE_TRAIT_ARRAY },
	[15] = { "sockmap", MAPSIZE_TRAIT_ARRAY },
	[16] = { "cpumap", MAPSIZE_TRAIT_ARRAY },
	[17] = { "xskmap", MAPSIZE_TRAIT_ARRAY },
	[18] = { "sockhash", MAPSIZE_TRAIT_WALKABLE },
	[19] = { "cgroup_storage", MAPSIZE_TRAIT_STORAGE },
	[20] = { "reuseport_sockarray", MAPSIZE_TRAIT_ARRAY },
	[21] = { "percpu_cgroup_storage", MAPSIZE_TRAIT_STORAGE | MAPSIZE_TRAIT_PERCPU },
	[22] = { "queue", MAPSIZE_TRAIT_QUEUE, V(4, 20) },	/* f1a2e44a3aec bpf: add queue and stack maps */
	[23] = { "stack", MAPSIZE_TRAIT_QUEUE, V(4, 20) },	/* f1a2e44a3aec bpf: add queue and stack maps */
	[24] = { "sk_storage", MAPSIZE_TRAIT_STORAGE, V(5, 2) },	/* 6ac99e8f23d4 bpf: Introduce bpf sk local storage */
	[25] = { "devmap_hash", MAPSIZE_TRAIT_WALKABLE },
	[26] = { "struct_ops", 0 },
	[27] = { "ringbuf", MAPSIZE_TRAIT_RINGBUF, V(5, 8) },	/* 457f44363a88 bpf: Implement BPF ring buffer and verifier support for it */
	[28] = { "inode_storage", MAPSIZE_TRAIT_STORAGE, V(5, 10) },	/* 8ea636848aca bpf: Implement bpf_local_storage for inodes */
	[29] = { "task_storage", MAPSIZE_TRAIT_STORAGE, V(5, 11) },	/* 4cf1bc1f1045 bpf: Implement task local storage */
	[30] = { "bloom_filter", MAPSIZE_TRAIT_BLOOM, V(5, 16) },	/* 9330986c0300 bpf: Add bloom filter map implementation */
	[31] = { "user_ringbuf", MAPSIZE_TRAIT_RINGBUF, V(6, 1) },	/* 583c1f420173 bpf: Define new BPF_MAP_TYPE_USER_RINGBUF map type */
	[32] = { "cgrp_storage", MAPSIZE_TRAIT_STORAGE, V(6, 2) },	/* c4bcfb38a95e bpf: Implement cgroup storage available to non-cgroup-attached bpf progs */
	[33] = { "arena", 0, V(6, 9) },	/* 317460317a02 bpf: Introduce bpf_arena. */
	[34] = { "insn_array", MAPSIZE_TRAIT_ARRAY, V(6, 19) },	/* b4ce5923e780 bpf, x86: add new map type: instructions array */
	[MAPSIZE_BPF_MAP_TYPE_RHASH] = { "rhash", MAPSIZE_TRAIT_WALKABLE, V(7, 2) },	/* bpf: Implement resizable hashmap basic functions (Link: 20260605-rhash-v7-4-5b8e05f8630d@meta.com; libbpf mirror 1369dc002d37, the kernel hash not at hand), merged 2026-06-05 (issue 19); first in Debian's 7.2 BTF */
};
#undef HASHK
#undef COPY
#undef V

uint32_t mapsize_bpf_map_type__traits(unsigned int bpf_type)
{
	return bpf_type < ARRAY_SIZE(bpf_types) ? bpf_types[bpf_type].traits : 0;
}

const char *mapsize_bpf_map_type__name(unsigned int bpf_type)
{
	return bpf_type < ARRAY_SIZE(bpf_types) ? bpf_types[bpf_type].name : "unknown";
}

bool bpf_map_type_takes_btf(unsigned int bpf_type)
{
	/* perf_event_array, stack_trace, cgroup_array, the map-in-maps,
	 * devmap, sockmap, cpumap, xskmap, sockhash, queue, stack, devmap_hash */
	static const unsigned char no_btf[] = { 4, 7, 8, 12, 13, 14, 15, 16, 17, 18, 22, 23, 25 };

	for (size_t i = 0; i < ARRAY_SIZE(no_btf); i++)
		if (no_btf[i] == bpf_type)
			return false;
	return true;
}

const char *bpf_map_type_why_uncountable(unsigned int bpf_type)
{
	uint32_t t = mapsize_bpf_map_type__traits(bpf_type);

	if (t & MAPSIZE_TRAIT_ARRAY)
		return "array: every slot always exists";
	if (t & MAPSIZE_TRAIT_RINGBUF)
		return "ring buffer: holds bytes in flight, not entries";
	if (t & MAPSIZE_TRAIT_QUEUE)
		return "queue/stack: counting would pop its elements";
	if (t & MAPSIZE_TRAIT_BLOOM)
		return "bloom filter: cannot tell how many elements it holds";
	if (t & MAPSIZE_TRAIT_STORAGE)
		return "local storage: one element per owner, no max_entries";
	return t & MAPSIZE_TRAIT_WALKABLE ? NULL : "no way to count this map type";
}

/* The types mapsize sizes: rules name, kernel id, fixed sizes, prealloc
 * rules.  What each type is comes from bpf_types[] through the bpf id. */
static const struct map_type_info types[MAPSIZE_MAP_TYPE_CNT] = {
	/*                          name        bpf  key val opt  req  zero */
	[MAPSIZE_MAP_HASH]             = { "hash",             1, -1, -1, true, false, false },
	[MAPSIZE_MAP_PERCPU_HASH]      = { "percpu_hash",      5, -1, -1, true, false, false },
	[MAPSIZE_MAP_LRU_HASH]         = { "lru_hash",         9, -1, -1, false, false, false },
	[MAPSIZE_MAP_LRU_PERCPU_HASH]  = { "lru_percpu_hash", 10, -1, -1, false, false, false },
	[MAPSIZE_MAP_ARRAY]            = { "array",            2,  4, -1, false, false, false },
	[MAPSIZE_MAP_PERCPU_ARRAY]     = { "percpu_array",     6,  4, -1, false, false, false },
	[MAPSIZE_MAP_PROG_ARRAY]       = { "prog_array",       3,  4,  4, false, false, false },
	[MAPSIZE_MAP_PERF_EVENT_ARRAY] = { "perf_event_array", 4,  4,  4, false, false, false },
	[MAPSIZE_MAP_RINGBUF]          = { "ringbuf",         27,  0,  0, false, false, false },
	[MAPSIZE_MAP_LPM_TRIE]         = { "lpm_trie",        11, -1, -1, false, true, false },
	[MAPSIZE_MAP_HASH_OF_MAPS]     = { "hash_of_maps",    13, -1,  4, true, false, false },
	[MAPSIZE_MAP_ARRAY_OF_MAPS]    = { "array_of_maps",   12,  4,  4, false, false, false },
	[MAPSIZE_MAP_QUEUE]            = { "queue",           22,  0, -1, false, false, false },
	[MAPSIZE_MAP_STACK]            = { "stack",           23,  0, -1, false, false, false },
	[MAPSIZE_MAP_BLOOM_FILTER]     = { "bloom_filter",    30,  0, -1, false, false, false },
	[MAPSIZE_MAP_STACK_TRACE]      = { "stack_trace",      7,  4, -1, false, false, false },
	[MAPSIZE_MAP_TASK_STORAGE]     = { "task_storage",    29,  4, -1, false, true, true },
	[MAPSIZE_MAP_INODE_STORAGE]    = { "inode_storage",   28,  4, -1, false, true, true },
	[MAPSIZE_MAP_SK_STORAGE]       = { "sk_storage",      24,  4, -1, false, true, true },
	[MAPSIZE_MAP_CGRP_STORAGE]     = { "cgrp_storage",    32,  4, -1, false, true, true },
	[MAPSIZE_MAP_USER_RINGBUF]     = { "user_ringbuf",    31,  0,  0, false, false, false },
	/* max_entries the cap (E2BIG beyond), map_extra the initial size hint
	 * (<= max_entries, else EINVAL); BPF_F_NO_PREALLOC required (EINVAL) */
	[MAPSIZE_MAP_RHASH]            = { "rhash", MAPSIZE_BPF_MAP_TYPE_RHASH, -1, -1, false, true, false },
};

static const char *type_names[MAPSIZE_MAP_TYPE_CNT - 1];

const struct map_type_info *map_type_info(enum mapsize_map_type type)
{
	if (type <= MAPSIZE_MAP_UNSPEC || type >= MAPSIZE_MAP_TYPE_CNT)
		return NULL;
	return &types[type];
}

const char *const *map_type_names(size_t *cnt)
{
	/* Built on first use; the table is constant so a race writes the same
	 * pointers. */
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++)
		type_names[t - 1] = types[t].name;
	*cnt = ARRAY_SIZE(type_names);
	return type_names;
}

const char *mapsize_map_type__name(enum mapsize_map_type type)
{
	const struct map_type_info *ti = map_type_info(type);

	return ti ? ti->name : NULL;
}

enum mapsize_map_type mapsize_map_type__from_name(const char *name)
{
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++)
		if (!strcmp(types[t].name, name))
			return (enum mapsize_map_type)t;
	return MAPSIZE_MAP_UNSPEC;
}

unsigned int mapsize_map_type__bpf_type(enum mapsize_map_type type)
{
	const struct map_type_info *ti = map_type_info(type);

	return ti ? ti->bpf_type : 0;
}

enum mapsize_map_type mapsize_map_type__from_bpf_type(unsigned int bpf_type)
{
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++)
		if (types[t].bpf_type == bpf_type)
			return (enum mapsize_map_type)t;
	return MAPSIZE_MAP_UNSPEC;
}

uint32_t mapsize_map_type__traits(enum mapsize_map_type type)
{
	const struct map_type_info *ti = map_type_info(type);

	return ti ? mapsize_bpf_map_type__traits(ti->bpf_type) : 0;
}

bool mapsize_map_type__is_percpu(enum mapsize_map_type type)
{
	return mapsize_map_type__traits(type) & MAPSIZE_TRAIT_PERCPU;
}

/* ---- flags and program kinds named in rules ------------------------------- */

/* Which map types accept each flag: the kernel's map_alloc_check functions
 * (Linux 6.18).  htab_map_alloc_check: HTAB_CREATE_FLAG_MASK (NO_PREALLOC,
 * NO_COMMON_LRU for LRU only, NUMA_NODE but not per-CPU, the access flags,
 * ZERO_SEED); array_map_alloc_check: ARRAY_CREATE_FLAG_MASK (NUMA_NODE but not
 * per-CPU, MMAPABLE and INNER_MAP for plain arrays only, PRESERVE_ELEMS for
 * perf_event_array only, the access flags); fd_array_map_alloc_check (prog,
 * perf_event and map-in-map arrays) refuses RDONLY_PROG/WRONLY_PROG;
 * ringbuf_map_alloc (ringbuf and user_ringbuf): NUMA_NODE only; trie_alloc: LPM_CREATE_FLAG_MASK;
 * queue_stack_map_alloc_check and bloom_map_alloc: NUMA_NODE, the access
 * flags (bloom: ZERO_SEED); stack_map_alloc: NUMA_NODE, RDONLY, WRONLY,
 * STACK_BUILD_ID; bpf_local_storage_map_alloc_check: NO_PREALLOC, CLONE.
 * Everything else is EINVAL.  tests/kernel/test_mim.c creates every pair. */
#define T(x) (1U << MAPSIZE_MAP_##x)
#define ALL_TYPES (((1U << MAPSIZE_MAP_TYPE_CNT) - 1) & ~1U)
#define HASHES (T(HASH) | T(PERCPU_HASH) | T(LRU_HASH) | T(LRU_PERCPU_HASH))
#define STORAGES (T(TASK_STORAGE) | T(INODE_STORAGE) | T(SK_STORAGE) | T(CGRP_STORAGE))
#define RINGBUFS (T(RINGBUF) | T(USER_RINGBUF))
#define PROG_ACCESS (HASHES | T(HASH_OF_MAPS) | T(RHASH) | T(ARRAY) | T(PERCPU_ARRAY) | T(LPM_TRIE) | \
		     T(QUEUE) | T(STACK) | T(BLOOM_FILTER))

static const struct {
	const char *name;
	uint32_t flag;
	uint32_t types;		/* 1 << enum mapsize_map_type that accept it */
} flag_table[] = {
	{ "no_common_lru", MAPSIZE_F_NO_COMMON_LRU, T(LRU_HASH) | T(LRU_PERCPU_HASH) },
	{ "rdonly_prog", MAPSIZE_F_RDONLY_PROG, PROG_ACCESS },
	{ "wronly_prog", MAPSIZE_F_WRONLY_PROG, PROG_ACCESS },
	{ "mmapable", MAPSIZE_F_MMAPABLE, T(ARRAY) },
	{ "inner_map", MAPSIZE_F_INNER_MAP, T(ARRAY) },
	{ "numa_node", MAPSIZE_F_NUMA_NODE,
	  ALL_TYPES & ~(T(PERCPU_HASH) | T(LRU_PERCPU_HASH) | T(PERCPU_ARRAY) | STORAGES) },
	{ "rdonly", MAPSIZE_F_RDONLY, ALL_TYPES & ~(RINGBUFS | STORAGES) },
	{ "wronly", MAPSIZE_F_WRONLY, ALL_TYPES & ~(RINGBUFS | STORAGES) },
	{ "zero_seed", MAPSIZE_F_ZERO_SEED, HASHES | T(HASH_OF_MAPS) | T(BLOOM_FILTER) },
	{ "stack_build_id", MAPSIZE_F_STACK_BUILD_ID, T(STACK_TRACE) },
	{ "clone", MAPSIZE_F_CLONE, STORAGES },
	{ "preserve_elems", MAPSIZE_F_PRESERVE_ELEMS, T(PERF_EVENT_ARRAY) },
	/* 6.19 ringbuf_map_alloc: overwrite mode for kernel-produced ring buffers */
	{ "rb_overwrite", MAPSIZE_F_RB_OVERWRITE, T(RINGBUF) },
};
static const char *flag_names[ARRAY_SIZE(flag_table)];

/* Pairs no type accepts together. */
static const struct {
	uint32_t a, b;
	const char *why;
} flag_pairs[] = {
	{ MAPSIZE_F_RDONLY_PROG, MAPSIZE_F_WRONLY_PROG, "bpf_map_flags_access_ok()" },
	{ MAPSIZE_F_RDONLY, MAPSIZE_F_WRONLY, "bpf_get_file_flag()" },
	{ MAPSIZE_F_NUMA_NODE, MAPSIZE_F_NO_COMMON_LRU, "per-CPU LRU lists have no NUMA node" },
};

int map_flag_from_name(const char *name, uint32_t *flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (!strcmp(flag_table[i].name, name)) {
			*flag = flag_table[i].flag;
			return 0;
		}
	return -ENOENT;
}

const char *const *map_flag_names(size_t *cnt)
{
	/* Built on first use from a constant table: a race writes the same pointers. */
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		flag_names[i] = flag_table[i].name;
	*cnt = ARRAY_SIZE(flag_table);
	return flag_names;
}

const char *map_flag_name(uint32_t flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (flag_table[i].flag == flag)
			return flag_table[i].name;
	return NULL;
}

/* "a hash map", "an lru_hash map", "an array map", "a user_ringbuf map". */
static const char *article(const char *name)
{
	return (strchr("aeiou", name[0]) && strncmp(name, "us", 2)) || !strncmp(name, "lru", 3) || !strncmp(name, "lpm", 3) ? "an" : "a";
}

/* "x, y or z" of the types in `mask`. */
static void type_list(char *buf, size_t size, uint32_t mask)
{
	size_t o = 0, n = 0, cnt = 0;

	buf[0] = '\0';
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT; t++)
		cnt += !!(mask & (1U << t));
	for (int t = 1; t < MAPSIZE_MAP_TYPE_CNT && o < size; t++) {
		if (!(mask & (1U << t)))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", n ? (n + 1 == cnt ? " or " : ", ") : "",
				      types[t].name);
		n++;
	}
}

int map_flags_refused(enum mapsize_map_type type, uint32_t flags, uint32_t *bad, char *msg, size_t size)
{
	const struct map_type_info *ti = map_type_info(type);
	char list[400];

	*bad = 0;
	if (!ti)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++) {
		uint32_t types = flag_table[i].types;

		if (!(flags & flag_table[i].flag) || (types & (1U << type)))
			continue;
		*bad = flag_table[i].flag;
		/* name what accepts it, or what refuses it when that is shorter */
		if (__builtin_popcount(types) <= __builtin_popcount(ALL_TYPES & ~types)) {
			type_list(list, sizeof(list), types);
			snprintf(msg, size, "flag '%s' is not accepted by %s %s map (the kernel says EINVAL), "
				 "expected it only on %s maps", flag_table[i].name, article(ti->name), ti->name, list);
		} else {
			type_list(list, sizeof(list), ALL_TYPES & ~types);
			snprintf(msg, size, "flag '%s' is not accepted by %s %s map (the kernel says EINVAL), "
				 "expected it on any map type but %s", flag_table[i].name, article(ti->name),
				 ti->name, list);
		}
		return EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(flag_pairs); i++) {
		if ((flags & (flag_pairs[i].a | flag_pairs[i].b)) != (flag_pairs[i].a | flag_pairs[i].b))
			continue;
		*bad = flag_pairs[i].b;
		snprintf(msg, size, "flags '%s' and '%s' together are refused by the kernel (EINVAL: %s), "
			 "expected at most one of them", map_flag_name(flag_pairs[i].a),
			 map_flag_name(flag_pairs[i].b), flag_pairs[i].why);
		return EINVAL;
	}
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} used_by_table[] = {
	{ "kprobe", MAPSIZE_USED_BY_KPROBE },
	{ "kretprobe", MAPSIZE_USED_BY_KPROBE },
	{ "uprobe", MAPSIZE_USED_BY_KPROBE },
	{ "uretprobe", MAPSIZE_USED_BY_KPROBE },
	{ "usdt", MAPSIZE_USED_BY_KPROBE },
	{ "tracepoint", MAPSIZE_USED_BY_TRACEPOINT },
	{ "raw_tracepoint", MAPSIZE_USED_BY_RAW_TRACEPOINT },
	{ "perf_event", MAPSIZE_USED_BY_PERF_EVENT },
	{ "fentry", MAPSIZE_USED_BY_TRACING },
	{ "fexit", MAPSIZE_USED_BY_TRACING },
	{ "tp_btf", MAPSIZE_USED_BY_TRACING },
	{ "iter", MAPSIZE_USED_BY_TRACING },
	{ "lsm", MAPSIZE_USED_BY_LSM },
	{ "xdp", MAPSIZE_USED_BY_NETWORKING },
	{ "tc", MAPSIZE_USED_BY_NETWORKING },
	{ "socket", MAPSIZE_USED_BY_NETWORKING },
	{ "cgroup", MAPSIZE_USED_BY_NETWORKING },
	{ "syscall", MAPSIZE_USED_BY_SYSCALL | MAPSIZE_USED_BY_SLEEPABLE },
	/* sleepable programs (libbpf's ".s" sections; syscall programs always are) */
	{ "lsm.s", MAPSIZE_USED_BY_LSM | MAPSIZE_USED_BY_SLEEPABLE },
	{ "fentry.s", MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_SLEEPABLE },
	{ "fexit.s", MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_SLEEPABLE },
	{ "iter.s", MAPSIZE_USED_BY_TRACING | MAPSIZE_USED_BY_SLEEPABLE },
	{ "uprobe.s", MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_SLEEPABLE },
	{ "uretprobe.s", MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_SLEEPABLE },
	{ "usdt.s", MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_SLEEPABLE },
};
static const char *used_by_name_list[ARRAY_SIZE(used_by_table)];

int used_by_from_name(const char *name, uint32_t *bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(used_by_table); i++)
		if (!strcmp(used_by_table[i].name, name)) {
			*bit = used_by_table[i].bit;
			return 0;
		}
	return -ENOENT;
}

const char *const *used_by_names(size_t *cnt)
{
	for (size_t i = 0; i < ARRAY_SIZE(used_by_table); i++)
		used_by_name_list[i] = used_by_table[i].name;
	*cnt = ARRAY_SIZE(used_by_table);
	return used_by_name_list;
}

const char *mapsize_used_by__name(uint32_t bit)
{
	/* the class names, as in enum mapsize_used_by's comments */
	switch (bit) {
	case MAPSIZE_USED_BY_KPROBE: return "kprobe";
	case MAPSIZE_USED_BY_TRACEPOINT: return "tracepoint";
	case MAPSIZE_USED_BY_RAW_TRACEPOINT: return "raw_tracepoint";
	case MAPSIZE_USED_BY_PERF_EVENT: return "perf_event";
	case MAPSIZE_USED_BY_TRACING: return "tracing";
	case MAPSIZE_USED_BY_LSM: return "lsm";
	case MAPSIZE_USED_BY_NETWORKING: return "networking";
	case MAPSIZE_USED_BY_SYSCALL: return "syscall";
	case MAPSIZE_USED_BY_SLEEPABLE: return "sleepable";
	default: return NULL;
	}
}

/* ---- kernel era --------------------------------------------------------------- */

int mapsize_kernel_version(const char *release, unsigned int *version)
{
	unsigned long major, minor;
	char *end;

	if (!release || release[0] < '0' || release[0] > '9')
		return -EINVAL;
	major = strtoul(release, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	minor = strtoul(end + 1, &end, 10);
	if (major > 255 || minor > 255 || (*end && *end != '.' && *end != '-' && *end != '+'))
		return -EINVAL;
	*version = MAPSIZE_KERNEL_VERSION((unsigned int)major, (unsigned int)minor);
	return 0;
}

bool mapsize_prealloc_allowed(enum mapsize_map_type type, uint32_t used_by,
			      unsigned int version, const char **why)
{
	const struct map_type_info *ti = map_type_info(type);
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!ti || !ti->prealloc_optional) {
		*why = ti && ti->no_prealloc_required ? "the kernel requires BPF_F_NO_PREALLOC for this type"
						      : "the kernel rejects BPF_F_NO_PREALLOC for this type";
		return false;
	}
	/* the availability table below: hash maps before 4.6 always preallocate */
	if (version && version < mapsize_map_flag__since(type, MAPSIZE_F_NO_PREALLOC)) {
		*why = "the kernel has no BPF_F_NO_PREALLOC before Linux 4.6";
		return false;
	}
	/* Since 6.1 (bpf_mem_alloc) run-time allocation is safe from any context. */
	if (!version || version >= MAPSIZE_KERNEL_VERSION(6, 1))
		return true;
	if (used_by & MAPSIZE_USED_BY_PERF_EVENT) {
		*why = "perf_event programs need preallocated hash maps before Linux 6.1";
		return false;
	}
	/* 5.10-6.0 check_map_prog_compatibility(): "Sleepable programs can only
	 * use preallocated maps" (lifted by bpf_mem_alloc in 6.1). */
	if (used_by & MAPSIZE_USED_BY_SLEEPABLE) {
		*why = "sleepable programs (lsm.s, fentry.s, fexit.s, iter.s, uprobe.s, syscall) need "
		       "preallocated hash maps before Linux 6.1";
		return false;
	}
	if (used_by & (MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_TRACEPOINT |
		       MAPSIZE_USED_BY_RAW_TRACEPOINT)) {
		*why = version >= MAPSIZE_KERNEL_VERSION(5, 7)
			       ? "tracing programs with run-time allocated hash maps are flagged unsafe on Linux 5.7-6.0"
			       : "run-time allocation from tracing programs can deadlock before Linux 6.1";
		return false;
	}
	return true;
}

/* ---- availability per kernel version -------------------------------------------- */

#define V MAPSIZE_KERNEL_VERSION


/* The first mainline release that accepts each map flag (same sources).  On
 * a given type a flag works from the later of the two releases: each commit
 * below added the flag to the create-flag masks of every type that accepts it
 * (flag_table above), and every type added later accepted it from the start,
 * so no pair needs its own entry. */
static const struct {
	uint32_t flag;
	const char *uapi;
	unsigned int since;
} flag_since[] = {
	{ MAPSIZE_F_NO_PREALLOC, "BPF_F_NO_PREALLOC", V(4, 6) },	/* 6c9059817432 bpf: pre-allocate hash map elements */
	{ MAPSIZE_F_NO_COMMON_LRU, "BPF_F_NO_COMMON_LRU", V(4, 10) },	/* 29ba732acbee bpf: Add BPF_MAP_TYPE_LRU_HASH */
	{ MAPSIZE_F_NUMA_NODE, "BPF_F_NUMA_NODE", V(4, 14) },		/* 96eabe7a40aa bpf: Allow selecting numa node during map creation */
	{ MAPSIZE_F_RDONLY, "BPF_F_RDONLY", V(4, 15) },			/* 6e71b04a8224 bpf: Add file mode configuration into bpf maps */
	{ MAPSIZE_F_WRONLY, "BPF_F_WRONLY", V(4, 15) },			/* 6e71b04a8224 (same) */
	{ MAPSIZE_F_STACK_BUILD_ID, "BPF_F_STACK_BUILD_ID", V(4, 17) },	/* 615755a77b24 bpf: extend stackmap to save binary_build_id+offset instead of address */
	{ MAPSIZE_F_ZERO_SEED, "BPF_F_ZERO_SEED", V(5, 0) },		/* 96b3b6c9091d bpf: allow zero-initializing hash map seed */
	{ MAPSIZE_F_RDONLY_PROG, "BPF_F_RDONLY_PROG", V(5, 2) },	/* 591fe9888d78 bpf: add program side {rd, wr}only support for maps */
	{ MAPSIZE_F_WRONLY_PROG, "BPF_F_WRONLY_PROG", V(5, 2) },	/* 591fe9888d78 (same) */
	{ MAPSIZE_F_CLONE, "BPF_F_CLONE", V(5, 4) },			/* 1ed4d92458a9 bpf: sk_storage: add support for cloning */
	{ MAPSIZE_F_MMAPABLE, "BPF_F_MMAPABLE", V(5, 5) },		/* fc9702273e2e bpf: Add mmap() support for BPF_MAP_TYPE_ARRAY */
	{ MAPSIZE_F_PRESERVE_ELEMS, "BPF_F_PRESERVE_ELEMS", V(5, 10) },	/* 792caccc4526 bpf: Introduce BPF_F_PRESERVE_ELEMS for perf event array */
	{ MAPSIZE_F_INNER_MAP, "BPF_F_INNER_MAP", V(5, 10) },		/* 4a8f87e60f6d bpf: Allow for map-in-map with dynamic inner array map entries */
	/* Since 6.12 the other new BPF_F_* bits are not create flags of these
	 * types: SEGV_ON_FAULT and NO_USER_CONV (6.9) are arena's, TOKEN_FD,
	 * PATH_FD and VTYPE_BTF_OBJ_FD name attributes (enum in Debian's 7.3 BTF). */
	{ MAPSIZE_F_RB_OVERWRITE, "BPF_F_RB_OVERWRITE", V(6, 19) },	/* feeaf1346f80 bpf: Add overwrite mode for BPF ring buffer */
};

#undef V

unsigned int mapsize_bpf_map_type__since(unsigned int bpf_type)
{
	return bpf_type < ARRAY_SIZE(bpf_types) ? bpf_types[bpf_type].since : 0;
}

unsigned int mapsize_map_type__since(enum mapsize_map_type type)
{
	const struct map_type_info *ti = map_type_info(type);

	return ti ? mapsize_bpf_map_type__since(ti->bpf_type) : 0;
}

static bool type_accepts(enum mapsize_map_type type, uint32_t flag)
{
	const struct map_type_info *ti = map_type_info(type);

	if (!ti)
		return false;
	if (flag == MAPSIZE_F_NO_PREALLOC)
		return ti->prealloc_optional || ti->no_prealloc_required;
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (flag_table[i].flag == flag)
			return flag_table[i].types & (1U << type);
	return false;
}

unsigned int mapsize_map_flag__since(enum mapsize_map_type type, uint32_t flag)
{
	unsigned int t = mapsize_map_type__since(type);

	if (!t || !type_accepts(type, flag))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(flag_since); i++)
		if (flag_since[i].flag == flag)
			return flag_since[i].since > t ? flag_since[i].since : t;
	return 0;
}

const char *map_flag_uapi_name(uint32_t flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_since); i++)
		if (flag_since[i].flag == flag)
			return flag_since[i].uapi;
	return NULL;
}

int map_kernel_lacks(enum mapsize_map_type type, uint32_t flags, unsigned int version, uint32_t *bad,
		     char *msg, size_t size)
{
	const struct map_type_info *ti = map_type_info(type);
	unsigned int since;
	char uapi[48];
	size_t i;

	*bad = 0;
	/* 0: no target kernel, the newest behaviour has everything */
	if (!ti || !version)
		return 0;
	since = mapsize_map_type__since(type);
	if (version < since) {
		for (i = 0; ti->name[i] && i + 1 < sizeof(uapi); i++)
			uapi[i] = (char)(ti->name[i] >= 'a' && ti->name[i] <= 'z' ? ti->name[i] - 'a' + 'A'
										: ti->name[i]);
		uapi[i] = '\0';
		snprintf(msg, size, "type %s (BPF_MAP_TYPE_%s) is first in Linux %u.%u, the target kernel "
			 "%u.%u refuses it (EINVAL); expected a target kernel of %u.%u or newer, or another "
			 "map type", ti->name, uapi, since >> 8, since & 0xff, version >> 8, version & 0xff,
			 since >> 8, since & 0xff);
		return EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(flag_since); i++) {
		uint32_t f = flag_since[i].flag;

		since = mapsize_map_flag__since(type, f);
		if (!(flags & f) || !since || version >= since)
			continue;
		*bad = f;
		snprintf(msg, size, "flag %s (%s) on %s %s map is first in Linux %u.%u, the target kernel "
			 "%u.%u refuses it (EINVAL); expected a target kernel of %u.%u or newer, or the map "
			 "without it", map_flag_name(f) ? map_flag_name(f) : "no_prealloc", flag_since[i].uapi,
			 article(ti->name), ti->name, since >> 8, since & 0xff, version >> 8, version & 0xff,
			 since >> 8, since & 0xff);
		return EINVAL;
	}
	return 0;
}
