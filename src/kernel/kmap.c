// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading a map back from the kernel: what it really created and what it
 * charges (fdinfo memlock). */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include "internal.h"
#include "kmap.h"

int kmap_memlock(int map_fd, uint64_t *bytes)
{
	char path[64], line[256];
	unsigned long long v;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes = v;
			found = true;
			break;
		}
	fclose(f);
	return found ? 0 : -ENODATA;
}

int mapsize_kernel_map__read(int map_fd, struct mapsize_kernel_map *out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	if (!out || out->sz < sizeof(*out))
		return -EINVAL;
	struct_out_reset(out);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->bpf_type = info.type;
	out->id = info.id;
	out->key_size = info.key_size;
	out->value_size = info.value_size;
	out->max_entries = info.max_entries;
	out->map_flags = info.map_flags;
	return kmap_memlock(map_fd, &out->memlock_bytes);
}
