/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the planner's files share while one plan is built: plan_dims.c
 * (dimensions, expression evaluation, warnings), plan_size.c (max_entries),
 * plan_prealloc.c (preallocation), plan.c (the plan and its accessors). */
#ifndef MAPSIZE_PLAN_CTX_H
#define MAPSIZE_PLAN_CTX_H

#include "planner.h"

/* prealloc: auto picks BPF_F_NO_PREALLOC when the expected entries are at
 * most a quarter of max_entries.  A full no-prealloc hash costs about the
 * same memlock as a preallocated one but 5-26% more real memory (slab
 * rounding) and pays an allocation per insert, so switching only pays when
 * the map is expected to stay mostly empty: at 1/4 it saves >= ~65%. */
#define AUTO_NO_PREALLOC_NUM 1
#define AUTO_NO_PREALLOC_DEN 4

/* The override files' and then --set's last word on one rule (NULL: none). */
struct rule_ovr {
	const struct src_expr *max_entries;
	const struct profile_map *prealloc;
	const struct profile *prealloc_profile;
	const struct src_expr *set_max_entries;
	const struct set_entry *set_prealloc;
};

struct plan_ctx {
	struct mapsize_planner *pl;
	const struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	struct mapsize_error *err;
	struct rule_ovr *ovr;		/* per rule, filled by index_overrides() */
	const uint64_t *budget_k;	/* scale expression-sized maps by k / 2^32; NULL: no */
	bool quiet;			/* a trial plan of the budget search: keep warnings, log none */
};

struct plan_dim *plan_dim_find(const struct mapsize_plan *plan, const char *name, size_t len);
int plan_resolve_dims(struct plan_ctx *c, const struct profile *base);
int plan_eval(struct plan_ctx *c, const struct src_expr *se, const char *map, const char *field,
	      uint64_t *out);
int plan_value_error(struct plan_ctx *c, const struct src_expr *se, const char *map,
		     const char *fmt, ...) __printf(4, 5);
void plan_warn(struct plan_ctx *c, const char *fmt, ...) __printf(2, 3);
int plan_size_map(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m);
void plan_resizable(const struct plan_ctx *c, struct rule *r, struct mapsize_plan_map *m);
int plan_decide_prealloc(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m);
int plan_apply_lists(struct plan_ctx *c);
/* One plan from the layers; budget_k as in plan_ctx. */
struct mapsize_plan *plan_build(struct mapsize_planner *pl, const struct mapsize_rules *rules,
				const uint64_t *budget_k, bool quiet);
/* plan_budget.c: the budget's text, checked (mapsize_planner__new); the plan
 * under the budget (mapsize_planner__plan); an expression's value scaled
 * (plan_size_map); the planner's budget state released. */
int plan_budget_parse(struct mapsize_planner *pl, const char *text,
		      const struct mapsize_memory_opts *mo);
struct mapsize_plan *plan_budgeted(struct mapsize_planner *pl, const struct mapsize_rules *rules);
uint64_t plan_budget_scale(const struct plan_ctx *c, const struct rule *r, uint64_t v);

#endif
