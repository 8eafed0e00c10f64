// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory model against worked examples.  MEM_USAGE-era figures marked
 * "kernel" were read from fdinfo on Linux 6.18 x86_64 with 2 possible CPUs
 * (tests/kernel/memmatrix.c checks the same formulas over ~1000 maps);
 * PAGES-era figures are worked by hand from bpf_map_memory_footprint().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <mapsize/bpf.h>
#include <mapsize/memory.h>

static struct mapsize_kernel_consts k618 = { .sz = sizeof(struct mapsize_kernel_consts) };

/* The "kernel" figures below were read on a 6.18 build whose struct sizes
 * are neither Debian's 6.18.15 (the built-in 6.18 table) nor the live
 * 6.18.44's: the formulas are checked with that reference build's sizes,
 * set here in full so the figures do not move with the generated table
 * (test_builtin_consts checks the table; memmatrix checks both against
 * kernels). */
static int setup(void **state)
{
	int err = mapsize_kernel_consts__builtin("6.18", &k618);

	k618.bpf_htab = 832;
	k618.bpf_array = 312;
	k618.lpm_trie = 400;
	k618.bpf_ringbuf_map = 304;
	k618.bpf_local_storage_map = 448;
	k618.bpf_stack_map = 320;
	k618.bpf_bloom_filter = 312;
	k618.bpf_queue_stack = 312;
	return err;
}

static struct mapsize_mem_map mk(enum mapsize_map_type t, uint32_t K, uint32_t V, uint32_t M,
				 uint32_t flags, uint32_t cpus)
{
	struct mapsize_mem_map m = {
		.sz = sizeof(m), .type = t, .key_size = K, .value_size = V, .max_entries = M,
		.map_flags = flags, .possible_cpus = cpus,
	};
	return m;
}

static uint64_t usage(const struct mapsize_mem_map *m, uint64_t entries)
{
	uint64_t b = 0;

	assert_int_equal(mapsize_memlock(m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, entries, &b), 0);
	return b;
}

static uint64_t pages(const struct mapsize_mem_map *m, uint64_t entries)
{
	uint64_t b = 0;

	assert_int_equal(mapsize_memlock(m, NULL, MAPSIZE_MEM_ERA_PAGES, entries, &b), 0);
	return b;
}

/* ---- the examples of kernel-map-memory.md --------------------------------- */

static void test_hash_examples(void **state)
{
	struct mapsize_mem_map m = mk(MAPSIZE_MAP_HASH, 16, 24, 4096, 0, 2);
	uint64_t b;

	/* 832 + 16*4096 + 4*2*8 + 88*(4096+2) + 8*2 */
	assert_int_equal(usage(&m, 0), 427072);
	assert_int_equal(usage(&m, 4096), 427072);	/* prealloc: fill-independent */
	assert_int_equal(mapsize_memlock_at_load(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, &b), 0);
	assert_int_equal(b, 427072);

	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(usage(&m, 0), 66432);
	assert_int_equal(usage(&m, 2048), 263040);	/* + (88 + 8) * 2048 */
	assert_int_equal(mapsize_memlock_at_max(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, &b), 0);
	assert_int_equal(b, 66432 + 96ULL * 4096);
	assert_true(mapsize_mem_map__counts_entries(&m));
}

/* The seed's map, K=8 V=1 M=32768 on a 4-CPU machine: 2,622,752 B
 * preallocated and 525,312 B with BPF_F_NO_PREALLOC.  Both are figures of a
 * 6.4-6.14 kernel, whose struct bpf_htab was 896 B (64 more than 6.15+), and
 * the no-prealloc one is the EMPTY map (0 elements). */
static void test_seed_example(void **state)
{
	struct mapsize_kernel_consts k = k618;
	struct mapsize_mem_map m = mk(MAPSIZE_MAP_HASH, 8, 1, 32768, 0, 4);
	uint64_t b;

	k.bpf_htab = 896;
	assert_int_equal(mapsize_memlock(&m, &k, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
	assert_int_equal(b, 2622752);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(mapsize_memlock(&m, &k, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
	assert_int_equal(b, 525312);
	/* full: + (64 + 8) * 32768 */
	assert_int_equal(mapsize_memlock(&m, &k, MAPSIZE_MEM_ERA_MEM_USAGE, 32768, &b), 0);
	assert_int_equal(b, 525312 + 72ULL * 32768);

	/* the same map on 6.18 */
	m.map_flags = 0;
	assert_int_equal(usage(&m, 0), 2622688);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(usage(&m, 0), 525248);
}

/* ---- MEM_USAGE era, the other types (6.18, kernel-checked) ------------------ */

static void test_hash_family(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };

	/* percpu_hash: elem 48 + 16 + 8 ptr; values 24 * 2 per element */
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 16, 24, 1024, 0, 2);
	assert_int_equal(usage(&m, 0), 832 + 16 * 1024 + 64 + 72 * 1024 + 48 * 1024);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(usage(&m, 0), 17280);			/* kernel */
	assert_int_equal(usage(&m, 512), 91008);		/* kernel */
	assert_int_equal(usage(&m, 1024), 164736);		/* kernel */

	/* lru: no spare elements, no extra_elems pointers */
	m = mk(MAPSIZE_MAP_LRU_PERCPU_HASH, 6, 1, 37, 0, 2);
	assert_int_equal(usage(&m, 0), 4880);			/* kernel */
	/* BPF_F_NO_COMMON_LRU rounds 37 up to 38 (a multiple of 2 CPUs) */
	m.map_flags = MAPSIZE_F_NO_COMMON_LRU;
	assert_int_equal(usage(&m, 0), 4960);			/* kernel */
	m = mk(MAPSIZE_MAP_LRU_HASH, 4, 4, 37, MAPSIZE_F_NO_COMMON_LRU, 2);
	assert_int_equal(usage(&m, 0), 832 + 16 * 64 + 64 + 64 * 38);
	{
		uint32_t max = 0;

		assert_int_equal(mapsize_mem_map__max_entries(&m, &max), 0);
		assert_int_equal(max, 38);
		assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 38, &(uint64_t){0}), 0);
		assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 39, &(uint64_t){0}),
				 -EINVAL);
	}

	/* hash_of_maps on 6.15+: no spare elements, but still 8 * N */
	m = mk(MAPSIZE_MAP_HASH_OF_MAPS, 4, 4, 1024, 0, 2);
	assert_int_equal(usage(&m, 0), 82832);			/* kernel */
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(usage(&m, 1024), 91008);		/* kernel */
	assert_int_equal(usage(&m, 768), 72576);		/* kernel */
	/* before 6.15 the preallocated one kept N spare elements */
	{
		struct mapsize_kernel_consts k = k618;
		uint64_t b;

		mapsize_kernel_consts__set_kernel(&k, MAPSIZE_KERNEL_VERSION(6, 12));
		assert_true(k.hofm_extra_elems);
		m.map_flags = 0;
		assert_int_equal(mapsize_memlock(&m, &k, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
		assert_int_equal(b, 82832 + 64 * 2);
	}
}

static void test_arrays(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };

	m = mk(MAPSIZE_MAP_ARRAY, 4, 1, 37, 0, 2);
	assert_int_equal(usage(&m, 0), 312 + 37 * 8);
	m = mk(MAPSIZE_MAP_ARRAY, 4, 8, 1024, MAPSIZE_F_MMAPABLE, 2);
	assert_int_equal(usage(&m, 0), 4096 + 8192);
	m = mk(MAPSIZE_MAP_ARRAY, 4, 100, 37, MAPSIZE_F_MMAPABLE, 2);
	assert_int_equal(usage(&m, 0), 4096 + 4096);		/* 37 * 104 = 3848 */
	m = mk(MAPSIZE_MAP_PERCPU_ARRAY, 4, 24, 10, 0, 2);
	assert_int_equal(usage(&m, 0), 312 + 80 + 10 * 24 * 2);
	m = mk(MAPSIZE_MAP_PROG_ARRAY, 4, 4, 37, 0, 2);
	assert_int_equal(usage(&m, 0), 608);			/* kernel */
	m = mk(MAPSIZE_MAP_ARRAY_OF_MAPS, 4, 4, 1024, 0, 2);
	assert_int_equal(usage(&m, 0), 8504);			/* kernel */
}

static void test_perf_event_array_zero(void **state)
{
	struct mapsize_mem_map m = mk(MAPSIZE_MAP_PERF_EVENT_ARRAY, 4, 4, 0, 0, 2);
	uint32_t max = 0;
	uint64_t b;

	/* 0 = one slot per possible CPU, as libbpf creates it */
	assert_int_equal(mapsize_mem_map__max_entries(&m, &max), 0);
	assert_int_equal(max, 2);
	assert_int_equal(usage(&m, 0), 328);			/* kernel */
	m.possible_cpus = 64;
	assert_int_equal(usage(&m, 0), 312 + 8 * 64);
	assert_int_equal(pages(&m, 0), 4096);
	m.possible_cpus = 1024;
	assert_int_equal(pages(&m, 0), 8192);			/* 1024 * 8 */
	assert_int_equal(mapsize_memlock_at_max(&m, NULL, MAPSIZE_MEM_ERA_PAGES, &b), 0);
	assert_int_equal(b, 8192);
	/* other fd arrays need a size */
	m.type = MAPSIZE_MAP_PROG_ARRAY;
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
}

static void test_other_types(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };

	m = mk(MAPSIZE_MAP_LPM_TRIE, 8, 8, 1024, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(usage(&m, 0), 0);
	assert_int_equal(usage(&m, 512), 18432);		/* kernel: (24 + 4 + 8) each */
	assert_true(mapsize_mem_map__counts_entries(&m));

	m = mk(MAPSIZE_MAP_RINGBUF, 0, 0, 4096, 0, 2);
	assert_int_equal(usage(&m, 0), 16728);			/* kernel */
	m.max_entries = 16U << 20;
	assert_int_equal(usage(&m, 0), 16855368);		/* kernel */
	/* user_ringbuf_map_ops: the same ringbuf_map_alloc and ringbuf_map_mem_usage */
	m = mk(MAPSIZE_MAP_USER_RINGBUF, 0, 0, 4096, 0, 2);
	assert_int_equal(usage(&m, 0), 16728);
	m.max_entries = 16U << 20;
	assert_int_equal(usage(&m, 0), 16855368);
	assert_false(mapsize_mem_map__counts_entries(&m));

	m = mk(MAPSIZE_MAP_QUEUE, 0, 24, 1000, 0, 2);
	assert_int_equal(usage(&m, 0), 312 + 1001 * 24);	/* value not rounded */
	m.type = MAPSIZE_MAP_STACK;
	m.value_size = 1;
	assert_int_equal(usage(&m, 1000), 312 + 1001);

	m = mk(MAPSIZE_MAP_STACK_TRACE, 4, 64, 37, 0, 2);
	assert_int_equal(usage(&m, 0), 320 + 8 * 64 + 37 * (16 + 64));

	m = mk(MAPSIZE_MAP_TASK_STORAGE, 4, 24, 0, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(usage(&m, 0), 480);			/* kernel */
	assert_int_equal(usage(&m, 1000), 480);			/* elements not counted */
	m.possible_cpus = 1;
	assert_int_equal(usage(&m, 0), 480);			/* at least 2 buckets */
	m.possible_cpus = 3;
	assert_int_equal(usage(&m, 0), 448 + 16 * 4);
	m.type = MAPSIZE_MAP_CGRP_STORAGE;
	assert_int_equal(pages(&m, 0), 0);
}

static void test_bloom(void **state)
{
	struct mapsize_mem_map m = mk(MAPSIZE_MAP_BLOOM_FILTER, 0, 8, 3000000, 0, 2);

	/* 3e6 * 5 / 5 * 7 = 21e6 bits -> 2^25 bits = 4 MiB */
	assert_int_equal(usage(&m, 0), 4194616);		/* kernel */
	m.max_entries = 1;
	m.map_extra = 1;	/* 1 / 5 * 7 = 0 bits -> the 64-bit minimum */
	assert_int_equal(usage(&m, 0), 312 + 8);
	m.max_entries = 37;
	m.map_extra = 3;	/* 111 / 5 * 7 = 154 -> 256 bits */
	assert_int_equal(usage(&m, 0), 312 + 32);
	/* 1e8 * 15 / 5 * 7 = 2.1e9 bits -> 2^31 bits */
	m.max_entries = 100000000;
	m.map_extra = 15;
	assert_int_equal(usage(&m, 0), 312 + (1ULL << 28));
	/* beyond 2^31 bits the kernel takes a 2^32-bit (512 MiB) bitset */
	m.max_entries = 200000000;
	assert_int_equal(usage(&m, 0), 312 + (1ULL << 29));
	m.max_entries = UINT32_MAX;	/* M * k overflows u32 */
	assert_int_equal(usage(&m, 0), 312 + (1ULL << 29));
	m.map_extra = 16;	/* only 4 bits of hash count */
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
}

/* ---- PAGES era (5.11 - 6.3), by hand ------------------------------------------ */

static void test_pages_era(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };

	/* round_up(4096 * ru8(16 + 24), 4096): fill and prealloc don't matter */
	m = mk(MAPSIZE_MAP_HASH, 16, 24, 4096, 0, 2);
	assert_int_equal(pages(&m, 0), 163840);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(pages(&m, 2048), 163840);
	/* K=8 V=1 M=32768: ru8(9) = 16 per entry = 512 KiB whatever the CPUs */
	m = mk(MAPSIZE_MAP_HASH, 8, 1, 32768, 0, 4);
	assert_int_equal(pages(&m, 0), 524288);
	/* one tiny entry is a page */
	m = mk(MAPSIZE_MAP_HASH, 4, 1, 1, 0, 2);
	assert_int_equal(pages(&m, 0), 4096);
	/* per-CPU: ru8(4 + 24 * 2) = 56; 56000 -> 14 pages */
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 4, 24, 1000, 0, 2);
	assert_int_equal(pages(&m, 0), 57344);
	m = mk(MAPSIZE_MAP_PERCPU_ARRAY, 4, 1, 1000, 0, 4);
	assert_int_equal(pages(&m, 0), 40960);			/* ru8(4 + 8 * 4) = 40 */
	/* fd maps count a 4-byte value: ru8(4 + 4) * 100000 = 800000 -> 196 pages */
	m = mk(MAPSIZE_MAP_PROG_ARRAY, 4, 4, 100000, 0, 2);
	assert_int_equal(pages(&m, 0), 802816);
	m = mk(MAPSIZE_MAP_HASH_OF_MAPS, 13, 4, 1000, 0, 2);
	assert_int_equal(pages(&m, 0), 24576);			/* ru8(17) = 24 */
	/* queue: no key, value unrounded then rounded with the key: ru8(24) */
	m = mk(MAPSIZE_MAP_QUEUE, 0, 24, 1000, 0, 2);
	assert_int_equal(pages(&m, 0), 24576);
	m = mk(MAPSIZE_MAP_STACK_TRACE, 4, 64, 37, 0, 2);
	assert_int_equal(pages(&m, 0), 4096);			/* 37 * 72 = 2664 */
	m = mk(MAPSIZE_MAP_LPM_TRIE, 8, 8, 1024, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(pages(&m, 0), 16384);
	assert_int_equal(pages(&m, 1024), 16384);
	/* zero for ringbuf (no key, no value) and local storage (no max_entries) */
	m = mk(MAPSIZE_MAP_RINGBUF, 0, 0, 1U << 20, 0, 2);
	assert_int_equal(pages(&m, 0), 0);
	m.type = MAPSIZE_MAP_USER_RINGBUF;
	assert_int_equal(pages(&m, 0), 0);
	m = mk(MAPSIZE_MAP_SK_STORAGE, 4, 4096, 0, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(pages(&m, 0), 0);
	/* NO_COMMON_LRU rounding applies to the stored max_entries too */
	m = mk(MAPSIZE_MAP_LRU_HASH, 8, 8, 511, MAPSIZE_F_NO_COMMON_LRU, 2);
	assert_int_equal(pages(&m, 0), 8192);			/* 512 * 16 */
	m = mk(MAPSIZE_MAP_LRU_HASH, 8, 8, 513, MAPSIZE_F_NO_COMMON_LRU, 2);
	assert_int_equal(pages(&m, 0), 12288);			/* 514 * 16 = 8224 */
}

/* <= 5.10: page-rounded creation cost, constant as the map fills; figures
 * measured on Debian's 5.10.0-46-cloud-amd64 under qemu, 2 CPUs. */
static void test_rlimit_era(void **state)
{
	struct mapsize_kernel_consts k510 = { .sz = sizeof(struct mapsize_kernel_consts) };
	struct mapsize_mem_map m;
	uint64_t b = 0;

	assert_int_equal(mapsize_kernel_consts__builtin("5.10", &k510), 0);
#define RL(entries) (assert_int_equal(mapsize_memlock(&m, &k510, MAPSIZE_MEM_ERA_RLIMIT, \
						      (entries), &b), 0), b)
	/* 1024*16 + 64*1000 + 64*2 = 80,512 -> 20 pages, filled or not */
	m = mk(MAPSIZE_MAP_HASH, 4, 4, 1000, 0, 2);
	assert_int_equal(RL(0), 81920);
	assert_int_equal(RL(1000), 81920);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;		/* full storage all the same */
	assert_int_equal(RL(0), 81920);
	assert_int_equal(RL(500), 81920);
	/* 320 + 4097*40 = 164,200 -> 41 pages */
	m = mk(MAPSIZE_MAP_ARRAY, 4, 37, 4097, 0, 2);
	assert_int_equal(RL(0), 167936);
	/* percpu hash: no spare elements, values per CPU */
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 4, 4, 100000, 0, 2);
	assert_int_equal(RL(0), 10100736);
	m = mk(MAPSIZE_MAP_HASH, 4, 4, 100000, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(RL(0), 8499200);
	/* lpm trie: every node charged at creation: 320 + 1000*(40 + 4 + 8) */
	m = mk(MAPSIZE_MAP_LPM_TRIE, 8, 8, 1000, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(RL(0), 53248);
	/* stack trace: bucket pointers for pow2(M), elements for M */
	m = mk(MAPSIZE_MAP_STACK_TRACE, 4, 64, 37, 0, 2);
	assert_int_equal(RL(0), 4096);
	/* no such maps before 5.11 / 5.16 */
	m = mk(MAPSIZE_MAP_BLOOM_FILTER, 0, 4, 16, 0, 2);
	assert_int_equal(mapsize_memlock(&m, &k510, MAPSIZE_MEM_ERA_RLIMIT, 0, &b), -EOPNOTSUPP);
	m = mk(MAPSIZE_MAP_TASK_STORAGE, 4, 4, 0, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_memlock(&m, &k510, MAPSIZE_MEM_ERA_RLIMIT, 0, &b), -EOPNOTSUPP);
#undef RL
}

static void test_eras(void **state)
{
	enum mapsize_mem_era e;

	assert_int_equal(mapsize_mem_era__from_kernel(0, &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_MEM_USAGE);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(6, 4), &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_MEM_USAGE);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(6, 3), &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_PAGES);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(6, 1), &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_PAGES);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(5, 11), &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_PAGES);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(5, 10), &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_RLIMIT);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(5, 9), &e),
			 -EOPNOTSUPP);
	assert_int_equal(mapsize_mem_era__from_kernel(MAPSIZE_KERNEL_VERSION(5, 4), &e),
			 -EOPNOTSUPP);
	assert_string_equal(mapsize_mem_era__name(MAPSIZE_MEM_ERA_RLIMIT), "rlimit");
	assert_int_equal(mapsize_mem_era__from_name("rlimit", &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_RLIMIT);
	assert_string_equal(mapsize_mem_era__name(MAPSIZE_MEM_ERA_PAGES), "pages");
	assert_int_equal(mapsize_mem_era__from_name("mem_usage", &e), 0);
	assert_int_equal(e, MAPSIZE_MEM_ERA_MEM_USAGE);
	assert_int_equal(mapsize_mem_era__from_name("bytes", &e), -EINVAL);
	assert_null(mapsize_mem_era__name((enum mapsize_mem_era)7));
}

/* The built-in sizes against another build's (a BTF): each struct named. */
static void test_consts_diff(void **state)
{
	struct mapsize_kernel_consts deb = { .sz = sizeof(struct mapsize_kernel_consts) };
	struct mapsize_kernel_consts other = k618;
	char buf[512];

	assert_int_equal(mapsize_kernel_consts__builtin("6.18", &deb), 0);
	assert_int_equal(mapsize_kernel_consts__diff(&deb, &deb, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	other.bpf_array = 304;
	other.lpm_trie = 392;
	other.bpf_ringbuf_map = 296;
	other.bpf_local_storage_map = 440;
	other.bpf_stack_map = 312;
	other.bpf_bloom_filter = 304;
	other.bpf_queue_stack = 304;
	other.bpf_htab = 896;
	assert_int_equal(mapsize_kernel_consts__diff(&other, &deb, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "struct bpf_htab is 896 bytes, builtin 6.18 has 832 (+64)");
	other.lpm_mem_alloc = false;
	other.ringbuf_meta_pages = 4;
	assert_int_equal(mapsize_kernel_consts__diff(&other, &deb, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "struct bpf_htab is 896 bytes, builtin 6.18 has 832 (+64); "
			    "bpf_ringbuf.consumer_pos gives 4 meta pages, builtin 6.18 has 3 (+1); "
			    "struct lpm_trie lacks member ma, builtin 6.18 has it");
	/* a struct the BTF lacks is not compared; the text is cut to the buffer */
	other.fallback = MAPSIZE_KC_BPF_HTAB;
	assert_int_equal(mapsize_kernel_consts__diff(&other, &deb, buf, 20), 2);
	assert_string_equal(buf, "bpf_ringbuf.consume");
	assert_int_equal(mapsize_kernel_consts__diff(&other, NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_builtin_consts(void **state)
{
	struct mapsize_kernel_consts c = { .sz = sizeof(struct mapsize_kernel_consts) };

	assert_int_equal(mapsize_kernel_consts__builtin(NULL, &c), 0);
	assert_string_equal(c.source, "builtin 7.3");
	/* Debian's linux-image-6.18.15+deb13-cloud-amd64, whatever the build */
	assert_int_equal(mapsize_kernel_consts__builtin("6.18.44-fc-v657", &c), 0);
	assert_string_equal(c.source, "builtin 6.18");
	assert_int_equal(c.bpf_htab, 832);
	assert_int_equal(c.bpf_array, 304);
	assert_int_equal(c.lpm_trie, 392);
	assert_int_equal(c.bpf_ringbuf_map, 296);
	assert_int_equal(c.bpf_local_storage_map, 440);
	assert_int_equal(c.bpf_stack_map, 312);
	assert_int_equal(c.bpf_bloom_filter, 304);
	assert_int_equal(c.bpf_queue_stack, 304);
	assert_int_equal(c.lpm_trie_node, 24);
	assert_false(c.hofm_extra_elems);
	assert_int_equal(mapsize_kernel_consts__builtin("6.1.0-56-amd64", &c), 0);
	assert_string_equal(c.source, "builtin 6.1");
	assert_int_equal(c.bpf_array, 320);
	assert_int_equal(c.lpm_trie_node, 40);
	assert_true(c.hofm_extra_elems);
	assert_int_equal(c.fallback, 0);
	assert_int_equal(c.series, MAPSIZE_KERNEL_VERSION(6, 1));
	/* between two tables: the nearest lower one, marked as such */
	assert_int_equal(mapsize_kernel_consts__builtin("5.15", &c), 0);
	assert_string_equal(c.source, "nearest 5.10");
	assert_int_equal(c.series, MAPSIZE_KERNEL_VERSION(5, 10));
	assert_int_equal(mapsize_kernel_consts__builtin("6.10", &c), 0);
	assert_string_equal(c.source, "nearest 6.1");
	assert_int_equal(mapsize_kernel_consts__builtin("6.6.0-1-amd64", &c), 0);
	assert_string_equal(c.source, "nearest 6.1");
	assert_int_equal(mapsize_kernel_consts__builtin("7.0", &c), 0);
	assert_string_equal(c.source, "nearest 6.18");
	assert_int_equal(c.htab_lock_count, 8);
	/* Debian's linux-binary-7.2.13+deb14 and 7.3.4+deb13 (qemu: memmatrix
	 * exact on both): bpf_htab 896 and no per-CPU lock ints any more */
	assert_int_equal(mapsize_kernel_consts__builtin("7.2.13+deb14-cloud-amd64", &c), 0);
	assert_string_equal(c.source, "builtin 7.2");
	assert_int_equal(c.bpf_htab, 896);
	assert_int_equal(c.bpf_array, 304);
	assert_int_equal(c.htab_lock_count, 0);
	{
		struct mapsize_mem_map m = mk(MAPSIZE_MAP_HASH, 16, 24, 4096, 0, 2);
		uint64_t b;

		/* 896 + 16 * 4096 + 88 * (4096 + 2) + 8 * 2: 6.18's 832 + 64 lock bytes, same total */
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
		assert_int_equal(b, 427072);
		m.possible_cpus = 4;	/* 6.18 would count 4 * 8 * 4 lock bytes */
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
		assert_int_equal(b, 896 + 16 * 4096 + 88 * (4096 + 4) + 8 * 4);
	}
	/* rhash on 7.2, as fdinfo showed under qemu: the map alone, then
	 * rhtab_elem + ru8(K) + ru8(V) per entry; map_extra changes nothing */
	{
		struct mapsize_mem_map m = mk(MAPSIZE_MAP_RHASH, 4, 8, 1000, MAPSIZE_F_NO_PREALLOC, 2);
		uint64_t b;

		assert_int_equal(c.bpf_rhtab, 536);
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
		assert_int_equal(b, 536);
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 500, &b), 0);
		assert_int_equal(b, 12536);		/* kernel */
		m.map_extra = 100;
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 1000, &b), 0);
		assert_int_equal(b, 24536);		/* kernel */
		m = mk(MAPSIZE_MAP_RHASH, 16, 24, 64, MAPSIZE_F_NO_PREALLOC, 2);
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 64, &b), 0);
		assert_int_equal(b, 3608);		/* kernel */
		/* the kernel refuses: preallocated (EINVAL), initial size over the cap (EINVAL) */
		m.map_flags = 0;
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EINVAL);
		m.map_flags = MAPSIZE_F_NO_PREALLOC;
		m.map_extra = 65;
		assert_int_equal(mapsize_memlock(&m, &c, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EINVAL);
	}
	assert_int_equal(mapsize_kernel_consts__builtin("7.3.4+deb13-cloud-amd64", &c), 0);
	assert_string_equal(c.source, "builtin 7.3");
	assert_int_equal(c.bpf_array, 296);
	assert_int_equal(c.htab_lock_count, 0);
	/* the Debian 6.12 build, read from its BTF (issue 10's figures) */
	assert_int_equal(mapsize_kernel_consts__builtin("6.12.118+deb13-cloud-amd64", &c), 0);
	assert_string_equal(c.source, "builtin 6.12");
	assert_int_equal(c.bpf_htab, 896);
	assert_int_equal(c.bpf_array, 264);
	assert_int_equal(c.bpf_ringbuf_map, 256);
	assert_int_equal(c.bpf_stack_map, 288);
	assert_int_equal(c.lpm_trie_node, 40);
	assert_int_equal(mapsize_kernel_consts__builtin("5.10.0-46-cloud-amd64", &c), 0);
	assert_string_equal(c.source, "builtin 5.10");
	assert_int_equal(c.bpf_array, 320);
	assert_int_equal(c.htab_elem, 48);
	assert_int_equal(mapsize_kernel_consts__builtin("5.4", &c), -ENOENT);
	assert_int_equal(mapsize_kernel_consts__builtin("six", &c), -EINVAL);
	assert_int_equal(mapsize_kernel_consts__builtin("6", &c), -EINVAL);
	assert_string_equal(mapsize_kernel_consts__field_name(MAPSIZE_KC_BPF_HTAB), "bpf_htab");
	assert_string_equal(mapsize_kernel_consts__field_name(MAPSIZE_KC_LPM_MEM_ALLOC),
			    "lpm_trie.ma");
	assert_null(mapsize_kernel_consts__field_name(3));
	assert_null(mapsize_kernel_consts__field_name(1U << 30));
}

static void test_from_btf(void **state)
{
	struct mapsize_kernel_consts c = { .sz = sizeof(struct mapsize_kernel_consts) };

	assert_true(mapsize_kernel_consts__from_btf("/nonexistent/vmlinux", &c) < 0);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		skip();
	assert_int_equal(mapsize_kernel_consts__from_btf(NULL, &c), 0);
	assert_non_null(strstr(c.source, "btf"));
	assert_true(c.bpf_htab > 0 && c.htab_elem > 0 && c.bpf_array > 0);
	assert_int_equal(c.page_size, 4096);
	assert_int_equal(c.ringbuf_meta_pages, 3);
}

/* ---- errors ------------------------------------------------------------------- */

static void test_overflow(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };
	uint64_t b = 0;

	/* 2^32 entries * 32 KiB * 2^32 CPUs */
	m = mk(MAPSIZE_MAP_PERCPU_ARRAY, 4, 32768, UINT32_MAX, 0, UINT32_MAX);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EOVERFLOW);
	assert_int_equal(mapsize_memlock(&m, NULL, MAPSIZE_MEM_ERA_PAGES, 0, &b), -EOVERFLOW);
	assert_int_equal(mapsize_memory_real(&m, &k618, 0, &b), -EOVERFLOW);
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 4, 32768, 1U << 27, 0, UINT32_MAX);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EOVERFLOW);
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 1U << 27, &b),
			 -EOVERFLOW);
	/* big but representable */
	m = mk(MAPSIZE_MAP_ARRAY, 4, 1U << 22, UINT32_MAX, 0, 2);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), 0);
	assert_int_equal(b, 312 + ((uint64_t)UINT32_MAX << 22));
	assert_int_equal(mapsize_kmalloc_size(UINT64_MAX, &b), -EOVERFLOW);
}

static void test_invalid(void **state)
{
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };
	uint64_t b;

	m = mk(MAPSIZE_MAP_LRU_HASH, 4, 4, 16, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EOPNOTSUPP);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EOPNOTSUPP);
	m = mk(MAPSIZE_MAP_HASH, 4, 4, 16, 0, 0);		/* no CPUs */
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_UNSPEC, 4, 4, 16, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_TYPE_CNT, 4, 4, 16, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_HASH, 4, 4, (1U << 27) + 1, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -E2BIG);
	m = mk(MAPSIZE_MAP_HASH, 4, 4, 16, 0, 2);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 17, &b), -EINVAL);
	assert_int_equal(mapsize_memlock(&m, NULL, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EINVAL);
	assert_int_equal(mapsize_memlock(&m, &k618, (enum mapsize_mem_era)9, 0, &b), -EINVAL);
	assert_int_equal(mapsize_memlock(NULL, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, &b), -EINVAL);
	assert_int_equal(mapsize_memlock(&m, &k618, MAPSIZE_MEM_ERA_MEM_USAGE, 0, NULL), -EINVAL);
	m = mk(MAPSIZE_MAP_RINGBUF, 0, 0, 3 * 4096, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m.type = MAPSIZE_MAP_USER_RINGBUF;
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m.max_entries = 2048;					/* below a page */
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_USER_RINGBUF, 0, 8, 4096, 0, 2);	/* no value */
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_LPM_TRIE, 8, 8, 16, 0, 2);		/* must be no-prealloc */
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_TASK_STORAGE, 4, 8, 16, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_ARRAY, 4, 8, 16, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 4, 32769, 16, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -E2BIG);
	m = mk(MAPSIZE_MAP_HASH_OF_MAPS, 4, 8, 16, 0, 2);
	assert_int_equal(mapsize_mem_map__check(&m), -EINVAL);
}

/* ---- real memory ------------------------------------------------------------------ */

static void test_kmalloc(void **state)
{
	static const struct { uint64_t in, out; } t[] = {
		{ 0, 0 }, { 1, 8 }, { 9, 16 }, { 65, 96 }, { 96, 96 }, { 97, 128 },
		{ 193, 256 }, { 257, 512 }, { 4097, 8192 }, { 8192, 8192 },
		{ 8193, 16384 }, { 16385, 32768 },
	};
	size_t i;
	uint64_t b;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(mapsize_kmalloc_size(t[i].in, &b), 0);
		assert_int_equal(b, t[i].out);
	}
}

static void test_real(void **state)
{
	struct mapsize_kernel_consts k61 = { .sz = sizeof(struct mapsize_kernel_consts) };
	struct mapsize_mem_map m = { .sz = sizeof(struct mapsize_mem_map) };
	uint64_t b;

	/* preallocated: the MEM_USAGE figure */
	m = mk(MAPSIZE_MAP_HASH, 16, 24, 4096, 0, 2);
	assert_int_equal(mapsize_memory_real(&m, &k618, 0, &b), 0);
	assert_int_equal(b, 427072);
	/* no-prealloc K=16 V=24: 88 + 8 = 96 is a slab class, real = memlock */
	m.map_flags = MAPSIZE_F_NO_PREALLOC;
	assert_int_equal(mapsize_memory_real(&m, &k618, 2048, &b), 0);
	assert_int_equal(b, 263040);
	/* V=32: 96 + 8 = 104 -> kmalloc-128 */
	m.value_size = 32;
	assert_int_equal(usage(&m, 2048), 66432 + 104 * 2048);
	assert_int_equal(mapsize_memory_real(&m, &k618, 2048, &b), 0);
	assert_int_equal(b, 66432 + 128 * 2048);
	/* per-CPU no-prealloc: slab(72 + 8) + kmalloc-16 + 2 * 24 per element */
	m = mk(MAPSIZE_MAP_PERCPU_HASH, 16, 24, 1024, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_memory_real(&m, &k618, 1024, &b), 0);
	assert_int_equal(b, 17280 + (96 + 16 + 48) * 1024);
	/* lpm_trie, 6.18: every node 24 + 4 + 8 + 8 -> 64, n leaves + n - 1 inner */
	m = mk(MAPSIZE_MAP_LPM_TRIE, 8, 8, 1000, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_memory_real(&m, &k618, 1000, &b), 0);
	assert_int_equal(b, 400 + 64 * 1000 + 64 * 999);
	assert_int_equal(mapsize_memory_real(&m, &k618, 0, &b), 0);
	assert_int_equal(b, 400);
	/* 6.1: leaves 40 + 4 + 8 = 52 -> 64, inner 44 -> 64 */
	assert_int_equal(mapsize_kernel_consts__builtin("6.1", &k61), 0);
	m.value_size = 40;	/* leaves 84 -> 96 */
	assert_int_equal(mapsize_memory_real(&m, &k61, 1000, &b), 0);
	assert_int_equal(b, 320 + 96 * 1000 + 64 * 999);
	/* local storage: per owner slab(128 + 24) + slab(176) */
	m = mk(MAPSIZE_MAP_SK_STORAGE, 4, 24, 0, MAPSIZE_F_NO_PREALLOC, 2);
	assert_int_equal(mapsize_memory_real(&m, &k618, 10, &b), 0);
	assert_int_equal(b, 480 + 10 * (192 + 192));
	/* others: the MEM_USAGE figure */
	m = mk(MAPSIZE_MAP_RINGBUF, 0, 0, 4096, 0, 2);
	assert_int_equal(mapsize_memory_real(&m, &k618, 0, &b), 0);
	assert_int_equal(b, 16728);
	m.type = MAPSIZE_MAP_USER_RINGBUF;
	assert_int_equal(mapsize_memory_real(&m, &k618, 0, &b), 0);
	assert_int_equal(b, 16728);
	assert_int_equal(mapsize_memory_real(&m, NULL, 0, &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_examples),
		cmocka_unit_test(test_seed_example),
		cmocka_unit_test(test_hash_family),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_perf_event_array_zero),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_bloom),
		cmocka_unit_test(test_pages_era),
		cmocka_unit_test(test_eras),
		cmocka_unit_test(test_rlimit_era),
		cmocka_unit_test(test_consts_diff),
		cmocka_unit_test(test_builtin_consts),
		cmocka_unit_test(test_from_btf),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_kmalloc),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests_name("memory", tests, setup, NULL);
}
