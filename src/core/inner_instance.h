/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Inner map instances sized per instance: the `instance:` rule key, the
 * kernel rule deciding whether an instance may differ from its template,
 * and the sizing formula (src/core/inner_instance.c).  Shared by the
 * rules parser, the planner and the kernel side (src/kernel/inner_grow.c). */
#ifndef MAPSIZE_INNER_INSTANCE_H
#define MAPSIZE_INNER_INSTANCE_H

#include "plan_ctx.h"

#define INSTANCE_HEADROOM_DEFAULT_MILLI 2000

/* yhandler of a rule's `instance:` key. */
int rule_instance_parse(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			void *obj, size_t off);
/* After every rule is parsed: `instance:` only on inner rules of types
 * whose max_entries counts entries. */
int rules_check_instances(const struct ywalk *w, const struct mapsize_rules *rules);
void rule_instance_release(struct rule_instance *ri);

/* Plan the instance sizing of rule r (plan map m, index idx). */
int plan_inner_instance(struct plan_ctx *c, const struct rule *r, const struct mapsize_plan_map *m,
			size_t idx);

/* Does kernel `version` (0 = newest) insert an inner map of `type` and
 * `flags` whose max_entries differs from the template's?  *why says why. */
bool inner_instance_allowed(enum mapsize_map_type type, uint32_t flags, unsigned int version,
			    const char **why);

/* The plan's sizing of outer's inner rule (NULL: no such rule) and its map. */
const struct plan_instance *plan_instance_find(const struct mapsize_plan *plan, const char *outer,
					       const struct mapsize_plan_map **pm);
/* clamp(round(headroom * live), min, max). */
uint32_t plan_instance_entries(const struct plan_instance *pi, uint64_t live);

#endif
