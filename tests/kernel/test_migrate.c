// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of mapsize_pin__migrate() / __finish() (issue 23 item 4,
 * src/kernel/pin_*.c), on bpffs mounts each test creates under /tmp and
 * unmounts (never /sys/fs/bpf); test_migrate_window.c has the window between
 * copy and finish and the stops after every step:
 *
 *  - every type an agent pins, 100,000 entries each (the maps of maps:
 *    10,000 slots holding 64 distinct inner maps), grown and shrunk where
 *    they fit: every key and value equal after, nothing left beside the pin
 *    after finish; the hash also with the key-by-key walk;
 *  - refusals (type, key and value size, too small with headroom, an LRU
 *    that would evict, array indices past the new size, a program array)
 *    leave the pin, its map id and every entry unchanged; small changes and
 *    dry runs change nothing; the headroom binds a shrink only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_kernel.h"
#include "test_migrate.h"

#define INNER_CNT 64

static int inner_fds[INNER_CNT];
static uint32_t inner_ids[INNER_CNT];

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

static uint32_t lru_fit(uint32_t live)
{
	return live + ncpus * 128 + 1000;
}

/* Migrate to `max`, every entry there, finish with nothing to carry. */
static void migrate_and_check(const struct mcase *c, uint32_t from, uint32_t max, bool no_batch)
{
	LIBBPF_OPTS(mapsize_migrate_opts, o, .no_batch = no_batch);
	struct mapsize_migrate_result r;
	int err = migrate(max, 0, &o, &r);


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
	err = finish(&r);
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

	if (c->type == BPF_MAP_TYPE_LRU_HASH || c->type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		shrink = lru_fit(c->n);
	make_pinned(c, c->n);
	migrate_and_check(c, c->max, c->grow, no_batch);
	if (shrink)
		migrate_and_check(c, c->grow, shrink, no_batch);
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

/* ---- refusals and changes left alone --------------------------------------- */

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

	/* a program pinned there */
	{
		const struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "mig_prog", "GPL", insns, ARRAY_SIZE(insns), NULL);
		assert_true(fd >= 0);
		assert_int_equal(bpf_obj_pin(fd, pin), 0);
		close(fd);
		assert_int_equal(migrate(1000, 0, NULL, &r), -EMEDIUMTYPE);
		assert_string_equal(r.reason + strlen(pin), ": a BPF object that is not a map is pinned there");
		assert_string_equal(listing(), "m");
		assert_int_equal(unlink(pin), 0);
	}
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
		cmocka_unit_test_setup_teardown(test_refusals, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_small_change_and_dry_run, fs_setup, fs_teardown),
	};

	ncpus = libbpf_num_possible_cpus();
	return cmocka_run_group_tests_name("pinned map migration (live kernel)", tests, tk_setup, tk_teardown);
}
