/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mapsize-bench: what the benchmarks share.  main.c parses the options into
 * the globals below and runs one cmd_*(); each cmd_* prints one markdown
 * section on stdout and returns the exit status.
 */
#ifndef MAPSIZE_BENCH_COMMON_H
#define MAPSIZE_BENCH_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>		/* struct mapsize_node */

#define EXIT_USAGE 2
#define EXIT_REFUSED 3		/* bpf() refused: bench/run.sh prints the reason */
#define MAX_ROUNDS 101
#define MAX_MAPS 64

/* Set by main() before any benchmark runs. */
extern const char *bench_rules_path;	/* --rules */
extern int bench_rounds;		/* --rounds: interleaved rounds, medians over them */
extern bool bench_rounds_set;		/* --rounds given (status has its own default) */
extern const char *bench_mapsize_path;	/* --mapsize: the CLI that status runs */
extern struct mapsize_node bench_node;	/* this node, read once at start */

/* ---- timing and statistics ---- */

double now_ns(void);			/* CLOCK_MONOTONIC */
void sleep_ms(long ms);
double quantile(const double *v, int n, double q);	/* q in 0..1; NAN if n <= 0 */
double median(const double *v, int n);

/* ---- mapsize and bpf() ---- */

void print_mapsize_error(const char *what, const struct mapsize_error *err);
int probe_bpf(void);
struct mapsize_plan *make_plan(const char *profile, const char *const *sets, int set_cnt);

/* ---- the benchmarks (bench_memlock.c, bench_prealloc.c, bench_overhead.c, bench_status.c) ---- */

int cmd_memlock(void);
int cmd_prealloc(void);
int cmd_overhead(void);
int cmd_status(void);
int cmd_inner(void);
int cmd_migrate(void);

/* prealloc's own options (--fills, --target-ms): 0, or EXIT_USAGE */
int prealloc_set_fills(const char *arg);
int prealloc_set_target_ms(const char *arg);

#endif
