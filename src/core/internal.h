/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal helpers shared by libmapsize's files. */
#ifndef MAPSIZE_INTERNAL_H
#define MAPSIZE_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* KMALLOC_MAX_SIZE on x86_64: MAX_PAGE_ORDER 10 + PAGE_SHIFT 12.  The largest
 * single allocation the kernel makes for a map element or array. */
#define MAPSIZE_KMALLOC_MAX (4U << 20)

/* Input documents are small; anything bigger is a mistake or an attack. */
#define MAPSIZE_MAX_INPUT_BYTES (4U << 20)

/* ---- diagnostics ------------------------------------------------------- */

/* src/io/print.c: the printer used until mapsize_set_print() replaces it. */
int mapsize_default_print(enum mapsize_print_level level, const char *fmt, va_list ap);
void mapsize_pr(enum mapsize_print_level level, const char *fmt, ...) __printf(2, 3);
#define pr_warn(fmt, ...)  mapsize_pr(MAPSIZE_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  mapsize_pr(MAPSIZE_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) mapsize_pr(MAPSIZE_DEBUG, fmt, ##__VA_ARGS__)

/* The error convention of mapsize.h, as libbpf's libbpf_err_ptr(): NULL
 * with errno set to -err (a negative errno). */
static inline void *mapsize_err_ptr(int err)
{
	errno = -err;
	return NULL;
}
/* A lookup's result: `p`, or NULL with errno ENOENT (nothing by that name,
 * id or index). */
static inline const void *mapsize_found(const void *p)
{
	if (!p)
		errno = ENOENT;
	return p;
}

/* Fill *err (may be NULL) and return `code` (a negative errno). */
int error_set(struct mapsize_error *err, int code, const struct mapsize_loc *loc,
	      const char *fmt, ...) __printf(4, 5);
int error_vset(struct mapsize_error *err, int code, const struct mapsize_loc *loc,
	       const char *fmt, va_list ap);
void error_clear(struct mapsize_error *err);

/* Levenshtein distance counting a swap of two adjacent letters as one
 * edit; (size_t)-1 for words over 64 bytes. */
size_t edit_distance(const char *a, const char *b);
/* Closest candidate within a small edit distance, or NULL. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t cnt);
/* Appends " (did you mean 'x'?)" or "" — a static buffer-free formatter. */
void suggestion_text(char *buf, size_t size, const char *word,
		     const char *const *candidates, size_t cnt);

/* ---- extensible structs (libbpf's OPTS_VALID / OPTS_GET) ---------------- */

/* sz covers at least `min_sz` bytes, and any bytes past what this library
 * knows (`known_sz`) are zero: a newer caller asking for nothing we lack. */
static inline bool mapsize_sz_valid(const void *s, size_t sz, size_t min_sz, size_t known_sz)
{
	if (sz < min_sz)
		return false;
	for (size_t i = known_sz; i < sz; i++)
		if (((const char *)s)[i])
			return false;
	return true;
}

#define mapsize_offsetofend(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
/* As libbpf's: opts may be NULL (all defaults); sz must cover sz itself, and
 * bytes past the struct this library knows must be zero.  The tail padding
 * after TYPE__last_field is the caller's garbage, not a request: a
 * designated initializer (MAPSIZE_OPTS) need not zero it, so it is not
 * checked, and a later version never puts a field there (test_abi.sh keeps
 * that padding under 8 bytes; new fields start at the old sizeof). */
#define OPTS_VALID(opts, type) \
	(!(opts) || ((void)sizeof(((struct type *)0)->type##__last_field), \
		     mapsize_sz_valid((opts), (opts)->sz, sizeof(size_t), sizeof(struct type))))
/* The caller's struct has `field` (an older caller's may end before it). */
#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= mapsize_offsetofend(__typeof__(*(opts)), field))
#define OPTS_GET(opts, field, fallback) (OPTS_HAS(opts, field) ? (opts)->field : (fallback))
/* Fill an out field when the caller's struct has it. */
#define OPTS_SET(opts, field, value)			\
	do {						\
		if (OPTS_HAS(opts, field))		\
			(opts)->field = (value);	\
	} while (0)
/* A caller-allocated struct the library reads or fills: not NULL, and sz
 * covers every field of version 0.1 (the first ABI, so all of them). */
#define STRUCT_VALID(p, type) \
	((p) && mapsize_sz_valid((p), (p)->sz, sizeof(struct type), sizeof(struct type)))
/* Zero a validated out-struct up to the caller's sz, keeping sz. */
static inline void struct_out_reset(void *p)
{
	size_t sz = *(size_t *)p;

	__builtin_memset(p, 0, sz);
	*(size_t *)p = sz;
}

/* ---- growable array ---------------------------------------------------- */

/* Room for at least `need` elements of `elem` bytes in *items (capacity
 * *cap, doubled, at least 16): 0, or -ENOMEM (also when the size would
 * overflow); *items is untouched on failure. */
int array_reserve(void **items, size_t *cap, size_t need, size_t elem);

/* ---- growable string --------------------------------------------------- */

struct strbuf {
	char *buf;
	size_t len, cap;
	bool failed;	/* an allocation failed; buf holds what fit */
};

void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __printf(2, 3);
void strbuf_add(struct strbuf *sb, const char *s, size_t len);
/* Returns the string (caller frees) or NULL when an allocation failed. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/* ---- digest ------------------------------------------------------------ */

#define FNV1A_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a(uint64_t h, const void *data, size_t len);
/* Mixes a string and its terminator, so ("ab","c") != ("a","bc"). */
uint64_t fnv1a_str(uint64_t h, const char *s);

/* ---- files (the only I/O helpers) -------------------------------------- */

/* Reads a whole file (bounded by MAPSIZE_MAX_INPUT_BYTES). */
int read_file(const char *path, char **buf, size_t *len, struct mapsize_error *err);
/* Writes through PATH.tmpXXXXXX + rename so a failure leaves PATH untouched. */
int write_file_atomic(const char *path, const char *data, size_t len, struct mapsize_error *err);

/* ---- map types ----------------------------------------------------------- */

struct map_type_info {
	const char *name;
	unsigned int bpf_type;
	int fixed_key_size;	/* -1: free */
	int fixed_value_size;	/* -1: free */
	bool prealloc_optional;	/* BPF_F_NO_PREALLOC may toggle */
	bool no_prealloc_required;
	bool zero_max_entries;	/* local storage: max_entries must be 0 */
};

const struct map_type_info *map_type_info(enum mapsize_map_type type);
/* What the type is (MAPSIZE_TRAIT_*, from the one table in maptype.c). */
static inline bool map_type_has(enum mapsize_map_type type, uint32_t traits)
{
	return (mapsize_map_type__traits(type) & traits) != 0;
}
static inline bool bpf_map_type_has(unsigned int bpf_type, uint32_t traits)
{
	return (mapsize_bpf_map_type__traits(bpf_type) & traits) != 0;
}
/* ringbuf and user_ringbuf share ringbuf_map_alloc: max_entries is bytes,
 * a power of two multiple of the page size, and nothing counts elements. */
static inline bool map_type_is_ringbuf(enum mapsize_map_type type)
{
	return map_type_has(type, MAPSIZE_TRAIT_RINGBUF);
}
/* Why a live map of this uapi type has no meaningful occupancy; NULL when
 * a key walk counts it. */
const char *bpf_map_type_why_uncountable(unsigned int bpf_type);
/* Does libbpf create a map of this uapi type with the object's BTF key and
 * value types?  (bpf_object__create_map() drops them for fd maps, stack
 * traces, queues and the XDP/socket maps.) */
bool bpf_map_type_takes_btf(unsigned int bpf_type);
const char *const *map_type_names(size_t *cnt);

/* Flags that may be named in a rule's `flags:` list. */
int map_flag_from_name(const char *name, uint32_t *flag);
const char *const *map_flag_names(size_t *cnt);
/* The rules name of one MAPSIZE_F_* flag, NULL when rules cannot name it. */
const char *map_flag_name(uint32_t flag);
/* 0 when the kernel accepts every flag of `flags` on a map of `type`; else
 * the errno it gives (EINVAL), the refused flag in *bad (the second of a
 * refused pair) and one line in msg: "flag 'inner_map' is not accepted by a
 * hash map (the kernel says EINVAL), expected it only on array maps". */
int map_flags_refused(enum mapsize_map_type type, uint32_t flags, uint32_t *bad, char *msg,
		      size_t size);

/* 0 when kernel `version` (MAPSIZE_KERNEL_VERSION; 0 = newest) has map
 * `type` and accepts every flag of `flags` on it; else EINVAL, the missing
 * flag in *bad (0: the type itself) and one line in msg naming the type or
 * flag, its uapi name and the first release that has it. */
int map_kernel_lacks(enum mapsize_map_type type, uint32_t flags, unsigned int version, uint32_t *bad,
		     char *msg, size_t size);
/* 0 when kernel `version` (0 = newest) creates a map of `type` with these
 * sizes, else the errno it returns, with `msg` naming the size, the limit,
 * and the first release that accepts it (map_limits.c, the one table of
 * size limits); *value_field: the limit is on value_size (or key + value). */
int map_sizes_refused(enum mapsize_map_type type, uint32_t key_size, uint32_t value_size,
		      unsigned int version, bool *value_field, char *msg, size_t size);
/* The same for max_entries (0 = every limit the table has) */
int map_max_entries_refused(enum mapsize_map_type type, uint64_t max_entries, unsigned int version, char *msg,
			    size_t size);
/* "BPF_F_MMAPABLE" for MAPSIZE_F_MMAPABLE, NULL for an unknown bit. */
const char *map_flag_uapi_name(uint32_t flag);

/* used_by names -> enum mapsize_used_by bit. */
int used_by_from_name(const char *name, uint32_t *bit);
const char *const *used_by_names(size_t *cnt);

#endif
