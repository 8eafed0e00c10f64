/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapsize report's SVG bar chart, and what the chart and the table share. */
#ifndef MAPSIZE_TOOL_SVG_H
#define MAPSIZE_TOOL_SVG_H

#include <stddef.h>
#include <mapsize/memory.h>
#include <mapsize/report.h>

/* mapsize report adds three profiles, small, medium and large in that order;
 * medium is the reference (the BASELINE column's CPUs, PREALLOC vs
 * NO_PREALLOC). */
#define REPORT_NPROF 3
#define REPORT_REF 1

/* What the report shows besides the model: labels from the command line. */
struct report_info {
	const char *app;		/* the rules' app, else their path */
	const char *rules_path;
	const char *object;		/* --object; NULL: the rules' `baseline:` */
	enum mapsize_report_baseline which;	/* --baseline, with --object */
	const char *kernel;		/* the target kernel's release, or "(newest)" */
	const char *consts_source;	/* where the kernel struct sizes came from */
	enum mapsize_mem_era era;
	const struct mapsize_kernel_consts *consts;	/* the struct sizes themselves */
};

/* "pages era (5.11-6.3 accounting)" / "mem_usage era (6.4+ accounting)". */
const char *era_desc(enum mapsize_mem_era era);
/* Where the baseline comes from, in words; returns buf. */
const char *baseline_source_desc(const struct report_info *info, char *buf, size_t size);

/* The chart of a computed report (REPORT_NPROF profiles): totals on a linear
 * scale, the largest maps (log scale when their spread is wide), notes.
 * Deterministic.  A malloc()ed document of *len bytes, NULL when out of
 * memory. */
char *svg_render(const struct mapsize_report *rep, const struct report_info *info, size_t *len);

#endif
