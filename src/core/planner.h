/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Planner and plan internals shared by planner.c, plan.c and header.c. */
#ifndef MAPSIZE_PLANNER_H
#define MAPSIZE_PLANNER_H

#include <mapsize/memory.h>
#include "model.h"

/* Node-local dimensions: read from the machine when applying/verifying. */
extern const char *const mapsize_node_dims[2];

enum set_kind { SET_DIM, SET_MAP_MAX_ENTRIES, SET_MAP_PREALLOC };

struct set_entry {
	enum set_kind kind;
	char *text;			/* the whole assignment */
	char *origin;			/* "--set 'text'" for messages */
	char *name;			/* dimension or map name */
	const char *value;		/* points into text */
	uint64_t number;		/* SET_DIM */
	struct src_expr expr;		/* SET_MAP_MAX_ENTRIES */
	enum mapsize_prealloc prealloc;	/* SET_MAP_PREALLOC */
};

struct mapsize_planner {
	char *map_size;
	char *kernel_release;
	char *object;		/* named in errors; NULL: none */
	unsigned int kernel_version;	/* 0 = newest behaviour */
	struct profile **profiles;
	size_t profile_cnt;
	struct set_entry *sets;
	size_t set_cnt;
	uint64_t node_value[2];
	bool node_set[2];
	int prealloc_default;		/* -1 unset */
	char **disable, **enable;
	size_t disable_cnt, enable_cnt;
	struct mapsize_error err;
	/* memory budget (plan_budget.c): the text as given, and either bytes or
	 * hundredths of a percent of the memory dimension */
	char *budget;
	uint64_t budget_bytes;
	uint32_t budget_pct100;
	bool budget_consts_set;
	struct mapsize_kernel_consts budget_consts;
	struct mapsize_memory_opts budget_mo;	/* .consts -> budget_consts when set */
	bool budget_mo_set;
	/* mapsize_planner__use_node() was called: a live node */
	bool live_node;
	uint64_t node_memcg_limit;		/* 0 = none */
	char node_memcg_file[256];
};

struct plan_dim {
	char *name;
	uint64_t value;
	char *origin;			/* "profiles/medium.yaml:7:9", "node", "--set 'x=1'" */
};

/* How an inner rule's instances are sized (src/core/inner_instance.c). */
struct plan_instance {
	bool inner, has_instance, kernel_allows;
	const char *why;
	uint32_t headroom_milli, min_entries, max_entries;
};

struct mapsize_plan {
	char *profile;			/* the last override file's name:, else the base */
	char *base_profile;		/* the built-in profile underneath */
	char *app;
	struct plan_dim *dims;
	size_t dim_cnt;
	struct mapsize_plan_map *maps;
	size_t map_cnt;
	char **warnings;
	size_t warning_cnt;
	unsigned int kernel_version;
	uint64_t digest;
	/* The memory budget's outcome (plan_budget.c); has_budget false without one. */
	bool has_budget;
	uint64_t budget_limit, budget_before, budget_after;
	double budget_factor;
	char *budget_source;
	size_t budget_scaled_cnt, budget_overflow_cnt;
	struct plan_instance *instances;	/* per map, parallel to maps; NULL when no inner rule */
	/* Left by mapsize_plan__apply() (src/kernel/apply.c): the object's inner
	 * templates (compiled flags, BTF) for mapsize_plan__create_inner_map().
	 * Opaque here; released by mapsize_plan__free() through kern_free. */
	void *kern;
	void (*kern_free)(void *kern);
};

#endif
