/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The built-in kernel struct sizes, one entry per kernel series, generated
 * into kernel_consts_table.c by tools/gen-kernel-consts.sh. */
#ifndef MAPSIZE_KERNEL_CONSTS_TABLE_H
#define MAPSIZE_KERNEL_CONSTS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <mapsize/memory.h>

struct kernel_consts_series {
	unsigned int version;		/* MAPSIZE_KERNEL_VERSION(major, minor) */
	const char *nearest;		/* consts.source when used for a later kernel */
	struct mapsize_kernel_consts consts;
};

/* Sorted by version, oldest first. */
extern const struct kernel_consts_series kernel_consts_table[];
extern const size_t kernel_consts_table_cnt;

#endif
