// SPDX-License-Identifier: GPL-2.0
/*
 * A map-in-map whose inner value holds a referenced kptr (tests/kernel/
 * test_mim.c): like bpf_spin_lock and bpf_timer, the kernel knows a kptr
 * field only from the map's BTF, so apply's replacement template and every
 * instance must carry the object's BTF.  The `kptr` BTF type tag needs
 * clang >= 15 (kernel.mk builds this object with clang-16/15 when present;
 * with clang 14 the tag is missing and the test says so and skips).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define __kptr __attribute__((btf_type_tag("kptr")))

/* The kernel resolves the kptr's target by name in vmlinux BTF. */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

extern void bpf_task_release(struct task_struct *p) __ksym;

struct kptr_val {
	struct task_struct __kptr *task;
	__u64 swaps;
};

/* Makes clang emit the inner value type in full (see mim_btf.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kptr_val);
} value_types SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, struct kptr_val);
	});
} kptrs SEC(".maps");

/* Swap the kptr of inner value 0 out (a kfunc releases what was there):
 * the verifier accepts bpf_kptr_xchg() only on a kptr field of the map's
 * BTF record. */
SEC("syscall")
int swap_kptr(void *ctx)
{
	__u32 zero = 0;
	struct task_struct *old;
	struct kptr_val *v;
	void *inner;

	inner = bpf_map_lookup_elem(&kptrs, &zero);
	if (!inner)
		return 1;
	v = bpf_map_lookup_elem(inner, &zero);
	if (!v)
		return 2;
	old = bpf_kptr_xchg(&v->task, NULL);
	if (old)
		bpf_task_release(old);
	v->swaps++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
