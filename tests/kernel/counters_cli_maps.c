// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * counters-static --fill / --more: the maps tests/qemu/guest-counters.sh
 * reads through mapsize-static's counters and status commands (the CLI side
 * of issue 18), filled and then written again between --watch rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters_writer.skel.h"
#include "counters_guest.h"

/* Pin `fd` as DIR/NAME: 0, or 1 having said why. */
static int pin_as(int fd, const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (bpf_obj_pin(fd, path))
		return printf("FAIL counters --fill: pin %s: %s\n", path, strerror(errno)), 1;
	return 0;
}

/* fill()'s maps for the writer split and for --rules with evictions only:
 * w_hash written by the program, then by user space (DIR/bpfhash), and an
 * emptied LRU that evicted (DIR/lru0).  Prints "lru0_evicted=N". */
static int fill_more_maps(const char *dir, struct counters_writer *w)
{
	int l0 = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ctr_cli_lru0", 4, 4, 8, NULL);
	int h = bpf_map__fd(w->maps.w_hash);
	uint64_t live;

	if (l0 < 0)
		return printf("FAIL counters --fill: create ctr_cli_lru0: %s\n", strerror(errno)), 1;
	writer_run(w->progs.write_hash, &w->bss->n_inserts, 10);	/* keys 0..3 in, 6 E2BIG */
	user_inserts(h, 7, BPF_ANY, 0);				/* 0..3 replaced, 3 E2BIG */
	user_inserts(l0, 40, BPF_ANY, 0);
	live = live_entries(l0, 4);
	for (uint32_t k = 0; k < 40; k++)
		bpf_map_delete_elem(l0, &k);
	printf("lru0_evicted=%llu\n", (unsigned long long)(40 - live));
	if (pin_as(h, dir, "bpfhash") || pin_as(l0, dir, "lru0"))
		return 1;
	close(l0);
	return 0;
}

/* --more DIR BASE WHAT: between two `status --watch` rounds, for each of
 * the comma-separated WHAT: "hash" 2 more E2BIG into the full DIR/hash,
 * "lru" 10 inserts into DIR/lru, both of keys BASE.. (new keys: a present
 * key's update may evict too, and then the LRU's lost keys no longer tell
 * its evictions), "rb" 10 records from a program into the full, never read
 * DIR/rb (the writer's program on the pinned map); prints "hash_failed=N
 * lru_evicted=M rb_failed=K". */
int counters_more(const char *dir, uint32_t base, const char *what)
{
	char path[256];
	int h, l, r, fails = 0;
	uint64_t evicted = 0, live;
	unsigned int rb_failed = 0;

	snprintf(path, sizeof(path), "%s/hash", dir);
	h = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/lru", dir);
	l = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/rb", dir);
	r = bpf_obj_get(path);
	if (h < 0 || l < 0 || r < 0)
		return printf("FAIL counters --more: open the pinned maps in %s: %s\n", dir, strerror(errno)), 1;
	for (uint32_t k = base; strstr(what, "hash") && k < base + 2; k++)
		if (bpf_map_update_elem(h, &k, &k, BPF_ANY))
			fails++;
	if (strstr(what, "lru")) {
		live = live_entries(l, 4);
		for (uint32_t k = base; k < base + 10; k++)
			bpf_map_update_elem(l, &k, &k, BPF_ANY);
		evicted = live + 10 - live_entries(l, 4);
	}
	if (strstr(what, "rb")) {
		struct counters_writer *w = counters_writer__open();

		if (!w || bpf_map__reuse_fd(w->maps.w_rb_out, r) || counters_writer__load(w))
			return printf("FAIL counters --more: load the writer on %s: %s\n", path, strerror(errno)), 1;
		memset(w->bss->record, 1, sizeof(w->bss->record));
		writer_run(w->progs.write_rb_output, &w->bss->n_inserts, 10);
		rb_failed = w->bss->n_failed;
		counters_writer__destroy(w);
	}
	printf("hash_failed=%d lru_evicted=%llu rb_failed=%u\n", fails, (unsigned long long)evicted, rb_failed);
	close(h);
	close(l);
	close(r);
	return 0;
}

/* --fill DIR: maps for tests/qemu/guest-counters.sh, pinned in DIR and
 * overfilled, left behind for `mapsize status` to read: ctr_cli_hash (4
 * entries, 7 inserts from user space: 3 E2BIG), ctr_cli_lru (8 entries, 40
 * inserts: prints how many it evicted), w_rb_out (4 KiB ring buffer, 10
 * records of 1,000 bytes from BPF: 6 drops), ctr_cli_drain (4 entries, 7
 * inserts: 3 E2BIG, then emptied), w_hash (4 entries, 10 inserts from BPF,
 * then keys 0..6 from user space: 6 + 3 E2BIG, 3 of them through bpf()),
 * ctr_cli_lru0 (8-entry LRU, 40 inserts, then emptied: prints its
 * evictions). */
int counters_fill(const char *dir)
{
	char path[256];
	struct counters_writer *w = counters_writer__open_and_load();
	int h = bpf_map_create(BPF_MAP_TYPE_HASH, "ctr_cli_hash", 4, 4, 4, NULL);
	int l = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ctr_cli_lru", 4, 4, 8, NULL);
	int d = bpf_map_create(BPF_MAP_TYPE_HASH, "ctr_cli_drain", 4, 4, 4, NULL);

	if (!w || h < 0 || l < 0 || d < 0) {
		printf("FAIL counters --fill: cannot create the maps: %s\n", strerror(errno));
		return 1;
	}
	user_inserts(h, 7, BPF_ANY, 0);
	user_inserts(l, 40, BPF_ANY, 0);
	user_inserts(d, 7, BPF_ANY, 0);	/* 3 refused, then emptied: fill 0 */
	for (uint32_t k = 0; k < 4; k++)
		bpf_map_delete_elem(d, &k);
	memset(w->bss->record, 1, sizeof(w->bss->record));
	writer_run(w->progs.write_rb_output, &w->bss->n_inserts, 10);
	if (fill_more_maps(dir, w))
		return 1;
	snprintf(path, sizeof(path), "%s/hash", dir);
	if (bpf_obj_pin(h, path))
		return printf("FAIL counters --fill: pin %s: %s\n", path, strerror(errno)), 1;
	snprintf(path, sizeof(path), "%s/lru", dir);
	if (bpf_obj_pin(l, path))
		return printf("FAIL counters --fill: pin %s: %s\n", path, strerror(errno)), 1;
	snprintf(path, sizeof(path), "%s/drain", dir);
	if (bpf_obj_pin(d, path))
		return printf("FAIL counters --fill: pin %s: %s\n", path, strerror(errno)), 1;
	snprintf(path, sizeof(path), "%s/rb", dir);
	if (bpf_map__pin(w->maps.w_rb_out, path))
		return printf("FAIL counters --fill: pin %s: %s\n", path, strerror(errno)), 1;
	printf("lru_evicted=%llu rb_failed=%u\n", (unsigned long long)(40 - live_entries(l, 4)), w->bss->n_failed);
	counters_writer__destroy(w);
	return 0;
}

