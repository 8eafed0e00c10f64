/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `mapsize status` and the kernel-side counters (issue 18): read them from
 * their pins, or attach them for the command's duration; print them beside
 * the maps; warn on new failures, evictions and drops. */
#ifndef MAPSIZE_TOOL_STATUS_COUNTERS_H
#define MAPSIZE_TOOL_STATUS_COUNTERS_H

#include <mapsize/counters.h>
#include "json.h"

struct status_view;
struct status_check;

struct status_kcounters {
	struct mapsize_counters *handle;	/* NULL: no counters this run */
	bool attached_here;			/* --kernel-counters, else pinned */
	const char *pin_dir;
	int64_t since;
	uint64_t lost;
	struct mapsize_map_counters *maps, *prev;	/* this round, the one before */
	size_t cnt, prev_cnt;
	bool have_prev;
	unsigned long rounds;
};

/* Open the pinned counters in `pin_dir`, or attach them when `attach`.  A
 * kernel that refuses prints one line on stderr and leaves kc->handle NULL:
 * status goes on, its exit status unchanged. */
void status_kc_open(struct status_kcounters *kc, const char *pin_dir, bool attach);
/* Read one round (the previous one kept for what is new).  0 or -1. */
int status_kc_read(struct status_kcounters *kc);
void status_kc_close(struct status_kcounters *kc);

/* The row of a map, NULL when it counted nothing or there are no counters. */
const struct mapsize_map_counters *status_kc_find(const struct status_kcounters *kc, uint32_t id);
void status_kc_print_table(const struct status_view *v);
/* The map's `kernel_counters` object, JSON null without counters. */
jv_t *status_kc_map_json(const struct status_view *v, uint32_t id);
/* One warning line per map whose failures, evictions or drops grew since
 * the last round (since attach on the first); the worst level (1 warn for
 * evictions, 2 crit for failures and drops). */
int status_kc_warn(const struct status_view *v);
/* --rules: a map that failed inserts or evicted is undersized whatever its fill. */
void status_kc_adjust_checks(const struct status_kcounters *kc, struct status_check *checks, size_t cnt);

#endif
