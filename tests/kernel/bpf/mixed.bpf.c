// SPDX-License-Identifier: GPL-2.0
/*
 * A libbpf-style object NOT written for mapsize, for the live-kernel tests
 * (tests/kernel/test_apply.c, tests/cli/test_verify.sh): global data
 * (.rodata, .data, .bss maps that libbpf creates itself), a plain hash map,
 * a map without any rule, an array_of_maps whose inner template is an array
 * (the kernel requires an inner array's max_entries to equal the template's,
 * so inserting an instance proves the template was resized) and a
 * hash_of_maps whose inner template carries BPF_F_NO_PREALLOC.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 cfg_limit = 7;	/* .rodata */
__u32 seed = 42;			/* .data */
__u64 hits;				/* .bss */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

/* No rule in any rules file: must keep its compiled size. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} unruled SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_array);
} tables SEC(".maps");

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_hash);
} sets SEC(".maps");

SEC("socket")
int count_packets(void *ctx)
{
	__u32 zero = 0, *slot;
	__u64 init = 1, *cnt;
	void *inner;

	hits++;
	cnt = bpf_map_lookup_elem(&flows, &zero);
	if (cnt)
		*cnt += cfg_limit + seed;
	else
		bpf_map_update_elem(&flows, &zero, &init, BPF_NOEXIST);
	cnt = bpf_map_lookup_elem(&unruled, &zero);
	if (cnt)
		(*cnt)++;
	inner = bpf_map_lookup_elem(&tables, &zero);
	if (inner) {
		slot = bpf_map_lookup_elem(inner, &zero);
		if (slot)
			(*slot)++;
	}
	inner = bpf_map_lookup_elem(&sets, &zero);
	if (inner && bpf_map_lookup_elem(inner, &zero))
		hits += 2;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
