/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize report: the kernel memory (memlock) of every map of an
 * application under several profiles side by side (mapsize report shows
 * small, medium and large), against a baseline (the rules' `baseline:`
 * sizes, or the sizes compiled into a BPF object), with the reference
 * profile's maps preallocated vs not.
 *
 *	MAPSIZE_OPTS(mapsize_report_opts, opts, .consts = &consts, .ref_profile = 1);
 *	rep = mapsize_report__new(&opts);
 *	mapsize_report__add_plan(rep, "small", small, &err);	// and medium, large
 *	mapsize_report__read_object(rep, "agent.bpf.o", MAPSIZE_REPORT_BASELINE_AUTO, &err);	// optional
 *	mapsize_report__compute(rep, &err);
 *	for (i = 0; i < mapsize_report__map_cnt(rep); i++)
 *		m = mapsize_report__map(rep, i);	// m->name, m->prealloc_memlock ...
 *	mapsize_report__free(rep);
 *
 * The model is pure (no I/O); mapsize_report__read_object() reads a BPF
 * object with libbpf (opened, never loaded).  Figures follow the memory
 * model of <mapsize/memory.h>, with the profile's `cpus` as possible CPUs.
 */
#ifndef MAPSIZE_REPORT_H
#define MAPSIZE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mapsize/mapsize.h>
#include <mapsize/memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mapsize_report;

struct mapsize_report_opts {
	size_t sz; /* sizeof(struct mapsize_report_opts) */
	/* Kernel struct sizes (copied); NULL: the newest built-in ones. */
	const struct mapsize_kernel_consts *consts;
	enum mapsize_mem_era era;
	/* Index (in the order added) of the reference profile: its plan's
	 * maps are the report's maps, a baseline read from the rules or an
	 * object is checked on its CPUs, and its maps are the ones shown
	 * preallocated vs not.  Default 0. */
	size_t ref_profile;
};
#define mapsize_report_opts__last_field ref_profile

/* NULL with errno set (EINVAL for bad opts, ENOMEM). */
MAPSIZE_API struct mapsize_report *mapsize_report__new(const struct mapsize_report_opts *opts);
MAPSIZE_API void mapsize_report__free(struct mapsize_report *rep);

/* Add a profile: its plan's memory is computed on the plan's `cpus`
 * dimension (1..UINT32_MAX, else -EINVAL).  The report refers to `plan`
 * (not copied): keep it until the report is freed.  Adding the reference
 * profile makes its maps the report's, each with the baseline of its rule's
 * `baseline:` (see struct mapsize_report_map).  0 or negative errno, with
 * *err (may be NULL) filled. */
MAPSIZE_API int mapsize_report__add_plan(struct mapsize_report *rep, const char *name,
			     const struct mapsize_plan *plan, struct mapsize_error *err);

/* Replace the baseline of map `map_name` (after the reference profile is
 * added): `baseline` is the map as the baseline creates it (copied;
 * possible_cpus is ignored: each profile's are used), or NULL for no
 * baseline, `note` (copied; NULL: "no baseline") saying why.  0, -ENOENT
 * for an unknown map, -EINVAL, -ENOMEM, -EBUSY after __compute(). */
MAPSIZE_API int mapsize_report__set_baseline(struct mapsize_report *rep, const char *map_name,
				 const struct mapsize_mem_map *baseline, const char *note);

/* Which baseline mapsize_report__read_object() gives a map. */
enum mapsize_report_baseline {
	/* the rule's `baseline:` when it has one, else the compiled size: a
	 * map compiled at max_entries 1 and resized at run time is not its
	 * real size, its rule says what is */
	MAPSIZE_REPORT_BASELINE_AUTO = 0,
	MAPSIZE_REPORT_BASELINE_OBJECT,		/* the compiled size, always */
	MAPSIZE_REPORT_BASELINE_RULES,		/* the rules' only: the object names unmanaged maps */
};
/* Name a map of the baseline that has no rule (copied; listed, not
 * reported).  0, -EINVAL, -ENOMEM, -EBUSY after __compute(). */
MAPSIZE_API int mapsize_report__add_unmanaged(struct mapsize_report *rep, const char *name);

/* Compute every figure, once; the report is read-only afterwards (also
 * after a failure, which leaves the figures incomplete).  A
 * baseline the kernel would reject becomes "invalid baseline" (with a
 * warning to the print callback).  0 or negative errno (-EINVAL without the
 * reference profile, -ENOENT when a map of the reference plan is missing
 * from another plan, -EOVERFLOW, -ENOMEM, -EBUSY), with *err filled. */
MAPSIZE_API int mapsize_report__compute(struct mapsize_report *rep, struct mapsize_error *err);

/* ---- results (after __compute()); fields are only ever appended ------- */

struct mapsize_report_profile {
	const char *name;
	const struct mapsize_plan *plan;
	uint32_t possible_cpus;			/* the plan's `cpus` */
	struct mapsize_map_memory total;	/* as mapsize_plan__memory() totals it */
	/* The baseline on these CPUs, over the maps that have one, counted
	 * like the total (inner templates: none at load,
	 * baseline_instances_expected at expected entries). */
	uint64_t baseline_memlock;
	uint64_t baseline_memlock_expected;
	/* This profile's cost over the same maps (those with a baseline),
	 * counted like the total: what the savings compare against the
	 * baseline, so a map without one (compiled at 1 and sized at run
	 * time, say) neither inflates nor hides a saving. */
	uint64_t based_memlock_load;
	uint64_t based_memlock_expected;
	/* How many maps have no baseline (left out of both sides). */
	size_t maps_without_baseline;
};

/* One map of the report (a map of the reference plan, in its order). */
struct mapsize_report_map {
	const char *name;
	const struct mapsize_plan_map *planned;	/* the reference plan's */
	bool has_baseline;
	const char *baseline_note;		/* why not, when !has_baseline */
	/* The map as the baseline creates it (has_baseline), possible_cpus
	 * the reference profile's.  From the rules: max_entries `baseline:`
	 * (local storage: none needed), the planned flags without
	 * BPF_F_NO_PREALLOC where it can toggle (the kernel default). */
	struct mapsize_mem_map baseline;
	/* The reference plan's map preallocated vs not, on its CPUs, when its
	 * preallocation can toggle (planned->prealloc_toggle); else 0. */
	bool prealloc_toggle;
	uint64_t prealloc_memlock;		/* at load, preallocated */
	uint64_t no_prealloc_memlock;		/* at load, not preallocated */
	uint64_t no_prealloc_memlock_expected;	/* ... at its expected entries */
	/* Where the baseline came from: "rules" (its rule's `baseline:`),
	 * "object" (the compiled size, or mapsize_report__set_baseline());
	 * NULL without one. */
	const char *baseline_source;
};

/* One map under one profile. */
struct mapsize_report_map_profile {
	const struct mapsize_plan_map *planned;	/* in this profile's plan */
	struct mapsize_map_memory memory;	/* per instance for inner templates */
	/* The baseline on this profile's CPUs (has_baseline, else 0): per
	 * instance at load and at this profile's expected entries (at most the
	 * baseline's slots), and the instances the expected totals count (1;
	 * inner templates: this profile's expected instances, at most the
	 * baseline outer map's max_entries). */
	uint64_t baseline_memlock;
	uint64_t baseline_memlock_expected;
	uint64_t baseline_instances_expected;
};

MAPSIZE_API size_t mapsize_report__profile_cnt(const struct mapsize_report *rep);
MAPSIZE_API const struct mapsize_report_profile *mapsize_report__profile(const struct mapsize_report *rep,
							     size_t idx);
MAPSIZE_API size_t mapsize_report__map_cnt(const struct mapsize_report *rep);
MAPSIZE_API const struct mapsize_report_map *mapsize_report__map(const struct mapsize_report *rep, size_t idx);
/* NULL out of range or before __compute(). */
MAPSIZE_API const struct mapsize_report_map_profile *mapsize_report__map_profile(const struct mapsize_report *rep,
								     size_t map_idx, size_t profile_idx);
MAPSIZE_API size_t mapsize_report__unmanaged_cnt(const struct mapsize_report *rep);
MAPSIZE_API const char *mapsize_report__unmanaged(const struct mapsize_report *rep, size_t idx);

/* (baseline - cost) * 100 / baseline rounded to 0.01 (negative when cost
 * exceeds the baseline); false, *percent untouched, when baseline is 0. */
MAPSIZE_API bool mapsize_savings_percent(uint64_t baseline, uint64_t cost, double *percent);

/* ---- the libbpf edge ------------------------------------------------------ */

/* Baselines from the BPF object at `path`, opened with libbpf (never
 * loaded: no privileges needed): the maps `which` says (AUTO: those whose
 * rule has no `baseline:`) get the object's
 * type, sizes, max_entries, flags and map_extra ("not in the object", "map
 * type not modelled" otherwise; inner templates from the outer map's
 * inner map), with a warning to the print callback where type or sizes
 * differ from the rule; object maps without a rule are added as unmanaged.
 * libbpf's own messages go to its print callback.  0; libbpf's negative
 * errno when the object cannot be opened (then, and only then, *err names
 * the file); -ENOMEM; -EBUSY after __compute(). */
MAPSIZE_API int mapsize_report__read_object(struct mapsize_report *rep, const char *path,
				enum mapsize_report_baseline which, struct mapsize_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_REPORT_H */
