// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench overhead, section (c): open + load of the demo object with
 * and without mapsize (rules + plan + apply) in between, interleaved rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>

#include "agent.skel.h"
#include "bench_common.h"

enum { OV_PLAIN, OV_MEDIUM, OV_PINNED, NOV };
static const char *const ov_name[NOV] = {
	"open + load (as compiled)",
	"open + rules + plan (medium) + apply + load",
	"open + rules + plan (pinned to the compiled sizes) + apply + load",
};

/* --set assignments that pin every ruled map to the object's compiled size
 * and preallocation, so the kernel does the same work as the plain load. */
static char pin_buf[MAX_MAPS * 2][128];
static const char *pin_sets[MAX_MAPS * 2];
static int pin_cnt;
static int ov_map_cnt, ov_prog_cnt;

static int pin_prepare(void)
{
	struct mapsize_plan *plan = make_plan("medium", NULL, 0);
	struct agent_bpf *skel;
	int ret = 0;

	if (!plan)
		return -EINVAL;
	skel = agent_bpf__open();
	if (!skel) {
		mapsize_plan__free(plan);
		return -errno;
	}
	{
		struct bpf_map *m;
		struct bpf_program *p;

		bpf_object__for_each_map(m, skel->obj)
			ov_map_cnt++;
		bpf_object__for_each_program(p, skel->obj)
			ov_prog_cnt++;
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan) && pin_cnt + 2 <= MAX_MAPS * 2; i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		struct bpf_map *m;
		uint32_t max, flags;

		if (pm->inner_of) {
			struct bpf_map *o = bpf_object__find_map_by_name(skel->obj, pm->inner_of);

			m = o ? bpf_map__inner_map(o) : NULL;
		} else {
			m = bpf_object__find_map_by_name(skel->obj, pm->name);
		}
		if (!m)
			continue;
		max = bpf_map__max_entries(m);
		flags = bpf_map__map_flags(m);
		if (pm->max_entries || max) {
			snprintf(pin_buf[pin_cnt], sizeof(pin_buf[0]), "maps.%s.max_entries=%u",
				 pm->name, max);
			pin_sets[pin_cnt] = pin_buf[pin_cnt];
			pin_cnt++;
		}
		if (pm->prealloc_toggle) {
			snprintf(pin_buf[pin_cnt], sizeof(pin_buf[0]), "maps.%s.prealloc=%s",
				 pm->name, flags & BPF_F_NO_PREALLOC ? "false" : "true");
			pin_sets[pin_cnt] = pin_buf[pin_cnt];
			pin_cnt++;
		}
	}
	agent_bpf__destroy(skel);
	mapsize_plan__free(plan);
	return ret;
}

struct ov_times {
	double total;		/* everything, ns */
	double plan;		/* rules + node + planner + plan */
	double apply;		/* apply + freeing the applied state after load */
	bool same_as_compiled;	/* every applied map kept its compiled size/flags */
};

static int ov_once(int v, struct ov_times *t)
{
	struct mapsize_plan *plan = NULL;
	struct mapsize_applied *applied = NULL;
	struct mapsize_error err;
	struct agent_bpf *skel;
	double t0, t1, t2, t3, t4, t5;
	int ret;

	memset(t, 0, sizeof(*t));
	t0 = now_ns();
	skel = agent_bpf__open();
	if (!skel)
		return -errno;
	t1 = now_ns();
	if (v != OV_PLAIN) {
		struct mapsize_node n = { .sz = sizeof(n) };

		if (!mapsize_node__read(&n))	/* part of planning on a live node */
			bench_node = n;
		plan = v == OV_PINNED ? make_plan("medium", pin_sets, pin_cnt)
				      : make_plan("medium", NULL, 0);
		if (!plan) {
			ret = -EINVAL;
			goto out;
		}
	}
	t2 = now_ns();
	if (plan) {
		memset(&err, 0, sizeof(err));
		applied = mapsize_plan__apply(plan, skel->obj, NULL, &err);
		if (!applied) {
			print_mapsize_error("apply", &err);
			ret = err.code ? err.code : -EINVAL;
			goto out;
		}
		t->same_as_compiled = true;
		for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++) {
			const struct mapsize_applied_map *am = mapsize_applied__map(applied, i);

			if (am->status == MAPSIZE_MAP_APPLIED &&
			    (am->max_entries != am->compiled_max_entries ||
			     am->map_flags != am->compiled_map_flags))
				t->same_as_compiled = false;
		}
	}
	t3 = now_ns();
	ret = agent_bpf__load(skel);
	t4 = now_ns();
	if (applied)
		mapsize_applied__free(applied);
	applied = NULL;
	mapsize_plan__free(plan);
	plan = NULL;
	t5 = now_ns();
	if (ret) {
		fprintf(stderr, "mapsize-bench: loading the demo object: %s\n", strerror(-ret));
		goto out;
	}
	t->total = t5 - t0;
	t->plan = t2 - t1;
	t->apply = (t3 - t2) + (t5 - t4);
out:
	if (applied)
		mapsize_applied__free(applied);
	mapsize_plan__free(plan);
	agent_bpf__destroy(skel);
	return ret;
}

/* Time the three variants over interleaved rounds, print section (c). */
int cmd_overhead(void)
{
	double total[NOV][MAX_ROUNDS], plan[NOV][MAX_ROUNDS], apply[NOV][MAX_ROUNDS];
	double mapsize_part[NOV][MAX_ROUNDS], ratio[NOV][MAX_ROUNDS];
	bool pinned_same = true;
	double t_start = now_ns();
	int ret;

	ret = pin_prepare();
	if (ret) {
		fprintf(stderr, "mapsize-bench: building the pinned plan: %s\n", strerror(-ret));
		return 1;
	}
	/* warm-up: page cache, libbpf's feature probes, the kernel's BTF */
	for (int v = 0; v < NOV; v++) {
		struct ov_times t;

		if (ov_once(v, &t))
			return 1;
	}
	for (int r = 0; r < bench_rounds; r++) {
		for (int k = 0; k < NOV; k++) {
			int v = (k + r) % NOV;	/* rotate the order every round */
			struct ov_times t;

			sleep_ms(20);	/* let the previous maps' deferred freeing settle */
			if (ov_once(v, &t))
				return 1;
			total[v][r] = t.total;
			plan[v][r] = t.plan;
			apply[v][r] = t.apply;
			mapsize_part[v][r] = t.plan + t.apply;
			if (v == OV_PINNED && !t.same_as_compiled)
				pinned_same = false;
		}
		for (int v = 0; v < NOV; v++)
			ratio[v][r] = total[v][r] / total[OV_PLAIN][r];
	}

	printf("## (c) Time mapsize adds to open + load\n\n");
	printf("The demo object opened from its skeleton and loaded (%d programs verified, %d maps "
	       "created), then destroyed; timed with CLOCK_MONOTONIC in one process.  *mapsize "
	       "part* = reading `examples/agent.rules.yaml` + `mapsize_node__read()` + planner "
	       "(built-in profile, node) + `mapsize_planner__plan()` + `mapsize_plan__apply()` "
	       "(which also creates the inner map template) + freeing the applied state after "
	       "load.  The *medium* plan loads smaller maps than the compiled ones, so the kernel "
	       "does less work; the *pinned* plan sets every ruled map back to its compiled size "
	       "and preallocation with `--set`-style assignments (%d of them; %s), so the kernel "
	       "work is the same as the plain load and the difference is mapsize's own cost.  %d "
	       "rounds, the three variants interleaved (order rotated every round, 20 ms pause "
	       "before each); medians over the rounds, ratio = median of the per-round ratios to "
	       "the plain load of the same round.\n\n",
	       ov_prog_cnt, ov_map_cnt, pin_cnt,
	       pinned_same ? "checked: every applied map kept its compiled max_entries and flags"
			   : "**warning: some applied map differed from its compiled size**",
	       bench_rounds);
	printf("| variant | total, median ms | ratio to open + load | mapsize part, median ms | of which plan | of which apply |\n");
	printf("|---|--:|--:|--:|--:|--:|\n");
	for (int v = 0; v < NOV; v++) {
		if (v == OV_PLAIN) {
			printf("| %s | %.2f | 1.000 | – | – | – |\n", ov_name[v],
			       median(total[v], bench_rounds) / 1e6);
			continue;
		}
		printf("| %s | %.2f | **%.3f** [%.3f–%.3f] | %.3f | %.3f | %.3f |\n", ov_name[v],
		       median(total[v], bench_rounds) / 1e6, median(ratio[v], bench_rounds),
		       quantile(ratio[v], bench_rounds, 0.25),
		       quantile(ratio[v], bench_rounds, 0.75),
		       median(mapsize_part[v], bench_rounds) / 1e6,
		       median(plan[v], bench_rounds) / 1e6, median(apply[v], bench_rounds) / 1e6);
	}
	{
		double part[MAX_ROUNDS];

		for (int r = 0; r < bench_rounds; r++)
			part[r] = mapsize_part[OV_MEDIUM][r] / total[OV_PLAIN][r];
		printf("\nThe mapsize part alone (medium) is %.1f%% of a plain open + load (median "
		       "of per-round ratios).  Section wall time %.1f s.\n\n",
		       100 * median(part, bench_rounds), (now_ns() - t_start) / 1e9);
		printf("**In short:** mapsize's own work (rules, plan, apply) takes %.2f ms, %.1f%% "
		       "of a plain open + load of %.1f ms; with the medium plan the whole open + load "
		       "takes %.2f× as long as with the compiled sizes, because the kernel allocates "
		       "less.\n\n",
		       median(mapsize_part[OV_MEDIUM], bench_rounds) / 1e6,
		       100 * median(part, bench_rounds), median(total[OV_PLAIN], bench_rounds) / 1e6,
		       median(ratio[OV_MEDIUM], bench_rounds));
	}
	return 0;
}
