/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize live status: the BPF maps loaded on this machine, how full
 * each is (every count labelled with the method that produced it), the
 * BPF-side overflow counters of <mapsize/bpf_overflow.h>, and a verdict
 * against the plan.
 *
 *	struct mapsize_status *st;
 *	err = mapsize_status__read(&(struct mapsize_status_opts){
 *		.sz = sizeof(struct mapsize_status_opts), .name_glob = "tg_*" }, &st, &e);
 *	for (i = 0; i < mapsize_status__map_cnt(st); i++)
 *		m = mapsize_status__map(st, i);	// m->entries, m->count_method ...
 *	mapsize_status__free(st);
 *
 * The model (mapsize_status__new/__add, fill ratios, levels, growth, the
 * Prometheus text, verdicts) is pure; only mapsize_status__read() touches
 * the kernel.
 */
#ifndef MAPSIZE_STATUS_H
#define MAPSIZE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>
#include <mapsize/overflow.h>	/* MAPSIZE_OVF_*: the errno classes of failures[] */

#ifdef __cplusplus
extern "C" {
#endif

/* How a live entry count was obtained, cheapest first. */
enum mapsize_count_method {
	MAPSIZE_COUNT_AUTO = 0,	/* per map, the cheapest method that applies */
	MAPSIZE_COUNT_KFUNC,	/* iter/bpf_map + bpf_map_sum_elem_count() (6.6+, hash family) */
	MAPSIZE_COUNT_MEMLOCK,	/* fdinfo memlock inverted through the memory model
				   (6.4+, no-prealloc hash / percpu_hash, lpm_trie) */
	MAPSIZE_COUNT_BATCH,	/* BPF_MAP_LOOKUP_BATCH (hash family but hash_of_maps) */
	MAPSIZE_COUNT_ITERATE,	/* BPF_MAP_GET_NEXT_KEY walk, bounded by max_walk */
	MAPSIZE_COUNT_NONE,	/* occupancy means nothing for this map (note says why) */
};

/* "auto", "kfunc", "memlock", "batch", "iterate", "none"; NULL out of range. */
MAPSIZE_API const char *mapsize_count_method__name(enum mapsize_count_method method);
/* Inverse of __name: 0, or -EINVAL when unknown. */
MAPSIZE_API int mapsize_count_method__from_name(const char *name, enum mapsize_count_method *method);

/* Where a live map's full name came from (the kernel keeps 15 bytes). */
enum mapsize_name_source {
	MAPSIZE_NAME_KERNEL = 0,	/* the kernel's: whole (under 15 bytes), or
					   nothing says more (name_truncated) */
	MAPSIZE_NAME_BTF,		/* the .maps variable of the BTF the map (or a
					   program using it) carries */
	MAPSIZE_NAME_PIN,		/* the basename of a path it is pinned at */
	MAPSIZE_NAME_RULES,		/* the one of mapsize_status_opts.full_names
					   (status --rules: the rules' map names) */
};
/* "kernel", "btf", "pin", "rules"; NULL out of range. */
MAPSIZE_API const char *mapsize_name_source__name(enum mapsize_name_source src);

/* One live map.  Strings point into the status (or are static). */
struct mapsize_live_map {
	uint32_t id;
	char name[64];			/* the full name: the kernel's when under 15
					   bytes, else from the map's BTF, its pin
					   path or the caller's names (name_source);
					   the kernel's 15 bytes when nothing says
					   more (name_truncated) */
	char kernel_name[16];		/* the kernel's (15-byte) name */
	bool name_truncated;		/* name may be the start of a longer one */
	unsigned int bpf_type;		/* uapi enum bpf_map_type */
	uint32_t key_size, value_size, max_entries, map_flags;
	uint64_t memlock_bytes;		/* fdinfo "memlock:" */
	bool has_entries;		/* false: entries unknown or meaningless */
	uint64_t entries;
	enum mapsize_count_method count_method;
	const char *note;		/* why there is no count, a walk bound hit,
					   "evicts before full" for LRU; NULL when none */
	bool walk_truncated;		/* iterate stopped at max_walk */
	bool evicts;			/* LRU: old entries go before the map is full */
	bool has_failures;		/* an overflow counter exists for this map */
	uint64_t failures[MAPSIZE_OVF_CLASSES];
	const uint32_t *pids;		/* processes holding an fd (sorted) */
	size_t pid_cnt;
	enum mapsize_name_source name_source;
	const char *pin;		/* where it is pinned: the path naming it,
					   else the first in byte order; NULL when
					   not pinned in any bpffs this process sees */
	char prog[64];			/* the full name of a program using it (the
					   first in byte order); "" when none */
};

/* ---- the model (pure) --------------------------------------------------- */

struct mapsize_status;

MAPSIZE_API struct mapsize_status *mapsize_status__new(void);
MAPSIZE_API void mapsize_status__free(struct mapsize_status *st);
/* Copy `m` (and its pids) in; maps stay in the order added.  0 or -ENOMEM. */
MAPSIZE_API int mapsize_status__add(struct mapsize_status *st, const struct mapsize_live_map *m);
MAPSIZE_API size_t mapsize_status__map_cnt(const struct mapsize_status *st);
MAPSIZE_API const struct mapsize_live_map *mapsize_status__map(const struct mapsize_status *st, size_t idx);
/* The map with this id, NULL when absent. */
MAPSIZE_API const struct mapsize_live_map *mapsize_status__find_id(const struct mapsize_status *st, uint32_t id);
/* Up to `max` maps whose names are nearest `pattern` (a --name that matched
 * nothing; its glob characters * ? [ ] are ignored), nearest first: fewest
 * edits to the full or kernel name, then the longest common prefix, then
 * name order.  Returns how many were put in out[]. */
MAPSIZE_API size_t mapsize_status__nearest(const struct mapsize_status *st, const char *pattern,
					   const struct mapsize_live_map **out, size_t max);

/* entries / max_entries; false when there is no meaningful ratio. */
MAPSIZE_API bool mapsize_live_map__fill_ratio(const struct mapsize_live_map *m, double *ratio);
/* ratio as a whole percentage for people: rounded, but 100 only when full. */
MAPSIZE_API double mapsize_fill_percent(double ratio);
/* Sum of the overflow counters. */
MAPSIZE_API uint64_t mapsize_live_map__failures(const struct mapsize_live_map *m);

enum mapsize_fill_level {
	MAPSIZE_FILL_OK = 0,
	MAPSIZE_FILL_WARN,		/* ratio >= warn */
	MAPSIZE_FILL_CRIT,		/* ratio >= crit, or inserts already failed */
};
MAPSIZE_API enum mapsize_fill_level mapsize_live_map__level(const struct mapsize_live_map *m, double warn, double crit);

/* The warning line for a map at WARN or CRIT (no trailing newline), e.g.
 * "warning: map execve_map (id 812) is 96% full (31457/32768): new entries
 * will fail with E2BIG".  0 with buf "" at OK; -ENOSPC when buf is short. */
MAPSIZE_API int mapsize_live_map__warning(const struct mapsize_live_map *m, double warn, double crit,
			      char *buf, size_t size);

struct mapsize_status_totals {
	size_t sz; /* sizeof(struct mapsize_status_totals) */
	uint64_t maps;
	uint64_t counted;		/* maps with entries */
	uint64_t entries;		/* over counted maps */
	uint64_t max_entries;		/* over counted maps */
	uint64_t memlock_bytes;
	uint64_t update_failures;
	uint64_t warn, crit;		/* maps at each level */
};
MAPSIZE_API int mapsize_status__totals(const struct mapsize_status *st, double warn, double crit,
			   struct mapsize_status_totals *totals);

/* Prometheus text exposition (version 0.0.4) of the status: families
 * mapsize_map_{entries,max_entries,fill_ratio,memlock_bytes,
 * update_failures_total,info}, labelled map="FULL NAME".  Series keep their
 * identity across reloads: when live maps share a full name, each of their
 * series gets the first of these labels that tells all of them apart:
 * pin="PATH", prog="PROGRAM", else the map's id (never a number by id
 * order, which swaps series when a reload swaps ids).  *text is malloc'ed
 * (caller frees).  0 or -ENOMEM. */
MAPSIZE_API int mapsize_status__prometheus(const struct mapsize_status *st, char **text);

/* Growth between two readings of the same map `seconds` apart. */
struct mapsize_growth {
	size_t sz; /* sizeof(struct mapsize_growth) */
	double per_minute;		/* entries per minute, negative when shrinking */
	bool fills;			/* growing and not full yet */
	double seconds_to_full;		/* at this rate, when fills */
};
/* 0, or -EINVAL when either reading has no count or seconds <= 0. */
MAPSIZE_API int mapsize_live_map__growth(const struct mapsize_live_map *before, const struct mapsize_live_map *now,
			     double seconds, struct mapsize_growth *g);
/* "+120/min, full in ~3 h", "-4/min", "steady"; returns buf. */
MAPSIZE_API const char *mapsize_growth__str(const struct mapsize_growth *g, char *buf, size_t size);

/* ---- against the plan (pure) ------------------------------------------- */

enum mapsize_verdict {
	MAPSIZE_VERDICT_OK = 0,
	MAPSIZE_VERDICT_UNDERSIZED,	/* live above expected, or fill >= warn */
	MAPSIZE_VERDICT_OVERSIZED,	/* live below 1/8 of expected */
	MAPSIZE_VERDICT_UNKNOWN,	/* no live count */
};
/* "ok", "undersized", "oversized", "unknown". */
MAPSIZE_API const char *mapsize_verdict__name(enum mapsize_verdict v);
MAPSIZE_API enum mapsize_verdict mapsize_live_map__verdict(const struct mapsize_live_map *live,
					       const struct mapsize_plan_map *planned, double warn);

/* Re-plan with dimension `dim` set to `value` and return the planned map
 * `map` (expected entries, max_entries) through *out.  0 or negative errno. */
typedef int (*mapsize_replan_fn)(void *ctx, const char *dim, uint64_t value, const char *map,
				 struct mapsize_plan_map *out);

struct mapsize_fit {
	size_t sz; /* sizeof(struct mapsize_fit) */
	char dimension[64];		/* the dimension that drives the map */
	uint64_t current;		/* its value in the plan */
	uint64_t needed;		/* the smallest value that fits the live load */
	uint64_t suggested;		/* needed rounded up to 4 steps per power of two */
};
/* Find the dimension driving planned map `map` (the first, in name order,
 * whose change moves its expected entries) and the value that makes the
 * plan fit `live` entries: expected >= live and live < warn * max_entries
 * (undersized), or the smallest value whose expected stays >= live
 * (oversized).  -ENOENT when no dimension drives the map. */
MAPSIZE_API int mapsize_plan__fit_dimension(const struct mapsize_plan *plan, const char *map, uint64_t live,
				double warn, mapsize_replan_fn replan, void *ctx, struct mapsize_fit *fit);

/* ---- reading the kernel --------------------------------------------------- */

struct mapsize_status_opts {
	size_t sz; /* sizeof(struct mapsize_status_opts) */
	const char *name_glob;		/* fnmatch(3) on the full name or the
					   kernel's 15-byte name; NULL = all */
	uint32_t id;			/* 0 = all */
	int pid;			/* maps held by this process; 0 = all */
	const char *pinned;		/* a pinned map, or a bpffs directory (recursive) */
	enum mapsize_count_method method; /* AUTO: cheapest per map */
	uint64_t max_walk;		/* iterate bound; 0 = 1,000,000 */
	bool no_pids;			/* skip the /proc scan for owning processes */
	const char *const *full_names;	/* names that may extend a 15-byte kernel
					   name (a rules file's), used when neither
					   BTF nor pin path names the map and exactly
					   one fits; the strings must outlive a reader */
	size_t full_name_cnt;
};
#define mapsize_status_opts__last_field full_name_cnt

/* List the maps (filtered), count them, attach the overflow counters found
 * in any loaded mapsize_overflow map.  Maps that vanish while being read
 * are skipped.  0, or negative errno (-EPERM without root / CAP_BPF).
 * One-shot: loads the counting program, reads, unloads. */
MAPSIZE_API int mapsize_status__read(const struct mapsize_status_opts *opts, struct mapsize_status **out,
			 struct mapsize_error *err);

/* For repeated reads (a watch loop, an exporter): the counting program
 * and the memory model stay loaded, so a read costs one pass over the maps.
 * The strings in opts must outlive the reader.  NULL with errno and *err
 * set on failure (-EPERM without root). */
struct mapsize_status_reader;
MAPSIZE_API struct mapsize_status_reader *mapsize_status_reader__new(const struct mapsize_status_opts *opts,
							 struct mapsize_error *err);
MAPSIZE_API int mapsize_status_reader__read(struct mapsize_status_reader *r, struct mapsize_status **out,
				struct mapsize_error *err);
MAPSIZE_API void mapsize_status_reader__free(struct mapsize_status_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_STATUS_H */
