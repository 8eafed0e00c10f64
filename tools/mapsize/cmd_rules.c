// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize rules init | check: a rules file drafted from BPF objects' map
 * definitions, and rules checked against them for staleness.  The objects
 * are read from their ELF and BTF, never opened with libbpf nor loaded: no kernel, no privilege.  The model
 * is the library's (<mapsize/rules_draft.h>); this file parses the command
 * line and prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/rules_draft.h>

#include "libbpf_log.h"
#include "mapsize.h"

#define MAX_OBJECTS 64

/* What rules check does with an object's map that has no rule: a rules file
 * may cover part of an object, the other maps staying as compiled. */
enum unmanaged { UNMANAGED_WARN, UNMANAGED_OK, UNMANAGED_ERROR };
static const char *const unmanaged_names[] = { "warn", "ok", "error" };

#define OPT_UNMANAGED 0x100

struct rules_args {
	const char *objects[MAX_OBJECTS];
	size_t object_cnt;
	const char *output;
	const char *app;
	enum output_format format;
	enum unmanaged unmanaged;
	const char *rules;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mapsize rules init --object FILE.bpf.o [--object FILE2.bpf.o ...] [-o RULES] [--app NAME]\n"
		"       mapsize rules check RULES --object FILE.bpf.o [--object ...] [--format table|json]\n"
		"                               [--unmanaged ok|warn|error]\n\n"
		"init   drafts a rules file from the objects' map definitions (libbpf's internal maps\n"
		"       left out): type, sizes, flags, the compiled max_entries as max_entries: and\n"
		"       baseline: (a commented # baseline: for a map compiled at 0 or 1, sized at\n"
		"       run time), inner maps as OUTER.inner; to stdout, or written atomically to -o.\n"
		"check  reports stale rules: type, key/value size or flags that differ from the\n"
		"       objects, rules without maps.  Exit 1 when stale.  --unmanaged says what a\n"
		"       map without a rule is: warn (default: listed, exit 0), ok (not listed) or\n"
		"       error (listed, exit 1).\n\n"
		"The objects are read (ELF and BTF), never loaded: no root needed; objects libbpf\n"
		"cannot open (unresolved externs, gobpf maps/NAME sections) work too.\n"
		"Exit status: 0 success (check: no stale rule), 1 stale rules or other failure,\n"
		"2 usage or input error.\n");
}

static int parse(int argc, char **argv, struct rules_args *ra, bool check)
{
	static const struct option opts[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "output", required_argument, NULL, 'o' },
		{ "app", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "unmanaged", required_argument, NULL, OPT_UNMANAGED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL },
	};
	int opt, f;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, check ? "O:h" : "O:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'O':
			if (ra->object_cnt == MAX_OBJECTS) {
				fprintf(stderr, "error: more than %d --object files\n", MAX_OBJECTS);
				return 2;
			}
			ra->objects[ra->object_cnt++] = optarg;
			break;
		case 'o':
			if (check)
				goto bad;
			ra->output = optarg;
			break;
		case 'a':
			if (check)
				goto bad;
			ra->app = optarg;
			break;
		case 'f':
			if (!check)
				goto bad;
			f = FORMAT_PARSE(optarg, FORMAT_TABLE, FORMAT_JSON);
			if (f < 0)
				return 2;
			ra->format = (enum output_format)f;
			break;
		case OPT_UNMANAGED:
			if (!check)
				goto bad;
			for (f = 0; f < (int)ARRAY_SIZE(unmanaged_names); f++)
				if (!strcmp(optarg, unmanaged_names[f]))
					break;
			if (f == (int)ARRAY_SIZE(unmanaged_names)) {
				fprintf(stderr, "error: --unmanaged: expected ok, warn or error, got '%s'\n", optarg);
				return 2;
			}
			ra->unmanaged = (enum unmanaged)f;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (check) {
		if (optind != argc - 1) {
			fprintf(stderr, "error: mapsize rules check expects exactly one RULES file, found %d "
				"arguments\n", argc - optind);
			goto bad;
		}
		ra->rules = argv[optind];
	} else if (optind != argc) {
		fprintf(stderr, "error: mapsize rules init takes no RULES argument, found '%s' (write the "
			"draft with -o RULES)\n", argv[optind]);
		goto bad;
	}
	if (!ra->object_cnt) {
		fprintf(stderr, "error: no --object, expected at least one FILE.bpf.o\n");
		goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "see: mapsize rules --help\n");
	return 2;
}

/* The draft of every --object; NULL after printing the error (exit 2). */
static struct mapsize_rules_draft *read_objects(const struct rules_args *ra, int *rc)
{
	MAPSIZE_OPTS(mapsize_rules_draft_opts, opts, .app = ra->app);
	struct mapsize_rules_draft *d = mapsize_rules_draft__new(&opts);
	struct mapsize_error err;

	if (!d) {
		fprintf(stderr, "error: %s\n", strerror(errno));
		*rc = 1;
		return NULL;
	}
	for (size_t i = 0; i < ra->object_cnt; i++) {
		libbpf_log__capture(false);
		if (!mapsize_rules_draft__add_object(d, ra->objects[i], &err))
			continue;
		mapsize_rules_draft__free(d);
		if (libbpf_log__is_open_error(err.msg)) {	/* libbpf's own words say why */
			*rc = libbpf_log__open_error(ra->objects[i], err.code);
			libbpf_log__reset();
			return NULL;
		}
		print_error(&err);
		libbpf_log__reset();
		*rc = err.code == -ENOMEM ? 1 : 2;
		return NULL;
	}
	libbpf_log__reset();
	return d;
}

static int do_init(int argc, char **argv)
{
	struct rules_args ra = { 0 };
	struct mapsize_rules_draft *d;
	struct mapsize_error err;
	char *yaml;
	int rc = parse(argc, argv, &ra, false);

	if (rc)
		return rc;
	d = read_objects(&ra, &rc);
	if (!d)
		return rc;
	for (size_t i = 0; i < mapsize_rules_draft__warning_cnt(d); i++)
		fprintf(stderr, "warning: %s\n", mapsize_rules_draft__warning(d, i));
	yaml = mapsize_rules_draft__yaml(d, &err);
	if (!yaml) {
		print_error(&err);
		mapsize_rules_draft__free(d);
		return err.code == -ENOMEM ? 1 : 2;
	}
	if (ra.output) {
		if (mapsize_file__write_atomic(ra.output, yaml, strlen(yaml), &err)) {
			print_error(&err);
			rc = exit_code_for(err.code);
		} else {
			size_t n = mapsize_rules_draft__map_cnt(d), rules = 0;

			for (size_t i = 0; i < n; i++) {
				const struct mapsize_draft_map *m = mapsize_rules_draft__map(d, i);

				rules += !m->counters && m->type != MAPSIZE_MAP_UNSPEC;
			}
			fprintf(stderr, "%s: %zu rules drafted from %zu object%s (%zu map%s without a rule)\n",
				ra.output, rules, mapsize_rules_draft__object_cnt(d),
				mapsize_rules_draft__object_cnt(d) == 1 ? "" : "s", n - rules,
				n - rules == 1 ? "" : "s");
		}
	} else if (fputs(yaml, stdout) == EOF || fflush(stdout)) {
		fprintf(stderr, "error: cannot write the draft to stdout: %s\n", strerror(errno));
		rc = 1;
	}
	free(yaml);
	mapsize_rules_draft__free(d);
	return rc;
}
/* Stale rules (wrong fields, no map) always fail; maps without a rule only
 * under --unmanaged error. */
static bool check_failed(const struct rules_args *ra, const struct mapsize_rules_check *c)
{
	return mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_STALE) ||
	       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_MAP) ||
	       (ra->unmanaged == UNMANAGED_ERROR && mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_RULE));
}

static jv_t *check_json(const struct rules_args *ra, const struct mapsize_rules_draft *d,
			  const struct mapsize_rules_check *c)
{
	jv_t *root = jv_root(), *objs = jv_array(), *maps = jv_array(), *counts = jv_object();

	for (size_t i = 0; i < mapsize_rules_draft__object_cnt(d); i++)
		jv_array_append_new(objs, jv_string(mapsize_rules_draft__object(d, i)));
	for (size_t i = 0; i < mapsize_rules_check__map_cnt(c); i++) {
		const struct mapsize_rules_check_map *m = mapsize_rules_check__map(c, i);
		jv_t *o, *diffs;

		if (m->status == MAPSIZE_RULES_CHECK_NO_RULE && ra->unmanaged == UNMANAGED_OK)
			continue;
		o = jv_object();
		diffs = jv_array();

		jv_object_set_new(o, "name", jv_string(m->name));
		jv_object_set_new(o, "status", jv_string(mapsize_rules_check_status__name(m->status)));
		jv_object_set_new(o, "object", m->object ? jv_string(m->object) : jv_null());
		jv_object_set_new(o, "rule_line", m->loc.file ? jv_integer(m->loc.line) : jv_null());
		for (size_t j = 0; j < m->diff_cnt; j++) {
			const struct mapsize_rules_check_diff *df = &m->diffs[j];
			jv_t *x = jv_object();
			bool num = strcmp(df->field, "type") && strcmp(df->field, "flags");

			jv_object_set_new(x, "field", jv_string(df->field));
			jv_object_set_new(x, "rule", num ? jv_integer(strtoll(df->rule, NULL, 10))
							   : jv_string(df->rule));
			jv_object_set_new(x, "object", num ? jv_integer(strtoll(df->object, NULL, 10))
							     : jv_string(df->object));
			jv_object_set_new(x, "line", jv_integer(df->loc.line));
			jv_object_set_new(x, "column", jv_integer(df->loc.col));
			jv_array_append_new(diffs, x);
		}
		jv_object_set_new(o, "differences", diffs);
		jv_object_set_new(o, "message", jv_string(m->msg));
		jv_array_append_new(maps, o);
	}
	for (int s = MAPSIZE_RULES_CHECK_OK; s <= MAPSIZE_RULES_CHECK_SKIPPED; s++)
		jv_object_set_new(counts, mapsize_rules_check_status__name(s),
				    jv_u64(mapsize_rules_check__count(c, s)));
	jv_object_set_new(root, "rules", jv_string(ra->rules));
	jv_object_set_new(root, "objects", objs);
	jv_object_set_new(root, "stale", jv_boolean(check_failed(ra, c)));
	jv_object_set_new(root, "unmanaged", jv_string(unmanaged_names[ra->unmanaged]));
	jv_object_set_new(root, "counts", counts);
	jv_object_set_new(root, "maps", maps);
	return root;
}

/* One line per problem, in the canonical FILE:LINE:COL form where a rule is
 * at fault, then a summary. */
static void check_table(const struct rules_args *ra, const struct mapsize_rules_check *c)
{
	size_t n = mapsize_rules_check__map_cnt(c);

	for (size_t i = 0; i < n; i++) {
		const struct mapsize_rules_check_map *m = mapsize_rules_check__map(c, i);

		switch (m->status) {
		case MAPSIZE_RULES_CHECK_STALE:
			for (size_t j = 0; j < m->diff_cnt; j++)
				printf("%s:%u:%u: stale: map '%s': %s is %s in the rules but %s in %s\n", ra->rules,
				       m->diffs[j].loc.line, m->diffs[j].loc.col, m->name, m->diffs[j].field,
				       m->diffs[j].rule, m->diffs[j].object, m->object);
			break;
		case MAPSIZE_RULES_CHECK_NO_MAP:
			printf("%s:%u:%u: stale: %s\n", ra->rules, m->loc.line, m->loc.col, m->msg);
			break;
		case MAPSIZE_RULES_CHECK_NO_RULE:
			if (ra->unmanaged != UNMANAGED_OK)
				printf("%s: %s: %s\n", m->object,
				       ra->unmanaged == UNMANAGED_ERROR ? "stale" : "warning", m->msg);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct mapsize_rules_check_map *m = mapsize_rules_check__map(c, i);

		if (m->status == MAPSIZE_RULES_CHECK_SKIPPED)
			printf("note: %s\n", m->msg);
	}
	{
		size_t ok = mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_OK);
		size_t no_rule = mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_RULE);

		printf("%s: %zu rule%s, %zu stale, %zu without a map, %zu map%s without a rule, %zu skipped: %s\n",
		       ra->rules, ok, ok == 1 ? " matches" : "s match",
		       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_STALE),
		       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_NO_MAP),
		       no_rule, no_rule == 1 ? "" : "s",
		       mapsize_rules_check__count(c, MAPSIZE_RULES_CHECK_SKIPPED),
		       check_failed(ra, c) ? "stale" : "clean");
	}
}

static int do_check(int argc, char **argv)
{
	struct rules_args ra = { 0 };
	struct mapsize_rules_draft *d;
	struct mapsize_rules_check *c;
	struct mapsize_rules *rules;
	struct mapsize_error err;
	int rc = parse(argc, argv, &ra, true);

	if (rc)
		return rc;
	rules = mapsize_rules__load_file(ra.rules, &err);
	if (!rules) {
		print_error(&err);
		return err.code == -ENOMEM ? 1 : 2;
	}
	d = read_objects(&ra, &rc);
	if (!d) {
		mapsize_rules__free(rules);
		return rc;
	}
	c = mapsize_rules_draft__check(d, rules, &err);
	if (!c) {
		print_error(&err);
		rc = 1;
	} else {
		if (ra.format == FORMAT_JSON)
			rc = print_json(check_json(&ra, d, c));
		else
			check_table(&ra, c);
		if (!rc)
			rc = check_failed(&ra, c) ? 1 : 0;
	}
	mapsize_rules_check__free(c);
	mapsize_rules_draft__free(d);
	mapsize_rules__free(rules);
	return rc;
}

/* The sub-commands, in the top level's table format (main.c). */
static const struct cmd rules_cmds[] = {
	{ "init", do_init, "--object FILE.bpf.o [--object ...] [-o RULES] [--app NAME]",
	  "draft a rules file from the objects' map definitions" },
	{ "check", do_check, "RULES --object FILE.bpf.o [--object ...] [--format table|json] "
	  "[--unmanaged ok|warn|error]",
	  "report stale rules" },
};

int do_rules(int argc, char **argv)
{
	return cmd_select(rules_cmds, ARRAY_SIZE(rules_cmds), "rules", argc - 1, argv + 1, usage);
}
