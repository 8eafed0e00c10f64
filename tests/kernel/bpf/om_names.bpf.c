// SPDX-License-Identifier: GPL-2.0
/*
 * Names and the rarer attributes: two maps sharing their first 15 bytes
 * (the kernel keeps 15), maps compiled at max_entries 1 (sized by the agent
 * at run time), numa_node, map_extra (bloom filter hashes), pinning by name,
 * key_size/value_size instead of types, and global data (.data, .rodata,
 * .bss).  object_maps must give full names and every field as libbpf does.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);			/* resized at run time */
	__type(key, __u64);
	__type(value, __u32);
} tg_execve_joined_by_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);			/* resized at run time */
	__type(key, __u64);
	__type(value, __u64);
} tg_execve_joined_by_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, 4);
	__uint(value_size, 48);
	__uint(numa_node, 0);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1000);
	__type(value, __u32);
	__uint(map_extra, 5);
} seen_bloom SEC(".maps");

volatile const __u32 cfg_mode = 1;
__u64 hits = 0;
__u64 misses;

SEC("tracepoint/syscalls/sys_enter_getpid")
int touch(void *ctx)
{
	__u64 k = 0;
	__u32 v = cfg_mode;
	__u64 c = 0;

	bpf_map_update_elem(&tg_execve_joined_by_pid, &k, &v, BPF_ANY);
	bpf_map_update_elem(&tg_execve_joined_by_cgroup, &k, &c, BPF_ANY);
	bpf_map_lookup_elem(&pinned_cfg, &v);
	bpf_map_push_elem(&seen_bloom, &v, 0);
	hits++;
	misses++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
