// SPDX-License-Identifier: GPL-2.0
/*
 * An object that needs linking before libbpf can open it: cel_expr_0 is a
 * plain extern function, meant to come from another object (bpftool gen
 * object).  libbpf refuses it at open with -ENOENT ("failed to find BTF for
 * extern"); mapsize verify must say that, not "No such file or directory"
 * (tests/cli/test_verify.sh).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int cel_expr_0(void);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int run_policy(void *ctx)
{
	__u32 key = 0;
	__u64 verdict = cel_expr_0();

	bpf_map_update_elem(&verdicts, &key, &verdict, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
