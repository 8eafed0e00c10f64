// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `resizable: auto` on a hash rule: an rhash (the kernel grows it up to the
 * cap, max_entries; map_extra the initial size) on targets from 7.2 when no
 * kprobe, tracepoint, perf_event or raw_tracepoint program uses it (the 7.2
 * verifier refuses rhash there), else a no-prealloc hash of the cap. */
#include "internal.h"
#include "plan_ctx.h"

#define TRACING_PROGS (MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_TRACEPOINT | MAPSIZE_USED_BY_PERF_EVENT | \
		       MAPSIZE_USED_BY_RAW_TRACEPOINT)

void plan_resizable(const struct plan_ctx *c, struct rule *r, struct mapsize_plan_map *m)
{
	unsigned int version = c->pl->kernel_version;
	unsigned int since = mapsize_map_type__since(MAPSIZE_MAP_RHASH);

	if (!r->resizable_node)
		return;
	if (version && version < since) {
		m->resizable_reason = "hash: the target kernel predates rhash (Linux 7.2), a no-prealloc hash "
				      "of the cap instead";
	} else if (r->used_by & TRACING_PROGS) {
		m->resizable_reason = "hash: a kprobe, tracepoint, perf_event or raw_tracepoint program uses it "
				      "and the verifier refuses rhash there, a no-prealloc hash of the cap instead";
	} else {
		m->resizable_reason = "rhash: the kernel grows it from the expected entries up to the cap "
				      "(Linux 7.2+, no tracing program uses it)";
		r->type = MAPSIZE_MAP_RHASH;
		return;
	}
	r->prealloc = MAPSIZE_PREALLOC_FALSE;
}
