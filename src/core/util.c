// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Diagnostics, suggestions, strings and digest: pure helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- print callback ------------------------------------------------------ */

/* The default printer (warnings to stderr) lives in src/io/print.c: core does no I/O. */
static mapsize_print_fn_t print_fn = mapsize_default_print;

mapsize_print_fn_t mapsize_set_print(mapsize_print_fn_t fn)
{
	mapsize_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void mapsize_pr(enum mapsize_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

/* ---- errors ---------------------------------------------------------------- */

void error_clear(struct mapsize_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* Copies s into buf with control characters escaped ("\n", "\x01"), so a
 * message quoting input (a scalar "a\nb") stays one line.  An escape that
 * does not fit is dropped whole. */
static void copy_escaped(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[5];
		size_t n;

		if (c >= 0x20 && c != 0x7f) {
			esc[0] = (char)c;
			n = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			n = 2;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			n = 4;
		}
		if (o + n >= size)
			break;
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o] = '\0';
}

int error_vset(struct mapsize_error *err, int code, const struct mapsize_loc *loc,
	       const char *fmt, va_list ap)
{
	char msg[sizeof(err->msg)];

	if (!err)
		return code;
	error_clear(err);
	err->code = code;
	if (loc) {
		if (loc->file)
			snprintf(err->file, sizeof(err->file), "%s", loc->file);
		err->line = loc->line;
		err->col = loc->col;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	copy_escaped(err->msg, sizeof(err->msg), msg);
	return code;
}

int error_set(struct mapsize_error *err, int code, const struct mapsize_loc *loc,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, code, loc, fmt, ap);
	va_end(ap);
	return code;
}

int mapsize_error__format(const struct mapsize_error *err, char *buf, size_t size)
{
	if (!err || (!buf && size))
		return -EINVAL;
	if (!err->file[0])
		return snprintf(buf, size, "error: %s", err->msg);
	if (!err->line)
		return snprintf(buf, size, "%s: error: %s", err->file, err->msg);
	return snprintf(buf, size, "%s:%u:%u: error: %s", err->file, err->line,
			err->col ? err->col : 1, err->msg);
}

/* ---- suggestions ----------------------------------------------------------- */

/* Levenshtein distance where swapping two adjacent letters is one edit
 * (optimal string alignment): "mpas" is one typo away from "maps". */
size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t rows[3][65], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t cnt)
{
	/* A third of the word, at least 1 and at most 3 edits: close enough to
	 * be a typo, far enough not to suggest nonsense. */
	size_t limit = strlen(word) / 3;
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; i < cnt; i++) {
		size_t d = edit_distance(word, candidates[i]);

		if (d <= limit && d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

void suggestion_text(char *buf, size_t size, const char *word,
		     const char *const *candidates, size_t cnt)
{
	const char *s = suggest_closest(word, candidates, cnt);

	if (s)
		snprintf(buf, size, " (did you mean '%s'?)", s);
	else if (size)
		buf[0] = '\0';
}

/* ---- strbuf ------------------------------------------------------------------ */

static bool strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->failed)
		return false;
	if (__builtin_add_overflow(sb->len, extra + 1, &need))
		goto fail;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		if (__builtin_mul_overflow(cap, 2, &cap))
			goto fail;
	p = realloc(sb->buf, cap);
	if (!p)
		goto fail;
	sb->buf = p;
	sb->cap = cap;
	return true;
fail:
	sb->failed = true;
	return false;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	if (!strbuf_grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s;

	if (sb->failed) {
		strbuf_release(sb);
		errno = ENOMEM;
		return NULL;
	}
	s = sb->buf ? sb->buf : strdup("");
	memset(sb, 0, sizeof(*sb));
	return s;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

/* ---- digest -------------------------------------------------------------------- */

uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t fnv1a_str(uint64_t h, const char *s)
{
	return fnv1a(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* ---- version ----------------------------------------------------------------- */

const char *mapsize_version(void)
{
	return MAPSIZE_VERSION;
}

int array_reserve(void **items, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (!elem || ncap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*items, ncap * elem);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}
