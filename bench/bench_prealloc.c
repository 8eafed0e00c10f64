// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench prealloc, section (b): one hash map preallocated vs
 * BPF_F_NO_PREALLOC at several fill levels; update+delete, burst and lookup
 * ns/op measured in the kernel with BPF_PROG_TEST_RUN (bench/prealloc.bpf.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>

#include "format.h"
#include "prealloc.skel.h"
#include "bench_common.h"

#define MAX_FILLS 8
#define PB_MAX_ENTRIES	65536
#define PB_NR_OPS	4096		/* operations per program run (bpf_loop) */
static double pb_target_ns = 10e6;	/* aim for this long per measurement */

enum { VAR_PREALLOC, VAR_NOPREALLOC, NVAR };
enum { OP_UPD_DEL, OP_BURST, OP_LOOKUP, NOP };
static const char *const var_name[NVAR] = { "prealloc", "no-prealloc" };
static const char *const op_name[NOP] = {
	"update+delete",
	"burst: 4096 inserts, then 4096 deletes",
	"lookup (hit)",
};

static int fills_pct[MAX_FILLS] = { 10, 50, 90 };
static int fill_cnt = 3;

/* --fills P,P,...: fill levels in percent, ascending, at most MAX_FILLS. */
int prealloc_set_fills(const char *arg)
{
	const char *s = arg;
	char *end;

	fill_cnt = 0;
	while (*s && fill_cnt < MAX_FILLS) {
		long p = strtol(s, &end, 10);

		if (end == s || p < 1 || p > 100) {
			fprintf(stderr, "mapsize-bench: --fills: percentages 1..100\n");
			return EXIT_USAGE;
		}
		fills_pct[fill_cnt++] = (int)p;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return EXIT_USAGE;
	}
	for (int i = 1; i < fill_cnt; i++)
		if (fills_pct[i] <= fills_pct[i - 1]) {
			fprintf(stderr, "mapsize-bench: --fills: ascending\n");
			return EXIT_USAGE;
		}
	return 0;
}

/* --target-ms MS: length of one measurement; the repeat count follows from it. */
int prealloc_set_target_ms(const char *arg)
{
	pb_target_ns = atof(arg) * 1e6;
	if (!(pb_target_ns >= 1e5 && pb_target_ns <= 1e9)) {
		fprintf(stderr, "mapsize-bench: --target-ms: 0.1..1000\n");
		return EXIT_USAGE;
	}
	return 0;
}

struct pb_variant {
	struct prealloc_bpf *skel;
	int map_fd;
};

static int pb_open(struct pb_variant *v, bool prealloc)
{
	int ret;

	v->skel = prealloc_bpf__open();
	if (!v->skel)
		return -errno;
	v->skel->rodata->nr_ops = PB_NR_OPS;
	if (!prealloc) {
		ret = bpf_map__set_map_flags(v->skel->maps.bench_map, BPF_F_NO_PREALLOC);
		if (ret)
			return ret;
	}
	ret = prealloc_bpf__load(v->skel);
	if (ret)
		return ret;
	v->map_fd = bpf_map__fd(v->skel->maps.bench_map);
	return 0;
}

/* Add keys [from, to) with value zero, in one batch. */
static int pb_fill(int fd, uint64_t from, uint64_t to)
{
	uint32_t count = (uint32_t)(to - from);
	uint64_t *keys;
	void *vals;
	int ret = 0;

	if (!count)
		return 0;
	keys = calloc(count, sizeof(*keys));
	vals = calloc(count, 64);
	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++)
		keys[i] = from + i;
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
		/* no batch ops (or a partial batch): one by one */
		for (uint32_t i = 0; i < (uint32_t)(to - from); i++) {
			if (bpf_map_update_elem(fd, &keys[i], (char *)vals + (size_t)i * 64,
						BPF_ANY)) {
				ret = -errno;
				break;
			}
		}
	}
out:
	free(keys);
	free(vals);
	return ret;
}

/* One BPF_PROG_TEST_RUN of `prog` with `repeat`: ns per run, or <0. */
static double pb_run(struct bpf_program *prog, int repeat, double *wall_ns)
{
	static char pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	double t0 = now_ns();
	int ret = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (wall_ns)
		*wall_ns = now_ns() - t0;
	if (ret)
		return -(double)errno;
	if (o.retval != XDP_PASS)
		return -EIO;
	return (double)o.duration;
}

static struct bpf_program *pb_prog(struct pb_variant *v, int op)
{
	return op == OP_UPD_DEL ? v->skel->progs.bench_upd_del :
	       op == OP_BURST ? v->skel->progs.bench_burst : v->skel->progs.bench_lookup;
}

/* Measure both variants at every fill level, interleaved, print section (b). */
int cmd_prealloc(void)
{
	struct pb_variant var[NVAR] = { 0 };
	double ns[MAX_FILLS][NOP][NVAR][MAX_ROUNDS];
	double ratio[MAX_FILLS][NOP][MAX_ROUNDS];
	double loop_ns[MAX_FILLS * MAX_ROUNDS];
	uint64_t memlock[MAX_FILLS][NVAR];
	uint64_t fill_entries[MAX_FILLS];
	int repeat[MAX_FILLS][NOP];
	int loop_cnt = 0, ret;
	uint64_t have = 0;
	double t_start = now_ns();
	int cpu = sched_getcpu();
	bool pinned = false;

	/* test_run executes on the calling CPU: keep every measurement on one */
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pinned = !sched_setaffinity(0, sizeof(set), &set);
	}
	for (int i = 0; i < NVAR; i++) {
		ret = pb_open(&var[i], i == VAR_PREALLOC);
		if (ret) {
			fprintf(stderr, "mapsize-bench: loading the prealloc benchmark (%s): %s\n",
				var_name[i], strerror(-ret));
			return 1;
		}
	}

	for (int f = 0; f < fill_cnt; f++) {
		uint64_t want = (uint64_t)PB_MAX_ENTRIES * (uint64_t)fills_pct[f] / 100;

		/* the burst inserts PB_NR_OPS keys on top of the fill */
		if (want > PB_MAX_ENTRIES - PB_NR_OPS)
			want = PB_MAX_ENTRIES - PB_NR_OPS;
		fill_entries[f] = want;
		for (int i = 0; i < NVAR; i++) {
			struct mapsize_kernel_map km = { .sz = sizeof(km) };

			if (want > have && (ret = pb_fill(var[i].map_fd, have, want))) {
				fprintf(stderr, "mapsize-bench: filling the %s map to %" PRIu64 ": %s\n",
					var_name[i], want, strerror(-ret));
				return 1;
			}
			var[i].skel->bss->fill = want;
			ret = mapsize_kernel_map__read(var[i].map_fd, &km);
			memlock[f][i] = ret ? 0 : km.memlock_bytes;
		}
		if (want > have)
			have = want;

		/* warm up and size the repeat count: same for both variants */
		for (int op = 0; op < NOP; op++) {
			double worst = 0;

			for (int i = 0; i < NVAR; i++) {
				double d;

				pb_run(pb_prog(&var[i], op), 2, NULL);
				d = pb_run(pb_prog(&var[i], op), 5, NULL);
				if (d < 0) {
					fprintf(stderr, "mapsize-bench: BPF_PROG_TEST_RUN: %s\n",
						strerror((int)-d));
					return 1;
				}
				if (d > worst)
					worst = d;
			}
			repeat[f][op] = worst > 0 ? (int)(pb_target_ns / worst) : 100;
			if (repeat[f][op] < 3)
				repeat[f][op] = 3;
			if (repeat[f][op] > 100000)
				repeat[f][op] = 100000;
		}
		for (int i = 0; i < NVAR; i++)
			var[i].skel->bss->errors = 0;

		/* interleaved rounds, alternating which variant goes first (ABBA) */
		for (int r = 0; r < bench_rounds; r++) {
			for (int op = 0; op < NOP; op++) {
				for (int k = 0; k < NVAR; k++) {
					int i = (r & 1) ? NVAR - 1 - k : k;
					double d = pb_run(pb_prog(&var[i], op), repeat[f][op], NULL);

					if (d < 0) {
						fprintf(stderr, "mapsize-bench: BPF_PROG_TEST_RUN: %s\n",
							strerror((int)-d));
						return 1;
					}
					ns[f][op][i][r] = d / PB_NR_OPS;
				}
				ratio[f][op][r] = ns[f][op][VAR_NOPREALLOC][r] / ns[f][op][VAR_PREALLOC][r];
			}
			{
				double d = pb_run(var[VAR_PREALLOC].skel->progs.bench_loop,
						  repeat[f][OP_LOOKUP], NULL);

				if (d > 0 && loop_cnt < MAX_FILLS * MAX_ROUNDS)
					loop_ns[loop_cnt++] = d / PB_NR_OPS;
			}
		}
		for (int i = 0; i < NVAR; i++) {
			if (var[i].skel->bss->errors) {
				fprintf(stderr, "mapsize-bench: %s map at fill %d%%: %llu failed map "
					"operations in the benchmark programs\n", var_name[i],
					fills_pct[f], (unsigned long long)var[i].skel->bss->errors);
				return 1;
			}
		}
	}

	printf("## (b) CPU cost of preallocation\n\n");
	printf("One hash map, key 8 B, value 64 B, max_entries %d, created preallocated (the "
	       "kernel default) and with `BPF_F_NO_PREALLOC`, filled to the same level with keys "
	       "0..fill-1 (`BPF_MAP_UPDATE_BATCH`).  Measured in the kernel with "
	       "`BPF_PROG_TEST_RUN` (XDP programs from `bench/prealloc.bpf.c`, run with "
	       "`repeat`): each run does %d operations in a `bpf_loop()`; ns/op = the kernel's "
	       "duration per run / %d.  *update+delete*: insert a key that is not in the map "
	       "(`BPF_NOEXIST`) and delete it again, i.e. the element allocation and free path, "
	       "the fill level stays put; per insert+delete pair.  *burst*: %d new keys inserted, "
	       "then all deleted, in one run: enough allocations in a row to drain the per-CPU caches "
	       "of the no-prealloc allocator (`bpf_mem_alloc`), so its refills from the slab are "
	       "included; per insert+delete pair.  *lookup*: hits, present keys in a pseudo-random "
	       "order.  %d "
	       "rounds per fill level, the two variants interleaved (alternating which runs "
	       "first), about %.0f ms per measurement, %s; ns/op are medians over the rounds; the "
	       "ratio is the median of the per-round ratios no-prealloc / prealloc (first and "
	       "third quartile in brackets); it cancels the drift between rounds that the two ns/op "
	       "columns, each a median on its own, still carry.  *memlock*: fdinfo at that fill "
	       "level.\n\n",
	       PB_MAX_ENTRIES, PB_NR_OPS, PB_NR_OPS, PB_NR_OPS, bench_rounds, pb_target_ns / 1e6,
	       pinned ? "the process pinned to one CPU" : "not pinned to a CPU");
	printf("| fill (entries) | memlock prealloc / no-prealloc | operation | prealloc, ns/op | no-prealloc, ns/op | no-prealloc / prealloc |\n");
	printf("|---|--:|---|--:|--:|--:|\n");
	for (int f = 0; f < fill_cnt; f++) {
		char h0[32], h1[32];

		for (int op = 0; op < NOP; op++) {
			if (op == 0)
				printf("| %d%% (%" PRIu64 ") | %s / %s |", fills_pct[f], fill_entries[f],
				       human_bytes(memlock[f][VAR_PREALLOC], h0, sizeof(h0)),
				       human_bytes(memlock[f][VAR_NOPREALLOC], h1, sizeof(h1)));
			else
				printf("| | |");
			printf(" %s | %.1f | %.1f | **%.2f** [%.2f–%.2f] |\n", op_name[op],
			       median(ns[f][op][VAR_PREALLOC], bench_rounds),
			       median(ns[f][op][VAR_NOPREALLOC], bench_rounds),
			       median(ratio[f][op], bench_rounds),
			       quantile(ratio[f][op], bench_rounds, 0.25),
			       quantile(ratio[f][op], bench_rounds, 0.75));
		}
	}
	printf("\nOne empty `bpf_loop()` iteration, included once in every ns/op above (twice in *burst*): %.1f ns "
	       "(median of %d runs).  Section wall time %.1f s.\n\n",
	       median(loop_ns, loop_cnt), loop_cnt,
	       (now_ns() - t_start) / 1e9);
	printf("**In short:** no-prealloc / prealloc, over fill levels");
	for (int op = 0; op < NOP; op++) {
		double lo = INFINITY, hi = -INFINITY;

		for (int f = 0; f < fill_cnt; f++) {
			double m = median(ratio[f][op], bench_rounds);

			lo = m < lo ? m : lo;
			hi = m > hi ? m : hi;
		}
		printf("%s %s %.2f–%.2f×", op ? ";" : ":",
		       op == OP_UPD_DEL ? "update+delete" : op == OP_BURST ? "bursts of inserts" :
		       "lookups", lo, hi);
	}
	printf(".\n\n");

	for (int i = 0; i < NVAR; i++)
		prealloc_bpf__destroy(var[i].skel);
	return 0;
}
