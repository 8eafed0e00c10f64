/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output formatting shared by the tools. */
#ifndef MAPSIZE_TOOLS_FORMAT_H
#define MAPSIZE_TOOLS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* The --format values of every command, parsed in one place. */
enum output_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_YAML, FORMAT_PROMETHEUS };

/* `arg` as one of the `cnt` formats a command accepts: the format, or -1
 * after printing "error: unknown --format 'ARG', expected a, b or c" (in
 * the order given; a usage error, exit 2). */
int format_parse(const char *arg, const enum output_format *accepted, size_t cnt);
#define FORMAT_PARSE(arg, ...)						\
	format_parse((arg), (const enum output_format[]){ __VA_ARGS__ },	\
		     sizeof((const enum output_format[]){ __VA_ARGS__ }) / sizeof(enum output_format))

/* "512 B", "64.9 KiB", "1.0 MiB": binary units, one decimal; returns buf. */
const char *human_bytes(uint64_t bytes, char *buf, size_t size);

#endif
