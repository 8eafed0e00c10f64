/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize kernel-side counters (issue 18): every failed insert, LRU
 * eviction and ring-buffer drop of every map on the machine, counted by
 * tracing programs (fentry/fexit) on the kernel's map implementations, for
 * any agent, unmodified.
 *
 *	struct mapsize_counters *c;
 *	err = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
 *		.sz = sizeof(struct mapsize_counters_attach_opts),
 *		.pin_dir = "/sys/fs/bpf/mapsize" }, &c, &e);
 *	err = mapsize_counters__read(c, &maps, &cnt);	// maps[i].failures[MAPSIZE_OVF_E2BIG] ...
 *	free(maps);
 *	mapsize_counters__free(c);	// pinned links stay: counting goes on
 *	mapsize_counters__detach("/sys/fs/bpf/mapsize", &e);
 *
 * Where the kernel refuses tracing programs (lockdown, no BTF, no BPF
 * trampoline) attach returns a negative errno and err->msg is one line
 * saying which and why.
 */
#ifndef MAPSIZE_COUNTERS_H
#define MAPSIZE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>
#include <mapsize/overflow.h>	/* MAPSIZE_OVF_*: the errno classes of failures[] */

#ifdef __cplusplus
extern "C" {
#endif

/* Where `mapsize counters attach` pins by default. */
#define MAPSIZE_COUNTERS_PIN_DIR "/sys/fs/bpf/mapsize"

struct mapsize_counters;

struct mapsize_counters_attach_opts {
	size_t sz; /* sizeof(struct mapsize_counters_attach_opts) */
	/* Pin the links and the counter maps in this bpffs directory (created
	 * when missing) so counting goes on after the process exits.  NULL:
	 * the counters last as long as the handle.  When the directory already
	 * holds counters, attach opens them (idempotent; *already = true). */
	const char *pin_dir;
	bool *already;
};
#define mapsize_counters_attach_opts__last_field already

/* Load, attach, optionally pin.  0, or a negative errno with *err one line:
 * -EPERM the kernel refuses tracing programs (lockdown), -ENOENT no kernel
 * BTF, -EOPNOTSUPP no BPF trampoline, others as libbpf returned them. */
MAPSIZE_API int mapsize_counters__attach(const struct mapsize_counters_attach_opts *opts,
					 struct mapsize_counters **out, struct mapsize_error *err);
/* The counters pinned in `pin_dir`: -ENOENT when none are. */
MAPSIZE_API int mapsize_counters__open_pinned(const char *pin_dir, struct mapsize_counters **out,
					      struct mapsize_error *err);
/* Remove every link and map mapsize pinned in `pin_dir` (the kernel then
 * detaches and frees them), and the directory when it is left empty.
 * -ENOENT when nothing was pinned there. */
MAPSIZE_API int mapsize_counters__detach(const char *pin_dir, struct mapsize_error *err);
/* Close the handle: counters that are not pinned stop. */
MAPSIZE_API void mapsize_counters__free(struct mapsize_counters *c);

/* One map's counters since attach.  A map freed while counted loses its
 * row; a new map that reuses its id starts from zero. */
struct mapsize_map_counters {
	uint32_t id;
	uint32_t bpf_type;		/* uapi enum bpf_map_type */
	char kernel_name[16];
	uint64_t failures[MAPSIZE_OVF_CLASSES];	/* failed inserts by errno class */
	uint64_t evictions;		/* LRU hashes */
	uint64_t drops;			/* ring buffers; perf event arrays: failed outputs */
	/* Of the failures, those whose writer was the bpf() syscall (the rest:
	 * BPF programs).  Told apart by the per-CPU bpf_prog_active that bpf()
	 * raises around a map update; a kprobe or perf_event program writer
	 * raises it too and counts here.  Not split (always 0) where
	 * __unavailable() lists bpf_prog_active (5.10's BTF has no per-CPU
	 * variables). */
	uint64_t syscall_failures;
};

/* Every map's counters, sorted by id: *maps is malloc'ed (caller frees),
 * NULL when *cnt is 0.  0 or negative errno. */
MAPSIZE_API int mapsize_counters__read(struct mapsize_counters *c, struct mapsize_map_counters **maps,
				       size_t *cnt);
/* When counting started (seconds since the epoch). */
MAPSIZE_API int64_t mapsize_counters__since(struct mapsize_counters *c);
/* Events not counted because the counter table (4096 maps) was full. */
MAPSIZE_API uint64_t mapsize_counters__lost(struct mapsize_counters *c);
/* The kernel functions this kernel lacks or refuses to trace, so their
 * counters are missing, comma-separated ("" when every counter is
 * attached); "bpf_prog_active" when failures are not split by writer.
 * A name may say why in parentheses: "(no ftrace entry)" where the kernel
 * is built without ftrace's entry call in that function (lpm_trie.c,
 * queue_stack_maps.c, ringbuf.c from 6.14; kernel/trace/ always), so that
 * neither fexit (EBUSY) nor a kprobe can attach; "(EBUSY)" when tracefs
 * cannot tell; "...: writes by BPF programs)" when only those are missing
 * (bpf()'s writes are counted at bpf_map_update_value()). */
MAPSIZE_API const char *mapsize_counters__unavailable(struct mapsize_counters *c);

/* ---- beside the live status (pure) ------------------------------------- */

struct mapsize_status;

/* Which map types each counter covers (uapi enum bpf_map_type). */
MAPSIZE_API bool mapsize_counters__counts_failures(unsigned int bpf_type);
MAPSIZE_API bool mapsize_counters__counts_evictions(unsigned int bpf_type);
MAPSIZE_API bool mapsize_counters__counts_drops(unsigned int bpf_type);
/* The row of map `id` in `maps` (sorted by id, as __read returns them);
 * NULL when the map has counted nothing since attach. */
MAPSIZE_API const struct mapsize_map_counters *mapsize_counters__find(const struct mapsize_map_counters *maps,
								      size_t cnt, uint32_t id);
/* Prometheus text to append to mapsize_status__prometheus()'s, labelled the
 * same way: mapsize_map_insert_failures_total{map,errno,source} (source
 * "kernel" from `kc`, "agent" from the status's <mapsize/bpf_overflow.h>
 * counters), mapsize_map_evictions_total{map}, mapsize_ringbuf_drops_total{map},
 * mapsize_perf_output_failures_total{map} and
 * mapsize_kernel_counters_since_seconds.  kc NULL: only the agent's
 * failures.  *text is malloc'ed.  0 or -ENOMEM. */
MAPSIZE_API int mapsize_counters__prometheus(const struct mapsize_status *st, const struct mapsize_map_counters *kc,
					     size_t kc_cnt, int64_t since, char **text);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_COUNTERS_H */
