/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the live-kernel tests of pinned map migration
 * (tests/kernel/test_migrate.c, test_migrate_window.c): the bpffs each test
 * mounts under /tmp and unmounts (never /sys/fs/bpf), the library calls on
 * its pin fs/m, and a u32 -> u64 hash with its model of what it must hold.
 * Include after <cmocka.h> and test_kernel.h.  Header-only.
 */
#ifndef MAPSIZE_TEST_MIGRATE_H
#define MAPSIZE_TEST_MIGRATE_H

#include <dirent.h>
#include <sys/mount.h>

#include <mapsize/migrate.h>

#define MIG_OBJ "tests/bpf/migrate.bpf.o"
/* Entries of each map: 100,000; maps of maps 10,000 (an update of a map-in-map
 * slot costs ~100 us here: 100,000 would take the test to minutes). */
#define N 100000
#define N_OF_MAPS 10000
/* The map stopped after every step (17 runs): 20,000 entries. */
#define N_STOP 20000

static char fs[PATH_MAX];	/* the test's bpffs */
static char pin[PATH_MAX];	/* fs/m */
static int ncpus;

/* ---- bpffs ---------------------------------------------------------------- */

static inline int fs_setup(void **state)
{
	(void)state;
	snprintf(fs, sizeof(fs), "/tmp/mapsize-migrate-fs.XXXXXX");
	if (!mkdtemp(fs))
		return -1;
	if (mount("bpf", fs, "bpf", 0, NULL)) {
		print_error("mount -t bpf %s: %s\n", fs, strerror(errno));
		rmdir(fs);
		fs[0] = '\0';
		return -1;
	}
	if (snprintf(pin, sizeof(pin), "%s/m", fs) >= (int)sizeof(pin))
		return -1;
	return 0;
}

static inline int fs_teardown(void **state)
{
	(void)state;
	if (fs[0]) {
		umount2(fs, MNT_DETACH);	/* the pins go with it */
		rmdir(fs);
		fs[0] = '\0';
	}
	return 0;
}

/* The names in fs, sorted, space-separated (bpffs's own *.debug left out). */
static inline const char *listing(void)
{
	static char out[1024];
	struct dirent **ents;
	int n = scandir(fs, &ents, NULL, alphasort);

	out[0] = '\0';
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *s = ents[i]->d_name;

		if (strcmp(s, ".") && strcmp(s, "..") && !strstr(s, ".debug"))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "", s);
		free(ents[i]);
	}
	free(ents);
	return out;
}

static inline uint32_t map_id(const char *path, uint32_t *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		fail_msg("bpf_obj_get(%s): %s", path, strerror(errno));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	if (max_entries)
		*max_entries = info.max_entries;
	return info.id;
}

static inline int migrate(uint32_t max, uint32_t headroom, const struct mapsize_migrate_opts *o,
		   struct mapsize_migrate_result *r)
{
	LIBBPF_OPTS(mapsize_migrate_spec, spec, .max_entries = max, .headroom_milli = headroom);

	memset(r, 0, sizeof(*r));
	r->sz = sizeof(*r);
	return mapsize_pin__migrate(pin, &spec, o, r);
}

static inline int finish(struct mapsize_migrate_result *r)
{
	memset(r, 0, sizeof(*r));
	r->sz = sizeof(*r);
	return mapsize_pin__finish(pin, NULL, r);
}

/* A shrink an LRU takes without evicting: the local free lists of the
 * CPUs the copy runs on hold up to 128 nodes each (LOCAL_FREE_TARGET). */
/* ---- a u32 -> u64 hash and its model ---------------------------------------- */

/* A hash of u32 -> u64 as the model of what the map must hold at the end. */
#define WKEYS 1000000	/* the random kills' 1M-entry map; the window tests use < 201000 */
struct model {
	bool has[WKEYS];
	uint64_t val[WKEYS];
};

static struct model model;

static inline void model_set(int fd, uint32_t k, uint64_t v)
{
	if (fd >= 0)
		assert_int_equal(bpf_map_update_elem(fd, &k, &v, 0), 0);
	model.has[k] = true;
	model.val[k] = v;
}

static inline void model_del(int fd, uint32_t k)
{
	if (fd >= 0)
		assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	model.has[k] = false;
}

/* The pinned map holds exactly the model (one batch walk). */
static inline void model_verify(const char *path)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	static uint32_t keys[4096];
	static uint64_t vals[4096];
	static bool seen[WKEYS];
	uint32_t token, cnt = 0, want = 0;
	int fd = bpf_obj_get(path), err;
	bool first = true;

	assert_true(fd >= 0);
	memset(seen, 0, sizeof(seen));
	do {
		__u32 got = ARRAY_SIZE(keys);

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, vals, &got, &bo);
		if (err && err != -ENOENT)
			fail_msg("lookup batch: %s", strerror(-err));
		first = false;
		for (__u32 j = 0; j < got; j++) {
			uint32_t k = keys[j];

			if (k >= WKEYS || !model.has[k] || seen[k])
				fail_msg("key %u: present, expected absent", k);
			if (vals[j] != model.val[k])
				fail_msg("key %u: %llu, expected %llu", k, (unsigned long long)vals[j],
					 (unsigned long long)model.val[k]);
			seen[k] = true;
			cnt++;
		}
	} while (!err);
	for (uint32_t k = 0; k < WKEYS; k++) {
		want += model.has[k];
		if (model.has[k] && !seen[k])
			fail_msg("key %u: absent, expected present", k);
	}
	assert_int_equal(cnt, want);
	close(fd);
}

static inline void model_fill_pinned(uint32_t max, uint32_t n)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mig_window", 4, 8, max, NULL);

	static uint32_t keys[WKEYS];
	static uint64_t vals[WKEYS];
	__u32 cnt = n;

	assert_true(fd >= 0 && n <= WKEYS);
	memset(&model, 0, sizeof(model));
	for (uint32_t k = 0; k < n; k++) {
		keys[k] = k;
		vals[k] = (uint64_t)k * 5 + 1;
		model_set(-1, k, vals[k]);
	}
	assert_int_equal(bpf_map_update_batch(fd, keys, vals, &cnt, NULL), 0);
	assert_int_equal(cnt, n);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	close(fd);
}

/* The old programs' writes: change [0,1000), add [200000,201000), delete
 * [1000,2000) in the old map.  The new programs' writes, in the new map: 10
 * (changed in old), 200005 (added in old), 1010 (deleted in old) and 5000
 * (untouched in old) rewritten, 20 (changed in old) and 6000 deleted. */

struct pinned_state {
	uint32_t id, max;
	char listing[1024];
};

static inline void state_take(struct pinned_state *s)
{
	s->id = map_id(pin, &s->max);
	snprintf(s->listing, sizeof(s->listing), "%s", listing());
}

static inline void state_same(const struct pinned_state *s)
{
	uint32_t max;

	assert_int_equal(map_id(pin, &max), s->id);
	assert_int_equal(max, s->max);
	assert_string_equal(listing(), s->listing);
}

#endif
