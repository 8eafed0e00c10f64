// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The report model: several profiles' plans side by side against a
 * baseline, their memory, the baseline's on every profile's CPUs, and the
 * reference profile's maps preallocated vs not.  Pure. */
#include <stdlib.h>
#include <string.h>

#include <mapsize/report.h>

#include "internal.h"

struct report_profile {
	struct mapsize_report_profile pub;
	char *name;
	struct mapsize_map_memory *mem;		/* one per map of the plan */
};

struct report_map {
	struct mapsize_report_map pub;
	char *note;				/* a caller's baseline note, copied */
};

struct mapsize_report {
	struct mapsize_kernel_consts consts;
	enum mapsize_mem_era era;
	size_t ref;
	struct report_profile *profs;
	size_t prof_cnt;
	struct report_map *maps;		/* the reference plan's, once added */
	size_t map_cnt;
	struct mapsize_report_map_profile *cells; /* map_cnt x prof_cnt, after compute */
	char **unmanaged;
	size_t unmanaged_cnt;
	bool computed;
};

static bool same_name(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int add_ovf(uint64_t *acc, uint64_t v, uint64_t times)
{
	uint64_t p;

	if (__builtin_mul_overflow(v, times, &p) || __builtin_add_overflow(*acc, p, acc))
		return -EOVERFLOW;
	return 0;
}

struct mapsize_report *mapsize_report__new(const struct mapsize_report_opts *opts)
{
	const struct mapsize_kernel_consts *k;
	struct mapsize_report *rep;
	int ret;

	if (!OPTS_VALID(opts, mapsize_report_opts)) {
		errno = EINVAL;
		return NULL;
	}
	k = OPTS_GET(opts, consts, NULL);
	if (k && !STRUCT_VALID(k, mapsize_kernel_consts)) {
		errno = EINVAL;
		return NULL;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		errno = ENOMEM;
		return NULL;
	}
	rep->consts.sz = sizeof(rep->consts);
	if (k) {
		memcpy(&rep->consts, k, sizeof(rep->consts));
		rep->consts.sz = sizeof(rep->consts);
	} else if ((ret = mapsize_kernel_consts__builtin(NULL, &rep->consts))) {
		free(rep);
		errno = -ret;
		return NULL;
	}
	rep->era = OPTS_GET(opts, era, MAPSIZE_MEM_ERA_MEM_USAGE);
	rep->ref = OPTS_GET(opts, ref_profile, 0);
	return rep;
}

void mapsize_report__free(struct mapsize_report *rep)
{
	if (!rep)
		return;
	for (size_t p = 0; p < rep->prof_cnt; p++) {
		free(rep->profs[p].name);
		free(rep->profs[p].mem);
	}
	free(rep->profs);
	for (size_t i = 0; i < rep->map_cnt; i++)
		free(rep->maps[i].note);
	free(rep->maps);
	free(rep->cells);
	for (size_t i = 0; i < rep->unmanaged_cnt; i++)
		free(rep->unmanaged[i]);
	free(rep->unmanaged);
	free(rep);
}

/* ---- building ------------------------------------------------------------- */

/* Baseline from the rules: `baseline:` max_entries with the kernel's default
 * flags (preallocated where the type allows both). */
static void base_from_rules(struct mapsize_report_map *m, uint32_t cpus)
{
	const struct mapsize_plan_map *pm = m->planned;
	struct mapsize_mem_map *b = &m->baseline;

	memset(b, 0, sizeof(*b));
	b->sz = sizeof(*b);
	b->type = pm->type;
	b->key_size = pm->key_size;
	b->value_size = pm->value_size;
	b->max_entries = pm->baseline_max_entries;
	b->map_flags = pm->prealloc_toggle ? pm->map_flags & ~MAPSIZE_F_NO_PREALLOC : pm->map_flags;
	b->map_extra = pm->map_extra;
	b->possible_cpus = cpus;
	/* local storage has no size to choose: its baseline is the map itself */
	m->has_baseline = pm->baseline_max_entries || map_type_has(pm->type, MAPSIZE_TRAIT_STORAGE);
	m->baseline_note = m->has_baseline ? NULL : "no `baseline:` in its rule";
	m->baseline_source = m->has_baseline ? "rules" : NULL;
}

/* The reference plan's maps become the report's. */
static int add_maps(struct mapsize_report *rep, const struct report_profile *ref)
{
	const struct mapsize_plan *plan = ref->pub.plan;
	size_t n = mapsize_plan__map_cnt(plan);

	rep->maps = calloc(n + 1, sizeof(*rep->maps));
	if (!rep->maps)
		return -ENOMEM;
	rep->map_cnt = n;
	for (size_t i = 0; i < n; i++) {
		struct mapsize_report_map *m = &rep->maps[i].pub;

		m->planned = mapsize_plan__map(plan, i);
		m->name = m->planned->name;
		m->prealloc_toggle = m->planned->prealloc_toggle;
		base_from_rules(m, ref->pub.possible_cpus);
	}
	return 0;
}

int mapsize_report__add_plan(struct mapsize_report *rep, const char *name,
			     const struct mapsize_plan *plan, struct mapsize_error *err)
{
	struct mapsize_memory_opts mo = { .sz = sizeof(mo) };
	struct report_profile *pr, *profs;
	uint64_t cpus = 0;
	int ret;

	if (!rep || !name || !plan)
		return error_set(err, -EINVAL, NULL, "no report, profile name or plan");
	mo.consts = &rep->consts;	/* not in the initializer: rep may be NULL */
	mo.era = rep->era;
	if (rep->computed)
		return error_set(err, -EBUSY, NULL, "the report is already computed");
	if (mapsize_plan__dim_value(plan, "cpus", &cpus) || !cpus || cpus > UINT32_MAX)
		return error_set(err, -EINVAL, NULL, "profile %s: the cpus dimension must be 1..%u", name,
				 UINT32_MAX);
	profs = realloc(rep->profs, (rep->prof_cnt + 1) * sizeof(*profs));
	if (!profs)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	rep->profs = profs;
	pr = &profs[rep->prof_cnt];
	memset(pr, 0, sizeof(*pr));
	pr->name = strdup(name);
	pr->mem = calloc(mapsize_plan__map_cnt(plan) + 1, sizeof(*pr->mem));
	if (!pr->name || !pr->mem) {
		free(pr->name);
		free(pr->mem);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	pr->mem[0].sz = sizeof(pr->mem[0]);
	pr->pub.total.sz = sizeof(pr->pub.total);
	ret = mapsize_plan__memory(plan, &mo, pr->mem, &pr->pub.total);
	if (ret) {
		free(pr->name);
		free(pr->mem);
		return error_set(err, ret, NULL, "cannot predict the memory of the %s plan: %s", name,
				 strerror(-ret));
	}
	pr->pub.name = pr->name;
	pr->pub.plan = plan;
	pr->pub.possible_cpus = (uint32_t)cpus;
	if (rep->prof_cnt == rep->ref && (ret = add_maps(rep, pr))) {
		free(pr->name);
		free(pr->mem);
		return error_set(err, ret, NULL, "out of memory");
	}
	rep->prof_cnt++;
	return 0;
}

static struct report_map *find_map(const struct mapsize_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->map_cnt; i++)
		if (same_name(rep->maps[i].pub.name, name))
			return &rep->maps[i];
	return NULL;
}

int mapsize_report__set_baseline(struct mapsize_report *rep, const char *map_name,
				 const struct mapsize_mem_map *baseline, const char *note)
{
	struct report_map *m;
	char *copy = NULL;

	if (!rep || !map_name || (baseline && !STRUCT_VALID(baseline, mapsize_mem_map)))
		return -EINVAL;
	if (rep->computed)
		return -EBUSY;
	m = find_map(rep, map_name);
	if (!m)
		return -ENOENT;
	if (!baseline && note && !(copy = strdup(note)))
		return -ENOMEM;
	free(m->note);
	m->note = copy;
	m->pub.has_baseline = baseline != NULL;
	m->pub.baseline_note = copy ? copy : baseline ? NULL : "no baseline";
	m->pub.baseline_source = baseline ? "object" : NULL;
	memset(&m->pub.baseline, 0, sizeof(m->pub.baseline));
	m->pub.baseline.sz = sizeof(m->pub.baseline);
	if (baseline) {
		memcpy(&m->pub.baseline, baseline, sizeof(m->pub.baseline));
		m->pub.baseline.sz = sizeof(m->pub.baseline);
		m->pub.baseline.possible_cpus = rep->ref < rep->prof_cnt ?
			rep->profs[rep->ref].pub.possible_cpus : 0;
	}
	return 0;
}

int mapsize_report__add_unmanaged(struct mapsize_report *rep, const char *name)
{
	char **u;

	if (!rep || !name)
		return -EINVAL;
	if (rep->computed)
		return -EBUSY;
	u = realloc(rep->unmanaged, (rep->unmanaged_cnt + 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	rep->unmanaged = u;
	u[rep->unmanaged_cnt] = strdup(name);
	if (!u[rep->unmanaged_cnt])
		return -ENOMEM;
	rep->unmanaged_cnt++;
	return 0;
}

/* ---- computing ------------------------------------------------------------ */

static struct mapsize_report_map_profile *cell(const struct mapsize_report *rep, size_t i, size_t p)
{
	return &rep->cells[i * rep->prof_cnt + p];
}

/* Every profile's plan has the reference plan's maps: find each. */
static int match_maps(struct mapsize_report *rep, struct mapsize_error *err)
{
	rep->cells = calloc(rep->map_cnt * rep->prof_cnt + 1, sizeof(*rep->cells));
	if (!rep->cells)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < rep->map_cnt; i++) {
		const char *name = rep->maps[i].pub.name;

		for (size_t p = 0; p < rep->prof_cnt; p++) {
			const struct mapsize_plan *plan = rep->profs[p].pub.plan;
			size_t j, n = mapsize_plan__map_cnt(plan);

			for (j = 0; j < n && !same_name(mapsize_plan__map(plan, j)->name, name); j++)
				;
			if (j == n)
				return error_set(err, -ENOENT, NULL, "map '%s' is missing from the %s plan", name,
						 rep->profs[p].pub.name);
			cell(rep, i, p)->planned = mapsize_plan__map(plan, j);
			cell(rep, i, p)->memory = rep->profs[p].mem[j];
		}
	}
	return 0;
}

static void mm_on_cpus(const struct mapsize_mem_map *b, uint32_t cpus, struct mapsize_mem_map *mm)
{
	*mm = *b;
	mm->sz = sizeof(*mm);
	mm->possible_cpus = cpus;
}

/* The baseline of map i on every profile's CPUs. */
static int compute_baseline(struct mapsize_report *rep, size_t i)
{
	struct mapsize_report_map *m = &rep->maps[i].pub;
	const struct mapsize_plan_map *pm = m->planned;
	struct mapsize_mem_map mm;
	int ret;

	if (m->has_baseline) {
		mm_on_cpus(&m->baseline, rep->profs[rep->ref].pub.possible_cpus, &mm);
		ret = mapsize_mem_map__check(&mm);
		if (ret) {
			m->has_baseline = false;
			m->baseline_note = "invalid baseline";
			pr_warn("warning: map '%s': the kernel would reject its baseline "
				"(max_entries %u, flags 0x%x): %s; no baseline for it\n", m->name,
				m->baseline.max_entries, m->baseline.map_flags, strerror(-ret));
		}
	}
	for (size_t p = 0; p < rep->prof_cnt && m->has_baseline; p++) {
		struct mapsize_report_map_profile *c = cell(rep, i, p);
		uint32_t slots;
		uint64_t entries;

		mm_on_cpus(&m->baseline, rep->profs[p].pub.possible_cpus, &mm);
		ret = mapsize_mem_map__max_entries(&mm, &slots);
		if (ret)
			return ret;
		entries = c->planned->expected_entries < slots ? c->planned->expected_entries : slots;
		ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &c->baseline_memlock);
		if (!ret)
			ret = mapsize_memlock(&mm, &rep->consts, rep->era, entries, &c->baseline_memlock_expected);
		if (ret)
			return ret;
		c->baseline_instances_expected = 1;
		if (pm->inner_of) {
			/* as many instances as the profile expects, as far as the
			 * baseline's outer map can hold them */
			const struct report_map *outer = find_map(rep, pm->inner_of);

			c->baseline_instances_expected = c->memory.instances_expected;
			if (outer && outer->pub.has_baseline &&
			    outer->pub.baseline.max_entries < c->baseline_instances_expected)
				c->baseline_instances_expected = outer->pub.baseline.max_entries;
		}
	}
	return 0;
}

/* The reference plan's map i preallocated vs not. */
static int compute_toggle(struct mapsize_report *rep, size_t i)
{
	struct mapsize_report_map *m = &rep->maps[i].pub;
	const struct mapsize_plan_map *pm = m->planned;
	struct mapsize_mem_map mm = { .sz = sizeof(mm) };
	uint32_t slots;
	int ret;

	if (!m->prealloc_toggle)
		return 0;
	mapsize_plan_map__mem_map(pm, rep->profs[rep->ref].pub.possible_cpus, &mm);
	mm.map_flags &= ~MAPSIZE_F_NO_PREALLOC;
	ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &m->prealloc_memlock);
	if (ret)
		return ret;
	mm.map_flags |= MAPSIZE_F_NO_PREALLOC;
	ret = mapsize_mem_map__max_entries(&mm, &slots);
	if (!ret)
		ret = mapsize_memlock_at_load(&mm, &rep->consts, rep->era, &m->no_prealloc_memlock);
	if (!ret)
		ret = mapsize_memlock(&mm, &rep->consts, rep->era,
				      pm->expected_entries < slots ? pm->expected_entries : slots,
				      &m->no_prealloc_memlock_expected);
	return ret;
}

int mapsize_report__compute(struct mapsize_report *rep, struct mapsize_error *err)
{
	int ret;

	if (!rep)
		return error_set(err, -EINVAL, NULL, "no report");
	if (rep->computed)
		return error_set(err, -EBUSY, NULL, "the report is already computed");
	if (rep->ref >= rep->prof_cnt)
		return error_set(err, -EINVAL, NULL, "no plan for the reference profile (%zu of %zu added)",
				 rep->ref, rep->prof_cnt);
	/* read-only from here, even when a figure cannot be computed */
	rep->computed = true;
	ret = match_maps(rep, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < rep->map_cnt; i++) {
		ret = compute_baseline(rep, i);
		if (!ret)
			ret = compute_toggle(rep, i);
		if (ret)
			goto fail;
	}
	for (size_t p = 0; p < rep->prof_cnt; p++) {
		struct mapsize_report_profile *pr = &rep->profs[p].pub;

		for (size_t i = 0; i < rep->map_cnt; i++) {
			const struct mapsize_report_map *m = &rep->maps[i].pub;
			const struct mapsize_report_map_profile *c = cell(rep, i, p);

			if (!m->has_baseline) {
				pr->maps_without_baseline++;
				continue;
			}
			if ((ret = add_ovf(&pr->baseline_memlock, c->baseline_memlock, m->planned->inner_of ? 0 : 1)) ||
			    (ret = add_ovf(&pr->baseline_memlock_expected, c->baseline_memlock_expected,
					   c->baseline_instances_expected)) ||
			    (ret = add_ovf(&pr->based_memlock_load, c->memory.memlock_load,
					   m->planned->inner_of ? 0 : 1)) ||
			    (ret = add_ovf(&pr->based_memlock_expected, c->memory.memlock_expected,
					   c->memory.instances_expected)))
				goto fail;
		}
	}
	return 0;
fail:
	return error_set(err, ret, NULL, "cannot predict the baseline's memory: %s", strerror(-ret));
}

/* ---- results -------------------------------------------------------------- */

size_t mapsize_report__profile_cnt(const struct mapsize_report *rep)
{
	return rep ? rep->prof_cnt : 0;
}

const struct mapsize_report_profile *mapsize_report__profile(const struct mapsize_report *rep, size_t idx)
{
	return rep && idx < rep->prof_cnt ? &rep->profs[idx].pub : NULL;
}

size_t mapsize_report__map_cnt(const struct mapsize_report *rep)
{
	return rep ? rep->map_cnt : 0;
}

const struct mapsize_report_map *mapsize_report__map(const struct mapsize_report *rep, size_t idx)
{
	if (!rep)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < rep->map_cnt ? &rep->maps[idx].pub : NULL);
}

const struct mapsize_report_map_profile *mapsize_report__map_profile(const struct mapsize_report *rep,
								     size_t map_idx, size_t profile_idx)
{
	if (!rep || !rep->cells || map_idx >= rep->map_cnt || profile_idx >= rep->prof_cnt)
		return NULL;
	return cell(rep, map_idx, profile_idx);
}

size_t mapsize_report__unmanaged_cnt(const struct mapsize_report *rep)
{
	return rep ? rep->unmanaged_cnt : 0;
}

const char *mapsize_report__unmanaged(const struct mapsize_report *rep, size_t idx)
{
	return rep && idx < rep->unmanaged_cnt ? rep->unmanaged[idx] : NULL;
}

bool mapsize_savings_percent(uint64_t baseline, uint64_t cost, double *percent)
{
	double v;

	if (!baseline)
		return false;
	v = ((double)baseline - (double)cost) * 100.0 / (double)baseline;
	v = (double)(long long)(v * 100 + (v >= 0 ? 0.5 : -0.5)) / 100;
	*percent = v;
	return true;
}
