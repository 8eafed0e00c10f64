// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize counters attach|detach [--pin DIR]`: the kernel-side counters of
 * <mapsize/counters.h>, pinned so counting goes on while no mapsize process
 * runs; `mapsize status` reads them from the same directory. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapsize/counters.h>
#include "mapsize.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mapsize counters attach [--pin DIR]\n"
		"       mapsize counters detach [--pin DIR]\n\n"
		"attach  loads tracing programs (fentry/fexit) that count, for every map on this machine,\n"
		"        failed inserts by errno class, LRU evictions and ring-buffer drops, and pins\n"
		"        them with their counter map in DIR (default " MAPSIZE_COUNTERS_PIN_DIR ") so\n"
		"        counting goes on after mapsize exits.  Attaching again is a no-op.  Exit 1 when\n"
		"        the kernel refuses tracing programs (lockdown, no BTF, no BPF trampoline).\n"
		"detach  removes everything attach pinned in DIR.\n");
}

/* --pin DIR, the only option; 0, or the usage exit status 2. */
static int parse_pin(int argc, char **argv, const char *cmd, const char **dir)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	*dir = MAPSIZE_COUNTERS_PIN_DIR;
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if (opt == '?')
			goto bad;
		if (!optarg[0]) {
			fprintf(stderr, "error: --pin '': expected a directory on a bpffs mount\n");
			goto bad;
		}
		*dir = optarg;
	}
	if (optind == argc)
		return 0;
	fprintf(stderr, "error: mapsize counters %s takes no argument, found '%s'\n", cmd, argv[optind]);
bad:
	fprintf(stderr, "see: mapsize counters --help\n");
	return 2;
}

static int do_attach(int argc, char **argv)
{
	struct mapsize_counters *c;
	struct mapsize_error err;
	const char *dir;
	bool already;
	char since[64];
	time_t t;
	int ret = parse_pin(argc, argv, "attach", &dir);

	if (ret)
		return ret < 0 ? 0 : ret;
	ret = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
		.sz = sizeof(struct mapsize_counters_attach_opts), .pin_dir = dir, .already = &already }, &c, &err);
	if (ret) {
		print_error(&err);
		return 1;
	}
	t = (time_t)mapsize_counters__since(c);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("kernel counters %s in %s since %s\n", already ? "already attached" : "attached", dir, since);
	if (mapsize_counters__unavailable(c)[0])
		printf("not counted on this kernel (function missing or not attachable): %s\n", mapsize_counters__unavailable(c));
	mapsize_counters__free(c);
	return 0;
}

static int do_detach(int argc, char **argv)
{
	struct mapsize_error err;
	const char *dir;
	int ret = parse_pin(argc, argv, "detach", &dir);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (mapsize_counters__detach(dir, &err)) {
		print_error(&err);
		return 1;
	}
	printf("kernel counters detached from %s\n", dir);
	return 0;
}

static const struct cmd counters_cmds[] = {
	{ "attach", do_attach, "[--pin DIR]", "count failed inserts, evictions and drops of every map" },
	{ "detach", do_detach, "[--pin DIR]", "stop counting and remove the pins" },
};

int do_counters(int argc, char **argv)
{
	return cmd_select(counters_cmds, ARRAY_SIZE(counters_cmds), "counters", argc - 1, argv + 1, usage);
}
