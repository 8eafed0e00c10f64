// SPDX-License-Identifier: GPL-2.0
/*
 * A program calling an extern function its agent links in at run time:
 * libbpf's open fails ("failed to find BTF for extern ..."), the maps are
 * still readable from the ELF and BTF (tests/kernel/test_object_maps.c).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int agent_classify(__u32 pid) __attribute__((weak));
extern int agent_score(__u64 cookie);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} ext_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} ext_events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int classify(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 v = agent_score(pid);

	bpf_map_update_elem(&ext_seen, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
