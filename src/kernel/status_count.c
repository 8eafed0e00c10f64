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
#include "map_batch.h"
#include "internal.h"

static bool has(unsigned int bpf_type, uint32_t traits)
{
	return bpf_map_type_has(bpf_type, traits);
}

static int count_kfunc(const struct status_counter_env *env, const struct mapsize_live_map *m, uint64_t *n,
		       const char **why)
{
	if (!has(m->bpf_type, MAPSIZE_TRAIT_HASH))
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
	uint32_t chunk = m->max_entries < 4096 ? (m->max_entries ? m->max_entries : 1) : 4096;
	struct map_batch b;
	int ret;

	/* hash_of_maps has no batch ops; arrays are not counted */
	if (!has(m->bpf_type, MAPSIZE_TRAIT_BATCH) || !has(m->bpf_type, MAPSIZE_TRAIT_HASH))
		return *why = "batch lookup exists for hash, percpu_hash and their LRU kinds", -EOPNOTSUPP;
	ret = map_batch__init(&b, fd, m->bpf_type, m->key_size, m->value_size, env->possible_cpus, chunk);
	*n = 0;
	while (!ret && (ret = map_batch__next(&b)) > 0) {
		*n += b.n;
		ret = 0;
	}
	map_batch__free(&b);
	if (ret)
		*why = "batch lookup failed";
	return ret;
}

static int count_iterate(const struct status_counter_env *env, int fd, const struct mapsize_live_map *m,
			 uint64_t *n, bool *truncated, const char **why)
{
	struct map_key_walk w;
	int ret;

	if (!has(m->bpf_type, MAPSIZE_TRAIT_WALKABLE))
		return *why = "its keys cannot be walked", -EOPNOTSUPP;
	ret = map_key_walk__init(&w, fd, m->key_size, env->max_walk);
	if (ret)
		return ret;
	*n = 0;
	*truncated = false;
	while ((ret = map_key_walk__next(&w)) > 0)
		(*n)++;
	if (ret == -EAGAIN) {
		/* a key past max_walk: the count so far is a lower bound */
		*truncated = true;
		ret = 0;
	}
	map_key_walk__free(&w);
	if (ret)
		*why = "key walk failed";
	return ret;
}

void status_count_map(struct status_counter_env *env, int fd, struct mapsize_live_map *m)
{
	static const enum mapsize_count_method order[] = {
		MAPSIZE_COUNT_KFUNC, MAPSIZE_COUNT_MEMLOCK, MAPSIZE_COUNT_BATCH, MAPSIZE_COUNT_ITERATE,
	};
	const char *uncountable = bpf_map_type_why_uncountable(m->bpf_type), *why = NULL;

	m->evicts = has(m->bpf_type, MAPSIZE_TRAIT_LRU);
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
