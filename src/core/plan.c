// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* From layers + rules to a plan: resolve dimensions, evaluate every map's
 * max_entries and expected entries, apply the type rules and decide
 * preallocation.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

/* prealloc: auto picks BPF_F_NO_PREALLOC when the expected entries are at
 * most a quarter of max_entries.  A full no-prealloc hash costs about the
 * same memlock as a preallocated one but 5-26% more real memory (slab
 * rounding) and pays an allocation per insert, so switching only pays when
 * the map is expected to stay mostly empty: at 1/4 it saves >= ~65%. */
#define AUTO_NO_PREALLOC_NUM 1
#define AUTO_NO_PREALLOC_DEN 4

/* The override files' and then --set's last word on one rule (NULL: none). */
struct rule_ovr {
	const struct src_expr *max_entries;
	const struct profile_map *prealloc;
	const struct profile *prealloc_profile;
	const struct src_expr *set_max_entries;
	const struct set_entry *set_prealloc;
};

struct plan_ctx {
	struct mapsize_planner *pl;
	const struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	struct mapsize_error *err;
	struct rule_ovr *ovr;		/* per rule, filled by index_overrides() */
};

/* ---- dimensions ------------------------------------------------------------------ */

/* plan->dims stays sorted by name (strcmp order) while it is built, so an
 * expression's names are found by binary search: rules with thousands of
 * names over profiles with thousands of dimensions stay fast. */
static int dim_cmp(const char *dim_name, const char *name, size_t len)
{
	int c = strncmp(dim_name, name, len);

	return c ? c : dim_name[len] ? 1 : 0;
}

/* The dimension called name[0..len), or NULL and *pos where it would go. */
static struct plan_dim *dim_search(const struct mapsize_plan *plan, const char *name, size_t len,
				   size_t *pos)
{
	size_t lo = 0, hi = plan->dim_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dim_cmp(plan->dims[mid].name, name, len);

		if (!c)
			return &plan->dims[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return NULL;
}

static struct plan_dim *dim_find(const struct mapsize_plan *plan, const char *name, size_t len)
{
	return dim_search(plan, name, len, NULL);
}

static int dim_set(struct plan_ctx *c, const char *name, uint64_t value, char *origin)
{
	struct mapsize_plan *plan = c->plan;
	size_t pos = 0;
	struct plan_dim *d = dim_search(plan, name, strlen(name), &pos);

	if (!origin)
		return error_set(c->err, -ENOMEM, NULL, "out of memory");
	if (!d) {
		/* capacity: the power of two above dim_cnt, at least 8 (growing
		 * one at a time copied the array for every new dimension) */
		size_t cnt = plan->dim_cnt;
		struct plan_dim *v = cnt < 8 || !(cnt & (cnt - 1)) ?
				     realloc(plan->dims, (cnt < 8 ? 8 : 2 * cnt) * sizeof(*v)) : plan->dims;

		if (!v || !(name = strdup(name))) {
			if (v)
				plan->dims = v;
			free(origin);
			return error_set(c->err, -ENOMEM, NULL, "out of memory");
		}
		plan->dims = v;
		memmove(&v[pos + 1], &v[pos], (plan->dim_cnt - pos) * sizeof(*v));
		plan->dim_cnt++;
		d = &v[pos];
		d->name = (char *)name;
		d->origin = NULL;
	}
	free(d->origin);
	d->value = value;
	d->origin = origin;
	return 0;
}

static char *loc_origin(const char *file, const struct ynode *n)
{
	char *s;

	if (asprintf(&s, "%s:%u:%u", file, n->line, n->col) < 0)
		return NULL;
	return s;
}

static int apply_profile_dims(struct plan_ctx *c, const struct profile *p)
{
	for (size_t i = 0; i < p->dim_cnt; i++) {
		int ret = dim_set(c, p->dims[i].name, p->dims[i].value,
				  loc_origin(p->doc.file, p->dims[i].node));

		if (ret)
			return ret;
	}
	return 0;
}

static const char **dim_names(const struct mapsize_plan *plan)
{
	const char **v = calloc(plan->dim_cnt + 1, sizeof(*v));

	for (size_t i = 0; v && i < plan->dim_cnt; i++)
		v[i] = plan->dims[i].name;
	return v;
}

static int resolve_dims(struct plan_ctx *c, const struct profile *base)
{
	struct mapsize_planner *pl = c->pl;
	int ret = apply_profile_dims(c, base);

	for (size_t i = 0; !ret && i < pl->profile_cnt; i++)
		ret = apply_profile_dims(c, pl->profiles[i]);
	if (ret)
		return ret;
	/* Node-local values replace the built-in profile's guesses, but a value
	 * the user wrote down (override file or --set) pins the dimension. */
	for (size_t i = 0; i < ARRAY_SIZE(mapsize_node_dims); i++) {
		bool pinned = false;

		if (!pl->node_set[i])
			continue;
		for (size_t j = 0; j < pl->profile_cnt; j++)
			for (size_t k = 0; k < pl->profiles[j]->dim_cnt; k++)
				pinned |= !strcmp(pl->profiles[j]->dims[k].name, mapsize_node_dims[i]);
		for (size_t j = 0; j < pl->set_cnt; j++)
			pinned |= pl->sets[j].kind == SET_DIM && !strcmp(pl->sets[j].name, mapsize_node_dims[i]);
		if (pinned)
			continue;
		ret = dim_set(c, mapsize_node_dims[i], pl->node_value[i], strdup("node"));
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < pl->set_cnt; i++) {
		const struct set_entry *s = &pl->sets[i];

		if (s->kind != SET_DIM)
			continue;
		if (!dim_find(c->plan, s->name, strlen(s->name))) {
			const char **names = dim_names(c->plan);
			char hint[96] = "";

			if (names)
				suggestion_text(hint, sizeof(hint), s->name, names, c->plan->dim_cnt);
			free(names);
			return error_set(c->err, -EINVAL, NULL, "%s: unknown dimension '%s'%s; --set changes "
					 "a dimension the profiles define (add new ones in a --profile file)",
					 s->origin, s->name, hint);
		}
		ret = dim_set(c, s->name, s->number, strdup(s->origin));
		if (ret)
			return ret;
	}
	return 0;
}

static int lookup_dim(void *ctx, const char *name, size_t len, uint64_t *value)
{
	const struct plan_dim *d = dim_find(ctx, name, len);

	if (!d)
		return -ENOENT;
	*value = d->value;
	return 0;
}

/* Evaluate one expression; errors name the map, the field and the place. */
static int eval(struct plan_ctx *c, const struct src_expr *se, const char *map, const char *field,
		uint64_t *out)
{
	struct expr_error ee;
	struct mapsize_loc loc;
	char hint[96] = "";
	int ret;

	ret = expr_eval(se->expr, lookup_dim, c->plan, out, &ee);
	if (!ret)
		return 0;
	if (ret == -ENOMEM)
		return error_set(c->err, -ENOMEM, NULL, "out of memory");
	loc = src_expr_loc(se, ee.offset);
	if (ee.code == EXPR_ERR_UNKNOWN_NAME) {
		const char **names = dim_names(c->plan);

		if (names)
			suggestion_text(hint, sizeof(hint), ee.name, names, c->plan->dim_cnt);
		free(names);
	}
	return error_set(c->err, -EINVAL, &loc, "%s%smap '%s': %s '%s': %s%s",
			 se->origin ? se->origin : "", se->origin ? ": " : "", map, field, se->text,
			 ee.msg, hint);
}

static int value_error(struct plan_ctx *c, const struct src_expr *se, const char *map,
		       const char *fmt, ...) __printf(4, 5);

static int value_error(struct plan_ctx *c, const struct src_expr *se, const char *map,
		       const char *fmt, ...)
{
	struct mapsize_loc loc = src_expr_loc(se, 0);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set(c->err, -EINVAL, &loc, "%s%smap '%s': %s", se->origin ? se->origin : "",
			 se->origin ? ": " : "", map, msg);
}

static void warn(struct plan_ctx *c, const char *fmt, ...) __printf(2, 3);

static void warn(struct plan_ctx *c, const char *fmt, ...)
{
	struct mapsize_plan *plan = c->plan;
	char **v, *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	v = realloc(plan->warnings, (plan->warning_cnt + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return;
	}
	plan->warnings = v;
	v[plan->warning_cnt++] = s;
	pr_warn("warning: %s\n", s);
}

/* ---- max_entries -------------------------------------------------------------------- */

static uint64_t pow2_floor(uint64_t v)
{
	return v ? 1ULL << (63 - __builtin_clzll(v)) : 0;
}

static const struct src_expr *max_entries_source(struct plan_ctx *c, const struct rule *r)
{
	const struct src_expr *se = r->max_entries.expr ? &r->max_entries : NULL;

	if (c->ovr[r - c->rules->rules].max_entries)
		se = c->ovr[r - c->rules->rules].max_entries;
	if (c->ovr[r - c->rules->rules].set_max_entries)
		se = c->ovr[r - c->rules->rules].set_max_entries;
	return se;
}

static int size_map(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m)
{
	const struct map_type_info *ti = map_type_info(r->type);
	const struct src_expr *se = max_entries_source(c, r);
	uint64_t v = 0, lo = 0, hi = UINT64_MAX;
	int ret;

	if (se) {
		ret = eval(c, se, r->name, "max_entries", &v);
		if (ret)
			return ret;
	}
	if (ti->zero_max_entries) {
		if (v)
			return value_error(c, se, r->name, "max_entries evaluates to %llu, expected 0 for %s "
					   "maps (storage lives with the object)",
					   (unsigned long long)v, ti->name);
		m->max_entries = 0;
		m->expected_entries = 0;
		return 0;
	}
	if (r->min.expr && (ret = eval(c, &r->min, r->name, "min", &lo)))
		return ret;
	if (r->max.expr && (ret = eval(c, &r->max, r->name, "max", &hi)))
		return ret;
	if (lo > hi)
		return value_error(c, &r->min, r->name, "min %llu is above max %llu, expected min <= max",
				   (unsigned long long)lo, (unsigned long long)hi);
	/* A per-map override (profile or --set) is taken as written: the
	 * operator chose that number, so min/max/round only shape the rule's
	 * own expression.  Say so when it leaves the rule's bounds. */
	if (se && se != &r->max_entries) {
		if (v < lo || v > hi)
			warn(c, "map '%s': max_entries %llu from %s is outside the rule's bounds "
			     "[%llu, %llu]; using it as given", r->name, (unsigned long long)v,
			     se->origin ? se->origin : se->file, (unsigned long long)lo,
			     (unsigned long long)hi);
	} else if (se && (r->min.expr || r->max.expr)) {
		v = v < lo ? lo : v > hi ? hi : v;
	}
	if (r->round_pow2 && v && (!se || se == &r->max_entries)) {
		uint64_t p = pow2_floor(v);

		if (p != v)
			p = p << 1 ? p << 1 : p; /* 2^63 cannot double */
		if (p < v || p > hi)
			p = pow2_floor(hi);	/* honour max: largest power of two below it */
		if (p < lo)	/* no power of two in [min, max]: say so rather than go below min */
			return value_error(c, r->max.expr ? &r->max : &r->min, r->name,
					   "round: pow2 finds no power of two between "
					   "min %llu and max %llu, expected a range that holds one",
					   (unsigned long long)lo, (unsigned long long)hi);
		v = p;
	}
	if (v > UINT32_MAX)
		return value_error(c, se, r->name, "max_entries evaluates to %llu, which does not fit "
				   "max_entries (at most 4294967295)", (unsigned long long)v);
	if (!v && r->type != MAPSIZE_MAP_PERF_EVENT_ARRAY)
		return value_error(c, se ? se : &r->max_entries, r->name,
				   "max_entries evaluates to 0, expected at least 1 for a %s map", ti->name);
	if (ti->hash_like && v > (1ULL << 27))
		return value_error(c, se, r->name, "max_entries %llu exceeds 134217728 (2^27), the most "
				   "the kernel allows for a %s map (E2BIG)", (unsigned long long)v, ti->name);
	if (r->type == MAPSIZE_MAP_STACK_TRACE && v > (1ULL << 31))
		return value_error(c, se, r->name, "max_entries %llu exceeds 2147483648 (2^31), the most "
				   "the kernel allows for a stack_trace map (E2BIG)", (unsigned long long)v);
	if (r->type == MAPSIZE_MAP_RINGBUF && ((v & (v - 1)) || v % 4096))
		return value_error(c, se, r->name, "ringbuf size %llu bytes is not a power of two multiple "
				   "of the 4096-byte page size, expected e.g. %llu (add 'round: pow2')",
				   (unsigned long long)v,
				   (unsigned long long)(v < 4096 ? 4096 : pow2_floor(v) << 1));
	m->max_entries = (uint32_t)v;
	m->expected_entries = v;
	if (r->expected.expr) {
		ret = eval(c, &r->expected, r->name, "expected", &m->expected_entries);
		if (ret)
			return ret;
		if (m->expected_entries > v && r->type != MAPSIZE_MAP_RINGBUF)
			warn(c, "map '%s': expected entries %llu exceed max_entries %u: the map will fill up "
			     "(updates fail with E2BIG%s)", r->name, (unsigned long long)m->expected_entries,
			     m->max_entries, ti->hash_like && r->type >= MAPSIZE_MAP_LRU_HASH &&
			     r->type <= MAPSIZE_MAP_LRU_PERCPU_HASH ? ", or LRU evicts live entries" : "");
	}
	return 0;
}

/* ---- preallocation -------------------------------------------------------------------- */

static char *eligible_list(const struct mapsize_plan *plan)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < plan->map_cnt; i++)
		if (plan->maps[i].prealloc_toggle)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", plan->maps[i].name);
	if (!sb.len)
		strbuf_addf(&sb, "(none)");
	return strbuf_detach(&sb);
}

static int set_reason(struct mapsize_plan_map *m, const char *fmt, ...) __printf(2, 3);

static int set_reason(struct mapsize_plan_map *m, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free((char *)m->prealloc_reason);
	m->prealloc_reason = s;
	return 0;
}

/* Who asked for a map's preallocation, lowest precedence first. */
enum prealloc_source {
	FROM_KERNEL_DEFAULT,
	FROM_RULE,
	FROM_GLOBAL_DEFAULT,	/* --bpf-maps-prealloc */
	FROM_PROFILE,		/* an override file's maps.NAME.prealloc */
	FROM_SET,		/* --set maps.NAME.prealloc */
};

/* Decide one map's preallocation before the command-line exception lists. */
static int decide_prealloc(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m)
{
	const struct map_type_info *ti = map_type_info(r->type);
	enum mapsize_prealloc want = r->prealloc;
	enum prealloc_source from = r->prealloc_node ? FROM_RULE : FROM_KERNEL_DEFAULT;
	char source[320];
	const char *why;
	bool allowed, asked;

	allowed = mapsize_prealloc_allowed(r->type, r->used_by, c->pl->kernel_version, &why);
	m->prealloc_toggle = allowed;
	snprintf(source, sizeof(source), r->prealloc_node ? "rule at %s:%u:%u" : "kernel default",
		 c->rules->doc.file, r->prealloc_node ? r->prealloc_node->line : 0,
		 r->prealloc_node ? r->prealloc_node->col : 0);
	if (c->pl->prealloc_default >= 0) {
		want = c->pl->prealloc_default ? MAPSIZE_PREALLOC_TRUE : MAPSIZE_PREALLOC_FALSE;
		from = FROM_GLOBAL_DEFAULT;
		snprintf(source, sizeof(source), "--bpf-maps-prealloc=%s",
			 c->pl->prealloc_default ? "true" : "false");
	}
	if (c->ovr[r - c->rules->rules].prealloc) {
		const struct profile_map *pm = c->ovr[r - c->rules->rules].prealloc;

		want = pm->prealloc;
		from = FROM_PROFILE;
		snprintf(source, sizeof(source), "profile %s:%u:%u",
			 c->ovr[r - c->rules->rules].prealloc_profile->doc.file,
			 pm->prealloc_node->line, pm->prealloc_node->col);
	}
	if (c->ovr[r - c->rules->rules].set_prealloc) {
		const struct set_entry *se = c->ovr[r - c->rules->rules].set_prealloc;

		want = se->prealloc;
		from = FROM_SET;
		snprintf(source, sizeof(source), "%s", se->origin);
	}
	/* The operator asked for this map specifically (profile or --set). */
	asked = from >= FROM_PROFILE;
	if (!ti->prealloc_optional && !ti->no_prealloc_required) {
		m->prealloc = true;
		if (asked && want == MAPSIZE_PREALLOC_FALSE)
			warn(c, "map '%s' stays preallocated despite %s: %s maps are always preallocated",
			     r->name, source, ti->name);
		return set_reason(m, "%s maps are always preallocated", ti->name);
	}
	if (ti->no_prealloc_required) {
		m->prealloc = false;
		if (asked && want == MAPSIZE_PREALLOC_TRUE)
			warn(c, "map '%s' stays not preallocated despite %s: the kernel requires "
			     "BPF_F_NO_PREALLOC for %s maps", r->name, source, ti->name);
		return set_reason(m, "the kernel requires BPF_F_NO_PREALLOC for %s maps", ti->name);
	}
	if (want == MAPSIZE_PREALLOC_AUTO) {
		if (!r->expected.expr) {
			m->prealloc = true;
			return set_reason(m, "auto (%s): no expected entries given, kernel default", source);
		}
		/* expected > max/4, written so a huge expected cannot wrap */
		m->prealloc = m->expected_entries >
			      (uint64_t)m->max_entries * AUTO_NO_PREALLOC_NUM / AUTO_NO_PREALLOC_DEN;
		if (!m->prealloc && !allowed) {
			m->prealloc = true;
			return set_reason(m, "auto (%s): preallocated because %s", source, why);
		}
		return set_reason(m, "auto (%s): expected %llu of %u entries is %s 1/%d", source,
				  (unsigned long long)m->expected_entries, m->max_entries,
				  m->prealloc ? "above" : "at most", AUTO_NO_PREALLOC_DEN);
	}
	m->prealloc = want == MAPSIZE_PREALLOC_TRUE;
	if (!m->prealloc && !allowed) {
		m->prealloc = true;
		/* The operator or the rule asked for this map specifically: tell them. */
		if (asked || from == FROM_RULE)
			warn(c, "map '%s' stays preallocated despite %s: %s", r->name, source, why);
		return set_reason(m, "preallocated because %s", why);
	}
	return set_reason(m, "%s", source);
}

static int check_list_names(struct plan_ctx *c, char **list, size_t cnt, const char *flag)
{
	for (size_t i = 0; i < cnt; i++) {
		const struct mapsize_plan_map *m = mapsize_plan__find(c->plan, list[i]);
		char *eligible;
		int ret = 0;

		if (m && m->prealloc_toggle)
			continue;
		/* Only an error lists the eligible maps: building the list for
		 * every name would be quadratic. */
		eligible = eligible_list(c->plan);
		if (!eligible)
			return error_set(c->err, -ENOMEM, NULL, "out of memory");
		if (!m) {
			const char **names = calloc(c->plan->map_cnt + 1, sizeof(*names));
			char hint[96] = "";

			for (size_t j = 0; names && j < c->plan->map_cnt; j++)
				names[j] = c->plan->maps[j].name;
			if (names)
				suggestion_text(hint, sizeof(hint), list[i], names, c->plan->map_cnt);
			free(names);
			ret = error_set(c->err, -EINVAL, NULL, "%s: unknown map '%s'%s; maps whose "
					"preallocation can toggle: %s", flag, list[i], hint, eligible);
		} else if (!m->prealloc_toggle) {
			const char *why = NULL;

			mapsize_prealloc_allowed(m->type, m->used_by, c->pl->kernel_version, &why);
			ret = error_set(c->err, -EINVAL, NULL, "%s: map '%s' cannot toggle preallocation "
					"(%s); maps that can: %s", flag, list[i], why, eligible);
		}
		free(eligible);
		if (ret)
			return ret;
	}
	return 0;
}

static int apply_lists(struct plan_ctx *c)
{
	struct mapsize_planner *pl = c->pl;
	int ret;

	ret = check_list_names(c, pl->disable, pl->disable_cnt, "--bpf-maps-disable-prealloc");
	if (!ret)
		ret = check_list_names(c, pl->enable, pl->enable_cnt, "--bpf-maps-enable-prealloc");
	if (ret)
		return ret;
	for (size_t i = 0; i < pl->disable_cnt; i++)
		for (size_t j = 0; j < pl->enable_cnt; j++)
			if (!strcmp(pl->disable[i], pl->enable[j]))
				return error_set(c->err, -EINVAL, NULL, "map '%s' is named in both "
						 "--bpf-maps-disable-prealloc and --bpf-maps-enable-prealloc, "
						 "expected one of them", pl->disable[i]);
	/* A whole list that contradicts the chosen default gets one warning. */
	if (pl->prealloc_default == 0 && pl->disable_cnt)
		warn(c, "--bpf-maps-disable-prealloc has no effect with --bpf-maps-prealloc=false "
		     "(eligible maps are already not preallocated)");
	if (pl->prealloc_default == 1 && pl->enable_cnt)
		warn(c, "--bpf-maps-enable-prealloc has no effect with --bpf-maps-prealloc=true "
		     "(eligible maps are already preallocated)");
	for (int pass = 0; pass < 2; pass++) {
		char **list = pass ? pl->enable : pl->disable;
		size_t cnt = pass ? pl->enable_cnt : pl->disable_cnt;
		const char *flag = pass ? "--bpf-maps-enable-prealloc" : "--bpf-maps-disable-prealloc";
		bool want = pass;

		for (size_t i = 0; i < cnt; i++) {
			struct mapsize_plan_map *m = (struct mapsize_plan_map *)mapsize_plan__find(c->plan, list[i]);

			if (m->prealloc == want && pl->prealloc_default != (int)want)
				warn(c, "%s=%s has no effect: map '%s' is already %spreallocated (%s)", flag,
				     list[i], list[i], want ? "" : "not ", m->prealloc_reason);
			m->prealloc = want;
			if (set_reason(m, "%s", flag))
				return error_set(c->err, -ENOMEM, NULL, "out of memory");
		}
	}
	return 0;
}

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

static const char *base_name(struct mapsize_planner *pl)
{
	const char *name = NULL;

	for (size_t i = 0; i < pl->profile_cnt; i++)
		if (pl->profiles[i]->base) {
			const struct profile *p = pl->profiles[i];

			if (pl->map_size && strcmp(pl->map_size, p->base))
				pr_warn("warning: --map-size=%s overrides 'base: %s' at %s:%u:%u\n", pl->map_size,
					p->base, p->doc.file, p->base_node->line, p->base_node->col);
			name = p->base;
		}
	if (pl->map_size)
		return pl->map_size;
	return name ? name : "medium";
}

struct mapsize_plan *mapsize_planner__plan(struct mapsize_planner *pl,
					   const struct mapsize_rules *rules)
{
	struct plan_ctx c = { .pl = pl, .rules = rules, .err = &pl->err };
	const char *bname = base_name(pl);
	struct profile *base = NULL;
	const char *text;
	size_t len;
	char path[64];
	int ret;

	error_clear(&pl->err);
	c.plan = calloc(1, sizeof(*c.plan));
	if (!c.plan) {
		error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
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
	ret = resolve_dims(&c, base);
	if (!ret)
		ret = index_overrides(&c);
	for (size_t i = 0; !ret && i < rules->cnt; i++) {
		const struct rule *r = &rules->rules[i];
		struct mapsize_plan_map *m = &c.plan->maps[c.plan->map_cnt++];

		m->name = strdup(r->name);
		m->inner_of = r->outer ? strdup(r->outer) : NULL;
		if (!m->name || (r->outer && !m->inner_of)) {
			ret = error_set(&pl->err, -ENOMEM, NULL, "out of memory");
			break;
		}
		m->type = r->type;
		m->key_size = r->key_size;
		m->value_size = r->value_size;
		m->baseline_max_entries = r->baseline;
		m->used_by = r->used_by;
		m->map_extra = r->map_extra;
		ret = size_map(&c, r, m);
		if (!ret)
			ret = decide_prealloc(&c, r, m);
		if (ret == -ENOMEM)
			error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	}
	if (!ret)
		ret = apply_lists(&c);
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
	return c.plan;
fail:
	profile_free(base);
	free(c.ovr);
	mapsize_plan__free(c.plan);
	errno = pl->err.code ? -pl->err.code : EINVAL;
	return NULL;
}

void mapsize_plan__free(struct mapsize_plan *plan)
{
	if (!plan)
		return;
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
	return idx < plan->map_cnt ? &plan->maps[idx] : NULL;
}

const struct mapsize_plan_map *mapsize_plan__find(const struct mapsize_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->map_cnt; i++)
		if (plan->maps[i].name && !strcmp(plan->maps[i].name, name))
			return &plan->maps[i];
	return NULL;
}

size_t mapsize_plan__dim_cnt(const struct mapsize_plan *plan)
{
	return plan->dim_cnt;
}

const char *mapsize_plan__dim(const struct mapsize_plan *plan, size_t idx, uint64_t *value)
{
	if (idx >= plan->dim_cnt)
		return NULL;
	if (value)
		*value = plan->dims[idx].value;
	return plan->dims[idx].name;
}

int mapsize_plan__dim_value(const struct mapsize_plan *plan, const char *name, uint64_t *value)
{
	const struct plan_dim *d = dim_find(plan, name, strlen(name));

	if (!d)
		return -ENOENT;
	*value = d->value;
	return 0;
}

uint64_t mapsize_plan__digest(const struct mapsize_plan *plan)
{
	return plan->digest;
}

size_t mapsize_plan__warning_cnt(const struct mapsize_plan *plan)
{
	return plan->warning_cnt;
}

const char *mapsize_plan__warning(const struct mapsize_plan *plan, size_t idx)
{
	return idx < plan->warning_cnt ? plan->warnings[idx] : NULL;
}
