// SPDX-License-Identifier: GPL-2.0
/*
 * Maps compiled at a placeholder size and resized by their agent at run
 * time (a common pattern: max_entries 1 in the object, the real size set
 * between open and load), for `mapsize report --object`: the compiled 1 is
 * no baseline, the rule's `baseline:` is (tests/cli/test_report.sh).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);			/* resized at run time */
	__type(key, __u32);
	__type(value, __u64);
} sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);		/* compiled at its real size */
	__type(key, __u32);
	__type(value, __u64);
} peers SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int touch(void *ctx)
{
	__u32 k = 0;
	__u64 v = 1;

	bpf_map_update_elem(&sessions, &k, &v, BPF_ANY);
	bpf_map_update_elem(&peers, &k, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
