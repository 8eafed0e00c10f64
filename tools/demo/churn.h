/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The demo agent's policies: inner maps of policy_filter_maps sized for the
 * cgroups each policy starts with (--cgroups), and --churn, which adds
 * cgroup ids to policy 1 past its size and grows its map through the outer
 * slot (mapsize_inner__check + mapsize_inner__grow) without a failed insert. */
#ifndef MAPSIZE_DEMO_CHURN_H
#define MAPSIZE_DEMO_CHURN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "json.h"
#include <mapsize/bpf.h>

#define DEMO_CHURN_MAX_GROWS 64

/* A policy's cgroup ids: synthetic, unique per policy. */
static inline uint64_t demo_cgroup_id(uint32_t policy, uint64_t i)
{
	return ((uint64_t)policy << 32) | (i + 1);
}

/* Create policy `id`'s inner map sized for `cgroups` entries, fill it and
 * insert it at slot `id` of outer_fd.  The fd, or -errno after printing. */
int demo_policy__create(const struct mapsize_plan *plan, const char *outer, int outer_fd, uint32_t id,
			uint64_t cgroups, const char *name);

struct demo_grow {
	uint64_t live;			/* entries when it grew */
	uint32_t from, to;		/* max_entries */
	uint64_t copied;
	bool batched;
};

struct demo_churn {
	uint32_t policy;
	uint64_t start, added;		/* cgroups before; added by --churn */
	uint64_t failed;		/* inserts the kernel refused */
	struct demo_grow grows[DEMO_CHURN_MAX_GROWS];
	size_t grow_cnt;
	uint32_t final_max_entries;
	uint64_t verified;		/* ids read back through the outer slot */
};

/* Add c->added ids to policy c->policy (whose map fd is *fd, holding
 * c->start), batch by batch, growing the map when mapsize_inner__check()
 * says so; *fd becomes the new map's.  0, or -errno after printing. */
int demo_churn__run(const struct mapsize_plan *plan, const char *outer, int outer_fd, int *fd,
		    struct demo_churn *c);
void demo_churn__print(FILE *out, const struct demo_churn *c);
jv_t *demo_churn__json(const struct demo_churn *c);

#endif
