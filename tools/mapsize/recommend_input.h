/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `mapsize recommend`: the observations of every managed map, from status
 * records (recommend_records.c), and the command (cmd_recommend.c). */
#ifndef MAPSIZE_TOOL_RECOMMEND_INPUT_H
#define MAPSIZE_TOOL_RECOMMEND_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include "mapsize.h"
#include "prom_http.h"

/* One managed map over the window. */
struct rec_obs {
	const char *name;		/* the rules' map name */
	size_t samples;			/* readings with an entry count, all nodes */
	size_t nodes;			/* nodes that reported it */
	uint64_t peak;			/* the largest entries, at --percentile across nodes */
	/* within the window, on the node whose demand is the percentile:
	 * failed inserts (the larger of the agent's and the kernel's count:
	 * the kernel also sees the agent's), LRU evictions, ring-buffer drops */
	uint64_t overflow, evictions, drops;
	uint64_t demand;		/* peak + overflow + evictions + drops, at --percentile across nodes */
	bool has_p99;			/* at least 100 samples */
	uint64_t p99;			/* 99th percentile of every sample */
	bool leak;			/* some node grew steadily without a plateau */
	char leak_node[64];
};

struct rec_input {
	struct rec_obs *maps;		/* observed managed maps, in rules order */
	size_t cnt;
	size_t node_cnt;
	int64_t newest;			/* time of the newest sample used */
};

struct rec_select {
	int64_t now;			/* the window ends here (unix seconds) */
	int64_t window;			/* seconds */
	double percentile;		/* across nodes, (0, 100] */
	const char *node;		/* --node, NULL: all */
	const struct mapsize_rules *rules;
	const char *rules_path;		/* for messages */
};

/* Read JSON Lines of `mapsize status --record`.  0, or 2 after printing
 * "FILE:LINE:COL: error: ..." (malformed line, unknown map, no samples). */
int rec_read_records(const char *const *files, size_t file_cnt, const struct rec_select *sel,
		     struct rec_input *out);
void rec_input_free(struct rec_input *in);

/* --prometheus URL and its options. */
struct prom_source {
	const char *url;
	const char *node_label;		/* the label naming the node: "instance" */
	struct prom_http_opts http;
};

/* The same observations from a Prometheus HTTP API (recommend_prometheus.c).
 * 0, or 2 after printing "URL: error: ..." (unreachable, HTTP error,
 * malformed answer, no samples). */
int rec_read_prometheus(const struct prom_source *src, const struct rec_select *sel, struct rec_input *out);

/* "7d", "12h", "30m", "90s", "1w", or seconds: 0 or -1. */
int rec_parse_duration(const char *s, int64_t *seconds);

#endif
