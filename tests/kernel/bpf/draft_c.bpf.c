// SPDX-License-Identifier: GPL-2.0
/*
 * For `mapsize rules init` (tests/cli/test_rules_init.sh): `shared` with
 * another value size than in draft_a.bpf.o, so drafting both is a conflict.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} shared SEC(".maps");

SEC("socket")
int prog_c(void *ctx)
{
	__u32 zero = 0, *c = bpf_map_lookup_elem(&shared, &zero);

	if (c)
		(*c)++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
