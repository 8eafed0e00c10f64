/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapsize_plan__apply()'s pinned maps (apply_pin.c, issue 23): before
 * bpf_object__load(), the map libbpf would reuse at a map's pin path is
 * compared with what the object now asks for, and refused, kept or
 * migrated per mapsize_apply_opts.pin_policy, so libbpf's "parameter
 * mismatch" never reaches the caller.  Internal. */
#ifndef MAPSIZE_KERNEL_APPLY_PIN_H
#define MAPSIZE_KERNEL_APPLY_PIN_H

#include <mapsize/bpf.h>

struct bpf_map;

/* The map's size and flags are already the plan's (am filled).  0 when
 * nothing is pinned, the pinned map equals the plan, it was kept (then
 * *warning is a malloc()ed line for mapsize_applied__warning(), and am's
 * max_entries/map_flags and the map are the pinned map's) or migrated
 * (*warning says to finish; the map reuses the new map's fd); else a negative
 * errno with err naming the pin, the pinned and planned values and what to
 * run.  object_path (may be NULL) goes into the suggested command. */
int apply_pin__check(struct bpf_map *map, struct mapsize_applied_map *am, enum mapsize_pin_policy policy,
		     const char *object_path, char **warning, struct mapsize_error *err);

#endif
