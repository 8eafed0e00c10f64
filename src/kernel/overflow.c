// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The BPF-side overflow counters (<mapsize/bpf_overflow.h>) read back: the
 * names from the counter map's BTF value type, the values summed over the
 * possible CPUs.  The class names and the name test are pure:
 * src/core/overflow_class.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/overflow.h>

#define SLOT_BYTES (MAPSIZE_OVF_CLASSES * sizeof(uint64_t))

/* The type under typedefs and modifiers, NULL when there is none. */
static const struct btf_type *resolved(const struct btf *btf, __u32 id)
{
	int rid = btf__resolve_type(btf, id);

	return rid > 0 ? btf__type_by_id(btf, rid) : NULL;
}

/* A member of struct mapsize_overflow_slots: __u64 NAME[MAPSIZE_OVF_CLASSES]
 * at byte idx * SLOT_BYTES. */
static bool slot_member_ok(const struct btf *btf, const struct btf_type *st, __u16 idx)
{
	const struct btf_member *m = btf_members(st) + idx;
	const struct btf_type *t = resolved(btf, m->type), *elem;
	const char *name = btf__name_by_offset(btf, m->name_off);

	if (!name || !name[0] || btf_member_bitfield_size(st, idx) ||
	    btf_member_bit_offset(st, idx) != idx * SLOT_BYTES * 8)
		return false;
	if (!t || !btf_is_array(t) || btf_array(t)->nelems != MAPSIZE_OVF_CLASSES)
		return false;
	elem = resolved(btf, btf_array(t)->type);
	return elem && btf_is_int(elem) && elem->size == sizeof(uint64_t);
}

int mapsize_overflow__read(int map_fd, struct mapsize_overflow_counter **out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), zero = 0;
	struct mapsize_overflow_counter *c = NULL;
	const struct btf_type *st;
	struct btf *btf;
	uint64_t *vals = NULL;
	size_t stride;
	int ncpu, cnt, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.key_size != sizeof(__u32) ||
	    info.max_entries < 1 || !info.btf_id || !info.btf_value_type_id)
		return -EINVAL;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return errno ? -errno : -EINVAL;
	st = resolved(btf, info.btf_value_type_id);
	if (!st || !btf_is_struct(st) || !btf_vlen(st) || st->size != btf_vlen(st) * SLOT_BYTES ||
	    st->size != info.value_size) {
		err = -EINVAL;
		goto out;
	}
	cnt = btf_vlen(st);
	for (__u16 i = 0; i < cnt; i++)
		if (!slot_member_ok(btf, st, i)) {
			err = -EINVAL;
			goto out;
		}

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		err = ncpu ? ncpu : -EINVAL;
		goto out;
	}
	/* a per-CPU value is value_size rounded up to 8 bytes per possible CPU */
	stride = ((size_t)info.value_size + 7) / 8;
	vals = calloc((size_t)ncpu, stride * sizeof(uint64_t));
	c = calloc((size_t)cnt, sizeof(*c));
	if (!vals || !c) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(map_fd, &zero, vals)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < cnt; i++) {
		const char *name = btf__name_by_offset(btf, btf_members(st)[i].name_off);

		snprintf(c[i].map_name, sizeof(c[i].map_name), "%s", name);
		for (int cpu = 0; cpu < ncpu; cpu++)
			for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
				c[i].failures[k] += vals[(size_t)cpu * stride + (size_t)i * MAPSIZE_OVF_CLASSES + k];
	}
	*out = c;
	c = NULL;
	err = cnt;
out:
	free(c);
	free(vals);
	btf__free(btf);
	return err;
}
