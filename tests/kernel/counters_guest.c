// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * counters-static: the kernel-side counters (issue 18) against a kernel that
 * allows tracing programs — Debian's under qemu (tests/qemu/guest-checks.sh).
 * A BPF writer (socket filters run with BPF_PROG_TEST_RUN) and a user-space
 * writer overfill maps; the counters must hold the exact counts, per map and
 * errno class.  Pins go to a bpffs this test mounts on a temp directory.
 * Prints "counters: N passed, N failed"; exit 1 when any failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/counters.h>
#include "counters_writer.skel.h"
#include "counters_guest.h"

static int passed, failed;

#define CHECK(cond, ...)							\
	do {									\
		if (cond) {							\
			passed++;						\
		} else {							\
			failed++;						\
			printf("FAIL counters: " __VA_ARGS__);			\
			printf(" (%s:%d)\n", __FILE__, __LINE__);		\
		}								\
	} while (0)

static struct mapsize_map_counters *snap;
static size_t snap_cnt;

static void reread(struct mapsize_counters *c)
{
	free(snap);
	if (mapsize_counters__read(c, &snap, &snap_cnt)) {
		printf("FAIL counters: read: %s\n", strerror(errno));
		snap = NULL;
		snap_cnt = 0;
		failed++;
	}
}

static const struct mapsize_map_counters *find(uint32_t id)
{
	for (size_t i = 0; i < snap_cnt; i++)
		if (snap[i].id == id)
			return &snap[i];
	return NULL;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static struct mapsize_counters *ctr;
static int skipped;
static bool syscall_writer;	/* the maps being checked were written through bpf() */

/* Whether __unavailable() says `func`'s counts are missing for the writer
 * checked: a token "func" or "func(why)"; "(...writes by BPF programs)"
 * means bpf()'s writes are still counted. */
static bool not_counted(const char *func)
{
	const char *list = mapsize_counters__unavailable(ctr), *t = list;
	size_t len = strlen(func);

	while ((t = strstr(t, func))) {
		const char *end = t + len;

		if ((t == list || t[-1] == ',') && (*end == '\0' || *end == ',' || *end == '(')) {
			const char *close = strchr(end, ')');

			return !(syscall_writer && *end == '(' && close &&
				 close - end > 22 && !strncmp(close - 22, "writes by BPF programs", 22));
		}
		t = end;
	}
	return false;
}

/* Expect exactly these counts on map `fd` (a missing row is all zero),
 * unless the kernel function that counts them is missing or refused here. */
static void expect(const char *what, const char *func, int fd, uint64_t e2big, uint64_t enospc, uint64_t enomem, uint64_t other,
		   uint64_t evictions, uint64_t drops)
{
	const struct mapsize_map_counters *m = find(map_id(fd));
	struct mapsize_map_counters z = { 0 };

	if (!m)
		m = &z;
	if (not_counted(func)) {
		printf("SKIP counters: %s: %s is not attachable on this kernel\n", what, func);
		skipped++;
		return;
	}
	printf("counters: %-24s E2BIG %llu ENOSPC %llu ENOMEM %llu other %llu evicted %llu dropped %llu\n", what,
	       (unsigned long long)m->failures[0], (unsigned long long)m->failures[1],
	       (unsigned long long)m->failures[2], (unsigned long long)m->failures[3],
	       (unsigned long long)m->evictions, (unsigned long long)m->drops);
	CHECK(m->failures[MAPSIZE_OVF_E2BIG] == e2big && m->failures[MAPSIZE_OVF_ENOSPC] == enospc &&
	      m->failures[MAPSIZE_OVF_ENOMEM] == enomem && m->failures[MAPSIZE_OVF_OTHER] == other &&
	      m->evictions == evictions && m->drops == drops,
	      "%s: expected E2BIG %llu ENOSPC %llu ENOMEM %llu other %llu evicted %llu dropped %llu", what,
	      (unsigned long long)e2big, (unsigned long long)enospc, (unsigned long long)enomem,
	      (unsigned long long)other, (unsigned long long)evictions, (unsigned long long)drops);
}

/* Of map `fd`'s failures, `n` were made through bpf(). */
static void expect_syscall(const char *what, const char *func, int fd, uint64_t n)
{
	const struct mapsize_map_counters *m = find(map_id(fd));

	if (not_counted(func))
		return;
	if (not_counted("bpf_prog_active")) {
		printf("SKIP counters: %s: failures not split by writer on this kernel\n", what);
		skipped++;
		return;
	}
	printf("counters: %-24s from bpf(): %llu\n", what, m ? (unsigned long long)m->syscall_failures : 0ull);
	CHECK(m && m->syscall_failures == n, "%s: %llu failures through bpf(), expected %llu", what,
	      m ? (unsigned long long)m->syscall_failures : 0ull, (unsigned long long)n);
}

uint64_t live_entries(int fd, size_t key_size)
{
	char key[64], next[64];
	uint64_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

int writer_run(struct bpf_program *p, uint32_t *n_var, uint32_t n)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);

	*n_var = n;
	return bpf_prog_test_run_opts(bpf_program__fd(p), &t);
}

/* Run the raw tracepoint writer on CPU 0 (its perf output goes to the
 * event of the CPU it runs on). */
static int run_raw_tp_cpu0(struct bpf_program *p, uint32_t *n_var, uint32_t n)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);

	*n_var = n;
	return bpf_prog_test_run_opts(bpf_program__fd(p), &t);
}

/* A BPF output event on CPU 0 with a 4 KiB buffer that nobody reads, in
 * slot 0 of perf event array `map_fd`: -1 or the event's fd. */
static int perf_output_event_cpu0(int map_fd)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(attr), .config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW, .sample_period = 1, .wakeup_events = 1,
	};
	uint32_t slot = 0;
	long page = sysconf(_SC_PAGESIZE);
	int fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -1;
	/* the control page and one page of data */
	if (mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ||
	    bpf_map_update_elem(map_fd, &slot, &fd, BPF_ANY)) {
		close(fd);
		return -1;
	}
	return fd;
}

int user_inserts(int fd, uint32_t n, uint64_t flags, int ncpu)
{
	uint32_t vals[256] = { 0 };
	int fails = 0;

	for (uint32_t k = 0; k < n; k++)
		if (bpf_map_update_elem(fd, &k, ncpu ? (void *)vals : (void *)&k, flags))
			fails++;
	return fails;
}

/* Write `text` into the cgroup file `path`: 0 or -1. */
static int cg_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fputs(text, f) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

/* A no-preallocated hash created in a memory cgroup with a small limit:
 * its memory is charged there (the creator's memcg, 5.11+) whoever inserts,
 * so inserts fail with ENOMEM, and the counters count exactly those.  The
 * process joins the cgroup only to create the map (its own pages must not
 * be charged there: the OOM killer would take it).  0 pass, 1 fail, 77 skip. */
static int memcg_enomem(void)
{
	const char *cg = "/sys/fs/cgroup/mapsize-ctr";
	LIBBPF_OPTS(bpf_map_create_opts, nopre, .map_flags = BPF_F_NO_PREALLOC);
	static char value[4000];
	unsigned long long enomem = 0, other = 0;
	char path[96], pid[24];
	int fd, before = failed, major = 0, minor = 0;
	struct utsname u;

	/* map memory is charged to the creator's memory cgroup from 5.11 */
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2 || major * 100 + minor < 511)
		return 78;
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	if (cg_write("/sys/fs/cgroup/cgroup.subtree_control", "+memory") || (mkdir(cg, 0755) && errno != EEXIST) ||
	    cg_write(path, "4M"))
		return 77;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (cg_write(path, pid))
		return 77;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ctr_memcg", 4, sizeof(value), 100000, &nopre);
	cg_write("/sys/fs/cgroup/cgroup.procs", pid);
	if (fd < 0) {
		rmdir(cg);
		return 77;
	}
	/* no rmdir before the inserts: an offline memcg's charges move to its
	 * parent, which has no limit */
	for (uint32_t k = 0; k < 20000; k++)
		if (bpf_map_update_elem(fd, &k, value, BPF_ANY))
			errno == ENOMEM ? enomem++ : other++;
	reread(ctr);
	printf("counters: memcg 4M, no-prealloc hash, 20000 inserts of 4000 B: %llu ENOMEM, %llu other seen\n",
	       enomem, other);
	expect("memcg no-prealloc hash", "htab_map_update_elem", fd, 0, 0, enomem, other, 0, 0);
	close(fd);
	rmdir(cg);
	return failed != before ? 1 : enomem ? 0 : 2;
}

/* A socket filter pushing the values first..first+n-1 into `map_fd` with
 * `flags` (raw instructions, not the writer's skeleton: a bloom filter map
 * in the skeleton would keep it from loading before 5.16).  Its fd, or -1. */
static int push_prog(int map_fd, uint32_t first, uint32_t n, uint64_t flags)
{
	struct bpf_insn insns[7 * 32 + 2], *i = insns;

	if (n > 32)
		return -1;
	for (uint32_t v = first; v < first + n; v++) {
		*i++ = (struct bpf_insn){ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -8,
					  .imm = (int32_t)v };
		*i++ = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
					  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd };
		*i++ = (struct bpf_insn){ 0 };
		*i++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2,
					  .src_reg = BPF_REG_10 };
		*i++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -8 };
		*i++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3,
					  .imm = (int32_t)flags };
		*i++ = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_push_elem };
	}
	*i++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 };
	*i++ = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "w_push", "GPL", insns, (size_t)(i - insns), NULL);
}

/* Run push_prog() once with BPF_PROG_TEST_RUN: 0 or -1. */
static int bpf_pushes(int map_fd, uint32_t first, uint32_t n, uint64_t flags)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);
	int p = push_prog(map_fd, first, n, flags), ret;

	if (p < 0)
		return printf("counters: push program: %s\n", strerror(errno)), -1;
	ret = bpf_prog_test_run_opts(p, &t);
	close(p);
	return ret;
}

/* user-space pushes of first..first+n-1: how many failed */
static int user_pushes(int map_fd, uint32_t first, uint32_t n, uint64_t flags)
{
	int fails = 0;

	for (uint32_t v = first; v < first + n; v++)
		if (bpf_map_update_elem(map_fd, NULL, &v, flags))
			fails++;
	return fails;
}

/* A stack refuses a push beyond max_entries with E2BIG (BPF_EXIST instead
 * replaces the oldest element: no failure), from a program and from bpf(). */
static void stack_cases(void)
{
	int b = bpf_map_create(BPF_MAP_TYPE_STACK, "ctr_b_stack", 0, 4, 4, NULL);
	int u = bpf_map_create(BPF_MAP_TYPE_STACK, "ctr_u_stack", 0, 4, 4, NULL);
	int fails;

	CHECK(b >= 0 && u >= 0, "create stacks: %s", strerror(errno));
	if (b < 0 || u < 0)
		goto out;
	CHECK(!bpf_pushes(b, 0, 10, 0), "bpf stack: 10 pushes");
	CHECK(!bpf_pushes(b, 10, 3, BPF_EXIST), "bpf stack: 3 pushes with BPF_EXIST");
	fails = user_pushes(u, 0, 7, 0);
	CHECK(fails == 3, "user stack: %d of 7 pushes failed, expected 3", fails);
	fails = user_pushes(u, 7, 2, BPF_EXIST);
	CHECK(fails == 0, "user stack: %d of 2 BPF_EXIST pushes failed, expected 0", fails);
	reread(ctr);
	/* who wrote decides what 6.14+ counts (not_counted) */
	syscall_writer = false;
	expect("bpf stack 4, 10+3 pushes", "queue_stack_map_push_elem", b, 6, 0, 0, 0, 0, 0);
	expect_syscall("bpf stack 4, 10+3 pushes", "queue_stack_map_push_elem", b, 0);
	syscall_writer = true;
	expect("user stack 4, 7+2 pushes", "queue_stack_map_push_elem", u, 3, 0, 0, 0, 0, 0);
	expect_syscall("user stack 4, 7+2 pushes", "queue_stack_map_push_elem", u, 3);
out:
	close(b);
	close(u);
}

/* A bloom filter never refuses a push for want of room (bloom_map_push_elem
 * sets bits; only flags other than BPF_ANY fail, EINVAL): overfilled 5 times
 * it counts nothing, and the bad-flags pushes count as "other". */
static void bloom_cases(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_extra = 3);	/* 3 hash functions */
	int b = bpf_map_create(BPF_MAP_TYPE_BLOOM_FILTER, "ctr_b_bloom", 0, 4, 4, &o);
	int u = b < 0 ? -1 : bpf_map_create(BPF_MAP_TYPE_BLOOM_FILTER, "ctr_u_bloom", 0, 4, 4, &o);
	int fails;

	if (b < 0 || u < 0) {
		/* BPF_MAP_TYPE_BLOOM_FILTER is 5.16+ */
		printf("SKIP counters: bloom filter: cannot create one here: %s\n", strerror(errno));
		skipped++;
		close(b);
		return;
	}
	CHECK(!bpf_pushes(b, 0, 20, BPF_ANY), "bpf bloom: 20 pushes");
	reread(ctr);
	syscall_writer = false;
	expect("bpf bloom 4, 20 pushes", "bloom_map_push_elem", b, 0, 0, 0, 0, 0, 0);
	CHECK(!bpf_pushes(b, 20, 2, BPF_EXIST), "bpf bloom: 2 pushes with BPF_EXIST");
	fails = user_pushes(u, 0, 20, BPF_ANY);
	CHECK(fails == 0, "user bloom: %d of 20 pushes failed, expected 0", fails);
	reread(ctr);
	syscall_writer = true;
	expect("user bloom 4, 20 pushes", "bloom_map_push_elem", u, 0, 0, 0, 0, 0, 0);
	fails = user_pushes(u, 20, 1, BPF_NOEXIST);
	CHECK(fails == 1 && errno == EINVAL, "user bloom: BPF_NOEXIST push: %d failed (%s), expected 1 EINVAL", fails,
	      strerror(errno));
	reread(ctr);
	syscall_writer = false;
	expect("bpf bloom, 2 BPF_EXIST", "bloom_map_push_elem", b, 0, 0, 0, 2, 0, 0);
	expect_syscall("bpf bloom, 2 BPF_EXIST", "bloom_map_push_elem", b, 0);
	syscall_writer = true;
	expect("user bloom, 1 BPF_NOEXIST", "bloom_map_push_elem", u, 0, 0, 0, 1, 0, 0);
	expect_syscall("user bloom, 1 BPF_NOEXIST", "bloom_map_push_elem", u, 1);
	close(b);
	close(u);
}

/* The kernel drops a freed map's objects asynchronously (RCU): poll. */
static int count_ours(void)
{
	uint32_t id = 0;
	int n = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "mapsize_ctrs", 12))
			n++;
		close(fd);
	}
	id = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "ctr_", 4))
			n++;
		close(fd);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct mapsize_counters *c = NULL, *c2 = NULL;
	struct mapsize_error err = { 0 };
	struct counters_writer *w;
	char dir[] = "/tmp/mapsize-ctr-XXXXXX", pin[64];
	int ncpu = libbpf_num_possible_cpus(), ret, fds[100], perf_fd;
	uint32_t perf_rt_full;
	bool already = false;

	if (argc == 3 && !strcmp(argv[1], "--fill"))
		return counters_fill(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "--more"))
		return counters_more(argv[2], (uint32_t)strtoul(argv[3], NULL, 10), argv[4]);
	if (argc == 2 && !strcmp(argv[1], "--bench"))
		return counters_bench();
	if (argc == 2 && !strcmp(argv[1], "--bench-base"))
		return counters_bench_base();
	if (argc == 2 && !strcmp(argv[1], "--count-ours")) {
		printf("%d\n", count_ours());
		return 0;
	}
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		printf("FAIL counters: cannot mount a bpffs on %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(pin, sizeof(pin), "%s/mapsize", dir);
	ret = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
		.sz = sizeof(struct mapsize_counters_attach_opts), .pin_dir = pin, .already = &already }, &c, &err);
	CHECK(!ret, "attach: %s", err.msg);
	if (ret)
		goto out;
	CHECK(!already, "first attach reported already attached");
	ctr = c;
	printf("counters: unavailable here: '%s', since %lld\n", mapsize_counters__unavailable(c),
	       (long long)mapsize_counters__since(c));
	CHECK(mapsize_counters__since(c) > 0, "no attach time");

	/* ---- BPF writer ---- */
	w = counters_writer__open_and_load();
	CHECK(w != NULL, "load writer: %s", strerror(errno));
	if (!w)
		goto out;
	memset(w->bss->record, 1, sizeof(w->bss->record));
	CHECK(!writer_run(w->progs.write_hash, &w->bss->n_inserts, 10), "run write_hash");
	CHECK(!writer_run(w->progs.write_lru, &w->bss->n_inserts, 40), "run write_lru");
	CHECK(!writer_run(w->progs.write_percpu, &w->bss->n_inserts, 10), "run write_percpu");
	CHECK(!writer_run(w->progs.write_queue, &w->bss->n_inserts, 10), "run write_queue");
	CHECK(!writer_run(w->progs.write_lpm, &w->bss->n_inserts, 10), "run write_lpm");
	CHECK(!writer_run(w->progs.write_rb_output, &w->bss->n_inserts, 10), "run write_rb_output");
	CHECK(w->bss->n_failed == 6, "ringbuf_output: the writer saw %u fail, expected 6", w->bss->n_failed);
	w->bss->n_failed = 0;
	CHECK(!writer_run(w->progs.write_rb_reserve, &w->bss->n_inserts, 10), "run write_rb_reserve");
	CHECK(w->bss->n_failed == 6, "ringbuf_reserve: the writer saw %u fail, expected 6", w->bss->n_failed);
	w->bss->n_failed = 0;
	CHECK(!writer_run(w->progs.write_perf, &w->bss->n_inserts, 5), "run write_perf");
	CHECK(w->bss->n_failed == 5, "perf output: the writer saw %u fail, expected 5", w->bss->n_failed);
	/* perf output from a tracing program: first no event (every write
	 * fails), then an event whose buffer fills */
	w->bss->n_failed = 0;
	CHECK(!run_raw_tp_cpu0(w->progs.write_perf_raw_tp, &w->bss->n_inserts, 5), "run write_perf_raw_tp: %s",
	      strerror(errno));
	CHECK(w->bss->n_failed == 5, "raw_tp perf output, no event: the writer saw %u fail, expected 5", w->bss->n_failed);
	perf_fd = perf_output_event_cpu0(bpf_map__fd(w->maps.w_perf_rt));
	CHECK(perf_fd >= 0, "BPF output perf event on CPU 0: %s", strerror(errno));
	CHECK(!run_raw_tp_cpu0(w->progs.write_perf_raw_tp, &w->bss->n_inserts, 10), "run write_perf_raw_tp: %s",
	      strerror(errno));
	/* records of 1,016 bytes (header, size, 1,000 bytes padded to 8) in
	 * 4,096: 4 fit, 6 do not */
	CHECK(w->bss->n_failed == 5 + 6, "raw_tp perf output, 4 KiB buffer: the writer saw %u fail, expected 5 + 6",
	      w->bss->n_failed);
	perf_rt_full = w->bss->n_failed - 5;
	/* a second attach finds the event already in the array (the seeding
	 * iterator) and counts the next 10, all refused: the buffer is full */
	if (!not_counted("perf_event_output")) {
		struct mapsize_counters *c3 = NULL;
		struct mapsize_map_counters *m3 = NULL;
		size_t n3 = 0;
		uint64_t d3 = 0;

		ret = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
			.sz = sizeof(struct mapsize_counters_attach_opts) }, &c3, &err);
		CHECK(!ret, "attach a second time, unpinned: %s", err.msg);
		CHECK(!run_raw_tp_cpu0(w->progs.write_perf_raw_tp, &w->bss->n_inserts, 10), "run write_perf_raw_tp");
		CHECK(w->bss->n_failed == 5 + 6 + 10, "raw_tp perf output, full: the writer saw %u fail, expected 21",
		      w->bss->n_failed);
		perf_rt_full += 10;
		if (c3 && !mapsize_counters__read(c3, &m3, &n3))
			for (size_t i = 0; i < n3; i++)
				if (m3[i].id == map_id(bpf_map__fd(w->maps.w_perf_rt)))
					d3 = m3[i].drops;
		printf("counters: raw_tp perf output, array filled before attach: dropped %llu\n", (unsigned long long)d3);
		CHECK(d3 == 10, "perf event array filled before attach: %llu drops counted, expected 10",
		      (unsigned long long)d3);
		free(m3);
		mapsize_counters__free(c3);
	}
	w->bss->n_failed = 0;
	reread(c);
	expect("bpf hash 4, 10 inserts", "htab_map_update_elem", bpf_map__fd(w->maps.w_hash), 6, 0, 0, 0, 0, 0);
	{
		uint64_t live = live_entries(bpf_map__fd(w->maps.w_lru), 4);

		printf("counters: bpf lru 8, 40 inserts: %llu live\n", (unsigned long long)live);
		/* every insert of a new key either is live or evicted one */
		expect("bpf lru 8, 40 inserts", "htab_lru_map_delete_node", bpf_map__fd(w->maps.w_lru), 0, 0, 0, 0, 40 - live, 0);
	}
	expect_syscall("bpf hash 4, 10 inserts", "htab_map_update_elem", bpf_map__fd(w->maps.w_hash), 0);
	expect("bpf percpu 4, 10 inserts", "htab_percpu_map_update_elem", bpf_map__fd(w->maps.w_percpu), 6, 0, 0, 0, 0, 0);
	expect("bpf queue 4, 10 pushes", "queue_stack_map_push_elem", bpf_map__fd(w->maps.w_queue), 6, 0, 0, 0, 0, 0);
	expect_syscall("bpf queue 4, 10 pushes", "queue_stack_map_push_elem", bpf_map__fd(w->maps.w_queue), 0);
	expect("bpf lpm 4, 10 inserts", "trie_update_elem", bpf_map__fd(w->maps.w_lpm), 0, 6, 0, 0, 0, 0);
	expect("bpf ringbuf_output 4K", "bpf_ringbuf_output", bpf_map__fd(w->maps.w_rb_out), 0, 0, 0, 0, 0, 6);
	expect("bpf perf output, no event", "bpf_skb_event_output", bpf_map__fd(w->maps.w_perf), 0, 0, 0, 0, 0, 5);
	expect("bpf ringbuf_reserve 4K", "bpf_ringbuf_reserve", bpf_map__fd(w->maps.w_rb_res), 0, 0, 0, 0, 0, 6);
	/* its refusals before the buffer (no event: 5) are not seen, only full buffers */
	expect("raw_tp perf output", "perf_event_output", bpf_map__fd(w->maps.w_perf_rt), 0, 0, 0, 0, 0, perf_rt_full);
	if (!not_counted("perf_event_output"))
		CHECK(strstr(mapsize_counters__unavailable(c), "bpf_perf_event_output_raw_tp(no ftrace entry: only full buffers counted)"),
		      "unavailable line does not say that tracing programs' perf output counts only full buffers");
	if (perf_fd >= 0)
		close(perf_fd);

	/* ---- user-space writer: the same kinds of maps, through bpf() ---- */
	{
		LIBBPF_OPTS(bpf_map_create_opts, nopre, .map_flags = BPF_F_NO_PREALLOC);
		int h = bpf_map_create(BPF_MAP_TYPE_HASH, "ctr_u_hash", 4, 4, 4, NULL);
		int l = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ctr_u_lru", 4, 4, 8, NULL);
		int p = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "ctr_u_percpu", 4, 4, 4, NULL);
		int q = bpf_map_create(BPF_MAP_TYPE_QUEUE, "ctr_u_queue", 0, 4, 4, NULL);
		int t = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "ctr_u_lpm", 8, 4, 4, &nopre);
		uint32_t k0 = 0, v = 0;
		int fails, lpm_fails = 0;

		CHECK(h >= 0 && l >= 0 && p >= 0 && q >= 0 && t >= 0, "create user maps: %s", strerror(errno));
		fails = user_inserts(h, 7, BPF_ANY, 0);
		CHECK(fails == 3, "user hash: %d inserts failed, expected 3", fails);
		/* flag semantics: EEXIST / ENOENT are not failures */
		CHECK(bpf_map_update_elem(h, &k0, &v, BPF_NOEXIST) && errno == EEXIST, "NOEXIST on present key");
		k0 = 99;
		CHECK(bpf_map_update_elem(h, &k0, &v, BPF_EXIST) && errno == ENOENT, "EXIST on missing key");
		user_inserts(l, 40, BPF_ANY, 0);
		user_inserts(p, 7, BPF_ANY, ncpu);
		for (uint32_t i = 0; i < 7; i++)
			if (bpf_map_update_elem(q, NULL, &i, 0))
				fails++;
		for (uint32_t i = 0; i < 7; i++) {
			struct { uint32_t plen, addr; } key = { 32, i };

			if (bpf_map_update_elem(t, &key, &i, BPF_ANY))
				lpm_fails++;
		}
		CHECK(lpm_fails == 3, "user lpm: %d inserts failed, expected 3", lpm_fails);
		reread(c);
		syscall_writer = true;
		expect("user hash 4, 7 inserts", "htab_map_update_elem", h, 3, 0, 0, 0, 0, 0);
		expect_syscall("user hash 4, 7 inserts", "htab_map_update_elem", h, 3);
		expect("user lru 8, 40 inserts", "htab_lru_map_delete_node", l, 0, 0, 0, 0, 40 - live_entries(l, 4), 0);
		expect("user percpu 4, 7 inserts", "bpf_percpu_hash_update", p, 3, 0, 0, 0, 0, 0);
		expect("user queue 4, 7 pushes", "queue_stack_map_push_elem", q, 3, 0, 0, 0, 0, 0);
		expect("user lpm 4, 7 inserts", "trie_update_elem", t, 0, 3, 0, 0, 0, 0);
		expect_syscall("user lpm 4, 7 inserts", "trie_update_elem", t, 3);
		expect_syscall("user percpu 4, 7 inserts", "bpf_percpu_hash_update", p, 3);
		expect_syscall("user queue 4, 7 pushes", "queue_stack_map_push_elem", q, 3);

		/* map-in-map: a full hash of maps refuses a third slot */
		{
			int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ctr_u_inner", 4, 4, 1, NULL);
			LIBBPF_OPTS(bpf_map_create_opts, mim, .inner_map_fd = inner);
			int outer = inner < 0 ? -1 : bpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, "ctr_u_mim", 4, 4, 2, &mim);
			int slot_fails = 0;

			CHECK(outer >= 0, "create hash_of_maps: %s", strerror(errno));
			for (uint32_t k = 0; outer >= 0 && k < 3; k++) {
				uint32_t ifd = (uint32_t)inner;

				if (bpf_map_update_elem(outer, &k, &ifd, BPF_ANY))
					slot_fails++;
			}
			CHECK(slot_fails == 1, "hash_of_maps: %d slot updates failed, expected 1", slot_fails);
			reread(c);
			expect("user hash_of_maps 2, 3 slots", "bpf_fd_htab_map_update_elem", outer, 1, 0, 0, 0, 0, 0);
			close(outer);
			close(inner);
		}

		/* a freed map's row goes: a new map with its id starts at zero */
		{
			uint32_t hid = map_id(h);

			close(h);
			usleep(100 * 1000);
			reread(c);
			if (strstr(mapsize_counters__unavailable(c), "security_bpf_map_free"))
				printf("counters: no map-free hook on this kernel: a freed map's row stays\n");
			else
				CHECK(find(hid) == NULL, "freed map id %u still has a row", hid);
		}
		close(l);
		close(p);
		close(q);
		close(t);
	}

	/* ---- a stack and a bloom filter, from both writers ---- */
	stack_cases();
	bloom_cases();

	/* ---- 100 maps whose kernel names are the same 15 bytes ---- */
	for (int i = 0; i < 100; i++) {
		fds[i] = bpf_map_create(BPF_MAP_TYPE_HASH, "ctr_same_name_1", 4, 4, 1, NULL);
		CHECK(fds[i] >= 0, "create map %d: %s", i, strerror(errno));
		if (fds[i] >= 0)
			user_inserts(fds[i], 2 + i % 5, BPF_ANY, 0);
	}
	reread(c);
	{
		int right = 0;

		for (int i = 0; i < 100; i++) {
			const struct mapsize_map_counters *m = find(map_id(fds[i]));

			if (m && m->failures[MAPSIZE_OVF_E2BIG] == (uint64_t)(1 + i % 5))
				right++;
			close(fds[i]);
		}
		printf("counters: 100 same-name maps: %d with the exact count\n", right);
		CHECK(right == 100, "100 same-name maps: only %d right", right);
	}
	CHECK(mapsize_counters__lost(c) == 0, "lost %llu", (unsigned long long)mapsize_counters__lost(c));

	/* ---- ENOMEM: a no-prealloc hash in a small memory cgroup ---- */
	ret = memcg_enomem();
	if (ret == 78) {
		printf("SKIP counters: memcg ENOMEM: map memory is charged to memory cgroups from 5.11\n");
		skipped++;
	} else if (ret == 77) {
		printf("SKIP counters: memcg ENOMEM: cannot set up a memory cgroup here\n");
		skipped++;
	} else {
		CHECK(ret == 0, "memcg ENOMEM: result %d (2: no insert failed with ENOMEM)", ret);
	}

	/* ---- a second attach on the same pins is idempotent ---- */
	ret = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
		.sz = sizeof(struct mapsize_counters_attach_opts), .pin_dir = pin, .already = &already }, &c2, &err);
	CHECK(!ret && already, "second attach: ret %d already %d: %s", ret, already, err.msg);
	mapsize_counters__free(c2);
	counters_writer__destroy(w);

out:
	mapsize_counters__free(c);
	if (c) {
		ret = mapsize_counters__detach(pin, &err);
		CHECK(!ret, "detach: %s", err.msg);
		for (int i = 0; i < 50 && count_ours(); i++)
			usleep(100 * 1000);
		CHECK(count_ours() == 0, "after detach %d counter maps/programs remain", count_ours());
		CHECK(access(pin, F_OK) != 0, "pin dir %s left behind", pin);
	}
	umount(dir);
	rmdir(dir);
	printf("counters: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
