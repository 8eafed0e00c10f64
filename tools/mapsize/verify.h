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

struct verify_object {
	struct bpf_object *obj;
	void *image;		/* the object's bytes when opened from memory */
	char **weak;		/* externs used only by programs that will not load */
	size_t weak_cnt;
	char **unslotted;	/* programs not loaded, left out of prog_array slots */
	size_t unslotted_cnt;
};

/* Open `path` with libbpf.  On failure prints one line,
 * "PATH: error: cannot open BPF object: REASON, expected ...", with
 * libbpf's own reason for a file that exists (not an ELF file, an extern
 * that cannot be resolved, ...), then libbpf's other messages; returns the
 * exit status (2: the object is at fault, 1: otherwise).  0 on success. */
int verify_object__open(struct verify_object *vo, const char *path);

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

void verify_object__close(struct verify_object *vo);

/* Can this process use bpf()?  0, or the negative errno of a tiny map
 * creation the kernel refused. */
int bpf_probe_privilege(void);

#endif
