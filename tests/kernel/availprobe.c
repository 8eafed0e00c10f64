// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * availprobe: the availability table (src/core/maptype.c) against the kernel
 * it runs on.  For every map type, and every flag on every type that accepts
 * it, bpf(BPF_MAP_CREATE) with minimal valid parameters must succeed when the
 * table says this release has it, and fail with EINVAL when the table says
 * it comes later.  Built static (no libmapsize) so tests/qemu/run-kernel.sh
 * can run it on Debian's 5.10, 6.1, 6.12, 6.18, 7.2 and 7.3 kernels (tests/qemu/guest-checks.sh,
 * one boot per kernel with memmatrix); it also runs on the live
 * kernel.  A type its kernel was built without (the Kconfig option below
 * "is not set" in /proc/config.gz or /boot/config-RELEASE) is skipped with
 * that reason instead of failing.  The size limits (src/core/map_limits.c)
 * likewise: keys and values the table says a release accepts must create,
 * and earlier releases (or every release, for a limit never lifted) must
 * refuse them with the errno the table gives.  Ends with
 * "availprobe: N passed, N failed, N skipped".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include <mapsize/mapsize.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Minimal create parameters per type (flags: what the type requires). */
static const struct {
	enum mapsize_map_type type;
	uint32_t key, value, max_entries, flags;
	int btf, inner;
	const char *config;	/* the Kconfig option the type needs beyond BPF_SYSCALL */
} probes[] = {
	{ MAPSIZE_MAP_HASH, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_PERCPU_HASH, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_LRU_HASH, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_LRU_PERCPU_HASH, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_ARRAY, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_PERCPU_ARRAY, 4, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_PROG_ARRAY, 4, 4, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0, 0, "CONFIG_PERF_EVENTS" },
	{ MAPSIZE_MAP_RINGBUF, 0, 0, 4096, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_LPM_TRIE, 8, 8, 4, MAPSIZE_F_NO_PREALLOC, 0, 0, NULL },
	{ MAPSIZE_MAP_HASH_OF_MAPS, 4, 4, 4, 0, 0, 1, NULL },
	{ MAPSIZE_MAP_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, 1, NULL },
	{ MAPSIZE_MAP_QUEUE, 0, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_STACK, 0, 8, 4, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_BLOOM_FILTER, 0, 8, 4, 0, 0, 0, NULL },
	/* 128: a multiple of the 32-byte build-id entry */
	{ MAPSIZE_MAP_STACK_TRACE, 4, 128, 4, 0, 0, 0, "CONFIG_PERF_EVENTS" },
	{ MAPSIZE_MAP_TASK_STORAGE, 4, 8, 0, MAPSIZE_F_NO_PREALLOC, 1, 0, NULL },
	{ MAPSIZE_MAP_INODE_STORAGE, 4, 8, 0, MAPSIZE_F_NO_PREALLOC, 1, 0, "CONFIG_BPF_LSM" },
	{ MAPSIZE_MAP_SK_STORAGE, 4, 8, 0, MAPSIZE_F_NO_PREALLOC, 1, 0, "CONFIG_NET" },
	{ MAPSIZE_MAP_CGRP_STORAGE, 4, 8, 0, MAPSIZE_F_NO_PREALLOC, 1, 0, "CONFIG_CGROUPS" },
	{ MAPSIZE_MAP_USER_RINGBUF, 0, 0, 4096, 0, 0, 0, NULL },
	{ MAPSIZE_MAP_RHASH, 4, 8, 4, MAPSIZE_F_NO_PREALLOC, 0, 0, NULL },
};
_Static_assert(ARRAY_SIZE(probes) == MAPSIZE_MAP_TYPE_CNT - 1, "a probe for every map type");

/* MAPSIZE_F_* are the uapi BPF_F_* bits. */
static const struct {
	const char *name;
	uint32_t bit;
} flags[] = {
	{ "BPF_F_NO_PREALLOC", MAPSIZE_F_NO_PREALLOC }, { "BPF_F_NO_COMMON_LRU", MAPSIZE_F_NO_COMMON_LRU },
	{ "BPF_F_NUMA_NODE", MAPSIZE_F_NUMA_NODE }, { "BPF_F_RDONLY", MAPSIZE_F_RDONLY },
	{ "BPF_F_WRONLY", MAPSIZE_F_WRONLY }, { "BPF_F_STACK_BUILD_ID", MAPSIZE_F_STACK_BUILD_ID },
	{ "BPF_F_ZERO_SEED", MAPSIZE_F_ZERO_SEED }, { "BPF_F_RDONLY_PROG", MAPSIZE_F_RDONLY_PROG },
	{ "BPF_F_WRONLY_PROG", MAPSIZE_F_WRONLY_PROG }, { "BPF_F_CLONE", MAPSIZE_F_CLONE },
	{ "BPF_F_MMAPABLE", MAPSIZE_F_MMAPABLE }, { "BPF_F_PRESERVE_ELEMS", MAPSIZE_F_PRESERVE_ELEMS },
	{ "BPF_F_INNER_MAP", MAPSIZE_F_INNER_MAP }, { "BPF_F_RB_OVERWRITE", MAPSIZE_F_RB_OVERWRITE },
};

/* uapi map types mapsize does not size but records (arena, insn_array;
 * rhash is a rule type above): created by bpf id with what each needs. */
static const struct {
	unsigned int bpf_type;
	uint32_t key, value, max_entries, flags;
	const char *config;
} bpf_probes[] = {
	{ 33, 0, 0, 1, MAPSIZE_F_MMAPABLE, "CONFIG_BPF_JIT" },	/* arena: one page, JIT only */
	{ 34, 4, 16, 1, 0, NULL },	/* insn_array: struct bpf_insn_array_value */
};

/* Sizes at and over the limits of map_limits.c: the first release that
 * accepts them comes from mapsize_map_sizes__since() (0: none does). */
static const struct {
	enum mapsize_map_type type;
	uint32_t key, value;
	int refused;		/* the errno a release that does not accept them returns */
} sizes[] = {
	{ MAPSIZE_MAP_HASH, 512, 8, E2BIG },
	{ MAPSIZE_MAP_HASH, 513, 8, E2BIG },
	{ MAPSIZE_MAP_HASH, 4098, 8, E2BIG },
	{ MAPSIZE_MAP_HASH, 65535, 8, E2BIG },
	{ MAPSIZE_MAP_LRU_HASH, 513, 8, E2BIG },
	{ MAPSIZE_MAP_LRU_HASH, 4098, 8, E2BIG },
	{ MAPSIZE_MAP_PERCPU_HASH, 4098, 8, E2BIG },
	{ MAPSIZE_MAP_HASH_OF_MAPS, 4098, 4, E2BIG },
	/* the value limit 5.10 had, well past its element header's size */
	{ MAPSIZE_MAP_HASH, 4, (4U << 20) - 512 + 100, E2BIG },
	{ MAPSIZE_MAP_HASH, 4, 4U << 20, E2BIG },
	{ MAPSIZE_MAP_PERCPU_HASH, 4, 32768, E2BIG },
	{ MAPSIZE_MAP_PERCPU_HASH, 4, 32769, E2BIG },
	{ MAPSIZE_MAP_PERCPU_ARRAY, 4, 32769, E2BIG },
	{ MAPSIZE_MAP_LPM_TRIE, 260, 8, EINVAL },
	{ MAPSIZE_MAP_LPM_TRIE, 261, 8, EINVAL },
};

static int passed, failed, skipped;
static int btf_fd = -1, key_id, value_id, inner_fd = -1;

/* The create's errno, 0 when the kernel made the map; sizes from
 * `key`/`value` when not 0. */
static int create_sized(size_t p, uint32_t flag, uint32_t key, uint32_t value)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = probes[p].flags | flag);
	int fd;

	if (probes[p].btf) {
		opts.btf_fd = btf_fd;
		opts.btf_key_type_id = key_id;
		opts.btf_value_type_id = value_id;
	}
	if (probes[p].inner)
		opts.inner_map_fd = inner_fd;
	fd = bpf_map_create(mapsize_map_type__bpf_type(probes[p].type), "availprobe", key ? key : probes[p].key,
			    value ? value : probes[p].value, probes[p].max_entries, &opts);
	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

static int create(size_t p, uint32_t flag)
{
	return create_sized(p, flag, 0, 0);
}

static size_t probe_of(enum mapsize_map_type type)
{
	size_t p = 0;

	while (p + 1 < ARRAY_SIZE(probes) && probes[p].type != type)
		p++;
	return p;
}

/* The kernel's build configuration, to tell a type the build left out from
 * a wrong table entry.  1: OPT=y or =m, 0: "# OPT is not set" (or absent
 * from a config that was read), -1: no config to read. */
static int config_has(const char *release, const char *opt)
{
	static char *text;
	static int state;	/* 0 unread, 1 read, -1 none */
	char path[128], line[256], want[96];
	size_t len = 0, cap = 0;
	gzFile f;

	if (!state) {
		state = -1;
		f = gzopen("/proc/config.gz", "rb");
		if (!f) {
			snprintf(path, sizeof(path), "/boot/config-%s", release);
			f = gzopen(path, "rb");	/* reads plain text too */
		}
		while (f && gzgets(f, line, sizeof(line))) {
			size_t n = strlen(line);

			if (len + n + 1 > cap) {
				char *t = realloc(text, cap = (cap + n + 1) * 2);

				if (!t)
					break;
				text = t;
			}
			memcpy(text + len, line, n + 1);
			len += n;
			state = 1;
		}
		if (f)
			gzclose(f);
	}
	if (state < 0)
		return -1;
	snprintf(want, sizeof(want), "\n%s=", opt);
	return strstr(text, want) || !strncmp(text, want + 1, strlen(want + 1));
}

/* One verdict: `since` is the table's first release (0: never). */
static void judge(const char *what, unsigned int since, unsigned int running, int err,
		  const char *release, const char *config)
{
	if (!since)
		return;		/* never accepted: the rules refuse it (tests/kernel/test_mim.c) */
	if (since <= running && !err) {
		passed++;
		return;
	}
	if (since <= running && config && config_has(release, config) == 0) {
		printf("SKIP %s: this kernel is built without %s (%s)\n", what, config, strerror(err));
		skipped++;
		return;
	}
	if (since > running && err == EINVAL) {
		printf("PASS %s: refused (EINVAL) as the table says (first in %u.%u)\n", what, since >> 8,
		       since & 0xff);
		passed++;
		return;
	}
	printf("FAIL %s: the table says first in %u.%u, this kernel %s\n", what, since >> 8, since & 0xff,
	       err ? strerror(err) : "creates it");
	failed++;
}

/* One size verdict: created from `since` on (0: never), refused with
 * `refused` before. */
static void judge_size(size_t s, unsigned int running)
{
	unsigned int since = mapsize_map_sizes__since(sizes[s].type, sizes[s].key, sizes[s].value);
	int err = create_sized(probe_of(sizes[s].type), 0, sizes[s].key, sizes[s].value);
	char what[96];

	snprintf(what, sizeof(what), "%s key_size %u value_size %u", mapsize_map_type__name(sizes[s].type),
		 sizes[s].key, sizes[s].value);
	if (since && since <= running && !err) {
		printf("PASS %s: created (first in %u.%u)\n", what, since >> 8, since & 0xff);
		passed++;
	} else if ((!since || since > running) && err == sizes[s].refused) {
		if (since)
			printf("PASS %s: refused (%s) as the table says (first in %u.%u)\n", what,
			       strerror(err), since >> 8, since & 0xff);
		else
			printf("PASS %s: refused (%s) as the table says (no release accepts it)\n", what,
			       strerror(err));
		passed++;
	} else {
		printf("FAIL %s: the table says %s %u.%u, this kernel %s\n", what, since ? "first in" : "never,",
		       since >> 8, since & 0xff, err ? strerror(err) : "creates it");
		failed++;
	}
}

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned int running;
	struct utsname u;
	struct btf *btf;
	char what[96];

	/* 5.10 charges maps to RLIMIT_MEMLOCK (64 KiB by default before 5.16) */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	if (uname(&u) || mapsize_kernel_version(u.release, &running)) {
		printf("availprobe: 0 passed, 1 failed, 0 skipped (no kernel release)\n");
		return 1;
	}
	btf = btf__new_empty();
	key_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	value_id = btf__add_struct(btf, "val", 8);
	btf__add_field(btf, "a", key_id, 0, 0);
	btf__add_field(btf, "b", key_id, 32, 0);
	if (btf__load_into_kernel(btf) || (inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "inner", 4, 4, 4, NULL)) < 0) {
		printf("SKIP bpf() refused here: %s\navailprobe: 0 passed, 0 failed, 1 skipped\n", strerror(errno));
		return 0;
	}
	btf_fd = btf__fd(btf);
	printf("kernel %s\n", u.release);
	for (size_t p = 0; p < ARRAY_SIZE(probes); p++) {
		const char *name = mapsize_map_type__name(probes[p].type);

		judge(name, mapsize_map_type__since(probes[p].type), running, create(p, 0), u.release,
		      probes[p].config);
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
			if (probes[p].flags & flags[f].bit)
				continue;	/* required: proven by the type itself */
			snprintf(what, sizeof(what), "%s with %s", name, flags[f].name);
			judge(what, mapsize_map_flag__since(probes[p].type, flags[f].bit), running,
			      create(p, flags[f].bit), u.release, probes[p].config);
		}
	}
	for (size_t b = 0; b < ARRAY_SIZE(bpf_probes); b++) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_probes[b].flags);
		int fd = bpf_map_create(bpf_probes[b].bpf_type, "availprobe", bpf_probes[b].key,
					bpf_probes[b].value, bpf_probes[b].max_entries, &opts);

		if (fd >= 0)
			close(fd);
		/* a type the table has refused by this kernel's policy (arena on
		 * a host that forbids it: EPERM) says nothing about the release */
		if (fd == -EPERM && mapsize_bpf_map_type__since(bpf_probes[b].bpf_type) <= running) {
			printf("SKIP %s: refused by this kernel's policy (EPERM)\n",
			       mapsize_bpf_map_type__name(bpf_probes[b].bpf_type));
			skipped++;
			continue;
		}
		judge(mapsize_bpf_map_type__name(bpf_probes[b].bpf_type),
		      mapsize_bpf_map_type__since(bpf_probes[b].bpf_type), running, fd < 0 ? -fd : 0, u.release,
		      bpf_probes[b].config);
	}
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
		judge_size(s, running);
	printf("availprobe: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	close(inner_fd);
	btf__free(btf);
	return failed ? 1 : 0;
}
