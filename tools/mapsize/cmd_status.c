// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status`: the BPF maps loaded on this machine, how full each is,
 * which inserts already failed; table, JSON or Prometheus; once, or every
 * --watch seconds with growth rates; optionally against this node's plan. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_status.h"
#include "status_sleep.h"

enum status_option {
	OPT_NAME = OPT_PLAN_LAST + 1, OPT_ID, OPT_PID, OPT_PINNED, OPT_WARN, OPT_CRIT, OPT_WATCH, OPT_TEXTFILE,
	OPT_COUNT_METHOD, OPT_MAX_WALK, OPT_FAIL_ON, OPT_RULES, OPT_ROUNDS, OPT_NO_PIDS, OPT_HELP_STATUS,
	OPT_KERNEL_COUNTERS, OPT_COUNTERS_PIN,
	OPT_RECORD, OPT_RECORD_MAX_BYTES,
};

struct status_args {
	struct mapsize_status_opts opts;
	enum status_format format;
	bool format_set;
	double warn, crit, watch;
	long rounds;			/* --watch rounds; 0 = forever */
	const char *textfile, *rules;
	int fail_on;			/* 0 none, 1 warn, 2 crit */
	bool kernel_counters;		/* attach them for the command's duration */
	const char *counters_pin;	/* where `mapsize counters attach` pinned them */
	const char *record;		/* --record FILE */
	uint64_t record_max_bytes;
};

/* Exit status when --fail-on's level is reached: distinct from 1 (failure)
 * and 2 (usage), so scripts can tell "a map is full" from "it broke". */
#define EXIT_THRESHOLD 3

static void status_usage(FILE *out)
{
	fprintf(out,
		"Usage: mapsize status [--name GLOB] [--id N] [--pid PID] [--pinned PATH]\n"
		"                      [--format table|json|prometheus] [--warn RATIO] [--crit RATIO]\n"
		"                      [--fail-on warn|crit] [--count-method auto|kfunc|memlock|batch|iterate|none]\n"
		"                      [--max-walk N] [--watch SECONDS [--rounds N]] [--textfile PATH]\n"
		"                      [--no-pids] [--rules RULES [plan options]]\n"
		"                      [--kernel-counters] [--counters-pin DIR]\n"
		"                      [--record FILE [--record-max-bytes N]]\n\n"
		"Lists the BPF maps loaded on this machine with their live entries (each labelled with how it\n"
		"was counted), fill ratio, memlock, owning processes and the failed inserts counted by\n"
		"<mapsize/bpf_overflow.h>.  Needs root (CAP_BPF and CAP_SYS_ADMIN).\n\n"
		"  --name GLOB            maps whose full name or kernel name matches (the kernel keeps 15 bytes;\n"
		"                         the rest comes from the map's BTF, its pin path, else --rules); a GLOB\n"
		"                         that matches nothing exits 1 naming the nearest maps\n"
		"  --warn, --crit RATIO   warn at this fill ratio (default 0.80, 0.95); one line per map on stderr\n"
		"  --fail-on warn|crit    exit %d when a map reaches that level (or already dropped inserts)\n"
		"  --watch SECONDS        repeat; shows growth per minute and the time to full\n"
		"  --textfile PATH        write the Prometheus text atomically (node_exporter textfile collector)\n"
		"  --max-walk N           bound of the key walk of --count-method iterate (default 1000000)\n"
		"  --rules RULES          put this node's plan beside the live maps: verdict and --set that fits\n"
		"  --kernel-counters      attach the kernel-side counters for this command (failed inserts,\n"
		"                         LRU evictions, ring-buffer drops of every map; see mapsize counters)\n"
		"  --counters-pin DIR     where mapsize counters attach pinned them (default " MAPSIZE_COUNTERS_PIN_DIR ");\n"
		"                         read when present\n"
		"  --record FILE          append one JSON line per round (with --rules: the plan's maps only),\n"
		"                         the input of `mapsize recommend --records`\n"
		"  --record-max-bytes N   past N bytes FILE becomes FILE.1 (default 64 MiB; 0: never)\n\n",
		EXIT_THRESHOLD);
	plan_options__usage(out);
}

static int parse_ratio(const char *opt, const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v > 0) || v > 1) {
		fprintf(stderr, "error: %s '%s': expected a ratio in (0, 1], e.g. 0.8\n", opt, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_u64(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end == arg || *end || errno || arg[0] == '-' || v > max) {
		fprintf(stderr, "error: %s '%s': expected a whole number up to %llu\n", opt, arg,
			(unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int status_option(struct status_args *a, struct plan_options *po, int opt, const char *arg)
{
	uint64_t v;
	char *end;

	switch (opt) {
	case OPT_NAME: a->opts.name_glob = arg; return 0;
	case OPT_ID:
		if (parse_u64("--id", arg, UINT32_MAX, &v))
			return -1;
		if (!v)
			return fprintf(stderr, "error: --id 0: map ids start at 1\n"), -1;
		a->opts.id = (uint32_t)v;
		return 0;
	case OPT_PID:
		if (parse_u64("--pid", arg, INT_MAX, &v) || !v)
			return -1;
		a->opts.pid = (int)v;
		return 0;
	case OPT_PINNED: a->opts.pinned = arg; return 0;
	case OPT_WARN: return parse_ratio("--warn", arg, &a->warn);
	case OPT_CRIT: return parse_ratio("--crit", arg, &a->crit);
	case OPT_WATCH:
		a->watch = strtod(arg, &end);
		if (end == arg || *end || !(a->watch > 0) || a->watch > 86400) {
			fprintf(stderr, "error: --watch '%s': expected seconds between 0 and 86400, e.g. 10\n", arg);
			return -1;
		}
		return 0;
	case OPT_ROUNDS:
		if (parse_u64("--rounds", arg, LONG_MAX, &v))
			return -1;
		a->rounds = (long)v;
		return 0;
	case OPT_TEXTFILE: a->textfile = arg; return 0;
	case OPT_COUNT_METHOD:
		if (mapsize_count_method__from_name(arg, &a->opts.method)) {
			fprintf(stderr, "error: --count-method '%s': expected auto, kfunc, memlock, batch, iterate "
				"or none\n", arg);
			return -1;
		}
		return 0;
	case OPT_MAX_WALK:
		if (parse_u64("--max-walk", arg, UINT64_MAX, &a->opts.max_walk) || !a->opts.max_walk)
			return a->opts.max_walk ? -1 : (fprintf(stderr, "error: --max-walk must be at least 1\n"), -1);
		return 0;
	case OPT_FAIL_ON:
		if (!strcmp(arg, "warn"))
			a->fail_on = 1;
		else if (!strcmp(arg, "crit"))
			a->fail_on = 2;
		else
			return fprintf(stderr, "error: --fail-on '%s': expected warn or crit\n", arg), -1;
		return 0;
	case OPT_RULES: a->rules = arg; return 0;
	case OPT_RECORD: a->record = arg; return 0;
	case OPT_RECORD_MAX_BYTES: return parse_u64("--record-max-bytes", arg, UINT64_MAX, &a->record_max_bytes);
	case OPT_NO_PIDS: a->opts.no_pids = true; return 0;
	case OPT_KERNEL_COUNTERS: a->kernel_counters = true; return 0;
	case OPT_COUNTERS_PIN: a->counters_pin = arg; return 0;
	case OPT_FORMAT: {
		int f = FORMAT_PARSE(arg, FORMAT_TABLE, FORMAT_JSON, FORMAT_PROMETHEUS);

		a->format_set = true;
		a->format = (enum status_format)f;
		return f < 0 ? -1 : 0;
	}
	default: {
		int r = plan_options__handle(po, opt, arg);

		return r > 0 ? 0 : -1;
	}
	}
}

static int parse_status_args(int argc, char **argv, struct status_args *a, struct plan_options *po)
{
	static const struct option opts[] = {
		PLAN_LONG_OPTIONS,
		{ "name", required_argument, NULL, OPT_NAME },
		{ "id", required_argument, NULL, OPT_ID },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "pinned", required_argument, NULL, OPT_PINNED },
		{ "warn", required_argument, NULL, OPT_WARN },
		{ "crit", required_argument, NULL, OPT_CRIT },
		{ "watch", required_argument, NULL, OPT_WATCH },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "count-method", required_argument, NULL, OPT_COUNT_METHOD },
		{ "max-walk", required_argument, NULL, OPT_MAX_WALK },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "no-pids", no_argument, NULL, OPT_NO_PIDS },
		{ "kernel-counters", no_argument, NULL, OPT_KERNEL_COUNTERS },
		{ "counters-pin", required_argument, NULL, OPT_COUNTERS_PIN },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "record-max-bytes", required_argument, NULL, OPT_RECORD_MAX_BYTES },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	plan_options__init(po);
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			status_usage(stdout);
			exit(0);
		}
		if (opt == '?' || status_option(a, po, opt, optarg))
			goto usage;
	}
	if (optind != argc) {
		fprintf(stderr, "error: mapsize status takes no RULES argument, found '%s' (use --rules FILE)\n",
			argv[optind]);
		goto usage;
	}
	if (a->warn > a->crit) {
		fprintf(stderr, "error: --warn %.2f is above --crit %.2f, expected warn <= crit\n", a->warn, a->crit);
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "see: mapsize status --help\n");
	return -1;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line per map at WARN or CRIT.  In --watch mode a map is reported
 * again only when it gets worse, so a full map does not flood the log. */
static int report_levels(const struct status_args *a, const struct mapsize_status *st,
			 const struct mapsize_status *prev)
{
	int worst = 0;

	for (size_t i = 0; i < mapsize_status__map_cnt(st); i++) {
		const struct mapsize_live_map *m = mapsize_status__map(st, i);
		const struct mapsize_live_map *p = prev ? mapsize_status__find_id(prev, m->id) : NULL;
		int level = mapsize_live_map__level(m, a->warn, a->crit);
		char line[512];

		if (level > worst)
			worst = level;
		if (p && (int)mapsize_live_map__level(p, a->warn, a->crit) >= level &&
		    mapsize_live_map__failures(p) == mapsize_live_map__failures(m))
			continue;
		if (level && !mapsize_live_map__warning(m, a->warn, a->crit, line, sizeof(line)))
			fprintf(stderr, "%s\n", line);
	}
	return worst;
}

/* The kernel-side counters' families after the status's own. */
static int kc_prometheus(const struct status_view *v, char **text)
{
	const struct status_kcounters *kc = v->kc;
	char *more = NULL, *all;
	int ret;

	if (!kc || !kc->handle)
		return 0;
	ret = mapsize_counters__prometheus(v->st, kc->maps, kc->cnt, kc->since, &more);
	if (ret)
		return ret;
	if (asprintf(&all, "%s%s", *text, more) < 0) {
		free(more);
		return -ENOMEM;
	}
	free(more);
	free(*text);
	*text = all;
	return 0;
}

static int emit(const struct status_args *a, const struct status_view *v)
{
	char *text = NULL;
	struct mapsize_error err;
	int ret = 0;

	if (a->format == STATUS_PROMETHEUS || a->textfile) {
		if (mapsize_status__prometheus(v->st, &text) || kc_prometheus(v, &text)) {
			fprintf(stderr, "error: out of memory\n");
			free(text);
			return 1;
		}
	}
	if (a->record && status_record_append(a->record, a->record_max_bytes, v))
		ret = 1;
	if (a->textfile && mapsize_file__write_atomic(a->textfile, text, strlen(text), &err)) {
		print_error(&err);
		ret = 1;
	}
	if ((!a->textfile && !a->record) || a->format_set) {
		if (a->format == STATUS_PROMETHEUS)
			fputs(text, stdout);
		else if (a->format == STATUS_JSON)
			ret |= print_json(status_json(v));
		else
			status_print_table(v);
		fflush(stdout);
	}
	free(text);
	return ret;
}

/* --name matched nothing: say so with the nearest names among the maps the
 * other filters keep (read again without counting), exit 1. */
static int report_no_match(const struct status_args *a)
{
	struct mapsize_status_opts o = a->opts;
	const struct mapsize_live_map *near[3];
	struct mapsize_status *all = NULL;
	struct mapsize_error err;
	size_t n;

	o.name_glob = NULL;
	o.method = MAPSIZE_COUNT_NONE;
	o.no_pids = !o.pid;
	if (mapsize_status__read(&o, &all, &err)) {
		fprintf(stderr, "error: --name '%s' matches no map\n", a->opts.name_glob);
		return 1;
	}
	n = mapsize_status__nearest(all, a->opts.name_glob, near, ARRAY_SIZE(near));
	fprintf(stderr, "error: --name '%s' matches no map (full or kernel name)", a->opts.name_glob);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(near[j]->name, near[i]->name);
		if (!seen)
			fprintf(stderr, "%s%s", i ? ", " : "; nearest: ", near[i]->name);
	}
	fprintf(stderr, "%s\n", n ? "" : "; no BPF map is loaded");
	mapsize_status__free(all);
	return 1;
}

/* The one line for a failed read, and its exit status. */
static int report_read_error(int ret, const struct mapsize_error *err)
{
	if (ret == -EPERM) {
		fprintf(stderr, "error: mapsize status needs root (CAP_BPF and CAP_SYS_ADMIN) to read BPF maps: %s\n",
			strerror(-ret));
		return 1;
	}
	print_error(err);
	return ret == -ENOENT || ret == -EINVAL ? 2 : 1;
}

int do_status(int argc, char **argv)
{
	struct status_args a = { .opts.sz = sizeof(a.opts), .warn = 0.80, .crit = 0.95,
				 .record_max_bytes = STATUS_RECORD_MAX_BYTES };
	struct mapsize_node node = { .sz = sizeof(node) };
	struct mapsize_status *st = NULL, *prev = NULL;
	struct mapsize_status_reader *reader;
	struct status_kcounters kc;
	struct mapsize_error rerr;
	struct status_check *checks = NULL;
	struct status_instance *instances = NULL;
	struct mapsize_plan *plan = NULL;
	struct plan_options po;
	struct mapsize_rules *rules = NULL;
	const char **rule_names = NULL;
	struct mapsize_planner *pl;
	double t_prev = 0;
	int status = 0, worst = 0;

	if (parse_status_args(argc, argv, &a, &po))
		return 2;
	if (a.rules) {
		if (mapsize_node__read(&node)) {
			fprintf(stderr, "error: cannot read the node's CPUs and memory\n");
			return 1;
		}
		/* read once: every --watch round re-plans from these rules */
		rules = mapsize_rules__load_file(a.rules, &rerr);
		pl = rules ? plan_options__planner(&po, &node, &rerr) : NULL;
		plan = pl ? mapsize_planner__plan(pl, rules) : NULL;
		if (!plan) {
			print_error(pl ? mapsize_planner__error(pl) : &rerr);
			mapsize_planner__free(pl);
			mapsize_rules__free(rules);
			return 2;
		}
		mapsize_planner__free(pl);
		/* the rules' names extend kernel names nothing else extends */
		rule_names = calloc(mapsize_rules__map_cnt(rules) + 1, sizeof(*rule_names));
		if (!rule_names) {
			fprintf(stderr, "error: out of memory\n");
			mapsize_plan__free(plan);
			mapsize_rules__free(rules);
			return 1;
		}
		for (size_t i = 0; i < mapsize_rules__map_cnt(rules); i++)
			rule_names[i] = mapsize_rules__map_name(rules, i);
		a.opts.full_names = rule_names;
		a.opts.full_name_cnt = mapsize_rules__map_cnt(rules);
	}
	status_kc_open(&kc, a.counters_pin ? a.counters_pin : MAPSIZE_COUNTERS_PIN_DIR, a.kernel_counters);
	reader = mapsize_status_reader__new(&a.opts, &rerr);
	if (!reader) {
		status = report_read_error(-errno, &rerr);
		free(rule_names);
		status_kc_close(&kc);
		mapsize_plan__free(plan);
		mapsize_rules__free(rules);
		return status;
	}
	for (long round = 0;; round++) {
		struct mapsize_error err;
		struct status_view v = { .warn = a.warn, .crit = a.crit, .plan = plan, .kc = &kc };
		double t = now_seconds();
		int ret = mapsize_status_reader__read(reader, &st, &err);

		if (ret) {
			status = report_read_error(ret, &err);
			break;
		}
		if (!round && a.opts.name_glob && !mapsize_status__map_cnt(st)) {
			status = report_no_match(&a);
			break;
		}
		if (status_kc_read(&kc)) {
			status = 1;
			break;
		}
		v.st = st;
		v.prev = prev;
		v.seconds = t - t_prev;
		free(checks);
		checks = NULL;
		if (plan && status_checks_build(&po, rules, &node, plan, st, a.warn, &checks, &v.check_cnt)) {
			status = 2;
			break;
		}
		status_kc_adjust_checks(&kc, checks, v.check_cnt);
		v.checks = checks;
		free(instances);
		instances = NULL;
		if (plan && status_instances_build(plan, checks, v.check_cnt, st, &instances, &v.instance_cnt)) {
			status = 2;
			break;
		}
		v.instances = instances;
		if (emit(&a, &v))
			status = 1;
		ret = report_levels(&a, st, prev);
		worst = ret > worst ? ret : worst;
		ret = status_kc_warn(&v);
		worst = ret > worst ? ret : worst;
		mapsize_status__free(prev);
		prev = st;
		st = NULL;
		t_prev = t;
		if (!a.watch || (a.rounds && round + 1 >= a.rounds) || status)
			break;
		if (a.format == STATUS_TABLE && ((!a.textfile && !a.record) || a.format_set))
			printf("\n");
		status_watch_sleep(a.watch);
	}
	mapsize_status__free(st);
	mapsize_status__free(prev);
	mapsize_status_reader__free(reader);
	status_kc_close(&kc);
	free(checks);
	free(instances);
	mapsize_plan__free(plan);
	mapsize_rules__free(rules);
	free(rule_names);
	if (!status && a.fail_on && worst >= a.fail_on)
		status = EXIT_THRESHOLD;
	return status;
}
