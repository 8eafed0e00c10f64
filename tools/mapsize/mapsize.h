/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The mapsize command: one table of subcommands, bpftool style. */
#ifndef MAPSIZE_TOOL_H
#define MAPSIZE_TOOL_H

#include "json.h"
#include "format.h"
#include "options.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* bpftool's cmd_select(): argv[0] names one of `cmds`, run with argc/argv
 * from there; none, --help/-h/help print `usage`.  `scope` is NULL at the
 * top level, else the command the table belongs to ("rules"). */
int cmd_select(const struct cmd *cmds, size_t cnt, const char *scope, int argc, char **argv,
	       void (*usage)(FILE *out));

int do_plan(int argc, char **argv);
int do_gen_header(int argc, char **argv);
int do_maps(int argc, char **argv);
int do_verify(int argc, char **argv);
int do_report(int argc, char **argv);
int do_status(int argc, char **argv);
int do_rules(int argc, char **argv);
int do_profile(int argc, char **argv);
int do_objects(int argc, char **argv);
int do_migrate(int argc, char **argv);
int do_counters(int argc, char **argv);
int do_recommend(int argc, char **argv);

/* Parses `mapsize CMD RULES [plan options] [extra]`; extra options go to
 * `extra_cb` (return 1 handled, -1 error).  Returns the rules path or
 * NULL after printing a usage error. */
const char *parse_cmd_args(int argc, char **argv, struct plan_options *po,
			   const struct option *extra, size_t extra_cnt,
			   int (*extra_cb)(int opt, const char *arg, void *ctx), void *ctx);

/* The memory model applied to a plan (plan, verify, report). */
struct plan_memory {
	struct mapsize_kernel_consts consts;
	enum mapsize_mem_era era;
	struct mapsize_map_memory *maps;	/* one per plan map */
	struct mapsize_map_memory total;
};
struct plan_memory *plan_memory_new(const struct plan_options *po, struct mapsize_plan *plan,
				    uint32_t possible_cpus);
void plan_memory_free(struct plan_memory *pm);

/* Plan output shared by plan and verify. */
jv_t *plan_json(const struct mapsize_plan *plan, const struct plan_memory *mem);
jv_t *plan_map_json(const struct mapsize_plan_map *m);
int print_json(jv_t *root);
/* Version of the JSON layout of every command's --format json; bumped when a
 * key changes meaning or goes away (new keys do not bump it). */
#define MAPSIZE_JSON_SCHEMA_VERSION 1
/* A command's top-level JSON object, "schema_version" its first key. */
jv_t *jv_root(void);
const char *flags_str(uint32_t flags, char *buf, size_t size);
/* print_json()'s text (with a final newline) as a malloc'd string; NULL on error. */
char *jv_text(jv_t *root);
/* jv_text() with reals at `precision` significant digits (0: 17). */
char *jv_text_prec(jv_t *root, int precision);
/* `text` to stdout (path NULL) or atomically to `path`; an exit status. */
int write_output(const char *path, const char *text, size_t len);
/* The memory budget's outcome (budget_out.c): the JSON object (NULL when
 * the plan has no budget) and the table lines (none then). */
jv_t *plan_budget_json(const struct mapsize_plan *plan);
void print_plan_budget(const char *label, const struct mapsize_plan *plan);

/* Per-instance sizing of inner rules (inner_sizing.c; plan and report). */
#define INNER_EXAMPLES 3
struct inner_example {
	uint64_t live;
	uint32_t entries;		/* the instance's max_entries for `live` */
	uint64_t memlock;		/* its memlock holding `live` */
	uint64_t template_memlock;	/* an instance at the template's size holding `live` */
};
int inner_sizing_rows(const struct mapsize_plan *plan, const struct mapsize_plan_map *m,
		      const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era,
		      struct mapsize_inner_sizing *s, struct inner_example rows[INNER_EXAMPLES]);
const char *inner_formula(const struct mapsize_inner_sizing *s, char *buf, size_t size);
/* The map's "instance" JSON object; json null for a map that is not inner. */
jv_t *inner_sizing_json(const struct mapsize_plan *plan, const struct mapsize_plan_map *m,
			  const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era);
void print_inner_sizing(const struct mapsize_plan *plan, const char *label,
			const struct mapsize_kernel_consts *kc, enum mapsize_mem_era era);

#endif
