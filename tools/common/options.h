/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Option parsing shared by every tool built on libmapsize (mapsize, the
 * demo agent): the plan options, their --help text and building a planner
 * from them.  Tools add PLAN_LONG_OPTIONS to their getopt_long table and
 * hand unknown option codes to plan_options__handle(). */
#ifndef MAPSIZE_TOOLS_OPTIONS_H
#define MAPSIZE_TOOLS_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include <mapsize/memory.h>
#include "format.h"

enum plan_option_code {
	OPT_MAP_SIZE = 0x100,
	OPT_PROFILE,
	OPT_SET,
	OPT_PREALLOC,
	OPT_DISABLE_PREALLOC,
	OPT_ENABLE_PREALLOC,
	OPT_KERNEL,
	OPT_FORMAT,
	OPT_BTF,
	OPT_KERNEL_ERA,
	OPT_BUDGET,
	OPT_PLAN_LAST,
};

#define PLAN_LONG_OPTIONS						\
	{ "map-size", required_argument, NULL, OPT_MAP_SIZE },		\
	{ "profile", required_argument, NULL, OPT_PROFILE },		\
	{ "set", required_argument, NULL, OPT_SET },			\
	{ "bpf-maps-prealloc", required_argument, NULL, OPT_PREALLOC },	\
	{ "bpf-maps-disable-prealloc", required_argument, NULL, OPT_DISABLE_PREALLOC }, \
	{ "bpf-maps-enable-prealloc", required_argument, NULL, OPT_ENABLE_PREALLOC }, \
	{ "kernel", required_argument, NULL, OPT_KERNEL },		\
	{ "format", required_argument, NULL, OPT_FORMAT },		\
	{ "btf", required_argument, NULL, OPT_BTF },			\
	{ "kernel-era", required_argument, NULL, OPT_KERNEL_ERA },	\
	{ "budget", required_argument, NULL, OPT_BUDGET }

/* --pin-root DIR (plan, verify, migrate): where the object's maps pinned by
 * name live, libbpf's pin_root_path (default /sys/fs/bpf).  A command adds
 * PIN_ROOT_OPTION to its own options; the code is out of their ranges. */
#define OPT_PIN_ROOT (OPT_PLAN_LAST + 0x80)
#define PIN_ROOT_OPTION { "pin-root", required_argument, NULL, OPT_PIN_ROOT }
#define PIN_ROOT_USAGE \
	"  --pin-root DIR        where the object's maps pinned by name (BTF `pinning`) live:\n" \
	"                        libbpf's pin_root_path (default /sys/fs/bpf); each pinning map\n" \
	"                        shows the map pinned there and reuse, migrate or refuse\n"

#define PLAN_OPTIONS_MAX 64

struct plan_options {
	const char *map_size;			/* NULL: from profiles' base:, else medium */
	const char *profiles[PLAN_OPTIONS_MAX];
	size_t profile_cnt;
	const char *sets[PLAN_OPTIONS_MAX];
	size_t set_cnt;
	int prealloc_default;			/* -1 unset, 0 false, 1 true */
	const char *disable[PLAN_OPTIONS_MAX];
	size_t disable_cnt;
	const char *enable[PLAN_OPTIONS_MAX];
	size_t enable_cnt;
	const char *kernel;			/* --kernel RELEASE; NULL = running kernel */
	enum output_format format;
	const char *btf;			/* --btf FILE: kernel struct sizes */
	const char *kernel_era;			/* --kernel-era mem_usage|pages */
	const char *budget;			/* --budget SIZE|PCT% */
};

void plan_options__init(struct plan_options *po);
/* 1 when `opt` is a plan option (handled), 0 when not, -1 on a bad value
 * (message printed to stderr: usage error, exit 2). */
int plan_options__handle(struct plan_options *po, int opt, const char *arg);
/* The --help paragraph for the plan options. */
void plan_options__usage(FILE *out);
/* Build a planner from the options.  `node` (may be NULL) supplies the
 * node-local dimensions when running on a live machine.  NULL on error with
 * *err filled. */
struct mapsize_planner *plan_options__planner(const struct plan_options *po,
					      const struct mapsize_node *node,
					      struct mapsize_error *err);
/* One-stop: rules file + options -> plan.  On error prints the canonical
 * "FILE:LINE:COL: error: ..." line to stderr and returns NULL. */
struct mapsize_plan *plan_options__plan(const struct plan_options *po, const char *rules_path,
					const struct mapsize_node *node);
/* Kernel constants and accounting era for memory predictions: --btf,
 * else the running kernel's BTF when the target is the running kernel, else
 * built-in constants for --kernel.  0 or -1 after printing an error. */
/* The warning due when `consts` are a nearer series' than the target
 * kernel's (source "nearest X.Y"), or built-in sizes of the running
 * kernel's series that its BTF contradicts (another build; $MAPSIZE_RUNNING_BTF
 * replaces /sys/kernel/btf/vmlinux there): 1 and the text in buf, else 0. */
int plan_options__consts_warning(const struct plan_options *po,
				 const struct mapsize_kernel_consts *consts, char *buf, size_t size);
int plan_options__memory_model(const struct plan_options *po, struct mapsize_kernel_consts *consts,
			       enum mapsize_mem_era *era);
/* Print the maps whose preallocation can toggle (for --help and `maps`). */
void plan_options__print_toggles(FILE *out, const struct mapsize_plan *plan);
/* Exit status for a library error: 2 for bad input, 1 otherwise. */
int exit_code_for(int err);
/* Print an error in the canonical form. */
void print_error(const struct mapsize_error *err);

#endif
