// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The maps a BPF object defines, for a rules draft (<mapsize/rules_draft.h>):
 * the object is opened with libbpf, never loaded, so no privilege is needed.
 * libbpf's internal maps (.rodata*, .data*, .bss, .kconfig) and struct_ops
 * maps are skipped; a map-in-map's inner template follows it as
 * "OUTER.inner". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/rules_draft.h>

#include "internal.h"
#include "object_open.h"
#include "rules_draft_int.h"

static int add_one(struct mapsize_rules_draft *d, const char *path, const struct bpf_map *m,
		   const char *name, const char *inner_of, struct mapsize_error *err)
{
	MAPSIZE_OPTS(mapsize_object_map, om,
		.name = name,
		.bpf_type = bpf_map__type(m),
		.key_size = bpf_map__key_size(m),
		.value_size = bpf_map__value_size(m),
		.max_entries = bpf_map__max_entries(m),
		.map_flags = bpf_map__map_flags(m),
		.map_extra = bpf_map__map_extra(m),
		.inner_of = inner_of);

	return mapsize_rules_draft__add_map(d, path, &om, err);
}

int mapsize_rules_draft__add_object(struct mapsize_rules_draft *d, const char *path,
				    struct mapsize_error *err)
{
	struct bpf_object *obj;
	struct bpf_map *m;
	int ret = 0;

	error_clear(err);
	if (!d || !path || !path[0])
		return error_set(err, -EINVAL, NULL, "no draft or object path");
	for (size_t i = 0; i < mapsize_rules_draft__object_cnt(d); i++)
		if (!strcmp(mapsize_rules_draft__object(d, i), path))
			return 0;	/* the same file twice: its maps are in already */
	obj = kernel_object__open(path, err);
	if (!obj)
		return err ? err->code : -errno;
	if (!rules_draft_object(d, path)) {
		bpf_object__close(obj);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map *inner;
		char iname[256];

		if (bpf_map__is_internal(m) || bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		ret = add_one(d, path, m, name, NULL, err);
		if (ret)
			break;
		inner = bpf_map__inner_map(m);
		if (!inner)
			continue;
		snprintf(iname, sizeof(iname), "%s.inner", name);
		ret = add_one(d, path, inner, iname, name, err);
		if (ret)
			break;
	}
	bpf_object__close(obj);
	return ret;
}
