// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* max_entries and expected entries of every map: the rule's expression or
 * an override, then the type rules.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

/* ---- max_entries -------------------------------------------------------------------- */

static uint64_t pow2_floor(uint64_t v)
{
	return v ? 1ULL << (63 - __builtin_clzll(v)) : 0;
}

static const struct src_expr *max_entries_source(struct plan_ctx *c, const struct rule *r)
{
	const struct src_expr *se = r->max_entries.expr ? &r->max_entries : NULL;

	if (c->ovr[r - c->rules->rules].max_entries)
		se = c->ovr[r - c->rules->rules].max_entries;
	if (c->ovr[r - c->rules->rules].set_max_entries)
		se = c->ovr[r - c->rules->rules].set_max_entries;
	return se;
}

int plan_size_map(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m)
{
	const struct map_type_info *ti = map_type_info(r->type);
	const struct src_expr *se = max_entries_source(c, r);
	uint64_t v = 0, lo = 0, hi = UINT64_MAX;
	char msg[256];
	int ret;

	if (se) {
		ret = plan_eval(c, se, r->name, "max_entries", &v);
		if (ret)
			return ret;
		/* the memory budget scales the rule's own expression, before min/max/round */
		if (c->budget_k && se == &r->max_entries)
			v = plan_budget_scale(c, r, v);
	}
	if (ti->zero_max_entries) {
		if (v)
			return plan_value_error(c, se, r->name, "max_entries evaluates to %llu, expected 0 for %s "
					   "maps (storage lives with the object)",
					   (unsigned long long)v, ti->name);
		m->max_entries = 0;
		m->expected_entries = 0;
		return 0;
	}
	if (r->min.expr && (ret = plan_eval(c, &r->min, r->name, "min", &lo)))
		return ret;
	if (r->max.expr && (ret = plan_eval(c, &r->max, r->name, "max", &hi)))
		return ret;
	if (lo > hi)
		return plan_value_error(c, &r->min, r->name, "min %llu is above max %llu, expected min <= max",
				   (unsigned long long)lo, (unsigned long long)hi);
	/* A per-map override (profile or --set) is taken as written: the
	 * operator chose that number, so min/max/round only shape the rule's
	 * own expression.  Say so when it leaves the rule's bounds. */
	if (se && se != &r->max_entries) {
		if (v < lo || v > hi)
			plan_warn(c, "map '%s': max_entries %llu from %s is outside the rule's bounds "
			     "[%llu, %llu]; using it as given", r->name, (unsigned long long)v,
			     se->origin ? se->origin : se->file, (unsigned long long)lo,
			     (unsigned long long)hi);
	} else if (se && (r->min.expr || r->max.expr)) {
		v = v < lo ? lo : v > hi ? hi : v;
	}
	if (r->round_pow2 && v && (!se || se == &r->max_entries)) {
		uint64_t p = pow2_floor(v);

		if (p != v)
			p = p << 1 ? p << 1 : p; /* 2^63 cannot double */
		if (p < v || p > hi)
			p = pow2_floor(hi);	/* honour max: largest power of two below it */
		if (p < lo)	/* no power of two in [min, max]: say so rather than go below min */
			return plan_value_error(c, r->max.expr ? &r->max : &r->min, r->name,
					   "round: pow2 finds no power of two between "
					   "min %llu and max %llu, expected a range that holds one",
					   (unsigned long long)lo, (unsigned long long)hi);
		v = p;
	}
	if (v > UINT32_MAX)
		return plan_value_error(c, se, r->name, "max_entries evaluates to %llu, which does not fit "
				   "max_entries (at most 4294967295)", (unsigned long long)v);
	if (!v && r->type != MAPSIZE_MAP_PERF_EVENT_ARRAY)
		return plan_value_error(c, se ? se : &r->max_entries, r->name,
				   "max_entries evaluates to 0, expected at least 1 for a %s map", ti->name);
	if (map_max_entries_refused(r->type, v, c->pl->kernel_version, msg, sizeof(msg)))
		return plan_value_error(c, se, r->name, "%s", msg);	/* map_limits.c */
	if (map_type_is_ringbuf(r->type) && ((v & (v - 1)) || v % 4096))
		return plan_value_error(c, se, r->name, "%s size %llu bytes is not a power of two multiple "
				   "of the 4096-byte page size, expected e.g. %llu (add 'round: pow2')",
				   ti->name, (unsigned long long)v,
				   (unsigned long long)(v < 4096 ? 4096 : pow2_floor(v) << 1));
	m->max_entries = (uint32_t)v;
	m->expected_entries = v;
	if (r->expected.expr) {
		ret = plan_eval(c, &r->expected, r->name, "expected", &m->expected_entries);
		if (ret)
			return ret;
		if (m->expected_entries > v && !map_type_is_ringbuf(r->type))
			plan_warn(c, "map '%s': expected entries %llu exceed max_entries %u: the map will fill up "
			     "(updates fail with E2BIG%s)", r->name, (unsigned long long)m->expected_entries,
			     m->max_entries, map_type_has(r->type, MAPSIZE_TRAIT_LRU) ? ", or LRU evicts live entries" : "");
	}
	if (r->type == MAPSIZE_MAP_RHASH) {
		/* map_extra: the initial size, which the kernel refuses above
		 * the cap (EINVAL); the expected entries unless `initial:` says */
		uint64_t initial = m->expected_entries;

		if (r->initial.expr) {
			ret = plan_eval(c, &r->initial, r->name, "initial", &initial);
			if (ret)
				return ret;
			if (initial > v)
				return plan_value_error(c, &r->initial, r->name, "initial evaluates to %llu, above "
							"max_entries %llu (the kernel says EINVAL), expected at most "
							"max_entries", (unsigned long long)initial,
							(unsigned long long)v);
		}
		m->map_extra = initial < v ? initial : v;
	}
	return 0;
}
