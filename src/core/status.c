// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The live-status model: maps as read from the kernel, their fill levels,
 * warnings, totals and growth.  Pure: src/kernel/status_read.c fills it,
 * tools print it; the Prometheus text is in status_prometheus.c and the
 * verdicts against a plan in status_plan.c. */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/status.h>
#include "internal.h"
#include "status_attr.h"

struct mapsize_status {
	struct mapsize_live_map *maps;
	size_t cnt, cap;
};

static const char *const method_names[] = {
	[MAPSIZE_COUNT_AUTO] = "auto",		[MAPSIZE_COUNT_KFUNC] = "kfunc",
	[MAPSIZE_COUNT_MEMLOCK] = "memlock",	[MAPSIZE_COUNT_BATCH] = "batch",
	[MAPSIZE_COUNT_ITERATE] = "iterate",	[MAPSIZE_COUNT_NONE] = "none",
};

const char *mapsize_count_method__name(enum mapsize_count_method method)
{
	return (unsigned int)method < ARRAY_SIZE(method_names) ? method_names[method] : NULL;
}

int mapsize_count_method__from_name(const char *name, enum mapsize_count_method *method)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(method_names); i++)
		if (!strcmp(name, method_names[i])) {
			*method = (enum mapsize_count_method)i;
			return 0;
		}
	return -EINVAL;
}

static const char *const source_names[] = {
	[MAPSIZE_NAME_KERNEL] = "kernel",	[MAPSIZE_NAME_BTF] = "btf",
	[MAPSIZE_NAME_PIN] = "pin",		[MAPSIZE_NAME_RULES] = "rules",
};

const char *mapsize_name_source__name(enum mapsize_name_source src)
{
	return (unsigned int)src < ARRAY_SIZE(source_names) ? source_names[src] : NULL;
}

/* ---- the container ------------------------------------------------------ */

struct mapsize_status *mapsize_status__new(void)
{
	return calloc(1, sizeof(struct mapsize_status));
}

void mapsize_status__free(struct mapsize_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->cnt; i++) {
		free((void *)st->maps[i].pids);
		free((void *)st->maps[i].pin);
	}
	free(st->maps);
	free(st);
}

int mapsize_status__add(struct mapsize_status *st, const struct mapsize_live_map *m)
{
	struct mapsize_live_map *copy;
	uint32_t *pids = NULL;
	char *pin = NULL;

	if (!st || !m)
		return -EINVAL;
	if (array_reserve((void **)&st->maps, &st->cap, st->cnt + 1, sizeof(*st->maps)))
		return -ENOMEM;
	if (m->pid_cnt) {
		pids = malloc(m->pid_cnt * sizeof(*pids));
		if (!pids)
			return -ENOMEM;
		memcpy(pids, m->pids, m->pid_cnt * sizeof(*pids));
	}
	if (m->pin && !(pin = strdup(m->pin))) {
		free(pids);
		return -ENOMEM;
	}
	copy = &st->maps[st->cnt++];
	*copy = *m;
	copy->name[sizeof(copy->name) - 1] = '\0';
	copy->kernel_name[sizeof(copy->kernel_name) - 1] = '\0';
	copy->prog[sizeof(copy->prog) - 1] = '\0';
	copy->pids = pids;
	copy->pin = pin;
	return 0;
}

size_t mapsize_status__map_cnt(const struct mapsize_status *st)
{
	return st ? st->cnt : 0;
}

const struct mapsize_live_map *mapsize_status__map(const struct mapsize_status *st, size_t idx)
{
	if (!st)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < st->cnt ? &st->maps[idx] : NULL);
}

const struct mapsize_live_map *mapsize_status__find_id(const struct mapsize_status *st, uint32_t id)
{
	if (!st)
		return mapsize_err_ptr(-EINVAL);
	for (size_t i = 0; i < st->cnt; i++)
		if (st->maps[i].id == id)
			return &st->maps[i];
	return mapsize_found(NULL);
}

/* How near a name is to what the user typed: edits, then common prefix. */
struct nearness {
	size_t edits, common;
};

static struct nearness nearness_of(const char *word, const char *name)
{
	struct nearness n = { edit_distance(word, name), 0 };

	while (word[n.common] && word[n.common] == name[n.common])
		n.common++;
	return n;
}

static bool nearer(struct nearness a, const char *an, struct nearness b, const char *bn)
{
	if (a.edits != b.edits)
		return a.edits < b.edits;
	if (a.common != b.common)
		return a.common > b.common;
	return strcmp(an, bn) < 0;
}

size_t mapsize_status__nearest(const struct mapsize_status *st, const char *pattern,
			       const struct mapsize_live_map **out, size_t max)
{
	struct nearness *best;
	char word[64];
	size_t n = 0, w = 0;

	if (!st || !pattern || !out || !max)
		return 0;
	for (const char *p = pattern; *p && w + 1 < sizeof(word); p++)
		if (!strchr("*?[]", *p))
			word[w++] = *p;
	word[w] = '\0';
	best = calloc(max, sizeof(*best));
	if (!best)
		return 0;
	for (size_t i = 0; i < st->cnt; i++) {
		const struct mapsize_live_map *m = &st->maps[i];
		struct nearness d = nearness_of(word, m->name), k = nearness_of(word, m->kernel_name);
		size_t at;

		if (nearer(k, m->kernel_name, d, m->name) && k.edits < d.edits)
			d = k;		/* a kernel name typed (nearer by edits only: one rank per map) */
		for (at = n; at > 0 && nearer(d, m->name, best[at - 1], out[at - 1]->name); at--)
			;
		if (at >= max)
			continue;
		if (n < max)
			n++;
		memmove(best + at + 1, best + at, (n - 1 - at) * sizeof(*best));
		memmove(out + at + 1, out + at, (n - 1 - at) * sizeof(*out));
		best[at] = d;
		out[at] = m;
	}
	free(best);
	return n;
}

/* ---- one map ------------------------------------------------------------ */

bool mapsize_live_map__fill_ratio(const struct mapsize_live_map *m, double *ratio)
{
	if (!m || !m->has_entries || !m->max_entries)
		return false;
	*ratio = (double)m->entries / (double)m->max_entries;
	return true;
}

uint64_t mapsize_live_map__failures(const struct mapsize_live_map *m)
{
	uint64_t sum = 0;

	for (int i = 0; m && m->has_failures && i < MAPSIZE_OVF_CLASSES; i++)
		sum = m->failures[i] > UINT64_MAX - sum ? UINT64_MAX : sum + m->failures[i];
	return sum;
}

double mapsize_fill_percent(double ratio)
{
	double pct = round(ratio * 100.0);

	/* 99.6% is not full: 100% only when it is */
	return pct >= 100 && ratio < 1 ? 99 : pct;
}

enum mapsize_fill_level mapsize_live_map__level(const struct mapsize_live_map *m, double warn, double crit)
{
	double ratio;

	/* Inserts that already failed are the loudest signal there is. */
	if (mapsize_live_map__failures(m))
		return MAPSIZE_FILL_CRIT;
	if (!mapsize_live_map__fill_ratio(m, &ratio))
		return MAPSIZE_FILL_OK;
	if (ratio >= crit)
		return MAPSIZE_FILL_CRIT;
	return ratio >= warn ? MAPSIZE_FILL_WARN : MAPSIZE_FILL_OK;
}

/* What happens to the next new key once the map is full. */
static const char *when_full(const struct mapsize_live_map *m)
{
	if (m->evicts)
		return "LRU: old entries are evicted before it is full";
	if (m->bpf_type == 11 /* lpm_trie */)
		return "new entries will fail with ENOSPC";
	return "new entries will fail with E2BIG";
}

int mapsize_live_map__warning(const struct mapsize_live_map *m, double warn, double crit,
			      char *buf, size_t size)
{
	enum mapsize_fill_level level = mapsize_live_map__level(m, warn, crit);
	uint64_t failed = mapsize_live_map__failures(m);
	size_t len = 0;
	double ratio;
	int n;

	if (!m || !buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	if (level == MAPSIZE_FILL_OK)
		return 0;
	if (mapsize_live_map__fill_ratio(m, &ratio))
		n = snprintf(buf, size, "warning: map %s (id %u) is %.0f%% full (%llu/%u): %s", m->name, m->id,
			     mapsize_fill_percent(ratio), (unsigned long long)m->entries, m->max_entries, when_full(m));
	else
		n = snprintf(buf, size, "warning: map %s (id %u), max_entries %u", m->name, m->id,
			     m->max_entries);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	len = (size_t)n;
	if (failed) {
		n = snprintf(buf + len, size - len, "; %llu inserts already failed (", (unsigned long long)failed);
		for (int i = 0; n >= 0 && (size_t)n < size - len && i < MAPSIZE_OVF_CLASSES; i++) {
			if (!m->failures[i])
				continue;
			len += (size_t)n;
			n = snprintf(buf + len, size - len, "%s%s %llu", buf[len - 1] == '(' ? "" : ", ",
				     mapsize_ovf_class__name(i), (unsigned long long)m->failures[i]);
		}
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
		n = snprintf(buf + len, size - len, ")");
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
	}
	return 0;
}

int mapsize_status__totals(const struct mapsize_status *st, double warn, double crit,
			   struct mapsize_status_totals *t)
{
	if (!st || !STRUCT_VALID(t, mapsize_status_totals))
		return -EINVAL;
	struct_out_reset(t);
	for (size_t i = 0; i < st->cnt; i++) {
		const struct mapsize_live_map *m = &st->maps[i];
		uint64_t failed = mapsize_live_map__failures(m);

		t->maps++;
		if (m->has_entries) {
			t->counted++;
			t->entries += m->entries;
			t->max_entries += m->max_entries;
		}
		t->memlock_bytes += m->memlock_bytes;
		t->update_failures = failed > UINT64_MAX - t->update_failures ? UINT64_MAX
									  : t->update_failures + failed;
		switch (mapsize_live_map__level(m, warn, crit)) {
		case MAPSIZE_FILL_WARN: t->warn++; break;
		case MAPSIZE_FILL_CRIT: t->crit++; break;
		default: break;
		}
	}
	return 0;
}

/* ---- growth ------------------------------------------------------------- */

int mapsize_live_map__growth(const struct mapsize_live_map *before, const struct mapsize_live_map *now,
			     double seconds, struct mapsize_growth *g)
{
	double delta;

	if (!before || !now || !STRUCT_VALID(g, mapsize_growth) || !before->has_entries ||
	    !now->has_entries || !(seconds > 0))
		return -EINVAL;
	struct_out_reset(g);
	delta = (double)now->entries - (double)before->entries;
	g->per_minute = delta * 60.0 / seconds;
	if (delta > 0 && now->entries < now->max_entries) {
		g->fills = true;
		g->seconds_to_full = ((double)now->max_entries - (double)now->entries) * seconds / delta;
	}
	return 0;
}

const char *mapsize_growth__str(const struct mapsize_growth *g, char *buf, size_t size)
{
	double r = g->per_minute, s = g->seconds_to_full;
	char rate[48], eta[48] = "";

	if (r == 0) {
		snprintf(buf, size, "steady");
		return buf;
	}
	if (fabs(r) >= 10 || r == floor(r))
		snprintf(rate, sizeof(rate), "%+.0f/min", r);
	else
		snprintf(rate, sizeof(rate), "%+.1f/min", r);
	if (g->fills) {
		if (s < 90)
			snprintf(eta, sizeof(eta), ", full in ~%.0f s", ceil(s));
		else if (s < 90 * 60)
			snprintf(eta, sizeof(eta), ", full in ~%.0f min", round(s / 60));
		else if (s < 48 * 3600)
			snprintf(eta, sizeof(eta), ", full in ~%.0f h", round(s / 3600));
		else
			snprintf(eta, sizeof(eta), ", full in ~%.0f d", round(s / 86400));
	}
	snprintf(buf, size, "%s%s", rate, eta);
	return buf;
}

/* ---- overflow counters to maps (status_attr.h) ------------------------------ */

/* a == b as C identifiers: what gen-header makes of a rules name ('.' and
 * anything outside [A-Za-z0-9_] become '_', a leading digit gets '_'). */
static bool ident_eq(const char *name, const char *ident, size_t max)
{
	size_t i = 0;

	if (*name >= '0' && *name <= '9' && *ident++ != '_')
		return false;
	for (; i < max && name[i]; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			c = '_';
		if (c != ident[i])
			return false;
	}
	return i == max || ident[i] == '\0';
}

static bool prefix_of_counter(const struct status_attr_map *m, const char *counter)
{
	return m->truncated && strlen(m->name) == 15 && strlen(counter) >= 15 && ident_eq(m->name, counter, 15);
}

int status_attr_pick(const char *const *counters, size_t counter_cnt, size_t c,
		     const struct status_attr_map *maps, size_t map_cnt, bool *pick)
{
	size_t exact = 0, cand = 0, last = 0;

	for (size_t i = 0; i < map_cnt; i++) {
		pick[i] = !maps[i].truncated && ident_eq(maps[i].name, counters[c], SIZE_MAX);
		exact += pick[i];
	}
	if (exact)
		return (int)exact;
	for (size_t i = 0; i < map_cnt; i++)
		if (prefix_of_counter(&maps[i], counters[c])) {
			cand++;
			last = i;
		}
	if (!cand)
		return 0;
	if (cand > 1)
		return -1;
	/* another counter with the same 15 bytes could be this map's as well */
	for (size_t o = 0; o < counter_cnt; o++)
		if (o != c && prefix_of_counter(&maps[last], counters[o]))
			return -1;
	pick[last] = true;
	return 1;
}
