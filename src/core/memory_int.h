/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the memory model's era files (memory.c, memory_rlimit.c). */
#ifndef MAPSIZE_MEMORY_INT_H
#define MAPSIZE_MEMORY_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <mapsize/memory.h>

#include "internal.h"

#define PTR_SIZE		8U

/* ---- checked arithmetic ------------------------------------------------ */

/* Each helper keeps the first error in *err, so a formula reads straight. */
static inline uint64_t add(uint64_t a, uint64_t b, int *err)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r)) {
		*err = -EOVERFLOW;
		return 0;
	}
	return r;
}

static inline uint64_t mul(uint64_t a, uint64_t b, int *err)
{
	uint64_t r;

	if (__builtin_mul_overflow(a, b, &r)) {
		*err = -EOVERFLOW;
		return 0;
	}
	return r;
}

static inline uint64_t round_up_to(uint64_t x, uint64_t align, int *err)
{
	uint64_t r = x % align;

	return r ? add(x, align - r, err) : x;
}

static inline uint64_t ru8(uint64_t x, int *err)
{
	return round_up_to(x, 8, err);
}

static inline uint64_t pow2_roundup(uint64_t x, int *err)
{
	uint64_t p = 1;

	while (p < x) {
		if (p > UINT64_MAX / 2) {
			*err = -EOVERFLOW;
			return 0;
		}
		p <<= 1;
	}
	return p;
}

/* ---- map properties ------------------------------------------------------ */

/* Facts about a type come from the one type table (maptype.c). */


static inline const struct map_type_info *facts(enum mapsize_map_type t)
{
	static const struct map_type_info no_type;
	const struct map_type_info *ti = map_type_info(t);

	return ti ? ti : &no_type;
}

#define is_hash(t)    map_type_has(t, MAPSIZE_TRAIT_HASH)
#define is_lru(t)     map_type_has(t, MAPSIZE_TRAIT_LRU)
#define is_percpu(t)  map_type_has(t, MAPSIZE_TRAIT_PERCPU)
#define is_fd_map(t)  map_type_has(t, MAPSIZE_TRAIT_FD)
#define is_storage(t) map_type_has(t, MAPSIZE_TRAIT_STORAGE)

/* RLIMIT era (<= 5.10): each type's map_alloc charge, page-rounded. */
int memlock_rlimit(const struct mapsize_mem_map *m, const struct mapsize_kernel_consts *k,
		   uint32_t max, uint64_t *bytes);

#endif
