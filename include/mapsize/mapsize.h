/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize — size eBPF maps for the cluster an agent runs in.
 *
 * The pure part: cluster profiles + an application's map rules -> a plan
 * (max_entries and map_flags for every map) and the outputs that need no
 * kernel.  Nothing declared here performs I/O except the functions whose
 * name ends in __load_file / __write_file; the libbpf edge lives in
 * <mapsize/bpf.h>.
 *
 * Conventions borrowed from libbpf: object__verb names, extensible structs
 * with a leading `sz`, and a print callback instead of writing to stderr.
 *
 * Errors, one convention for the whole API (libbpf's):
 *  - a function returning int returns 0 on success (or what its comment
 *    names: an fd, a count, a positive answer) and a negative errno on
 *    failure; the return value is the error (errno is not part of it);
 *  - a function returning a pointer returns NULL on failure with errno set
 *    (ENOMEM, EINVAL, ...); a lookup that finds nothing by name, id or index
 *    returns NULL with errno ENOENT;
 *  - a NULL where an object or a required argument is expected is EINVAL
 *    (-EINVAL, or NULL with errno EINVAL), never a crash;
 *  - where a function takes a `struct mapsize_error *` (may be NULL), it also
 *    fills it with the code (the same negative errno) and a one-line message
 *    and location.  Objects that keep their own error (the planner) expose
 *    it with object__error().
 *
 * Extensible structs: every opts struct and every struct the caller allocates
 * for the library to read or fill (kernel constants, node facts, memory
 * figures, kernel map info) starts with `size_t sz`, set to sizeof() of the
 * struct as the caller compiled it (MAPSIZE_OPTS does it).  A NULL opts means
 * all defaults; an sz the library does not accept gives -EINVAL.  The shared
 * library exports only mapsize_* symbols, versioned MAPSIZE_0.1.
 * `struct mapsize_error` and `struct mapsize_loc` are exceptions: their
 * layout is frozen.
 */
#ifndef MAPSIZE_MAPSIZE_H
#define MAPSIZE_MAPSIZE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAPSIZE_VERSION "0.1.0"

/* Marks the public API: the library is built with -fvisibility=hidden, so
 * only what carries this is visible outside it (libbpf's LIBBPF_API). */
#ifndef MAPSIZE_API
#define MAPSIZE_API __attribute__((visibility("default")))
#endif

/* The library's version at run time ("0.1.0"), to compare with
 * MAPSIZE_VERSION the caller compiled against. */
MAPSIZE_API const char *mapsize_version(void);

/* Declare an extensible struct with `sz` set, like libbpf's LIBBPF_OPTS:
 * MAPSIZE_OPTS(mapsize_planner_opts, opts, .map_size = "small"); */
#define MAPSIZE_OPTS(TYPE, NAME, ...) \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ---- logging --------------------------------------------------------- */

enum mapsize_print_level {
	MAPSIZE_WARN,
	MAPSIZE_INFO,
	MAPSIZE_DEBUG,
};

typedef int (*mapsize_print_fn_t)(enum mapsize_print_level level,
				  const char *fmt, va_list args);

/* Install a print callback; returns the previous one.  NULL silences the
 * library.  The default prints warnings to stderr. */
MAPSIZE_API mapsize_print_fn_t mapsize_set_print(mapsize_print_fn_t fn);

/* ---- errors ----------------------------------------------------------- */

/* Where a diagnostic points: 1-based line and column, 0 when unknown. */
struct mapsize_loc {
	const char *file; /* as given by the caller; NULL for command-line input */
	unsigned int line;
	unsigned int col;
};

/* Filled by every call that can fail on bad input.  `msg` is one line
 * without location; mapsize_error__format() renders the canonical
 * "FILE:LINE:COL: error: MSG" form. */
struct mapsize_error {
	int code;		/* negative errno, 0 = no error */
	char file[256];		/* empty when the input came from the command line */
	unsigned int line;
	unsigned int col;
	char msg[768];
};

/* Renders "FILE:LINE:COL: error: MSG" (or "error: MSG" without a file). */
MAPSIZE_API int mapsize_error__format(const struct mapsize_error *err, char *buf, size_t size);

/* Writes DATA to PATH through PATH.tmpXXXXXX in the same directory + rename,
 * so a reader never sees a partial file and a failure leaves PATH as it was. */
MAPSIZE_API int mapsize_file__write_atomic(const char *path, const void *data, size_t len,
			       struct mapsize_error *err);

/* ---- map types -------------------------------------------------------- */

enum mapsize_map_type {
	MAPSIZE_MAP_UNSPEC = 0,
	MAPSIZE_MAP_HASH,
	MAPSIZE_MAP_PERCPU_HASH,
	MAPSIZE_MAP_LRU_HASH,
	MAPSIZE_MAP_LRU_PERCPU_HASH,
	MAPSIZE_MAP_ARRAY,
	MAPSIZE_MAP_PERCPU_ARRAY,
	MAPSIZE_MAP_PROG_ARRAY,
	MAPSIZE_MAP_PERF_EVENT_ARRAY,
	MAPSIZE_MAP_RINGBUF,
	MAPSIZE_MAP_LPM_TRIE,
	MAPSIZE_MAP_HASH_OF_MAPS,
	MAPSIZE_MAP_ARRAY_OF_MAPS,
	MAPSIZE_MAP_QUEUE,
	MAPSIZE_MAP_STACK,
	MAPSIZE_MAP_BLOOM_FILTER,
	MAPSIZE_MAP_STACK_TRACE,
	MAPSIZE_MAP_TASK_STORAGE,
	MAPSIZE_MAP_INODE_STORAGE,
	MAPSIZE_MAP_SK_STORAGE,
	MAPSIZE_MAP_CGRP_STORAGE,
	MAPSIZE_MAP_USER_RINGBUF,	/* appended: earlier values are ABI */
	MAPSIZE_MAP_RHASH,		/* BPF_MAP_TYPE_RHASH, 7.2 */
	MAPSIZE_MAP_TYPE_CNT,
};

/* Rules-file spelling ("hash", "lru_percpu_hash", ...), NULL if out of range. */
MAPSIZE_API const char *mapsize_map_type__name(enum mapsize_map_type type);
/* Inverse of __name; MAPSIZE_MAP_UNSPEC when unknown. */
MAPSIZE_API enum mapsize_map_type mapsize_map_type__from_name(const char *name);
/* The kernel's enum bpf_map_type value (uapi, stable). */
MAPSIZE_API unsigned int mapsize_map_type__bpf_type(enum mapsize_map_type type);
/* Inverse of __bpf_type; MAPSIZE_MAP_UNSPEC when mapsize does not model it. */
MAPSIZE_API enum mapsize_map_type mapsize_map_type__from_bpf_type(unsigned int bpf_type);
MAPSIZE_API bool mapsize_map_type__is_percpu(enum mapsize_map_type type);

/* What a map type is, from the one type table (src/core/maptype.c). */
enum mapsize_type_trait {
	MAPSIZE_TRAIT_PERCPU	 = 1U << 0,	/* user space reads a value per possible CPU */
	MAPSIZE_TRAIT_HASH	 = 1U << 1,	/* hashtab.c: hash, percpu/LRU kinds, hash_of_maps */
	MAPSIZE_TRAIT_ARRAY	 = 1U << 2,	/* every slot in [0, max_entries) exists */
	MAPSIZE_TRAIT_MAP_IN_MAP = 1U << 3,
	MAPSIZE_TRAIT_LRU	 = 1U << 4,	/* evicts before it is full */
	MAPSIZE_TRAIT_FD	 = 1U << 5,	/* values are fds: prog/perf/cgroup arrays, map-in-maps */
	MAPSIZE_TRAIT_STORAGE	 = 1U << 6,	/* local storage: one element per owner */
	MAPSIZE_TRAIT_RINGBUF	 = 1U << 7,	/* max_entries is bytes */
	MAPSIZE_TRAIT_QUEUE	 = 1U << 8,	/* queue, stack: reading pops */
	MAPSIZE_TRAIT_BLOOM	 = 1U << 9,
	MAPSIZE_TRAIT_WALKABLE	 = 1U << 10,	/* a BPF_MAP_GET_NEXT_KEY walk counts how full */
	MAPSIZE_TRAIT_BATCH	 = 1U << 11,	/* BPF_MAP_LOOKUP_BATCH (lpm_trie: 5.13+) */
	MAPSIZE_TRAIT_COPYABLE	 = 1U << 12,	/* entries read and written back by user space */
};
/* BPF_MAP_TYPE_RHASH (Linux 7.2, enum value from Debian's 7.2 BTF): the
 * resizable hash on rhashtable; uapi headers before 7.2 do not name it. */
#define MAPSIZE_BPF_MAP_TYPE_RHASH 35
/* MAPSIZE_TRAIT_* of a uapi enum bpf_map_type; 0 past what we know. */
MAPSIZE_API uint32_t mapsize_bpf_map_type__traits(unsigned int bpf_type);
/* MAPSIZE_TRAIT_* of a type mapsize sizes; 0 for UNSPEC or out of range. */
MAPSIZE_API uint32_t mapsize_map_type__traits(enum mapsize_map_type type);
/* The kernel's name of a uapi map type as bpftool spells it ("hash",
 * "percpu_array", "devmap_hash", ...); "unknown" past what we know. */
MAPSIZE_API const char *mapsize_bpf_map_type__name(unsigned int bpf_type);
/* The first mainline release (MAPSIZE_KERNEL_VERSION) whose
 * bpf(BPF_MAP_CREATE) knows a uapi map type; 0 when not recorded (recorded:
 * every type mapsize sizes and every type added since 6.12). */
MAPSIZE_API unsigned int mapsize_bpf_map_type__since(unsigned int bpf_type);

/* Kernel map flags mapsize manages or models (uapi values). */
#define MAPSIZE_F_NO_PREALLOC	(1U << 0)
#define MAPSIZE_F_NO_COMMON_LRU	(1U << 1)
#define MAPSIZE_F_RDONLY_PROG	(1U << 7)
#define MAPSIZE_F_WRONLY_PROG	(1U << 8)
#define MAPSIZE_F_MMAPABLE	(1U << 10)
#define MAPSIZE_F_INNER_MAP	(1U << 12)
#define MAPSIZE_F_NUMA_NODE	(1U << 2)
#define MAPSIZE_F_RDONLY	(1U << 3)
#define MAPSIZE_F_WRONLY	(1U << 4)
#define MAPSIZE_F_STACK_BUILD_ID (1U << 5)
#define MAPSIZE_F_ZERO_SEED	(1U << 6)
#define MAPSIZE_F_CLONE		(1U << 9)
#define MAPSIZE_F_PRESERVE_ELEMS (1U << 11)
#define MAPSIZE_F_RB_OVERWRITE	(1U << 19)	/* ringbuf, 6.19 */

/* ---- rules (one file per application) --------------------------------- */

enum mapsize_prealloc {
	MAPSIZE_PREALLOC_TRUE = 0,	/* the kernel default */
	MAPSIZE_PREALLOC_FALSE,
	MAPSIZE_PREALLOC_AUTO,
};

/* Program types a map is used from; they decide whether a target kernel
 * allows BPF_F_NO_PREALLOC for it (see mapsize_prealloc_allowed()). */
enum mapsize_used_by {
	MAPSIZE_USED_BY_KPROBE		= 1U << 0,	/* kprobe, kretprobe, uprobe, usdt */
	MAPSIZE_USED_BY_TRACEPOINT	= 1U << 1,
	MAPSIZE_USED_BY_RAW_TRACEPOINT	= 1U << 2,
	MAPSIZE_USED_BY_PERF_EVENT	= 1U << 3,
	MAPSIZE_USED_BY_TRACING		= 1U << 4,	/* fentry, fexit, tp_btf, iter */
	MAPSIZE_USED_BY_LSM		= 1U << 5,
	MAPSIZE_USED_BY_NETWORKING	= 1U << 6,	/* xdp, tc, socket, cgroup */
	MAPSIZE_USED_BY_SYSCALL		= 1U << 7,	/* user space only / syscall progs */
	/* sleepable programs: lsm.s, fentry.s, fexit.s, iter.s, uprobe.s,
	 * uretprobe.s, usdt.s, and syscall (which the name "syscall" sets with
	 * MAPSIZE_USED_BY_SYSCALL) */
	MAPSIZE_USED_BY_SLEEPABLE	= 1U << 8,
};

/* The class name of one enum mapsize_used_by bit ("kprobe" for kprobe,
 * kretprobe, uprobe and usdt; "tracing" for fentry, fexit, tp_btf, iter;
 * "networking"; ...); NULL for a value that is not one known bit. */
MAPSIZE_API const char *mapsize_used_by__name(uint32_t bit);

struct mapsize_rules;

/* Parse a rules document held in memory; `filename` is used in messages
 * only.  Returns NULL and fills *err on failure. */
MAPSIZE_API struct mapsize_rules *mapsize_rules__parse(const char *buf, size_t len,
					   const char *filename,
					   struct mapsize_error *err);
MAPSIZE_API struct mapsize_rules *mapsize_rules__load_file(const char *path,
					       struct mapsize_error *err);
MAPSIZE_API void mapsize_rules__free(struct mapsize_rules *rules);
MAPSIZE_API const char *mapsize_rules__app(const struct mapsize_rules *rules);
MAPSIZE_API size_t mapsize_rules__map_cnt(const struct mapsize_rules *rules);
MAPSIZE_API const char *mapsize_rules__map_name(const struct mapsize_rules *rules, size_t idx);

/* ---- profiles and the planner ---------------------------------------- */

/* Built-in profile documents (small, medium, large), embedded at build
 * time from profiles/.  Returns NULL for an unknown name. */
MAPSIZE_API const char *mapsize_builtin_profile(const char *name, size_t *len);
/* NULL-terminated list of built-in profile names, in size order. */
MAPSIZE_API const char *const *mapsize_builtin_profile_names(void);

struct mapsize_planner;

struct mapsize_planner_opts {
	size_t sz; /* sizeof(struct mapsize_planner_opts) */
	/* Built-in base profile; NULL = from the override files' `base:`,
	 * else "medium". */
	const char *map_size;
	/* Target kernel "MAJOR.MINOR[...]" for era-dependent decisions; NULL
	 * = the newest behaviour (callers pass the running kernel). */
	const char *kernel_release;
	/* Memory budget for the plan's full memory (every map at max_entries,
	 * inner maps once per outer slot: mapsize_plan__memory()'s
	 * memlock_full): "256Mi", "1G", "1048576" bytes, or "PCT%" (25%, 12.5%)
	 * of the `memory` dimension -- on a live node (mapsize_planner__use_node()
	 * with a memory cgroup limit) of the smaller of that and the limit.
	 * Over budget, the maps sized by an expression are scaled down by one
	 * common factor (see mapsize_plan__budget()).  NULL = no budget. */
	const char *budget;
	/* The memory model the budget is measured with; NULL = built-in struct
	 * sizes and the accounting era of kernel_release (the newest when NULL). */
	const struct mapsize_memory_opts *budget_memory;
	/* The object the rules are planned for (a path or FILE:NAME), named in
	 * the errors about its maps; NULL = none to name. */
	const char *object;
};
#define mapsize_planner_opts__last_field object

MAPSIZE_API struct mapsize_planner *mapsize_planner__new(const struct mapsize_planner_opts *opts,
					     struct mapsize_error *err);
MAPSIZE_API void mapsize_planner__free(struct mapsize_planner *pl);

/* Layers, lowest precedence first: built-in profile < override documents
 * in the order added < --set < per-map command-line prealloc lists.
 * Every call returns 0 or a negative errno and fills the planner's error. */
MAPSIZE_API int mapsize_planner__add_profile(struct mapsize_planner *pl, const char *buf,
				 size_t len, const char *filename);
MAPSIZE_API int mapsize_planner__add_profile_file(struct mapsize_planner *pl, const char *path);
/* "name=value" for a dimension, or "maps.NAME.max_entries=EXPR" /
 * "maps.NAME.prealloc=true|false|auto". */
MAPSIZE_API int mapsize_planner__set(struct mapsize_planner *pl, const char *assignment);
/* A node-local dimension (cpus, memory) read from the live machine: wins
 * over profiles, loses to --set. */
MAPSIZE_API int mapsize_planner__set_node_dimension(struct mapsize_planner *pl,
					const char *name, uint64_t value);
/* --bpf-maps-prealloc=true|false */
MAPSIZE_API int mapsize_planner__set_prealloc_default(struct mapsize_planner *pl, bool prealloc);
/* --bpf-maps-disable-prealloc=a,b / --bpf-maps-enable-prealloc=a,b
 * (comma-separated; repeatable; checked against the rules at plan time). */
MAPSIZE_API int mapsize_planner__disable_prealloc(struct mapsize_planner *pl, const char *list);
MAPSIZE_API int mapsize_planner__enable_prealloc(struct mapsize_planner *pl, const char *list);
MAPSIZE_API const struct mapsize_error *mapsize_planner__error(const struct mapsize_planner *pl);

/* ---- the plan ---------------------------------------------------------- */

struct mapsize_plan;

/* One map of a plan.  Fields are only ever appended. */
struct mapsize_plan_map {
	const char *name;		/* libbpf name; inner templates are "outer.inner" */
	enum mapsize_map_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;		/* 0 for local storage, and for
					   perf_event_array meaning one per CPU */
	uint32_t map_flags;		/* flags mapsize sets (rule flags + NO_PREALLOC) */
	bool prealloc;			/* memory taken at creation */
	bool prealloc_toggle;		/* BPF_F_NO_PREALLOC optional for this map */
	uint64_t expected_entries;	/* expected live entries (= max_entries without a rule) */
	const char *prealloc_reason;	/* why prealloc is what it is, for people */
	const char *inner_of;		/* outer map's name for an inner template, else NULL */
	uint32_t baseline_max_entries;	/* the rules' `baseline:`, 0 when absent */
	uint32_t used_by;		/* enum mapsize_used_by bits */
	uint32_t map_extra;		/* bloom_filter hash count etc. */
	uint32_t budget_from_entries;	/* max_entries before the memory budget
					   scaled this map down; 0 when it did not */
	bool budget_will_overflow;	/* scaled below its expected entries (counted
					   in mapsize_plan_budget.will_overflow_cnt) */
	/* `resizable: auto`: the rule's hash became `type` (rhash, or a
	 * no-prealloc hash) for this reason; NULL without it */
	const char *resizable_reason;
};

/* Compute a plan.  Pure: no I/O. */
MAPSIZE_API struct mapsize_plan *mapsize_planner__plan(struct mapsize_planner *pl,
					   const struct mapsize_rules *rules);
MAPSIZE_API void mapsize_plan__free(struct mapsize_plan *plan);

/* The profile's name: the last override file's `name:`, else the built-in
 * base's; __base_profile() is always the built-in underneath. */
MAPSIZE_API const char *mapsize_plan__profile(const struct mapsize_plan *plan);
MAPSIZE_API const char *mapsize_plan__base_profile(const struct mapsize_plan *plan);
MAPSIZE_API size_t mapsize_plan__map_cnt(const struct mapsize_plan *plan);
MAPSIZE_API const struct mapsize_plan_map *mapsize_plan__map(const struct mapsize_plan *plan, size_t idx);
MAPSIZE_API const struct mapsize_plan_map *mapsize_plan__find(const struct mapsize_plan *plan,
						  const char *name);
MAPSIZE_API size_t mapsize_plan__dim_cnt(const struct mapsize_plan *plan);
/* Dimension idx in name order; returns its name and stores the value. */
MAPSIZE_API const char *mapsize_plan__dim(const struct mapsize_plan *plan, size_t idx, uint64_t *value);
MAPSIZE_API int mapsize_plan__dim_value(const struct mapsize_plan *plan, const char *name, uint64_t *value);
/* FNV-1a 64 digest of every input that shaped the plan (documents, --set
 * assignments, prealloc options, target kernel). */
MAPSIZE_API uint64_t mapsize_plan__digest(const struct mapsize_plan *plan);
/* The rules' app (or the rules file's name when it has no `app:`). */
MAPSIZE_API const char *mapsize_plan__app(const struct mapsize_plan *plan);
/* The target kernel the plan was made for, MAPSIZE_KERNEL_VERSION(major,
 * minor); 0 when none was given (the newest behaviour). */
MAPSIZE_API unsigned int mapsize_plan__kernel_version(const struct mapsize_plan *plan);
/* Warnings collected while planning (also sent to the print callback). */
MAPSIZE_API size_t mapsize_plan__warning_cnt(const struct mapsize_plan *plan);
MAPSIZE_API const char *mapsize_plan__warning(const struct mapsize_plan *plan, size_t idx);
/* Add a warning found after planning (e.g. by the memory model's caller):
 * kept with the plan's own and sent to the print callback.  0 or -errno. */
MAPSIZE_API int mapsize_plan__add_warning(struct mapsize_plan *plan, const char *msg);

/* The memory budget's outcome (mapsize_planner_opts.budget).  The rule:
 * when the full memory is over the limit, every map whose rule sizes it by
 * an expression over dimensions (not a literal, not a per-map override,
 * not perf_event_array or prog_array) has that expression's value
 * multiplied by f, floored, at least 1, before its min/max/round and the
 * type's rules are re-applied and preallocation is re-decided; f is the
 * largest k / 2^32 (bisection over k) with which the plan fits.  A
 * ring buffer's scaled size is at least 4096 and, without `round: pow2`,
 * rounded down to a power of two. */
struct mapsize_plan_budget {
	size_t sz; /* sizeof(struct mapsize_plan_budget) */
	uint64_t limit_bytes;
	const char *source;		/* "--budget 256Mi", "25% of memory 16Gi",
					   "25% of cgroup limit 512Mi (FILE)" */
	uint64_t before_full_bytes;	/* full memory without the budget */
	uint64_t after_full_bytes;	/* ... of this plan, <= limit_bytes */
	double factor;			/* f; 1 when nothing was scaled */
	size_t scaled_cnt;		/* maps with budget_from_entries set */
	size_t will_overflow_cnt;	/* maps with budget_will_overflow set */
};

/* Fill *out; -ENOENT when the plan was made without a budget. */
MAPSIZE_API int mapsize_plan__budget(const struct mapsize_plan *plan, struct mapsize_plan_budget *out);

/* The C header for static builds, deterministic for the same inputs.
 * Returns a malloc()ed NUL-terminated string or NULL with errno set. */
MAPSIZE_API char *mapsize_plan__header(const struct mapsize_plan *plan);
/* Writes the header to `path` through a temp file + rename. */
MAPSIZE_API int mapsize_plan__write_header(const struct mapsize_plan *plan, const char *path,
			       struct mapsize_error *err);

/* Header macro stem for a map name: upper-cased, non-identifier bytes as
 * '_' ("policy_filter_maps.inner" -> "POLICY_FILTER_MAPS_INNER"). */
MAPSIZE_API int mapsize_macro_name(const char *map_name, char *buf, size_t size);

/* ---- kernel era ------------------------------------------------------- */

/* Parse "6.1", "5.15.0-100-generic" into major*256+minor; -EINVAL if not. */
MAPSIZE_API int mapsize_kernel_version(const char *release, unsigned int *version);
#define MAPSIZE_KERNEL_VERSION(a, b) (((a) << 8) + (b))

/* Whether BPF_F_NO_PREALLOC is accepted and safe for a map used from
 * `used_by` program types on kernel `version` (0 = newest).  Fills `why`
 * with the reason when not. */
MAPSIZE_API bool mapsize_prealloc_allowed(enum mapsize_map_type type, uint32_t used_by,
			      unsigned int version, const char **why);

/* The first mainline release (MAPSIZE_KERNEL_VERSION(major, minor)) whose
 * bpf(BPF_MAP_CREATE) has map `type`, or accepts `flag` (one MAPSIZE_F_*
 * bit) on a map of `type`; 0 for an unknown type or a flag the kernel never
 * accepts on it.  A plan for an older target kernel is an error. */
MAPSIZE_API unsigned int mapsize_map_type__since(enum mapsize_map_type type);
MAPSIZE_API unsigned int mapsize_map_flag__since(enum mapsize_map_type type, uint32_t flag);
/* The first mainline release that creates a map of `type` with these key
 * and value sizes (a hash key over 512 bytes: 5.11); 0 when no release
 * does (or an unknown type).  Fixed sizes (array keys, queue keys) are the
 * caller's to get right. */
MAPSIZE_API unsigned int mapsize_map_sizes__since(enum mapsize_map_type type, uint32_t key_size,
						  uint32_t value_size);
/* ---- inner map instances sized per instance --------------------------- */

/* How the instances of an inner map rule (`OUTER.inner`) are sized.  A rule
 * with `instance: {headroom: K, min: A, max: B}` sizes each instance for
 * its own live entries, clamp(round(K * live), A, B), where the target
 * kernel takes inner maps whose max_entries differ from the template's:
 * 5.10+ (bpf_map_meta_equal stopped comparing max_entries) for the hash
 * family, lpm_trie, queue, stack and bloom_filter; arrays only with
 * BPF_F_INNER_MAP (array_map_meta_equal); percpu_array 5.10 - 7.0 (7.1
 * compares it as an array); no type before 5.10.  Elsewhere every
 * instance has the template's size. */
struct mapsize_inner_sizing {
	size_t sz; /* sizeof(struct mapsize_inner_sizing) */
	bool has_instance;		/* the rule says `instance:` */
	bool kernel_allows;		/* the target kernel takes instances of other sizes
					   for this type and the rule's flags */
	bool per_instance;		/* has_instance && kernel_allows */
	const char *why;		/* the kernel rule behind kernel_allows (static) */
	uint32_t headroom_milli;	/* K * 1000 (default 2000) */
	uint32_t min_entries;		/* A (default 1) */
	uint32_t max_entries;		/* B (default the template's max_entries) */
	uint32_t template_entries;	/* the rule's planned max_entries */
};

/* The sizing of the inner maps of map-in-map `outer`.  0, -ENOENT without
 * an `outer.inner` rule, -EINVAL for a bad struct. */
MAPSIZE_API int mapsize_plan__inner_sizing(const struct mapsize_plan *plan, const char *outer,
			       struct mapsize_inner_sizing *out);
/* max_entries of an instance of `outer`'s inner map holding `live` entries:
 * clamp(round(K * live), A, B) when per-instance sizing applies, else the
 * template's.  *per_instance (may be NULL) says which.  0 or -errno. */
MAPSIZE_API int mapsize_plan__inner_entries(const struct mapsize_plan *plan, const char *outer, uint64_t live,
				uint32_t *entries, bool *per_instance);

enum mapsize_inner_action {
	MAPSIZE_INNER_KEEP = 0,		/* the instance's size fits its live entries */
	MAPSIZE_INNER_GROW,		/* live >= grow threshold: replace by a bigger one */
	MAPSIZE_INNER_SHRINK,		/* live below the shrink threshold: a smaller one */
};

struct mapsize_inner_check_opts {
	size_t sz; /* sizeof(struct mapsize_inner_check_opts) */
	uint32_t grow_permille;		/* grow at live >= this/1000 of max_entries (0: 900) */
	uint32_t shrink_permille;	/* shrink below this/1000 of max_entries (0: 125) */
};
#define mapsize_inner_check_opts__last_field shrink_permille

/* What an agent does after a batch of inserts and deletes in an instance of
 * size `cur_max_entries` holding `live` entries: an enum mapsize_inner_action
 * (>= 0, with the size to create in *new_entries: the headroom size for
 * GROW/SHRINK, cur_max_entries for KEEP), or -errno.  KEEP when per-instance
 * sizing does not apply, or when the headroom size would not change the size
 * (e.g. clamped by max). */
MAPSIZE_API int mapsize_inner__check(const struct mapsize_plan *plan, const char *outer, uint64_t live,
			 uint32_t cur_max_entries, const struct mapsize_inner_check_opts *opts,
			 uint32_t *new_entries);
/* "keep", "grow", "shrink"; NULL when out of range. */
MAPSIZE_API const char *mapsize_inner_action__name(enum mapsize_inner_action action);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_MAPSIZE_H */
