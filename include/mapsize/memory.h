/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize memory model: predict, before loading, the `memlock:` figure the
 * kernel reports for a BPF map in /proc/<pid>/fdinfo/<fd> (and bpftool's
 * `memlock`), to the byte, plus an estimate of the memory the map really
 * takes.
 *
 * Everything here is pure (no I/O).  Reading struct sizes from a kernel's BTF
 * (mapsize_kernel_consts__from_btf()) is libbpf's work: <mapsize/bpf.h>.
 *
 * Two accounting eras are modelled:
 *
 *   MAPSIZE_MEM_ERA_MEM_USAGE (6.4+)  map->ops->map_mem_usage(): bytes, not
 *       page-rounded, recomputed at every read; follows the live element
 *       count of non-preallocated maps and LPM tries.  Uses the kernel's
 *       struct sizes (struct mapsize_kernel_consts).
 *   MAPSIZE_MEM_ERA_PAGES (5.11 - 6.3)  bpf_map_memory_footprint():
 *       round_up(max_entries * round_up(key_size + value', 8), PAGE_SIZE)
 *       with value' = round_up(value_size, 8) * possible_cpus for per-CPU
 *       maps, 4 for fd maps, value_size otherwise.  Independent of
 *       preallocation, fill level and struct sizes; 0 for ringbuf and local
 *       storage maps (key and/or max_entries are 0).
 *
 *   MAPSIZE_MEM_ERA_RLIMIT (5.10)  each type's creation cost (its map_alloc
 *       `cost`), rounded up to a page and charged to the creator's
 *       RLIMIT_MEMLOCK: full element storage even for BPF_F_NO_PREALLOC
 *       hashes and LPM tries, constant as the map fills.  Uses the 5.10
 *       struct sizes.  Older kernels are not modelled
 *       (mapsize_mem_era__from_kernel() returns -EOPNOTSUPP).
 */
#ifndef MAPSIZE_MEMORY_H
#define MAPSIZE_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include <mapsize/mapsize.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kernel constants ------------------------------------------------- */

/* Sizes of kernel structures (x86_64) and a few behaviour switches the
 * formulas need.  Field names follow the kernel's struct names.  Every
 * size is in bytes. */
struct mapsize_kernel_consts {
	size_t sz; /* sizeof(struct mapsize_kernel_consts) */
	/* Where the values came from: "builtin 6.18", "builtin 6.1", "btf",
	 * or "btf+builtin 6.18" when some structs were missing from the BTF
	 * (then `fallback` says which).  Points to a static string. */
	const char *source;
	uint32_t fallback;		/* MAPSIZE_KC_* bits of fields that took
					   builtin 6.18 values; 0 for builtins */
	uint32_t page_size;		/* PAGE_SIZE */

	/* kernel/bpf/hashtab.c */
	uint32_t bpf_htab;		/* sizeof(struct bpf_htab) */
	uint32_t htab_elem;		/* sizeof(struct htab_elem) */
	uint32_t htab_bucket;		/* sizeof(struct bucket) */
	uint32_t htab_lock_count;	/* HASHTAB_MAP_LOCK_COUNT: htab_map_mem_usage()
					   adds sizeof(int) * possible_cpus * this */
	uint32_t llist_node;		/* sizeof(struct llist_node), LLIST_NODE_SZ */
	bool hofm_extra_elems;		/* preallocated hash_of_maps keeps
					   possible_cpus spare elements (< 6.15) */

	/* kernel/bpf/arraymap.c */
	uint32_t bpf_array;		/* sizeof(struct bpf_array) */

	/* kernel/bpf/lpm_trie.c */
	uint32_t lpm_trie;		/* sizeof(struct lpm_trie) */
	uint32_t lpm_trie_node;		/* sizeof(struct lpm_trie_node) */
	bool lpm_mem_alloc;		/* nodes come from bpf_mem_alloc (6.13+):
					   every node has value room + llist_node */

	/* kernel/bpf/ringbuf.c */
	uint32_t bpf_ringbuf_map;	/* sizeof(struct bpf_ringbuf_map) */
	uint32_t ringbuf_meta_pages;	/* RINGBUF_NR_META_PAGES =
					   offsetof(bpf_ringbuf, consumer_pos)/PAGE + 2 */

	/* kernel/bpf/bpf_local_storage.c */
	uint32_t bpf_local_storage_map;	/* sizeof(struct bpf_local_storage_map) */
	uint32_t local_storage_bucket;	/* sizeof(struct bpf_local_storage_map_bucket) */
	uint32_t local_storage_elem;	/* sizeof(struct bpf_local_storage_elem) */
	uint32_t local_storage;		/* sizeof(struct bpf_local_storage) */

	/* kernel/bpf/stackmap.c */
	uint32_t bpf_stack_map;		/* sizeof(struct bpf_stack_map) */
	uint32_t stack_map_bucket;	/* sizeof(struct stack_map_bucket) */

	/* kernel/bpf/bloom_filter.c, kernel/bpf/queue_stack_maps.c */
	uint32_t bpf_bloom_filter;	/* sizeof(struct bpf_bloom_filter) */
	uint32_t bpf_queue_stack;	/* sizeof(struct bpf_queue_stack) */

	/* MAPSIZE_KERNEL_VERSION of the built-in table the sizes came from
	 * (source "builtin X.Y" or "nearest X.Y"); 0 when read from BTF. */
	unsigned int series;

	/* kernel/bpf/hashtab.c, BPF_MAP_TYPE_RHASH (7.2+; 0 before): fdinfo
	 * counts the map plus one element per entry (qemu, 7.2 and 7.3) */
	uint32_t bpf_rhtab;		/* sizeof(struct bpf_rhtab) */
	uint32_t rhtab_elem;		/* sizeof(struct rhtab_elem) */
};

/* Bits of mapsize_kernel_consts.fallback (one per BTF-derived field). */
enum {
	MAPSIZE_KC_BPF_HTAB		= 1U << 0,
	MAPSIZE_KC_HTAB_ELEM		= 1U << 1,
	MAPSIZE_KC_HTAB_BUCKET		= 1U << 2,
	MAPSIZE_KC_LLIST_NODE		= 1U << 3,
	MAPSIZE_KC_BPF_ARRAY		= 1U << 4,
	MAPSIZE_KC_LPM_TRIE		= 1U << 5,
	MAPSIZE_KC_LPM_TRIE_NODE	= 1U << 6,
	MAPSIZE_KC_BPF_RINGBUF_MAP	= 1U << 7,
	MAPSIZE_KC_RINGBUF_META_PAGES	= 1U << 8,
	MAPSIZE_KC_LOCAL_STORAGE_MAP	= 1U << 9,
	MAPSIZE_KC_LOCAL_STORAGE_BUCKET	= 1U << 10,
	MAPSIZE_KC_LOCAL_STORAGE_ELEM	= 1U << 11,
	MAPSIZE_KC_LOCAL_STORAGE	= 1U << 12,
	MAPSIZE_KC_BPF_STACK_MAP	= 1U << 13,
	MAPSIZE_KC_STACK_MAP_BUCKET	= 1U << 14,
	MAPSIZE_KC_BPF_BLOOM_FILTER	= 1U << 15,
	MAPSIZE_KC_BPF_QUEUE_STACK	= 1U << 16,
	MAPSIZE_KC_LPM_MEM_ALLOC	= 1U << 17,
};

/* Built-in constants for kernel "MAJOR.MINOR[anything]", generated from the
 * BTF of Debian's kernel packages (x86_64) for the series 5.10, 6.1, 6.12,
 * 6.18, 7.2 and 7.3 (tools/gen-kernel-consts.sh).  A kernel between two series (or
 * newer than the last) gets the nearest lower series: then `source` is
 * "nearest X.Y" and `series` differs from the kernel's MAJOR.MINOR, and the
 * caller should warn.  NULL means the newest builtin.  -ENOENT for kernels
 * older than the oldest series, -EINVAL for a malformed string. */
MAPSIZE_API int mapsize_kernel_consts__builtin(const char *kernel, struct mapsize_kernel_consts *c);

/* Set the behaviour switches that depend on the kernel version rather than
 * on struct sizes (MAPSIZE_KERNEL_VERSION(major, minor); 0 = newest). */
MAPSIZE_API void mapsize_kernel_consts__set_kernel(struct mapsize_kernel_consts *c, unsigned int version);

/* Name of a MAPSIZE_KC_* bit ("bpf_htab", ...), NULL for an unknown bit. */
MAPSIZE_API const char *mapsize_kernel_consts__field_name(uint32_t bit);

/* Where the struct sizes read from a kernel's BTF (`btf`) disagree with
 * another set, typically a built-in series (`builtin`): "struct bpf_htab is
 * 832 bytes, builtin 6.18 has 896 (-64)", one per field, joined by "; ",
 * into buf (truncated to size).  Structs the BTF lacks (btf->fallback) are
 * not compared.  The number of fields that differ (0: they agree), or
 * -EINVAL. */
MAPSIZE_API int mapsize_kernel_consts__diff(const struct mapsize_kernel_consts *btf,
				const struct mapsize_kernel_consts *builtin, char *buf, size_t size);

/* ---- accounting era --------------------------------------------------- */

enum mapsize_mem_era {
	MAPSIZE_MEM_ERA_MEM_USAGE = 0,	/* 6.4+: map->ops->map_mem_usage() */
	MAPSIZE_MEM_ERA_PAGES,		/* 5.11-6.3: round_up(M * ru8(K + V'), PAGE) */
	MAPSIZE_MEM_ERA_RLIMIT,		/* 5.10: page-rounded creation cost, RLIMIT_MEMLOCK */
};

/* Era of kernel `version` (MAPSIZE_KERNEL_VERSION(major, minor); 0 = the
 * newest).  -EOPNOTSUPP for kernels before 5.10. */
MAPSIZE_API int mapsize_mem_era__from_kernel(unsigned int version, enum mapsize_mem_era *era);
/* "mem_usage" / "pages" / "rlimit"; NULL when out of range. */
MAPSIZE_API const char *mapsize_mem_era__name(enum mapsize_mem_era era);
/* Inverse of __name; -EINVAL when unknown. */
MAPSIZE_API int mapsize_mem_era__from_name(const char *name, enum mapsize_mem_era *era);

/* ---- the model ---------------------------------------------------------- */

/* A map as the kernel sees it at BPF_MAP_CREATE. */
struct mapsize_mem_map {
	size_t sz; /* sizeof(struct mapsize_mem_map) */
	enum mapsize_map_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;	/* perf_event_array: 0 = one per possible CPU
				   (what libbpf does); local storage: 0 */
	uint32_t map_flags;	/* MAPSIZE_F_* (uapi BPF_F_*) */
	uint32_t map_extra;	/* bloom_filter: number of hashes (0 = 5) */
	uint32_t possible_cpus;	/* /sys/devices/system/cpu/possible count */
};

/* Check the map against the kernel's creation rules the model depends on.
 * 0, or the negative errno the kernel would give (-EINVAL, -E2BIG,
 * -EOPNOTSUPP where the kernel says ENOTSUPP). */
MAPSIZE_API int mapsize_mem_map__check(const struct mapsize_mem_map *m);

/* max_entries as the kernel stores it: perf_event_array 0 -> possible_cpus,
 * BPF_F_NO_COMMON_LRU rounds up to a multiple of possible_cpus.  This is
 * also the largest element count `entries` may take.  0 or -errno. */
MAPSIZE_API int mapsize_mem_map__max_entries(const struct mapsize_mem_map *m, uint32_t *max_entries);

/* Whether the map's memlock follows its live element count in the
 * MEM_USAGE era (non-preallocated hashes and lpm_trie). */
MAPSIZE_API bool mapsize_mem_map__counts_entries(const struct mapsize_mem_map *m);

/* The memlock the kernel reports for map `m` holding `entries` live
 * elements (used for non-preallocated hashes and lpm_trie; ignored for
 * everything else), with constants `k` (only used in the MEM_USAGE era; may
 * be NULL in the PAGES era).  All arithmetic is checked 64-bit.
 * 0 on success; -EINVAL for a map the kernel would reject (see __check) or
 * entries > max_entries; -EOVERFLOW when a size does not fit 64 bits. */
MAPSIZE_API int mapsize_memlock(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
		    enum mapsize_mem_era era, uint64_t entries, uint64_t *bytes);
/* memlock right after creation (entries = 0). */
MAPSIZE_API int mapsize_memlock_at_load(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			    enum mapsize_mem_era era, uint64_t *bytes);
/* memlock with every slot used (entries = __max_entries()). */
MAPSIZE_API int mapsize_memlock_at_max(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			   enum mapsize_mem_era era, uint64_t *bytes);

/* Estimate of the kernel memory the map really takes with `entries` live
 * elements, whatever the era reports:
 *  - preallocated maps: the MEM_USAGE figure (real within ~1%);
 *  - non-preallocated hash elements: elem + llist_node rounded up to the
 *    kmalloc size class (8, 16, 32, 64, 96, 128, 192, 256, 512 ... 8192,
 *    then whole page orders); per-CPU ones add a 16-byte kmalloc-16 object
 *    and possible_cpus * ru8(value) of per-CPU memory;
 *  - lpm_trie: an upper bound, entries leaves plus entries - 1 intermediate
 *    nodes, each slab-rounded (intermediate nodes are never counted by the
 *    kernel);
 *  - local storage: `entries` owners each holding one element: the map plus
 *    entries * (slab(bpf_local_storage_elem + value) + slab(bpf_local_storage))
 *    (elements are never counted by the kernel).
 * Same errors as mapsize_memlock(). */
MAPSIZE_API int mapsize_memory_real(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			uint64_t entries, uint64_t *bytes);

/* kmalloc size class for `size` bytes (x86_64 SLUB, 4 KiB pages):
 * 0 for 0; -EOVERFLOW past 2^62. */
MAPSIZE_API int mapsize_kmalloc_size(uint64_t size, uint64_t *bytes);

/* ---- a whole plan -------------------------------------------------------- */

struct mapsize_plan;

/* Kernel memory of one planned map.  For an inner map template the
 * figures are per instance; totals count no instance at load (the agent
 * creates them at run time), the outer map's expected entries at
 * "expected", and its max_entries at "full". */
struct mapsize_map_memory {
	size_t sz; /* sizeof(struct mapsize_map_memory); in an array, out[0].sz is the stride */
	uint64_t memlock_load;		/* fdinfo memlock right after creation */
	uint64_t memlock_expected;	/* ... with expected_entries live */
	uint64_t memlock_full;		/* ... with every slot used */
	uint64_t real_expected;		/* estimated real memory at expected entries */
	uint64_t instances_expected;	/* inner templates: outer's expected entries, else 1 */
	uint64_t instances_full;	/* inner templates: outer's max_entries, else 1 */
};

struct mapsize_memory_opts {
	size_t sz; /* sizeof(struct mapsize_memory_opts) */
	const struct mapsize_kernel_consts *consts;	/* NULL: builtin newest */
	enum mapsize_mem_era era;
	uint32_t possible_cpus;		/* 0: the plan's `cpus` dimension */
};
#define mapsize_memory_opts__last_field possible_cpus

/* The model's view of a planned map on `possible_cpus` CPUs. */
MAPSIZE_API int mapsize_plan_map__mem_map(const struct mapsize_plan_map *pm, uint32_t possible_cpus,
			      struct mapsize_mem_map *mm);

/* Fill out[i] for every map of the plan (mapsize_plan__map_cnt entries;
 * set out[0].sz, the element size) and *total (total->sz set).  Pure.
 * 0 or negative errno (-EOVERFLOW, -EINVAL). */
MAPSIZE_API int mapsize_plan__memory(const struct mapsize_plan *plan, const struct mapsize_memory_opts *opts,
			 struct mapsize_map_memory *out, struct mapsize_map_memory *total);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_MEMORY_H */
