/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A bounded YAML tree built from libyaml events, and netplan-style walking
 * with per-key handler tables.  Every node keeps its 1-based line:column so
 * every diagnostic can point at the input. */
#ifndef MAPSIZE_YAML_DOC_H
#define MAPSIZE_YAML_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Limits against hostile input: aliases are rejected outright (no billion
 * laughs), nesting and size are bounded. */
#define YDOC_MAX_DEPTH	32
#define YDOC_MAX_NODES	200000
#define YDOC_MAX_SCALAR	4096

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
	enum ynode_kind kind;
	unsigned int line, col;
	/* scalar */
	char *value;
	bool plain;		/* unquoted: col of value[0] is col */
	bool exact;		/* one line, no escapes or folds: value[i] is at
				   col + i (+ 1 past a quote) */
	/* map: keys[i] -> items[i]; seq: items[i] */
	struct ynode **keys;
	struct ynode **items;
	size_t cnt, cap;
};

struct ydoc {
	char *file;		/* for diagnostics */
	struct ynode *root;	/* NULL for an empty document */
};

int ydoc_parse(const char *buf, size_t len, const char *file, struct ydoc *doc,
	       struct mapsize_error *err);
void ydoc_free(struct ydoc *doc);

/* ---- walking -------------------------------------------------------------- */

struct ywalk {
	const char *file;
	struct mapsize_error *err;
};

struct mapsize_loc ynode_loc(const struct ywalk *w, const struct ynode *n);
/* Location of byte `offset` inside a scalar (for expression errors). */
struct mapsize_loc ynode_loc_at(const struct ywalk *w, const struct ynode *n, size_t offset);
int ywalk_error(const struct ywalk *w, const struct ynode *n, const char *fmt, ...) __printf(3, 4);
const char *ynode_kind_name(const struct ynode *n);

typedef int (*yhandler_fn)(const struct ywalk *w, const struct ynode *key,
			   const struct ynode *value, void *obj, size_t offset);

struct yhandler {
	const char *key;
	yhandler_fn fn;
	size_t offset;		/* passed to fn: where in obj the field lives */
};

/* Walks a mapping: each key must be in `handlers` (unknown keys are an
 * error suggesting the closest).  `what` names the mapping in messages. */
int ywalk_map(const struct ywalk *w, const struct ynode *map, const struct yhandler *handlers,
	      void *obj, const char *what);
/* Finds `key` in a mapping (NULL when absent). */
const struct ynode *ymap_get(const struct ynode *map, const char *key);
const struct ynode *ymap_key(const struct ynode *map, const char *key);

/* Typed scalar readers; each reports "expected ..." at the node on error. */
int yscalar_str(const struct ywalk *w, const struct ynode *n, const char **out);
int yscalar_u64(const struct ywalk *w, const struct ynode *n, uint64_t *out);
int yscalar_u32(const struct ywalk *w, const struct ynode *n, uint32_t *out);
int yscalar_bool(const struct ywalk *w, const struct ynode *n, bool *out);
int yexpect_kind(const struct ywalk *w, const struct ynode *n, enum ynode_kind kind,
		 const char *what);

/* Generic handlers writing into obj + offset. */
int yh_str(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	   void *obj, size_t offset);	/* const char * (points into the tree) */
int yh_u32(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	   void *obj, size_t offset);
int yh_node(const struct ywalk *w, const struct ynode *key, const struct ynode *value,
	    void *obj, size_t offset);	/* const struct ynode * */

#endif
