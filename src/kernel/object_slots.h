/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPSIZE_KERNEL_OBJECT_SLOTS_H
#define MAPSIZE_KERNEL_OBJECT_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

/* The maps the static slots of one map-in-map name. */
struct object_slots {
	char **names;		/* distinct map names, in relocation order */
	size_t cnt;
	unsigned int slot_cnt;	/* initialised slots (a map may fill several) */
};

/* Read them from the object's ELF: `buf`/`size` when buf is set, else the
 * file `path`.  0 (maybe none), or a negative errno. */
int object_slots__read(const void *buf, size_t size, const char *path, const char *outer,
		       struct object_slots *s);
bool object_slots__names(const struct object_slots *s, const char *map);
void object_slots__free(struct object_slots *s);

#endif
