// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory model: the kernel's memlock figure for a BPF map, per map type
 * and accounting era.  Pure: no I/O, no libbpf.  See <mapsize/memory.h>.
 *
 * Sources (function names in the Linux tree):
 *   MEM_USAGE era (6.4+): htab_map_mem_usage, array_map_mem_usage,
 *     trie_mem_usage, ringbuf_map_mem_usage (ringbuf, user_ringbuf), queue_stack_map_mem_usage,
 *     bloom_map_mem_usage, stack_map_mem_usage,
 *     bpf_local_storage_map_mem_usage.
 *   PAGES era (5.11-6.3): bpf_map_memory_footprint, bpf_map_value_size
 *     (kernel/bpf/syscall.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/memory.h>

#include "internal.h"
#include "kernel_consts_table.h"
#include "memory_int.h"

#define PCPU_MIN_UNIT_SIZE	(32U << 10)
#define LPM_DATA_SIZE_MAX	256U
#define LPM_KEY_HDR		4U		/* struct bpf_lpm_trie_key_hdr (prefixlen) */
#define LOCAL_STORAGE_MAX_VALUE	(65535U - 128U)	/* U16_MAX - sizeof(bpf_local_storage_elem) */

/* ---- kernel constants ------------------------------------------------- */

/* The table is generated from Debian's kernel packages
 * (tools/gen-kernel-consts.sh -> kernel_consts_table.c).  A kernel between
 * two series gets the nearest lower one, marked "nearest X.Y" in `source`
 * and `series`, so the caller can warn; never a silent stand-in. */
int mapsize_kernel_consts__builtin(const char *kernel, struct mapsize_kernel_consts *c)
{
	const struct kernel_consts_series *best = NULL;
	unsigned int version;
	size_t i;
	int err;

	if (!c || c->sz < sizeof(*c) || !kernel_consts_table_cnt)
		return -EINVAL;
	struct_out_reset(c);
	if (!kernel) {
		*c = kernel_consts_table[kernel_consts_table_cnt - 1].consts;
		return 0;
	}
	err = mapsize_kernel_version(kernel, &version);
	if (err)
		return err;
	for (i = 0; i < kernel_consts_table_cnt; i++)
		if (kernel_consts_table[i].version <= version)
			best = &kernel_consts_table[i];
	if (!best)
		return -ENOENT;
	*c = best->consts;
	if (best->version != version)
		c->source = best->nearest;
	return 0;
}

void mapsize_kernel_consts__set_kernel(struct mapsize_kernel_consts *c, unsigned int version)
{
	if (!STRUCT_VALID(c, mapsize_kernel_consts))
		return;
	/* "bpf: Remove unnecessary extra_elems for fd htab" (6.15) */
	c->hofm_extra_elems = version && version < MAPSIZE_KERNEL_VERSION(6, 15);
	/* HASHTAB_MAP_LOCK_COUNT ints per CPU: counted by every
	 * htab_map_mem_usage() up to at least 6.18 (the map_locked counters
	 * themselves left with 6.15's rqspinlock); Debian's 7.2 and 7.3 no
	 * longer count them (fdinfo under qemu: 32 bytes per CPU less).  6.19
	 * to 7.1 were not measured and keep the 6.18 behaviour. */
	c->htab_lock_count = version && version >= MAPSIZE_KERNEL_VERSION(7, 2) ? 0 : 8;
}

static const char *const kc_field_names[] = {
	"bpf_htab", "htab_elem", "bucket", "llist_node", "bpf_array",
	"lpm_trie", "lpm_trie_node", "bpf_ringbuf_map", "bpf_ringbuf.consumer_pos",
	"bpf_local_storage_map", "bpf_local_storage_map_bucket",
	"bpf_local_storage_elem", "bpf_local_storage", "bpf_stack_map",
	"stack_map_bucket", "bpf_bloom_filter", "bpf_queue_stack", "lpm_trie.ma",
};

const char *mapsize_kernel_consts__field_name(uint32_t bit)
{
	size_t i;

	if (!bit || (bit & (bit - 1)))
		return NULL;
	i = (size_t)__builtin_ctz(bit);
	if (i >= sizeof(kc_field_names) / sizeof(kc_field_names[0]))
		return NULL;
	return kc_field_names[i];
}

/* Offsets of the u32 fields, in MAPSIZE_KC_* bit order (lpm_trie.ma, a
 * bool, is compared apart). */
#define KC_OFF(f) offsetof(struct mapsize_kernel_consts, f)
static const size_t kc_field_offs[] = {
	KC_OFF(bpf_htab), KC_OFF(htab_elem), KC_OFF(htab_bucket), KC_OFF(llist_node),
	KC_OFF(bpf_array), KC_OFF(lpm_trie), KC_OFF(lpm_trie_node), KC_OFF(bpf_ringbuf_map),
	KC_OFF(ringbuf_meta_pages), KC_OFF(bpf_local_storage_map), KC_OFF(local_storage_bucket),
	KC_OFF(local_storage_elem), KC_OFF(local_storage), KC_OFF(bpf_stack_map),
	KC_OFF(stack_map_bucket), KC_OFF(bpf_bloom_filter), KC_OFF(bpf_queue_stack),
};

int mapsize_kernel_consts__diff(const struct mapsize_kernel_consts *btf,
				const struct mapsize_kernel_consts *builtin, char *buf, size_t size)
{
	size_t i, len = 0;
	int n = 0;

	if (!STRUCT_VALID(btf, mapsize_kernel_consts) || !STRUCT_VALID(builtin, mapsize_kernel_consts) ||
	    (size && !buf))
		return -EINVAL;
	if (size)
		buf[0] = 0;
	for (i = 0; i <= sizeof(kc_field_offs) / sizeof(kc_field_offs[0]); i++) {
		uint32_t bit = 1U << i, a, b;
		char one[160];

		/* a struct the BTF lacks has no size to disagree with */
		if (btf->fallback & bit)
			continue;
		if (bit == MAPSIZE_KC_LPM_MEM_ALLOC) {
			if (btf->lpm_mem_alloc == builtin->lpm_mem_alloc)
				continue;
			snprintf(one, sizeof(one), "struct lpm_trie %s member ma, %s %s",
				 btf->lpm_mem_alloc ? "has" : "lacks", builtin->source,
				 btf->lpm_mem_alloc ? "lacks it" : "has it");
		} else {
			memcpy(&a, (const char *)btf + kc_field_offs[i], sizeof(a));
			memcpy(&b, (const char *)builtin + kc_field_offs[i], sizeof(b));
			if (a == b)
				continue;
			if (bit == MAPSIZE_KC_RINGBUF_META_PAGES)
				snprintf(one, sizeof(one), "bpf_ringbuf.consumer_pos gives %u meta pages, "
					 "%s has %u (%+lld)", a, builtin->source, b, (long long)a - b);
			else
				snprintf(one, sizeof(one), "struct %s is %u bytes, %s has %u (%+lld)",
					 kc_field_names[i], a, builtin->source, b, (long long)a - b);
		}
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", n ? "; " : "", one);
		n++;
	}
	return n;
}

/* ---- eras --------------------------------------------------------------- */

int mapsize_mem_era__from_kernel(unsigned int version, enum mapsize_mem_era *era)
{
	if (!era)
		return -EINVAL;
	if (!version || version >= MAPSIZE_KERNEL_VERSION(6, 4))
		*era = MAPSIZE_MEM_ERA_MEM_USAGE;
	else if (version >= MAPSIZE_KERNEL_VERSION(5, 11))
		*era = MAPSIZE_MEM_ERA_PAGES;
	else if (version >= MAPSIZE_KERNEL_VERSION(5, 10))
		*era = MAPSIZE_MEM_ERA_RLIMIT;	/* 5.10 checked; older kernels differ */
	else
		return -EOPNOTSUPP;
	return 0;
}

const char *mapsize_mem_era__name(enum mapsize_mem_era era)
{
	switch (era) {
	case MAPSIZE_MEM_ERA_MEM_USAGE:	return "mem_usage";
	case MAPSIZE_MEM_ERA_PAGES:	return "pages";
	case MAPSIZE_MEM_ERA_RLIMIT:	return "rlimit";
	}
	return NULL;
}

int mapsize_mem_era__from_name(const char *name, enum mapsize_mem_era *era)
{
	if (!name || !era)
		return -EINVAL;
	if (!strcmp(name, "mem_usage"))
		*era = MAPSIZE_MEM_ERA_MEM_USAGE;
	else if (!strcmp(name, "pages"))
		*era = MAPSIZE_MEM_ERA_PAGES;
	else if (!strcmp(name, "rlimit"))
		*era = MAPSIZE_MEM_ERA_RLIMIT;
	else
		return -EINVAL;
	return 0;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int mapsize_mem_map__check(const struct mapsize_mem_map *m)
{
	enum mapsize_map_type t;
	uint32_t f, K, V, M;
	bool prealloc;

	if (!STRUCT_VALID(m, mapsize_mem_map))
		return -EINVAL;
	t = m->type;
	if (t <= MAPSIZE_MAP_UNSPEC || t >= MAPSIZE_MAP_TYPE_CNT || !m->possible_cpus)
		return -EINVAL;
	f = m->map_flags;
	K = m->key_size;
	V = m->value_size;
	M = m->max_entries;
	prealloc = !(f & MAPSIZE_F_NO_PREALLOC);

	if ((f & MAPSIZE_F_MMAPABLE) && t != MAPSIZE_MAP_ARRAY)
		return -EINVAL;
	if ((f & MAPSIZE_F_NO_COMMON_LRU) && !is_lru(t))
		return -EINVAL;
	if (m->map_extra && t != MAPSIZE_MAP_BLOOM_FILTER && t != MAPSIZE_MAP_RHASH)
		return -EINVAL;

	if (is_hash(t)) {
		uint64_t max = M;

		if (is_lru(t) && !prealloc)
			return -EOPNOTSUPP;	/* the kernel's ENOTSUPP (524) */
		if (!M || !K || !V)
			return -EINVAL;
		if (t == MAPSIZE_MAP_HASH_OF_MAPS && V != 4)
			return -EINVAL;
		if ((uint64_t)K + V >= MAPSIZE_KMALLOC_MAX - 48)
			return -E2BIG;
		if (is_percpu(t) && ((uint64_t)V + 7) / 8 * 8 > PCPU_MIN_UNIT_SIZE)
			return -E2BIG;
		if (f & MAPSIZE_F_NO_COMMON_LRU)
			max = (max + m->possible_cpus - 1) / m->possible_cpus * m->possible_cpus;
		/* n_buckets * sizeof(struct bucket) must fit u32 */
		if (max > (1ULL << 27))
			return -E2BIG;
		return 0;
	}

	switch (t) {
	case MAPSIZE_MAP_ARRAY:
	case MAPSIZE_MAP_PERCPU_ARRAY:
		if (K != 4 || !V || !M || !prealloc)
			return -EINVAL;
		if (V > MAPSIZE_KMALLOC_MAX)
			return -E2BIG;
		if (is_percpu(t) && ((uint64_t)V + 7) / 8 * 8 > PCPU_MIN_UNIT_SIZE)
			return -E2BIG;
		return 0;
	case MAPSIZE_MAP_PROG_ARRAY:
	case MAPSIZE_MAP_PERF_EVENT_ARRAY:
	case MAPSIZE_MAP_ARRAY_OF_MAPS:
		if (K != 4 || V != 4 || !prealloc)
			return -EINVAL;
		if (!M && t != MAPSIZE_MAP_PERF_EVENT_ARRAY)
			return -EINVAL;
		if (f & (MAPSIZE_F_RDONLY_PROG | MAPSIZE_F_WRONLY_PROG))
			return -EINVAL;
		return 0;
	case MAPSIZE_MAP_RINGBUF:
	case MAPSIZE_MAP_USER_RINGBUF:
		if (K || V || !prealloc)
			return -EINVAL;
		/* RINGBUF_MAX_DATA_SZ (~64 GiB) is beyond any u32 */
		if (!is_pow2(M) || M % 4096)
			return -EINVAL;
		return 0;
	case MAPSIZE_MAP_LPM_TRIE:
		if (prealloc || !M)
			return -EINVAL;
		if (K < LPM_KEY_HDR + 1 || K > LPM_KEY_HDR + LPM_DATA_SIZE_MAX)
			return -EINVAL;
		if (!V || V > MAPSIZE_KMALLOC_MAX - LPM_DATA_SIZE_MAX - 40)
			return -EINVAL;
		return 0;
	case MAPSIZE_MAP_QUEUE:
	case MAPSIZE_MAP_STACK:
		if (K || !V || !M || !prealloc)
			return -EINVAL;
		if (V > MAPSIZE_KMALLOC_MAX)
			return -E2BIG;
		return 0;
	case MAPSIZE_MAP_BLOOM_FILTER:
		if (K || !V || !M || !prealloc || (m->map_extra & ~0xFU))
			return -EINVAL;
		if (V > MAPSIZE_KMALLOC_MAX)
			return -E2BIG;
		return 0;
	case MAPSIZE_MAP_STACK_TRACE:
		/* value_size / 8 must also stay within the
		 * kernel.perf_event_max_stack sysctl (127 by default) */
		if (K != 4 || V < 8 || V % 8 || !M || !prealloc)
			return -EINVAL;
		if (M > (1ULL << 31))
			return -E2BIG;
		return 0;
	case MAPSIZE_MAP_RHASH:
		/* NO_PREALLOC required; map_extra (initial size) <= max_entries
		 * (qemu, 7.2: both EINVAL otherwise) */
		if (prealloc || !K || !V || !M || m->map_extra > M)
			return -EINVAL;
		if (V > MAPSIZE_KMALLOC_MAX)
			return -E2BIG;
		return 0;
	case MAPSIZE_MAP_TASK_STORAGE:
	case MAPSIZE_MAP_INODE_STORAGE:
	case MAPSIZE_MAP_SK_STORAGE:
	case MAPSIZE_MAP_CGRP_STORAGE:
		if (prealloc || M || K != 4 || !V)
			return -EINVAL;
		if (V > LOCAL_STORAGE_MAX_VALUE)
			return -E2BIG;
		return 0;
	default:
		return -EINVAL;
	}
}

int mapsize_mem_map__max_entries(const struct mapsize_mem_map *m, uint32_t *max_entries)
{
	int err = mapsize_mem_map__check(m);
	uint64_t max;

	if (err)
		return err;
	if (!max_entries)
		return -EINVAL;
	max = m->max_entries;
	if (m->type == MAPSIZE_MAP_PERF_EVENT_ARRAY && !max)
		max = m->possible_cpus;
	if (m->map_flags & MAPSIZE_F_NO_COMMON_LRU) {
		/* htab_map_alloc: roundup(), or rounddown() if that wrapped u32 */
		uint64_t up = (max + m->possible_cpus - 1) / m->possible_cpus * m->possible_cpus;

		max = up > UINT32_MAX ? max / m->possible_cpus * m->possible_cpus : up;
	}
	*max_entries = (uint32_t)max;
	return 0;
}

bool mapsize_mem_map__counts_entries(const struct mapsize_mem_map *m)
{
	if (!STRUCT_VALID(m, mapsize_mem_map))
		return false;
	if (m->type == MAPSIZE_MAP_LPM_TRIE)
		return true;
	return is_hash(m->type) && !is_lru(m->type) && (m->map_flags & MAPSIZE_F_NO_PREALLOC);
}

/* ---- PAGES era (5.11 - 6.3): bpf_map_memory_footprint() ----------------- */

static int memlock_pages(const struct mapsize_mem_map *m, uint32_t max, uint64_t *bytes)
{
	uint64_t value, size, total;
	int err = 0;

	if (is_percpu(m->type))
		value = mul(ru8(m->value_size, &err), m->possible_cpus, &err);
	else if (is_fd_map(m->type))
		value = 4;
	else
		value = m->value_size;
	size = ru8(add(m->key_size, value, &err), &err);
	total = round_up_to(mul(max, size, &err), 4096, &err);
	if (err)
		return err;
	*bytes = total;
	return 0;
}

/* ---- MEM_USAGE era (6.4+) ------------------------------------------------ */

static uint64_t htab_elem_size(const struct mapsize_mem_map *m,
			       const struct mapsize_kernel_consts *k, int *err)
{
	uint64_t sz = add(k->htab_elem, ru8(m->key_size, err), err);

	if (is_percpu(m->type))
		return add(sz, PTR_SIZE, err);
	return add(sz, ru8(m->value_size, err), err);
}

static uint64_t htab_fixed(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			   uint32_t max, int *err)
{
	uint64_t usage = k->bpf_htab;

	usage = add(usage, mul(k->htab_bucket, pow2_roundup(max, err), err), err);
	usage = add(usage, mul(mul(4, m->possible_cpus, err), k->htab_lock_count, err), err);
	return usage;
}

static uint64_t bloom_bitset_bytes(const struct mapsize_mem_map *m)
{
	uint32_t nr_hash = m->map_extra & 0xF;
	uint64_t nr_bits, bytes;

	if (!nr_hash)
		nr_hash = 5;
	/* bloom_map_alloc(): u32 arithmetic, division before multiplication */
	nr_bits = (uint64_t)m->max_entries * nr_hash;
	if (nr_bits > UINT32_MAX || (nr_bits / 5) * 7 > UINT32_MAX ||
	    (nr_bits / 5) * 7 > (1ULL << 31)) {
		bytes = (1ULL << 32) / 8;	/* bitset_mask = U32_MAX */
	} else {
		nr_bits = (nr_bits / 5) * 7;
		if (nr_bits <= 64)
			nr_bits = 64;
		else {
			uint64_t p = 1;

			while (p < nr_bits)
				p <<= 1;
			nr_bits = p;
		}
		bytes = nr_bits / 8;
	}
	return (bytes + 7) / 8 * 8;
}

static int memlock_mem_usage(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			     uint32_t max, uint64_t entries, uint64_t *bytes)
{
	uint64_t N = m->possible_cpus, K = m->key_size, V = m->value_size;
	uint64_t usage = 0;
	int err = 0;

	if (!k || !k->page_size)
		return -EINVAL;

	if (is_hash(m->type)) {
		bool prealloc = !(m->map_flags & MAPSIZE_F_NO_PREALLOC);
		bool percpu = is_percpu(m->type), lru = is_lru(m->type);
		uint64_t elem = htab_elem_size(m, k, &err), n;

		usage = htab_fixed(m, k, max, &err);
		if (prealloc) {
			bool extra = !percpu && !lru &&
				     (m->type != MAPSIZE_MAP_HASH_OF_MAPS || k->hofm_extra_elems);

			n = max;
			if (extra)
				n += N;
			usage = add(usage, mul(elem, n, &err), &err);
			if (percpu)
				usage = add(usage, mul(mul(ru8(V, &err), N, &err), n, &err), &err);
			else if (!lru)
				usage = add(usage, mul(PTR_SIZE, N, &err), &err);
		} else {
			usage = add(usage, mul(add(elem, k->llist_node, &err), entries, &err), &err);
			if (percpu) {
				usage = add(usage, mul(k->llist_node + PTR_SIZE, entries, &err), &err);
				usage = add(usage, mul(mul(ru8(V, &err), N, &err), entries, &err), &err);
			}
		}
	} else {
		switch (m->type) {
		case MAPSIZE_MAP_ARRAY:
			if (m->map_flags & MAPSIZE_F_MMAPABLE) {
				usage = round_up_to(k->bpf_array, k->page_size, &err);
				usage = add(usage, round_up_to(mul(max, ru8(V, &err), &err),
							       k->page_size, &err), &err);
			} else {
				usage = add(k->bpf_array, mul(max, ru8(V, &err), &err), &err);
			}
			break;
		case MAPSIZE_MAP_PERCPU_ARRAY:
			usage = add(k->bpf_array, mul(max, PTR_SIZE, &err), &err);
			usage = add(usage, mul(mul(max, ru8(V, &err), &err), N, &err), &err);
			break;
		case MAPSIZE_MAP_PROG_ARRAY:
		case MAPSIZE_MAP_PERF_EVENT_ARRAY:
		case MAPSIZE_MAP_ARRAY_OF_MAPS:
			/* fd arrays: elem_size = round_up(sizeof(u32), 8) */
			usage = add(k->bpf_array, mul(max, 8, &err), &err);
			break;
		case MAPSIZE_MAP_LPM_TRIE:
			/* only leaves (n_entries) are counted; not the trie itself */
			usage = mul(add(k->lpm_trie_node, K - LPM_KEY_HDR + V, &err), entries, &err);
			break;
		case MAPSIZE_MAP_RINGBUF:
		case MAPSIZE_MAP_USER_RINGBUF: {	/* user_ringbuf_map_ops: ringbuf_map_mem_usage too */
			uint64_t data_pages = max / k->page_size;

			usage = add(k->bpf_ringbuf_map,
				    mul(k->ringbuf_meta_pages + data_pages, k->page_size, &err), &err);
			usage = add(usage, mul(k->ringbuf_meta_pages + 2 * data_pages, PTR_SIZE, &err),
				    &err);
			break;
		}
		case MAPSIZE_MAP_QUEUE:
		case MAPSIZE_MAP_STACK:
			usage = add(k->bpf_queue_stack, mul((uint64_t)max + 1, V, &err), &err);
			break;
		case MAPSIZE_MAP_BLOOM_FILTER:
			usage = add(k->bpf_bloom_filter, bloom_bitset_bytes(m), &err);
			break;
		case MAPSIZE_MAP_STACK_TRACE:
			usage = add(k->bpf_stack_map, mul(pow2_roundup(max, &err), PTR_SIZE, &err), &err);
			usage = add(usage, mul(max, add(k->stack_map_bucket, V, &err), &err), &err);
			break;
		case MAPSIZE_MAP_RHASH:
			/* sizeof(bpf_rhtab) + one rhtab_elem + key + value per
			 * entry; the bucket table and map_extra are not counted,
			 * a delete gives its element back (fdinfo under qemu,
			 * 7.2 and 7.3) */
			if (!k->bpf_rhtab)
				return -EINVAL;	/* a kernel before 7.2 */
			usage = add(k->rhtab_elem, add(ru8(m->key_size, &err), ru8(V, &err), &err), &err);
			usage = add(k->bpf_rhtab, mul(usage, entries, &err), &err);
			break;
		case MAPSIZE_MAP_TASK_STORAGE:
		case MAPSIZE_MAP_INODE_STORAGE:
		case MAPSIZE_MAP_SK_STORAGE:
		case MAPSIZE_MAP_CGRP_STORAGE: {
			/* nbuckets = max(2, roundup_pow_of_two(possible cpus)) */
			uint64_t nb = pow2_roundup(N, &err);

			if (nb < 2)
				nb = 2;
			usage = add(k->bpf_local_storage_map, mul(k->local_storage_bucket, nb, &err),
				    &err);
			break;
		}
		default:
			return -EINVAL;
		}
	}
	if (err)
		return err;
	*bytes = usage;
	return 0;
}

static int prepare(const struct mapsize_mem_map *m, uint64_t entries, uint32_t *max)
{
	int err = mapsize_mem_map__max_entries(m, max);

	if (err)
		return err;
	/* local storage: `entries` counts owners, unbounded */
	if (!is_storage(m->type) && entries > *max)
		return -EINVAL;
	return 0;
}

int mapsize_memlock(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
		    enum mapsize_mem_era era, uint64_t entries, uint64_t *bytes)
{
	uint32_t max;
	int err;

	if (!bytes || (k && !STRUCT_VALID(k, mapsize_kernel_consts)))
		return -EINVAL;
	err = prepare(m, entries, &max);
	if (err)
		return err;
	switch (era) {
	case MAPSIZE_MEM_ERA_PAGES:
		return memlock_pages(m, max, bytes);
	case MAPSIZE_MEM_ERA_MEM_USAGE:
		return memlock_mem_usage(m, k, max, entries, bytes);
	case MAPSIZE_MEM_ERA_RLIMIT:
		return memlock_rlimit(m, k, max, bytes);
	}
	return -EINVAL;
}

int mapsize_memlock_at_load(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			    enum mapsize_mem_era era, uint64_t *bytes)
{
	return mapsize_memlock(m, k, era, 0, bytes);
}

int mapsize_memlock_at_max(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			   enum mapsize_mem_era era, uint64_t *bytes)
{
	uint32_t max;
	int err = mapsize_mem_map__max_entries(m, &max);

	if (err)
		return err;
	return mapsize_memlock(m, k, era, max, bytes);
}

/* ---- real memory ----------------------------------------------------------- */

int mapsize_kmalloc_size(uint64_t size, uint64_t *bytes)
{
	static const uint32_t classes[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	size_t i;
	uint64_t p;

	if (!bytes)
		return -EINVAL;
	if (!size) {
		*bytes = 0;
		return 0;
	}
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (size <= classes[i]) {
			*bytes = classes[i];
			return 0;
		}
	}
	/* beyond KMALLOC_MAX_CACHE_SIZE: whole pages, power-of-two order */
	if (size > (1ULL << 62))
		return -EOVERFLOW;
	for (p = 16384; p < size; p <<= 1)
		;
	*bytes = p;
	return 0;
}

static uint64_t slab(uint64_t size, int *err)
{
	uint64_t r = 0;
	int e = mapsize_kmalloc_size(size, &r);

	if (e && !*err)
		*err = e;
	return r;
}

int mapsize_memory_real(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			uint64_t entries, uint64_t *bytes)
{
	uint64_t usage, N, K, V;
	uint32_t max;
	int err;

	if (!bytes || !STRUCT_VALID(k, mapsize_kernel_consts))
		return -EINVAL;
	err = prepare(m, entries, &max);
	if (err)
		return err;
	N = m->possible_cpus;
	K = m->key_size;
	V = m->value_size;

	if (mapsize_mem_map__counts_entries(m) && m->type != MAPSIZE_MAP_LPM_TRIE) {
		/* non-preallocated hash: bpf_mem_alloc units of elem + llist_node */
		uint64_t per;

		err = 0;
		usage = htab_fixed(m, k, max, &err);
		per = slab(add(htab_elem_size(m, k, &err), k->llist_node, &err), &err);
		if (is_percpu(m->type)) {
			per = add(per, slab(k->llist_node + PTR_SIZE, &err), &err);
			per = add(per, mul(ru8(V, &err), N, &err), &err);
		}
		usage = add(usage, mul(per, entries, &err), &err);
	} else if (m->type == MAPSIZE_MAP_LPM_TRIE) {
		uint64_t data = K - LPM_KEY_HDR, leaf, inner;

		err = 0;
		leaf = add(k->lpm_trie_node, data + V, &err);
		if (k->lpm_mem_alloc) {
			/* one bpf_mem_alloc cache: every node has value room */
			leaf = add(leaf, k->llist_node, &err);
			inner = leaf;
		} else {
			/* kmalloc; intermediate nodes carry no value */
			inner = k->lpm_trie_node + data;
		}
		usage = add(k->lpm_trie, mul(slab(leaf, &err), entries, &err), &err);
		if (entries > 1)
			usage = add(usage, mul(slab(inner, &err), entries - 1, &err), &err);
	} else if (is_storage(m->type)) {
		err = memlock_mem_usage(m, k, max, 0, &usage);
		if (err)
			return err;
		usage = add(usage, mul(add(slab(add(k->local_storage_elem, V, &err), &err),
					   slab(k->local_storage, &err), &err),
				       entries, &err), &err);
	} else {
		return memlock_mem_usage(m, k, max, entries, bytes);
	}
	if (err)
		return err;
	*bytes = usage;
	return 0;
}
