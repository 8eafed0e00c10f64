// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize: size eBPF maps for the cluster an agent runs in. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mapsize.h"

static const struct cmd cmds[] = {
	{ "plan", do_plan, "RULES [plan options] [--node-local] [--pod-memory] [--object FILE [--pin-root DIR]] [-o FILE]",
	  "compute max_entries and preallocation of every map" },
	{ "gen-header", do_gen_header, "RULES [plan options] -o FILE",
	  "write a C header with the plan for static builds" },
	{ "maps", do_maps, "RULES [plan options]",
	  "list the maps and which can toggle preallocation" },
	{ "verify", do_verify, "RULES --object FILE.bpf.o [--strict] [--pin-root DIR] [--maps-only | --skip-program NAME]",
	  "apply the plan to an object, load it, compare with the kernel" },
	{ "migrate", do_migrate,
	  "RULES --object FILE [--pin-root DIR] [--dry-run] [--finish] [--min-change PERCENT] [--format json]",
	  "carry pinned maps' entries into the planned size; --finish after the agent restarted" },
	{ "report", do_report, "RULES [--object OBJ] [--svg FILE] [options]",
	  "memory of every map: small, medium, large vs a baseline, SVG chart" },
	{ "status", do_status, "[--name GLOB] [--format table|json|prometheus] [--watch S] [--rules RULES]",
	  "live maps: entries, fill, failed inserts, growth; Prometheus; against the plan" },
	{ "counters", do_counters, "attach|detach [--pin DIR]",
	  "kernel-side counters: failed inserts, LRU evictions, ring-buffer drops of every map" },
	{ "recommend", do_recommend, "--rules RULES --records FILE... [--window D] [--headroom K] [-o FILE]",
	  "the profile that fits what the maps reached: peaks, dimensions, shrink and leak flags" },
	{ "rules", do_rules, "init|check --object FILE.bpf.o [...]", "draft rules from objects; find stale rules" },
	{ "objects", do_objects, "FILE [--format table|json]",
	  "list the BPF objects an executable or library embeds (--object FILE:NAME)" },
	{ "profile", do_profile, "--from-kubernetes NODES.json PODS.json [--base B] [--percentile P] [-o FILE]",
	  "a cluster profile from kubectl's nodes and pods JSON" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: mapsize COMMAND RULES [OPTIONS]\n"
		     "       mapsize --help | --version\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-11s %s\n  %-11s   %s\n", cmds[i].name, cmds[i].args, "", cmds[i].help);
	fprintf(out, "\n");
	plan_options__usage(out);
	fprintf(out, "\n`mapsize maps RULES` lists the maps whose preallocation can toggle.\n"
		     "Exit status: 0 success, 2 usage or input error, 1 other failure.\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("mapsize %s\n", MAPSIZE_VERSION);
		return 0;
	}
	return cmd_select(cmds, ARRAY_SIZE(cmds), NULL, argc - 1, argv + 1, usage);
}
