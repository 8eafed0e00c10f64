// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* EM_BPF images inside a host ELF.  The host's allocated, non-executable
 * sections are scanned for "\x7fELF" headers with e_machine EM_BPF; an
 * image ends at its section header table or its last section, whichever is
 * later (clang and bpftool put the table last). */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object_embedded.h"
#include "object_maps.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static int fail(struct mapsize_error *err, const char *file, int code, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		snprintf(err->file, sizeof(err->file), "%s", file);
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return code;
}

/* Size of the EM_BPF ELF64 image at P (at most LEN bytes), 0 when P is none. */
static uint64_t image_size(const unsigned char *p, uint64_t len)
{
	Elf64_Ehdr eh;
	uint64_t end;

	if (len < sizeof(eh))
		return 0;
	memcpy(&eh, p, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_BPF ||
	    eh.e_ehsize != sizeof(Elf64_Ehdr) || eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum ||
	    eh.e_shoff < sizeof(eh) || eh.e_shoff > len ||
	    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff)
		return 0;
	end = eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr);
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, p + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return 0;
		if (sh.sh_offset + sh.sh_size > end)
			end = sh.sh_offset + sh.sh_size;
	}
	return end;
}

/* The stem of the image's source file ("execsnoop" for execsnoop.bpf.c),
 * from its STT_FILE symbol; false when it has none. */
static bool image_stem(const unsigned char *p, uint64_t size, char *stem, size_t stem_sz)
{
	Elf64_Ehdr eh;

	memcpy(&eh, p, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, str;

		memcpy(&sh, p + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum ||
		    sh.sh_entsize != sizeof(Elf64_Sym))
			continue;
		memcpy(&str, p + eh.e_shoff + (uint64_t)sh.sh_link * sizeof(str), sizeof(str));
		/* image_size() bounded every section with bytes in the file */
		if (str.sh_type == SHT_NOBITS || str.sh_type == SHT_NULL)
			continue;
		for (uint64_t j = 0; j < sh.sh_size / sizeof(Elf64_Sym); j++) {
			Elf64_Sym sym;
			const char *n, *dot;

			memcpy(&sym, p + sh.sh_offset + j * sizeof(sym), sizeof(sym));
			if (ELF64_ST_TYPE(sym.st_info) != STT_FILE || sym.st_name >= str.sh_size)
				continue;
			n = (const char *)p + str.sh_offset + sym.st_name;
			if (!memchr(n, 0, str.sh_size - sym.st_name))
				continue;
			dot = strchr(n, '.');
			if (!dot || dot == n || (size_t)(dot - n) >= stem_sz)
				continue;
			memcpy(stem, n, dot - n);
			stem[dot - n] = 0;
			return true;
		}
	}
	(void)size;
	return false;
}

struct region {
	uint64_t off, len;
};

/* How many NUL-terminated strings in the regions equal S (exactly). */
static unsigned int count_string(const unsigned char *buf, const struct region *rg, size_t nr_rg,
				 const char *s)
{
	size_t n = strlen(s) + 1;
	unsigned int count = 0;

	for (size_t i = 0; i < nr_rg; i++) {
		const unsigned char *start = buf + rg[i].off, *end = start + rg[i].len, *q = start;

		while (q < end) {
			const unsigned char *hit = memmem(q, end - q, s, n);

			if (!hit)
				break;
			if (hit == start || hit[-1] == 0)
				count++;
			q = hit + 1;
		}
	}
	return count;
}

/* The one distinct NUL-delimited string [A-Za-z][A-Za-z0-9_]*_bpf in the
 * regions (bpftool's default skeleton name for NAME.bpf.o). */
static bool sole_skeleton_name(const unsigned char *buf, const struct region *rg, size_t nr_rg,
			       char *name, size_t name_sz)
{
	bool found = false;

	for (size_t i = 0; i < nr_rg; i++) {
		const unsigned char *start = buf + rg[i].off, *end = start + rg[i].len, *q = start;

		while (q < end) {
			const unsigned char *hit = memmem(q, end - q, "_bpf", 5), *b;
			size_t len;

			if (!hit)
				break;
			q = hit + 1;
			for (b = hit; b > start && (isalnum(b[-1]) || b[-1] == '_'); b--)
				;
			if ((b > start && b[-1] != 0) || b == hit || !isalpha(*b))
				continue;
			len = (size_t)(hit - b) + 4;
			if (len >= name_sz)
				continue;
			if (found && (strlen(name) != len || memcmp(name, b, len)))
				return false;
			memcpy(name, b, len);
			name[len] = 0;
			found = true;
		}
	}
	return found;
}

static int add(struct object_embedded **out, size_t *nr, uint64_t off, uint64_t size)
{
	struct object_embedded *v = realloc(*out, (*nr + 1) * sizeof(**out));

	if (!v)
		return -ENOMEM;
	*out = v;
	memset(&v[*nr], 0, sizeof(v[*nr]));
	v[*nr].offset = off;
	v[*nr].size = size;
	snprintf(v[*nr].name, sizeof(v[*nr].name), "obj%zu", *nr);
	(*nr)++;
	return 0;
}

/* A skeleton is named after its object ("execsnoop_bpf" for execsnoop.bpf.o)
 * and keeps that name as a string (s->name).  An image gets it when exactly
 * one image has that source stem and the host holds the string exactly once;
 * several variants of one source (bpftune's _legacy, _nobtf) cannot be told
 * apart, so they keep objN. */
static void name_images(const unsigned char *buf, const struct region *rg, size_t nr_rg,
			struct object_embedded *v, size_t nr, const char *host)
{
	char (*stems)[96] = calloc(nr ? nr : 1, sizeof(*stems));

	if (!stems)
		return;
	for (size_t i = 0; i < nr; i++)
		if (!image_stem(buf + v[i].offset, v[i].size, stems[i], sizeof(stems[i])))
			stems[i][0] = 0;
	for (size_t i = 0; i < nr; i++) {
		char want[128];
		unsigned int same = 0;

		if (!stems[i][0])
			continue;
		for (size_t j = 0; j < nr; j++)
			same += strcmp(stems[i], stems[j]) == 0;
		snprintf(want, sizeof(want), "%s_bpf", stems[i]);
		if (same == 1 && count_string(buf, rg, nr_rg, want) == 1)
			snprintf(v[i].name, sizeof(v[i].name), "%s", want);
	}
	free(stems);
	/* Stripped objects have no STT_FILE symbol: a host with one image and
	 * one skeleton-like name ("NAME_bpf") pairs them; with several such
	 * names, the one after the host itself (execsnoop embeds
	 * execsnoop_bpf) when the host holds it once. */
	if (nr == 1 && strncmp(v[0].name, "obj", 3) == 0) {
		const char *base = host ? strrchr(host, '/') : NULL;
		char only[128];

		base = base ? base + 1 : host;
		if (sole_skeleton_name(buf, rg, nr_rg, only, sizeof(only)))
			snprintf(v[0].name, sizeof(v[0].name), "%s", only);
		else if (base && *base && snprintf(only, sizeof(only), "%s_bpf", base) < (int)sizeof(only) &&
			 count_string(buf, rg, nr_rg, only) == 1)
			snprintf(v[0].name, sizeof(v[0].name), "%s", only);
	}
}

int object_embedded__list_mem(const void *data, size_t size, const char *name,
			      struct object_embedded **out, size_t *nr, struct mapsize_error *err)
{
	const unsigned char *buf = data;
	const char *file = name ? name : "<memory>";
	struct region *rg = NULL;
	size_t nr_rg = 0;
	Elf64_Ehdr eh;
	int ret = 0;

	*out = NULL;
	*nr = 0;
	if (err)
		memset(err, 0, sizeof(*err));
	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return fail(err, file, -ENOEXEC, "not an ELF file");
	if (size >= sizeof(eh)) {
		memcpy(&eh, buf, sizeof(eh));
		if (eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_BPF)
			return fail(err, file, -EINVAL, "a BPF object itself, not an executable or library embedding one");
	}
	/* the allocated data sections of an ELF64 host; else the whole file */
	if (size >= sizeof(eh) && eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_ident[EI_DATA] == ELFDATA2LSB &&
	    eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum && eh.e_shoff <= size &&
	    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) <= size - eh.e_shoff) {
		rg = calloc(eh.e_shnum, sizeof(*rg));
		if (!rg)
			return fail(err, file, -ENOMEM, "out of memory");
		for (unsigned int i = 0; i < eh.e_shnum; i++) {
			Elf64_Shdr sh;

			memcpy(&sh, buf + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
			if (!(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) ||
			    sh.sh_type == SHT_NOBITS || sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
				continue;
			rg[nr_rg].off = sh.sh_offset;
			rg[nr_rg++].len = sh.sh_size;
		}
	} else {
		rg = calloc(1, sizeof(*rg));
		if (!rg)
			return fail(err, file, -ENOMEM, "out of memory");
		rg[0].off = 0;
		rg[0].len = size;
		nr_rg = 1;
	}
	for (size_t i = 0; i < nr_rg && !ret; i++) {
		const unsigned char *start = buf + rg[i].off, *end = start + rg[i].len, *q = start;

		/* skip the host's own header when the whole file is scanned */
		if (rg[i].off == 0)
			q++;
		while (q < end) {
			const unsigned char *hit = memmem(q, end - q, ELFMAG, SELFMAG);
			uint64_t isz;

			if (!hit)
				break;
			isz = image_size(hit, end - hit);
			if (!isz) {
				q = hit + 1;
				continue;
			}
			if ((ret = add(out, nr, hit - buf, isz)))
				break;
			q = hit + isz;
		}
	}
	if (!ret)
		name_images(buf, rg, nr_rg, *out, *nr, name);
	free(rg);
	if (ret) {
		free(*out);
		*out = NULL;
		*nr = 0;
		return fail(err, file, ret, "out of memory");
	}
	return 0;
}

int object_embedded__list_file(const char *path, struct object_embedded **out, size_t *nr,
			       struct mapsize_error *err)
{
	size_t size;
	char *buf;
	int ret;

	*out = NULL;
	*nr = 0;
	ret = object_maps__slurp(path, &buf, &size, err);
	if (ret)
		return ret;
	ret = object_embedded__list_mem(buf, size, path, out, nr, err);
	free(buf);
	return ret;
}
