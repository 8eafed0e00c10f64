// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize recommend --prometheus URL`: the observations of every managed
 * map from a Prometheus that scrapes `mapsize status --format prometheus`
 * (src/core/status_prometheus.c's series), through its HTTP API: per node
 * (the `instance` label, or --node-label) max_over_time, count_over_time and
 * quantile_over_time of mapsize_map_entries, the increase (max_over_time -
 * min_over_time) of the failed-insert counters (the agent's
 * mapsize_map_update_failures_total, issue 18's
 * mapsize_map_insert_failures_total), of mapsize_map_evictions_total and
 * mapsize_ringbuf_drops_total, and a query_range for the leak test.  Every
 * instant query is `max by (map, NODE)`: maps sharing a full name carry one
 * more label (pin, prog or id, see status_prometheus.c), and each figure is
 * the largest of theirs. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "prom_http.h"
#include "recommend.h"		/* src/core */
#include "recommend_input.h"

#define MAX_NODES 4096

struct node_obs {
	bool seen;
	uint64_t peak, count, p99, failures, evictions, drops;
	bool leak;
};

struct prom {
	const struct prom_source *src;
	const struct rec_select *sel;
	char selector[8192];
	char *nodes[MAX_NODES];
	size_t node_cnt;
	struct node_obs *obs;		/* [map][node]: map_cnt x MAX_NODES, allocated lazily per map */
	struct node_obs **per_map;
	size_t map_cnt;
};

static int prom_error(const struct prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int prom_error(const struct prom *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", p->src->url);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* GET path?query=...: the `data.result` array of a successful answer. */
static int query(struct prom *p, const char *path, const char *promql, const char *extra, jv_t **root,
		 jv_t **result)
{
	char *q = prom_http_escape(promql), *body = NULL, *url, why[512];
	size_t len = 0;
	long status = 0;
	struct jv_error jerr;
	const char *st, *msg;
	int ret;

	*root = NULL;
	if (!q)
		return prom_error(p, "out of memory");
	if (asprintf(&url, "%s%s%s?query=%s&time=%lld%s", p->src->url,
		     p->src->url[strlen(p->src->url) - 1] == '/' ? "" : "/", path, q, (long long)p->sel->now,
		     extra ? extra : "") < 0) {
		free(q);
		return prom_error(p, "out of memory");
	}
	free(q);
	ret = prom_http_get(&p->src->http, url, &body, &len, &status, why, sizeof(why));
	free(url);
	if (ret)
		return prom_error(p, "cannot query Prometheus: %s", why);
	*root = jv_loads(body, len, &jerr);
	if (!*root) {
		ret = prom_error(p, "HTTP %ld, the answer to %s is not JSON (line %u, column %u: %s), expected the "
				 "Prometheus HTTP API", status, promql, jerr.line, jerr.column, jerr.text);
		free(body);
		return ret;
	}
	free(body);
	st = jv_string_value(jv_object_get(*root, "status"));
	msg = jv_string_value(jv_object_get(*root, "error"));
	if (status != 200 || !st || strcmp(st, "success")) {
		ret = prom_error(p, "HTTP %ld for %s: %s", status, promql,
				 msg ? msg : "no \"status\": \"success\", expected the Prometheus HTTP API");
		jv_decref(*root);
		*root = NULL;
		return ret;
	}
	*result = jv_object_get(jv_object_get(*root, "data"), "result");
	if (!jv_is_array(*result)) {
		jv_decref(*root);
		*root = NULL;
		return prom_error(p, "the answer to %s has no data.result array, expected a vector or matrix", promql);
	}
	return 0;
}

static size_t node_index(struct prom *p, const char *name)
{
	for (size_t i = 0; i < p->node_cnt; i++)
		if (!strcmp(p->nodes[i], name))
			return i;
	if (p->node_cnt == MAX_NODES || !(p->nodes[p->node_cnt] = strdup(name)))
		return SIZE_MAX;
	return p->node_cnt++;
}

/* The (map, node) a series is about. */
static struct node_obs *series_obs(struct prom *p, const jv_t *metric)
{
	const char *name = jv_string_value(jv_object_get(metric, "map"));
	const char *node = jv_string_value(jv_object_get(metric, p->src->node_label));
	size_t ni;

	if (!name)
		return NULL;
	ni = node_index(p, node ? node : "");
	if (ni == SIZE_MAX)
		return NULL;
	for (size_t i = 0; i < p->map_cnt; i++) {
		if (strcmp(mapsize_rules__map_name(p->sel->rules, i), name))
			continue;
		if (!p->per_map[i] && !(p->per_map[i] = calloc(MAX_NODES, sizeof(struct node_obs))))
			return NULL;
		p->per_map[i][ni].seen = true;
		return &p->per_map[i][ni];
	}
	return NULL;	/* the selector asked for the rules' maps only */
}

/* A sample value: Prometheus sends numbers as strings ("1200", "1.5e+03"). */
static bool sample_value(const jv_t *pair, uint64_t *out)
{
	const char *s = jv_string_value(jv_array_get(pair, 1));
	char *end;
	double d;

	if (!s)
		return false;
	d = strtod(s, &end);
	if (end == s || *end || !(d >= 0) || d >= 18446744073709551615.0)
		return false;
	*out = (uint64_t)llround(d);
	return true;
}

enum field { F_PEAK, F_COUNT, F_P99, F_FAILURES, F_EVICTIONS, F_DROPS };

static void raise_to(uint64_t *field, uint64_t v)
{
	*field = v > *field ? v : *field;
}

static int instant(struct prom *p, const char *promql, enum field f)
{
	jv_t *root, *result, *s;
	size_t i;
	int ret = query(p, "api/v1/query", promql, NULL, &root, &result);

	if (ret)
		return ret;
	jv_array_foreach(result, i, s) {
		struct node_obs *o = series_obs(p, jv_object_get(s, "metric"));
		uint64_t v;

		if (!o)
			continue;
		if (!sample_value(jv_object_get(s, "value"), &v)) {
			jv_decref(root);
			return prom_error(p, "result %zu of %s has no numeric value, expected [time, \"number\"]", i, promql);
		}
		/* one series per (map, node) after `max by`; the larger still
		 * when a --node-label query finds more.  Failures come from two
		 * families (the agent's, and the kernel's with the agent's as
		 * source="agent"): the kernel sees the agent's failed inserts
		 * too, so the larger, not the sum */
		switch (f) {
		case F_PEAK: raise_to(&o->peak, v); break;
		case F_COUNT: raise_to(&o->count, v); break;
		case F_P99: raise_to(&o->p99, v); break;
		case F_FAILURES: raise_to(&o->failures, v); break;
		case F_EVICTIONS: raise_to(&o->evictions, v); break;
		case F_DROPS: raise_to(&o->drops, v); break;
		}
	}
	jv_decref(root);
	return 0;
}

static int leaks(struct prom *p, const char *promql)
{
	int64_t step = p->sel->window / 200 > 0 ? p->sel->window / 200 : 1;
	char extra[128];
	jv_t *root, *result, *s;
	size_t i;
	int ret;

	snprintf(extra, sizeof(extra), "&start=%lld&end=%lld&step=%lld", (long long)(p->sel->now - p->sel->window),
		 (long long)p->sel->now, (long long)step);
	ret = query(p, "api/v1/query_range", promql, extra, &root, &result);
	if (ret)
		return ret;
	jv_array_foreach(result, i, s) {
		struct node_obs *o = series_obs(p, jv_object_get(s, "metric"));
		jv_t *values = jv_object_get(s, "values"), *pair;
		uint64_t *v = calloc(jv_array_size(values) + 1, sizeof(*v));
		size_t j, n = 0;

		if (!v) {
			jv_decref(root);
			return prom_error(p, "out of memory");
		}
		jv_array_foreach(values, j, pair)
			if (sample_value(pair, &v[n]))
				n++;
		if (o && recommend_is_leak(v, n))
			o->leak = true;
		free(v);
	}
	jv_decref(root);
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Per map: the percentile across nodes, as recommend_records.c does. */
static int aggregate(struct prom *p, struct rec_input *out)
{
	uint64_t *peaks = calloc(MAX_NODES, sizeof(*peaks)), *demands = calloc(MAX_NODES, sizeof(*demands));
	const struct node_obs **picked = calloc(MAX_NODES, sizeof(*picked));
	int ret = 0;

	out->maps = calloc(p->map_cnt + 1, sizeof(*out->maps));
	if (!peaks || !demands || !picked || !out->maps) {
		ret = prom_error(p, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < p->map_cnt; i++) {
		struct rec_obs *o = &out->maps[out->cnt];
		size_t nn = 0, pick;

		if (!p->per_map[i])
			continue;
		for (size_t n = 0; n < p->node_cnt; n++) {
			struct node_obs *no = &p->per_map[i][n];

			if (!no->seen || !no->count)
				continue;
			o->samples += no->count;
			peaks[nn] = no->peak;
			demands[nn] = sat_add(sat_add(sat_add(no->peak, no->failures), no->evictions), no->drops);
			picked[nn] = no;
			o->p99 = no->p99 > o->p99 ? no->p99 : o->p99;
			if (no->leak && !o->leak) {
				o->leak = true;
				snprintf(o->leak_node, sizeof(o->leak_node), "%s", p->nodes[n]);
			}
			nn++;
		}
		if (!nn)
			continue;
		o->name = mapsize_rules__map_name(p->sel->rules, i);
		o->nodes = nn;
		o->has_p99 = o->samples >= 100;
		pick = recommend_percentile_index(demands, nn, p->sel->percentile);
		o->demand = demands[pick];
		o->overflow = picked[pick]->failures;
		o->evictions = picked[pick]->evictions;
		o->drops = picked[pick]->drops;
		o->peak = recommend_percentile(peaks, nn, p->sel->percentile);
		out->cnt++;
	}
	out->node_cnt = p->node_cnt;
	out->newest = p->sel->now;
	if (!out->cnt)
		ret = prom_error(p, "no samples of %s's maps in the window (mapsize_map_entries%s over the last %lld s), "
				 "expected a Prometheus scraping `mapsize status --format prometheus`",
				 p->sel->rules_path, p->selector, (long long)p->sel->window);
done:
	free(peaks);
	free(demands);
	free(picked);
	return ret;
}

int rec_read_prometheus(const struct prom_source *src, const struct rec_select *sel, struct rec_input *out)
{
	struct prom p = { .src = src, .sel = sel, .map_cnt = mapsize_rules__map_cnt(sel->rules) };
	size_t off;
	char q[16384], by[128];
	long long w = (long long)sel->window;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	p.per_map = calloc(p.map_cnt + 1, sizeof(*p.per_map));
	if (!p.per_map)
		return prom_error(&p, "out of memory");
	/* the rules' maps (inner templates live under other names); a map
	 * sharing its full name with another has the same `map` label */
	off = (size_t)snprintf(p.selector, sizeof(p.selector), "{map=~\"(");
	for (size_t i = 0, first = 1; i < p.map_cnt && off < sizeof(p.selector); i++) {
		const char *name = mapsize_rules__map_name(sel->rules, i);

		if (strchr(name, '.'))
			continue;
		off += (size_t)snprintf(p.selector + off, sizeof(p.selector) - off, "%s%s", first ? "" : "|", name);
		first = 0;
	}
	if (off < sizeof(p.selector))
		off += (size_t)snprintf(p.selector + off, sizeof(p.selector) - off, ")\"");
	if (sel->node && off < sizeof(p.selector))
		off += (size_t)snprintf(p.selector + off, sizeof(p.selector) - off, ",%s=\"%s\"", src->node_label,
					sel->node);
	if (off + 2 >= sizeof(p.selector)) {
		ret = prom_error(&p, "too many maps in %s for one query", sel->rules_path);
		goto out;
	}
	strcat(p.selector, "}");
	snprintf(by, sizeof(by), "max by (map, %s)", src->node_label);
#define Q(...) (snprintf(q, sizeof(q), __VA_ARGS__), q)
	ret = instant(&p, Q("%s (count_over_time(mapsize_map_entries%s[%llds]))", by, p.selector, w), F_COUNT);
	if (!ret)
		ret = instant(&p, Q("%s (max_over_time(mapsize_map_entries%s[%llds]))", by, p.selector, w), F_PEAK);
	if (!ret)
		ret = instant(&p, Q("%s (quantile_over_time(0.99, mapsize_map_entries%s[%llds]))", by, p.selector, w),
			      F_P99);
	/* counters within the window: last minus first, summed over errno
	 * (exact for integers, where increase() extrapolates; a reset within
	 * the window undercounts).  Insert failures: the larger source. */
#define INCREASE(family, sum) Q("%s (%s(max_over_time(" family "%s[%llds]) - min_over_time(" family "%s[%llds])))", \
				by, sum, p.selector, w, p.selector, w)
	if (!ret)
		ret = instant(&p, INCREASE("mapsize_map_update_failures_total", "sum without (errno) "), F_FAILURES);
	if (!ret)
		ret = instant(&p, INCREASE("mapsize_map_insert_failures_total", "sum without (errno) "), F_FAILURES);
	if (!ret)
		ret = instant(&p, INCREASE("mapsize_map_evictions_total", ""), F_EVICTIONS);
	if (!ret)
		ret = instant(&p, INCREASE("mapsize_ringbuf_drops_total", ""), F_DROPS);
#undef INCREASE
	if (!ret)
		ret = leaks(&p, Q("mapsize_map_entries%s", p.selector));
#undef Q
	if (!ret)
		ret = aggregate(&p, out);
out:
	for (size_t i = 0; i < p.map_cnt; i++)
		free(p.per_map[i]);
	free(p.per_map);
	for (size_t i = 0; i < p.node_cnt; i++)
		free(p.nodes[i]);
	if (ret)
		rec_input_free(out);
	return ret;
}
