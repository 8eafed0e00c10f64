// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize recommend --records FILE...`: the JSON Lines of `mapsize status
 * --record` (version 1) turned into per-map observations over the window. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include <stdarg.h>
#include "recommend.h"		/* src/core */
#include "recommend_input.h"

struct sample {
	size_t node, map;		/* indices into the node names and the rules' maps */
	int64_t time;
	size_t seq;			/* line order: ties in time keep it */
	uint64_t entries, failures, kernel_failures, evictions, drops;
	bool has_entries, has_failures, has_kernel_failures, has_evictions, has_drops;
};

/* The counters of a record's map: the agent's, then issue 18's kernel-side ones. */
static const struct {
	const char *key;
	size_t value, has;
} counter_keys[] = {
	{ "failures", offsetof(struct sample, failures), offsetof(struct sample, has_failures) },
	{ "kernel_failures", offsetof(struct sample, kernel_failures), offsetof(struct sample, has_kernel_failures) },
	{ "evictions", offsetof(struct sample, evictions), offsetof(struct sample, has_evictions) },
	{ "drops", offsetof(struct sample, drops), offsetof(struct sample, has_drops) },
};

struct reader {
	const struct rec_select *sel;
	struct sample *s;
	size_t cnt, cap;
	char **nodes;
	size_t node_cnt;
	const char *file;
	size_t line;
};

static int line_error(const struct reader *r, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int line_error(const struct reader *r, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%zu:%u: error: ", r->file, r->line, col);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int rec_parse_duration(const char *s, int64_t *seconds)
{
	char *end;
	unsigned long long v;
	int64_t unit = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || s[0] == '-' || !v)
		return -1;
	if (!strcmp(end, "w"))
		unit = 7 * 86400;
	else if (!strcmp(end, "d"))
		unit = 86400;
	else if (!strcmp(end, "h"))
		unit = 3600;
	else if (!strcmp(end, "m"))
		unit = 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (v > (unsigned long long)(INT64_MAX / unit))
		return -1;
	*seconds = (int64_t)v * unit;
	return 0;
}

static size_t node_index(struct reader *r, const char *name)
{
	char **n;

	for (size_t i = 0; i < r->node_cnt; i++)
		if (!strcmp(r->nodes[i], name))
			return i;
	n = realloc(r->nodes, (r->node_cnt + 1) * sizeof(*n));
	if (!n || !(n[r->node_cnt] = strdup(name))) {
		r->nodes = n ? n : r->nodes;
		return SIZE_MAX;
	}
	r->nodes = n;
	return r->node_cnt++;
}

static int rules_index(const struct mapsize_rules *rules, const char *name, size_t *idx)
{
	for (size_t i = 0; i < mapsize_rules__map_cnt(rules); i++)
		if (!strcmp(mapsize_rules__map_name(rules, i), name)) {
			*idx = i;
			return 0;
		}
	return -ENOENT;
}

/* The column of `"name"` in the line, for errors about that map. */
static unsigned int column_of(const char *line, const char *name)
{
	char quoted[80];
	const char *p;

	snprintf(quoted, sizeof(quoted), "\"%s\"", name);
	p = strstr(line, quoted);
	return p ? (unsigned int)(p - line) + 1 : 1;
}

static int add_sample(struct reader *r, const struct sample *s)
{
	if (r->cnt == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct sample *n = realloc(r->s, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->s = n;
		r->cap = cap;
	}
	r->s[r->cnt] = *s;
	r->s[r->cnt].seq = r->cnt;
	r->cnt++;
	return 0;
}

static int read_line(struct reader *r, const char *text, size_t len)
{
	const struct rec_select *sel = r->sel;
	struct jv_error jerr;
	jv_t *root = jv_loads(text, len, &jerr), *maps, *m;
	const char *node;
	int64_t t;
	uint64_t version;
	size_t i, ni;
	int ret = 0;

	if (!root)
		return line_error(r, jerr.column, "%s", jerr.text);
	if (!jv_is_object(root)) {
		ret = line_error(r, 1, "a record is a JSON object, expected a line of `mapsize status --record`");
		goto out;
	}
	if (!jv_u64_value(jv_object_get(root, "version"), &version) || version != 1) {
		ret = line_error(r, column_of(text, "version"), "record version %s, expected 1 (the format this "
				 "mapsize reads)", jv_is_integer(jv_object_get(root, "version")) ? "unsupported" : "missing");
		goto out;
	}
	if (!jv_is_integer(jv_object_get(root, "time"))) {
		ret = line_error(r, column_of(text, "time"), "no integer 'time', expected unix seconds");
		goto out;
	}
	t = jv_integer_value(jv_object_get(root, "time"));
	node = jv_string_value(jv_object_get(root, "node"));
	maps = jv_object_get(root, "maps");
	if (!node || !*node) {
		ret = line_error(r, column_of(text, "node"), "no 'node' string, expected the node's name");
		goto out;
	}
	if (!jv_is_array(maps)) {
		ret = line_error(r, column_of(text, "maps"), "no 'maps' array, expected the maps of this round");
		goto out;
	}
	if ((sel->node && strcmp(sel->node, node)) || t < sel->now - sel->window)
		goto out;	/* another node, or before the window (later is clock skew: kept) */
	ni = node_index(r, node);
	if (ni == SIZE_MAX) {
		ret = line_error(r, 1, "out of memory");
		goto out;
	}
	jv_array_foreach(maps, i, m) {
		struct sample s = { .node = ni, .time = t };
		const char *name = jv_string_value(jv_object_get(m, "name"));
		jv_t *e = jv_object_get(m, "entries");
		bool any_counter = false;

		if (!jv_is_object(m) || !name) {
			ret = line_error(r, 1, "map %zu has no 'name', expected {\"name\": ..., \"entries\": ...}", i);
			goto out;
		}
		if (rules_index(sel->rules, name, &s.map)) {
			ret = line_error(r, column_of(text, name), "map '%s' is not in %s, expected records of its "
					 "maps (record with `mapsize status --rules %s --record FILE`)", name,
					 sel->rules_path, sel->rules_path);
			goto out;
		}
		if (e && !(s.has_entries = jv_u64_value(e, &s.entries))) {
			ret = line_error(r, column_of(text, name), "map '%s': 'entries' is not a whole number", name);
			goto out;
		}
		for (size_t c = 0; c < sizeof(counter_keys) / sizeof(counter_keys[0]); c++) {
			jv_t *f = jv_object_get(m, counter_keys[c].key);
			bool *has = (bool *)((char *)&s + counter_keys[c].has);

			if (f && !(*has = jv_u64_value(f, (uint64_t *)((char *)&s + counter_keys[c].value)))) {
				ret = line_error(r, column_of(text, name), "map '%s': '%s' is not a whole number",
						 name, counter_keys[c].key);
				goto out;
			}
			any_counter |= *has;
		}
		if ((s.has_entries || any_counter) && add_sample(r, &s)) {
			ret = line_error(r, 1, "out of memory");
			goto out;
		}
	}
out:
	jv_decref(root);
	return ret;
}

static int read_file_lines(struct reader *r, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "%s: error: cannot open records: %s\n", path, strerror(errno));
		return 2;
	}
	r->file = path;
	r->line = 0;
	while (!ret && (n = getline(&line, &cap, f)) >= 0) {
		r->line++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		if (line[n - 1] != '}' && feof(f)) {
			ret = line_error(r, (unsigned int)n + 1, "the last line ends mid-record, expected a whole "
					 "JSON object (was the writer interrupted?)");
			break;
		}
		ret = read_line(r, line, (size_t)n);
	}
	free(line);
	fclose(f);
	return ret;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->map != y->map)
		return x->map < y->map ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One map's samples (sorted by node, then time) into its observation. */
static int observe(const struct rec_select *sel, const struct sample *s, size_t n, struct rec_obs *o,
		   char **nodes)
{
	uint64_t *all = malloc(n * sizeof(*all)), *node_peak = malloc(n * sizeof(*node_peak)),
		 *node_demand = malloc(n * sizeof(*node_demand)), *series = malloc(n * sizeof(*series));
	uint64_t (*node_beyond)[3] = malloc(n * sizeof(*node_beyond));	/* failures, evictions, drops */
	size_t k = 0, nn = 0, pick;
	int ret = -ENOMEM;

	if (!all || !node_peak || !node_demand || !series || !node_beyond)
		goto out;
	for (size_t i = 0; i < n;) {
		size_t j = i, len = 0;
		/* per counter_keys[]: the increase within the window, the last value */
		uint64_t peak = 0, inc[4] = { 0 }, last[4] = { 0 }, demand;
		bool have_last[4] = { false };

		for (; j < n && s[j].node == s[i].node; j++) {
			if (s[j].has_entries) {
				all[k++] = s[j].entries;
				series[len++] = s[j].entries;
				peak = s[j].entries > peak ? s[j].entries : peak;
			}
			for (size_t c = 0; c < 4; c++) {
				uint64_t v = *(const uint64_t *)((const char *)&s[j] + counter_keys[c].value);

				if (!*(const bool *)((const char *)&s[j] + counter_keys[c].has))
					continue;
				/* counters: sum the increases; a smaller value means
				 * the agent restarted or the counters were attached
				 * again, counting from zero */
				if (have_last[c])
					inc[c] = sat_add(inc[c], recommend_counter_increase(last[c], v));
				last[c] = v;
				have_last[c] = true;
			}
		}
		if (recommend_is_leak(series, len) && !o->leak) {
			o->leak = true;
			snprintf(o->leak_node, sizeof(o->leak_node), "%s", nodes[s[i].node]);
		}
		/* the kernel counts the agent's failed inserts too: the larger, not the sum */
		node_beyond[nn][0] = inc[0] > inc[1] ? inc[0] : inc[1];
		node_beyond[nn][1] = inc[2];
		node_beyond[nn][2] = inc[3];
		demand = sat_add(sat_add(sat_add(peak, node_beyond[nn][0]), inc[2]), inc[3]);
		node_peak[nn] = peak;
		node_demand[nn] = demand;
		nn++;
		i = j;
	}
	o->samples = k;
	o->nodes = nn;
	if (k >= 100) {
		o->has_p99 = true;
		o->p99 = recommend_percentile(all, k, 99);
	}
	pick = recommend_percentile_index(node_demand, nn, sel->percentile);
	o->demand = node_demand[pick];
	o->overflow = node_beyond[pick][0];
	o->evictions = node_beyond[pick][1];
	o->drops = node_beyond[pick][2];
	o->peak = recommend_percentile(node_peak, nn, sel->percentile);
	ret = 0;
out:
	free(node_beyond);
	free(all);
	free(node_peak);
	free(node_demand);
	free(series);
	return ret;
}

int rec_read_records(const char *const *files, size_t file_cnt, const struct rec_select *sel,
		     struct rec_input *out)
{
	struct reader r = { .sel = sel };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < file_cnt && !ret; i++)
		ret = read_file_lines(&r, files[i]);
	if (!ret && !r.cnt) {
		fprintf(stderr, "%s: error: no samples of %s's maps in the window (the last %lld s%s%s), expected "
			"records newer than %lld\n", files[0], sel->rules_path, (long long)sel->window,
			sel->node ? " on node " : "", sel->node ? sel->node : "", (long long)(sel->now - sel->window));
		ret = 2;
	}
	if (!ret) {
		qsort(r.s, r.cnt, sizeof(*r.s), cmp_sample);
		out->maps = calloc(mapsize_rules__map_cnt(sel->rules) + 1, sizeof(*out->maps));
		if (!out->maps)
			ret = 1;
		for (size_t i = 0; !ret && i < r.cnt;) {
			size_t j = i;
			struct rec_obs *o = &out->maps[out->cnt++];

			while (j < r.cnt && r.s[j].map == r.s[i].map)
				j++;
			o->name = mapsize_rules__map_name(sel->rules, r.s[i].map);
			if (observe(sel, r.s + i, j - i, o, r.nodes))
				ret = 1;
			i = j;
		}
		for (size_t i = 0; i < r.cnt; i++)
			out->newest = r.s[i].time > out->newest ? r.s[i].time : out->newest;
		out->node_cnt = r.node_cnt;
		if (ret == 1)
			fprintf(stderr, "error: out of memory\n");
	}
	for (size_t i = 0; i < r.node_cnt; i++)
		free(r.nodes[i]);
	free(r.nodes);
	free(r.s);
	return ret;
}

void rec_input_free(struct rec_input *in)
{
	free(in->maps);
	memset(in, 0, sizeof(*in));
}
