/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What an --object names: a BPF object file, an executable or shared
 * library embedding exactly one BPF object, or HOST:NAME, one of the objects
 * a host embeds (`mapsize objects HOST` lists them).  The maps are read with
 * object_maps, never with bpf_object__open(): map-only commands work on
 * objects libbpf cannot open.  Internal; issue 17 items 1 and 3. */
#ifndef MAPSIZE_KERNEL_OBJECT_SOURCE_H
#define MAPSIZE_KERNEL_OBJECT_SOURCE_H

#include <stddef.h>
#include <mapsize/mapsize.h>
#include "object_maps.h"

/* The maps of SPEC in a new *out (object_maps__free()).  A file that
 * neither object_maps nor a host scan reads gets kernel_object__open()'s
 * message, so errors read as they always did.  0 or a negative errno. */
int object_source__read_maps(const char *spec, struct object_maps **out, struct mapsize_error *err);

/* The image SPEC names, in a new *buf (free()): the whole file for a BPF
 * object, the embedded image's bytes otherwise. */
int object_source__read_image(const char *spec, char **buf, size_t *size, struct mapsize_error *err);

/* The name libbpf gives def (a global-data map gets its object's name as a
 * prefix, "mixed_bp.rodata"); SPEC the --object it came from.  Into BUF. */
const char *object_source__libbpf_name(const char *spec, const struct object_maps_def *def,
				       char *buf, size_t len);

#endif
