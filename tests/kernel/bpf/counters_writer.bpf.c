// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A BPF writer for tests/kernel/counters_guest.c: socket filters run with
 * BPF_PROG_TEST_RUN that overfill maps, so the kernel-side counters
 * (src/kernel/bpf/counters.bpf.c) see inserts made by a program. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} w_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} w_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} w_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__uint(value_size, 4);
} w_queue SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} w_lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} w_rb_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} w_rb_res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 4);
} w_perf SEC(".maps");

__u32 n_inserts;	/* set by the test before each run */
__u32 n_failed;		/* what the writer saw fail, for the test to compare */
char record[1000];

#define LOOP(...)						\
	for (__u32 i = 0; i < 64; i++) {			\
		__u32 key = i, val = i;				\
		(void)key; (void)val;				\
		if (i >= n_inserts)				\
			break;					\
		__VA_ARGS__;					\
	}

SEC("socket")
int write_hash(void *ctx)
{
	LOOP(bpf_map_update_elem(&w_hash, &key, &val, BPF_ANY));
	/* BPF_NOEXIST on a present key: flag semantics, not a failure */
	__u32 k0 = 0, v0 = 0;
	bpf_map_update_elem(&w_hash, &k0, &v0, BPF_NOEXIST);
	return 0;
}

SEC("socket")
int write_lru(void *ctx)
{
	LOOP(bpf_map_update_elem(&w_lru, &key, &val, BPF_ANY));
	return 0;
}

SEC("socket")
int write_percpu(void *ctx)
{
	LOOP(bpf_map_update_elem(&w_percpu, &key, &val, BPF_ANY));
	return 0;
}

SEC("socket")
int write_queue(void *ctx)
{
	LOOP(bpf_map_push_elem(&w_queue, &val, 0));
	return 0;
}

SEC("socket")
int write_lpm(void *ctx)
{
	LOOP(struct lpm_key k = { 32, key }; bpf_map_update_elem(&w_lpm, &k, &val, BPF_ANY));
	return 0;
}

SEC("socket")
int write_rb_output(void *ctx)
{
	LOOP(if (bpf_ringbuf_output(&w_rb_out, record, sizeof(record), 0)) n_failed++);
	return 0;
}

SEC("socket")
int write_rb_reserve(void *ctx)
{
	LOOP(void *r = bpf_ringbuf_reserve(&w_rb_res, sizeof(record), 0); if (r) bpf_ringbuf_submit(r, 0); else n_failed++);
	return 0;
}

/* no perf event in the array: every output fails (-ENOENT) */
SEC("socket")
int write_perf(struct __sk_buff *skb)
{
	LOOP(if (bpf_perf_event_output(skb, &w_perf, BPF_F_CURRENT_CPU, &val, sizeof(val))) n_failed++);
	return 0;
}

/* The perf output helper of tracing programs: a raw tracepoint program
 * (BPF_PROG_TEST_RUN runs it; its helper is bpf_perf_event_output_raw_tp)
 * writes records of 1,000 bytes into w_perf_rt, whose slot for the CPU is
 * empty (-ENOENT) or holds an event with a 4 KiB buffer nobody reads. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 4);
} w_perf_rt SEC(".maps");

SEC("raw_tp")
int write_perf_raw_tp(void *ctx)
{
	LOOP(if (bpf_perf_event_output(ctx, &w_perf_rt, BPF_F_CURRENT_CPU, record, sizeof(record))) n_failed++);
	return 0;
}

/* `counters-static --bench`: 64 updates per run into a full 64-entry hash,
 * of present keys (success) or of new keys (E2BIG). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} w_bench SEC(".maps");

SEC("socket")
int bench_update(void *ctx)
{
	for (__u32 i = 0; i < 64; i++) {
		__u32 key = i;
		__u64 val = i;

		bpf_map_update_elem(&w_bench, &key, &val, BPF_ANY);
	}
	return 0;
}

SEC("socket")
int bench_fail(void *ctx)
{
	for (__u32 i = 0; i < 64; i++) {
		__u32 key = 1000 + i;
		__u64 val = i;

		bpf_map_update_elem(&w_bench, &key, &val, BPF_ANY);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
