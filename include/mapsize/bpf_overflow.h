/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Overflow counters for BPF C programs: count the inserts a map refused,
 * per map and errno class, so that a map sized too small is visible.
 *
 *	#include <linux/bpf.h>
 *	#include <bpf/bpf_helpers.h>
 *	#include "mapsize-plan.h"		(mapsize gen-header RULES -o mapsize-plan.h)
 *	#include <mapsize/bpf_overflow.h>
 *
 *	long err = MAPSIZE_UPDATE(execve_map, &tgid, proc, BPF_NOEXIST);
 *
 * MAPSIZE_UPDATE(map, key, value, flags) is bpf_map_update_elem(&map, key,
 * value, flags) and returns its result.  On a failure other than -EEXIST and
 * -ENOENT (BPF_NOEXIST / BPF_EXIST semantics, not overflow) it adds one to
 * the current CPU's counter of `map` for the errno's class in the per-CPU
 * array `mapsize_overflow`; the success path costs one compare.
 *
 * The counter map's value is struct mapsize_overflow_slots, one member
 * `__u64 NAME[MAPSIZE_OVF_CLASSES]` per map of the rules, in MAPSIZE_<NAME>_ID
 * order (the generated MAPSIZE_OVERFLOW_SLOTS list): slot i sits at byte
 * i * 32.  The member names travel in the map's BTF, which is how user space
 * (mapsize_overflow__read() in <mapsize/overflow.h>, `mapsize status`) names
 * every counter without being told the rules.  Names are the rules' map
 * names as C identifiers ("policy_filter_maps.inner" ->
 * policy_filter_maps_inner); the kernel keeps the first 15 bytes of the
 * map's name: it lists as "mapsize_overflo".
 *
 * A map whose program only has a pointer to it (an inner map from a
 * map-in-map lookup) is counted under a named slot with
 * MAPSIZE_UPDATE_SLOT(policy_filter_maps_inner, inner, key, value, flags).
 *
 * Include it once per BPF object (it defines the map), after
 * <bpf/bpf_helpers.h> and after the generated header.
 */
#ifndef MAPSIZE_BPF_OVERFLOW_H
#define MAPSIZE_BPF_OVERFLOW_H

#ifndef MAPSIZE_OVERFLOW_SLOTS
#error "<mapsize/bpf_overflow.h>: MAPSIZE_OVERFLOW_SLOTS is not defined: include the header written by `mapsize gen-header RULES -o FILE` (mapsize 0.1.0 or later) before this one"
#endif
#ifndef SEC
#error "<mapsize/bpf_overflow.h>: include <bpf/bpf_helpers.h> first"
#endif

/* Errno classes: the second index of every slot. */
#define MAPSIZE_OVF_E2BIG	0	/* full hash, array index out of range, full queue/stack */
#define MAPSIZE_OVF_ENOSPC	1	/* full lpm_trie */
#define MAPSIZE_OVF_ENOMEM	2	/* allocation failed: no-prealloc maps under memory-cgroup pressure */
#define MAPSIZE_OVF_OTHER	3
#define MAPSIZE_OVF_CLASSES	4

/* errno-base.h values, the same on every Linux architecture. */
#define MAPSIZE_OVF_ENOENT_	2
#define MAPSIZE_OVF_E2BIG_	7
#define MAPSIZE_OVF_ENOMEM_	12
#define MAPSIZE_OVF_EEXIST_	17
#define MAPSIZE_OVF_ENOSPC_	28

#define MAPSIZE_OVF_MEMBER_(NAME) __u64 NAME[MAPSIZE_OVF_CLASSES];

struct mapsize_overflow_slots {
	MAPSIZE_OVERFLOW_SLOTS(MAPSIZE_OVF_MEMBER_)
};

#ifdef MAPSIZE_MAP_COUNT
_Static_assert(sizeof(struct mapsize_overflow_slots) == MAPSIZE_MAP_COUNT * MAPSIZE_OVF_CLASSES * 8,
	       "one slot of MAPSIZE_OVF_CLASSES counters per map of the generated header");
#endif

/* Kernel name "mapsize_overflo" (15 bytes kept of the name). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapsize_overflow_slots);
} mapsize_overflow SEC(".maps");

/* The class of a negative errno. */
#define MAPSIZE_OVF_CLASS(err)							\
	((err) == -MAPSIZE_OVF_E2BIG_ ? MAPSIZE_OVF_E2BIG :			\
	 (err) == -MAPSIZE_OVF_ENOSPC_ ? MAPSIZE_OVF_ENOSPC :			\
	 (err) == -MAPSIZE_OVF_ENOMEM_ ? MAPSIZE_OVF_ENOMEM : MAPSIZE_OVF_OTHER)

/* Count a failed update of slot SLOT (a member name) with negative errno ERR. */
#define MAPSIZE_OVF_COUNT(SLOT, err)						\
	do {									\
		__u32 __mapsize_zero = 0;					\
		struct mapsize_overflow_slots *__mapsize_s =			\
			bpf_map_lookup_elem(&mapsize_overflow, &__mapsize_zero);	\
		if (__mapsize_s)						\
			__sync_fetch_and_add(&__mapsize_s->SLOT[MAPSIZE_OVF_CLASS(err) & 3], 1); \
	} while (0)

/* bpf_map_update_elem(map_ptr, ...) counted under slot SLOT; returns its result. */
#define MAPSIZE_UPDATE_SLOT(SLOT, map_ptr, key, value, flags)			\
	({									\
		long __mapsize_err = bpf_map_update_elem((map_ptr), (key), (value), (flags)); \
		if (__builtin_expect(__mapsize_err != 0, 0) &&			\
		    __mapsize_err != -MAPSIZE_OVF_EEXIST_ &&			\
		    __mapsize_err != -MAPSIZE_OVF_ENOENT_)			\
			MAPSIZE_OVF_COUNT(SLOT, __mapsize_err);			\
		__mapsize_err;							\
	})

/* bpf_map_update_elem(&map, ...) counted under map's own slot. */
#define MAPSIZE_UPDATE(map, key, value, flags)					\
	MAPSIZE_UPDATE_SLOT(map, &(map), key, value, flags)

#endif /* MAPSIZE_BPF_OVERFLOW_H */
