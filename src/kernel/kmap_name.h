/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* From a kernel map (id, 15-byte name, BTF, pin path) to its full name:
 * the one resolver behind status names, --name, Prometheus labels and the
 * overflow counters' attribution. */
#ifndef MAPSIZE_KMAP_NAME_H
#define MAPSIZE_KMAP_NAME_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

enum kmap_name_source {
	KMAP_NAME_KERNEL = 0,	/* the kernel's name is whole (under 15 characters) */
	KMAP_NAME_BTF,		/* the one .maps variable (or its .inner) of its BTF that fits */
	KMAP_NAME_PIN,		/* the last component of its pin path */
	KMAP_NAME_TRUNCATED,	/* nothing says more than the 15 bytes */
	KMAP_NAME_AMBIGUOUS,	/* two candidates share the 15 bytes, nothing tells them apart */
};

/* The full name of the map described by `info` into buf (the kernel's name
 * when nothing says more).  prog_btf_id: the BTF of a program using the map,
 * read when the map has none (0: none); pin_path may be NULL. */
enum kmap_name_source kmap_full_name(const struct bpf_map_info *info, uint32_t prog_btf_id, const char *pin_path,
				     char *buf, size_t size);

#endif
