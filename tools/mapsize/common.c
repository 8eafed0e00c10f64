// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Argument parsing and output helpers shared by mapsize's commands. */
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

#define OPT_HELP 'h'

int cmd_select(const struct cmd *cmds, size_t cnt, const char *scope, int argc, char **argv,
	       void (*usage)(FILE *out))
{
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc, argv);
	fprintf(stderr, "error: unknown %s%scommand '%s', expected ", scope ? scope : "", scope ? " " : "", argv[0]);
	for (size_t i = 0; i < cnt; i++)
		fprintf(stderr, "%s%s", i ? (i + 1 == cnt ? " or " : ", ") : "", cmds[i].name);
	fprintf(stderr, " (see mapsize %s%s--help)\n", scope ? scope : "", scope ? " " : "");
	return 2;
}

const char *parse_cmd_args(int argc, char **argv, struct plan_options *po,
			   const struct option *extra, size_t extra_cnt,
			   int (*extra_cb)(int opt, const char *arg, void *ctx), void *ctx)
{
	static const struct option plan_opts[] = { PLAN_LONG_OPTIONS, { "help", no_argument, NULL, OPT_HELP } };
	const size_t nplan = sizeof(plan_opts) / sizeof(plan_opts[0]);
	struct option opts[64] = { 0 };
	char shortopts[32] = "h";
	bool help = false;
	int opt;

	memcpy(opts, plan_opts, sizeof(plan_opts));
	for (size_t i = 0; i < extra_cnt && nplan + i < 63; i++) {
		opts[nplan + i] = extra[i];
		if (extra[i].val < 0x80 && strlen(shortopts) < sizeof(shortopts) - 3) {
			size_t l = strlen(shortopts);

			shortopts[l] = (char)extra[i].val;
			shortopts[l + 1] = extra[i].has_arg ? ':' : '\0';
		}
	}
	plan_options__init(po);
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		int r;

		if (opt == OPT_HELP) {
			help = true;
			continue;
		}
		if (opt == '?')
			goto usage;
		r = plan_options__handle(po, opt, optarg);
		if (!r && extra_cb)
			r = extra_cb(opt, optarg, ctx);
		if (r < 0)
			exit(2);
		if (!r)
			goto usage;
	}
	if (help) {
		/* With a rules file, --help also lists the maps that can toggle. */
		struct mapsize_plan *plan = optind == argc - 1 ? plan_options__plan(po, argv[optind], NULL) : NULL;

		printf("Usage: mapsize %s RULES [OPTIONS]\n\n", argv[0]);
		plan_options__usage(stdout);
		if (plan) {
			printf("\n");
			plan_options__print_toggles(stdout, plan);
			mapsize_plan__free(plan);
		}
		exit(0);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "error: mapsize %s expects exactly one RULES file, found %d arguments\n",
			argv[0], argc - optind);
		goto usage;
	}
	return argv[optind];
usage:
	fprintf(stderr, "see: mapsize %s --help\n", argv[0]);
	exit(2);
}

const char *flags_str(uint32_t flags, char *buf, size_t size)
{
	snprintf(buf, size, "0x%x", flags);
	return buf;
}

jv_t *jv_root(void)
{
	jv_t *root = jv_object();

	if (root)
		jv_object_set_new(root, "schema_version", jv_integer(MAPSIZE_JSON_SCHEMA_VERSION));
	return root;
}

char *jv_text_prec(jv_t *root, int precision)
{
	char *s, *text;

	if (!root)
		return NULL;
	s = jv_dumps(root, precision);
	jv_decref(root);
	if (!s)
		return NULL;
	if (asprintf(&text, "%s\n", s) < 0)
		text = NULL;
	free(s);
	return text;
}

char *jv_text(jv_t *root)
{
	return jv_text_prec(root, 0);
}

int print_json(jv_t *root)
{
	char *s = jv_text(root);

	if (!s)
		return 1;
	fputs(s, stdout);
	free(s);
	return 0;
}

int write_output(const char *path, const char *text, size_t len)
{
	struct mapsize_error err;
	int ret;

	if (!path)
		return fwrite(text, 1, len, stdout) == len ? 0 : 1;
	ret = mapsize_file__write_atomic(path, text, len, &err);
	if (ret) {
		print_error(&err);
		return exit_code_for(ret);
	}
	return 0;
}
