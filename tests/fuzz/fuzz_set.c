// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: command-line input to the planner (src/core/planner.c).  The input
 * is lines:
 *   line 1         the target kernel release (planner option; may be empty)
 *   "D:a,b"        --bpf-maps-disable-prealloc=a,b
 *   "E:a,b"        --bpf-maps-enable-prealloc=a,b
 *   "P:true"       --bpf-maps-prealloc=true (anything else: false)
 *   "N:cpus=8"     a node-local dimension (the value as a quantity)
 *   anything else  a --set assignment (mapsize_planner__set)
 * then the result is planned against a fixed rules document and the plan
 * rendered (header, memory). */
#include "fuzz_common.h"

#include "expr.h"

static void check_cmdline_error(const struct mapsize_planner *pl, int ret)
{
	const struct mapsize_error *err = mapsize_planner__error(pl);

	fuzz_check(ret == err->code, "return %d, error code %d", ret, err->code);
	fuzz_check_error(err, NULL);
	/* Command-line input has no file to point into. */
	fuzz_check(!err->file[0] && !err->line, "command-line error located at %s:%u: %s",
		   err->file, err->line, err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *line, *next;
	struct mapsize_planner_opts opts = { .sz = sizeof(opts) };
	struct mapsize_error err;
	struct mapsize_planner *pl;
	struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	unsigned int kv;

	fuzz_quiet();
	next = strchr(text, '\n');
	if (next)
		*next++ = '\0';
	if (text[0]) {
		int ret = mapsize_kernel_version(text, &kv);

		opts.kernel_release = text;
		pl = mapsize_planner__new(&opts, &err);
		fuzz_check(!pl == !!ret, "kernel version %d but planner %p", ret, (void *)pl);
		if (!pl) {
			fuzz_check_error(&err, NULL);
			free(text);
			return 0;
		}
	} else {
		pl = mapsize_planner__new(&opts, &err);
		fuzz_check(pl, "planner: %s", err.msg);
	}

	for (line = next; line; line = next) {
		int ret;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "D:", 2)) {
			ret = mapsize_planner__disable_prealloc(pl, line + 2);
		} else if (!strncmp(line, "E:", 2)) {
			ret = mapsize_planner__enable_prealloc(pl, line + 2);
		} else if (!strncmp(line, "P:", 2)) {
			ret = mapsize_planner__set_prealloc_default(pl, !strcmp(line + 2, "true"));
		} else if (!strncmp(line, "N:", 2)) {
			char *eq = strchr(line, '=');
			uint64_t v = 0;

			if (!eq)
				continue;
			*eq = '\0';
			if (expr_parse_quantity(eq + 1, &v))
				continue;
			ret = mapsize_planner__set_node_dimension(pl, line + 2, v);
		} else {
			ret = mapsize_planner__set(pl, line);
		}
		if (ret)
			check_cmdline_error(pl, ret);
		else
			fuzz_check(!mapsize_planner__error(pl)->code, "success with an error set");
	}

	rules = mapsize_rules__parse(fuzz_rules_yaml, sizeof(fuzz_rules_yaml) - 1, "rules.yaml", &err);
	fuzz_check(rules, "fixed rules: %s", err.msg);
	plan = mapsize_planner__plan(pl, rules);
	if (plan) {
		fuzz_check_plan(plan);
		mapsize_plan__free(plan);
	} else {
		fuzz_check_error(mapsize_planner__error(pl), NULL);
	}
	mapsize_rules__free(rules);
	mapsize_planner__free(pl);
	free(text);
	return 0;
}
