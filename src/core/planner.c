// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The planner collects the layers (built-in profile, override documents,
 * node-local dimensions, --set, prealloc options); planner_plan.c turns
 * them and a rules file into a plan.  No I/O here except
 * mapsize_planner__add_profile_file(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

const char *const mapsize_node_dims[] = { "cpus", "memory" };

struct mapsize_planner *mapsize_planner__new(const struct mapsize_planner_opts *opts,
					     struct mapsize_error *err)
{
	const char *map_size, *kernel_release;
	struct mapsize_planner *pl;

	error_clear(err);
	if (!OPTS_VALID(opts, mapsize_planner_opts)) {
		/* sz too small, or a newer caller's unknown tail is not zero */
		error_set(err, -EINVAL, NULL, "unsupported planner options (sz %zu; newer libmapsize?)",
			  opts->sz);
		errno = EINVAL;
		return NULL;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	pl->prealloc_default = -1;
	map_size = OPTS_GET(opts, map_size, NULL);
	kernel_release = OPTS_GET(opts, kernel_release, NULL);
	if (map_size) {
		if (!mapsize_builtin_profile(map_size, NULL)) {
			error_set(err, -EINVAL, NULL, "unknown --map-size '%s', expected small, medium or large",
				  map_size);
			free(pl);
			errno = EINVAL;
			return NULL;
		}
		pl->map_size = strdup(map_size);
	}
	if (kernel_release) {
		if (mapsize_kernel_version(kernel_release, &pl->kernel_version)) {
			error_set(err, -EINVAL, NULL, "kernel release '%s' is not MAJOR.MINOR[...], "
				  "expected e.g. 6.1 or 5.15.0-100-generic", kernel_release);
			mapsize_planner__free(pl);
			errno = EINVAL;
			return NULL;
		}
		pl->kernel_release = strdup(kernel_release);
	}
	if (OPTS_GET(opts, object, NULL) && !(pl->object = strdup(opts->object))) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		mapsize_planner__free(pl);
		errno = ENOMEM;
		return NULL;
	}
	if (OPTS_GET(opts, budget, NULL) &&
	    plan_budget_parse(pl, opts->budget, OPTS_GET(opts, budget_memory, NULL))) {
		int code = pl->err.code;

		if (err)
			*err = pl->err;
		mapsize_planner__free(pl);
		errno = -code;
		return NULL;
	}
	return pl;
}

void mapsize_planner__free(struct mapsize_planner *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->profile_cnt; i++)
		profile_free(pl->profiles[i]);
	free(pl->profiles);
	for (size_t i = 0; i < pl->set_cnt; i++) {
		src_expr_release(&pl->sets[i].expr);
		free(pl->sets[i].text);
		free(pl->sets[i].name);
		free(pl->sets[i].origin);
	}
	free(pl->sets);
	for (size_t i = 0; i < pl->disable_cnt; i++)
		free(pl->disable[i]);
	for (size_t i = 0; i < pl->enable_cnt; i++)
		free(pl->enable[i]);
	free(pl->disable);
	free(pl->enable);
	free(pl->map_size);
	free(pl->kernel_release);
	free(pl->object);
	free(pl->budget);
	free(pl);
}

const struct mapsize_error *mapsize_planner__error(const struct mapsize_planner *pl)
{
	return &pl->err;
}

int mapsize_planner__add_profile(struct mapsize_planner *pl, const char *buf, size_t len,
				 const char *filename)
{
	struct profile *p, **v;

	error_clear(&pl->err);
	p = profile_parse(buf, len, filename, false, &pl->err);
	if (!p)
		return pl->err.code ? pl->err.code : -EINVAL;
	v = realloc(pl->profiles, (pl->profile_cnt + 1) * sizeof(*v));
	if (!v) {
		profile_free(p);
		return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	}
	pl->profiles = v;
	pl->profiles[pl->profile_cnt++] = p;
	return 0;
}

static struct set_entry *new_set(struct mapsize_planner *pl)
{
	/* capacity: the power of two at or above set_cnt, at least 8 */
	size_t cnt = pl->set_cnt;
	struct set_entry *v = cnt < 8 || !(cnt & (cnt - 1)) ?
			      realloc(pl->sets, (cnt < 8 ? 8 : 2 * cnt) * sizeof(*v)) : pl->sets;

	if (!v)
		return NULL;
	pl->sets = v;
	memset(&v[pl->set_cnt], 0, sizeof(*v));
	return &v[pl->set_cnt++];
}

int mapsize_planner__set(struct mapsize_planner *pl, const char *assignment)
{
	const char *eq;
	struct set_entry *s;
	char *lhs, *field;
	int ret;

	if (!pl)
		return -EINVAL;
	error_clear(&pl->err);
	if (!assignment)
		return error_set(&pl->err, -EINVAL, NULL, "no assignment, expected NAME=VALUE");
	eq = strchr(assignment, '=');
	if (!eq || eq == assignment || !eq[1])
		return error_set(&pl->err, -EINVAL, NULL, "malformed --set '%s', expected NAME=VALUE "
				 "(e.g. procs=65536 or maps.execve_map.max_entries=65536)", assignment);
	s = new_set(pl);
	if (!s)
		return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	s->text = strdup(assignment);
	lhs = strndup(assignment, (size_t)(eq - assignment));
	if (!s->text || !lhs || asprintf(&s->origin, "--set '%s'", assignment) < 0) {
		s->origin = NULL;
		free(lhs);
		pl->set_cnt--;
		free(s->text);
		return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	}
	s->value = s->text + (eq - assignment) + 1;
	if (strncmp(lhs, "maps.", 5)) {
		s->kind = SET_DIM;
		s->name = lhs;
		if (!dim_name_valid(lhs)) {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: '%s' is not a dimension name, expected "
					"lower-case letters, digits and '_' (or maps.NAME.max_entries / "
					"maps.NAME.prealloc)", s->origin, lhs);
			goto fail;
		}
		if (s->value[0] == '-') {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: negative value, expected a number >= 0",
					s->origin);
			goto fail;
		}
		ret = expr_parse_quantity(s->value, &s->number);
		if (ret) {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: '%s' is %s, expected digits with an "
					"optional k/M/G/T/Ki/Mi/Gi/Ti suffix", s->origin, s->value,
					ret == -ERANGE ? "out of range" : "not a number");
			goto fail;
		}
		if (!strcmp(lhs, "cpus") && (!s->number || s->number > UINT32_MAX)) {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: cpus %s, expected 1..4294967295 "
					"possible CPUs per node", s->origin, s->value);
			goto fail;
		}
		return 0;
	}
	field = strrchr(lhs, '.');
	if (field == lhs + 4 || !field[1]) {
		ret = error_set(&pl->err, -EINVAL, NULL, "malformed %s, expected maps.NAME.max_entries=VALUE "
				"or maps.NAME.prealloc=true|false|auto", s->origin);
		goto fail;
	}
	*field++ = '\0';
	s->name = strdup(lhs + 5);
	if (!s->name) {
		ret = error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		goto fail;
	}
	if (!strcmp(field, "max_entries")) {
		struct expr_error ee;

		s->kind = SET_MAP_MAX_ENTRIES;
		s->expr.text = s->value;
		s->expr.origin = s->origin;
		s->expr.expr = expr_parse(s->value, &ee);
		if (!s->expr.expr) {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: %s (at character %zu of the value)",
					s->origin, ee.msg, ee.offset + 1);
			goto fail;
		}
	} else if (!strcmp(field, "prealloc")) {
		s->kind = SET_MAP_PREALLOC;
		if (prealloc_from_str(s->value, &s->prealloc)) {
			ret = error_set(&pl->err, -EINVAL, NULL, "%s: '%s' is not a preallocation choice, "
					"expected true, false or auto", s->origin, s->value);
			goto fail;
		}
	} else {
		ret = error_set(&pl->err, -EINVAL, NULL, "%s: unknown map field '%s', expected max_entries "
				"or prealloc", s->origin, field);
		goto fail;
	}
	free(lhs);
	return 0;
fail:
	if (s->name == lhs)
		s->name = NULL;
	free(lhs);
	pl->set_cnt--;
	src_expr_release(&s->expr);
	free(s->text);
	free(s->name);
	free(s->origin);
	return ret;
}

int mapsize_planner__set_node_dimension(struct mapsize_planner *pl, const char *name, uint64_t value)
{
	error_clear(&pl->err);
	if (!strcmp(name, "cpus") && (!value || value > UINT32_MAX))
		return error_set(&pl->err, -EINVAL, NULL, "cpus %llu, expected 1..4294967295 possible "
				 "CPUs per node", (unsigned long long)value);
	for (size_t i = 0; i < ARRAY_SIZE(mapsize_node_dims); i++)
		if (!strcmp(name, mapsize_node_dims[i])) {
			pl->node_value[i] = value;
			pl->node_set[i] = true;
			return 0;
		}
	return error_set(&pl->err, -EINVAL, NULL, "'%s' is not a node-local dimension, expected cpus or memory",
			 name);
}

int mapsize_planner__set_prealloc_default(struct mapsize_planner *pl, bool prealloc)
{
	error_clear(&pl->err);
	pl->prealloc_default = prealloc;
	return 0;
}

static int add_list(struct mapsize_planner *pl, char ***listp, size_t *cntp, const char *list,
		    const char *flag)
{
	const char *p = list;

	error_clear(&pl->err);
	if (!*list)
		return error_set(&pl->err, -EINVAL, NULL, "%s: empty list, expected map names separated by commas",
				 flag);
	while (*p) {
		size_t n = strcspn(p, ",");
		char **v;

		if (!n)
			return error_set(&pl->err, -EINVAL, NULL, "%s=%s: empty map name, expected map names "
					 "separated by single commas", flag, list);
		v = realloc(*listp, (*cntp + 1) * sizeof(*v));
		if (!v)
			return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		*listp = v;
		v[*cntp] = strndup(p, n);
		if (!v[*cntp])
			return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
		(*cntp)++;
		p += n;
		if (*p == ',' && !*++p)
			return error_set(&pl->err, -EINVAL, NULL, "%s=%s: trailing comma, expected a map name",
					 flag, list);
	}
	return 0;
}

int mapsize_planner__disable_prealloc(struct mapsize_planner *pl, const char *list)
{
	return add_list(pl, &pl->disable, &pl->disable_cnt, list, "--bpf-maps-disable-prealloc");
}

int mapsize_planner__enable_prealloc(struct mapsize_planner *pl, const char *list)
{
	return add_list(pl, &pl->enable, &pl->enable_cnt, list, "--bpf-maps-enable-prealloc");
}
