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

#include "object_maps_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* struct bpf_map_def of libbpf < 1.0 and of gobpf (which adds pinning and a
 * namespace after these five). */
struct legacy_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

int object_maps__fail(struct object_maps_reader *r, int code, const char *fmt, ...)
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

struct object_maps_def *object_maps__def_add(struct object_maps_reader *r, const char *name, const char *section,
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

static const char *sec_name(struct object_maps_reader *r, Elf_Scn *scn)
{
	GElf_Shdr sh;
	const char *name;

	if (!gelf_getshdr(scn, &sh))
		return NULL;
	name = elf_strptr(r->elf, r->shstrndx, sh.sh_name);
	return name ? name : NULL;
}

const char *object_maps__sym_name(struct object_maps_reader *r, const GElf_Sym *sym)
{
	return elf_strptr(r->elf, r->strtab_idx, sym->st_name);
}

/* The symbol named NAME defined in section SHNDX (libbpf takes a .maps var's
 * offset from it: clang leaves DATASEC offsets to the linker). */
const GElf_Sym *object_maps__find_sym(struct object_maps_reader *r, size_t shndx, const char *name, GElf_Sym *out)
{
	for (size_t i = 0; i < r->nr_syms; i++) {
		const char *n;

		if (!gelf_getsym(r->symdata, i, out) || out->st_shndx != shndx)
			continue;
		n = object_maps__sym_name(r, out);
		if (n && strcmp(n, name) == 0)
			return out;
	}
	return NULL;
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
static int read_legacy_maps(struct object_maps_reader *r, Elf_Scn *scn)
{
	size_t shndx = elf_ndxscn(scn), nr = 0, def_sz;
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Sym sym;

	if (!data || !data->d_size)
		return object_maps__fail(r, -EINVAL, "section maps: empty");
	for (size_t i = 0; i < r->nr_syms; i++)
		if (gelf_getsym(r->symdata, i, &sym) && sym.st_shndx == shndx &&
		    GELF_ST_TYPE(sym.st_info) != STT_SECTION)
			nr++;
	if (!nr || data->d_size % nr)
		return object_maps__fail(r, -EINVAL, "section maps: %zu bytes for %zu symbols: cannot tell the definition size",
			    (size_t)data->d_size, nr);
	def_sz = data->d_size / nr;
	for (size_t i = 0; i < r->nr_syms; i++) {
		const unsigned char *p;
		const char *name;
		struct object_maps_def *d;

		if (!gelf_getsym(r->symdata, i, &sym) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		name = object_maps__sym_name(r, &sym);
		if (!name || !*name)
			return object_maps__fail(r, -EINVAL, "section maps: definition at %#llx has no name",
				    (unsigned long long)sym.st_value);
		if (sym.st_value + def_sz > data->d_size)
			return object_maps__fail(r, -EINVAL, "section maps: map '%s': definition past the section end", name);
		p = (const unsigned char *)data->d_buf + sym.st_value;
		for (size_t b = sizeof(struct legacy_map_def); b < def_sz; b++)
			if (p[b])
				return object_maps__fail(r, -ENOTSUP,
					    "section maps: map '%s': unknown non-zero field at byte %zu of a %zu-byte definition",
					    name, b, def_sz);
		if (!(d = object_maps__def_add(r, name, "maps", OBJECT_MAPS_LEGACY)))
			return object_maps__fail(r, -ENOMEM, "out of memory");
		legacy_fill(d, p, def_sz);
	}
	return 0;
}

/* gobpf: `maps/NAME` holds one definition (bpf_map_def + pinning + namespace);
 * the map is called NAME, whatever its symbol is called. */
static int read_section_map(struct object_maps_reader *r, Elf_Scn *scn, const char *secname)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const char *name = secname + strlen("maps/");
	struct object_maps_def *d;

	if (!*name)
		return object_maps__fail(r, -EINVAL, "section %s: no map name after 'maps/'", secname);
	if (!data || data->d_size < sizeof(struct legacy_map_def))
		return object_maps__fail(r, -EINVAL, "section %s: map '%s': %zu bytes, a definition has at least %zu",
			    secname, name, data ? (size_t)data->d_size : 0, sizeof(struct legacy_map_def));
	if (!(d = object_maps__def_add(r, name, secname, OBJECT_MAPS_SECTION)))
		return object_maps__fail(r, -ENOMEM, "out of memory");
	legacy_fill(d, data->d_buf, data->d_size);
	if (data->d_size >= sizeof(struct legacy_map_def) + 4)
		memcpy(&d->pinning, (const char *)data->d_buf + sizeof(struct legacy_map_def), 4);
	return 0;
}

/* libbpf's internal maps: one single-element array per global data section. */
static int read_data_map(struct object_maps_reader *r, const char *secname, const GElf_Shdr *sh)
{
	struct object_maps_def *d;
	int id;

	if (!sh->sh_size)
		return 0;
	if (!(d = object_maps__def_add(r, secname, secname, OBJECT_MAPS_DATA)))
		return object_maps__fail(r, -ENOMEM, "out of memory");
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
static int read_kconfig_map(struct object_maps_reader *r)
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
		return object_maps__fail(r, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		const struct btf_type *v = btf__type_by_id(r->btf, vs[i].type);

		vars[i].name = v ? btf__name_by_offset(r->btf, v->name_off) : NULL;
		if (!v || !btf_is_var(v) || !vars[i].name) {
			free(vars);
			return object_maps__fail(r, -EINVAL, "section .kconfig: entry #%u is not a VAR", i);
		}
		vars[i].size = btf__resolve_size(r->btf, v->type);
		vars[i].align = btf__align_of(r->btf, v->type);
		if (vars[i].size <= 0 || vars[i].align <= 0) {
			const char *name = vars[i].name;	/* BTF's string, not vars' */

			free(vars);
			return object_maps__fail(r, -EINVAL, "section .kconfig: extern '%s': cannot size its type", name);
		}
	}
	qsort(vars, n, sizeof(*vars), kcfg_cmp);
	for (unsigned int i = 0; i < n; i++)
		off = (off + vars[i].align - 1) / vars[i].align * vars[i].align + vars[i].size;
	free(vars);
	if (!(d = object_maps__def_add(r, ".kconfig", ".kconfig", OBJECT_MAPS_DATA)))
		return object_maps__fail(r, -ENOMEM, "out of memory");
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

static int read_elf(struct object_maps_reader *r)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	int err;

	if (elf_kind(r->elf) != ELF_K_ELF || !gelf_getehdr(r->elf, &eh))
		return object_maps__fail(r, -ENOEXEC, "not an ELF file");
	if (eh.e_machine != EM_BPF)
		return object_maps__fail(r, -ENOEXEC, "not a BPF object (e_machine %u, expected %u)", eh.e_machine, EM_BPF);
	if (eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return object_maps__fail(r, -ENOTSUP, "BPF object of the other byte order");
	if (elf_getshdrstrndx(r->elf, &r->shstrndx))
		return object_maps__fail(r, -EINVAL, "no section name table");
	/* the symbol table and the .BTF first: every map section needs them */
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name = sec_name(r, scn);

		if (!name || !gelf_getshdr(scn, &sh))
			return object_maps__fail(r, -EINVAL, "section #%zu: bad header", elf_ndxscn(scn));
		if (sh.sh_type == SHT_SYMTAB) {
			r->symtab = scn;
			r->symdata = elf_getdata(scn, NULL);
			r->nr_syms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			r->strtab_idx = sh.sh_link;
		} else if (strcmp(name, ".BTF") == 0) {
			Elf_Data *d = elf_getdata(scn, NULL);

			if (!d)
				return object_maps__fail(r, -EINVAL, "section .BTF: cannot read");
			r->btf = btf__new(d->d_buf, d->d_size);
			if (!r->btf) {
				err = -errno;
				return object_maps__fail(r, err ? err : -EINVAL, "section .BTF: invalid BTF (%s)", strerror(-err));
			}
		}
	}
	if (!r->symdata)
		return object_maps__fail(r, -EINVAL, "no symbol table");
	r->out->btf = r->btf;
	scn = NULL;
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name = sec_name(r, scn);

		gelf_getshdr(scn, &sh);
		if (strcmp(name, ".maps") == 0)
			err = object_maps__read_btf(r, scn);
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
	struct object_maps_reader r = { .file = name ? name : "<memory>", .err = err };
	int ret;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return object_maps__fail(&r, -EINVAL, "libelf: %s", elf_errmsg(-1));
	r.out = calloc(1, sizeof(*r.out));
	if (!r.out)
		return object_maps__fail(&r, -ENOMEM, "out of memory");
	r.elf = elf_memory((char *)buf, size);
	if (!r.elf) {
		free(r.out);
		return object_maps__fail(&r, -ENOEXEC, "not an ELF file: %s", elf_errmsg(-1));
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

int object_maps__slurp(const char *path, char **bufp, size_t *sizep, struct mapsize_error *err)
{
	struct object_maps_reader r = { .file = path, .err = err };
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, ret;

	*bufp = NULL;
	*sizep = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return object_maps__fail(&r, ret, "cannot open: %s", strerror(-ret));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return object_maps__fail(&r, -EINVAL, "not a regular file");
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return object_maps__fail(&r, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return object_maps__fail(&r, ret, "cannot read: %s", strerror(-ret));
		}
		got += n;
	}
	close(fd);
	*bufp = buf;
	*sizep = got;
	return 0;
}

int object_maps__read_file(const char *path, struct object_maps **out, struct mapsize_error *err)
{
	size_t size;
	char *buf;
	int ret;

	*out = NULL;
	ret = object_maps__slurp(path, &buf, &size, err);
	if (ret)
		return ret;
	ret = object_maps__read_mem(buf, size, path, out, err);
	free(buf);
	return ret;
}
