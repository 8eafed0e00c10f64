// SPDX-License-Identifier: GPL-2.0
/*
 * Maps used from programs that needed preallocated hash maps before Linux
 * 6.1 (tests/kernel/test_mim.c): a sleepable syscall program ("Sleepable
 * programs can only use preallocated maps") and a perf_event program
 * reaching a hash through a hash_of_maps ("perf_event programs can only use
 * preallocated inner hash map").  Planned for a 6.0 target they stay
 * preallocated; for this kernel they need not.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} sleepy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 1024);
		__type(key, __u32);
		__type(value, __u64);
	});
} samples SEC(".maps");

SEC("syscall")
int remember(void *ctx)
{
	__u32 key = 1;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&sleepy, &key);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&sleepy, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("perf_event")
int sample(void *ctx)
{
	__u32 zero = 0;
	__u64 *v;
	void *inner = bpf_map_lookup_elem(&samples, &zero);

	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			(*v)++;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
