// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of mapsize_status__read(): maps of every kind created
 * with a known number of entries are read back with exact entries, fill
 * ratio and count method; every forced method agrees with the truth where
 * it applies and says why where it does not; the key walk stops at its
 * bound; filters (name, id, pid, pinned) select exactly; the owner is this
 * process; the Prometheus text carries the same numbers.
 *
 * When the kernel refuses bpf() every test is skipped (printed), not passed.
 */
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_kernel.h"
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <mapsize/status.h>

struct made {
	const char *name;
	unsigned int type;
	uint32_t key_size, value_size, max_entries, flags;
	uint32_t fill;				/* entries inserted */
	enum mapsize_count_method auto_method;	/* what AUTO picks on 6.6+ */
	int fd;
};

/* The test maps; names start with "mst_" so the glob picks only them. */
static struct made made[] = {
	{ "mst_hash", BPF_MAP_TYPE_HASH, 4, 8, 100, 0, 37, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_hash_np", BPF_MAP_TYPE_HASH, 4, 8, 100, BPF_F_NO_PREALLOC, 41, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_pcpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 64, 0, 5, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_pcpu_np", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 64, BPF_F_NO_PREALLOC, 6, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_lru", BPF_MAP_TYPE_LRU_HASH, 8, 16, 512, 0, 9, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_lru_pcpu", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 512, 0, 7, MAPSIZE_COUNT_KFUNC, -1 },
	{ "mst_lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, BPF_F_NO_PREALLOC, 3, MAPSIZE_COUNT_MEMLOCK, -1 },
	{ "mst_array", BPF_MAP_TYPE_ARRAY, 4, 8, 10, 0, 4, MAPSIZE_COUNT_NONE, -1 },
	{ "mst_pcpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 10, 0, 0, MAPSIZE_COUNT_NONE, -1 },
	{ "mst_queue", BPF_MAP_TYPE_QUEUE, 0, 8, 10, 0, 2, MAPSIZE_COUNT_NONE, -1 },
	{ "mst_ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, MAPSIZE_COUNT_NONE, -1 },
	{ "mst_user_rb", BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, 0, MAPSIZE_COUNT_NONE, -1 },
};
static int hofm_fd = -1, hofm_inner[2] = { -1, -1 };

static void fill_one(struct made *m)
{
	char key[16] = { 0 }, value[64] = { 0 };

	for (uint32_t i = 0; i < m->fill; i++) {
		int ret;

		if (m->type == BPF_MAP_TYPE_LPM_TRIE) {
			uint32_t *k = (uint32_t *)key;

			k[0] = 32;			/* prefix length */
			k[1] = 0x0a000000 + i;		/* 10.0.0.i */
		} else {
			memcpy(key, &i, sizeof(i));
		}
		if (m->type == BPF_MAP_TYPE_QUEUE)
			ret = bpf_map_update_elem(m->fd, NULL, value, 0);
		else if (m->type == BPF_MAP_TYPE_PERCPU_HASH || m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
			char big[64 * 1024] = { 0 };	/* one value per possible CPU */

			ret = bpf_map_update_elem(m->fd, key, big, 0);
		} else {
			ret = bpf_map_update_elem(m->fd, key, value, 0);
		}
		assert_int_equal(ret, 0);
	}
}

static int make_maps(void **state)
{
	int ret = tk_setup(state);

	if (ret || tk_bpf_probe() != TK_BPF_OK)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(made); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = made[i].flags);

		made[i].fd = bpf_map_create(made[i].type, made[i].name, made[i].key_size, made[i].value_size,
					    made[i].max_entries, &o);
		if (made[i].fd < 0) {
			print_error("cannot create %s: %s\n", made[i].name, strerror(errno));
			return -1;
		}
		fill_one(&made[i]);
	}
	/* hash_of_maps with two inner maps */
	{
		LIBBPF_OPTS(bpf_map_create_opts, o);
		int tmpl = bpf_map_create(BPF_MAP_TYPE_HASH, "mst_inner_t", 4, 4, 8, NULL);

		o.inner_map_fd = tmpl;
		hofm_fd = bpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, "mst_hofm", 4, 4, 8, &o);
		close(tmpl);
		for (uint32_t k = 0; k < 2 && hofm_fd >= 0; k++) {
			hofm_inner[k] = bpf_map_create(BPF_MAP_TYPE_HASH, "inner_x", 4, 4, 8, NULL);
			bpf_map_update_elem(hofm_fd, &k, &hofm_inner[k], 0);
		}
		if (hofm_fd < 0)
			return -1;
	}
	return 0;
}

static int drop_maps(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(made); i++)
		if (made[i].fd > 0)
			close(made[i].fd);
	if (hofm_fd >= 0)
		close(hofm_fd);
	for (int k = 0; k < 2; k++)
		if (hofm_inner[k] >= 0)
			close(hofm_inner[k]);
	return tk_teardown(state);
}

/* /sys/fs/bpf mounted as bpffs (mounted here when it is not).  0, or -1
 * after printing why pinning cannot be tested. */
static int tk_bpffs(void)
{
	struct statfs sfs;

	if (!statfs("/sys/fs/bpf", &sfs) && sfs.f_type == 0xcafe4a11 /* BPF_FS_MAGIC */)
		return 0;
	mkdir("/sys/fs/bpf", 0755);
	if (!mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return 0;
	print_message("SKIP: cannot mount bpffs on /sys/fs/bpf: %s\n", strerror(errno));
	return -1;
}

static bool kernel_at_least(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int v = 0;

	return !uname(&u) && !mapsize_kernel_version(u.release, &v) && v >= MAPSIZE_KERNEL_VERSION(major, minor);
}

static struct mapsize_status *read_status(const char *glob, enum mapsize_count_method method, uint64_t max_walk)
{
	struct mapsize_status_opts o = { .sz = sizeof(o), .name_glob = glob, .method = method, .max_walk = max_walk };
	struct mapsize_status *st = NULL;
	struct mapsize_error err;
	int ret = mapsize_status__read(&o, &st, &err);

	if (ret)
		fail_msg("mapsize_status__read: %s (%d)", err.msg, ret);
	return st;
}

static const struct mapsize_live_map *find(const struct mapsize_status *st, const char *name)
{
	for (size_t i = 0; i < mapsize_status__map_cnt(st); i++)
		if (!strcmp(mapsize_status__map(st, i)->name, name))
			return mapsize_status__map(st, i);
	fail_msg("map %s not in the status", name);
	return NULL;
}

static void test_auto_counts(void **state)
{
	struct mapsize_status *st;
	double ratio;

	REQUIRE_BPF();
	if (!kernel_at_least(6, 6))
		skip();		/* the kfunc: the AUTO choices below are those of 6.6+ */
	st = read_status("mst_*", MAPSIZE_COUNT_AUTO, 0);
	assert_int_equal(mapsize_status__map_cnt(st), ARRAY_SIZE(made) + 1);	/* + mst_hofm */
	for (size_t i = 0; i < ARRAY_SIZE(made); i++) {
		const struct mapsize_live_map *m = find(st, made[i].name);

		assert_int_equal(m->bpf_type, made[i].type);
		assert_int_equal(m->max_entries, made[i].max_entries);
		assert_int_equal(m->count_method, made[i].auto_method);
		if (made[i].auto_method == MAPSIZE_COUNT_NONE) {
			assert_false(m->has_entries);
			assert_non_null(m->note);
			assert_false(mapsize_live_map__fill_ratio(m, &ratio));
			continue;
		}
		assert_true(m->has_entries);
		assert_int_equal(m->entries, made[i].fill);
		assert_true(mapsize_live_map__fill_ratio(m, &ratio));
		assert_float_equal(ratio, (double)made[i].fill / made[i].max_entries, 1e-12);
		assert_int_equal(m->evicts, made[i].type == BPF_MAP_TYPE_LRU_HASH ||
					    made[i].type == BPF_MAP_TYPE_LRU_PERCPU_HASH);
		/* this process holds the fd */
		assert_int_equal(m->pid_cnt, 1);
		assert_int_equal(m->pids[0], (uint32_t)getpid());
	}
	assert_int_equal(find(st, "mst_hofm")->entries, 2);
	assert_int_equal(find(st, "mst_hofm")->count_method, MAPSIZE_COUNT_KFUNC);
	assert_string_equal(find(st, "mst_array")->note, "array: every slot always exists");
	assert_string_equal(find(st, "mst_queue")->note, "queue/stack: counting would pop its elements");
	assert_string_equal(find(st, "mst_ringbuf")->note, "ring buffer: holds bytes in flight, not entries");
	assert_string_equal(find(st, "mst_user_rb")->note, "ring buffer: holds bytes in flight, not entries");
	assert_string_equal(mapsize_bpf_map_type__name(find(st, "mst_user_rb")->bpf_type), "user_ringbuf");
	assert_false(find(st, "mst_user_rb")->has_entries);
	assert_string_equal(find(st, "mst_lru")->note, "LRU: evicts before full");
	mapsize_status__free(st);
}

/* Every method gives the true count where it applies, and none where not. */
static void test_methods_agree(void **state)
{
	static const struct {
		enum mapsize_count_method method;
		unsigned int major, minor;
	} methods[] = {
		{ MAPSIZE_COUNT_KFUNC, 6, 6 }, { MAPSIZE_COUNT_MEMLOCK, 6, 4 },
		{ MAPSIZE_COUNT_BATCH, 5, 6 }, { MAPSIZE_COUNT_ITERATE, 0, 0 },
	};

	REQUIRE_BPF();
	for (size_t k = 0; k < ARRAY_SIZE(methods); k++) {
		struct mapsize_status *st;
		size_t counted = 0;

		if (!kernel_at_least(methods[k].major, methods[k].minor))
			continue;
		st = read_status("mst_*", methods[k].method, 0);
		for (size_t i = 0; i < ARRAY_SIZE(made); i++) {
			const struct mapsize_live_map *m = find(st, made[i].name);
			bool hash = made[i].type == BPF_MAP_TYPE_HASH || made[i].type == BPF_MAP_TYPE_PERCPU_HASH ||
				    made[i].type == BPF_MAP_TYPE_LRU_HASH || made[i].type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
			bool applies;

			switch (methods[k].method) {
			case MAPSIZE_COUNT_MEMLOCK:
				applies = (made[i].flags & BPF_F_NO_PREALLOC) &&
					  (made[i].type == BPF_MAP_TYPE_HASH || made[i].type == BPF_MAP_TYPE_PERCPU_HASH ||
					   made[i].type == BPF_MAP_TYPE_LPM_TRIE);
				break;
			case MAPSIZE_COUNT_ITERATE:
				applies = hash || made[i].type == BPF_MAP_TYPE_LPM_TRIE;
				break;
			default:
				applies = hash;
			}
			if (!applies) {
				assert_false(m->has_entries);
				assert_int_equal(m->count_method, MAPSIZE_COUNT_NONE);
				assert_non_null(m->note);
				continue;
			}
			if (!m->has_entries)
				fail_msg("%s: %s gave no count: %s", made[i].name,
					 mapsize_count_method__name(methods[k].method), m->note);
			assert_int_equal(m->count_method, methods[k].method);
			assert_int_equal(m->entries, made[i].fill);
			counted++;
		}
		assert_true(counted >= 2);
		mapsize_status__free(st);
	}
}

static void test_walk_bound(void **state)
{
	struct mapsize_status *st;
	const struct mapsize_live_map *m;

	REQUIRE_BPF();
	st = read_status("mst_hash", MAPSIZE_COUNT_ITERATE, 10);
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	m = mapsize_status__map(st, 0);
	assert_true(m->walk_truncated);
	assert_int_equal(m->entries, 10);
	assert_string_equal(m->note, "walk stopped at --max-walk: entries is a lower bound");
	mapsize_status__free(st);
	st = read_status("mst_hash", MAPSIZE_COUNT_ITERATE, 37);	/* exactly enough */
	assert_false(mapsize_status__map(st, 0)->walk_truncated);
	assert_int_equal(mapsize_status__map(st, 0)->entries, 37);
	mapsize_status__free(st);
}

static void test_filters(void **state)
{
	struct mapsize_status_opts o = { .sz = sizeof(o) };
	struct mapsize_status *st = NULL;
	struct mapsize_error err;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char dir[PATH_MAX + 32], pin[PATH_MAX + 64];

	REQUIRE_BPF();
	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(made[1].fd, &info, &len), 0);
	o.id = info.id;
	assert_int_equal(mapsize_status__read(&o, &st, &err), 0);
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	assert_string_equal(mapsize_status__map(st, 0)->name, "mst_hash_np");
	mapsize_status__free(st);

	/* --pid: this process holds exactly the test maps (+ the hofm inners) */
	o.id = 0;
	o.pid = getpid();
	assert_int_equal(mapsize_status__read(&o, &st, &err), 0);
	assert_int_equal(mapsize_status__map_cnt(st), ARRAY_SIZE(made) + 3);
	mapsize_status__free(st);
	o.pid = 0;

	/* --pinned: a bpffs directory with one pinned map */
	if (tk_bpffs())
		skip();
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/mapsize-test-%d", getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(pin, sizeof(pin), "%s/lru", dir);
	assert_int_equal(bpf_obj_pin(made[4].fd, pin), 0);
	o.pinned = dir;
	assert_int_equal(mapsize_status__read(&o, &st, &err), 0);
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	assert_string_equal(mapsize_status__map(st, 0)->name, "mst_lru");
	mapsize_status__free(st);
	o.pinned = pin;
	assert_int_equal(mapsize_status__read(&o, &st, &err), 0);
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	mapsize_status__free(st);
	unlink(pin);
	rmdir(dir);
	o.pinned = dir;		/* gone: a clear error */
	assert_int_equal(mapsize_status__read(&o, &st, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "expected a pinned BPF map or a bpffs directory"));
	assert_null(st);
}

static void test_prometheus_live(void **state)
{
	struct mapsize_status *st;
	char *text = NULL;

	REQUIRE_BPF();
	st = read_status("mst_hash*", MAPSIZE_COUNT_ITERATE, 0);
	assert_int_equal(mapsize_status__prometheus(st, &text), 0);
	assert_non_null(strstr(text, "\nmapsize_map_entries{map=\"mst_hash\"} 37\n"));
	assert_non_null(strstr(text, "\nmapsize_map_entries{map=\"mst_hash_np\"} 41\n"));
	assert_non_null(strstr(text, "\nmapsize_map_fill_ratio{map=\"mst_hash\"} 0.37\n"));
	assert_non_null(strstr(text, "\nmapsize_map_max_entries{map=\"mst_hash_np\"} 100\n"));
	assert_non_null(strstr(text, "count_method=\"iterate\"} 1\n"));
	free(text);
	mapsize_status__free(st);
}

/* A reader keeps the counting program loaded: every read is a fresh pass. */
static void test_reader_rereads(void **state)
{
	struct mapsize_status_opts o = { .sz = sizeof(o), .name_glob = "mst_hash" };
	struct mapsize_status_reader *r;
	struct mapsize_status *st = NULL;
	struct mapsize_error err;
	uint32_t key = 1000;
	uint64_t value = 0;

	REQUIRE_BPF();
	r = mapsize_status_reader__new(&o, &err);
	assert_non_null(r);
	assert_int_equal(mapsize_status_reader__read(r, &st, &err), 0);
	assert_int_equal(mapsize_status__map(st, 0)->entries, 37);
	mapsize_status__free(st);
	assert_int_equal(bpf_map_update_elem(made[0].fd, &key, &value, 0), 0);
	assert_int_equal(mapsize_status_reader__read(r, &st, &err), 0);
	assert_int_equal(mapsize_status__map(st, 0)->entries, 38);
	mapsize_status__free(st);
	assert_int_equal(bpf_map_delete_elem(made[0].fd, &key), 0);
	assert_int_equal(mapsize_status_reader__read(r, &st, &err), 0);
	assert_int_equal(mapsize_status__map(st, 0)->entries, 37);
	mapsize_status__free(st);
	mapsize_status_reader__free(r);
}

/* The batch token of a hash is a u32 bucket index: with 1- and 2-byte keys
 * a key-sized token buffer overflowed, and with 2-byte keys and more than
 * 65,536 buckets the truncated index wrapped and the walk never ended. */
static void batch_count_small_keys(const char *name, uint32_t key_size, uint32_t max_entries, uint32_t fill)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, name, key_size, 8, max_entries, NULL);
	struct mapsize_status *st;
	const struct mapsize_live_map *m;
	uint64_t value = 7;
	struct timespec t0, t1;
	double secs;

	assert_true(fd >= 0);
	for (uint32_t i = 0; i < fill; i++) {
		uint16_t k2 = (uint16_t)i;
		uint8_t k1 = (uint8_t)i;

		assert_int_equal(bpf_map_update_elem(fd, key_size == 1 ? (void *)&k1 : (void *)&k2, &value, 0), 0);
	}
	alarm(30);	/* the unfixed walk never ends: be killed rather than hang */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = read_status(name, MAPSIZE_COUNT_BATCH, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	m = mapsize_status__map(st, 0);
	if (!m->has_entries)
		fail_msg("%s: batch gave no count: %s", name, m->note);
	assert_int_equal(m->count_method, MAPSIZE_COUNT_BATCH);
	assert_int_equal(m->entries, fill);
	print_message("%u-byte keys: batch counted %llu of %u in %.3f s\n", key_size,
		      (unsigned long long)m->entries, fill, secs);
	assert_true(secs < 10);
	mapsize_status__free(st);
	close(fd);
}

static void test_batch_small_keys(void **state)
{
	REQUIRE_BPF();
	if (!kernel_at_least(5, 6))
		skip();
	batch_count_small_keys("mst2_key1", 1, 1000, 256);
	batch_count_small_keys("mst2_key2", 2, 100000, 65536);
}

/* Two readers in two threads, each with its own --pinned directory: each
 * sees exactly its own maps (the pinned walk kept its set in a global). */
struct pinned_reader {
	char dir[96];
	const char *want;
	int rounds, wrong, failed;
};

static void *pinned_reader_loop(void *arg)
{
	struct pinned_reader *p = arg;

	for (int i = 0; i < p->rounds; i++) {
		struct mapsize_status_opts o = { .sz = sizeof(o), .pinned = p->dir, .no_pids = true,
						 .method = MAPSIZE_COUNT_NONE };
		struct mapsize_status *st = NULL;
		struct mapsize_error err;

		if (mapsize_status__read(&o, &st, &err)) {
			p->failed++;
			continue;
		}
		if (mapsize_status__map_cnt(st) != 1 || strcmp(mapsize_status__map(st, 0)->name, p->want))
			p->wrong++;
		mapsize_status__free(st);
	}
	return NULL;
}

/* Pins left by a run that died (their pid is gone) hold maps named like
 * ours: remove them so they do not show in the next run's globs. */
static void drop_stale_pins(const char *prefix)
{
	DIR *d = opendir("/sys/fs/bpf");
	struct dirent *e;
	char dir[512], path[1024];

	while (d && (e = readdir(d))) {
		int pid = 0;
		DIR *sub;
		struct dirent *f;

		if (strncmp(e->d_name, prefix, strlen(prefix)) || sscanf(e->d_name + strlen(prefix), "%d", &pid) != 1 ||
		    pid <= 0 || !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "/sys/fs/bpf/%s", e->d_name);
		sub = opendir(dir);
		while (sub && (f = readdir(sub)))
			if (f->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
				unlink(path);
			}
		if (sub)
			closedir(sub);
		rmdir(dir);
	}
	if (d)
		closedir(d);
}

static void test_pinned_two_threads(void **state)
{
	struct pinned_reader r[2] = { { .want = "mst_hash", .rounds = 150 }, { .want = "mst_lru", .rounds = 150 } };
	const int fds[2] = { made[0].fd, made[4].fd };
	pthread_t th[2];
	char path[512];

	REQUIRE_BPF();
	if (tk_bpffs())
		skip();
	drop_stale_pins("mapsize-mt-");
	for (int t = 0; t < 2; t++) {
		snprintf(r[t].dir, sizeof(r[t].dir), "/sys/fs/bpf/mapsize-mt-%d-%d", getpid(), t);
		assert_int_equal(mkdir(r[t].dir, 0700), 0);
		/* many pins of one map: a longer walk, one map id */
		for (int i = 0; i < 40; i++) {
			snprintf(path, sizeof(path), "%s/m%d", r[t].dir, i);
			assert_int_equal(bpf_obj_pin(fds[t], path), 0);
		}
	}
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, pinned_reader_loop, &r[t]), 0);
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < 2; t++) {
		for (int i = 0; i < 40; i++) {
			snprintf(path, sizeof(path), "%s/m%d", r[t].dir, i);
			unlink(path);
		}
		rmdir(r[t].dir);
	}
	print_message("two threads x 150 pinned reads: %d + %d wrong, %d + %d failed\n", r[0].wrong, r[1].wrong,
		      r[0].failed, r[1].failed);
	assert_int_equal(r[0].wrong + r[1].wrong, 0);
	assert_int_equal(r[0].failed + r[1].failed, 0);
}

/* A map without BTF or pin: the caller's names (status --rules) extend its
 * 15 bytes when exactly one fits; --name globs see the kernel name too. */
static struct mapsize_status *read_named(const char *glob, const char *const *names, size_t cnt, size_t sz)
{
	struct mapsize_status_opts o = { .sz = sz, .name_glob = glob, .method = MAPSIZE_COUNT_NONE, .no_pids = true,
					 .full_names = names, .full_name_cnt = cnt };
	struct mapsize_status *st = NULL;
	struct mapsize_error err;

	if (sz < sizeof(o))
		o.full_names = NULL, o.full_name_cnt = 0;	/* an older caller's struct ends before them */
	if (mapsize_status__read(&o, &st, &err))
		fail_msg("mapsize_status__read: %s", err.msg);
	return st;
}

static void test_names_given(void **state)
{
	const char *one[] = { "unrelated_map_name", "mst_named_by_rules" };
	const char *two[] = { "mst_named_by_rules", "mst_named_by_runs" };
	const struct mapsize_live_map *m;
	struct mapsize_status *st;
	int fd;

	REQUIRE_BPF();
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mst_named_by_rules", 4, 8, 4, NULL);
	assert_true(fd >= 0);
	st = read_named("mst_named_by_r*", one, 2, sizeof(struct mapsize_status_opts));
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	m = mapsize_status__map(st, 0);
	assert_string_equal(m->name, "mst_named_by_rules");
	assert_string_equal(m->kernel_name, "mst_named_by_ru");
	assert_int_equal(m->name_source, MAPSIZE_NAME_RULES);
	assert_false(m->name_truncated);
	assert_null(m->pin);
	assert_string_equal(m->prog, "");
	mapsize_status__free(st);
	/* the full name matches only once it is known */
	st = read_named("mst_named_by_rules", one, 2, sizeof(struct mapsize_status_opts));
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	mapsize_status__free(st);
	/* two names fit: neither is taken */
	st = read_named("mst_named_by_ru", two, 2, sizeof(struct mapsize_status_opts));
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	m = mapsize_status__map(st, 0);
	assert_string_equal(m->name, "mst_named_by_ru");
	assert_int_equal(m->name_source, MAPSIZE_NAME_KERNEL);
	assert_true(m->name_truncated);
	mapsize_status__free(st);
	/* an older caller: no names, the kernel name still matches a glob */
	st = read_named("mst_named_by_ru", one, 2, offsetof(struct mapsize_status_opts, full_names));
	assert_int_equal(mapsize_status__map_cnt(st), 1);
	assert_int_equal(mapsize_status__map(st, 0)->name_source, MAPSIZE_NAME_KERNEL);
	mapsize_status__free(st);
	close(fd);
}

static void test_bad_opts(void **state)
{
	struct { struct mapsize_status_opts o; char tail[8]; } newer = { .o.sz = sizeof(newer) };
	struct mapsize_status *st = NULL;
	struct mapsize_error err;

	REQUIRE_BPF();
	newer.tail[0] = 1;
	assert_int_equal(mapsize_status__read(&newer.o, &st, &err), -EINVAL);
	assert_int_equal(mapsize_status__read(NULL, NULL, &err), -EINVAL);
	assert_null(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_counts),
		cmocka_unit_test(test_methods_agree),
		cmocka_unit_test(test_walk_bound),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_prometheus_live),
		cmocka_unit_test(test_reader_rereads),
		cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_names_given),
		cmocka_unit_test(test_batch_small_keys),
		cmocka_unit_test(test_pinned_two_threads),
	};

	return cmocka_run_group_tests_name("status (live kernel)", tests, make_maps, drop_maps);
}
