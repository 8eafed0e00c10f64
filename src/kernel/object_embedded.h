/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* BPF objects embedded in an ELF executable or shared library: libbpf
 * skeletons carry the whole object as a byte array, Go programs embed theirs
 * with go:embed.  Internal (not exported); issue 17 item 3. */
#ifndef MAPSIZE_KERNEL_OBJECT_EMBEDDED_H
#define MAPSIZE_KERNEL_OBJECT_EMBEDDED_H

#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

struct object_embedded {
	char name[128];		/* the skeleton's object name where it can be told, else "objN" (N from 0) */
	uint64_t offset;	/* of the image's ELF header in the file */
	uint64_t size;		/* through its section header table or last section */
};

/* Lists the EM_BPF ELF images inside the host ELF at BUF/SIZE (NAME, its
 * path, for messages and as a hint to the skeleton's name).  *out (free()) gets *nr entries in file order, possibly none.
 * A BPF object itself is not a host: -EINVAL.  0 or a negative errno. */
int object_embedded__list_mem(const void *buf, size_t size, const char *name,
			      struct object_embedded **out, size_t *nr, struct mapsize_error *err);
int object_embedded__list_file(const char *path, struct object_embedded **out, size_t *nr,
			       struct mapsize_error *err);

#endif
