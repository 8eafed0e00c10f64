/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by apply.c and inner_grow.c: the size of a new inner map instance. */
#ifndef MAPSIZE_INNER_KERNEL_H
#define MAPSIZE_INNER_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

struct mapsize_plan;

/* max_entries of a new instance of outer's inner map, created with `flags`,
 * for `live` entries: per instance where the rule and the plan's target
 * kernel allow it (*per_instance true), else the template's. */
uint32_t inner_instance_size(const struct mapsize_plan *plan, const char *outer, uint32_t flags,
			     uint64_t live, bool *per_instance);

#endif
