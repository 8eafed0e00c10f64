/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The demo agent's report: every map as the kernel created it, in a table
 * or as JSON (tools/demo/report.c). */
#ifndef MAPSIZE_DEMO_REPORT_H
#define MAPSIZE_DEMO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include "fill.h"
#include "churn.h"

#define MAX_FILLS 16

/* One line of the report: an object map or an inner map instance. */
struct map_row {
	char name[64];
	const char *type;
	uint32_t key_size, value_size;
	uint32_t max_entries, map_flags;
	uint64_t memlock;
	bool have_compiled;
	uint32_t compiled_max_entries, compiled_map_flags;
	const char *status;		/* applied / unmanaged / inner */
	const char *inner_of;		/* outer map for inner instances */
	uint32_t inner_key;		/* policy id for inner instances */
};

struct report {
	struct map_row *rows;
	size_t cnt, cap;
	uint64_t total;
	struct demo_fill fills[MAX_FILLS];	/* --fill, in command-line order */
	size_t fill_cnt;
	struct demo_churn churn;		/* --churn, when churn.added */
};

/* A zeroed new row, NULL when out of memory. */
struct map_row *report_add(struct report *r);
/* Fill a row from the kernel's view of map fd. */
int row_from_fd(struct map_row *row, int fd);
void print_table(const struct report *r, const struct mapsize_plan *plan,
		 const char *rules_path, const struct mapsize_node *node);
int print_json(const struct report *r, const struct mapsize_plan *plan,
	       const char *rules_path, const struct mapsize_node *node);

#endif
