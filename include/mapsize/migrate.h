/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Migrating a map pinned in bpffs to a new size (issue 23, item 4).
 *
 * The flow, for an agent whose maps are pinned (LIBBPF_PIN_BY_NAME):
 *
 *   mapsize_pin__migrate(PATH, spec)  new map of spec's size, every entry
 *                                     copied, then ONE rename(2) makes PATH
 *                                     name it; the old map stays pinned at
 *                                     PATH-mapsize-old
 *   the agent restarts                its programs reuse PATH: the new map
 *   mapsize_pin__finish(PATH)         what the old programs wrote between the
 *                                     copy and the restart is carried over;
 *                                     keys they deleted are deleted; the old
 *                                     map and the snapshot are unpinned
 *
 * Beside PATH, in the same bpffs directory (bpffs refuses '.' in names,
 * hence '-'), while a migration is under way:
 *
 *   PATH-mapsize-new      the new map while it is filled (step 2 to 6)
 *   PATH-mapsize-old      the old map (from step 2 to the end of finish)
 *   PATH-mapsize-snap     the snapshot: each key copied with a 64-bit FNV-1a
 *                         digest of the value it had, as a log in an array of
 *                         64 KiB values; (key_size + 8) bytes for each of the
 *                         old map's max_entries (+1/8).  Finish compares the
 *                         old and the new map against it to tell who wrote a
 *                         key since the copy.
 *   PATH-mapsize-journal  a symlink whose target is the journal line
 *                         ("mapsize-migrate 1 state=S old=ID new=ID snap=ID"),
 *                         replaced by rename(2) at each state change
 *
 * Killed at any point, the next mapsize_pin__migrate() or __finish() on PATH
 * reads the journal and rolls back (states prepare and copying: PATH was
 * never touched; the temporary pins are removed) or forward (copied: the
 * rename is done; finishing: the carry-over, which is idempotent, is run
 * again).  PATH always names exactly one complete map.
 *
 * Test-only: MAPSIZE_MIGRATE_STOP_AFTER=N in the environment makes the
 * process _exit(75) right after step N (MAPSIZE_MIGRATE_STEP_*), to test the
 * recovery.  Never set it in production.
 */
#ifndef MAPSIZE_MIGRATE_H
#define MAPSIZE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A plan moving max_entries by less than this percentage is left alone
 * (sizing from changing node memory must not churn maps on each restart). */
#define MAPSIZE_MIGRATE_MIN_CHANGE_DEFAULT 10

/* The steps MAPSIZE_MIGRATE_STOP_AFTER counts (test-only). */
enum mapsize_migrate_step {
	MAPSIZE_MIGRATE_STEP_PREPARE = 1,	/* journal "prepare" written */
	MAPSIZE_MIGRATE_STEP_CREATED,		/* new map + snapshot pinned, old map's second pin */
	MAPSIZE_MIGRATE_STEP_PART_COPIED,	/* the first chunk of entries copied */
	MAPSIZE_MIGRATE_STEP_COPIED,		/* every entry copied */
	MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED,	/* journal "copied" */
	MAPSIZE_MIGRATE_STEP_RENAMED,		/* PATH names the new map */
	MAPSIZE_MIGRATE_STEP_SWAPPED,		/* journal "swapped": waiting for finish */
	MAPSIZE_MIGRATE_STEP_FINISHING,		/* finish: journal "finishing" */
	MAPSIZE_MIGRATE_STEP_PART_CARRIED,	/* the first chunk of the old map carried over */
	MAPSIZE_MIGRATE_STEP_CARRIED,		/* carry-over done */
	MAPSIZE_MIGRATE_STEP_OLD_UNPINNED,	/* PATH-mapsize-old removed */
	MAPSIZE_MIGRATE_STEP_SNAP_UNPINNED,	/* PATH-mapsize-snap removed */
	MAPSIZE_MIGRATE_STEP_LAST = MAPSIZE_MIGRATE_STEP_SNAP_UNPINNED,
};

/* What the plan wants at the pin. */
struct mapsize_migrate_spec {
	size_t sz; /* sizeof(struct mapsize_migrate_spec) */
	uint32_t max_entries;		/* planned */
	uint32_t map_flags;		/* planned flags, the bits in map_flags_mask ... */
	uint32_t map_flags_mask;	/* ... the plan decides (e.g. BPF_F_NO_PREALLOC); the
					   other bits keep the live map's */
	/* The planned type and sizes; 0: not checked.  A difference is a
	 * refusal (-EINVAL): the entries cannot be carried. */
	unsigned int bpf_type;
	uint32_t key_size;
	uint32_t value_size;
	/* The live entries times this / 1000 must fit max_entries (0: 1000). */
	uint32_t headroom_milli;
};
#define mapsize_migrate_spec__last_field headroom_milli

struct mapsize_migrate_opts {
	size_t sz; /* sizeof(struct mapsize_migrate_opts) */
	/* Percent; 0: MAPSIZE_MIGRATE_MIN_CHANGE_DEFAULT; < 0: any change. */
	int min_change_pct;
	bool dry_run;		/* check and report, change nothing */
	bool no_batch;		/* copy key by key even where batch ops exist (tests) */
};
#define mapsize_migrate_opts__last_field no_batch

enum mapsize_migrate_outcome {
	MAPSIZE_MIGRATE_UNCHANGED = 0,	/* the live map already has the planned size and flags */
	MAPSIZE_MIGRATE_SMALL_CHANGE,	/* below min_change_pct: left alone */
	MAPSIZE_MIGRATE_WOULD_MIGRATE,	/* dry run: would migrate */
	MAPSIZE_MIGRATE_MIGRATED,	/* PATH names the new map; run finish after the restart */
	MAPSIZE_MIGRATE_PENDING_FINISH,	/* an earlier migration waits for finish */
	MAPSIZE_MIGRATE_FINISHED,	/* finish: carried over, old map unpinned */
	MAPSIZE_MIGRATE_NOTHING_TO_FINISH,
	MAPSIZE_MIGRATE_REFUSED,	/* with reason; nothing changed (the call returns < 0) */
};

struct mapsize_migrate_result {
	size_t sz; /* sizeof(struct mapsize_migrate_result) */
	enum mapsize_migrate_outcome outcome;
	unsigned int bpf_type;
	uint32_t old_max_entries, new_max_entries;
	uint32_t old_flags, new_flags;
	uint64_t live_entries;		/* counted before the copy (arrays: non-zero values) */
	/* migrate: copied.  finish: updated, deleted, skipped (the new programs
	 * wrote the key since), failed. */
	uint64_t copied, updated, deleted, skipped, failed;
	uint32_t renames;		/* renames that changed the map PATH names (1) */
	char recovery[160];		/* what an interrupted run left and was done to it, or "" */
	char reason[256];		/* why refused / left alone / pending, or "" */
};

/* Migrate the map pinned at `pin_path` to `spec` (see above).  0 (outcome in
 * res), or -errno with res->reason: -EINVAL a refusal (type, key or value
 * size differ; a program array or another type whose entries cannot be
 * copied), -E2BIG (the live entries with the headroom do not fit; an LRU
 * target that would evict), -ENOENT (nothing pinned), -EMEDIUMTYPE (a
 * program or link pinned there), -EBUSY (the journal
 * names other maps than the pins).  On every error the pins are as before. */
MAPSIZE_API int mapsize_pin__migrate(const char *pin_path, const struct mapsize_migrate_spec *spec,
				     const struct mapsize_migrate_opts *opts, struct mapsize_migrate_result *res);
/* After the agent restarted on the new map: carry over, unpin the old map
 * and the snapshot.  0 (FINISHED or NOTHING_TO_FINISH) or -errno. */
MAPSIZE_API int mapsize_pin__finish(const char *pin_path, const struct mapsize_migrate_opts *opts,
				    struct mapsize_migrate_result *res);
/* "unchanged", "small-change", "would-migrate", "migrated", "pending-finish",
 * "finished", "nothing-to-finish", "refused"; NULL when out of range. */
MAPSIZE_API const char *mapsize_migrate_outcome__name(enum mapsize_migrate_outcome outcome);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_MIGRATE_H */
