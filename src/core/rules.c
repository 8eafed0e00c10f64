// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Map rules: one YAML file per application describing each map's type,
 * sizes and how max_entries follows the cluster's dimensions.  Parsing
 * checks everything that does not depend on a profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inner_instance.h"
#include "model.h"

/* ---- expressions with their origin ------------------------------------------ */

struct mapsize_loc src_expr_loc(const struct src_expr *se, size_t offset)
{
	struct ywalk w = { .file = se->file };

	if (!se->node)
		return (struct mapsize_loc){ 0 };
	return ynode_loc_at(&w, se->node, offset);
}

int src_expr_compile(struct src_expr *se, const struct ywalk *w, const struct ynode *node,
		     struct mapsize_error *err)
{
	struct expr_error ee;
	int ret;

	ret = yexpect_kind(w, node, YNODE_SCALAR, "a number or an expression");
	if (ret)
		return ret;
	if (!node->value[0])
		return ywalk_error(w, node, "expected a number or an expression but found nothing");
	se->text = node->value;
	se->node = node;
	se->file = w->file;
	se->expr = expr_parse(node->value, &ee);
	if (!se->expr) {
		struct mapsize_loc loc = src_expr_loc(se, ee.offset);

		return error_set(err, ee.code == EXPR_ERR_NOMEM ? -ENOMEM : -EINVAL, &loc,
				 "%s", ee.msg);
	}
	return 0;
}

void src_expr_release(struct src_expr *se)
{
	expr_free(se->expr);
	se->expr = NULL;
}

int prealloc_from_str(const char *s, enum mapsize_prealloc *out)
{
	if (!strcmp(s, "true"))
		*out = MAPSIZE_PREALLOC_TRUE;
	else if (!strcmp(s, "false"))
		*out = MAPSIZE_PREALLOC_FALSE;
	else if (!strcmp(s, "auto"))
		*out = MAPSIZE_PREALLOC_AUTO;
	else
		return -EINVAL;
	return 0;
}

const char *prealloc_str(enum mapsize_prealloc p)
{
	return p == MAPSIZE_PREALLOC_TRUE ? "true" : p == MAPSIZE_PREALLOC_FALSE ? "false" : "auto";
}

bool dim_name_valid(const char *name)
{
	if (!name[0] || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return strlen(name) < 64;
}


/* A name libbpf can give a map: 1..127 bytes, no spaces or control bytes. */
static bool map_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 127)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return false;
	return true;
}

/* ---- per-key handlers --------------------------------------------------------- */

static int h_type(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		  void *obj, size_t off)
{
	struct rule *r = obj;
	const char *s;
	size_t cnt;
	const char *const *names = map_type_names(&cnt);
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	r->type = mapsize_map_type__from_name(s);
	if (r->type == MAPSIZE_MAP_UNSPEC) {
		char hint[96];

		suggestion_text(hint, sizeof(hint), s, names, cnt);
		return ywalk_error(w, v, "unknown map type '%s'%s; expected hash, percpu_hash, lru_hash, "
				   "lru_percpu_hash, array, percpu_array, prog_array, perf_event_array, "
				   "ringbuf, lpm_trie, hash_of_maps, array_of_maps, queue, stack, "
				   "bloom_filter, stack_trace, task_storage, inode_storage, sk_storage, "
				   "cgrp_storage, user_ringbuf or rhash", s, hint);
	}
	return 0;
}

static int h_key_size(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		      void *obj, size_t off)
{
	struct rule *r = obj;

	r->has_key_size = true;
	return yscalar_u32(w, v, &r->key_size);
}

static int h_value_size(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			void *obj, size_t off)
{
	struct rule *r = obj;

	r->has_value_size = true;
	return yscalar_u32(w, v, &r->value_size);
}

static int h_expr(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		  void *obj, size_t off)
{
	return src_expr_compile((struct src_expr *)((char *)obj + off), w, v, w->err);
}

static int h_round(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		   void *obj, size_t off)
{
	struct rule *r = obj;
	const char *s;
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	if (strcmp(s, "pow2") && strcmp(s, "none"))
		return ywalk_error(w, v, "unknown rounding '%s', expected pow2 or none", s);
	r->round_pow2 = !strcmp(s, "pow2");
	return 0;
}

static int h_prealloc(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		      void *obj, size_t off)
{
	enum mapsize_prealloc *p = (enum mapsize_prealloc *)((char *)obj + off);
	const char *s;
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	if (prealloc_from_str(s, p))
		return ywalk_error(w, v, "'%s' is not a preallocation choice, expected true, false or auto", s);
	return 0;
}

/* `resizable: auto`: an rhash where the target kernel and the programs allow
 * it, else a no-prealloc hash of the cap (plan_resizable.c decides). */
static int h_resizable(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		       void *obj, size_t off)
{
	const char *s;
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	if (strcmp(s, "auto"))
		return ywalk_error(w, v, "'%s' is not a resizable choice, expected auto", s);
	((struct rule *)obj)->resizable_node = v;
	return 0;
}

/* A list of names mapped to bits through `lookup`. */
static int name_list(const struct ywalk *w, const struct ynode *v, uint32_t *out,
		     int (*lookup)(const char *, uint32_t *),
		     const char *const *(*names)(size_t *), const char *what)
{
	int ret = yexpect_kind(w, v, YNODE_SEQ, "a list");

	if (ret)
		return ret;
	for (size_t i = 0; i < v->cnt; i++) {
		const char *s;
		uint32_t bit;

		ret = yscalar_str(w, v->items[i], &s);
		if (ret)
			return ret;
		if (lookup(s, &bit)) {
			size_t cnt;
			const char *const *list = names(&cnt);
			char hint[96], all[512] = "";
			size_t o = 0;

			suggestion_text(hint, sizeof(hint), s, list, cnt);
			for (size_t j = 0; j < cnt && o < sizeof(all); j++)
				o += (size_t)snprintf(all + o, sizeof(all) - o, "%s%s", j ? ", " : "", list[j]);
			return ywalk_error(w, v->items[i], "unknown %s '%s'%s; expected one of: %s",
					   what, s, hint, all);
		}
		*out |= bit;
	}
	return 0;
}

static int h_used_by(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		     void *obj, size_t off)
{
	return name_list(w, v, &((struct rule *)obj)->used_by, used_by_from_name, used_by_names,
			 "program kind");
}

static int h_flags(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		   void *obj, size_t off)
{
	return name_list(w, v, &((struct rule *)obj)->flags, map_flag_from_name, map_flag_names,
			 "map flag");
}

static const struct yhandler rule_handlers[] = {
	{ "type", h_type, 0 },
	{ "key_size", h_key_size, 0 },
	{ "value_size", h_value_size, 0 },
	{ "max_entries", h_expr, offsetof(struct rule, max_entries) },
	{ "expected", h_expr, offsetof(struct rule, expected) },
	{ "initial", h_expr, offsetof(struct rule, initial) },
	{ "min", h_expr, offsetof(struct rule, min) },
	{ "max", h_expr, offsetof(struct rule, max) },
	{ "round", h_round, 0 },
	{ "prealloc", h_prealloc, offsetof(struct rule, prealloc) },
	{ "resizable", h_resizable, 0 },
	{ "used_by", h_used_by, 0 },
	{ "flags", h_flags, 0 },
	{ "map_extra", yh_u32, offsetof(struct rule, map_extra) },
	{ "baseline", yh_u32, offsetof(struct rule, baseline) },
	{ "instance", rule_instance_parse, 0 },
	{ NULL },
};

/* ---- static checks of one rule ----------------------------------------------- */

static int check_sizes(const struct ywalk *w, struct rule *r, const struct ynode *body)
{
	const struct map_type_info *ti = map_type_info(r->type);
	const char *tn = ti->name;
	const struct ynode *kn = ymap_get(body, "key_size"), *vn = ymap_get(body, "value_size");
	bool value_field;
	char msg[512];

	r->key_size_node = kn;
	r->value_size_node = vn;
	if (ti->fixed_key_size >= 0) {
		if (!r->has_key_size)
			r->key_size = (uint32_t)ti->fixed_key_size;
		else if (r->key_size != (uint32_t)ti->fixed_key_size)
			return ywalk_error(w, kn, "%s maps have key_size %d, found %u", tn,
					   ti->fixed_key_size, r->key_size);
	} else if (!r->has_key_size) {
		return ywalk_error(w, r->name_node, "map '%s' has no key_size, expected one for a %s map",
				   r->name, tn);
	}
	if (ti->fixed_value_size >= 0) {
		if (!r->has_value_size)
			r->value_size = (uint32_t)ti->fixed_value_size;
		else if (r->value_size != (uint32_t)ti->fixed_value_size)
			return ywalk_error(w, vn, "%s maps have value_size %d, found %u", tn,
					   ti->fixed_value_size, r->value_size);
	} else if (!r->has_value_size) {
		return ywalk_error(w, r->name_node, "map '%s' has no value_size, expected one for a %s map",
				   r->name, tn);
	}
	if (ti->fixed_key_size < 0 && r->key_size == 0)
		return ywalk_error(w, kn, "key_size 0, expected at least 1 for a %s map", tn);
	if (ti->fixed_value_size < 0 && r->value_size == 0)
		return ywalk_error(w, vn, "value_size 0, expected at least 1 for a %s map", tn);
	if (r->type == MAPSIZE_MAP_STACK_TRACE && r->value_size % 8)
		return ywalk_error(w, vn, "value_size %u, expected a multiple of 8 for a stack_trace map "
				   "(an array of u64 addresses)", r->value_size);
	/* The limits every release has (map_limits.c); those a release lifted
	 * are the planner's, against its target kernel. */
	if (map_sizes_refused(r->type, r->key_size, r->value_size, 0, &value_field, msg, sizeof(msg)))
		return ywalk_error(w, value_field ? vn : kn, "map '%s': %s", r->name, msg);
	return 0;
}

/* The list item naming `flag` (the last one), else the list itself. */
const struct ynode *rule_flag_node(const struct ynode *list, uint32_t flag)
{
	const struct ynode *found = list;

	for (size_t i = 0; list && list->kind == YNODE_SEQ && i < list->cnt; i++) {
		uint32_t f;

		if (list->items[i]->kind == YNODE_SCALAR && !map_flag_from_name(list->items[i]->value, &f) &&
		    f == flag)
			found = list->items[i];
	}
	return found;
}

/* Every flag against the map types the kernel accepts it on (maptype.c). */
static int check_flags(const struct ywalk *w, struct rule *r, const struct ynode *body)
{
	const struct ynode *list = ymap_get(body, "flags");
	char msg[640];
	uint32_t bad;

	if (map_flags_refused(r->type, r->flags, &bad, msg, sizeof(msg)))
		return ywalk_error(w, rule_flag_node(list, bad), "%s", msg);
	/* stack_map_alloc(): build-id entries are struct bpf_stack_build_id (32 bytes) */
	if ((r->flags & MAPSIZE_F_STACK_BUILD_ID) && r->value_size % 32)
		return ywalk_error(w, ymap_get(body, "value_size"), "value_size %u, expected a multiple of 32 "
				   "for a stack_trace map with stack_build_id (struct bpf_stack_build_id; the "
				   "kernel says EINVAL)", r->value_size);
	return 0;
}

static int check_rule(const struct ywalk *w, struct rule *r, const struct ynode *body)
{
	const struct map_type_info *ti;
	int ret;

	if (r->type == MAPSIZE_MAP_UNSPEC)
		return ywalk_error(w, r->name_node, "map '%s' has no type, expected e.g. 'type: hash'", r->name);
	ti = map_type_info(r->type);
	ret = check_sizes(w, r, body);
	if (ret)
		return ret;
	if (ti->zero_max_entries) {
		if (r->max_entries.expr && strcmp(r->max_entries.text, "0"))
			return ywalk_error(w, r->max_entries.node, "%s maps have max_entries 0 (one element per "
					   "object), found '%s'", ti->name, r->max_entries.text);
	} else if (!r->max_entries.expr && r->type != MAPSIZE_MAP_PERF_EVENT_ARRAY) {
		return ywalk_error(w, r->name_node, "map '%s' has no max_entries, expected a number or an "
				   "expression", r->name);
	}
	if (r->prealloc_node) {
		if (r->prealloc == MAPSIZE_PREALLOC_FALSE && !ti->prealloc_optional && !ti->no_prealloc_required)
			return ywalk_error(w, r->prealloc_node, "%s maps are always preallocated (the kernel "
					   "rejects BPF_F_NO_PREALLOC), expected true or auto", ti->name);
		if (r->prealloc == MAPSIZE_PREALLOC_TRUE && ti->no_prealloc_required)
			return ywalk_error(w, r->prealloc_node, "%s maps are never preallocated (the kernel "
					   "requires BPF_F_NO_PREALLOC), expected false or auto", ti->name);
	}
	/* 7.2 check_map_prog_compatibility(): "tracing progs cannot use
	 * resizable hash maps yet" for kprobe, tracepoint, perf_event and
	 * raw_tracepoint programs */
	if (r->type == MAPSIZE_MAP_RHASH &&
	    (r->used_by & (MAPSIZE_USED_BY_KPROBE | MAPSIZE_USED_BY_TRACEPOINT | MAPSIZE_USED_BY_PERF_EVENT |
			   MAPSIZE_USED_BY_RAW_TRACEPOINT)))
		return ywalk_error(w, ymap_get(body, "used_by"), "map '%s': an rhash map cannot be used by "
				   "kprobe, tracepoint, perf_event or raw_tracepoint programs (the verifier: "
				   "\"tracing progs cannot use resizable hash maps yet\"), expected socket, tc, xdp "
				   "or cgroup programs, or type hash", r->name);
	if (r->resizable_node && r->type != MAPSIZE_MAP_HASH)
		return ywalk_error(w, r->resizable_node, "resizable: auto on a map of type %s, expected it on a "
				   "hash map (which becomes an rhash where the kernel allows it)", ti->name);
	if (r->resizable_node && r->prealloc_node && r->prealloc == MAPSIZE_PREALLOC_TRUE)
		return ywalk_error(w, r->resizable_node, "resizable: auto with prealloc: true, expected one of "
				   "them (a resizable map is never preallocated)");
	if (r->initial.expr && r->type != MAPSIZE_MAP_RHASH && !r->resizable_node)
		return ywalk_error(w, ymap_get(body, "initial"), "initial is only used by rhash maps (their "
				   "initial size), expected it on an rhash rule");
	if (r->map_extra && r->type == MAPSIZE_MAP_RHASH)
		return ywalk_error(w, ymap_get(body, "map_extra"), "map_extra of an rhash map is its initial "
				   "size, expected 'initial: N' (default: the expected entries)");
	if (r->map_extra && r->type != MAPSIZE_MAP_BLOOM_FILTER)
		return ywalk_error(w, ymap_get(body, "map_extra"), "map_extra is only used by bloom_filter maps");
	if (r->map_extra > 15)
		return ywalk_error(w, ymap_get(body, "map_extra"),
				   "map_extra %u, expected 0..15 hash functions for a bloom_filter", r->map_extra);
	return check_flags(w, r, body);
}

/* ---- the document --------------------------------------------------------------- */

static int h_maps(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		  void *obj, size_t off)
{
	struct mapsize_rules *rules = obj;
	int ret = yexpect_kind(w, v, YNODE_MAP, "a mapping of map names to rules");

	if (ret)
		return ret;
	if (!v->cnt)	/* `maps: {}`: an object without maps (`rules init` drafts it so) */
		return 0;
	rules->rules = calloc(v->cnt, sizeof(*rules->rules));
	if (!rules->rules)
		return error_set(w->err, -ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < v->cnt; i++) {
		struct rule *r = &rules->rules[i];
		char what[160];

		rules->cnt++;
		r->name = v->keys[i]->value;
		r->name_node = v->keys[i];
		if (!map_name_valid(r->name))
			return ywalk_error(w, r->name_node, "'%s' is not a map name, expected the name "
					   "libbpf gives the map (at most 127 characters, no spaces or "
					   "control characters)", r->name);
		snprintf(what, sizeof(what), "map '%s'", r->name);
		ret = ywalk_map(w, v->items[i], rule_handlers, r, what);
		if (ret)
			return ret;
		r->prealloc_node = ymap_get(v->items[i], "prealloc");
		r->type_node = ymap_get(v->items[i], "type");
		r->flags_node = ymap_get(v->items[i], "flags");
		if (!r->prealloc_node)
			r->prealloc = MAPSIZE_PREALLOC_TRUE;
		ret = check_rule(w, r, v->items[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct yhandler doc_handlers[] = {
	{ "app", yh_str, offsetof(struct mapsize_rules, app) },
	{ "description", yh_str, offsetof(struct mapsize_rules, description) },
	{ "maps", h_maps, 0 },
	{ NULL },
};

const struct rule *rules_find(const struct mapsize_rules *rules, const char *name)
{
	for (size_t i = 0; i < rules->cnt; i++)
		if (!strcmp(rules->rules[i].name, name))
			return &rules->rules[i];
	return NULL;
}

/* Inner templates are named "<outer>.inner" and need a map-in-map outer. */
static int check_inner_rules(const struct ywalk *w, struct mapsize_rules *rules)
{
	for (size_t i = 0; i < rules->cnt; i++) {
		struct rule *r = &rules->rules[i];
		const char *dot = strrchr(r->name, '.');
		const struct rule *outer;
		char outer_name[128];

		if (!dot || strcmp(dot, ".inner"))
			continue;
		snprintf(outer_name, sizeof(outer_name), "%.*s", (int)(dot - r->name), r->name);
		outer = rules_find(rules, outer_name);
		if (!outer)
			return ywalk_error(w, r->name_node, "inner map rule '%s' has no rule for its outer map "
					   "'%s', expected a hash_of_maps or array_of_maps rule named '%s'",
					   r->name, outer_name, outer_name);
		if (!map_type_has(outer->type, MAPSIZE_TRAIT_MAP_IN_MAP))
			return ywalk_error(w, r->name_node, "'%s' is an inner map rule but '%s' is a %s, "
					   "expected hash_of_maps or array_of_maps", r->name, outer_name,
					   mapsize_map_type__name(outer->type));
		if (map_type_has(r->type, MAPSIZE_TRAIT_MAP_IN_MAP))
			return ywalk_error(w, r->name_node, "inner map '%s' is itself a map-in-map; the "
					   "kernel allows one level only (EINVAL)", r->name);
		/* bpf_map_meta_alloc(): prog_array has no map_meta_equal */
		if (r->type == MAPSIZE_MAP_PROG_ARRAY)
			return ywalk_error(w, r->name_node, "inner map '%s' is a prog_array, which the kernel "
					   "refuses as an inner map (ENOTSUPP), expected another map type", r->name);
		r->outer = outer->name;
		/* The verifier checks an inner map against the programs that use
		 * its outer map ("perf_event programs can only use preallocated
		 * inner hash map"): the inner rule is used by them too. */
		r->used_by |= outer->used_by;
	}
	return 0;
}

struct mapsize_rules *mapsize_rules__parse(const char *buf, size_t len, const char *filename,
					   struct mapsize_error *err)
{
	struct mapsize_rules *rules;
	struct ywalk w = { .err = err };
	int ret;

	error_clear(err);
	if (!buf) {
		error_set(err, -EINVAL, NULL, "no rules text, expected a buffer");
		return mapsize_err_ptr(-EINVAL);
	}
	rules = calloc(1, sizeof(*rules));
	if (!rules) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	ret = ydoc_parse(buf, len, filename, &rules->doc, err);
	if (ret)
		goto fail;
	w.file = rules->doc.file;
	if (!rules->doc.root) {
		struct mapsize_loc loc = { .file = w.file, .line = 1, .col = 1 };

		ret = error_set(err, -EINVAL, &loc, "empty rules file, expected a mapping with 'app' and 'maps'");
		goto fail;
	}
	ret = ywalk_map(&w, rules->doc.root, doc_handlers, rules, "the rules file");
	if (ret)
		goto fail;
	if (!rules->app) {
		/* `app:` is optional: the file's name up to its first dot
		 * ("agent.rules.yaml" -> "agent") names the application. */
		const char *base = filename ? strrchr(filename, '/') : NULL;

		base = base ? base + 1 : filename ? filename : "";
		rules->app_default = strndup(base, strcspn(base, "."));
		if (!rules->app_default) {
			ret = error_set(err, -ENOMEM, NULL, "out of memory");
			goto fail;
		}
		if (!rules->app_default[0]) {
			free(rules->app_default);
			rules->app_default = strdup("app");
		}
		rules->app = rules->app_default;
	}
	if (!rules->app || !rules->app[0]) {
		ret = ywalk_error(&w, rules->doc.root, "empty 'app', expected the application's name");
		goto fail;
	}
	if (!rules->cnt && !ymap_get(rules->doc.root, "maps")) {
		ret = ywalk_error(&w, rules->doc.root, "no 'maps', expected a mapping of map names to rules");
		goto fail;
	}
	ret = check_inner_rules(&w, rules);
	if (!ret)
		ret = rules_check_instances(&w, rules);
	if (ret)
		goto fail;
	rules->digest = fnv1a(FNV1A_INIT, buf, len);
	return rules;
fail:
	mapsize_rules__free(rules);
	errno = -ret;
	return NULL;
}

void mapsize_rules__free(struct mapsize_rules *rules)
{
	if (!rules)
		return;
	free(rules->app_default);
	for (size_t i = 0; i < rules->cnt; i++) {
		src_expr_release(&rules->rules[i].max_entries);
		src_expr_release(&rules->rules[i].expected);
		src_expr_release(&rules->rules[i].initial);
		src_expr_release(&rules->rules[i].min);
		src_expr_release(&rules->rules[i].max);
		rule_instance_release(&rules->rules[i].instance);
	}
	free(rules->rules);
	ydoc_free(&rules->doc);
	free(rules);
}

const char *mapsize_rules__app(const struct mapsize_rules *rules)
{
	return rules->app;
}

size_t mapsize_rules__map_cnt(const struct mapsize_rules *rules)
{
	return rules->cnt;
}

const char *mapsize_rules__map_name(const struct mapsize_rules *rules, size_t idx)
{
	if (!rules)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < rules->cnt ? rules->rules[idx].name : NULL);
}
