// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Node-local dimensions read from the running machine (an I/O edge). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <mapsize/bpf.h>
#include "planner.h"

/* "0-3,8-11" -> 8: the kernel sizes per-CPU maps by possible CPUs. */
static int count_cpu_list(const char *s, uint32_t *cnt)
{
	uint32_t n = 0;

	while (*s && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		n += (uint32_t)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	*cnt = n;
	return n ? 0 : -EINVAL;
}

int mapsize_node__read(struct mapsize_node *node)
{
	char line[256];
	struct utsname u;
	FILE *f;
	int ret;

	if (!node || node->sz < mapsize_offsetofend(struct mapsize_node, kernel_release))
		return -EINVAL;
	struct_out_reset(node);
	f = fopen("/sys/devices/system/cpu/possible", "re");
	if (!f)
		return -errno;
	ret = fgets(line, sizeof(line), f) ? count_cpu_list(line, &node->possible_cpus) : -EIO;
	fclose(f);
	if (ret)
		return ret;
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kb;

		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
			node->memory_bytes = kb * 1024;
			break;
		}
	}
	fclose(f);
	if (uname(&u))
		return -errno;
	snprintf(node->kernel_release, sizeof(node->kernel_release), "%s", u.release);
	/* a caller built before the memory cgroup fields does not get them */
	if (node->sz >= mapsize_offsetofend(struct mapsize_node, memcg_limit_file) &&
	    mapsize_memcg__limit(&node->memcg_limit_bytes, node->memcg_limit_file,
				 sizeof(node->memcg_limit_file)))
		node->memcg_limit_bytes = 0;
	return 0;
}

int mapsize_planner__use_node(struct mapsize_planner *pl, const struct mapsize_node *node)
{
	int ret = 0;

	if (!node || !mapsize_sz_valid(node, node->sz, mapsize_offsetofend(struct mapsize_node, kernel_release),
				       sizeof(struct mapsize_node)))
		return -EINVAL;
	/* a PCT% budget takes its share of the smaller of memory and this */
	pl->live_node = true;
	pl->node_memcg_limit = 0;
	if (node->sz >= mapsize_offsetofend(struct mapsize_node, memcg_limit_file) &&
	    node->memcg_limit_bytes) {
		pl->node_memcg_limit = node->memcg_limit_bytes;
		snprintf(pl->node_memcg_file, sizeof(pl->node_memcg_file), "%s", node->memcg_limit_file);
	}
	if (node->possible_cpus)
		ret = mapsize_planner__set_node_dimension(pl, "cpus", node->possible_cpus);
	if (!ret && node->memory_bytes)
		ret = mapsize_planner__set_node_dimension(pl, "memory", node->memory_bytes);
	return ret;
}
