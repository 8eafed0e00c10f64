/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A plan file (`mapsize plan --format json -o FILE`, e.g. written by an init
 * container) back as a struct mapsize_plan an agent applies with
 * mapsize_plan__apply(): the file's dimensions, and every map's max_entries
 * and preallocation pinned to the file's, over the rules it was planned from
 * (which carry the types, sizes and flags apply checks against the object). */
#ifndef MAPSIZE_TOOLS_PLAN_FILE_H
#define MAPSIZE_TOOLS_PLAN_FILE_H

#include <mapsize/mapsize.h>

/* The version of the plan JSON this reader knows (MAPSIZE_JSON_SCHEMA_VERSION
 * of the mapsize command). */
#define PLAN_FILE_SCHEMA_VERSION 1

/* NULL after printing `FILE: error: ...` (bad file, other app, a map the
 * rules lack or size differently: stale rules). */
struct mapsize_plan *plan_file__load(const char *plan_path, const char *rules_path);

#endif
