// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BPF_MAP_LOOKUP_BATCH walks with a token buffer the size the kernel
 * writes, and the get_next_key key walk (map_batch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "map_batch.h"
#include "internal.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's, for a map type without batch ops */
#endif

size_t map_batch_token_size(uint32_t key_size)
{
	return key_size > sizeof(uint32_t) ? key_size : sizeof(uint32_t);
}

size_t map_value_bytes(unsigned int bpf_type, uint32_t value_size, uint32_t possible_cpus)
{
	if (!bpf_map_type_has(bpf_type, MAPSIZE_TRAIT_PERCPU))
		return value_size;
	return (size_t)((value_size + 7) & ~7U) * (possible_cpus ? possible_cpus : 1);
}

static int alloc_chunk(struct map_batch *b)
{
	free(b->keys);
	free(b->vals);
	b->keys = malloc((size_t)b->chunk * (b->key_size ? b->key_size : 1));
	b->vals = malloc((size_t)b->chunk * (b->value_bytes ? b->value_bytes : 1));
	return b->keys && b->vals ? 0 : -ENOMEM;
}

int map_batch__init(struct map_batch *b, int fd, unsigned int bpf_type, uint32_t key_size, uint32_t value_size,
		    uint32_t possible_cpus, uint32_t chunk)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->key_size = key_size;
	b->value_bytes = map_value_bytes(bpf_type, value_size, possible_cpus);
	b->chunk = chunk ? chunk : 1;
	b->token_size = map_batch_token_size(key_size);
	b->token = calloc(2, b->token_size);
	if (!b->token || alloc_chunk(b)) {
		map_batch__free(b);
		return -ENOMEM;
	}
	return 0;
}

int map_batch__next(struct map_batch *b)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = b->elem_flags);
	char *in = b->token, *out = b->token + b->token_size;

	if (b->done)
		return 0;
	for (;;) {
		__u32 n = b->chunk;
		int ret = bpf_map_lookup_batch(b->fd, b->started ? in : NULL, out, b->keys, b->vals, &n, &opts);

		b->n = 0;
		if (ret && ret != -ENOENT) {
			if (ret == -ENOSPC && !n && b->chunk < (1U << 20)) {
				/* a hash bucket holds more than a chunk: nothing was
				 * read and the token did not move, retry with room */
				b->chunk *= 4;
				if (alloc_chunk(b))
					return -ENOMEM;
				continue;
			}
			if (!b->started && (ret == -EINVAL || ret == -ENOTSUPP || ret == -EOPNOTSUPP))
				return -EOPNOTSUPP;
			return ret;
		}
		b->n = n;
		b->done = ret == -ENOENT;
		b->started = true;
		memcpy(in, out, b->token_size);
		return 1;
	}
}

void map_batch__free(struct map_batch *b)
{
	free(b->keys);
	free(b->vals);
	free(b->token);
	b->keys = b->vals = b->token = NULL;
}

int map_key_walk__init(struct map_key_walk *w, int fd, uint32_t key_size, uint64_t budget)
{
	/* one allocation for both keys; a 0-byte key still gets a buffer */
	char *buf = calloc(2, key_size ? key_size : 1);

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->key_size = key_size;
	w->left = budget;
	if (!buf)
		return -ENOMEM;
	w->key = buf;
	w->next = buf + (key_size ? key_size : 1);
	return 0;
}

int map_key_walk__next(struct map_key_walk *w)
{
	void *swap;
	int err;

	err = bpf_map_get_next_key(w->fd, w->started ? w->key : NULL, w->next);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (w->left != MAP_KEY_WALK_NO_BUDGET) {
		if (!w->left)
			return -EAGAIN;	/* and again on every later call */
		w->left--;
	}
	w->started = true;
	swap = w->key, w->key = w->next, w->next = swap;
	return 1;
}

void map_key_walk__free(struct map_key_walk *w)
{
	/* key and next are the two halves of one allocation */
	free(w->key < w->next ? w->key : w->next);
	w->key = w->next = NULL;
}
