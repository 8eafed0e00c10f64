/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* From a kernel map (id, 15-byte name, BTF, pin paths) to its full name:
 * the one resolver behind status names, --name, Prometheus labels and the
 * overflow counters' attribution. */
#ifndef MAPSIZE_KMAP_NAME_H
#define MAPSIZE_KMAP_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

enum kmap_name_source {
	KMAP_NAME_KERNEL = 0,	/* the kernel's name is whole (under 15 characters) */
	KMAP_NAME_BTF,		/* the one .maps variable (or its .inner) of its BTF that fits */
	KMAP_NAME_PIN,		/* the last component of a pin path */
	KMAP_NAME_GIVEN,	/* the one caller-given name (status --rules) that fits */
	KMAP_NAME_TRUNCATED,	/* nothing says more than the 15 bytes */
	KMAP_NAME_AMBIGUOUS,	/* two candidates share the 15 bytes, nothing tells them apart */
};

/* What may say more than the kernel's 15 bytes, tried in this order: the
 * map's BTF (else prog_btf_id: the BTF of a program using it), its pin
 * paths, then the caller's names.  Any of them may be 0 / NULL. */
struct kmap_name_hints {
	uint32_t prog_btf_id;
	const char *const *pin_paths;
	size_t pin_cnt;
	const char *const *names;
	size_t name_cnt;
};

/* The full name of the map described by `info` into buf (the kernel's name
 * when nothing says more). */
enum kmap_name_source kmap_full_name(const struct bpf_map_info *info, const struct kmap_name_hints *hints,
				     char *buf, size_t size);

/* The name could be longer than what the kernel kept (15 bytes). */
bool kmap_name_is_cut(const char *kernel_name);

#endif
