// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* verify --maps-only without libbpf's open: the maps are created from the
 * object's definitions (object_maps) with the plan applied, as libbpf would
 * create them at load, read back, compared and closed.  Nothing depends on
 * the object's programs or externs (issue 17 item 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../src/kernel/object_create.h"
#include "../../src/kernel/object_source.h"
#include "libbpf_log.h"
#include "mapsize.h"
#include "verify.h"

bool verify_maps__needed(const char *path)
{
	struct bpf_object *obj;
	char *buf;
	size_t size;
	struct mapsize_error err;
	bool plain;

	/* a file libbpf takes keeps the libbpf path (programs listed, slots) */
	if (object_source__read_image(path, &buf, &size, &err))
		return false;	/* the libbpf path says what is wrong with it */
	free(buf);
	plain = access(path, R_OK) == 0;
	if (!plain)
		return true;	/* HOST:NAME */
	libbpf_log__capture(false);
	obj = bpf_object__open_file(path, NULL);
	libbpf_log__reset();
	if (obj) {
		bpf_object__close(obj);
		return false;
	}
	return true;
}

static const char *keep_name(struct verify_maps *vm, const char *name)
{
	char **v = realloc(vm->names, (vm->name_cnt + 1) * sizeof(*v));

	if (!v)
		return NULL;
	vm->names = v;
	v[vm->name_cnt] = strdup(name);
	return v[vm->name_cnt] ? v[vm->name_cnt++] : NULL;
}

struct planned {
	const struct mapsize_plan_map *pm;	/* the rule, NULL: as compiled */
	uint32_t max_entries, map_flags;
	uint64_t map_extra;
};

/* What apply would set: the rule's size, the object's flags with the plan's
 * preallocation. */
static struct planned planned_for(const struct mapsize_plan *plan, const char *name,
				  const struct object_maps_def *d)
{
	struct planned p = { .pm = mapsize_plan__find(plan, name), .max_entries = d->max_entries,
			     .map_flags = d->map_flags, .map_extra = d->map_extra };

	if (p.pm) {
		p.max_entries = p.pm->max_entries;
		p.map_flags = (d->map_flags & ~MAPSIZE_F_NO_PREALLOC) | p.pm->map_flags;
		if (p.pm->map_extra)
			p.map_extra = p.pm->map_extra;
	}
	return p;
}

static int read_row(struct verify_maps *vm, int fd, const char *name, const struct planned *p, bool managed,
		    bool instance, uint32_t cpus, const struct mapsize_kernel_consts *k,
		    enum mapsize_mem_era era)
{
	struct row *r = &vm->rows[vm->nrows];
	int ret;

	r->name = name;
	r->managed = managed;
	r->instance = instance;
	r->planned_max_entries = p->max_entries;
	r->planned_map_flags = p->map_flags;
	r->k.sz = sizeof(r->k);
	ret = mapsize_kernel_map__read(fd, &r->k);
	if (ret) {
		fprintf(stderr, "error: cannot read map '%s' back from the kernel: %s\n", name, strerror(-ret));
		return 1;
	}
	r->match = !managed || verify_row__matches(r, p->pm, cpus);
	verify_row__predict(r, p->pm, cpus, k, era);
	r->match &= !r->has_prediction || r->predicted == r->k.memlock_bytes;
	vm->mismatches += !r->match;
	vm->total += r->k.memlock_bytes;
	vm->total_predicted += r->predicted;
	vm->nrows++;
	return 0;
}

static int create_failed(const char *path, const char *name, const struct planned *p, int fd)
{
	fprintf(stderr, "%s: error: map '%s' (max_entries %u, flags 0x%x): the kernel refused to create it: %s\n",
		path, name, p->max_entries, p->map_flags, strerror(-fd));
	return 1;
}

/* One map (and for a map-in-map its template and one inserted instance). */
static int one_map(struct verify_maps *vm, const char *path, size_t i, const struct mapsize_plan *plan,
		   uint32_t cpus, const struct mapsize_kernel_consts *k, enum mapsize_mem_era era)
{
	const struct object_maps_def *d = &vm->om->defs[i];
	char lname[64], iname[300];
	const char *name = keep_name(vm, object_source__libbpf_name(path, d, lname, sizeof(lname)));
	struct planned p, ip = { 0 };
	int fd, tmpl = -1, inst, ret;
	struct row *o;

	if (!name)
		return 1;
	p = planned_for(plan, name, d);
	if (p.pm && p.pm->inner_of)
		p = (struct planned){ .max_entries = d->max_entries, .map_flags = d->map_flags,
				      .map_extra = d->map_extra };
	if (d->inner >= 0) {
		const struct object_maps_def *id = &vm->om->defs[d->inner];

		snprintf(iname, sizeof(iname), "%s.inner", name);
		ip = planned_for(plan, iname, id);
		tmpl = object_create__map(vm->om, (size_t)d->inner, ip.max_entries, ip.map_flags, ip.map_extra,
					  ip.pm ? ip.pm->value_size : 0, -1, vm->btf_fd, cpus);
		if (tmpl < 0)
			return create_failed(path, iname, &ip, tmpl);
	}
	fd = object_create__map(vm->om, i, p.max_entries, p.map_flags, p.map_extra, p.pm ? p.pm->value_size : 0,
				tmpl, vm->btf_fd, cpus);
	if (fd < 0) {
		if (tmpl >= 0)
			close(tmpl);
		return create_failed(path, name, &p, fd);
	}
	o = &vm->rows[vm->nrows];
	ret = read_row(vm, fd, name, &p, p.pm != NULL, false, cpus, k, era);
	if (!ret && tmpl >= 0 && ip.pm) {
		/* one instance inserted, as an agent does at run time */
		const char *n = keep_name(vm, iname);
		void *key = calloc(1, d->key_size ? d->key_size : 4);

		inst = object_create__map(vm->om, (size_t)d->inner, ip.max_entries, ip.map_flags, ip.map_extra,
					  ip.pm ? ip.pm->value_size : 0, -1, vm->btf_fd, cpus);
		o->outer = true;
		if (inst < 0 || !key || !n) {
			snprintf(o->insert_err, sizeof(o->insert_err), "map '%s': cannot create an instance of "
				 "'%s': %s", name, iname, strerror(inst < 0 ? -inst : ENOMEM));
			vm->insert_failures++;
		} else {
			if (bpf_map_update_elem(fd, key, &inst, BPF_ANY)) {
				snprintf(o->insert_err, sizeof(o->insert_err), "map '%s': the kernel refused an "
					 "instance of '%s' (max_entries %u, flags 0x%x) as a value: %s", name, iname,
					 ip.max_entries, ip.map_flags, strerror(errno));
				vm->insert_failures++;
			} else {
				o->inserted = true;
			}
			ret = read_row(vm, inst, n, &ip, true, true, cpus, k, era);
		}
		if (inst >= 0)
			close(inst);
		free(key);
	}
	if (tmpl >= 0)
		close(tmpl);
	close(fd);
	return ret;
}

int verify_maps__run(struct verify_maps *vm, const char *path, const struct mapsize_plan *plan,
		     uint32_t cpus, const struct mapsize_kernel_consts *k, enum mapsize_mem_era era)
{
	struct mapsize_error err;
	char *buf;
	size_t size;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->btf_fd = -1;
	ret = object_source__read_image(path, &buf, &size, &err);
	if (ret) {
		print_error(&err);
		return ret == -ENOMEM ? 1 : 2;
	}
	ret = object_maps__read_mem(buf, size, path, &vm->om, &err);
	if (!ret)
		vm->btf_fd = object_create__btf(vm->om, buf, size);
	free(buf);
	if (ret) {
		print_error(&err);
		return ret == -ENOMEM ? 1 : 2;
	}
	vm->rows = calloc(2 * vm->om->nr + 1, sizeof(*vm->rows));
	if (!vm->rows) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	/* in libbpf's order: the object's own maps, global data, .kconfig */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < vm->om->nr; i++) {
			const struct object_maps_def *d = &vm->om->defs[i];
			int p = d->origin != OBJECT_MAPS_DATA ? 0 : strcmp(d->name, ".kconfig") ? 1 : 2;

			/* inner templates come with their map; struct_ops maps
			 * need the kernel's types (libbpf's struct_ops support) */
			if (p != pass || d->origin == OBJECT_MAPS_INNER || d->type == BPF_MAP_TYPE_STRUCT_OPS)
				continue;
			ret = one_map(vm, path, i, plan, cpus, k, era);
			if (ret)
				return ret;
		}
	}
	vm->missing = calloc(mapsize_plan__map_cnt(plan) + 1, sizeof(*vm->missing));
	if (!vm->missing) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *pm = mapsize_plan__map(plan, i);
		bool found = false;

		for (size_t j = 0; j < vm->nrows && !found; j++)
			found = !strcmp(vm->rows[j].name, pm->name);
		if (!found)
			vm->missing[vm->missing_cnt++] = pm->name;
	}
	return 0;
}

void verify_maps__free(struct verify_maps *vm)
{
	for (size_t i = 0; i < vm->name_cnt; i++)
		free(vm->names[i]);
	free(vm->names);
	free(vm->missing);
	free(vm->rows);
	object_maps__free(vm->om);
	if (vm->btf_fd >= 0)
		close(vm->btf_fd);
	memset(vm, 0, sizeof(*vm));
	vm->btf_fd = -1;
}
