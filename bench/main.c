// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench: the benchmarks behind `make bench` (issue 4, item 4).  Each
 * subcommand prints one markdown section on stdout; bench/run.sh puts them
 * together in bench/results.md.  A benchmark, not a test: it never fails on
 * a number (the targets it prints are pass/fail lines, not its exit status),
 * only when the kernel refuses something or, in status, a count is wrong.
 *
 *   mapsize-bench memlock   (a) the demo agent's maps loaded in the kernel
 *                           as compiled (Tetragon's sizes) and planned for
 *                           small/medium/large: fdinfo memlock per map, in
 *                           total and as a ratio to the compiled baseline
 *                           (bench_memlock.c)
 *   mapsize-bench prealloc  (b) one hash map preallocated vs BPF_F_NO_PREALLOC
 *                           at several fill levels: update+delete and lookup
 *                           ns/op in the kernel with BPF_PROG_TEST_RUN
 *                           (bench_prealloc.c)
 *   mapsize-bench overhead  (c) open+load of the demo object with and without
 *                           mapsize (rules + plan + apply) in between
 *                           (bench_overhead.c)
 *   mapsize-bench status    (d) `mapsize status` over 1,000 live maps, one a
 *                           1,000,000-entry hash: the whole CLI per count
 *                           method, and the big map alone through the library;
 *                           exits 1 when a method miscounts (bench_status.c)
 *   mapsize-bench inner     (e) per-policy inner maps for 10/100/1,000 cgroups:
 *                           mapsize_inner__grow() per entry copied vs a plain
 *                           batch update, memlock per instance vs the
 *                           template's size (bench_inner.c)
 *   mapsize-bench migrate   (f) a pinned map of 1,000,000 entries (hash, percpu
 *                           hash) migrated to twice its size: ns/entry of
 *                           mapsize_pin__migrate() vs a plain batch lookup +
 *                           update copy, renames that change the pin's map
 *                           (bench_migrate.c)
 *
 * Options: --rounds N (interleaved rounds, default 31, status 7; medians are over them),
 *          --rules FILE (default examples/agent.rules.yaml),
 *          --fills 10,50,90 (prealloc: fill levels in percent, ascending),
 *          --target-ms MS (prealloc: length of one measurement, default 10),
 *          --mapsize PATH (status: the mapsize CLI, default $(O)/mapsize of the build).
 *
 * Exit status: 0 ok, 2 usage, 3 bpf() refused (reason on stderr), 1 other.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>

#include "bench_common.h"

struct bench_cmd {
	const char *name;
	int (*run)(void);
};

/* In the order bench/run.sh runs them. */
static const struct bench_cmd bench_cmds[] = {
	{ "memlock", cmd_memlock },
	{ "prealloc", cmd_prealloc },
	{ "overhead", cmd_overhead },
	{ "status", cmd_status },
	{ "inner", cmd_inner },
	{ "migrate", cmd_migrate },
};
#define BENCH_CMD_CNT (sizeof(bench_cmds) / sizeof(bench_cmds[0]))

static const struct bench_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < BENCH_CMD_CNT; i++)
		if (!strcmp(bench_cmds[i].name, name))
			return &bench_cmds[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: mapsize-bench ");
	for (size_t i = 0; i < BENCH_CMD_CNT; i++)
		fprintf(out, "%s%s", i ? "|" : "", bench_cmds[i].name);
	fprintf(out,
" [--rounds N] [--rules FILE]\n"
"                     [--fills P,P,...] [--target-ms MS] [--mapsize PATH]\n"
"Prints one markdown section of bench/results.md (see bench/run.sh).\n");
}

/* Warnings only: bench/run.sh echoes stderr and puts its tail in results.md on failure. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int mapsize_print(enum mapsize_print_level level, const char *fmt, va_list args)
{
	if (level != MAPSIZE_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "fills", required_argument, NULL, 'f' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "mapsize", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct bench_cmd *cmd;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			bench_rounds = atoi(optarg);
			if (bench_rounds < 1 || bench_rounds > MAX_ROUNDS) {
				fprintf(stderr, "mapsize-bench: --rounds: 1..%d\n", MAX_ROUNDS);
				return EXIT_USAGE;
			}
			bench_rounds_set = true;
			break;
		case 'R':
			bench_rules_path = optarg;
			break;
		case 'f':
			if (prealloc_set_fills(optarg))
				return EXIT_USAGE;
			break;
		case 't':
			if (prealloc_set_target_ms(optarg))
				return EXIT_USAGE;
			break;
		case 'm':
			bench_mapsize_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}

	libbpf_set_print(libbpf_print);
	mapsize_set_print(mapsize_print);
	ret = mapsize_node__read(&bench_node);
	if (ret) {
		fprintf(stderr, "mapsize-bench: reading this node: %s\n", strerror(-ret));
		return 1;
	}
	if (probe_bpf())
		return EXIT_REFUSED;
	return cmd->run();
}
