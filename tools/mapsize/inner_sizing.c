// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Per-instance sizing of inner map rules, as `mapsize plan` and `mapsize
 * report` show it: the formula, whether the target kernel applies it, and
 * the size and memlock of an instance at a few live entry counts next to
 * the template's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

/* The live entry counts the sizes are shown for. */
static const uint64_t example_live[INNER_EXAMPLES] = { 10, 100, 1000 };

static const char *headroom_str(uint32_t milli, char *buf, size_t size)
{
	if (milli % 1000 == 0)
		snprintf(buf, size, "%u", milli / 1000);
	else if (milli % 100 == 0)
		snprintf(buf, size, "%u.%u", milli / 1000, milli % 1000 / 100);
	else if (milli % 10 == 0)
		snprintf(buf, size, "%u.%02u", milli / 1000, milli % 1000 / 10);
	else
		snprintf(buf, size, "%u.%03u", milli / 1000, milli % 1000);
	return buf;
}

/* memlock of the inner map m at `entries` max_entries holding `live`. */
static int instance_memlock(const struct mapsize_plan *plan, const struct mapsize_plan_map *m,
			    uint32_t entries, uint64_t live, const struct mapsize_kernel_consts *kc,
			    enum mapsize_mem_era era, uint64_t *bytes)
{
	struct mapsize_mem_map mm = { .sz = sizeof(mm) };
	uint64_t cpus = 1;
	int ret;

	mapsize_plan__dim_value(plan, "cpus", &cpus);
	ret = mapsize_plan_map__mem_map(m, (uint32_t)(cpus ? cpus : 1), &mm);
	if (ret)
		return ret;
	mm.max_entries = entries;
	return mapsize_memlock(&mm, kc, era, live < entries ? live : entries, bytes);
}

int inner_sizing_rows(const struct mapsize_plan *plan, const struct mapsize_plan_map *m,
		      const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era,
		      struct mapsize_inner_sizing *s, struct inner_example rows[INNER_EXAMPLES])
{
	int ret;

	s->sz = sizeof(*s);
	if (!m->inner_of)
		return -ENOENT;
	ret = mapsize_plan__inner_sizing(plan, m->inner_of, s);
	if (ret)
		return ret;
	for (int i = 0; i < INNER_EXAMPLES; i++) {
		struct inner_example *r = &rows[i];

		r->live = example_live[i];
		ret = mapsize_plan__inner_entries(plan, m->inner_of, r->live, &r->entries, NULL);
		if (!ret)
			ret = instance_memlock(plan, m, r->entries, r->live, kc, era, &r->memlock);
		if (!ret)
			ret = instance_memlock(plan, m, m->max_entries, r->live, kc, era, &r->template_memlock);
		if (ret)
			return ret;
	}
	return 0;
}

const char *inner_formula(const struct mapsize_inner_sizing *s, char *buf, size_t size)
{
	char h[32];

	snprintf(buf, size, "clamp(round(%s x live), %u, %u)", headroom_str(s->headroom_milli, h, sizeof(h)),
		 s->min_entries, s->max_entries);
	return buf;
}

jv_t *inner_sizing_json(const struct mapsize_plan *plan, const struct mapsize_plan_map *m,
			  const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era)
{
	struct mapsize_inner_sizing s;
	struct inner_example rows[INNER_EXAMPLES];
	jv_t *o, *sizes;
	char f[96];

	if (!m->inner_of || inner_sizing_rows(plan, m, kc, era, &s, rows))
		return jv_null();
	o = jv_object();
	sizes = jv_array();
	jv_object_set_new(o, "sized", jv_string(s.per_instance ? "per_instance" : "template"));
	jv_object_set_new(o, "has_instance_rule", jv_boolean(s.has_instance));
	jv_object_set_new(o, "kernel_allows", jv_boolean(s.kernel_allows));
	jv_object_set_new(o, "why", jv_string(s.why));
	jv_object_set_new(o, "headroom", jv_real(s.headroom_milli / 1000.0));
	jv_object_set_new(o, "min", jv_integer(s.min_entries));
	jv_object_set_new(o, "max", jv_integer(s.max_entries));
	jv_object_set_new(o, "template_max_entries", jv_integer(s.template_entries));
	jv_object_set_new(o, "formula", jv_string(inner_formula(&s, f, sizeof(f))));
	for (int i = 0; i < INNER_EXAMPLES; i++) {
		jv_t *r = jv_object();

		jv_object_set_new(r, "live", jv_u64(rows[i].live));
		jv_object_set_new(r, "max_entries", jv_integer(rows[i].entries));
		jv_object_set_new(r, "memlock_bytes", jv_u64(rows[i].memlock));
		jv_object_set_new(r, "template_memlock_bytes", jv_u64(rows[i].template_memlock));
		jv_object_set_new(r, "fits", jv_boolean(rows[i].live <= rows[i].entries));
		jv_object_set_new(r, "template_fits", jv_boolean(rows[i].live <= s.template_entries));
		jv_array_append_new(sizes, r);
	}
	jv_object_set_new(o, "sizes", sizes);
	return o;
}

void print_inner_sizing(const struct mapsize_plan *plan, const char *label,
			const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era)
{
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);
		struct mapsize_inner_sizing s;
		struct inner_example rows[INNER_EXAMPLES];
		char f[96], b1[32], b2[32];

		if (!m->inner_of || inner_sizing_rows(plan, m, kc, era, &s, rows))
			continue;
		printf("\n%s%sinner map instances of %s (%s):\n", label ? label : "", label ? ": " : "",
		       m->name, s.per_instance ? "sized per instance" : "every one at the template's size");
		if (s.per_instance)
			printf("  max_entries = %s; %s\n", inner_formula(&s, f, sizeof(f)), s.why);
		else if (s.has_instance)
			printf("  instance: %s does not apply: %s\n", inner_formula(&s, f, sizeof(f)), s.why);
		else
			printf("  no 'instance:' in the rule (%s)\n", s.kernel_allows ?
			       "this kernel would take per-instance sizes: add e.g. instance: {headroom: 2}" : s.why);
		printf("  %12s %14s %12s %17s %7s\n", "LIVE", "MAX_ENTRIES", "MEMLOCK", "TEMPLATE", "SAVED");
		for (int r = 0; r < INNER_EXAMPLES; r++) {
			char e[32], t[48];

			snprintf(e, sizeof(e), "%u%s", rows[r].entries, rows[r].live > rows[r].entries ? " full" : "");
			snprintf(t, sizeof(t), "%s%s", human_bytes(rows[r].template_memlock, b2, sizeof(b2)),
				 rows[r].live > s.template_entries ? " full" : "");
			printf("  %12llu %14s %12s %17s %6.0f%%\n", (unsigned long long)rows[r].live, e,
			       human_bytes(rows[r].memlock, b1, sizeof(b1)), t,
			       rows[r].template_memlock ? 100.0 * ((double)rows[r].template_memlock -
				       (double)rows[r].memlock) / (double)rows[r].template_memlock : 0.0);
		}
		printf("  (TEMPLATE: an instance at the template's max_entries %u holding the same entries; "
		       "full: more live entries than max_entries, inserts fail)\n", s.template_entries);
	}
}
