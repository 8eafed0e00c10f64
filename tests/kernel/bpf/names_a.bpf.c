// SPDX-License-Identifier: GPL-2.0
/*
 * Full names (tests/cli/test_names.sh), object A: two maps whose names share
 * their first 15 bytes ("nmt_shared_pref", all the kernel keeps), told apart
 * by the BTF libbpf gives them; and nmt_agent_events_table, which object B
 * has too (64 entries here, 128 there: the series show which is which),
 * used by programs whose names share their first 15 bytes too.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} nmt_shared_prefix_alpha SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u32);
} nmt_shared_prefix_beta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} nmt_agent_events_table SEC(".maps");

SEC("socket")
int nmt_events_writer_alpha(void *ctx)
{
	__u32 k = 0, v32 = 1;
	__u64 v64 = 1;

	bpf_map_update_elem(&nmt_shared_prefix_alpha, &k, &v64, BPF_ANY);
	bpf_map_update_elem(&nmt_shared_prefix_beta, &k, &v32, BPF_ANY);
	bpf_map_update_elem(&nmt_agent_events_table, &k, &v64, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
