// SPDX-License-Identifier: GPL-2.0
/*
 * `make bench` (b): the CPU cost of preallocation, measured in the kernel.
 *
 * One hash map (key 8 B, value 64 B, max_entries 65536).  User space opens
 * this object twice, once as compiled (preallocated) and once with
 * BPF_F_NO_PREALLOC, fills both to the same level with keys 0..fill-1 and
 * runs the programs below with BPF_PROG_TEST_RUN (repeat = R): each run does
 * `nr_ops` operations in a bpf_loop(), so the kernel's reported duration per
 * run divided by nr_ops is the cost of one operation (plus one bpf_loop
 * iteration, measured by bench_loop).
 *
 *   bench_upd_del  insert a key that is not in the map (BPF_NOEXIST), then
 *                  delete it: the element allocation and free path.  The
 *                  fill level stays where it was.
 *   bench_burst    insert nr_ops new keys, then delete them all: a burst of
 *                  allocations (an exec storm) that drains the per-CPU
 *                  caches of the no-prealloc allocator (bpf_mem_alloc), so
 *                  refills from the slab allocator are part of the cost.
 *   bench_lookup   look up keys that are in the map (hits), in a
 *                  pseudo-random order over all present keys.
 *   bench_loop     the same bpf_loop with an empty body.
 *
 * XDP is used only because its test_run supports `repeat` and reports the
 * duration; the programs never look at the packet.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define BENCH_MAX_ENTRIES 65536
#define NEW_KEY_BASE (1ULL << 40)	/* never among the fill keys 0..fill-1 */

struct bench_value {
	__u64 v[8];			/* 64 bytes */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_MAX_ENTRIES);
	__type(key, __u64);
	__type(value, struct bench_value);
} bench_map SEC(".maps");

const volatile __u32 nr_ops = 4096;	/* operations per program run */

__u64 fill;		/* keys 0..fill-1 are in the map (set by user space) */
__u64 cursor;		/* advances by nr_ops per run: spreads keys over runs */
__u64 errors;		/* failed updates/deletes, lookups that missed */
__u64 ops_done;

static long upd_del_cb(__u64 i, void *ctx)
{
	__u64 key = NEW_KEY_BASE + ((cursor + i) & 0xffffff);
	struct bench_value val = { .v = { i } };

	if (bpf_map_update_elem(&bench_map, &key, &val, BPF_NOEXIST)) {
		errors++;
		return 0;
	}
	if (bpf_map_delete_elem(&bench_map, &key))
		errors++;
	return 0;
}

static long burst_ins_cb(__u64 i, void *ctx)
{
	__u64 key = NEW_KEY_BASE + i;
	struct bench_value val = { .v = { i } };

	if (bpf_map_update_elem(&bench_map, &key, &val, BPF_NOEXIST))
		errors++;
	return 0;
}

static long burst_del_cb(__u64 i, void *ctx)
{
	__u64 key = NEW_KEY_BASE + i;

	if (bpf_map_delete_elem(&bench_map, &key))
		errors++;
	return 0;
}

static long lookup_cb(__u64 i, void *ctx)
{
	__u64 f = fill;
	__u64 key;

	if (!f)
		return 1;
	/* Fibonacci hashing: consecutive i land far apart, so the order has
	 * nothing to do with the order the elements were allocated in */
	key = ((cursor + i) * 0x9E3779B97F4A7C15ULL >> 16) % f;
	if (!bpf_map_lookup_elem(&bench_map, &key))
		errors++;
	return 0;
}

static long empty_cb(__u64 i, void *ctx)
{
	return 0;
}

SEC("xdp")
int bench_upd_del(struct xdp_md *ctx)
{
	long n = bpf_loop(nr_ops, upd_del_cb, NULL, 0);

	if (n > 0)
		ops_done += n;
	cursor += nr_ops;
	return XDP_PASS;
}

SEC("xdp")
int bench_burst(struct xdp_md *ctx)
{
	long n = bpf_loop(nr_ops, burst_ins_cb, NULL, 0);

	if (n > 0)
		ops_done += n;
	bpf_loop(nr_ops, burst_del_cb, NULL, 0);
	return XDP_PASS;
}

SEC("xdp")
int bench_lookup(struct xdp_md *ctx)
{
	long n = bpf_loop(nr_ops, lookup_cb, NULL, 0);

	if (n > 0)
		ops_done += n;
	cursor += nr_ops;
	return XDP_PASS;
}

SEC("xdp")
int bench_loop(struct xdp_md *ctx)
{
	long n = bpf_loop(nr_ops, empty_cb, NULL, 0);

	if (n > 0)
		ops_done += n;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
