/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The map pinned at a bpffs path, read back from the kernel with its live
 * entry count (issue 23): what plan, verify, apply and migrate compare the
 * planned map with (src/core/pin_action.h decides).  Internal. */
#ifndef MAPSIZE_KERNEL_PIN_LIVE_H
#define MAPSIZE_KERNEL_PIN_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pin_action.h"

struct pin_live {
	__u32 id, type, key_size, value_size, max_entries, map_flags;
	__u64 map_extra;
	char name[16];			/* the kernel's (15-byte) name */
	__u64 entries;
	bool entries_known;		/* false: not counted (entries_note says why) */
	const char *entries_note;	/* static: the count's method, or why there is none */
	__u32 btf_id, btf_key_type_id, btf_value_type_id;
	__u32 possible_cpus;		/* of this machine, for pin_live__decide() */
};

/* Read the map pinned at `path` (bpf_obj_get, then its info and a count of
 * its entries by the status counter, src/kernel/status_count.c: memlock,
 * batch lookup or an unbounded key walk; arrays are not counted: every slot
 * exists).  0; -ENOENT when nothing is pinned there; -ENOTDIR/-EINVAL-style
 * errnos of bpf_obj_get; -EMEDIUMTYPE when the pinned object is not a map
 * (a program or a link); -EPERM without the privilege. */
int pin_live__read(const char *path, struct pin_live *out);
/* The same for a map already open as `fd` (not closed). */
int pin_live__read_fd(int fd, struct pin_live *out);
/* The two halves, for a caller that needs the count only when the spec
 * differs (an agent's restart on unchanged pins stays cheap): __open() gets
 * the pin and its info (entries_known false) and returns the fd (the caller
 * closes it) or the errnos of __read(); __count() fills the entries. */
int pin_live__open(const char *path, struct pin_live *out);
int pin_live__count(int fd, struct pin_live *live);

/* The fd (from bpf_obj_get) is a map, not a program or link (true when
 * /proc cannot tell: the info call will). */
bool pin_fd_is_map(int fd);

/* The live map's spec and fill as pin_action__decide() takes them. */
void pin_live__spec(const struct pin_live *live, struct pin_map_spec *spec, struct pin_live_fill *fill);

/* pin_action__decide() of the live map against `planned`. */
enum pin_action pin_live__decide(const struct pin_live *live, const struct pin_map_spec *planned,
				 double headroom, char *reason, size_t size);

#endif
