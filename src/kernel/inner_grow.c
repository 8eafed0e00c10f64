// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Growing (and shrinking) an inner map instance through its outer slot.
 *
 * A map-in-map slot holds a pointer the kernel swaps with one RCU update
 * (bpf_fd_array_map_update_elem / bpf_fd_htab_map_update_elem): a BPF
 * program that looks the slot up gets the old or the new map, and the old
 * map is freed only after every program that may hold it has finished
 * (6.8+ defers it past an RCU tasks-trace grace period too).  So a full
 * instance is replaced by a bigger copy while programs keep reading: create
 * a map like the old one but of the new size, copy every entry, swap.  What
 * the copy cannot see is a write into the old map after its key was read;
 * hence the writers contract in <mapsize/bpf.h>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include "inner_instance.h"
#include "inner_kernel.h"
#include "map_batch.h"

uint32_t inner_instance_size(const struct mapsize_plan *plan, const char *outer, uint32_t flags,
			     uint64_t live, bool *per_instance)
{
	const struct mapsize_plan_map *pm = NULL;
	const struct plan_instance *pi = plan_instance_find(plan, outer, &pm);
	bool per = pi && pi->has_instance &&
		   inner_instance_allowed(pm->type, flags, plan->kernel_version, NULL);

	*per_instance = per;
	if (!pi)
		return 0;
	return per ? plan_instance_entries(pi, live) : pm->max_entries;
}

/* The kernel keeps 15 bytes of a map's name, [A-Za-z0-9_.] (apply.c). */
static bool kernel_name_matches(const char *rule_name, const char *kname)
{
	size_t i;

	for (i = 0; i < 15 && rule_name[i]; i++) {
		char c = rule_name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			c = '_';
		if (c != kname[i])
			return false;
	}
	return kname[i] == '\0';
}

/* The outer rule of the loaded map-in-map: opts->outer, else the one inner
 * rule whose outer map has this kernel name. */
static const char *find_outer(const struct mapsize_plan *plan, const char *kname, const char *given)
{
	const char *found = NULL;

	if (given)
		return given;
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (!m->inner_of || !kernel_name_matches(m->inner_of, kname))
			continue;
		if (found) {
			pr_warn("inner grow: outer map '%s' matches rules '%s' and '%s'; pass opts.outer\n",
				kname, found, m->inner_of);
			return NULL;
		}
		found = m->inner_of;
	}
	return found;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

static bool is_array(unsigned int type)
{
	return bpf_map_type_has(type, MAPSIZE_TRAIT_ARRAY);
}

/* Bytes of one value as user space reads it. */
static size_t value_bytes(const struct bpf_map_info *in)
{
	int cpus = libbpf_num_possible_cpus();

	return map_value_bytes(in->type, in->value_size, cpus > 0 ? (uint32_t)cpus : 1);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Arrays: a new array is all zeroes, so only slots in use are copied, and
 * it shrinks by dropping its last slots only when they are unused.
 * 1 copy, 0 skip, -E2BIG. */
static int array_keep(const struct bpf_map_info *in, const void *key, const void *val, size_t vsz,
		      uint32_t new_max)
{
	uint32_t idx;

	if (!is_array(in->type))
		return 1;
	if (all_zero(val, vsz))
		return 0;
	memcpy(&idx, key, sizeof(idx));
	return idx < new_max ? 1 : -E2BIG;
}

/* The keys the copy read from the old instance.  After the swap only keys
 * outside this set are copied again: those are what BPF inserted into the
 * old instance during the copy.  A key of the set missing from the new
 * instance was deleted there after the swap and must stay deleted. */
struct key_set {
	char *keys;
	size_t cnt, cap;
	uint32_t key_size;
};

static int key_set_add(struct key_set *s, const void *key)
{
	if (!s)
		return 0;
	if (s->cnt == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		char *k = realloc(s->keys, cap * s->key_size);

		if (!k)
			return -ENOMEM;
		s->keys = k;
		s->cap = cap;
	}
	memcpy(s->keys + s->cnt++ * s->key_size, key, s->key_size);
	return 0;
}

static int key_cmp(const void *a, const void *b, void *key_size)
{
	return memcmp(a, b, *(const uint32_t *)key_size);
}

static void key_set_sort(struct key_set *s)
{
	if (s->cnt)
		qsort_r(s->keys, s->cnt, s->key_size, key_cmp, &s->key_size);
}

static bool key_set_has(const struct key_set *s, const void *key)
{
	size_t lo = 0, hi = s->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->keys + mid * s->key_size, key, s->key_size);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Key by key: kernels without batch ops for the type (lpm_trie before 5.13),
 * and the catch-up pass after the swap, which copies with BPF_NOEXIST only
 * the keys not in `skip` (keys already in `to` are left as they are there).
 * Keys read are added to `seen` (NULL: not recorded). */
static int copy_iter(int from, int to, const struct bpf_map_info *in, uint32_t new_max, uint64_t *copied,
		     __u64 update_flags, struct key_set *seen, const struct key_set *skip)
{
	size_t vsz = value_bytes(in);
	void *val = calloc(1, vsz ? vsz : 1);
	struct map_key_walk w;
	int ret = map_key_walk__init(&w, from, in->key_size, MAP_KEY_WALK_NO_BUDGET);

	if (!ret && !val)
		ret = -ENOMEM;
	while (!ret && (ret = map_key_walk__next(&w)) > 0) {
		void *key = w.key;
		int keep;

		ret = 0;
		if (skip && key_set_has(skip, key))
			continue;
		ret = bpf_map_lookup_elem(from, key, val);
		if (ret == -ENOENT) {
			ret = 0;
			continue;	/* deleted since: the user space writer's own change */
		}
		if (ret)
			break;
		keep = array_keep(in, key, val, vsz, new_max);
		if (keep < 0) {
			ret = keep;
			break;
		}
		if (!keep)
			continue;
		ret = key_set_add(seen, key);
		if (ret)
			break;
		ret = bpf_map_update_elem(to, key, val, update_flags);
		if (ret == -EEXIST && update_flags == BPF_NOEXIST) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		(*copied)++;
	}
	map_key_walk__free(&w);
	free(val);
	return ret;
}

/* BPF_MAP_LOOKUP_BATCH / UPDATE_BATCH (map_batch.c); 1 when the map has no
 * batch ops.  Keys read are added to `seen` (NULL: not recorded). */
static int copy_batch(int from, int to, const struct bpf_map_info *in, uint32_t new_max, uint64_t *copied,
		      struct key_set *seen)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int cpus = libbpf_num_possible_cpus();
	struct map_batch b;
	size_t vsz;
	int ret;

	ret = map_batch__init(&b, from, in->type, in->key_size, in->value_size, cpus > 0 ? (uint32_t)cpus : 1,
			      256);
	vsz = b.value_bytes;
	while (!ret && (ret = map_batch__next(&b)) > 0) {
		__u32 kept = 0;

		ret = 0;
		for (__u32 i = 0; !ret && i < b.n; i++) {
			char *k = b.keys + (size_t)i * in->key_size, *v = b.vals + (size_t)i * vsz;
			int keep = array_keep(in, k, v, vsz, new_max);

			if (keep <= 0) {
				ret = keep;
				continue;
			}
			ret = key_set_add(seen, k);
			if (kept != i) {
				memmove(b.keys + (size_t)kept * in->key_size, k, in->key_size);
				memmove(b.vals + (size_t)kept * vsz, v, vsz);
			}
			kept++;
		}
		if (!ret && kept) {
			__u32 m = kept;

			ret = bpf_map_update_batch(to, b.keys, b.vals, &m, &bo);
			*copied += m;
		}
	}
	map_batch__free(&b);
	return ret == -EOPNOTSUPP && !*copied ? 1 : ret;
}

/* A map like `old` (type, sizes, flags, map_extra, BTF) of new_max entries. */
static int create_like(const struct bpf_map_info *old, uint32_t new_max)
{
	LIBBPF_OPTS(bpf_map_create_opts, co, .map_flags = old->map_flags, .map_extra = old->map_extra);
	int btf_fd = -1, fd;

	if (old->btf_id) {
		btf_fd = bpf_btf_get_fd_by_id(old->btf_id);
		if (btf_fd >= 0) {
			co.btf_fd = btf_fd;
			co.btf_key_type_id = old->btf_key_type_id;
			co.btf_value_type_id = old->btf_value_type_id;
		}
	}
	fd = bpf_map_create(old->type, old->name, old->key_size, old->value_size, new_max, &co);
	if (btf_fd >= 0)
		close(btf_fd);
	return fd;
}

/* What a grow reports through the out fields of its opts. */
struct grow_result {
	uint32_t max_entries;
	bool per_instance, batched;
	uint64_t copied, copy_ns, swap_ns, recovered;
};

static void report_grow(struct mapsize_inner_grow_opts *opts, const struct grow_result *r)
{
	OPTS_SET(opts, max_entries, r->max_entries);
	OPTS_SET(opts, per_instance, r->per_instance);
	OPTS_SET(opts, copied, r->copied);
	OPTS_SET(opts, batched, r->batched);
	OPTS_SET(opts, copy_ns, r->copy_ns);
	OPTS_SET(opts, swap_ns, r->swap_ns);
	OPTS_SET(opts, recovered, r->recovered);
}

int mapsize_inner__grow(const struct mapsize_plan *plan, int outer_fd, const void *key, uint64_t live,
			struct mapsize_inner_grow_opts *opts)
{
	enum mapsize_inner_writers writers = OPTS_GET(opts, writers,
						      MAPSIZE_INNER_WRITERS_UNKNOWN);
	struct bpf_map_info oinfo, old;
	const char *outer;
	struct grow_result res = { 0 };
	uint64_t copied = 0, recovered = 0, t0, t1, t2;
	uint32_t id = 0, new_max;
	struct key_set seen = { 0 };
	__u64 slot_flags;
	int old_fd, new_fd, ret;
	bool per, batched = true, catch_up;

	if (!plan || !key || !OPTS_VALID(opts, mapsize_inner_grow_opts))
		return -EINVAL;
	report_grow(opts, &res);	/* out fields describe this call only, also when it fails */
	ret = map_info(outer_fd, &oinfo);
	if (ret)
		return ret;
	if (!bpf_map_type_has(oinfo.type, MAPSIZE_TRAIT_MAP_IN_MAP)) {
		pr_warn("inner grow: map '%s' is not a map-in-map (bpf map type %u)\n", oinfo.name, oinfo.type);
		return -EINVAL;
	}
	outer = find_outer(plan, oinfo.name, OPTS_GET(opts, outer, NULL));
	if (!outer) {
		pr_warn("inner grow: no inner map rule for the map-in-map '%s'; pass opts.outer\n", oinfo.name);
		return -ENOENT;
	}
	ret = bpf_map_lookup_elem(outer_fd, key, &id);
	if (ret)
		return ret;	/* -ENOENT: an empty slot */
	old_fd = bpf_map_get_fd_by_id(id);
	if (old_fd < 0)
		return old_fd;
	ret = map_info(old_fd, &old);
	if (ret)
		goto fail_old;
	if (!(old.map_flags & BPF_F_RDONLY_PROG) && writers == MAPSIZE_INNER_WRITERS_UNKNOWN) {
		pr_warn("inner grow: '%s' in '%s': BPF programs may write this instance (no BPF_F_RDONLY_PROG) "
			"and what they write during the copy would be lost; say who writes it "
			"(opts.writers)\n", old.name, outer);
		ret = -EBUSY;
		goto fail_old;
	}
	/* queue, stack and bloom_filter cannot be read without consuming them */
	if (!bpf_map_type_has(old.type, MAPSIZE_TRAIT_COPYABLE)) {
		pr_warn("inner grow: '%s' in '%s' is a map type whose entries cannot be copied (bpf map "
			"type %u); expected a hash, lpm_trie or array inner map\n", old.name, outer, old.type);
		ret = -EOPNOTSUPP;
		goto fail_old;
	}
	catch_up = writers == MAPSIZE_INNER_WRITERS_BPF_LOSSY && !is_array(old.type);
	seen.key_size = old.key_size;
	new_max = inner_instance_size(plan, outer, old.map_flags, live, &per);
	if (!per) {
		const struct mapsize_plan_map *pm = NULL;
		const struct plan_instance *pi = plan_instance_find(plan, outer, &pm);
		const char *why = "no rule";

		if (pi && !pi->has_instance)
			why = "the rule has no 'instance:'";
		else if (pm)
			inner_instance_allowed(pm->type, old.map_flags, plan->kernel_version, &why);
		pr_warn("inner grow: '%s.inner' is not sized per instance: %s\n", outer, why);
		ret = -EOPNOTSUPP;
		goto fail_old;
	}
	t0 = mono_ns();
	new_fd = create_like(&old, new_max);
	if (new_fd < 0) {
		ret = new_fd;
		pr_warn("inner grow: cannot create a %u-entry instance of '%s.inner': %s\n", new_max, outer,
			strerror(-ret));
		goto fail_old;
	}
	ret = copy_batch(old_fd, new_fd, &old, new_max, &copied, catch_up ? &seen : NULL);
	if (ret == 1) {
		batched = false;
		ret = copy_iter(old_fd, new_fd, &old, new_max, &copied, BPF_ANY, catch_up ? &seen : NULL, NULL);
	}
	if (ret) {
		pr_warn("inner grow: copying '%s' (%llu entries so far) into %u entries: %s\n", old.name,
			(unsigned long long)copied, new_max, strerror(-ret));
		goto fail_new;
	}
	key_set_sort(&seen);
	/* the swap: one pointer update of the slot (fd arrays take only BPF_ANY);
	 * the kernel returns after an RCU grace period (maybe_wait_bpf_programs) */
	t1 = mono_ns();
	slot_flags = bpf_map_type_has(oinfo.type, MAPSIZE_TRAIT_HASH) ? BPF_EXIST : BPF_ANY;
	ret = bpf_map_update_elem(outer_fd, key, &new_fd, slot_flags);
	if (ret) {
		pr_warn("inner grow: the outer map '%s' refused the new instance: %s\n", oinfo.name,
			strerror(-ret));
		goto fail_new;
	}
	t2 = mono_ns();
	/* The update returned after a grace period: no non-sleepable program
	 * still writes the old instance.  What BPF inserted there during the
	 * copy (keys the copy did not read) is copied once more, where the new
	 * one lacks the key.  Keys the copy read are not: one missing from the
	 * new instance was deleted there after the swap. */
	if (catch_up) {
		ret = copy_iter(old_fd, new_fd, &old, new_max, &recovered, BPF_NOEXIST, NULL, &seen);
		if (ret) {
			/* the new instance cannot take them: put the old one back, so
			 * the slot and the old instance are as they were */
			int back = bpf_map_update_elem(outer_fd, key, &old_fd, slot_flags);

			pr_warn("inner grow: '%s': catching up BPF inserts made during the copy: %s (%llu "
				"recovered); %s\n", old.name, strerror(-ret), (unsigned long long)recovered,
				back ? "the old instance could not be put back, the slot keeps the new one"
				     : "the old instance is back in the slot");
			goto fail_new;
		}
		copied += recovered;
	}
	close(old_fd);
	free(seen.keys);
	res = (struct grow_result){
		.max_entries = new_max, .per_instance = true, .copied = copied, .batched = batched,
		.copy_ns = t1 - t0, .swap_ns = t2 - t1, .recovered = recovered,
	};
	report_grow(opts, &res);
	return new_fd;
fail_new:
	close(new_fd);
fail_old:
	close(old_fd);
	free(seen.keys);
	return ret;
}
