/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HTTP GET through libcurl for `recommend --prometheus` (prom_http.c). */
#ifndef MAPSIZE_TOOL_PROM_HTTP_H
#define MAPSIZE_TOOL_PROM_HTTP_H

#include <stddef.h>

struct prom_http_opts {
	const char *bearer_token_file;	/* Authorization: Bearer <first line> */
	const char *ca_file;		/* verify the server with this CA bundle */
	long timeout_seconds;
};

/* GET base_url + path_and_query: *body (malloc'd, NUL-terminated) and the
 * HTTP status.  0, or -1 with a one-line reason in why. */
int prom_http_get(const struct prom_http_opts *o, const char *url, char **body, size_t *len, long *status,
		  char *why, size_t why_size);
/* The text percent-encoded for a query string; malloc'd, NULL on error. */
char *prom_http_escape(const char *s);

#endif
