// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * counters-static --bench / --bench-base: what the kernel-side counters cost
 * a hash update (issue 18's benchmark; bench/run.sh section (g)).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/counters.h>
#include "counters_writer.skel.h"
#include "counters_guest.h"
#include "bench_ns.h"

#define BENCH_ROUNDS 7

/* ns per update of one run of `p` (64 updates; bench_ns.h) */
static double ns_per_update(struct bpf_program *p, int rounds, int repeat)
{
	return bench_ns_per_op(p, rounds, repeat, 64, false);
}

/* --bench: ns per successful and per failed hash update from a BPF program,
 * without and with the counters attached, in one boot (issue 18's
 * benchmark; markdown lines for bench/results.md).  TCG's speed drifts with
 * the host's load (other guests, other builds): each of BENCH_ROUNDS rounds
 * measures without and with back to back, in alternating order, and gives
 * one ratio; the median ratio and the spread (min..max) of the rounds are
 * reported, besides the median ns. */
int counters_bench(void)
{
	struct counters_writer *w = counters_writer__open_and_load();
	struct mapsize_counters *c = NULL;
	struct mapsize_error err = { 0 };
	double o0[BENCH_ROUNDS], f0[BENCH_ROUNDS], o1[BENCH_ROUNDS], f1[BENCH_ROUNDS];
	double ro[BENCH_ROUNDS], rf[BENCH_ROUNDS];
	const int rounds = 9, repeat = 1000;

	if (!w)
		return printf("FAIL counters --bench: load: %s\n", strerror(errno)), 1;
	for (uint32_t k = 0; k < 64; k++) {
		uint64_t v = k;

		bpf_map_update_elem(bpf_map__fd(w->maps.w_bench), &k, &v, BPF_ANY);
	}
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		for (int half = 0; half < 2; half++) {
			bool with = (half + i) % 2;	/* even rounds: without first */

			if (with && mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
				.sz = sizeof(struct mapsize_counters_attach_opts) }, &c, &err))
				return printf("FAIL counters --bench: attach: %s\n", err.msg), 1;
			(with ? o1 : o0)[i] = ns_per_update(w->progs.bench_update, rounds, repeat);
			(with ? f1 : f0)[i] = ns_per_update(w->progs.bench_fail, rounds, repeat);
			if (with) {
				mapsize_counters__free(c);
				c = NULL;
			}
		}
		ro[i] = o1[i] / o0[i];
		rf[i] = f1[i] / f0[i];
	}
	counters_writer__destroy(w);
	{
		double mo0 = bench_median(o0, BENCH_ROUNDS), mo1 = bench_median(o1, BENCH_ROUNDS);
		double mf0 = bench_median(f0, BENCH_ROUNDS), mf1 = bench_median(f1, BENCH_ROUNDS);
		double mro = bench_median(ro, BENCH_ROUNDS), mrf = bench_median(rf, BENCH_ROUNDS);

		printf("| hash update | without counters (ns) | with counters (ns) | ratio, median of %d rounds | spread (min..max) |\n"
		       "|---|---:|---:|---:|---:|\n", BENCH_ROUNDS);
		printf("| success (present key) | %.1f | %.1f | %.2f× | %.2f..%.2f× |\n", mo0, mo1, mro, ro[0],
		       ro[BENCH_ROUNDS - 1]);
		printf("| failure (E2BIG, full map) | %.1f | %.1f | %.2f× | %.2f..%.2f× |\n", mf0, mf1, mrf, rf[0],
		       rf[BENCH_ROUNDS - 1]);
		printf("BENCH counters: success_ratio %.2f (%.2f..%.2f) failure_ratio %.2f (%.2f..%.2f)\n", mro, ro[0],
		       ro[BENCH_ROUNDS - 1], mrf, rf[0], rf[BENCH_ROUNDS - 1]);
	}
	return 0;
}

/* --bench-base: the "without counters" side alone, where tracing is refused
 * (this machine's live kernel): what a hash update costs on the host's CPU,
 * to set against the same under TCG. */
int counters_bench_base(void)
{
	struct counters_writer *w = counters_writer__open_and_load();
	double ok[BENCH_ROUNDS], fail[BENCH_ROUNDS];

	if (!w)
		return printf("FAIL counters --bench-base: load: %s\n", strerror(errno)), 1;
	for (uint32_t k = 0; k < 64; k++) {
		uint64_t v = k;

		bpf_map_update_elem(bpf_map__fd(w->maps.w_bench), &k, &v, BPF_ANY);
	}
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		ok[i] = ns_per_update(w->progs.bench_update, 9, 1000);
		fail[i] = ns_per_update(w->progs.bench_fail, 9, 1000);
	}
	counters_writer__destroy(w);
	printf("BENCH counters base: success %.1f ns failure %.1f ns\n", bench_median(ok, BENCH_ROUNDS),
	       bench_median(fail, BENCH_ROUNDS));
	return 0;
}

