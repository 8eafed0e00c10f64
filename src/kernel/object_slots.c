// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Which maps the statically initialised slots of a map-in-map name
 * (`.values = { [0] = &inner_a }`): the ELF relocations of the `.maps`
 * section that fall inside the outer map's definition, read with libelf as
 * libbpf's bpf_object__collect_map_relos() reads them.  libbpf keeps this
 * to itself, so apply reads it from the object's ELF bytes when the caller
 * gives them. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object_slots.h"

static int add_name(struct object_slots *s, const char *name)
{
	char **v;

	for (size_t i = 0; i < s->cnt; i++)
		if (!strcmp(s->names[i], name))
			return 0;
	v = realloc(s->names, (s->cnt + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->names = v;
	s->names[s->cnt] = strdup(name);
	return s->names[s->cnt++] ? 0 : -ENOMEM;
}

static int read_relos(Elf *elf, const char *outer, struct object_slots *s)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *relos = NULL;
	GElf_Shdr sh, symsh, relsh;
	Elf_Data *syms, *rels;
	size_t shstrndx, maps_idx = 0, nsyms;
	GElf_Sym outer_sym = { 0 };
	bool have_outer = false;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -ENOEXEC;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (name && !strcmp(name, ".maps"))
			maps_idx = elf_ndxscn(scn);
	}
	if (!symtab || !maps_idx)
		return 0;
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_REL && sh.sh_info == maps_idx)
			relos = scn;
	if (!relos)
		return 0;
	if (!gelf_getshdr(symtab, &symsh) || !(syms = elf_getdata(symtab, NULL)) || !symsh.sh_entsize ||
	    !gelf_getshdr(relos, &relsh) || !(rels = elf_getdata(relos, NULL)) || !relsh.sh_entsize)
		return -ENOEXEC;
	nsyms = symsh.sh_size / symsh.sh_entsize;
	for (size_t i = 0; i < nsyms && !have_outer; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx != maps_idx)
			continue;
		name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		if (name && !strcmp(name, outer)) {
			outer_sym = sym;
			have_outer = true;
		}
	}
	if (!have_outer)
		return 0;
	for (size_t i = 0; i < relsh.sh_size / relsh.sh_entsize; i++) {
		GElf_Rel rel;
		GElf_Sym sym;
		const char *name;
		int ret;

		if (!gelf_getrel(rels, (int)i, &rel))
			return -ENOEXEC;
		if (rel.r_offset < outer_sym.st_value || rel.r_offset >= outer_sym.st_value + outer_sym.st_size)
			continue;
		if (!gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym))
			return -ENOEXEC;
		name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		if (!name)
			return -ENOEXEC;
		s->slot_cnt++;
		ret = add_name(s, name);
		if (ret)
			return ret;
	}
	return 0;
}

int object_slots__read(const void *buf, size_t size, const char *path, const char *outer,
		       struct object_slots *s)
{
	Elf *elf;
	int fd = -1, ret;

	memset(s, 0, sizeof(*s));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	if (buf) {
		elf = elf_memory((char *)buf, size);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	}
	ret = elf ? read_relos(elf, outer, s) : -ENOEXEC;
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (ret)
		object_slots__free(s);
	return ret;
}

bool object_slots__names(const struct object_slots *s, const char *map)
{
	for (size_t i = 0; i < s->cnt; i++)
		if (!strcmp(s->names[i], map))
			return true;
	return false;
}

void object_slots__free(struct object_slots *s)
{
	for (size_t i = 0; i < s->cnt; i++)
		free(s->names[i]);
	free(s->names);
	memset(s, 0, sizeof(*s));
}
