// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one non-pure part of the memory model: read the kernel struct sizes the
 * memlock formulas need from a kernel's BTF with libbpf.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <mapsize/bpf.h>
#include <mapsize/memory.h>

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

/* Member `member` of struct/union t, also inside anonymous struct/union
 * members (5.10's `struct bucket` keeps raw_lock in one). */
static bool has_member(const struct btf *btf, const struct btf_type *t, const char *member,
		       uint32_t *byte_off)
{
	const struct btf_member *m = btf_members(t);
	unsigned short i, n = btf_vlen(t);

	for (i = 0; i < n; i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && !strcmp(name, member)) {
			if (byte_off)
				*byte_off = btf_member_bit_offset(t, i) / 8;
			return true;
		}
		if (!name || !*name) {
			const struct btf_type *a = btf__type_by_id(btf, m->type);
			uint32_t inner = 0;

			while (a && (btf_is_mod(a) || btf_is_typedef(a)))
				a = btf__type_by_id(btf, a->type);
			if (a && btf_is_composite(a) && has_member(btf, a, member, &inner)) {
				if (byte_off)
					*byte_off = btf_member_bit_offset(t, i) / 8 + inner;
				return true;
			}
		}
	}
	return false;
}

/* The struct called `name` (with member `member`, when given: generic names
 * such as "bucket" may exist more than once).  NULL and *id = 0 if absent. */
static const struct btf_type *find_struct(const struct btf *btf, const char *name,
					  const char *member, __u32 *id)
{
	__u32 i, cnt = btf__type_cnt(btf);

	for (i = 1; i < cnt; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *tn;

		if (!t || !btf_is_struct(t))
			continue;
		tn = btf__name_by_offset(btf, t->name_off);
		if (!tn || strcmp(tn, name))
			continue;
		if (member && !has_member(btf, t, member, NULL))
			continue;
		*id = i;
		return t;
	}
	*id = 0;
	return NULL;
}

static void read_size(const struct btf *btf, const char *name, const char *member,
		      uint32_t *field, uint32_t bit, uint32_t *fallback)
{
	__u32 id;
	__s64 sz;

	if (!find_struct(btf, name, member, &id)) {
		*fallback |= bit;
		return;
	}
	sz = btf__resolve_size(btf, id);
	if (sz <= 0 || sz > UINT32_MAX) {
		*fallback |= bit;
		return;
	}
	*field = (uint32_t)sz;
}

int mapsize_kernel_consts__from_btf(const char *btf_path, struct mapsize_kernel_consts *c)
{
	const struct btf_type *t;
	struct btf *btf;
	uint32_t fb = 0, off;
	__u32 id;
	long err;

	if (!c || c->sz < sizeof(*c))
		return -EINVAL;
	btf = btf__parse(btf_path ? btf_path : DEFAULT_BTF, NULL);
	err = libbpf_get_error(btf);
	if (err)
		return (int)err;
	if (!btf)
		return -ENOENT;

	/* start from the newest builtin; every field the BTF has replaces it */
	mapsize_kernel_consts__builtin(NULL, c);

	read_size(btf, "bpf_htab", NULL, &c->bpf_htab, MAPSIZE_KC_BPF_HTAB, &fb);
	read_size(btf, "htab_elem", NULL, &c->htab_elem, MAPSIZE_KC_HTAB_ELEM, &fb);
	read_size(btf, "bucket", "raw_lock", &c->htab_bucket, MAPSIZE_KC_HTAB_BUCKET, &fb);
	read_size(btf, "llist_node", NULL, &c->llist_node, MAPSIZE_KC_LLIST_NODE, &fb);
	read_size(btf, "bpf_array", NULL, &c->bpf_array, MAPSIZE_KC_BPF_ARRAY, &fb);
	read_size(btf, "lpm_trie", NULL, &c->lpm_trie, MAPSIZE_KC_LPM_TRIE, &fb);
	read_size(btf, "lpm_trie_node", NULL, &c->lpm_trie_node, MAPSIZE_KC_LPM_TRIE_NODE, &fb);
	read_size(btf, "bpf_ringbuf_map", NULL, &c->bpf_ringbuf_map,
		  MAPSIZE_KC_BPF_RINGBUF_MAP, &fb);
	read_size(btf, "bpf_local_storage_map", NULL, &c->bpf_local_storage_map,
		  MAPSIZE_KC_LOCAL_STORAGE_MAP, &fb);
	read_size(btf, "bpf_local_storage_map_bucket", NULL, &c->local_storage_bucket,
		  MAPSIZE_KC_LOCAL_STORAGE_BUCKET, &fb);
	read_size(btf, "bpf_local_storage_elem", NULL, &c->local_storage_elem,
		  MAPSIZE_KC_LOCAL_STORAGE_ELEM, &fb);
	read_size(btf, "bpf_local_storage", NULL, &c->local_storage,
		  MAPSIZE_KC_LOCAL_STORAGE, &fb);
	read_size(btf, "bpf_stack_map", NULL, &c->bpf_stack_map, MAPSIZE_KC_BPF_STACK_MAP, &fb);
	read_size(btf, "stack_map_bucket", NULL, &c->stack_map_bucket,
		  MAPSIZE_KC_STACK_MAP_BUCKET, &fb);
	read_size(btf, "bpf_bloom_filter", NULL, &c->bpf_bloom_filter,
		  MAPSIZE_KC_BPF_BLOOM_FILTER, &fb);
	read_size(btf, "bpf_queue_stack", NULL, &c->bpf_queue_stack,
		  MAPSIZE_KC_BPF_QUEUE_STACK, &fb);

	/* rhash is 7.2+: absent from older BTF, which is no fallback */
	c->bpf_rhtab = c->rhtab_elem = 0;
	{
		uint32_t none = 0;

		read_size(btf, "bpf_rhtab", NULL, &c->bpf_rhtab, 0, &none);
		read_size(btf, "rhtab_elem", NULL, &c->rhtab_elem, 0, &none);
	}

	/* RINGBUF_NR_META_PAGES = (offsetof(consumer_pos) >> PAGE_SHIFT) + 2 */
	t = find_struct(btf, "bpf_ringbuf", "consumer_pos", &id);
	if (t && has_member(btf, t, "consumer_pos", &off))
		c->ringbuf_meta_pages = off / c->page_size + 2;
	else
		fb |= MAPSIZE_KC_RINGBUF_META_PAGES;

	/* 6.13+: trie nodes come from a bpf_mem_alloc member `ma` */
	t = find_struct(btf, "lpm_trie", NULL, &id);
	if (t)
		c->lpm_mem_alloc = has_member(btf, t, "ma", NULL);
	else
		fb |= MAPSIZE_KC_LPM_MEM_ALLOC;

	btf__free(btf);
	c->fallback = fb;
	c->source = fb ? "btf+builtin 6.18" : "btf";
	c->series = 0;
	return 0;
}

int mapsize_kernel_consts__check_running(const struct mapsize_kernel_consts *c, const char *btf_path,
					 char *buf, size_t size)
{
	struct mapsize_kernel_consts live = { .sz = sizeof(live) };
	unsigned int version;
	struct utsname un;
	libbpf_print_fn_t prev;
	char diff[768];
	int n;

	if (!c || c->sz < sizeof(*c) || !buf || !size)
		return -EINVAL;
	buf[0] = 0;
	/* only a built-in series can disagree with the kernel it names */
	if (!c->series || uname(&un) || mapsize_kernel_version(un.release, &version) ||
	    version != c->series)
		return 0;
	prev = libbpf_set_print(NULL);
	n = mapsize_kernel_consts__from_btf(btf_path, &live);
	libbpf_set_print(prev);
	if (n)
		return 0;	/* no BTF to compare with: nothing known to differ */
	n = mapsize_kernel_consts__diff(&live, c, diff, sizeof(diff));
	if (n <= 0)
		return n;
	snprintf(buf, size, "the running kernel %s is another build of %u.%u than the %s sizes "
		 "(Debian's package): %s; for this node's exact figures plan without --kernel "
		 "or pass --btf /sys/kernel/btf/vmlinux", un.release, c->series >> 8,
		 c->series & 0xff, c->source, diff);
	return 1;
}
