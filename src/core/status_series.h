/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The Prometheus `map` label of every live map (status_prometheus.c), for
 * every family that labels maps, so their series join. */
#ifndef MAPSIZE_STATUS_SERIES_H
#define MAPSIZE_STATUS_SERIES_H

#include <stddef.h>
#include <mapsize/status.h>

/* One label per map of `st` (its name, "#N" for the Nth of a name, in id
 * order); calloc'ed, caller frees; NULL when out of memory. */
char (*status_series_names(const struct mapsize_status *st, size_t cnt))[80];

#endif
