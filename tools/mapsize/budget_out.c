// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory budget's outcome in JSON and in the tables of plan, verify
 * and report, from the same data (mapsize_plan__budget()). */
#include <string.h>

#include "mapsize.h"

json_t *plan_budget_json(const struct mapsize_plan *plan)
{
	MAPSIZE_OPTS(mapsize_plan_budget, b);
	json_t *o, *scaled, *over;

	if (mapsize_plan__budget(plan, &b))
		return NULL;
	o = json_object();
	scaled = json_array();
	over = json_array();
	json_object_set_new(o, "limit_bytes", json_u64(b.limit_bytes));
	json_object_set_new(o, "source", json_string(b.source));
	json_object_set_new(o, "before_full_bytes", json_u64(b.before_full_bytes));
	json_object_set_new(o, "after_full_bytes", json_u64(b.after_full_bytes));
	json_object_set_new(o, "factor", json_real(b.factor));
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (!m->budget_from_entries)
			continue;
		json_array_append_new(scaled, json_pack("{s:s, s:I, s:I, s:I, s:b}", "name", m->name,
							"from_entries", (json_int_t)m->budget_from_entries,
							"to_entries", (json_int_t)m->max_entries,
							"expected_entries", (json_int_t)m->expected_entries,
							"prealloc", m->prealloc));
		if (m->budget_will_overflow)
			json_array_append_new(over, json_pack("{s:s, s:I, s:I}", "name", m->name,
							      "max_entries", (json_int_t)m->max_entries,
							      "expected_entries", (json_int_t)m->expected_entries));
	}
	json_object_set_new(o, "scaled", scaled);
	json_object_set_new(o, "will_overflow", over);
	return o;
}

void print_plan_budget(const char *label, const struct mapsize_plan *plan)
{
	MAPSIZE_OPTS(mapsize_plan_budget, b);
	char l[32], before[32], after[32];
	size_t n = 0;

	if (mapsize_plan__budget(plan, &b))
		return;
	printf("\nbudget%s%s: %s = %llu bytes (%s); full memory %s before, %s after (%llu bytes)", label ? " " : "",
	       label ? label : "", human_bytes(b.limit_bytes, l, sizeof(l)), (unsigned long long)b.limit_bytes,
	       b.source, human_bytes(b.before_full_bytes, before, sizeof(before)),
	       human_bytes(b.after_full_bytes, after, sizeof(after)), (unsigned long long)b.after_full_bytes);
	if (!b.scaled_cnt) {
		printf(": fits, nothing scaled\n");
		return;
	}
	printf(", factor %.6f\n", b.factor);
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (m->budget_from_entries)
			printf("  %-30s %10u -> %10u entries%s%s\n", m->name, m->budget_from_entries, m->max_entries,
			       m->prealloc ? "" : " (not preallocated)",
			       m->budget_will_overflow ? "  below expected: will overflow at expected load" : "");
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (m->budget_will_overflow)
			printf("%s %s (%u < %llu expected)", n++ ? "," : "will overflow at expected load:", m->name,
			       m->max_entries, (unsigned long long)m->expected_entries);
	}
	if (n)
		printf("\n");
}
