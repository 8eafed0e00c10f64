/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One walk of a map with BPF_MAP_LOOKUP_BATCH, chunk by chunk: used by
 * status counting (status_count.c) and the inner instance copy
 * (inner_grow.c).  Beside it the one BPF_MAP_GET_NEXT_KEY key walk, for
 * types or kernels without batch ops and for walks that want keys only. */
#ifndef MAPSIZE_MAP_BATCH_H
#define MAPSIZE_MAP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct map_batch {
	int fd;
	uint32_t key_size;
	size_t value_bytes;	/* one value as user space reads it (per-CPU: all CPUs) */
	uint32_t chunk;		/* entries the buffers hold */
	char *keys, *vals;	/* the last chunk: n keys, n values */
	uint32_t n;
	size_t token_size;
	char *token;		/* in, then out: token_size bytes each */
	bool started, done;
	uint64_t elem_flags;	/* e.g. BPF_F_LOCK: set after init (pin_map.c) */
};

/* The size of the kernel's batch token: hashtab.c keeps a u32 bucket index
 * (__htab_map_lookup_and_delete_batch), generic_map_lookup_batch (arrays,
 * lpm_trie) a key; max(key_size, 4) holds either. */
size_t map_batch_token_size(uint32_t key_size);

/* Bytes of one value as user space reads it: per-CPU maps give one
 * 8-byte aligned value per possible CPU. */
size_t map_value_bytes(unsigned int bpf_type, uint32_t value_size, uint32_t possible_cpus);

/* Start a walk of `fd` (uapi type bpf_type, key and value sizes as the
 * kernel reports them) reading up to `chunk` entries a call.  0 or -ENOMEM. */
int map_batch__init(struct map_batch *b, int fd, unsigned int bpf_type, uint32_t key_size, uint32_t value_size,
		    uint32_t possible_cpus, uint32_t chunk);
/* The next chunk into b->keys / b->vals (b->n entries): 1 when b->n entries
 * were read (maybe 0 at the very end), 0 when the walk is over, -EOPNOTSUPP
 * when the map has no batch ops (first call only), else -errno. */
int map_batch__next(struct map_batch *b);
void map_batch__free(struct map_batch *b);

/* Key by key with get_next_key: restarts from NULL, then from the last key
 * read.  A hash (or trie) restarts from its first key when that key was
 * deleted meanwhile, so a walk under deletes may see keys again: `budget`
 * bounds the keys returned (MAP_KEY_WALK_NO_BUDGET: unbounded). */
#define MAP_KEY_WALK_NO_BUDGET UINT64_MAX

struct map_key_walk {
	int fd;
	uint32_t key_size;
	void *key;		/* the key the last __next returned: key_size bytes */
	void *next;		/* get_next_key's output, swapped with key */
	uint64_t left;		/* keys the budget still allows */
	bool started;
};

/* 0 or -ENOMEM. */
int map_key_walk__init(struct map_key_walk *w, int fd, uint32_t key_size, uint64_t budget);
/* 1 with w->key holding the next key, 0 at the end, -EAGAIN when a key
 * past the budget was found, else -errno of get_next_key. */
int map_key_walk__next(struct map_key_walk *w);
/* Also for a zeroed walk that was never initialised. */
void map_key_walk__free(struct map_key_walk *w);

#endif
