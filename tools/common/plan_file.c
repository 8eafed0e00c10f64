// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Plan files back into plans (see plan_file.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static int check_maps(const char *file, json_t *maps, const struct mapsize_plan *plan)
{
	json_t *m;
	size_t i;

	if (json_array_size(maps) != mapsize_plan__map_cnt(plan)) {
		fprintf(stderr, "%s: error: %zu maps, the rules have %zu: expected a plan of these rules\n",
			file, json_array_size(maps), mapsize_plan__map_cnt(plan));
		return -1;
	}
	json_array_foreach(maps, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, name);
		json_int_t max = json_integer_value(json_object_get(m, "max_entries"));
		json_int_t flags = json_integer_value(json_object_get(m, "map_flags"));

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
	json_t *root, *maps, *dims, *v, *m;
	json_error_t jerr;
	const char *key, *app;
	char *profile = NULL;
	size_t i;

	root = json_load_file(plan_path, 0, &jerr);
	if (!root) {
		fprintf(stderr, "%s: error: line %d, column %d: %s, expected `mapsize plan --format json` "
			"output\n", plan_path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	maps = json_object_get(root, "maps");
	dims = json_object_get(root, "dimensions");
	app = json_string_value(json_object_get(root, "app"));
	if (json_integer_value(json_object_get(root, "schema_version")) != PLAN_FILE_SCHEMA_VERSION) {
		bad(plan_path, ".schema_version: expected 1 (`mapsize plan --format json` of this version)", NULL);
		goto out;
	}
	if (!json_is_array(maps) || !json_is_object(dims) || !app) {
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
	opts.map_size = json_string_value(json_object_get(root, "base_profile"));
	opts.kernel_release = json_string_value(json_object_get(root, "kernel"));
	pl = mapsize_planner__new(&opts, &err);
	if (!pl) {
		print_error(&err);
		goto out;
	}
	/* the plan's own name: a profile that only names it */
	{
		char *quoted = json_dumps(json_object_get(root, "profile"), JSON_ENCODE_ANY);

		if (!quoted || asprintf(&profile, "name: %s\n", quoted) < 0)
			profile = NULL;
		free(quoted);
	}
	if (!profile || mapsize_planner__add_profile(pl, profile, strlen(profile), plan_path)) {
		bad(plan_path, ".profile: not a profile name", NULL);
		goto out;
	}
	json_object_foreach(dims, key, v) {
		char num[32];

		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		if (set(pl, plan_path, "%s=%s", key, num))
			goto out;
	}
	json_array_foreach(maps, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		char num[32];

		if (!name || !json_is_integer(json_object_get(m, "max_entries"))) {
			bad(plan_path, ".maps[]: a map without name or max_entries", NULL);
			goto out;
		}
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(m, "max_entries")));
		if (set(pl, plan_path, "maps.%s.max_entries=%s", name, num))
			goto out;
		/* only where the choice exists: the rest follow their type */
		if (json_is_true(json_object_get(m, "prealloc_toggle")) &&
		    set(pl, plan_path, "maps.%s.prealloc=%s", name,
			json_is_true(json_object_get(m, "prealloc")) ? "true" : "false"))
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
	json_decref(root);
	return plan;
}
