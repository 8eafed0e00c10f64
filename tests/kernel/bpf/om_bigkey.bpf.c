// SPDX-License-Identifier: GPL-2.0
/*
 * A hash of maps whose inner template is a hash with a 4,098-byte key (as
 * security agents use for paths), two statically initialised slots, and a
 * prog array with a static slot: object_maps' `values` and .rel.maps
 * parsing (tests/kernel/test_object_maps.c).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct path_key {
	char path[4098];
};

struct inner_paths {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct path_key);
	__type(value, __u32);
};

struct inner_paths paths_a SEC(".maps"), paths_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_paths);
} path_sets SEC(".maps") = {
	.values = { [1] = &paths_a, [5] = &paths_b },
};

SEC("tracepoint/syscalls/sys_enter_getpid")
int tail(void *ctx)
{
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [2] = (void *)&tail },
};

SEC("tracepoint/syscalls/sys_enter_getppid")
int lookup(void *ctx)
{
	__u32 k = 1;
	void *inner = bpf_map_lookup_elem(&path_sets, &k);

	if (inner) {
		static struct path_key pk;

		bpf_map_lookup_elem(inner, &pk);
	}
	bpf_tail_call(ctx, &jumps, 2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
