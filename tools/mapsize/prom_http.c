// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP for `recommend --prometheus`, through libcurl.  The static mapsize
 * is built with MAPSIZE_NO_CURL (libcurl's static dependencies are not
 * packaged): there the functions say so. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_http.h"

#ifdef MAPSIZE_NO_CURL
int prom_http_get(const struct prom_http_opts *o, const char *url, char **body, size_t *len, long *status,
		  char *why, size_t why_size)
{
	snprintf(why, why_size, "this mapsize is built without libcurl (the static build): use the dynamic one");
	return -1;
}

char *prom_http_escape(const char *s)
{
	return strdup(s);
}
#else
#include <curl/curl.h>

struct body {
	char *buf;
	size_t len;
	int failed;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add + 1 > 64u << 20) {	/* a query result is small; a stream is an error */
		b->failed = 1;
		return 0;
	}
	p = realloc(b->buf, b->len + add + 1);
	if (!p) {
		b->failed = 1;
		return 0;
	}
	memcpy(p + b->len, data, add);
	b->buf = p;
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

static int read_token(const char *path, char *buf, size_t size, char *why, size_t why_size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(why, why_size, "%s: cannot read the bearer token: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';	/* the first line, as Prometheus' own clients */
	if (!*buf) {
		snprintf(why, why_size, "%s: the bearer token file is empty", path);
		return -1;
	}
	return 0;
}

int prom_http_get(const struct prom_http_opts *o, const char *url, char **body, size_t *len, long *status,
		  char *why, size_t why_size)
{
	static int initialized;
	struct body b = { 0 };
	struct curl_slist *headers = NULL;
	char token[4096], auth[4200], errbuf[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;

	if (!initialized && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(why, why_size, "cannot initialize libcurl");
		return -1;
	}
	initialized = 1;
	if (o->bearer_token_file) {
		if (read_token(o->bearer_token_file, token, sizeof(token), why, why_size))
			return -1;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers = curl_slist_append(headers, auth);
	}
	c = curl_easy_init();
	if (!c) {
		curl_slist_free_all(headers);
		snprintf(why, why_size, "cannot initialize libcurl");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_seconds);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK || b.failed) {
		snprintf(why, why_size, "%s", b.failed ? "response too large or out of memory" :
			 *errbuf ? errbuf : curl_easy_strerror(rc));
		free(b.buf);
		return -1;
	}
	*body = b.buf ? b.buf : strdup("");
	*len = b.len;
	return *body ? 0 : (snprintf(why, why_size, "out of memory"), -1);
}

char *prom_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *copy;

	if (!e)
		return NULL;
	copy = strdup(e);	/* callers free() it */
	curl_free(e);
	return copy;
}
#endif
