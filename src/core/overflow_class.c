// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The pure half of <mapsize/overflow.h>: errno class names and recognising
 * a counter map by its kernel name and type (reading one is libbpf's work:
 * src/kernel/overflow.c). */
#include <string.h>

#include <mapsize/overflow.h>
#include "internal.h"

const char *mapsize_ovf_class__name(int cls)
{
	static const char *const names[MAPSIZE_OVF_CLASSES] = {
		[MAPSIZE_OVF_E2BIG] = "E2BIG",
		[MAPSIZE_OVF_ENOSPC] = "ENOSPC",
		[MAPSIZE_OVF_ENOMEM] = "ENOMEM",
		[MAPSIZE_OVF_OTHER] = "other",
	};

	return cls >= 0 && cls < MAPSIZE_OVF_CLASSES ? names[cls] : NULL;
}

bool mapsize_overflow__is_counter_map(const char *kernel_name, uint32_t map_type)
{
	if (!kernel_name || map_type != mapsize_map_type__bpf_type(MAPSIZE_MAP_PERCPU_ARRAY))
		return false;
	/* BPF_OBJ_NAME_LEN is 16: the kernel keeps 15 bytes of the name */
	return !strcmp(kernel_name, "mapsize_overflo") || !strcmp(kernel_name, MAPSIZE_OVERFLOW_MAP_NAME);
}
