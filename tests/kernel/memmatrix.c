// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memmatrix: prove the memory model against the live kernel.
 *
 * For every map type mapsize models, over several key/value sizes, sizes
 * (1, odd, power of two, large), flags (prealloc on/off, NO_COMMON_LRU,
 * MMAPABLE, bloom hash counts) and fill levels (empty, half, full, after
 * deletes), create the map with bpf(), fill it, read `memlock:` from
 * /proc/self/fdinfo/<fd> and compare with mapsize_memlock() for the running
 * kernel's accounting era and struct sizes (BTF, else builtin).  A few
 * invalid maps check that the model rejects what the kernel rejects.
 *
 * Every measurement is compared twice: with the struct sizes from the
 * kernel's BTF and with the built-in table for this release (skipped when
 * the table has no entry for the kernel's series, or when the kernel's BTF
 * disagrees with it: another build of the series than Debian's package the
 * table was read from; "SKIP builtin half: ..." names each struct and the
 * difference, and tests/run.sh proves that table on Debian's kernel under
 * qemu).
 * Standalone (no test framework) and linkable statically: it also runs as
 * the init of Debian 5.10 / 6.1 / 6.12 / 6.18 guests.  Last lines:
 *	memmatrix-btf: P passed, F failed, S skipped
 *	memmatrix-builtin: P passed, F failed, S skipped
 * Exit status 0 only when nothing failed.  When bpf() is refused (EPERM,
 * ENOSYS) everything is skipped and the exit status is 0.
 *
 * Options: --era pages|mem_usage|rlimit   override the era picked from uname
 *          --cpus N                 possible CPUs for the model (the kernel
 *                                   keeps its own; expect failures)
 *          --btf PATH               read struct sizes from this BTF
 *          --quick                  small maps only (max_entries <= 1024)
 *          -v                       print every case
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <mapsize/bpf.h>
#include <mapsize/memory.h>

#define CGRP_STORAGE_BPF_TYPE	32	/* BPF_MAP_TYPE_CGRP_STORAGE (6.2+) */
#define ENOTSUPP_KERNEL		524
#define MAX_FILLS		6
#define MEM_BOUND		(48ULL << 20)	/* skip configurations above this */
#define CHUNK			1024

static bool verbose, quick;
/* Every prediction is checked twice: with the kernel's BTF and with the
 * built-in table (mapsize_kernel_consts__builtin for this release). */
enum { SET_BTF, SET_BUILTIN, SET_CNT, SET_BOTH = SET_CNT };
static const char *const set_names[SET_CNT] = { "btf", "builtin" };
static int passed[SET_CNT], failed[SET_CNT], skipped[SET_CNT];

/* ---- map types --------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned int bpf_type;
} types[MAPSIZE_MAP_TYPE_CNT] = {
	[MAPSIZE_MAP_HASH]		= { "hash", BPF_MAP_TYPE_HASH },
	[MAPSIZE_MAP_PERCPU_HASH]	= { "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH },
	[MAPSIZE_MAP_LRU_HASH]		= { "lru_hash", BPF_MAP_TYPE_LRU_HASH },
	[MAPSIZE_MAP_LRU_PERCPU_HASH]	= { "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH },
	[MAPSIZE_MAP_ARRAY]		= { "array", BPF_MAP_TYPE_ARRAY },
	[MAPSIZE_MAP_PERCPU_ARRAY]	= { "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY },
	[MAPSIZE_MAP_PROG_ARRAY]	= { "prog_array", BPF_MAP_TYPE_PROG_ARRAY },
	[MAPSIZE_MAP_PERF_EVENT_ARRAY]	= { "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY },
	[MAPSIZE_MAP_RINGBUF]		= { "ringbuf", BPF_MAP_TYPE_RINGBUF },
	[MAPSIZE_MAP_LPM_TRIE]		= { "lpm_trie", BPF_MAP_TYPE_LPM_TRIE },
	[MAPSIZE_MAP_HASH_OF_MAPS]	= { "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS },
	[MAPSIZE_MAP_ARRAY_OF_MAPS]	= { "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS },
	[MAPSIZE_MAP_QUEUE]		= { "queue", BPF_MAP_TYPE_QUEUE },
	[MAPSIZE_MAP_STACK]		= { "stack", BPF_MAP_TYPE_STACK },
	[MAPSIZE_MAP_BLOOM_FILTER]	= { "bloom_filter", BPF_MAP_TYPE_BLOOM_FILTER },
	[MAPSIZE_MAP_STACK_TRACE]	= { "stack_trace", BPF_MAP_TYPE_STACK_TRACE },
	[MAPSIZE_MAP_TASK_STORAGE]	= { "task_storage", BPF_MAP_TYPE_TASK_STORAGE },
	[MAPSIZE_MAP_INODE_STORAGE]	= { "inode_storage", BPF_MAP_TYPE_INODE_STORAGE },
	[MAPSIZE_MAP_SK_STORAGE]	= { "sk_storage", BPF_MAP_TYPE_SK_STORAGE },
	[MAPSIZE_MAP_CGRP_STORAGE]	= { "cgrp_storage", CGRP_STORAGE_BPF_TYPE },
	[MAPSIZE_MAP_USER_RINGBUF]	= { "user_ringbuf", BPF_MAP_TYPE_USER_RINGBUF },
	[MAPSIZE_MAP_RHASH]		= { "rhash", MAPSIZE_BPF_MAP_TYPE_RHASH },	/* 7.2+ */
};

static bool is_hash(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_HASH || t == MAPSIZE_MAP_PERCPU_HASH ||
	       t == MAPSIZE_MAP_LRU_HASH || t == MAPSIZE_MAP_LRU_PERCPU_HASH ||
	       t == MAPSIZE_MAP_HASH_OF_MAPS;
}

static bool is_percpu(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_PERCPU_HASH || t == MAPSIZE_MAP_LRU_PERCPU_HASH ||
	       t == MAPSIZE_MAP_PERCPU_ARRAY;
}

static bool is_storage(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_TASK_STORAGE || t == MAPSIZE_MAP_INODE_STORAGE ||
	       t == MAPSIZE_MAP_SK_STORAGE || t == MAPSIZE_MAP_CGRP_STORAGE;
}

/* ---- the cases ----------------------------------------------------------- */

struct tcase {
	struct mapsize_mem_map m;	/* possible_cpus set at run time */
	int nfill;
	uint32_t fill[MAX_FILLS];	/* live element targets, in order */
	bool reject;			/* the model and the kernel must refuse it */
};

static struct tcase *cases;
static size_t ncases, cap;

/* Setup shared by the run. */
static unsigned int model_cpus, real_cpus;
static enum mapsize_mem_era era;
static struct mapsize_kernel_consts kc = { .sz = sizeof(struct mapsize_kernel_consts) };
static struct mapsize_kernel_consts kc_set[SET_CNT] = {
	{ .sz = sizeof(struct mapsize_kernel_consts) }, { .sz = sizeof(struct mapsize_kernel_consts) },
};
static const char *set_skip[SET_CNT];	/* why a whole set is skipped */

static void add_case(enum mapsize_map_type t, uint32_t K, uint32_t V, uint32_t M,
		     uint32_t flags, uint32_t extra, const uint32_t *fills, int nfill)
{
	struct tcase c = { 0 };
	uint64_t bytes;

	c.m.type = t;
	c.m.key_size = K;
	c.m.value_size = V;
	c.m.max_entries = M;
	c.m.map_flags = flags;
	c.m.map_extra = extra;
	c.m.sz = sizeof(c.m);
	c.m.possible_cpus = real_cpus;
	/* --quick (slow emulated guests): small maps only */
	if (quick && M > (t == MAPSIZE_MAP_RINGBUF || t == MAPSIZE_MAP_USER_RINGBUF ? 65536U : 1024U))
		return;
	/* keep the run within memory and time on a small machine */
	if (mapsize_memlock_at_max(&c.m, &kc, MAPSIZE_MEM_ERA_MEM_USAGE, &bytes) == 0 &&
	    bytes > MEM_BOUND)
		return;
	c.nfill = nfill;
	memcpy(c.fill, fills, sizeof(c.fill[0]) * nfill);
	if (ncases == cap) {
		cap = cap ? cap * 2 : 256;
		cases = realloc(cases, cap * sizeof(*cases));
		if (!cases) {
			perror("realloc");
			exit(2);
		}
	}
	cases[ncases++] = c;
}

static void add_reject(enum mapsize_map_type t, uint32_t K, uint32_t V, uint32_t M,
		       uint32_t flags, uint32_t extra)
{
	uint32_t none = 0;

	add_case(t, K, V, M, flags, extra, &none, 1);
	cases[ncases - 1].reject = true;
}

/* Fill plans: 0, half, full [, after deleting a quarter]. */
static int plan(uint32_t M, bool with_delete, uint32_t *f)
{
	int n = 0;

	f[n++] = 0;
	if (M / 2 && M / 2 != M)
		f[n++] = M / 2;
	f[n++] = M;
	if (with_delete)
		f[n++] = M - (M / 4 ? M / 4 : 1);
	return n;
}

static void gen_cases(void)
{
	static const uint32_t sizes[] = { 1, 37, 1024, 100000 };
	static const struct { uint32_t k, v; } hkv[] = {
		{ 4, 4 }, { 6, 1 }, { 16, 24 }, { 36, 100 }, { 8, 4096 },
	};
	static const enum mapsize_map_type htypes[] = {
		MAPSIZE_MAP_HASH, MAPSIZE_MAP_PERCPU_HASH,
		MAPSIZE_MAP_LRU_HASH, MAPSIZE_MAP_LRU_PERCPU_HASH,
	};
	static const uint32_t one[] = { 0 };
	uint32_t f[MAX_FILLS];
	size_t t, i, j, s;
	int n;

	/* hash family */
	for (t = 0; t < sizeof(htypes) / sizeof(htypes[0]); t++) {
		bool lru = htypes[t] == MAPSIZE_MAP_LRU_HASH ||
			   htypes[t] == MAPSIZE_MAP_LRU_PERCPU_HASH;
		uint32_t flagset[2] = { 0, lru ? MAPSIZE_F_NO_COMMON_LRU : MAPSIZE_F_NO_PREALLOC };

		for (i = 0; i < sizeof(hkv) / sizeof(hkv[0]); i++)
			for (s = 0; s < 4; s++)
				for (j = 0; j < 2; j++) {
					uint32_t M = sizes[s];

					if (hkv[i].v == 4096 && M > 1024)
						continue;
					n = plan(M, true, f);
					add_case(htypes[t], hkv[i].k, hkv[i].v, M, flagset[j], 0, f, n);
				}
	}
	/* the examples of issue 10 (5.10: 81,920 and 167,936 bytes) */
	n = plan(1000, true, f);
	add_case(MAPSIZE_MAP_HASH, 4, 4, 1000, 0, 0, f, n);
	add_case(MAPSIZE_MAP_HASH, 4, 4, 1000, MAPSIZE_F_NO_PREALLOC, 0, f, n);
	{
		uint32_t full[2] = { 0, 4097 };

		add_case(MAPSIZE_MAP_ARRAY, 4, 37, 4097, 0, 0, full, 2);
	}
	/* hash_of_maps */
	for (i = 0; i < 3; i++) {
		static const uint32_t ks[] = { 4, 13, 64 };

		for (s = 0; s < 4; s++)
			for (j = 0; j < 2; j++) {
				/* every map-in-map update from user space waits for
				 * an RCU grace period: fill only the small ones */
				n = sizes[s] <= 37 ? plan(sizes[s], true, f) : 1;
				f[0] = 0;
				add_case(MAPSIZE_MAP_HASH_OF_MAPS, ks[i], 4, sizes[s],
					 j ? MAPSIZE_F_NO_PREALLOC : 0, 0, f, n);
			}
	}
	/* arrays: empty and every slot written */
	for (i = 0; i < 5; i++) {
		static const uint32_t vs[] = { 1, 8, 24, 100, 4096 };

		for (s = 0; s < 4; s++) {
			uint32_t full[2] = { 0, sizes[s] };

			add_case(MAPSIZE_MAP_ARRAY, 4, vs[i], sizes[s], 0, 0, full, 2);
			add_case(MAPSIZE_MAP_ARRAY, 4, vs[i], sizes[s], MAPSIZE_F_MMAPABLE, 0, full, 2);
			if (vs[i] <= 100)
				add_case(MAPSIZE_MAP_PERCPU_ARRAY, 4, vs[i], sizes[s], 0, 0, full, 2);
		}
	}
	/* fd arrays */
	for (s = 0; s < 4; s++) {
		uint32_t full[2] = { 0, sizes[s] };

		add_case(MAPSIZE_MAP_PROG_ARRAY, 4, 4, sizes[s], 0, 0, full, 2);
		add_case(MAPSIZE_MAP_ARRAY_OF_MAPS, 4, 4, sizes[s], 0, 0, full, sizes[s] <= 37 ? 2 : 1);
		if (sizes[s] <= 1024)
			add_case(MAPSIZE_MAP_PERF_EVENT_ARRAY, 4, 4, sizes[s], 0, 0, full, 2);
	}
	{
		/* max_entries 0: one slot per possible CPU (as libbpf does) */
		uint32_t full[2] = { 0, real_cpus };

		add_case(MAPSIZE_MAP_PERF_EVENT_ARRAY, 4, 4, 0, 0, 0, full, 2);
	}
	/* ringbuf, user_ringbuf (the same ringbuf_map_alloc): data size in bytes */
	for (i = 0; i < 5; i++) {
		static const uint32_t rs[] = { 4096, 8192, 65536, 1U << 20, 16U << 20 };

		add_case(MAPSIZE_MAP_RINGBUF, 0, 0, rs[i], 0, 0, one, 1);
		add_case(MAPSIZE_MAP_USER_RINGBUF, 0, 0, rs[i], 0, 0, one, 1);
	}
	/* lpm_trie: IPv4-like, IPv6-like and 1-byte keys */
	for (i = 0; i < 3; i++) {
		static const uint32_t ks[] = { 5, 8, 20 };
		static const uint32_t vs[] = { 1, 8, 40 };

		for (j = 0; j < 3; j++)
			for (s = 0; s < 4; s++) {
				uint32_t M = sizes[s];

				if (ks[i] == 5 && M > 256)
					M = 256;	/* 256 distinct /8 keys */
				if (ks[i] == 5 && s == 3)
					continue;
				if (M == 100000 && vs[j] != 8)
					continue;
				n = plan(M, true, f);
				add_case(MAPSIZE_MAP_LPM_TRIE, ks[i], vs[j], M,
					 MAPSIZE_F_NO_PREALLOC, 0, f, n);
			}
	}
	/* queue / stack */
	for (t = 0; t < 2; t++)
		for (i = 0; i < 3; i++) {
			static const uint32_t vs[] = { 1, 24, 100 };

			for (s = 0; s < 4; s++) {
				n = plan(sizes[s], false, f);
				add_case(t ? MAPSIZE_MAP_STACK : MAPSIZE_MAP_QUEUE, 0, vs[i], sizes[s],
					 0, 0, f, n);
			}
		}
	/* bloom filter: hash counts in map_extra */
	for (i = 0; i < 2; i++) {
		static const uint32_t vs[] = { 4, 24 };
		static const uint32_t ex[] = { 0, 1, 3, 15 };

		for (s = 0; s < 4; s++)
			for (j = 0; j < 4; j++) {
				uint32_t full[2] = { 0, sizes[s] };

				add_case(MAPSIZE_MAP_BLOOM_FILTER, 0, vs[i], sizes[s], 0, ex[j], full, 2);
			}
	}
	add_case(MAPSIZE_MAP_BLOOM_FILTER, 0, 8, 3000000, 0, 0, one, 1);
	/* stack_trace: cannot be filled from user space */
	for (i = 0; i < 3; i++) {
		static const uint32_t vs[] = { 8, 64, 1016 };

		for (s = 0; s < 4; s++)
			add_case(MAPSIZE_MAP_STACK_TRACE, 4, vs[i], sizes[s], 0, 0, one, 1);
	}
	/* local storage: one owner after the first measurement */
	for (t = MAPSIZE_MAP_TASK_STORAGE; t <= MAPSIZE_MAP_CGRP_STORAGE; t++)
		for (i = 0; i < 3; i++) {
			static const uint32_t vs[] = { 1, 24, 4096 };
			uint32_t own[2] = { 0, 1 };

			add_case((enum mapsize_map_type)t, 4, vs[i], 0, MAPSIZE_F_NO_PREALLOC, 0, own, 2);
		}

	/* rhash (7.2+; a kernel without it skips them): no initial size and
	 * half the cap as the hint; empty, half, at the cap, after deletes */
	for (i = 0; i < 5; i++) {
		static const struct { uint32_t k, v; } rkv[] = { { 4, 8 }, { 6, 1 }, { 16, 24 }, { 36, 100 }, { 5, 12 } };
		static const uint32_t rmax[] = { 37, 1024, 100000 };

		for (s = 0; s < 3; s++)
			for (j = 0; j < 2; j++) {
				n = plan(rmax[s], true, f);
				add_case(MAPSIZE_MAP_RHASH, rkv[i].k, rkv[i].v, rmax[s], MAPSIZE_F_NO_PREALLOC,
					 j ? rmax[s] / 2 : 0, f, n);
			}
	}

	/* the model must refuse what the kernel refuses */
	add_reject(MAPSIZE_MAP_RHASH, 4, 8, 16, 0, 0);				/* preallocated */
	add_reject(MAPSIZE_MAP_RHASH, 4, 8, 16, MAPSIZE_F_NO_PREALLOC, 17);	/* hint over the cap */
	add_reject(MAPSIZE_MAP_LRU_HASH, 4, 4, 16, MAPSIZE_F_NO_PREALLOC, 0);
	add_reject(MAPSIZE_MAP_HASH, 4, 4, 16, MAPSIZE_F_NO_COMMON_LRU, 0);
	add_reject(MAPSIZE_MAP_HASH, 4, 4, (1U << 27) + 1, 0, 0);
	add_reject(MAPSIZE_MAP_PERCPU_HASH, 4, 40000, 16, 0, 0);
	add_reject(MAPSIZE_MAP_HASH_OF_MAPS, 4, 8, 16, 0, 0);
	add_reject(MAPSIZE_MAP_ARRAY, 4, 4, 16, MAPSIZE_F_NO_PREALLOC, 0);
	add_reject(MAPSIZE_MAP_PERCPU_ARRAY, 4, 4, 16, MAPSIZE_F_MMAPABLE, 0);
	add_reject(MAPSIZE_MAP_RINGBUF, 0, 0, 12288, 0, 0);
	add_reject(MAPSIZE_MAP_RINGBUF, 0, 0, 2048, 0, 0);
	add_reject(MAPSIZE_MAP_USER_RINGBUF, 0, 0, 12288, 0, 0);
	add_reject(MAPSIZE_MAP_USER_RINGBUF, 0, 0, 2048, 0, 0);
	add_reject(MAPSIZE_MAP_USER_RINGBUF, 0, 8, 4096, 0, 0);
	add_reject(MAPSIZE_MAP_LPM_TRIE, 8, 4, 16, 0, 0);
	add_reject(MAPSIZE_MAP_QUEUE, 4, 4, 16, 0, 0);
	add_reject(MAPSIZE_MAP_BLOOM_FILTER, 0, 4, 16, 0, 16);
	add_reject(MAPSIZE_MAP_STACK_TRACE, 4, 12, 16, 0, 0);
	add_reject(MAPSIZE_MAP_TASK_STORAGE, 4, 4, 1, MAPSIZE_F_NO_PREALLOC, 0);
	add_reject(MAPSIZE_MAP_SK_STORAGE, 4, 4, 0, 0, 0);
}

/* ---- reporting ------------------------------------------------------------ */

static void describe(const struct tcase *c, char *buf, size_t size)
{
	snprintf(buf, size, "type=%s key=%u value=%u max_entries=%u flags=0x%x extra=%u cpus=%u",
		 types[c->m.type].name, c->m.key_size, c->m.value_size, c->m.max_entries,
		 c->m.map_flags, c->m.map_extra, model_cpus);
}

static void vresult(const struct tcase *c, int set, int outcome, const char *fmt, va_list ap)
{
	char desc[256], msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	describe(c, desc, sizeof(desc));
	for (int s = 0; s < SET_CNT; s++) {
		if (set != SET_BOTH && set != s)
			continue;
		if (outcome > 0) {
			passed[s]++;
			if (verbose)
				printf("ok   [%s] %s %s\n", set_names[s], desc, msg);
		} else if (outcome == 0) {
			failed[s]++;
			printf("FAIL [%s] %s %s\n", set_names[s], desc, msg);
		} else {
			skipped[s]++;
			if (verbose)
				printf("skip [%s] %s %s\n", set_names[s], desc, msg);
		}
	}
	fflush(stdout);
}

/* An outcome that does not depend on the constants counts in both sets. */
static void result(const struct tcase *c, int outcome /* 1 pass, 0 fail, -1 skip */,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresult(c, SET_BOTH, outcome, fmt, ap);
	va_end(ap);
}

static void result_set(const struct tcase *c, int set, int outcome, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresult(c, set, outcome, fmt, ap);
	va_end(ap);
}

/* ---- kernel side ------------------------------------------------------------ */

static int read_memlock(int fd, uint64_t *memlock)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	p = strstr(buf, "memlock:");
	if (!p)
		return -ENOENT;
	*memlock = strtoull(p + 8, NULL, 10);
	return 0;
}

static int inner_fd = -1, prog_fd = -1, perf_fd = -1;
static unsigned long enomem_retries;

static int storage_btf(uint32_t V, struct btf **out, __u32 *key_id, __u32 *val_id)
{
	struct btf *b = btf__new_empty();
	int i_int, i_char, i_arr, i_val, err;

	if (!b)
		return -errno;
	i_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	i_char = btf__add_int(b, "char", 1, 0);
	i_arr = btf__add_array(b, i_int, i_char, V);
	i_val = btf__add_struct(b, "val", V);
	if (i_int < 0 || i_char < 0 || i_arr < 0 || i_val < 0 ||
	    btf__add_field(b, "v", i_arr, 0, 0)) {
		btf__free(b);
		return -EINVAL;
	}
	err = btf__load_into_kernel(b);
	if (err) {
		btf__free(b);
		return err;
	}
	*out = b;
	*key_id = i_int;
	*val_id = i_val;
	return 0;
}

/* Create the map; returns fd or -errno. */
static int create_map(const struct tcase *c)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	struct btf *btf = NULL;
	uint32_t M = c->m.max_entries;
	int fd, err;

	o.map_flags = c->m.map_flags;
	o.map_extra = c->m.map_extra;
	if (c->m.type == MAPSIZE_MAP_HASH_OF_MAPS || c->m.type == MAPSIZE_MAP_ARRAY_OF_MAPS)
		o.inner_map_fd = inner_fd;
	if (c->m.type == MAPSIZE_MAP_PERF_EVENT_ARRAY && !M)
		M = real_cpus;	/* what libbpf does for max_entries 0 */
	if (is_storage(c->m.type)) {
		err = storage_btf(c->m.value_size ? c->m.value_size : 4, &btf,
				  &o.btf_key_type_id, &o.btf_value_type_id);
		if (err)
			return err;
		o.btf_fd = btf__fd(btf);
	}
	fd = bpf_map_create(types[c->m.type].bpf_type, NULL, c->m.key_size, c->m.value_size,
			    M, &o);
	err = fd < 0 ? -errno : fd;
	btf__free(btf);	/* the map holds its own reference */
	return err;
}

struct live {
	const struct tcase *c;
	int fd;
	uint32_t cur;
	size_t vsz;		/* bytes per value as user space passes it */
	bool no_batch;
	int owner_fd;		/* local storage owner */
};

static void make_key(const struct tcase *c, uint32_t i, unsigned char *k)
{
	uint32_t K = c->m.key_size;

	memset(k, 0, K);
	if (c->m.type == MAPSIZE_MAP_LPM_TRIE) {
		uint32_t plen = 8 * (K - 4), d = K - 4, n = d < 4 ? d : 4, b;

		memcpy(k, &plen, 4);
		for (b = 0; b < n; b++)	/* big-endian index in the last bytes */
			k[K - 1 - b] = (unsigned char)(i >> (8 * b));
		return;
	}
	memcpy(k, &i, K < 4 ? K : 4);
	if (K > 4)
		k[K - 1] = 0x5a;
}

static void make_value(struct live *x, uint32_t i, unsigned char *v)
{
	uint32_t fdv;

	memset(v, 0, x->vsz);
	switch (x->c->m.type) {
	case MAPSIZE_MAP_PROG_ARRAY:
		fdv = prog_fd;
		memcpy(v, &fdv, 4);
		break;
	case MAPSIZE_MAP_PERF_EVENT_ARRAY:
		fdv = perf_fd;
		memcpy(v, &fdv, 4);
		break;
	case MAPSIZE_MAP_ARRAY_OF_MAPS:
	case MAPSIZE_MAP_HASH_OF_MAPS:
		fdv = inner_fd;
		memcpy(v, &fdv, 4);
		break;
	default:
		memcpy(v, &i, x->vsz < 4 ? x->vsz : 4);
	}
}

static bool batchable(const struct tcase *c)
{
	switch (c->m.type) {
	case MAPSIZE_MAP_HASH:
	case MAPSIZE_MAP_PERCPU_HASH:
	case MAPSIZE_MAP_LRU_HASH:
	case MAPSIZE_MAP_LRU_PERCPU_HASH:
	case MAPSIZE_MAP_ARRAY:
	case MAPSIZE_MAP_PERCPU_ARRAY:
		return true;
	default:
		return false;
	}
}

static bool keyless(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_QUEUE || t == MAPSIZE_MAP_STACK || t == MAPSIZE_MAP_BLOOM_FILTER;
}

/* Non-preallocated elements come from bpf_mem_alloc, whose per-CPU caches
 * are refilled asynchronously (irq_work; per-CPU values also wait for the
 * percpu allocator's balance work to populate pages): a burst of inserts
 * from user space can get a transient ENOMEM.  Wait and retry: 2 ms at
 * first, then 20 ms (an emulated guest's workqueues are slow), for up to
 * ~10 s without progress; the caller resets *retries on progress. */
static bool retry_enomem(int *retries)
{
	struct timespec ts = { 0, (*retries < 100 ? 2 : 20) * 1000 * 1000 };

	if (++*retries > 600)
		return false;
	nanosleep(&ts, NULL);
	enomem_retries++;
	return true;
}

/* Insert elements [from, to).  0 or -errno (with *at the failing index). */
static int insert(struct live *x, uint32_t from, uint32_t to, uint32_t *at)
{
	static unsigned char keys[CHUNK * 64], vals[CHUNK * 8192];
	const struct tcase *c = x->c;
	uint32_t i = from;
	int err, retries = 0;

	if (is_storage(c->m.type)) {
		unsigned char v[8192];

		memset(v, 0, sizeof(v));
		*at = i;
		if (bpf_map_update_elem(x->fd, &x->owner_fd, v, BPF_NOEXIST))
			return -errno;
		return 0;
	}
	while (i < to) {
		uint32_t n = to - i, j;

		if (n > CHUNK)
			n = CHUNK;
		if (x->vsz * n > sizeof(vals))
			n = sizeof(vals) / x->vsz;
		for (j = 0; j < n; j++) {
			make_key(c, i + j, keys + (size_t)j * c->m.key_size);
			make_value(x, i + j, vals + (size_t)j * x->vsz);
		}
		if (batchable(c) && !x->no_batch) {
			LIBBPF_OPTS(bpf_map_batch_opts, bo);
			__u32 cnt = n;

			if (!bpf_map_update_batch(x->fd, keys, vals, &cnt, &bo)) {
				i += n;
				retries = 0;
				continue;
			}
			err = errno;
			if (cnt > n)
				cnt = 0;
			i += cnt;
			if (cnt)
				retries = 0;	/* progress: the budget is per stall */
			if (err == ENOMEM && retry_enomem(&retries))
				continue;
			if (err != EINVAL && err != ENOTSUPP_KERNEL && err != EOPNOTSUPP) {
				*at = i;
				return -err;
			}
			x->no_batch = true;
			continue;
		}
		for (j = 0; j < n; j++) {
			const void *key = keyless(c->m.type) ? NULL : keys + (size_t)j * c->m.key_size;

			while (bpf_map_update_elem(x->fd, key, vals + (size_t)j * x->vsz, BPF_ANY)) {
				err = errno;
				if (err == ENOMEM && retry_enomem(&retries))
					continue;
				*at = i + j;
				return -err;
			}
			retries = 0;
		}
		i += n;
	}
	return 0;
}

/* Delete elements [from, to). */
static int delete(struct live *x, uint32_t from, uint32_t to, uint32_t *at)
{
	unsigned char key[512];
	uint32_t i;

	for (i = from; i < to; i++) {
		make_key(x->c, i, key);
		if (bpf_map_delete_elem(x->fd, key)) {
			*at = i;
			return -errno;
		}
	}
	return 0;
}

static bool can_delete(enum mapsize_map_type t)
{
	return is_hash(t) || t == MAPSIZE_MAP_LPM_TRIE || t == MAPSIZE_MAP_RHASH;
}

static int storage_owner(enum mapsize_map_type t)
{
	switch (t) {
	case MAPSIZE_MAP_TASK_STORAGE:
		return (int)syscall(SYS_pidfd_open, getpid(), 0);
	case MAPSIZE_MAP_SK_STORAGE:
		return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case MAPSIZE_MAP_CGRP_STORAGE: {
		static const char *const dirs[] = {
			"/sys/fs/cgroup/unified", "/sys/fs/cgroup", "/sys/fs/cgroup/cpu",
		};
		size_t i;
		int fd = -1;

		for (i = 0; i < 3 && fd < 0; i++)
			fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd;
	}
	case MAPSIZE_MAP_INODE_STORAGE:
		return open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	default:
		return -1;
	}
}

static int type_state[MAPSIZE_MAP_TYPE_CNT];	/* 0 unknown, 1 ok, -errno unsupported */

static void run_reject(const struct tcase *c)
{
	int model = mapsize_mem_map__check(&c->m);
	int fd;

	/* a kernel without the type refuses everything: that proves nothing */
	if (type_state[c->m.type] < 0) {
		result(c, -1, "map type not supported by this kernel");
		return;
	}
	fd = create_map(c);
	if (fd >= 0) {
		close(fd);
		result(c, 0, "kernel accepted a map the model rejects (%d)", model);
		return;
	}
	if (!model) {
		result(c, 0, "kernel rejects (%s) but the model accepts", strerror(-fd));
		return;
	}
	if (fd == -ENOTSUPP_KERNEL)
		fd = -EOPNOTSUPP;
	result(c, 1, "rejected: kernel %d, model %d%s", fd, model,
	       fd == model ? "" : " (errno differs)");
}

static void run_case(const struct tcase *c)
{
	struct mapsize_mem_map mm = c->m;
	struct live x = { .c = c, .fd = -1, .owner_fd = -1 };
	bool deleted = false;
	int k, err;

	if (c->reject) {
		run_reject(c);
		return;
	}
	mm.possible_cpus = model_cpus;
	if (type_state[c->m.type] < 0) {
		for (k = 0; k < c->nfill; k++)
			result(c, -1, "map type not supported by this kernel");
		return;
	}
	err = mapsize_mem_map__check(&c->m);
	if (err) {
		result(c, 0, "model rejects a valid map: %d", err);
		return;
	}
	x.fd = create_map(c);
	if (x.fd < 0) {
		for (k = 0; k < c->nfill; k++)
			result(c, 0, "create failed: %s", strerror(-x.fd));
		return;
	}
	x.vsz = c->m.value_size;
	if (is_percpu(c->m.type))
		x.vsz = (size_t)real_cpus * ((c->m.value_size + 7) / 8 * 8);
	if (c->m.type == MAPSIZE_MAP_PROG_ARRAY || c->m.type == MAPSIZE_MAP_PERF_EVENT_ARRAY ||
	    c->m.type == MAPSIZE_MAP_ARRAY_OF_MAPS || c->m.type == MAPSIZE_MAP_HASH_OF_MAPS)
		x.vsz = 4;

	for (k = 0; k < c->nfill; k++) {
		uint32_t target = c->fill[k], at = 0;
		uint64_t expected = 0, actual = 0;
		const char *step;

		if (target > x.cur) {
			if (is_storage(c->m.type)) {
				x.owner_fd = storage_owner(c->m.type);
				if (x.owner_fd < 0) {
					result(c, -1, "entries=%u: no owner: %s", target, strerror(errno));
					continue;
				}
			}
			if ((c->m.type == MAPSIZE_MAP_PROG_ARRAY && prog_fd < 0) ||
			    (c->m.type == MAPSIZE_MAP_PERF_EVENT_ARRAY && perf_fd < 0)) {
				result(c, -1, "entries=%u: no program/perf event to insert", target);
				continue;
			}
			err = insert(&x, x.cur, target, &at);
			if (err && is_storage(c->m.type)) {
				result(c, -1, "entries=%u: storage update refused: %s", target,
				       strerror(-err));
				continue;
			}
			if (err) {
				result(c, 0, "entries=%u: insert #%u failed: %s", target, at,
				       strerror(-err));
				goto rest;
			}
		} else if (target < x.cur) {
			if (!can_delete(c->m.type)) {
				result(c, -1, "entries=%u: cannot delete from this type", target);
				continue;
			}
			err = delete(&x, target, x.cur, &at);
			if (err) {
				result(c, 0, "entries=%u: delete #%u failed: %s", target, at,
				       strerror(-err));
				goto rest;
			}
			deleted = true;
		}
		x.cur = target;
		if (is_storage(c->m.type))
			step = target ? "one owner" : "empty";
		else if (!target)
			step = deleted ? "all deleted" : "empty";
		else if (deleted)
			step = "after deletes";
		else if (target == (c->m.max_entries ? c->m.max_entries : real_cpus))
			step = "full";
		else
			step = "partial";

		err = read_memlock(x.fd, &actual);
		if (err) {
			result(c, -1, "entries=%u: no memlock in fdinfo (%s)", x.cur, strerror(-err));
			continue;
		}
		for (int s = 0; s < SET_CNT; s++) {
			if (set_skip[s]) {
				result_set(c, s, -1, "entries=%u %s: %s", x.cur, step, set_skip[s]);
				continue;
			}
			err = mapsize_memlock(&mm, &kc_set[s], era, is_storage(c->m.type) ? 0 : x.cur,
					      &expected);
			if (err) {
				result_set(c, s, 0, "entries=%u %s: model error %d", x.cur, step, err);
				continue;
			}
			if (expected == actual)
				result_set(c, s, 1, "entries=%u %s: memlock %llu", x.cur, step,
					   (unsigned long long)actual);
			else
				result_set(c, s, 0, "entries=%u %s: expected %llu actual %llu (diff %+lld)",
					   x.cur, step, (unsigned long long)expected,
					   (unsigned long long)actual, (long long)(actual - expected));
		}
	}
	k = c->nfill;
rest:
	/* steps after a failed fill are not reached */
	for (k++; k < c->nfill; k++)
		result(c, -1, "entries=%u: not reached", c->fill[k]);
	if (x.owner_fd >= 0)
		close(x.owner_fd);
	close(x.fd);
}

/* Smallest valid map of each type: decides "not supported by this kernel". */
static void probe_types(void)
{
	size_t i;

	for (i = 0; i < ncases; i++) {
		const struct tcase *c = &cases[i];
		int fd;

		if (c->reject || type_state[c->m.type])
			continue;
		fd = create_map(c);
		if (fd >= 0) {
			type_state[c->m.type] = 1;
			close(fd);
		} else if (fd == -EINVAL || fd == -EOPNOTSUPP || fd == -ENOTSUPP_KERNEL ||
			   fd == -ENOENT) {
			type_state[c->m.type] = fd;
			if (verbose)
				printf("note: %s not supported here (%s)\n", types[c->m.type].name,
				       strerror(-fd));
		} else {
			type_state[c->m.type] = 1;	/* let the case report the error */
		}
	}
}

static void setup_helpers(void)
{
	static const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct perf_event_attr pa = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(pa),
		.config = PERF_COUNT_SW_DUMMY,
	};

	inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", prog, 2, NULL);
	perf_fd = (int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (verbose) {
		if (prog_fd < 0)
			printf("note: no program for prog_array fills: %s\n", strerror(errno));
		if (perf_fd < 0)
			printf("note: no perf event for perf_event_array fills\n");
	}
}

static size_t count_checks(void)
{
	size_t i, n = 0;

	for (i = 0; i < ncases; i++)
		n += cases[i].nfill;
	return n;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (verbose && level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, args);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: memmatrix [--era pages|mem_usage|rlimit] [--cpus N] [--btf PATH] [--quick] [-v]\n");
}

int main(int argc, char **argv)
{
	const char *era_name = NULL, *btf_path = NULL;
	unsigned int major = 0, minor = 0, version;
	struct utsname un;
	struct timespec t0, t1;
	int i, err, fd;
	long cpus = 0;
	size_t c;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--era") && i + 1 < argc) {
			era_name = argv[++i];
		} else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			cpus = strtol(argv[++i], NULL, 10);
			if (cpus <= 0 || cpus > 65536) {
				fprintf(stderr, "memmatrix: bad --cpus\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--btf") && i + 1 < argc) {
			btf_path = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(silent_print);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	err = libbpf_num_possible_cpus();
	if (err <= 0) {
		fprintf(stderr, "memmatrix: cannot read possible CPUs: %d\n", err);
		return 2;
	}
	real_cpus = (unsigned int)err;
	model_cpus = cpus ? (unsigned int)cpus : real_cpus;

	if (uname(&un) || sscanf(un.release, "%u.%u", &major, &minor) != 2) {
		fprintf(stderr, "memmatrix: cannot parse the kernel release\n");
		return 2;
	}
	version = MAPSIZE_KERNEL_VERSION(major, minor);
	if (era_name) {
		if (mapsize_mem_era__from_name(era_name, &era)) {
			fprintf(stderr, "memmatrix: unknown era '%s'\n", era_name);
			return 2;
		}
	} else if (mapsize_mem_era__from_kernel(version, &era)) {
		printf("memmatrix: kernel %s predates 5.10; not modelled\n", un.release);
		era = MAPSIZE_MEM_ERA_RLIMIT;
	}
	err = mapsize_kernel_consts__builtin(un.release, &kc_set[SET_BUILTIN]);
	if (err) {
		mapsize_kernel_consts__builtin(NULL, &kc_set[SET_BUILTIN]);
		set_skip[SET_BUILTIN] = "no built-in table for this kernel";
	} else if (kc_set[SET_BUILTIN].series != MAPSIZE_KERNEL_VERSION(major, minor)) {
		/* a kernel between two tables: the plan warns; nothing to prove */
		set_skip[SET_BUILTIN] = "no built-in table for this series (nearest lower one only)";
	}
	mapsize_kernel_consts__set_kernel(&kc_set[SET_BUILTIN], version);
	err = mapsize_kernel_consts__from_btf(btf_path, &kc_set[SET_BTF]);
	if (err) {
		printf("memmatrix: no BTF (%s)\n", strerror(-err));
		set_skip[SET_BTF] = "no kernel BTF";
	}
	mapsize_kernel_consts__set_kernel(&kc_set[SET_BTF], version);
	/* The built-in table is one build of the series (Debian's package);
	 * another build of it (other config) may differ: then its predictions
	 * are proven under qemu on Debian's own kernel, not here. */
	if (!set_skip[SET_BTF] && !set_skip[SET_BUILTIN]) {
		static char why[1024];
		char diff[900];

		if (mapsize_kernel_consts__diff(&kc_set[SET_BTF], &kc_set[SET_BUILTIN], diff,
						sizeof(diff)) > 0) {
			snprintf(why, sizeof(why), "%s's %s", btf_path ? btf_path : "running kernel",
				 diff);
			set_skip[SET_BUILTIN] = why;
			printf("SKIP builtin half: %s\n", why);
		}
	}
	kc = set_skip[SET_BTF] ? kc_set[SET_BUILTIN] : kc_set[SET_BTF];
	printf("memmatrix: kernel %s, era %s, %u possible CPUs (model %u), constants: %s and %s%s%s",
	       un.release, mapsize_mem_era__name(era), real_cpus, model_cpus,
	       set_skip[SET_BTF] ? "(no btf)" : kc_set[SET_BTF].source, kc_set[SET_BUILTIN].source,
	       set_skip[SET_BUILTIN] ? " (skipped: " : "",
	       set_skip[SET_BUILTIN] ? set_skip[SET_BUILTIN] : "");
	if (set_skip[SET_BUILTIN])
		printf(")");
	if (kc.fallback) {
		uint32_t b;

		printf(" (builtin for:");
		for (b = 1; b; b <<= 1)
			if (kc.fallback & b)
				printf(" %s", mapsize_kernel_consts__field_name(b));
		printf(")");
	}
	printf("\n");

	gen_cases();

	/* Is bpf() usable at all? */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0) {
		err = errno;
		if (err == EPERM || err == ENOSYS || err == EACCES) {
			printf("memmatrix: bpf() refused: %s; skipping everything\n", strerror(err));
			for (int s = 0; s < SET_CNT; s++)
				printf("memmatrix-%s: 0 passed, 0 failed, %zu skipped\n", set_names[s],
				       count_checks());
			return 0;
		}
		fprintf(stderr, "memmatrix: bpf(BPF_MAP_CREATE) failed: %s\n", strerror(err));
		printf("memmatrix-btf: 0 passed, 1 failed, %zu skipped\n", count_checks());
		return 1;
	}
	close(fd);

	setup_helpers();
	probe_types();
	for (c = 0; c < ncases; c++) {
		struct timespec a, b;
		double dt;

		clock_gettime(CLOCK_MONOTONIC, &a);
		run_case(&cases[c]);
		clock_gettime(CLOCK_MONOTONIC, &b);
		dt = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		if (verbose && dt > 0.5)
			printf("note: %s max_entries=%u took %.1f s\n", types[cases[c].m.type].name,
			       cases[c].m.max_entries, dt);
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (verbose && enomem_retries)
		printf("note: %lu transient ENOMEM retries while filling\n", enomem_retries);
	if (verbose)
		printf("memmatrix: %zu maps in %.1f s\n", ncases,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* one line per set; tests/run.sh adds them up */
	for (int s = 0; s < SET_CNT; s++)
		printf("memmatrix-%s: %d passed, %d failed, %d skipped\n", set_names[s], passed[s],
		       failed[s], skipped[s]);
	free(cases);
	return failed[SET_BTF] || failed[SET_BUILTIN] ? 1 : 0;
}
