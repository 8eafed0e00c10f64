/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared helpers of the live-kernel tests (tests/kernel/test_*.c): paths
 * of the repository and the build, the bpf() availability probe that turns
 * every test into a skip when the kernel refuses bpf(), building plans, and
 * opening/loading BPF objects with libbpf's messages captured.
 *
 * Include after <cmocka.h>.  Header-only: every function is static inline.
 */
#ifndef MAPSIZE_TEST_KERNEL_H
#define MAPSIZE_TEST_KERNEL_H

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Absolute paths, filled by tk_setup(). */
static char tk_root[PATH_MAX];		/* the repository */
static char tk_build[PATH_MAX];		/* $O (default build), under tk_root unless absolute */
static char tk_tmp[PATH_MAX];		/* a private temp dir, removed by tk_teardown() */
static struct mapsize_node tk_node = { .sz = sizeof(struct mapsize_node) };	/* the running machine */

/* ---- libbpf's messages: kept, shown only when a load fails ------------------ */

static char tk_libbpf_log[16384];
static size_t tk_libbpf_log_len;

static inline int tk_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	if (tk_libbpf_log_len + strlen(line) >= sizeof(tk_libbpf_log))
		tk_libbpf_log_len = 0;
	memcpy(tk_libbpf_log + tk_libbpf_log_len, line, strlen(line) + 1);
	tk_libbpf_log_len += strlen(line);
	return 0;
}

static inline void tk_libbpf_log_reset(void)
{
	tk_libbpf_log_len = 0;
	tk_libbpf_log[0] = '\0';
}

/* mapsize's own info messages would drown the test output: warnings only. */
static inline int tk_mapsize_print(enum mapsize_print_level level, const char *fmt, va_list ap)
{
	if (level != MAPSIZE_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- bpf() availability ---------------------------------------------------- */

enum { TK_BPF_UNKNOWN, TK_BPF_OK, TK_BPF_REFUSED, TK_BPF_BROKEN };
static int tk_bpf_state;
static int tk_bpf_errno;

/* A trivial map create tells whether the kernel lets us use bpf() at all. */
static inline int tk_bpf_probe(void)
{
	int fd;

	if (tk_bpf_state != TK_BPF_UNKNOWN)
		return tk_bpf_state;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsize_probe", 4, 4, 1, NULL);
	if (fd >= 0) {
		close(fd);
		tk_bpf_state = TK_BPF_OK;
		return tk_bpf_state;
	}
	tk_bpf_errno = fd < 0 && fd > -4096 ? -fd : errno;
	switch (tk_bpf_errno) {
	case EPERM:
	case EACCES:
	case ENOSYS:
	case EOPNOTSUPP:
		tk_bpf_state = TK_BPF_REFUSED;
		print_message("SKIP: bpf(BPF_MAP_CREATE) is refused: %s (uid %d); these tests need root or "
			      "CAP_BPF, a kernel with CONFIG_BPF_SYSCALL and bpf() allowed by seccomp/lockdown "
			      "(kernel.unprivileged_bpf_disabled)\n", strerror(tk_bpf_errno), (int)geteuid());
		break;
	default:
		tk_bpf_state = TK_BPF_BROKEN;
		break;
	}
	return tk_bpf_state;
}

/* First statement of every test that needs the kernel: a refused bpf()
 * makes the test count as skipped, never as passed. */
#define REQUIRE_BPF()								\
	do {									\
		int st_ = tk_bpf_probe();					\
		if (st_ == TK_BPF_REFUSED)					\
			skip();							\
		if (st_ == TK_BPF_BROKEN)					\
			fail_msg("bpf() probe failed unexpectedly: %s",		\
				 strerror(tk_bpf_errno));			\
	} while (0)

/* ---- setup ------------------------------------------------------------------- */

static inline int tk_rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if (!dir[0] || strncmp(dir, "/tmp/", 5))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Find the repository (the current directory, else three levels above the
 * test binary: $O/tests/test_x), chdir there, and make a temp dir. */
static inline int tk_setup(void **state)
{
	const char *o = getenv("O");
	char exe[PATH_MAX];
	ssize_t n;

	(void)state;
	if (!getcwd(tk_root, sizeof(tk_root)))
		return -1;
	if (access("examples/agent.rules.yaml", R_OK)) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		snprintf(tk_root, sizeof(tk_root), "%s", dirname(dirname(dirname(exe))));
		if (chdir(tk_root)) {
			print_error("cannot find the repository (examples/agent.rules.yaml)\n");
			return -1;
		}
	}
	if (!o || !o[0])
		o = "build";
	if ((o[0] == '/' ? snprintf(tk_build, sizeof(tk_build), "%s", o) :
	     snprintf(tk_build, sizeof(tk_build), "%s/%s", tk_root, o)) >= (int)sizeof(tk_build))
		return -1;
	snprintf(tk_tmp, sizeof(tk_tmp), "/tmp/mapsize-ktest.XXXXXX");
	if (!mkdtemp(tk_tmp)) {
		tk_tmp[0] = '\0';
		return -1;
	}
	if (mapsize_node__read(&tk_node))
		return -1;
	libbpf_set_print(tk_libbpf_print);
	mapsize_set_print(tk_mapsize_print);
	return 0;
}

static inline int tk_teardown(void **state)
{
	(void)state;
	tk_rm_rf(tk_tmp);
	return 0;
}

/* $O/<rel> into buf; the test fails (not skips) when the file is missing:
 * `make tests` builds every object these tests use. */
static inline const char *tk_build_path(char *buf, size_t size, const char *rel)
{
	if (snprintf(buf, size, "%s/%s", tk_build, rel) >= (int)size)
		fail_msg("path too long: %s/%s", tk_build, rel);
	if (access(buf, R_OK))
		fail_msg("%s: %s; expected `make tests` to have built it", buf, strerror(errno));
	return buf;
}

static inline const char *tk_write_tmp(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", tk_tmp, name) >= (int)sizeof(path))
		fail_msg("path too long: %s/%s", tk_tmp, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static inline char *tk_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* ---- plans ---------------------------------------------------------------------- */

enum tk_prealloc { TK_PREALLOC_UNSET, TK_PREALLOC_TRUE, TK_PREALLOC_FALSE };

/* What the command line of an agent would say. */
struct tk_req {
	const char *size;		/* --map-size; NULL: the profiles' base:, else medium */
	const char *profile;		/* YAML text of a --profile file (written to the temp dir) */
	const char *sets[6];		/* --set NAME=VALUE */
	enum tk_prealloc prealloc;	/* --bpf-maps-prealloc */
	const char *disable;		/* --bpf-maps-disable-prealloc */
	const char *enable;		/* --bpf-maps-enable-prealloc */
	const char *rules;		/* YAML text of the rules; NULL: examples/agent.rules.yaml */
	bool no_node;			/* like gen-header: no node-local cpus/memory */
	const char *kernel;		/* target kernel release; NULL: the running one */
};

static inline void tk_fail_error(const char *what, const struct mapsize_error *err)
{
	char buf[1200];

	mapsize_error__format(err, buf, sizeof(buf));
	fail_msg("%s: %s", what, buf);
}

static inline struct mapsize_plan *tk_plan(const struct tk_req *r)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = r->size,
		.kernel_release = r->kernel ? r->kernel : tk_node.kernel_release,
	};
	struct mapsize_error err;
	struct mapsize_planner *pl;
	struct mapsize_rules *rules;
	struct mapsize_plan *plan;
	int ret = 0;

	if (r->rules)
		rules = mapsize_rules__parse(r->rules, strlen(r->rules), "test.rules.yaml", &err);
	else
		rules = mapsize_rules__load_file("examples/agent.rules.yaml", &err);
	if (!rules)
		tk_fail_error("rules", &err);
	pl = mapsize_planner__new(&opts, &err);
	if (!pl)
		tk_fail_error("planner", &err);
	if (r->profile)
		ret = mapsize_planner__add_profile_file(pl, tk_write_tmp("override.yaml", r->profile));
	if (!ret && !r->no_node)
		ret = mapsize_planner__use_node(pl, &tk_node);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(r->sets) && r->sets[i]; i++)
		ret = mapsize_planner__set(pl, r->sets[i]);
	if (!ret && r->prealloc != TK_PREALLOC_UNSET)
		ret = mapsize_planner__set_prealloc_default(pl, r->prealloc == TK_PREALLOC_TRUE);
	if (!ret && r->disable)
		ret = mapsize_planner__disable_prealloc(pl, r->disable);
	if (!ret && r->enable)
		ret = mapsize_planner__enable_prealloc(pl, r->enable);
	plan = ret ? NULL : mapsize_planner__plan(pl, rules);
	if (!plan)
		tk_fail_error("plan", mapsize_planner__error(pl));
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return plan;
}

static inline const struct mapsize_plan_map *tk_plan_map(const struct mapsize_plan *plan, const char *name)
{
	const struct mapsize_plan_map *pm = mapsize_plan__find(plan, name);

	if (!pm)
		fail_msg("the plan has no map '%s'", name);
	return pm;
}

/* ---- objects -------------------------------------------------------------------- */

static inline struct bpf_object *tk_open(const char *rel)
{
	char path[PATH_MAX];
	struct bpf_object *obj;

	tk_build_path(path, sizeof(path), rel);
	tk_libbpf_log_reset();
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		fail_msg("bpf_object__open_file(%s): %s\n%s", path, strerror(errno), tk_libbpf_log);
	return obj;
}

static inline void tk_load(struct bpf_object *obj)
{
	int ret;

	tk_libbpf_log_reset();
	ret = bpf_object__load(obj);
	if (ret)
		fail_msg("bpf_object__load(%s): %s\nlibbpf:\n%s", bpf_object__name(obj), strerror(-ret),
			 tk_libbpf_log);
}

static inline void tk_kmap(int fd, struct mapsize_kernel_map *k, const char *name)
{
	int ret;

	if (fd < 0)
		fail_msg("map '%s' has no fd after load", name);
	ret = mapsize_kernel_map__read(fd, k);
	if (ret)
		fail_msg("mapsize_kernel_map__read('%s'): %s", name, strerror(-ret));
}

/* Every map the plan manages in the loaded object: kernel size and flags
 * equal the plan.  Returns how many maps were checked. */
static inline size_t tk_check_static_plan(const struct mapsize_plan *plan, struct bpf_object *obj)
{
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, obj) {
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, bpf_map__name(map));
		struct mapsize_kernel_map k = { .sz = sizeof(struct mapsize_kernel_map) };

		if (!pm)
			continue;
		tk_kmap(bpf_map__fd(map), &k, pm->name);
		if (k.max_entries != pm->max_entries || (k.map_flags & pm->map_flags) != pm->map_flags ||
		    (k.map_flags & MAPSIZE_F_NO_PREALLOC) != (pm->map_flags & MAPSIZE_F_NO_PREALLOC))
			fail_msg("map '%s': kernel max_entries %u flags 0x%x, planned %u flags 0x%x", pm->name,
				 k.max_entries, k.map_flags, pm->max_entries, pm->map_flags);
		n++;
	}
	return n;
}

#endif
