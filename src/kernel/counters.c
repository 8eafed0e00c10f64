// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* <mapsize/counters.h>: load bpf/counters.bpf.c (embedded skeleton), turn
 * off the programs whose kernel function the running kernel's BTF lacks,
 * attach, pin; read the counter table back. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <mapsize/counters.h>
#include "internal.h"
#include "map_batch.h"
#include "counters.skel.h"

/* struct counters_key / counters_val of counters.bpf.c */
struct ctr_key {
	uint32_t id;
	uint32_t reserved;
	uint64_t map;
};

struct ctr_val {
	uint64_t failures[4];
	uint64_t evictions;
	uint64_t drops;
	uint64_t syscall_failures;
	uint32_t map_type;
	char name[16];
	uint32_t reserved;
};

enum { G_LOST, G_SINCE, G_MISSING, G_NOFTRACE, G_BUSY, G_SYSCALL_ONLY, G_PARTIAL_PERF };

/* Every traced kernel function; bit i of G_MISSING is ctr_funcs[i]. */
static const char *const ctr_funcs[] = {
	"htab_map_update_elem", "htab_lru_map_update_elem", "htab_percpu_map_update_elem",
	"htab_lru_percpu_map_update_elem", "bpf_percpu_hash_update", "trie_update_elem",
	"queue_stack_map_push_elem", "bloom_map_push_elem", "htab_lru_map_delete_node",
	"bpf_ringbuf_output", "bpf_ringbuf_reserve", "security_bpf_map_free",
	"bpf_prog_active",	/* a per-CPU variable: the split of failures by writer */
	"bpf_perf_event_output", "bpf_skb_event_output", "bpf_xdp_event_output",
	"bpf_fd_htab_map_update_elem",	/* hash_of_maps slots */
	"bpf_perf_event_output_raw_tp",	/* perf output of raw_tp, fentry/fexit, LSM programs */
	"bpf_map_update_value",		/* bpf()'s updates where the type's function is not traced */
	"perf_event_output",		/* full buffers of the tracing programs' perf output */
	"perf_event_fd_array_get_ptr",	/* which perf event array holds which event */
};

/* The tracing programs' perf output helpers: no program of ours (no ftrace
 * entry, ever: kernel/trace/), listed as not counted, or as counted but for
 * their refusals before the buffer (perf_event_output()). */
static const char *const perf_helpers[] = { "bpf_perf_event_output", "bpf_perf_event_output_raw_tp" };

/* What is not counted, as bit sets over ctr_funcs (kept in mapsize_ctrs_g
 * for a pinned reader): missing; of those, refused with EBUSY where
 * tracefs shows no ftrace entry, or where it shows one; and those whose
 * bpf() writes are still counted (at bpf_map_update_value). */
struct ctr_missing {
	uint64_t missing, noftrace, busy, syscall_only, partial_perf;
};

#define PIN_COUNTERS "counters"
#define PIN_GLOBAL "counters_global"
#define PIN_LINK_PREFIX "link_"

struct mapsize_counters {
	struct counters_bpf *skel;	/* NULL when opened from pins */
	int ctr_fd, global_fd;		/* owned only when opened from pins */
	char unavailable[1024];
};

static int func_index(const char *func)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctr_funcs); i++)
		if (!strcmp(ctr_funcs[i], func))
			return (int)i;
	return -1;
}

static const char *prog_func(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p), *slash = strchr(sec, '/');

	return slash ? slash + 1 : sec;
}

static void unavailable_text(struct mapsize_counters *c, const struct ctr_missing *m)
{
	size_t n = 0;

	c->unavailable[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(ctr_funcs); i++) {
		uint64_t bit = 1ull << i;
		const char *why = "";

		if (!(m->missing & bit))
			continue;
		if (m->noftrace & bit)
			why = m->syscall_only & bit ? "(no ftrace entry: writes by BPF programs)" : "(no ftrace entry)";
		else if (m->busy & bit)
			why = m->syscall_only & bit ? "(EBUSY: writes by BPF programs)" : "(EBUSY)";
		else if (m->syscall_only & bit)
			why = "(writes by BPF programs)";
		if (m->partial_perf & bit)
			why = m->noftrace & bit ? "(no ftrace entry: only full buffers counted)" : "(only full buffers counted)";
		n += (size_t)snprintf(c->unavailable + n, n < sizeof(c->unavailable) ? sizeof(c->unavailable) - n : 0,
				      "%s%s%s", n ? "," : "", ctr_funcs[i], why);
	}
}

/* libbpf's last warning while loading, for the message when the cause is
 * not one of the known refusals (a verifier complaint, a missing field). */
static __thread char libbpf_last[256];

static int keep_last(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static __thread char msg[16384];
	char *end, *last;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strstr(msg, "failed to load object") || strstr(msg, "failed to load BPF skeleton") ||
	    (libbpf_last[0] && strstr(msg, "failed to load: ")))
		return 0;	/* keep the verifier's line, said before */
	/* a verifier log comes as one message: its deciding line is the last */
	end = msg + strlen(msg);
	while (end > msg && (end[-1] == '\n' || strstr(end - 1, "-- END PROG LOAD LOG --") == end - 1))
		*--end = '\0';
	if ((last = strstr(msg, "-- END PROG LOAD LOG --")))
		*last = '\0';
	end = msg + strlen(msg);
	while (end > msg && end[-1] == '\n')
		*--end = '\0';
	/* the statistics lines after the verifier's verdict say nothing */
	while ((last = strrchr(msg, '\n')) &&
	       (!strncmp(last + 1, "processed ", 10) || !strncmp(last + 1, "verification time", 17)))
		*last = '\0';
	last = strrchr(msg, '\n');
	snprintf(libbpf_last, sizeof(libbpf_last), "%s", last ? last + 1 : msg);
	return 0;
}

/* The one line for a kernel that refuses, by errno. */
static int refusal(struct mapsize_error *err, int code)
{
	char lockdown[128] = "";
	FILE *f;

	if (code == -EPERM || code == -EACCES) {
		f = fopen("/sys/kernel/security/lockdown", "r");
		if (f) {
			if (fgets(lockdown, sizeof(lockdown), f))
				lockdown[strcspn(lockdown, "\n")] = '\0';
			fclose(f);
		}
		return error_set(err, -EPERM, NULL,
				 "kernel counters unavailable: this kernel refuses tracing programs (fentry/fexit): "
				 "%s (%s%s)", strerror(-code), lockdown[0] ? "kernel lockdown: " : "",
				 lockdown[0] ? lockdown : "kernel lockdown or a security policy, or no CAP_BPF/CAP_PERFMON");
	}
	if (code == -ENOTSUP || code == -EOPNOTSUPP || code == -524)
		return error_set(err, -EOPNOTSUPP, NULL,
				 "kernel counters unavailable: this kernel has no BPF trampoline "
				 "(fentry/fexit) support");
	return error_set(err, code, NULL, "kernel counters unavailable: loading the tracing programs failed: %s%s%s",
			 strerror(-code), libbpf_last[0] ? ": " : "", libbpf_last);
}

static void global_set(int fd, uint32_t slot, uint64_t v)
{
	bpf_map_update_elem(fd, &slot, &v, BPF_ANY);
}

static uint64_t global_get(int fd, uint32_t slot)
{
	uint64_t v = 0;

	bpf_map_lookup_elem(fd, &slot, &v);
	return v;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Pin the links and both maps; on failure remove what was pinned. */
static int pin_all(struct counters_bpf *skel, const char *dir, struct mapsize_error *err)
{
	char path[4096];
	int ret;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return error_set(err, -errno, NULL, "cannot create %s: %s", dir, strerror(errno));
	ret = pin_path(path, sizeof(path), dir, PIN_COUNTERS);
	if (!ret)
		ret = bpf_map__pin(skel->maps.mapsize_ctrs, path);
	if (!ret && !(ret = pin_path(path, sizeof(path), dir, PIN_GLOBAL)))
		ret = bpf_map__pin(skel->maps.mapsize_ctrs_g, path);
	for (int i = 0; !ret && i < skel->skeleton->prog_cnt; i++) {
		struct bpf_link *link = *skel->skeleton->progs[i].link;
		char name[128];

		if (!link)	/* not in this kernel */
			continue;
		snprintf(name, sizeof(name), PIN_LINK_PREFIX "%s", prog_func(*skel->skeleton->progs[i].prog));
		ret = pin_path(path, sizeof(path), dir, name);
		if (!ret)
			ret = bpf_link__pin(link, path);
	}
	if (ret) {
		error_set(err, ret, NULL, "cannot pin the counters in %s: %s (expected a directory on a bpffs mount)",
			  dir, strerror(-ret));
		mapsize_counters__detach(dir, NULL);
	}
	return ret;
}

/* Map types whose bpf() updates bpf_map_update_value() can count when
 * `func` cannot be traced. */
static uint64_t syscall_types(const char *func)
{
	if (!strcmp(func, "trie_update_elem"))
		return 1ull << BPF_MAP_TYPE_LPM_TRIE;
	if (!strcmp(func, "queue_stack_map_push_elem"))
		return 1ull << BPF_MAP_TYPE_QUEUE | 1ull << BPF_MAP_TYPE_STACK;
	return 0;
}

/* Whether `func` has an ftrace entry, from tracefs: 1, 0, or -1 when
 * tracefs cannot be read. */
static int has_ftrace_entry(const char *func)
{
	static const char *const paths[] = { "/sys/kernel/tracing/available_filter_functions",
					     "/sys/kernel/debug/tracing/available_filter_functions" };
	size_t len = strlen(func);
	char line[512];

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		FILE *f = fopen(paths[i], "r");
		int found = 0;

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = !strncmp(line, func, len) && (line[len] == '\n' || line[len] == ' ');
		fclose(f);
		return found;
	}
	return -1;
}

/* Run the iterator that records the events of the perf event arrays filled
 * before attach: 0 or -errno. */
static int seed_perf_arrays(struct counters_bpf *skel)
{
	struct bpf_link *link;
	char buf[64];
	ssize_t n;
	int fd;

	if (!bpf_program__autoload(skel->progs.seed_perf_arrays))
		return -ENOENT;
	link = bpf_program__attach_iter(skel->progs.seed_perf_arrays, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		fd = -errno;
		bpf_link__destroy(link);
		return fd;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	bpf_link__destroy(link);
	return (int)n;
}

/* The tracing programs' perf output: counted at perf_event_output() when it
 * and the event-to-map table both attached and the table is seeded. */
static void perf_output(struct counters_bpf *skel, struct ctr_missing *m)
{
	bool counted = skel->links.ctr_perf_event_output && skel->links.ctr_perf_event_fd_array_get_ptr;

	if (counted && seed_perf_arrays(skel)) {
		m->missing |= 1ull << func_index("perf_event_fd_array_get_ptr");
		counted = false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(perf_helpers); i++) {
		uint64_t bit = 1ull << func_index(perf_helpers[i]);

		m->missing |= bit;
		if (has_ftrace_entry(perf_helpers[i]) == 0)
			m->noftrace |= bit;
		if (counted)
			m->partial_perf |= bit;
	}
}

/* Attach one by one: a kernel may refuse one function and allow the rest;
 * what is not counted is reported (*missing), with why for EBUSY
 * (*noftrace, *busy) and whether bpf()'s writes are still counted
 * (*syscall_only).  Fails only when nothing attaches. */
static int attach_each(struct counters_bpf *skel, struct ctr_missing *m)
{
	int attached = 0, first_err = 0, upd = -1;
	uint64_t fallback_types = 0, fallback_funcs = 0;

	for (int i = 0; i < skel->skeleton->prog_cnt; i++) {
		struct bpf_program *p = *skel->skeleton->progs[i].prog;
		struct bpf_link *link;
		int idx = func_index(prog_func(p)), ret;

		if (!bpf_program__autoload(p))
			continue;
		if (!strcmp(prog_func(p), "bpf_map_update_value")) {
			upd = i;	/* only where needed, below */
			continue;
		}
		if (p == skel->progs.seed_perf_arrays)
			continue;	/* run once, by perf_output() */
		link = bpf_program__attach(p);
		if (link) {
			*skel->skeleton->progs[i].link = link;
			attached++;
			continue;
		}
		ret = -errno;
		if (!first_err)
			first_err = ret;
		if (idx < 0)
			continue;
		m->missing |= 1ull << idx;
		/* the trampoline answers EBUSY where it finds no ftrace entry
		 * to patch (or another direct caller holds it) */
		if (ret == -EBUSY) {
			int entry = has_ftrace_entry(prog_func(p));

			if (entry == 0)
				m->noftrace |= 1ull << idx;
			else if (entry == 1)
				m->busy |= 1ull << idx;
		}
		if (syscall_types(prog_func(p))) {
			fallback_types |= syscall_types(prog_func(p));
			fallback_funcs |= 1ull << idx;
		}
	}
	perf_output(skel, m);
	/* elsewhere the types' own functions count bpf()'s writes */
	m->missing &= ~(1ull << func_index("bpf_map_update_value"));
	if (fallback_types) {
		struct bpf_link *link = NULL;

		skel->bss->fallback_types = fallback_types;
		if (upd >= 0 && (link = bpf_program__attach(*skel->skeleton->progs[upd].prog))) {
			*skel->skeleton->progs[upd].link = link;
			m->syscall_only |= fallback_funcs;
		} else {
			m->missing |= 1ull << func_index("bpf_map_update_value");
		}
	}
	return attached ? 0 : first_err ? first_err : -ENOENT;
}

int mapsize_counters__attach(const struct mapsize_counters_attach_opts *opts, struct mapsize_counters **out,
			     struct mapsize_error *err)
{
	const char *pin_dir;
	bool *already;
	struct mapsize_counters *c;
	struct bpf_program *p;
	libbpf_print_fn_t prev;
	struct btf *vmlinux;
	struct ctr_missing m = { 0 };
	int ret;

	*out = NULL;
	if (!OPTS_VALID(opts, mapsize_counters_attach_opts))
		return error_set(err, -EINVAL, NULL, "mapsize_counters_attach_opts: unknown fields set");
	pin_dir = OPTS_GET(opts, pin_dir, NULL);
	already = OPTS_GET(opts, already, NULL);
	if (already)
		*already = false;
	if (pin_dir) {
		char path[4096];

		if (!pin_path(path, sizeof(path), pin_dir, PIN_COUNTERS) && !access(path, F_OK)) {
			ret = mapsize_counters__open_pinned(pin_dir, out, err);
			if (!ret && already)
				*already = true;
			return ret;
		}
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return error_set(err, -ENOENT, NULL, "kernel counters unavailable: the kernel has no BTF "
				 "(/sys/kernel/btf/vmlinux), which fentry/fexit programs need");
	c = calloc(1, sizeof(*c));
	if (!c) {
		btf__free(vmlinux);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	c->ctr_fd = c->global_fd = -1;
	c->skel = counters_bpf__open();
	if (!c->skel) {
		ret = -errno;
		btf__free(vmlinux);
		free(c);
		return error_set(err, ret, NULL, "cannot open the counters object: %s", strerror(-ret));
	}
	bpf_object__for_each_program(p, c->skel->obj) {
		int idx = func_index(prog_func(p));

		/* the map-free program also walks the counter table */
		bool needs_walk = !strcmp(prog_func(p), "security_bpf_map_free");

		if (p == c->skel->progs.seed_perf_arrays) {
			if (btf__find_by_name_kind(vmlinux, "bpf_loop", BTF_KIND_FUNC) < 0)
				bpf_program__set_autoload(p, false);
			continue;
		}

		/* tells the tracing helpers' output from the rest (per-CPU
		 * variables are in BTF from 5.15's pahole on) */
		bool needs_sds = p == c->skel->progs.ctr_perf_event_output;

		if (btf__find_by_name_kind(vmlinux, prog_func(p), BTF_KIND_FUNC) < 0 ||
		    (needs_walk && btf__find_by_name_kind(vmlinux, "bpf_for_each_map_elem", BTF_KIND_FUNC) < 0) ||
		    (needs_sds && btf__find_by_name_kind(vmlinux, "bpf_trace_sds", BTF_KIND_VAR) < 0)) {
			bpf_program__set_autoload(p, false);
			if (idx >= 0)
				m.missing |= 1ull << idx;
		}
	}
	if (btf__find_by_name_kind(vmlinux, "bpf_prog_active", BTF_KIND_VAR) < 0)
		m.missing |= 1ull << func_index("bpf_prog_active");
	btf__free(vmlinux);
	libbpf_last[0] = '\0';
	prev = libbpf_set_print(keep_last);	/* the refusal is one line, not libbpf's log */
	ret = counters_bpf__load(c->skel);
	if (ret)
		ret = ret < 0 ? ret : -errno;
	else
		ret = attach_each(c->skel, &m);
	libbpf_set_print(prev);
	if (ret) {
		mapsize_counters__free(c);
		return refusal(err, ret);
	}
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_SINCE, (uint64_t)time(NULL));
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_MISSING, m.missing);
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_NOFTRACE, m.noftrace);
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_BUSY, m.busy);
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_SYSCALL_ONLY, m.syscall_only);
	global_set(bpf_map__fd(c->skel->maps.mapsize_ctrs_g), G_PARTIAL_PERF, m.partial_perf);
	unavailable_text(c, &m);
	if (pin_dir && (ret = pin_all(c->skel, pin_dir, err))) {
		mapsize_counters__free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int mapsize_counters__open_pinned(const char *pin_dir, struct mapsize_counters **out, struct mapsize_error *err)
{
	struct mapsize_counters *c;
	char path[4096];
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	ret = pin_path(path, sizeof(path), pin_dir, PIN_COUNTERS);
	c->ctr_fd = ret ? -1 : bpf_obj_get(path);
	if (c->ctr_fd >= 0 && !pin_path(path, sizeof(path), pin_dir, PIN_GLOBAL))
		c->global_fd = bpf_obj_get(path);
	else
		c->global_fd = -1;
	if (c->ctr_fd < 0 || c->global_fd < 0) {
		ret = errno == ENOENT || ret ? -ENOENT : -errno;
		mapsize_counters__free(c);
		return error_set(err, ret, NULL, "no kernel counters pinned in %s: %s", pin_dir, strerror(-ret));
	}
	{
		struct ctr_missing m = {
			.missing = global_get(c->global_fd, G_MISSING), .noftrace = global_get(c->global_fd, G_NOFTRACE),
			.busy = global_get(c->global_fd, G_BUSY), .syscall_only = global_get(c->global_fd, G_SYSCALL_ONLY),
			.partial_perf = global_get(c->global_fd, G_PARTIAL_PERF),
		};

		unavailable_text(c, &m);
	}
	*out = c;
	return 0;
}

int mapsize_counters__detach(const char *pin_dir, struct mapsize_error *err)
{
	struct dirent *de;
	char path[4096];
	int removed = 0;
	DIR *d = opendir(pin_dir);

	if (!d)
		return error_set(err, -errno, NULL, "no kernel counters pinned in %s: %s", pin_dir, strerror(errno));
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, PIN_COUNTERS) && strcmp(de->d_name, PIN_GLOBAL) &&
		    strncmp(de->d_name, PIN_LINK_PREFIX, strlen(PIN_LINK_PREFIX)))
			continue;
		if (!pin_path(path, sizeof(path), pin_dir, de->d_name) && !unlink(path))
			removed++;
	}
	closedir(d);
	rmdir(pin_dir);		/* only when empty: someone else's pins stay */
	if (!removed)
		return error_set(err, -ENOENT, NULL, "no kernel counters pinned in %s", pin_dir);
	return 0;
}

void mapsize_counters__free(struct mapsize_counters *c)
{
	if (!c)
		return;
	counters_bpf__destroy(c->skel);
	if (c->ctr_fd >= 0)
		close(c->ctr_fd);
	if (c->global_fd >= 0)
		close(c->global_fd);
	free(c);
}

static int ctr_fd(struct mapsize_counters *c)
{
	return c->skel ? bpf_map__fd(c->skel->maps.mapsize_ctrs) : c->ctr_fd;
}

static int global_fd(struct mapsize_counters *c)
{
	return c->skel ? bpf_map__fd(c->skel->maps.mapsize_ctrs_g) : c->global_fd;
}

static int cmp_id(const void *a, const void *b)
{
	const struct mapsize_map_counters *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int mapsize_counters__read(struct mapsize_counters *c, struct mapsize_map_counters **maps, size_t *cnt)
{
	struct ctr_key key;
	struct ctr_val val;
	struct mapsize_map_counters *out = NULL;
	struct map_key_walk w;
	size_t n = 0, cap = 0;
	int ret;

	*maps = NULL;
	*cnt = 0;
	ret = map_key_walk__init(&w, ctr_fd(c), sizeof(key), MAP_KEY_WALK_NO_BUDGET);
	while (!ret && (ret = map_key_walk__next(&w)) > 0) {
		ret = 0;
		memcpy(&key, w.key, sizeof(key));
		if (bpf_map_lookup_elem(w.fd, &key, &val))
			continue;	/* freed meanwhile */
		if (array_reserve((void **)&out, &cap, n + 1, sizeof(*out))) {
			ret = -ENOMEM;
			break;
		}
		memset(&out[n], 0, sizeof(out[n]));
		out[n].id = key.id;
		out[n].bpf_type = val.map_type;
		memcpy(out[n].kernel_name, val.name, sizeof(out[n].kernel_name) - 1);
		for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
			out[n].failures[k] = val.failures[k];
		out[n].evictions = val.evictions;
		out[n].drops = val.drops;
		out[n].syscall_failures = val.syscall_failures;
		n++;
	}
	map_key_walk__free(&w);
	if (ret) {
		free(out);
		return ret;
	}
	if (n)
		qsort(out, n, sizeof(*out), cmp_id);
	*maps = out;
	*cnt = n;
	return 0;
}

int64_t mapsize_counters__since(struct mapsize_counters *c)
{
	return (int64_t)global_get(global_fd(c), G_SINCE);
}

uint64_t mapsize_counters__lost(struct mapsize_counters *c)
{
	return global_get(global_fd(c), G_LOST);
}

const char *mapsize_counters__unavailable(struct mapsize_counters *c)
{
	return c->unavailable;
}
