// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opening a BPF object without loading it (report baselines, rules drafts):
 * say why a file cannot be read before libbpf turns it into a format error,
 * and never blame a file that exists with a bare "No such file or
 * directory" (libbpf's -ENOENT for an extern or BTF it cannot find). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "object_open.h"

struct bpf_object *kernel_object__open(const char *path, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = path };
	struct bpf_object *obj;
	struct stat st;
	char msg[128];
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		error_set(err, ret, &loc, KERNEL_OBJECT_OPEN_ERROR ": %s, expected a FILE.bpf.o", strerror(-ret));
		errno = -ret;
		return NULL;
	}
	ret = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	close(fd);
	if (ret) {
		error_set(err, ret, &loc, KERNEL_OBJECT_OPEN_ERROR ": %s, expected a FILE.bpf.o", strerror(-ret));
		errno = -ret;
		return NULL;
	}
	obj = bpf_object__open_file(path, NULL);
	if (obj)
		return obj;
	ret = errno ? -errno : -EINVAL;
	if (ret == -ENOENT)	/* the file is there: something it refers to is not */
		snprintf(msg, sizeof(msg), "libbpf could not resolve something the object refers to "
			 "(an extern or a BTF type; libbpf's messages name it)");
	else
		libbpf_strerror(ret, msg, sizeof(msg));
	error_set(err, ret, &loc, KERNEL_OBJECT_OPEN_ERROR ": %s, expected an ELF file built with "
		  "clang -target bpf", msg);
	errno = -ret;
	return NULL;
}
