// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory budget: a cap on the plan's full memory (every map at
 * max_entries, inner maps once per outer slot).  Over it, the maps sized by
 * an expression are scaled by one common factor f = k / 2^32: each such
 * expression's value times f, floored, at least 1, then the rule's
 * min/max/round and the type's rules as usual and preallocation decided
 * again.  k is the largest that fits, found by bisection (33 trial plans);
 * the total grows with k except where a preallocation decision flips, so
 * bisection finds a k that fits while k + 1 does not.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

#define BUDGET_ONE (1ULL << 32)		/* k of f = 1 */
#define RINGBUF_MIN 4096ULL		/* one page: the smallest ring the kernel accepts */

/* "25%", "12.5%", "0.25%" -> hundredths of a percent; -EINVAL otherwise. */
static int parse_percent(const char *text, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0, frac = 0;

	for (; text[i] >= '0' && text[i] <= '9' && i < 6; i++)
		v = v * 10 + (uint64_t)(text[i] - '0');
	if (!i)
		return -EINVAL;
	if (text[i] == '.') {
		for (i++; text[i] >= '0' && text[i] <= '9' && frac < 2; i++, frac++)
			v = v * 10 + (uint64_t)(text[i] - '0');
		if (!frac)
			return -EINVAL;
	}
	if (strcmp(text + i, "%"))
		return -EINVAL;
	for (; frac < 2; frac++)
		v *= 10;
	if (v > 10000)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int plan_budget_parse(struct mapsize_planner *pl, const char *text,
		      const struct mapsize_memory_opts *mo)
{
	size_t n = strlen(text);
	int ret;

	if (n && text[n - 1] == '%') {
		ret = parse_percent(text, &pl->budget_pct100);
		if (ret == -ERANGE || (!ret && !pl->budget_pct100))
			return error_set(&pl->err, -EINVAL, NULL, "--budget '%s': expected a percentage above 0%% "
					 "and at most 100%% of the memory dimension", text);
		if (ret)
			return error_set(&pl->err, -EINVAL, NULL, "--budget '%s' is not a percentage, expected "
					 "digits with at most two decimals and '%%' (25%%, 12.5%%)", text);
	} else {
		ret = expr_parse_quantity(text, &pl->budget_bytes);
		if (ret)
			return error_set(&pl->err, -EINVAL, NULL, "--budget '%s' is %s, expected bytes with an "
					 "optional k, M, G, T, Ki, Mi, Gi or Ti suffix (256Mi, 1G, 1048576) or "
					 "PCT%% of the memory dimension (25%%)", text,
					 ret == -ERANGE ? "out of range" : "not a size");
		if (!pl->budget_bytes)
			return error_set(&pl->err, -EINVAL, NULL, "--budget '%s': expected a budget above 0 bytes",
					 text);
	}
	if (mo) {
		if (!OPTS_VALID(mo, mapsize_memory_opts))
			return error_set(&pl->err, -EINVAL, NULL, "unsupported budget memory options (sz %zu)",
					 mo->sz);
		pl->budget_mo_set = true;
		pl->budget_mo.era = OPTS_GET(mo, era, MAPSIZE_MEM_ERA_MEM_USAGE);
		pl->budget_mo.possible_cpus = OPTS_GET(mo, possible_cpus, 0);
		if (OPTS_GET(mo, consts, NULL)) {
			const struct mapsize_kernel_consts *k = mo->consts;
			size_t sz = k->sz < sizeof(*k) ? k->sz : sizeof(*k);

			memcpy(&pl->budget_consts, k, sz);
			pl->budget_consts.sz = sizeof(pl->budget_consts);
			pl->budget_consts_set = true;
		}
	}
	pl->budget = strdup(text);
	return pl->budget ? 0 : error_set(&pl->err, -ENOMEM, NULL, "out of memory");
}

static void count_name(void *ctx, const char *name, size_t len, size_t offset)
{
	(void)name, (void)len, (void)offset;
	(*(size_t *)ctx)++;
}

/* Sized by the rule's own expression over dimensions, and the entries are
 * capacity (a perf_event_array's are CPUs, a prog_array's programs). */
static bool budget_scalable(const struct rule *r)
{
	size_t names = 0;

	if (!r->max_entries.expr || r->type == MAPSIZE_MAP_PERF_EVENT_ARRAY ||
	    r->type == MAPSIZE_MAP_PROG_ARRAY)
		return false;
	expr_for_each_name(r->max_entries.expr, count_name, &names);
	return names > 0;
}

uint64_t plan_budget_scale(const struct plan_ctx *c, const struct rule *r, uint64_t v)
{
	unsigned __int128 s;

	if (!v || !budget_scalable(r))	/* 0 stays 0: storage maps, perf_event_array per CPU */
		return v;
	s = ((unsigned __int128)v * *c->budget_k) >> 32;
	if (s < 1)
		s = 1;
	if (map_type_is_ringbuf(r->type)) {
		if (s < RINGBUF_MIN)
			s = RINGBUF_MIN;
		if (!r->round_pow2)	/* the kernel takes only powers of two */
			s = (unsigned __int128)1 << (63 - __builtin_clzll((uint64_t)s));
	}
	return (uint64_t)s;
}

/* Exact and parseable back: "16Gi", "1536Mi", "1000000". */
static void size_text(uint64_t v, char *buf, size_t size)
{
	static const char *const suffix[] = { "Ti", "Gi", "Mi", "Ki" };

	for (int i = 0; i < 4; i++) {
		uint64_t unit = 1ULL << (10 * (4 - i));

		if (v && !(v % unit)) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(v / unit), suffix[i]);
			return;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
}

static int full_bytes(struct mapsize_planner *pl, const struct mapsize_plan *plan, uint64_t *out)
{
	MAPSIZE_OPTS(mapsize_map_memory, total);
	struct mapsize_map_memory *mem = calloc(plan->map_cnt + 1, sizeof(*mem));
	int ret;

	if (!mem)
		return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	mem[0].sz = sizeof(*mem);
	ret = mapsize_plan__memory(plan, &pl->budget_mo, mem, &total);
	free(mem);
	if (ret)
		return error_set(&pl->err, ret, NULL, "--budget %s: cannot compute the plan's full memory: %s",
				 pl->budget, ret == -EOVERFLOW ? "it does not fit 64 bits" :
				 "the plan needs a cpus dimension from 1 to 4294967295");
	*out = total.memlock_full;
	return 0;
}

/* The memory model: the caller's, else built-in sizes for the target kernel. */
static int budget_model(struct mapsize_planner *pl)
{
	enum mapsize_mem_era era;

	pl->budget_mo.sz = sizeof(pl->budget_mo);
	if (!pl->budget_mo_set) {
		if (mapsize_mem_era__from_kernel(pl->kernel_version, &era))
			return error_set(&pl->err, -EINVAL, NULL, "--budget %s: no memory model for kernel %s, "
					 "expected 5.11 or newer", pl->budget, pl->kernel_release);
		pl->budget_mo.era = era;
		pl->budget_consts.sz = sizeof(pl->budget_consts);
		if (mapsize_kernel_consts__builtin(pl->kernel_release, &pl->budget_consts))
			mapsize_kernel_consts__builtin(NULL, &pl->budget_consts);
		mapsize_kernel_consts__set_kernel(&pl->budget_consts, pl->kernel_version);
		pl->budget_consts_set = true;
	}
	pl->budget_mo.consts = pl->budget_consts_set ? &pl->budget_consts : NULL;
	return 0;
}

/* The limit in bytes and where it came from. */
static int budget_limit(struct mapsize_planner *pl, const struct mapsize_plan *plan, uint64_t *limit,
			char **source)
{
	const struct plan_dim *mem;
	uint64_t base;
	char num[32];
	int n;

	if (!pl->budget_pct100) {
		*limit = pl->budget_bytes;
		n = asprintf(source, "--budget %s", pl->budget);
		return n < 0 ? error_set(&pl->err, -ENOMEM, NULL, "out of memory") : 0;
	}
	mem = plan_dim_find(plan, "memory", 6);
	if (!mem)
		return error_set(&pl->err, -EINVAL, NULL, "--budget %s: the profile has no memory dimension, "
				 "expected one (or a budget in bytes)", pl->budget);
	base = mem->value;
	if (pl->live_node && pl->node_memcg_limit && pl->node_memcg_limit < base) {
		base = pl->node_memcg_limit;
		size_text(base, num, sizeof(num));
		n = asprintf(source, "%s of cgroup limit %s (%s)", pl->budget, num, pl->node_memcg_file);
	} else {
		size_text(base, num, sizeof(num));
		n = asprintf(source, "%s of memory %s", pl->budget, num);
	}
	if (n < 0)
		return error_set(&pl->err, -ENOMEM, NULL, "out of memory");
	*limit = (uint64_t)((unsigned __int128)base * pl->budget_pct100 / 10000);
	return 0;
}

/* A trial plan and its full memory; NULL with the planner's error set. */
static struct mapsize_plan *trial(struct mapsize_planner *pl, const struct mapsize_rules *rules,
				  const uint64_t *k, uint64_t *full)
{
	struct mapsize_plan *p = plan_build(pl, rules, k, true);

	if (p && full_bytes(pl, p, full)) {
		mapsize_plan__free(p);
		return NULL;
	}
	return p;
}

/* The budget's record on the chosen plan, and the warnings nobody has
 * seen yet (the trial plans were quiet). */
static void budget_finish(struct mapsize_planner *pl, const struct mapsize_plan *before,
			  struct mapsize_plan *plan, uint64_t k)
{
	struct plan_ctx c = { .pl = pl, .plan = plan, .err = &pl->err };

	/* trial plans logged nothing: the kept plan's own warnings now, in order */
	for (size_t i = 0; i < plan->warning_cnt; i++)
		pr_warn("warning: %s\n", plan->warnings[i]);
	for (size_t i = 0; i < plan->map_cnt; i++) {
		struct mapsize_plan_map *m = &plan->maps[i];
		const struct mapsize_plan_map *b = &before->maps[i];

		if (m->max_entries == b->max_entries)
			continue;
		m->budget_from_entries = b->max_entries;
		plan->budget_scaled_cnt++;
		if (m->expected_entries > m->max_entries && !map_type_is_ringbuf(m->type)) {
			m->budget_will_overflow = true;
			plan->budget_overflow_cnt++;
			plan_warn(&c, "map '%s': the memory budget (%s) scales it from %u to %u entries, below "
				  "its expected %llu: will overflow at expected load", m->name, plan->budget_source,
				  b->max_entries, m->max_entries, (unsigned long long)m->expected_entries);
		}
	}
	plan->budget_factor = (double)k / (double)BUDGET_ONE;
	plan->digest = fnv1a(fnv1a(fnv1a_str(plan->digest, "budget"), &plan->budget_limit,
				   sizeof(plan->budget_limit)), &k, sizeof(k));
}

struct mapsize_plan *plan_budgeted(struct mapsize_planner *pl, const struct mapsize_rules *rules)
{
	struct mapsize_plan *before = NULL, *best = NULL, *p;
	uint64_t limit = 0, full = 0, k, lo = 0, hi = BUDGET_ONE;
	char *source = NULL;

	error_clear(&pl->err);
	if (budget_model(pl))
		goto fail;
	before = plan_build(pl, rules, NULL, true);
	if (!before || budget_limit(pl, before, &limit, &source) || full_bytes(pl, before, &full))
		goto fail;
	before->has_budget = true;
	before->budget_limit = limit;
	before->budget_before = full;
	if (full <= limit) {
		before->budget_after = full;
		before->budget_source = source;
		budget_finish(pl, before, before, BUDGET_ONE);
		return before;
	}
	k = 0;
	best = trial(pl, rules, &k, &full);
	if (!best)
		goto fail;
	if (full > limit) {
		char b[32];

		size_text(limit, b, sizeof(b));
		error_set(&pl->err, -EINVAL, NULL, "--budget %s%s%s%s: the limit is %llu bytes%s%s%s but the maps "
			  "take %llu bytes when full even with every expression-sized map at its minimum: the "
			  "minimum achievable total is %llu bytes, expected a budget at least that large",
			  pl->budget, pl->budget_pct100 ? " (" : "", pl->budget_pct100 ? source : "",
			  pl->budget_pct100 ? ")" : "", (unsigned long long)limit,
			  strchr(b, 'i') ? " (" : "", strchr(b, 'i') ? b : "", strchr(b, 'i') ? ")" : "",
			  (unsigned long long)full, (unsigned long long)full);
		goto fail;
	}
	best->budget_after = full;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		p = trial(pl, rules, &mid, &full);
		if (!p)
			goto fail;
		if (full <= limit) {
			mapsize_plan__free(best);
			best = p;
			best->budget_after = full;
			lo = mid;
		} else {
			mapsize_plan__free(p);
			hi = mid;
		}
	}
	best->has_budget = true;
	best->budget_limit = limit;
	best->budget_before = before->budget_before;
	best->budget_source = source;
	budget_finish(pl, before, best, lo);
	mapsize_plan__free(before);
	return best;
fail:
	free(source);
	mapsize_plan__free(before);
	mapsize_plan__free(best);
	errno = pl->err.code ? -pl->err.code : EINVAL;
	return NULL;
}

int mapsize_plan__budget(const struct mapsize_plan *plan, struct mapsize_plan_budget *out)
{
	if (!plan || !out || !mapsize_sz_valid(out, out->sz, sizeof(*out), sizeof(*out)))
		return -EINVAL;
	if (!plan->has_budget)
		return -ENOENT;
	struct_out_reset(out);
	out->limit_bytes = plan->budget_limit;
	out->source = plan->budget_source;
	out->before_full_bytes = plan->budget_before;
	out->after_full_bytes = plan->budget_after;
	out->factor = plan->budget_factor;
	out->scaled_cnt = plan->budget_scaled_cnt;
	out->will_overflow_cnt = plan->budget_overflow_cnt;
	return 0;
}
