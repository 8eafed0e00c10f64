// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status --rules`: every inner map instance of a managed
 * map-in-map with its own fill, and what mapsize_inner__check() says an
 * agent should do with it (keep, grow, shrink). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mapsize/bpf.h>

#include "cmd_status.h"

/* The inner rule of the outer map `pm`, NULL when none. */
static const struct mapsize_plan_map *inner_rule(const struct mapsize_plan *plan, const struct mapsize_plan_map *pm)
{
	char name[256];

	snprintf(name, sizeof(name), "%s.inner", pm->name);
	return mapsize_plan__find(plan, name);
}

int status_instances_build(const struct mapsize_plan *plan, const struct status_check *checks, size_t check_cnt,
			   const struct mapsize_status *st, struct status_instance **out, size_t *cnt)
{
	struct status_instance *v = NULL;
	size_t n = 0;

	*out = NULL;
	*cnt = 0;
	for (size_t i = 0; i < check_cnt; i++) {
		const struct status_check *c = &checks[i];
		const struct mapsize_plan_map *inner = c->live ? inner_rule(plan, c->planned) : NULL;
		struct mapsize_inner_slot *slots;
		size_t slot_cnt, j;
		struct status_instance *nv;
		int ret;

		if (!inner)
			continue;
		ret = mapsize_inner__list_slots(c->live->id, &slots, &slot_cnt);
		if (ret) {
			fprintf(stderr, "warning: cannot read the slots of %s (id %u): %s\n", c->planned->name,
				c->live->id, strerror(-ret));
			continue;
		}
		nv = slot_cnt ? realloc(v, (n + slot_cnt) * sizeof(*v)) : v;
		if (!nv) {
			free(slots);
			free(v);
			fprintf(stderr, "error: out of memory\n");
			return -1;
		}
		v = nv;
		for (j = 0; j < slot_cnt; j++) {
			struct status_instance *s = &v[n++];

			memset(s, 0, sizeof(*s));
			s->inner = inner;
			s->outer = c->live;
			s->key = slots[j].key;
			s->inner_id = slots[j].inner_id;
			s->live = mapsize_status__find_id(st, slots[j].inner_id);
			s->action = -ENOENT;
			if (s->live && s->live->has_entries && s->live->max_entries)
				s->action = mapsize_inner__check(plan, c->planned->name, s->live->entries,
								 s->live->max_entries, NULL, &s->new_entries);
		}
		free(slots);
	}
	*out = v;
	*cnt = n;
	return 0;
}

static const char *action_str(const struct status_instance *s, char *buf, size_t size)
{
	if (s->action < 0)
		snprintf(buf, size, "-");
	else if (s->action == MAPSIZE_INNER_KEEP)
		snprintf(buf, size, "keep");
	else
		snprintf(buf, size, "%s to %u", mapsize_inner_action__name(s->action), s->new_entries);
	return buf;
}

void status_instances_print(const struct status_view *v)
{
	if (!v->instance_cnt)
		return;
	printf("\ninner map instances (each with its own fill; ACTION: mapsize_inner__check()):\n");
	printf("%-30s %-8s %-16s %11s %10s %5s  %s\n", "SLOT", "ID", "NAME", "MAX_ENTRIES", "ENTRIES", "FILL",
	       "ACTION");
	for (size_t i = 0; i < v->instance_cnt; i++) {
		const struct status_instance *s = &v->instances[i];
		char slot[64], max[16] = "-", entries[24] = "-", fill[16] = "-", act[48];
		double ratio;

		snprintf(slot, sizeof(slot), "%s[%llu]", s->inner->inner_of, (unsigned long long)s->key);
		if (s->live)
			snprintf(max, sizeof(max), "%u", s->live->max_entries);
		if (s->live && s->live->has_entries)
			snprintf(entries, sizeof(entries), "%llu", (unsigned long long)s->live->entries);
		if (s->live && mapsize_live_map__fill_ratio(s->live, &ratio))
			snprintf(fill, sizeof(fill), "%.0f%%", mapsize_fill_percent(ratio));
		printf("%-30s %-8u %-16s %11s %10s %5s  %s\n", slot, s->inner_id, s->live ? s->live->name : "-",
		       max, entries, fill,
		       action_str(s, act, sizeof(act)));
	}
}

jv_t *status_instances_json(const struct status_view *v)
{
	jv_t *arr = jv_array();

	for (size_t i = 0; i < v->instance_cnt; i++) {
		const struct status_instance *s = &v->instances[i];
		jv_t *o = jv_object();
		double ratio;

		jv_object_set_new(o, "outer", jv_string(s->inner->inner_of));
		jv_object_set_new(o, "rule", jv_string(s->inner->name));
		jv_object_set_new(o, "key", jv_u64(s->key));
		jv_object_set_new(o, "id", jv_integer(s->inner_id));
		jv_object_set_new(o, "name", s->live ? jv_string(s->live->name) : jv_null());
		jv_object_set_new(o, "max_entries", s->live ? jv_integer(s->live->max_entries) : jv_null());
		jv_object_set_new(o, "entries", s->live && s->live->has_entries ? jv_u64(s->live->entries) : jv_null());
		jv_object_set_new(o, "fill_ratio", s->live && mapsize_live_map__fill_ratio(s->live, &ratio) ?
				    jv_real(ratio) : jv_null());
		jv_object_set_new(o, "action", s->action >= 0 ? jv_string(mapsize_inner_action__name(s->action)) :
				    jv_null());
		jv_object_set_new(o, "new_max_entries", s->action > 0 ? jv_integer(s->new_entries) : jv_null());
		jv_array_append_new(arr, o);
	}
	return arr;
}
