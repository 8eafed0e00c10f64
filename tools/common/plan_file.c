// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Plan files back into plans (see plan_file.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "options.h"
#include "plan_file.h"

static int bad(const char *file, const char *what, const char *detail)
{
	fprintf(stderr, "%s: error: %s%s\n", file, what, detail ? detail : "");
	return -1;
}

/* "maps.NAME.FIELD=VALUE" or "NAME=VALUE" into the planner. */
static int set(struct mapsize_planner *pl, const char *file, const char *fmt, const char *name,
	       const char *value)
{
	char buf[512];

	snprintf(buf, sizeof(buf), fmt, name, value);
	if (!mapsize_planner__set(pl, buf))
		return 0;
	fprintf(stderr, "%s: error: ", file);
	print_error(mapsize_planner__error(pl));
	return -1;
}

/* The file's figures for every map, and the same maps in the plan. */
static int check_maps(const char *file, jv_t *maps, const struct mapsize_plan *plan)
{
	jv_t *m;
	size_t i;

	if (jv_array_size(maps) != mapsize_plan__map_cnt(plan)) {
		fprintf(stderr, "%s: error: %zu maps, the rules have %zu: expected a plan of these rules\n",
			file, jv_array_size(maps), mapsize_plan__map_cnt(plan));
		return -1;
	}
	jv_array_foreach(maps, i, m) {
		const char *name = jv_string_value(jv_object_get(m, "name"));
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, name);
		int64_t max = jv_integer_value(jv_object_get(m, "max_entries"));
		int64_t flags = jv_integer_value(jv_object_get(m, "map_flags"));

		if (!pm || pm->max_entries != max || pm->map_flags != flags) {
			fprintf(stderr, "%s: error: .maps[%zu] (%s): max_entries %lld, map_flags 0x%llx in the "
				"file, %u, 0x%x from the rules: expected the rules the plan was made from\n",
				file, i, name, (long long)max, (long long)flags, pm ? pm->max_entries : 0,
				pm ? pm->map_flags : 0);
			return -1;
		}
	}
	return 0;
}

struct mapsize_plan *plan_file__load(const char *plan_path, const char *rules_path)
{
	struct mapsize_planner_opts opts = { .sz = sizeof(opts) };
	struct mapsize_plan *plan = NULL;
	struct mapsize_rules *rules = NULL;
	struct mapsize_planner *pl = NULL;
	struct mapsize_error err;
	jv_t *root, *maps, *dims, *v, *m;
	const char *key, *app;
	char *profile = NULL;
	struct jv_error jerr;
	size_t i;

	/* integers exact up to UINT64_MAX: --set memory=2^63 reads back */
	root = jv_load_file(plan_path, 16 << 20, &jerr);
	if (!root) {
		if (!jerr.line)
			fprintf(stderr, "%s: error: cannot read: %s\n", plan_path, jerr.text);
		else
			fprintf(stderr, "%s:%u:%u: error: %s (in what should be `mapsize plan --format json` "
				"output)\n", plan_path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	maps = jv_object_get(root, "maps");
	dims = jv_object_get(root, "dimensions");
	app = jv_string_value(jv_object_get(root, "app"));
	if (jv_integer_value(jv_object_get(root, "schema_version")) != PLAN_FILE_SCHEMA_VERSION) {
		bad(plan_path, ".schema_version: expected 1 (`mapsize plan --format json` of this version)", NULL);
		goto out;
	}
	if (!jv_is_array(maps) || !jv_is_object(dims) || !app) {
		bad(plan_path, "no maps, dimensions or app: expected `mapsize plan --format json` output", NULL);
		goto out;
	}
	rules = mapsize_rules__load_file(rules_path, &err);
	if (!rules) {
		print_error(&err);
		goto out;
	}
	if (strcmp(app, mapsize_rules__app(rules))) {
		fprintf(stderr, "%s: error: .app: '%s', the rules %s are for '%s'\n", plan_path, app, rules_path,
			mapsize_rules__app(rules));
		goto out;
	}
	opts.map_size = jv_string_value(jv_object_get(root, "base_profile"));
	opts.kernel_release = jv_string_value(jv_object_get(root, "kernel"));
	pl = mapsize_planner__new(&opts, &err);
	if (!pl) {
		print_error(&err);
		goto out;
	}
	/* the plan's own name: a profile that only names it */
	{
		char *quoted = jv_dumps(jv_object_get(root, "profile"), 0);

		if (!quoted || asprintf(&profile, "name: %s\n", quoted) < 0)
			profile = NULL;
		free(quoted);
	}
	if (!profile || mapsize_planner__add_profile(pl, profile, strlen(profile), plan_path)) {
		bad(plan_path, ".profile: not a profile name", NULL);
		goto out;
	}
	for (i = 0; (key = jv_object_key_at(dims, i, &v)); i++) {
		uint64_t u;
		char num[32];

		if (!jv_u64_value(v, &u)) {
			fprintf(stderr, "%s: error: .dimensions.%s: not an integer, expected 0 to "
				"18446744073709551615\n", plan_path, key);
			goto out;
		}
		snprintf(num, sizeof(num), "%llu", (unsigned long long)u);
		if (set(pl, plan_path, "%s=%s", key, num))
			goto out;
	}
	jv_array_foreach(maps, i, m) {
		const char *name = jv_string_value(jv_object_get(m, "name"));
		char num[32];

		if (!name || !jv_is_integer(jv_object_get(m, "max_entries"))) {
			bad(plan_path, ".maps[]: a map without name or max_entries", NULL);
			goto out;
		}
		snprintf(num, sizeof(num), "%lld", (long long)jv_integer_value(jv_object_get(m, "max_entries")));
		if (set(pl, plan_path, "maps.%s.max_entries=%s", name, num))
			goto out;
		/* only where the choice exists: the rest follow their type */
		if (jv_is_true(jv_object_get(m, "prealloc_toggle")) &&
		    set(pl, plan_path, "maps.%s.prealloc=%s", name,
			jv_is_true(jv_object_get(m, "prealloc")) ? "true" : "false"))
			goto out;
	}
	plan = mapsize_planner__plan(pl, rules);
	if (!plan)
		print_error(mapsize_planner__error(pl));
	else if (check_maps(plan_path, maps, plan)) {
		mapsize_plan__free(plan);
		plan = NULL;
	}
out:
	free(profile);
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	jv_decref(root);
	return plan;
}
