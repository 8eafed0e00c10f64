/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* In-memory model of parsed inputs: rules, profiles and the plan. */
#ifndef MAPSIZE_MODEL_H
#define MAPSIZE_MODEL_H

#include "expr.h"
#include "internal.h"
#include "yaml_doc.h"

/* An expression together with where it was written. */
struct src_expr {
	struct expr *expr;		/* NULL when absent */
	const char *text;
	const struct ynode *node;	/* NULL for command-line input */
	const char *file;		/* NULL for command-line input */
	const char *origin;		/* "--set maps.x.max_entries=..." for command line */
};

/* Location of byte `offset` of the expression. */
struct mapsize_loc src_expr_loc(const struct src_expr *se, size_t offset);
int src_expr_compile(struct src_expr *se, const struct ywalk *w, const struct ynode *node,
		     struct mapsize_error *err);
void src_expr_release(struct src_expr *se);

/* An inner rule's `instance:` (src/core/inner_instance.c). */
struct rule_instance {
	const struct ynode *node;	/* NULL when absent */
	uint32_t headroom_milli;	/* the factor * 1000 */
	struct src_expr min, max;
};

struct rule {
	const char *name;
	const struct ynode *name_node;
	enum mapsize_map_type type;
	uint32_t key_size, value_size;
	bool has_key_size, has_value_size;
	struct src_expr max_entries, expected, min, max;
	struct src_expr initial;	/* rhash: map_extra, the initial size (default: expected) */
	const struct ynode *resizable_node;	/* `resizable: auto` (hash rules) */
	bool round_pow2;
	enum mapsize_prealloc prealloc;
	const struct ynode *prealloc_node;
	uint32_t used_by;
	uint32_t flags;
	uint32_t map_extra;
	uint32_t baseline;
	const char *outer;		/* "x" for a rule named "x.inner" */
	const struct ynode *type_node, *flags_node;	/* for errors found when planning */
	const struct ynode *key_size_node, *value_size_node;	/* NULL: the type's fixed size */
	struct rule_instance instance;
};

struct mapsize_rules {
	struct ydoc doc;
	const char *app;
	char *app_default;		/* the file's name, when there is no `app:` */
	const char *description;
	struct rule *rules;
	size_t cnt;
	uint64_t digest;		/* of the document text */
};

const struct rule *rules_find(const struct mapsize_rules *rules, const char *name);
/* The item of a rule's `flags:` list naming `flag` (the last one), else the list. */
const struct ynode *rule_flag_node(const struct ynode *list, uint32_t flag);

/* A profile document (built-in or override). */
struct profile_dim {
	const char *name;
	uint64_t value;
	const struct ynode *node;
};

struct profile_map {
	const char *name;
	const struct ynode *name_node;
	struct src_expr max_entries;
	bool has_prealloc;
	enum mapsize_prealloc prealloc;
	const struct ynode *prealloc_node;
};

struct profile {
	struct ydoc doc;
	const char *name;
	const char *description;
	const char *base;
	const struct ynode *base_node;
	struct profile_dim *dims;
	size_t dim_cnt;
	struct profile_map *maps;
	size_t map_cnt;
	uint64_t digest;
};

struct profile *profile_parse(const char *buf, size_t len, const char *file, bool builtin,
			      struct mapsize_error *err);
void profile_free(struct profile *p);

/* "true"/"false"/"auto" -> enum; -EINVAL otherwise. */
int prealloc_from_str(const char *s, enum mapsize_prealloc *out);
const char *prealloc_str(enum mapsize_prealloc p);

/* Is `name` a valid dimension name ([a-z_][a-z0-9_]*)? */
bool dim_name_valid(const char *name);

#endif
