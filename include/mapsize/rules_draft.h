/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize rules drafts: a rules file drafted from the maps that BPF
 * objects define (`mapsize rules init`), and rules checked against those
 * maps for staleness (`mapsize rules check`).
 *
 *	d = mapsize_rules_draft__new(NULL);
 *	mapsize_rules_draft__add_object(d, "agent.bpf.o", &err);   // libbpf: open, never load
 *	yaml = mapsize_rules_draft__yaml(d, &err);                 // a valid rules file
 *	chk = mapsize_rules_draft__check(d, rules, &err);          // stale rules
 *	mapsize_rules_check__free(chk);
 *	mapsize_rules_draft__free(d);
 *
 * The model is pure (no I/O): __add_map() takes a map as an object defines
 * it; only mapsize_rules_draft__add_object() touches libbpf (src/kernel).
 * libbpf's internal maps (.rodata*, .data*, .bss, .kconfig) and struct_ops
 * maps are not maps of the application and never enter a draft.
 */
#ifndef MAPSIZE_RULES_DRAFT_H
#define MAPSIZE_RULES_DRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mapsize/mapsize.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mapsize_rules_draft;

struct mapsize_rules_draft_opts {
	size_t sz; /* sizeof(struct mapsize_rules_draft_opts) */
	/* The drafted file's `app:` (copied); NULL: the first object's name as
	 * libbpf gives it (its file name up to the first '.'). */
	const char *app;
};
#define mapsize_rules_draft_opts__last_field app

/* NULL with errno set (EINVAL for bad opts, ENOMEM). */
MAPSIZE_API struct mapsize_rules_draft *mapsize_rules_draft__new(const struct mapsize_rules_draft_opts *opts);
MAPSIZE_API void mapsize_rules_draft__free(struct mapsize_rules_draft *d);

/* One map as an object defines it, before load (libbpf's bpf_map__*()). */
struct mapsize_object_map {
	size_t sz; /* sizeof(struct mapsize_object_map) */
	const char *name;	/* libbpf's name; an inner template is "OUTER.inner" */
	unsigned int bpf_type;	/* enum bpf_map_type */
	uint32_t key_size, value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;
	const char *inner_of;	/* the outer map of an inner template, else NULL */
};

/* Add a map of object `object` (a path or label, copied, named in messages).
 * A map already added from another object is merged: the same type, sizes,
 * flags and map_extra are one map (the largest max_entries is kept, with a
 * warning when they differ); anything else is -EINVAL naming both objects
 * and the field.  An inner template follows its outer map.  0 or negative
 * errno, with *err (may be NULL) filled. */
MAPSIZE_API int mapsize_rules_draft__add_map(struct mapsize_rules_draft *d, const char *object,
				 const struct mapsize_object_map *map, struct mapsize_error *err);

/* Open the BPF object at `path` with libbpf (never loaded: no privilege
 * needed) and add its maps, in the object's order, each map-in-map's inner
 * template (BTF __array(values, ...)) as "OUTER.inner" after it.  0 or
 * negative errno with *err filled (the file named, libbpf's reason). */
MAPSIZE_API int mapsize_rules_draft__add_object(struct mapsize_rules_draft *d, const char *path,
				    struct mapsize_error *err);

/* One map of a draft.  Fields are only ever appended. */
struct mapsize_draft_map {
	const char *name;
	enum mapsize_map_type type;	/* MAPSIZE_MAP_UNSPEC: a type mapsize does not size */
	unsigned int bpf_type;
	uint32_t key_size, value_size;
	uint32_t max_entries;		/* the largest of the objects' */
	uint32_t min_max_entries;	/* the smallest (== max_entries unless they differ) */
	uint32_t map_flags;
	uint64_t map_extra;
	const char *inner_of;		/* outer map of an inner template, else NULL */
	const char *object;		/* the first object that defines it */
	size_t object_cnt;		/* how many objects define it */
	bool counters;			/* mapsize's own overflow counters (mapsize_overflow) */
};

MAPSIZE_API size_t mapsize_rules_draft__map_cnt(const struct mapsize_rules_draft *d);
MAPSIZE_API const struct mapsize_draft_map *mapsize_rules_draft__map(const struct mapsize_rules_draft *d,
							  size_t idx);
MAPSIZE_API const struct mapsize_draft_map *mapsize_rules_draft__find(const struct mapsize_rules_draft *d,
							   const char *name);
/* The objects added, in order. */
MAPSIZE_API size_t mapsize_rules_draft__object_cnt(const struct mapsize_rules_draft *d);
MAPSIZE_API const char *mapsize_rules_draft__object(const struct mapsize_rules_draft *d, size_t idx);
/* Warnings collected while adding maps (not sent to the print callback). */
MAPSIZE_API size_t mapsize_rules_draft__warning_cnt(const struct mapsize_rules_draft *d);
MAPSIZE_API const char *mapsize_rules_draft__warning(const struct mapsize_rules_draft *d, size_t idx);

/* The rules file: `app:`, then per map, in order, a comment saying what to
 * replace, type, key_size and value_size (omitted where the type fixes
 * them), flags:, prealloc: false (for a compiled BPF_F_NO_PREALLOC),
 * map_extra:, and the compiled max_entries both as max_entries: and as
 * baseline:.  Maps mapsize does not size and its overflow counters are
 * named in comments only.  Deterministic; checked to parse back as rules.
 * A malloc()ed NUL-terminated string, or NULL with errno set and *err
 * filled (-EINVAL: no maps, or a map no rule can describe). */
MAPSIZE_API char *mapsize_rules_draft__yaml(const struct mapsize_rules_draft *d, struct mapsize_error *err);

/* ---- stale rules --------------------------------------------------------- */

enum mapsize_rules_check_status {
	MAPSIZE_RULES_CHECK_OK,		/* the rule matches the object's map */
	MAPSIZE_RULES_CHECK_STALE,	/* type, sizes, flags or map_extra differ: see diffs */
	MAPSIZE_RULES_CHECK_NO_MAP,	/* a rule without a map in any object */
	MAPSIZE_RULES_CHECK_NO_RULE,	/* an object's map without a rule */
	MAPSIZE_RULES_CHECK_SKIPPED,	/* an object's map no rule describes (type not
					   sized by mapsize, overflow counters) */
};

#define MAPSIZE_RULES_CHECK_MAX_DIFFS 8

struct mapsize_rules_check_diff {
	const char *field;		/* "type", "key_size", "value_size", "flags", "map_extra" */
	char rule[64];			/* as the rules file spells it */
	char object[64];		/* the object's, in the same spelling */
	struct mapsize_loc loc;		/* the field in the rules file (else the rule's name) */
};

struct mapsize_rules_check_map {
	const char *name;
	enum mapsize_rules_check_status status;
	const char *object;		/* first object defining the map; NULL for NO_MAP */
	struct mapsize_loc loc;		/* the rule's name in the rules file; .file NULL without a rule */
	size_t diff_cnt;
	struct mapsize_rules_check_diff diffs[MAPSIZE_RULES_CHECK_MAX_DIFFS];
	char msg[512];			/* one line for people: what is wrong, or a note */
};

struct mapsize_rules_check;

/* Compare `rules` with the maps of the draft, as mapsize_plan__apply()
 * would: type, key and value size (a size the type fixes may read 0 before
 * load), the flags a rule can name (flags: [...]; BPF_F_NO_PREALLOC is the
 * plan's choice, not compared) and a rule's non-zero map_extra.  Object
 * maps come first, in the draft's order, then rules without a map.  The
 * result points into `d` and `rules`: keep both until it is freed.  NULL
 * with errno set (EINVAL, ENOMEM) and *err filled. */
MAPSIZE_API struct mapsize_rules_check *mapsize_rules_draft__check(const struct mapsize_rules_draft *d,
						       const struct mapsize_rules *rules,
						       struct mapsize_error *err);
MAPSIZE_API size_t mapsize_rules_check__map_cnt(const struct mapsize_rules_check *c);
MAPSIZE_API const struct mapsize_rules_check_map *mapsize_rules_check__map(const struct mapsize_rules_check *c,
								size_t idx);
/* Entries with status `status`. */
MAPSIZE_API size_t mapsize_rules_check__count(const struct mapsize_rules_check *c,
				  enum mapsize_rules_check_status status);
/* "ok", "stale", "no_map", "no_rule", "skipped"; NULL when out of range. */
MAPSIZE_API const char *mapsize_rules_check_status__name(enum mapsize_rules_check_status status);
/* True when any rule is stale, lacks a map, or a map lacks a rule. */
MAPSIZE_API bool mapsize_rules_check__stale(const struct mapsize_rules_check *c);
MAPSIZE_API void mapsize_rules_check__free(struct mapsize_rules_check *c);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_RULES_DRAFT_H */
