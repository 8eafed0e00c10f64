/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapsize verify's object handling (verify_object.c): opening a BPF object
 * with libbpf's real reason on failure, leaving the externs of programs that
 * will not load unresolved, and what a failed load or a memory cgroup says. */
#ifndef MAPSIZE_TOOL_VERIFY_H
#define MAPSIZE_TOOL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Can this process use bpf()?  0, or the negative errno of a tiny map
 * creation the kernel refused. */
int bpf_probe_privilege(void);

#endif
