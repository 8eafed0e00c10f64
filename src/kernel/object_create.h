/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An object's maps created from their definitions (object_maps), as
 * libbpf's bpf_object__create_map() would, without opening the object with
 * libbpf: `verify --maps-only` on objects libbpf cannot open.  Internal;
 * issue 17 item 1. */
#ifndef MAPSIZE_KERNEL_OBJECT_CREATE_H
#define MAPSIZE_KERNEL_OBJECT_CREATE_H

#include <stddef.h>
#include <stdint.h>
#include "object_maps.h"

/* The object's BTF in the kernel, DATASEC sizes and variable offsets taken
 * from the ELF image BUF (clang leaves them 0: libbpf's btf_fixup_datasec).
 * An fd, or a negative errno: the maps are then created without BTF, as
 * libbpf does when the kernel refuses an object's BTF. */
int object_create__btf(const struct object_maps *om, const void *buf, size_t size);

/* Map IDX of OM with these max_entries, flags and map_extra (a
 * perf_event_array of 0 entries gets POSSIBLE_CPUS, as libbpf does; a
 * value_size compiled 0 gets VALUE_SIZE, the rule's, as the agent sets it
 * at run time), the
 * map-in-map's inner template INNER_FD (or -1), with BTF_FD's key/value
 * types where the map has them (retried without on refusal).  fd or a
 * negative errno. */
int object_create__map(const struct object_maps *om, size_t idx, uint32_t max_entries, uint32_t map_flags,
		       uint64_t map_extra, uint32_t value_size, int inner_fd, int btf_fd, uint32_t possible_cpus);

#endif
