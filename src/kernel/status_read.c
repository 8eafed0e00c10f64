// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading the live state: every BPF map on the machine (by id), filtered,
 * with its owners from /proc and the overflow counters of any loaded
 * mapsize_overflow map.  Maps that vanish while we read are skipped: the
 * kernel frees them between our get_next_id and get_fd_by_id. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include <mapsize/overflow.h>
#include "status_internal.h"
#include "kmap_name.h"
#include "status_attr.h"
#include "internal.h"

#define DEFAULT_MAX_WALK 1000000ULL

/* (map id, pid) pairs from /proc/<pid>/fdinfo, sorted by map id. */
struct owner {
	uint32_t map_id, pid;
};
struct owners {
	struct owner *items;
	size_t cnt, cap;
};

static int owners_add(struct owners *o, uint32_t map_id, uint32_t pid)
{
	if (array_reserve((void **)&o->items, &o->cap, o->cnt + 1, sizeof(*o->items)))
		return -ENOMEM;
	o->items[o->cnt++] = (struct owner){ map_id, pid };
	return 0;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->map_id != y->map_id)
		return x->map_id < y->map_id ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The map id behind /proc/<pid>/fd/<fd>, 0 when it is not a BPF map. */
static uint32_t fd_map_id(int pid_dir, const char *fd)
{
	char link[64], path[300], line[128];
	uint32_t id = 0;
	ssize_t n;
	FILE *f;
	int ffd;

	snprintf(path, sizeof(path), "fd/%s", fd);
	n = readlinkat(pid_dir, path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (strcmp(link, "anon_inode:bpf-map"))
		return 0;
	snprintf(path, sizeof(path), "fdinfo/%s", fd);
	ffd = openat(pid_dir, path, O_RDONLY | O_CLOEXEC);
	if (ffd < 0)
		return 0;
	f = fdopen(ffd, "re");
	if (!f) {
		close(ffd);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "map_id: %u", &id) == 1)
			break;
	fclose(f);
	return id;
}

/* Every process holding a BPF map fd.  Processes and fds that go away
 * while we look are skipped. */
static int scan_owners(struct owners *o)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int ret = 0;

	if (!proc)
		return -errno;
	while (!ret && (p = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(p->d_name, &end, 10);
		int pid_dir, fds_fd;
		DIR *fds;
		struct dirent *d;
		uint32_t last = 0;

		if (*end || !pid)
			continue;
		pid_dir = openat(dirfd(proc), p->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pid_dir < 0)
			continue;
		fds_fd = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fds = fds_fd >= 0 ? fdopendir(fds_fd) : NULL;
		if (!fds) {
			if (fds_fd >= 0)
				close(fds_fd);
			close(pid_dir);
			continue;
		}
		while (!ret && (d = readdir(fds))) {
			uint32_t id;

			if (d->d_name[0] == '.')
				continue;
			id = fd_map_id(pid_dir, d->d_name);
			if (id && id != last)	/* one pid per map, even with many fds */
				ret = owners_add(o, id, (uint32_t)pid);
			last = id ? id : last;
		}
		closedir(fds);
		close(pid_dir);
	}
	closedir(proc);
	if (!ret && o->cnt) {
		size_t w = 0;

		qsort(o->items, o->cnt, sizeof(*o->items), cmp_owner);
		for (size_t r = 0; r < o->cnt; r++)
			if (!w || cmp_owner(&o->items[w - 1], &o->items[r]))
				o->items[w++] = o->items[r];
		o->cnt = w;
	}
	return ret;
}

/* The pids owning map `id`: a slice of the sorted owners. */
static const struct owner *owners_of(const struct owners *o, uint32_t id, size_t *cnt)
{
	size_t lo = 0, hi = o->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->items[mid].map_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*cnt = 0;
	while (lo + *cnt < o->cnt && o->items[lo + *cnt].map_id == id)
		(*cnt)++;
	return o->items + lo;
}

/* ---- overflow counters ------------------------------------------------------ */

/* The failures of the counted map named `name` (kernel names are cut at
 * 15 characters, the counter names are not). */
struct failure_note {
	uint32_t map_id;
	uint64_t failures[MAPSIZE_OVF_CLASSES];
};
struct failure_notes {
	struct failure_note *items;
	size_t cnt, cap;
};

/* Every loaded program's maps and BTF, read once per status read when
 * first needed: the maps beside an overflow counter, and the BTF that
 * names a map created without one (libbpf gives map-in-maps none). */
struct prog_use {
	char name[64];		/* the kernel's 15 bytes, or the full name once read */
	bool full_read;
	uint32_t id, btf_id;
	uint32_t map_cnt;
	uint32_t map_ids[256];
};
struct prog_uses {
	struct prog_use *items;
	size_t cnt, cap;
	bool read;
	struct btf *btf;	/* the last program BTF read: an object's programs share one */
	uint32_t btf_id;
};

static int read_prog_uses(struct prog_uses *pu)
{
	uint32_t prog_id = 0;
	int ret = 0;

	if (pu->read)
		return 0;
	pu->read = true;
	while (!ret) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		struct prog_use *u;
		int fd;

		if (bpf_prog_get_next_id(prog_id, &prog_id)) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		fd = bpf_prog_get_fd_by_id(prog_id);
		if (fd < 0)
			continue;	/* unloaded meanwhile */
		if (array_reserve((void **)&pu->items, &pu->cap, pu->cnt + 1, sizeof(*pu->items))) {
			close(fd);
			return -ENOMEM;
		}
		u = &pu->items[pu->cnt];
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = ARRAY_SIZE(u->map_ids);
		info.map_ids = (__u64)(unsigned long)u->map_ids;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			snprintf(u->name, sizeof(u->name), "%s", info.name);
			u->full_read = false;
			u->id = prog_id;
			u->btf_id = info.btf_id;
			u->map_cnt = info.nr_map_ids < ARRAY_SIZE(u->map_ids) ? info.nr_map_ids : ARRAY_SIZE(u->map_ids);
			pu->cnt++;
		}
		close(fd);
	}
	return ret;
}

static bool prog_uses_map(const struct prog_use *u, uint32_t map_id)
{
	for (uint32_t i = 0; i < u->map_cnt; i++)
		if (u->map_ids[i] == map_id)
			return true;
	return false;
}

/* The BTF of a program using map `map_id`; 0 when none has one. */
static uint32_t prog_btf_of(const struct prog_uses *pu, uint32_t map_id)
{
	for (size_t p = 0; p < pu->cnt; p++)
		if (pu->items[p].btf_id && prog_uses_map(&pu->items[p], map_id))
			return pu->items[p].btf_id;
	return 0;
}

/* The first, in byte order, of the names of the programs using map `map_id`. */
/* A program's full name: the kernel keeps 15 bytes, the BTF of its main
 * function (func_info[0]) has them all, as bpftool shows them. */
static void prog_full_name(struct prog_uses *pu, struct prog_use *u)
{
	struct bpf_func_info fi = { 0 };
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	bool have = false;
	int fd;

	u->full_read = true;
	if (strlen(u->name) < BPF_OBJ_NAME_LEN - 1 || !u->btf_id)
		return;
	fd = bpf_prog_get_fd_by_id(u->id);
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = 1;
	info.func_info_rec_size = sizeof(fi);
	info.func_info = (__u64)(unsigned long)&fi;
	have = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.nr_func_info && info.btf_id;
	close(fd);
	if (have && pu->btf_id != info.btf_id) {
		btf__free(pu->btf);
		pu->btf = btf__load_from_kernel_by_id(info.btf_id);
		pu->btf_id = pu->btf ? info.btf_id : 0;
	}
	if (have && pu->btf) {
		const struct btf_type *t = btf__type_by_id(pu->btf, fi.type_id);
		const char *full = t ? btf__name_by_offset(pu->btf, t->name_off) : NULL;

		if (full && !strncmp(full, u->name, BPF_OBJ_NAME_LEN - 1))
			snprintf(u->name, sizeof(u->name), "%s", full);
	}
}

/* The first, in byte order of their full names, of the programs using map
 * `map_id`. */
static const char *prog_name_of(struct prog_uses *pu, uint32_t map_id)
{
	const char *first = NULL;

	for (size_t p = 0; p < pu->cnt; p++) {
		struct prog_use *u = &pu->items[p];

		if (!u->name[0] || !prog_uses_map(u, map_id))
			continue;
		if (!u->full_read)
			prog_full_name(pu, u);
		if (!first || strcmp(u->name, first) < 0)
			first = u->name;
	}
	return first;
}

/* Where the full names come from besides the kernel: programs' BTF, pin
 * paths (--pinned's and every bpffs's), the caller's names. */
struct name_sources {
	struct prog_uses *progs;
	const struct id_set *pinned, *pins;
	const struct mapsize_status_opts *opts;
};

/* The full name of a map (kmap_name.c), with the BTF of a program using
 * it when the map has none of its own. */
static enum kmap_name_source full_name(const struct name_sources *ns, const struct bpf_map_info *info, char *buf,
				       size_t size)
{
	const char *paths[16];
	struct kmap_name_hints h = { 0 };

	if (!kmap_name_is_cut(info->name))
		return kmap_full_name(info, NULL, buf, size);
	if (!info->btf_id && !read_prog_uses(ns->progs))
		h.prog_btf_id = prog_btf_of(ns->progs, info->id);
	h.pin_paths = paths;
	h.pin_cnt = pin_paths_of(ns->pinned, ns->pins, info->id, paths, ARRAY_SIZE(paths));
	if (ns->opts) {
		h.names = ns->opts->full_names;
		h.name_cnt = ns->opts->full_names ? ns->opts->full_name_cnt : 0;
	}
	return kmap_full_name(info, &h, buf, size);
}

/* The pin path to show for map `id`: the one whose basename is its name,
 * else the first in byte order. */
static const char *shown_pin(const struct id_set *pinned, const struct id_set *pins, uint32_t id, const char *name)
{
	const char *paths[16], *first = NULL;
	size_t n = pin_paths_of(pinned, pins, id, paths, ARRAY_SIZE(paths));

	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(paths[i], '/');

		if (!strcmp(slash ? slash + 1 : paths[i], name))
			return paths[i];
		if (!first || strcmp(paths[i], first) < 0)
			first = paths[i];
	}
	return first;
}

static enum mapsize_name_source public_source(enum kmap_name_source src)
{
	switch (src) {
	case KMAP_NAME_BTF: return MAPSIZE_NAME_BTF;
	case KMAP_NAME_PIN: return MAPSIZE_NAME_PIN;
	case KMAP_NAME_GIVEN: return MAPSIZE_NAME_RULES;
	default: return MAPSIZE_NAME_KERNEL;
	}
}

/* The maps used by the programs that use map `counter_id`: the counted
 * maps sit beside the counter in the same programs. */
static int sibling_maps(struct prog_uses *pu, uint32_t counter_id, struct id_set *out)
{
	int ret = read_prog_uses(pu);

	for (size_t p = 0; !ret && p < pu->cnt; p++) {
		const struct prog_use *u = &pu->items[p];

		if (!prog_uses_map(u, counter_id))
			continue;
		for (uint32_t i = 0; !ret && i < u->map_cnt; i++)
			if (u->map_ids[i] != counter_id && !id_set_has(out, u->map_ids[i]))
				ret = id_set_add(out, u->map_ids[i]);
	}
	return ret;
}

static int note_failures(struct failure_notes *notes, uint32_t map_id, const uint64_t *failures)
{
	if (array_reserve((void **)&notes->items, &notes->cap, notes->cnt + 1, sizeof(*notes->items)))
		return -ENOMEM;
	notes->items[notes->cnt].map_id = map_id;
	memcpy(notes->items[notes->cnt].failures, failures, sizeof(notes->items[0].failures));
	notes->cnt++;
	return 0;
}

/* Read one mapsize_overflow map and attribute each named counter to the
 * sibling map of that name (status_attr_pick over the full names). */
static int read_counter_map(int fd, uint32_t counter_id, const struct name_sources *ns, struct failure_notes *notes)
{
	struct mapsize_overflow_counter *counters = NULL;
	struct status_attr_map *maps = NULL;
	const char **names = NULL;
	char (*full)[64] = NULL;
	uint32_t *ids = NULL;
	struct id_set siblings = { 0 };
	size_t n = 0;
	bool *pick = NULL;
	int cnt = mapsize_overflow__read(fd, &counters), ret = 0;

	if (cnt <= 0)
		return 0;	/* not ours after all, or vanished */
	ret = sibling_maps(ns->progs, counter_id, &siblings);
	if (ret)
		goto out;
	maps = calloc(siblings.cnt + 1, sizeof(*maps));
	full = calloc(siblings.cnt + 1, sizeof(*full));
	ids = calloc(siblings.cnt + 1, sizeof(*ids));
	pick = calloc(siblings.cnt + 1, sizeof(*pick));
	names = calloc((size_t)cnt, sizeof(*names));
	if (!maps || !full || !ids || !pick || !names) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < siblings.cnt; s++) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int sfd = bpf_map_get_fd_by_id(siblings.ids[s]);
		enum kmap_name_source src;

		if (sfd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(sfd, &info, &len)) {
			src = full_name(ns, &info, full[n], sizeof(full[n]));
			maps[n].name = full[n];
			maps[n].truncated = src == KMAP_NAME_TRUNCATED || src == KMAP_NAME_AMBIGUOUS;
			ids[n++] = info.id;
		}
		close(sfd);
	}
	for (int c = 0; c < cnt; c++)
		names[c] = counters[c].map_name;
	for (int c = 0; !ret && c < cnt; c++) {
		int picked = status_attr_pick(names, (size_t)cnt, (size_t)c, maps, n, pick);

		if (picked < 0) {
			pr_warn("overflow counter '%s': more than one map shares its first 15 bytes and nothing "
				"tells them apart (no BTF, no pin path): its failures are attributed to none\n",
				names[c]);
			continue;
		}
		for (size_t i = 0; !ret && i < n; i++)
			if (pick[i])
				ret = note_failures(notes, ids[i], counters[c].failures);
	}
out:
	free(siblings.ids);
	free(counters);
	free(maps);
	free(full);
	free(ids);
	free(pick);
	free(names);
	return ret;
}

/* ---- the whole read ---------------------------------------------------------- */

bool status_env_model(struct status_counter_env *env)
{
	struct utsname u;
	unsigned int version = 0;

	if (!env->model_state) {
		env->consts.sz = sizeof(env->consts);
		env->model_state = -1;
		if (!uname(&u) && !mapsize_kernel_version(u.release, &version) &&
		    !mapsize_mem_era__from_kernel(version, &env->era) &&
		    !mapsize_kernel_consts__from_btf(NULL, &env->consts)) {
			mapsize_kernel_consts__set_kernel(&env->consts, version);
			env->model_state = 1;
		}
	}
	return env->model_state > 0;
}

/* What stays loaded between reads: the options, the iterator program, the
 * memory model.  A watch loop or an exporter pays the loading once. */
struct mapsize_status_reader {
	struct mapsize_status_opts opts;
	struct status_counter_env env;
	struct status_kfunc *kfunc;
	int kfunc_err;
};

struct mapsize_status_reader *mapsize_status_reader__new(const struct mapsize_status_opts *opts,
							 struct mapsize_error *err)
{
	struct mapsize_status_reader *r;
	int cpus = libbpf_num_possible_cpus();
	uint32_t id = 0;

	error_clear(err);
	if (!OPTS_VALID(opts, mapsize_status_opts)) {
		error_set(err, -EINVAL, NULL, "mapsize_status_reader__new: opts->sz %zu is not a size this library "
			  "knows, or asks for fields it lacks", opts->sz);
		errno = EINVAL;
		return NULL;
	}
	if (bpf_map_get_next_id(0, &id) && errno != ENOENT) {
		int e = errno;

		error_set(err, -e, NULL, "cannot list BPF maps: %s%s", strerror(e),
			  e == EPERM ? " (needs root or CAP_BPF + CAP_SYS_ADMIN)" : "");
		errno = e;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->opts.sz = sizeof(r->opts);
	r->opts.name_glob = OPTS_GET(opts, name_glob, NULL);
	r->opts.id = OPTS_GET(opts, id, 0);
	r->opts.pid = OPTS_GET(opts, pid, 0);
	r->opts.pinned = OPTS_GET(opts, pinned, NULL);
	r->opts.method = OPTS_GET(opts, method, MAPSIZE_COUNT_AUTO);
	r->opts.max_walk = OPTS_GET(opts, max_walk, 0);
	r->opts.no_pids = OPTS_GET(opts, no_pids, false);
	r->opts.full_names = OPTS_GET(opts, full_names, NULL);
	r->opts.full_name_cnt = OPTS_GET(opts, full_name_cnt, 0);
	r->env.method = r->opts.method;
	r->env.max_walk = r->opts.max_walk ? r->opts.max_walk : DEFAULT_MAX_WALK;
	r->env.possible_cpus = cpus > 0 ? (uint32_t)cpus : 1;
	if (r->env.method == MAPSIZE_COUNT_AUTO || r->env.method == MAPSIZE_COUNT_KFUNC)
		r->kfunc_err = status_kfunc_open(&r->kfunc);
	return r;
}

void mapsize_status_reader__free(struct mapsize_status_reader *r)
{
	if (!r)
		return;
	status_kfunc_close(r->kfunc);
	free(r->env.kfunc.items);
	free(r);
}

static bool wanted(const struct mapsize_status_opts *opts, const struct id_set *pinned,
		   const struct mapsize_live_map *m)
{
	bool held = false;

	if (opts->name_glob && fnmatch(opts->name_glob, m->name, 0) && fnmatch(opts->name_glob, m->kernel_name, 0))
		return false;
	if (opts->id && m->id != opts->id)
		return false;
	if (pinned->active && !id_set_has(pinned, m->id))
		return false;
	for (size_t i = 0; opts->pid > 0 && i < m->pid_cnt; i++)
		held |= m->pids[i] == (uint32_t)opts->pid;
	return opts->pid <= 0 || held;
}

int mapsize_status_reader__read(struct mapsize_status_reader *r, struct mapsize_status **out,
				struct mapsize_error *err)
{
	const struct mapsize_status_opts *opts;
	struct owners owners = { 0 };
	struct failure_notes notes = { 0 };
	struct prog_uses progs = { 0 };
	struct id_set pinned = { 0 }, pins = { 0 };
	struct name_sources ns = { .progs = &progs, .pinned = &pinned, .pins = &pins, .opts = &r->opts };
	struct mapsize_status *st = NULL;
	uint32_t id = 0;
	int ret = 0;

	error_clear(err);
	if (!r || !out)
		return error_set(err, -EINVAL, NULL, "mapsize_status_reader__read: no reader or no output");
	opts = &r->opts;
	*out = NULL;
	if (opts->pinned) {
		ret = read_pinned(opts->pinned, &pinned, err);
		if (ret)
			goto out;
	}
	if (!opts->no_pids || opts->pid) {
		ret = scan_owners(&owners);
		if (ret) {
			error_set(err, ret, NULL, "cannot scan /proc for map owners: %s", strerror(-ret));
			goto out;
		}
	}
	if (read_all_pins(&pins) || read_prog_uses(&progs) == -ENOMEM) {
		ret = error_set(err, -ENOMEM, NULL, "out of memory");
		goto out;
	}
	r->env.have_kfunc = r->kfunc && !status_kfunc_counts(r->kfunc, &r->env.kfunc);
	st = mapsize_status__new();
	if (!st) {
		ret = error_set(err, -ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (id = 0;;) {
		struct mapsize_kernel_map k = { .sz = sizeof(k) };
		struct mapsize_live_map m = { 0 };
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd;
		const struct owner *own;
		enum kmap_name_source src;
		uint32_t pids[256];

		if (bpf_map_get_next_id(id, &id)) {
			if (errno == ENOENT)
				break;	/* the end of the list */
			ret = -errno;
			error_set(err, ret, NULL, "cannot list BPF maps past id %u: %s", id, strerror(-ret));
			goto out;
		}
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone between get_next_id and get_fd_by_id */
		/* The cheap look first (no fdinfo): most maps are filtered out or
		 * only checked for being an overflow counter. */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		if (mapsize_overflow__is_counter_map(info.name, info.type)) {
			ret = read_counter_map(fd, info.id, &ns, &notes);
			if (ret) {
				close(fd);
				error_set(err, ret, NULL, "out of memory");
				goto out;
			}
		}
		m.id = info.id;
		snprintf(m.kernel_name, sizeof(m.kernel_name), "%s", info.name);
		src = full_name(&ns, &info, m.name, sizeof(m.name));
		m.name_truncated = src == KMAP_NAME_TRUNCATED || src == KMAP_NAME_AMBIGUOUS;
		m.name_source = public_source(src);
		m.pin = shown_pin(&pinned, &pins, m.id, m.name);
		snprintf(m.prog, sizeof(m.prog), "%s", prog_name_of(&progs, m.id) ?: "");
		own = owners_of(&owners, m.id, &m.pid_cnt);
		if (m.pid_cnt > ARRAY_SIZE(pids))
			m.pid_cnt = ARRAY_SIZE(pids);
		for (size_t i = 0; i < m.pid_cnt; i++)
			pids[i] = own[i].pid;
		m.pids = pids;
		if (!wanted(opts, &pinned, &m) || mapsize_kernel_map__read(fd, &k)) {
			close(fd);
			continue;
		}
		m.bpf_type = k.bpf_type;
		m.key_size = k.key_size;
		m.value_size = k.value_size;
		m.max_entries = k.max_entries;
		m.map_flags = k.map_flags;
		m.memlock_bytes = k.memlock_bytes;
		status_count_map(&r->env, fd, &m);
		ret = mapsize_status__add(st, &m);
		close(fd);
		if (ret) {
			error_set(err, ret, NULL, "out of memory");
			goto out;
		}
	}
	/* Counters are attached last: the counter map may come after the maps it counts. */
	for (size_t i = 0; i < notes.cnt; i++) {
		struct mapsize_live_map *m = (struct mapsize_live_map *)mapsize_status__find_id(st, notes.items[i].map_id);

		if (!m)
			continue;
		for (int c = 0; c < MAPSIZE_OVF_CLASSES; c++)
			m->failures[c] += notes.items[i].failures[c];
		m->has_failures = true;
	}
	*out = st;
	st = NULL;
out:
	mapsize_status__free(st);
	free(owners.items);
	free(notes.items);
	free(progs.items);
	btf__free(progs.btf);
	id_set_free(&pinned);
	id_set_free(&pins);
	return ret;
}

int mapsize_status__read(const struct mapsize_status_opts *opts, struct mapsize_status **out,
			 struct mapsize_error *err)
{
	struct mapsize_status_reader *r;
	int ret;

	if (!out)
		return error_set(err, -EINVAL, NULL, "mapsize_status__read: no output");
	*out = NULL;
	r = mapsize_status_reader__new(opts, err);
	if (!r)
		return -errno;
	ret = mapsize_status_reader__read(r, out, err);
	mapsize_status_reader__free(r);
	return ret;
}
