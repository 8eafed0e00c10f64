/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A BPF object's map definitions read from its ELF and BTF alone, without
 * bpf_object__open(): map-only commands must work on objects libbpf cannot
 * open (unresolved extern functions or variables, kfuncs, section names this
 * libbpf does not know, the per-map `maps/NAME` sections gobpf objects use).
 * Internal (not exported); issue 17 item 1. */
#ifndef MAPSIZE_KERNEL_OBJECT_MAPS_H
#define MAPSIZE_KERNEL_OBJECT_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

struct btf;

enum object_maps_origin {
	OBJECT_MAPS_BTF,	/* BTF-defined, the `.maps` DATASEC */
	OBJECT_MAPS_INNER,	/* inner template of a BTF map-in-map (`values`) */
	OBJECT_MAPS_LEGACY,	/* struct bpf_map_def in the `maps` section (libbpf < 1.0) */
	OBJECT_MAPS_SECTION,	/* one struct bpf_map_def per `maps/NAME` section (gobpf) */
	OBJECT_MAPS_DATA,	/* global data: .data*, .rodata*, .bss (libbpf's internal arrays) */
};

/* One static initialiser of a map-in-map or prog array (`.values = { [i] = &x }`). */
struct object_maps_slot {
	uint32_t index;
	char *target;		/* the map (or program) the slot names */
};

struct object_maps_def {
	char *name;		/* full name; an inner template is "OUTER.inner" as libbpf names it */
	char *section;		/* ".maps", "maps", "maps/NAME", ".rodata", ... */
	enum object_maps_origin origin;
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint32_t pinning;	/* 0 none, 1 by name (libbpf); for maps/NAME gobpf's own field, as written */
	uint64_t map_extra;
	uint32_t key_type_id;	/* BTF ids in object_maps.btf, 0 when not given */
	uint32_t value_type_id;
	int inner;		/* index of this map's inner template in defs[], -1 none */
	int outer;		/* for an inner template: index of its map, else -1 */
	struct object_maps_slot *slots;
	size_t nr_slots;
};

struct object_maps {
	struct object_maps_def *defs;	/* in section order, each inner template after its map */
	size_t nr;
	struct btf *btf;		/* the object's .BTF, NULL when it has none */
};

/* Reads PATH (or SIZE bytes at BUF; NAME is used in messages).  Returns 0 and
 * a new *out (object_maps__free()), or a negative errno with `err` naming the
 * file, the section and the map. */
int object_maps__read_file(const char *path, struct object_maps **out, struct mapsize_error *err);
int object_maps__read_mem(const void *buf, size_t size, const char *name,
			  struct object_maps **out, struct mapsize_error *err);
void object_maps__free(struct object_maps *maps);

/* The whole of PATH (a regular file) in a new *buf (free()). */
int object_maps__slurp(const char *path, char **buf, size_t *size, struct mapsize_error *err);

/* "btf", "inner", "legacy", "section", "data". */
const char *object_maps__origin_str(enum object_maps_origin origin);

#endif
