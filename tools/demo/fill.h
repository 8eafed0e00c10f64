/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapsize-demo-agent --fill MAP=COUNT[@START]: run the demo object's fill
 * programs (BPF_PROG_TEST_RUN) to insert COUNT keys into a managed map from
 * BPF, through MAPSIZE_UPDATE, and report what the overflow counters saw. */
#ifndef MAPSIZE_DEMO_FILL_H
#define MAPSIZE_DEMO_FILL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "json.h"
#include <mapsize/overflow.h>

struct bpf_object;

/* Default first key: above pid_max and any cgroup id in practice, so the
 * keys are new to the maps the programs fill (64.0.0.0 for addr4_lpm). */
#define DEMO_FILL_START 0x40000000U

/* The context of fill_map / fill_lpm (tools/demo/agent.bpf.c). */
struct demo_fill_args {
	uint32_t map_id;
	uint32_t start;
	uint32_t count;
	uint32_t flags;
};

struct demo_fill {
	char map[64];
	uint32_t start, count, flags;
	/* results */
	const char *prog;		/* fill_map or fill_lpm */
	uint32_t map_id;		/* the map's overflow slot (MAPSIZE_<NAME>_ID) */
	uint32_t failed;		/* inserts the kernel refused */
	uint64_t counted[MAPSIZE_OVF_CLASSES];	/* overflow counter increase, by class */
};

/* "MAP=COUNT[@START]"; 0, or -1 after printing a usage error. */
int demo_fill__parse(const char *arg, struct demo_fill *f);
/* Run one fill on the loaded object.  0, or a negative errno after printing
 * why (no such map, a map the programs cannot fill, the test run failed). */
int demo_fill__run(struct bpf_object *obj, struct demo_fill *f);
void demo_fill__print(FILE *out, const struct demo_fill *f);
jv_t *demo_fill__json(const struct demo_fill *f);

#endif
