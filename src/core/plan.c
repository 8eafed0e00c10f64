// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* From layers + rules to a plan: index the overrides, resolve dimensions,
 * size every map, decide preallocation; the plan's accessors.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inner_instance.h"
#include "plan_ctx.h"

/* ---- the plan ---------------------------------------------------------------------------- */

struct rule_name {
	const char *name;
	size_t idx;
};

static int cmp_rule_name(const void *a, const void *b)
{
	return strcmp(((const struct rule_name *)a)->name, ((const struct rule_name *)b)->name);
}

static const struct rule_name *find_rule_name(const struct rule_name *sorted, size_t cnt,
					      const char *name)
{
	struct rule_name key = { .name = name };

	return bsearch(&key, sorted, cnt, sizeof(*sorted), cmp_rule_name);
}

/* Check that every override names a map of the rules and record, per
 * rule, the last override file's and the last --set's max_entries and
 * prealloc for it.  Rules
 * are looked up through a sorted index: thousands of maps times thousands
 * of overrides stay fast. */
static int index_overrides(struct plan_ctx *c)
{
	size_t cnt = c->rules->cnt;
	const char **names = calloc(cnt + 1, sizeof(*names));
	struct rule_name *sorted = calloc(cnt + 1, sizeof(*sorted));
	char hint[96];
	int ret = 0;

	c->ovr = calloc(cnt + 1, sizeof(*c->ovr));
	if (!names || !sorted || !c->ovr) {
		free(names);
		free(sorted);
		return error_set(c->err, -ENOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < cnt; i++) {
		names[i] = c->rules->rules[i].name;
		sorted[i].name = names[i];
		sorted[i].idx = i;
	}
	qsort(sorted, cnt, sizeof(*sorted), cmp_rule_name);
	for (size_t i = 0; !ret && i < c->pl->profile_cnt; i++) {
		const struct profile *p = c->pl->profiles[i];
		struct ywalk w = { .file = p->doc.file, .err = c->err };

		for (size_t j = 0; !ret && j < p->map_cnt; j++) {
			const struct profile_map *pm = &p->maps[j];
			const struct rule_name *rn = find_rule_name(sorted, cnt, pm->name);

			if (rn) {
				if (pm->max_entries.expr)
					c->ovr[rn->idx].max_entries = &pm->max_entries;
				if (pm->has_prealloc) {
					c->ovr[rn->idx].prealloc = pm;
					c->ovr[rn->idx].prealloc_profile = p;
				}
				continue;
			}
			suggestion_text(hint, sizeof(hint), pm->name, names, cnt);
			ret = ywalk_error(&w, pm->name_node, "override of unknown map '%s'%s, expected "
					  "a map of the rules of '%s'", pm->name, hint, c->rules->app);
		}
	}
	for (size_t i = 0; !ret && i < c->pl->set_cnt; i++) {
		const struct set_entry *s = &c->pl->sets[i];
		const struct rule_name *rn;

		if (s->kind == SET_DIM)
			continue;
		rn = find_rule_name(sorted, cnt, s->name);
		if (rn) {
			if (s->kind == SET_MAP_MAX_ENTRIES)
				c->ovr[rn->idx].set_max_entries = &s->expr;
			else
				c->ovr[rn->idx].set_prealloc = s;
			continue;
		}
		suggestion_text(hint, sizeof(hint), s->name, names, cnt);
		ret = error_set(c->err, -EINVAL, NULL, "%s: unknown map '%s'%s, expected a map of the rules "
				"of '%s'", s->origin, s->name, hint, c->rules->app);
	}
	free(sorted);
	free(names);
	return ret;
}

static int cmp_dim(const void *a, const void *b)
{
	return strcmp(((const struct plan_dim *)a)->name, ((const struct plan_dim *)b)->name);
}

static uint64_t plan_digest(const struct mapsize_planner *pl, const struct mapsize_rules *rules,
			    const struct profile *base)
{
	uint64_t h = fnv1a(FNV1A_INIT, &rules->digest, sizeof(rules->digest));

	h = fnv1a(h, &base->digest, sizeof(base->digest));
	for (size_t i = 0; i < pl->profile_cnt; i++)
		h = fnv1a(h, &pl->profiles[i]->digest, sizeof(pl->profiles[i]->digest));
	for (size_t i = 0; i < pl->set_cnt; i++)
		h = fnv1a_str(h, pl->sets[i].text);
	for (size_t i = 0; i < ARRAY_SIZE(mapsize_node_dims); i++)
		if (pl->node_set[i])
			h = fnv1a(h, &pl->node_value[i], sizeof(pl->node_value[i]));
	h = fnv1a(h, &pl->prealloc_default, sizeof(pl->prealloc_default));
	for (size_t i = 0; i < pl->disable_cnt; i++)
		h = fnv1a_str(fnv1a_str(h, "-"), pl->disable[i]);
	for (size_t i = 0; i < pl->enable_cnt; i++)
		h = fnv1a_str(fnv1a_str(h, "+"), pl->enable[i]);
	return fnv1a(h, &pl->kernel_version, sizeof(pl->kernel_version));
}

/* A map the target kernel lacks, a flag it refuses on it, or a size over
 * its limits is an error at the rule's type, flag or size (maptype.c and
 * map_limits.c have the first release of each). */
static int check_kernel_has(struct plan_ctx *c, const struct rule *r)
{
	struct ywalk w = { .file = c->rules->doc.file, .err = c->err };
	const struct ynode *at;
	char msg[640], obj[300] = "";
	bool value_field;
	uint32_t bad;

	if (c->pl->object)
		snprintf(obj, sizeof(obj), " (object %s)", c->pl->object);
	if (map_kernel_lacks(r->type, r->flags, c->pl->kernel_version, &bad, msg, sizeof(msg)))
		return ywalk_error(&w, bad ? rule_flag_node(r->flags_node, bad) : r->type_node, "map '%s'%s: %s",
				   r->name, obj, msg);
	if (!c->pl->kernel_version ||
	    !map_sizes_refused(r->type, r->key_size, r->value_size, c->pl->kernel_version, &value_field, msg,
			       sizeof(msg)))
		return 0;
	at = value_field ? r->value_size_node : r->key_size_node;
	return ywalk_error(&w, at ? at : r->name_node, "map '%s'%s: %s", r->name, obj, msg);
}

/* The built-in profile underneath: --map-size, else the override files'
 * `base:` (the last one), else medium.  Every base that loses says so, in
 * the plan's warnings as well as the log. */
static const char *base_name(struct plan_ctx *c)
{
	struct mapsize_planner *pl = c->pl;
	const struct profile *last = NULL;

	for (size_t i = 0; i < pl->profile_cnt; i++) {
		const struct profile *p = pl->profiles[i];

		if (!p->base)
			continue;
		if (pl->map_size && strcmp(pl->map_size, p->base))
			plan_warn(c, "--map-size=%s overrides 'base: %s' at %s:%u:%u", pl->map_size, p->base,
				  p->doc.file, p->base_node->line, p->base_node->col);
		else if (!pl->map_size && last && strcmp(last->base, p->base))
			plan_warn(c, "'base: %s' at %s:%u:%u overrides 'base: %s' at %s:%u:%u (the last file wins)",
				  p->base, p->doc.file, p->base_node->line, p->base_node->col, last->base,
				  last->doc.file, last->base_node->line, last->base_node->col);
		last = p;
	}
	if (pl->map_size)
		return pl->map_size;
	return last ? last->base : "medium";
}

/* The kernel keeps 15 bytes of a map's name: rules whose names share them
 * name maps the kernel lists alike.  Inner templates are left out: their
 * live instances carry names the agent picks.  One warning per group of
 * such names, found by sorting (a plan may have thousands of rules). */
#define NAME_KEPT 15	/* BPF_OBJ_NAME_LEN - 1 */

static int cmp_kept_prefix(const void *pa, const void *pb)
{
	const struct rule *a = *(const struct rule *const *)pa, *b = *(const struct rule *const *)pb;
	int d = strncmp(a->name, b->name, NAME_KEPT);

	return d ? d : (a > b) - (a < b);	/* rule order within a group */
}

static void warn_name_collisions(struct plan_ctx *c)
{
	const struct mapsize_rules *rules = c->rules;
	const struct rule **v = calloc(rules->cnt ? rules->cnt : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return;	/* a warning only: the plan stands without it */
	for (size_t i = 0; i < rules->cnt; i++)
		if (!rules->rules[i].outer && strlen(rules->rules[i].name) >= NAME_KEPT)
			v[n++] = &rules->rules[i];
	qsort(v, n, sizeof(*v), cmp_kept_prefix);
	for (size_t i = 0, j; i < n; i = j) {
		char names[512] = "";
		size_t len = 0, shown = 0;

		for (j = i + 1; j < n && !strncmp(v[i]->name, v[j]->name, NAME_KEPT); j++)
			;
		if (j - i < 2)
			continue;
		for (size_t k = i; k < j && shown < 4; k++, shown++)
			len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0, "%s'%s'",
						k == i ? "" : k + 1 == j ? " and " : ", ", v[k]->name);
		if (j - i > shown && len < sizeof(names))
			snprintf(names + len, sizeof(names) - len, " and %zu more", j - i - shown);
		plan_warn(c, "maps %s share their first 15 bytes '%.15s', all the kernel keeps of a name: live tools "
			  "(status, bpftool) tell them apart only by the BTF they carry or their pin paths",
			  names, v[i]->name);
	}
	free(v);
}

struct mapsize_plan *mapsize_planner__plan(struct mapsize_planner *pl,
					   const struct mapsize_rules *rules)
{
	struct mapsize_plan *plan;

	if (!pl)
		return mapsize_err_ptr(-EINVAL);
	if (!rules) {
		error_set(&pl->err, -EINVAL, NULL, "no rules, expected the rules to plan");
		return mapsize_err_ptr(-EINVAL);
	}
	plan = pl->budget ? plan_budgeted(pl, rules) : plan_build(pl, rules, NULL, false);
	if (!plan)
		errno = pl->err.code < 0 ? -pl->err.code : EINVAL;
	return plan;
}

struct mapsize_plan *plan_build(struct mapsize_planner *pl, const struct mapsize_rules *rules,
				const uint64_t *budget_k, bool quiet)
{
	struct plan_ctx c = { .pl = pl, .rules = rules, .err = &pl->err, .budget_k = budget_k,
			      .quiet = quiet };
	/* the rules as planned: `resizable: auto` may turn a hash into an
	 * rhash (plan_resizable.c); the caller's rules stay as parsed */
	struct mapsize_rules planned = *rules;
	struct rule *eff_rules = malloc((rules->cnt ? rules->cnt : 1) * sizeof(*eff_rules));
	const char *bname;
	struct profile *base = NULL;
	const char *text;
	size_t len;
	char path[64];
	int ret;

	error_clear(&pl->err);
	if (!eff_rules) {
		error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	if (rules->cnt)	/* rules->rules is NULL in a rules file without maps */
		memcpy(eff_rules, rules->rules, rules->cnt * sizeof(*eff_rules));
	planned.rules = eff_rules;
	c.rules = &planned;
	c.plan = calloc(1, sizeof(*c.plan));
	if (!c.plan) {
		free(eff_rules);
		error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	bname = base_name(&c);
	text = mapsize_builtin_profile(bname, &len);
	snprintf(path, sizeof(path), "profiles/%s.yaml", bname);
	base = profile_parse(text, len, path, true, &pl->err);
	if (!base)
		goto fail;
	{
		const char *name = base->name;

		for (size_t i = 0; i < pl->profile_cnt; i++)
			if (pl->profiles[i]->name)
				name = pl->profiles[i]->name;
		c.plan->profile = strdup(name);
		c.plan->base_profile = strdup(base->name);
	}
	c.plan->app = strdup(rules->app);
	c.plan->kernel_version = pl->kernel_version;
	c.plan->maps = calloc(rules->cnt, sizeof(*c.plan->maps));
	if (!c.plan->profile || !c.plan->base_profile || !c.plan->app || !c.plan->maps) {
		error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		goto fail;
	}
	ret = plan_resolve_dims(&c, base);
	if (!ret)
		ret = index_overrides(&c);
	if (!ret)
		warn_name_collisions(&c);
	for (size_t i = 0; !ret && i < rules->cnt; i++) {
		struct mapsize_plan_map *m = &c.plan->maps[c.plan->map_cnt++];
		const struct rule *r = &c.rules->rules[i];

		plan_resizable(&c, &eff_rules[i], m);

		m->name = strdup(r->name);
		m->inner_of = r->outer ? strdup(r->outer) : NULL;
		if (!m->name || (r->outer && !m->inner_of)) {
			ret = error_set(&pl->err, -ENOMEM, NULL, "out of memory");
			break;
		}
		m->type = r->type;	/* rhash for resizable: auto where allowed */
		m->key_size = r->key_size;
		m->value_size = r->value_size;
		m->baseline_max_entries = r->baseline;
		m->used_by = r->used_by;
		m->map_extra = r->map_extra;
		ret = check_kernel_has(&c, r);
		if (!ret)
			ret = plan_size_map(&c, r, m);
		if (!ret)
			ret = plan_decide_prealloc(&c, r, m);
		if (!ret)
			ret = plan_inner_instance(&c, r, m, i);
		if (ret == -ENOMEM)
			error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	}
	if (!ret)
		ret = plan_apply_lists(&c);
	if (ret)
		goto fail;
	for (size_t i = 0; i < c.plan->map_cnt; i++) {
		struct mapsize_plan_map *m = &c.plan->maps[i];
		const struct map_type_info *ti = map_type_info(m->type);

		m->map_flags = rules->rules[i].flags;
		if (!m->prealloc && (ti->prealloc_optional || ti->no_prealloc_required))
			m->map_flags |= MAPSIZE_F_NO_PREALLOC;
	}
	qsort(c.plan->dims, c.plan->dim_cnt, sizeof(*c.plan->dims), cmp_dim);
	c.plan->digest = plan_digest(pl, rules, base);
	profile_free(base);
	free(c.ovr);
	free(eff_rules);
	return c.plan;
fail:
	profile_free(base);
	free(c.ovr);
	free(eff_rules);
	mapsize_plan__free(c.plan);
	errno = pl->err.code ? -pl->err.code : EINVAL;
	return NULL;
}

void mapsize_plan__free(struct mapsize_plan *plan)
{
	if (!plan)
		return;
	if (plan->kern_free)
		plan->kern_free(plan->kern);
	for (size_t i = 0; i < plan->map_cnt; i++) {
		free((char *)plan->maps[i].name);
		free((char *)plan->maps[i].inner_of);
		free((char *)plan->maps[i].prealloc_reason);
	}
	for (size_t i = 0; i < plan->dim_cnt; i++) {
		free(plan->dims[i].name);
		free(plan->dims[i].origin);
	}
	for (size_t i = 0; i < plan->warning_cnt; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	free(plan->budget_source);
	free(plan->instances);
	free(plan->dims);
	free(plan->maps);
	free(plan->profile);
	free(plan->base_profile);
	free(plan->app);
	free(plan);
}

/* ---- accessors -------------------------------------------------------------------------------- */

const char *mapsize_plan__profile(const struct mapsize_plan *plan)
{
	return plan->profile;
}

const char *mapsize_plan__base_profile(const struct mapsize_plan *plan)
{
	return plan->base_profile;
}

size_t mapsize_plan__map_cnt(const struct mapsize_plan *plan)
{
	return plan->map_cnt;
}

const struct mapsize_plan_map *mapsize_plan__map(const struct mapsize_plan *plan, size_t idx)
{
	if (!plan)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < plan->map_cnt ? &plan->maps[idx] : NULL);
}

const struct mapsize_plan_map *mapsize_plan__find(const struct mapsize_plan *plan, const char *name)
{
	if (!plan || !name)
		return mapsize_err_ptr(-EINVAL);
	for (size_t i = 0; i < plan->map_cnt; i++)
		if (plan->maps[i].name && !strcmp(plan->maps[i].name, name))
			return &plan->maps[i];
	return mapsize_found(NULL);
}

size_t mapsize_plan__dim_cnt(const struct mapsize_plan *plan)
{
	return plan->dim_cnt;
}

const char *mapsize_plan__dim(const struct mapsize_plan *plan, size_t idx, uint64_t *value)
{
	if (!plan)
		return mapsize_err_ptr(-EINVAL);
	if (idx >= plan->dim_cnt)
		return mapsize_found(NULL);
	if (value)
		*value = plan->dims[idx].value;
	return plan->dims[idx].name;
}

int mapsize_plan__dim_value(const struct mapsize_plan *plan, const char *name, uint64_t *value)
{
	const struct plan_dim *d;

	if (!plan || !name || !value)
		return -EINVAL;
	d = plan_dim_find(plan, name, strlen(name));
	if (!d)
		return -ENOENT;
	*value = d->value;
	return 0;
}

uint64_t mapsize_plan__digest(const struct mapsize_plan *plan)
{
	return plan->digest;
}

const char *mapsize_plan__app(const struct mapsize_plan *plan)
{
	return plan->app;
}

unsigned int mapsize_plan__kernel_version(const struct mapsize_plan *plan)
{
	return plan->kernel_version;
}

size_t mapsize_plan__warning_cnt(const struct mapsize_plan *plan)
{
	return plan->warning_cnt;
}

const char *mapsize_plan__warning(const struct mapsize_plan *plan, size_t idx)
{
	if (!plan)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < plan->warning_cnt ? plan->warnings[idx] : NULL);
}
