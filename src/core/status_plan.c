// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The live state against this node's plan: a verdict per managed map and
 * the dimension value that would fit the live load.  Pure: re-planning is
 * the caller's callback (the planner is built from the caller's options). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mapsize/status.h>
#include "internal.h"

static const char *const verdict_names[] = { "ok", "undersized", "oversized", "unknown" };

const char *mapsize_verdict__name(enum mapsize_verdict v)
{
	return (unsigned int)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : NULL;
}

enum mapsize_verdict mapsize_live_map__verdict(const struct mapsize_live_map *live,
					       const struct mapsize_plan_map *planned, double warn)
{
	double ratio;

	if (!live || !planned || !live->has_entries)
		return MAPSIZE_VERDICT_UNKNOWN;
	if (live->entries > planned->expected_entries ||
	    (mapsize_live_map__fill_ratio(live, &ratio) && ratio >= warn) || mapsize_live_map__failures(live))
		return MAPSIZE_VERDICT_UNDERSIZED;
	/* Below an eighth of what the plan expects: three powers of two of
	 * headroom, worth a smaller profile. */
	if (live->entries < planned->expected_entries / 8)
		return MAPSIZE_VERDICT_OVERSIZED;
	return MAPSIZE_VERDICT_OK;
}

struct fit_ctx {
	mapsize_replan_fn replan;
	void *ctx;
	const char *dim, *map;
	uint64_t live;
	double warn;
};

/* 1 when the plan with dim = value holds `live` entries with room below
 * the warning level, 0 when not, negative errno when re-planning failed. */
static int fits(const struct fit_ctx *f, uint64_t value)
{
	struct mapsize_plan_map pm;
	int ret = f->replan(f->ctx, f->dim, value, f->map, &pm);

	if (ret)
		return ret;
	return pm.expected_entries >= f->live && (double)f->live < f->warn * (double)pm.max_entries;
}

/* needed rounded up to a quarter of its power of two: 45,000 -> 49,152. */
static uint64_t round_quarter(uint64_t needed)
{
	uint64_t p = 1, step;

	while (p <= needed / 2)
		p *= 2;
	step = p >= 4 ? p / 4 : 1;
	if (needed > UINT64_MAX - step)
		return needed;
	return (needed + step - 1) / step * step;
}

int mapsize_plan__fit_dimension(const struct mapsize_plan *plan, const char *map, uint64_t live,
				double warn, mapsize_replan_fn replan, void *ctx, struct mapsize_fit *fit)
{
	const struct mapsize_plan_map *pm = mapsize_plan__find(plan, map);
	struct fit_ctx f = { .replan = replan, .ctx = ctx, .map = map, .live = live, .warn = warn };
	uint64_t value = 0, lo, hi;
	int ret;

	if (!pm || !replan || !STRUCT_VALID(fit, mapsize_fit))
		return -EINVAL;
	struct_out_reset(fit);
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan) && !f.dim; i++) {
		const char *name = mapsize_plan__dim(plan, i, &value);
		struct mapsize_plan_map moved;

		if (value >= UINT64_MAX / 4)
			continue;
		ret = replan(ctx, name, value ? value * 2 : 1, map, &moved);
		if (ret)
			return ret;
		if (moved.expected_entries != pm->expected_entries)
			f.dim = name;
	}
	if (!f.dim)
		return -ENOENT;
	mapsize_plan__dim_value(plan, f.dim, &value);
	snprintf(fit->dimension, sizeof(fit->dimension), "%s", f.dim);
	fit->current = value;
	/* The smallest value that fits, by bisection over a bracket [lo, hi]
	 * with fits(hi) and !fits(lo - 1) (the plan is monotone in a dimension). */
	ret = fits(&f, value ? value : 1);
	if (ret < 0)
		return ret;
	if (ret) {			/* fits already: how far down can it go? */
		lo = 1;
		hi = value ? value : 1;
	} else {			/* grow until it fits */
		lo = value + 1;
		hi = value ? value : 1;
		do {
			if (hi > UINT64_MAX / 2)
				return -ERANGE;
			hi *= 2;
			ret = fits(&f, hi);
			if (ret < 0)
				return ret;
		} while (!ret);
	}
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		ret = fits(&f, mid);
		if (ret < 0)
			return ret;
		if (ret)
			hi = mid;
		else
			lo = mid + 1;
	}
	fit->needed = hi;
	fit->suggested = round_quarter(hi);
	return 0;
}
