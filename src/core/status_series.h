/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The Prometheus labels that identify each live map's series
 * (status_prometheus.c), for every family that labels maps, so that their
 * series join: the full name, and for maps sharing one the first label
 * that tells them apart (pin, prog, else id). */
#ifndef MAPSIZE_STATUS_SERIES_H
#define MAPSIZE_STATUS_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <mapsize/status.h>
#include "internal.h"

enum status_identity { ID_NONE, ID_PIN, ID_PROG, ID_ID };

/* The identity label of every map of `st`: ID_NONE when its full name is
 * its own.  calloc'ed, caller frees; NULL when out of memory. */
enum status_identity *status_series_identities(const struct mapsize_status *st, size_t cnt);

/* `map="NAME"` and the identity label, escaped, without braces; the id
 * label only when `id_label` (a family that carries the id itself says
 * false). */
void status_series_labels(struct strbuf *sb, const struct mapsize_live_map *m, enum status_identity id,
			  bool id_label);

#endif
