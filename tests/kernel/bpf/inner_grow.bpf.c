// SPDX-License-Identifier: GPL-2.0
/*
 * Readers of per-instance inner maps (tests/kernel/test_inner_grow.c): each
 * program looks up slot args[0] of its map-in-map and key args[1] in the
 * inner map it finds there, as an agent's program reads a policy's map,
 * and says what it saw.  Run with BPF_PROG_TEST_RUN (raw_tp context).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* what a reader returns */
#define SEEN		1	/* the key, with the value the test wrote (key * 7 + 1) */
#define NO_KEY		0
#define NO_INNER	2
#define BAD_VALUE	3

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_hash);
} hofm SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_array);
} aofm SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct inner_lpm {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* sizes, not types: clang 14 emits an inner map's struct key as a
	 * forward declaration only (libbpf: "can't determine key size") */
	__uint(key_size, sizeof(struct lpm_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_lpm);
} lpm SEC(".maps");

SEC("raw_tp")
int read_hofm(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = (__u32)ctx->args[0];
	__u64 key = ctx->args[1];
	void *inner = bpf_map_lookup_elem(&hofm, &slot);
	__u32 *v;

	if (!inner)
		return NO_INNER;
	v = bpf_map_lookup_elem(inner, &key);
	if (!v)
		return NO_KEY;
	return *v == (__u32)(key * 7 + 1) ? SEEN : BAD_VALUE;
}

/* A BPF-side writer: insert key args[1] into the instance in slot args[0]. */
SEC("raw_tp")
int write_hofm(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = (__u32)ctx->args[0];
	__u64 key = ctx->args[1];
	__u32 val = (__u32)(key * 7 + 1);
	void *inner = bpf_map_lookup_elem(&hofm, &slot);

	if (!inner)
		return NO_INNER;
	return bpf_map_update_elem(inner, &key, &val, BPF_NOEXIST) ? NO_KEY : SEEN;
}

SEC("raw_tp")
int read_aofm(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = (__u32)ctx->args[0];
	__u32 key = (__u32)ctx->args[1];
	void *inner = bpf_map_lookup_elem(&aofm, &slot);
	__u64 *v;

	if (!inner)
		return NO_INNER;
	v = bpf_map_lookup_elem(inner, &key);
	if (!v)
		return NO_KEY;	/* past this instance's max_entries */
	return *v == (__u64)key * 7 + 1 ? SEEN : *v ? BAD_VALUE : NO_KEY;
}

SEC("raw_tp")
int read_lpm(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = (__u32)ctx->args[0];
	struct lpm_key key = { .prefixlen = 32, .addr = (__u32)ctx->args[1] };
	void *inner = bpf_map_lookup_elem(&lpm, &slot);
	__u32 *v;

	if (!inner)
		return NO_INNER;
	v = bpf_map_lookup_elem(inner, &key);
	if (!v)
		return NO_KEY;
	return *v == key.addr * 7 + 1 ? SEEN : BAD_VALUE;
}

char LICENSE[] SEC("license") = "GPL";
