// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A report's baseline from a BPF object: what it would create if loaded as
 * compiled.  Its maps are read from its ELF and BTF (object_maps), never
 * opened with libbpf nor loaded. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <mapsize/report.h>

#include "internal.h"
#include "object_source.h"

static bool has_map(const struct mapsize_report *rep, const char *name)
{
	for (size_t i = 0; i < mapsize_report__map_cnt(rep); i++)
		if (!strcmp(mapsize_report__map(rep, i)->name, name))
			return true;
	return false;
}

/* The object's map for a report map: inner templates are the outer map's
 * inner map. */
static const struct object_maps_def *find_def(const struct object_maps *om, const char *path,
					     const char *name)
{
	char lname[64];

	for (size_t i = 0; i < om->nr; i++)
		if (om->defs[i].origin != OBJECT_MAPS_INNER &&
		    !strcmp(object_source__libbpf_name(path, &om->defs[i], lname, sizeof(lname)), name))
			return &om->defs[i];
	return NULL;
}

static int base_from_object(struct mapsize_report *rep, const struct mapsize_report_map *rm,
			    const struct object_maps *om, const char *path, bool set)
{
	const struct mapsize_plan_map *pm = rm->planned;
	MAPSIZE_OPTS(mapsize_mem_map, b);
	const struct object_maps_def *m;

	if (pm->inner_of) {
		m = find_def(om, path, pm->inner_of);
		m = m && m->inner >= 0 ? &om->defs[m->inner] : NULL;
	} else {
		m = find_def(om, path, pm->name);
	}
	if (!m)
		return set ? mapsize_report__set_baseline(rep, rm->name, NULL, "not in the object") : 0;
	b.type = mapsize_map_type__from_bpf_type(m->type);
	if (b.type == MAPSIZE_MAP_UNSPEC)
		return set ? mapsize_report__set_baseline(rep, rm->name, NULL, "map type not modelled") : 0;
	/* compiled at 0 or 1: the agent sizes it at run time, so the compiled
	 * size is no baseline (a saving against it would be "+1024 %") */
	if (m->max_entries <= 1 && !map_type_info(b.type)->zero_max_entries &&
	    b.type != MAPSIZE_MAP_PERF_EVENT_ARRAY) {
		char note[96];

		snprintf(note, sizeof(note), "compiled at max_entries %u (sized at run time): give its rule "
			 "`baseline:`", m->max_entries);
		return set ? mapsize_report__set_baseline(rep, rm->name, NULL, note) : 0;
	}
	b.key_size = m->key_size;
	b.value_size = m->value_size;
	b.max_entries = m->max_entries;
	b.map_flags = m->map_flags;
	b.map_extra = (uint32_t)m->map_extra;
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
	struct object_maps *om;
	char lname[64];
	int ret;

	if (!rep || !path)
		return error_set(err, -EINVAL, NULL, "no report or object path");
	ret = object_source__read_maps(path, &om, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < mapsize_report__map_cnt(rep) && !ret; i++) {
		const struct mapsize_report_map *rm = mapsize_report__map(rep, i);
		/* a rule's `baseline:` stands unless the object is asked for; a
		 * stale rule is worth a warning either way */
		bool set = which == MAPSIZE_REPORT_BASELINE_OBJECT ||
			   (which == MAPSIZE_REPORT_BASELINE_AUTO && !rm->planned->baseline_max_entries);

		ret = base_from_object(rep, rm, om, path, set);
	}
	/* the maps libbpf would create, by libbpf's names and in its order:
	 * the object's own maps, then global data, .kconfig last (inner
	 * templates are created with their map) */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < om->nr && !ret; i++) {
			const struct object_maps_def *m = &om->defs[i];
			int p = m->origin != OBJECT_MAPS_DATA ? 0 : strcmp(m->name, ".kconfig") ? 1 : 2;
			const char *name;

			if (p != pass || m->origin == OBJECT_MAPS_INNER)
				continue;
			name = object_source__libbpf_name(path, m, lname, sizeof(lname));
			if (!has_map(rep, name))
				ret = mapsize_report__add_unmanaged(rep, name);
		}
	}
	object_maps__free(om);
	if (ret == -ENOMEM)
		return error_set(err, ret, NULL, "out of memory");
	if (ret == -EBUSY)
		return error_set(err, ret, NULL, "the report is already computed");
	if (ret)
		return error_set(err, ret, NULL, "cannot record the object's maps: %s", strerror(-ret));
	return 0;
}
