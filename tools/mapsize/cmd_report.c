// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize report: the kernel memory (memlock) of every map under the small,
 * medium and large profiles side by side, against a baseline (the sizes
 * compiled into a BPF object, or the rules' own `baseline:` sizes), with
 * savings, preallocated vs not, and an SVG bar chart.  Nothing is loaded:
 * the object is only opened, so no root is needed.  The model is the
 * library's (<mapsize/report.h>), the chart svg.c's; this file parses the
 * command line and prints the table and the JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/report.h>

#include "libbpf_log.h"
#include "mapsize.h"
#include "svg.h"

#define NPROF REPORT_NPROF
#define REF REPORT_REF
static const char *const prof_names[NPROF] = { "small", "medium", "large" };

#define OPT_SVG (OPT_PLAN_LAST + 16)
#define OPT_BASELINE (OPT_PLAN_LAST + 17)

/* ---- libbpf and library messages ------------------------------------------ */

/* The three plans repeat the same warnings: print each once. */
static char seen_warn[32][256];
static size_t nseen_warn;

static int print_once(enum mapsize_print_level level, const char *fmt, va_list ap)
{
	char buf[256];

	if (level != MAPSIZE_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (size_t i = 0; i < nseen_warn; i++)
		if (!strcmp(seen_warn[i], buf))
			return 0;
	if (nseen_warn < sizeof(seen_warn) / sizeof(seen_warn[0]))
		memcpy(seen_warn[nseen_warn++], buf, sizeof(buf));
	return fputs(buf, stderr);
}

/* ---- formatting helpers ---------------------------------------------------- */

static bool is_inner(const struct mapsize_report_map *m)
{
	return m->planned->inner_of != NULL;
}

static const struct mapsize_report_map_profile *cell(const struct mapsize_report *rep, size_t i, int p)
{
	return mapsize_report__map_profile(rep, i, (size_t)p);
}

static const char *savings_str(uint64_t baseline, uint64_t cost, char *buf, size_t size)
{
	char hb[32];
	double pct;

	if (!mapsize_savings_percent(baseline, cost, &pct)) {
		snprintf(buf, size, "-");
	} else if (cost <= baseline) {
		snprintf(buf, size, "saves %s (%.1f%%)", human_bytes(baseline - cost, hb, sizeof(hb)), pct);
	} else {
		snprintf(buf, size, "costs %s more (+%.1f%%)", human_bytes(cost - baseline, hb, sizeof(hb)), -pct);
	}
	return buf;
}

static const char *hb_or_dash(bool have, uint64_t v, char *buf, size_t size)
{
	if (!have)
		snprintf(buf, size, "-");
	else
		human_bytes(v, buf, size);
	return buf;
}

/* ---- table ------------------------------------------------------------------ */

static void print_table(const struct mapsize_report *rep, const struct report_info *info)
{
	const size_t nmaps = mapsize_report__map_cnt(rep);
	const struct mapsize_report_profile *prof[NPROF];
	char b[8][48], src[512];
	int nw = 28; /* width of the MAP column */
	size_t nobase = 0, nunmanaged = mapsize_report__unmanaged_cnt(rep);

	for (int p = 0; p < NPROF; p++)
		prof[p] = mapsize_report__profile(rep, p);

	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);
		int l = (int)strlen(m->name) + 2;

		nw = l > nw ? (l > 80 ? 80 : l) : nw;
		nobase += !m->has_baseline;
	}

	printf("%s: map memory by cluster profile (%s)\n", info->app, info->rules_path);
	printf("memory model: kernel %s, %s, kernel struct sizes from %s\n", info->kernel, era_desc(info->era),
	       info->consts_source);
	printf("CPUs: each profile's own `cpus` dimension: small %llu, medium %llu, large %llu "
	       "(--set cpus=N pins all three)\n", (unsigned long long)prof[0]->possible_cpus,
	       (unsigned long long)prof[1]->possible_cpus, (unsigned long long)prof[2]->possible_cpus);
	if (strcmp(mapsize_plan__profile(prof[REF]->plan), mapsize_plan__base_profile(prof[REF]->plan)))
		printf("override profile: %s, layered on each of small, medium and large\n",
		       mapsize_plan__profile(prof[REF]->plan));
	printf("baseline: %s; BASELINE column on medium's %llu CPUs\n", baseline_source_desc(info, src, sizeof(src)),
	       (unsigned long long)prof[REF]->possible_cpus);

	printf("\nmemlock at load (right after loading, before any entry is added); PREALLOC, NO_PREALLOC: the medium\n"
	       "profile's map preallocated vs not (at load, and at its expected entries), for maps that can toggle\n\n");
	printf("%-*s %-15s %9s %10s %10s %10s %10s %10s %11s %15s  %s\n", nw, "MAP", "TYPE", "BASE_MAX", "BASELINE",
	       "SMALL", "MEDIUM", "LARGE", "PREALLOC", "NO_PREALLOC", "NO_PREALLOC@EXP", "BASE_FROM");
	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);
		char name[64], bmax[16] = "-";

		snprintf(name, sizeof(name), "%s%s", m->name, is_inner(m) ? " *" : "");
		if (m->has_baseline)
			snprintf(bmax, sizeof(bmax), "%u", m->baseline.max_entries);
		printf("%-*s %-15s %9s %10s %10s %10s %10s %10s %11s %15s  %s\n", nw, name,
		       mapsize_map_type__name(m->planned->type), bmax,
		       hb_or_dash(m->has_baseline, cell(rep, i, REF)->baseline_memlock, b[0], sizeof(b[0])),
		       human_bytes(cell(rep, i, 0)->memory.memlock_load, b[1], sizeof(b[1])),
		       human_bytes(cell(rep, i, 1)->memory.memlock_load, b[2], sizeof(b[2])),
		       human_bytes(cell(rep, i, 2)->memory.memlock_load, b[3], sizeof(b[3])),
		       hb_or_dash(m->prealloc_toggle, m->prealloc_memlock, b[4], sizeof(b[4])),
		       hb_or_dash(m->prealloc_toggle, m->no_prealloc_memlock, b[5], sizeof(b[5])),
		       hb_or_dash(m->prealloc_toggle, m->no_prealloc_memlock_expected, b[6], sizeof(b[6])),
		       m->baseline_source ? m->baseline_source : "-");
	}
	printf("%-*s %-15s %9s %10s %10s %10s %10s\n", nw, "TOTAL", "", "",
	       human_bytes(prof[REF]->baseline_memlock, b[0], sizeof(b[0])),
	       human_bytes(prof[0]->total.memlock_load, b[1], sizeof(b[1])),
	       human_bytes(prof[1]->total.memlock_load, b[2], sizeof(b[2])),
	       human_bytes(prof[2]->total.memlock_load, b[3], sizeof(b[3])));

	printf("\nmax_entries (np = not preallocated) and memlock at expected entries\n\n");
	printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, "MAP", "SMALL_MAX", "MEDIUM_MAX", "LARGE_MAX",
	       "SMALL@EXP", "MEDIUM@EXP", "LARGE@EXP");
	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);
		char name[64], mx[NPROF][24];

		snprintf(name, sizeof(name), "%s%s", m->name, is_inner(m) ? " *" : "");
		for (int p = 0; p < NPROF; p++) {
			const struct mapsize_plan_map *pm = cell(rep, i, p)->planned;

			snprintf(mx[p], sizeof(mx[p]), "%u%s", pm->max_entries, pm->prealloc ? "" : " np");
		}
		printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, name, mx[0], mx[1], mx[2],
		       human_bytes(cell(rep, i, 0)->memory.memlock_expected, b[0], sizeof(b[0])),
		       human_bytes(cell(rep, i, 1)->memory.memlock_expected, b[1], sizeof(b[1])),
		       human_bytes(cell(rep, i, 2)->memory.memlock_expected, b[2], sizeof(b[2])));
	}
	printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, "TOTAL", "", "", "",
	       human_bytes(prof[0]->total.memlock_expected, b[0], sizeof(b[0])),
	       human_bytes(prof[1]->total.memlock_expected, b[1], sizeof(b[1])),
	       human_bytes(prof[2]->total.memlock_expected, b[2], sizeof(b[2])));

	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);
		const struct mapsize_plan_map *pm[NPROF];

		for (int p = 0; p < NPROF; p++)
			pm[p] = cell(rep, i, p)->planned;
		if (pm[REF]->type != MAPSIZE_MAP_RHASH)
			continue;
		/* rhash: max_entries above is the cap; map_extra the initial size */
		printf("%s: rhash, cap (max_entries: E2BIG beyond) small %u, medium %u, large %u; initial size "
		       "(map_extra) small %llu, medium %llu, large %llu\n", m->name, pm[0]->max_entries,
		       pm[1]->max_entries, pm[2]->max_entries, (unsigned long long)pm[0]->map_extra,
		       (unsigned long long)pm[1]->map_extra, (unsigned long long)pm[2]->map_extra);
	}

	printf("\nsavings vs baseline (the baseline on each profile's node: same sizes, that profile's CPUs)\n\n");
	printf("%-8s %5s %10s %10s  %-30s %12s %12s  %s\n", "PROFILE", "CPUS", "AT_LOAD", "BASELINE", "SAVINGS",
	       "AT_EXPECTED", "BASELINE", "SAVINGS");
	for (int p = 0; p < NPROF; p++)
		printf("%-8s %5llu %10s %10s  %-30s %12s %12s  %s\n", prof_names[p],
		       (unsigned long long)prof[p]->possible_cpus,
		       human_bytes(prof[p]->total.memlock_load, b[0], sizeof(b[0])),
		       human_bytes(prof[p]->baseline_memlock, b[1], sizeof(b[1])),
		       savings_str(prof[p]->baseline_memlock, prof[p]->based_memlock_load, b[2], sizeof(b[2])),
		       human_bytes(prof[p]->total.memlock_expected, b[3], sizeof(b[3])),
		       human_bytes(prof[p]->baseline_memlock_expected, b[4], sizeof(b[4])),
		       savings_str(prof[p]->baseline_memlock_expected, prof[p]->based_memlock_expected, b[5],
				   sizeof(b[5])));

	printf("\n");
	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);

		if (!is_inner(m))
			continue;
		printf("* %s: inner map template: figures are per instance.  Totals count no instance at\n"
		       "  load (the agent creates them at run time) and one per expected %s entry at\n"
		       "  expected entries (small %llu, medium %llu, large %llu; the baseline's at most its %s\n"
		       "  max_entries), as `mapsize plan` does.\n", m->name, m->planned->inner_of,
		       (unsigned long long)cell(rep, i, 0)->memory.instances_expected,
		       (unsigned long long)cell(rep, i, 1)->memory.instances_expected,
		       (unsigned long long)cell(rep, i, 2)->memory.instances_expected, m->planned->inner_of);
	}
	for (int p = 0; p < NPROF; p++)
		print_inner_sizing(prof[p]->plan, prof_names[p], info->consts, info->era);
	if (nobase) {
		printf("no baseline:");
		for (size_t i = 0; i < nmaps; i++) {
			const struct mapsize_report_map *m = mapsize_report__map(rep, i);

			if (!m->has_baseline)
				printf(" %s (%s)", m->name, m->baseline_note);
		}
		printf(":\n  %zu map%s without a baseline, left out of the savings (both sides); the profiles' "
		       "totals count them\n", nobase, nobase == 1 ? "" : "s");
	}
	if (nunmanaged) {
		printf("not reported: %zu map%s of the object without a rule (left as compiled):", nunmanaged,
		       nunmanaged == 1 ? "" : "s");
		for (size_t i = 0; i < nunmanaged; i++)
			printf(" %s", mapsize_report__unmanaged(rep, i));
		printf("\n");
	}
	if (info->era == MAPSIZE_MEM_ERA_PAGES)
		printf("pages era: the kernel's memlock ignores preallocation and fill level; non-preallocated\n"
		       "  maps really allocate their elements on insert\n");
	for (int p = 0; p < NPROF; p++)
		print_plan_budget(prof_names[p], prof[p]->plan);
}

/* ---- JSON ------------------------------------------------------------------ */

static jv_t *jint(uint64_t v)
{
	return jv_u64(v);
}

static jv_t *jpct(uint64_t baseline, uint64_t cost)
{
	double pct;

	return mapsize_savings_percent(baseline, cost, &pct) ? jv_real(pct) : jv_null();
}

static jv_t *report_json(const struct mapsize_report *rep, const struct report_info *info)
{
	const size_t nmaps = mapsize_report__map_cnt(rep);
	const struct mapsize_report_profile *prof[NPROF];
	jv_t *root = jv_root(), *base = jv_object(), *profs = jv_array(), *maps = jv_array(), *notes;
	jv_t *nobase = jv_array(), *unm = jv_array();

	for (int p = 0; p < NPROF; p++)
		prof[p] = mapsize_report__profile(rep, p);

	jv_object_set_new(root, "app", jv_string(info->app));
	jv_object_set_new(root, "rules", jv_string(info->rules_path));
	jv_object_set_new(root, "kernel", jv_string(info->kernel));
	jv_object_set_new(root, "kernel_era", jv_string(mapsize_mem_era__name(info->era)));
	jv_object_set_new(root, "kernel_consts", jv_string(info->consts_source));
	jv_object_set_new(root, "cpus_source", jv_string("each profile's cpus dimension (--set cpus=N pins all)"));

	jv_object_set_new(base, "source", jv_string(info->object && info->which != MAPSIZE_REPORT_BASELINE_RULES ?
							     "object" : "rules"));
	jv_object_set_new(base, "mode", jv_string(!info->object ? "rules" :
						       info->which == MAPSIZE_REPORT_BASELINE_OBJECT ? "object" :
						       info->which == MAPSIZE_REPORT_BASELINE_RULES ? "rules" : "auto"));
	jv_object_set_new(base, "object", info->object ? jv_string(info->object) : jv_null());
	jv_object_set_new(base, "cpus", jint(prof[REF]->possible_cpus));
	jv_object_set_new(base, "total_memlock_bytes", jint(prof[REF]->baseline_memlock));
	jv_object_set_new(base, "total_memlock_expected_bytes", jint(prof[REF]->baseline_memlock_expected));
	for (size_t i = 0; i < nmaps; i++)
		if (!mapsize_report__map(rep, i)->has_baseline)
			jv_array_append_new(nobase, jv_string(mapsize_report__map(rep, i)->name));
	jv_object_set_new(base, "maps_without_baseline", nobase);
	for (size_t i = 0; i < mapsize_report__unmanaged_cnt(rep); i++)
		jv_array_append_new(unm, jv_string(mapsize_report__unmanaged(rep, i)));
	jv_object_set_new(base, "unmanaged_object_maps", unm);
	jv_object_set_new(root, "baseline", base);

	for (int p = 0; p < NPROF; p++) {
		jv_t *o = jv_object(), *dims = jv_object();
		const struct mapsize_plan *plan = prof[p]->plan;

		jv_object_set_new(o, "name", jv_string(prof_names[p]));
		jv_object_set_new(o, "profile", jv_string(mapsize_plan__profile(plan)));
		jv_object_set_new(o, "cpus", jint(prof[p]->possible_cpus));
		for (size_t d = 0; d < mapsize_plan__dim_cnt(plan); d++) {
			uint64_t v;
			const char *name = mapsize_plan__dim(plan, d, &v);

			jv_object_set_new(dims, name, jint(v));
		}
		jv_object_set_new(o, "dimensions", dims);
		jv_object_set_new(o, "total_memlock_bytes", jint(prof[p]->total.memlock_load));
		jv_object_set_new(o, "total_memlock_expected_bytes", jint(prof[p]->total.memlock_expected));
		jv_object_set_new(o, "total_memlock_full_bytes", jint(prof[p]->total.memlock_full));
		jv_object_set_new(o, "baseline_memlock_bytes", jint(prof[p]->baseline_memlock));
		jv_object_set_new(o, "baseline_memlock_expected_bytes", jint(prof[p]->baseline_memlock_expected));
		/* savings over the maps that have a baseline only */
		jv_object_set_new(o, "based_memlock_bytes", jint(prof[p]->based_memlock_load));
		jv_object_set_new(o, "based_memlock_expected_bytes", jint(prof[p]->based_memlock_expected));
		jv_object_set_new(o, "maps_without_baseline", jint(prof[p]->maps_without_baseline));
		jv_object_set_new(o, "savings_bytes", jv_integer((int64_t)prof[p]->baseline_memlock -
								     (int64_t)prof[p]->based_memlock_load));
		jv_object_set_new(o, "savings_percent", jpct(prof[p]->baseline_memlock, prof[p]->based_memlock_load));
		jv_object_set_new(o, "savings_expected_bytes",
				    jv_integer((int64_t)prof[p]->baseline_memlock_expected -
						 (int64_t)prof[p]->based_memlock_expected));
		jv_object_set_new(o, "savings_expected_percent",
				    jpct(prof[p]->baseline_memlock_expected, prof[p]->based_memlock_expected));
		{
			jv_t *budget = plan_budget_json(plan);

			if (budget)
				jv_object_set_new(o, "budget", budget);
		}
		jv_array_append_new(profs, o);
	}
	jv_object_set_new(root, "profiles", profs);

	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);
		jv_t *o = jv_object();

		jv_object_set_new(o, "name", jv_string(m->name));
		jv_object_set_new(o, "type", jv_string(mapsize_map_type__name(m->planned->type)));
		jv_object_set_new(o, "inner_of", is_inner(m) ? jv_string(m->planned->inner_of) : jv_null());
		jv_object_set_new(o, "baseline_max_entries",
				    m->has_baseline ? jint(m->baseline.max_entries) : jv_null());
		jv_object_set_new(o, "baseline_map_flags", m->has_baseline ? jint(m->baseline.map_flags) : jv_null());
		jv_object_set_new(o, "baseline_memlock_bytes",
				    m->has_baseline ? jint(cell(rep, i, REF)->baseline_memlock) : jv_null());
		jv_object_set_new(o, "baseline_note", m->has_baseline ? jv_null() : jv_string(m->baseline_note));
		jv_object_set_new(o, "baseline_source", m->baseline_source ? jv_string(m->baseline_source) : jv_null());
		for (int p = 0; p < NPROF; p++) {
			const struct mapsize_report_map_profile *c = cell(rep, i, p);
			const struct mapsize_plan_map *pm = c->planned;
			jv_t *q = jv_object();

			jv_object_set_new(q, "max_entries", jint(pm->max_entries));
			jv_object_set_new(q, "map_flags", jint(pm->map_flags));
			jv_object_set_new(q, "prealloc", jv_boolean(pm->prealloc));
			jv_object_set_new(q, "expected_entries", jint(pm->expected_entries));
			jv_object_set_new(q, "map_extra", jint(pm->map_extra));
			/* rhash: max_entries is the cap, map_extra the initial size (as plan) */
			jv_object_set_new(q, "initial_entries",
					  pm->type == MAPSIZE_MAP_RHASH ? jint(pm->map_extra) : jv_null());
			jv_object_set_new(q, "memlock_bytes", jint(c->memory.memlock_load));
			jv_object_set_new(q, "memlock_expected_bytes", jint(c->memory.memlock_expected));
			jv_object_set_new(q, "memlock_full_bytes", jint(c->memory.memlock_full));
			/* how many of this map the totals count */
			jv_object_set_new(q, "instances_at_load", jint(is_inner(m) ? 0 : 1));
			jv_object_set_new(q, "instances_expected", jint(c->memory.instances_expected));
			if (is_inner(m))
				jv_object_set_new(q, "instance", inner_sizing_json(mapsize_report__profile(rep, p)->plan,
										   pm, info->consts, info->era));
			jv_object_set_new(q, "baseline_memlock_bytes",
					    m->has_baseline ? jint(c->baseline_memlock) : jv_null());
			jv_object_set_new(q, "baseline_memlock_expected_bytes",
					    m->has_baseline ? jint(c->baseline_memlock_expected) : jv_null());
			jv_object_set_new(q, "baseline_instances_expected",
					    m->has_baseline ? jint(c->baseline_instances_expected) : jv_null());
			jv_object_set_new(o, prof_names[p], q);
		}
		jv_object_set_new(o, "prealloc_toggle", jv_boolean(m->prealloc_toggle));
		jv_object_set_new(o, "prealloc_memlock_bytes",
				    m->prealloc_toggle ? jint(m->prealloc_memlock) : jv_null());
		jv_object_set_new(o, "no_prealloc_memlock_bytes",
				    m->prealloc_toggle ? jint(m->no_prealloc_memlock) : jv_null());
		jv_object_set_new(o, "no_prealloc_memlock_expected_bytes",
				    m->prealloc_toggle ? jint(m->no_prealloc_memlock_expected) : jv_null());
		jv_array_append_new(maps, o);
	}
	jv_object_set_new(root, "maps", maps);
	notes = jv_array();
	jv_array_append_new(notes, jv_string(
		"memlock_bytes: at load; memlock_expected_bytes: at the profile's expected entries"));
	jv_array_append_new(notes, jv_string(
		"inner map templates: per-instance figures; totals count instances_at_load (0) and "
		"instances_expected of each, as mapsize plan does"));
	jv_array_append_new(notes, jv_string(
		"the baseline is computed on each profile's CPUs (profiles[].baseline_*); baseline.* and "
		"maps[].baseline_memlock_bytes use medium's; maps without a baseline are left out of its totals "
		"and of the savings (profiles[].based_*: the profile's cost over the maps that have one)"));
	jv_object_set_new(root, "notes", notes);
	return root;
}
/* ---- the command -------------------------------------------------------------- */

struct report_args {
	const char *object;
	const char *svg;
	const char *baseline;		/* --baseline auto|object|rules */
	enum mapsize_report_baseline which;
};

static int report_opt(int opt, const char *arg, void *ctx)
{
	struct report_args *ra = ctx;

	switch (opt) {
	case 'O':
		ra->object = arg;
		return 1;
	case OPT_SVG:
		ra->svg = arg;
		return 1;
	case OPT_BASELINE:
		ra->baseline = arg;
		if (!strcmp(arg, "auto"))
			ra->which = MAPSIZE_REPORT_BASELINE_AUTO;
		else if (!strcmp(arg, "object"))
			ra->which = MAPSIZE_REPORT_BASELINE_OBJECT;
		else if (!strcmp(arg, "rules"))
			ra->which = MAPSIZE_REPORT_BASELINE_RULES;
		else
			return fprintf(stderr, "error: unknown --baseline '%s', expected auto, object or rules\n",
				       arg), -1;
		return 1;
	}
	return 0;
}

static void report_usage(void)
{
	printf("Usage: mapsize report RULES [--object FILE.bpf.o] [--svg FILE] [plan options] [--format table|json]\n"
	       "\n"
	       "Predicts the kernel memory (memlock) of every map under the small, medium and large\n"
	       "profiles side by side, against a baseline, with savings in bytes and percent, and\n"
	       "the medium profile's maps preallocated vs not.  Nothing is loaded (no root needed).\n"
	       "\n"
	       "  --object FILE.bpf.o  baseline = the sizes and flags compiled into the object (read from\n"
	       "                       its ELF and BTF, not loaded), for the maps that have a rule; a rule's\n"
	       "                       own `baseline:` wins (a map compiled at max_entries 1 and resized\n"
	       "                       at run time is not its real size)\n"
	       "  --baseline auto|object|rules\n"
	       "                       with --object: auto (default) as above, object = the compiled\n"
	       "                       sizes always, rules = the rules' `baseline:` only\n"
	       "  (no --object)        baseline = the rules' `baseline:` max_entries, preallocated (the\n"
	       "                       kernel default); maps without one are reported as such and left\n"
	       "                       out of the baseline total\n"
	       "  --svg FILE           also write an SVG bar chart (through a temp file and rename)\n"
	       "\n"
	       "Every plan option applies to all three profiles: --profile files and --set are layered on\n"
	       "each of small, medium and large (a profile file's `base:` is ignored), and --map-size is\n"
	       "rejected.  Each profile uses its own `cpus` dimension (--set cpus=N pins all three), and\n"
	       "the baseline is computed on the same CPUs as each profile; the BASELINE column uses\n"
	       "medium's.  Inner map templates are shown per instance; totals count no instance at load\n"
	       "and one per expected outer entry at expected entries, as `mapsize plan` does.\n"
	       "Exit status: 0 success, 2 bad input (rules, options, object), 1 other failure.\n\n");
	plan_options__usage(stdout);
}

/* The object could not be opened: libbpf's reason and its own messages.
 * Exit status 2 when the object is at fault (missing, unreadable, not a
 * BPF ELF file). */
static int object_error(const char *path, int ret, const struct mapsize_error *err)
{
	if (libbpf_log__is_open_error(err->msg))
		return libbpf_log__open_error(path, ret);
	fprintf(stderr, "%s: error: %s\n", path, err->msg);
	libbpf_log__print(stderr);
	return ret == -ENOENT || ret == -EINVAL || ret == -ENOEXEC || ret == -EISDIR ||
	       ret == -EACCES || ret <= -__LIBBPF_ERRNO__START ? 2 : 1;
}

int do_report(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "baseline", required_argument, NULL, OPT_BASELINE, },
	};
	struct report_args ra = { 0 };
	struct report_info info = { 0 };
	struct plan_options po;
	struct mapsize_error err;
	struct mapsize_rules *rules = NULL;
	struct mapsize_plan *plan[NPROF] = { 0 };
	struct mapsize_report *rep = NULL;
	struct mapsize_kernel_consts consts = { .sz = sizeof(consts) };
	enum mapsize_mem_era era;
	struct mapsize_node node = { .sz = sizeof(node) };
	mapsize_print_fn_t print_prev;
	const char *rules_path;
	char kernel[80];
	int status = 2, ret;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			report_usage();
			return 0;
		}
	}
	rules_path = parse_cmd_args(argc, argv, &po, extra, sizeof(extra) / sizeof(extra[0]), report_opt, &ra);
	if (ra.baseline && !ra.object) {
		fprintf(stderr, "error: --baseline %s chooses between the rules and an object, expected --object "
			"FILE.bpf.o as well\n", ra.baseline);
		return 2;
	}
	if (po.map_size) {
		fprintf(stderr, "error: mapsize report always shows small, medium and large: --map-size=%s is not "
			"accepted (use --profile or --set to change all three)\n", po.map_size);
		return 2;
	}
	print_prev = mapsize_set_print(print_once);
	info.rules_path = rules_path;
	info.object = ra.object;
	info.which = ra.which;
	rules = mapsize_rules__load_file(rules_path, &err);
	if (!rules) {
		print_error(&err);
		return err.code == -ENOMEM ? 1 : 2;
	}
	info.app = mapsize_rules__app(rules) ? mapsize_rules__app(rules) : rules_path;
	for (int p = 0; p < NPROF; p++) {
		struct plan_options pp = po;
		struct mapsize_planner *pl;

		pp.map_size = prof_names[p];
		pp.object = ra.object;	/* named in the errors about its maps */
		pl = plan_options__planner(&pp, NULL, &err);
		if (!pl) {
			print_error(&err);
			goto out;
		}
		plan[p] = mapsize_planner__plan(pl, rules);
		if (!plan[p])
			print_error(mapsize_planner__error(pl));
		mapsize_planner__free(pl);
		if (!plan[p])
			goto out;
	}
	/* planned: the report's own warnings are each printed once anyway */
	mapsize_set_print(print_prev);
	if (plan_options__memory_model(&po, &consts, &era))
		goto out;
	{
		char why[1024];	/* the built-in sizes check names every struct */

		/* the report names kernel_consts; the nearest series is said once */
		if (plan_options__consts_warning(&po, &consts, why, sizeof(why)))
			fprintf(stderr, "warning: %s\n", why);
	}
	if (po.kernel)
		snprintf(kernel, sizeof(kernel), "%s", po.kernel);
	else if (!mapsize_node__read(&node))
		snprintf(kernel, sizeof(kernel), "%s", node.kernel_release);
	else
		snprintf(kernel, sizeof(kernel), "(newest)");
	info.kernel = kernel;
	info.consts_source = consts.source;
	info.era = era;
	info.consts = &consts;

	{
		MAPSIZE_OPTS(mapsize_report_opts, ro, .consts = &consts, .era = era, .ref_profile = REF);

		rep = mapsize_report__new(&ro);
	}
	if (!rep) {
		fprintf(stderr, "error: %s\n", errno == ENOMEM ? "out of memory" : strerror(errno));
		status = 1;
		goto out;
	}
	for (int p = 0; p < NPROF; p++) {
		ret = mapsize_report__add_plan(rep, prof_names[p], plan[p], &err);
		if (ret) {
			print_error(&err);
			status = ret == -EINVAL ? 2 : 1;
			goto out;
		}
	}
	if (ra.object) {
		libbpf_log__capture(false);
		ret = mapsize_report__read_object(rep, ra.object, ra.which, &err);
		if (ret) {
			/* only an object that cannot be opened names the file */
			if (err.file[0] || !ra.object[0]) {
				status = object_error(ra.object, ret, &err);
			} else {
				print_error(&err);
				status = 1;
			}
			goto out;
		}
	}
	ret = mapsize_report__compute(rep, &err);
	if (ret) {
		print_error(&err);
		status = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (ra.svg) {
		size_t len = 0;
		char *svg = svg_render(rep, &info, &len);

		if (!svg) {
			fprintf(stderr, "error: out of memory\n");
			status = 1;
			goto out;
		}
		ret = mapsize_file__write_atomic(ra.svg, svg, len, &err);
		free(svg);
		if (ret) {
			fprintf(stderr, "%s: error: cannot write the SVG chart: %s\n", ra.svg, strerror(-ret));
			status = ret == -ENOENT || ret == -EACCES || ret == -EISDIR || ret == -ENOTDIR ? 2 : 1;
			goto out;
		}
	}
	if (po.format == FORMAT_JSON) {
		jv_t *root = report_json(rep, &info);
		/* percentages are rounded to 0.01: print them that way */
		char *js = jv_text_prec(root, 10);

		status = js ? 0 : 1;
		if (js)
			fputs(js, stdout);
		free(js);
	}
	else {
		print_table(rep, &info);
		status = 0;
	}
out:
	mapsize_report__free(rep);
	for (int p = 0; p < NPROF; p++)
		mapsize_plan__free(plan[p]);
	mapsize_rules__free(rules);
	return status;
}
