/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `mapsize status`: shared between the command (cmd_status.c), its output
 * (status_print.c) and the comparison with a plan (status_checks.c). */
#ifndef MAPSIZE_TOOL_STATUS_H
#define MAPSIZE_TOOL_STATUS_H

#include "json.h"
#include <mapsize/status.h>
#include "mapsize.h"
#include "status_counters.h"

/* --format (format_parse() in tools/common/format.c) */
enum status_format {
	STATUS_TABLE = FORMAT_TABLE,
	STATUS_JSON = FORMAT_JSON,
	STATUS_PROMETHEUS = FORMAT_PROMETHEUS,
};

/* One managed map of the plan beside its live counterpart. */
struct status_check {
	const struct mapsize_plan_map *planned;
	const struct mapsize_live_map *live;	/* NULL: not loaded here */
	bool max_entries_match, flags_match;
	enum mapsize_verdict verdict;
	uint64_t demand;			/* live entries + failed inserts */
	bool has_fit;
	int fit_ret;				/* -ENOENT: no dimension drives the map */
	struct mapsize_fit fit;
};

/* --rules: one inner map instance found in a slot of a managed map-in-map. */
struct status_instance {
	const struct mapsize_plan_map *inner;	/* the OUTER.inner rule */
	const struct mapsize_live_map *outer;
	uint64_t key;				/* the slot */
	uint32_t inner_id;
	const struct mapsize_live_map *live;	/* NULL: not among the maps read */
	int action;				/* enum mapsize_inner_action, or -errno */
	uint32_t new_entries;			/* the size for a grow or shrink */
};

struct status_view {
	const struct mapsize_status *st;
	const struct mapsize_status *prev;	/* --watch: the previous reading, else NULL */
	double seconds;				/* since prev */
	double warn, crit;
	const struct mapsize_plan *plan;	/* --rules, else NULL */
	const struct status_check *checks;
	size_t check_cnt;
	const struct status_instance *instances;	/* --rules: every inner map instance */
	size_t instance_cnt;
	const struct status_kcounters *kc;	/* kernel-side counters, NULL when none */
};

void status_print_table(const struct status_view *v);
jv_t *status_json(const struct status_view *v);

/* --rules: build the checks of every managed map (rules: the ones `plan`
 * was made from, for re-planning).  0 or -1 after an error. */
int status_checks_build(const struct plan_options *po, const struct mapsize_rules *rules, const struct mapsize_node *node,
			const struct mapsize_plan *plan, const struct mapsize_status *st, double warn,
			struct status_check **checks, size_t *cnt);

/* --rules: the inner map instances in the slots of every loaded map-in-map
 * the plan has an inner rule for (status_inner.c).  0 or -1 after an error. */
int status_instances_build(const struct mapsize_plan *plan, const struct status_check *checks, size_t check_cnt,
			   const struct mapsize_status *st, struct status_instance **out, size_t *cnt);
void status_instances_print(const struct status_view *v);
jv_t *status_instances_json(const struct status_view *v);

/* The live map is the planned map `full_name`: by name when the library
 * resolved it, else by the kernel's first 15 characters. */
bool status_name_matches(const struct mapsize_live_map *m, const char *full_name);

/* A mapsize_replan_fn (status_checks.c): the plan of `rules` with `po`
 * plus --set DIM=VALUE, on `node` (NULL: off-node). */
struct replan_ctx {
	const struct plan_options *po;
	const struct mapsize_node *node;
	const struct mapsize_rules *rules;
};
int status_replan(void *ctx, const char *dim, uint64_t value, const char *map, struct mapsize_plan_map *out);

/* --record FILE (status_record.c): the format's version, written in every line. */
#define STATUS_RECORD_VERSION 1
/* --record-max-bytes default: 64 MiB, about a day of 20 maps every 10 s. */
#define STATUS_RECORD_MAX_BYTES (64ULL << 20)
/* Append one JSON line for this round to `path`, rotating to path.1 past
 * max_bytes (0: never).  0, or -1 after printing the error. */
int status_record_append(const char *path, uint64_t max_bytes, const struct status_view *v);

#endif
