/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The agent container's memory from the plan (pod_memory.c): since Linux
 * 5.11 map memory is charged to the memory cgroup of the process creating
 * the maps, so the container's request and limit must hold it. */
#ifndef MAPSIZE_POD_MEMORY_H
#define MAPSIZE_POD_MEMORY_H

#include <stdint.h>
#include <mapsize/memory.h>

/* The agent process's own memory beside its maps: heap, libbpf and the
 * kernel BTF it parses, event buffers in user space. */
#define POD_MEMORY_AGENT_BYTES (64ULL << 20)

struct pod_memory {
	uint64_t at_load_bytes;		/* the maps at creation */
	uint64_t at_expected_bytes;	/* at their expected entries */
	uint64_t full_bytes;		/* every map at max_entries */
	uint64_t request_bytes;		/* at_expected + agent, rounded up to MiB */
	uint64_t limit_bytes;		/* full + full/8 + agent, rounded up to MiB */
};

/* From the plan's memory totals.  0, or -ERANGE when a sum overflows. */
int pod_memory_from_totals(const struct mapsize_map_memory *total, struct pod_memory *out);

#endif
