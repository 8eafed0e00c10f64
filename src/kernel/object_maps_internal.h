/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by object_maps.c (ELF, legacy sections, global data) and
 * object_maps_btf.c (the .maps DATASEC). */
#ifndef MAPSIZE_KERNEL_OBJECT_MAPS_INTERNAL_H
#define MAPSIZE_KERNEL_OBJECT_MAPS_INTERNAL_H

#include <gelf.h>
#include <libelf.h>

#include "object_maps.h"

struct object_maps_reader {
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

/* Fills r->err (file, message) and returns CODE. */
int object_maps__fail(struct object_maps_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct object_maps_def *object_maps__def_add(struct object_maps_reader *r, const char *name, const char *section,
					     enum object_maps_origin origin);
const char *object_maps__sym_name(struct object_maps_reader *r, const GElf_Sym *sym);
/* The symbol named NAME defined in section SHNDX, or NULL. */
const GElf_Sym *object_maps__find_sym(struct object_maps_reader *r, size_t shndx, const char *name, GElf_Sym *out);

/* The BTF-defined maps of the `.maps` section MAPS_SCN. */
int object_maps__read_btf(struct object_maps_reader *r, Elf_Scn *maps_scn);

#endif
