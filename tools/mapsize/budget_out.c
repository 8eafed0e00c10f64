// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory budget's outcome in JSON and in the tables of plan, verify
 * and report, from the same data (mapsize_plan__budget()). */
#include <string.h>

#include "mapsize.h"

jv_t *plan_budget_json(const struct mapsize_plan *plan)
{
	MAPSIZE_OPTS(mapsize_plan_budget, b);
	jv_t *o, *scaled, *over, *s;

	if (mapsize_plan__budget(plan, &b))
		return NULL;
	o = jv_object();
	scaled = jv_array();
	over = jv_array();
	jv_object_set_new(o, "limit_bytes", jv_u64(b.limit_bytes));
	jv_object_set_new(o, "source", jv_string(b.source));
	jv_object_set_new(o, "before_full_bytes", jv_u64(b.before_full_bytes));
	jv_object_set_new(o, "after_full_bytes", jv_u64(b.after_full_bytes));
	jv_object_set_new(o, "factor", jv_real(b.factor));
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (!m->budget_from_entries)
			continue;
		s = jv_object();
		jv_object_set_new(s, "name", jv_string(m->name));
		jv_object_set_new(s, "from_entries", jv_u64(m->budget_from_entries));
		jv_object_set_new(s, "to_entries", jv_u64(m->max_entries));
		jv_object_set_new(s, "expected_entries", jv_u64(m->expected_entries));
		jv_object_set_new(s, "prealloc", jv_boolean(m->prealloc));
		jv_array_append_new(scaled, s);
		if (m->budget_will_overflow) {
			s = jv_object();
			jv_object_set_new(s, "name", jv_string(m->name));
			jv_object_set_new(s, "max_entries", jv_u64(m->max_entries));
			jv_object_set_new(s, "expected_entries", jv_u64(m->expected_entries));
			jv_array_append_new(over, s);
		}
	}
	jv_object_set_new(o, "scaled", scaled);
	jv_object_set_new(o, "will_overflow", over);
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
