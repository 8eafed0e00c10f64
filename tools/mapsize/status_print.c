// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status` output: a table for people and JSON for machines, from
 * the same view (the Prometheus text comes from the library). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_status.h"

static const struct mapsize_live_map *previous(const struct status_view *v, const struct mapsize_live_map *m)
{
	return v->prev ? mapsize_status__find_id(v->prev, m->id) : NULL;
}

static bool growth_of(const struct status_view *v, const struct mapsize_live_map *m, struct mapsize_growth *g)
{
	const struct mapsize_live_map *p = previous(v, m);

	g->sz = sizeof(*g);
	return p && !mapsize_live_map__growth(p, m, v->seconds, g);
}

static const char *pids_str(const struct mapsize_live_map *m, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->pid_cnt && len + 12 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%u", i ? "," : "", m->pids[i]);
	if (!m->pid_cnt)
		snprintf(buf, size, "-");
	return buf;
}

static void print_checks(const struct status_view *v)
{
	printf("\nagainst the plan (profile %s):\n", mapsize_plan__profile(v->plan));
	printf("%-30s %11s %11s %8s %10s %10s  %-10s %s\n", "MAP", "PLANNED_MAX", "KERNEL_MAX", "FLAGS",
	       "EXPECTED", "LIVE", "VERDICT", "FIT");
	for (size_t i = 0; i < v->check_cnt; i++) {
		const struct status_check *c = &v->checks[i];
		char live[24] = "-", kmax[24] = "-", flags[24] = "-", fit[160] = "";

		if (c->live) {
			snprintf(kmax, sizeof(kmax), "%u%s", c->live->max_entries, c->max_entries_match ? "" : "!");
			snprintf(flags, sizeof(flags), "0x%x%s", c->live->map_flags, c->flags_match ? "" : "!");
			if (c->live->has_entries)
				snprintf(live, sizeof(live), "%llu", (unsigned long long)c->live->entries);
		}
		if (c->has_fit)
			snprintf(fit, sizeof(fit), "%s would need %s %llu: --set %s=%llu", c->fit.dimension,
				 c->verdict == MAPSIZE_VERDICT_UNDERSIZED ? ">=" : "only", (unsigned long long)c->fit.needed,
				 c->fit.dimension, (unsigned long long)c->fit.suggested);
		else if (!c->live)
			snprintf(fit, sizeof(fit), "not loaded on this machine");
		else if (c->fit_ret == -ENOENT)
			snprintf(fit, sizeof(fit), "fixed size: no dimension drives it");
		else if (c->verdict == MAPSIZE_VERDICT_OVERSIZED && !c->demand)
			snprintf(fit, sizeof(fit), "idle: no entries yet");
		if (c->live && (!c->max_entries_match || !c->flags_match))
			snprintf(fit + strlen(fit), sizeof(fit) - strlen(fit), "%splan not applied (planned 0x%x)",
				 fit[0] ? "; " : "", c->planned->map_flags);
		printf("%-30s %11u %11s %8s %10llu %10s  %-10s %s\n", c->planned->name, c->planned->max_entries, kmax,
		       flags, (unsigned long long)c->planned->expected_entries, live,
		       c->live ? mapsize_verdict__name(c->verdict) : "-", fit);
	}
}

void status_print_table(const struct status_view *v)
{
	struct mapsize_status_totals t = { .sz = sizeof(t) };
	char b[32], pids[64], entries[24], fill[16], failed[24], growth[64];
	bool watch = v->prev != NULL;
	int name_w = 16;	/* the full names: as wide as the longest */

	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++) {
		int len = (int)strlen(mapsize_status__map(v->st, i)->name);

		name_w = len > name_w ? len : name_w;
	}
	printf("%-6s %-*s %-16s %11s %10s %5s %-8s %7s %10s  %-12s%s %s\n", "ID", name_w, "NAME", "TYPE", "MAX_ENTRIES",
	       "ENTRIES", "FILL", "METHOD", "FAILED", "MEMLOCK", "PIDS", watch ? "  GROWTH                    " : "",
	       "NOTE");
	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++) {
		const struct mapsize_live_map *m = mapsize_status__map(v->st, i);
		struct mapsize_growth g;
		double ratio;

		snprintf(entries, sizeof(entries), "-");
		snprintf(fill, sizeof(fill), "-");
		snprintf(failed, sizeof(failed), "-");
		if (m->has_entries)
			snprintf(entries, sizeof(entries), "%s%llu", m->walk_truncated ? ">=" : "",
				 (unsigned long long)m->entries);
		if (mapsize_live_map__fill_ratio(m, &ratio))
			snprintf(fill, sizeof(fill), "%.0f%%", mapsize_fill_percent(ratio));
		if (m->has_failures)
			snprintf(failed, sizeof(failed), "%llu", (unsigned long long)mapsize_live_map__failures(m));
		growth[0] = '\0';
		if (watch) {
			char gs[48] = "-";

			if (growth_of(v, m, &g))
				mapsize_growth__str(&g, gs, sizeof(gs));
			snprintf(growth, sizeof(growth), "  %-26s", gs);
		}
		printf("%-6u %-*s %-16s %11u %10s %5s %-8s %7s %10s  %-12s%s %s\n", m->id, name_w, m->name,
		       mapsize_bpf_map_type__name(m->bpf_type), m->max_entries, entries, fill,
		       mapsize_count_method__name(m->count_method), failed, human_bytes(m->memlock_bytes, b, sizeof(b)),
		       pids_str(m, pids, sizeof(pids)), growth, m->note ? m->note : "");
	}
	mapsize_status__totals(v->st, v->warn, v->crit, &t);
	printf("\n%llu maps, %llu counted: %llu of %llu entries; memlock %s; %llu failed inserts; %llu at warn, %llu at crit\n",
	       (unsigned long long)t.maps, (unsigned long long)t.counted, (unsigned long long)t.entries,
	       (unsigned long long)t.max_entries, human_bytes(t.memlock_bytes, b, sizeof(b)),
	       (unsigned long long)t.update_failures, (unsigned long long)t.warn, (unsigned long long)t.crit);
	if (v->plan) {
		print_checks(v);
		status_instances_print(v);
	}
	status_kc_print_table(v);
}

static jv_t *jnum(uint64_t v)
{
	return jv_u64(v);
}

static jv_t *map_json(const struct status_view *v, const struct mapsize_live_map *m)
{
	jv_t *o = jv_object(), *pids = jv_array(), *by = jv_object();
	static const char *const levels[] = { "ok", "warn", "crit" };
	struct mapsize_growth g;
	double ratio;

	jv_object_set_new(o, "id", jnum(m->id));
	jv_object_set_new(o, "name", jv_string(m->name));
	jv_object_set_new(o, "kernel_name", jv_string(m->kernel_name));
	jv_object_set_new(o, "name_source", jv_string(mapsize_name_source__name(m->name_source)));
	jv_object_set_new(o, "type", jv_string(mapsize_bpf_map_type__name(m->bpf_type)));
	jv_object_set_new(o, "key_size", jnum(m->key_size));
	jv_object_set_new(o, "value_size", jnum(m->value_size));
	jv_object_set_new(o, "max_entries", jnum(m->max_entries));
	jv_object_set_new(o, "entries", m->has_entries ? jnum(m->entries) : jv_null());
	jv_object_set_new(o, "fill_ratio", mapsize_live_map__fill_ratio(m, &ratio) ? jv_real(ratio) : jv_null());
	jv_object_set_new(o, "map_flags", jnum(m->map_flags));
	jv_object_set_new(o, "memlock_bytes", jnum(m->memlock_bytes));
	jv_object_set_new(o, "count_method", jv_string(mapsize_count_method__name(m->count_method)));
	jv_object_set_new(o, "note", m->note ? jv_string(m->note) : jv_null());
	jv_object_set_new(o, "walk_truncated", jv_boolean(m->walk_truncated));
	jv_object_set_new(o, "evicts", jv_boolean(m->evicts));
	jv_object_set_new(o, "level", jv_string(levels[mapsize_live_map__level(m, v->warn, v->crit)]));
	jv_object_set_new(o, "update_failures", m->has_failures ? jnum(mapsize_live_map__failures(m)) : jv_null());
	for (int c = 0; m->has_failures && c < MAPSIZE_OVF_CLASSES; c++)
		jv_object_set_new(by, mapsize_ovf_class__name(c), jnum(m->failures[c]));
	jv_object_set_new(o, "update_failures_by_errno", m->has_failures ? by : (jv_decref(by), jv_null()));
	if (m->has_failures)	/* beside the kernel's own counters: say whose these are */
		jv_object_set_new(o, "update_failures_source", jv_string("agent"));
	if (v->kc && v->kc->handle)
		jv_object_set_new(o, "kernel_counters", status_kc_map_json(v, m->id));
	for (size_t i = 0; i < m->pid_cnt; i++)
		jv_array_append_new(pids, jnum(m->pids[i]));
	jv_object_set_new(o, "pids", pids);
	if (v->prev) {
		jv_t *jg;

		if (growth_of(v, m, &g)) {
			jg = jv_object();
			jv_object_set_new(jg, "per_minute", jv_real(g.per_minute));
			jv_object_set_new(jg, "seconds_to_full", g.fills ? jv_real(g.seconds_to_full) : jv_null());
		} else {
			jg = jv_null();
		}
		jv_object_set_new(o, "growth", jg);
	}
	return o;
}

static jv_t *checks_json(const struct status_view *v)
{
	jv_t *arr = jv_array();

	for (size_t i = 0; i < v->check_cnt; i++) {
		const struct status_check *c = &v->checks[i];
		jv_t *o = jv_object();

		jv_object_set_new(o, "name", jv_string(c->planned->name));
		jv_object_set_new(o, "id", c->live ? jnum(c->live->id) : jv_null());
		jv_object_set_new(o, "planned_max_entries", jnum(c->planned->max_entries));
		jv_object_set_new(o, "kernel_max_entries", c->live ? jnum(c->live->max_entries) : jv_null());
		jv_object_set_new(o, "planned_map_flags", jnum(c->planned->map_flags));
		jv_object_set_new(o, "kernel_map_flags", c->live ? jnum(c->live->map_flags) : jv_null());
		jv_object_set_new(o, "plan_applied",
				    c->live ? jv_boolean(c->max_entries_match && c->flags_match) : jv_null());
		jv_object_set_new(o, "expected_entries", jnum(c->planned->expected_entries));
		jv_object_set_new(o, "entries",
				    c->live && c->live->has_entries ? jnum(c->live->entries) : jv_null());
		jv_object_set_new(o, "verdict", c->live ? jv_string(mapsize_verdict__name(c->verdict)) : jv_null());
		jv_object_set_new(o, "demand", c->live && c->live->has_entries ? jnum(c->demand) : jv_null());
		if (c->has_fit) {
			char set[96];

			snprintf(set, sizeof(set), "%s=%llu", c->fit.dimension, (unsigned long long)c->fit.suggested);
			jv_object_set_new(o, "dimension", jv_string(c->fit.dimension));
			jv_object_set_new(o, "dimension_value", jnum(c->fit.current));
			jv_object_set_new(o, "dimension_needed", jnum(c->fit.needed));
			jv_object_set_new(o, "suggested_set", jv_string(set));
		}
		jv_array_append_new(arr, o);
	}
	return arr;
}

jv_t *status_json(const struct status_view *v)
{
	struct mapsize_status_totals t = { .sz = sizeof(t) };
	jv_t *root = jv_root(), *maps = jv_array(), *tot = jv_object();

	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++)
		jv_array_append_new(maps, map_json(v, mapsize_status__map(v->st, i)));
	jv_object_set_new(root, "maps", maps);
	mapsize_status__totals(v->st, v->warn, v->crit, &t);
	jv_object_set_new(tot, "maps", jnum(t.maps));
	jv_object_set_new(tot, "counted", jnum(t.counted));
	jv_object_set_new(tot, "entries", jnum(t.entries));
	jv_object_set_new(tot, "max_entries", jnum(t.max_entries));
	jv_object_set_new(tot, "memlock_bytes", jnum(t.memlock_bytes));
	jv_object_set_new(tot, "update_failures", jnum(t.update_failures));
	jv_object_set_new(tot, "warn", jnum(t.warn));
	jv_object_set_new(tot, "crit", jnum(t.crit));
	jv_object_set_new(root, "totals", tot);
	if (v->plan) {
		jv_object_set_new(root, "profile", jv_string(mapsize_plan__profile(v->plan)));
		jv_object_set_new(root, "plan", checks_json(v));
		jv_object_set_new(root, "inner_instances", status_instances_json(v));
	}
	return root;
}
