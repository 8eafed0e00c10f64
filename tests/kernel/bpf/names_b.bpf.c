// SPDX-License-Identifier: GPL-2.0
/*
 * Full names (tests/cli/test_names.sh), object B: a map of the same full name
 * as object A's nmt_agent_events_table, 128 entries, used by another program
 * (nmt_events_writer_beta: the kernel keeps "nmt_events_writ" of it and of
 * object A's nmt_events_writer_alpha).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} nmt_agent_events_table SEC(".maps");

SEC("socket")
int nmt_events_writer_beta(void *ctx)
{
	__u32 k = 0;
	__u64 v = 1;

	bpf_map_update_elem(&nmt_agent_events_table, &k, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
