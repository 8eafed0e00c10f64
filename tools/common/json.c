// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tools' JSON tree, writer and reader (json.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct jv {
	enum jv_type type;
	bool neg;		/* JV_INT: value is -mag */
	uint64_t mag;		/* JV_INT: magnitude */
	double real;
	char *str;		/* JV_STRING */
	size_t cnt, cap;	/* JV_ARRAY, JV_OBJECT */
	jv_t **vals;
	char **keys;		/* JV_OBJECT */
};

static jv_t *jv_new(enum jv_type type)
{
	jv_t *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

jv_t *jv_object(void) { return jv_new(JV_OBJECT); }
jv_t *jv_array(void) { return jv_new(JV_ARRAY); }
jv_t *jv_null(void) { return jv_new(JV_NULL); }
jv_t *jv_boolean(bool b) { return jv_new(b ? JV_TRUE : JV_FALSE); }

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned int c = *s, n, cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

jv_t *jv_string(const char *s)
{
	jv_t *v;

	if (!s || !utf8_valid((const unsigned char *)s) || !(v = jv_new(JV_STRING)))
		return NULL;
	if (!(v->str = strdup(s))) {
		free(v);
		return NULL;
	}
	return v;
}

jv_t *jv_u64(uint64_t u)
{
	jv_t *v = jv_new(JV_INT);

	if (v)
		v->mag = u;
	return v;
}

jv_t *jv_integer(int64_t i)
{
	jv_t *v = jv_u64(i < 0 ? -(uint64_t)i : (uint64_t)i);

	if (v)
		v->neg = i < 0;
	return v;
}

jv_t *jv_real(double d)
{
	jv_t *v;

	if (!isfinite(d) || !(v = jv_new(JV_REAL)))
		return NULL;
	v->real = d;
	return v;
}

void jv_decref(jv_t *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->cnt; i++) {
		jv_decref(v->vals[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->vals);
	free(v->keys);
	free(v->str);
	free(v);
}

static int jv_grow(jv_t *c)
{
	size_t cap = c->cap ? c->cap * 2 : 8;
	jv_t **vals;

	if (c->cnt < c->cap)
		return 0;
	if (!(vals = realloc(c->vals, cap * sizeof(*vals))))
		return -ENOMEM;
	c->vals = vals;
	if (c->type == JV_OBJECT) {
		char **keys = realloc(c->keys, cap * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		c->keys = keys;
	}
	c->cap = cap;
	return 0;
}

int jv_array_append_new(jv_t *arr, jv_t *val)
{
	if (!val)
		return -1;
	if (!arr || arr->type != JV_ARRAY || jv_grow(arr)) {
		jv_decref(val);
		return -1;
	}
	arr->vals[arr->cnt++] = val;
	return 0;
}

int jv_object_set_new(jv_t *obj, const char *key, jv_t *val)
{
	char *k;

	if (!val)
		return -1;
	if (!obj || obj->type != JV_OBJECT || !key)
		goto fail;
	for (size_t i = 0; i < obj->cnt; i++) {
		if (!strcmp(obj->keys[i], key)) {	/* replaced in place, as jansson */
			jv_decref(obj->vals[i]);
			obj->vals[i] = val;
			return 0;
		}
	}
	if (jv_grow(obj) || !(k = strdup(key)))
		goto fail;
	obj->keys[obj->cnt] = k;
	obj->vals[obj->cnt++] = val;
	return 0;
fail:
	jv_decref(val);
	return -1;
}

enum jv_type jv_typeof(const jv_t *v) { return v ? v->type : JV_NULL; }

jv_t *jv_object_get(const jv_t *obj, const char *key)
{
	if (!obj || obj->type != JV_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < obj->cnt; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->vals[i];
	return NULL;
}

size_t jv_object_size(const jv_t *obj) { return obj && obj->type == JV_OBJECT ? obj->cnt : 0; }

const char *jv_object_key_at(const jv_t *obj, size_t idx, jv_t **val)
{
	if (!obj || obj->type != JV_OBJECT || idx >= obj->cnt)
		return NULL;
	if (val)
		*val = obj->vals[idx];
	return obj->keys[idx];
}

size_t jv_array_size(const jv_t *arr) { return arr && arr->type == JV_ARRAY ? arr->cnt : 0; }

jv_t *jv_array_get(const jv_t *arr, size_t idx)
{
	return arr && arr->type == JV_ARRAY && idx < arr->cnt ? arr->vals[idx] : NULL;
}

const char *jv_string_value(const jv_t *v) { return v && v->type == JV_STRING ? v->str : NULL; }

int64_t jv_integer_value(const jv_t *v)
{
	if (!v || v->type != JV_INT)
		return 0;
	if (v->neg)
		return v->mag <= (uint64_t)INT64_MAX + 1 ? (int64_t)-v->mag : 0;
	return v->mag <= INT64_MAX ? (int64_t)v->mag : 0;
}

bool jv_u64_value(const jv_t *v, uint64_t *out)
{
	if (!v || v->type != JV_INT || (v->neg && v->mag))
		return false;
	*out = v->mag;
	return true;
}

/* ---- writer ------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
	bool compact;		/* one line: no newlines or indent, "," and ":" */
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *b;

		while (cap < o->len + n + 1)
			cap *= 2;
		if (!(b = realloc(o->buf, cap))) {
			o->failed = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_str(struct out *o, const char *s) { out_add(o, s, strlen(s)); }

static void out_indent(struct out *o, int depth)
{
	if (o->compact)
		return;
	out_add(o, "\n", 1);
	for (int i = 0; i < depth; i++)
		out_add(o, "  ", 2);
}

/* jansson's escapes: \" \\ \b \f \n \r \t, other controls \u00XX. */
static void out_quoted(struct out *o, const char *s)
{
	out_add(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		switch (c) {
		case '"': out_str(o, "\\\""); break;
		case '\\': out_str(o, "\\\\"); break;
		case '\b': out_str(o, "\\b"); break;
		case '\f': out_str(o, "\\f"); break;
		case '\n': out_str(o, "\\n"); break;
		case '\r': out_str(o, "\\r"); break;
		case '\t': out_str(o, "\\t"); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04X", c);
				out_str(o, esc);
			} else {
				out_add(o, s, 1);
			}
		}
	}
	out_add(o, "\"", 1);
}

/* As jansson's jsonp_dtostr: %.Ng, a ".0" when it would read as an integer,
 * no '+' or leading zeros in the exponent. */
static void out_real(struct out *o, double d, int precision)
{
	char buf[64], *e;

	snprintf(buf, sizeof(buf) - 2, "%.*g", precision ? precision : 17, d);
	if (!strchr(buf, '.') && !strchr(buf, 'e'))
		strcat(buf, ".0");
	if ((e = strchr(buf, 'e'))) {
		char *start = e + 1, *end;

		if (*start == '-')
			start++;
		end = start;
		while (*end == '+' || *end == '0')
			end++;
		memmove(start, end, strlen(end) + 1);
	}
	out_str(o, buf);
}

static void out_value(struct out *o, const jv_t *v, int depth, int precision)
{
	char num[32];

	switch (v->type) {
	case JV_NULL: out_str(o, "null"); break;
	case JV_TRUE: out_str(o, "true"); break;
	case JV_FALSE: out_str(o, "false"); break;
	case JV_INT:
		snprintf(num, sizeof(num), "%s%llu", v->neg ? "-" : "", (unsigned long long)v->mag);
		out_str(o, num);
		break;
	case JV_REAL: out_real(o, v->real, precision); break;
	case JV_STRING: out_quoted(o, v->str); break;
	case JV_ARRAY:
	case JV_OBJECT:
		out_add(o, v->type == JV_ARRAY ? "[" : "{", 1);
		for (size_t i = 0; i < v->cnt; i++) {
			if (i)
				out_add(o, ",", 1);
			out_indent(o, depth + 1);
			if (v->type == JV_OBJECT) {
				out_quoted(o, v->keys[i]);
				out_add(o, ": ", o->compact ? 1 : 2);
			}
			out_value(o, v->vals[i], depth + 1, precision);
		}
		if (v->cnt)
			out_indent(o, depth);
		out_add(o, v->type == JV_ARRAY ? "]" : "}", 1);
		break;
	}
}

static char *dumps(const jv_t *v, int precision, bool compact)
{
	struct out o = { .compact = compact };

	if (!v)
		return NULL;
	out_value(&o, v, 0, precision);
	if (o.failed || !o.buf) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

char *jv_dumps(const jv_t *v, int precision)
{
	return dumps(v, precision, false);
}

char *jv_dumps_compact(const jv_t *v, int precision)
{
	return dumps(v, precision, true);
}

/* ---- reader ------------------------------------------------------------- */

#define JV_MAX_DEPTH 64

struct in {
	const char *p, *end, *line_start;
	unsigned int line;
	struct jv_error *err;
	bool failed;
};

static void in_error(struct in *in, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void in_error(struct in *in, const char *at, const char *fmt, ...)
{
	va_list ap;

	if (in->failed)
		return;
	in->failed = true;
	in->err->line = in->line;
	in->err->column = (unsigned int)(at - in->line_start) + 1;
	va_start(ap, fmt);
	vsnprintf(in->err->text, sizeof(in->err->text), fmt, ap);
	va_end(ap);
}

static void skip_ws(struct in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')) {
		if (*in->p == '\n') {
			in->line++;
			in->line_start = in->p + 1;
		}
		in->p++;
	}
}

static const char *what(const struct in *in)
{
	return in->p >= in->end ? "end of the input" : "character";
}

static jv_t *parse_value(struct in *in, int depth);

static int hex4(const char *p, unsigned int *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return -1;
		*cp = *cp << 4 | (unsigned int)d;
	}
	return 0;
}

static void put_utf8(struct out *o, unsigned int cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) { b[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	out_add(o, b, n);
}

/* in->p at the opening quote; a malloc'd string or NULL. */
static char *parse_string(struct in *in)
{
	struct out o = { 0 };
	const char *start = in->p, *esc;

	out_add(&o, "", 0);
	for (in->p++; in->p < in->end && *in->p != '"'; in->p++) {
		unsigned char c = (unsigned char)*in->p;
		unsigned int cp, lo;

		if (c < 0x20) {
			in_error(in, in->p, "control character in a string, expected it escaped");
			goto fail;
		}
		if (c != '\\') {
			out_add(&o, in->p, 1);
			continue;
		}
		if (++in->p >= in->end)
			break;
		switch (*in->p) {
		case '"': case '\\': case '/': out_add(&o, in->p, 1); break;
		case 'b': out_add(&o, "\b", 1); break;
		case 'f': out_add(&o, "\f", 1); break;
		case 'n': out_add(&o, "\n", 1); break;
		case 'r': out_add(&o, "\r", 1); break;
		case 't': out_add(&o, "\t", 1); break;
		case 'u':
			esc = in->p - 1;
			if (in->end - in->p < 5 || hex4(in->p + 1, &cp)) {
				in_error(in, esc, "bad \\u escape, expected four hex digits");
				goto fail;
			}
			in->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (in->end - in->p < 7 || in->p[1] != '\\' || in->p[2] != 'u' || hex4(in->p + 3, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff) {
					in_error(in, esc, "lone surrogate, expected a \\uDC00-\\uDFFF after it");
					goto fail;
				}
				in->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				in_error(in, esc, "lone surrogate, expected a \\uD800-\\uDBFF before it");
				goto fail;
			}
			if (!cp) {
				in_error(in, esc, "\\u0000 in a string, expected no NUL");
				goto fail;
			}
			put_utf8(&o, cp);
			break;
		default:
			in_error(in, in->p, "unknown escape '\\%c', expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u",
				 *in->p);
			goto fail;
		}
	}
	if (in->p >= in->end) {
		in_error(in, start, "unterminated string, expected a closing '\"'");
		goto fail;
	}
	in->p++;
	if (o.failed || !utf8_valid((unsigned char *)o.buf)) {
		in_error(in, start, o.failed ? "out of memory" : "invalid UTF-8 in a string");
		goto fail;
	}
	return o.buf;
fail:
	free(o.buf);
	return NULL;
}

/* Integers exact in [-2^63, 2^64-1]; a fraction or exponent makes a real. */
static jv_t *parse_number(struct in *in)
{
	const char *start = in->p, *q = in->p;
	bool neg = false, real = false;
	uint64_t mag = 0;
	jv_t *v;

	if (*q == '-')
		neg = true, q++;
	if (q >= in->end || *q < '0' || *q > '9') {
		in_error(in, q, "bad number, expected a digit");
		return NULL;
	}
	if (*q == '0' && q + 1 < in->end && q[1] >= '0' && q[1] <= '9') {
		in_error(in, start, "number with a leading zero, expected none");
		return NULL;
	}
	for (; q < in->end && *q >= '0' && *q <= '9'; q++) {
		unsigned int d = (unsigned int)(*q - '0');

		if (mag > (UINT64_MAX - d) / 10) {
			while (q < in->end && *q >= '0' && *q <= '9')
				q++;
			if (q < in->end && (*q == '.' || *q == 'e' || *q == 'E'))
				break;
			in_error(in, start, "integer %.*s too big, expected at most %s", (int)(q - start), start,
				 neg ? "-9223372036854775808" : "18446744073709551615");
			return NULL;
		}
		mag = mag * 10 + d;
	}
	if (q < in->end && *q == '.') {
		real = true;
		if (++q >= in->end || *q < '0' || *q > '9') {
			in_error(in, q, "bad number, expected a digit after '.'");
			return NULL;
		}
		while (q < in->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < in->end && (*q == 'e' || *q == 'E')) {
		real = true;
		if (++q < in->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= in->end || *q < '0' || *q > '9') {
			in_error(in, q, "bad exponent, expected a digit");
			return NULL;
		}
		while (q < in->end && *q >= '0' && *q <= '9')
			q++;
	}
	in->p = q;
	if (real) {
		char buf[128];

		if ((size_t)(q - start) >= sizeof(buf)) {
			in_error(in, start, "number too long, expected at most %zu characters", sizeof(buf) - 1);
			return NULL;
		}
		memcpy(buf, start, (size_t)(q - start));
		buf[q - start] = '\0';
		v = jv_real(strtod(buf, NULL));
		if (!v)
			in_error(in, start, "real number out of range, expected a finite one");
		return v;
	}
	if (neg && mag > (uint64_t)INT64_MAX + 1) {
		in_error(in, start, "integer %.*s too small, expected at least -9223372036854775808",
			 (int)(q - start), start);
		return NULL;
	}
	v = jv_u64(mag);
	if (v)
		v->neg = neg && mag;
	return v;
}

static bool literal(struct in *in, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n))
		return false;
	in->p += n;
	return true;
}

static jv_t *parse_container(struct in *in, int depth)
{
	bool obj = *in->p == '{';
	char close = obj ? '}' : ']';
	jv_t *c = obj ? jv_object() : jv_array();

	if (!c) {
		in_error(in, in->p, "out of memory");
		return NULL;
	}
	if (depth >= JV_MAX_DEPTH) {
		in_error(in, in->p, "nested too deep, expected at most %d levels", JV_MAX_DEPTH);
		goto fail;
	}
	in->p++;
	skip_ws(in);
	if (in->p < in->end && *in->p == close) {
		in->p++;
		return c;
	}
	for (;;) {
		char *key = NULL;
		jv_t *v;

		skip_ws(in);
		if (obj) {
			if (in->p >= in->end || *in->p != '"') {
				in_error(in, in->p, "unexpected %s, expected a key string", what(in));
				goto fail;
			}
			if (!(key = parse_string(in)))
				goto fail;
			skip_ws(in);
			if (in->p >= in->end || *in->p != ':') {
				in_error(in, in->p, "unexpected %s, expected ':' after the key", what(in));
				free(key);
				goto fail;
			}
			in->p++;
		}
		v = parse_value(in, depth + 1);
		if (!v) {
			free(key);
			goto fail;
		}
		if (obj ? jv_object_set_new(c, key, v) : jv_array_append_new(c, v)) {
			in_error(in, in->p, "out of memory");
			free(key);
			goto fail;
		}
		free(key);
		skip_ws(in);
		if (in->p < in->end && *in->p == ',') {
			in->p++;
			continue;
		}
		if (in->p < in->end && *in->p == close) {
			in->p++;
			return c;
		}
		in_error(in, in->p, "unexpected %s, expected ',' or '%c'", what(in), close);
		goto fail;
	}
fail:
	jv_decref(c);
	return NULL;
}

static jv_t *parse_value(struct in *in, int depth)
{
	jv_t *v = NULL;
	char *s;

	skip_ws(in);
	if (in->p >= in->end) {
		in_error(in, in->p, "unexpected end of the input, expected a value");
		return NULL;
	}
	switch (*in->p) {
	case '{':
	case '[':
		return parse_container(in, depth);
	case '"':
		if (!(s = parse_string(in)))
			return NULL;
		v = jv_string(s);
		free(s);
		break;
	case 't': v = literal(in, "true") ? jv_boolean(true) : NULL; break;
	case 'f': v = literal(in, "false") ? jv_boolean(false) : NULL; break;
	case 'n': v = literal(in, "null") ? jv_null() : NULL; break;
	default:
		if (*in->p == '-' || (*in->p >= '0' && *in->p <= '9'))
			return parse_number(in);
	}
	if (!v)
		in_error(in, in->p, "unexpected %s, expected a value", what(in));
	return v;
}

jv_t *jv_loads(const char *text, size_t len, struct jv_error *err)
{
	struct in in = { .p = text, .end = text + len, .line_start = text, .line = 1, .err = err };
	jv_t *v;

	*err = (struct jv_error){ 0 };
	v = parse_value(&in, 0);
	if (!v)
		return NULL;
	skip_ws(&in);
	if (in.p < in.end) {
		in_error(&in, in.p, "unexpected text after the document, expected the end of the input");
		jv_decref(v);
		return NULL;
	}
	return v;
}

jv_t *jv_load_file(const char *path, size_t max_bytes, struct jv_error *err)
{
	FILE *f = fopen(path, "r");
	size_t len = 0;
	char *buf = NULL;
	jv_t *v = NULL;

	*err = (struct jv_error){ 0 };
	if (!f) {
		snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
		return NULL;
	}
	buf = malloc(max_bytes + 1);
	if (buf)
		len = fread(buf, 1, max_bytes + 1, f);
	if (!buf || ferror(f))
		snprintf(err->text, sizeof(err->text), "%s", strerror(buf ? EIO : ENOMEM));
	else if (len > max_bytes)
		snprintf(err->text, sizeof(err->text), "larger than %zu MiB", max_bytes >> 20);
	else
		v = jv_loads(buf, len, err);
	free(buf);
	fclose(f);
	return v;
}
