// SPDX-License-Identifier: GPL-2.0
/*
 * rhash vs preallocated hash vs no-prealloc hash (`make bench`, run by
 * tests/kernel/rhashfill.c --bench under qemu on 7.3).  The three maps are
 * compiled alike; the bench makes one an rhash and one no-prealloc before
 * load.  Each program walks the present keys 0..fill-1 from where its last
 * run stopped, 64 operations a run, and returns how many failed (0 expected),
 * so BPF_PROG_TEST_RUN's duration / 64 is ns per operation.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define OPS_PER_RUN 64

#define BENCH_MAP(NAME)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(max_entries, 20000);			\
		__type(key, __u32);				\
		__type(value, __u64);				\
	} NAME SEC(".maps")

BENCH_MAP(b_prealloc);
BENCH_MAP(b_noprealloc);
BENCH_MAP(b_rhash);

__u32 fill;		/* keys 0..fill-1 are present in all three maps */
__u32 cursor[6];	/* one walk position per program */

/* the next key of the walk: every present key in turn */
static __always_inline __u32 next_key(__u32 *c)
{
	__u32 k = *c + 1;

	if (k >= fill)
		k = 0;
	*c = k;
	return k;
}

#define BENCH_PROGS(MAP, I)						\
SEC("socket")								\
int MAP##_update(struct __sk_buff *skb)					\
{									\
	__u32 c = cursor[2 * (I)], failed = 0;				\
									\
	for (int i = 0; i < OPS_PER_RUN; i++) {				\
		__u32 k = next_key(&c);					\
		__u64 v = k + i;					\
									\
		if (bpf_map_update_elem(&MAP, &k, &v, BPF_EXIST))	\
			failed++;					\
	}								\
	cursor[2 * (I)] = c;						\
	return failed;							\
}									\
									\
SEC("socket")								\
int MAP##_lookup(struct __sk_buff *skb)					\
{									\
	__u32 c = cursor[2 * (I) + 1], failed = 0;			\
									\
	for (int i = 0; i < OPS_PER_RUN; i++) {				\
		__u32 k = next_key(&c);					\
									\
		if (!bpf_map_lookup_elem(&MAP, &k))			\
			failed++;					\
	}								\
	cursor[2 * (I) + 1] = c;					\
	return failed;							\
}

BENCH_PROGS(b_prealloc, 0)
BENCH_PROGS(b_noprealloc, 1)
BENCH_PROGS(b_rhash, 2)

char LICENSE[] SEC("license") = "GPL";
