// SPDX-License-Identifier: GPL-2.0
/*
 * An agent that keeps state across restarts in maps pinned by name
 * (LIBBPF_PIN_BY_NAME, as xdp-tools and many agents do), for the pinned-map
 * tests (tests/kernel/test_pins.c, tests/cli/test_pins.sh): libbpf reuses
 * pins_flows at PIN_ROOT/pins_flows when its spec matches, else fails the
 * load; pins_conf is not pinned.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10000);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pins_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pins_conf SEC(".maps");

SEC("socket")
int pins_count(void *ctx)
{
	__u32 k = 0;
	__u64 one = 1, *v = bpf_map_lookup_elem(&pins_flows, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&pins_flows, &k, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
