// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "format.h"

const char *human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

static const char *const format_names[] = {
	[FORMAT_TABLE] = "table",
	[FORMAT_JSON] = "json",
	[FORMAT_YAML] = "yaml",
	[FORMAT_PROMETHEUS] = "prometheus",
};

int format_parse(const char *arg, const enum output_format *accepted, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(arg, format_names[accepted[i]]))
			return (int)accepted[i];
	fprintf(stderr, "error: unknown --format '%s', expected ", arg);
	for (size_t i = 0; i < cnt; i++)
		fprintf(stderr, "%s%s", i ? (i + 1 == cnt ? " or " : ", ") : "", format_names[accepted[i]]);
	fprintf(stderr, "\n");
	return -1;
}
