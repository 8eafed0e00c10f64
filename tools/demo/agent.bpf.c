// SPDX-License-Identifier: GPL-2.0
/*
 * The mapsize demo agent: a small Tetragon-like tracing program whose maps
 * are described by examples/agent.rules.yaml (same names, types, key and
 * value sizes).  The sizes below are what Tetragon ships ("baseline"); the
 * agent (tools/demo/agent.c) replaces them between open and load with the
 * plan for the cluster it runs in.
 *
 * static.bpf.c builds the same source with the sizes and flags fixed at
 * compile time from a `mapsize gen-header` header: it defines MAP_SIZE() and
 * MAP_FLAGS() before including this file.
 *
 * Every insert into a map of the rules goes through MAPSIZE_UPDATE
 * (<mapsize/bpf_overflow.h>): a refused insert is counted per map and errno
 * class in the per-CPU array mapsize_overflow, which `mapsize status` reads.
 * fill_map and fill_lpm (BPF_PROG_TEST_RUN, `mapsize-demo-agent --fill`)
 * push a map past its size to show it.
 *
 * Portable on purpose: no vmlinux.h and no CO-RE; tracepoint contexts are
 * read at their stable format offsets and everything else comes from
 * helpers.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Map ids and the overflow slot list from `mapsize gen-header
 * examples/agent.rules.yaml` (any profile: only MAPSIZE_<NAME>_ID and
 * MAPSIZE_OVERFLOW_SLOTS are used here; demo.mk writes mapsize-ids.h).  The
 * static build has already included its profile's header with -include. */
#ifndef MAPSIZE_OVERFLOW_SLOTS
#include "mapsize-ids.h"
#endif
#include <mapsize/bpf_overflow.h>

#ifndef MAP_SIZE
/* MAP_SIZE(NAME, compiled): max_entries of map NAME (the rules' name,
 * upper-cased as in the generated header's MAPSIZE_<NAME>_MAX_ENTRIES). */
#define MAP_SIZE(NAME, compiled)	(compiled)
/* MAP_FLAGS(NAME, compiled): map_flags of map NAME. */
#define MAP_FLAGS(NAME, compiled)	(compiled)
#endif

#define MAX_POLICY_SCAN	32	/* policy ids 1..32 fit the event's policy mask */
#define PATH_LEN	256
#define TASK_COMM_LEN	16
#define AF_INET		2
#define TCP_ESTABLISHED	1

/* ---- values ------------------------------------------------------------ */

struct execve_map_value {		/* execve_map: 4 / 896 */
	__u64 ktime;
	__u64 cgroup_id;
	__u64 pid_tgid;
	__u64 parent_ktime;
	__u32 tgid;
	__u32 old_pid;
	__u32 policy_mask;
	__u32 flags;
	char comm[TASK_COMM_LEN];
	char filename[832];
};
_Static_assert(sizeof(struct execve_map_value) == 896, "execve_map value_size");

struct parent_binary {			/* tg_parents_bin: 4 / 792 */
	__u64 ktime;
	__u32 path_len;
	__u32 reserved;
	char path[776];
};
_Static_assert(sizeof(struct parent_binary) == 792, "tg_parents_bin value_size");

struct execve_joined_info {		/* tg_execve_joined_info_map: 8 / 16 */
	__u64 ktime;
	__u32 flags;
	__u32 reserved;
};

struct errmetrics_key {			/* tg_errmetrics_map: 12 / 4 */
	__u16 error;
	__u16 file_id;
	__u32 line_nr;
	__u32 helper_id;
};
_Static_assert(sizeof(struct errmetrics_key) == 12, "tg_errmetrics_map key_size");

struct cgroup_tracking_value {		/* tg_cgrps_tracking_map: 8 / 144 */
	__u64 first_seen;
	__u64 last_exec;
	__u64 exec_cnt;
	__u32 state;
	__u32 hierarchy_id;
	char name[112];
};
_Static_assert(sizeof(struct cgroup_tracking_value) == 144, "tg_cgrps_tracking_map value_size");

struct cgroup_rate_value {		/* cgroup_rate_map: 8 / 40 per CPU */
	__u64 window_start;
	__u64 cnt;
	__u64 dropped;
	__u64 last;
	__u64 throttled;
};
_Static_assert(sizeof(struct cgroup_rate_value) == 40, "cgroup_rate_map value_size");

struct agent_conf {			/* tg_conf_map: 4 / 64 */
	__u32 nr_policies;		/* policy ids 1..nr_policies are scanned */
	__u32 rate_limit;		/* events per cgroup per CPU per second, 0 = off */
	__u32 override_policy;		/* policy id whose matches get override_errno */
	__s32 override_errno;
	__u32 stack_policy_mask;	/* policies that capture kernel stacks */
	__u32 reserved[11];
};
_Static_assert(sizeof(struct agent_conf) == 64, "tg_conf_map value_size");

struct lpm_v4_key {			/* addr4_lpm: 8 / 1 */
	__u32 prefixlen;
	__u8 addr[4];
};

enum event_type {
	EVENT_EXEC = 1,
	EVENT_CONNECT = 2,
};

struct exec_event {			/* ring buffer record */
	__u32 type;			/* EVENT_EXEC */
	__u32 tgid;
	__u64 ktime;
	__u64 cgroup_id;
	__u32 policy_mask;
	__s32 stack_id;			/* -1 when not captured */
	__u32 flags;
	__u32 reserved;
	char comm[TASK_COMM_LEN];
	char filename[PATH_LEN];
};

struct connect_event {
	__u32 type;			/* EVENT_CONNECT */
	__u32 tgid;
	__u64 ktime;
	__u64 cgroup_id;
	__u8 daddr[4];
	__u16 dport;
	__u16 reserved;
};

#define HEAP_SIZE 8192
struct heap_value {			/* data_heap: 4 / 8192 per CPU */
	struct execve_map_value proc;
	struct exec_event event;
	struct parent_binary parent;
	__u8 scratch[HEAP_SIZE - sizeof(struct execve_map_value) -
		     sizeof(struct exec_event) - sizeof(struct parent_binary)];
};
_Static_assert(sizeof(struct heap_value) == HEAP_SIZE, "data_heap value_size");

/* execve_map_stats slots (Tetragon's MAP_STATS_*) */
enum { STATS_COUNT, STATS_EUPDATE, STATS_EDELETE, STATS_MAX };

/* execve_joined_info flags */
#define JOINED_SEEN_ENTER	(1U << 0)	/* the exec went through sys_enter_execve */

/* ---- maps ----------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAP_SIZE(EXECVE_MAP, 32768));
	__uint(map_flags, MAP_FLAGS(EXECVE_MAP, 0));
	__type(key, __u32);
	__type(value, struct execve_map_value);
} execve_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAP_SIZE(TG_PARENTS_BIN, 32768));
	__uint(map_flags, MAP_FLAGS(TG_PARENTS_BIN, 0));
	__type(key, __u32);
	__type(value, struct parent_binary);
} tg_parents_bin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAP_SIZE(TG_EXECVE_JOINED_INFO_MAP, 8192));
	__uint(map_flags, MAP_FLAGS(TG_EXECVE_JOINED_INFO_MAP, 0));
	__type(key, __u64);
	__type(value, struct execve_joined_info);
} tg_execve_joined_info_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, MAP_SIZE(TG_ERRMETRICS_MAP, 1024));
	__uint(map_flags, MAP_FLAGS(TG_ERRMETRICS_MAP, 0));
	__type(key, struct errmetrics_key);
	__type(value, __u32);
} tg_errmetrics_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAP_SIZE(EXECVE_MAP_STATS, STATS_MAX));
	__uint(map_flags, MAP_FLAGS(EXECVE_MAP_STATS, 0));
	__type(key, __u32);
	__type(value, __s64);
} execve_map_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAP_SIZE(DATA_HEAP, 1));
	__uint(map_flags, MAP_FLAGS(DATA_HEAP, 0));
	__type(key, __u32);
	__type(value, struct heap_value);
} data_heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAP_SIZE(TG_CONF_MAP, 1));
	__uint(map_flags, MAP_FLAGS(TG_CONF_MAP, BPF_F_RDONLY_PROG));
	__type(key, __u32);
	__type(value, struct agent_conf);
} tg_conf_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAP_SIZE(TG_CGRPS_TRACKING_MAP, 32768));
	__uint(map_flags, MAP_FLAGS(TG_CGRPS_TRACKING_MAP, 0));
	__type(key, __u64);
	__type(value, struct cgroup_tracking_value);
} tg_cgrps_tracking_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAP_SIZE(CGROUP_RATE_MAP, 32768));
	__uint(map_flags, MAP_FLAGS(CGROUP_RATE_MAP, 0));
	__type(key, __u64);
	__type(value, struct cgroup_rate_value);
} cgroup_rate_map SEC(".maps");

/* Inner map template: libbpf names it "policy_filter_maps.inner". */
struct policy_filter_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAP_SIZE(POLICY_FILTER_MAPS_INNER, 32768));
	__uint(map_flags, MAP_FLAGS(POLICY_FILTER_MAPS_INNER, 0));
	__type(key, __u64);		/* cgroup id */
	__type(value, __u8);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, MAP_SIZE(POLICY_FILTER_MAPS, 128));
	__uint(map_flags, MAP_FLAGS(POLICY_FILTER_MAPS, 0));
	__type(key, __u32);		/* policy id */
	__array(values, struct policy_filter_inner);
} policy_filter_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAP_SIZE(OVERRIDE_TASKS, 32768));
	__uint(map_flags, MAP_FLAGS(OVERRIDE_TASKS, 0));
	__type(key, __u64);		/* pid_tgid */
	__type(value, __s32);		/* errno */
} override_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAP_SIZE(ADDR4_LPM, 1024));
	__uint(map_flags, MAP_FLAGS(ADDR4_LPM, BPF_F_NO_PREALLOC));
	__type(key, struct lpm_v4_key);
	__type(value, __u8);
} addr4_lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MAP_SIZE(STACK_TRACE_MAP, 32768));
	__uint(map_flags, MAP_FLAGS(STACK_TRACE_MAP, 0));
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));	/* PERF_MAX_STACK_DEPTH frames */
} stack_trace_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MAP_SIZE(EVENTS, 512 * 1024));
	__uint(map_flags, MAP_FLAGS(EVENTS, 0));
} events SEC(".maps");

int exec_parents(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, MAP_SIZE(TAIL_CALLS, 2));
	__uint(map_flags, MAP_FLAGS(TAIL_CALLS, 0));
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} tail_calls SEC(".maps") = {
	.values = {
		[0] = (void *)&exec_parents,
	},
};

/* ---- tracepoint contexts (stable format offsets) ------------------------ */

struct tp_common {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
};

struct tp_sched_process_exec {
	struct tp_common common;
	__u32 filename_loc;		/* __data_loc char[] filename */
	__s32 pid;
	__s32 old_pid;
};

struct tp_sched_process_exit {
	struct tp_common common;
	char comm[TASK_COMM_LEN];
	__s32 pid;
	__s32 prio;
};

struct tp_inet_sock_set_state {
	struct tp_common common;
	const void *skaddr;
	__s32 oldstate;
	__s32 newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
	__u8 saddr[4];
	__u8 daddr[4];
};

/* ---- helpers ---------------------------------------------------------------- */

enum { FILE_EXEC = 1, FILE_EXIT, FILE_EXECVE, FILE_CONNECT };

/* Count a failed helper call per (errno, file, line), like Tetragon. */
static __always_inline void errmetric(__u16 file_id, __u32 line, __u32 helper, long err)
{
	struct errmetrics_key key = {
		.error = (__u16)-err,
		.file_id = file_id,
		.line_nr = line,
		.helper_id = helper,
	};
	__u32 one = 1, *cnt;

	cnt = bpf_map_lookup_elem(&tg_errmetrics_map, &key);
	if (cnt)
		(*cnt)++;
	else
		MAPSIZE_UPDATE(tg_errmetrics_map, &key, &one, BPF_NOEXIST);
}

static __always_inline void stats_add(__u32 slot, __s64 delta)
{
	__s64 *v = bpf_map_lookup_elem(&execve_map_stats, &slot);

	if (v)
		*v += delta;
}

static __always_inline const struct agent_conf *conf_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tg_conf_map, &zero);
}

/* Per-CPU, per-cgroup one-second window; 1 when the event must be dropped. */
static __always_inline int rate_limited(__u64 cgid, __u64 now, __u32 limit)
{
	struct cgroup_rate_value *rv, init = {};

	rv = bpf_map_lookup_elem(&cgroup_rate_map, &cgid);
	if (!rv) {
		init.window_start = now;
		init.cnt = 1;
		init.last = now;
		long err = MAPSIZE_UPDATE(cgroup_rate_map, &cgid, &init, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST */)
			errmetric(FILE_EXEC, __LINE__, BPF_FUNC_map_update_elem, err);
		return 0;
	}
	if (now - rv->window_start > 1000000000ULL) {
		rv->window_start = now;
		rv->cnt = 0;
	}
	rv->cnt++;
	rv->last = now;
	if (limit && rv->cnt > limit) {
		rv->dropped++;
		rv->throttled = now;
		return 1;
	}
	return 0;
}

static __always_inline void cgroup_track(__u64 cgid, __u64 now)
{
	struct cgroup_tracking_value *cv, init = {};

	cv = bpf_map_lookup_elem(&tg_cgrps_tracking_map, &cgid);
	if (cv) {
		cv->last_exec = now;
		__sync_fetch_and_add(&cv->exec_cnt, 1);
		return;
	}
	init.first_seen = now;
	init.last_exec = now;
	init.exec_cnt = 1;
	init.state = 1;
	bpf_get_current_comm(init.name, TASK_COMM_LEN);
	long err = MAPSIZE_UPDATE(tg_cgrps_tracking_map, &cgid, &init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: raced with another CPU */)
		errmetric(FILE_EXEC, __LINE__, BPF_FUNC_map_update_elem, err);
}

/* Bit (id - 1) set for every policy id whose inner map holds the cgroup. */
static __always_inline __u32 policy_match(__u64 cgid, __u32 nr_policies)
{
	__u32 mask = 0;

	if (nr_policies > MAX_POLICY_SCAN)
		nr_policies = MAX_POLICY_SCAN;
	for (__u32 id = 1; id <= MAX_POLICY_SCAN; id++) {
		void *inner;

		if (id > nr_policies)
			break;
		inner = bpf_map_lookup_elem(&policy_filter_maps, &id);
		if (inner && bpf_map_lookup_elem(inner, &cgid))
			mask |= 1U << (id - 1);
	}
	return mask;
}

/* ---- programs ---------------------------------------------------------------- */

/* execve() entered: remember it for the exec event (a failed exec leaves
 * the entry behind; the LRU evicts it, the exit handler removes it). */
SEC("tracepoint/syscalls/sys_enter_execve")
int on_execve_enter(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct execve_joined_info info = {
		.ktime = bpf_ktime_get_ns(),
		.flags = JOINED_SEEN_ENTER,
	};
	long err;

	err = MAPSIZE_UPDATE(tg_execve_joined_info_map, &pid_tgid, &info, BPF_ANY);
	if (err)
		errmetric(FILE_EXECVE, __LINE__, BPF_FUNC_map_update_elem, err);
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct tp_sched_process_exec *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, zero = 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 cgid = bpf_get_current_cgroup_id();
	const struct agent_conf *conf = conf_get();
	struct execve_joined_info *joined;
	struct execve_map_value *proc;
	struct exec_event *ev;
	struct heap_value *heap;
	__u32 off, nr_policies = 0, rate_limit = 0;
	long err;

	heap = bpf_map_lookup_elem(&data_heap, &zero);
	if (!heap)
		return 0;
	if (conf) {
		nr_policies = conf->nr_policies;
		rate_limit = conf->rate_limit;
	}

	/* the process record */
	proc = &heap->proc;
	proc->ktime = now;
	proc->cgroup_id = cgid;
	proc->pid_tgid = pid_tgid;
	proc->parent_ktime = 0;
	proc->tgid = tgid;
	proc->old_pid = ctx->old_pid;
	proc->flags = 0;
	bpf_get_current_comm(proc->comm, sizeof(proc->comm));
	off = ctx->filename_loc & 0xffff;
	bpf_probe_read_kernel_str(proc->filename, sizeof(proc->filename), (void *)ctx + off);

	joined = bpf_map_lookup_elem(&tg_execve_joined_info_map, &pid_tgid);
	if (joined) {
		proc->flags |= joined->flags;
		bpf_map_delete_elem(&tg_execve_joined_info_map, &pid_tgid);
	}

	cgroup_track(cgid, now);
	proc->policy_mask = policy_match(cgid, nr_policies);

	/* a matched Override policy: fail this task's next overridden call */
	if (conf && conf->override_policy && conf->override_policy <= MAX_POLICY_SCAN &&
	    (proc->policy_mask & (1U << ((conf->override_policy - 1) & 31)))) {
		__s32 errno_val = conf->override_errno;

		err = MAPSIZE_UPDATE(override_tasks, &pid_tgid, &errno_val, BPF_ANY);
		if (err)
			errmetric(FILE_EXEC, __LINE__, BPF_FUNC_map_update_elem, err);
	}

	/* an exec replaces the record of the same tgid: count only new keys */
	err = MAPSIZE_UPDATE(execve_map, &tgid, proc, BPF_NOEXIST);
	if (err == -17 /* EEXIST */)
		err = MAPSIZE_UPDATE(execve_map, &tgid, proc, BPF_EXIST);
	else if (!err)
		stats_add(STATS_COUNT, 1);
	if (err) {
		stats_add(STATS_EUPDATE, 1);
		errmetric(FILE_EXEC, __LINE__, BPF_FUNC_map_update_elem, err);
	}

	if (!rate_limited(cgid, now, rate_limit)) {
		ev = &heap->event;
		ev->type = EVENT_EXEC;
		ev->tgid = tgid;
		ev->ktime = now;
		ev->cgroup_id = cgid;
		ev->policy_mask = proc->policy_mask;
		ev->flags = proc->flags;
		ev->stack_id = -1;
		if (conf && (proc->policy_mask & conf->stack_policy_mask))
			ev->stack_id = bpf_get_stackid(ctx, &stack_trace_map, 0);
		__builtin_memcpy(ev->comm, proc->comm, sizeof(ev->comm));
		bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), proc->filename);
		err = bpf_ringbuf_output(&events, ev, sizeof(*ev), 0);
		if (err)
			errmetric(FILE_EXEC, __LINE__, BPF_FUNC_ringbuf_output, err);
	}

	/* stage 2: parent binary bookkeeping */
	bpf_tail_call(ctx, &tail_calls, 0);
	return 0;
}

/* Tail call target (no auto-attach): record the binary for the children of
 * this process, which find it under their parent's tgid. */
SEC("tracepoint")
int exec_parents(void *ctx)
{
	struct heap_value *heap;
	__u32 zero = 0, tgid;
	long err;

	heap = bpf_map_lookup_elem(&data_heap, &zero);
	if (!heap)
		return 0;
	tgid = heap->proc.tgid;
	heap->parent.ktime = heap->proc.ktime;
	heap->parent.reserved = 0;
	err = bpf_probe_read_kernel_str(heap->parent.path, sizeof(heap->parent.path),
					heap->proc.filename);
	heap->parent.path_len = err > 0 ? err - 1 : 0;
	err = MAPSIZE_UPDATE(tg_parents_bin, &tgid, &heap->parent, BPF_ANY);
	if (err)
		errmetric(FILE_EXEC, __LINE__, BPF_FUNC_map_update_elem, err);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(struct tp_sched_process_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;

	bpf_map_delete_elem(&override_tasks, &pid_tgid);
	bpf_map_delete_elem(&tg_execve_joined_info_map, &pid_tgid);
	if ((__u32)pid_tgid != tgid)
		return 0;	/* a thread; the process lives on */

	/* the group leader: the process record goes */
	if (bpf_map_delete_elem(&execve_map, &tgid) == 0)
		stats_add(STATS_COUNT, -1);
	else
		stats_add(STATS_EDELETE, 1);
	bpf_map_delete_elem(&tg_parents_bin, &tgid);
	return 0;
}

/* Outgoing IPv4 connections to a CIDR of a network policy. */
SEC("tracepoint/sock/inet_sock_set_state")
int on_sock_state(struct tp_inet_sock_set_state *ctx)
{
	struct lpm_v4_key key = { .prefixlen = 32 };
	struct connect_event *ev;

	if (ctx->family != AF_INET || ctx->newstate != TCP_ESTABLISHED)
		return 0;
	__builtin_memcpy(key.addr, ctx->daddr, sizeof(key.addr));
	if (!bpf_map_lookup_elem(&addr4_lpm, &key))
		return 0;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		errmetric(FILE_CONNECT, __LINE__, BPF_FUNC_ringbuf_reserve, -105 /* ENOBUFS */);
		return 0;
	}
	ev->type = EVENT_CONNECT;
	ev->tgid = bpf_get_current_pid_tgid() >> 32;
	ev->ktime = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	__builtin_memcpy(ev->daddr, key.addr, sizeof(ev->daddr));
	ev->dport = ctx->dport;
	ev->reserved = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/* ---- fill: push a map past its size (BPF_PROG_TEST_RUN) ------------------- */

/* The context of fill_map and fill_lpm (mapsize-demo-agent --fill MAP=COUNT). */
struct fill_args {
	__u32 map_id;			/* MAPSIZE_<NAME>_ID of the map */
	__u32 start;			/* keys start .. start + count - 1 */
	__u32 count;			/* at most 1 << 23 (bpf_loop) */
	__u32 flags;			/* BPF_ANY, BPF_NOEXIST, BPF_EXIST */
};

struct fill_loop {
	__u32 map_id, start, flags, failed;
	int unsupported;
};

/* Values come from the start of data_heap's scratch, zeroed before a fill. */
#define FILL_VALUE_MAX 1024
_Static_assert(sizeof(((struct heap_value *)0)->scratch) >= FILL_VALUE_MAX, "fill scratch");
_Static_assert(sizeof(struct execve_map_value) <= FILL_VALUE_MAX &&
	       sizeof(struct parent_binary) <= FILL_VALUE_MAX, "fill values fit the scratch");

static long fill_hash_one(__u32 i, void *data)
{
	struct fill_loop *fl = data;
	__u32 zero = 0, k32 = fl->start + i;
	__u64 k64 = k32;
	struct heap_value *heap = bpf_map_lookup_elem(&data_heap, &zero);
	void *val;
	long err;

	if (!heap)
		return 1;
	val = heap->scratch;
	switch (fl->map_id) {
	case MAPSIZE_EXECVE_MAP_ID:
		err = MAPSIZE_UPDATE(execve_map, &k32, val, fl->flags);
		break;
	case MAPSIZE_TG_PARENTS_BIN_ID:
		err = MAPSIZE_UPDATE(tg_parents_bin, &k32, val, fl->flags);
		break;
	case MAPSIZE_TG_EXECVE_JOINED_INFO_MAP_ID:
		err = MAPSIZE_UPDATE(tg_execve_joined_info_map, &k64, val, fl->flags);
		break;
	case MAPSIZE_TG_CGRPS_TRACKING_MAP_ID:
		err = MAPSIZE_UPDATE(tg_cgrps_tracking_map, &k64, val, fl->flags);
		break;
	case MAPSIZE_CGROUP_RATE_MAP_ID:
		err = MAPSIZE_UPDATE(cgroup_rate_map, &k64, val, fl->flags);
		break;
	case MAPSIZE_OVERRIDE_TASKS_ID:
		err = MAPSIZE_UPDATE(override_tasks, &k64, val, fl->flags);
		break;
	default:
		fl->unsupported = 1;
		return 1;
	}
	if (err)
		fl->failed++;
	return 0;
}

/* Insert keys start..start+count-1 into the hash-family map map_id through
 * MAPSIZE_UPDATE; returns how many inserts failed (-EINVAL: not a map this
 * program fills, -E2BIG: count above bpf_loop's limit).  A syscall program:
 * sleepable, so the verifier allows it no lpm_trie (fill_lpm does that). */
SEC("syscall")
int fill_map(struct fill_args *ctx)
{
	struct fill_loop fl = { .map_id = ctx->map_id, .start = ctx->start, .flags = ctx->flags };
	struct heap_value *heap;
	__u32 zero = 0;
	long n;

	heap = bpf_map_lookup_elem(&data_heap, &zero);
	if (!heap)
		return -12; /* ENOMEM */
	__builtin_memset(heap->scratch, 0, FILL_VALUE_MAX);
	n = bpf_loop(ctx->count, fill_hash_one, &fl, 0);
	if (n < 0)
		return n;
	return fl.unsupported ? -22 /* EINVAL */ : (int)fl.failed;
}

static long fill_lpm_one(__u32 i, void *data)
{
	struct fill_loop *fl = data;
	__u32 addr = fl->start + i;
	struct lpm_v4_key key = {
		.prefixlen = 32,
		.addr = { addr >> 24, addr >> 16, addr >> 8, addr },	/* network order */
	};
	__u8 one = 1;

	if (MAPSIZE_UPDATE(addr4_lpm, &key, &one, fl->flags))
		fl->failed++;
	return 0;
}

/* fill_map for the lpm_trie addr4_lpm: /32 prefixes of the IPv4 addresses
 * start..start+count-1.  The same context, passed as raw tracepoint
 * arguments (BPF_PROG_TEST_RUN ctx_in); no auto-attach. */
SEC("raw_tp")
int fill_lpm(struct fill_args *ctx)
{
	struct fill_loop fl = { .map_id = ctx->map_id, .start = ctx->start, .flags = ctx->flags };
	long n;

	if (fl.map_id != MAPSIZE_ADDR4_LPM_ID)
		return -22; /* EINVAL */
	n = bpf_loop(ctx->count, fill_lpm_one, &fl, 0);
	if (n < 0)
		return n;
	return (int)fl.failed;
}

char LICENSE[] SEC("license") = "GPL";
