// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The libbpf edge: apply a plan to a bpf_object between open and load, and
 * create inner map instances of the planned size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/bpf.h>
#include "planner.h"

struct mapsize_applied {
	struct mapsize_applied_map *maps;
	size_t cnt, cap;
	int *inner_fds;		/* templates we created; closed after load */
	size_t inner_cnt;
};

static struct mapsize_applied_map *applied_add(struct mapsize_applied *a)
{
	if (a->cnt == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct mapsize_applied_map *v = realloc(a->maps, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->maps = v;
		a->cap = cap;
	}
	memset(&a->maps[a->cnt], 0, sizeof(a->maps[0]));
	return &a->maps[a->cnt++];
}

/* A size the object fixes by type may read back as 0 before load (libbpf
 * fills in perf_event_array's 4/4 at creation). */
static bool size_matches(uint32_t object, uint32_t rule, int fixed)
{
	return object == rule || (fixed >= 0 && object == 0);
}

/* Stale rules are the common bug: type, key and value size must match. */
static int check_shape(const struct mapsize_plan_map *pm, const struct bpf_map *map,
		       const char *what, struct mapsize_error *err)
{
	const struct map_type_info *ti = map_type_info(pm->type);
	unsigned int bpf_type = bpf_map__type(map);

	if (bpf_type != ti->bpf_type) {
		const char *name = mapsize_map_type__name(mapsize_map_type__from_bpf_type(bpf_type));

		return error_set(err, -EINVAL, NULL, "map '%s': %s is a %s (bpf map type %u) but the rule "
				 "says %s; expected the rules to match the object", pm->name, what,
				 name ? name : "type mapsize does not model", bpf_type, ti->name);
	}
	if (!size_matches(bpf_map__key_size(map), pm->key_size, ti->fixed_key_size))
		return error_set(err, -EINVAL, NULL, "map '%s': %s has key_size %u but the rule says %u; "
				 "expected the rules to match the object (stale rules?)", pm->name, what,
				 bpf_map__key_size(map), pm->key_size);
	if (!size_matches(bpf_map__value_size(map), pm->value_size, ti->fixed_value_size))
		return error_set(err, -EINVAL, NULL, "map '%s': %s has value_size %u but the rule says %u; "
				 "expected the rules to match the object (stale rules?)", pm->name, what,
				 bpf_map__value_size(map), pm->value_size);
	return 0;
}

static uint32_t planned_flags(const struct mapsize_plan_map *pm, uint32_t object_flags)
{
	/* Keep what the object asks for, set what the plan decides. */
	return (object_flags & ~MAPSIZE_F_NO_PREALLOC) | pm->map_flags;
}

static int create_map(const struct mapsize_plan_map *pm, const char *name, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags, .map_extra = pm->map_extra);
	char kname[16];

	/* Kernel map names: 15 characters of [A-Za-z0-9_.]. */
	snprintf(kname, sizeof(kname), "%s", name);
	for (char *p = kname; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.'))
			*p = '_';
	return bpf_map_create(map_type_info(pm->type)->bpf_type, kname, pm->key_size, pm->value_size,
			      pm->max_entries, &opts);
}

static int apply_inner(struct mapsize_applied *a, const struct mapsize_plan *plan,
		       struct bpf_map *outer, struct mapsize_error *err)
{
	char name[256];
	const struct mapsize_plan_map *pm;
	struct mapsize_applied_map *am;
	struct bpf_map *tmpl = bpf_map__inner_map(outer);
	uint32_t tmpl_flags = tmpl ? bpf_map__map_flags(tmpl) : 0;
	int fd, ret, *v;

	snprintf(name, sizeof(name), "%s.inner", bpf_map__name(outer));
	pm = mapsize_plan__find(plan, name);
	if (!pm)
		return 0;
	if (tmpl) {
		ret = check_shape(pm, tmpl, "the inner map template", err);
		if (ret)
			return ret;
	}
	am = applied_add(a);
	v = realloc(a->inner_fds, (a->inner_cnt + 1) * sizeof(*v));
	if (!am || !v)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	a->inner_fds = v;
	am->name = pm->name;
	am->status = MAPSIZE_MAP_APPLIED;
	am->planned = pm;
	am->bpf_type = tmpl ? bpf_map__type(tmpl) : map_type_info(pm->type)->bpf_type;
	am->key_size = tmpl ? bpf_map__key_size(tmpl) : pm->key_size;
	am->value_size = tmpl ? bpf_map__value_size(tmpl) : pm->value_size;
	am->compiled_max_entries = tmpl ? bpf_map__max_entries(tmpl) : 0;
	am->compiled_map_flags = tmpl_flags;
	am->max_entries = pm->max_entries;
	am->map_flags = planned_flags(pm, tmpl_flags);
	/* libbpf 1.1 crashes on bpf_map__set_max_entries() of the template
	 * (it has no owning object), so hand libbpf a template of our own. */
	fd = create_map(pm, pm->name, am->map_flags);
	if (fd < 0)
		return error_set(err, fd, NULL, "map '%s': cannot create the inner map template "
				 "(max_entries %u, flags 0x%x): %s", pm->name, pm->max_entries, am->map_flags,
				 strerror(-fd));
	a->inner_fds[a->inner_cnt++] = fd;
	ret = bpf_map__set_inner_map_fd(outer, fd);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused the inner map template: %s",
				 pm->name, strerror(-ret));
	return 0;
}

static int apply_map(struct mapsize_applied *a, const struct mapsize_plan *plan,
		     struct bpf_map *map, struct mapsize_error *err)
{
	const char *name = bpf_map__name(map);
	const struct mapsize_plan_map *pm = mapsize_plan__find(plan, name);
	struct mapsize_applied_map *am = applied_add(a);
	int ret;

	if (!am)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	am->name = name;
	am->bpf_type = bpf_map__type(map);
	am->key_size = bpf_map__key_size(map);
	am->value_size = bpf_map__value_size(map);
	am->compiled_max_entries = bpf_map__max_entries(map);
	am->compiled_map_flags = bpf_map__map_flags(map);
	am->max_entries = am->compiled_max_entries;
	am->map_flags = am->compiled_map_flags;
	if (!pm || pm->inner_of) {
		am->status = MAPSIZE_MAP_UNMANAGED;
		pr_info("map '%s': no rule, left as compiled (max_entries %u)\n", name, am->max_entries);
		return 0;
	}
	am->name = pm->name;
	am->planned = pm;
	am->status = MAPSIZE_MAP_APPLIED;
	ret = check_shape(pm, map, "the object's map", err);
	if (ret)
		return ret;
	am->max_entries = pm->max_entries;
	am->map_flags = planned_flags(pm, am->compiled_map_flags);
	ret = bpf_map__set_max_entries(map, pm->max_entries);
	if (!ret)
		ret = bpf_map__set_map_flags(map, am->map_flags);
	if (!ret && pm->map_extra)
		ret = bpf_map__set_map_extra(map, pm->map_extra);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused the new size or flags: %s%s", name,
				 strerror(-ret), ret == -EBUSY ? " (the object is already loaded; apply "
				 "between open and load)" : "");
	if (map_type_info(pm->type)->map_in_map)
		return apply_inner(a, plan, map, err);
	return 0;
}

struct mapsize_applied *mapsize_plan__apply(const struct mapsize_plan *plan, struct bpf_object *obj,
					    const struct mapsize_apply_opts *opts,
					    struct mapsize_error *err)
{
	struct mapsize_applied *a;
	bool strict = OPTS_GET(opts, mapsize_apply_opts, strict, false);
	struct bpf_map *map;
	int ret = 0;

	error_clear(err);
	if (!OPTS_VALID(opts, mapsize_apply_opts)) {
		error_set(err, -EINVAL, NULL, "unsupported apply options (sz %zu; newer libmapsize?)",
			  opts->sz);
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		ret = apply_map(a, plan, map, err);
		if (ret)
			goto fail;
	}
	/* Rules without a map: stale, or a feature compiled out. */
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		struct mapsize_applied_map *am;
		bool found = false;

		for (size_t j = 0; j < a->cnt && !found; j++)
			found = a->maps[j].planned == pm;
		if (found)
			continue;
		if (strict) {
			ret = error_set(err, -ENOENT, NULL, "map '%s' has a rule but is not in the object "
					"(strict mode); expected the object to define it", pm->name);
			goto fail;
		}
		pr_info("map '%s': rule without a map in the object\n", pm->name);
		am = applied_add(a);
		if (!am) {
			ret = error_set(err, -ENOMEM, NULL, "out of memory");
			goto fail;
		}
		am->name = pm->name;
		am->status = MAPSIZE_MAP_MISSING;
		am->planned = pm;
	}
	return a;
fail:
	mapsize_applied__free(a);
	errno = -ret;
	return NULL;
}

size_t mapsize_applied__map_cnt(const struct mapsize_applied *a)
{
	return a->cnt;
}

const struct mapsize_applied_map *mapsize_applied__map(const struct mapsize_applied *a, size_t idx)
{
	return idx < a->cnt ? &a->maps[idx] : NULL;
}

void mapsize_applied__free(struct mapsize_applied *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->inner_cnt; i++)
		close(a->inner_fds[i]);
	free(a->inner_fds);
	free(a->maps);
	free(a);
}

int mapsize_plan__create_inner_map(const struct mapsize_plan *plan, const char *outer,
				   const char *instance_name, struct mapsize_error *err)
{
	char name[256];
	const struct mapsize_plan_map *pm;
	int fd;

	snprintf(name, sizeof(name), "%s.inner", outer);
	pm = mapsize_plan__find(plan, name);
	if (!pm)
		return error_set(err, -ENOENT, NULL, "no rule '%s', expected a rule for the inner map of '%s'",
				 name, outer);
	fd = create_map(pm, instance_name ? instance_name : name, pm->map_flags);
	if (fd < 0)
		return error_set(err, fd, NULL, "map '%s': cannot create an inner map instance "
				 "(max_entries %u, flags 0x%x): %s", name, pm->max_entries, pm->map_flags,
				 strerror(-fd));
	return fd;
}
