/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The timing of the qemu guests' --bench modes (counters_bench.c,
 * rhashfill.c): medians of the kernel's own BPF_PROG_TEST_RUN durations.
 * Header-only: each guest binary is one static program. */
#ifndef MAPSIZE_TESTS_BENCH_NS_H
#define MAPSIZE_TESTS_BENCH_NS_H

#include <stdbool.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BENCH_NS_MAX_ROUNDS 64

/* The median of n values (sorted in place; insertion sort: a handful of
 * values); of an even count, the mean of the middle two. */
static inline double bench_median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns per operation of program `p` (a run makes `ops` operations): the
 * median of `rounds` BPF_PROG_TEST_RUN calls of `repeat` runs each; -1 when
 * a call fails, or, with `want_zero`, when a run returns non-zero (the
 * program's count of failed operations). */
static inline double bench_ns_per_op(struct bpf_program *p, int rounds, int repeat, double ops, bool want_zero)
{
	double v[BENCH_NS_MAX_ROUNDS];
	unsigned char pkt[64] = { 0 };

	if (rounds > BENCH_NS_MAX_ROUNDS)
		rounds = BENCH_NS_MAX_ROUNDS;
	for (int r = 0; r < rounds; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = repeat);

		if (bpf_prog_test_run_opts(bpf_program__fd(p), &t) || (want_zero && t.retval))
			return -1;
		v[r] = t.duration / ops;
	}
	return bench_median(v, rounds);
}

#endif
