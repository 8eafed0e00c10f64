// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* YAML input: libyaml events -> a bounded tree with marks, then walks with
 * per-key handler tables (the netplan way).  libyaml marks are 0-based; we
 * store 1-based. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "expr.h"
#include "yaml_doc.h"

#define YDOC_MAX_MAP_KEYS 4096

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->cnt; i++) {
		if (n->keys)
			ynode_free(n->keys[i]);
		ynode_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n);
}

void ydoc_free(struct ydoc *doc)
{
	ynode_free(doc->root);
	free(doc->file);
	memset(doc, 0, sizeof(*doc));
}

static struct ynode *ynode_new(enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (unsigned int)mark->line + 1;
	n->col = (unsigned int)mark->column + 1;
	return n;
}

static int ynode_append(struct ynode *parent, struct ynode *key, struct ynode *item)
{
	if (parent->cnt == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ynode **items = realloc(parent->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		parent->items = items;
		if (parent->kind == YNODE_MAP) {
			struct ynode **keys = realloc(parent->keys, cap * sizeof(*keys));

			if (!keys)
				return -ENOMEM;
			parent->keys = keys;
		}
		parent->cap = cap;
	}
	if (parent->kind == YNODE_MAP)
		parent->keys[parent->cnt] = key;
	parent->items[parent->cnt++] = item;
	return 0;
}

/* Duplicate keys are found through a hash set of key indices once a
 * mapping has more than a few keys, so a mapping of YDOC_MAX_MAP_KEYS long
 * keys costs one hash per key instead of a comparison with every other. */
#define YDOC_KEYSET_MIN	16
#define YDOC_KEYSET_SIZE (2 * YDOC_MAX_MAP_KEYS)	/* power of two, load <= 1/2 */

struct frame {
	struct ynode *node;
	struct ynode *pending_key;	/* map: key waiting for its value */
	uint16_t *keyset;		/* map: index + 1 of each key, 0 = empty */
};

static size_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 32));
}

/* Finds a key equal to `key` among the mapping's first `cnt` keys; with
 * `insert`, records `key` as key number cnt when it is new.  -ENOMEM, or
 * the index of the duplicate, or -1 when there is none. */
static long keyset_find(struct frame *f, const char *key, bool insert)
{
	struct ynode *map = f->node;
	size_t cnt = map->cnt, i;

	if (!f->keyset && cnt >= YDOC_KEYSET_MIN) {
		f->keyset = calloc(YDOC_KEYSET_SIZE, sizeof(*f->keyset));
		if (!f->keyset)
			return -ENOMEM;
		for (size_t k = 0; k < cnt; k++) {
			for (i = key_hash(map->keys[k]->value) & (YDOC_KEYSET_SIZE - 1); f->keyset[i];
			     i = (i + 1) & (YDOC_KEYSET_SIZE - 1))
				;
			f->keyset[i] = (uint16_t)(k + 1);
		}
	}
	if (!f->keyset) {
		for (size_t k = 0; k < cnt; k++)
			if (!strcmp(map->keys[k]->value, key))
				return (long)k;
		return -1;
	}
	for (i = key_hash(key) & (YDOC_KEYSET_SIZE - 1); f->keyset[i]; i = (i + 1) & (YDOC_KEYSET_SIZE - 1))
		if (!strcmp(map->keys[f->keyset[i] - 1]->value, key))
			return f->keyset[i] - 1;
	if (insert && cnt < YDOC_MAX_MAP_KEYS)
		f->keyset[i] = (uint16_t)(cnt + 1);
	return -1;
}

struct builder {
	struct ywalk w;
	unsigned int end_line, end_col;	/* just past the last character */
	struct frame stack[YDOC_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	struct ynode *root;
	bool root_done;
};

static int attach(struct builder *b, struct ynode *n)
{
	struct frame *f;
	long dup;
	int ret;

	if (b->depth == 0) {
		b->root = n;
		b->root_done = true;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == YNODE_SEQ) {
		ret = ynode_append(f->node, NULL, n);
		goto out;
	}
	if (!f->pending_key) {
		if (n->kind != YNODE_SCALAR) {
			ret = ywalk_error(&b->w, n, "a %s cannot be a mapping key, expected a plain name",
					  ynode_kind_name(n));
			ynode_free(n);
			return ret;
		}
		dup = keyset_find(f, n->value, true);
		if (dup >= 0) {
			const struct ynode *k = f->node->keys[dup];

			ret = ywalk_error(&b->w, n, "duplicate key '%s' (first at line %u, column %u)",
					  n->value, k->line, k->col);
			ynode_free(n);
			return ret;
		}
		if (dup == -ENOMEM) {
			ynode_free(n);
			return error_set(b->w.err, -ENOMEM, NULL, "out of memory");
		}
		if (f->node->cnt >= YDOC_MAX_MAP_KEYS) {
			ret = ywalk_error(&b->w, n, "more than %d keys in one mapping", YDOC_MAX_MAP_KEYS);
			ynode_free(n);
			return ret;
		}
		f->pending_key = n;
		return 0;
	}
	ret = ynode_append(f->node, f->pending_key, n);
	if (!ret)
		f->pending_key = NULL;
out:
	if (ret) {
		ynode_free(n);
		return error_set(b->w.err, -ENOMEM, NULL, "out of memory");
	}
	return 0;
}

static int mark_error(struct builder *b, const yaml_mark_t *mark, const char *fmt, const char *what)
{
	struct mapsize_loc loc = {
		.file = b->w.file,
		.line = (unsigned int)mark->line + 1,
		.col = (unsigned int)mark->column + 1,
	};

	return error_set(b->w.err, -EINVAL, &loc, fmt, what);
}

static int handle_event(struct builder *b, yaml_event_t *ev)
{
	yaml_mark_t mark = ev->start_mark;
	struct ynode *n;

	/* libyaml marks the end of input that lacks a final line break on
	 * the line after the last one (an empty value there, say). */
	if (mark.line + 1 > b->end_line) {
		mark.line = b->end_line - 1;
		mark.column = b->end_col - 1;
	}
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->root_done)
			return mark_error(b, &mark,
					  "a second YAML document, expected a single %s", "document");
		return 0;
	case YAML_ALIAS_EVENT:
		return mark_error(b, &mark,
				  "YAML alias '*%s' is not supported, expected the value written out",
				  (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.length > YDOC_MAX_SCALAR)
			return mark_error(b, &mark, "scalar longer than %s bytes", "4096");
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			return mark_error(b, &mark, "NUL byte in a scalar, expected %s", "text");
		n = ynode_new(YNODE_SCALAR, &mark);
		if (!n || !(n->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length))) {
			ynode_free(n);
			return error_set(b->w.err, -ENOMEM, NULL, "out of memory");
		}
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		/* Folded, escaped or block scalars do not map byte for byte onto
		 * their source; diagnostics inside them point at the scalar. */
		n->exact = ev->start_mark.line == ev->end_mark.line &&
			   (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
			    ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
			   ev->end_mark.index - ev->start_mark.index ==
			   ev->data.scalar.length + (n->plain ? 0 : 2);
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (b->depth >= YDOC_MAX_DEPTH)
			return mark_error(b, &mark,
					  "nesting deeper than %s levels, expected a flat document", "32");
		n = ynode_new(ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ,
			      &mark);
		if (!n)
			return error_set(b->w.err, -ENOMEM, NULL, "out of memory");
		if (++b->nodes > YDOC_MAX_NODES) {
			ynode_free(n);
			return mark_error(b, &mark, "more than %s nodes", "200000");
		}
		b->stack[b->depth].node = n;
		b->stack[b->depth].pending_key = NULL;
		b->stack[b->depth].keyset = NULL;
		b->depth++;
		return 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		/* counted at its start: a container is one node */
		n = b->stack[--b->depth].node;
		free(b->stack[b->depth].keyset);
		b->stack[b->depth].keyset = NULL;
		return attach(b, n);
	default:
		return 0;
	}
	if (++b->nodes > YDOC_MAX_NODES) {
		ynode_free(n);
		return mark_error(b, &mark, "more than %s nodes", "200000");
	}
	return attach(b, n);
}

/* Line and column (1-based, in characters) of byte `off` of the input,
 * counting line breaks as libyaml does: \r\n, \r, \n, NEL, LS and PS.
 * Like libyaml, a UTF-16 byte order mark makes the input UTF-16. */
static void input_loc(const char *buf, size_t len, size_t off, unsigned int *line,
		      unsigned int *col)
{
	const unsigned char *s = (const unsigned char *)buf;
	int le = len >= 2 && s[0] == 0xff && s[1] == 0xfe;
	int be = len >= 2 && s[0] == 0xfe && s[1] == 0xff;
	size_t unit = le || be ? 2 : 1;
	bool cr = false;

	*line = *col = 1;
	if (off > len)
		off = len;
	for (size_t i = unit == 2 ? 2 : 0; i + unit <= off; i += unit) {
		unsigned int c = unit == 1 ? s[i] : le ? s[i] | s[i + 1] << 8 : s[i] << 8 | s[i + 1];
		bool brk = c == '\n' || c == '\r';

		if (unit == 2) {
			brk |= c == 0x85 || c == 0x2028 || c == 0x2029;
		} else if (c == 0xc2 && i + 1 < len && s[i + 1] == 0x85) {
			brk = true;		/* NEL */
			i++;
		} else if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
			   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			brk = true;		/* LS, PS */
			i += 2;
		}
		if (brk) {
			if (!(c == '\n' && cr))	/* \r\n is one break */
				(*line)++;
			*col = 1;
		} else if (unit == 1 ? (c & 0xc0) != 0x80 : c < 0xdc00 || c > 0xdfff) {
			(*col)++;	/* not a UTF-8 continuation or a low surrogate */
		}
		cr = c == '\r';
	}
}

int ydoc_parse(const char *buf, size_t len, const char *file, struct ydoc *doc,
	       struct mapsize_error *err)
{
	struct builder b = { .w = { .file = file, .err = err } };
	yaml_parser_t parser;
	yaml_event_t ev;
	int ret = 0;
	bool done = false;

	memset(doc, 0, sizeof(*doc));
	if (len > MAPSIZE_MAX_INPUT_BYTES) {
		struct mapsize_loc loc = { .file = file };

		return error_set(err, -EFBIG, &loc, "input larger than %u bytes", MAPSIZE_MAX_INPUT_BYTES);
	}
	if (!yaml_parser_initialize(&parser))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	input_loc(buf, len, len, &b.end_line, &b.end_col);
	while (!done && !ret) {
		if (!yaml_parser_parse(&parser, &ev)) {
			struct mapsize_loc loc = {
				.file = file,
				.line = (unsigned int)parser.problem_mark.line + 1,
				.col = (unsigned int)parser.problem_mark.column + 1,
			};

			/* Reader errors (bad UTF-8, control characters) carry
			 * a byte offset, not a mark. */
			if (parser.error == YAML_READER_ERROR) {
				input_loc(buf, len, parser.problem_offset, &loc.line, &loc.col);
			} else if (loc.line > b.end_line) {
				/* at the end of input without a final line break */
				loc.line = b.end_line;
				loc.col = b.end_col;
			}
			if (parser.error == YAML_MEMORY_ERROR)
				ret = error_set(err, -ENOMEM, &loc, "out of memory");
			else
				ret = error_set(err, -EINVAL, &loc, "invalid YAML: %s%s%s",
						parser.problem ? parser.problem : "syntax error",
						parser.context ? " " : "",
						parser.context ? parser.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ret = handle_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	/* On error, unwind what the builder still holds. */
	while (b.depth > 0) {
		b.depth--;
		ynode_free(b.stack[b.depth].pending_key);
		ynode_free(b.stack[b.depth].node);
		free(b.stack[b.depth].keyset);
	}
	if (ret) {
		ynode_free(b.root);
		return ret;
	}
	doc->root = b.root;
	doc->file = strdup(file ? file : "<input>");
	if (!doc->file) {
		ydoc_free(doc);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	/* A document of only comments is an empty plain scalar or nothing. */
	if (doc->root && doc->root->kind == YNODE_SCALAR && doc->root->plain && !doc->root->value[0]) {
		ynode_free(doc->root);
		doc->root = NULL;
	}
	return 0;
}

/* ---- walking --------------------------------------------------------------- */

struct mapsize_loc ynode_loc(const struct ywalk *w, const struct ynode *n)
{
	struct mapsize_loc loc = { .file = w->file };

	if (n) {
		loc.line = n->line;
		loc.col = n->col;
	}
	return loc;
}

struct mapsize_loc ynode_loc_at(const struct ywalk *w, const struct ynode *n, size_t offset)
{
	struct mapsize_loc loc = ynode_loc(w, n);

	/* Quoted scalars start one column before their text; folded,
	 * escaped and multi-line scalars would need a map of their source,
	 * so point at the scalar then. */
	if (n->kind == YNODE_SCALAR && n->exact)
		loc.col += (unsigned int)offset + (n->plain ? 0 : 1);
	return loc;
}

int ywalk_error(const struct ywalk *w, const struct ynode *n, const char *fmt, ...)
{
	struct mapsize_loc loc = ynode_loc(w, n);
	va_list ap;

	va_start(ap, fmt);
	error_vset(w->err, -EINVAL, &loc, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "mapping";
	case YNODE_SEQ:
		return "list";
	default:
		return n->plain && !n->value[0] ? "nothing" : "scalar";
	}
}

int yexpect_kind(const struct ywalk *w, const struct ynode *n, enum ynode_kind kind,
		 const char *what)
{
	if (n && n->kind == kind)
		return 0;
	return ywalk_error(w, n, "expected %s but found %s", what,
			   n && n->kind == YNODE_SCALAR && n->value[0] ? "a scalar"
			   : n && n->kind == YNODE_MAP ? "a mapping"
			   : n && n->kind == YNODE_SEQ ? "a list" : "nothing");
}

const struct ynode *ymap_key(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->cnt; i++)
		if (!strcmp(map->keys[i]->value, key))
			return map->keys[i];
	return NULL;
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->cnt; i++)
		if (!strcmp(map->keys[i]->value, key))
			return map->items[i];
	return NULL;
}

int ywalk_map(const struct ywalk *w, const struct ynode *map, const struct yhandler *handlers,
	      void *obj, const char *what)
{
	const char *names[64];
	size_t nnames = 0;
	int ret;

	ret = yexpect_kind(w, map, YNODE_MAP, what);
	if (ret)
		return ret;
	for (const struct yhandler *h = handlers; h->key && nnames < ARRAY_SIZE(names); h++)
		names[nnames++] = h->key;
	for (size_t i = 0; i < map->cnt; i++) {
		const struct ynode *key = map->keys[i];
		const struct yhandler *h;

		for (h = handlers; h->key; h++)
			if (!strcmp(h->key, key->value))
				break;
		if (!h->key) {
			char hint[96], list[512] = "";
			size_t off = 0;

			suggestion_text(hint, sizeof(hint), key->value, names, nnames);
			for (size_t j = 0; j < nnames && off < sizeof(list); j++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							j ? ", " : "", names[j]);
			return ywalk_error(w, key, "unknown key '%s' in %s%s; expected one of: %s",
					   key->value, what, hint, list);
		}
		ret = h->fn(w, key, map->items[i], obj, h->offset);
		if (ret)
			return ret;
	}
	return 0;
}

int yscalar_str(const struct ywalk *w, const struct ynode *n, const char **out)
{
	int ret = yexpect_kind(w, n, YNODE_SCALAR, "a string");

	if (ret)
		return ret;
	if (n->plain && !n->value[0])
		return ywalk_error(w, n, "expected a string but found nothing");
	*out = n->value;
	return 0;
}

int yscalar_u64(const struct ywalk *w, const struct ynode *n, uint64_t *out)
{
	int ret = yexpect_kind(w, n, YNODE_SCALAR, "a number");

	if (ret)
		return ret;
	if (!n->value[0])
		return ywalk_error(w, n, "expected a number but found nothing");
	if (n->value[0] == '-')
		return ywalk_error(w, n, "negative number '%s', expected a number >= 0", n->value);
	ret = expr_parse_quantity(n->value, out);
	if (ret == -ERANGE)
		return ywalk_error(w, n, "number '%s' out of range, expected at most 18446744073709551615",
				   n->value);
	if (ret)
		return ywalk_error(w, n, "'%s' is not a number, expected digits with an optional k/M/G/T/Ki/Mi/Gi/Ti suffix",
				   n->value);
	return 0;
}

int yscalar_u32(const struct ywalk *w, const struct ynode *n, uint32_t *out)
{
	uint64_t v;
	int ret = yscalar_u64(w, n, &v);

	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return ywalk_error(w, n, "number %s out of range, expected at most 4294967295", n->value);
	*out = (uint32_t)v;
	return 0;
}

int yscalar_bool(const struct ywalk *w, const struct ynode *n, bool *out)
{
	int ret = yexpect_kind(w, n, YNODE_SCALAR, "true or false");

	if (ret)
		return ret;
	if (!strcmp(n->value, "true"))
		*out = true;
	else if (!strcmp(n->value, "false"))
		*out = false;
	else
		return ywalk_error(w, n, "'%s' is not a boolean, expected true or false", n->value);
	return 0;
}

int yh_str(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	   void *obj, size_t offset)
{
	return yscalar_str(w, value, (const char **)((char *)obj + offset));
}

int yh_u32(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	   void *obj, size_t offset)
{
	return yscalar_u32(w, value, (uint32_t *)((char *)obj + offset));
}

int yh_node(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	    void *obj, size_t offset)
{
	*(const struct ynode **)((char *)obj + offset) = value;
	return 0;
}
