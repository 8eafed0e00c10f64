/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output formatting shared by the tools. */
#ifndef MAPSIZE_TOOLS_FORMAT_H
#define MAPSIZE_TOOLS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "64.9 KiB", "1.0 MiB": binary units, one decimal; returns buf. */
const char *human_bytes(uint64_t bytes, char *buf, size_t size);

#endif
