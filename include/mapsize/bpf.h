/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize's libbpf edge: apply a plan to a bpf_object between open and
 * load, create inner map instances, read node-local dimensions, read a
 * kernel's struct sizes from its BTF.
 *
 *	skel = agent_bpf__open();
 *	applied = mapsize_plan__apply(plan, skel->obj, NULL, &err);
 *	err = agent_bpf__load(skel);
 *	mapsize_applied__free(applied);	// after load: closes inner templates
 */
#ifndef MAPSIZE_BPF_H
#define MAPSIZE_BPF_H

#include <mapsize/mapsize.h>
#include <mapsize/memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;

/* ---- kernel struct sizes from BTF ------------------------------------ */

/* Read the struct sizes from a kernel's BTF (a raw BTF file such as
 * /sys/kernel/btf/vmlinux, or a vmlinux ELF with a .BTF section; NULL means
 * /sys/kernel/btf/vmlinux).  A struct missing from the BTF keeps its builtin
 * 6.18 value and sets its bit in c->fallback (c->source is then
 * "btf+builtin 6.18").  Behaviour switches the BTF cannot show
 * (htab_lock_count, hofm_extra_elems) are set for 6.18; call
 * mapsize_kernel_consts__set_kernel() when the kernel is known.
 * Negative errno when the BTF cannot be read. */
MAPSIZE_API int mapsize_kernel_consts__from_btf(const char *btf_path, struct mapsize_kernel_consts *c);

/* For built-in sizes (c->series set) of the running kernel's own series:
 * does the running kernel's BTF (btf_path, NULL: /sys/kernel/btf/vmlinux)
 * disagree with them (another build of the series than the one the table
 * was read from)?  1 with a warning in buf naming each struct and the
 * difference (mapsize_kernel_consts__diff()), 0 when they agree, the series
 * is another or no BTF can be read, -EINVAL for bad arguments. */
MAPSIZE_API int mapsize_kernel_consts__check_running(const struct mapsize_kernel_consts *c, const char *btf_path,
					 char *buf, size_t size);

/* ---- node-local dimensions -------------------------------------------- */

struct mapsize_node {
	size_t sz; /* sizeof(struct mapsize_node) */
	uint32_t possible_cpus;		/* /sys/devices/system/cpu/possible */
	uint64_t memory_bytes;		/* MemTotal from /proc/meminfo */
	char kernel_release[65];	/* uname -r */
	/* Appended: the tightest limit of this process's memory cgroup and
	 * its ancestors (v1 memory.limit_in_bytes, v2 memory.max), 0 = none,
	 * and the file it came from. */
	uint64_t memcg_limit_bytes;
	char memcg_limit_file[256];
};

/* Read the running machine.  0 or negative errno. */
MAPSIZE_API int mapsize_node__read(struct mapsize_node *node);
/* The limit of this process's memory cgroup: v1 memory.limit_in_bytes,
 * else v2 memory.max, the tightest of its ancestors ("max" and v1's huge
 * page-counter maximum mean none), and the file it was read from.  The
 * cgroup is found through /proc/self/cgroup and /proc/self/mountinfo.
 * 0, or -ENOENT when there is no finite limit. */
MAPSIZE_API int mapsize_memcg__limit(uint64_t *limit, char *file, size_t file_size);
/* Feed cpus/memory into the planner as node-local dimensions (a --set
 * of the same name still wins). */
MAPSIZE_API int mapsize_planner__use_node(struct mapsize_planner *pl, const struct mapsize_node *node);

/* ---- applying a plan --------------------------------------------------- */

enum mapsize_map_status {
	MAPSIZE_MAP_APPLIED,	/* the object's map has a rule; size and flags set */
	MAPSIZE_MAP_UNMANAGED,	/* object map without a rule: left as compiled */
	MAPSIZE_MAP_MISSING,	/* rule without a map in the object */
};

struct mapsize_applied_map {
	const char *name;
	enum mapsize_map_status status;
	const struct mapsize_plan_map *planned;	/* NULL when unmanaged */
	uint32_t compiled_max_entries;		/* as the object had it before apply */
	uint32_t compiled_map_flags;
	uint32_t max_entries;			/* what the object will ask the kernel for */
	uint32_t map_flags;
	unsigned int bpf_type;			/* enum bpf_map_type; 0 when missing */
	uint32_t key_size, value_size;		/* the object's */
	/* Appended (issue 23): where libbpf pins the map (bpf_map__pin_path()),
	 * NULL when it does not pin; pin_kept: a map pinned there differs from
	 * the plan and MAPSIZE_PIN_KEEP kept it (max_entries and map_flags are
	 * the pinned map's). */
	const char *pin_path;
	bool pin_kept;
};

/* What mapsize_plan__apply() does with a map pinned in bpffs (the path
 * libbpf reuses: BTF `pinning`, pin_root_path, bpf_map__set_pin_path())
 * whose type, sizes, max_entries, flags or map_extra differ from what the
 * plan asks for.  libbpf would fail the load ("couldn't reuse pinned map
 * ... parameter mismatch"); apply decides before the load instead. */
enum mapsize_pin_policy {
	/* Fail with one error naming the pin, the pinned and the planned values
	 * and the command to run (`mapsize migrate`). */
	MAPSIZE_PIN_REFUSE = 0,
	/* Keep the pinned map and its size: the object asks for the pinned
	 * map's max_entries and flags, so libbpf reuses it; a warning
	 * (mapsize_applied__warning()) says so.  A pinned map of another type,
	 * key or value size is still refused. */
	MAPSIZE_PIN_KEEP,
	/* Carry the entries into a map of the planned size, swap the pin and
	 * hand the new map to libbpf (bpf_map__reuse_fd()). */
	MAPSIZE_PIN_MIGRATE,
};

struct mapsize_apply_opts {
	size_t sz; /* sizeof(struct mapsize_apply_opts) */
	/* A rule with no map in the object is an error (-ENOENT) instead of
	 * a MAPSIZE_MAP_MISSING entry. */
	bool strict;
	/* The object's ELF, as a file or as the bytes given to
	 * bpf_object__open_mem() (a skeleton's NAME__elf_bytes()): with it, the maps that fill
	 * statically initialised slots are exactly those the slots name (the
	 * ELF's .maps relocations, which libbpf does not expose).  Without it,
	 * every map equal to the compiled template is taken for one, and a
	 * rule-less one is sized as the template (with a warning). */
	const char *object_path;
	const void *object_buf;
	size_t object_buf_sz;
	/* Maps pinned with another spec than the plan's (issue 23). */
	enum mapsize_pin_policy pin_policy;
};
#define mapsize_apply_opts__last_field pin_policy

struct mapsize_applied;

/* Set max_entries and map_flags of every object map that has a rule,
 * after bpf_object__open*() and before bpf_object__load().  Flags the
 * object sets are kept; BPF_F_NO_PREALLOC is added or removed per the plan.
 * Type, key size and value size must match the rule (-EINVAL otherwise,
 * naming the map and both values).  Inner templates of map-in-maps are
 * replaced by a map created with the `outer.inner` rule's size, the
 * template's compiled flags with the rule's, and the object's BTF; the plan
 * remembers them for mapsize_plan__create_inner_map() (so do not apply one
 * plan concurrently with creating its instances).  Maps that fill
 * statically initialised slots are sized as the template, or refused
 * (-EINVAL) when their own rule disagrees.  Flags the kernel would refuse
 * on the type (object's and rule's together) are -EINVAL.  A map libbpf
 * would reuse from its pin path (bpffs) whose spec differs from what the
 * object now asks for is handled per opts->pin_policy before the load
 * (enum mapsize_pin_policy; the default refuses with -EEXIST, naming the
 * pin, both specs and the `mapsize migrate` command; another type, key or
 * value size is -EINVAL under every policy).
 * Returns NULL and fills *err on failure.  Keep the result until the
 * object is loaded, then free it. */
MAPSIZE_API struct mapsize_applied *mapsize_plan__apply(const struct mapsize_plan *plan,
					    struct bpf_object *obj,
					    const struct mapsize_apply_opts *opts,
					    struct mapsize_error *err);
MAPSIZE_API size_t mapsize_applied__map_cnt(const struct mapsize_applied *applied);
MAPSIZE_API const struct mapsize_applied_map *mapsize_applied__map(const struct mapsize_applied *applied,
							size_t idx);
MAPSIZE_API void mapsize_applied__free(struct mapsize_applied *applied);
/* What apply did that the caller should know of (a pinned map kept at its
 * live size, MAPSIZE_PIN_KEEP), one line each, also sent to the print
 * callback as warnings.  Strings live as long as `applied`. */
MAPSIZE_API size_t mapsize_applied__warning_cnt(const struct mapsize_applied *applied);
MAPSIZE_API const char *mapsize_applied__warning(const struct mapsize_applied *applied, size_t idx);

/* Create one more inner map for the map-in-map `outer` with the planned
 * size of its `outer.inner` rule (what an agent does per policy at run
 * time).  After mapsize_plan__apply() it equals the template apply created
 * (compiled flags with the rule's, the object's BTF), so the kernel inserts
 * it into the loaded outer map; before, it has the rule's flags only.
 * Returns a map fd or a negative errno (*err filled). */
MAPSIZE_API int mapsize_plan__create_inner_map(const struct mapsize_plan *plan, const char *outer,
				   const char *instance_name, struct mapsize_error *err);

/* ---- inner map instances sized per instance, grown in place ----------- */

/* Who writes the entries of an inner map instance; mapsize_inner__grow()
 * copies them while the old instance stays in the outer slot, so a write
 * that lands in the old instance after its key was copied is lost. */
enum mapsize_inner_writers {
	/* Not said: grow proceeds only when the kernel guarantees that BPF
	 * programs cannot write (the map has BPF_F_RDONLY_PROG), else -EBUSY. */
	MAPSIZE_INNER_WRITERS_UNKNOWN = 0,
	/* User space (this caller) is the only writer, as for policy maps:
	 * nothing is lost if it does not write the instance during the call. */
	MAPSIZE_INNER_WRITERS_USER,
	/* BPF programs write too, and the caller accepts the loss: updates
	 * and deletes BPF programs make in the old instance between the copy
	 * of that key and the swap are not in the new one.  Inserts are: the
	 * slot update returns after an RCU grace period, when no non-sleepable
	 * program can still hold the old instance, and grow then copies the
	 * keys its copy had not read (inserted during the copy) where the new
	 * one lacks them (opts.recovered); a key the copy read and that is
	 * gone from the new instance was deleted there and stays deleted.
	 * When the new instance cannot take them (-E2BIG, -ENOMEM) the old
	 * instance is put back in the slot and grow fails: what BPF wrote into
	 * the new one in between is lost.  A sleepable program holding the old
	 * instance past the grace period can still lose its writes. */
	MAPSIZE_INNER_WRITERS_BPF_LOSSY,
};

/* Options of mapsize_plan__create_inner_map_opts(). */
struct mapsize_inner_create_opts {
	size_t sz; /* sizeof(struct mapsize_inner_create_opts) */
	/* in */
	bool size_for_live;		/* size for live_entries (else the template's) */
	uint64_t live_entries;		/* the instance's live entries */
	/* out */
	uint32_t max_entries;		/* the size the instance was created with */
	bool per_instance;		/* sized per instance (else at the template's size) */
};
#define mapsize_inner_create_opts__last_field per_instance

/* Options of mapsize_inner__grow(). */
struct mapsize_inner_grow_opts {
	size_t sz; /* sizeof(struct mapsize_inner_grow_opts) */
	/* in */
	const char *outer;		/* the map-in-map's rule name (NULL: found from
					   the outer map's kernel name) */
	enum mapsize_inner_writers writers;
	/* out */
	uint32_t max_entries;		/* the size the new instance was created with */
	bool per_instance;		/* sized per instance (else at the template's size) */
	uint64_t copied;		/* entries copied into the new instance */
	bool batched;			/* copied with BPF_MAP_LOOKUP/UPDATE_BATCH */
	uint64_t copy_ns;		/* creating the new instance and copying */
	uint64_t swap_ns;		/* the outer slot update, which returns after an
					   RCU grace period (no program uses the old one) */
	uint64_t recovered;		/* BPF_LOSSY: keys BPF inserted into the old
					   instance during the copy, copied after the swap
					   (included in copied) */
};
#define mapsize_inner_grow_opts__last_field recovered

/* mapsize_plan__create_inner_map() with options: with size_for_live, the
 * instance is created at clamp(round(headroom * live_entries), min, max)
 * where the rule's `instance:` and the plan's target kernel allow it (see
 * struct mapsize_inner_sizing), else at the template's size; opts says
 * which (max_entries, per_instance).  Returns a map fd or -errno. */
MAPSIZE_API int mapsize_plan__create_inner_map_opts(const struct mapsize_plan *plan, const char *outer,
					const char *instance_name, struct mapsize_inner_create_opts *opts,
					struct mapsize_error *err);

/* Replace the inner map in slot `key` of the loaded map-in-map `outer_fd`
 * by a new instance sized for `live` entries (the rule above; a shrink when
 * that is smaller), copying every entry (BPF_MAP_LOOKUP_BATCH /
 * UPDATE_BATCH where the kernel has them, else key by key), then updating
 * the outer slot, one atomic pointer swap: a BPF program's lookup of the
 * slot gets the old or the new complete map, never a partial one.  The new
 * instance has the old one's type, key and value size, flags and BTF.
 * Returns the new instance's fd (the caller owns it), or -errno: -ENOENT
 * empty slot, -EOPNOTSUPP per-instance sizing does not apply (no
 * `instance:`, or the kernel rule), -E2BIG the entries do not fit the new
 * size, -EBUSY BPF programs may write the instance and opts->writers does
 * not accept that (see enum mapsize_inner_writers).  On error the slot
 * and the old instance are untouched (a failed BPF_LOSSY catch-up puts the
 * old instance back in the slot; if even that fails the slot keeps the new
 * one, and the error is still returned).  The library drops its reference to
 * the old instance; the kernel frees it once no fd and no running program
 * holds it, so close the fd you kept of it.  Not safe against another
 * user-space writer of the instance or of the slot during the call:
 * serialize them with it.  What user space cannot read is not copied:
 * bpf_timer and kptr fields of values start zeroed in the new instance.
 * An LRU instance may evict while the copy fills it when the new size
 * leaves little room (its free lists are per CPU). */
MAPSIZE_API int mapsize_inner__grow(const struct mapsize_plan *plan, int outer_fd, const void *key, uint64_t live,
				    struct mapsize_inner_grow_opts *opts);

/* One filled slot of a loaded map-in-map. */
struct mapsize_inner_slot {
	uint64_t key;		/* the slot's key: a 1-8 byte key read as a host-order integer */
	uint32_t inner_id;	/* the id of the inner map in the slot */
};

/* The filled slots of the loaded map-in-map with id `outer_id`, sorted by
 * key: *slots is
 * malloc()ed (the caller frees), *cnt its length.  Keys longer than 8
 * bytes are -EOPNOTSUPP.  0 or -errno (-EPERM without CAP_SYS_ADMIN). */
MAPSIZE_API int mapsize_inner__list_slots(uint32_t outer_id, struct mapsize_inner_slot **slots, size_t *cnt);

/* ---- reading maps back from the kernel -------------------------------- */

struct mapsize_kernel_map {
	size_t sz; /* sizeof(struct mapsize_kernel_map) */
	char name[16];			/* the kernel's (truncated) name */
	unsigned int bpf_type;
	uint32_t id;
	uint32_t key_size, value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t memlock_bytes;		/* fdinfo "memlock:" */
};

/* bpf_obj_get_info_by_fd() + /proc/self/fdinfo/<fd>.  0 or negative errno. */
MAPSIZE_API int mapsize_kernel_map__read(int map_fd, struct mapsize_kernel_map *out);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_BPF_H */
