// SPDX-License-Identifier: GPL-2.0
/*
 * Per-map `maps/NAME` sections, one struct bpf_map_def each, with gobpf's
 * pinning and namespace fields after it (as opensnitch's objects): libbpf
 * 1.x refuses them ("bad map relo"), object_maps reads them.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct gobpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
	unsigned int pinning;
	char namespace[256];
};

struct gobpf_map_def SEC("maps/conn-track") conn_track = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = 12,
	.value_size = 40,
	.max_entries = 12001,
	.map_flags = BPF_F_NO_PREALLOC,
	.pinning = 2,
};

struct gobpf_map_def SEC("maps/proc_events") proc_events = {
	.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	.key_size = sizeof(int),
	.value_size = sizeof(__u32),
	.max_entries = 256,
};

SEC("kprobe/tcp_v4_connect")
int track(void *ctx)
{
	__u32 k[3] = {};
	void *v = bpf_map_lookup_elem(&conn_track, k);

	if (v)
		bpf_perf_event_output(ctx, &proc_events, BPF_F_CURRENT_CPU, k, sizeof(k));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0xFFFFFFFE;
