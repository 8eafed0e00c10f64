// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel-side counters for every map on the machine, for any agent,
 * unmodified (issue 18): tracing programs on the map implementations.
 *  - failed inserts: fexit on each type's update function, the return value
 *    classed as <mapsize/bpf_overflow.h> does (E2BIG, ENOSPC, ENOMEM,
 *    other); -EEXIST / -ENOENT are BPF_NOEXIST / BPF_EXIST semantics, not
 *    failures;
 *  - LRU evictions: fentry on htab_lru_map_delete_node(), which the LRU
 *    calls only to take a node from the table for reuse;
 *  - ring-buffer drops: bpf_ringbuf_output() < 0, bpf_ringbuf_reserve()
 *    returning NULL (helper wrappers: five u64 arguments, r1 is the map);
 *    perf event array output failures, counted as drops of that map;
 *  - a map freed: its row is deleted, so a new map that reuses the id
 *    starts from zero.
 * Names differ across releases: user space (src/kernel/counters.c) turns
 * off the programs whose function is not in the running kernel's BTF.
 *
 * CO-RE without vmlinux.h: only the fields read are declared.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define E2BIG_	7
#define ENOENT_	2
#define ENOMEM_	12
#define ENOSPC_	28
#define EEXIST_	17

struct bpf_map {
	__u32 id;
	enum bpf_map_type map_type;	/* an enum in the kernel: CO-RE wants the same kind */
	char name[16];
} __attribute__((preserve_access_index));

/* struct bpf_htab starts with its struct bpf_map (kernel/bpf/hashtab.c) */
struct bpf_htab {
	struct bpf_map map;
} __attribute__((preserve_access_index));

/* Keep in step with struct counters_key / counters_val in counters.c. */
struct counters_key {
	__u32 id;
	__u32 reserved;
	__u64 map;		/* the struct bpf_map's address: two maps of one id
				   are told apart even before the free hook runs */
};

struct counters_val {
	__u64 failures[4];	/* MAPSIZE_OVF_E2BIG .. MAPSIZE_OVF_OTHER */
	__u64 evictions;
	__u64 drops;
	__u64 syscall_failures;	/* of failures[], those of bpf() writers */
	__u32 map_type;
	char name[16];
	__u32 reserved;
};

#define COUNTERS_MAX 4096

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, COUNTERS_MAX);
	__type(key, struct counters_key);
	__type(value, struct counters_val);
} mapsize_ctrs SEC(".maps");

/* [0]: events lost because mapsize_ctrs was full; [1]: attach time
 * (CLOCK_REALTIME seconds) and [2..6]: the bit sets of what this kernel
 * does not count and why (struct ctr_missing in counters.c), written by
 * user space so that a pinned reader knows them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 7);
	__type(key, __u32);
	__type(value, __u64);
} mapsize_ctrs_g SEC(".maps");

enum what { FAIL_E2BIG, FAIL_ENOSPC, FAIL_ENOMEM, FAIL_OTHER, EVICT, DROP };

/* Who wrote, when the hook knows it better than bpf_prog_active does. */
enum writer { WRITER_DETECT, WRITER_SYSCALL };

/* Who wrote: bpf() runs the update with instrumentation disabled
 * (bpf_disable_instrumentation(): this CPU's bpf_prog_active raised); a BPF
 * program calls the map op directly, with it at 0.  One per-CPU read, on
 * failures only.  A kprobe or perf_event program writer also runs with it
 * raised and counts as bpf().  Weak: 5.10's BTF has no per-CPU variables,
 * and there the split is not made (every failure counts as a program's). */
extern int bpf_prog_active __ksym __weak;

static __always_inline void count_by(struct bpf_map *map, enum what what, enum writer writer)
{
	struct counters_key key = {};
	struct counters_val *v, init = {};
	__u32 lost = 0;
	__u64 *g;

	if (!map)
		return;
	key.id = BPF_CORE_READ(map, id);
	key.map = (__u64)(unsigned long)map;
	v = bpf_map_lookup_elem(&mapsize_ctrs, &key);
	if (!v) {
		/* insert rarely: our own update recurses into the traced
		 * htab_map_update_elem, where the kernel skips the nested run */
		init.map_type = BPF_CORE_READ(map, map_type);
		BPF_CORE_READ_STR_INTO(&init.name, map, name);
		bpf_map_update_elem(&mapsize_ctrs, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&mapsize_ctrs, &key);
		if (!v) {
			g = bpf_map_lookup_elem(&mapsize_ctrs_g, &lost);
			if (g)
				__sync_fetch_and_add(g, 1);
			return;
		}
	}
	if (what <= FAIL_OTHER) {
		__sync_fetch_and_add(&v->failures[what], 1);
		if (writer == WRITER_SYSCALL ||
		    (writer == WRITER_DETECT && &bpf_prog_active &&
		     *(int *)bpf_this_cpu_ptr(&bpf_prog_active) > 0))
			__sync_fetch_and_add(&v->syscall_failures, 1);
	}
	else if (what == EVICT)
		__sync_fetch_and_add(&v->evictions, 1);
	else
		__sync_fetch_and_add(&v->drops, 1);
}

static __always_inline void count(struct bpf_map *map, enum what what)
{
	count_by(map, what, WRITER_DETECT);
}

static __always_inline void update_ret_by(struct bpf_map *map, long ret, enum writer writer)
{
	int err = (int)ret;	/* int on older kernels, long on newer */

	if (err >= 0 || err == -EEXIST_ || err == -ENOENT_)
		return;
	count_by(map, err == -E2BIG_ ? FAIL_E2BIG : err == -ENOSPC_ ? FAIL_ENOSPC :
		      err == -ENOMEM_ ? FAIL_ENOMEM : FAIL_OTHER, writer);
}

static __always_inline void update_ret(struct bpf_map *map, long ret)
{
	update_ret_by(map, ret, WRITER_DETECT);
}

#define UPDATE4(fn)								\
SEC("fexit/" #fn)								\
int BPF_PROG(ctr_##fn, struct bpf_map *map, void *key, void *value, __u64 flags, long ret) \
{										\
	update_ret(map, ret);							\
	return 0;								\
}

/* hash_of_maps slots are counted once, by bpf_fd_htab_map_update_elem()
 * below: 6.18 inlines htab_map_update_elem() into it. */
SEC("fexit/htab_map_update_elem")
int BPF_PROG(ctr_htab_map_update_elem, struct bpf_map *map, void *key, void *value, __u64 flags, long ret)
{
	if ((int)ret < 0 && BPF_CORE_READ(map, map_type) != BPF_MAP_TYPE_HASH_OF_MAPS)
		update_ret(map, ret);
	return 0;
}

SEC("fexit/bpf_fd_htab_map_update_elem")
int BPF_PROG(ctr_bpf_fd_htab_map_update_elem, struct bpf_map *map, void *map_file, void *key, void *value,
	     __u64 flags, long ret)
{
	update_ret(map, ret);
	return 0;
}

UPDATE4(htab_lru_map_update_elem)
UPDATE4(htab_percpu_map_update_elem)
UPDATE4(htab_lru_percpu_map_update_elem)
UPDATE4(bpf_percpu_hash_update)		/* the bpf() path of the per-CPU hashes */
UPDATE4(trie_update_elem)

SEC("fexit/queue_stack_map_push_elem")
int BPF_PROG(ctr_queue_stack_map_push_elem, struct bpf_map *map, void *value, __u64 flags, long ret)
{
	update_ret(map, ret);
	return 0;
}

SEC("fexit/bloom_map_push_elem")
int BPF_PROG(ctr_bloom_map_push_elem, struct bpf_map *map, void *value, __u64 flags, long ret)
{
	update_ret(map, ret);
	return 0;
}

SEC("fentry/htab_lru_map_delete_node")
int BPF_PROG(ctr_htab_lru_map_delete_node, void *arg)
{
	count(&((struct bpf_htab *)arg)->map, EVICT);
	return 0;
}

/* BPF_CALL_n helpers are u64 f(u64 r1, ..., u64 r5) whatever n: the return
 * value follows five arguments. */
SEC("fexit/bpf_ringbuf_output")
int BPF_PROG(ctr_bpf_ringbuf_output, __u64 map, __u64 data, __u64 size, __u64 flags, __u64 r5, __u64 ret)
{
	if ((long)ret < 0)
		count((struct bpf_map *)map, DROP);
	return 0;
}

SEC("fexit/bpf_ringbuf_reserve")
int BPF_PROG(ctr_bpf_ringbuf_reserve, __u64 map, __u64 size, __u64 flags, __u64 r4, __u64 r5, __u64 ret)
{
	if (!ret)
		count((struct bpf_map *)map, DROP);
	return 0;
}

/* Perf event array output failures (no event on the CPU, or its buffer
 * full): the helpers of skb and XDP programs; r2 is the map. */
#define PERF_OUT(fn)								\
SEC("fexit/" #fn)								\
int BPF_PROG(ctr_##fn, __u64 r1, __u64 map, __u64 r3, __u64 r4, __u64 r5, __u64 ret) \
{										\
	if ((long)ret < 0)							\
		count((struct bpf_map *)map, DROP);				\
	return 0;								\
}

/* the tracing programs' helpers (bpf_perf_event_output*): at
 * perf_event_output() below */
PERF_OUT(bpf_skb_event_output)
PERF_OUT(bpf_xdp_event_output)

/*
 * Where fexit cannot attach.  From 6.14 (commit "bpf: Avoid deadlock caused
 * by nested kprobe and fentry bpf programs") kernel/bpf/Makefile builds
 * lpm_trie.c, queue_stack_maps.c and ringbuf.c without ftrace's entry call,
 * and kernel/trace/ (bpf_perf_event_output*) never had one: the trampoline
 * finds no patchable entry and attach fails with EBUSY; a kprobe is refused
 * too ("Could not probe notrace function", without
 * CONFIG_KPROBE_EVENTS_ON_NOTRACE).  A BPF program's update reaches those
 * functions directly (the verifier turns the helper call into a call of the
 * map's op), so its failures cannot be seen there.  bpf()'s updates pass
 * through bpf_map_update_value() (kernel/bpf/syscall.c, traceable): counted
 * there for the map types in fallback_types, those whose own function could
 * not be traced, so that nothing is counted twice.
 */
/* bit t: count bpf() failures of map type t at bpf_map_update_value() */
__u64 fallback_types;

SEC("fexit/bpf_map_update_value")
int ctr_bpf_map_update_value(__u64 *ctx)
{
	struct bpf_map *map = (struct bpf_map *)ctx[0];
	__u64 ret = 0;
	__u32 type;

	if (bpf_get_func_ret(ctx, &ret) || (int)ret >= 0)
		return 0;
	type = BPF_CORE_READ(map, map_type);
	if (type < 64 && (fallback_types >> type) & 1)
		update_ret_by(map, (int)ret, WRITER_SYSCALL);
	return 0;
}

/*
 * Perf output of tracing programs (kprobe, tracepoint, raw_tp, fentry, ...):
 * their helpers (bpf_perf_event_output*, kernel/trace/) have no ftrace
 * entry, but all end in perf_event_output() (kernel/events/), which does:
 * its failure is a full buffer (-ENOSPC).  It sees the perf event, not the
 * map: which map holds which event is kept in mapsize_ctrs_ev, filled when
 * an event is put into a perf event array (perf_event_fd_array_get_ptr())
 * and, for the arrays filled before attach, by the seed_perf_arrays
 * iterator that user space runs once.  The helpers' earlier refusals (no
 * event in the CPU's slot, a wrong event, a bad index) happen before
 * perf_event_output() and are not seen.  skb/XDP output also ends there:
 * those are counted by bpf_skb/xdp_event_output() above; told apart by the
 * sample data, which tracing helpers take from this CPU's bpf_trace_sds.
 */
struct bpf_event_entry {
	void *event;
} __attribute__((preserve_access_index));

struct bpf_array {
	struct bpf_map map;
	void *ptrs[0];
} __attribute__((preserve_access_index));

struct bpf_trace_sample_data {
	int sds;
} __attribute__((preserve_access_index));

extern struct bpf_trace_sample_data bpf_trace_sds __ksym __weak;

#define PERF_ARRAY_SEED_MAX 4096	/* slots per perf event array read at attach */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, COUNTERS_MAX);
	__type(key, __u64);		/* struct perf_event * */
	__type(value, __u64);		/* struct bpf_map * of the array holding it */
} mapsize_ctrs_ev SEC(".maps");

static __always_inline void remember_event(void *event, struct bpf_map *map)
{
	__u64 ev = (__u64)(unsigned long)event, m = (__u64)(unsigned long)map;

	if (ev)
		bpf_map_update_elem(&mapsize_ctrs_ev, &ev, &m, BPF_ANY);
}

SEC("fexit/perf_event_fd_array_get_ptr")
int BPF_PROG(ctr_perf_event_fd_array_get_ptr, struct bpf_map *map, void *map_file, int fd,
	     struct bpf_event_entry *ee)
{
	if ((unsigned long)ee >= (unsigned long)-4095L || !ee)	/* NULL or ERR_PTR */
		return 0;
	remember_event(BPF_CORE_READ(ee, event), map);
	return 0;
}

struct bpf_iter_meta;
struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

struct bpf_map___max {
	__u32 max_entries;
} __attribute__((preserve_access_index));

struct seed_ctx {
	__u64 map;
	__u64 slots;
};

static long seed_slot(__u32 i, struct seed_ctx *sc)
{
	struct bpf_event_entry *ee = 0;

	bpf_probe_read_kernel(&ee, sizeof(ee), (void *)(sc->slots + i * 8ull));
	if (ee)
		remember_event(BPF_CORE_READ(ee, event), (struct bpf_map *)sc->map);
	return 0;
}

/* bpf_loop() (5.17+): 6.18's verifier answers EFAULT to the plain loop */
SEC("iter/bpf_map")
int seed_perf_arrays(struct bpf_iter__bpf_map *ctx)
{
	struct seed_ctx sc = {};
	struct bpf_map *map;
	__u32 n;

	/* the map's address as a plain number: the verifier refuses
	 * arithmetic on a trusted pointer */
	bpf_probe_read_kernel(&sc.map, sizeof(sc.map), &ctx->map);
	map = (struct bpf_map *)sc.map;
	if (!map || BPF_CORE_READ(map, map_type) != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return 0;
	n = BPF_CORE_READ((struct bpf_map___max *)map, max_entries);
	sc.slots = sc.map + bpf_core_field_offset(struct bpf_array, ptrs);
	bpf_loop(n < PERF_ARRAY_SEED_MAX ? n : PERF_ARRAY_SEED_MAX, seed_slot, &sc, 0);
	return 0;
}

SEC("fexit/perf_event_output")
int BPF_PROG(ctr_perf_event_output, void *event, void *data, void *regs, int ret)
{
	__u64 ev = (__u64)(unsigned long)event, *m, sds;
	__u32 lost = 0;

	if (ret >= 0 || !&bpf_trace_sds)
		return 0;
	sds = (__u64)(unsigned long)bpf_this_cpu_ptr(&bpf_trace_sds);
	if ((__u64)(unsigned long)data - sds >= bpf_core_type_size(struct bpf_trace_sample_data))
		return 0;	/* not a tracing helper's */
	m = bpf_map_lookup_elem(&mapsize_ctrs_ev, &ev);
	if (m) {
		count((struct bpf_map *)*m, DROP);
	} else {
		__u64 *g = bpf_map_lookup_elem(&mapsize_ctrs_g, &lost);

		if (g)
			__sync_fetch_and_add(g, 1);
	}
	return 0;
}

/* A map going away drops its rows, so that a new map that reuses the id
 * starts from zero.  security_bpf_map_free() (an LSM hook, in another
 * compilation unit, so never inlined into the free path) runs once per map
 * on every kernel here, but after the id was cleared: the rows are found by
 * the map's address. */
static long drop_rows(struct bpf_map *ctrs, struct counters_key *key, struct counters_val *val, __u64 *addr)
{
	if (key->map == *addr)
		bpf_map_delete_elem(ctrs, key);
	return 0;
}

static long drop_events(struct bpf_map *evs, __u64 *event, __u64 *map, __u64 *addr)
{
	if (*map == *addr)
		bpf_map_delete_elem(evs, event);
	return 0;
}

SEC("fentry/security_bpf_map_free")
int BPF_PROG(ctr_security_bpf_map_free, struct bpf_map *map)
{
	__u64 addr = (__u64)(unsigned long)map;

	bpf_for_each_map_elem(&mapsize_ctrs, drop_rows, &addr, 0);
	bpf_for_each_map_elem(&mapsize_ctrs_ev, drop_events, &addr, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
