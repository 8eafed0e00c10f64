/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What to do with a map an agent pins in bpffs when a plan changes it
 * (issue 23): the pin path libbpf uses, and the action for the map pinned
 * there: reuse, migrate or refuse.  Pure: the live map is read by
 * src/kernel/pin_live.c. */
#ifndef MAPSIZE_PIN_ACTION_H
#define MAPSIZE_PIN_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

/* libbpf's default pin_root_path (bpf_object_open_opts). */
#define PIN_ROOT_DEFAULT "/sys/fs/bpf"
/* LIBBPF_PIN_BY_NAME: the BTF `pinning` value libbpf pins by. */
#define PIN_BY_NAME 1

enum pin_action {
	PIN_ACTION_NONE,	/* nothing pinned at the path: libbpf creates and pins */
	PIN_ACTION_REUSE,	/* the pinned map equals the plan: libbpf reuses it */
	PIN_ACTION_MIGRATE,	/* only max_entries or flags differ and the entries fit:
				   `mapsize migrate` carries them into the new size */
	PIN_ACTION_REFUSE,	/* type, key or value size differ, the entries do not
				   fit, or they cannot be copied */
};

/* "none", "reuse", "migrate", "refuse". */
const char *pin_action__name(enum pin_action action);

/* One map as the kernel has it or as the plan will create it. */
struct pin_map_spec {
	unsigned int bpf_type;		/* uapi enum bpf_map_type */
	uint32_t key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
};

/* What pin_action__decide() knows of the live map besides its spec. */
struct pin_live_fill {
	bool entries_known;		/* false: not counted (arrays, or no method) */
	uint64_t entries;
	uint32_t possible_cpus;		/* for BPF_F_NO_COMMON_LRU; 0: unknown */
};

/* How much room the rule leaves over the entries it expects:
 * max_entries / expected_entries, at least 1 (1 when the rule gives no
 * `expected`). */
double pin_action__headroom(const struct mapsize_plan_map *pm);

/* The action for a map pinned as `live` (with `fill`) when the object asks
 * for `planned`, and why, one line into reason (no trailing newline):
 *   reuse    spec equal (what libbpf's map_is_reuse_compat() checks: type,
 *            key and value size, max_entries, map_flags, map_extra);
 *   refuse   type, key or value size differ; a type whose entries cannot be
 *            copied (prog_array: the agent rebuilds it; ring buffers,
 *            queues, storage, ...); a live map user space cannot read
 *            (BPF_F_WRONLY) or a planned one it may not fill (BPF_F_RDONLY);
 *            the entries do not fit: a shrink needs entries * headroom <=
 *            the new max_entries, a grow entries <= it; an array keeps every
 *            slot, so it cannot shrink; an LRU target that would evict
 *            (BPF_F_NO_COMMON_LRU gives each CPU max_entries / cpus, and the
 *            copy fills one CPU's list); entries unknown on a shrink;
 *   migrate  otherwise (only max_entries, flags or map_extra differ).
 * headroom < 1 counts as 1.  reason may be NULL. */
enum pin_action pin_action__decide(const struct pin_map_spec *planned, const struct pin_map_spec *live,
				   const struct pin_live_fill *fill, double headroom, char *reason,
				   size_t size);

/* What an object's map (`object`: as compiled) asks the kernel for once
 * the plan's rule `pm` is applied (NULL: no rule, as compiled): the rule's
 * max_entries, the object's flags with BPF_F_NO_PREALLOC as the plan
 * decides, the rule's map_extra when it gives one (as apply does). */
void pin_action__planned(const struct mapsize_plan_map *pm, const struct pin_map_spec *object,
			 struct pin_map_spec *out);

/* libbpf's pin path of a map pinned by name: ROOT/NAME (root NULL or "":
 * /sys/fs/bpf; trailing slashes of root dropped).  0, or -ENAMETOOLONG when
 * it does not fit `size` (libbpf: PATH_MAX), -EINVAL for no name. */
int pin_path__build(const char *root, const char *map_name, char *buf, size_t size);

#endif
