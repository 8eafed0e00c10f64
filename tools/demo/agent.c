// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-demo-agent: the demo agent's user space.  It does what a real
 * agent does with libmapsize:
 *
 *	plan  = rules + cluster profile + this node        (plan_options__plan)
 *	skel  = agent_bpf__open()                           (Tetragon's sizes)
 *	apply = mapsize_plan__apply(plan, skel->obj, ...)   (planned sizes/flags)
 *	        agent_bpf__load(skel)
 *	        one inner map per policy                    (mapsize_plan__create_inner_map)
 *
 * and then reports what the kernel actually allocated for every map
 * (max_entries and flags from BPF_OBJ_GET_INFO_BY_FD, memlock from
 * /proc/self/fdinfo), as a table or JSON.  With --run it keeps the programs
 * attached for a while so the maps can be inspected with bpftool.  With
 * --fill MAP=COUNT it first inserts COUNT keys into MAP from BPF (fill.c),
 * so a map pushed past its size shows in the overflow counters.
 *
 * Exit status: 0 ok, 2 usage or input error, 1 any other failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "json.h"

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include "format.h"
#include "options.h"
#include "plan_file.h"
#include "agent.skel.h"
#include "fill.h"
#include "churn.h"
#include "report.h"

#ifndef DEMO_RULES
#define DEMO_RULES "examples/agent.rules.yaml"
#endif

#define EXIT_USAGE 2
#define POLICY_OUTER "policy_filter_maps"
#define MAX_INNER 4096

/* Mirrors of the BPF program's user-visible structs (tools/demo/agent.bpf.c). */
struct agent_conf {
	uint32_t nr_policies;
	uint32_t rate_limit;
	uint32_t override_policy;
	int32_t override_errno;
	uint32_t stack_policy_mask;
	uint32_t reserved[11];
};
_Static_assert(sizeof(struct agent_conf) == 64, "tg_conf_map value_size");

enum { EVENT_EXEC = 1, EVENT_CONNECT = 2 };
enum { STATS_COUNT, STATS_EUPDATE, STATS_EDELETE, STATS_MAX };

enum {
	OPT_RULES = OPT_PLAN_LAST,
	OPT_POLICIES,
	OPT_RUN,
	OPT_NO_ATTACH,
	OPT_FILL,
	OPT_PLAN_FILE,
	OPT_CGROUPS,
	OPT_CHURN,
};

static const struct option long_options[] = {
	PLAN_LONG_OPTIONS,
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "policies", required_argument, NULL, OPT_POLICIES },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "no-attach", no_argument, NULL, OPT_NO_ATTACH },
	{ "fill", required_argument, NULL, OPT_FILL },
	{ "plan", required_argument, NULL, OPT_PLAN_FILE },
	{ "cgroups", required_argument, NULL, OPT_CGROUPS },
	{ "churn", required_argument, NULL, OPT_CHURN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int verbose;
static volatile sig_atomic_t stopping;

/* ---- logging ------------------------------------------------------------ */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int mapsize_print(enum mapsize_print_level level, const char *fmt, va_list args)
{
	if (level == MAPSIZE_INFO && verbose < 1)
		return 0;
	if (level == MAPSIZE_DEBUG && verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mapsize-demo-agent [OPTIONS]\n"
"\n"
"Load the demo agent (a Tetragon-like BPF program) with its maps sized by\n"
"mapsize for this cluster and node, then report what the kernel allocated.\n"
"\n"
"Options:\n"
"  --rules FILE         map rules (default: %s)\n"
"  --policies N         policies to load: inner maps created in policy_filter_maps\n"
"                       (default 3)\n"
"  --run SECONDS        keep the programs attached for SECONDS, then exit\n"
"                       (inspect the maps with `bpftool map show`)\n"
"  --no-attach          load only; do not attach the programs\n"
"  --fill MAP=COUNT[@START]\n"
"                       after load, insert COUNT keys (START.., default %u) into\n"
"                       MAP from BPF (BPF_PROG_TEST_RUN of fill_map / fill_lpm,\n"
"                       through MAPSIZE_UPDATE) and report the inserts that failed\n"
"                       and the overflow counters; repeatable (up to %d)\n"
"  --plan FILE          apply this plan (`mapsize plan --format json -o FILE`, e.g.\n"
"                       from an init container) instead of planning here; the\n"
"                       plan options are then ignored, --rules must be its rules\n"
"  --cgroups N          policy i starts with N x i cgroup ids; its inner map is\n"
"                       sized for them (the rule's instance:, default 4)\n"
"  --churn COUNT        then add COUNT cgroup ids to policy 1 in batches, growing\n"
"                       its map through the outer slot when mapsize_inner__check()\n"
"                       says so, and report every growth and failed insert\n"
"  --format table|json  output format (default table)\n"
"  -v, --verbose        libbpf and mapsize info messages (-vv: debug)\n"
"  -h, --help           this help\n"
"\n", DEMO_RULES, DEMO_FILL_START, MAX_FILLS);
	plan_options__usage(out);
	fprintf(out,
"\n"
"Exit status: 0 ok, 2 usage or input error, 1 other failure (e.g. load).\n");
}

/* The prealloc-toggle list of --help: the rules planned for the default
 * (medium) profile, without the node, so it reads the same everywhere. */
static void usage_toggles(FILE *out, const char *rules_path)
{
	struct plan_options po;
	struct mapsize_plan *plan;

	plan_options__init(&po);
	po.map_size = "medium";
	plan = plan_options__plan(&po, rules_path, NULL);
	if (!plan) {
		fprintf(out, "\n(cannot list the maps of %s; see the error above)\n", rules_path);
		return;
	}
	fprintf(out, "\n%s, medium profile:\n", rules_path);
	plan_options__print_toggles(out, plan);
	mapsize_plan__free(plan);
}

static int parse_uint(const char *opt, const char *arg, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-' || v > max) {
		fprintf(stderr, "mapsize-demo-agent: %s: expected an integer 0..%lu, got '%s'\n",
			opt, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- kernel facts -------------------------------------------------------- */

/* ---- load-failure hints ----------------------------------------------------------- */

static void load_hint(int err)
{
	const char *hint;

	switch (-err) {
	case EPERM:
	case EACCES:
		hint = "loading needs root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN before 5.8)";
		break;
	case EINVAL:
	case ENOTSUP:
	case 524: /* ENOTSUPP: e.g. BPF_F_NO_PREALLOC on an LRU map */
		hint = "the kernel rejected a map size or flag (see libbpf's message above): "
		       "BPF_F_NO_PREALLOC may be unsupported for that map on this kernel "
		       "(try --bpf-maps-prealloc=true or --bpf-maps-enable-prealloc=MAP)";
		break;
	case ENOMEM:
	case E2BIG:
		hint = "not enough memory for the planned maps (memory cgroup limit, or "
		       "RLIMIT_MEMLOCK before 5.11): try a smaller --map-size or "
		       "--bpf-maps-prealloc=false";
		break;
	default:
		hint = "see libbpf's message above; -v shows more";
	}
	fprintf(stderr, "hint: %s\n", hint);
}

/* ---- run ---------------------------------------------------------------------------- */

struct run_counts {
	unsigned long long exec, connect, other;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct run_counts *c = ctx;
	uint32_t type;

	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type));
	if (type == EVENT_EXEC)
		c->exec++;
	else if (type == EVENT_CONNECT)
		c->connect++;
	else
		c->other++;
	return 0;
}

static void on_signal(int sig)
{
	stopping = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sum of a per-CPU s64 slot of execve_map_stats. */
static long long stats_sum(int fd, uint32_t slot)
{
	int ncpu = libbpf_num_possible_cpus();
	long long sum = 0;
	int64_t *vals;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(fd, &slot, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static int run_for(struct agent_bpf *skel, unsigned long seconds)
{
	struct run_counts counts = { 0 };
	struct ring_buffer *rb;
	struct sigaction sa;
	double deadline;
	int err = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &counts, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "mapsize-demo-agent: ring buffer: %s\n", strerror(-err));
		return err;
	}
	fprintf(stderr, "running for %lu s (pid %d): inspect with `bpftool map show`; "
		"Ctrl-C stops\n", seconds, (int)getpid());
	deadline = now_s() + (double)seconds;
	while (!stopping) {
		double left = deadline - now_s();
		int ms;

		if (left <= 0)
			break;
		ms = left > 0.2 ? 200 : (int)(left * 1000) + 1;
		err = ring_buffer__poll(rb, ms);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "mapsize-demo-agent: ring buffer poll: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);

	int sfd = bpf_map__fd(skel->maps.execve_map_stats);
	fprintf(stderr, "events: %llu exec, %llu connect; execve_map: %lld entries, "
		"%lld update errors, %lld delete misses (processes older than the agent)\n",
		counts.exec, counts.connect, stats_sum(sfd, STATS_COUNT),
		stats_sum(sfd, STATS_EUPDATE), stats_sum(sfd, STATS_EDELETE));
	return err;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *rules_path = DEMO_RULES, *plan_path = NULL;
	struct plan_options po;
	MAPSIZE_OPTS(mapsize_node, node);
	struct mapsize_node *nodep = &node;
	struct mapsize_plan *plan = NULL;
	struct mapsize_applied *applied = NULL;
	struct mapsize_error err;
	struct agent_bpf *skel = NULL;
	struct report rep = { 0 };
	struct bpf_map *map;
	unsigned long policies = 3, run_seconds = 0, cgroups = 4, v;
	bool help = false, attach = true, run = false;
	int inner_fds[MAX_INNER];
	size_t inner_cnt = 0, i;
	int opt, ret = 1, rc;

	plan_options__init(&po);
	while ((opt = getopt_long(argc, argv, "hv", long_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			help = true;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_RULES:
			rules_path = optarg;
			break;
		case OPT_POLICIES:
			if (parse_uint("--policies", optarg, MAX_INNER, &v))
				return EXIT_USAGE;
			policies = v;
			break;
		case OPT_RUN:
			if (parse_uint("--run", optarg, 365UL * 24 * 3600, &v))
				return EXIT_USAGE;
			run_seconds = v;
			run = true;
			break;
		case OPT_PLAN_FILE:
			plan_path = optarg;
			break;
		case OPT_NO_ATTACH:
			attach = false;
			break;
		case OPT_FILL:
			if (rep.fill_cnt == MAX_FILLS) {
				fprintf(stderr, "mapsize-demo-agent: at most %d --fill\n", MAX_FILLS);
				return EXIT_USAGE;
			}
			if (demo_fill__parse(optarg, &rep.fills[rep.fill_cnt]))
				return EXIT_USAGE;
			rep.fill_cnt++;
			break;
		case OPT_CGROUPS:
			if (parse_uint("--cgroups", optarg, 1UL << 20, &v))
				return EXIT_USAGE;
			cgroups = v;
			break;
		case OPT_CHURN:
			if (parse_uint("--churn", optarg, 1UL << 24, &v))
				return EXIT_USAGE;
			rep.churn.added = v;
			break;
		case '?':
			fprintf(stderr, "Try 'mapsize-demo-agent --help'.\n");
			return EXIT_USAGE;
		default:
			rc = plan_options__handle(&po, opt, optarg);
			if (rc < 0)
				return EXIT_USAGE;
			if (rc == 0) {
				fprintf(stderr, "mapsize-demo-agent: unexpected option\n");
				return EXIT_USAGE;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mapsize-demo-agent: unexpected argument '%s'\n"
			"Try 'mapsize-demo-agent --help'.\n", argv[optind]);
		return EXIT_USAGE;
	}

	mapsize_set_print(mapsize_print);
	libbpf_set_print(libbpf_print);

	if (help) {
		usage(stdout);
		usage_toggles(stdout, rules_path);
		return 0;
	}

	/* plan: from --plan, else rules + profile + this node */
	if (plan_path) {
		plan = plan_file__load(plan_path, rules_path);
		if (!plan)
			return EXIT_USAGE;
		goto planned;
	}
	rc = mapsize_node__read(&node);
	if (rc) {
		fprintf(stderr, "warning: cannot read this node (%s); planning from the profile "
			"alone\n", strerror(-rc));
		nodep = NULL;
	}
	plan = plan_options__plan(&po, rules_path, nodep);
	if (!plan)
		return EXIT_USAGE;
planned:

	/* open (Tetragon's sizes), apply the plan, load */
	skel = agent_bpf__open();
	if (!skel) {
		fprintf(stderr, "mapsize-demo-agent: opening the BPF object: %s\n", strerror(errno));
		goto out;
	}
	/* run by --fill through BPF_PROG_TEST_RUN only */
	bpf_program__set_autoattach(skel->progs.fill_map, false);
	bpf_program__set_autoattach(skel->progs.fill_lpm, false);
	bpf_object__for_each_map(map, skel->obj) {
		struct map_row *row = report_add(&rep);

		if (!row) {
			fprintf(stderr, "mapsize-demo-agent: out of memory\n");
			goto out;
		}
		snprintf(row->name, sizeof(row->name), "%s", bpf_map__name(map));
		row->have_compiled = true;
		row->compiled_max_entries = bpf_map__max_entries(map);
		row->compiled_map_flags = bpf_map__map_flags(map);
		row->status = "unmanaged";
	}

	memset(&err, 0, sizeof(err));
	applied = mapsize_plan__apply(plan, skel->obj, NULL, &err);
	if (!applied) {
		print_error(&err);
		/* a rule that does not match the object is an input error; the
		 * kernel refusing the inner map template is not */
		if (err.code == -EPERM || err.code == -EACCES || err.code == -ENOMEM) {
			load_hint(err.code);
			ret = 1;
		} else {
			ret = exit_code_for(err.code);
		}
		goto out;
	}
	for (i = 0; i < mapsize_applied__map_cnt(applied); i++) {
		const struct mapsize_applied_map *am = mapsize_applied__map(applied, i);

		if (am->status == MAPSIZE_MAP_MISSING) {
			fprintf(stderr, "warning: rule '%s' has no map in the BPF object\n",
				am->name);
			continue;
		}
		if (am->status != MAPSIZE_MAP_APPLIED)
			continue;
		for (size_t j = 0; j < rep.cnt; j++)
			if (!strcmp(rep.rows[j].name, am->name))
				rep.rows[j].status = "applied";
	}

	rc = agent_bpf__load(skel);
	mapsize_applied__free(applied);
	applied = NULL;
	if (rc) {
		fprintf(stderr, "mapsize-demo-agent: loading the BPF object failed: %s\n",
			strerror(-rc));
		load_hint(rc);
		goto out;
	}

	/* the agent's configuration: how many policy ids the programs scan */
	{
		struct agent_conf conf = {
			.nr_policies = (uint32_t)policies,
			.override_errno = -EPERM,
			.stack_policy_mask = 1,	/* policy 1 captures kernel stacks */
		};
		uint32_t zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.tg_conf_map), &zero, &conf, BPF_ANY)) {
			fprintf(stderr, "mapsize-demo-agent: writing tg_conf_map: %s\n",
				strerror(errno));
			goto out;
		}
	}

	/* one inner map per policy, as the agent would create when a policy loads */
	{
		int outer_fd = bpf_map__fd(skel->maps.policy_filter_maps);
		uint32_t outer_max = bpf_map__max_entries(skel->maps.policy_filter_maps);

		if (policies > outer_max) {
			fprintf(stderr, "mapsize-demo-agent: --policies %lu exceeds %s max_entries "
				"%u (sized from `policies`; raise it with --set policies=%lu)\n",
				policies, POLICY_OUTER, outer_max, policies);
			ret = EXIT_USAGE;
			goto out;
		}
		for (uint32_t id = 1; id <= policies; id++) {
			char name[32];
			int fd;

			snprintf(name, sizeof(name), "policy_%u_map", id);
			fd = demo_policy__create(plan, POLICY_OUTER, outer_fd, id, (uint64_t)cgroups * id, name);
			if (fd < 0) {
				if (fd == -EPERM || fd == -ENOMEM || fd == -EINVAL)
					load_hint(fd);
				goto out;
			}
			inner_fds[inner_cnt++] = fd;
		}
		/* --churn: policy 1 outgrows its map; it grows through its slot */
		if (rep.churn.added && inner_cnt) {
			rep.churn.policy = 1;
			rep.churn.start = cgroups;
			if (demo_churn__run(plan, POLICY_OUTER, outer_fd, &inner_fds[0], &rep.churn))
				goto out;
		}
	}

	if (attach) {
		rc = agent_bpf__attach(skel);
		if (rc)
			fprintf(stderr, "warning: attaching the programs failed (%s): is tracefs "
				"mounted (/sys/kernel/tracing)? The maps are loaded and reported "
				"anyway; --no-attach skips this step\n", strerror(-rc));
	}

	/* --fill: push maps past their size from BPF */
	for (i = 0; i < rep.fill_cnt; i++)
		if (demo_fill__run(skel->obj, &rep.fills[i]))
			goto out;

	/* the kernel's view of every map */
	for (i = 0; i < rep.cnt; i++) {
		struct map_row *row = &rep.rows[i];
		const struct mapsize_plan_map *pm;

		map = bpf_object__find_map_by_name(skel->obj, row->name);
		if (!map || row_from_fd(row, bpf_map__fd(map))) {
			fprintf(stderr, "mapsize-demo-agent: map %s: no kernel info\n", row->name);
			goto out;
		}
		pm = mapsize_plan__find(plan, row->name);
		if (pm && !strcmp(row->status, "applied") && pm->max_entries != row->max_entries)
			fprintf(stderr, "warning: map %s: the kernel reports max_entries %u, the "
				"plan said %u\n", row->name, row->max_entries, pm->max_entries);
		rep.total += row->memlock;
	}
	for (i = 0; i < inner_cnt; i++) {
		struct map_row *row = report_add(&rep);

		if (!row || row_from_fd(row, inner_fds[i])) {
			fprintf(stderr, "mapsize-demo-agent: inner map %zu: no kernel info\n", i + 1);
			goto out;
		}
		snprintf(row->name, sizeof(row->name), "policy_%zu_map", i + 1);
		row->status = "inner";
		row->inner_of = POLICY_OUTER;
		row->inner_key = (uint32_t)(i + 1);
		rep.total += row->memlock;
	}

	if (po.format == FORMAT_JSON) {
		if (print_json(&rep, plan, rules_path, nodep)) {
			fprintf(stderr, "mapsize-demo-agent: writing JSON failed\n");
			goto out;
		}
	} else {
		print_table(&rep, plan, rules_path, nodep);
	}
	fflush(stdout);

	ret = 0;
	if (run && run_for(skel, run_seconds))
		ret = 1;
out:
	for (i = 0; i < inner_cnt; i++)
		close(inner_fds[i]);
	if (applied)
		mapsize_applied__free(applied);
	agent_bpf__destroy(skel);
	if (plan)
		mapsize_plan__free(plan);
	free(rep.rows);
	return ret;
}
