// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize plan | gen-header | maps: outputs that need no kernel. */
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

json_t *plan_map_json(const struct mapsize_plan_map *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "type", json_string(mapsize_map_type__name(m->type)));
	json_object_set_new(o, "key_size", json_integer(m->key_size));
	json_object_set_new(o, "value_size", json_integer(m->value_size));
	json_object_set_new(o, "max_entries", json_integer(m->max_entries));
	json_object_set_new(o, "map_flags", json_integer(m->map_flags));
	json_object_set_new(o, "prealloc", json_boolean(m->prealloc));
	json_object_set_new(o, "expected_entries", json_integer((json_int_t)m->expected_entries));
	json_object_set_new(o, "prealloc_toggle", json_boolean(m->prealloc_toggle));
	json_object_set_new(o, "prealloc_reason", json_string(m->prealloc_reason));
	json_object_set_new(o, "inner_of", m->inner_of ? json_string(m->inner_of) : json_null());
	json_object_set_new(o, "baseline_max_entries",
			    m->baseline_max_entries ? json_integer(m->baseline_max_entries) : json_null());
	return o;
}

json_t *plan_json(const struct mapsize_plan *plan)
{
	json_t *root = json_object(), *dims = json_object(), *maps = json_array(), *warn = json_array();

	json_object_set_new(root, "profile", json_string(mapsize_plan__profile(plan)));
	json_object_set_new(root, "dimensions", dims);
	json_object_set_new(root, "maps", maps);
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		json_object_set_new(dims, name, json_integer((json_int_t)v));
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++)
		json_array_append_new(maps, plan_map_json(mapsize_plan__map(plan, i)));
	for (size_t i = 0; i < mapsize_plan__warning_cnt(plan); i++)
		json_array_append_new(warn, json_string(mapsize_plan__warning(plan, i)));
	json_object_set_new(root, "warnings", warn);
	{
		char digest[24];

		snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)mapsize_plan__digest(plan));
		json_object_set_new(root, "digest", json_string(digest));
	}
	return root;
}

static void print_plan_table(const struct mapsize_plan *plan)
{
	uint64_t total_entries = 0, total_expected = 0;
	size_t n_prealloc = 0;

	printf("profile: %s\ndimensions:", mapsize_plan__profile(plan));
	for (size_t i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		printf(" %s=%llu", name, (unsigned long long)v);
	}
	printf("\n\n%-32s %-16s %5s %6s %12s %-8s %12s\n", "MAP", "TYPE", "KEY", "VALUE", "MAX_ENTRIES",
	       "PREALLOC", "EXPECTED");
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		printf("%-32s %-16s %5u %6u %12u %-8s %12llu\n", m->name, mapsize_map_type__name(m->type),
		       m->key_size, m->value_size, m->max_entries, m->prealloc ? "yes" : "no",
		       (unsigned long long)m->expected_entries);
		total_entries += m->max_entries;
		total_expected += m->expected_entries;
		n_prealloc += m->prealloc;
	}
	printf("%-32s %-16s %5s %6s %12llu %-8s %12llu\n", "TOTAL", "", "", "",
	       (unsigned long long)total_entries, "", (unsigned long long)total_expected);
	printf("\n%zu maps, %zu preallocated, %zu not\n", mapsize_plan__map_cnt(plan), n_prealloc,
	       mapsize_plan__map_cnt(plan) - n_prealloc);
}

int do_plan(int argc, char **argv)
{
	struct plan_options po;
	const char *rules = parse_cmd_args(argc, argv, &po, NULL, 0, NULL, NULL);
	struct mapsize_plan *plan = plan_options__plan(&po, rules, NULL);
	int ret = 0;

	if (!plan)
		return 2;
	if (po.format == FORMAT_JSON)
		ret = print_json(plan_json(plan));
	else
		print_plan_table(plan);
	mapsize_plan__free(plan);
	return ret;
}

static int gen_header_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'o')
		return 0;
	*(const char **)ctx = arg;
	return 1;
}

int do_gen_header(int argc, char **argv)
{
	static const struct option extra[] = { { "output", required_argument, NULL, 'o' } };
	struct plan_options po;
	struct mapsize_error err;
	const char *out = NULL, *rules;
	struct mapsize_plan *plan;
	int ret;

	rules = parse_cmd_args(argc, argv, &po, extra, 1, gen_header_opt, &out);
	if (!out) {
		fprintf(stderr, "error: mapsize gen-header needs -o FILE\n");
		return 2;
	}
	plan = plan_options__plan(&po, rules, NULL);
	if (!plan)
		return 2;
	ret = mapsize_plan__write_header(plan, out, &err);
	mapsize_plan__free(plan);
	if (ret) {
		print_error(&err);
		return exit_code_for(ret);
	}
	return 0;
}

int do_maps(int argc, char **argv)
{
	struct plan_options po;
	const char *rules = parse_cmd_args(argc, argv, &po, NULL, 0, NULL, NULL);
	struct mapsize_plan *plan = plan_options__plan(&po, rules, NULL);

	if (!plan)
		return 2;
	if (po.format == FORMAT_JSON) {
		json_t *root = json_object(), *maps = json_array();

		for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
			const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(m->name));
			json_object_set_new(o, "type", json_string(mapsize_map_type__name(m->type)));
			json_object_set_new(o, "prealloc_toggle", json_boolean(m->prealloc_toggle));
			json_object_set_new(o, "prealloc", json_boolean(m->prealloc));
			json_object_set_new(o, "prealloc_reason", json_string(m->prealloc_reason));
			json_array_append_new(maps, o);
		}
		json_object_set_new(root, "maps", maps);
		mapsize_plan__free(plan);
		return print_json(root);
	}
	printf("%-32s %-16s %-8s %-9s %s\n", "MAP", "TYPE", "TOGGLE", "PREALLOC", "WHY");
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		printf("%-32s %-16s %-8s %-9s %s\n", m->name, mapsize_map_type__name(m->type),
		       m->prealloc_toggle ? "yes" : "no", m->prealloc ? "yes" : "no", m->prealloc_reason);
	}
	printf("\n");
	plan_options__print_toggles(stdout, plan);
	mapsize_plan__free(plan);
	return 0;
}

