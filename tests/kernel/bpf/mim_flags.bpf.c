// SPDX-License-Identifier: GPL-2.0
/*
 * Map-in-maps whose inner templates carry compiled flags the rules do not
 * name (tests/kernel/test_mim.c): BPF_F_INNER_MAP on an inner array (so
 * instances of any size fit) and BPF_F_NO_COMMON_LRU on an inner LRU hash.
 * The kernel inserts a map only when its flags equal the template's, so the
 * instances mapsize_plan__create_inner_map() makes must carry them too.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(map_flags, BPF_F_INNER_MAP);
		__uint(max_entries, 1);
		__type(key, __u32);
		__type(value, __u64);
	});
} dyn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_LRU_HASH);
		__uint(map_flags, BPF_F_NO_COMMON_LRU);
		__uint(max_entries, 64);
		__type(key, __u32);
		__type(value, __u64);
	});
} lrus SEC(".maps");

SEC("socket")
int count(void *ctx)
{
	__u32 zero = 0;
	__u64 *v;
	void *inner;

	inner = bpf_map_lookup_elem(&dyn, &zero);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			(*v)++;
	}
	inner = bpf_map_lookup_elem(&lrus, &zero);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			(*v)++;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
