// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Live entry counts for every map on the machine in one read(): the
 * iter/bpf_map program of bpf/map_count.bpf.c calls the kernel's
 * bpf_map_sum_elem_count() (6.6+) for each map. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "status_internal.h"
#include "internal.h"
#include "map_count.skel.h"

struct map_count_rec {		/* struct mapsize_map_count in the BPF program */
	uint32_t id;
	uint32_t reserved;
	int64_t count;
};

static int cmp_id(const void *a, const void *b)
{
	const struct status_count *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct status_kfunc {
	struct map_count_bpf *skel;
	struct bpf_link *link;
};

int status_kfunc_open(struct status_kfunc **out)
{
	struct status_kfunc *k = calloc(1, sizeof(*k));
	int ret;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	/* Loading is most of the cost (CO-RE against the kernel's BTF, the
	 * kfunc's resolution): done once per reader, not per read. */
	k->skel = map_count_bpf__open_and_load();
	if (!k->skel) {
		ret = errno ? -errno : -ENOTSUP;	/* no kfunc (< 6.6), no BTF, or no CAP_BPF */
		free(k);
		return ret;
	}
	k->link = bpf_program__attach_iter(k->skel->progs.mapsize_map_count, NULL);
	if (!k->link) {
		ret = -errno;
		status_kfunc_close(k);
		return ret;
	}
	*out = k;
	return 0;
}

void status_kfunc_close(struct status_kfunc *k)
{
	if (!k)
		return;
	bpf_link__destroy(k->link);
	map_count_bpf__destroy(k->skel);
	free(k);
}

int status_kfunc_counts(struct status_kfunc *k, struct status_counts *out)
{
	struct map_count_rec rec;
	size_t cap = 0;
	int iter_fd, ret = 0;
	ssize_t n;

	out->cnt = 0;
	free(out->items);
	out->items = NULL;
	iter_fd = bpf_iter_create(bpf_link__fd(k->link));	/* a fresh pass over every map */
	if (iter_fd < 0)
		return -errno;
	while ((n = read(iter_fd, &rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		if (array_reserve((void **)&out->items, &cap, out->cnt + 1, sizeof(*out->items))) {
			ret = -ENOMEM;
			break;
		}
		out->items[out->cnt].id = rec.id;
		out->items[out->cnt].count = rec.count < 0 ? 0 : (uint64_t)rec.count;
		out->cnt++;
	}
	if (!ret && n < 0)
		ret = -errno;
	close(iter_fd);
	if (ret) {
		free(out->items);
		out->items = NULL;
		out->cnt = 0;
		return ret;
	}
	if (out->cnt)	/* items is NULL when the pass saw no map */
		qsort(out->items, out->cnt, sizeof(*out->items), cmp_id);
	return 0;
}

bool status_counts_find(const struct status_counts *c, uint32_t id, uint64_t *count)
{
	struct status_count key = { .id = id }, *hit;

	if (!c->cnt)
		return false;
	hit = bsearch(&key, c->items, c->cnt, sizeof(key), cmp_id);
	if (hit)
		*count = hit->count;
	return hit != NULL;
}
