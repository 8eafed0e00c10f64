/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which live maps an overflow counter counts (pure; status.c).  Counters
 * are named by the rules' map names as C identifiers; maps by their full
 * names (kmap_name.c), which may be only the kernel's 15 bytes. */
#ifndef MAPSIZE_STATUS_ATTR_H
#define MAPSIZE_STATUS_ATTR_H

#include <stdbool.h>
#include <stddef.h>

struct status_attr_map {
	const char *name;		/* full name, or the kernel's 15 bytes */
	bool truncated;			/* name is only the kernel's 15 bytes */
};

/* Mark in pick[] the maps counter `counters[c]` counts: every map whose
 * full name, as a C identifier, is the counter's name; else the map whose
 * 15 bytes start the counter's name when it is the only such map and no
 * other counter also starts with them.  Returns the number marked, or -1
 * when two candidates share the 15 bytes and nothing tells them apart
 * (none marked: attributed to neither). */
int status_attr_pick(const char *const *counters, size_t counter_cnt, size_t c,
		     const struct status_attr_map *maps, size_t map_cnt, bool *pick);

#endif
