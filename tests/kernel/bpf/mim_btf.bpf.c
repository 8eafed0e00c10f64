// SPDX-License-Identifier: GPL-2.0
/*
 * Map-in-maps whose inner values need BTF (tests/kernel/test_mim.c): the
 * kernel finds a value's bpf_spin_lock and bpf_timer fields (and kptrs) only in
 * the map's BTF, the verifier refuses a lock or timer in a map without it
 * ("map '' has to have BTF in order to use bpf_spin_lock"), and an inner
 * map is inserted only when its fields equal the template's.  So apply must
 * create the inner template with the object's BTF, and
 * mapsize_plan__create_inner_map() its instances too.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1


struct lock_val {
	struct bpf_spin_lock lock;
	__u64 packets;
};

struct timer_val {
	struct bpf_timer timer;
	__u64 fired;
};

/* clang 14 emits an inner map's value type as a forward declaration only
 * (libbpf: "can't determine value size"); a top-level map of the same
 * types makes it emit them in full.  No rule: left as compiled. */
struct value_types {
	struct lock_val l;
	struct timer_val t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value_types);
} value_types SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, struct lock_val);
	});
} locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, struct timer_val);
	});
} timers SEC(".maps");

static int on_timer(void *map, __u32 *key, struct timer_val *v)
{
	v->fired++;
	return 0;
}

SEC("tc")
int use_locks(struct __sk_buff *skb)
{
	struct lock_val lv_new = { .packets = 1 };
	struct timer_val tv_new = {};
	__u32 zero = 0;
	struct lock_val *lv;
	struct timer_val *tv;
	void *inner;

	inner = bpf_map_lookup_elem(&locks, &zero);
	if (inner) {
		lv = bpf_map_lookup_elem(inner, &zero);
		if (lv) {
			bpf_spin_lock(&lv->lock);
			lv->packets++;
			bpf_spin_unlock(&lv->lock);
		} else {
			bpf_map_update_elem(inner, &zero, &lv_new, BPF_NOEXIST);
		}
	}
	inner = bpf_map_lookup_elem(&timers, &zero);
	if (inner) {
		tv = bpf_map_lookup_elem(inner, &zero);
		if (tv) {
			bpf_timer_init(&tv->timer, inner, CLOCK_MONOTONIC);
			bpf_timer_set_callback(&tv->timer, on_timer);
		} else {
			bpf_map_update_elem(inner, &zero, &tv_new, BPF_ANY);
		}
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
