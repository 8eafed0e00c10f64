/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapsize verify's object handling (verify_object.c): opening a BPF object
 * with libbpf's real reason on failure, leaving the externs of programs that
 * will not load unresolved, and what a failed load or a memory cgroup says. */
#ifndef MAPSIZE_TOOL_VERIFY_H
#define MAPSIZE_TOOL_VERIFY_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bpf_object;
struct mapsize_plan;
struct mapsize_plan_map;
struct mapsize_kernel_consts;
struct object_maps;

#include <mapsize/mapsize.h>
#include <mapsize/bpf.h>
#include <mapsize/memory.h>

/* One map (or inner instance) read back from the kernel. */
struct row {
	const char *name;
	bool managed;
	bool instance;		/* an inner map instance we created */
	uint32_t planned_max_entries, planned_map_flags;
	struct mapsize_kernel_map k;
	bool match;
	bool has_prediction;
	uint64_t predicted;	/* memlock predicted from what was created */
	bool outer;		/* a map-in-map: one inner instance created and inserted */
	bool inserted;
	char insert_err[800];
};

/* The memlock predicted from what the kernel created; must match to the byte. */
void verify_row__predict(struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus,
			 const struct mapsize_kernel_consts *k, enum mapsize_mem_era era);
/* max_entries and flags as planned (a perf_event_array of 0: one per CPU). */
bool verify_row__matches(const struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus);

struct verify_object {
	struct bpf_object *obj;
	void *image;		/* the object's bytes when opened from memory */
	char **weak;		/* externs used only by programs that will not load */
	size_t weak_cnt;
	char **unslotted;	/* programs not loaded, left out of prog_array slots */
	size_t unslotted_cnt;
	char **pinned;		/* maps libbpf would pin or reuse (verify_object__unpin) */
	size_t pinned_cnt;
};

/* Open `path` with libbpf.  On failure prints one line,
 * "PATH: error: cannot open BPF object: REASON, expected ...", with
 * libbpf's own reason for a file that exists (not an ELF file, an extern
 * that cannot be resolved, ...), then libbpf's other messages; returns the
 * exit status (2: the object is at fault, 1: otherwise).  0 on success. */
int verify_object__open(struct verify_object *vo, const char *path);

/* Does `path` name an object embedded in an executable (FILE:NAME, or an
 * ELF file for another machine than BPF)? */
bool verify_object__embedded(const char *path);

/* Reopen the object for a load without some programs (`skipped`, or all
 * when `all`), from a copy of its ELF patched so that libbpf 1.1 creates the
 * same maps and loads the rest: the externs (kfuncs, kconfig values) only
 * programs not loaded refer to are marked weak (libbpf resolves every
 * extern at load, even a non-autoloaded program's), and prog_array slots
 * statically holding such a program are left empty (libbpf fills them after
 * load and fails for a program it did not load).  Functions that are not
 * programs (subprograms) count as loading unless `all`.  No map changes.
 * 0, or the exit status after printing an error. */
int verify_object__partial(struct verify_object *vo, const char *path,
			   const char *const *skipped, size_t skipped_cnt, bool all);

/* The functions of the object at `path` that refer to the undefined symbol
 * `name`, as "a, b" in buf.  0, or -ENOENT when none does. */
int verify_object__extern_users(const char *path, const char *name, char *buf, size_t size);

/* Loading to inspect never touches the node's pins (issue 23 item 1):
 * clear the pin path of every map of the object, so that libbpf neither
 * reuses (binds a live agent's map) nor creates a pin, and remember their
 * names in vo->pinned.  Call after the last (re)open, before load.  0 or
 * an exit status after printing an error. */
int verify_object__unpin(struct verify_object *vo);

/* The ELF section of the function `fn` of the object at `path`, in buf.
 * 0, or -ENOENT. */
int verify_object__function_section(const char *path, const char *fn, char *buf, size_t size);

void verify_object__close(struct verify_object *vo);

/* --maps-only on an object libbpf cannot open (unresolved externs, gobpf
 * maps/NAME sections) or one embedded in an executable: mapsize creates the
 * maps itself from their definitions (verify_maps.c), the plan applied. */
struct verify_maps {
	struct object_maps *om;
	int btf_fd;
	char **names;		/* the rows' names (libbpf's, OBJ.rodata for global data) */
	size_t name_cnt;
	const char **missing;	/* rules without a map in the object */
	size_t missing_cnt;
	struct row *rows;
	size_t nrows, mismatches, insert_failures;
	uint64_t total, total_predicted;
};

/* Does `path` need verify_maps (libbpf cannot open it as a file)? */
bool verify_maps__needed(const char *path);

/* Creates, reads back, compares and closes every map of `path`.  0, or the
 * exit status after printing an error. */
int verify_maps__run(struct verify_maps *vm, const char *path, const struct mapsize_plan *plan,
		     uint32_t cpus, const struct mapsize_kernel_consts *k, enum mapsize_mem_era era);
void verify_maps__free(struct verify_maps *vm);

/* ---- why a program did not load (verify_cause.c) ---- */

enum verify_cause {
	VERIFY_CAUSE_VERIFIER = 1,	/* the verifier's last lines */
	VERIFY_CAUSE_ATTACH_TARGET,	/* fentry/fexit/tp_btf/lsm target not in the kernel's BTF */
	VERIFY_CAUSE_UNKNOWN_SECTION,	/* a section name this libbpf gives no program type */
	VERIFY_CAUSE_TYPE_REFUSED,	/* a program type this kernel refuses (EPERM) */
	VERIFY_CAUSE_EXTERN,		/* an extern neither linked in nor provided by the kernel */
	VERIFY_CAUSE_MEMLOCK,		/* RLIMIT_MEMLOCK below what the plan locks (before 5.11) */
	VERIFY_CAUSE_OTHER,
};

/* One program that did not load: its cause in words, with the evidence. */
struct prog_failure {
	char *name;		/* the program (or, for an extern, the function using it) */
	char *section;
	enum verify_cause cause;
	int err;		/* the negative errno libbpf returned */
	char *message;
	bool maps_only;		/* --skip-program cannot get past it: --maps-only */
};

struct prog_failures {
	struct prog_failure *v;
	size_t cnt;
};

/* What a memlock hint must be measured against: the running kernel's
 * accounting era and what the plan's maps lock at load. */
struct memlock_evidence {
	enum mapsize_mem_era era;
	uint64_t planned;
};

/* "verifier", "attach_target", "unknown_section", "type_refused", "extern",
 * "memlock", "other" (the JSON cause codes). */
const char *verify_cause__code(enum verify_cause cause);
/* bpf_object__load(obj) of `path` failed with err: add the programs
 * libbpf's messages blame, with their cause.  The number added (0: no
 * program is to blame, e.g. a map), or a negative errno. */
int verify_cause__load_failed(struct prog_failures *pf, struct bpf_object *obj, const char *path, int err,
			      const struct memlock_evidence *me);
/* bpf_object__open() of `path` failed: the programs its reason names (the
 * users of an extern not linked in; the program libbpf names); --maps-only
 * for each.  The number added, or a negative errno. */
int verify_cause__open_failed(struct prog_failures *pf, const char *path, int err);
/* Does RLIMIT_MEMLOCK explain a failure with `err`?  Only EPERM or ENOMEM,
 * only in the rlimit era (before 5.11 the kernel charges maps and programs
 * to it), only with a finite limit (`unlimited`: RLIM_INFINITY) below what
 * the plan locks.  Never for EPERM on a type the kernel refuses. */
static inline bool verify_memlock_explains(int err, enum mapsize_mem_era era, uint64_t planned,
					   uint64_t limit, bool unlimited)
{
	return (err == -EPERM || err == -ENOMEM) && era == MAPSIZE_MEM_ERA_RLIMIT && !unlimited &&
	       planned > limit;
}

/* errno EPERM/ENOMEM explained by RLIMIT_MEMLOCK (rlimit era, a finite
 * limit below me->planned): the message in buf, true. */
bool verify_cause__memlock(const struct memlock_evidence *me, int err, char *buf, size_t size);
/* "mapsize ARGV... --skip-program NAME..." (--maps-only, without the
 * skips, when a failure needs it), quoted for a shell; malloc'd, NULL when
 * out of memory.  argv: the command line as given, from "verify". */
char *verify_cause__command(int argc, char *const *argv, const struct prog_failures *pf);
/* One line per failure to `out`, then the command that gets past them. */
void verify_cause__print(FILE *out, const char *object, const struct prog_failures *pf, const char *command);
/* A program's "cause", "message" and "suggestion" keys (null when f is NULL). */
struct jv;
void verify_cause__json_set(struct jv *o, const struct prog_failure *f);
const struct prog_failure *prog_failures__find(const struct prog_failures *pf, const char *name);
/* bpf_object__load() failed and no program is to blame: a map the kernel
 * would not create (the memlock accounting, the memory cgroup limit, the
 * map's size or flags), an extern no function uses, or libbpf's reason;
 * printed on stderr. */
void verify_cause__map_failed(const char *object, int ret, const struct mapsize_plan *plan,
			      const struct mapsize_kernel_consts *consts, enum mapsize_mem_era era, uint32_t cpus,
			      const struct memlock_evidence *me);
/* The running kernel's accounting era and what the plan's maps lock at
 * load in it. */
struct mapsize_node;
void verify_cause__memlock_evidence(struct memlock_evidence *me, const struct mapsize_plan *plan,
				    const struct mapsize_kernel_consts *consts, const struct mapsize_node *node);
bool prog_failures__has(const struct prog_failures *pf, const char *name);
void prog_failures__free(struct prog_failures *pf);

/* Can this process use bpf()?  0, or the negative errno of a tiny map
 * creation the kernel refused. */
int bpf_probe_privilege(void);

#endif
