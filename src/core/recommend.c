// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* From observed fill to max_entries and the dimension that produces it
 * (`mapsize recommend`).  Pure computation: the plan is redone through the
 * caller's replan callback, so min/max/round and every override apply
 * exactly as `mapsize plan` applies them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "recommend.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t recommend_percentile(uint64_t *v, size_t n, double pct)
{
	double rank;
	size_t idx;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	rank = ceil(pct / 100.0 * (double)n);	/* nearest rank: 1-based */
	idx = rank < 1 ? 0 : (size_t)rank - 1;
	return v[idx < n ? idx : n - 1];
}

size_t recommend_percentile_index(const uint64_t *v, size_t n, double pct)
{
	double rank;
	size_t want, best = 0;

	if (!n)
		return 0;
	rank = ceil(pct / 100.0 * (double)n);
	want = rank < 1 ? 0 : (size_t)rank - 1;
	want = want < n ? want : n - 1;
	/* the element with exactly `want` values before it in sorted order
	 * (values below it, then equal ones ahead of it in v) */
	for (size_t i = 0; i < n; i++) {
		size_t below = 0, equal_before = 0;

		for (size_t j = 0; j < n; j++) {
			below += v[j] < v[i];
			equal_before += j < i && v[j] == v[i];
		}
		if (below + equal_before == want) {
			best = i;
			break;
		}
	}
	return best;
}

uint64_t recommend_counter_increase(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

bool recommend_is_leak(const uint64_t *s, size_t n)
{
	uint64_t prev_max = 0;

	if (n < 8)
		return false;
	for (size_t q = 0; q < 4; q++) {
		size_t lo = n * q / 4, hi = n * (q + 1) / 4;
		uint64_t m = 0;

		for (size_t i = lo; i < hi; i++)
			m = s[i] > m ? s[i] : m;
		if (q && m <= prev_max)
			return false;	/* a quarter without a new high: a plateau */
		prev_max = m;
	}
	return s[n - 1] == prev_max;
}

uint64_t recommend_target(uint64_t demand, double headroom)
{
	double t = ceil((double)demand * headroom);

	return t >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)t;
}

uint64_t recommend_round(const struct mapsize_rules *rules, const char *map, uint64_t value)
{
	const struct rule *r = rules_find(rules, map);
	uint64_t min = 0;

	if (!r)
		return value;
	if (r->min.expr && !expr_eval(r->min.expr, NULL, NULL, &min, &(struct expr_error){ 0 }) && value < min)
		value = min;	/* a constant min; one naming dimensions fails to evaluate here */
	if (r->round_pow2 && value && (value & (value - 1))) {
		unsigned int bits = 64 - (unsigned int)__builtin_clzll(value);

		value = bits >= 64 ? value : 1ULL << bits;
	}
	return value;
}

/* The distinct names of an expression. */
struct names {
	char name[4][64];
	size_t cnt;
	bool more;
};

static void add_name(void *ctx, const char *name, size_t len, size_t offset)
{
	struct names *n = ctx;
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	for (size_t i = 0; i < n->cnt; i++)
		if (!strcmp(n->name[i], buf))
			return;
	if (n->cnt < 4)
		snprintf(n->name[n->cnt++], sizeof(n->name[0]), "%s", buf);
	else
		n->more = true;
}

/* Planned max_entries at dim = value; false when that plan fails (a value
 * the rules refuse counts as not holding the target). */
static bool planned_at(mapsize_replan_fn replan, void *ctx, const char *dim, uint64_t value,
		       const char *map, uint32_t *max_entries, int *fatal)
{
	struct mapsize_plan_map pm;
	int ret = replan(ctx, dim, value, map, &pm);

	if (ret == -ENOMEM)
		*fatal = ret;
	if (ret)
		return false;
	*max_entries = pm.max_entries;
	return true;
}

int recommend_solve(const struct mapsize_rules *rules, const struct mapsize_plan *plan, const char *map,
		    uint64_t target, mapsize_replan_fn replan, void *ctx, struct recommend_solution *out)
{
	const struct rule *r = rules_find(rules, map);
	struct names n = { 0 };
	uint32_t prev_m = 0, m = 0, reached = 0;
	uint64_t lo = 0, hi = 0;
	bool have_prev = false, found = false;
	int fatal = 0;

	memset(out, 0, sizeof(*out));
	if (!r || !replan || !plan)
		return -EINVAL;
	if (!r->max_entries.expr) {
		snprintf(out->reason, sizeof(out->reason), "no max_entries expression: the map type fixes it");
		return -ENOENT;
	}
	expr_for_each_name(r->max_entries.expr, add_name, &n);
	if (!n.cnt) {
		snprintf(out->reason, sizeof(out->reason), "max_entries '%s' names no dimension", r->max_entries.text);
		return -ENOENT;
	}
	if (n.cnt > 1) {
		snprintf(out->reason, sizeof(out->reason), "max_entries '%s' depends on %s and %s%s: no single "
			 "dimension to solve for", r->max_entries.text, n.name[0], n.name[1], n.more || n.cnt > 2 ? " and more" : "");
		return -ENOENT;
	}
	snprintf(out->dimension, sizeof(out->dimension), "%s", n.name[0]);
	/* cpus and memory are read from each node when a plan runs there
	 * (mapsize_planner__set_node_dimension): what the node has, not a
	 * demand a profile could choose */
	if (!strcmp(n.name[0], "cpus") || !strcmp(n.name[0], "memory")) {
		snprintf(out->reason, sizeof(out->reason), "max_entries '%s' depends on %s, which each node "
			 "supplies (not a demand to solve for)", r->max_entries.text, n.name[0]);
		return -ENOENT;
	}
	if (mapsize_plan__dim_value(plan, out->dimension, &out->current)) {
		snprintf(out->reason, sizeof(out->reason), "max_entries '%s' names '%s', which is not a dimension "
			 "of the plan", r->max_entries.text, out->dimension);
		return -ENOENT;
	}
	/* Powers of two up to 2^40 bracket the answer and test monotonicity:
	 * a plan that shrinks as its dimension grows cannot be solved by
	 * bisection (nor trusted with a larger value). */
	for (unsigned int k = 0; k <= 40 && !found; k++) {
		uint64_t v = 1ULL << k;

		if (!planned_at(replan, ctx, out->dimension, v, map, &m, &fatal)) {
			if (fatal)
				return fatal;
			if (have_prev)
				break;	/* past what the rules accept */
			continue;
		}
		if (have_prev && m < prev_m) {
			snprintf(out->reason, sizeof(out->reason), "max_entries '%s' is not monotonic in %s "
				 "(%u at %llu, %u at %llu)", r->max_entries.text, out->dimension, prev_m,
				 (unsigned long long)(v / 2), m, (unsigned long long)v);
			return -ENOENT;
		}
		reached = m;
		if (m >= target) {
			found = true;
			hi = v;
		} else {
			lo = v;
		}
		prev_m = m;
		have_prev = true;
	}
	if (!found) {
		snprintf(out->reason, sizeof(out->reason), "max_entries '%s' reaches at most %u as %s grows "
			 "(capped by the rule's max or the map type's limit), below %llu",
			 r->max_entries.text, reached, out->dimension, (unsigned long long)target);
		return -ENOENT;
	}
	/* smallest v in (lo, hi] with max_entries(v) >= target */
	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (planned_at(replan, ctx, out->dimension, mid, map, &m, &fatal) && m >= target)
			hi = mid;
		else if (fatal)
			return fatal;
		else
			lo = mid;
	}
	if (!planned_at(replan, ctx, out->dimension, hi, map, &m, &fatal))
		return fatal ? fatal : -EINVAL;
	out->value = hi;
	out->max_entries = m;
	return 0;
}
