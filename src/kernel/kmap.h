/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a map back from the kernel (kmap.c): internal parts. */
#ifndef MAPSIZE_KMAP_H
#define MAPSIZE_KMAP_H

#include <stdint.h>

/* What the kernel charges map `map_fd`: fdinfo's "memlock:" line.  0,
 * -ENODATA (no such line) or -errno. */
int kmap_memlock(int map_fd, uint64_t *bytes);

#endif
