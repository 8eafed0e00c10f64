// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One pass over every BPF map on the machine: for each map, its id and the
 * kernel's own element count, bpf_map_sum_elem_count() (6.6+; the per-CPU
 * counters the hash family keeps on insert, delete and LRU eviction; 0 for
 * types that keep none).  No element is touched: O(possible CPUs) per map.
 *
 * CO-RE without vmlinux.h: the two kernel structs are declared with only
 * the fields we read, and libbpf relocates them against the running
 * kernel's BTF at load.  Embedded in libmapsize through a bpftool skeleton.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* One record per map, read by src/kernel/status_kfunc.c. */
struct mapsize_map_count {
	__u32 id;
	__u32 reserved;
	__s64 count;
};

SEC("iter/bpf_map")
int mapsize_map_count(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	struct mapsize_map_count rec = { 0 };

	if (!map)		/* the end of the walk */
		return 0;
	rec.id = map->id;
	rec.count = bpf_map_sum_elem_count(map);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
