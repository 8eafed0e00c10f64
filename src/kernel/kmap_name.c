// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The full name of a kernel map (kmap_name.h).  The kernel keeps 15 bytes
 * of a name; libbpf creates each map under the name of its .maps variable
 * (an inner template: that name + ".inner") and gives it the object's BTF,
 * so a map with a BTF id names the variables it may come from.  The
 * variable's map definition (__uint(type), __type(key), __type(value))
 * must agree with the map: two variables sharing the 15 bytes, like
 * policy_filter_maps and its policy_filter_maps.inner instances, are told
 * apart by their type and key/value types. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

#include "kmap_name.h"

#define KNAME_MAX (BPF_OBJ_NAME_LEN - 1)

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

static const struct btf_member *member(const struct btf *btf, const struct btf_type *def, const char *name)
{
	const struct btf_member *m = btf_members(def);

	for (__u16 i = 0; i < btf_vlen(def); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return m;
	return NULL;
}

/* A definition fits the map when every property it states matches. */
static bool def_fits(const struct btf *btf, const struct btf_type *def, const struct bpf_map_info *info)
{
	const struct btf_member *m;
	const struct btf_type *t;

	if (!def || !btf_is_struct(def))
		return false;
	m = member(btf, def, "type");	/* __uint(type, X): int (*type)[X] */
	if (m && (t = skip_mods(btf, m->type, NULL)) && btf_is_ptr(t) &&
	    (t = skip_mods(btf, t->type, NULL)) && btf_is_array(t) && btf_array(t)->nelems != info->type)
		return false;
	m = member(btf, def, "key");	/* __type(key, T): T *key */
	if (m && info->btf_key_type_id && (t = skip_mods(btf, m->type, NULL)) && btf_is_ptr(t) &&
	    t->type != info->btf_key_type_id)
		return false;
	m = member(btf, def, "value");
	if (m && info->btf_value_type_id && (t = skip_mods(btf, m->type, NULL)) && btf_is_ptr(t) &&
	    t->type != info->btf_value_type_id)
		return false;
	return true;
}

/* The inner definition of a map-in-map's: __array(values, struct inner). */
static const struct btf_type *inner_def(const struct btf *btf, const struct btf_type *def)
{
	const struct btf_member *m = member(btf, def, "values");
	const struct btf_type *t = m ? skip_mods(btf, m->type, NULL) : NULL;

	if (!t || !btf_is_array(t))
		return NULL;
	t = skip_mods(btf, btf_array(t)->type, NULL);
	return t && btf_is_ptr(t) ? skip_mods(btf, t->type, NULL) : NULL;
}

static bool prefix_of(const char *kname, const char *name)
{
	return !strncmp(kname, name, KNAME_MAX) && strlen(name) >= KNAME_MAX;
}

/* 1 one candidate (in buf), 0 none, -1 more than one. */
static int from_btf(const struct bpf_map_info *info, uint32_t btf_id, char *buf, size_t size)
{
	const struct btf_var_secinfo *v;
	const struct btf_type *sec;
	struct btf *btf;
	int found = 0;
	__s32 sid;

	if (!btf_id)
		return 0;
	btf = btf__load_from_kernel_by_id(btf_id);
	if (!btf)
		return 0;
	sid = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
	sec = sid > 0 ? btf__type_by_id(btf, sid) : NULL;
	v = sec ? btf_var_secinfos(sec) : NULL;
	for (__u16 i = 0; sec && i < btf_vlen(sec); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
		const struct btf_type *def = var ? skip_mods(btf, var->type, NULL) : NULL;
		char inner[256];

		if (!name || !def)
			continue;
		if (prefix_of(info->name, name) && def_fits(btf, def, info)) {
			if (found++)
				break;
			snprintf(buf, size, "%s", name);
		}
		snprintf(inner, sizeof(inner), "%s.inner", name);
		if (prefix_of(info->name, inner) && def_fits(btf, inner_def(btf, def), info)) {
			if (found++)
				break;
			snprintf(buf, size, "%s", inner);
		}
	}
	btf__free(btf);
	return found > 1 ? -1 : found;
}

bool kmap_name_is_cut(const char *kernel_name)
{
	return strlen(kernel_name) >= KNAME_MAX;
}

/* The basename of the one pin path, or the one caller name, that extends
 * the kernel's 15 bytes: 1 found (in buf), 0 none, -1 more than one. */
static int from_list(const char *kname, const char *const *list, size_t cnt, bool base_only, char *buf, size_t size)
{
	const char *found = NULL;

	for (size_t i = 0; i < cnt; i++) {
		const char *name = list[i], *slash = base_only ? strrchr(name, '/') : NULL;

		name = slash ? slash + 1 : name;
		if (!prefix_of(kname, name) || (found && !strcmp(found, name)))
			continue;	/* one map pinned twice under one name is one candidate */
		if (found)
			return -1;
		found = name;
	}
	if (found)
		snprintf(buf, size, "%s", found);
	return found != NULL;
}

enum kmap_name_source kmap_full_name(const struct bpf_map_info *info, const struct kmap_name_hints *hints,
				     char *buf, size_t size)
{
	static const struct kmap_name_hints none;
	bool ambiguous;
	int ret;

	if (!hints)
		hints = &none;
	snprintf(buf, size, "%s", info->name);
	if (!kmap_name_is_cut(info->name))
		return KMAP_NAME_KERNEL;
	ret = from_btf(info, info->btf_id ? info->btf_id : hints->prog_btf_id, buf, size);
	if (ret > 0)
		return KMAP_NAME_BTF;
	ambiguous = ret < 0;
	/* libbpf pins by the full name: a pin named for the map settles even
	 * two BTF candidates */
	ret = from_list(info->name, hints->pin_paths, hints->pin_cnt, true, buf, size);
	if (ret > 0)
		return KMAP_NAME_PIN;
	ambiguous |= ret < 0;
	ret = from_list(info->name, hints->names, hints->name_cnt, false, buf, size);
	if (ret > 0)
		return KMAP_NAME_GIVEN;
	snprintf(buf, size, "%s", info->name);
	return ambiguous || ret < 0 ? KMAP_NAME_AMBIGUOUS : KMAP_NAME_TRUNCATED;
}
