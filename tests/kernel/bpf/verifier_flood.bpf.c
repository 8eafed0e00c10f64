// SPDX-License-Identifier: GPL-2.0
/*
 * A program the verifier refuses after walking a 30,000-iteration loop: its
 * log (libbpf asks for log level 1, one line per instruction walked) is
 * several MiB, and the deciding line, "invalid mem access", is the last.
 * For mapsize verify's whole-message libbpf log, cut at 1 MiB
 * (tests/cli/test_verify.sh).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sums SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int flood(void *ctx)
{
	__u64 sum = 0;

	for (int i = 0; i < 30000; i++)
		sum += bpf_get_prandom_u32();
	return *(int *)(long)sum;	/* a number is not a pointer */
}

char LICENSE[] SEC("license") = "GPL";
