// SPDX-License-Identifier: GPL-2.0
/*
 * For `mapsize rules init` with several objects (tests/cli/test_rules_init.sh):
 * `shared` exactly as draft_a.bpf.o defines it (merged into one rule), `grow`
 * with a smaller max_entries (merged: the largest kept, with a warning), and
 * a map of its own.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u64);
	__type(value, __u32);
} grow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} only_b SEC(".maps");

SEC("socket")
int prog_b(void *ctx)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&shared, &zero);

	if (c)
		(*c)++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
