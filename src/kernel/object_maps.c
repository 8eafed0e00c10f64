// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Map definitions from a BPF object's ELF and BTF, parsed the way libbpf's
 * own parser does (libbpf.c: bpf_object__init_user_btf_maps and
 * parse_btf_map_def, bpf_object__collect_map_relos for static slots, libbpf
 * 0.x's init_user_maps for the legacy `maps` section) plus gobpf's per-map
 * `maps/NAME` sections.  Nothing is loaded and no extern is resolved. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "object_maps.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* struct bpf_map_def of libbpf < 1.0 and of gobpf (which adds pinning and a
 * namespace after these five). */
struct legacy_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

struct reader {
	const char *file;
	Elf *elf;
	size_t shstrndx;
	Elf_Scn *symtab;
	Elf_Data *symdata;
	size_t nr_syms;
	size_t strtab_idx;
	struct btf *btf;
	struct object_maps *out;
	struct mapsize_error *err;
};

static int fail(struct reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->err) {
		memset(r->err, 0, sizeof(*r->err));
		r->err->code = code;
		snprintf(r->err->file, sizeof(r->err->file), "%s", r->file);
		va_start(ap, fmt);
		vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *object_maps__origin_str(enum object_maps_origin origin)
{
	switch (origin) {
	case OBJECT_MAPS_BTF: return "btf";
	case OBJECT_MAPS_INNER: return "inner";
	case OBJECT_MAPS_LEGACY: return "legacy";
	case OBJECT_MAPS_SECTION: return "section";
	case OBJECT_MAPS_DATA: return "data";
	}
	return "?";
}

void object_maps__free(struct object_maps *maps)
{
	if (!maps)
		return;
	for (size_t i = 0; i < maps->nr; i++) {
		struct object_maps_def *d = &maps->defs[i];

		for (size_t j = 0; j < d->nr_slots; j++)
			free(d->slots[j].target);
		free(d->slots);
		free(d->name);
		free(d->section);
	}
	free(maps->defs);
	btf__free(maps->btf);
	free(maps);
}

static struct object_maps_def *def_add(struct reader *r, const char *name, const char *section,
				       enum object_maps_origin origin)
{
	struct object_maps *m = r->out;
	struct object_maps_def *defs, *d;

	defs = realloc(m->defs, (m->nr + 1) * sizeof(*defs));
	if (!defs)
		return NULL;
	m->defs = defs;
	d = &defs[m->nr];
	memset(d, 0, sizeof(*d));
	d->name = strdup(name);
	d->section = strdup(section);
	if (!d->name || !d->section) {
		free(d->name);
		free(d->section);
		return NULL;
	}
	d->origin = origin;
	d->inner = -1;
	d->outer = -1;
	m->nr++;
	return d;
}

static const char *sec_name(struct reader *r, Elf_Scn *scn)
{
	GElf_Shdr sh;
	const char *name;

	if (!gelf_getshdr(scn, &sh))
		return NULL;
	name = elf_strptr(r->elf, r->shstrndx, sh.sh_name);
	return name ? name : NULL;
}

static const char *sym_name(struct reader *r, const GElf_Sym *sym)
{
	return elf_strptr(r->elf, r->strtab_idx, sym->st_name);
}

/* The symbol named NAME defined in section SHNDX (libbpf takes a .maps var's
 * offset from it: clang leaves DATASEC offsets to the linker). */
static const GElf_Sym *find_sym(struct reader *r, size_t shndx, const char *name, GElf_Sym *out)
{
	for (size_t i = 0; i < r->nr_syms; i++) {
		const char *n;

		if (!gelf_getsym(r->symdata, i, out) || out->st_shndx != shndx)
			continue;
		n = sym_name(r, out);
		if (n && strcmp(n, name) == 0)
			return out;
	}
	return NULL;
}

/* ---- BTF-defined maps ---------------------------------------------------- */

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
static int map_field_int(struct reader *r, const char *map, const struct btf_member *m,
			 const char *attr, uint32_t *res)
{
	const struct btf_type *t = skip_mods(r->btf, m->type, NULL), *arr;

	if (!t || !btf_is_ptr(t))
		return fail(r, -EINVAL, "section .maps: map '%s': attribute '%s': expected PTR, got %s",
			    map, attr, kind_str(t));
	arr = btf__type_by_id(r->btf, t->type);
	if (!arr || !btf_is_array(arr))
		return fail(r, -EINVAL,
			    "section .maps: map '%s': attribute '%s': expected pointer to ARRAY, got %s",
			    map, attr, kind_str(arr));
	*res = btf_array(arr)->nelems;
	return 0;
}

static int parse_map_def(struct reader *r, const char *map, const struct btf_type *def,
			 bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out);

static int set_size(struct reader *r, const char *map, const char *attr, uint32_t *cur, uint32_t sz)
{
	if (*cur && *cur != sz)
		return fail(r, -EINVAL, "section .maps: map '%s': conflicting %s: %u != %u",
			    map, attr, *cur, sz);
	*cur = sz;
	return 0;
}

static int parse_member(struct reader *r, const char *map, const struct btf_member *m,
			bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out)
{
	const char *attr = btf__name_by_offset(r->btf, m->name_off);
	const struct btf_type *t;
	uint32_t v;
	int err;

	if (!attr || !*attr)
		return fail(r, -EINVAL, "section .maps: map '%s': unnamed attribute", map);
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
			return fail(r, -EINVAL, "section .maps: map '%s': %s spec is not PTR: %s",
				    map, attr, kind_str(t));
		sz = btf__resolve_size(r->btf, t->type);
		if (sz < 0)
			return fail(r, (int)sz, "section .maps: map '%s': cannot size %s type [%u]",
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
			return fail(r, -ENOTSUP, "section .maps: map '%s': multi-level inner maps are not supported", map);
		if (!in_map && !prog)
			return fail(r, -ENOTSUP,
				    "section .maps: map '%s': 'values' wants a map-in-map or prog array type, got type %u",
				    map, d->type);
		t = btf__type_by_id(r->btf, m->type);
		if (!t || !btf_is_array(t) || btf_array(t)->nelems)
			return fail(r, -EINVAL, "section .maps: map '%s': 'values' is not a zero-sized array", map);
		pt = skip_mods(r->btf, btf_array(t)->type, NULL);
		if (!pt || !btf_is_ptr(pt))
			return fail(r, -EINVAL, "section .maps: map '%s': 'values' elements are not pointers: %s",
				    map, kind_str(pt));
		t = skip_mods(r->btf, pt->type, NULL);
		/* As libbpf: the value of either is a file descriptor. */
		if ((err = set_size(r, map, "value_size", &d->value_size, 4)))
			return err;
		if (prog) {
			if (!t || !btf_is_func_proto(t))
				return fail(r, -EINVAL, "section .maps: map '%s': prog array 'values' are not functions: %s",
					    map, kind_str(t));
			return 0;
		}
		if (!t || !btf_is_struct(t))
			return fail(r, -EINVAL, "section .maps: map '%s': 'values' do not point to a map definition: %s",
				    map, kind_str(t));
		*inner_out = t;
		return 0;
	}
	if (strcmp(attr, "pinning") == 0) {
		if (is_inner)
			return fail(r, -EINVAL, "section .maps: map '%s': an inner map cannot be pinned", map);
		if ((err = map_field_int(r, map, m, attr, &d->pinning)))
			return err;
		if (d->pinning > 1 /* LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME */)
			return fail(r, -EINVAL, "section .maps: map '%s': invalid pinning %u, expected 0 or 1",
				    map, d->pinning);
		return 0;
	}
	/* libbpf refuses an unknown attribute unless opened with relaxed_maps. */
	return fail(r, -ENOTSUP, "section .maps: map '%s': unknown attribute '%s'", map, attr);
}

static int parse_map_def(struct reader *r, const char *map, const struct btf_type *def,
			 bool is_inner, struct object_maps_def *d, const struct btf_type **inner_out)
{
	const struct btf_member *m = btf_members(def);

	for (unsigned int i = 0; i < btf_vlen(def); i++) {
		int err = parse_member(r, map, &m[i], is_inner, d, inner_out);

		if (err)
			return err;
	}
	if (!d->type)
		return fail(r, -EINVAL, "section .maps: map '%s': no map type", map);
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
static int collect_slots(struct reader *r, size_t maps_shndx, const struct map_var *vars, size_t nr_vars)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != maps_shndx)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			return fail(r, -EINVAL, "section .rel.maps: cannot read");
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
				return fail(r, -EINVAL, "section .rel.maps: bad relocation #%zu", i);
			target = sym_name(r, &sym);
			if (!target)
				target = "?";
			for (size_t k = 0; k < nr_vars && !v; k++)
				if (rel.r_offset >= vars[k].off && rel.r_offset + 8 <= (uint64_t)vars[k].off + vars[k].size)
					v = &vars[k];
			if (!v)
				return fail(r, -EINVAL, "section .rel.maps: relocation at %#llx to '%s' is in no map",
					    (unsigned long long)rel.r_offset, target);
			d = &r->out->defs[v->def];
			last = btf_members(v->type) + btf_vlen(v->type) - 1;
			lname = btf_vlen(v->type) ? btf__name_by_offset(r->btf, last->name_off) : NULL;
			voff = btf_vlen(v->type) ? btf_member_bit_offset(v->type, btf_vlen(v->type) - 1) / 8 : 0;
			moff = (uint32_t)(rel.r_offset - v->off);
			if (!lname || strcmp(lname, "values") != 0 || moff < voff)
				return fail(r, -EINVAL, "section .rel.maps: map '%s': relocation to '%s' outside 'values'",
					    d->name, target);
			moff -= voff;
			if (moff % 8)
				return fail(r, -EINVAL, "section .rel.maps: map '%s': misaligned slot relocation to '%s'",
					    d->name, target);
			slots = realloc(d->slots, (d->nr_slots + 1) * sizeof(*slots));
			if (!slots)
				return fail(r, -ENOMEM, "out of memory");
			d->slots = slots;
			slots[d->nr_slots].index = moff / 8;
			slots[d->nr_slots].target = strdup(target);
			if (!slots[d->nr_slots].target)
				return fail(r, -ENOMEM, "out of memory");
			d->nr_slots++;
		}
	}
	return 0;
}

static int read_btf_maps(struct reader *r, Elf_Scn *maps_scn)
{
	size_t shndx = elf_ndxscn(maps_scn);
	const struct btf_type *sec = NULL;
	const struct btf_var_secinfo *vs;
	struct map_var *vars;
	GElf_Shdr sh;
	int id, err = 0;
	unsigned int n;

	if (!r->btf)
		return fail(r, -EINVAL, "section .maps: BTF-defined maps need a .BTF section");
	id = btf__find_by_name_kind(r->btf, ".maps", BTF_KIND_DATASEC);
	if (id > 0)
		sec = btf__type_by_id(r->btf, id);
	if (!sec)
		return fail(r, -EINVAL, "section .maps: no .maps DATASEC in .BTF");
	gelf_getshdr(maps_scn, &sh);
	n = btf_vlen(sec);
	vs = btf_var_secinfos(sec);
	vars = calloc(n + 1, sizeof(*vars));
	if (!vars)
		return fail(r, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		const struct btf_type *var = btf__type_by_id(r->btf, vs[i].type), *def, *inner = NULL;
		const char *name = var ? btf__name_by_offset(r->btf, var->name_off) : NULL;
		struct object_maps_def *d;
		GElf_Sym sym;
		size_t at;

		if (!var || !btf_is_var(var) || !name) {
			err = fail(r, -EINVAL, "section .maps: DATASEC entry #%u is not a VAR", i);
			goto out;
		}
		/* libbpf's btf_fixup_datasec: the symbol gives the offset. */
		vars[i].off = find_sym(r, shndx, name, &sym) ? (uint32_t)sym.st_value : vs[i].offset;
		vars[i].size = vs[i].size;
		if (btf_var(var)->linkage != BTF_VAR_STATIC && btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED) {
			err = fail(r, -EOPNOTSUPP, "section .maps: map '%s': unsupported linkage %u",
				   name, btf_var(var)->linkage);
			goto out;
		}
		def = skip_mods(r->btf, var->type, NULL);
		if (!def || !btf_is_struct(def)) {
			err = fail(r, -EINVAL, "section .maps: map '%s': definition is %s, expected STRUCT",
				   name, kind_str(def));
			goto out;
		}
		vars[i].type = def;
		if ((uint64_t)vars[i].off + vs[i].size > sh.sh_size) {
			err = fail(r, -EINVAL, "section .maps: map '%s': definition past the section end", name);
			goto out;
		}
		if (!(d = def_add(r, name, ".maps", OBJECT_MAPS_BTF))) {
			err = fail(r, -ENOMEM, "out of memory");
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
			if (!(id_ = def_add(r, iname, ".maps", OBJECT_MAPS_INNER))) {
				err = fail(r, -ENOMEM, "out of memory");
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

/* ---- struct bpf_map_def sections ----------------------------------------- */

static void legacy_fill(struct object_maps_def *d, const void *p, size_t sz)
{
	struct legacy_map_def def = {0};

	memcpy(&def, p, sz < sizeof(def) ? sz : sizeof(def));
	d->type = def.type;
	d->key_size = def.key_size;
	d->value_size = def.value_size;
	d->max_entries = def.max_entries;
	d->map_flags = def.map_flags;
}

/* libbpf 0.x: the `maps` section is an array of equal-size definitions, one
 * symbol each; bytes past struct bpf_map_def must be zero. */
static int read_legacy_maps(struct reader *r, Elf_Scn *scn)
{
	size_t shndx = elf_ndxscn(scn), nr = 0, def_sz;
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Sym sym;

	if (!data || !data->d_size)
		return fail(r, -EINVAL, "section maps: empty");
	for (size_t i = 0; i < r->nr_syms; i++)
		if (gelf_getsym(r->symdata, i, &sym) && sym.st_shndx == shndx &&
		    GELF_ST_TYPE(sym.st_info) != STT_SECTION)
			nr++;
	if (!nr || data->d_size % nr)
		return fail(r, -EINVAL, "section maps: %zu bytes for %zu symbols: cannot tell the definition size",
			    (size_t)data->d_size, nr);
	def_sz = data->d_size / nr;
	for (size_t i = 0; i < r->nr_syms; i++) {
		const unsigned char *p;
		const char *name;
		struct object_maps_def *d;

		if (!gelf_getsym(r->symdata, i, &sym) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		name = sym_name(r, &sym);
		if (!name || !*name)
			return fail(r, -EINVAL, "section maps: definition at %#llx has no name",
				    (unsigned long long)sym.st_value);
		if (sym.st_value + def_sz > data->d_size)
			return fail(r, -EINVAL, "section maps: map '%s': definition past the section end", name);
		p = (const unsigned char *)data->d_buf + sym.st_value;
		for (size_t b = sizeof(struct legacy_map_def); b < def_sz; b++)
			if (p[b])
				return fail(r, -ENOTSUP,
					    "section maps: map '%s': unknown non-zero field at byte %zu of a %zu-byte definition",
					    name, b, def_sz);
		if (!(d = def_add(r, name, "maps", OBJECT_MAPS_LEGACY)))
			return fail(r, -ENOMEM, "out of memory");
		legacy_fill(d, p, def_sz);
	}
	return 0;
}

/* gobpf: `maps/NAME` holds one definition (bpf_map_def + pinning + namespace);
 * the map is called NAME, whatever its symbol is called. */
static int read_section_map(struct reader *r, Elf_Scn *scn, const char *secname)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const char *name = secname + strlen("maps/");
	struct object_maps_def *d;

	if (!*name)
		return fail(r, -EINVAL, "section %s: no map name after 'maps/'", secname);
	if (!data || data->d_size < sizeof(struct legacy_map_def))
		return fail(r, -EINVAL, "section %s: map '%s': %zu bytes, a definition has at least %zu",
			    secname, name, data ? (size_t)data->d_size : 0, sizeof(struct legacy_map_def));
	if (!(d = def_add(r, name, secname, OBJECT_MAPS_SECTION)))
		return fail(r, -ENOMEM, "out of memory");
	legacy_fill(d, data->d_buf, data->d_size);
	if (data->d_size >= sizeof(struct legacy_map_def) + 4)
		memcpy(&d->pinning, (const char *)data->d_buf + sizeof(struct legacy_map_def), 4);
	return 0;
}

/* libbpf's internal maps: one single-element array per global data section. */
static int read_data_map(struct reader *r, const char *secname, const GElf_Shdr *sh)
{
	struct object_maps_def *d;
	int id;

	if (!sh->sh_size)
		return 0;
	if (!(d = def_add(r, secname, secname, OBJECT_MAPS_DATA)))
		return fail(r, -ENOMEM, "out of memory");
	d->type = BPF_MAP_TYPE_ARRAY;
	d->key_size = 4;
	d->value_size = (uint32_t)sh->sh_size;
	d->max_entries = 1;
	if (strncmp(secname, ".rodata", 7) == 0)
		d->map_flags = BPF_F_RDONLY_PROG;
	id = r->btf ? btf__find_by_name_kind(r->btf, secname, BTF_KIND_DATASEC) : -1;
	d->value_type_id = id > 0 ? (uint32_t)id : 0;
	/* libbpf's map_is_mmapable(): only a section with a non-static
	 * variable is mapped into user space (a skeleton's obj->rodata etc.) */
	if (id > 0) {
		const struct btf_type *sec = btf__type_by_id(r->btf, id);
		const struct btf_var_secinfo *vs = btf_var_secinfos(sec);

		for (unsigned int i = 0; i < btf_vlen(sec); i++) {
			const struct btf_type *v = btf__type_by_id(r->btf, vs[i].type);

			if (v && btf_is_var(v) && btf_var(v)->linkage != BTF_VAR_STATIC) {
				d->map_flags |= BPF_F_MMAPABLE;
				break;
			}
		}
	}
	return 0;
}

struct kcfg_var {
	const char *name;
	long long size, align;
};

static int kcfg_cmp(const void *a_, const void *b_)
{
	const struct kcfg_var *a = a_, *b = b_;

	if (a->align != b->align)
		return a->align > b->align ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* libbpf's .kconfig map: its extern variables laid out by alignment
 * (largest first), then size (smallest first), then name
 * (bpf_object__collect_externs); the map is as large as the layout. */
static int read_kconfig_map(struct reader *r)
{
	const struct btf_type *sec;
	const struct btf_var_secinfo *vs;
	struct object_maps_def *d;
	struct kcfg_var *vars;
	uint64_t off = 0;
	unsigned int n;
	int id;

	id = r->btf ? btf__find_by_name_kind(r->btf, ".kconfig", BTF_KIND_DATASEC) : -1;
	if (id <= 0)
		return 0;
	sec = btf__type_by_id(r->btf, id);
	n = btf_vlen(sec);
	if (!n)
		return 0;
	vs = btf_var_secinfos(sec);
	vars = calloc(n, sizeof(*vars));
	if (!vars)
		return fail(r, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		const struct btf_type *v = btf__type_by_id(r->btf, vs[i].type);

		vars[i].name = v ? btf__name_by_offset(r->btf, v->name_off) : NULL;
		if (!v || !btf_is_var(v) || !vars[i].name) {
			free(vars);
			return fail(r, -EINVAL, "section .kconfig: entry #%u is not a VAR", i);
		}
		vars[i].size = btf__resolve_size(r->btf, v->type);
		vars[i].align = btf__align_of(r->btf, v->type);
		if (vars[i].size <= 0 || vars[i].align <= 0) {
			free(vars);
			return fail(r, -EINVAL, "section .kconfig: extern '%s': cannot size its type", vars[i].name);
		}
	}
	qsort(vars, n, sizeof(*vars), kcfg_cmp);
	for (unsigned int i = 0; i < n; i++)
		off = (off + vars[i].align - 1) / vars[i].align * vars[i].align + vars[i].size;
	free(vars);
	if (!(d = def_add(r, ".kconfig", ".kconfig", OBJECT_MAPS_DATA)))
		return fail(r, -ENOMEM, "out of memory");
	d->type = BPF_MAP_TYPE_ARRAY;
	d->key_size = 4;
	d->value_size = (uint32_t)off;
	d->max_entries = 1;
	/* extern variables are never static: mmapable, as libbpf decides */
	d->map_flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE;
	d->value_type_id = (uint32_t)id;
	return 0;
}

static bool is_data_sec(const char *name, const GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return false;
	if (sh->sh_type == SHT_NOBITS)
		return strcmp(name, ".bss") == 0;
	if (sh->sh_type != SHT_PROGBITS)
		return false;
	return strcmp(name, ".data") == 0 || strncmp(name, ".data.", 6) == 0 ||
	       strcmp(name, ".rodata") == 0 || strncmp(name, ".rodata.", 8) == 0;
}

static int read_elf(struct reader *r)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	int err;

	if (elf_kind(r->elf) != ELF_K_ELF || !gelf_getehdr(r->elf, &eh))
		return fail(r, -ENOEXEC, "not an ELF file");
	if (eh.e_machine != EM_BPF)
		return fail(r, -ENOEXEC, "not a BPF object (e_machine %u, expected %u)", eh.e_machine, EM_BPF);
	if (eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return fail(r, -ENOTSUP, "BPF object of the other byte order");
	if (elf_getshdrstrndx(r->elf, &r->shstrndx))
		return fail(r, -EINVAL, "no section name table");
	/* the symbol table and the .BTF first: every map section needs them */
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name = sec_name(r, scn);

		if (!name || !gelf_getshdr(scn, &sh))
			return fail(r, -EINVAL, "section #%zu: bad header", elf_ndxscn(scn));
		if (sh.sh_type == SHT_SYMTAB) {
			r->symtab = scn;
			r->symdata = elf_getdata(scn, NULL);
			r->nr_syms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			r->strtab_idx = sh.sh_link;
		} else if (strcmp(name, ".BTF") == 0) {
			Elf_Data *d = elf_getdata(scn, NULL);

			if (!d)
				return fail(r, -EINVAL, "section .BTF: cannot read");
			r->btf = btf__new(d->d_buf, d->d_size);
			if (!r->btf) {
				err = -errno;
				return fail(r, err ? err : -EINVAL, "section .BTF: invalid BTF (%s)", strerror(-err));
			}
		}
	}
	if (!r->symdata)
		return fail(r, -EINVAL, "no symbol table");
	r->out->btf = r->btf;
	scn = NULL;
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name = sec_name(r, scn);

		gelf_getshdr(scn, &sh);
		if (strcmp(name, ".maps") == 0)
			err = read_btf_maps(r, scn);
		else if (strcmp(name, "maps") == 0)
			err = read_legacy_maps(r, scn);
		else if (strncmp(name, "maps/", 5) == 0)
			err = read_section_map(r, scn, name);
		else if (is_data_sec(name, &sh))
			err = read_data_map(r, name, &sh);
		else
			err = 0;
		if (err)
			return err;
	}
	return read_kconfig_map(r);
}

int object_maps__read_mem(const void *buf, size_t size, const char *name,
			  struct object_maps **out, struct mapsize_error *err)
{
	struct reader r = { .file = name ? name : "<memory>", .err = err };
	int ret;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&r, -EINVAL, "libelf: %s", elf_errmsg(-1));
	r.out = calloc(1, sizeof(*r.out));
	if (!r.out)
		return fail(&r, -ENOMEM, "out of memory");
	r.elf = elf_memory((char *)buf, size);
	if (!r.elf) {
		free(r.out);
		return fail(&r, -ENOEXEC, "not an ELF file: %s", elf_errmsg(-1));
	}
	ret = read_elf(&r);
	elf_end(r.elf);
	if (!r.out->btf)
		btf__free(r.btf);
	if (ret) {
		object_maps__free(r.out);
		return ret;
	}
	*out = r.out;
	return 0;
}

int object_maps__read_file(const char *path, struct object_maps **out, struct mapsize_error *err)
{
	struct reader r = { .file = path, .err = err };
	struct stat st;
	char *buf;
	ssize_t got = 0;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return fail(&r, ret, "cannot open: %s", strerror(-ret));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(&r, -EINVAL, "not a regular file");
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return fail(&r, -ENOMEM, "out of memory");
	}
	while (got < st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return fail(&r, ret, "cannot read: %s", strerror(-ret));
		}
		got += n;
	}
	close(fd);
	ret = object_maps__read_mem(buf, st.st_size, path, out, err);
	free(buf);
	return ret;
}
