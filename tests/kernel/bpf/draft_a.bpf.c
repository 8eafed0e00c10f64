// SPDX-License-Identifier: GPL-2.0
/*
 * For `mapsize rules init` / `rules check` (tests/cli/test_rules_init.sh): an
 * object with one map of most types mapsize sizes, compiled flags a rule
 * names (no_common_lru, mmapable, rdonly_prog), BPF_F_NO_PREALLOC, a flag a
 * rule cannot name (BPF_F_ZERO_SEED), a bloom filter's map_extra, a
 * perf_event_array sized by libbpf (max_entries 0), local storage, a ring
 * buffer each way (ringbuf, user_ringbuf), a map
 * type mapsize does not size (devmap), global data (internal maps), and the
 * map `shared` that draft_b.bpf.o defines identically and draft_c.bpf.o
 * differently.  The draft of it must load unchanged (`mapsize verify`).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

__u64 calls;				/* .bss: internal, never drafted */
const volatile __u32 limit = 3;		/* .rodata */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u64);
	__type(value, __u32);
} grow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED);
	__type(key, __u32);
	__type(value, __u32);
} sparse SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} counters_mm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, __u32);
} conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1000);
	__uint(map_extra, 3);
	__type(value, __u32);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 128);
	__type(value, __u32);
} work SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rb SEC(".maps");

/* user space produces, the program drains: drafted like the ringbuf (6.1+) */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 128 * 1024);
} urb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("socket")
int prog(void *ctx)
{
	__u32 zero = 0, *v;
	__u64 *c;

	calls++;
	c = bpf_map_lookup_elem(&shared, &zero);
	if (c)
		*c += limit;
	v = bpf_map_lookup_elem(&conf, &zero);
	if (v)
		calls += *v;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
