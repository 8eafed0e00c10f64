// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize recommend`: from what the maps reached over a window to the
 * profile that fits it.  Per managed map the observed peak (plus failed
 * inserts, LRU evictions and ring-buffer drops: demand the map refused or
 * pushed out), max_entries = demand x headroom rounded
 * as the rule rounds, and the value of the one dimension its max_entries
 * expression depends on; the largest value per dimension is written as a
 * profile override (base: + dimensions:) and checked by planning with it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_status.h"
#include "json.h"
#include "recommend.h"		/* src/core */
#include "recommend_input.h"
#include "kube.h"

enum recommend_option {
	OPT_RULES = OPT_PLAN_LAST + 1, OPT_RECORDS, OPT_PROMETHEUS, OPT_WINDOW, OPT_HEADROOM, OPT_PERCENTILE,
	OPT_NODE, OPT_OUTPUT, OPT_BEARER, OPT_CA_FILE, OPT_TIMEOUT, OPT_NODE_LABEL,
};

#define MAX_RECORD_FILES 64

struct recommend_args {
	const char *rules, *output, *node;
	struct prom_source prom;
	const char *records[MAX_RECORD_FILES];
	size_t record_cnt;
	const char *window_text;
	int64_t window;
	double headroom, percentile;
};

/* One managed map's answer. */
struct rec_map {
	const struct rec_obs *obs;
	const struct mapsize_plan_map *pm;	/* in the current plan */
	uint64_t target;			/* demand x headroom */
	uint64_t recommended;			/* max_entries the profile gives it */
	bool solved, override, shrink;
	struct recommend_solution sol;
};

struct rec_dim {
	char name[64];
	uint64_t value, current;
	const char *driven_by;
};

static void recommend_usage(FILE *out)
{
	fprintf(out,
		"Usage: mapsize recommend --rules RULES [plan options] (--records FILE [FILE...] | --prometheus URL\n"
		"                         [--bearer-token-file FILE] [--ca-file FILE] [--timeout S] [--node-label L])\n"
		"                         [--window DURATION] [--headroom K] [--percentile P] [--node NAME]\n"
		"                         [-o PROFILE.yaml] [--format table|json]\n\n"
		"From what the maps reached to the profile that fits: per managed map the peak over the window\n"
		"(failed inserts, LRU evictions and ring-buffer drops count as demand beyond max_entries),\n"
		"max_entries = demand x headroom rounded as the rule rounds, and the dimension its max_entries\n"
		"expression depends on solved for it.  The largest value per dimension is written as a profile\n"
		"override (base: + dimensions:) for --profile, checked by planning with it: every observed peak\n"
		"stays within 1/headroom of its max_entries.\n\n"
		"  --records FILE...  JSON Lines of `mapsize status --rules RULES --record FILE` (and FILE.1)\n"
		"  --prometheus URL   a Prometheus scraping `mapsize status --format prometheus`: max_over_time,\n"
		"                     quantile_over_time of mapsize_map_entries per node (label --node-label,\n"
		"                     default instance); --bearer-token-file, --ca-file, --timeout (default 30 s)\n"
		"  --window DURATION  the samples of the last DURATION (s, m, h, d, w; default 7d)\n"
		"  --headroom K       max_entries over peak demand (default 2)\n"
		"  --percentile P     across nodes: the peak P %% of the nodes stay within (default 100: the largest)\n"
		"  --node NAME        one node's records\n"
		"  -o FILE            write the profile override there (atomically)\n\n");
	plan_options__usage(out);
}

static int parse_double(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= lo) || v > hi) {
		fprintf(stderr, "error: %s '%s': expected a number in [%g, %g]\n", opt, arg, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int recommend_option(struct recommend_args *a, struct plan_options *po, int opt, const char *arg)
{
	switch (opt) {
	case OPT_RULES: a->rules = arg; return 0;
	case OPT_RECORDS:
		if (a->record_cnt >= MAX_RECORD_FILES)
			return fprintf(stderr, "error: more than %d --records files\n", MAX_RECORD_FILES), -1;
		a->records[a->record_cnt++] = arg;
		return 0;
	case OPT_PROMETHEUS: a->prom.url = arg; return 0;
	case OPT_BEARER: a->prom.http.bearer_token_file = arg; return 0;
	case OPT_CA_FILE: a->prom.http.ca_file = arg; return 0;
	case OPT_NODE_LABEL: a->prom.node_label = arg; return 0;
	case OPT_TIMEOUT: {
		double t;

		if (parse_double("--timeout", arg, 1, 3600, &t))
			return -1;
		a->prom.http.timeout_seconds = (long)t;
		return 0;
	}
	case OPT_WINDOW:
		a->window_text = arg;
		if (rec_parse_duration(arg, &a->window))
			return fprintf(stderr, "error: --window '%s': expected a duration such as 7d, 12h, 30m\n",
				       arg), -1;
		return 0;
	case OPT_HEADROOM: return parse_double("--headroom", arg, 1, 1000, &a->headroom);
	case OPT_PERCENTILE:
		if (parse_double("--percentile", arg, 0, 100, &a->percentile))
			return -1;
		if (!(a->percentile > 0))
			return fprintf(stderr, "error: --percentile 0: expected more than 0\n"), -1;
		return 0;
	case OPT_NODE: a->node = arg; return 0;
	case 'o': a->output = arg; return 0;
	case OPT_FORMAT: {
		int f = FORMAT_PARSE(arg, FORMAT_TABLE, FORMAT_JSON);

		po->format = f < 0 ? po->format : (enum output_format)f;
		return f < 0 ? -1 : 0;
	}
	default:
		return plan_options__handle(po, opt, arg) > 0 ? 0 : -1;
	}
}

static int parse_recommend_args(int argc, char **argv, struct recommend_args *a, struct plan_options *po)
{
	static const struct option opts[] = {
		PLAN_LONG_OPTIONS,
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "records", required_argument, NULL, OPT_RECORDS },
		{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "headroom", required_argument, NULL, OPT_HEADROOM },
		{ "percentile", required_argument, NULL, OPT_PERCENTILE },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "bearer-token-file", required_argument, NULL, OPT_BEARER },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "node-label", required_argument, NULL, OPT_NODE_LABEL },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	plan_options__init(po);
	po->format = FORMAT_TABLE;
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (opt == 'h') {
			recommend_usage(stdout);
			exit(0);
		}
		if (opt == '?' || recommend_option(a, po, opt, optarg))
			goto usage;
	}
	/* --records FILE...: the files after the first are plain arguments */
	for (; optind < argc && a->record_cnt; optind++) {
		if (a->record_cnt >= MAX_RECORD_FILES) {
			fprintf(stderr, "error: more than %d --records files\n", MAX_RECORD_FILES);
			goto usage;
		}
		a->records[a->record_cnt++] = argv[optind];
	}
	if (optind != argc) {
		fprintf(stderr, "error: unexpected argument '%s', expected --records FILE... before it\n", argv[optind]);
		goto usage;
	}
	if (!a->rules) {
		fprintf(stderr, "error: no --rules RULES, expected the rules of the maps observed\n");
		goto usage;
	}
	if (!a->record_cnt == !a->prom.url) {
		fprintf(stderr, "error: expected one source of observations: --records FILE... or --prometheus URL\n");
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "see: mapsize recommend --help\n");
	return -1;
}

/* The current plan's answer for every observed map. */
static int solve_maps(const struct recommend_args *a, const struct plan_options *po,
		      const struct mapsize_rules *rules, const struct mapsize_plan *plan,
		      const struct rec_input *in, struct rec_map *out)
{
	struct replan_ctx rc = { .po = po, .rules = rules };

	for (size_t i = 0; i < in->cnt; i++) {
		struct rec_map *m = &out[i];
		int ret;

		m->obs = &in->maps[i];
		m->pm = mapsize_plan__find(plan, m->obs->name);
		if (!m->pm) {
			fprintf(stderr, "error: map '%s' of %s is not in the plan\n", m->obs->name, a->rules);
			return 2;
		}
		m->target = recommend_target(m->obs->demand, a->headroom);
		m->shrink = m->obs->demand < m->pm->expected_entries / 8;
		ret = recommend_solve(rules, plan, m->obs->name, m->target, status_replan, &rc, &m->sol);
		if (ret && ret != -ENOENT) {
			fprintf(stderr, "error: map '%s': cannot re-plan: %s\n", m->obs->name, strerror(-ret));
			return 1;
		}
		m->solved = !ret;
		if (m->solved) {
			m->recommended = m->sol.max_entries;
		} else {
			m->recommended = recommend_round(rules, m->obs->name, m->target);
			/* an unsolvable map gets a fixed override only when its
			 * max_entries is short of the demand: a constant sized by
			 * the program (error sites, CPUs) is not shrunk to a peak */
			m->override = m->pm->max_entries && m->pm->max_entries < m->target;
			if (!m->override)
				m->recommended = m->pm->max_entries;
		}
	}
	return 0;
}

/* The largest value per dimension, naming the map that drove it. */
static size_t drive_dims(const struct rec_map *maps, size_t cnt, struct rec_dim *dims)
{
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++) {
		const struct rec_map *m = &maps[i];
		size_t j;

		if (!m->solved)
			continue;
		for (j = 0; j < n && strcmp(dims[j].name, m->sol.dimension); j++)
			;
		if (j == n) {
			snprintf(dims[n].name, sizeof(dims[n].name), "%s", m->sol.dimension);
			dims[n].current = m->sol.current;
			n++;
		}
		if (!dims[j].driven_by || m->sol.value > dims[j].value) {
			dims[j].value = m->sol.value;
			dims[j].driven_by = m->obs->name;
		}
	}
	return n;
}

static const struct rec_map *find_map(const struct rec_map *maps, size_t cnt, const char *name)
{
	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(maps[i].obs->name, name))
			return &maps[i];
	return NULL;
}

static char *profile_yaml(const struct recommend_args *a, const struct mapsize_plan *plan,
			  const struct rec_map *maps, size_t cnt, const struct rec_dim *dims, size_t dim_cnt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool any_override = false;

	if (!f)
		return NULL;
	fprintf(f, "# Generated by: mapsize recommend --rules %s --window %s --headroom %g --percentile %g%s%s\n",
		a->rules, a->window_text, a->headroom, a->percentile, a->node ? " --node " : "", a->node ? a->node : "");
	fprintf(f, "# Use with: mapsize plan %s --profile THIS_FILE (after any --profile it was made with)\n", a->rules);
	fprintf(f, "name: recommended\nbase: %s\ndimensions:\n", mapsize_plan__base_profile(plan));
	for (size_t i = 0; i < dim_cnt; i++) {
		const struct rec_map *m = find_map(maps, cnt, dims[i].driven_by);

		fprintf(f, "  %s: %llu", dims[i].name, (unsigned long long)dims[i].value);
		fprintf(f, "  # driven by %s: demand %llu x %g -> max_entries %u (was %s %llu)%s\n", m->obs->name,
			(unsigned long long)m->obs->demand, a->headroom, m->sol.max_entries, dims[i].name,
			(unsigned long long)dims[i].current,
			!strcmp(dims[i].name, "cpus") || !strcmp(dims[i].name, "memory") ?
			"; read from the node when a plan runs on one" : "");
	}
	if (!dim_cnt)
		fprintf(f, "  {}\n");
	for (size_t i = 0; i < cnt; i++) {
		if (!maps[i].override)
			continue;
		if (!any_override)
			fprintf(f, "maps:\n");
		any_override = true;
		fprintf(f, "  %s:\n    max_entries: %llu  # %s\n", maps[i].obs->name,
			(unsigned long long)maps[i].recommended, maps[i].sol.reason);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Plan with the written profile: every observed demand within 1/headroom
 * of its max_entries.  0, or 1 after naming the first map that is not. */
static int self_check(const struct recommend_args *a, const struct plan_options *po,
		      const struct mapsize_rules *rules, const char *yaml, const struct rec_map *maps, size_t cnt,
		      size_t *checked)
{
	struct mapsize_error err;
	struct mapsize_planner *pl = plan_options__planner(po, NULL, &err);
	struct mapsize_plan *plan = NULL;
	int ret = 1;

	if (!pl) {
		print_error(&err);
		return 1;
	}
	if (mapsize_planner__add_profile(pl, yaml, strlen(yaml), a->output ? a->output : "<recommended profile>") ||
	    !(plan = mapsize_planner__plan(pl, rules))) {
		print_error(mapsize_planner__error(pl));
		goto out;
	}
	*checked = 0;
	for (size_t i = 0; i < cnt; i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, maps[i].obs->name);

		if (!pm || !pm->max_entries)
			continue;	/* 0: one per CPU (perf_event_array) or storage of the object */
		if ((double)maps[i].obs->demand * a->headroom > (double)pm->max_entries) {
			fprintf(stderr, "error: self-check: with the recommended profile map '%s' gets max_entries "
				"%u, below its demand %llu x headroom %g\n", pm->name, pm->max_entries,
				(unsigned long long)maps[i].obs->demand, a->headroom);
			goto out;
		}
		(*checked)++;
	}
	ret = 0;
out:
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	return ret;
}

static void print_table(const struct rec_map *maps, size_t cnt, const struct rec_dim *dims, size_t dim_cnt,
			size_t checked, const struct recommend_args *a)
{
	char p99[24];

	printf("%-28s %10s %10s %10s %10s %10s %12s %12s  %s\n", "MAP", "PEAK", "P99", "FAILED", "EVICTED", "DROPPED",
	       "MAX_ENTRIES", "RECOMMENDED", "DIMENSION / NOTE");
	for (size_t i = 0; i < cnt; i++) {
		const struct rec_map *m = &maps[i];

		snprintf(p99, sizeof(p99), m->obs->has_p99 ? "%llu" : "-", (unsigned long long)m->obs->p99);
		printf("%-28s %10llu %10s %10llu %10llu %10llu %12u %12llu  ", m->obs->name,
		       (unsigned long long)m->obs->peak, p99, (unsigned long long)m->obs->overflow,
		       (unsigned long long)m->obs->evictions, (unsigned long long)m->obs->drops, m->pm->max_entries,
		       (unsigned long long)m->recommended);
		if (m->solved)
			printf("%s=%llu", m->sol.dimension, (unsigned long long)m->sol.value);
		else
			printf("unsolved: %s", m->sol.reason);
		if (m->shrink)
			printf("; shrink candidate (below 1/8 of expected %llu)", (unsigned long long)m->pm->expected_entries);
		if (m->obs->leak)
			printf("; likely leak (steady growth on %s)", m->obs->leak_node);
		printf("\n");
	}
	printf("\nDimensions (headroom %g):\n", a->headroom);
	for (size_t i = 0; i < dim_cnt; i++)
		printf("  %-12s %llu (was %llu), driven by %s\n", dims[i].name, (unsigned long long)dims[i].value,
		       (unsigned long long)dims[i].current, dims[i].driven_by);
	printf("Self-check: the plan with this profile holds all %zu observed maps within 1/%g of max_entries\n",
	       checked, a->headroom);
}

static jv_t *result_json(const struct rec_map *maps, size_t cnt, const struct rec_dim *dims, size_t dim_cnt,
			 size_t checked, const struct recommend_args *a, const struct rec_input *in,
			 const struct mapsize_plan *plan)
{
	jv_t *root = jv_root(), *jm = jv_array(), *jd = jv_object(), *ju = jv_array(), *sc = jv_object();

	jv_object_set_new(root, "base", jv_string(mapsize_plan__base_profile(plan)));
	jv_object_set_new(root, "window_seconds", jv_integer(a->window));
	jv_object_set_new(root, "headroom", jv_real(a->headroom));
	jv_object_set_new(root, "percentile", jv_real(a->percentile));
	jv_object_set_new(root, "nodes", jv_u64(in->node_cnt));
	for (size_t i = 0; i < cnt; i++) {
		const struct rec_map *m = &maps[i];
		jv_t *o = jv_object();

		jv_object_set_new(o, "name", jv_string(m->obs->name));
		jv_object_set_new(o, "samples", jv_u64(m->obs->samples));
		jv_object_set_new(o, "peak", jv_u64(m->obs->peak));
		jv_object_set_new(o, "p99", m->obs->has_p99 ? jv_u64(m->obs->p99) : jv_null());
		jv_object_set_new(o, "failures", jv_u64(m->obs->overflow));
		jv_object_set_new(o, "evictions", jv_u64(m->obs->evictions));
		jv_object_set_new(o, "drops", jv_u64(m->obs->drops));
		jv_object_set_new(o, "demand", jv_u64(m->obs->demand));
		jv_object_set_new(o, "max_entries", jv_u64(m->pm->max_entries));
		jv_object_set_new(o, "expected_entries", jv_u64(m->pm->expected_entries));
		jv_object_set_new(o, "target", jv_u64(m->target));
		jv_object_set_new(o, "recommended_max_entries", jv_u64(m->recommended));
		jv_object_set_new(o, "dimension", m->solved ? jv_string(m->sol.dimension) : jv_null());
		jv_object_set_new(o, "dimension_value", m->solved ? jv_u64(m->sol.value) : jv_null());
		jv_object_set_new(o, "reason", m->solved ? jv_null() : jv_string(m->sol.reason));
		jv_object_set_new(o, "shrink_candidate", jv_boolean(m->shrink));
		jv_object_set_new(o, "leak", jv_boolean(m->obs->leak));
		jv_array_append_new(jm, o);
		if (!m->solved) {
			jv_t *u = jv_object();

			jv_object_set_new(u, "name", jv_string(m->obs->name));
			jv_object_set_new(u, "recommended_max_entries", jv_u64(m->recommended));
			jv_object_set_new(u, "override", jv_boolean(m->override));
			jv_object_set_new(u, "reason", jv_string(m->sol.reason));
			jv_array_append_new(ju, u);
		}
	}
	for (size_t i = 0; i < dim_cnt; i++) {
		jv_t *o = jv_object();

		jv_object_set_new(o, "value", jv_u64(dims[i].value));
		jv_object_set_new(o, "current", jv_u64(dims[i].current));
		jv_object_set_new(o, "driven_by", jv_string(dims[i].driven_by));
		jv_object_set_new(jd, dims[i].name, o);
	}
	jv_object_set_new(root, "maps", jm);
	jv_object_set_new(root, "dimensions", jd);
	jv_object_set_new(root, "unsolved", ju);
	jv_object_set_new(sc, "ok", jv_boolean(true));
	jv_object_set_new(sc, "maps_checked", jv_u64(checked));
	jv_object_set_new(root, "self_check", sc);
	return root;
}

int do_recommend(int argc, char **argv)
{
	struct recommend_args a = { .headroom = 2, .percentile = 100, .window = 7 * 86400, .window_text = "7d",
				    .prom = { .node_label = "instance", .http.timeout_seconds = 30 } };
	struct plan_options po;
	struct mapsize_error err;
	struct mapsize_rules *rules = NULL;
	struct mapsize_plan *plan = NULL;
	struct rec_input in = { 0 };
	struct rec_map *maps = NULL;
	struct rec_dim *dims = NULL;
	size_t dim_cnt = 0, checked = 0;
	char *yaml = NULL;
	int status;

	if (parse_recommend_args(argc, argv, &a, &po))
		return 2;
	rules = mapsize_rules__load_file(a.rules, &err);
	if (!rules) {
		print_error(&err);
		return 2;
	}
	plan = plan_options__plan(&po, a.rules, NULL);
	status = plan ? 0 : 2;
	if (!status) {
		struct rec_select sel = { .now = time(NULL), .window = a.window, .percentile = a.percentile,
					  .node = a.node, .rules = rules, .rules_path = a.rules };

		status = a.prom.url ? rec_read_prometheus(&a.prom, &sel, &in)
				    : rec_read_records(a.records, a.record_cnt, &sel, &in);
	}
	if (!status) {
		maps = calloc(in.cnt + 1, sizeof(*maps));
		dims = calloc(in.cnt + 1, sizeof(*dims));
		status = maps && dims ? solve_maps(&a, &po, rules, plan, &in, maps) : 1;
	}
	if (!status) {
		dim_cnt = drive_dims(maps, in.cnt, dims);
		yaml = profile_yaml(&a, plan, maps, in.cnt, dims, dim_cnt);
		status = yaml ? self_check(&a, &po, rules, yaml, maps, in.cnt, &checked) : 1;
	}
	/* the file only after the self-check passed: no profile that does not hold */
	if (!status && a.output && mapsize_file__write_atomic(a.output, yaml, strlen(yaml), &err)) {
		print_error(&err);
		status = 1;
	}
	if (!status) {
		if (po.format == FORMAT_JSON)
			status = print_json(result_json(maps, in.cnt, dims, dim_cnt, checked, &a, &in, plan));
		else
			print_table(maps, in.cnt, dims, dim_cnt, checked, &a);
	}
	free(yaml);
	free(maps);
	free(dims);
	rec_input_free(&in);
	mapsize_plan__free(plan);
	mapsize_rules__free(rules);
	return status;
}
