// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Stale rules (`mapsize rules check`): a rules file against the maps BPF
 * objects define (a rules draft), compared as mapsize_plan__apply() compares
 * them at apply time — type, key and value size — plus the flags a rule
 * names and its map_extra; maps without rules and rules without maps.  Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/status.h>
#include "model.h"
#include "rules_draft_int.h"

struct mapsize_rules_check {
	struct mapsize_rules_check_map *maps;
	size_t cnt, cap;
};

static const char *status_word(enum mapsize_rules_check_status s)
{
	return s == MAPSIZE_RULES_CHECK_OK ? "ok" : s == MAPSIZE_RULES_CHECK_STALE ? "stale" :
	       s == MAPSIZE_RULES_CHECK_NO_MAP ? "no_map" : s == MAPSIZE_RULES_CHECK_NO_RULE ? "no_rule" :
	       "skipped";
}

static struct mapsize_rules_check_map *entry_add(struct mapsize_rules_check *c, const char *name,
						 enum mapsize_rules_check_status status)
{
	struct mapsize_rules_check_map *e;

	if (array_reserve((void **)&c->maps, &c->cap, c->cnt + 1, sizeof(*c->maps)))
		return NULL;
	e = &c->maps[c->cnt++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->status = status;
	return e;
}

/* The YAML body of rule `r` (its mapping under maps:). */
static const struct ynode *rule_body(const struct mapsize_rules *rules, const struct rule *r)
{
	const struct ynode *maps = rules->doc.root ? ymap_get(rules->doc.root, "maps") : NULL;

	return maps ? ymap_get(maps, r->name) : NULL;
}

static void diff_add(struct mapsize_rules_check_map *e, const struct ywalk *w, const struct ynode *at,
		     const char *field, const char *rule, const char *object)
{
	struct mapsize_rules_check_diff *df;

	if (e->diff_cnt >= MAPSIZE_RULES_CHECK_MAX_DIFFS)
		return;
	df = &e->diffs[e->diff_cnt++];
	df->field = field;
	df->loc = ynode_loc(w, at);
	snprintf(df->rule, sizeof(df->rule), "%s", rule);
	snprintf(df->object, sizeof(df->object), "%s", object);
}

/* A size the type fixes may read back as 0 before load (as apply allows). */
static bool size_matches(uint32_t object, uint32_t rule, int fixed)
{
	return object == rule || (fixed >= 0 && object == 0);
}

static void compare(struct mapsize_rules_check_map *e, const struct mapsize_rules *rules, const struct rule *r,
		    const struct mapsize_draft_map *m)
{
	struct ywalk w = { .file = rules->doc.file };
	const struct ynode *body = rule_body(rules, r), *at;
	const struct map_type_info *ti = map_type_info(r->type);
	char rf[64], of[64];
	size_t o;

#define FIELD_NODE(key) ((body && (at = ymap_get(body, key))) ? at : r->name_node)
	if (m->type != r->type) {
		diff_add(e, &w, FIELD_NODE("type"), "type", ti->name,
			 m->type ? mapsize_map_type__name(m->type) : mapsize_bpf_map_type__name(m->bpf_type));
	} else {
		if (!size_matches(m->key_size, r->key_size, ti->fixed_key_size)) {
			snprintf(rf, sizeof(rf), "%u", r->key_size);
			snprintf(of, sizeof(of), "%u", m->key_size);
			diff_add(e, &w, FIELD_NODE("key_size"), "key_size", rf, of);
		}
		/* a value_size compiled 0 is set at run time by the agent
		 * (the kernel refuses 0): the rule gives it */
		if (m->value_size && !size_matches(m->value_size, r->value_size, ti->fixed_value_size)) {
			snprintf(rf, sizeof(rf), "%u", r->value_size);
			snprintf(of, sizeof(of), "%u", m->value_size);
			diff_add(e, &w, FIELD_NODE("value_size"), "value_size", rf, of);
		}
	}
	if ((r->flags & RULE_FLAGS) != (m->map_flags & RULE_FLAGS)) {
		rules_draft_flags_str(r->flags, rf, sizeof(rf));
		rules_draft_flags_str(m->map_flags, of, sizeof(of));
		diff_add(e, &w, FIELD_NODE("flags"), "flags", rf, of);
	}
	if (r->map_extra && r->map_extra != m->map_extra) {
		snprintf(rf, sizeof(rf), "%u", r->map_extra);
		snprintf(of, sizeof(of), "%llu", (unsigned long long)m->map_extra);
		diff_add(e, &w, FIELD_NODE("map_extra"), "map_extra", rf, of);
	}
#undef FIELD_NODE
	e->status = e->diff_cnt ? MAPSIZE_RULES_CHECK_STALE : MAPSIZE_RULES_CHECK_OK;
	if (!e->diff_cnt) {
		snprintf(e->msg, sizeof(e->msg), "map '%s': the rule matches %s", r->name, m->object);
		return;
	}
	o = (size_t)snprintf(e->msg, sizeof(e->msg), "map '%s': ", r->name);
	for (size_t i = 0; i < e->diff_cnt && o < sizeof(e->msg); i++)
		o += (size_t)snprintf(e->msg + o, sizeof(e->msg) - o, "%s%s is %s in the rules but %s in %s",
				      i ? "; " : "", e->diffs[i].field, e->diffs[i].rule, e->diffs[i].object,
				      m->object);
}

static void objects_text(const struct mapsize_rules_draft *d, char *buf, size_t size)
{
	size_t n = mapsize_rules_draft__object_cnt(d), o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "",
				      mapsize_rules_draft__object(d, i));
	if (!n)
		snprintf(buf, size, "the objects");
}

struct mapsize_rules_check *mapsize_rules_draft__check(const struct mapsize_rules_draft *d,
						       const struct mapsize_rules *rules,
						       struct mapsize_error *err)
{
	struct mapsize_rules_check *c;
	bool *matched = NULL;
	char objs[400];

	error_clear(err);
	if (!d || !rules) {
		error_set(err, -EINVAL, NULL, "no draft or rules");
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(matched = calloc(rules->cnt + 1, sizeof(*matched))))
		goto nomem;
	objects_text(d, objs, sizeof(objs));
	for (size_t i = 0; i < mapsize_rules_draft__map_cnt(d); i++) {
		const struct mapsize_draft_map *m = mapsize_rules_draft__map(d, i);
		const struct rule *r = rules_find(rules, m->name);
		struct mapsize_rules_check_map *e = entry_add(c, m->name, MAPSIZE_RULES_CHECK_OK);
		struct ywalk w = { .file = rules->doc.file };

		if (!e)
			goto nomem;
		e->object = m->object;
		if (r) {
			matched[r - rules->rules] = true;
			e->loc = ynode_loc(&w, r->name_node);
			compare(e, rules, r, m);
		} else if (m->counters) {
			e->status = MAPSIZE_RULES_CHECK_SKIPPED;
			snprintf(e->msg, sizeof(e->msg), "map '%s': mapsize's overflow counters, sized by "
				 "gen-header: no rule needed", m->name);
		} else if (m->type == MAPSIZE_MAP_UNSPEC) {
			e->status = MAPSIZE_RULES_CHECK_SKIPPED;
			snprintf(e->msg, sizeof(e->msg), "map '%s': a %s map, a type mapsize does not size: no "
				 "rule needed", m->name, mapsize_bpf_map_type__name(m->bpf_type));
		} else {
			e->status = MAPSIZE_RULES_CHECK_NO_RULE;
			snprintf(e->msg, sizeof(e->msg), "map '%s' (%s, max_entries %u) in %s has no rule: apply "
				 "leaves it as compiled", m->name, mapsize_map_type__name(m->type), m->max_entries,
				 m->object);
		}
	}
	for (size_t i = 0; i < rules->cnt; i++) {
		const struct rule *r = &rules->rules[i];
		const struct mapsize_draft_map *outer = r->outer ? mapsize_rules_draft__find(d, r->outer) : NULL;
		struct mapsize_rules_check_map *e;
		struct ywalk w = { .file = rules->doc.file };

		if (matched[i])
			continue;
		e = entry_add(c, r->name, MAPSIZE_RULES_CHECK_NO_MAP);
		if (!e)
			goto nomem;
		e->loc = ynode_loc(&w, r->name_node);
		if (outer && outer->type != MAPSIZE_MAP_UNSPEC && map_type_has(outer->type, MAPSIZE_TRAIT_MAP_IN_MAP)) {
			/* An outer map without a compiled template: apply creates it from the rule. */
			e->status = MAPSIZE_RULES_CHECK_OK;
			e->object = outer->object;
			snprintf(e->msg, sizeof(e->msg), "map '%s': %s has no inner template for '%s', apply "
				 "creates one from this rule", r->name, outer->object, r->outer);
			continue;
		}
		snprintf(e->msg, sizeof(e->msg), "map '%s' has a rule but no map in %s (stale rule, or a "
			 "feature compiled out?)", r->name, objs);
	}
	free(matched);
	return c;
nomem:
	free(matched);
	mapsize_rules_check__free(c);
	error_set(err, -ENOMEM, NULL, "out of memory");
	errno = ENOMEM;
	return NULL;
}

size_t mapsize_rules_check__map_cnt(const struct mapsize_rules_check *c)
{
	return c ? c->cnt : 0;
}

const struct mapsize_rules_check_map *mapsize_rules_check__map(const struct mapsize_rules_check *c, size_t idx)
{
	if (!c)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < c->cnt ? &c->maps[idx] : NULL);
}

size_t mapsize_rules_check__count(const struct mapsize_rules_check *c, enum mapsize_rules_check_status status)
{
	size_t n = 0;

	for (size_t i = 0; c && i < c->cnt; i++)
		n += c->maps[i].status == status;
	return n;
}

bool mapsize_rules_check__stale(const struct mapsize_rules_check *c)
{
	return mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_STALE) ||
	       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_MAP) ||
	       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_RULE);
}

const char *mapsize_rules_check_status__name(enum mapsize_rules_check_status status)
{
	return (unsigned int)status <= MAPSIZE_RULES_CHECK_SKIPPED ? status_word(status) : NULL;
}

void mapsize_rules_check__free(struct mapsize_rules_check *c)
{
	if (!c)
		return;
	free(c->maps);
	free(c);
}
