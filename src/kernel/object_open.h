/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPSIZE_KERNEL_OBJECT_OPEN_H
#define MAPSIZE_KERNEL_OBJECT_OPEN_H

#include <mapsize/mapsize.h>

struct bpf_object;

/* The start of every message kernel_object__open() leaves in `err`: callers
 * holding libbpf's own messages can replace it with libbpf's reason. */
#define KERNEL_OBJECT_OPEN_ERROR "cannot open BPF object"

/* bpf_object__open_file() of `path`, or NULL with errno and `err` set. */
struct bpf_object *kernel_object__open(const char *path, struct mapsize_error *err);

#endif
