// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pinned maps through mapsize_plan__apply() (issue 23 items 2 and 3), on a
 * bpffs this test mounts in its temp dir and removes (never /sys/fs/bpf):
 * an object pinning `pins_flows` by name is loaded at 10,000 entries and
 * filled with 9,000; then a plan of 20,000:
 *  - the default policy refuses before the load, with the exact message
 *    (pin, pinned and planned values, live entries, the command to run),
 *    and no libbpf "parameter mismatch";
 *  - MAPSIZE_PIN_KEEP loads on the pinned map: the same map id, 10,000
 *    entries, every key and value intact, and the warning;
 *  - MAPSIZE_PIN_MIGRATE migrates: the load succeeds on the new map, entries intact;
 *  - a shrink the entries do not fit, and a pinned map of another value
 *    size, are refused with their reasons, keep or not for the latter;
 *  - pin_live__read(): -ENOENT for nothing pinned, -EMEDIUMTYPE for a
 *    pinned program, the live count of the map;
 *  - map_key_walk, the key walk under pin_map.c's copy: counts and budgets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/mount.h>

#include <mapsize/migrate.h>

#include "test_kernel.h"
#include "../../src/kernel/pin_live.h"
#include "../../src/kernel/map_batch.h"

#define PINS_OBJ "tests/bpf/pins.bpf.o"
#define FILLED 9000

static char bpffs[256];	/* the test's own bpffs, mounted in setup */
static char obj_path[PATH_MAX];
static bool mounted;

/* The plan of a rules file giving pins_flows `entries`. */
static struct mapsize_plan *plan_of(uint32_t entries)
{
	char text[256];
	struct tk_req req = { .rules = text, .no_node = true };

	snprintf(text, sizeof(text), "app: pins\nmaps:\n  pins_flows: {type: hash, key_size: 4, value_size: 8, "
		 "max_entries: %u}\n", entries);
	return tk_plan(&req);
}

static struct bpf_object *open_pinned(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct bpf_object *obj;

	tk_libbpf_log_reset();
	obj = bpf_object__open_file(obj_path, &opts);
	if (!obj)
		fail_msg("open %s: %s", obj_path, strerror(errno));
	return obj;
}

static struct mapsize_applied *apply(struct bpf_object *obj, struct mapsize_plan *plan,
				     enum mapsize_pin_policy policy, struct mapsize_error *err)
{
	struct mapsize_apply_opts opts = { .sz = sizeof(opts), .object_path = obj_path, .pin_policy = policy };

	return mapsize_plan__apply(plan, obj, &opts, err);
}

static uint32_t pinned_id(void)
{
	char path[PATH_MAX];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	return info.id;
}

/* Load at 10,000 entries (pinning pins_flows) and fill FILLED keys with k*3. */
static void fill_pin(void)
{
	struct mapsize_plan *plan = plan_of(10000);
	struct bpf_object *obj = open_pinned();
	struct mapsize_applied *a;
	struct mapsize_error err;
	int fd;

	a = apply(obj, plan, MAPSIZE_PIN_REFUSE, &err);
	if (!a)
		tk_fail_error("apply at 10000", &err);
	tk_load(obj);
	fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pins_flows"));
	for (uint32_t k = 1; k <= FILLED; k++) {
		uint64_t v = (uint64_t)k * 3;

		assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), 0);
	}
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	assert_int_not_equal(pinned_id(), 0);
}

static void unpin(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	unlink(path);
}

static int setup(void **state)
{
	if (tk_setup(state))
		return -1;
	if (snprintf(obj_path, sizeof(obj_path), "%s/%s", tk_build, PINS_OBJ) >= (int)sizeof(obj_path) ||
	    snprintf(bpffs, sizeof(bpffs), "%s/bpffs", tk_tmp) >= (int)sizeof(bpffs) || mkdir(bpffs, 0700))
		return -1;
	mounted = !mount("bpf", bpffs, "bpf", 0, NULL);
	if (!mounted)
		print_message("SKIP: cannot mount a bpffs at %s: %s\n", bpffs, strerror(errno));
	return 0;
}

static int teardown(void **state)
{
	if (mounted) {
		unpin();
		umount2(bpffs, MNT_DETACH);
	}
	return tk_teardown(state);
}

#define REQUIRE_BPFFS()		\
	do {			\
		REQUIRE_BPF();	\
		if (!mounted)	\
			skip();	\
	} while (0)

static void test_refuse_by_default(void **state)
{
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_error err;
	char want[8192];
	uint32_t id;

	REQUIRE_BPFFS();
	fill_pin();
	id = pinned_id();
	plan = plan_of(20000);
	obj = open_pinned();
	assert_null(apply(obj, plan, MAPSIZE_PIN_REFUSE, &err));
	assert_int_equal(err.code, -EEXIST);
	snprintf(want, sizeof(want), "map 'pins_flows' is pinned at %s/pins_flows with max_entries 10000, flags "
		 "0x0 (9000 live entries) but the plan gives max_entries 20000, flags 0x0: libbpf would refuse "
		 "to reuse it (max_entries 10000 -> 20000: 9000 live entries fit); run `mapsize migrate RULES "
		 "--object %s --pin-root %s` before the load to carry its entries into the new size, or apply "
		 "with pin policy keep to keep the pinned map", bpffs, obj_path, bpffs);
	assert_string_equal(err.msg, want);
	/* nothing reached libbpf's load, and the pin is the same map */
	assert_null(strstr(tk_libbpf_log, "mismatch"));
	assert_int_equal(pinned_id(), id);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();
}

/* The same plan again (an agent's every restart): libbpf reuses the pin. */
static void test_reuse(void **state)
{
	struct mapsize_kernel_map k = { .sz = sizeof(k) };
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	struct mapsize_error err;
	uint32_t id, key = FILLED;
	uint64_t v = 0;
	int fd;

	REQUIRE_BPFFS();
	fill_pin();
	id = pinned_id();
	plan = plan_of(10000);
	obj = open_pinned();
	a = apply(obj, plan, MAPSIZE_PIN_REFUSE, &err);
	if (!a)
		tk_fail_error("apply the same plan", &err);
	assert_int_equal(mapsize_applied__warning_cnt(a), 0);
	tk_load(obj);
	fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pins_flows"));
	tk_kmap(fd, &k, "pins_flows");
	assert_int_equal(k.id, id);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
	assert_int_equal(v, (uint64_t)FILLED * 3);
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();
}

static void test_keep(void **state)
{
	struct mapsize_kernel_map k = { .sz = sizeof(k) };
	const struct mapsize_applied_map *am = NULL;
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	struct mapsize_error err;
	char want[8192], path[PATH_MAX];
	uint32_t id;
	int fd;

	REQUIRE_BPFFS();
	fill_pin();
	id = pinned_id();
	plan = plan_of(20000);
	obj = open_pinned();
	a = apply(obj, plan, MAPSIZE_PIN_KEEP, &err);
	if (!a)
		tk_fail_error("apply keep", &err);
	assert_int_equal(mapsize_applied__warning_cnt(a), 1);
	snprintf(want, sizeof(want), "map 'pins_flows': kept the map pinned at %s/pins_flows with max_entries "
		 "10000, flags 0x0 (9000 live entries) instead of the plan's max_entries 20000, flags 0x0 (pin "
		 "policy keep); `mapsize migrate RULES --object %s --pin-root %s` resizes it keeping its entries",
		 bpffs, obj_path, bpffs);
	assert_string_equal(mapsize_applied__warning(a, 0), want);
	assert_null(mapsize_applied__warning(a, 1));
	for (size_t i = 0; i < mapsize_applied__map_cnt(a); i++)
		if (!strcmp(mapsize_applied__map(a, i)->name, "pins_flows"))
			am = mapsize_applied__map(a, i);
	assert_non_null(am);
	assert_true(am->pin_kept);
	assert_int_equal(am->max_entries, 10000);
	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	assert_string_equal(am->pin_path, path);
	tk_load(obj);
	fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pins_flows"));
	tk_kmap(fd, &k, "pins_flows");
	assert_int_equal(k.id, id);
	assert_int_equal(k.max_entries, 10000);
	for (uint32_t key = 1; key <= FILLED; key++) {
		uint64_t v = 0;

		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		assert_int_equal(v, (uint64_t)key * 3);
	}
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();
}

/* The agent path (issue 23 item 4): the pinned map filled at 10,000
 * entries, the plan now 20,000, apply with MAPSIZE_PIN_MIGRATE: the load
 * succeeds on the migrated map with every entry; finish unpins the old one. */
static void test_migrate_policy(void **state)
{
	struct mapsize_migrate_result r = { .sz = sizeof(r) };
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct mapsize_applied *a;
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_error err;
	char want[8192], path[PATH_MAX];
	uint32_t old_id;
	int fd;

	REQUIRE_BPFFS();
	fill_pin();
	old_id = pinned_id();
	plan = plan_of(20000);
	obj = open_pinned();
	a = apply(obj, plan, MAPSIZE_PIN_MIGRATE, &err);
	if (!a)
		tk_fail_error("apply migrate", &err);
	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	assert_int_equal(mapsize_applied__warning_cnt(a), 1);
	snprintf(want, sizeof(want), "map 'pins_flows': migrated the map pinned at %s from 10000 to 20000 entries "
		 "(9000 copied); once the new programs are attached, mapsize_pin__finish() or `mapsize migrate "
		 "--finish` carries over what the old ones wrote since and unpins the old map", path);
	assert_string_equal(mapsize_applied__warning(a, 0), want);
	tk_load(obj);
	fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pins_flows"));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	assert_int_equal(info.max_entries, 20000);
	assert_int_equal(info.id, pinned_id());
	assert_int_not_equal(info.id, old_id);
	for (uint32_t k = 1; k <= FILLED + 1; k++) {
		uint64_t v = 0;
		int ret = bpf_map_lookup_elem(fd, &k, &v);

		assert_int_equal(ret, k <= FILLED ? 0 : -ENOENT);
		assert_int_equal(v, k <= FILLED ? (uint64_t)k * 3 : 0);
	}
	assert_int_equal(mapsize_pin__finish(path, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	assert_int_equal(r.updated + r.deleted + r.skipped + r.failed, 0);
	strcat(path, "-mapsize-old");
	assert_int_equal(access(path, F_OK), -1);
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();
}

static void test_refused_shrink_and_shape(void **state)
{
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_error err;
	char want[8192], path[PATH_MAX];
	int fd;

	REQUIRE_BPFFS();
	fill_pin();
	plan = plan_of(5000);
	obj = open_pinned();
	assert_null(apply(obj, plan, MAPSIZE_PIN_REFUSE, &err));
	snprintf(want, sizeof(want), "map 'pins_flows' is pinned at %s/pins_flows with max_entries 10000, flags "
		 "0x0 (9000 live entries) but the plan gives max_entries 5000, flags 0x0: it cannot be migrated "
		 "(max_entries 10000 -> 5000: 9000 live entries need 9000 with the rule's headroom 1.00, more "
		 "than the planned 5000); expected a plan its entries fit, apply with pin policy keep to keep the "
		 "pinned map, or the pin removed (rm %s/pins_flows; its entries are lost)", bpffs, bpffs);
	assert_string_equal(err.msg, want);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();

	/* a map of another value size pinned there: no policy helps */
	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "pins_flows", 4, 16, 10000, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	plan = plan_of(10000);
	obj = open_pinned();
	assert_null(apply(obj, plan, MAPSIZE_PIN_KEEP, &err));
	assert_int_equal(err.code, -EINVAL);
	snprintf(want, sizeof(want), "map 'pins_flows' is pinned at %s/pins_flows with value_size 16, max_entries "
		 "10000, flags 0x0 (0 live entries) but the object asks for value_size 8, max_entries 10000, flags "
		 "0x0: it can be neither reused nor migrated (value_size differs: pinned 16, planned 8; entries "
		 "cannot move to another value size); expected the rules and the object to match the pinned map, "
		 "or the pin removed (rm %s/pins_flows; its entries are lost)", bpffs, bpffs);
	assert_string_equal(err.msg, want);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
	unpin();
}

static void test_pin_live_read(void **state)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct pin_live live;
	char path[PATH_MAX];
	int fd;

	REQUIRE_BPFFS();
	snprintf(path, sizeof(path), "%s/pins_flows", bpffs);
	assert_int_equal(pin_live__read(path, &live), -ENOENT);
	fill_pin();
	assert_int_equal(pin_live__read(path, &live), 0);
	assert_int_equal(live.id, pinned_id());
	assert_int_equal(live.type, BPF_MAP_TYPE_HASH);
	assert_int_equal(live.key_size, 4);
	assert_int_equal(live.value_size, 8);
	assert_int_equal(live.max_entries, 10000);
	assert_true(live.entries_known);
	assert_int_equal(live.entries, FILLED);
	assert_string_equal(live.name, "pins_flows");
	unpin();
	/* a pinned program is not a map */
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pins_prog", "GPL", prog, 2, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/pins_prog", bpffs);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	assert_int_equal(pin_live__read(path, &live), -EMEDIUMTYPE);
	unlink(path);
}

/* libxdp's xdpfilt_alw_eth.o (build/corpus; pins filter_ethernet and
 * xdp_stats_map by name), its maps loaded as an agent would: a pinned
 * filter_ethernet of 10,000 entries and a plan of 20,000 are refused before
 * the load, or kept. */
static void test_xdpfilt(void **state)
{
	const char *rules_text = "app: xdpfilt\nmaps:\n  filter_ethernet: {type: percpu_hash, key_size: 6, "
				 "value_size: 8, max_entries: 20000}\n";
	struct tk_req req = { .rules = rules_text, .no_node = true };
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct mapsize_apply_opts aopts = { .sz = sizeof(aopts) };
	struct mapsize_kernel_map k = { .sz = sizeof(k) };
	struct mapsize_applied *a;
	struct mapsize_error err;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct mapsize_plan *plan;
	char xdp[PATH_MAX], path[PATH_MAX], want[8192];
	int fd;

	REQUIRE_BPFFS();
	if (snprintf(xdp, sizeof(xdp), "%s/corpus/libxdp1/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_eth.o",
		     tk_build) >= (int)sizeof(xdp) || access(xdp, R_OK)) {
		print_message("SKIP: %s missing (build/corpus)\n", xdp);
		skip();
	}
	if (snprintf(path, sizeof(path), "%s/filter_ethernet", bpffs) >= (int)sizeof(path))
		fail();
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "filter_ethernet", 6, 8, 10000, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	plan = tk_plan(&req);
	for (int policy = MAPSIZE_PIN_REFUSE; policy <= MAPSIZE_PIN_KEEP; policy++) {
		obj = bpf_object__open_file(xdp, &opts);
		assert_non_null(obj);
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, false);
		aopts.pin_policy = policy;
		tk_libbpf_log_reset();
		a = mapsize_plan__apply(plan, obj, &aopts, &err);
		if (policy == MAPSIZE_PIN_REFUSE) {
			assert_null(a);
			snprintf(want, sizeof(want), "map 'filter_ethernet' is pinned at %s with max_entries 10000, "
				 "flags 0x0 (0 live entries) but the plan gives max_entries 20000, flags 0x0: libbpf "
				 "would refuse to reuse it (max_entries 10000 -> 20000: 0 live entries fit); run `mapsize "
				 "migrate RULES --object FILE --pin-root %s` before the load to carry its entries into "
				 "the new size, or apply with pin policy keep to keep the pinned map", path, bpffs);
			assert_string_equal(err.msg, want);
		} else {
			if (!a)
				tk_fail_error("apply keep", &err);
			tk_load(obj);
			tk_kmap(bpf_map__fd(bpf_object__find_map_by_name(obj, "filter_ethernet")), &k,
				"filter_ethernet");
			assert_int_equal(k.max_entries, 10000);
			assert_int_equal(mapsize_applied__warning_cnt(a), 1);
			mapsize_applied__free(a);
		}
		bpf_object__close(obj);
	}
	assert_null(strstr(tk_libbpf_log, "mismatch"));
	mapsize_plan__free(plan);
	unlink(path);
	/* the keep load pinned xdp_stats_map (libbpf's own pinning) */
	snprintf(path, sizeof(path), "%s/xdp_stats_map", bpffs);
	assert_int_equal(unlink(path), 0);
}

/* map_key_walk (map_batch.c), the key walk pin_map.c and the other key by
 * key walks share: a hash of 100 keys is walked exactly 100 times, every
 * key once; a budget of 100 still ends at 0, one of 10 gives -EAGAIN after
 * 10 keys and on every later call; an array walks its indices in order; a
 * bad fd is -EBADF. */
static void test_map_key_walk(void **state)
{
	bool seen[100] = { 0 };
	struct map_key_walk w;
	uint32_t k, got;
	uint64_t v = 7;
	int fd, afd, ret;

	(void)state;
	REQUIRE_BPF();
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "kw_hash", 4, 8, 128, NULL);
	assert_true(fd >= 0);
	/* an empty map: the end at once, and a budget of 0 is no error */
	assert_int_equal(map_key_walk__init(&w, fd, 4, 0), 0);
	assert_int_equal(map_key_walk__next(&w), 0);
	map_key_walk__free(&w);
	for (k = 0; k < 100; k++)
		assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), 0);
	for (int round = 0; round < 2; round++) {
		uint64_t budget = round ? 100 : MAP_KEY_WALK_NO_BUDGET;

		memset(seen, 0, sizeof(seen));
		got = 0;
		assert_int_equal(map_key_walk__init(&w, fd, 4, budget), 0);
		while ((ret = map_key_walk__next(&w)) == 1) {
			memcpy(&k, w.key, sizeof(k));
			assert_true(k < 100);
			assert_false(seen[k]);
			seen[k] = true;
			got++;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(got, 100);
		assert_int_equal(map_key_walk__next(&w), 0);	/* the end stays the end */
		map_key_walk__free(&w);
	}
	got = 0;
	assert_int_equal(map_key_walk__init(&w, fd, 4, 10), 0);
	while ((ret = map_key_walk__next(&w)) == 1)
		got++;
	assert_int_equal(ret, -EAGAIN);
	assert_int_equal(got, 10);
	assert_int_equal(map_key_walk__next(&w), -EAGAIN);
	map_key_walk__free(&w);
	assert_int_equal(map_key_walk__init(&w, fd, 4, 0), 0);
	assert_int_equal(map_key_walk__next(&w), -EAGAIN);
	map_key_walk__free(&w);
	close(fd);

	afd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kw_array", 4, 8, 8, NULL);
	assert_true(afd >= 0);
	got = 0;
	assert_int_equal(map_key_walk__init(&w, afd, 4, MAP_KEY_WALK_NO_BUDGET), 0);
	while ((ret = map_key_walk__next(&w)) == 1) {
		memcpy(&k, w.key, sizeof(k));
		assert_int_equal(k, got);
		got++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(got, 8);
	map_key_walk__free(&w);
	close(afd);

	assert_int_equal(map_key_walk__init(&w, afd, 4, MAP_KEY_WALK_NO_BUDGET), 0);	/* closed above */
	assert_int_equal(map_key_walk__next(&w), -EBADF);
	map_key_walk__free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_live_read),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_refuse_by_default),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_migrate_policy),
		cmocka_unit_test(test_refused_shrink_and_shape),
		cmocka_unit_test(test_xdpfilt),
		cmocka_unit_test(test_map_key_walk),
	};

	return cmocka_run_group_tests_name("pinned maps through apply", tests, setup, teardown);
}
