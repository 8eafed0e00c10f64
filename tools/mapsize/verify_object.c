// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize verify's object handling: open with libbpf's real reason on
 * failure; mark weak the externs only programs that will not load refer to
 * (libbpf 1.1 resolves every extern at load, even for programs whose
 * autoload is off); the bpf() privilege probe. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../src/kernel/object_source.h"
#include "libbpf_log.h"
#include "verify.h"

int verify_object__open(struct verify_object *vo, const char *path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct mapsize_error err;
	char *buf, name[128], *colon;
	size_t size;

	memset(vo, 0, sizeof(*vo));
	/* an object embedded in an executable (FILE or FILE:NAME): its image */
	if (!verify_object__embedded(path) || object_source__read_image(path, &buf, &size, &err)) {
		vo->obj = bpf_object__open_file(path, NULL);
		return vo->obj ? 0 : libbpf_log__open_error(path, -errno);
	}
	colon = strrchr(path, ':');
	/* the name object_source__libbpf_name() gives its global data too */
	snprintf(name, sizeof(name), "%s", colon && access(path, F_OK) ? colon + 1 :
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	opts.object_name = name;
	vo->obj = bpf_object__open_mem(buf, size, &opts);
	if (!vo->obj) {
		free(buf);
		return libbpf_log__open_error(path, -errno);
	}
	vo->image = buf;
	return 0;
}

bool verify_object__embedded(const char *path)
{
	unsigned char h[20] = { 0 };
	FILE *f = fopen(path, "rb");
	bool plain;

	if (!f)
		return strchr(path, ':') != NULL;	/* HOST:NAME */
	plain = fread(h, 1, sizeof(h), f) == sizeof(h);
	fclose(f);
	/* an ELF that is not EM_BPF (247) */
	return plain && !memcmp(h, "\177ELF", 4) && !(h[18] == 247 && h[19] == 0);
}

void verify_object__close(struct verify_object *vo)
{
	bpf_object__close(vo->obj);
	vo->obj = NULL;
	free(vo->image);
	vo->image = NULL;
	for (size_t i = 0; i < vo->weak_cnt; i++)
		free(vo->weak[i]);
	free(vo->weak);
	for (size_t i = 0; i < vo->unslotted_cnt; i++)
		free(vo->unslotted[i]);
	free(vo->unslotted);
	for (size_t i = 0; i < vo->pinned_cnt; i++)
		free(vo->pinned[i]);
	free(vo->pinned);
	memset(vo, 0, sizeof(*vo));
}

static int add_name(char ***v, size_t *cnt, const char *name);

int verify_object__unpin(struct verify_object *vo)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, vo->obj) {
		if (!bpf_map__pin_path(map))
			continue;
		if (add_name(&vo->pinned, &vo->pinned_cnt, bpf_map__name(map)) ||
		    bpf_map__set_pin_path(map, NULL)) {
			fprintf(stderr, "error: out of memory\n");
			return 1;
		}
	}
	return 0;
}

static int read_all(const char *path, char **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -errno;
	do {
		if (len == cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!b) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* The object's bytes: the file, or the image an executable embeds. */
static int read_image(const char *path, char **bufp, size_t *lenp)
{
	struct mapsize_error err;

	if (!verify_object__embedded(path))
		return read_all(path, bufp, lenp);
	return object_source__read_image(path, bufp, lenp, &err);
}

static bool named(const char *name, const char *const *names, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* The function of section `shndx` holding instruction offset `off`. */
static const char *function_at(Elf *e, Elf_Data *syms, size_t nsyms, size_t strtab, size_t shndx,
			       GElf_Addr off)
{
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym s;

		if (gelf_getsym(syms, (int)i, &s) && GELF_ST_TYPE(s.st_info) == STT_FUNC &&
		    s.st_shndx == shndx && off >= s.st_value && off < s.st_value + s.st_size)
			return elf_strptr(e, strtab, s.st_name);
	}
	return NULL;
}

/* Every relocation of the object's code and data: cb(ctx, symbol index,
 * the function it is in or NULL, whether it is in code). */
static void walk_relocs(Elf *e, Elf_Data *syms, size_t nsyms, size_t strtab,
			void (*cb)(void *ctx, size_t sym, const char *fn, bool exec), void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh, tsh;
		Elf_Data *d;
		Elf_Scn *target;
		bool exec;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || !(d = elf_getdata(scn, NULL)))
			continue;
		/* .BTF, .BTF.ext, .debug_*: descriptions, not uses */
		target = elf_getscn(e, sh.sh_info);
		if (!target || !gelf_getshdr(target, &tsh) || !(tsh.sh_flags & SHF_ALLOC))
			continue;
		exec = tsh.sh_flags & SHF_EXECINSTR;
		for (size_t j = 0; sh.sh_entsize && j < sh.sh_size / sh.sh_entsize; j++) {
			GElf_Rel r;
			size_t sym;

			if (!gelf_getrel(d, (int)j, &r) || (sym = GELF_R_SYM(r.r_info)) >= nsyms)
				continue;
			cb(ctx, sym, exec ? function_at(e, syms, nsyms, strtab, sh.sh_info, r.r_offset) : NULL, exec);
		}
	}
}

struct used_ctx {
	bool *used;
	const char *const *skipped;
	size_t skipped_cnt;
	bool all;
};

/* A symbol is needed when data or a loading function refers to it. */
static void mark_used(void *ctx, size_t sym, const char *fn, bool exec)
{
	struct used_ctx *u = ctx;

	if (!exec || (!u->all && (!fn || !named(fn, u->skipped, u->skipped_cnt))))
		u->used[sym] = true;
}

/* The object's symbol table; false when it has none we can read. */
static bool symtab(Elf *e, Elf_Data **syms, GElf_Shdr *sh, size_t *nsyms)
{
	Elf_Scn *scn = NULL;

	if (gelf_getclass(e) != ELFCLASS64)
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		if (gelf_getshdr(scn, sh) && sh->sh_type == SHT_SYMTAB) {
			*syms = elf_getdata(scn, NULL);
			*nsyms = sh->sh_entsize == sizeof(Elf64_Sym) ? sh->sh_size / sh->sh_entsize : 0;
			return *syms && *nsyms;
		}
	}
	return false;
}

struct users_ctx {
	size_t sym;
	char *buf;
	size_t size;
};

static void add_user(void *ctx, size_t sym, const char *fn, bool exec)
{
	struct users_ctx *u = ctx;
	size_t l = strlen(u->buf), fl;
	const char *p;

	if (sym != u->sym || !fn)
		return;
	fl = strlen(fn);
	for (p = u->buf; (p = strstr(p, fn)); p += fl)	/* once each */
		if ((p == u->buf || p[-1] == ' ') && (p[fl] == ',' || !p[fl]))
			return;
	snprintf(u->buf + l, u->size - l, "%s%s", l ? ", " : "", fn);
}

int verify_object__extern_users(const char *path, const char *name, char *buf, size_t size)
{
	char *img = NULL;
	size_t len = 0, nsyms = 0;
	Elf *e = NULL;
	Elf_Data *syms = NULL;
	GElf_Shdr sh;
	int ret = -ENOENT;

	buf[0] = '\0';
	if (read_image(path, &img, &len))
		return -ENOENT;
	if (elf_version(EV_CURRENT) != EV_NONE && (e = elf_memory(img, len)) && symtab(e, &syms, &sh, &nsyms)) {
		for (size_t i = 1; i < nsyms; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(syms, (int)i, &s) && s.st_shndx == SHN_UNDEF &&
			    (n = elf_strptr(e, sh.sh_link, s.st_name)) && !strcmp(n, name)) {
				struct users_ctx u = { .sym = i, .buf = buf, .size = size };

				walk_relocs(e, syms, nsyms, sh.sh_link, add_user, &u);
				ret = buf[0] ? 0 : -ENOENT;
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	free(img);
	return ret;
}

static int add_name(char ***v, size_t *cnt, const char *name)
{
	char **w;

	for (size_t i = 0; i < *cnt; i++)
		if (!strcmp((*v)[i], name))
			return 0;
	w = realloc(*v, (*cnt + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	*v = w;
	if (!(w[*cnt] = strdup(name)))
		return -ENOMEM;
	(*cnt)++;
	return 0;
}

/* The patches to the object's bytes, found while libelf reads them and
 * applied after: symbols to make weak, .maps relocations to drop. */
struct patches {
	size_t *weak_syms, weak_cnt;
	size_t rel_scn;			/* .rel.maps: section index, 0 when none */
	GElf_Off rel_off;
	size_t rel_cnt;
	bool *rel_drop;
};

/* .rel.maps entries that put a program in a prog_array slot: libbpf fills
 * the slot after load, and fails (EBADF) for a program it did not load. */
static int find_slot_relocs(Elf *e, Elf_Data *syms, size_t nsyms, size_t strtab, struct verify_object *vo,
			    const char *const *skipped, size_t skipped_cnt, bool all, struct patches *pt)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh, tsh;
		Elf_Scn *target;
		Elf_Data *d;
		const char *tname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_entsize != sizeof(Elf64_Rel) ||
		    !(target = elf_getscn(e, sh.sh_info)) || !gelf_getshdr(target, &tsh) ||
		    !(tname = elf_strptr(e, shstrndx, tsh.sh_name)) || strcmp(tname, ".maps") ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		pt->rel_scn = elf_ndxscn(scn);
		pt->rel_off = sh.sh_offset;
		pt->rel_cnt = sh.sh_size / sh.sh_entsize;
		pt->rel_drop = calloc(pt->rel_cnt ? pt->rel_cnt : 1, sizeof(*pt->rel_drop));
		if (!pt->rel_drop)
			return -ENOMEM;
		for (size_t j = 0; j < pt->rel_cnt; j++) {
			GElf_Rel r;
			GElf_Sym sym;
			const char *name;

			if (!gelf_getrel(d, (int)j, &r) || GELF_R_SYM(r.r_info) >= nsyms ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !(name = elf_strptr(e, strtab, sym.st_name)) || !(all || named(name, skipped, skipped_cnt)))
				continue;
			pt->rel_drop[j] = true;
			if (add_name(&vo->unslotted, &vo->unslotted_cnt, name))
				return -ENOMEM;
		}
		break;
	}
	return 0;
}

static void apply_patches(char *buf, const struct patches *pt, GElf_Off symoff, GElf_Off shoff, size_t shentsize)
{
	size_t k = 0;

	/* st_info is one byte: no byte order to mind */
	for (size_t i = 0; i < pt->weak_cnt; i++) {
		char *info = buf + symoff + pt->weak_syms[i] * sizeof(Elf64_Sym) + offsetof(Elf64_Sym, st_info);

		*info = (char)GELF_ST_INFO(STB_WEAK, GELF_ST_TYPE((unsigned char)*info));
	}
	if (!pt->rel_scn)
		return;
	for (size_t j = 0; j < pt->rel_cnt; j++) {
		if (pt->rel_drop[j])
			continue;
		memmove(buf + pt->rel_off + k * sizeof(Elf64_Rel), buf + pt->rel_off + j * sizeof(Elf64_Rel),
			sizeof(Elf64_Rel));
		k++;
	}
	/* the object is in this machine's byte order (libbpf loads no other) */
	{
		Elf64_Xword size = k * sizeof(Elf64_Rel);

		memcpy(buf + shoff + pt->rel_scn * shentsize + offsetof(Elf64_Shdr, sh_size), &size, sizeof(size));
	}
}

int verify_object__partial(struct verify_object *vo, const char *path,
			   const char *const *skipped, size_t skipped_cnt, bool all)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = path);
	char *buf = NULL;
	size_t len = 0, nsyms = 0, strtab = 0;
	Elf *e = NULL;
	Elf_Data *syms = NULL;
	GElf_Shdr symsh;
	GElf_Ehdr eh;
	bool *used = NULL;
	struct used_ctx uc = { .skipped = skipped, .skipped_cnt = skipped_cnt, .all = all };
	struct patches pt = { 0 };
	struct bpf_object *obj;
	int ret;

	ret = read_image(path, &buf, &len);
	if (ret) {
		fprintf(stderr, "%s: error: cannot read BPF object: %s\n", path, strerror(-ret));
		return 1;
	}
	if (elf_version(EV_CURRENT) == EV_NONE || !(e = elf_memory(buf, len)) || !gelf_getehdr(e, &eh) ||
	    eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !symtab(e, &syms, &symsh, &nsyms))
		goto done;
	strtab = symsh.sh_link;
	used = calloc(nsyms, sizeof(*used));
	pt.weak_syms = calloc(nsyms, sizeof(*pt.weak_syms));
	if (!used || !pt.weak_syms)
		goto nomem;
	uc.used = used;
	walk_relocs(e, syms, nsyms, strtab, mark_used, &uc);
	for (size_t i = 1; i < nsyms; i++) {
		GElf_Sym s;
		const char *name;

		if (!gelf_getsym(syms, (int)i, &s) || s.st_shndx != SHN_UNDEF ||
		    GELF_ST_BIND(s.st_info) != STB_GLOBAL || used[i])
			continue;
		name = elf_strptr(e, strtab, s.st_name);
		if (!name || !name[0])
			continue;
		if (add_name(&vo->weak, &vo->weak_cnt, name))
			goto nomem;
		pt.weak_syms[pt.weak_cnt++] = i;
	}
	if (find_slot_relocs(e, syms, nsyms, strtab, vo, skipped, skipped_cnt, all, &pt))
		goto nomem;
	elf_end(e);
	e = NULL;
	if (!pt.weak_cnt && !vo->unslotted_cnt)
		goto done;
	apply_patches(buf, &pt, symsh.sh_offset, eh.e_shoff, eh.e_shentsize);
	obj = bpf_object__open_mem(buf, len, &opts);
	if (!obj) {
		ret = libbpf_log__open_error(path, -errno);
		goto out;
	}
	bpf_object__close(vo->obj);
	free(vo->image);
	vo->obj = obj;
	vo->image = buf;
	buf = NULL;
	goto done;
nomem:
	fprintf(stderr, "error: out of memory\n");
	ret = 1;
	goto out;
done:
	ret = 0;
out:
	if (e)
		elf_end(e);
	free(used);
	free(pt.weak_syms);
	free(pt.rel_drop);
	free(buf);
	return ret;
}

/* ---- privilege ------------------------------------------------------------------ */

int bpf_probe_privilege(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsize_probe", 4, 4, 1, NULL);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
