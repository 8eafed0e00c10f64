// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of map-in-map corners and of the flag rules
 * (tests/kernel/bpf/mim_*.bpf.c, used_by.bpf.c):
 *
 *  - inner values holding bpf_spin_lock and bpf_timer: the template
 *    apply creates carries the object's BTF (without it the verifier refuses
 *    the program), instances carry it too and go into the loaded outer map,
 *    and the program runs on them;
 *  - compiled template flags the rules do not name (BPF_F_INNER_MAP,
 *    BPF_F_NO_COMMON_LRU) are kept in the template and in every instance;
 *  - statically initialised slots of an array_of_maps and a hash_of_maps:
 *    the slot maps are sized as the template, or apply refuses before load
 *    when their own rule disagrees;
 *  - maps used by sleepable and perf_event programs (an inner map through its
 *    outer's used_by) stay preallocated for a target before 6.1;
 *  - every flag × map type the rules refuse, the kernel refuses with the
 *    errno the message names, and every pair they accept, it accepts;
 *  - every type and type+flag pair the availability table claims for this
 *    kernel's release creates, and every pair it creates has a release.
 *
 * When the kernel refuses bpf() every test is skipped (printed), not passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>

#include "test_kernel.h"

#define BTF_OBJ		"tests/bpf/mim_btf.bpf.o"
#define FLAGS_OBJ	"tests/bpf/mim_flags.bpf.o"
#define SLOTS_OBJ	"tests/bpf/mim_slots.bpf.o"
#define USED_BY_OBJ	"tests/bpf/used_by.bpf.o"
#define KPTR_OBJ	"tests/bpf/mim_kptr.bpf.o"

/* A plan of `rules` for target kernel `release` (NULL: the running one),
 * without node dimensions.  NULL plan: *err says why. */
static struct mapsize_plan *plan_for(const char *rules_text, const char *release)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = "small",
		.kernel_release = release ? release : tk_node.kernel_release,
	};
	struct mapsize_error err;
	struct mapsize_rules *rules = mapsize_rules__parse(rules_text, strlen(rules_text), "mim.rules.yaml", &err);
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;

	if (!rules)
		tk_fail_error("rules", &err);
	pl = mapsize_planner__new(&opts, &err);
	if (!pl)
		tk_fail_error("planner", &err);
	plan = mapsize_planner__plan(pl, rules);
	if (!plan)
		tk_fail_error("plan", mapsize_planner__error(pl));
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return plan;
}

static struct mapsize_applied *apply_ok(const struct mapsize_plan *plan, struct bpf_object *obj)
{
	struct mapsize_error err;
	struct mapsize_applied *a = mapsize_plan__apply(plan, obj, NULL, &err);

	if (!a)
		tk_fail_error("mapsize_plan__apply", &err);
	return a;
}

static int fd_of(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map)
		fail_msg("no map '%s' in the object", name);
	return bpf_map__fd(map);
}

static struct bpf_map_info map_info(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		fail_msg("bpf_obj_get_info_by_fd: %s", strerror(errno));
	return info;
}

static const struct mapsize_applied_map *applied_find(const struct mapsize_applied *a, const char *name)
{
	for (size_t i = 0; i < mapsize_applied__map_cnt(a); i++)
		if (!strcmp(mapsize_applied__map(a, i)->name, name))
			return mapsize_applied__map(a, i);
	fail_msg("apply does not report map '%s'", name);
	return NULL;
}

/* Create an instance of outer's inner rule, check it against the plan
 * (size, and `want_flags` exactly), insert it at `key` of the loaded outer
 * map and read its id back.  Returns the instance fd (the caller closes). */
static int insert_instance(const struct mapsize_plan *plan, struct bpf_object *obj, const char *outer,
			   uint32_t key, uint32_t want_max_entries, uint32_t want_flags)
{
	MAPSIZE_OPTS(mapsize_kernel_map, k);
	struct mapsize_error err;
	uint32_t id = 0;
	int fd, ret;

	fd = mapsize_plan__create_inner_map(plan, outer, "instance", &err);
	if (fd < 0)
		tk_fail_error("mapsize_plan__create_inner_map", &err);
	tk_kmap(fd, &k, "instance");
	if (k.max_entries != want_max_entries || k.map_flags != want_flags)
		fail_msg("instance of '%s': kernel max_entries %u flags 0x%x, expected %u flags 0x%x", outer,
			 k.max_entries, k.map_flags, want_max_entries, want_flags);
	ret = bpf_map_update_elem(fd_of(obj, outer), &key, &fd, BPF_ANY);
	if (ret)
		fail_msg("inserting an instance into '%s': %s", outer, strerror(-ret));
	assert_int_equal(bpf_map_lookup_elem(fd_of(obj, outer), &key, &id), 0);
	assert_int_equal(id, k.id);
	return fd;
}

static void assert_contains_fn(const char *h, const char *n)
{
	if (!strstr(h, n))
		fail_msg("'%s' does not contain '%s'", h, n);
}

/* ---- inner values that need BTF ----------------------------------------------- */

static const char btf_rules[] =
	"app: mim-btf\n"
	"maps:\n"
	"  locks: {type: hash_of_maps, key_size: 4, max_entries: 6}\n"
	"  locks.inner: {type: hash, key_size: 4, value_size: 16, max_entries: 32}\n"
	"  timers: {type: array_of_maps, max_entries: 5}\n"
	"  timers.inner: {type: array, value_size: 24, max_entries: 16}\n";

/* libbpf prints the verifier log as one message: look for a line in it. */
static const char *log_needle;
static bool log_needle_seen;

static int find_in_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) >= 0 && log_needle && strstr(msg, log_needle))
		log_needle_seen = true;
	free(msg);
	return 0;
}

/* The corner itself: a template without BTF (what apply used to create)
 * for `outer` of `obj` makes the verifier refuse the program, saying
 * `needle`.  Closes obj. */
static void refused_without_btf(struct bpf_object *obj, const char *outer, const char *needle)
{
	int fd, ret;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "no_btf", 4, 16, 32, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map__set_inner_map_fd(bpf_object__find_map_by_name(obj, outer), fd), 0);
	log_needle = needle;
	log_needle_seen = false;
	libbpf_set_print(find_in_log);
	ret = bpf_object__load(obj);
	libbpf_set_print(tk_libbpf_print);
	assert_true(ret < 0);
	if (!log_needle_seen)
		fail_msg("the verifier did not say \"%s\"", log_needle);
	close(fd);
	bpf_object__close(obj);
}

static void test_btf_template_without_btf_is_refused(void **state)
{
	REQUIRE_BPF();
	refused_without_btf(tk_open(BTF_OBJ), "locks", "map '' has to have BTF in order to use bpf_spin_lock");
}

static void test_btf_inner_values(void **state)
{
	static const char *const outers[] = { "locks", "timers" };
	static const uint32_t sizes[] = { 32, 16 }, flags[] = { 0, 0 };
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	unsigned char pkt[64] = { 0 };
	int fds[2];

	REQUIRE_BPF();
	plan = plan_for(btf_rules, NULL);
	obj = tk_open(BTF_OBJ);
	a = apply_ok(plan, obj);
	assert_int_equal(applied_find(a, "locks.inner")->max_entries, 32);
	tk_load(obj);
	mapsize_applied__free(a);	/* the templates are closed: instances still match */
	for (size_t i = 0; i < ARRAY_SIZE(outers); i++) {
		struct bpf_map_info info;
		int plain, ret;
		uint32_t key = 0;

		fds[i] = insert_instance(plan, obj, outers[i], 0, sizes[i], flags[i]);
		/* with the object's BTF: a value type, in a BTF object of its own */
		info = map_info(fds[i]);
		assert_true(info.btf_id > 0);
		assert_true(info.btf_value_type_id > 0);
		assert_int_equal(info.btf_id, map_info(fds[0]).btf_id);
		/* the kernel compares the value's fields: a map without BTF is refused */
		plain = bpf_map_create(i == 1 ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH, "plain", 4, info.value_size,
				       sizes[i], &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
									   .map_flags = flags[i] });
		assert_true(plain >= 0);
		key = 1;
		ret = bpf_map_update_elem(fd_of(obj, outers[i]), &key, &plain, BPF_ANY);
		if (ret != -EINVAL)
			fail_msg("a map without BTF in '%s': %d, expected -EINVAL", outers[i], ret);
		close(plain);
	}
	/* the program takes the spin lock of the instance's value */
	for (int run = 1; run <= 2; run++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt));
		struct { uint32_t lock; uint32_t pad; uint64_t packets; } v;
		uint32_t key = 0;

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(bpf_object__find_program_by_name(obj,
									    "use_locks")), &topts), 0);
		assert_int_equal(bpf_map_lookup_elem(fds[0], &key, &v), 0);
		assert_int_equal(v.packets, run);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

/* A referenced kptr in the inner value: the template without BTF makes the
 * verifier refuse bpf_kptr_xchg(); apply's template and the instances carry
 * the object's BTF, so the program loads and swaps the kptr of an instance. */
static void test_kptr_inner_values(void **state)
{
	static const char rules[] =
		"app: mim-kptr\n"
		"maps:\n"
		"  kptrs: {type: hash_of_maps, key_size: 4, max_entries: 4}\n"
		"  kptrs.inner: {type: hash, key_size: 4, value_size: 16, max_entries: 32}\n";
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	const struct btf *btf;
	bool tagged = false;
	int fd, plain;
	uint32_t key = 0;
	struct { uint64_t task, swaps; } v = { 0 };

	REQUIRE_BPF();
	obj = tk_open(KPTR_OBJ);
	btf = bpf_object__btf(obj);
	for (uint32_t id = 1; btf && id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		tagged |= btf_is_type_tag(t) && !strcmp(btf__name_by_offset(btf, t->name_off), "kptr");
	}
	if (!tagged) {
		bpf_object__close(obj);
		print_message("SKIP: %s has no `kptr` BTF type tag: built with clang < 15 "
			      "(tools/deps.sh installs clang-16)\n", KPTR_OBJ);
		skip();
	}
	/* the corner: a template without BTF */
	refused_without_btf(obj, "kptrs", "map '' has to have BTF in order to use bpf_kptr_xchg");

	plan = plan_for(rules, NULL);
	obj = tk_open(KPTR_OBJ);
	a = apply_ok(plan, obj);
	assert_int_equal(applied_find(a, "kptrs.inner")->max_entries, 32);
	tk_load(obj);
	mapsize_applied__free(a);
	fd = insert_instance(plan, obj, "kptrs", 0, 32, 0);
	assert_true(map_info(fd).btf_value_type_id > 0);
	/* the kernel compares the records: a kptr-less map does not fit the slot */
	plain = bpf_map_create(BPF_MAP_TYPE_HASH, "plain", 4, 16, 32, NULL);
	assert_true(plain >= 0);
	key = 1;
	assert_int_equal(bpf_map_update_elem(fd_of(obj, "kptrs"), &key, &plain, BPF_ANY), -EINVAL);
	close(plain);
	key = 0;
	assert_int_equal(bpf_map_update_elem(fd, &key, &v, BPF_ANY), 0);
	for (uint64_t run = 1; run <= 2; run++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts);

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(bpf_object__find_program_by_name(obj,
									    "swap_kptr")), &topts), 0);
		assert_int_equal(topts.retval, 0);
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		assert_int_equal(v.swaps, run);
	}
	close(fd);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

/* ---- compiled flags of the template ------------------------------------------- */

static const char flags_rules[] =
	"app: mim-flags\n"
	"maps:\n"
	"  dyn: {type: array_of_maps, max_entries: 4}\n"
	"  dyn.inner: {type: array, value_size: 8, max_entries: 50}\n"
	"  lrus: {type: hash_of_maps, key_size: 4, max_entries: 4}\n"
	"  lrus.inner: {type: lru_hash, key_size: 4, value_size: 8, max_entries: 96}\n";

static void test_compiled_template_flags(void **state)
{
	struct mapsize_plan *plan, *fresh;
	uint32_t cpus = tk_node.possible_cpus, lru_entries = (96 + cpus - 1) / cpus * cpus, key;
	struct mapsize_error err;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	int fd, other;

	REQUIRE_BPF();
	plan = plan_for(flags_rules, NULL);
	/* the rules name no flags */
	assert_int_equal(tk_plan_map(plan, "dyn.inner")->map_flags, 0);
	assert_int_equal(tk_plan_map(plan, "lrus.inner")->map_flags, 0);
	/* a plan never applied knows only the rules: its instances lack the
	 * compiled flags (what every instance used to be) */
	fresh = plan_for(flags_rules, NULL);
	fd = mapsize_plan__create_inner_map(fresh, "dyn", NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(map_info(fd).map_flags, 0);
	close(fd);

	obj = tk_open(FLAGS_OBJ);
	a = apply_ok(plan, obj);
	assert_int_equal(applied_find(a, "dyn.inner")->compiled_map_flags, MAPSIZE_F_INNER_MAP);
	assert_int_equal(applied_find(a, "dyn.inner")->map_flags, MAPSIZE_F_INNER_MAP);
	assert_int_equal(applied_find(a, "lrus.inner")->map_flags, MAPSIZE_F_NO_COMMON_LRU);
	tk_load(obj);
	/* the instances carry the template's compiled flags and go in */
	close(insert_instance(plan, obj, "dyn", 0, 50, MAPSIZE_F_INNER_MAP));
	close(insert_instance(plan, obj, "lrus", 0, lru_entries, MAPSIZE_F_NO_COMMON_LRU));
	/* the unapplied plan's instance (flags 0) is refused by the kernel */
	key = 1;
	fd = mapsize_plan__create_inner_map(fresh, "dyn", NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd_of(obj, "dyn"), &key, &fd, BPF_ANY), -EINVAL);
	close(fd);
	/* BPF_F_INNER_MAP: an array of another size fits too */
	other = bpf_map_create(BPF_MAP_TYPE_ARRAY, "other", 4, 8, 7,
			       &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							     .map_flags = BPF_F_INNER_MAP });
	assert_true(other >= 0);
	assert_int_equal(bpf_map_update_elem(fd_of(obj, "dyn"), &key, &other, BPF_ANY), 0);
	close(other);
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(fresh);
	mapsize_plan__free(plan);
}

/* ---- statically initialised slots ------------------------------------------------ */

static const char slots_rules[] =
	"app: mim-slots\n"
	"maps:\n"
	"  arr_slots: {type: array_of_maps, max_entries: 4}\n"
	"  arr_slots.inner: {type: array, value_size: 8, max_entries: 100}\n"
	"  hash_slots: {type: hash_of_maps, key_size: 4, max_entries: 8}\n"
	"  hash_slots.inner: {type: hash, key_size: 4, value_size: 8, max_entries: 64, prealloc: true}\n"
	"%s";

static char *slots_rules_with(const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), slots_rules, extra);
	return buf;
}

static void test_static_slots_sized(void **state)
{
	static const struct { const char *outer, *slot; uint32_t key, max_entries; } slots[] = {
		{ "arr_slots", "slot_a", 0, 100 }, { "arr_slots", "slot_b", 2, 100 },
		{ "hash_slots", "h_a", 1, 64 }, { "hash_slots", "h_b", 5, 64 },
	};
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;

	REQUIRE_BPF();
	plan = plan_for(slots_rules_with(""), NULL);
	obj = tk_open(SLOTS_OBJ);
	a = apply_ok(plan, obj);
	for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
		const struct mapsize_applied_map *am = applied_find(a, slots[i].slot);
		char inner[64];

		snprintf(inner, sizeof(inner), "%s.inner", slots[i].outer);
		assert_int_equal(am->status, MAPSIZE_MAP_APPLIED);
		assert_ptr_equal(am->planned, tk_plan_map(plan, inner));
		assert_int_equal(am->max_entries, slots[i].max_entries);
		assert_int_equal(am->map_flags, 0);
	}
	assert_int_equal(applied_find(a, "h_a")->compiled_map_flags, MAPSIZE_F_NO_PREALLOC);
	assert_int_equal(applied_find(a, "h_b")->compiled_max_entries, 32);
	tk_load(obj);
	for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
		MAPSIZE_OPTS(mapsize_kernel_map, k);
		uint32_t id = 0;

		tk_kmap(fd_of(obj, slots[i].slot), &k, slots[i].slot);
		if (k.max_entries != slots[i].max_entries || k.map_flags != 0)
			fail_msg("slot map '%s': kernel max_entries %u flags 0x%x, expected %u flags 0", slots[i].slot,
				 k.max_entries, k.map_flags, slots[i].max_entries);
		/* libbpf put it in its slot */
		assert_int_equal(bpf_map_lookup_elem(fd_of(obj, slots[i].outer), &slots[i].key, &id), 0);
		assert_int_equal(id, k.id);
	}
	/* and the instances fit beside them */
	close(insert_instance(plan, obj, "arr_slots", 1, 100, 0));
	close(insert_instance(plan, obj, "hash_slots", 2, 64, 0));
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

/* The maps the slots name, from the object's ELF (file or bytes): a map equal
 * to the template but in no slot keeps its size; without the ELF it is taken
 * for a slot map, sized as the template, with a warning. */
static char slots_warned[512];

static int slots_print(enum mapsize_print_level level, const char *fmt, va_list ap)
{
	if (level == MAPSIZE_WARN && strstr(fmt, "equals the inner template"))
		vsnprintf(slots_warned, sizeof(slots_warned), fmt, ap);
	return 0;
}

static void test_static_slots_exact(void **state)
{
	char path[PATH_MAX], *buf;
	long size;
	FILE *f;

	REQUIRE_BPF();
	tk_build_path(path, sizeof(path), SLOTS_OBJ);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	for (int how = 0; how < 3; how++) {	/* path, bytes, neither */
		struct mapsize_apply_opts opts = { .sz = sizeof(opts) };
		struct mapsize_plan *plan = plan_for(slots_rules_with(""), NULL);
		struct bpf_object *obj = tk_open(SLOTS_OBJ);
		struct mapsize_error err;
		struct mapsize_applied *a;
		MAPSIZE_OPTS(mapsize_kernel_map, k);

		if (how == 0)
			opts.object_path = path;
		if (how == 1) {
			opts.object_buf = buf;
			opts.object_buf_sz = (size_t)size;
		}
		slots_warned[0] = '\0';
		mapsize_set_print(slots_print);
		a = mapsize_plan__apply(plan, obj, &opts, &err);
		mapsize_set_print(tk_mapsize_print);
		if (!a)
			tk_fail_error("mapsize_plan__apply", &err);
		assert_int_equal(applied_find(a, "slot_a")->max_entries, 100);
		assert_int_equal(applied_find(a, "slot_b")->max_entries, 100);
		assert_int_equal(applied_find(a, "h_b")->max_entries, 64);
		tk_load(obj);
		tk_kmap(fd_of(obj, "bystander"), &k, "bystander");
		if (how < 2) {
			assert_int_equal(applied_find(a, "bystander")->status, MAPSIZE_MAP_UNMANAGED);
			assert_int_equal(k.max_entries, 4);
			assert_string_equal(slots_warned, "");
		} else {
			assert_int_equal(applied_find(a, "bystander")->status, MAPSIZE_MAP_APPLIED);
			assert_int_equal(k.max_entries, 100);
			assert_contains_fn(slots_warned, "map 'bystander' has no rule and equals the inner "
					   "template of 'arr_slots'");
		}
		tk_kmap(fd_of(obj, "slot_b"), &k, "slot_b");
		assert_int_equal(k.max_entries, 100);
		mapsize_applied__free(a);
		bpf_object__close(obj);
		mapsize_plan__free(plan);
	}
	{	/* an ELF that is not the object's: said, nothing created */
		struct mapsize_apply_opts opts = { .sz = sizeof(opts), .object_path = "/nonexistent.bpf.o" };
		struct mapsize_plan *plan = plan_for(slots_rules_with(""), NULL);
		struct bpf_object *obj = tk_open(SLOTS_OBJ);
		struct mapsize_error err;

		assert_null(mapsize_plan__apply(plan, obj, &opts, &err));
		assert_int_equal(err.code, -ENOENT);
		assert_contains_fn(err.msg, "map 'arr_slots': cannot read which maps its static slots name "
				   "from /nonexistent.bpf.o: No such file or directory");
		bpf_object__close(obj);
		mapsize_plan__free(plan);
	}
	free(buf);
}

/* A slot map's own rule that the kernel would refuse in the slot: refused
 * before anything is created, naming both maps; one it accepts is kept. */
static void test_static_slots_refused(void **state)
{
	static const struct { const char *rule, *needles[3]; } refused[] = {
		{ "  slot_a: {type: array, value_size: 8, max_entries: 4}\n",
		  { "map 'slot_a' may fill a statically initialised slot of 'arr_slots'",
		    "template 'arr_slots.inner' max_entries 100", "(EINVAL)" } },
		{ "  h_a: {type: hash, key_size: 4, value_size: 8, max_entries: 64, prealloc: false}\n",
		  { "map 'h_a' may fill a statically initialised slot of 'hash_slots'", "flags 0x1",
		    "expected the rule of 'h_a' to match 'hash_slots.inner'" } },
	};
	struct mapsize_plan *plan;
	struct bpf_object *obj;
	struct mapsize_applied *a;
	struct mapsize_error err;
	struct bpf_map *map;
	MAPSIZE_OPTS(mapsize_kernel_map, k);

	REQUIRE_BPF();
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		plan = plan_for(slots_rules_with(refused[i].rule), NULL);
		obj = tk_open(SLOTS_OBJ);
		a = mapsize_plan__apply(plan, obj, NULL, &err);
		assert_null(a);
		assert_int_equal(err.code, -EINVAL);
		for (size_t j = 0; j < ARRAY_SIZE(refused[i].needles); j++)
			assert_contains_fn(err.msg, refused[i].needles[j]);
		bpf_object__for_each_map(map, obj)
			assert_true(bpf_map__fd(map) < 0);
		bpf_object__close(obj);
		mapsize_plan__free(plan);
	}
	/* hash slots may differ in size: an own rule of another size is fine */
	plan = plan_for(slots_rules_with("  h_b: {type: hash, key_size: 4, value_size: 8, max_entries: 500}\n"), NULL);
	obj = tk_open(SLOTS_OBJ);
	a = apply_ok(plan, obj);
	assert_ptr_equal(applied_find(a, "h_b")->planned, tk_plan_map(plan, "h_b"));
	tk_load(obj);
	tk_kmap(fd_of(obj, "h_b"), &k, "h_b");
	assert_int_equal(k.max_entries, 500);
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

/* ---- used_by before 6.1 -------------------------------------------------------- */

static const char used_by_rules[] =
	"app: used-by\n"
	"maps:\n"
	"  sleepy: {type: hash, key_size: 4, value_size: 8, max_entries: 2048, prealloc: false,\n"
	"           used_by: [syscall]}\n"
	"  samples: {type: hash_of_maps, key_size: 4, max_entries: 4, used_by: [perf_event]}\n"
	"  samples.inner: {type: hash, key_size: 4, value_size: 8, max_entries: 512, prealloc: false}\n";

static void used_by_round_trip(const char *release, bool want_prealloc)
{
	struct mapsize_plan *plan = plan_for(used_by_rules, release);
	uint32_t nf = want_prealloc ? 0 : MAPSIZE_F_NO_PREALLOC;
	const struct mapsize_plan_map *inner = tk_plan_map(plan, "samples.inner");
	MAPSIZE_OPTS(mapsize_kernel_map, k);
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct bpf_object *obj;
	struct mapsize_applied *a;
	uint32_t key = 1;
	uint64_t v = 0;

	/* the inner rule inherits its outer map's users */
	assert_int_equal(inner->used_by, MAPSIZE_USED_BY_PERF_EVENT);
	assert_int_equal(tk_plan_map(plan, "sleepy")->used_by, MAPSIZE_USED_BY_SYSCALL | MAPSIZE_USED_BY_SLEEPABLE);
	assert_int_equal(tk_plan_map(plan, "sleepy")->prealloc, want_prealloc);
	assert_int_equal(inner->prealloc, want_prealloc);
	assert_int_equal(tk_plan_map(plan, "sleepy")->prealloc_toggle, !want_prealloc);
	if (want_prealloc) {
		assert_contains_fn(tk_plan_map(plan, "sleepy")->prealloc_reason, "sleepable programs");
		assert_contains_fn(inner->prealloc_reason, "perf_event programs");
	}
	obj = tk_open(USED_BY_OBJ);
	a = apply_ok(plan, obj);
	tk_load(obj);
	tk_kmap(fd_of(obj, "sleepy"), &k, "sleepy");
	assert_int_equal(k.max_entries, 2048);
	assert_int_equal(k.map_flags, nf);
	close(insert_instance(plan, obj, "samples", 0, 512, nf));
	/* the sleepable program runs on the planned map */
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(bpf_object__find_program_by_name(obj, "remember")),
						&topts), 0);
	assert_int_equal(bpf_map_lookup_elem(fd_of(obj, "sleepy"), &key, &v), 0);
	assert_int_equal(v, 1);
	mapsize_applied__free(a);
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

static void test_used_by_before_6_1(void **state)
{
	REQUIRE_BPF();
	used_by_round_trip("6.0", true);
	used_by_round_trip("5.15.0-100-generic", true);
}

static void test_used_by_since_6_1(void **state)
{
	REQUIRE_BPF();
	used_by_round_trip("6.1", false);
	used_by_round_trip(NULL, false);	/* this kernel */
}

/* ---- flags the kernel refuses ----------------------------------------------------- */

static const struct ktype {
	const char *rule;	/* the rule's body after the type */
	const char *name;
	unsigned int bpf_type;
	uint32_t key, value, max_entries, flags;
	bool btf, inner;
} ktypes[] = {
	{ "key_size: 4, value_size: 8, max_entries: 4", "hash", BPF_MAP_TYPE_HASH, 4, 8, 4, 0, false, false },
	{ "key_size: 4, value_size: 8, max_entries: 4", "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0, false, false },
	{ "key_size: 4, value_size: 8, max_entries: 4", "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0, false, false },
	{ "key_size: 4, value_size: 8, max_entries: 4", "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, 0, false, false },
	{ "value_size: 8, max_entries: 4", "array", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, false, false },
	{ "value_size: 8, max_entries: 4", "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0, false, false },
	{ "max_entries: 4", "prog_array", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, false, false },
	{ "max_entries: 4", "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, false, false },
	{ "max_entries: 4096", "ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, false, false },
	{ "key_size: 8, value_size: 8, max_entries: 4", "lpm_trie", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC, false, false },
	{ "key_size: 4, max_entries: 4", "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, false, true },
	{ "max_entries: 4", "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, false, true },
	{ "value_size: 8, max_entries: 4", "queue", BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, false, false },
	{ "value_size: 8, max_entries: 4", "stack", BPF_MAP_TYPE_STACK, 0, 8, 4, 0, false, false },
	{ "value_size: 8, max_entries: 4", "bloom_filter", BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 4, 0, false, false },
	{ "value_size: 128, max_entries: 4", "stack_trace", BPF_MAP_TYPE_STACK_TRACE, 4, 128, 4, 0, false, false },
	{ "value_size: 8", "task_storage", BPF_MAP_TYPE_TASK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, true, false },
	{ "value_size: 8", "inode_storage", BPF_MAP_TYPE_INODE_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, true, false },
	{ "value_size: 8", "sk_storage", BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, true, false },
	{ "value_size: 8", "cgrp_storage", 32 /* BPF_MAP_TYPE_CGRP_STORAGE, 6.2 */, 4, 8, 0, BPF_F_NO_PREALLOC, true, false },
	{ "max_entries: 4096", "user_ringbuf", 31 /* BPF_MAP_TYPE_USER_RINGBUF, 6.1 */, 0, 0, 4096, 0, false, false },
	{ "key_size: 4, value_size: 8, max_entries: 4", "rhash", MAPSIZE_BPF_MAP_TYPE_RHASH /* 7.2 */, 4, 8, 4,
	  BPF_F_NO_PREALLOC, false, false },
};

static const struct kflag {
	const char *names;	/* as the rules list them */
	uint32_t flags;		/* uapi BPF_F_* */
} kflags[] = {
	{ "no_common_lru", BPF_F_NO_COMMON_LRU }, { "numa_node", BPF_F_NUMA_NODE },
	{ "rdonly", BPF_F_RDONLY }, { "wronly", BPF_F_WRONLY }, { "stack_build_id", BPF_F_STACK_BUILD_ID },
	{ "zero_seed", BPF_F_ZERO_SEED }, { "rdonly_prog", BPF_F_RDONLY_PROG },
	{ "wronly_prog", BPF_F_WRONLY_PROG }, { "clone", BPF_F_CLONE }, { "mmapable", BPF_F_MMAPABLE },
	{ "preserve_elems", BPF_F_PRESERVE_ELEMS }, { "inner_map", BPF_F_INNER_MAP },
	/* pairs */
	{ "rdonly_prog, wronly_prog", BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG },
	{ "rdonly, wronly", BPF_F_RDONLY | BPF_F_WRONLY },
	{ "numa_node, no_common_lru", BPF_F_NUMA_NODE | BPF_F_NO_COMMON_LRU },
};

/* Every flag (and refused pair) on every type: the rules refuse it with
 * "EINVAL" exactly when bpf(BPF_MAP_CREATE) fails with EINVAL. */
static void test_flags_refused_as_the_kernel(void **state)
{
	unsigned int running;
	size_t skipped_types = 0;
	struct btf *btf = btf__new_empty();
	int i32, val, inner, ret;
	size_t refused = 0, accepted = 0;

	REQUIRE_BPF();
	assert_non_null(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	val = btf__add_struct(btf, "val", 8);
	assert_int_equal(btf__add_field(btf, "a", i32, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, "b", i32, 32, 0), 0);
	assert_int_equal(btf__load_into_kernel(btf), 0);
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "inner", 4, 4, 4, NULL);
	assert_true(inner >= 0);
	assert_int_equal(mapsize_kernel_version(tk_node.kernel_release, &running), 0);
	for (size_t t = 0; t < ARRAY_SIZE(ktypes); t++) {
		/* a type this kernel predates says nothing about flags
		 * (availprobe checks rhash's under qemu on 7.2 and 7.3) */
		if (mapsize_map_type__since(mapsize_map_type__from_name(ktypes[t].name)) > running) {
			skipped_types++;
			continue;
		}
		for (size_t f = 0; f < ARRAY_SIZE(kflags); f++) {
			const struct ktype *kt = &ktypes[t];
			LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = kt->flags | kflags[f].flags);
			uint32_t value = kt->value;
			char yaml[512];
			struct mapsize_error err;
			struct mapsize_rules *rules;
			int fd, kerr;

			/* build-id stack entries are 32 bytes: 128 is a multiple */
			snprintf(yaml, sizeof(yaml), "app: t\nmaps:\n  m: {type: %s, %s, flags: [%s]}\n", kt->name,
				 kt->rule, kflags[f].names);
			rules = mapsize_rules__parse(yaml, strlen(yaml), "t.yaml", &err);
			if (kt->btf) {
				opts.btf_fd = btf__fd(btf);
				opts.btf_key_type_id = i32;
				opts.btf_value_type_id = val;
			}
			if (kt->inner)
				opts.inner_map_fd = inner;
			/* numa_node names node 0 (libbpf's default for the attribute) */
			fd = bpf_map_create(kt->bpf_type, "flagcheck", kt->key, value, kt->max_entries, &opts);
			kerr = fd < 0 ? -fd : 0;
			if (fd >= 0)
				close(fd);
			if (rules) {
				if (kerr)
					fail_msg("rules accept [%s] on %s, the kernel says %s", kflags[f].names,
						 kt->name, strerror(kerr));
				accepted++;
				mapsize_rules__free(rules);
				continue;
			}
			if (!strstr(err.msg, "EINVAL"))
				fail_msg("rules refuse [%s] on %s without the kernel's errno: %s", kflags[f].names,
					 kt->name, err.msg);
			if (kerr != EINVAL)
				fail_msg("rules refuse [%s] on %s (%s), the kernel says %s", kflags[f].names, kt->name,
					 err.msg, kerr ? strerror(kerr) : "yes");
			/* located at the flag in the list, line 3 */
			assert_int_equal(err.line, 3);
			assert_true(err.col > strlen("  m: {type: ") + strlen(kt->name));
			refused++;
		}
	}
	print_message("flags: %zu pairs refused (EINVAL), %zu accepted, as the kernel does\n", refused, accepted);
	assert_int_equal(refused + accepted, (ARRAY_SIZE(ktypes) - skipped_types) * ARRAY_SIZE(kflags));
	assert_true(accepted >= 80);
	assert_true(refused >= 150);
	/* an inner prog_array: ENOTSUPP (524) */
	{
		const char *yaml = "app: t\nmaps:\n  o: {type: array_of_maps, max_entries: 2}\n"
				   "  o.inner: {type: prog_array, max_entries: 2}\n";
		struct mapsize_error err;
		LIBBPF_OPTS(bpf_map_create_opts, opts);
		int pa = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, NULL);

		assert_null(mapsize_rules__parse(yaml, strlen(yaml), "t.yaml", &err));
		assert_contains_fn(err.msg, "(ENOTSUPP)");
		assert_true(pa >= 0);
		opts.inner_map_fd = pa;
		ret = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 2, &opts);
		assert_int_equal(ret, -524);
		close(pa);
	}
	close(inner);
	btf__free(btf);
}

/* The availability table (maptype.c) against this kernel: every type it
 * claims this release has creates, and every flag it claims on a type creates
 * with it (BPF_F_NO_PREALLOC on the hashes too); a pair the kernel accepts
 * has a release in the table.  The upper bound of each entry, proven live. */
static void test_available_on_this_kernel(void **state)
{
	struct btf *btf = btf__new_empty();
	size_t types = 0, pairs = 0;
	unsigned int running;
	int i32, val, inner;

	REQUIRE_BPF();
	/* a type added to the table without a line here would go unchecked */
	assert_int_equal(ARRAY_SIZE(ktypes), MAPSIZE_MAP_TYPE_CNT - 1);
	assert_int_equal(mapsize_kernel_version(tk_node.kernel_release, &running), 0);
	assert_non_null(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	val = btf__add_struct(btf, "val", 8);
	assert_int_equal(btf__add_field(btf, "a", i32, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, "b", i32, 32, 0), 0);
	assert_int_equal(btf__load_into_kernel(btf), 0);
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "inner", 4, 4, 4, NULL);
	assert_true(inner >= 0);
	for (size_t t = 0; t < ARRAY_SIZE(ktypes); t++) {
		const struct ktype *kt = &ktypes[t];
		enum mapsize_map_type mt = mapsize_map_type__from_name(kt->name);
		unsigned int since = mapsize_map_type__since(mt);

		assert_int_equal(mapsize_map_type__bpf_type(mt), kt->bpf_type);
		assert_true(since > 0);
		if (since > running) {
			print_message("%s: first in %u.%u, not on this %s kernel: skipped\n", kt->name, since >> 8,
				      since & 0xff, tk_node.kernel_release);
			continue;
		}
		types++;
		/* no flag, then each flag alone (f == -1: BPF_F_NO_PREALLOC) */
		for (int f = -2; f < 12; f++) {
			uint32_t flag = f == -2 ? 0 : f == -1 ? BPF_F_NO_PREALLOC : kflags[f].flags;
			unsigned int claimed = flag ? mapsize_map_flag__since(mt, flag) : since;
			LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = kt->flags | flag);
			int fd;

			if (kt->btf) {
				opts.btf_fd = btf__fd(btf);
				opts.btf_key_type_id = i32;
				opts.btf_value_type_id = val;
			}
			if (kt->inner)
				opts.inner_map_fd = inner;
			fd = bpf_map_create(kt->bpf_type, "availcheck", kt->key, kt->value, kt->max_entries, &opts);
			if (fd >= 0)
				close(fd);
			if (claimed && claimed <= running && fd < 0)
				fail_msg("%s with flags 0x%x: the table says Linux %u.%u has it, this %s kernel says %s",
					 kt->name, flag, claimed >> 8, claimed & 0xff, tk_node.kernel_release,
					 strerror(-fd));
			if (!claimed && fd >= 0 && !(kt->flags & flag))
				fail_msg("%s with flags 0x%x: this kernel creates it, the table has no release for it",
					 kt->name, flag);
			pairs += claimed && claimed <= running && flag;
		}
	}
	print_message("availability: %zu types and %zu type+flag pairs the table claims for %s all create\n",
		      types, pairs, tk_node.kernel_release);
	if (running >= MAPSIZE_KERNEL_VERSION(6, 2)) {
		assert_int_equal(types, 21);
		/* 82 rule flag pairs; BPF_F_NO_PREALLOC optional on hash, percpu_hash and
		 * hash_of_maps, required on lpm_trie and the 4 local storages */
		assert_int_equal(pairs, 90);
	}
	close(inner);
	btf__free(btf);
}

/* Object flags merged with the rule's can form a pair the kernel refuses:
 * apply says so before load. */
static void test_merged_flags_refused(void **state)
{
	const char *yaml = "app: t\nmaps:\n  flows:\n    type: hash\n    key_size: 4\n    value_size: 8\n"
			   "    max_entries: 64\n    flags: [wronly_prog]\n";
	struct mapsize_plan *plan;
	struct mapsize_error err;
	struct bpf_object *obj;
	struct bpf_map *map;

	REQUIRE_BPF();
	plan = plan_for(yaml, NULL);
	obj = tk_open("tests/bpf/mixed.bpf.o");
	map = bpf_object__find_map_by_name(obj, "flows");
	assert_int_equal(bpf_map__set_map_flags(map, BPF_F_RDONLY_PROG), 0);
	assert_null(mapsize_plan__apply(plan, obj, NULL, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_contains_fn(err.msg, "map 'flows': the object's map has flags 0x80 and the rule 0x100");
	assert_contains_fn(err.msg, "flags 'rdonly_prog' and 'wronly_prog' together are refused by the kernel (EINVAL");
	bpf_object__close(obj);
	mapsize_plan__free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_btf_template_without_btf_is_refused),
		cmocka_unit_test(test_btf_inner_values),
		cmocka_unit_test(test_kptr_inner_values),
		cmocka_unit_test(test_compiled_template_flags),
		cmocka_unit_test(test_static_slots_sized),
		cmocka_unit_test(test_static_slots_refused),
		cmocka_unit_test(test_static_slots_exact),
		cmocka_unit_test(test_used_by_before_6_1),
		cmocka_unit_test(test_used_by_since_6_1),
		cmocka_unit_test(test_flags_refused_as_the_kernel),
		cmocka_unit_test(test_merged_flags_refused),
		cmocka_unit_test(test_available_on_this_kernel),
	};

	return cmocka_run_group_tests_name("map-in-map corners and kernel flags (live kernel)", tests, tk_setup,
					   tk_teardown);
}
