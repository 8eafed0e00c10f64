// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory model's RLIMIT era (kernels up to 5.10): every map type's
 * map_alloc callback computes a `cost` in bytes, bpf_map_charge_init()
 * rounds it up to whole pages and charges them to the creator's
 * RLIMIT_MEMLOCK, and fdinfo's `memlock:` prints those pages.  The charge is
 * made once at creation: full element storage even for BPF_F_NO_PREALLOC
 * hashes and LPM tries, constant as the map fills and empties (memory
 * cgroup accounting replaced it in 5.11).
 *
 * Sources (Linux 5.10, kernel/bpf/): htab_map_alloc, array_map_alloc
 * (fd arrays: fd_array_map_alloc), trie_alloc, queue_stack_map_alloc,
 * stack_map_alloc, ringbuf_map_alloc, bpf_local_storage_map_alloc,
 * bpf_map_charge_init (syscall.c).  Struct sizes: the 5.10 entry of the
 * built-in table or the kernel's BTF.
 */
#include "memory_int.h"

#define LPM_KEY_HDR	4U	/* struct bpf_lpm_trie_key: u32 prefixlen */

static uint64_t htab_cost(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			  uint32_t max, int *err)
{
	uint64_t N = m->possible_cpus, elem, cost;
	bool percpu = is_percpu(m->type);

	/* elem_size: the value lives in the element, or a per-CPU pointer */
	elem = add(k->htab_elem, ru8(m->key_size, err), err);
	elem = add(elem, percpu ? PTR_SIZE : ru8(m->value_size, err), err);
	cost = mul(pow2_roundup(max, err), k->htab_bucket, err);
	cost = add(cost, mul(elem, max, err), err);
	if (percpu)
		cost = add(cost, mul(mul(ru8(m->value_size, err), N, err), max, err), err);
	else	/* extra_elems, one per CPU, charged for every non-per-CPU hash */
		cost = add(cost, mul(elem, N, err), err);
	return cost;
}

static uint64_t array_cost(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
			   uint32_t max, int *err)
{
	/* fd arrays store a u32 fd in 8-byte slots */
	uint64_t elem = is_fd_map(m->type) ? 8 : ru8(m->value_size, err);

	if (is_percpu(m->type))
		return add(add(k->bpf_array, mul(max, PTR_SIZE, err), err),
			   mul(mul(max, elem, err), m->possible_cpus, err), err);
	if (m->map_flags & MAPSIZE_F_MMAPABLE)
		return add(round_up_to(k->bpf_array, k->page_size, err),
			   round_up_to(mul(max, elem, err), k->page_size, err), err);
	return add(k->bpf_array, mul(max, elem, err), err);
}

int memlock_rlimit(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
		   uint32_t max, uint64_t *bytes)
{
	uint64_t cost, K = m->key_size, V = m->value_size;
	int err = 0;

	if (!k || !k->page_size)
		return -EINVAL;
	if (is_hash(m->type)) {
		cost = htab_cost(m, k, max, &err);
	} else {
		switch (m->type) {
		case MAPSIZE_MAP_ARRAY:
		case MAPSIZE_MAP_PERCPU_ARRAY:
		case MAPSIZE_MAP_PROG_ARRAY:
		case MAPSIZE_MAP_PERF_EVENT_ARRAY:
		case MAPSIZE_MAP_ARRAY_OF_MAPS:
			cost = array_cost(m, k, max, &err);
			break;
		case MAPSIZE_MAP_LPM_TRIE:
			/* every possible node, though none exists yet */
			cost = add(k->lpm_trie, mul(max, add(k->lpm_trie_node, K - LPM_KEY_HDR + V,
							     &err), &err), &err);
			break;
		case MAPSIZE_MAP_QUEUE:
		case MAPSIZE_MAP_STACK:
			cost = add(k->bpf_queue_stack, mul((uint64_t)max + 1, V, &err), &err);
			break;
		case MAPSIZE_MAP_STACK_TRACE: {
			uint64_t nb = pow2_roundup(max, &err);

			/* bucket pointers for pow2(M), elements for M */
			cost = add(k->bpf_stack_map, mul(nb, PTR_SIZE, &err), &err);
			cost = add(cost, mul(max, add(k->stack_map_bucket, V, &err), &err), &err);
			break;
		}
		case MAPSIZE_MAP_RINGBUF:
			/* sizeof(struct bpf_ringbuf): the meta pages up to data[] */
			cost = add(k->bpf_ringbuf_map,
				   add(mul(k->ringbuf_meta_pages, k->page_size, &err), max, &err), &err);
			break;
		case MAPSIZE_MAP_INODE_STORAGE:
		case MAPSIZE_MAP_SK_STORAGE: {
			/* elements are charged to the owner (sk_omem), not here */
			uint64_t nb = pow2_roundup(m->possible_cpus, &err);

			cost = add(k->bpf_local_storage_map,
				   mul(k->local_storage_bucket, nb < 2 ? 2 : nb, &err), &err);
			break;
		}
		default:
			/* bloom_filter (5.16), task_storage (5.11), user_ringbuf (6.1), cgrp_storage
			 * (6.2): no such map on these kernels */
			return -EOPNOTSUPP;
		}
	}
	cost = round_up_to(cost, k->page_size, &err);
	if (err)
		return err;
	*bytes = cost;
	return 0;
}
