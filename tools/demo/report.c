// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The demo agent's report: every map as the kernel created it (compiled
 * size, planned size, memlock), for people and as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include "json.h"

#include "format.h"
#include "report.h"

static const char *map_type_str(unsigned int type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

struct map_row *report_add(struct report *r)
{
	if (r->cnt == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct map_row *rows = realloc(r->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		r->rows = rows;
		r->cap = cap;
	}
	memset(&r->rows[r->cnt], 0, sizeof(r->rows[0]));
	return &r->rows[r->cnt++];
}

/* Fill a row from the kernel's view of map fd. */
int row_from_fd(struct map_row *row, int fd)
{
	struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };
	int err = mapsize_kernel_map__read(fd, &k);

	if (err)
		return err;
	row->type = map_type_str(k.bpf_type);
	row->key_size = k.key_size;
	row->value_size = k.value_size;
	row->max_entries = k.max_entries;
	row->map_flags = k.map_flags;
	row->memlock = k.memlock_bytes;
	return 0;
}

/* ---- output ------------------------------------------------------------------ */

void print_table(const struct report *r, const struct mapsize_plan *plan,
		 const char *rules_path, const struct mapsize_node *node)
{
	char hb[32];
	size_t i;

	printf("demo-agent: rules %s, profile %s", rules_path, mapsize_plan__profile(plan));
	if (node)
		printf(", kernel %s, %u possible CPUs", node->kernel_release, node->possible_cpus);
	printf("\nplan:");
	for (i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		printf(" %s=%" PRIu64, name, v);
	}
	printf("\n\n%-28s %-16s %5s %6s %9s %11s %6s %12s\n", "MAP", "TYPE", "KEY",
	       "VALUE", "COMPILED", "MAX_ENTRIES", "FLAGS", "MEMLOCK");
	for (i = 0; i < r->cnt; i++) {
		const struct map_row *m = &r->rows[i];
		char name[80], compiled[16];

		if (m->inner_of)
			snprintf(name, sizeof(name), "  %s", m->name);
		else if (!strcmp(m->status, "unmanaged"))
			snprintf(name, sizeof(name), "%s*", m->name);
		else
			snprintf(name, sizeof(name), "%s", m->name);
		if (m->have_compiled)
			snprintf(compiled, sizeof(compiled), "%u", m->compiled_max_entries);
		else
			snprintf(compiled, sizeof(compiled), "-");
		human_bytes(m->memlock, hb, sizeof(hb));
		printf("%-28s %-16s %5u %6u %9s %11u %#6x %12" PRIu64 " %10s\n", name, m->type,
		       m->key_size, m->value_size, compiled, m->max_entries, m->map_flags,
		       m->memlock, hb);
	}
	human_bytes(r->total, hb, sizeof(hb));
	printf("%-28s %-16s %5s %6s %9s %11s %6s %12" PRIu64 " %10s\n", "TOTAL", "", "", "", "",
	       "", "", r->total, hb);
	printf("\nCOMPILED: max_entries in the object before mapsize; indented: inner maps"
	       " (one per policy); *: no rule, left as compiled.\n");
	if (r->fill_cnt)
		printf("\n");
	for (i = 0; i < r->fill_cnt; i++)
		demo_fill__print(stdout, &r->fills[i]);
	if (r->churn.added) {
		printf("\n");
		demo_churn__print(stdout, &r->churn);
	}
}

int print_json(const struct report *r, const struct mapsize_plan *plan,
	       const char *rules_path, const struct mapsize_node *node)
{
	jv_t *root = jv_object(), *maps = jv_array(), *dims = jv_object();
	char digest[24], *text;
	size_t i;
	int err = 0;

	if (!root || !maps || !dims) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(digest, sizeof(digest), "%016" PRIx64, mapsize_plan__digest(plan));
	jv_object_set_new(root, "app", jv_string("demo-agent"));
	jv_object_set_new(root, "rules", jv_string(rules_path));
	jv_object_set_new(root, "profile", jv_string(mapsize_plan__profile(plan)));
	jv_object_set_new(root, "plan_digest", jv_string(digest));
	if (node) {
		jv_object_set_new(root, "kernel", jv_string(node->kernel_release));
		jv_object_set_new(root, "possible_cpus", jv_integer(node->possible_cpus));
	}
	for (i = 0; i < mapsize_plan__dim_cnt(plan); i++) {
		uint64_t v;
		const char *name = mapsize_plan__dim(plan, i, &v);

		jv_object_set_new(dims, name, jv_u64(v));
	}
	jv_object_set_new(root, "dimensions", dims);
	dims = NULL;	/* root's now */
	for (i = 0; i < r->cnt; i++) {
		const struct map_row *m = &r->rows[i];
		jv_t *o = jv_object();

		if (!o) {
			err = -ENOMEM;
			goto out;
		}
		jv_object_set_new(o, "name", jv_string(m->name));
		jv_object_set_new(o, "type", jv_string(m->type));
		jv_object_set_new(o, "key_size", jv_integer(m->key_size));
		jv_object_set_new(o, "value_size", jv_integer(m->value_size));
		jv_object_set_new(o, "max_entries", jv_integer(m->max_entries));
		jv_object_set_new(o, "map_flags", jv_integer(m->map_flags));
		jv_object_set_new(o, "memlock_bytes", jv_u64(m->memlock));
		jv_object_set_new(o, "status", jv_string(m->status));
		if (m->have_compiled) {
			jv_object_set_new(o, "compiled_max_entries",
					    jv_integer(m->compiled_max_entries));
			jv_object_set_new(o, "compiled_map_flags",
					    jv_integer(m->compiled_map_flags));
		}
		if (m->inner_of) {
			jv_object_set_new(o, "inner_of", jv_string(m->inner_of));
			jv_object_set_new(o, "outer_key", jv_integer(m->inner_key));
		}
		jv_array_append_new(maps, o);
	}
	jv_object_set_new(root, "maps", maps);
	jv_object_set_new(root, "total_memlock_bytes", jv_u64(r->total));
	if (r->fill_cnt) {
		jv_t *fills = jv_array();

		for (i = 0; fills && i < r->fill_cnt; i++)
			jv_array_append_new(fills, demo_fill__json(&r->fills[i]));
		jv_object_set_new(root, "fills", fills);
	}
	if (r->churn.added)
		jv_object_set_new(root, "churn", demo_churn__json(&r->churn));
	text = jv_dumps(root, 0);
	if (!text || puts(text) < 0)
		err = -EIO;
	free(text);
	maps = NULL;
out:
	jv_decref(dims);
	jv_decref(maps);
	jv_decref(root);
	return err;
}

