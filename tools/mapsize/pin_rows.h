/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The maps of an object that pin in bpffs, beside what is pinned there now
 * and the action the plan needs (reuse, migrate, refuse): the `pin` object
 * and the pinned-maps table of plan and verify (issue 23 item 2). */
#ifndef MAPSIZE_TOOL_PIN_ROWS_H
#define MAPSIZE_TOOL_PIN_ROWS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "../../src/kernel/pin_live.h"

struct mapsize_plan;
struct mapsize_plan_map;

struct pin_row {
	char *map;			/* the object's map name */
	char path[PATH_MAX];		/* PIN_ROOT/NAME */
	int err;			/* reading the pin: 0, -ENOENT nothing pinned, else why not */
	struct pin_live live;		/* when err == 0 */
	struct pin_map_spec planned;	/* what the object asks for after the plan */
	enum pin_action action;		/* when err is 0 or -ENOENT */
	char reason[512];
};

struct pin_rows {
	const char *root;		/* --pin-root, NULL: /sys/fs/bpf */
	struct pin_row *v;
	size_t cnt;
};

/* Read what is pinned where the map `name` pins and decide its action
 * against `planned` with pm's headroom (pm NULL: no rule).  0 or -ENOMEM,
 * -ENAMETOOLONG (message printed). */
int pin_rows__add(struct pin_rows *rows, const char *name, const struct pin_map_spec *planned,
		  const struct mapsize_plan_map *pm);
/* Every map of the object file `object` pinned by name (BTF `pinning`),
 * read with the ELF/BTF reader.  0, or an exit status after printing an
 * error. */
int pin_rows__from_object(struct pin_rows *rows, const struct mapsize_plan *plan, const char *object);
const struct pin_row *pin_rows__find(const struct pin_rows *rows, const char *name);
/* {path, live_max_entries, live_entries, action, reason, live_type,
 * live_key_size, live_value_size, live_map_flags, live_id}; live values
 * null when nothing is pinned; action "unknown" when the pin cannot be
 * read. */
jv_t *pin_row__json(const struct pin_row *r);
/* The pinned-maps table (nothing when no map pins). */
void pin_rows__print(const struct pin_rows *rows, FILE *out);
/* One stderr line per pin a load would trip on: an error for refuse (and
 * unreadable pins), a warning with the `mapsize migrate` command for
 * migrate.  Returns the number of errors. */
size_t pin_rows__report(const struct pin_rows *rows, const char *rules, const char *object);
void pin_rows__free(struct pin_rows *rows);

#endif
