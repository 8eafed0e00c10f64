// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize report: the kernel memory (memlock) of every map under the small,
 * medium and large profiles side by side, against a baseline (the sizes
 * compiled into a BPF object, or the rules' own `baseline:` sizes), with
 * savings, preallocated vs not, and an SVG bar chart.  Nothing is loaded:
 * the object is only opened, so no root is needed. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "mapsize.h"

#define NPROF 3
static const char *const prof_names[NPROF] = { "small", "medium", "large" };
/* The reference profile: the BASELINE column (at its CPUs) and the
 * preallocated vs not columns. */
#define REF 1

#define OPT_SVG (OPT_PLAN_LAST + 16)

/* ---- data ------------------------------------------------------------------ */

/* A map as the baseline has it. */
struct base {
	bool have;
	const char *why;		/* when !have: why there is no baseline */
	enum mapsize_map_type type;
	uint32_t key_size, value_size, max_entries, map_flags, map_extra;
};

struct row {
	const char *name;
	const struct mapsize_plan_map *pm[NPROF];
	struct mapsize_map_memory mem[NPROF];
	struct base b;
	uint64_t base_load[NPROF];	/* per instance, on the profile's CPUs */
	uint64_t base_exp[NPROF];	/* per instance, at the profile's expected entries */
	uint64_t base_inst_exp[NPROF];	/* instances counted at expected entries */
	bool toggle;			/* medium: can preallocation toggle? */
	uint64_t pre_load, np_load, np_exp;
	uint64_t sort_key;
};

struct report {
	const char *app, *rules_path, *object;
	char kernel[80];
	struct mapsize_kernel_consts consts;
	enum mapsize_mem_era era;
	struct mapsize_plan *plan[NPROF];
	struct mapsize_map_memory total[NPROF];
	uint64_t cpus[NPROF];
	uint64_t base_load[NPROF], base_exp[NPROF];	/* baseline totals per profile's CPUs */
	size_t nrows;
	struct row *rows;
	size_t nobase, ninner;
	char **unmanaged;		/* object maps without a rule */
	size_t nunmanaged;
};

static bool is_inner(const struct row *r)
{
	return r->pm[REF]->inner_of != NULL;
}

static int add_ovf(uint64_t *acc, uint64_t v, uint64_t times)
{
	uint64_t p;

	if (__builtin_mul_overflow(v, times, &p) || __builtin_add_overflow(*acc, p, acc))
		return -EOVERFLOW;
	return 0;
}

/* ---- libbpf and library messages ------------------------------------------ */

static char libbpf_log[4096];
static size_t libbpf_log_len;

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t l;

	if (level == LIBBPF_DEBUG || n <= 0)
		return 0;
	l = strlen(line);
	if (libbpf_log_len + l >= sizeof(libbpf_log))
		libbpf_log_len = 0;
	memcpy(libbpf_log + libbpf_log_len, line, l + 1);
	libbpf_log_len += l;
	return 0;
}

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

/* ---- computing ------------------------------------------------------------ */

static void mm_from_base(const struct base *b, uint32_t cpus, struct mapsize_mem_map *mm)
{
	memset(mm, 0, sizeof(*mm));
	mm->sz = sizeof(*mm);
	mm->type = b->type;
	mm->key_size = b->key_size;
	mm->value_size = b->value_size;
	mm->max_entries = b->max_entries;
	mm->map_flags = b->map_flags;
	mm->map_extra = b->map_extra;
	mm->possible_cpus = cpus;
}

static bool is_local_storage(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_TASK_STORAGE || t == MAPSIZE_MAP_INODE_STORAGE ||
	       t == MAPSIZE_MAP_SK_STORAGE || t == MAPSIZE_MAP_CGRP_STORAGE;
}

/* Baseline from the rules: `baseline:` max_entries with the kernel's default
 * flags (preallocated where the type allows both). */
static void base_from_rules(struct row *r)
{
	const struct mapsize_plan_map *pm = r->pm[REF];

	r->b.type = pm->type;
	r->b.key_size = pm->key_size;
	r->b.value_size = pm->value_size;
	r->b.max_entries = pm->baseline_max_entries;
	r->b.map_flags = pm->prealloc_toggle ? pm->map_flags & ~MAPSIZE_F_NO_PREALLOC : pm->map_flags;
	r->b.map_extra = pm->map_extra;
	/* local storage has no size to choose: its baseline is the map itself */
	r->b.have = pm->baseline_max_entries || is_local_storage(pm->type);
	if (!r->b.have)
		r->b.why = "no `baseline:` in its rule";
}

static bool same_name(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Baseline from the object: what it would create if loaded as compiled. */
static void base_from_object(struct report *rep, struct row *r, struct bpf_object *obj)
{
	const struct mapsize_plan_map *pm = r->pm[REF];
	struct bpf_map *m;

	if (pm->inner_of) {
		m = bpf_object__find_map_by_name(obj, pm->inner_of);
		m = m ? bpf_map__inner_map(m) : NULL;
	} else {
		m = bpf_object__find_map_by_name(obj, pm->name);
	}
	if (!m) {
		r->b.why = "not in the object";
		return;
	}
	r->b.type = mapsize_map_type__from_bpf_type(bpf_map__type(m));
	if (r->b.type == MAPSIZE_MAP_UNSPEC) {
		r->b.why = "map type not modelled";
		return;
	}
	r->b.key_size = bpf_map__key_size(m);
	r->b.value_size = bpf_map__value_size(m);
	r->b.max_entries = bpf_map__max_entries(m);
	r->b.map_flags = bpf_map__map_flags(m);
	r->b.map_extra = (uint32_t)bpf_map__map_extra(m);
	r->b.have = true;
	if (r->b.type != pm->type || r->b.key_size != pm->key_size || r->b.value_size != pm->value_size)
		fprintf(stderr, "warning: map '%s': %s has %s key %u value %u, the rule says %s key %u value %u "
			"(stale rule?): the baseline uses the object's\n", pm->name, rep->object,
			mapsize_map_type__name(r->b.type), r->b.key_size, r->b.value_size,
			mapsize_map_type__name(pm->type), pm->key_size, pm->value_size);
}

/* Open (not load) the object and read the compiled maps.  0, or an exit status. */
static int read_object(struct report *rep)
{
	struct bpf_object *obj;
	struct bpf_map *m;
	int ret;

	libbpf_set_print(capture_libbpf);
	obj = bpf_object__open_file(rep->object, NULL);
	if (!obj) {
		char msg[128];

		ret = -errno;
		libbpf_strerror(ret, msg, sizeof(msg));
		fprintf(stderr, "%s: error: cannot open BPF object: %s, expected an ELF file built with "
			"clang -target bpf\n%s", rep->object, msg, libbpf_log);
		return ret == -ENOENT || ret == -EINVAL || ret == -ENOEXEC || ret == -EISDIR ||
		       ret == -EACCES || ret <= -__LIBBPF_ERRNO__START ? 2 : 1;
	}
	for (size_t i = 0; i < rep->nrows; i++)
		base_from_object(rep, &rep->rows[i], obj);
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		char **u;

		if (mapsize_plan__find(rep->plan[REF], name))
			continue;
		u = realloc(rep->unmanaged, (rep->nunmanaged + 1) * sizeof(*u));
		if (!u || !(u[rep->nunmanaged] = strdup(name))) {
			if (u)
				rep->unmanaged = u;
			bpf_object__close(obj);
			fprintf(stderr, "error: out of memory\n");
			return 1;
		}
		rep->unmanaged = u;
		rep->nunmanaged++;
	}
	bpf_object__close(obj);
	return 0;
}

static const struct row *find_row(const struct report *rep, const char *name)
{
	for (size_t i = 0; i < rep->nrows; i++)
		if (same_name(rep->rows[i].name, name))
			return &rep->rows[i];
	return NULL;
}

/* Memory of the baseline on every profile's CPUs and the medium profile's
 * map preallocated vs not.  0 or negative errno. */
static int compute(struct report *rep)
{
	struct mapsize_mem_map mm = { .sz = sizeof(mm) };
	int ret;

	for (size_t i = 0; i < rep->nrows; i++) {
		struct row *r = &rep->rows[i];
		const struct mapsize_plan_map *pm = r->pm[REF];

		rep->ninner += is_inner(r);
		if (r->b.have) {
			mm_from_base(&r->b, (uint32_t)rep->cpus[REF], &mm);
			ret = mapsize_mem_map__check(&mm);
			if (ret) {
				r->b.have = false;
				r->b.why = "invalid baseline";
				fprintf(stderr, "warning: map '%s': the kernel would reject its baseline "
					"(max_entries %u, flags 0x%x): %s; no baseline for it\n", r->name,
					r->b.max_entries, r->b.map_flags, strerror(-ret));
			}
		}
		rep->nobase += !r->b.have;
		for (int p = 0; p < NPROF && r->b.have; p++) {
			uint32_t slots;
			uint64_t entries;

			mm_from_base(&r->b, (uint32_t)rep->cpus[p], &mm);
			ret = mapsize_mem_map__max_entries(&mm, &slots);
			if (ret)
				return ret;
			entries = r->pm[p]->expected_entries < slots ? r->pm[p]->expected_entries : slots;
			ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &r->base_load[p]);
			if (!ret)
				ret = mapsize_memlock(&mm, &rep->consts, rep->era, entries, &r->base_exp[p]);
			if (ret)
				return ret;
			r->base_inst_exp[p] = 1;
			if (pm->inner_of) {
				/* as many instances as the profile expects, as far as the
				 * baseline's outer map can hold them */
				const struct row *outer = find_row(rep, pm->inner_of);

				r->base_inst_exp[p] = r->mem[p].instances_expected;
				if (outer && outer->b.have && outer->b.max_entries < r->base_inst_exp[p])
					r->base_inst_exp[p] = outer->b.max_entries;
			}
		}
		r->toggle = pm->prealloc_toggle;
		if (r->toggle) {
			uint32_t slots;

			mapsize_plan_map__mem_map(pm, (uint32_t)rep->cpus[REF], &mm);
			mm.map_flags &= ~MAPSIZE_F_NO_PREALLOC;
			ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &r->pre_load);
			if (ret)
				return ret;
			mm.map_flags |= MAPSIZE_F_NO_PREALLOC;
			ret = mapsize_mem_map__max_entries(&mm, &slots);
			if (!ret)
				ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &r->np_load);
			if (!ret)
				ret = mapsize_memlock(&mm, &rep->consts, rep->era,
						      pm->expected_entries < slots ? pm->expected_entries : slots,
						      &r->np_exp);
			if (ret)
				return ret;
		}
	}
	for (int p = 0; p < NPROF; p++) {
		for (size_t i = 0; i < rep->nrows; i++) {
			const struct row *r = &rep->rows[i];

			if (!r->b.have)
				continue;
			if ((ret = add_ovf(&rep->base_load[p], r->base_load[p], is_inner(r) ? 0 : 1)) ||
			    (ret = add_ovf(&rep->base_exp[p], r->base_exp[p], r->base_inst_exp[p])))
				return ret;
		}
	}
	return 0;
}

/* ---- formatting helpers ---------------------------------------------------- */

static const char *era_desc(enum mapsize_mem_era era)
{
	return era == MAPSIZE_MEM_ERA_PAGES ? "pages era (5.11-6.3 accounting)" : "mem_usage era (6.4+ accounting)";
}

/* savings * 100 / baseline, rounded to 0.01; false when there is no baseline. */
static bool savings_pct(uint64_t baseline, uint64_t cost, double *pct)
{
	double v;

	if (!baseline)
		return false;
	v = ((double)baseline - (double)cost) * 100.0 / (double)baseline;
	v = (double)(long long)(v * 100 + (v >= 0 ? 0.5 : -0.5)) / 100;
	*pct = v;
	return true;
}

static const char *savings_str(uint64_t baseline, uint64_t cost, char *buf, size_t size)
{
	char hb[32];
	double pct;

	if (!savings_pct(baseline, cost, &pct)) {
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

static const char *baseline_source_desc(const struct report *rep, char *buf, size_t size)
{
	if (rep->object)
		snprintf(buf, size, "the sizes and flags compiled into %s", rep->object);
	else
		snprintf(buf, size, "the rules' `baseline:` max_entries, preallocated (the kernel default)");
	return buf;
}

/* ---- table ------------------------------------------------------------------ */

static void print_table(const struct report *rep)
{
	char b[8][48], src[512];
	int nw = 28; /* width of the MAP column */

	for (size_t i = 0; i < rep->nrows; i++) {
		int l = (int)strlen(rep->rows[i].name) + 2;

		nw = l > nw ? (l > 80 ? 80 : l) : nw;
	}

	printf("%s: map memory by cluster profile (%s)\n", rep->app, rep->rules_path);
	printf("memory model: kernel %s, %s, kernel struct sizes from %s\n", rep->kernel, era_desc(rep->era),
	       rep->consts.source);
	printf("CPUs: each profile's own `cpus` dimension: small %llu, medium %llu, large %llu "
	       "(--set cpus=N pins all three)\n", (unsigned long long)rep->cpus[0],
	       (unsigned long long)rep->cpus[1], (unsigned long long)rep->cpus[2]);
	if (strcmp(mapsize_plan__profile(rep->plan[REF]), mapsize_plan__base_profile(rep->plan[REF])))
		printf("override profile: %s, layered on each of small, medium and large\n",
		       mapsize_plan__profile(rep->plan[REF]));
	printf("baseline: %s; BASELINE column on medium's %llu CPUs\n", baseline_source_desc(rep, src, sizeof(src)),
	       (unsigned long long)rep->cpus[REF]);

	printf("\nmemlock at load (right after loading, before any entry is added); PREALLOC, NO_PREALLOC: the medium\n"
	       "profile's map preallocated vs not (at load, and at its expected entries), for maps that can toggle\n\n");
	printf("%-*s %-15s %9s %10s %10s %10s %10s %10s %11s %15s\n", nw, "MAP", "TYPE", "BASE_MAX", "BASELINE",
	       "SMALL", "MEDIUM", "LARGE", "PREALLOC", "NO_PREALLOC", "NO_PREALLOC@EXP");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];
		char name[64], bmax[16] = "-";

		snprintf(name, sizeof(name), "%s%s", r->name, is_inner(r) ? " *" : "");
		if (r->b.have)
			snprintf(bmax, sizeof(bmax), "%u", r->b.max_entries);
		printf("%-*s %-15s %9s %10s %10s %10s %10s %10s %11s %15s\n", nw, name,
		       mapsize_map_type__name(r->pm[REF]->type), bmax,
		       hb_or_dash(r->b.have, r->base_load[REF], b[0], sizeof(b[0])),
		       human_bytes(r->mem[0].memlock_load, b[1], sizeof(b[1])),
		       human_bytes(r->mem[1].memlock_load, b[2], sizeof(b[2])),
		       human_bytes(r->mem[2].memlock_load, b[3], sizeof(b[3])),
		       hb_or_dash(r->toggle, r->pre_load, b[4], sizeof(b[4])),
		       hb_or_dash(r->toggle, r->np_load, b[5], sizeof(b[5])),
		       hb_or_dash(r->toggle, r->np_exp, b[6], sizeof(b[6])));
	}
	printf("%-*s %-15s %9s %10s %10s %10s %10s\n", nw, "TOTAL", "", "",
	       human_bytes(rep->base_load[REF], b[0], sizeof(b[0])),
	       human_bytes(rep->total[0].memlock_load, b[1], sizeof(b[1])),
	       human_bytes(rep->total[1].memlock_load, b[2], sizeof(b[2])),
	       human_bytes(rep->total[2].memlock_load, b[3], sizeof(b[3])));

	printf("\nmax_entries (np = not preallocated) and memlock at expected entries\n\n");
	printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, "MAP", "SMALL_MAX", "MEDIUM_MAX", "LARGE_MAX",
	       "SMALL@EXP", "MEDIUM@EXP", "LARGE@EXP");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];
		char name[64], mx[NPROF][24];

		snprintf(name, sizeof(name), "%s%s", r->name, is_inner(r) ? " *" : "");
		for (int p = 0; p < NPROF; p++)
			snprintf(mx[p], sizeof(mx[p]), "%u%s", r->pm[p]->max_entries, r->pm[p]->prealloc ? "" : " np");
		printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, name, mx[0], mx[1], mx[2],
		       human_bytes(r->mem[0].memlock_expected, b[0], sizeof(b[0])),
		       human_bytes(r->mem[1].memlock_expected, b[1], sizeof(b[1])),
		       human_bytes(r->mem[2].memlock_expected, b[2], sizeof(b[2])));
	}
	printf("%-*s %11s %11s %11s %11s %11s %11s\n", nw, "TOTAL", "", "", "",
	       human_bytes(rep->total[0].memlock_expected, b[0], sizeof(b[0])),
	       human_bytes(rep->total[1].memlock_expected, b[1], sizeof(b[1])),
	       human_bytes(rep->total[2].memlock_expected, b[2], sizeof(b[2])));

	printf("\nsavings vs baseline (the baseline on each profile's node: same sizes, that profile's CPUs)\n\n");
	printf("%-8s %5s %10s %10s  %-30s %12s %12s  %s\n", "PROFILE", "CPUS", "AT_LOAD", "BASELINE", "SAVINGS",
	       "AT_EXPECTED", "BASELINE", "SAVINGS");
	for (int p = 0; p < NPROF; p++)
		printf("%-8s %5llu %10s %10s  %-30s %12s %12s  %s\n", prof_names[p], (unsigned long long)rep->cpus[p],
		       human_bytes(rep->total[p].memlock_load, b[0], sizeof(b[0])),
		       human_bytes(rep->base_load[p], b[1], sizeof(b[1])),
		       savings_str(rep->base_load[p], rep->total[p].memlock_load, b[2], sizeof(b[2])),
		       human_bytes(rep->total[p].memlock_expected, b[3], sizeof(b[3])),
		       human_bytes(rep->base_exp[p], b[4], sizeof(b[4])),
		       savings_str(rep->base_exp[p], rep->total[p].memlock_expected, b[5], sizeof(b[5])));

	printf("\n");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];

		if (!is_inner(r))
			continue;
		printf("* %s: inner map template: figures are per instance.  Totals count no instance at\n"
		       "  load (the agent creates them at run time) and one per expected %s entry at\n"
		       "  expected entries (small %llu, medium %llu, large %llu; the baseline's at most its %s\n"
		       "  max_entries), as `mapsize plan` does.\n", r->name, r->pm[REF]->inner_of,
		       (unsigned long long)r->mem[0].instances_expected,
		       (unsigned long long)r->mem[1].instances_expected,
		       (unsigned long long)r->mem[2].instances_expected, r->pm[REF]->inner_of);
	}
	if (rep->nobase) {
		printf("no baseline:");
		for (size_t i = 0; i < rep->nrows; i++)
			if (!rep->rows[i].b.have)
				printf(" %s (%s)", rep->rows[i].name, rep->rows[i].b.why);
		printf(":\n  left out of the baseline totals but counted in the profiles', so the savings are "
		       "understated by their cost\n");
	}
	if (rep->nunmanaged) {
		printf("not reported: %zu map%s of the object without a rule (left as compiled):", rep->nunmanaged,
		       rep->nunmanaged == 1 ? "" : "s");
		for (size_t i = 0; i < rep->nunmanaged; i++)
			printf(" %s", rep->unmanaged[i]);
		printf("\n");
	}
	if (rep->era == MAPSIZE_MEM_ERA_PAGES)
		printf("pages era: the kernel's memlock ignores preallocation and fill level; non-preallocated\n"
		       "  maps really allocate their elements on insert\n");
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jpct(uint64_t baseline, uint64_t cost)
{
	double pct;

	return savings_pct(baseline, cost, &pct) ? json_real(pct) : json_null();
}

static json_t *report_json(const struct report *rep)
{
	json_t *root = json_object(), *base = json_object(), *profs = json_array(), *maps = json_array();
	json_t *nobase = json_array(), *unm = json_array();

	json_object_set_new(root, "app", json_string(rep->app));
	json_object_set_new(root, "rules", json_string(rep->rules_path));
	json_object_set_new(root, "kernel", json_string(rep->kernel));
	json_object_set_new(root, "kernel_era", json_string(mapsize_mem_era__name(rep->era)));
	json_object_set_new(root, "kernel_consts", json_string(rep->consts.source));
	json_object_set_new(root, "cpus_source", json_string("each profile's cpus dimension (--set cpus=N pins all)"));

	json_object_set_new(base, "source", json_string(rep->object ? "object" : "rules"));
	json_object_set_new(base, "object", rep->object ? json_string(rep->object) : json_null());
	json_object_set_new(base, "cpus", jint(rep->cpus[REF]));
	json_object_set_new(base, "total_memlock_bytes", jint(rep->base_load[REF]));
	json_object_set_new(base, "total_memlock_expected_bytes", jint(rep->base_exp[REF]));
	for (size_t i = 0; i < rep->nrows; i++)
		if (!rep->rows[i].b.have)
			json_array_append_new(nobase, json_string(rep->rows[i].name));
	json_object_set_new(base, "maps_without_baseline", nobase);
	for (size_t i = 0; i < rep->nunmanaged; i++)
		json_array_append_new(unm, json_string(rep->unmanaged[i]));
	json_object_set_new(base, "unmanaged_object_maps", unm);
	json_object_set_new(root, "baseline", base);

	for (int p = 0; p < NPROF; p++) {
		json_t *o = json_object(), *dims = json_object();
		const struct mapsize_plan *plan = rep->plan[p];

		json_object_set_new(o, "name", json_string(prof_names[p]));
		json_object_set_new(o, "profile", json_string(mapsize_plan__profile(plan)));
		json_object_set_new(o, "cpus", jint(rep->cpus[p]));
		for (size_t d = 0; d < mapsize_plan__dim_cnt(plan); d++) {
			uint64_t v;
			const char *name = mapsize_plan__dim(plan, d, &v);

			json_object_set_new(dims, name, jint(v));
		}
		json_object_set_new(o, "dimensions", dims);
		json_object_set_new(o, "total_memlock_bytes", jint(rep->total[p].memlock_load));
		json_object_set_new(o, "total_memlock_expected_bytes", jint(rep->total[p].memlock_expected));
		json_object_set_new(o, "total_memlock_full_bytes", jint(rep->total[p].memlock_full));
		json_object_set_new(o, "baseline_memlock_bytes", jint(rep->base_load[p]));
		json_object_set_new(o, "baseline_memlock_expected_bytes", jint(rep->base_exp[p]));
		json_object_set_new(o, "savings_bytes",
				    json_integer((json_int_t)rep->base_load[p] - (json_int_t)rep->total[p].memlock_load));
		json_object_set_new(o, "savings_percent", jpct(rep->base_load[p], rep->total[p].memlock_load));
		json_object_set_new(o, "savings_expected_bytes",
				    json_integer((json_int_t)rep->base_exp[p] - (json_int_t)rep->total[p].memlock_expected));
		json_object_set_new(o, "savings_expected_percent",
				    jpct(rep->base_exp[p], rep->total[p].memlock_expected));
		json_array_append_new(profs, o);
	}
	json_object_set_new(root, "profiles", profs);

	for (size_t i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "type", json_string(mapsize_map_type__name(r->pm[REF]->type)));
		json_object_set_new(o, "inner_of", is_inner(r) ? json_string(r->pm[REF]->inner_of) : json_null());
		json_object_set_new(o, "baseline_max_entries", r->b.have ? jint(r->b.max_entries) : json_null());
		json_object_set_new(o, "baseline_map_flags", r->b.have ? jint(r->b.map_flags) : json_null());
		json_object_set_new(o, "baseline_memlock_bytes", r->b.have ? jint(r->base_load[REF]) : json_null());
		json_object_set_new(o, "baseline_note", r->b.have ? json_null() : json_string(r->b.why));
		for (int p = 0; p < NPROF; p++) {
			const struct mapsize_plan_map *pm = r->pm[p];
			json_t *q = json_object();

			json_object_set_new(q, "max_entries", jint(pm->max_entries));
			json_object_set_new(q, "map_flags", jint(pm->map_flags));
			json_object_set_new(q, "prealloc", json_boolean(pm->prealloc));
			json_object_set_new(q, "expected_entries", jint(pm->expected_entries));
			json_object_set_new(q, "memlock_bytes", jint(r->mem[p].memlock_load));
			json_object_set_new(q, "memlock_expected_bytes", jint(r->mem[p].memlock_expected));
			json_object_set_new(q, "memlock_full_bytes", jint(r->mem[p].memlock_full));
			/* how many of this map the totals count */
			json_object_set_new(q, "instances_at_load", jint(is_inner(r) ? 0 : 1));
			json_object_set_new(q, "instances_expected", jint(r->mem[p].instances_expected));
			json_object_set_new(q, "baseline_memlock_bytes", r->b.have ? jint(r->base_load[p]) : json_null());
			json_object_set_new(q, "baseline_memlock_expected_bytes",
					    r->b.have ? jint(r->base_exp[p]) : json_null());
			json_object_set_new(q, "baseline_instances_expected",
					    r->b.have ? jint(r->base_inst_exp[p]) : json_null());
			json_object_set_new(o, prof_names[p], q);
		}
		json_object_set_new(o, "prealloc_toggle", json_boolean(r->toggle));
		json_object_set_new(o, "prealloc_memlock_bytes", r->toggle ? jint(r->pre_load) : json_null());
		json_object_set_new(o, "no_prealloc_memlock_bytes", r->toggle ? jint(r->np_load) : json_null());
		json_object_set_new(o, "no_prealloc_memlock_expected_bytes", r->toggle ? jint(r->np_exp) : json_null());
		json_array_append_new(maps, o);
	}
	json_object_set_new(root, "maps", maps);
	json_object_set_new(root, "notes", json_pack("[sss]",
		"memlock_bytes: at load; memlock_expected_bytes: at the profile's expected entries",
		"inner map templates: per-instance figures; totals count instances_at_load (0) and "
		"instances_expected of each, as mapsize plan does",
		"the baseline is computed on each profile's CPUs (profiles[].baseline_*); baseline.* and "
		"maps[].baseline_memlock_bytes use medium's; maps without a baseline are left out of its totals"));
	return root;
}

/* ---- SVG --------------------------------------------------------------------- */

struct svgbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct svgbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct svgbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->s ? sb->s + sb->len : NULL, sb->s ? sb->cap - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if (!sb->s || sb->len + (size_t)n >= sb->cap) {
		size_t cap = (sb->cap ? sb->cap : 8192);
		char *s;

		while (cap <= sb->len + (size_t)n)
			cap *= 2;
		s = realloc(sb->s, cap);
		if (!s) {
			sb->oom = true;
			return;
		}
		sb->s = s;
		sb->cap = cap;
		va_start(ap, fmt);
		vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* XML-escaped copy of s in buf. */
static const char *xml(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; s && *s && o + 7 < size; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		}
		if (e) {
			memcpy(buf + o, e, strlen(e));
			o += strlen(e);
		} else if ((unsigned char)*s >= 0x20 || *s == '\t') {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Natural logarithm without libm (deterministic): v = m * 2^e, m in [1, 2),
 * ln m = 2 atanh((m - 1) / (m + 1)). */
static double ln(double v)
{
	double z, z2, term, sum = 0;
	int e = 0;

	if (v <= 0)
		return 0;
	while (v >= 2) {
		v /= 2;
		e++;
	}
	while (v < 1) {
		v *= 2;
		e--;
	}
	z = (v - 1) / (v + 1);
	z2 = z * z;
	term = z;
	for (int k = 1; k < 80; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

struct group {
	char label[96];
	char sub[160];
	uint64_t load[NPROF], exp[NPROF];
	bool has_base;
	uint64_t base[NPROF];
};

struct scale {
	bool log;
	double lo, hi;		/* log: tick values; linear: lo = 0 */
	double x0, w;
	double ticks[16];
	char tick_label[16][24];
	int nticks;
};

static const char *const colors[NPROF] = { "#009E73", "#0072B2", "#D55E00" }; /* Okabe-Ito */
#define SVG_W 1080
#define FONT "DejaVu Sans, Verdana, Arial, sans-serif"

static double sx(const struct scale *sc, uint64_t v)
{
	double f;

	if (!v)
		return sc->x0;
	if (sc->log) {
		if ((double)v <= sc->lo)
			return sc->x0;
		f = (ln((double)v) - ln(sc->lo)) / (ln(sc->hi) - ln(sc->lo));
	} else {
		f = (double)v / sc->hi;
	}
	if (f > 1)
		f = 1;
	return sc->x0 + f * sc->w;
}

static const char *unit_names[] = { "B", "KiB", "MiB", "GiB", "TiB" };

/* Log ticks at 1, 10, 100 of each binary unit; linear ticks at 1-2-5 steps. */
static void make_scale(struct scale *sc, uint64_t minpos, uint64_t max, bool allow_log, double x0, double w)
{
	memset(sc, 0, sizeof(*sc));
	sc->x0 = x0;
	sc->w = w;
	if (!max)
		max = 1;
	if (!minpos)
		minpos = max;
	sc->log = allow_log && (double)max / (double)minpos > 100;
	if (sc->log) {
		double cand[15];
		char lab[15][24];
		int n = 0, first = 0, last = 0;

		for (int u = 0; u < 5; u++) {
			double unit = 1;

			for (int k = 0; k < u; k++)
				unit *= 1024;
			for (int m = 0, mul = 1; m < 3; m++, mul *= 10) {
				cand[n] = unit * mul;
				snprintf(lab[n], sizeof(lab[n]), "%d %s", mul, unit_names[u]);
				n++;
			}
		}
		for (int i = 0; i < n; i++)
			if (cand[i] <= (double)minpos)
				first = i;
		for (last = n - 1; last > first + 1 && cand[last - 1] >= (double)max; last--)
			;
		sc->lo = cand[first];
		sc->hi = cand[last];
		for (int i = first; i <= last; i++) {
			sc->ticks[sc->nticks] = cand[i];
			memcpy(sc->tick_label[sc->nticks], lab[i], sizeof(lab[i]));
			sc->nticks++;
		}
	} else {
		double unit = 1, hv, step = 1, raw;
		int u = 0;

		while ((double)max / unit >= 1024 && u < 4) {
			unit *= 1024;
			u++;
		}
		hv = (double)max / unit;
		raw = hv / 5;
		while (step * 10 <= raw)
			step *= 10;
		while (step > raw * 10 && step > 1e-3)
			step /= 10;
		if (step < raw)
			step = step * 2 >= raw ? step * 2 : step * 5 >= raw ? step * 5 : step * 10;
		sc->lo = 0;
		sc->hi = 0;
		while (sc->hi < hv && sc->nticks < 15)
			sc->hi += step, sc->nticks++;
		sc->nticks = 0;
		for (double t = 0; t <= sc->hi + step / 2 && sc->nticks < 16; t += step) {
			sc->ticks[sc->nticks] = t * unit;
			if (step >= 1)
				snprintf(sc->tick_label[sc->nticks], sizeof(sc->tick_label[0]), "%.0f %s", t, unit_names[u]);
			else
				snprintf(sc->tick_label[sc->nticks], sizeof(sc->tick_label[0]), "%.1f %s", t, unit_names[u]);
			sc->nticks++;
		}
		sc->hi *= unit;
	}
}

static void svg_text(struct svgbuf *sb, double x, double y, int size, const char *anchor, const char *fill,
		     const char *weight, const char *text)
{
	char esc[2048];

	sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"", x, y, size);
	if (anchor)
		sb_printf(sb, " text-anchor=\"%s\"", anchor);
	if (weight)
		sb_printf(sb, " font-weight=\"%s\"", weight);
	sb_printf(sb, " fill=\"%s\">%s</text>\n", fill, xml(text, esc, sizeof(esc)));
}

#define BAR_H 11
#define BAR_GAP 2
#define GROUP_PAD 8
#define GROUP_H (NPROF * BAR_H + (NPROF - 1) * BAR_GAP + 2 * GROUP_PAD)

/* `text` cut to `max` characters (UTF-8 aware), with an ellipsis when cut. */
static const char *fit(const char *text, double max, char *buf, size_t size)
{
	size_t n = 0, i, cut = 0;

	for (i = 0; text[i]; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if ((double)n + 1 <= max - 1)
			cut = i;
		n++;
	}
	if ((double)n <= max || max < 2) {
		snprintf(buf, size, "%s", text);
		return buf;
	}
	/* keep the first cut+1 characters' bytes */
	for (cut++; text[cut] && ((unsigned char)text[cut] & 0xc0) == 0x80; cut++)
		;
	snprintf(buf, size, "%.*s\xe2\x80\xa6", (int)cut, text);
	return buf;
}

/* One group of bars at y; `extra[p]` is appended to each bar's value label. */
static void svg_group(struct svgbuf *sb, const struct group *g, const struct scale *sc, double y, int idx,
		      double label_x, const char *const extra[NPROF])
{
	char txt[160], h1[32], h2[32];

	sb_printf(sb, "<g class=\"map\" data-name=\"%s\">\n", xml(g->label, txt, sizeof(txt)));
	if (idx % 2 == 0)
		sb_printf(sb, "<rect x=\"8\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>\n", y,
			  SVG_W - 16, GROUP_H);
	svg_text(sb, label_x, y + GROUP_H / 2.0 - 1, 12, "end", "#111", "bold",
		 fit(g->label, (label_x - 14) / 8.0, txt, sizeof(txt)));
	svg_text(sb, label_x, y + GROUP_H / 2.0 + 12, 10, "end", "#666", NULL,
		 fit(g->sub, (label_x - 14) / 5.7, txt, sizeof(txt)));
	for (int p = 0; p < NPROF; p++) {
		double by = y + GROUP_PAD + p * (BAR_H + BAR_GAP);
		double xl = sx(sc, g->load[p]), xe = sx(sc, g->exp[p]), xb = g->has_base ? sx(sc, g->base[p]) : 0;

		sb_printf(sb, "<g class=\"bar\"><title>%s, %s: %llu bytes at load, %llu at expected entries",
			  xml(g->label, txt, sizeof(txt)), prof_names[p], (unsigned long long)g->load[p],
			  (unsigned long long)g->exp[p]);
		if (g->has_base)
			sb_printf(sb, ", baseline %llu", (unsigned long long)g->base[p]);
		sb_printf(sb, "</title>\n");
		if (g->exp[p] > g->load[p])
			sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				  "fill-opacity=\"0.3\"/>\n", sc->x0, by, xe - sc->x0, BAR_H, colors[p]);
		if (xl > sc->x0)
			sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
				  sc->x0, by, xl - sc->x0, BAR_H, colors[p]);
		if (g->has_base) {
			sb_printf(sb, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				  "stroke=\"#111\" stroke-width=\"2.5\"/>\n", xb, by - 1.5, xb, by + BAR_H + 1.5);
		}
		human_bytes(g->load[p], h1, sizeof(h1));
		if (g->exp[p] != g->load[p])
			snprintf(txt, sizeof(txt), "%s \xe2\x86\x92 %s%s", h1, human_bytes(g->exp[p], h2, sizeof(h2)),
				 extra ? extra[p] : "");
		else
			snprintf(txt, sizeof(txt), "%s%s", h1, extra ? extra[p] : "");
		/* values in a column of their own, in the profile's colour */
		svg_text(sb, sc->x0 + sc->w + 12, by + BAR_H - 2, 10, NULL, colors[p], NULL, txt);
		sb_printf(sb, "</g>\n");
	}
	sb_printf(sb, "</g>\n");
}

static void svg_axis(struct svgbuf *sb, const struct scale *sc, double ytop, double ybot, const char *title)
{
	sb_printf(sb, "<g class=\"axis\">\n");
	for (int i = 0; i < sc->nticks; i++) {
		double x = sx(sc, (uint64_t)sc->ticks[i]);

		if (sc->log && i == 0)
			x = sc->x0;
		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c8ccd2\" "
			  "stroke-width=\"1\"%s/>\n", x, ytop, x, ybot + 4, i ? " stroke-dasharray=\"3,3\"" : "");
		svg_text(sb, x, ybot + 16, 10, "middle", "#444", NULL, sc->tick_label[i]);
	}
	sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" stroke-width=\"1\"/>\n",
		  sc->x0, ybot, sc->x0 + sc->w, ybot);
	svg_text(sb, sc->x0 + sc->w / 2, ybot + 32, 11, "middle", "#333", NULL, title);
	sb_printf(sb, "</g>\n");
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	if (x->sort_key != y->sort_key)
		return x->sort_key > y->sort_key ? -1 : 1;
	return strcmp(x->name, y->name);
}

#define TOP_MAPS 12

/* "hash · baseline 30.3 MiB": the baseline in the group's second label line
 * (with the CPUs when it differs between profiles). */
static void group_sub(struct group *g, const char *what, const struct report *rep)
{
	char hb[32];
	uint64_t lo = g->base[0], hi = g->base[0];
	bool same;

	for (int p = 1; p < NPROF; p++) {
		lo = g->base[p] < lo ? g->base[p] : lo;
		hi = g->base[p] > hi ? g->base[p] : hi;
	}
	same = hi - lo <= hi / 100; /* within 1%: the hash tables' per-CPU locks */

	if (!g->has_base)
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 no baseline", what);
	else if (same)
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 baseline %s", what,
			 human_bytes(g->base[REF], hb, sizeof(hb)));
	else
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 baseline %s @%llu CPUs", what,
			 human_bytes(g->base[REF], hb, sizeof(hb)), (unsigned long long)rep->cpus[REF]);
}

static void group_from_row(struct group *g, const struct row *r, const struct report *rep)
{
	char what[64];

	memset(g, 0, sizeof(*g));
	snprintf(g->label, sizeof(g->label), "%s", r->name);
	g->has_base = r->b.have;
	for (int p = 0; p < NPROF; p++) {
		g->load[p] = r->mem[p].memlock_load;
		g->exp[p] = r->mem[p].memlock_expected;
		g->base[p] = r->b.have ? r->base_load[p] : 0;
	}
	snprintf(what, sizeof(what), "%s%s", mapsize_map_type__name(r->pm[REF]->type),
		 is_inner(r) ? ", per instance" : "");
	group_sub(g, what, rep);
}

/* Display width of UTF-8 text in characters. */
static size_t text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void note(struct svgbuf *sb, double *y, const char *text)
{
	svg_text(sb, 16, *y, 10, NULL, "#555", NULL, text);
	*y += 15;
}

static char *svg_render(const struct report *rep, size_t *len)
{
	struct svgbuf sb = { 0 }, out = { 0 };
	const struct row **sorted = calloc(rep->nrows + 1, sizeof(*sorted));
	struct group *groups = calloc(rep->nrows + 1, sizeof(*groups));
	struct group total = { .label = "TOTAL", .has_base = true };
	struct scale tsc, msc;
	size_t ng = 0, shown, nothers = 0;
	uint64_t minpos = 0, max = 0, tmax = 0;
	double label_x, x0, w, y;
	char line[1024], others[512] = "", src[512], h[6][32];
	const char *extra[NPROF];
	char extra_buf[NPROF][64], what[64];
	double labelw = 0;

	if (!sorted || !groups) {
		free(sorted);
		free(groups);
		return NULL;
	}
	for (size_t i = 0; i < rep->nrows; i++) {
		struct row *r = &rep->rows[i];

		r->sort_key = 0;
		for (int p = 0; p < NPROF; p++) {
			uint64_t v[3] = { r->mem[p].memlock_load, r->mem[p].memlock_expected,
					  r->b.have ? r->base_load[p] : 0 };

			for (int k = 0; k < 3; k++)
				if (v[k] > r->sort_key)
					r->sort_key = v[k];
		}
		sorted[i] = r;
	}
	qsort(sorted, rep->nrows, sizeof(*sorted), cmp_rows);
	/* the largest maps (inner templates always shown), then one "others" group */
	shown = rep->nrows <= TOP_MAPS + 1 ? rep->nrows : TOP_MAPS;
	for (size_t i = 0; i < rep->nrows; i++)
		if (i < shown || is_inner(sorted[i]))
			group_from_row(&groups[ng++], sorted[i], rep);
	if (shown < rep->nrows) {
		struct group *o = &groups[ng];
		size_t off = 0;

		memset(o, 0, sizeof(*o));
		o->has_base = true;
		for (size_t i = shown; i < rep->nrows; i++) {
			const struct row *r = sorted[i];

			if (is_inner(r))
				continue;
			nothers++;
			if (off < sizeof(others)) {
				int k = snprintf(others + off, sizeof(others) - off, "%s%s", off ? ", " : "", r->name);

				off += k > 0 ? (size_t)k : 0;
			}
			for (int p = 0; p < NPROF; p++) {
				o->load[p] += r->mem[p].memlock_load;
				o->exp[p] += r->mem[p].memlock_expected;
				o->base[p] += r->b.have ? r->base_load[p] : 0;
			}
		}
		snprintf(o->label, sizeof(o->label), "%zu other maps", nothers);
		group_sub(o, "summed, see below", rep);
		if (nothers)
			ng++;
	}
	for (size_t i = 0; i < ng; i++) {
		double lw = 8.0 * (double)text_chars(groups[i].label), sw = 5.7 * (double)text_chars(groups[i].sub);

		labelw = lw > labelw ? lw : labelw;
		labelw = sw > labelw ? sw : labelw;
		for (int p = 0; p < NPROF; p++) {
			uint64_t v[3] = { groups[i].load[p], groups[i].exp[p], groups[i].has_base ? groups[i].base[p] : 0 };

			for (int k = 0; k < 3; k++) {
				if (v[k] > max)
					max = v[k];
				if (v[k] && (!minpos || v[k] < minpos))
					minpos = v[k];
			}
		}
	}
	for (int p = 0; p < NPROF; p++) {
		total.load[p] = rep->total[p].memlock_load;
		total.exp[p] = rep->total[p].memlock_expected;
		total.base[p] = rep->base_load[p];
		tmax = total.load[p] > tmax ? total.load[p] : tmax;
		tmax = total.exp[p] > tmax ? total.exp[p] : tmax;
		tmax = total.base[p] > tmax ? total.base[p] : tmax;
	}
	snprintf(what, sizeof(what), "all %zu maps", rep->nrows);
	group_sub(&total, what, rep);
	label_x = labelw + 24;
	if (label_x < 170)
		label_x = 170;
	if (label_x > 330)
		label_x = 330;
	x0 = label_x + 10;
	w = SVG_W - x0 - 270;
	make_scale(&tsc, 0, tmax, false, x0, w);
	make_scale(&msc, minpos, max, true, x0, w);

	/* title */
	snprintf(line, sizeof(line), "%s: BPF map memory by cluster profile", rep->app);
	sb_printf(&sb, "<title>%s</title>\n", xml(line, src, sizeof(src)));
	sb_printf(&sb, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	svg_text(&sb, 16, 28, 18, NULL, "#111", "bold", line);
	snprintf(line, sizeof(line), "kernel memlock predicted by mapsize \xc2\xb7 kernel %s, %s \xc2\xb7 struct "
		 "sizes from %s", rep->kernel, era_desc(rep->era), rep->consts.source);
	svg_text(&sb, 16, 48, 11, NULL, "#444", NULL, line);
	snprintf(line, sizeof(line), "CPUs per node: small %llu, medium %llu, large %llu (each profile's cpus) "
		 "\xc2\xb7 baseline: %s, on the same CPUs", (unsigned long long)rep->cpus[0],
		 (unsigned long long)rep->cpus[1], (unsigned long long)rep->cpus[2],
		 rep->object ? "sizes compiled into the object" : "the rules' baseline: sizes, preallocated");
	svg_text(&sb, 16, 64, 11, NULL, "#444", NULL, line);

	/* legend */
	sb_printf(&sb, "<g class=\"legend\">\n");
	{
		double lx = 16;

		for (int p = 0; p < NPROF; p++) {
			sb_printf(&sb, "<rect x=\"%.1f\" y=\"80\" width=\"14\" height=\"11\" fill=\"%s\"/>\n", lx,
				  colors[p]);
			svg_text(&sb, lx + 19, 90, 11, NULL, "#222", NULL, prof_names[p]);
			lx += 19 + 7.0 * (double)strlen(prof_names[p]) + 16;
		}
		sb_printf(&sb, "<rect x=\"%.1f\" y=\"80\" width=\"24\" height=\"11\" fill=\"#555555\"/>"
			  "<rect x=\"%.1f\" y=\"80\" width=\"24\" height=\"11\" fill=\"#555555\" fill-opacity=\"0.3\"/>\n",
			  lx, lx + 24);
		svg_text(&sb, lx + 54, 90, 11, NULL, "#222", NULL, "at load | growth to expected entries");
		lx += 54 + 6.3 * 37 + 18;
		sb_printf(&sb, "<line x1=\"%.1f\" y1=\"78\" x2=\"%.1f\" y2=\"93\" stroke=\"#111\" "
			  "stroke-width=\"2.5\"/>\n", lx + 4, lx + 4);
		svg_text(&sb, lx + 12, 90, 11, NULL, "#222", NULL,
			 rep->object ? "baseline (compiled sizes)" : "baseline (rules' baseline:)");
	}
	sb_printf(&sb, "</g>\n");

	/* totals, linear */
	y = 120;
	svg_text(&sb, 16, y, 13, NULL, "#111", "bold", "All maps: memlock at load vs the baseline (linear scale)");
	svg_text(&sb, x0 + w + 12, y, 11, NULL, "#444", "bold", "at load \xe2\x86\x92 expected \xc2\xb7 vs baseline");
	y += 8;
	for (int p = 0; p < NPROF; p++) {
		double pct;

		extra[p] = extra_buf[p];
		if (!savings_pct(rep->base_load[p], total.load[p], &pct))
			extra_buf[p][0] = '\0';
		else if (pct >= 0)
			snprintf(extra_buf[p], sizeof(extra_buf[p]), " \xc2\xb7 \xe2\x88\x92%.0f%% vs %s", pct,
				 human_bytes(rep->base_load[p], h[p], sizeof(h[p])));
		else
			snprintf(extra_buf[p], sizeof(extra_buf[p]), " \xc2\xb7 +%.0f%% vs %s", -pct,
				 human_bytes(rep->base_load[p], h[p], sizeof(h[p])));
	}
	svg_group(&sb, &total, &tsc, y, 0, label_x, extra);
	y += GROUP_H;
	svg_axis(&sb, &tsc, y - GROUP_H, y + 2, "memlock of all maps (linear)");
	y += 74;

	/* per map, log scale when the spread is huge */
	snprintf(line, sizeof(line), "Per map, largest first%s", nothers ? " (the smallest summed)" : "");
	svg_text(&sb, 16, y, 13, NULL, "#111", "bold", line);
	svg_text(&sb, x0 + w + 12, y, 11, NULL, "#444", "bold", "at load \xe2\x86\x92 expected");
	y += 8;
	{
		double ytop = y;

		for (size_t i = 0; i < ng; i++, y += GROUP_H)
			svg_group(&sb, &groups[i], &msc, y, (int)i, label_x, NULL);
		svg_axis(&sb, &msc, ytop, y + 2, msc.log ? "memlock per map (log scale: each gridline is 10x; "
			 "bars start at the first gridline)" : "memlock per map (linear)");
	}
	y += 56;

	/* notes */
	snprintf(line, sizeof(line), "Baseline: %s, on each profile's CPUs.", baseline_source_desc(rep, src, sizeof(src)));
	note(&sb, &y, line);
	snprintf(line, sizeof(line), "At expected entries: small %s, medium %s, large %s; baseline %s, %s, %s.",
		 human_bytes(total.exp[0], h[0], sizeof(h[0])), human_bytes(total.exp[1], h[1], sizeof(h[1])),
		 human_bytes(total.exp[2], h[2], sizeof(h[2])), human_bytes(rep->base_exp[0], h[3], sizeof(h[3])),
		 human_bytes(rep->base_exp[1], h[4], sizeof(h[4])), human_bytes(rep->base_exp[2], h[5], sizeof(h[5])));
	note(&sb, &y, line);
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];

		if (!is_inner(r))
			continue;
		snprintf(line, sizeof(line), "%s: per instance; totals count none at load (created at run time) and one "
			 "per expected %s entry at expected entries, as mapsize plan does.", r->name,
			 r->pm[REF]->inner_of);
		note(&sb, &y, line);
	}
	if (rep->era == MAPSIZE_MEM_ERA_PAGES)
		note(&sb, &y, "Pages era: the kernel's memlock ignores preallocation and fill level; non-preallocated "
			 "maps really allocate their elements on insert.");
	if (nothers) {
		snprintf(line, sizeof(line), "%zu other maps: %s.", nothers, others);
		note(&sb, &y, line);
	}
	if (rep->nobase) {
		size_t off = (size_t)snprintf(line, sizeof(line), "No baseline (left out of the baseline totals):");

		for (size_t i = 0; i < rep->nrows && off < sizeof(line); i++)
			if (!rep->rows[i].b.have) {
				int k = snprintf(line + off, sizeof(line) - off, " %s", rep->rows[i].name);

				off += k > 0 ? (size_t)k : 0;
			}
		note(&sb, &y, line);
	}
	sb_printf(&sb, "</svg>\n");

	/* the header needs the height */
	sb_printf(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_printf(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		  "font-family=\"%s\">\n", SVG_W, y + 4, SVG_W, y + 4, FONT);
	if (!sb.oom && sb.s)
		sb_printf(&out, "%s", sb.s);
	free(sb.s);
	free(sorted);
	free(groups);
	if (sb.oom || out.oom) {
		free(out.s);
		return NULL;
	}
	*len = out.len;
	return out.s;
}

/* Write through FILE.tmpXXXXXX + rename: a failed run leaves FILE as it was. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/* ---- the command -------------------------------------------------------------- */

struct report_args {
	const char *object;
	const char *svg;
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
	       "  --object FILE.bpf.o  baseline = the sizes and flags compiled into the object (opened\n"
	       "                       with libbpf, not loaded), for the maps that have a rule\n"
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

static void report_free(struct report *rep)
{
	for (int p = 0; p < NPROF; p++)
		mapsize_plan__free(rep->plan[p]);
	for (size_t i = 0; i < rep->nunmanaged; i++)
		free(rep->unmanaged[i]);
	free(rep->unmanaged);
	free(rep->rows);
}

int do_report(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "svg", required_argument, NULL, OPT_SVG },
	};
	struct report_args ra = { 0 };
	struct report rep = { 0 };
	struct plan_options po;
	struct mapsize_error err;
	struct mapsize_rules *rules = NULL;
	struct mapsize_map_memory *mem[NPROF] = { 0 };
	struct mapsize_node node = { .sz = sizeof(node) };
	const char *rules_path;
	int status = 2, ret;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			report_usage();
			return 0;
		}
	}
	rules_path = parse_cmd_args(argc, argv, &po, extra, sizeof(extra) / sizeof(extra[0]), report_opt, &ra);
	if (po.map_size) {
		fprintf(stderr, "error: mapsize report always shows small, medium and large: --map-size=%s is not "
			"accepted (use --profile or --set to change all three)\n", po.map_size);
		return 2;
	}
	mapsize_set_print(print_once);
	rep.rules_path = rules_path;
	rep.object = ra.object;
	rules = mapsize_rules__load_file(rules_path, &err);
	if (!rules) {
		print_error(&err);
		return err.code == -ENOMEM ? 1 : 2;
	}
	rep.app = mapsize_rules__app(rules) ? mapsize_rules__app(rules) : rules_path;
	for (int p = 0; p < NPROF; p++) {
		struct plan_options pp = po;
		struct mapsize_planner *pl;

		pp.map_size = prof_names[p];
		pl = plan_options__planner(&pp, NULL, &err);
		if (!pl) {
			print_error(&err);
			goto out;
		}
		rep.plan[p] = mapsize_planner__plan(pl, rules);
		if (!rep.plan[p])
			print_error(mapsize_planner__error(pl));
		mapsize_planner__free(pl);
		if (!rep.plan[p])
			goto out;
	}
	rep.consts.sz = sizeof(rep.consts);
	if (plan_options__memory_model(&po, &rep.consts, &rep.era))
		goto out;
	if (po.kernel)
		snprintf(rep.kernel, sizeof(rep.kernel), "%s", po.kernel);
	else if (!mapsize_node__read(&node))
		snprintf(rep.kernel, sizeof(rep.kernel), "%s", node.kernel_release);
	else
		snprintf(rep.kernel, sizeof(rep.kernel), "(newest)");

	for (int p = 0; p < NPROF; p++) {
		struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = &rep.consts, .era = rep.era };

		if (mapsize_plan__dim_value(rep.plan[p], "cpus", &rep.cpus[p]) || !rep.cpus[p] ||
		    rep.cpus[p] > UINT32_MAX) {
			fprintf(stderr, "error: profile %s: the cpus dimension must be 1..%u\n", prof_names[p],
				UINT32_MAX);
			goto out;
		}
		mem[p] = calloc(mapsize_plan__map_cnt(rep.plan[p]) + 1, sizeof(*mem[p]));
		if (!mem[p]) {
			fprintf(stderr, "error: out of memory\n");
			status = 1;
			goto out;
		}
		mem[p][0].sz = sizeof(mem[p][0]);
		rep.total[p].sz = sizeof(rep.total[p]);
		ret = mapsize_plan__memory(rep.plan[p], &mo, mem[p], &rep.total[p]);
		if (ret) {
			fprintf(stderr, "error: cannot predict the memory of the %s plan: %s\n", prof_names[p],
				strerror(-ret));
			status = ret == -EINVAL ? 2 : 1;
			goto out;
		}
	}

	rep.nrows = mapsize_plan__map_cnt(rep.plan[REF]);
	rep.rows = calloc(rep.nrows + 1, sizeof(*rep.rows));
	if (!rep.rows) {
		fprintf(stderr, "error: out of memory\n");
		status = 1;
		goto out;
	}
	for (size_t i = 0; i < rep.nrows; i++) {
		struct row *r = &rep.rows[i];

		r->name = mapsize_plan__map(rep.plan[REF], i)->name;
		for (int p = 0; p < NPROF; p++) {
			size_t j, n = mapsize_plan__map_cnt(rep.plan[p]);

			for (j = 0; j < n && !same_name(mapsize_plan__map(rep.plan[p], j)->name, r->name); j++)
				;
			if (j == n) {
				fprintf(stderr, "error: map '%s' is missing from the %s plan\n", r->name, prof_names[p]);
				status = 1;
				goto out;
			}
			r->pm[p] = mapsize_plan__map(rep.plan[p], j);
			r->mem[p] = mem[p][j];
		}
		if (!rep.object)
			base_from_rules(r);
	}
	if (rep.object) {
		status = read_object(&rep);
		if (status)
			goto out;
		status = 2;
	}
	ret = compute(&rep);
	if (ret) {
		fprintf(stderr, "error: cannot predict the baseline's memory: %s\n", strerror(-ret));
		status = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (ra.svg) {
		size_t len = 0;
		char *svg = svg_render(&rep, &len);

		if (!svg) {
			fprintf(stderr, "error: out of memory\n");
			status = 1;
			goto out;
		}
		ret = write_atomic(ra.svg, svg, len);
		free(svg);
		if (ret) {
			fprintf(stderr, "%s: error: cannot write the SVG chart: %s\n", ra.svg, strerror(-ret));
			status = ret == -ENOENT || ret == -EACCES || ret == -EISDIR || ret == -ENOTDIR ? 2 : 1;
			goto out;
		}
	}
	if (po.format == FORMAT_JSON) {
		json_t *root = report_json(&rep);
		/* percentages are rounded to 0.01: print them that way */
		char *js = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;

		json_decref(root);
		status = js ? 0 : 1;
		if (js)
			printf("%s\n", js);
		free(js);
	}
	else {
		print_table(&rep);
		status = 0;
	}
out:
	for (int p = 0; p < NPROF; p++)
		free(mem[p]);
	mapsize_rules__free(rules);
	report_free(&rep);
	return status;
}
