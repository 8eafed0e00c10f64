// SPDX-License-Identifier: GPL-2.0
/*
 * A hash map for `resizable: auto` (tests/kernel/rhashfill.c under qemu on
 * 7.2/7.3): compiled as a small preallocated hash; mapsize_plan__apply()
 * turns it into an rhash and a socket filter (a program type the 7.2
 * verifier lets use rhash) inserts into it.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, __u64);
} grow SEC(".maps");

SEC("socket")
int rh_insert(struct __sk_buff *skb)
{
	__u32 key = 1;
	__u64 value = 7;

	return bpf_map_update_elem(&grow, &key, &value, BPF_NOEXIST);
}

char LICENSE[] SEC("license") = "GPL";
