// SPDX-License-Identifier: GPL-2.0
/*
 * Maps of tests/kernel/test_migrate.c: a hash whose value holds a
 * bpf_spin_lock (migrate copies it with BPF_F_LOCK), and a map pinned by
 * name as an agent pins its state, with a writer program run through
 * BPF_PROG_TEST_RUN (raw_tp context): args[0] 1 = update key args[1] to
 * value args[2], 2 = delete key args[1].
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct lock_val {
	struct bpf_spin_lock lock;
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 150000);
	__type(key, __u32);
	__type(value, struct lock_val);
} mig_lock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 20000);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mig_agent SEC(".maps");

SEC("raw_tp")
int mig_write(__u64 *args)
{
	__u32 key = (__u32)args[1];
	__u64 val = args[2];

	if (args[0] == 1)
		return bpf_map_update_elem(&mig_agent, &key, &val, BPF_ANY) ? 2 : 1;
	if (args[0] == 2)
		return bpf_map_delete_elem(&mig_agent, &key) ? 2 : 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
