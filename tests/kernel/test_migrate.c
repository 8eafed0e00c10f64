// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of mapsize_pin__migrate() / __finish() (issue 23 item 4,
 * src/kernel/pin_*.c), on bpffs mounts each test creates under /tmp and
 * unmounts (never /sys/fs/bpf):
 *
 *  - every type an agent pins, 100,000 entries each (the maps of maps:
 *    100,000 slots holding 64 distinct inner maps), grown and shrunk where
 *    they fit: every key and value equal after, nothing left beside the pin
 *    after finish; the hash also with the key-by-key walk;
 *  - a writer changing, adding and deleting keys in the old map between the
 *    copy and finish, and the "new programs" writing some of those keys:
 *    the exact end state and counts, no deleted key back; the same with a
 *    BPF writer (BPF_PROG_TEST_RUN) of an object pinned by name, restarted
 *    on the new map as an agent does;
 *  - the process stopped after every step (MAPSIZE_MIGRATE_STOP_AFTER):
 *    the path holds one complete map, the next migrate or finish completes;
 *  - refusals (type, key and value size, too small with headroom, an LRU
 *    that would evict, array indices past the new size, a program array)
 *    leave the pin, its map id and every entry unchanged; small changes and
 *    dry runs change nothing.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include <mapsize/migrate.h>

#include "test_kernel.h"

#define MIG_OBJ "tests/bpf/migrate.bpf.o"
/* Entries of each map: 100,000; maps of maps 10,000 (an update of a map-in-map
 * slot costs ~100 us here: 100,000 would take the test to minutes). */
#define N 100000
#define N_OF_MAPS 10000
/* The map stopped after every step (17 runs): 20,000 entries. */
#define N_STOP 20000
#define INNER_CNT 64

static char fs[PATH_MAX];	/* the test's bpffs */
static char pin[PATH_MAX];	/* fs/m */
static int ncpus;
static int inner_fds[INNER_CNT];
static uint32_t inner_ids[INNER_CNT];

/* ---- bpffs ---------------------------------------------------------------- */

static int fs_setup(void **state)
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

static int fs_teardown(void **state)
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
static const char *listing(void)
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

static uint32_t map_id(const char *path, uint32_t *max_entries)
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

/* ---- the maps and their contents ----------------------------------------- */

struct mcase {
	const char *name;
	unsigned int type;
	uint32_t key_size, value_size, max, flags;
	uint32_t grow, shrink;	/* shrink 0: none (computed for LRU) */
	uint32_t n;		/* entries filled */
	bool lock;		/* from migrate.bpf.o: a value with a bpf_spin_lock */
};

static bool is_dense(const struct mcase *c)
{
	return c->type == BPF_MAP_TYPE_ARRAY || c->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool is_of_maps(const struct mcase *c)
{
	return c->type == BPF_MAP_TYPE_HASH_OF_MAPS || c->type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

static bool is_percpu(const struct mcase *c)
{
	return c->type == BPF_MAP_TYPE_PERCPU_HASH || c->type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       c->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static size_t read_bytes(const struct mcase *c)
{
	return is_percpu(c) ? (size_t)((c->value_size + 7) & ~7U) * ncpus : c->value_size;
}

static void key_of(const struct mcase *c, uint32_t i, void *key)
{
	memset(key, 0, c->key_size);
	if (is_dense(c) || c->type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
		memcpy(key, &i, 4);
	} else if (c->type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t k[2] = { 32, i * 13 + 5 };

		memcpy(key, k, sizeof(k));
	} else if (c->key_size == 8) {
		uint64_t k = (uint64_t)i * 2654435761ULL + 1;

		memcpy(key, &k, 8);
	} else {
		uint32_t k = i * 2654435761U + 1;

		memcpy(key, &k, 4);
	}
}

/* Entry i as read back (maps of maps: the inner map id). */
static void val_of(const struct mcase *c, uint32_t i, uint32_t gen, void *val)
{
	size_t n = read_bytes(c);

	memset(val, 0, n);
	if (is_of_maps(c)) {
		memcpy(val, &inner_ids[i % INNER_CNT], 4);
		return;
	}
	if (c->lock) {
		uint64_t ab[2] = { i + gen, (uint64_t)i * 3 };

		memcpy((char *)val + 8, ab, sizeof(ab));
		return;
	}
	for (size_t off = 0; off + 8 <= n; off += 8) {
		uint64_t v = (uint64_t)i * 1000003 + off * 7 + gen + 1;

		memcpy((char *)val + off, &v, 8);
	}
}

static void write_entry(const struct mcase *c, int fd, uint32_t i, uint32_t gen)
{
	char key[16], val[4096];

	key_of(c, i, key);
	if (is_of_maps(c)) {
		__u32 ifd = inner_fds[i % INNER_CNT];

		assert_int_equal(bpf_map_update_elem(fd, key, &ifd, 0), 0);
		return;
	}
	assert_true(read_bytes(c) <= sizeof(val));
	val_of(c, i, gen, val);
	assert_int_equal(bpf_map_update_elem(fd, key, val, c->lock ? BPF_F_LOCK : 0), 0);
}

static void make_inner(void)
{
	if (inner_fds[0] > 0)
		return;
	for (int i = 0; i < INNER_CNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		inner_fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mig_inner", 4, 8, 4, NULL);
		assert_true(inner_fds[i] > 0);
		assert_int_equal(bpf_obj_get_info_by_fd(inner_fds[i], &info, &len), 0);
		inner_ids[i] = info.id;
	}
}

static struct bpf_object *lock_obj;

/* Creates, fills n entries (generation 0) and pins the map at `pin`. */
static void make_pinned(const struct mcase *c, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, co, .map_flags = c->flags);
	int fd;

	if (c->lock) {
		LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = fs);
		char path[PATH_MAX];

		lock_obj = bpf_object__open_file(tk_build_path(path, sizeof(path), MIG_OBJ), &oo);
		assert_non_null(lock_obj);
		bpf_program__set_autoload(bpf_object__find_program_by_name(lock_obj, "mig_write"), false);
		bpf_map__set_pin_path(bpf_object__find_map_by_name(lock_obj, "mig_agent"), NULL);
		tk_load(lock_obj);
		fd = dup(bpf_map__fd(bpf_object__find_map_by_name(lock_obj, "mig_lock")));
	} else {
		if (is_of_maps(c)) {
			make_inner();
			co.inner_map_fd = inner_fds[0];
		}
		fd = bpf_map_create(c->type, "mig_test", c->key_size, c->value_size, c->max, &co);
	}
	if (fd < 0)
		fail_msg("%s: create: %s", c->name, strerror(errno));
	for (uint32_t i = 0; i < n; i++)
		write_entry(c, fd, i, 0);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	close(fd);
	if (lock_obj) {
		bpf_object__close(lock_obj);
		lock_obj = NULL;
	}
}

/* The i of key_of(c, i): the keys are invertible (odd multipliers). */
static uint64_t index_of(const struct mcase *c, const void *key)
{
	uint32_t k4;
	uint64_t k8;

	if (is_dense(c) || c->type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
		memcpy(&k4, key, 4);
		return k4;
	}
	if (c->type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t k[2];

		memcpy(k, key, sizeof(k));
		return k[0] == 32 && (k[1] - 5) % 13 == 0 ? (k[1] - 5) / 13 : UINT64_MAX;
	}
	if (c->key_size == 8) {
		memcpy(&k8, key, 8);
		return (k8 - 1) % 2654435761ULL ? UINT64_MAX : (k8 - 1) / 2654435761ULL;
	} else {
		uint32_t inv = 2654435761U;

		for (int i = 0; i < 5; i++)	/* Newton: inv = 1 / 2654435761 mod 2^32 */
			inv *= 2 - 2654435761U * inv;
		memcpy(&k4, key, 4);
		return (uint32_t)((k4 - 1) * inv);
	}
}

/* Every entry below n equal to generation gen, nothing else (arrays: zero
 * past n), and max_entries, read in one batch walk. */
static void verify_path(const struct mcase *c, const char *path, uint32_t n, uint32_t gen, uint32_t max)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = c->lock ? BPF_F_LOCK : 0);
	size_t vb = read_bytes(c), chunk = 4096;
	char *keys = malloc(chunk * c->key_size), *vals = malloc(chunk * vb), want[4096];
	char *seen = calloc(max, 1), token[16];
	uint32_t got_max, cnt = 0;
	int fd = bpf_obj_get(path), err;
	bool first = true;

	assert_true(fd >= 0 && keys && vals && seen);
	map_id(path, &got_max);
	if (got_max != max)
		fail_msg("%s: max_entries %u, expected %u", c->name, got_max, max);
	do {
		__u32 got = chunk;

		err = bpf_map_lookup_batch(fd, first ? NULL : token, token, keys, vals, &got, &bo);
		if (err && err != -ENOENT)
			fail_msg("%s: lookup batch: %s", c->name, strerror(-err));
		first = false;
		for (__u32 j = 0; j < got; j++) {
			uint64_t i = index_of(c, keys + j * c->key_size);
			const char *v = vals + j * vb;

			if (i >= max || seen[i])
				fail_msg("%s: unexpected key (index %llu)", c->name, (unsigned long long)i);
			seen[i] = 1;
			if (i < n) {
				val_of(c, i, gen, want);
				if (memcmp(v, want, vb))
					fail_msg("%s: entry %llu differs", c->name, (unsigned long long)i);
			} else if (!is_dense(c)) {
				fail_msg("%s: entry %llu was not written", c->name, (unsigned long long)i);
			} else {
				for (size_t b = 0; b < vb; b++)
					if (v[b])
						fail_msg("%s: index %llu not zero", c->name, (unsigned long long)i);
			}
			cnt++;
		}
	} while (!err);
	if (cnt != (is_dense(c) ? max : n))
		fail_msg("%s: %u entries, expected %u", c->name, cnt, is_dense(c) ? max : n);
	close(fd);
	free(keys);
	free(vals);
	free(seen);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int migrate(uint32_t max, uint32_t headroom, const struct mapsize_migrate_opts *o,
		   struct mapsize_migrate_result *r)
{
	LIBBPF_OPTS(mapsize_migrate_spec, spec, .max_entries = max, .headroom_milli = headroom);

	memset(r, 0, sizeof(*r));
	r->sz = sizeof(*r);
	return mapsize_pin__migrate(pin, &spec, o, r);
}

static int finish(struct mapsize_migrate_result *r)
{
	memset(r, 0, sizeof(*r));
	r->sz = sizeof(*r);
	return mapsize_pin__finish(pin, NULL, r);
}

/* A shrink an LRU takes without evicting: the local free lists of the
 * CPUs the copy runs on hold up to 128 nodes each (LOCAL_FREE_TARGET). */
static uint32_t lru_fit(uint32_t live)
{
	return live + ncpus * 128 + 1000;
}

/* Migrate to `max`, every entry there, finish with nothing to carry. */
static void migrate_and_check(const struct mcase *c, uint32_t from, uint32_t max, bool no_batch)
{
	LIBBPF_OPTS(mapsize_migrate_opts, o, .no_batch = no_batch);
	struct mapsize_migrate_result r;
	double t0 = now_s();
	int err = migrate(max, 0, &o, &r);

	if (getenv("MIG_TIME")) print_message("  migrate %.2f\n", now_s() - t0);

	if (err)
		fail_msg("%s: migrate to %u: %s: %s", c->name, max, strerror(-err), r.reason);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	assert_int_equal(r.renames, 1);
	assert_int_equal(r.live_entries, c->n);
	assert_int_equal(r.copied, is_dense(c) ? (from < max ? from : max) : c->n);
	assert_int_equal(r.old_max_entries, from);
	assert_int_equal(r.new_max_entries, max);
	assert_string_equal(listing(), "m m-mapsize-journal m-mapsize-old m-mapsize-snap");
	verify_path(c, pin, c->n, 0, max);
	t0 = now_s();
	err = finish(&r);
	if (getenv("MIG_TIME")) print_message("  finish %.2f\n", now_s() - t0);
	if (err)
		fail_msg("%s: finish: %s: %s", c->name, strerror(-err), r.reason);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	if (r.updated + r.deleted + r.skipped + r.failed)
		print_message("%s: updated %llu deleted %llu skipped %llu failed %llu\n", c->name,
			      (unsigned long long)r.updated, (unsigned long long)r.deleted,
			      (unsigned long long)r.skipped, (unsigned long long)r.failed);
	assert_int_equal(r.updated + r.deleted + r.skipped + r.failed, 0);
	assert_string_equal(listing(), "m");
	verify_path(c, pin, c->n, 0, max);
}

static void run_case(const struct mcase *c, bool no_batch)
{
	uint32_t shrink = c->shrink;
	double t0 = now_s();

	if (c->type == BPF_MAP_TYPE_LRU_HASH || c->type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		shrink = lru_fit(c->n);
	make_pinned(c, c->n);
	if (getenv("MIG_TIME")) print_message("%s fill %.2f\n", c->name, now_s() - t0);
	migrate_and_check(c, c->max, c->grow, no_batch);
	if (getenv("MIG_TIME")) print_message("%s grow %.2f\n", c->name, now_s() - t0);
	if (shrink)
		migrate_and_check(c, c->grow, shrink, no_batch);
	if (getenv("MIG_TIME")) print_message("%s shrink %.2f\n", c->name, now_s() - t0);
	assert_int_equal(unlink(pin), 0);
}

#define CASE(nm, t, ks, vs, ...) { .name = nm, .type = t, .key_size = ks, .value_size = vs, __VA_ARGS__ }
static const struct mcase cases[] = {
	CASE("hash", BPF_MAP_TYPE_HASH, 8, 16, .max = 150000, .grow = 300000, .shrink = 110000, .n = N),
	CASE("percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, .max = 150000, .grow = 300000, .shrink = 110000, .n = N),
	CASE("lru_hash", BPF_MAP_TYPE_LRU_HASH, 8, 8, .max = 150000, .grow = 300000, .n = N),
	CASE("lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, .max = 150000, .grow = 300000, .n = N),
	CASE("array", BPF_MAP_TYPE_ARRAY, 4, 16, .max = 150000, .grow = 300000, .shrink = N, .n = N),
	CASE("percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, .max = 150000, .grow = 300000, .shrink = N, .n = N),
	CASE("lpm_trie", BPF_MAP_TYPE_LPM_TRIE, 8, 8, .max = 150000, .flags = BPF_F_NO_PREALLOC, .grow = 300000,
	     .shrink = 110000, .n = N),
	CASE("hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, .max = 15000, .grow = 30000, .shrink = 11000,
	     .n = N_OF_MAPS),
	CASE("array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, .max = 15000, .grow = 30000, .shrink = N_OF_MAPS,
	     .n = N_OF_MAPS),
	CASE("spin_lock", BPF_MAP_TYPE_HASH, 4, 24, .max = 150000, .grow = 300000, .shrink = 110000, .n = N,
	     .lock = true),
};

static void test_every_type(void **state)
{
	(void)state;
	REQUIRE_BPF();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i], false);
	run_case(&cases[0], true);	/* the key walk of kernels without batch ops */
}

/* ---- the window between the copy and finish -------------------------------- */

/* A hash of u32 -> u64 as the model of what the map must hold at the end. */
#define WKEYS 202000
struct model {
	bool has[WKEYS];
	uint64_t val[WKEYS];
};

static struct model model;

static void model_set(int fd, uint32_t k, uint64_t v)
{
	if (fd >= 0)
		assert_int_equal(bpf_map_update_elem(fd, &k, &v, 0), 0);
	model.has[k] = true;
	model.val[k] = v;
}

static void model_del(int fd, uint32_t k)
{
	if (fd >= 0)
		assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	model.has[k] = false;
}

/* The pinned map holds exactly the model (one batch walk). */
static void model_verify(const char *path)
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

static void model_fill_pinned(uint32_t max, uint32_t n)
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
static void window_writes(int old_fd, int new_fd, bool new_programs)
{
	for (uint32_t k = 0; k < 1000; k++)
		assert_int_equal(bpf_map_update_elem(old_fd, &k, &(uint64_t){ k + 500000 }, 0), 0);
	for (uint32_t k = 200000; k < 201000; k++)
		assert_int_equal(bpf_map_update_elem(old_fd, &k, &(uint64_t){ k * 2 }, 0), 0);
	for (uint32_t k = 1000; k < 2000; k++)
		assert_int_equal(bpf_map_delete_elem(old_fd, &k), 0);
	/* what finish must make of them */
	for (uint32_t k = 0; k < 1000; k++)
		model_set(-1, k, k + 500000);
	for (uint32_t k = 200000; k < 201000; k++)
		model_set(-1, k, k * 2);
	for (uint32_t k = 1000; k < 2000; k++)
		model_del(-1, k);
	if (!new_programs)
		return;
	model_set(new_fd, 10, 777);
	model_set(new_fd, 200005, 888);
	model_set(new_fd, 1010, 999);
	model_set(new_fd, 5000, 1);
	model_del(new_fd, 20);
	model_del(new_fd, 6000);
}

static void test_window_user_writer(void **state)
{
	struct mapsize_migrate_result r;
	char old_pin[PATH_MAX + 16];
	int old_fd, new_fd;

	(void)state;
	REQUIRE_BPF();
	model_fill_pinned(150000, N);
	assert_int_equal(migrate(300000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	snprintf(old_pin, sizeof(old_pin), "%s-mapsize-old", pin);
	old_fd = bpf_obj_get(old_pin);
	new_fd = bpf_obj_get(pin);
	assert_true(old_fd >= 0 && new_fd >= 0);
	window_writes(old_fd, new_fd, true);
	close(old_fd);
	close(new_fd);
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	/* changed 1000 - 10 - 20, added 1000 - 200005; deleted 1000 - 1010;
	 * skipped: 10, 20, 200005, 1010 */
	assert_int_equal(r.updated, 1997);
	assert_int_equal(r.deleted, 999);
	assert_int_equal(r.skipped, 4);
	assert_int_equal(r.failed, 0);
	assert_string_equal(listing(), "m");
	model_verify(pin);
	/* a second finish has nothing to do */
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_NOTHING_TO_FINISH);
	model_verify(pin);
}

/* The agent's own object: mig_agent pinned by name under the test bpffs,
 * the writer program run with BPF_PROG_TEST_RUN. */
static struct bpf_object *agent_load(uint32_t max_entries)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = fs);
	char path[PATH_MAX];
	struct bpf_object *obj = bpf_object__open_file(tk_build_path(path, sizeof(path), MIG_OBJ), &oo);

	assert_non_null(obj);
	assert_int_equal(bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "mig_agent"), max_entries), 0);
	tk_load(obj);
	return obj;
}

static void agent_write(struct bpf_object *obj, uint64_t op, uint32_t key, uint64_t val)
{
	__u64 args[3] = { op, key, val };
	LIBBPF_OPTS(bpf_test_run_opts, to, .ctx_in = args, .ctx_size_in = sizeof(args));
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "mig_write"));

	assert_int_equal(bpf_prog_test_run_opts(fd, &to), 0);
	assert_int_equal(to.retval, 1);
	if (op == 1)
		model_set(-1, key, val);
	else
		model_del(-1, key);
}

static void test_window_bpf_writer(void **state)
{
	struct mapsize_migrate_result r;
	struct bpf_object *old_obj, *new_obj;
	char agent_pin[PATH_MAX];

	(void)state;
	REQUIRE_BPF();
	memset(&model, 0, sizeof(model));
	old_obj = agent_load(20000);
	for (uint32_t k = 0; k < 15000; k++)
		agent_write(old_obj, 1, k, k * 3 + 7);
	assert_true(snprintf(agent_pin, sizeof(agent_pin), "%s/mig_agent", fs) < (int)sizeof(agent_pin));
	snprintf(pin, sizeof(pin), "%s", agent_pin);
	assert_int_equal(migrate(40000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	assert_int_equal(r.copied, 15000);
	/* the old programs keep running until the restart */
	for (uint32_t k = 0; k < 100; k++)
		agent_write(old_obj, 1, k, k + 100000);
	for (uint32_t k = 100; k < 200; k++)
		agent_write(old_obj, 2, k, 0);
	for (uint32_t k = 30000; k < 30100; k++)
		agent_write(old_obj, 1, k, k);
	/* the restart: the new object reuses the pin, now the 40,000-entry map */
	new_obj = agent_load(40000);
	bpf_object__close(old_obj);
	agent_write(new_obj, 1, 5, 555);	/* changed by both: the new program wins */
	agent_write(new_obj, 1, 150, 1500);	/* deleted by the old one, rewritten by the new */
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	assert_int_equal(r.updated, 99 + 100);
	assert_int_equal(r.deleted, 99);
	assert_int_equal(r.skipped, 2);
	/* the new program still sees every entry through the map it loaded with */
	model_verify(pin);
	bpf_object__close(new_obj);
	assert_int_equal(unlink(pin), 0);
	assert_string_equal(listing(), "");
	fs_teardown(NULL);	/* and pin back to fs/m for the next test */
}

/* ---- stopped after every step ------------------------------------------- */

static pid_t run_stopped(int step, bool do_finish)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (!pid) {
		struct mapsize_migrate_result r;
		char s[16];

		snprintf(s, sizeof(s), "%d", step);
		setenv("MAPSIZE_MIGRATE_STOP_AFTER", s, 1);
		if (do_finish)
			finish(&r);
		else
			migrate(60000, 0, NULL, &r);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_stop_after_every_step(void **state)
{
	struct mapsize_migrate_result r;
	char old_pin[PATH_MAX + 16];
	uint32_t max;

	(void)state;
	REQUIRE_BPF();
	snprintf(old_pin, sizeof(old_pin), "%s-mapsize-old", pin);
	for (int step = MAPSIZE_MIGRATE_STEP_PREPARE; step <= MAPSIZE_MIGRATE_STEP_SWAPPED; step++) {
		model_fill_pinned(30000, N_STOP);
		assert_int_equal(run_stopped(step, false), 75);
		/* one complete map at the path: the old one until the rename */
		map_id(pin, &max);
		assert_int_equal(max, step >= MAPSIZE_MIGRATE_STEP_RENAMED ? 60000 : 30000);
		model_verify(pin);
		assert_int_equal(migrate(60000, 0, NULL, &r), 0);
		if (step >= MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED) {
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_PENDING_FINISH);
			assert_int_equal(r.renames, step == MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED);
		} else {
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
		}
		if (step < MAPSIZE_MIGRATE_STEP_SWAPPED)
			assert_true(r.recovery[0]);
		map_id(pin, &max);
		assert_int_equal(max, 60000);
		model_verify(pin);
		assert_int_equal(finish(&r), 0);
		assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
		assert_string_equal(listing(), "m");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}
	for (int step = MAPSIZE_MIGRATE_STEP_FINISHING; step <= MAPSIZE_MIGRATE_STEP_LAST; step++) {
		int old_fd, new_fd;

		model_fill_pinned(30000, N_STOP);
		assert_int_equal(migrate(60000, 0, NULL, &r), 0);
		old_fd = bpf_obj_get(old_pin);
		new_fd = bpf_obj_get(pin);
		window_writes(old_fd, new_fd, true);
		close(old_fd);
		close(new_fd);
		assert_int_equal(run_stopped(step, true), 75);
		map_id(pin, &max);
		assert_int_equal(max, 60000);
		/* the next finish (odd steps: the next migrate) completes it */
		if (step % 2) {
			assert_int_equal(migrate(60000, 0, NULL, &r), 0);
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_UNCHANGED);
			assert_string_equal(r.recovery, "completed an interrupted finish");
		} else {
			assert_int_equal(finish(&r), 0);
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
		}
		assert_string_equal(listing(), "m");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}
}

/* ---- refusals and changes left alone --------------------------------------- */

struct pinned_state {
	uint32_t id, max;
	char listing[1024];
};

static void state_take(struct pinned_state *s)
{
	s->id = map_id(pin, &s->max);
	snprintf(s->listing, sizeof(s->listing), "%s", listing());
}

static void state_same(const struct pinned_state *s)
{
	uint32_t max;

	assert_int_equal(map_id(pin, &max), s->id);
	assert_int_equal(max, s->max);
	assert_string_equal(listing(), s->listing);
}

static void refused(const struct mapsize_migrate_spec *spec, int want, const char *why)
{
	struct mapsize_migrate_result r = { .sz = sizeof(r) };
	struct pinned_state before;
	int err;

	state_take(&before);
	err = mapsize_pin__migrate(pin, spec, NULL, &r);
	if (err != want)
		fail_msg("expected %d, got %d: %s", want, err, r.reason);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_REFUSED);
	if (!strstr(r.reason, why))
		fail_msg("reason \"%s\" does not say \"%s\"", r.reason, why);
	state_same(&before);
}

static void test_refusals(void **state)
{
	LIBBPF_OPTS(mapsize_migrate_spec, spec, .max_entries = 300000);
	struct mapsize_migrate_result r;
	uint32_t lru_max;
	int fd;

	(void)state;
	REQUIRE_BPF();
	model_fill_pinned(150000, N);
	spec.bpf_type = BPF_MAP_TYPE_LRU_HASH;
	refused(&spec, -EINVAL, "type is hash, the plan's lru_hash");
	spec.bpf_type = BPF_MAP_TYPE_HASH;
	spec.key_size = 8;
	refused(&spec, -EINVAL, "key/value size 4/8, the plan 8/8");
	spec.key_size = 4;
	spec.value_size = 16;
	refused(&spec, -EINVAL, "key/value size 4/8, the plan 4/16");
	spec.value_size = 8;
	spec.max_entries = 110000;
	spec.headroom_milli = 1200;
	refused(&spec, -E2BIG, "100000 live entries with headroom 1.200 need 120000, the plan gives 110000");
	spec.max_entries = 90000;
	spec.headroom_milli = 0;
	refused(&spec, -E2BIG, "is full after");
	model_verify(pin);
	assert_int_equal(unlink(pin), 0);

	/* an LRU that would evict: BPF_F_NO_COMMON_LRU gives each CPU
	 * max_entries / CPUs, and the copy fills one CPU's list */
	if (ncpus >= 2) {
		fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "mig_lru", 4, 8, 150000, NULL);
		assert_true(fd >= 0);
		memset(&model, 0, sizeof(model));
		for (uint32_t k = 0; k < N; k++)
			model_set(fd, k, k);
		assert_int_equal(bpf_obj_pin(fd, pin), 0);
		close(fd);
		lru_max = N + N / 2;
		spec = (struct mapsize_migrate_spec){ .sz = sizeof(spec), .max_entries = lru_max,
						      .map_flags = BPF_F_NO_COMMON_LRU,
						      .map_flags_mask = BPF_F_NO_COMMON_LRU };
		refused(&spec, -E2BIG, "an LRU map of 150000 entries would evict");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}

	/* array indices past the new size hold values */
	{
		const struct mcase *c = &cases[4];

		assert_string_equal(c->name, "array");
		make_pinned(c, N);
		spec = (struct mapsize_migrate_spec){ .sz = sizeof(spec), .max_entries = N / 2 };
		refused(&spec, -E2BIG, "index 50000 holds a value");
		verify_path(c, pin, N, 0, 150000);
		assert_int_equal(unlink(pin), 0);
	}

	/* a program array */
	fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "mig_progs", 4, 4, 8, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	close(fd);
	spec.max_entries = 64;
	refused(&spec, -EINVAL, "the agent rebuilds it");
	assert_int_equal(unlink(pin), 0);

	/* nothing pinned */
	assert_int_equal(migrate(1000, 0, NULL, &r), -ENOENT);
	assert_string_equal(listing(), "");
}

static void test_small_change_and_dry_run(void **state)
{
	LIBBPF_OPTS(mapsize_migrate_opts, o);
	struct mapsize_migrate_result r;
	struct pinned_state before;

	(void)state;
	REQUIRE_BPF();
	model_fill_pinned(150000, N);
	state_take(&before);
	/* 150,000 -> 160,000 moves by 6.7 %: below the default 10 % */
	assert_int_equal(migrate(160000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_SMALL_CHANGE);
	state_same(&before);
	o.min_change_pct = 5;
	assert_int_equal(migrate(160000, 0, &o, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	assert_int_equal(finish(&r), 0);
	state_take(&before);
	assert_int_equal(migrate(160000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_UNCHANGED);
	o.min_change_pct = 0;
	o.dry_run = true;
	assert_int_equal(migrate(320000, 0, &o, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_WOULD_MIGRATE);
	assert_int_equal(r.live_entries, N);
	state_same(&before);
	assert_int_equal(migrate(100000, 1200, &o, &r), -E2BIG);
	state_same(&before);
	/* the headroom binds a shrink only: a grow has to hold the entries */
	assert_int_equal(migrate(200000, 2500, &o, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_WOULD_MIGRATE);
	state_same(&before);
	model_verify(pin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_type, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_window_user_writer, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_window_bpf_writer, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_stop_after_every_step, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_small_change_and_dry_run, fs_setup, fs_teardown),
	};

	ncpus = libbpf_num_possible_cpus();
	return cmocka_run_group_tests_name("pinned map migration (live kernel)", tests, tk_setup, tk_teardown);
}
