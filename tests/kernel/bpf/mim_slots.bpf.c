// SPDX-License-Identifier: GPL-2.0
/*
 * Map-in-maps with statically initialised slots (tests/kernel/test_mim.c):
 * libbpf inserts slot_a/slot_b and h_a/h_b into the outer maps at load, and
 * the kernel accepts each only when it equals the inner template (an array
 * of the template's max_entries; the template's flags).  Resizing the
 * template (tables) or changing its preallocation (sets) breaks the object
 * ("failed to initialize slot [0]") unless the slot maps follow.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct inner_arr {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_arr slot_a SEC(".maps"), slot_b SEC(".maps");
/* Equal to the template but in no slot: only the object's ELF relocations
 * tell it apart from slot_a and slot_b. */
struct inner_arr bystander SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_arr);
} arr_slots SEC(".maps") = {
	.values = { [0] = &slot_a, [2] = &slot_b },
};

/* Hash inner maps: the sizes may differ, the flags may not.  Each its own
 * (anonymous) type, as the slot maps of real objects often are. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} h_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} h_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(map_flags, BPF_F_NO_PREALLOC);
		__uint(max_entries, 16);
		__type(key, __u32);
		__type(value, __u64);
	});
} hash_slots SEC(".maps") = {
	.values = { [1] = (void *)&h_a, [5] = (void *)&h_b },
};

SEC("socket")
int count(void *ctx)
{
	__u32 zero = 0, one = 1;
	__u64 *v;
	void *inner;

	inner = bpf_map_lookup_elem(&arr_slots, &zero);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			(*v)++;
	}
	inner = bpf_map_lookup_elem(&hash_slots, &one);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			(*v)++;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
