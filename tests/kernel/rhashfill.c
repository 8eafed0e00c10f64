// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rhashfill: BPF_MAP_TYPE_RHASH (7.2+) filled to its cap from a BPF program
 * (a socket filter run with BPF_PROG_TEST_RUN) and from user space: every
 * insert below the cap succeeds (the kernel grows the table from its
 * initial size, map_extra), the one beyond fails with E2BIG, and fdinfo's
 * memlock equals mapsize_memlock() with the kernel's BTF at the initial
 * size, half and the cap; and mapsize_plan__apply() turning a compiled
 * hash into an rhash (`resizable: auto`) that the kernel loads.  Static, run by
 * tests/qemu/guest-checks.sh on Debian's 7.2 and 7.3; a kernel without
 * rhash (EINVAL at create) skips.  Last line:
 *	rhashfill: P passed, F failed, S skipped
 * With --bench (`make bench`, bench/run.sh): rhash vs preallocated vs
 * no-prealloc hash at 10, 50 and 90 % of a 20,000-entry cap, memory and
 * ns per update and lookup, markdown lines for bench/results.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/memory.h>
#include <mapsize/bpf.h>
#include "rhash_apply.skel.h"
#include "rhash_bench.skel.h"
#include "bench_ns.h"

#define CAP	300
#define INITIAL	16

static int passed, failed, skipped;
static struct mapsize_kernel_consts kc = { .sz = sizeof(kc) };

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
}

static long long memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = atoll(line + 8);
	if (f)
		fclose(f);
	return v;
}

static void check_memory(const char *how, int fd, uint64_t entries)
{
	struct mapsize_mem_map m = {
		.sz = sizeof(m), .type = MAPSIZE_MAP_RHASH, .key_size = 4, .value_size = 8,
		.max_entries = CAP, .map_flags = MAPSIZE_F_NO_PREALLOC, .map_extra = INITIAL,
		.possible_cpus = (uint32_t)libbpf_num_possible_cpus(),
	};
	long long got = memlock(fd);
	uint64_t want = 0;
	int err = mapsize_memlock(&m, &kc, MAPSIZE_MEM_ERA_MEM_USAGE, entries, &want);

	check(!err && got == (long long)want, "%s: %llu entries: memlock %lld, model %llu", how,
	      (unsigned long long)entries, got, (unsigned long long)want);
}

static int create_rhash(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC, .map_extra = INITIAL);

	return bpf_map_create(MAPSIZE_BPF_MAP_TYPE_RHASH, "rhfill", 4, 8, CAP, &o);
}

/* A socket filter inserting key ctr++ (value the key) with BPF_NOEXIST and
 * returning the helper's result: 0, or -E2BIG at the cap. */
static int load_filler(int rh, int ctr)
{
	struct bpf_insn p[] = {
		{ BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0 },		/* *(u32 *)(fp-4) = 0 */
		{ BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0 },
		{ BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4 },
		{ BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, ctr }, { 0 },
		{ BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem },
		{ BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0 },
		{ BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1 },
		{ BPF_JMP | BPF_EXIT },
		{ BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_0, 0, 0 },	/* r7 = ctr */
		{ BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_8, BPF_REG_7, 0, 0 },
		{ BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_8, 0, 0, 1 },
		{ BPF_STX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_8, 0, 0 },	/* ctr++ */
		{ BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_7, -8, 0 },	/* key */
		{ BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_7, -16, 0 },	/* value */
		{ BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, rh }, { 0 },
		{ BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0 },
		{ BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8 },
		{ BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0 },
		{ BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -16 },
		{ BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_NOEXIST },
		{ BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem },
		{ BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "rhfill", "GPL", p, sizeof(p) / sizeof(p[0]), &o);

	if (fd < 0)
		printf("socket filter refused (%s):\n%s\n", strerror(errno), log);
	return fd;
}

static void from_program(void)
{
	int rh = create_rhash(), ctr = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rhctr", 4, 4, 1, NULL), prog;
	unsigned char pkt[64] = { 0 };
	uint32_t i, bad = 0, first_bad = 0;

	prog = rh >= 0 && ctr >= 0 ? load_filler(rh, ctr) : -1;
	if (prog < 0) {
		check(0, "program: maps and socket filter load");
		return;
	}
	check_memory("program, empty", rh, 0);
	for (i = 0; i < CAP; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));

		if (bpf_prog_test_run_opts(prog, &t) || t.retval) {
			if (!bad++)
				first_bad = i;
		}
		if (i + 1 == INITIAL)
			check_memory("program, at the initial size", rh, INITIAL);
		if (i + 1 == CAP / 2)
			check_memory("program, half", rh, CAP / 2);
	}
	check(!bad, "program: all %u inserts below the cap succeed (%u failed, first at %u)", CAP, bad, first_bad);
	{
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
		int err = bpf_prog_test_run_opts(prog, &t);

		check(!err && (int)t.retval == -E2BIG, "program: insert %u (beyond the cap) returns -E2BIG (got %d)",
		      CAP + 1, (int)t.retval);
	}
	check_memory("program, at the cap", rh, CAP);
	close(prog);
	close(ctr);
	close(rh);
}

/* mapsize status beside the live map (when the guest has the static CLI):
 * the key walk counts it and auto picks the walk; batch, kfunc and memlock
 * do not apply to rhash (status says "none") */
static void status_counts(uint32_t want)
{
	static const char *const methods[] = { "auto", "iterate" };
	char cmd[160], line[256];

	if (access("/test/mapsize-static", X_OK)) {
		printf("SKIP status: no /test/mapsize-static in this guest\n");
		skipped++;
		return;
	}
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		unsigned long entries = 0;
		char method[32] = "";
		FILE *p;

		snprintf(cmd, sizeof(cmd), "/test/mapsize-static status --name rhfill --count-method %s "
			 "--format json", methods[i]);
		p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p)) {
			if (!entries)
				sscanf(line, " \"entries\": %lu", &entries);
			if (!method[0])
				sscanf(line, " \"count_method\": \"%31[a-z]\"", method);
		}
		if (p)
			pclose(p);
		check(entries == want && !strcmp(method, "iterate"),
		      "status --count-method %s: %lu entries counted by '%s', expected %u by 'iterate'", methods[i],
		      entries, method, want);
	}
}

static void from_user(void)
{
	int rh = create_rhash(), err;
	uint32_t i, bad = 0;
	uint64_t v = 0;

	for (i = 0; i < CAP; i++) {
		v = i;
		if (bpf_map_update_elem(rh, &i, &v, BPF_NOEXIST))
			bad++;
		if (i + 1 == INITIAL)
			check_memory("user space, at the initial size", rh, INITIAL);
	}
	check(!bad, "user space: all %u inserts below the cap succeed (%u failed)", CAP, bad);
	i = CAP + 5;
	err = bpf_map_update_elem(rh, &i, &v, BPF_NOEXIST) ? errno : 0;
	check(err == E2BIG, "user space: an insert beyond the cap fails with E2BIG (%s)",
	      err ? strerror(err) : "inserted");
	check_memory("user space, at the cap", rh, CAP);
	status_counts(CAP);
	for (i = 0; i < CAP / 2; i++)
		bpf_map_delete_elem(rh, &i);
	check_memory("user space, after deleting half", rh, CAP - CAP / 2);
	close(rh);
}

/* mapsize_plan__apply() on an object compiled with a plain hash (10
 * entries, preallocated) whose rule says `resizable: auto` for a socket
 * filter: planned for a 7.2 target it becomes an rhash, and the kernel
 * reports type 35, the cap, NO_PREALLOC and the initial size after load;
 * the program's insert lands in it. */
static void applied_object(void)
{
	static const char rules[] = "app: rhapply\nmaps:\n  grow:\n    type: hash\n    key_size: 4\n"
				    "    value_size: 8\n    max_entries: 500\n    expected: 40\n"
				    "    resizable: auto\n    used_by: [socket]\n";
	struct mapsize_planner_opts po = { .sz = sizeof(po), .map_size = "small", .kernel_release = "7.2.0" };
	struct mapsize_rules *r = NULL;
	struct mapsize_planner *pl = NULL;
	struct mapsize_plan *plan = NULL;
	struct mapsize_applied *a = NULL;
	struct rhash_apply *skel = NULL;
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	struct mapsize_error err = { 0 };
	unsigned char pkt[64] = { 0 };
	uint64_t v = 0;
	uint32_t key = 1;	/* the program's key */
	int fd, ret;

	r = mapsize_rules__parse(rules, strlen(rules), "rhapply.rules.yaml", &err);
	pl = r ? mapsize_planner__new(&po, &err) : NULL;
	plan = pl ? mapsize_planner__plan(pl, r) : NULL;
	skel = plan ? rhash_apply__open() : NULL;
	a = skel ? mapsize_plan__apply(plan, skel->obj, NULL, &err) : NULL;
	if (!a) {
		check(0, "apply: plan and apply the object (%s)", r && pl && !plan ? mapsize_planner__error(pl)->msg :
		      skel || !plan ? err.msg : "rhash_apply__open failed");
		goto out;
	}
	ret = rhash_apply__load(skel);
	check(!ret, "apply: the object loads with its hash made an rhash (%s)", ret ? strerror(-ret) : "ok");
	if (ret)
		goto out;
	fd = bpf_map__fd(skel->maps.grow);
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	check(!ret && info.type == MAPSIZE_BPF_MAP_TYPE_RHASH && info.max_entries == 500 && info.map_extra == 40 &&
	      info.map_flags == BPF_F_NO_PREALLOC,
	      "apply: the kernel's map: type %u, max_entries %u, map_extra %llu, map_flags 0x%x "
	      "(expected 35, 500, 40, 0x1)", info.type, info.max_entries, (unsigned long long)info.map_extra,
	      info.map_flags);
	{
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));

		int found;

		ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.rh_insert), &t);
		found = !bpf_map_lookup_elem(fd, &key, &v);
		check(!ret && !t.retval && found && v == 7,
		      "apply: the socket filter inserts into the rhash (retval %d, value %llu)", (int)t.retval,
		      (unsigned long long)v);
	}
out:
	mapsize_applied__free(a);
	rhash_apply__destroy(skel);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	mapsize_rules__free(r);
}

/* ---- --bench ---- */

#define BENCH_CAP	20000
#define BENCH_INITIAL	(BENCH_CAP / 10)
#define BENCH_OPS	64	/* operations per program run (rhash_bench.bpf.c) */

struct bench_kind {
	const char *name;
	struct bpf_map *map;
	struct bpf_program *update, *lookup;
	struct mapsize_mem_map model;
};

/* Same key set in all three maps, filled from user space level by level;
 * at each level memory (fdinfo memlock and the model) and, alternating the
 * three kinds nine times against TCG's drift, ns per update of a present
 * key and per lookup. */
static int bench(void)
{
	static const unsigned int percent[] = { 10, 50, 90 };
	enum { ALTERNATIONS = 9, ROUNDS = 3, REPEAT = 400 };
	struct rhash_bench *s = rhash_bench__open();
	struct bench_kind kinds[3];
	uint32_t ncpu = (uint32_t)libbpf_num_possible_cpus(), filled = 0;
	int ret, mismatches = 0;

	if (!s)
		return printf("FAIL rhashfill --bench: open: %s\n", strerror(errno)), 1;
	kinds[0] = (struct bench_kind){ "hash (preallocated)", s->maps.b_prealloc, s->progs.b_prealloc_update,
					s->progs.b_prealloc_lookup, { .type = MAPSIZE_MAP_HASH } };
	kinds[1] = (struct bench_kind){ "hash (no prealloc)", s->maps.b_noprealloc, s->progs.b_noprealloc_update,
					s->progs.b_noprealloc_lookup,
					{ .type = MAPSIZE_MAP_HASH, .map_flags = MAPSIZE_F_NO_PREALLOC } };
	kinds[2] = (struct bench_kind){ "rhash", s->maps.b_rhash, s->progs.b_rhash_update, s->progs.b_rhash_lookup,
					{ .type = MAPSIZE_MAP_RHASH, .map_flags = MAPSIZE_F_NO_PREALLOC,
					  .map_extra = BENCH_INITIAL } };
	for (int i = 0; i < 3; i++) {
		struct mapsize_mem_map *m = &kinds[i].model;

		m->sz = sizeof(*m);
		m->key_size = 4;
		m->value_size = 8;
		m->max_entries = BENCH_CAP;
		m->possible_cpus = ncpu;
	}
	ret = bpf_map__set_map_flags(s->maps.b_noprealloc, BPF_F_NO_PREALLOC) ?:
	      bpf_map__set_type(s->maps.b_rhash, MAPSIZE_BPF_MAP_TYPE_RHASH) ?:
	      bpf_map__set_map_flags(s->maps.b_rhash, BPF_F_NO_PREALLOC) ?:
	      bpf_map__set_map_extra(s->maps.b_rhash, BENCH_INITIAL) ?: rhash_bench__load(s);
	if (ret) {
		rhash_bench__destroy(s);
		return printf("FAIL rhashfill --bench: load: %s\n", strerror(-ret)), 1;
	}
	printf("| fill | map | memlock (fdinfo) | model | equal | memory ratio | update (ns) | ratio | "
	       "lookup (ns) | ratio |\n|---|---|--:|--:|:-:|--:|--:|--:|--:|--:|\n");
	for (size_t l = 0; l < sizeof(percent) / sizeof(percent[0]); l++) {
		uint32_t want = BENCH_CAP / 100 * percent[l];
		double upd[3][ALTERNATIONS], look[3][ALTERNATIONS];
		long long mem[3];

		for (int i = 0; i < 3; i++)
			for (uint32_t k = filled; k < want; k++) {
				uint64_t v = k;

				if (bpf_map_update_elem(bpf_map__fd(kinds[i].map), &k, &v, BPF_NOEXIST)) {
					printf("FAIL rhashfill --bench: %s: insert %u: %s\n", kinds[i].name, k,
					       strerror(errno));
					rhash_bench__destroy(s);
					return 1;
				}
			}
		filled = want;
		s->bss->fill = want;
		for (int i = 0; i < 3; i++)
			mem[i] = memlock(bpf_map__fd(kinds[i].map));
		for (int a = 0; a < ALTERNATIONS; a++)
			for (int i = 0; i < 3; i++) {
				upd[i][a] = bench_ns_per_op(kinds[i].update, ROUNDS, REPEAT, BENCH_OPS, true);
				look[i][a] = bench_ns_per_op(kinds[i].lookup, ROUNDS, REPEAT, BENCH_OPS, true);
				if (upd[i][a] < 0 || look[i][a] < 0) {
					printf("FAIL rhashfill --bench: %s: an update or lookup of a present key "
					       "failed\n", kinds[i].name);
					rhash_bench__destroy(s);
					return 1;
				}
			}
		{
			double u0 = bench_median(upd[0], ALTERNATIONS), l0 = bench_median(look[0], ALTERNATIONS);

			for (int i = 0; i < 3; i++) {
				uint64_t model = 0;
				int err = mapsize_memlock(&kinds[i].model, &kc, MAPSIZE_MEM_ERA_MEM_USAGE, want, &model);
				double u = bench_median(upd[i], ALTERNATIONS), lk = bench_median(look[i], ALTERNATIONS);
				bool equal = !err && mem[i] == (long long)model;

				mismatches += !equal;
				printf("| %u %% (%u) | %s | %lld B | %llu B | %s | %.3f | %.1f | %.2f× | %.1f | %.2f× |\n",
				       percent[l], want, kinds[i].name, mem[i], (unsigned long long)model,
				       equal ? "yes" : "**no**", (double)mem[i] / (double)mem[0], u, u / u0, lk, lk / l0);
			}
		}
	}
	rhash_bench__destroy(s);
	printf("BENCH rhash: cap %u, initial %u, %u possible CPUs, memory model %s\n", BENCH_CAP, BENCH_INITIAL,
	       ncpu, mismatches ? "DIFFERS" : "exact");
	return mismatches ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int version;
	struct utsname u;
	int fd;

	if (uname(&u) || mapsize_kernel_version(u.release, &version) ||
	    mapsize_kernel_consts__from_btf(NULL, &kc)) {
		printf("rhashfill: 0 passed, 0 failed, 1 skipped (no kernel release or BTF)\n");
		return 0;
	}
	mapsize_kernel_consts__set_kernel(&kc, version);
	fd = create_rhash();
	if (fd >= 0 && argc == 2 && !strcmp(argv[1], "--bench")) {
		close(fd);
		printf("kernel %s, struct sizes %s\n", u.release, kc.source);
		return bench();
	}
	if (fd < 0) {
		printf("SKIP rhash on %s: %s (first in 7.2)\nrhashfill: 0 passed, 0 failed, 1 skipped\n",
		       u.release, strerror(errno));
		return 0;
	}
	close(fd);
	printf("kernel %s, struct sizes %s\n", u.release, kc.source);
	from_program();
	from_user();
	applied_object();
	printf("rhashfill: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
