/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading `kubectl get nodes -o json` and `kubectl get pods -A -o json` into
 * the per-node and per-cluster figures of `mapsize profile --from-kubernetes`. */
#ifndef MAPSIZE_KUBE_READ_H
#define MAPSIZE_KUBE_READ_H

#include <stddef.h>
#include <stdint.h>
#include "kube.h"

struct kube_node {
	char *name;
	char cpu_raw[40], memory_raw[40];	/* the quantities as kubectl printed them */
	uint64_t cpus, memory, pods, containers;
};

struct kube_cluster {
	struct kube_node *nodes;		/* sorted by name */
	size_t node_cnt;
	size_t pod_cnt;
	size_t unscheduled;			/* pods without spec.nodeName */
	size_t on_unknown_node;			/* spec.nodeName not among the nodes */
	size_t finished;			/* status.phase Succeeded or Failed (still counted) */
	char **workloads;			/* "namespace\x1fkind\x1fname", sorted, distinct */
	size_t workload_cnt;
};

/* 0, or -1 after printing `FILE: error: JSON-PATH: ...` to stderr. */
int kube_read_nodes(const char *path, struct kube_cluster *c);
int kube_read_pods(const char *path, struct kube_cluster *c);
void kube_cluster_free(struct kube_cluster *c);
/* Control characters -> '?', in place: text bound for YAML comments. */
void kube_printable(char *s);

#endif
