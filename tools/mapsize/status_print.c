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

	printf("%-6s %-16s %-16s %11s %10s %5s %-8s %7s %10s  %-12s%s %s\n", "ID", "NAME", "TYPE", "MAX_ENTRIES",
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
		printf("%-6u %-16s %-16s %11u %10s %5s %-8s %7s %10s  %-12s%s %s\n", m->id, m->name,
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
}

static json_t *jnum(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *map_json(const struct status_view *v, const struct mapsize_live_map *m)
{
	json_t *o = json_object(), *pids = json_array(), *by = json_object();
	static const char *const levels[] = { "ok", "warn", "crit" };
	struct mapsize_growth g;
	double ratio;

	json_object_set_new(o, "id", jnum(m->id));
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "type", json_string(mapsize_bpf_map_type__name(m->bpf_type)));
	json_object_set_new(o, "key_size", jnum(m->key_size));
	json_object_set_new(o, "value_size", jnum(m->value_size));
	json_object_set_new(o, "max_entries", jnum(m->max_entries));
	json_object_set_new(o, "entries", m->has_entries ? jnum(m->entries) : json_null());
	json_object_set_new(o, "fill_ratio", mapsize_live_map__fill_ratio(m, &ratio) ? json_real(ratio) : json_null());
	json_object_set_new(o, "map_flags", jnum(m->map_flags));
	json_object_set_new(o, "memlock_bytes", jnum(m->memlock_bytes));
	json_object_set_new(o, "count_method", json_string(mapsize_count_method__name(m->count_method)));
	json_object_set_new(o, "note", m->note ? json_string(m->note) : json_null());
	json_object_set_new(o, "walk_truncated", json_boolean(m->walk_truncated));
	json_object_set_new(o, "evicts", json_boolean(m->evicts));
	json_object_set_new(o, "level", json_string(levels[mapsize_live_map__level(m, v->warn, v->crit)]));
	json_object_set_new(o, "update_failures", m->has_failures ? jnum(mapsize_live_map__failures(m)) : json_null());
	for (int c = 0; m->has_failures && c < MAPSIZE_OVF_CLASSES; c++)
		json_object_set_new(by, mapsize_ovf_class__name(c), jnum(m->failures[c]));
	json_object_set_new(o, "update_failures_by_errno", m->has_failures ? by : (json_decref(by), json_null()));
	for (size_t i = 0; i < m->pid_cnt; i++)
		json_array_append_new(pids, jnum(m->pids[i]));
	json_object_set_new(o, "pids", pids);
	if (v->prev) {
		json_t *jg = json_null();

		if (growth_of(v, m, &g)) {
			jg = json_object();
			json_object_set_new(jg, "per_minute", json_real(g.per_minute));
			json_object_set_new(jg, "seconds_to_full", g.fills ? json_real(g.seconds_to_full) : json_null());
		}
		json_object_set_new(o, "growth", jg);
	}
	return o;
}

static json_t *checks_json(const struct status_view *v)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < v->check_cnt; i++) {
		const struct status_check *c = &v->checks[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(c->planned->name));
		json_object_set_new(o, "id", c->live ? jnum(c->live->id) : json_null());
		json_object_set_new(o, "planned_max_entries", jnum(c->planned->max_entries));
		json_object_set_new(o, "kernel_max_entries", c->live ? jnum(c->live->max_entries) : json_null());
		json_object_set_new(o, "planned_map_flags", jnum(c->planned->map_flags));
		json_object_set_new(o, "kernel_map_flags", c->live ? jnum(c->live->map_flags) : json_null());
		json_object_set_new(o, "plan_applied",
				    c->live ? json_boolean(c->max_entries_match && c->flags_match) : json_null());
		json_object_set_new(o, "expected_entries", jnum(c->planned->expected_entries));
		json_object_set_new(o, "entries",
				    c->live && c->live->has_entries ? jnum(c->live->entries) : json_null());
		json_object_set_new(o, "verdict", c->live ? json_string(mapsize_verdict__name(c->verdict)) : json_null());
		json_object_set_new(o, "demand", c->live && c->live->has_entries ? jnum(c->demand) : json_null());
		if (c->has_fit) {
			char set[96];

			snprintf(set, sizeof(set), "%s=%llu", c->fit.dimension, (unsigned long long)c->fit.suggested);
			json_object_set_new(o, "dimension", json_string(c->fit.dimension));
			json_object_set_new(o, "dimension_value", jnum(c->fit.current));
			json_object_set_new(o, "dimension_needed", jnum(c->fit.needed));
			json_object_set_new(o, "suggested_set", json_string(set));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *status_json(const struct status_view *v)
{
	struct mapsize_status_totals t = { .sz = sizeof(t) };
	json_t *root = json_root(), *maps = json_array(), *tot = json_object();

	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++)
		json_array_append_new(maps, map_json(v, mapsize_status__map(v->st, i)));
	json_object_set_new(root, "maps", maps);
	mapsize_status__totals(v->st, v->warn, v->crit, &t);
	json_object_set_new(tot, "maps", jnum(t.maps));
	json_object_set_new(tot, "counted", jnum(t.counted));
	json_object_set_new(tot, "entries", jnum(t.entries));
	json_object_set_new(tot, "max_entries", jnum(t.max_entries));
	json_object_set_new(tot, "memlock_bytes", jnum(t.memlock_bytes));
	json_object_set_new(tot, "update_failures", jnum(t.update_failures));
	json_object_set_new(tot, "warn", jnum(t.warn));
	json_object_set_new(tot, "crit", jnum(t.crit));
	json_object_set_new(root, "totals", tot);
	if (v->plan) {
		json_object_set_new(root, "profile", json_string(mapsize_plan__profile(v->plan)));
		json_object_set_new(root, "plan", checks_json(v));
		json_object_set_new(root, "inner_instances", status_instances_json(v));
	}
	return root;
}
