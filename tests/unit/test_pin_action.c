// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the pinned-map decision (src/core/pin_action.c, issue 23):
 * reuse, migrate, refuse with their exact reasons, the rule's headroom on a
 * shrink, arrays, LRU without a common list, uncopyable types; libbpf's pin
 * path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "internal.h"
#include "pin_action.h"

#define HASH 1
#define ARRAY 2
#define PROG_ARRAY 3
#define LRU_HASH 9
#define HASH_OF_MAPS 13
#define RINGBUF 27

static const struct pin_map_spec hash10k = { HASH, 4, 8, 10000, 0, 0 };

static enum pin_action decide(struct pin_map_spec p, struct pin_map_spec l, bool known, uint64_t entries,
			      uint32_t cpus, double headroom, char *reason)
{
	struct pin_live_fill fill = { .entries_known = known, .entries = entries, .possible_cpus = cpus };

	return pin_action__decide(&p, &l, &fill, headroom, reason, 256);
}

static void test_reuse_migrate_refuse(void **state)
{
	struct pin_map_spec p = hash10k;
	char r[256];

	assert_int_equal(decide(p, hash10k, true, 9000, 4, 1, r), PIN_ACTION_REUSE);
	assert_string_equal(r, "the pinned map equals the plan");
	p.max_entries = 20000;
	assert_int_equal(decide(p, hash10k, true, 9000, 4, 1, r), PIN_ACTION_MIGRATE);
	assert_string_equal(r, "max_entries 10000 -> 20000: 9000 live entries fit");
	/* a grow with an unknown count: everything the old map held fits */
	assert_int_equal(decide(p, hash10k, false, 0, 4, 1, r), PIN_ACTION_MIGRATE);
	assert_string_equal(r, "max_entries 10000 -> 20000: the map grows, every entry fits");
	p = hash10k;
	p.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(decide(p, hash10k, true, 5, 4, 1, r), PIN_ACTION_MIGRATE);
	assert_string_equal(r, "flags 0x0 -> 0x1 (preallocation off): 5 live entries fit");
	p = hash10k;
	p.key_size = 8;
	assert_int_equal(decide(p, hash10k, true, 5, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "key_size differs: pinned 4, planned 8; entries cannot move to another key size");
	p = hash10k;
	p.value_size = 16;
	assert_int_equal(decide(p, hash10k, true, 5, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "value_size differs: pinned 8, planned 16; entries cannot move to another value size");
	p = hash10k;
	p.bpf_type = LRU_HASH;
	assert_int_equal(decide(p, hash10k, true, 5, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "type differs: pinned hash, planned lru_hash; entries cannot move to another type");
	assert_string_equal(pin_action__name(PIN_ACTION_NONE), "none");
	assert_string_equal(pin_action__name(PIN_ACTION_REFUSE), "refuse");
}

static void test_shrink_headroom(void **state)
{
	struct pin_map_spec p = hash10k;
	struct mapsize_plan_map pm = { .max_entries = 8000, .expected_entries = 4000 };
	char r[256];

	p.max_entries = 8000;
	assert_true(pin_action__headroom(&pm) == 2.0);
	/* 4000 * 2 = 8000 fits exactly; 4001 does not */
	assert_int_equal(decide(p, hash10k, true, 4000, 4, 2.0, r), PIN_ACTION_MIGRATE);
	assert_int_equal(decide(p, hash10k, true, 4001, 4, 2.0, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "max_entries 10000 -> 8000: 4001 live entries need 8002 with the rule's headroom "
			    "2.00, more than the planned 8000");
	assert_int_equal(decide(p, hash10k, false, 0, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "max_entries 10000 -> 8000: the live entries are not known, so whether they fit "
			    "the smaller map is not either");
	/* no `expected`: headroom 1 */
	pm.expected_entries = 8000;
	assert_true(pin_action__headroom(&pm) == 1.0);
	assert_true(pin_action__headroom(NULL) == 1.0);
	/* a headroom below 1 counts as 1 */
	assert_int_equal(decide(p, hash10k, true, 8000, 4, 0.5, r), PIN_ACTION_MIGRATE);
	assert_int_equal(decide(p, hash10k, true, 8001, 4, 0.5, r), PIN_ACTION_REFUSE);
}

static void test_types(void **state)
{
	struct pin_map_spec la = { ARRAY, 4, 8, 1024, 0, 0 }, pa = la;
	struct pin_map_spec lp = { PROG_ARRAY, 4, 4, 8, 0, 0 }, pp = lp;
	struct pin_map_spec lr = { RINGBUF, 0, 0, 4096, 0, 0 }, pr = lr;
	struct pin_map_spec lh = { HASH_OF_MAPS, 4, 4, 16, 0, 0 }, ph = lh;
	struct pin_map_spec ll = { LRU_HASH, 4, 8, 10000, MAPSIZE_F_NO_COMMON_LRU, 0 }, pl = ll;
	char r[256];

	pa.max_entries = 512;
	assert_int_equal(decide(pa, la, false, 0, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "max_entries 1024 -> 512: every slot of an array exists, a shrink would drop "
			    "slots 512..1023");
	pa.max_entries = 2048;
	assert_int_equal(decide(pa, la, false, 0, 4, 1, r), PIN_ACTION_MIGRATE);
	assert_string_equal(r, "max_entries 1024 -> 2048: every one of the 1024 slots fits");
	pp.max_entries = 16;
	assert_int_equal(decide(pp, lp, false, 0, 4, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "max_entries 8 -> 16: prog_array cannot be migrated: its entries are programs the "
			    "agent inserts after load: the agent rebuilds it");
	pr.max_entries = 8192;
	assert_int_equal(decide(pr, lr, false, 0, 4, 1, r), PIN_ACTION_REFUSE);
	ph.max_entries = 32;
	assert_int_equal(decide(ph, lh, true, 3, 4, 1, r), PIN_ACTION_MIGRATE);
	/* 20000 over 8 CPUs: 2500 a CPU, fewer than the 3000 live entries */
	pl.max_entries = 20000;
	assert_int_equal(decide(pl, ll, true, 3000, 8, 1, r), PIN_ACTION_REFUSE);
	assert_string_equal(r, "max_entries 10000 -> 20000: an LRU map with BPF_F_NO_COMMON_LRU gives each of the 8 "
			    "CPUs 2500 entries, and a copy from one CPU would evict all but 2500 of the 3000 live "
			    "entries");
	assert_int_equal(decide(pl, ll, true, 2500, 8, 1, r), PIN_ACTION_MIGRATE);
	/* user space cannot read a write-only map */
	ll.map_flags = MAPSIZE_F_WRONLY;
	pl.map_flags = MAPSIZE_F_WRONLY;
	pl.bpf_type = ll.bpf_type = HASH;
	assert_int_equal(decide(pl, ll, true, 1, 8, 1, r), PIN_ACTION_REFUSE);
}

static void test_pin_path(void **state)
{
	char buf[64];

	assert_int_equal(pin_path__build(NULL, "filter_ethernet", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/bpf/filter_ethernet");
	assert_int_equal(pin_path__build("/run/pins//", "m", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/pins/m");
	assert_int_equal(pin_path__build("/", "m", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/m");
	assert_int_equal(pin_path__build("", "m", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/bpf/m");
	assert_int_equal(pin_path__build("/sys/fs/bpf", "a_name_long_enough_to_overflow_the_buffer_of_64_bytes",
					 buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(pin_path__build("/x", "", buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_migrate_refuse),
		cmocka_unit_test(test_shrink_headroom),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_pin_path),
	};

	return cmocka_run_group_tests_name("pinned map actions", tests, NULL, NULL);
}
