// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The agent container's memory request and limit from the plan's memory.
 * Request: the maps at their expected entries plus the agent's own memory
 * -- what the pod uses in the steady state, for the scheduler.  Limit: every
 * map full plus an eighth (allocator rounding and per-CPU free lists the
 * model does not count) plus the agent's own memory -- a full map must never
 * get the agent OOM-killed.  Both rounded up to MiB. */
#include <errno.h>

#include "pod_memory.h"

#define MIB (1ULL << 20)

static int add(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -ERANGE : 0;
}

static int round_mib(uint64_t v, uint64_t *out)
{
	if (add(v, MIB - 1, &v))
		return -ERANGE;
	*out = v / MIB * MIB;
	return 0;
}

int pod_memory_from_totals(const struct mapsize_map_memory *total, struct pod_memory *out)
{
	uint64_t v;

	if (!total || !out)
		return -EINVAL;
	out->at_load_bytes = total->memlock_load;
	out->at_expected_bytes = total->memlock_expected;
	out->full_bytes = total->memlock_full;
	if (add(total->memlock_expected, POD_MEMORY_AGENT_BYTES, &v) || round_mib(v, &out->request_bytes))
		return -ERANGE;
	if (add(total->memlock_full, total->memlock_full / 8, &v) || add(v, POD_MEMORY_AGENT_BYTES, &v) ||
	    round_mib(v, &out->limit_bytes))
		return -ERANGE;
	return 0;
}
