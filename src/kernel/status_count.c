// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counting one map's live entries, each count labelled with its method,
 * cheapest first: kfunc (one read for all maps, status_kfunc.c), memlock
 * (fdinfo inverted through the memory model), batch lookup, key walk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "status_internal.h"
#include "internal.h"

/* The hash family keeps the per-CPU element count the kfunc sums. */
static bool is_hash_family(unsigned int t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static bool is_percpu(unsigned int t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* Types whose keys can be walked with BPF_MAP_GET_NEXT_KEY and whose
 * count means "how full". */
static bool is_walkable(unsigned int t)
{
	return is_hash_family(t) || t == BPF_MAP_TYPE_LPM_TRIE || t == BPF_MAP_TYPE_DEVMAP_HASH ||
	       t == BPF_MAP_TYPE_SOCKHASH || t == BPF_MAP_TYPE_STACK_TRACE;
}

/* Why a map has no meaningful occupancy; NULL when it has one. */
static const char *why_uncountable(unsigned int t)
{
	switch (t) {
	case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY: case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: case BPF_MAP_TYPE_CGROUP_ARRAY: case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_DEVMAP: case BPF_MAP_TYPE_CPUMAP: case BPF_MAP_TYPE_XSKMAP: case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
		return "array: every slot always exists";
	case BPF_MAP_TYPE_RINGBUF: case BPF_MAP_TYPE_USER_RINGBUF:
		return "ring buffer: holds bytes in flight, not entries";
	case BPF_MAP_TYPE_QUEUE: case BPF_MAP_TYPE_STACK:
		return "queue/stack: counting would pop its elements";
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return "bloom filter: cannot tell how many elements it holds";
	case BPF_MAP_TYPE_SK_STORAGE: case BPF_MAP_TYPE_INODE_STORAGE: case BPF_MAP_TYPE_TASK_STORAGE:
	case 32 /* BPF_MAP_TYPE_CGRP_STORAGE, 6.2 */: case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return "local storage: one element per owner, no max_entries";
	default:
		return is_walkable(t) ? NULL : "no way to count this map type";
	}
}

static int count_kfunc(const struct status_counter_env *env, const struct mapsize_live_map *m, uint64_t *n,
		       const char **why)
{
	if (!is_hash_family(m->bpf_type))
		return *why = "kfunc counts the hash family only", -EOPNOTSUPP;
	if (!env->have_kfunc)
		return *why = "kfunc: bpf_map_sum_elem_count() needs Linux 6.6+ with BTF", -EOPNOTSUPP;
	if (!status_counts_find(&env->kfunc, m->id, n))
		return *why = "kfunc: the map appeared after the iterator ran", -ENOENT;
	return 0;
}

/* memlock(n) = memlock(0) + n * per-element for the maps whose memlock
 * follows their element count (6.4+): solve for n, and accept it only
 * when the model reproduces the kernel's figure to the byte. */
static int count_memlock(struct status_counter_env *env, const struct mapsize_live_map *m, uint64_t *n,
			 const char **why)
{
	struct mapsize_mem_map mm = {
		.sz = sizeof(mm),
		.type = mapsize_map_type__from_bpf_type(m->bpf_type),
		.key_size = m->key_size,
		.value_size = m->value_size,
		.max_entries = m->max_entries,
		.map_flags = m->map_flags,
		.possible_cpus = env->possible_cpus,
	};
	uint64_t m0, m1, got;

	if (mm.type == MAPSIZE_MAP_UNSPEC || !mapsize_mem_map__counts_entries(&mm))
		return *why = "memlock follows the count of no-prealloc hashes and lpm_trie only", -EOPNOTSUPP;
	if (!status_env_model(env) || env->era != MAPSIZE_MEM_ERA_MEM_USAGE)
		return *why = "memlock: needs Linux 6.4+ and the kernel's struct sizes", -EOPNOTSUPP;
	if (mapsize_memlock(&mm, &env->consts, env->era, 0, &m0) ||
	    mapsize_memlock(&mm, &env->consts, env->era, mm.max_entries ? 1 : 0, &m1) || m1 <= m0 ||
	    m->memlock_bytes < m0 || (m->memlock_bytes - m0) % (m1 - m0))
		return *why = "memlock: the figure does not match the memory model", -ERANGE;
	*n = (m->memlock_bytes - m0) / (m1 - m0);
	if (*n > m->max_entries || mapsize_memlock(&mm, &env->consts, env->era, *n, &got) ||
	    got != m->memlock_bytes)
		return *why = "memlock: the figure does not match the memory model", -ERANGE;
	return 0;
}

static int count_batch(const struct status_counter_env *env, int fd, const struct mapsize_live_map *m,
		       uint64_t *n, const char **why)
{
	uint32_t batch = m->max_entries < 4096 ? (m->max_entries ? m->max_entries : 1) : 4096;
	size_t vsize = is_percpu(m->bpf_type) ? (size_t)((m->value_size + 7) & ~7U) * env->possible_cpus
					      : m->value_size;
	char *keys = NULL, *vals = NULL, *in = NULL, *out = NULL;
	bool first = true;
	int ret = 0;

	if (!is_hash_family(m->bpf_type) || m->bpf_type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return *why = "batch lookup exists for hash, percpu_hash and their LRU kinds", -EOPNOTSUPP;
	*n = 0;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		uint32_t got = batch;

		if (!keys) {
			keys = malloc((size_t)m->key_size * batch);
			vals = malloc(vsize * batch);
			in = calloc(1, m->key_size);
			out = calloc(1, m->key_size);
			if (!keys || !vals || !in || !out) {
				ret = -ENOMEM;
				break;
			}
		}
		ret = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &got, &opts);
		if (ret < 0 && errno == ENOSPC && batch < (1U << 20) && got == 0) {
			/* a bucket holds more than a batch: retry with more room */
			batch *= 2;
			free(keys), free(vals), free(in), free(out);
			keys = vals = in = out = NULL;
			*n = 0;
			first = true;
			continue;
		}
		*n += got;
		if (ret < 0) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		memcpy(in, out, m->key_size);
		first = false;
	}
	free(keys), free(vals), free(in), free(out);
	if (ret)
		*why = "batch lookup failed";
	return ret;
}

static int count_iterate(const struct status_counter_env *env, int fd, const struct mapsize_live_map *m,
			 uint64_t *n, bool *truncated, const char **why)
{
	char *keys = calloc(2, m->key_size ? m->key_size : 1);
	char *cur = keys, *next = keys + m->key_size;
	bool first = true;
	int ret = 0;

	if (!is_walkable(m->bpf_type)) {
		free(keys);
		return *why = "its keys cannot be walked", -EOPNOTSUPP;
	}
	if (!keys)
		return -ENOMEM;
	*n = 0;
	*truncated = false;
	for (;;) {
		char *swap;

		if (bpf_map_get_next_key(fd, first ? NULL : cur, next)) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		if (*n >= env->max_walk) {
			*truncated = true;
			break;
		}
		(*n)++;
		first = false;
		swap = cur, cur = next, next = swap;
	}
	free(keys);
	if (ret)
		*why = "key walk failed";
	return ret;
}

void status_count_map(struct status_counter_env *env, int fd, struct mapsize_live_map *m)
{
	static const enum mapsize_count_method order[] = {
		MAPSIZE_COUNT_KFUNC, MAPSIZE_COUNT_MEMLOCK, MAPSIZE_COUNT_BATCH, MAPSIZE_COUNT_ITERATE,
	};
	const char *uncountable = why_uncountable(m->bpf_type), *why = NULL;

	m->evicts = m->bpf_type == BPF_MAP_TYPE_LRU_HASH || m->bpf_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	m->has_entries = false;
	m->count_method = MAPSIZE_COUNT_NONE;
	if (uncountable && env->method == MAPSIZE_COUNT_AUTO) {
		m->note = uncountable;
		return;
	}
	if (env->method == MAPSIZE_COUNT_NONE) {
		m->note = "not counted (--count-method none)";
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		enum mapsize_count_method method = order[i];
		bool truncated = false;
		uint64_t n = 0;
		int ret;

		if (env->method != MAPSIZE_COUNT_AUTO && env->method != method)
			continue;
		switch (method) {
		case MAPSIZE_COUNT_KFUNC: ret = count_kfunc(env, m, &n, &why); break;
		case MAPSIZE_COUNT_MEMLOCK: ret = count_memlock(env, m, &n, &why); break;
		case MAPSIZE_COUNT_BATCH: ret = count_batch(env, fd, m, &n, &why); break;
		default: ret = count_iterate(env, fd, m, &n, &truncated, &why); break;
		}
		if (ret)
			continue;
		m->has_entries = true;
		m->entries = n;
		m->count_method = method;
		m->walk_truncated = truncated;
		if (truncated) {
			m->note = "walk stopped at --max-walk: entries is a lower bound";
		} else if (m->evicts) {
			m->note = "LRU: evicts before full";
		} else {
			m->note = NULL;
		}
		return;
	}
	m->note = uncountable ? uncountable : why;
}
