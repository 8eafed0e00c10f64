// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Why a program did not load (mapsize verify, issue 17 item 4), from
 * evidence only: libbpf's messages for the failed attempt, the errno, the
 * program's type as libbpf opened it, libbpf's probe of that type, the
 * lockdown state and the memlock accounting of the running kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "libbpf_log.h"
#include "format.h"
#include "json.h"
#include "mapsize.h"
#include "verify.h"

static const char *const CODES[] = {
	[VERIFY_CAUSE_VERIFIER] = "verifier",
	[VERIFY_CAUSE_ATTACH_TARGET] = "attach_target",
	[VERIFY_CAUSE_UNKNOWN_SECTION] = "unknown_section",
	[VERIFY_CAUSE_TYPE_REFUSED] = "type_refused",
	[VERIFY_CAUSE_EXTERN] = "extern",
	[VERIFY_CAUSE_MEMLOCK] = "memlock",
	[VERIFY_CAUSE_OTHER] = "other",
};

const char *verify_cause__code(enum verify_cause cause)
{
	return cause > 0 && cause < sizeof(CODES) / sizeof(CODES[0]) ? CODES[cause] : "other";
}

void prog_failures__free(struct prog_failures *pf)
{
	for (size_t i = 0; i < pf->cnt; i++) {
		free(pf->v[i].name);
		free(pf->v[i].section);
		free(pf->v[i].message);
	}
	free(pf->v);
	memset(pf, 0, sizeof(*pf));
}

const struct prog_failure *prog_failures__find(const struct prog_failures *pf, const char *name)
{
	for (size_t i = 0; i < pf->cnt; i++)
		if (!strcmp(pf->v[i].name, name))
			return &pf->v[i];
	return NULL;
}

bool prog_failures__has(const struct prog_failures *pf, const char *name)
{
	return prog_failures__find(pf, name) != NULL;
}

static int add(struct prog_failures *pf, const char *name, const char *section, enum verify_cause cause,
	       int err, bool maps_only, const char *message)
{
	struct prog_failure *v, *f;

	if (prog_failures__has(pf, name))
		return 0;
	v = realloc(pf->v, (pf->cnt + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pf->v = v;
	f = &v[pf->cnt];
	*f = (struct prog_failure){ .cause = cause, .err = err, .maps_only = maps_only,
				    .name = strdup(name), .section = strdup(section ? section : ""),
				    .message = strdup(message) };
	if (!f->name || !f->section || !f->message) {
		free(f->name);
		free(f->section);
		free(f->message);
		return -ENOMEM;
	}
	pf->cnt++;
	return 1;
}

/* ---- evidence ------------------------------------------------------------- */

/* The last line of the log containing `needle`, whole but for libbpf's
 * "libbpf: " prefix, into buf; NULL when none. */
static const char *log_line(const char *needle, char *buf, size_t size)
{
	const char *text = libbpf_log__text(), *p, *last = NULL, *s, *e;

	for (p = text; (p = strstr(p, needle)); p++)
		last = p;
	if (!last)
		return NULL;
	for (s = last; s > text && s[-1] != '\n'; s--)
		;
	e = strchr(last, '\n');
	e = e ? e : last + strlen(last);
	if (e - s >= 8 && !strncmp(s, "libbpf: ", 8))
		s += 8;
	snprintf(buf, size, "%.*s", (int)(e - s), s);
	return buf;
}

/* The quoted name after `needle` in the log's last line holding it. */
static bool quoted_after(const char *needle, char *name, size_t size)
{
	char line[1024];
	const char *p, *q;

	if (!log_line(needle, line, sizeof(line)) || !(p = strstr(line, needle)))
		return false;
	/* from needle's last character: its own opening quote when it ends with one */
	p = strchr(p + strlen(needle) - 1, '\'');
	if (!p || !(q = strchr(p + 1, '\'')))
		return false;
	snprintf(name, size, "%.*s", (int)(q - p - 1), p + 1);
	return name[0] != '\0';
}

/* "EPERM" for -EPERM: what libbpf and the kernel documentation call it. */
static const char *errno_name(int err)
{
	static char buf[24];

	switch (-err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case 524: return "ENOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", -err);
	return buf;
}

/* /sys/kernel/security/lockdown: "none [integrity] confidentiality" -> its
 * bracketed mode, else why it cannot be told. */
static const char *lockdown(char *buf, size_t size)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	const char *b, *e;

	if (!f) {
		snprintf(buf, size, "lockdown not reported: /sys/kernel/security/lockdown: %s", strerror(errno));
		return buf;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	b = strchr(line, '[');
	e = b ? strchr(b, ']') : NULL;
	if (b && e)
		snprintf(buf, size, "lockdown: %.*s", (int)(e - b - 1), b + 1);
	else
		snprintf(buf, size, "/sys/kernel/security/lockdown: \"%.*s\"", (int)strcspn(line, "\n"), line);
	return buf;
}

bool verify_cause__memlock(const struct memlock_evidence *me, int err, char *buf, size_t size)
{
	struct rlimit rl;
	char a[32], b[32];

	/* only the rlimit era charges maps and programs to RLIMIT_MEMLOCK, and
	 * only a limit below what the plan locks can explain the failure */
	if (!me || getrlimit(RLIMIT_MEMLOCK, &rl) ||
	    !verify_memlock_explains(err, me->era, me->planned, rl.rlim_cur, rl.rlim_cur == RLIM_INFINITY))
		return false;
	snprintf(buf, size, "the kernel (before 5.11) charges maps and programs to RLIMIT_MEMLOCK, which is %s "
		 "(%llu bytes), and the plan's maps alone lock %s (%llu bytes) at load: %s; raise it "
		 "(ulimit -l unlimited, or LimitMEMLOCK=infinity for a service)",
		 human_bytes(rl.rlim_cur, a, sizeof(a)), (unsigned long long)rl.rlim_cur,
		 human_bytes(me->planned, b, sizeof(b)), (unsigned long long)me->planned, errno_name(err));
	return true;
}

/* ---- a failed load ---------------------------------------------------------- */

/* The program libbpf names as failed ("prog 'NAME': failed to load: -N"). */
static bool failed_program(char *name, size_t size, int *err)
{
	char line[512];
	const char *p;

	if (!log_line("': failed to load: ", line, sizeof(line)) || strncmp(line, "prog '", 6))
		return false;
	p = strchr(line + 6, '\'');
	if (!p)
		return false;
	snprintf(name, size, "%.*s", (int)(p - line - 6), line + 6);
	*err = atoi(p + strlen("': failed to load: "));
	return true;
}

/* Is the attach target of `p` in vmlinux's BTF?  Only then does a program
 * of a refused type fail for its type alone: libbpf looks the target up
 * before asking the kernel (ESRCH, attach_target), in modules' BTF too. */
static bool target_in_vmlinux(struct bpf_program *p)
{
	static struct btf *vmlinux;
	static bool tried;
	const char *sec = bpf_program__section_name(p), *target = strchr(sec, '/');
	char name[256];
	int kind = BTF_KIND_FUNC;

	if (bpf_program__type(p) != BPF_PROG_TYPE_TRACING && bpf_program__type(p) != BPF_PROG_TYPE_LSM)
		return true;	/* no BTF attach target */
	if (!tried) {
		tried = true;
		vmlinux = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	if (!vmlinux || !target || !target[1])
		return false;
	target++;
	if (!strncmp(sec, "tp_btf", 6)) {
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		kind = BTF_KIND_TYPEDEF;
	} else if (!strncmp(sec, "lsm", 3)) {
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
	} else if (!strncmp(sec, "iter", 4)) {
		snprintf(name, sizeof(name), "bpf_iter_%s", target);
	} else {
		snprintf(name, sizeof(name), "%s", target);
	}
	return btf__find_by_name_kind(vmlinux, name, kind) > 0;
}

/* The kernel refused `failed`'s type and libbpf's probe of the type fails
 * too: the other programs of that type still to load are refused alike,
 * without a load each (an object of 30 fentry programs). */
static int refused_alike(struct prog_failures *pf, struct bpf_object *obj, struct bpf_program *failed,
			 int err, const char *lk)
{
	enum bpf_prog_type type = bpf_program__type(failed);
	const char *tname = libbpf_bpf_prog_type_str(type);
	struct bpf_program *p;
	char msg[1024];
	int n = 0, ret;

	bpf_object__for_each_program(p, obj) {
		if (p == failed || bpf_program__type(p) != type || !bpf_program__autoload(p) ||
		    !target_in_vmlinux(p))
			continue;
		snprintf(msg, sizeof(msg), "this kernel refuses %s programs: '%s', of the same type, failed with %s "
			 "although this process may use bpf(), and libbpf's probe of the type fails too (%s)",
			 tname ? tname : "these", bpf_program__name(failed), errno_name(err), lk);
		ret = add(pf, bpf_program__name(p), bpf_program__section_name(p), VERIFY_CAUSE_TYPE_REFUSED, err,
			  false, msg);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}

static int diagnose_program(struct prog_failures *pf, struct bpf_object *obj, struct bpf_program *prog, int err,
			    const struct memlock_evidence *me)
{
	const char *name = bpf_program__name(prog), *sec = bpf_program__section_name(prog);
	enum bpf_prog_type type = bpf_program__type(prog);
	char msg[1536], tail[1024], target[256], needle[300], line[1024], lk[160];
	const char *tname = libbpf_bpf_prog_type_str(type);
	int ret, alike;

	snprintf(needle, sizeof(needle), "prog '%s': missing BPF prog type", name);
	if (type == BPF_PROG_TYPE_UNSPEC || log_line(needle, line, sizeof(line))) {
		snprintf(msg, sizeof(msg), "libbpf %s does not know the section name '%s' (it gives the program "
			 "no type: \"missing BPF prog type\")", libbpf_version_string(), sec);
		return add(pf, name, sec, VERIFY_CAUSE_UNKNOWN_SECTION, err, false, msg);
	}
	snprintf(needle, sizeof(needle), "prog '%s': failed to find kernel BTF type ID of '", name);
	if (err == -ESRCH && quoted_after(needle, target, sizeof(target))) {
		snprintf(msg, sizeof(msg), "its %.*s attach target '%s' is not in this kernel's BTF (vmlinux and "
			 "modules): libbpf found no BTF type for it (%s)", (int)strcspn(sec, "/"), sec, target,
			 errno_name(err));
		return add(pf, name, sec, VERIFY_CAUSE_ATTACH_TARGET, err, false, msg);
	}
	if (err == -ESRCH && (log_line("failed to find valid kernel BTF", line, sizeof(line)) ||
			      log_line("vmlinux BTF", line, sizeof(line)))) {
		snprintf(msg, sizeof(msg), "it needs its attach target from the kernel's BTF, which this kernel "
			 "does not expose (libbpf: %s)", line);
		return add(pf, name, sec, VERIFY_CAUSE_ATTACH_TARGET, err, false, msg);
	}
	if (!libbpf_log__verifier_tail(name, 3, tail, sizeof(tail))) {
		snprintf(msg, sizeof(msg), "the verifier rejected it%s: %s",
			 strstr(tail, "CO-RE relocation") ? " (libbpf could not resolve a CO-RE relocation "
			 "against this kernel's BTF)" : "", tail);
		return add(pf, name, sec, VERIFY_CAUSE_VERIFIER, err, false, msg);
	}
	if (verify_cause__memlock(me, err, msg, sizeof(msg)))
		return add(pf, name, sec, VERIFY_CAUSE_MEMLOCK, err, false, msg);
	/* the maps were created before: bpf() itself is allowed, the kernel
	 * refuses this type (libbpf's probe of the type says the same) */
	if ((err == -EPERM || err == -EACCES || err == -EINVAL) && libbpf_probe_bpf_prog_type(type, NULL) == 0) {
		snprintf(msg, sizeof(msg), "this kernel refuses %s programs: the load failed with %s although "
			 "this process may use bpf() (the object's maps were created), and libbpf's probe of the "
			 "type fails too (%s)", tname ? tname : "these", errno_name(err), lockdown(lk, sizeof(lk)));
		ret = add(pf, name, sec, VERIFY_CAUSE_TYPE_REFUSED, err, false, msg);
		alike = ret < 0 ? ret : refused_alike(pf, obj, prog, err, lk);
		return alike < 0 ? alike : ret + alike;
	}
	snprintf(needle, sizeof(needle), "prog '%s': ", name);
	if (!log_line(needle, line, sizeof(line)) || strstr(line, "failed to load: "))
		snprintf(line, sizeof(line), "%s", strerror(-err));
	snprintf(msg, sizeof(msg), "the load failed with %s: %s", errno_name(err), line);
	return add(pf, name, sec, VERIFY_CAUSE_OTHER, err, false, msg);
}

/* An extern libbpf could not resolve: every function using it. */
static int diagnose_extern(struct prog_failures *pf, struct bpf_object *obj, const char *path, int err,
			   const char *ext, const char *line, bool at_open)
{
	char users[1024], msg[1536], sec[256];
	char *save = NULL, *s;
	int added = 0, ret;

	if (verify_object__extern_users(path, ext, users, sizeof(users)))
		return 0;
	for (s = strtok_r(users, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
		struct bpf_program *prog = obj ? bpf_object__find_program_by_name(obj, s) : NULL;

		if (prog)
			snprintf(sec, sizeof(sec), "%s", bpf_program__section_name(prog));
		else if (verify_object__function_section(path, s, sec, sizeof(sec)))
			sec[0] = '\0';
		if (at_open)
			snprintf(msg, sizeof(msg), "it uses '%s', an extern the object leaves to be linked in "
				 "(libbpf cannot open the object: %s)", ext, line);
		else
			snprintf(msg, sizeof(msg), "it uses '%s', which the running kernel does not provide "
				 "(libbpf: %s)", ext, line);
		/* a subprogram's callers are not told apart: the maps alone */
		ret = add(pf, s, sec, VERIFY_CAUSE_EXTERN, err, at_open || !prog, msg);
		if (ret < 0)
			return ret;
		added += ret;
	}
	return added;
}

int verify_cause__load_failed(struct prog_failures *pf, struct bpf_object *obj, const char *path, int err,
			      const struct memlock_evidence *me)
{
	char name[256], ext[256], line[1024];
	struct bpf_program *prog;
	int perr;

	if (failed_program(name, sizeof(name), &perr) && (prog = bpf_object__find_program_by_name(obj, name)))
		return diagnose_program(pf, obj, prog, perr ? perr : err, me);
	if (quoted_after("extern ", ext, sizeof(ext)) && log_line("extern ", line, sizeof(line)))
		return diagnose_extern(pf, obj, path, err, ext, line, false);
	return 0;
}

int verify_cause__open_failed(struct prog_failures *pf, const char *path, int err)
{
	char ext[256], line[1024], name[256], sec[256], msg[1536];
	const char *q;

	if (quoted_after("failed to find BTF for extern ", ext, sizeof(ext)) &&
	    log_line("failed to find BTF for extern ", line, sizeof(line)))
		return diagnose_extern(pf, NULL, path, err, ext, line, true);
	/* "prog 'NAME': bad map relo against ...": libbpf names the program */
	if (!log_line("prog '", line, sizeof(line)) || strncmp(line, "prog '", 6) || !(q = strchr(line + 6, '\'')))
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(q - line - 6), line + 6);
	if (verify_object__function_section(path, name, sec, sizeof(sec)))
		sec[0] = '\0';
	snprintf(msg, sizeof(msg), "libbpf %s cannot open the object: %s%s", libbpf_version_string(), line,
		 strstr(line, "bad map relo") ? " (maps in per-map maps/NAME sections, as gobpf builds them, "
		 "which libbpf 1.x refuses)" : "");
	return add(pf, name, sec, VERIFY_CAUSE_OTHER, err, true, msg);
}

/* ---- a map that could not be created ------------------------------------------- */

/* A hint for a map the kernel would not create (programs have their own
 * causes, verify_cause.c).  This process may use bpf(): the privilege probe
 * created a map before. */
static const char *map_hint(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "this process may use bpf() (a probe map was created): the kernel refuses this map's "
		       "type or flags";
	case EINVAL:
	case ENOTSUP:
	case 524: /* ENOTSUPP */
		return "the kernel rejected the map's size or flags (e.g. BPF_F_NO_PREALLOC on a type "
		       "that cannot take it)";
	case ENOMEM:
	case E2BIG:
		return "not enough memory for the map or a size above the kernel's limit: try a smaller "
		       "--map-size or no preallocation";
	default:
		return "see libbpf's messages above";
	}
}

/* A map the kernel could not create for want of memory: name it, its
 * predicted memlock and the memory cgroup limit. */
static bool explain_nomem(const char *object, int ret, const struct mapsize_plan *plan,
			  const struct mapsize_kernel_consts *consts, enum mapsize_mem_era era, uint32_t cpus)
{
	const char *text = libbpf_log__text(), *p, *q;
	char name[128], pred[160] = "", lim[64], file[4200], hb[32];
	uint64_t limit = 0;
	const struct mapsize_plan_map *pm;

	if (ret != -ENOMEM)	/* E2BIG: a size above the kernel's limit, not memory */
		return false;
	/* libbpf: "map 'execve_map': failed to create: Cannot allocate memory(-12)" */
	for (p = text, q = NULL; (p = strstr(p, "': failed to create")); p++)
		q = p;
	if (!q)
		return false;
	for (p = q; p > text && p[-1] != '\''; p--)
		;
	snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
	pm = mapsize_plan__find(plan, name);
	if (pm) {
		size_t cnt = mapsize_plan__map_cnt(plan), idx = cnt;
		struct mapsize_map_memory *mem = calloc(cnt + 1, sizeof(*mem));
		struct mapsize_map_memory total = { .sz = sizeof(total) };
		struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = consts, .era = era,
						  .possible_cpus = cpus };

		for (size_t i = 0; i < cnt; i++)
			if (mapsize_plan__map(plan, i) == pm)
				idx = i;
		if (mem) {
			mem[0].sz = sizeof(mem[0]);
			if (idx < cnt && !mapsize_plan__memory(plan, &mo, mem, &total))
				snprintf(pred, sizeof(pred), " (%s, needs %s = %llu bytes: predicted memlock at load)",
					 pm->prealloc ? "preallocated" : "not preallocated",
					 human_bytes(mem[idx].memlock_load, hb, sizeof(hb)),
					 (unsigned long long)mem[idx].memlock_load);
			free(mem);
		}
	}
	if (!mapsize_memcg__limit(&limit, file, sizeof(file)))
		snprintf(lim, sizeof(lim), "%s = %llu bytes", human_bytes(limit, hb, sizeof(hb)),
			 (unsigned long long)limit);
	if (limit)
		fprintf(stderr, "%s: error: map '%s'%s: the kernel could not allocate it within the memory "
			"cgroup limit of %s (%s): %s\nhint: a smaller --map-size or --set maps.%s.max_entries, "
			"--set maps.%s.prealloc=false, or a larger limit\n", object, name, pred, lim, file,
			strerror(-ret), name, name);
	else
		fprintf(stderr, "%s: error: map '%s'%s: the kernel could not allocate it (no memory cgroup "
			"limit applies): %s\nhint: %s\n", object, name, pred, strerror(-ret), map_hint(ret));
	return true;
}

/* The map libbpf names in "map 'NAME': failed to create", into buf. */
static bool failed_map(char *buf, size_t size)
{
	const char *text = libbpf_log__text(), *p, *q = NULL;

	for (p = text; (p = strstr(p, "': failed to create")); p++)
		q = p;
	if (!q)
		return false;
	for (p = q; p > text && p[-1] != '\''; p--)
		;
	snprintf(buf, size, "%.*s", (int)(q - p), p);
	return true;
}

/* bpf_object__load() failed and no program is to blame: a map, an extern
 * no function uses, or libbpf's own reason. */
void verify_cause__map_failed(const char *object, int ret, const struct mapsize_plan *plan,
			      const struct mapsize_kernel_consts *consts, enum mapsize_mem_era era, uint32_t cpus,
			      const struct memlock_evidence *me)
{
	char reason[1024], prog[128], ext[128] = "", map[128], mem[1024];
	const char *p;

	if (failed_map(map, sizeof(map)) && verify_cause__memlock(me, ret, mem, sizeof(mem))) {
		fprintf(stderr, "%s: error: map '%s' could not be created: memlock: %s\n", object, map, mem);
		return;
	}
	if (explain_nomem(object, ret, plan, consts, era, cpus))
		return;
	libbpf_log__print(stderr);
	if (failed_map(map, sizeof(map))) {
		fprintf(stderr, "%s: error: map '%s' could not be created: %s\nhint: %s\n", object, map,
			strerror(-ret), map_hint(ret));
		return;
	}
	libbpf_log__reason(reason, sizeof(reason), prog, sizeof(prog));
	if (!reason[0])
		snprintf(reason, sizeof(reason), "%s", strerror(-ret));
	if ((p = strstr(reason, "extern")) && (p = strchr(p, '\''))) {
		snprintf(ext, sizeof(ext), "%.*s", (int)strcspn(p + 1, "'"), p + 1);
		fprintf(stderr, "%s: error: loading failed: %s\nhint: the running kernel does not provide '%s'; "
			"--maps-only loads the maps alone\n", object, reason, ext);
		return;
	}
	fprintf(stderr, "%s: error: loading failed: %s\nhint: see libbpf's messages above\n", object, reason);
}

/* What a memlock hint is measured against: the running kernel's era and
 * what the plan's maps lock at load in it. */
void verify_cause__memlock_evidence(struct memlock_evidence *me, const struct mapsize_plan *plan,
			     const struct mapsize_kernel_consts *consts, const struct mapsize_node *node)
{
	size_t cnt = mapsize_plan__map_cnt(plan);
	struct mapsize_map_memory *mem = calloc(cnt + 1, sizeof(*mem));
	struct mapsize_map_memory total = { .sz = sizeof(total) };
	struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = consts, .possible_cpus = node->possible_cpus };
	unsigned int version = 0;

	me->planned = 0;
	me->era = MAPSIZE_MEM_ERA_MEM_USAGE;
	if (mapsize_kernel_version(node->kernel_release, &version) ||
	    mapsize_mem_era__from_kernel(version, &me->era) || !mem) {
		free(mem);
		return;
	}
	mo.era = me->era;
	mem[0].sz = sizeof(mem[0]);
	if (!mapsize_plan__memory(plan, &mo, mem, &total))
		me->planned = total.memlock_load;
	free(mem);
}

/* ---- what to run instead ------------------------------------------------------ */

/* arg, quoted for a POSIX shell when it needs it, appended to buf. */
static void append_arg(char **buf, size_t *len, size_t *cap, const char *arg)
{
	bool plain = arg[0] != '\0';
	size_t need = strlen(arg) * 4 + 4;

	for (const char *p = arg; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%-", *p))
			plain = false;
	if (*len + need >= *cap) {
		char *b = realloc(*buf, *cap = (*len + need) * 2);

		if (!b) {
			free(*buf);
			*buf = NULL;
			return;
		}
		*buf = b;
	}
	(*buf)[(*len)++] = ' ';
	if (plain) {
		memcpy(*buf + *len, arg, strlen(arg));
		*len += strlen(arg);
	} else {
		(*buf)[(*len)++] = '\'';
		for (const char *p = arg; *p; p++) {
			if (*p == '\'') {
				memcpy(*buf + *len, "'\\''", 4);
				*len += 4;
			} else {
				(*buf)[(*len)++] = *p;
			}
		}
		(*buf)[(*len)++] = '\'';
	}
	(*buf)[*len] = '\0';
}

char *verify_cause__command(int argc, char *const *argv, const struct prog_failures *pf)
{
	size_t len = strlen("mapsize"), cap = 256;
	char *buf = malloc(cap);
	bool maps_only = false;

	if (!buf)
		return NULL;
	strcpy(buf, "mapsize");
	for (size_t i = 0; i < pf->cnt; i++)
		maps_only |= pf->v[i].maps_only;
	for (int i = 0; buf && i < argc; i++) {
		/* --maps-only loads no program: the skips go */
		if (maps_only && !strcmp(argv[i], "--skip-program")) {
			i++;
			continue;
		}
		if (maps_only && !strncmp(argv[i], "--skip-program=", 15))
			continue;
		append_arg(&buf, &len, &cap, argv[i]);
	}
	if (maps_only) {
		if (buf)
			append_arg(&buf, &len, &cap, "--maps-only");
		return buf;
	}
	for (size_t i = 0; buf && i < pf->cnt; i++) {
		append_arg(&buf, &len, &cap, "--skip-program");
		if (buf)
			append_arg(&buf, &len, &cap, pf->v[i].name);
	}
	return buf;
}

void verify_cause__print(FILE *out, const char *object, const struct prog_failures *pf, const char *command)
{
	bool maps_only = false;

	for (size_t i = 0; i < pf->cnt; i++) {
		const struct prog_failure *f = &pf->v[i];

		maps_only |= f->maps_only;
		fprintf(out, "%s: error: program '%s' (%s) did not load: %s: %s; get past it: %s%s\n", object,
			f->name, f->section[0] ? f->section : "section unknown", verify_cause__code(f->cause),
			f->message, f->maps_only ? "--maps-only" : "--skip-program ", f->maps_only ? "" : f->name);
	}
	if (!pf->cnt || !command)
		return;
	if (maps_only)
		fprintf(out, "hint: the maps alone: %s\n", command);
	else
		fprintf(out, "hint: every map and the other programs loaded without %s; to verify them so: %s\n",
			pf->cnt > 1 ? "these" : "it", command);
}

void verify_cause__json_set(jv_t *o, const struct prog_failure *f)
{
	char s[300];

	if (!f) {
		jv_object_set_new(o, "cause", jv_null());
		jv_object_set_new(o, "message", jv_null());
		jv_object_set_new(o, "suggestion", jv_null());
		return;
	}
	snprintf(s, sizeof(s), "%s%s", f->maps_only ? "--maps-only" : "--skip-program ", f->maps_only ? "" : f->name);
	jv_object_set_new(o, "cause", jv_string(verify_cause__code(f->cause)));
	jv_object_set_new(o, "message", jv_string(f->message));
	jv_object_set_new(o, "suggestion", jv_string(s));
}
