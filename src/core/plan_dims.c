// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Dimensions of a plan (profiles, --set, node), expression evaluation
 * against them, and the plan's warnings.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

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

struct plan_dim *plan_dim_find(const struct mapsize_plan *plan, const char *name, size_t len)
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

int plan_resolve_dims(struct plan_ctx *c, const struct profile *base)
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
		if (!plan_dim_find(c->plan, s->name, strlen(s->name))) {
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
	const struct plan_dim *d = plan_dim_find(ctx, name, len);

	if (!d)
		return -ENOENT;
	*value = d->value;
	return 0;
}

/* Evaluate one expression; errors name the map, the field and the place. */
int plan_eval(struct plan_ctx *c, const struct src_expr *se, const char *map, const char *field,
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

int plan_value_error(struct plan_ctx *c, const struct src_expr *se, const char *map,
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

/* Takes ownership of s. */
static int plan_push_warning(struct mapsize_plan *plan, char *s, bool quiet)
{
	char **v = realloc(plan->warnings, (plan->warning_cnt + 1) * sizeof(*v));

	if (!v) {
		free(s);
		return -ENOMEM;
	}
	plan->warnings = v;
	v[plan->warning_cnt++] = s;
	if (!quiet)
		pr_warn("warning: %s\n", s);
	return 0;
}

void plan_warn(struct plan_ctx *c, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0)
		plan_push_warning(c->plan, s, c->quiet);
}

int mapsize_plan__add_warning(struct mapsize_plan *plan, const char *msg)
{
	char *s;

	if (!plan || !msg)
		return -EINVAL;
	s = strdup(msg);
	return s ? plan_push_warning(plan, s, false) : -ENOMEM;
}
