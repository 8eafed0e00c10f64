// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading and writing the entries of a map migrate copies (pin_migrate.h):
 * per-CPU values for every possible CPU, BPF_F_LOCK for a value holding a
 * bpf_spin_lock (found in the map's BTF), maps of maps whose lookups give
 * inner map ids and whose updates take fds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "map_batch.h"
#include "pin_live.h"
#include "pin_migrate.h"

const char *pin_map_type_refusal(unsigned int bpf_type)
{
	switch (bpf_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LPM_TRIE:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return NULL;
	case BPF_MAP_TYPE_PROG_ARRAY:
		return "a program array holds programs of the object that filled it: the agent rebuilds it at load";
	default:
		return "its entries cannot be read and written back from user space (kernel objects, "
		       "queues or per-owner storage): the agent recreates it";
	}
}

/* A struct bpf_spin_lock in the value type, nested structs included (the
 * kernel finds it there too: btf_parse_fields). */
static bool btf_has_spin_lock(const struct btf *btf, __u32 id, int depth)
{
	const struct btf_type *t;
	const struct btf_member *m;

	if (depth > 8)
		return false;
	id = btf__resolve_type(btf, id) < 0 ? id : (__u32)btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (!t)
		return false;
	if (btf_is_array(t))
		return btf_has_spin_lock(btf, btf_array(t)->type, depth + 1);
	if (!btf_is_struct(t) && !btf_is_union(t))
		return false;
	if (btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off), "bpf_spin_lock"))
		return true;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (btf_has_spin_lock(btf, m->type, depth + 1))
			return true;
	return false;
}

static bool map_has_spin_lock(const struct bpf_map_info *info)
{
	struct btf *btf;
	bool has;

	if (!info->btf_id || !info->btf_value_type_id)
		return false;
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return false;
	has = btf_has_spin_lock(btf, info->btf_value_type_id, 0);
	btf__free(btf);
	return has;
}

int pin_map__init(struct pin_map *m, int fd)
{
	__u32 len = sizeof(m->info);
	int cpus = libbpf_num_possible_cpus();
	int err;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	err = bpf_obj_get_info_by_fd(fd, &m->info, &len);
	if (err) {
		close(fd);
		m->fd = -1;
		return err;
	}
	m->value_bytes = map_value_bytes(m->info.type, m->info.value_size, cpus > 0 ? (uint32_t)cpus : 1);
	m->of_maps = m->info.type == BPF_MAP_TYPE_HASH_OF_MAPS || m->info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
	m->dense = m->info.type == BPF_MAP_TYPE_ARRAY || m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	if (map_has_spin_lock(&m->info))
		m->elem_flags = BPF_F_LOCK;
	return 0;
}

int pin_map__open(struct pin_map *m, const char *path)
{
	int fd = bpf_obj_get(path);

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (fd < 0)
		return -errno;
	if (!pin_fd_is_map(fd)) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	return pin_map__init(m, fd);
}

void pin_map__close(struct pin_map *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

uint64_t pin_map__digest(const struct pin_map *m, const void *val)
{
	return fnv1a(FNV1A_INIT, val, m->value_bytes);
}

bool pin_map__value_zero(const struct pin_map *m, const void *val)
{
	const char *p = val;

	for (size_t i = 0; i < m->value_bytes; i++)
		if (p[i])
			return false;
	return true;
}

int pin_map__lookup(const struct pin_map *m, const void *key, void *val)
{
	return bpf_map_lookup_elem_flags(m->fd, key, val, m->elem_flags);
}

int pin_map__update(const struct pin_map *m, const void *key, const void *val, __u64 flags)
{
	__u32 id, inner;
	int fd, err;

	if (!m->of_maps)
		return bpf_map_update_elem(m->fd, key, val, flags | m->elem_flags);
	memcpy(&id, val, sizeof(id));
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	inner = (__u32)fd;
	err = bpf_map_update_elem(m->fd, key, &inner, flags);
	close(fd);
	return err;
}

/* Maps of maps: the ids turned into fds for one batch update. */
static int update_many_of_maps(const struct pin_map *m, const char *keys, const char *vals, uint32_t n,
			       bool no_batch, uint32_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 *fds = calloc(n ? n : 1, sizeof(*fds));
	uint32_t opened = 0;
	int err = 0;

	if (!fds)
		return -ENOMEM;
	for (; opened < n; opened++) {
		__u32 id;
		int fd;

		memcpy(&id, vals + (size_t)opened * m->value_bytes, sizeof(id));
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0) {
			err = -errno;
			break;
		}
		fds[opened] = (__u32)fd;
	}
	if (!err) {
		__u32 cnt = n;

		err = no_batch ? -EOPNOTSUPP : bpf_map_update_batch(m->fd, keys, fds, &cnt, &bo);
		*done = err ? 0 : cnt;
		if (err == -EOPNOTSUPP || err == -EINVAL || err == -ENOTSUP) {
			err = 0;
			for (uint32_t i = 0; !err && i < n; i++) {
				err = bpf_map_update_elem(m->fd, keys + (size_t)i * m->info.key_size, &fds[i], 0);
				*done += !err;
			}
		}
	}
	for (uint32_t i = 0; i < opened; i++)
		close((int)fds[i]);
	free(fds);
	return err;
}

int pin_map__update_many(const struct pin_map *m, const void *keys, const void *vals, uint32_t n,
			 bool no_batch, uint32_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = m->elem_flags);
	const char *k = keys, *v = vals;
	__u32 cnt = n;
	int err;

	*done = 0;
	if (!n)
		return 0;
	if (m->of_maps)
		return update_many_of_maps(m, k, v, n, no_batch, done);
	if (!no_batch) {
		err = bpf_map_update_batch(m->fd, keys, vals, &cnt, &bo);
		if (!err || (err != -EOPNOTSUPP && err != -ENOTSUP && err != -EINVAL)) {
			*done = cnt;
			return err;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		err = bpf_map_update_elem(m->fd, k + (size_t)i * m->info.key_size, v + i * m->value_bytes,
					  m->elem_flags);
		if (err)
			return err;
		(*done)++;
	}
	return 0;
}

/* Key by key (map_key_walk); a walk under heavy deletes may see keys
 * again (hash restarts): bounded to 4 passes of max_entries, then -EAGAIN. */
static int walk_keys(const struct pin_map *m, uint32_t chunk, pin_map_chunk_fn cb, void *ctx)
{
	size_t ks = m->info.key_size, vs = m->value_bytes;
	char *keys = malloc((size_t)chunk * ks), *vals = malloc((size_t)chunk * vs);
	uint64_t budget = 4ULL * (m->info.max_entries ? m->info.max_entries : 1) + 16;
	struct map_key_walk w;
	uint32_t n = 0;
	int err = map_key_walk__init(&w, m->fd, ks, budget);

	if (!err && (!keys || !vals))
		err = -ENOMEM;
	while (!err && (err = map_key_walk__next(&w)) > 0) {
		err = pin_map__lookup(m, w.key, vals + (size_t)n * vs);
		if (err == -ENOENT) {
			err = 0;	/* deleted since get_next_key: nothing to copy */
			continue;
		}
		if (err)
			break;
		memcpy(keys + (size_t)n * ks, w.key, ks);
		if (++n == chunk) {
			err = cb(ctx, keys, vals, n);
			n = 0;
		}
	}
	if (!err && n)
		err = cb(ctx, keys, vals, n);
	map_key_walk__free(&w);
	free(keys);
	free(vals);
	return err;
}

int pin_map__walk(const struct pin_map *m, uint32_t chunk, bool no_batch, pin_map_chunk_fn cb, void *ctx)
{
	struct map_batch b;
	int cpus = libbpf_num_possible_cpus();
	int err;

	if (no_batch)
		return walk_keys(m, chunk, cb, ctx);
	err = map_batch__init(&b, m->fd, m->info.type, m->info.key_size, m->info.value_size,
			      cpus > 0 ? (uint32_t)cpus : 1, chunk);
	if (err)
		return err;
	b.elem_flags = m->elem_flags;
	while ((err = map_batch__next(&b)) > 0) {
		err = b.n ? cb(ctx, b.keys, b.vals, b.n) : 0;
		if (err)
			break;
	}
	map_batch__free(&b);
	if (err == -EOPNOTSUPP)
		return walk_keys(m, chunk, cb, ctx);
	return err;
}
