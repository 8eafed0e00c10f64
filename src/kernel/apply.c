// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The libbpf edge: apply a plan to a bpf_object between open and load, and
 * create inner map instances of the planned size.
 *
 * Inner templates: libbpf 1.1 crashes on bpf_map__set_max_entries() of an
 * inner template, so apply creates its own and hands it over with
 * bpf_map__set_inner_map_fd().  The kernel compares every inserted map with
 * the template (bpf_map_meta_equal: type, key and value size, flags and the
 * BTF record of the value: spin locks, timers, kptrs), so the template is
 * created as libbpf would create it: the compiled flags with the plan's, the
 * object's BTF (a copy loaded before the object) with the template's key and
 * value type ids; and the plan remembers both for the instances that
 * mapsize_plan__create_inner_map() creates later.  Maps the object puts into
 * statically initialised slots (`.values = { [0] = &inner_a }`) are sized as
 * the template, or refused before load when their own rule disagrees. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include "apply_pin.h"
#include "object_slots.h"
#include "inner_kernel.h"
#include "planner.h"

/* A map of the object that may fill a static slot of `outer`. */
struct slot_map {
	const struct bpf_map *map;
	const char *outer;
	const struct mapsize_plan_map *inner;	/* the outer's inner rule */
	uint32_t tmpl_flags;			/* the template as compiled */
	bool exact;				/* named by the slots (ELF relocations) */
};

struct mapsize_applied {
	struct mapsize_applied_map *maps;
	size_t cnt, cap;
	int *inner_fds;		/* templates we created; closed after load */
	size_t inner_cnt;
	int btf_fd;		/* our copy of the object's BTF; -1 none, -2 not tried */
	struct slot_map *slots;
	size_t slot_cnt;
	char **warnings;	/* pinned maps kept (MAPSIZE_PIN_KEEP) */
	size_t warning_cnt;
};

/* What apply leaves in the plan for mapsize_plan__create_inner_map(). */
struct inner_kern {
	char *outer;
	uint32_t flags;		/* the template's: compiled with the plan's */
	uint64_t map_extra;
	int btf_fd;		/* -1: created without BTF */
	uint32_t key_type_id, value_type_id;
};

struct plan_kern {
	struct inner_kern *v;
	size_t cnt;
};

static void plan_kern_free(void *p)
{
	struct plan_kern *k = p;

	if (!k)
		return;
	for (size_t i = 0; i < k->cnt; i++) {
		free(k->v[i].outer);
		if (k->v[i].btf_fd >= 0)
			close(k->v[i].btf_fd);
	}
	free(k->v);
	free(k);
}

static const struct inner_kern *plan_kern_find(const struct mapsize_plan *plan, const char *outer)
{
	const struct plan_kern *k = plan->kern_free == plan_kern_free ? plan->kern : NULL;

	for (size_t i = 0; k && i < k->cnt; i++)
		if (!strcmp(k->v[i].outer, outer))
			return &k->v[i];
	return NULL;
}

/* Remember (replace) the template of `outer`; btf_fd is duplicated. */
static int plan_kern_set(const struct mapsize_plan *cplan, const char *outer, const struct inner_kern *ik)
{
	/* The plan is const to its users; this side table is the library's own. */
	struct mapsize_plan *plan = (struct mapsize_plan *)cplan;
	struct plan_kern *k = plan->kern;
	struct inner_kern *e = (struct inner_kern *)plan_kern_find(plan, outer);
	int fd = -1;

	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		plan->kern = k;
		plan->kern_free = plan_kern_free;
	}
	if (ik->btf_fd >= 0) {
		fd = fcntl(ik->btf_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return -errno;
	}
	if (!e) {
		struct inner_kern *v = realloc(k->v, (k->cnt + 1) * sizeof(*v));
		char *name = strdup(outer);

		if (!v || !name) {
			if (v)
				k->v = v;
			free(name);
			if (fd >= 0)
				close(fd);
			return -ENOMEM;
		}
		k->v = v;
		e = &k->v[k->cnt++];
		e->outer = name;
		e->btf_fd = -1;
	}
	if (e->btf_fd >= 0)
		close(e->btf_fd);
	e->flags = ik->flags;
	e->map_extra = ik->map_extra;
	e->btf_fd = fd;
	e->key_type_id = fd >= 0 ? ik->key_type_id : 0;
	e->value_type_id = fd >= 0 ? ik->value_type_id : 0;
	return 0;
}

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
	/* a value_size compiled 0 is set at run time (bpf_map__set_value_size(),
	 * the kernel refuses 0): apply sets the rule's */
	if (bpf_map__value_size(map) && !size_matches(bpf_map__value_size(map), pm->value_size, ti->fixed_value_size))
		return error_set(err, -EINVAL, NULL, "map '%s': %s has value_size %u but the rule says %u; "
				 "expected the rules to match the object (stale rules?)", pm->name, what,
				 bpf_map__value_size(map), pm->value_size);
	return 0;
}

/* A hash in the object that the plan makes an rhash (`resizable: auto`, or
 * a rule of type rhash on a map compiled as a hash): the object asks the
 * kernel for type 35 instead.  libbpf 1.1 does not name the type but
 * bpf_map__set_type() passes any number through to BPF_MAP_CREATE; max_entries
 * (the cap), NO_PREALLOC and map_extra (the initial size) follow in
 * apply_map() as for every rule. */
static int convert_to_rhash(const struct mapsize_plan_map *pm, struct bpf_map *map, struct mapsize_error *err)
{
	int ret;

	if (pm->type != MAPSIZE_MAP_RHASH || bpf_map__type(map) != BPF_MAP_TYPE_HASH)
		return 0;
	ret = bpf_map__set_type(map, MAPSIZE_BPF_MAP_TYPE_RHASH);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused to make the hash an rhash: %s%s",
				 pm->name, strerror(-ret), ret == -EBUSY ? " (the object is already loaded; apply "
				 "between open and load)" : "");
	pr_info("map '%s': compiled as a hash, created as an rhash (cap %u, initial size %llu)\n", pm->name,
		pm->max_entries, (unsigned long long)pm->map_extra);
	return 0;
}

static uint32_t planned_flags(const struct mapsize_plan_map *pm, uint32_t object_flags)
{
	/* Keep what the object asks for, set what the plan decides. */
	return (object_flags & ~MAPSIZE_F_NO_PREALLOC) | pm->map_flags;
}

/* A map of the rule's type and sizes, with BTF when ik has it (and, as
 * libbpf does, without when the kernel refuses that BTF).  ik->btf_fd is
 * set to -1 when BTF was dropped. */
static int create_map(const struct mapsize_plan_map *pm, const char *name, struct inner_kern *ik,
		      uint32_t max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = ik->flags, .map_extra = ik->map_extra);
	unsigned int bpf_type = map_type_info(pm->type)->bpf_type;
	char kname[16];
	int fd;

	/* Kernel map names: 15 characters of [A-Za-z0-9_.]. */
	snprintf(kname, sizeof(kname), "%s", name);
	for (char *p = kname; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.'))
			*p = '_';
	if (ik->btf_fd >= 0 && (ik->key_type_id || ik->value_type_id) && bpf_map_type_takes_btf(bpf_type)) {
		opts.btf_fd = ik->btf_fd;
		opts.btf_key_type_id = ik->key_type_id;
		opts.btf_value_type_id = ik->value_type_id;
		fd = bpf_map_create(bpf_type, kname, pm->key_size, pm->value_size, max_entries, &opts);
		if (fd >= 0 || fd == -EPERM)
			return fd;
		pr_info("map '%s': the kernel refused it with BTF (%s); retrying without BTF, as libbpf does\n",
			pm->name, strerror(-fd));
		opts.btf_fd = opts.btf_key_type_id = opts.btf_value_type_id = 0;
	}
	ik->btf_fd = -1;
	return bpf_map_create(bpf_type, kname, pm->key_size, pm->value_size, max_entries, &opts);
}

/* Our own copy of the object's BTF in the kernel (the object's is loaded
 * only with the object): an fd, or -1 when there is none or the kernel
 * refuses it (the templates are then created without BTF, as before). */
static int object_btf_fd(struct mapsize_applied *a, struct bpf_object *obj)
{
	const struct btf *btf;
	struct btf *copy;
	const void *raw;
	__u32 size = 0;

	if (a->btf_fd != -2)
		return a->btf_fd;
	a->btf_fd = -1;
	btf = bpf_object__btf(obj);
	raw = btf ? btf__raw_data(btf, &size) : NULL;
	copy = raw ? btf__new(raw, size) : NULL;
	if (!copy || libbpf_get_error(copy))
		return -1;
	if (!btf__load_into_kernel(copy))
		a->btf_fd = fcntl(btf__fd(copy), F_DUPFD_CLOEXEC, 3);
	else
		pr_info("the object's BTF does not load on its own; inner map templates are created "
			"without BTF\n");
	btf__free(copy);
	return a->btf_fd;
}

/* Would the kernel refuse these flags on this type?  The object's flags
 * merged with the rule's can form a pair no rule alone shows. */
static int check_flags(const struct mapsize_plan_map *pm, const char *what, uint32_t compiled,
		       uint32_t merged, struct mapsize_error *err)
{
	char msg[640];
	uint32_t bad;

	if (!map_flags_refused(pm->type, merged, &bad, msg, sizeof(msg)))
		return 0;
	return error_set(err, -EINVAL, NULL, "map '%s': %s has flags 0x%x and the rule 0x%x: %s", pm->name,
			 what, compiled, pm->map_flags, msg);
}

static int apply_inner(struct mapsize_applied *a, const struct mapsize_plan *plan,
		       struct bpf_object *obj, struct bpf_map *outer, struct mapsize_error *err)
{
	char name[256];
	const struct mapsize_plan_map *pm;
	struct mapsize_applied_map *am;
	struct bpf_map *tmpl = bpf_map__inner_map(outer);
	uint32_t tmpl_flags = tmpl ? bpf_map__map_flags(tmpl) : 0;
	struct inner_kern ik = { .btf_fd = -1 };
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
	if (v)
		a->inner_fds = v;
	if (!am || !v)
		return error_set(err, -ENOMEM, NULL, "out of memory");
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
	ret = check_flags(pm, "the inner map template", tmpl_flags, am->map_flags, err);
	if (ret)
		return ret;
	ik.flags = am->map_flags;
	ik.map_extra = pm->map_extra ? pm->map_extra : tmpl ? bpf_map__map_extra(tmpl) : 0;
	if (tmpl && (bpf_map__btf_key_type_id(tmpl) || bpf_map__btf_value_type_id(tmpl))) {
		ik.btf_fd = object_btf_fd(a, obj);
		ik.key_type_id = bpf_map__btf_key_type_id(tmpl);
		ik.value_type_id = bpf_map__btf_value_type_id(tmpl);
	}
	fd = create_map(pm, pm->name, &ik, pm->max_entries);
	if (fd < 0)
		return error_set(err, fd, NULL, "map '%s': cannot create the inner map template "
				 "(max_entries %u, flags 0x%x): %s", pm->name, pm->max_entries, am->map_flags,
				 strerror(-fd));
	a->inner_fds[a->inner_cnt++] = fd;
	ret = bpf_map__set_inner_map_fd(outer, fd);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused the inner map template: %s",
				 pm->name, strerror(-ret));
	/* instances created later must equal the template */
	ret = plan_kern_set(plan, bpf_map__name(outer), &ik);
	if (ret)
		return error_set(err, ret, NULL, "out of memory");
	return 0;
}

/* ---- statically initialised slots ----------------------------------------------- */

/* How many slots `.values = { ... }` initialises in the object for the
 * map-in-map `name`: its variable in the BTF .maps section is longer than
 * its definition by one 8-byte pointer per slot (libbpf's
 * bpf_object__collect_map_relos() reads the relocations there). */
static unsigned int static_slot_cnt(const struct btf *btf, const char *name)
{
	const struct btf_var_secinfo *vi;
	const struct btf_type *sec;
	int sec_id;

	if (!btf)
		return 0;
	sec_id = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
	sec = sec_id > 0 ? btf__type_by_id(btf, sec_id) : NULL;
	if (!sec)
		return 0;
	vi = btf_var_secinfos(sec);
	for (unsigned int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vi[i].type), *def;
		const struct btf_member *last;
		uint32_t moff;

		if (!var || !btf_is_var(var) || strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		def = btf__type_by_id(btf, var->type);
		while (def && (btf_is_mod(def) || btf_is_typedef(def)))
			def = btf__type_by_id(btf, def->type);
		if (!def || !btf_is_struct(def) || !btf_vlen(def))
			return 0;
		last = btf_members(def) + btf_vlen(def) - 1;
		if (strcmp(btf__name_by_offset(btf, last->name_off), "values"))
			return 0;
		moff = btf_member_bit_offset(def, btf_vlen(def) - 1) / 8;
		return vi[i].size > moff ? (vi[i].size - moff) / 8 : 0;
	}
	return 0;
}

/* Before anything changes: for every map-in-map with an inner rule whose
 * slots the object initialises, the maps that can fill them.  libbpf does
 * not say which maps the slots name, but the object loads as compiled only
 * when each is equal to the compiled template (bpf_map_meta_equal: type,
 * key and value size, flags; and max_entries for an array without
 * BPF_F_INNER_MAP), so those are the candidates. */
static int find_static_slots(struct mapsize_applied *a, const struct mapsize_plan *plan,
			     struct bpf_object *obj, const struct mapsize_apply_opts *opts,
			     struct mapsize_error *err)
{
	const char *path = OPTS_GET(opts, object_path, NULL);
	const void *buf = OPTS_GET(opts, object_buf, NULL);
	size_t buf_sz = OPTS_GET(opts, object_buf_sz, 0);
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *outer, *m;

	bpf_object__for_each_map(outer, obj) {
		struct object_slots named = { 0 };
		bool exact = buf || path;
		char name[256];
		const struct mapsize_plan_map *pm;
		struct bpf_map *tmpl;
		unsigned int n, found = 0;
		uint32_t tflags;
		int ret;

		if (!bpf_map_type_has(bpf_map__type(outer), MAPSIZE_TRAIT_MAP_IN_MAP))
			continue;
		snprintf(name, sizeof(name), "%s.inner", bpf_map__name(outer));
		pm = mapsize_plan__find(plan, name);
		tmpl = bpf_map__inner_map(outer);
		n = pm && tmpl ? static_slot_cnt(btf, bpf_map__name(outer)) : 0;
		if (!n)
			continue;
		if (exact) {
			ret = object_slots__read(buf, buf_sz, path, bpf_map__name(outer), &named);
			if (ret)
				return error_set(err, ret, NULL, "map '%s': cannot read which maps its static "
						 "slots name from %s: %s, expected the ELF the object was opened "
						 "from", bpf_map__name(outer), buf ? "object_buf" : path,
						 strerror(-ret));
		}
		tflags = bpf_map__map_flags(tmpl);
		bpf_object__for_each_map(m, obj) {
			struct slot_map *v;

			if (exact) {
				if (!object_slots__names(&named, bpf_map__name(m)))
					continue;
			} else if (m == outer || bpf_map__is_internal(m) ||
				   bpf_map__type(m) != bpf_map__type(tmpl) ||
				   bpf_map__key_size(m) != bpf_map__key_size(tmpl) ||
				   bpf_map__value_size(m) != bpf_map__value_size(tmpl) ||
				   bpf_map__map_flags(m) != tflags ||
				   (bpf_map__type(tmpl) == BPF_MAP_TYPE_ARRAY && !(tflags & MAPSIZE_F_INNER_MAP) &&
				    bpf_map__max_entries(m) != bpf_map__max_entries(tmpl))) {
				continue;
			}
			v = realloc(a->slots, (a->slot_cnt + 1) * sizeof(*v));
			if (!v) {
				object_slots__free(&named);
				return error_set(err, -ENOMEM, NULL, "out of memory");
			}
			a->slots = v;
			a->slots[a->slot_cnt++] = (struct slot_map){
				.map = m, .outer = bpf_map__name(outer), .inner = pm, .tmpl_flags = tflags,
				.exact = exact,
			};
			found++;
		}
		object_slots__free(&named);
		pr_info("map '%s': %u statically initialised slot(s); %u map(s) of the object %s them "
			"and are sized as '%s'\n", bpf_map__name(outer), n, found,
			exact ? "fill" : "can fill", pm->name);
	}
	return 0;
}

/* Would the kernel refuse a map of max_entries/flags in a slot of s->outer? */
static bool slot_refused(const struct slot_map *s, uint32_t max_entries, uint32_t flags)
{
	const struct mapsize_plan_map *t = s->inner;
	uint32_t tflags = planned_flags(t, s->tmpl_flags);

	if (flags != tflags)
		return true;
	return t->type == MAPSIZE_MAP_ARRAY && !(tflags & MAPSIZE_F_INNER_MAP) && max_entries != t->max_entries;
}

/* A map that may fill static slots: without a rule it takes the inner
 * rule's size; with one, that rule must agree with every template. */
static int apply_slots(struct mapsize_applied *a, struct bpf_map *map, struct mapsize_applied_map *am,
		       struct mapsize_error *err)
{
	bool sized = am->status == MAPSIZE_MAP_APPLIED;
	int ret;

	for (size_t i = 0; i < a->slot_cnt; i++) {
		const struct slot_map *s = &a->slots[i];
		const struct mapsize_plan_map *t = s->inner;

		if (s->map != map)
			continue;
		if (!sized) {
			am->status = MAPSIZE_MAP_APPLIED;
			am->planned = t;
			am->max_entries = t->max_entries;
			am->map_flags = planned_flags(t, am->compiled_map_flags);
			ret = bpf_map__set_max_entries(map, am->max_entries);
			if (!ret)
				ret = bpf_map__set_map_flags(map, am->map_flags);
			if (!ret && t->map_extra)
				ret = bpf_map__set_map_extra(map, t->map_extra);
			if (ret)
				return error_set(err, ret, NULL, "map '%s': libbpf refused the size of '%s': %s",
						 am->name, t->name, strerror(-ret));
			if (s->exact)
				pr_info("map '%s': fills a static slot of '%s', sized as '%s' (max_entries %u)\n",
					am->name, s->outer, t->name, am->max_entries);
			else
				pr_warn("warning: map '%s' has no rule and equals the inner template of '%s', "
					"whose slots the object initialises: sized as '%s' (max_entries %u) in "
					"case a slot names it; give apply the object's ELF (object_path, "
					"object_buf) to know\n", am->name, s->outer, t->name, am->max_entries);
			sized = true;
			continue;
		}
		if (!slot_refused(s, am->max_entries, am->map_flags))
			continue;
		if (am->planned == t || am->planned->inner_of)
			return error_set(err, -EINVAL, NULL, "map '%s' may fill statically initialised slots "
					 "of '%s' and of another map-in-map whose inner rules differ ('%s' gives "
					 "max_entries %u flags 0x%x, '%s' %u 0x%x): the kernel would refuse one "
					 "slot at load (EINVAL); expected the inner rules to agree", am->name,
					 s->outer, am->planned->name, am->max_entries, am->map_flags, t->name,
					 t->max_entries, planned_flags(t, s->tmpl_flags));
		return error_set(err, -EINVAL, NULL, "map '%s' may fill a statically initialised slot of "
				 "'%s' (.values = { ... }), but its rule gives max_entries %u flags 0x%x and "
				 "the template '%s' max_entries %u flags 0x%x: the kernel would refuse the slot "
				 "at load (EINVAL); expected the rule of '%s' to match '%s', or no rule for it "
				 "(it is then sized as the template)", am->name, s->outer, am->max_entries,
				 am->map_flags, t->name, t->max_entries, planned_flags(t, s->tmpl_flags),
				 am->name, t->name);
	}
	return 0;
}

static int apply_map(struct mapsize_applied *a, const struct mapsize_plan *plan,
		     struct bpf_object *obj, struct bpf_map *map, struct mapsize_error *err)
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
		ret = apply_slots(a, map, am, err);
		if (!ret && am->status == MAPSIZE_MAP_UNMANAGED)
			pr_info("map '%s': no rule, left as compiled (max_entries %u)\n", name, am->max_entries);
		return ret;
	}
	am->name = pm->name;
	am->planned = pm;
	am->status = MAPSIZE_MAP_APPLIED;
	ret = convert_to_rhash(pm, map, err);
	if (ret)
		return ret;
	am->bpf_type = bpf_map__type(map);
	ret = check_shape(pm, map, "the object's map", err);
	if (ret)
		return ret;
	am->max_entries = pm->max_entries;
	am->map_flags = planned_flags(pm, am->compiled_map_flags);
	ret = check_flags(pm, "the object's map", am->compiled_map_flags, am->map_flags, err);
	if (ret)
		return ret;
	ret = bpf_map__set_max_entries(map, pm->max_entries);
	if (!ret && !bpf_map__value_size(map))
		ret = bpf_map__set_value_size(map, pm->value_size);	/* as the agent does */
	if (!ret)
		ret = bpf_map__set_map_flags(map, am->map_flags);
	/* rhash: always, so a map_extra compiled in the object is not taken for the initial size */
	if (!ret && (pm->map_extra || pm->type == MAPSIZE_MAP_RHASH))
		ret = bpf_map__set_map_extra(map, pm->map_extra);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused the new size or flags: %s%s", name,
				 strerror(-ret), ret == -EBUSY ? " (the object is already loaded; apply "
				 "between open and load)" : "");
	ret = apply_slots(a, map, am, err);
	if (ret)
		return ret;
	if (map_type_has(pm->type, MAPSIZE_TRAIT_MAP_IN_MAP))
		return apply_inner(a, plan, obj, map, err);
	return 0;
}

struct mapsize_applied *mapsize_plan__apply(const struct mapsize_plan *plan, struct bpf_object *obj,
					    const struct mapsize_apply_opts *opts,
					    struct mapsize_error *err)
{
	struct mapsize_applied *a;
	bool strict = OPTS_GET(opts, strict, false);
	struct bpf_map *map;
	int ret = 0;

	error_clear(err);
	if (!plan || !obj) {
		error_set(err, -EINVAL, NULL, "no plan or no BPF object to apply it to");
		errno = EINVAL;
		return NULL;
	}
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
	a->btf_fd = -2;
	ret = find_static_slots(a, plan, obj, opts, err);
	if (ret)
		goto fail;
	bpf_object__for_each_map(map, obj) {
		size_t idx = a->cnt;
		char *warning = NULL, **w;

		ret = apply_map(a, plan, obj, map, err);
		if (!ret)
			ret = apply_pin__check(map, &a->maps[idx], OPTS_GET(opts, pin_policy, MAPSIZE_PIN_REFUSE),
					       OPTS_GET(opts, object_path, NULL), &warning, err);
		if (ret)
			goto fail;
		if (!warning)
			continue;
		w = realloc(a->warnings, (a->warning_cnt + 1) * sizeof(*w));
		if (!w) {
			free(warning);
			ret = error_set(err, -ENOMEM, NULL, "out of memory");
			goto fail;
		}
		a->warnings = w;
		a->warnings[a->warning_cnt++] = warning;
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
	return a ? a->cnt : 0;
}

const struct mapsize_applied_map *mapsize_applied__map(const struct mapsize_applied *a, size_t idx)
{
	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	if (idx >= a->cnt) {
		errno = ENOENT;
		return NULL;
	}
	return &a->maps[idx];
}

size_t mapsize_applied__warning_cnt(const struct mapsize_applied *a)
{
	return a ? a->warning_cnt : 0;
}

const char *mapsize_applied__warning(const struct mapsize_applied *a, size_t idx)
{
	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	return mapsize_found(idx < a->warning_cnt ? a->warnings[idx] : NULL);
}

void mapsize_applied__free(struct mapsize_applied *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->inner_cnt; i++)
		close(a->inner_fds[i]);
	if (a->btf_fd >= 0)
		close(a->btf_fd);
	for (size_t i = 0; i < a->warning_cnt; i++)
		free(a->warnings[i]);
	free(a->warnings);
	free(a->inner_fds);
	free(a->slots);
	free(a->maps);
	free(a);
}

int mapsize_plan__create_inner_map(const struct mapsize_plan *plan, const char *outer,
				   const char *instance_name, struct mapsize_error *err)
{
	return mapsize_plan__create_inner_map_opts(plan, outer, instance_name, NULL, err);
}

int mapsize_plan__create_inner_map_opts(const struct mapsize_plan *plan, const char *outer,
					const char *instance_name, struct mapsize_inner_create_opts *opts,
					struct mapsize_error *err)
{
	char name[256];
	const struct mapsize_plan_map *pm;
	const struct inner_kern *tmpl;
	struct inner_kern ik = { .btf_fd = -1 };
	uint32_t entries;
	bool per = false;
	int fd;

	error_clear(err);
	if (!OPTS_VALID(opts, mapsize_inner_create_opts))
		return error_set(err, -EINVAL, NULL, "unsupported inner map options (sz %zu; newer "
				 "libmapsize?)", opts->sz);
	snprintf(name, sizeof(name), "%s.inner", outer);
	pm = mapsize_plan__find(plan, name);
	if (!pm)
		return error_set(err, -ENOENT, NULL, "no rule '%s', expected a rule for the inner map of '%s'",
				 name, outer);
	/* After apply: exactly the template (compiled flags, BTF); before: the rule. */
	tmpl = plan_kern_find(plan, outer);
	if (tmpl) {
		ik = *tmpl;
	} else {
		ik.flags = pm->map_flags;
		ik.map_extra = pm->map_extra;
	}
	entries = pm->max_entries;
	if (OPTS_GET(opts, size_for_live, false))
		entries = inner_instance_size(plan, outer, ik.flags, OPTS_GET(opts, live_entries, 0), &per);
	fd = create_map(pm, instance_name ? instance_name : name, &ik, entries);
	if (fd < 0)
		return error_set(err, fd, NULL, "map '%s': cannot create an inner map instance "
				 "(max_entries %u, flags 0x%x): %s", name, entries, ik.flags,
				 strerror(-fd));
	OPTS_SET(opts, max_entries, entries);
	OPTS_SET(opts, per_instance, per);
	return fd;
}
