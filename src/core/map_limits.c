// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The size limits bpf(BPF_MAP_CREATE) applies to key_size and value_size,
 * per map type and per kernel release: the one table the rules parser
 * (every release's limits), the planner (the target kernel's) and the
 * availability probe (tests/kernel/availprobe.c, the running kernel's)
 * read.  A limit a release lifted names the commit and its first release,
 * in the style of the availability table in maptype.c.
 *
 * Audited against kernel/bpf/{hashtab,arraymap,lpm_trie,queue_stack_maps,
 * bloom_filter,stackmap,bpf_local_storage}.c from 5.10 to 6.18: only the
 * hash table's key and value limits changed in that span; the others below
 * hold on every release that has the type (max_entries included: the 6.8
 * overflow fixes for 32-bit kernels changed nothing on 64-bit ones). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define V MAPSIZE_KERNEL_VERSION
#define T(t) (1U << (t))

/* sizeof(struct htab_elem) on x86_64 */
#define HTAB_ELEM 48U
/* MAX_BPF_STACK */
#define BPF_STACK 512U

enum limit_field { LIMIT_KEY, LIMIT_VALUE, LIMIT_KEY_VALUE, LIMIT_MAX_ENTRIES };

static const struct size_limit {
	uint32_t traits;	/* applies to the types with any of these traits */
	uint32_t types;		/* ... and to these (T(enum mapsize_map_type)) */
	enum limit_field field;
	uint32_t min, max;	/* the range accepted */
	unsigned int until;	/* the first release without this limit; 0: every release has it */
	int err;		/* what the kernel says */
	const char *why;
	const char *lifted_by;	/* the commit that lifted it: 12-char hash and subject */
} limits[] = {
	/* htab_map_alloc_check() up to 5.10: "eBPF programs initialize keys
	 * on stack", and the value below KMALLOC_MAX_SIZE less the stack and
	 * the element header; 5.11 bounds key + value together instead. */
	{ MAPSIZE_TRAIT_HASH, 0, LIMIT_KEY, 1, BPF_STACK, V(5, 11), E2BIG, "MAX_BPF_STACK",
	  "c6bde958a62b \"bpf: Lift hashtab key_size limit\"" },
	{ MAPSIZE_TRAIT_HASH, 0, LIMIT_VALUE, 1, MAPSIZE_KMALLOC_MAX - BPF_STACK - HTAB_ELEM - 1, V(5, 11), E2BIG,
	  "KMALLOC_MAX_SIZE less MAX_BPF_STACK and the element header",
	  "c6bde958a62b \"bpf: Lift hashtab key_size limit\"" },
	{ MAPSIZE_TRAIT_HASH, 0, LIMIT_KEY_VALUE, 2, MAPSIZE_KMALLOC_MAX - HTAB_ELEM - 1, 0, E2BIG,
	  "KMALLOC_MAX_SIZE less the element header", NULL },
	/* PCPU_MIN_UNIT_SIZE: hashtab.c and arraymap.c round the value up to 8 */
	{ MAPSIZE_TRAIT_PERCPU, 0, LIMIT_VALUE, 1, 32768, 0, E2BIG, "PCPU_MIN_UNIT_SIZE", NULL },
	/* lpm_trie.c: a 4-byte prefix length and up to LPM_DATA_SIZE_MAX (256)
	 * bytes; the value with a node within KMALLOC_MAX_SIZE */
	{ 0, T(MAPSIZE_MAP_LPM_TRIE), LIMIT_KEY, 5, 260, 0, EINVAL,
	  "a 4-byte prefix length and 1 to 256 bytes of data", NULL },
	{ 0, T(MAPSIZE_MAP_LPM_TRIE), LIMIT_VALUE, 1, MAPSIZE_KMALLOC_MAX - 256 - 40, 0, EINVAL,
	  "KMALLOC_MAX_SIZE less a node", NULL },
	{ 0, T(MAPSIZE_MAP_ARRAY) | T(MAPSIZE_MAP_QUEUE) | T(MAPSIZE_MAP_STACK) | T(MAPSIZE_MAP_BLOOM_FILTER),
	  LIMIT_VALUE, 1, MAPSIZE_KMALLOC_MAX, 0, E2BIG, "KMALLOC_MAX_SIZE", NULL },
	/* BPF_LOCAL_STORAGE_MAX_VALUE_SIZE: a u16 less the element header */
	{ MAPSIZE_TRAIT_STORAGE, 0, LIMIT_VALUE, 1, 65535 - 128, 0, E2BIG,
	  "a u16 less the element header", NULL },
	/* htab_map_alloc(): n_buckets, a power of two, at most U32_MAX /
	 * sizeof(struct bucket) (16 bytes) */
	{ MAPSIZE_TRAIT_HASH, 0, LIMIT_MAX_ENTRIES, 0, 1U << 27, 0, E2BIG, "2^27", NULL },
	/* stack_map_alloc(): at most 2^31 buckets */
	{ 0, T(MAPSIZE_MAP_STACK_TRACE), LIMIT_MAX_ENTRIES, 0, 1U << 31, 0, E2BIG, "2^31", NULL },
};

#undef T

static const char *const field_names[] = { "key_size", "value_size", "key_size + value_size" };

static bool limit_applies(const struct size_limit *l, enum mapsize_map_type type)
{
	return (l->types & (1U << type)) || (l->traits && map_type_has(type, l->traits));
}

static uint64_t field_value(enum limit_field f, uint32_t key, uint32_t value)
{
	return f == LIMIT_KEY ? key : f == LIMIT_VALUE ? value : (uint64_t)key + value;
}

static bool limit_in_force(const struct size_limit *l, enum mapsize_map_type type, unsigned int version)
{
	return limit_applies(l, type) && (!l->until || (version && version < l->until));
}

/* A key or value limit version `version` (0: the newest) has that the sizes
 * break, or NULL. */
static const struct size_limit *broken_limit(enum mapsize_map_type type, uint32_t key, uint32_t value,
					     unsigned int version)
{
	if (!map_type_info(type))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		const struct size_limit *l = &limits[i];
		uint64_t v = field_value(l->field, key, value);

		if (l->field == LIMIT_MAX_ENTRIES || !limit_in_force(l, type, version))
			continue;
		/* a 0 the fixed sizes give (queue keys, local storage) is no size to limit */
		if (!v && l->field != LIMIT_KEY_VALUE)
			continue;
		if (v < l->min || v > l->max)
			return l;
	}
	return NULL;
}

unsigned int mapsize_map_sizes__since(enum mapsize_map_type type, uint32_t key_size, uint32_t value_size)
{
	unsigned int since = mapsize_map_type__since(type);

	if (!since)
		return 0;
	for (;;) {
		const struct size_limit *l = broken_limit(type, key_size, value_size, since);

		if (!l)
			return since;
		if (!l->until)
			return 0;	/* no release accepts these sizes */
		since = l->until;
	}
}

int map_sizes_refused(enum mapsize_map_type type, uint32_t key_size, uint32_t value_size,
		      unsigned int version, bool *value_field, char *msg, size_t size)
{
	const struct map_type_info *ti = map_type_info(type);
	const struct size_limit *l = broken_limit(type, key_size, value_size, version);
	uint64_t v;
	unsigned int since;
	bool low;
	int n;

	*value_field = false;
	if (!l)
		return 0;
	*value_field = l->field != LIMIT_KEY;
	v = field_value(l->field, key_size, value_size);
	low = v < l->min;
	if (l->field == LIMIT_KEY_VALUE)
		n = snprintf(msg, size, "key_size %u + value_size %u = %llu", key_size, value_size,
			     (unsigned long long)v);
	else
		n = snprintf(msg, size, "%s %llu", field_names[l->field], (unsigned long long)v);
	if (n < 0 || (size_t)n >= size)
		return l->err;
	msg += n;
	size -= (size_t)n;
	n = snprintf(msg, size, " %s %u, the %s of ", low ? "is below" : "exceeds", low ? l->min : l->max,
		     low ? "least" : "limit");
	if (n < 0 || (size_t)n >= size)
		return l->err;
	msg += n;
	size -= (size_t)n;
	since = l->until ? mapsize_map_sizes__since(type, key_size, value_size) : 0;
	if (l->until)
		snprintf(msg, size, "Linux %u.%u (target) for type %s (%s, %s); first accepted in Linux %u.%u "
			 "(commit %s); expected %s at most %u or a target kernel of %u.%u or newer",
			 version >> 8, version & 0xff, ti->name, l->why, l->err == E2BIG ? "E2BIG" : "EINVAL",
			 l->until >> 8, l->until & 0xff, l->lifted_by, field_names[l->field], l->max,
			 (since ? since : l->until) >> 8, (since ? since : l->until) & 0xff);
	else
		snprintf(msg, size, "every Linux release for type %s (%s, %s); expected %s %u..%u",
			 ti->name, l->why, l->err == E2BIG ? "E2BIG" : "EINVAL", field_names[l->field],
			 l->min, l->max);
	return l->err;
}

int map_max_entries_refused(enum mapsize_map_type type, uint64_t max_entries, unsigned int version, char *msg,
			    size_t size)
{
	const struct map_type_info *ti = map_type_info(type);

	for (size_t i = 0; ti && i < ARRAY_SIZE(limits); i++) {
		const struct size_limit *l = &limits[i];

		if (l->field != LIMIT_MAX_ENTRIES || !limit_in_force(l, type, version) || max_entries <= l->max)
			continue;
		snprintf(msg, size, "max_entries %llu exceeds %u (%s), the most the kernel allows for %s %s map "
			 "(%s)", (unsigned long long)max_entries, l->max, l->why,
			 strchr("aeiou", ti->name[0]) ? "an" : "a", ti->name, l->err == E2BIG ? "E2BIG" : "EINVAL");
		return l->err;
	}
	return 0;
}

#undef V
