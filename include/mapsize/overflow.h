/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmapsize: read the BPF-side overflow counters of <mapsize/bpf_overflow.h>
 * from a loaded `mapsize_overflow` map.  mapsize_overflow__read() is the
 * libbpf edge (BTF and bpf()); the class names and the name test are pure.
 *
 *	struct mapsize_overflow_counter *c;
 *	int n = mapsize_overflow__read(map_fd, &c);
 *	for (int i = 0; i < n; i++)	// slot i = MAPSIZE_<NAME>_ID i
 *		printf("%s E2BIG %llu\n", c[i].map_name,
 *		       (unsigned long long)c[i].failures[MAPSIZE_OVF_E2BIG]);
 *	free(c);
 *
 * The names come from the map's BTF (the member names of its value type),
 * so a map from any object is named without its rules.
 */
#ifndef MAPSIZE_OVERFLOW_H
#define MAPSIZE_OVERFLOW_H

#include <stdbool.h>
#include <stdint.h>

#ifndef MAPSIZE_API
#define MAPSIZE_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Errno classes, the index of failures[] (the same values as in
 * <mapsize/bpf_overflow.h>). */
#define MAPSIZE_OVF_E2BIG	0	/* full hash, array index out of range, full queue/stack */
#define MAPSIZE_OVF_ENOSPC	1	/* full lpm_trie */
#define MAPSIZE_OVF_ENOMEM	2	/* allocation failed: no-prealloc maps under memory-cgroup pressure */
#define MAPSIZE_OVF_OTHER	3
#define MAPSIZE_OVF_CLASSES	4	/* E2BIG, ENOSPC, ENOMEM, other */

/* The map's name in the object; the kernel keeps 15 bytes of it. */
#define MAPSIZE_OVERFLOW_MAP_NAME	"mapsize_overflow"

/* "E2BIG", "ENOSPC", "ENOMEM", "other"; NULL out of range. */
MAPSIZE_API const char *mapsize_ovf_class__name(int cls);

/* One map's counters, summed over the possible CPUs.  Allocated by the
 * library in arrays: the layout is frozen (like struct mapsize_error). */
struct mapsize_overflow_counter {
	char map_name[64];		/* the rules' name as a C identifier (BTF member
					   name), cut to 63 bytes */
	uint64_t failures[MAPSIZE_OVF_CLASSES];
};

/* Read a loaded mapsize_overflow map by fd.  Returns the number of counters
 * (>= 0, in slot order: index i is the map whose MAPSIZE_<NAME>_ID is i)
 * stored in *out (malloc()ed, the caller frees it with free(); NULL when 0
 * counters), or a negative errno: -EINVAL when the map is not a mapsize
 * overflow map (not a per-CPU array with a 4-byte key, no BTF, or a value
 * that is not a struct of __u64[4] members laid out back to back), else
 * what bpf() or the BTF load returned (-EBADF or -EBADFD, -EPERM, ...). */
MAPSIZE_API int mapsize_overflow__read(int map_fd, struct mapsize_overflow_counter **out);

/* Whether a map, by its kernel name and uapi type (struct bpf_map_info's
 * name and type), is a mapsize overflow map: a BPF_MAP_TYPE_PERCPU_ARRAY
 * named "mapsize_overflo" (the kernel's 15 bytes) or "mapsize_overflow". */
MAPSIZE_API bool mapsize_overflow__is_counter_map(const char *kernel_name, uint32_t map_type);

#ifdef __cplusplus
}
#endif
#endif /* MAPSIZE_OVERFLOW_H */
