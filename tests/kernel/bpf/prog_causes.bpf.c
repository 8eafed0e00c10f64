// SPDX-License-Identifier: GPL-2.0
/*
 * One program per reason a program does not load, for mapsize verify's
 * per-program causes (issue 17 item 4, tests/cli/test_verify.sh):
 *   - on_unlink: fentry on a function every kernel's BTF has (a kernel that
 *     refuses tracing programs refuses it: type_refused; others load it);
 *   - on_ghost: fentry on a function no kernel has (attach_target: libbpf
 *     finds no BTF for it before asking the kernel);
 *   - on_multi: an uprobe.multi section (unknown_section before libbpf 1.2);
 *   - run_kfunc: calls a kfunc no kernel provides (extern);
 *   - reject_read: reads through a number (verifier);
 *   - count_getpid: loads everywhere.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int mapsize_no_such_kfunc(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} cause_hits SEC(".maps");

static void hit(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&cause_hits, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
	hit(0);
	return 0;
}

SEC("fentry/do_unlinkat")
int on_unlink(void *ctx)
{
	hit(1);
	return 0;
}

SEC("fentry/mapsize_no_such_function")
int on_ghost(void *ctx)
{
	hit(2);
	return 0;
}

SEC("uprobe.multi//proc/self/exe:main")
int on_multi(void *ctx)
{
	hit(3);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int run_kfunc(void *ctx)
{
	hit(mapsize_no_such_kfunc());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_gettid")
int reject_read(void *ctx)
{
	__u64 x = bpf_get_prandom_u32();

	return *(int *)(long)x;		/* a number is not a pointer */
}

char LICENSE[] SEC("license") = "GPL";
