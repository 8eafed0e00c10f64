// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The slots of a loaded map-in-map: which inner map each holds, so status
 * can show every inner instance with its own fill. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include "internal.h"
#include "map_batch.h"

static int cmp_slot(const void *a, const void *b)
{
	const struct mapsize_inner_slot *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

int mapsize_inner__list_slots(uint32_t outer_id, struct mapsize_inner_slot **slots, size_t *cnt)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct mapsize_inner_slot *v = NULL;
	struct map_key_walk w = { 0 };	/* freed also when never started */
	size_t n = 0, cap = 0;
	int fd, ret;

	if (!slots || !cnt)
		return -EINVAL;
	*slots = NULL;
	*cnt = 0;
	fd = bpf_map_get_fd_by_id(outer_id);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (!ret && !bpf_map_type_has(info.type, MAPSIZE_TRAIT_MAP_IN_MAP))
		ret = -EINVAL;
	if (!ret && (info.key_size > sizeof(uint64_t) || !info.key_size))
		ret = -EOPNOTSUPP;
	if (!ret)
		ret = map_key_walk__init(&w, fd, info.key_size, MAP_KEY_WALK_NO_BUDGET);
	while (!ret && (ret = map_key_walk__next(&w)) > 0) {
		const unsigned char *key = w.key;
		uint32_t id = 0;
		uint64_t k = 0;

		ret = 0;
		/* user space reads an fd map's slot as the inner map's id */
		if (bpf_map_lookup_elem(fd, key, &id) || !id)
			continue;	/* empty array slot, or deleted since */
		if (n == cap) {
			struct mapsize_inner_slot *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (info.key_size == 2) {
			uint16_t k16;

			memcpy(&k16, key, sizeof(k16));
			k = k16;
		} else if (info.key_size == 4) {
			uint32_t k32;

			memcpy(&k32, key, sizeof(k32));
			k = k32;
		} else {
			memcpy(&k, key, info.key_size);	/* 1, 8; others: the low bytes on little endian */
		}
		v[n++] = (struct mapsize_inner_slot){ .key = k, .inner_id = id };
	}
	map_key_walk__free(&w);
	close(fd);
	if (ret) {
		free(v);
		return ret;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_slot);
	*slots = v;
	*cnt = n;
	return 0;
}
