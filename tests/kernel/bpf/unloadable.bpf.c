// SPDX-License-Identifier: GPL-2.0
/*
 * An object whose programs cannot all load here, for `mapsize verify
 * --maps-only` and `--skip-program` (tests/cli/test_verify.sh):
 *   - run_policy calls cel_expr_0, a kfunc no kernel provides (an agent links
 *     such functions in at run time): libbpf cannot resolve the extern;
 *   - reject_access reads through a number, after enough work that its
 *     verifier log is well over 1 KiB: the verifier refuses it;
 *   - count_calls loads;
 * and maps of several kinds: a hash, an array, an array_of_maps (one inner
 * instance is inserted by verify) and a prog_array statically holding
 * run_policy (libbpf fills the slot after load, so it must stay empty when
 * run_policy is not loaded).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int cel_expr_0(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

struct rule_set {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct rule_set);
} rule_sets SEC(".maps");

int run_policy(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} policies SEC(".maps") = {
	.values = { [0] = (void *)&run_policy },
};

SEC("tracepoint/syscalls/sys_enter_getpid")
int count_calls(void *ctx)
{
	__u32 key = 0;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&calls, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&calls, &key, &one, BPF_NOEXIST);
	if (bpf_map_lookup_elem(&rule_sets, &key))
		bpf_tail_call(ctx, &policies, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int run_policy(void *ctx)
{
	__u32 key = 1;
	__u64 verdict = cel_expr_0();

	bpf_map_update_elem(&verdicts, &key, &verdict, BPF_ANY);
	return 0;
}

#define MIX(x) (x) = (x) * 31 + bpf_get_prandom_u32()

SEC("tracepoint/syscalls/sys_enter_gettid")
int reject_access(void *ctx)
{
	__u64 x = bpf_get_prandom_u32();

	/* about 60 instructions the verifier logs one line each */
	MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x);
	MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x); MIX(x);
	return *(int *)(long)x;		/* a number is not a pointer */
}

char LICENSE[] SEC("license") = "GPL";
