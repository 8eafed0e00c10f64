// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The maps a BPF object defines, for a rules draft (<mapsize/rules_draft.h>):
 * read from the object's ELF and BTF (object_maps, never bpf_object__open():
 * objects libbpf cannot open are drafted too), so no privilege is needed.
 * libbpf's internal maps (.rodata*, .data*, .bss, .kconfig) and struct_ops
 * maps are skipped; a map-in-map's inner template follows it as
 * "OUTER.inner". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/rules_draft.h>

#include "internal.h"
#include "object_source.h"
#include "rules_draft_int.h"

static int add_one(struct mapsize_rules_draft *d, const char *path, const struct object_maps_def *m,
		   const char *inner_of, struct mapsize_error *err)
{
	MAPSIZE_OPTS(mapsize_object_map, om,
		.name = m->name,
		.bpf_type = m->type,
		.key_size = m->key_size,
		.value_size = m->value_size,
		.max_entries = m->max_entries,
		.map_flags = m->map_flags,
		.map_extra = m->map_extra,
		.inner_of = inner_of);

	return mapsize_rules_draft__add_map(d, path, &om, err);
}

int mapsize_rules_draft__add_object(struct mapsize_rules_draft *d, const char *path,
				    struct mapsize_error *err)
{
	struct object_maps *om;
	int ret = 0;

	error_clear(err);
	if (!d || !path || !path[0])
		return error_set(err, -EINVAL, NULL, "no draft or object path");
	for (size_t i = 0; i < mapsize_rules_draft__object_cnt(d); i++)
		if (!strcmp(mapsize_rules_draft__object(d, i), path))
			return 0;	/* the same file twice: its maps are in already */
	ret = object_source__read_maps(path, &om, err);
	if (ret)
		return ret;
	if (!rules_draft_object(d, path)) {
		object_maps__free(om);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < om->nr && !ret; i++) {
		const struct object_maps_def *m = &om->defs[i];

		if (m->origin == OBJECT_MAPS_DATA || m->origin == OBJECT_MAPS_INNER ||
		    m->type == BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		ret = add_one(d, path, m, NULL, err);
		if (!ret && m->inner >= 0)
			ret = add_one(d, path, &om->defs[m->inner], m->name, err);
	}
	object_maps__free(om);
	return ret;
}
