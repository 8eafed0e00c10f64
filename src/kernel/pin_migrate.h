/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internals of the pinned map migration (<mapsize/migrate.h>):
 * pin_migrate.c (copy and swap), pin_finish.c (carry-over), pin_journal.c
 * (the pins beside PATH, the journal, the test stop switch) and
 * pin_map.c (reading and writing entries of every type migrate copies). */
#ifndef MAPSIZE_PIN_MIGRATE_H
#define MAPSIZE_PIN_MIGRATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include <mapsize/migrate.h>

/* ---- a map as migrate reads and writes it (pin_map.c) -------------------- */

struct pin_map {
	int fd;
	struct bpf_map_info info;
	size_t value_bytes;	/* one value as read (per-CPU: every possible CPU) */
	__u64 elem_flags;	/* BPF_F_LOCK for a value with a bpf_spin_lock */
	bool of_maps;		/* values read are inner map ids, written as fds */
	bool dense;		/* array / percpu_array: every index holds a value */
};

/* fd is taken (closed by pin_map__close).  0 or -errno. */
int pin_map__init(struct pin_map *m, int fd);
int pin_map__open(struct pin_map *m, const char *path);
void pin_map__close(struct pin_map *m);
/* NULL when the type's entries can be copied, else why not (static). */
const char *pin_map_type_refusal(unsigned int bpf_type);
/* 64-bit FNV-1a of a value as read: what the snapshot keeps. */
uint64_t pin_map__digest(const struct pin_map *m, const void *val);
bool pin_map__value_zero(const struct pin_map *m, const void *val);
/* 0, -ENOENT or -errno. */
int pin_map__lookup(const struct pin_map *m, const void *key, void *val);
/* Write a value as read from a map like `m` (inner ids become fds). */
int pin_map__update(const struct pin_map *m, const void *key, const void *val, __u64 flags);
/* Write n entries; the values as read.  *done: how many went in. */
int pin_map__update_many(const struct pin_map *m, const void *keys, const void *vals, uint32_t n,
			 bool no_batch, uint32_t *done);

/* Every entry of m, a chunk at a time: batch lookups, else (no batch ops
 * for the type, or no_batch) a get_next_key walk that skips keys deleted
 * under it.  cb returns 0 to go on, else the walk stops with that. */
typedef int (*pin_map_chunk_fn)(void *ctx, const char *keys, const char *vals, uint32_t n);
int pin_map__walk(const struct pin_map *m, uint32_t chunk, bool no_batch, pin_map_chunk_fn cb, void *ctx);

/* ---- the pins beside PATH and the journal (pin_journal.c) --------------- */

struct pin_paths {
	char canon[PATH_MAX];
	char new_pin[PATH_MAX];		/* PATH-mapsize-new */
	char old_pin[PATH_MAX];		/* PATH-mapsize-old */
	char snap_pin[PATH_MAX];	/* PATH-mapsize-snap */
	char journal[PATH_MAX];		/* PATH-mapsize-journal */
	char journal_tmp[PATH_MAX];	/* PATH-mapsize-journaltmp */
};

enum pin_state {
	PIN_STATE_NONE = 0,	/* no journal: no migration under way */
	PIN_STATE_PREPARE,	/* creating the new map and snapshot */
	PIN_STATE_COPYING,
	PIN_STATE_COPIED,	/* every entry copied; the rename may or may not be done */
	PIN_STATE_SWAPPED,	/* PATH names the new map; waiting for finish */
	PIN_STATE_FINISHING,
};

struct pin_journal {
	enum pin_state state;
	uint32_t old_id, new_id, snap_id;
};

/* -ENAMETOOLONG or 0. */
int pin_paths__init(struct pin_paths *p, const char *pin_path);
/* 0 with j->state PIN_STATE_NONE when there is no journal; -EBADMSG when
 * its text is not a journal line. */
int pin_journal__read(const struct pin_paths *p, struct pin_journal *j);
/* Replace the journal atomically (a symlink renamed over the old one). */
int pin_journal__write(const struct pin_paths *p, const struct pin_journal *j);
int pin_journal__remove(const struct pin_paths *p);
const char *pin_state__name(enum pin_state s);
/* unlink(2), ENOENT being fine. */
int pin_unlink(const char *path);
/* The test stop switch: _exit(75) after `step` when
 * MAPSIZE_MIGRATE_STOP_AFTER equals it. */
void pin_step_done(enum mapsize_migrate_step step);

/* ---- the snapshot (pin_snap.c) -------------------------------------------- */

#define PIN_SNAP_BLOB 65536

struct pin_snap_writer {
	int fd;
	uint32_t key_size, rec_size, per_blob;
	uint32_t idx, n, max_blobs;
	char *blob;
};

/* The snapshot array for a copy of `old`: an fd or -errno. */
int pin_snap__create(const struct pin_map *old);
int pin_snap_writer__init(struct pin_snap_writer *w, int fd, uint32_t key_size, uint32_t max_blobs);
/* -E2BIG when the snapshot is full. */
int pin_snap_writer__add(struct pin_snap_writer *w, const void *key, uint64_t digest);
int pin_snap_writer__flush(struct pin_snap_writer *w);
void pin_snap_writer__free(struct pin_snap_writer *w);
/* Every record, in the order written. */
int pin_snap__read(int fd, uint32_t key_size, uint32_t max_blobs,
		   int (*cb)(void *ctx, const void *key, uint64_t digest), void *ctx);

/* ---- finish (pin_finish.c) ------------------------------------------------ */

/* Carry over from the old map (and its snapshot) into the new one, then
 * unpin the old map and the snapshot and remove the journal. */
int pin_finish_run(const struct pin_paths *p, struct pin_journal *j, bool no_batch,
		   struct mapsize_migrate_result *r);

#endif
