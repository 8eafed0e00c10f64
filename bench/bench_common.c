// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench: helpers every benchmark uses (timing, medians and quantiles,
 * error printing, the bpf() probe) and the planning step the demo agent does.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>

#include "bench_common.h"

#ifndef BENCH_RULES
#define BENCH_RULES "examples/agent.rules.yaml"
#endif
#ifndef BENCH_MAPSIZE
#define BENCH_MAPSIZE "build/mapsize"
#endif

const char *bench_rules_path = BENCH_RULES;
const char *bench_mapsize_path = BENCH_MAPSIZE;
int bench_rounds = 31;
bool bench_rounds_set;
struct mapsize_node bench_node = { .sz = sizeof(struct mapsize_node) };

/* ---- timing and statistics ------------------------------------------------ */

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q (0..1) of v[0..n-1], linear between order statistics. */
double quantile(const double *v, int n, double q)
{
	double *s, pos, r;
	int i;

	if (n <= 0 || !(s = malloc((size_t)n * sizeof(*s))))
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	pos = q * (n - 1);
	i = (int)pos;
	r = i + 1 >= n ? s[n - 1] : s[i] + (pos - i) * (s[i + 1] - s[i]);
	free(s);
	return r;
}

double median(const double *v, int n)
{
	return quantile(v, n, 0.5);
}

/* ---- mapsize and bpf() ------------------------------------------------------ */

void print_mapsize_error(const char *what, const struct mapsize_error *err)
{
	char buf[1200];

	mapsize_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "mapsize-bench: %s: %s\n", what, buf);
}

/* Can this process create BPF maps at all?  0, or prints why not. */
int probe_bpf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsize_probe", 4, 4, 1, NULL);
	char unpriv[16] = "?";
	FILE *f;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fd = errno;
	f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "re");
	if (f) {
		if (!fgets(unpriv, sizeof(unpriv), f))
			snprintf(unpriv, sizeof(unpriv), "?");
		unpriv[strcspn(unpriv, "\n")] = '\0';
		fclose(f);
	}
	fprintf(stderr, "bpf() refused: BPF_MAP_CREATE failed with %s (errno %d, uid %u, "
		"kernel.unprivileged_bpf_disabled=%s)%s\n", strerror(fd), fd, (unsigned)geteuid(),
		unpriv,
		fd == EPERM || fd == EACCES ? ": run as root, or with CAP_BPF + CAP_PERFMON" :
		fd == ENOSYS ? ": the kernel is built without CONFIG_BPF_SYSCALL" : "");
	return -fd;
}

/* rules + built-in profile + this node (+ --set assignments) -> plan, as the
 * demo agent does it.  Every step is inside; the caller times the call. */
struct mapsize_plan *make_plan(const char *profile, const char *const *sets, int set_cnt)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = profile,
		.kernel_release = bench_node.kernel_release,
	};
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan = NULL;
	int ret;

	memset(&err, 0, sizeof(err));
	rules = mapsize_rules__load_file(bench_rules_path, &err);
	if (!rules) {
		print_mapsize_error("rules", &err);
		return NULL;
	}
	pl = mapsize_planner__new(&opts, &err);
	if (!pl) {
		print_mapsize_error("planner", &err);
		mapsize_rules__free(rules);
		return NULL;
	}
	ret = mapsize_planner__use_node(pl, &bench_node);
	for (int i = 0; !ret && i < set_cnt; i++)
		ret = mapsize_planner__set(pl, sets[i]);
	if (ret)
		print_mapsize_error("planner", mapsize_planner__error(pl));
	else if (!(plan = mapsize_planner__plan(pl, rules)))
		print_mapsize_error("plan", mapsize_planner__error(pl));
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return plan;
}
