// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BTF-defined maps: the `.maps` DATASEC, parsed as libbpf 1.1's
 * bpf_object__init_user_btf_maps and parse_btf_map_def do, and the static
 * slots of `values` from .rel.maps as bpf_object__collect_map_relos. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "object_maps_internal.h"

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

static const char *kind_str(const struct btf_type *t)
{
	static const char *const kinds[] = {
		"UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF",
		"VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT",
		"DECL_TAG", "TYPE_TAG", "ENUM64",
	};
	unsigned int k = t ? btf_kind(t) : 0;

	return k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "UNKNOWN";
}

/* `int (*name)[N]` encodes N: a pointer to an array of N. */
static int map_field_int(struct object_maps_reader *r, const char *map, const struct btf_member *m,
			 const char *attr, uint32_t *res)
{
	const struct btf_type *t = skip_mods(r->btf, m->type, NULL), *arr;

	if (!t || !btf_is_ptr(t))
		return object_maps__fail(r, -EINVAL, "section .maps: map '%s': attribute '%s': expected PTR, got %s",
			    map, attr, kind_str(t));
	arr = btf__type_by_id(r->btf, t->type);
	if (!arr || !btf_is_array(arr))
		return object_maps__fail(r, -EINVAL,
			    "section .maps: map '%s': attribute '%s': expected pointer to ARRAY, got %s",
			    map, attr, kind_str(arr));
	*res = btf_array(arr)->nelems;
	return 0;
}

static int parse_map_def(struct object_maps_reader *r, const char *map, const struct btf_type *def,
			 bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out);

static int set_size(struct object_maps_reader *r, const char *map, const char *attr, uint32_t *cur, uint32_t sz)
{
	if (*cur && *cur != sz)
		return object_maps__fail(r, -EINVAL, "section .maps: map '%s': conflicting %s: %u != %u",
			    map, attr, *cur, sz);
	*cur = sz;
	return 0;
}

static int parse_member(struct object_maps_reader *r, const char *map, const struct btf_member *m,
			bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out)
{
	const char *attr = btf__name_by_offset(r->btf, m->name_off);
	const struct btf_type *t;
	uint32_t v;
	int err;

	if (!attr || !*attr)
		return object_maps__fail(r, -EINVAL, "section .maps: map '%s': unnamed attribute", map);
	if (strcmp(attr, "type") == 0)
		return map_field_int(r, map, m, attr, &d->type);
	if (strcmp(attr, "max_entries") == 0)
		return map_field_int(r, map, m, attr, &d->max_entries);
	if (strcmp(attr, "map_flags") == 0)
		return map_field_int(r, map, m, attr, &d->map_flags);
	if (strcmp(attr, "numa_node") == 0)
		return map_field_int(r, map, m, attr, &d->numa_node);
	if (strcmp(attr, "map_extra") == 0) {
		err = map_field_int(r, map, m, attr, &v);
		d->map_extra = v;
		return err;
	}
	if (strcmp(attr, "key_size") == 0 || strcmp(attr, "value_size") == 0) {
		if ((err = map_field_int(r, map, m, attr, &v)))
			return err;
		return set_size(r, map, attr, attr[0] == 'k' ? &d->key_size : &d->value_size, v);
	}
	if (strcmp(attr, "key") == 0 || strcmp(attr, "value") == 0) {
		bool key = attr[0] == 'k';
		long long sz;

		t = skip_mods(r->btf, m->type, NULL);
		if (!t || !btf_is_ptr(t))
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': %s spec is not PTR: %s",
				    map, attr, kind_str(t));
		sz = btf__resolve_size(r->btf, t->type);
		if (sz < 0)
			return object_maps__fail(r, (int)sz, "section .maps: map '%s': cannot size %s type [%u]",
				    map, attr, t->type);
		if ((err = set_size(r, map, key ? "key_size" : "value_size",
				    key ? &d->key_size : &d->value_size, (uint32_t)sz)))
			return err;
		if (key)
			d->key_type_id = t->type;
		else
			d->value_type_id = t->type;
		return 0;
	}
	if (strcmp(attr, "values") == 0) {
		bool in_map = d->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
			      d->type == BPF_MAP_TYPE_HASH_OF_MAPS;
		bool prog = d->type == BPF_MAP_TYPE_PROG_ARRAY;
		const struct btf_type *pt;

		if (is_inner)
			return object_maps__fail(r, -ENOTSUP, "section .maps: map '%s': multi-level inner maps are not supported", map);
		if (!in_map && !prog)
			return object_maps__fail(r, -ENOTSUP,
				    "section .maps: map '%s': 'values' wants a map-in-map or prog array type, got type %u",
				    map, d->type);
		t = btf__type_by_id(r->btf, m->type);
		if (!t || !btf_is_array(t) || btf_array(t)->nelems)
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': 'values' is not a zero-sized array", map);
		pt = skip_mods(r->btf, btf_array(t)->type, NULL);
		if (!pt || !btf_is_ptr(pt))
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': 'values' elements are not pointers: %s",
				    map, kind_str(pt));
		t = skip_mods(r->btf, pt->type, NULL);
		/* As libbpf: the value of either is a file descriptor. */
		if ((err = set_size(r, map, "value_size", &d->value_size, 4)))
			return err;
		if (prog) {
			if (!t || !btf_is_func_proto(t))
				return object_maps__fail(r, -EINVAL, "section .maps: map '%s': prog array 'values' are not functions: %s",
					    map, kind_str(t));
			return 0;
		}
		if (!t || !btf_is_struct(t))
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': 'values' do not point to a map definition: %s",
				    map, kind_str(t));
		*inner_out = t;
		return 0;
	}
	if (strcmp(attr, "pinning") == 0) {
		if (is_inner)
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': an inner map cannot be pinned", map);
		if ((err = map_field_int(r, map, m, attr, &d->pinning)))
			return err;
		if (d->pinning > 1 /* LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME */)
			return object_maps__fail(r, -EINVAL, "section .maps: map '%s': invalid pinning %u, expected 0 or 1",
				    map, d->pinning);
		return 0;
	}
	/* libbpf refuses an unknown attribute unless opened with relaxed_maps. */
	return object_maps__fail(r, -ENOTSUP, "section .maps: map '%s': unknown attribute '%s'", map, attr);
}

static int parse_map_def(struct object_maps_reader *r, const char *map, const struct btf_type *def,
			 bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out)
{
	const struct btf_member *m = btf_members(def);

	for (unsigned int i = 0; i < btf_vlen(def); i++) {
		int err = parse_member(r, map, &m[i], is_inner, d, inner_out);

		if (err)
			return err;
	}
	if (!d->type)
		return object_maps__fail(r, -EINVAL, "section .maps: map '%s': no map type", map);
	return 0;
}

/* A `.maps` variable: where its definition sits and which map it made. */
struct map_var {
	uint32_t off, size;
	size_t def;			/* index in out->defs */
	const struct btf_type *type;	/* its definition struct */
};

/* `.values = { [i] = &x }`: .rel.maps entries inside the map's `values`,
 * which libbpf requires to be the definition's last member. */
static int collect_slots(struct object_maps_reader *r, size_t maps_shndx, const struct map_var *vars, size_t nr_vars)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != maps_shndx)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			return object_maps__fail(r, -EINVAL, "section .rel.maps: cannot read");
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const struct map_var *v = NULL;
			struct object_maps_def *d;
			struct object_maps_slot *slots;
			const struct btf_member *last;
			const char *target, *lname;
			uint32_t moff, voff;
			GElf_Rel rel;
			GElf_Sym sym;

			if (!gelf_getrel(data, i, &rel) ||
			    !gelf_getsym(r->symdata, GELF_R_SYM(rel.r_info), &sym))
				return object_maps__fail(r, -EINVAL, "section .rel.maps: bad relocation #%zu", i);
			target = object_maps__sym_name(r, &sym);
			if (!target)
				target = "?";
			for (size_t k = 0; k < nr_vars && !v; k++)
				if (rel.r_offset >= vars[k].off && rel.r_offset + 8 <= (uint64_t)vars[k].off + vars[k].size)
					v = &vars[k];
			if (!v)
				return object_maps__fail(r, -EINVAL, "section .rel.maps: relocation at %#llx to '%s' is in no map",
					    (unsigned long long)rel.r_offset, target);
			d = &r->out->defs[v->def];
			last = btf_members(v->type) + btf_vlen(v->type) - 1;
			lname = btf_vlen(v->type) ? btf__name_by_offset(r->btf, last->name_off) : NULL;
			voff = btf_vlen(v->type) ? btf_member_bit_offset(v->type, btf_vlen(v->type) - 1) / 8 : 0;
			moff = (uint32_t)(rel.r_offset - v->off);
			if (!lname || strcmp(lname, "values") != 0 || moff < voff)
				return object_maps__fail(r, -EINVAL, "section .rel.maps: map '%s': relocation to '%s' outside 'values'",
					    d->name, target);
			moff -= voff;
			if (moff % 8)
				return object_maps__fail(r, -EINVAL, "section .rel.maps: map '%s': misaligned slot relocation to '%s'",
					    d->name, target);
			slots = realloc(d->slots, (d->nr_slots + 1) * sizeof(*slots));
			if (!slots)
				return object_maps__fail(r, -ENOMEM, "out of memory");
			d->slots = slots;
			slots[d->nr_slots].index = moff / 8;
			slots[d->nr_slots].target = strdup(target);
			if (!slots[d->nr_slots].target)
				return object_maps__fail(r, -ENOMEM, "out of memory");
			d->nr_slots++;
		}
	}
	return 0;
}

int object_maps__read_btf(struct object_maps_reader *r, Elf_Scn *maps_scn)
{
	size_t shndx = elf_ndxscn(maps_scn);
	const struct btf_type *sec = NULL;
	const struct btf_var_secinfo *vs;
	struct map_var *vars;
	GElf_Shdr sh;
	int id, err = 0;
	unsigned int n;

	if (!r->btf)
		return object_maps__fail(r, -EINVAL, "section .maps: BTF-defined maps need a .BTF section");
	id = btf__find_by_name_kind(r->btf, ".maps", BTF_KIND_DATASEC);
	if (id > 0)
		sec = btf__type_by_id(r->btf, id);
	if (!sec)
		return object_maps__fail(r, -EINVAL, "section .maps: no .maps DATASEC in .BTF");
	gelf_getshdr(maps_scn, &sh);
	n = btf_vlen(sec);
	vs = btf_var_secinfos(sec);
	vars = calloc(n + 1, sizeof(*vars));
	if (!vars)
		return object_maps__fail(r, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		const struct btf_type *var = btf__type_by_id(r->btf, vs[i].type), *def, *inner = NULL;
		const char *name = var ? btf__name_by_offset(r->btf, var->name_off) : NULL;
		struct object_maps_def *d;
		GElf_Sym sym;
		size_t at;

		if (!var || !btf_is_var(var) || !name) {
			err = object_maps__fail(r, -EINVAL, "section .maps: DATASEC entry #%u is not a VAR", i);
			goto out;
		}
		/* libbpf's btf_fixup_datasec: the symbol gives the offset. */
		vars[i].off = object_maps__find_sym(r, shndx, name, &sym) ? (uint32_t)sym.st_value : vs[i].offset;
		vars[i].size = vs[i].size;
		if (btf_var(var)->linkage != BTF_VAR_STATIC && btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED) {
			err = object_maps__fail(r, -EOPNOTSUPP, "section .maps: map '%s': unsupported linkage %u",
				   name, btf_var(var)->linkage);
			goto out;
		}
		def = skip_mods(r->btf, var->type, NULL);
		if (!def || !btf_is_struct(def)) {
			err = object_maps__fail(r, -EINVAL, "section .maps: map '%s': definition is %s, expected STRUCT",
				   name, kind_str(def));
			goto out;
		}
		vars[i].type = def;
		if ((uint64_t)vars[i].off + vs[i].size > sh.sh_size) {
			err = object_maps__fail(r, -EINVAL, "section .maps: map '%s': definition past the section end", name);
			goto out;
		}
		if (!(d = object_maps__def_add(r, name, ".maps", OBJECT_MAPS_BTF))) {
			err = object_maps__fail(r, -ENOMEM, "out of memory");
			goto out;
		}
		at = r->out->nr - 1;
		vars[i].def = at;
		if ((err = parse_map_def(r, name, def, false, d, &inner)))
			goto out;
		if (inner) {
			char iname[512];
			struct object_maps_def *id_;

			snprintf(iname, sizeof(iname), "%s.inner", name);
			if (!(id_ = object_maps__def_add(r, iname, ".maps", OBJECT_MAPS_INNER))) {
				err = object_maps__fail(r, -ENOMEM, "out of memory");
				goto out;
			}
			r->out->defs[at].inner = (int)(at + 1);
			id_->outer = (int)at;
			if ((err = parse_map_def(r, iname, inner, true, id_, &inner)))
				goto out;
		}
	}
	err = collect_slots(r, shndx, vars, n);
out:
	free(vars);
	return err;
}

