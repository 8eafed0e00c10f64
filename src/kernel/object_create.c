// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Maps created from an object's definitions (object_create.h). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "object_create.h"

/* The ELF section SEC's size and the value of its symbol NAME. */
static bool elf_lookup(Elf *e, const char *sec, const char *name, uint64_t *size, uint64_t *value)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL, *symscn = NULL;
	size_t secidx = 0;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			symscn = scn;
		n = elf_strptr(e, shstrndx, sh.sh_name);
		if (n && !strcmp(n, sec) && !secidx) {
			secidx = elf_ndxscn(scn);
			*size = sh.sh_size;
		}
	}
	if (!secidx)
		return false;
	if (!name)
		return true;
	if (symscn && gelf_getshdr(symscn, &sh) && sh.sh_entsize) {
		Elf_Data *d = elf_getdata(symscn, NULL);

		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, (int)i, &s) && s.st_shndx == secidx &&
			    (n = elf_strptr(e, sh.sh_link, s.st_name)) && !strcmp(n, name)) {
				*value = s.st_value;
				return true;
			}
		}
	}
	return false;
}

int object_create__btf(const struct object_maps *om, const void *buf, size_t size)
{
	const void *raw;
	struct btf *copy;
	Elf *e;
	__u32 rsz = 0;
	int fd;

	if (!om->btf)
		return -ENOENT;
	raw = btf__raw_data(om->btf, &rsz);
	copy = raw ? btf__new(raw, rsz) : NULL;
	if (!copy || libbpf_get_error(copy))
		return -ENOMEM;
	elf_version(EV_CURRENT);
	e = elf_memory((char *)buf, size);
	for (__u32 id = 1; e && id < btf__type_cnt(copy); id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(copy, id);
		struct btf_var_secinfo *vs;
		const char *sec;
		uint64_t ssz = 0, off;

		if (!btf_is_datasec(t))
			continue;
		sec = btf__name_by_offset(copy, t->name_off);
		if (!sec || !elf_lookup(e, sec, NULL, &ssz, &off))
			continue;	/* .kconfig, .ksyms: the kernel judges */
		if (!t->size)
			t->size = (uint32_t)ssz;
		vs = btf_var_secinfos(t);
		for (unsigned int i = 0; i < btf_vlen(t); i++) {
			const struct btf_type *v = btf__type_by_id(copy, vs[i].type);
			const char *vn = v ? btf__name_by_offset(copy, v->name_off) : NULL;

			if (vn && elf_lookup(e, sec, vn, &ssz, &off))
				vs[i].offset = (uint32_t)off;
		}
	}
	if (e)
		elf_end(e);
	fd = btf__load_into_kernel(copy);
	if (!fd)
		fd = fcntl(btf__fd(copy), F_DUPFD_CLOEXEC, 3);
	if (fd < 0 && fd != -errno)
		fd = -errno;
	btf__free(copy);
	return fd;
}

int object_create__map(const struct object_maps *om, size_t idx, uint32_t max_entries, uint32_t map_flags,
		       uint64_t map_extra, uint32_t rule_value_size, int inner_fd, int btf_fd, uint32_t possible_cpus)
{
	const struct object_maps_def *d = &om->defs[idx];
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = map_flags, .map_extra = map_extra,
		    .numa_node = d->numa_node);
	uint32_t key_size = d->key_size, value_size = d->value_size ? d->value_size : rule_value_size;
	char kname[16];
	int fd;

	/* the kernel's name: 15 characters of [A-Za-z0-9_.] (a global-data
	 * map's libbpf name is longer than its section's, no matter here) */
	snprintf(kname, sizeof(kname), "%s", d->name[0] == '.' ? d->name + 1 : d->name);
	for (char *p = kname; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.'))
			*p = '_';
	if (d->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		if (!max_entries)
			max_entries = possible_cpus;
		key_size = key_size ? key_size : 4;
		value_size = value_size ? value_size : 4;
	}
	if (inner_fd >= 0)
		opts.inner_map_fd = inner_fd;
	if (btf_fd >= 0 && (d->key_type_id || d->value_type_id) && bpf_map_type_takes_btf(d->type)) {
		opts.btf_fd = btf_fd;
		opts.btf_key_type_id = d->key_type_id;
		opts.btf_value_type_id = d->value_type_id;
		fd = bpf_map_create(d->type, kname, key_size, value_size, max_entries, &opts);
		if (fd >= 0 || fd == -EPERM)
			return fd;
		opts.btf_fd = opts.btf_key_type_id = opts.btf_value_type_id = 0;
	}
	fd = bpf_map_create(d->type, kname, key_size, value_size, max_entries, &opts);
	return fd;
}
