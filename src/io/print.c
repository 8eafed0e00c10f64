// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The default print callback: warnings to stderr (mapsize_set_print replaces it). */
#include <stdio.h>

#include "internal.h"

int mapsize_default_print(enum mapsize_print_level level, const char *fmt, va_list ap)
{
	if (level != MAPSIZE_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}
