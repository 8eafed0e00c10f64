// SPDX-License-Identifier: GPL-2.0
/*
 * The `maps` section of libbpf < 1.0: an array of struct bpf_map_def, one
 * symbol each.  libbpf 1.x refuses it; object_maps reads it as libbpf 0.x did.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct legacy_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct legacy_map_def SEC("maps") legacy_flows = {
	.type = BPF_MAP_TYPE_LRU_HASH,
	.key_size = 16,
	.value_size = 24,
	.max_entries = 4096,
	.map_flags = BPF_F_NO_COMMON_LRU,
};

SEC("tracepoint/syscalls/sys_enter_getpid")
int count(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
	char fk[16] = {};

	if (v)
		*v += 1;
	bpf_map_lookup_elem(&legacy_flows, fk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
