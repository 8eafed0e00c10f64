// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status --rules`: this node's plan beside the live maps.  Per
 * managed map: did the agent apply the plan (max_entries, flags), how the
 * live load compares with the expected one, and which --set would fit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_status.h"

bool status_name_matches(const struct mapsize_live_map *m, const char *full_name)
{
	/* the library resolved the full name (BTF, pin path) unless it says
	 * it has only the kernel's 15 bytes */
	if (!m->name_truncated)
		return !strcmp(m->name, full_name);
	return !strncmp(m->name, full_name, 15) && strlen(full_name) >= 15;
}

/* Re-planning for mapsize_plan__fit_dimension() and recommend: the same
 * options plus one more --set. */
int status_replan(void *arg, const char *dim, uint64_t value, const char *map, struct mapsize_plan_map *out)
{
	const struct replan_ctx *rc = arg;
	struct plan_options po = *rc->po;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	struct mapsize_error err;
	const struct mapsize_plan_map *pm;
	char set[96];
	int ret = -ENOENT;

	if (po.set_cnt >= PLAN_OPTIONS_MAX)
		return -E2BIG;
	snprintf(set, sizeof(set), "%s=%llu", dim, (unsigned long long)value);
	po.sets[po.set_cnt++] = set;
	pl = plan_options__planner(&po, rc->node, &err);
	if (!pl)
		return err.code ? err.code : -EINVAL;
	plan = mapsize_planner__plan(pl, rc->rules);
	pm = plan ? mapsize_plan__find(plan, map) : NULL;
	if (pm) {
		*out = *pm;
		out->name = NULL;	/* points into the plan freed below */
		out->prealloc_reason = NULL;
		out->inner_of = NULL;
		ret = 0;
	} else if (!plan) {
		ret = -EINVAL;		/* e.g. the new value breaks a rule's check */
	}
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	return ret;
}

int status_checks_build(const struct plan_options *po, const struct mapsize_rules *rules, const struct mapsize_node *node,
			const struct mapsize_plan *plan, const struct mapsize_status *st, double warn,
			struct status_check **checks, size_t *cnt)
{
	struct replan_ctx rc = { .po = po, .node = node, .rules = rules };
	struct status_check *out = calloc(mapsize_plan__map_cnt(plan) + 1, sizeof(*out));
	size_t n = 0;

	if (!out) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		struct status_check *c = &out[n];

		if (pm->inner_of)
			continue;	/* inner instances are created at run time, under other names */
		c->planned = pm;
		for (size_t j = 0; j < mapsize_status__map_cnt(st) && !c->live; j++) {
			const struct mapsize_live_map *m = mapsize_status__map(st, j);

			if (status_name_matches(m, pm->name) && mapsize_map_type__bpf_type(pm->type) == m->bpf_type)
				c->live = m;
		}
		n++;
		if (!c->live)
			continue;
		/* perf_event_array's 0 means one per CPU: the kernel stores the count */
		c->max_entries_match = pm->max_entries == c->live->max_entries || !pm->max_entries;
		c->flags_match = (c->live->map_flags & pm->map_flags) == pm->map_flags &&
				 (c->live->map_flags & MAPSIZE_F_NO_PREALLOC) == (pm->map_flags & MAPSIZE_F_NO_PREALLOC);
		c->verdict = mapsize_live_map__verdict(c->live, pm, warn);
		/* The load the map must hold: what it holds plus what it already
		 * refused (a full map's entries alone understate the demand). */
		c->demand = c->live->entries + mapsize_live_map__failures(c->live);
		if (c->demand && (c->verdict == MAPSIZE_VERDICT_UNDERSIZED || c->verdict == MAPSIZE_VERDICT_OVERSIZED)) {
			c->fit.sz = sizeof(c->fit);
			c->fit_ret = mapsize_plan__fit_dimension(plan, pm->name, c->demand, warn, status_replan, &rc, &c->fit);
			c->has_fit = !c->fit_ret;
		}
	}
	*checks = out;
	*cnt = n;
	return 0;
}
