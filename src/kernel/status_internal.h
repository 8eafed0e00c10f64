/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the files of `mapsize status`'s kernel side: listing maps
 * (status_read.c), counting their entries (status_count.c, status_kfunc.c),
 * their pin paths (status_pins.c). */
#ifndef MAPSIZE_STATUS_INTERNAL_H
#define MAPSIZE_STATUS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <mapsize/status.h>
#include <mapsize/memory.h>

struct status_count {
	uint32_t id;
	uint64_t count;
};

/* Every map's bpf_map_sum_elem_count(), sorted by id. */
struct status_counts {
	struct status_count *items;
	size_t cnt;
};

/* The iter/bpf_map program, loaded and attached.  0, or negative errno
 * when it cannot load (kernel before 6.6, no BTF, no CAP_BPF). */
struct status_kfunc;
int status_kfunc_open(struct status_kfunc **out);
void status_kfunc_close(struct status_kfunc *k);
/* One pass: every map's count, sorted by id (out->items reallocated). */
int status_kfunc_counts(struct status_kfunc *k, struct status_counts *out);
bool status_counts_find(const struct status_counts *c, uint32_t id, uint64_t *count);

/* What the counters need to know once per read. */
struct status_counter_env {
	enum mapsize_count_method method;	/* AUTO or forced */
	uint64_t max_walk;
	uint32_t possible_cpus;
	bool have_kfunc;			/* this read's kfunc counts are valid */
	struct status_counts kfunc;
	int model_state;			/* 0 not read yet, 1 consts + era read, -1 unavailable */
	enum mapsize_mem_era era;
	struct mapsize_kernel_consts consts;
};

/* The memory model of the running kernel, read on first use (the BTF parse
 * costs milliseconds, and most reads never need it).  True when usable. */
bool status_env_model(struct status_counter_env *env);

/* Fill m->entries / has_entries / count_method / note / walk_truncated /
 * evicts for the map open as `fd`. */
void status_count_map(struct status_counter_env *env, int fd, struct mapsize_live_map *m);

/* ---- pinned maps (status_pins.c) ---- */

/* A set of map ids, each with the path it is pinned at. */
struct id_set {
	uint32_t *ids;
	char **paths;		/* where each id is pinned (NULL for ids added bare) */
	size_t cnt, cap, path_cap;
	bool active;		/* --pinned was given: only these maps */
};
int id_set_add(struct id_set *s, uint32_t id);
bool id_set_has(const struct id_set *s, uint32_t id);
void id_set_free(struct id_set *s);
/* --pinned PATH: the pinned map, or every map pinned under the directory. */
int read_pinned(const char *path, struct id_set *set, struct mapsize_error *err);
/* Every map pinned in any bpffs this process sees (mounts and pins that
 * vanish meanwhile are skipped).  0 or -ENOMEM. */
int read_all_pins(struct id_set *pins);
/* The pin paths of map `id` in either set, at most `max`. */
size_t pin_paths_of(const struct id_set *a, const struct id_set *b, uint32_t id, const char **out, size_t max);

#endif
