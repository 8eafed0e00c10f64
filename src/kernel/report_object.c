// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A report's baseline from a BPF object: what it would create if loaded as
 * compiled.  The object is opened with libbpf, never loaded. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/report.h>

#include "internal.h"
#include "object_open.h"

static bool has_map(const struct mapsize_report *rep, const char *name)
{
	for (size_t i = 0; i < mapsize_report__map_cnt(rep); i++)
		if (!strcmp(mapsize_report__map(rep, i)->name, name))
			return true;
	return false;
}

/* The object's map for a report map: inner templates are the outer map's
 * inner map. */
static int base_from_object(struct mapsize_report *rep, const struct mapsize_report_map *rm,
			    const struct bpf_object *obj, const char *path, bool set)
{
	const struct mapsize_plan_map *pm = rm->planned;
	MAPSIZE_OPTS(mapsize_mem_map, b);
	struct bpf_map *m;

	if (pm->inner_of) {
		m = bpf_object__find_map_by_name(obj, pm->inner_of);
		m = m ? bpf_map__inner_map(m) : NULL;
	} else {
		m = bpf_object__find_map_by_name(obj, pm->name);
	}
	if (!m)
		return set ? mapsize_report__set_baseline(rep, rm->name, NULL, "not in the object") : 0;
	b.type = mapsize_map_type__from_bpf_type(bpf_map__type(m));
	if (b.type == MAPSIZE_MAP_UNSPEC)
		return set ? mapsize_report__set_baseline(rep, rm->name, NULL, "map type not modelled") : 0;
	b.key_size = bpf_map__key_size(m);
	b.value_size = bpf_map__value_size(m);
	b.max_entries = bpf_map__max_entries(m);
	b.map_flags = bpf_map__map_flags(m);
	b.map_extra = (uint32_t)bpf_map__map_extra(m);
	if (b.type != pm->type || b.key_size != pm->key_size || b.value_size != pm->value_size)
		pr_warn("warning: map '%s': %s has %s key %u value %u, the rule says %s key %u value %u "
			"(stale rule?)%s\n", pm->name, path,
			mapsize_map_type__name(b.type), b.key_size, b.value_size,
			mapsize_map_type__name(pm->type), pm->key_size, pm->value_size,
			set ? ": the baseline uses the object's" : "");
	return set ? mapsize_report__set_baseline(rep, rm->name, &b, NULL) : 0;
}

int mapsize_report__read_object(struct mapsize_report *rep, const char *path,
				enum mapsize_report_baseline which, struct mapsize_error *err)
{
	struct bpf_object *obj;
	struct bpf_map *m;
	int ret;

	if (!rep || !path)
		return error_set(err, -EINVAL, NULL, "no report or object path");
	obj = kernel_object__open(path, err);
	if (!obj)
		return err ? err->code : -errno;
	ret = 0;
	for (size_t i = 0; i < mapsize_report__map_cnt(rep) && !ret; i++) {
		const struct mapsize_report_map *rm = mapsize_report__map(rep, i);
		/* a rule's `baseline:` stands unless the object is asked for; a
		 * stale rule is worth a warning either way */
		bool set = which == MAPSIZE_REPORT_BASELINE_OBJECT ||
			   (which == MAPSIZE_REPORT_BASELINE_AUTO && !rm->planned->baseline_max_entries);

		ret = base_from_object(rep, rm, obj, path, set);
	}
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);

		if (ret)
			break;
		if (!has_map(rep, name))
			ret = mapsize_report__add_unmanaged(rep, name);
	}
	bpf_object__close(obj);
	if (ret == -ENOMEM)
		return error_set(err, ret, NULL, "out of memory");
	if (ret == -EBUSY)
		return error_set(err, ret, NULL, "the report is already computed");
	if (ret)
		return error_set(err, ret, NULL, "cannot record the object's maps: %s", strerror(-ret));
	return 0;
}
