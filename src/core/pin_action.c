// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reuse, migrate or refuse a pinned map (issue 23): the decision from the
 * planned spec and the live one, and libbpf's pin path. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "pin_action.h"

const char *pin_action__name(enum pin_action action)
{
	switch (action) {
	case PIN_ACTION_NONE: return "none";
	case PIN_ACTION_REUSE: return "reuse";
	case PIN_ACTION_MIGRATE: return "migrate";
	case PIN_ACTION_REFUSE: return "refuse";
	}
	return "unknown";
}

double pin_action__headroom(const struct mapsize_plan_map *pm)
{
	if (!pm || !pm->expected_entries || pm->expected_entries >= pm->max_entries)
		return 1.0;
	return (double)pm->max_entries / (double)pm->expected_entries;
}

static enum pin_action say(enum pin_action action, char *reason, size_t size, const char *fmt, ...)
	__printf(4, 5);
static enum pin_action say(enum pin_action action, char *reason, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (reason && size) {
		va_start(ap, fmt);
		vsnprintf(reason, size, fmt, ap);
		va_end(ap);
	}
	return action;
}

/* Why user space cannot carry this type's entries into a new map; NULL
 * when it can (copyable types, and map-in-maps by re-inserting the same
 * inner maps). */
static const char *why_not_copyable(unsigned int bpf_type)
{
	if (bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_COPYABLE | MAPSIZE_TRAIT_MAP_IN_MAP))
		return NULL;
	if (bpf_type == 3 /* BPF_MAP_TYPE_PROG_ARRAY */)
		return "its entries are programs the agent inserts after load: the agent rebuilds it";
	if (bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_RINGBUF))
		return "a ring buffer holds bytes in flight, not entries to copy";
	if (bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_QUEUE))
		return "reading a queue or stack pops its elements";
	if (bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_STORAGE))
		return "local storage belongs to its owners (sockets, tasks, cgroups)";
	if (bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_BLOOM))
		return "a bloom filter's elements cannot be read back";
	return "user space cannot copy its entries";
}

static const char *type_name(unsigned int bpf_type)
{
	return mapsize_bpf_map_type__name(bpf_type);
}

/* "max_entries 10000 -> 20000, flags 0x0 -> 0x1" for what differs. */
static void changes(const struct pin_map_spec *p, const struct pin_map_spec *l, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (p->max_entries != l->max_entries)
		n += snprintf(buf + n, size - n, "max_entries %u -> %u", l->max_entries, p->max_entries);
	if (n < size && p->map_flags != l->map_flags)
		n += snprintf(buf + n, size - n, "%sflags 0x%x -> 0x%x%s", n ? ", " : "", l->map_flags,
			      p->map_flags, (p->map_flags ^ l->map_flags) == MAPSIZE_F_NO_PREALLOC ?
			      (p->map_flags & MAPSIZE_F_NO_PREALLOC ? " (preallocation off)" : " (preallocation on)") : "");
	if (n < size && p->map_extra != l->map_extra)
		snprintf(buf + n, size - n, "%smap_extra %llu -> %llu", n ? ", " : "",
			 (unsigned long long)l->map_extra, (unsigned long long)p->map_extra);
}

enum pin_action pin_action__decide(const struct pin_map_spec *p, const struct pin_map_spec *l,
				   const struct pin_live_fill *fill, double headroom, char *reason,
				   size_t size)
{
	bool known = fill && fill->entries_known;
	uint64_t entries = known ? fill->entries : 0;
	uint32_t cpus = fill ? fill->possible_cpus : 0;
	const char *why;
	char what[160];

	if (headroom < 1.0 || headroom != headroom)
		headroom = 1.0;
	if (p->bpf_type != l->bpf_type)
		return say(PIN_ACTION_REFUSE, reason, size, "type differs: pinned %s, planned %s; entries cannot "
			   "move to another type", type_name(l->bpf_type), type_name(p->bpf_type));
	if (p->key_size != l->key_size)
		return say(PIN_ACTION_REFUSE, reason, size, "key_size differs: pinned %u, planned %u; entries "
			   "cannot move to another key size", l->key_size, p->key_size);
	if (p->value_size != l->value_size)
		return say(PIN_ACTION_REFUSE, reason, size, "value_size differs: pinned %u, planned %u; entries "
			   "cannot move to another value size", l->value_size, p->value_size);
	if (p->max_entries == l->max_entries && p->map_flags == l->map_flags && p->map_extra == l->map_extra)
		return say(PIN_ACTION_REUSE, reason, size, "the pinned map equals the plan");
	changes(p, l, what, sizeof(what));
	why = why_not_copyable(l->bpf_type);
	if (why)
		return say(PIN_ACTION_REFUSE, reason, size, "%s: %s cannot be migrated: %s", what,
			   type_name(l->bpf_type), why);
	if (l->map_flags & MAPSIZE_F_WRONLY)
		return say(PIN_ACTION_REFUSE, reason, size, "%s: the pinned map is BPF_F_WRONLY, user space "
			   "cannot read its entries", what);
	if (p->map_flags & MAPSIZE_F_RDONLY)
		return say(PIN_ACTION_REFUSE, reason, size, "%s: the planned map is BPF_F_RDONLY, user space "
			   "cannot write the entries into it", what);
	if (bpf_map_type_has(l->bpf_type, MAPSIZE_TRAIT_ARRAY)) {
		if (p->max_entries < l->max_entries)
			return say(PIN_ACTION_REFUSE, reason, size, "%s: every slot of an array exists, a shrink "
				   "would drop slots %u..%u", what, p->max_entries, l->max_entries - 1);
		return say(PIN_ACTION_MIGRATE, reason, size, "%s: every one of the %u slots fits", what,
			   l->max_entries);
	}
	if (p->max_entries < l->max_entries) {
		double need;

		if (!known)
			return say(PIN_ACTION_REFUSE, reason, size, "%s: the live entries are not known, so "
				   "whether they fit the smaller map is not either", what);
		need = (double)entries * headroom;
		if (need > (double)p->max_entries)
			return say(PIN_ACTION_REFUSE, reason, size, "%s: %llu live entries need %.0f with the "
				   "rule's headroom %.2f, more than the planned %u", what,
				   (unsigned long long)entries, need, headroom, p->max_entries);
	} else if (known && entries > p->max_entries) {
		return say(PIN_ACTION_REFUSE, reason, size, "%s: %llu live entries do not fit %u", what,
			   (unsigned long long)entries, p->max_entries);
	}
	/* kernel/bpf/bpf_lru_list.c: bpf_lru_populate() gives each CPU
	 * nr_elems / num_possible_cpus() elements without a common LRU, and an
	 * insert evicts from the inserting CPU's list once that is empty. */
	if (bpf_map_type_has(p->bpf_type, MAPSIZE_TRAIT_LRU) && (p->map_flags & MAPSIZE_F_NO_COMMON_LRU) &&
	    cpus && known && entries > p->max_entries / cpus)
		return say(PIN_ACTION_REFUSE, reason, size, "%s: an LRU map with BPF_F_NO_COMMON_LRU gives each "
			   "of the %u CPUs %u entries, and a copy from one CPU would evict all but %u of the %llu "
			   "live entries", what, cpus, p->max_entries / cpus, p->max_entries / cpus,
			   (unsigned long long)entries);
	if (known)
		return say(PIN_ACTION_MIGRATE, reason, size, "%s: %llu live entries fit", what,
			   (unsigned long long)entries);
	return say(PIN_ACTION_MIGRATE, reason, size, "%s: the map grows, every entry fits", what);
}

void pin_action__planned(const struct mapsize_plan_map *pm, const struct pin_map_spec *object,
			 struct pin_map_spec *out)
{
	*out = *object;
	if (!pm)
		return;
	out->max_entries = pm->max_entries;
	out->map_flags = (object->map_flags & ~MAPSIZE_F_NO_PREALLOC) | pm->map_flags;
	if (pm->map_extra)
		out->map_extra = pm->map_extra;
}

int pin_path__build(const char *root, const char *map_name, char *buf, size_t size)
{
	size_t len;
	int n;

	if (!map_name || !map_name[0])
		return -EINVAL;
	if (!root || !root[0])
		root = PIN_ROOT_DEFAULT;
	len = strlen(root);
	while (len > 0 && root[len - 1] == '/')
		len--;
	if (len > 65536)
		return -ENAMETOOLONG;
	/* root "/" leaves len 0: "/NAME" */
	n = snprintf(buf, size, "%.*s/%s", (int)len, root, map_name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
