/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `mapsize recommend`'s computation (src/core/recommend.c): from observed
 * samples to a peak, a percentile, a leak flag, and the value of the one
 * dimension that makes a map's planned max_entries hold a target.  Pure:
 * the caller re-plans through a mapsize_replan_fn. */
#ifndef MAPSIZE_RECOMMEND_H
#define MAPSIZE_RECOMMEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>
#include <mapsize/status.h>

/* Nearest-rank percentile (pct in (0, 100]) of n > 0 values; sorts v. */
uint64_t recommend_percentile(uint64_t *v, size_t n, double pct);
/* The same rank without reordering: the index of the value at the
 * nearest-rank percentile (ties: the first in v), for reading the other
 * fields of the element chosen.  0 when n is 0. */
size_t recommend_percentile_index(const uint64_t *v, size_t n, double pct);
/* What a counter added from `prev` to `cur`: the difference, or `cur`
 * after a reset (a smaller value: the counter started again from 0). */
uint64_t recommend_counter_increase(uint64_t prev, uint64_t cur);

/* A likely leak: at least 8 samples in time order whose every quarter
 * reaches a new maximum above the last quarter's, ending at the peak --
 * steady growth that never levels off. */
bool recommend_is_leak(const uint64_t *samples, size_t n);

/* ceil(demand * headroom), saturating at UINT64_MAX. */
uint64_t recommend_target(uint64_t demand, double headroom);

/* `value` rounded as map's rule rounds it (up to a power of two with
 * `round: pow2`), and at least the rule's `min` when that is a constant.
 * Maps without a rule are returned as is. */
uint64_t recommend_round(const struct mapsize_rules *rules, const char *map, uint64_t value);

struct recommend_solution {
	char dimension[64];		/* the one dimension max_entries depends on; "" when none */
	uint64_t current;		/* its value in the plan */
	uint64_t value;			/* the smallest value whose plan holds the target */
	uint32_t max_entries;		/* the planned max_entries at that value */
	char reason[240];		/* why there is no solution (-ENOENT) */
};

/* Solve map's `max_entries` expression for the one dimension it names:
 * the smallest value whose plan (through replan) gives max_entries >=
 * target.  0; -ENOENT with out->reason when the expression is constant,
 * names several dimensions, is not monotonic in its dimension or never
 * reaches the target; other negative errnos from replan. */
int recommend_solve(const struct mapsize_rules *rules, const struct mapsize_plan *plan, const char *map,
		    uint64_t target, mapsize_replan_fn replan, void *ctx, struct recommend_solution *out);

#endif
