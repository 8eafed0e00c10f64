// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory cgroup limit of this process (an I/O edge): since 5.11 map
 * memory is charged to the cgroup of the process that creates the map, so
 * the limit bounds what an agent's maps may take.  verify explains an
 * ENOMEM with it; a "PCT%" budget on a live node takes its share of it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/bpf.h>

/* The mount point and root of the cgroup hierarchy: v1 with the memory
 * controller, or v2. */
static bool cgroup_mount(bool v2, char *mnt, size_t mnt_size, char *root, size_t root_size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char r[1024], m[1024], fstype[64], super[1024];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (v2 ? strcmp(fstype, "cgroup2") : strcmp(fstype, "cgroup"))
			continue;
		if (!v2) {
			bool mem = false;

			for (char *t = strtok(super, ","); t && !mem; t = strtok(NULL, ","))
				mem = !strcmp(t, "memory");
			if (!mem)
				continue;
		}
		snprintf(mnt, mnt_size, "%s", m);
		snprintf(root, root_size, "%s", r);
		found = true;
	}
	fclose(f);
	return found;
}

/* This process's cgroup path in the v1 memory hierarchy or in v2. */
static bool cgroup_path(bool v2, char *path, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		line[strcspn(line, ":")] = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (v2) {
			found = !strcmp(line, "0") && c2 == c1 + 1;
		} else {
			for (char *t = strtok(c1 + 1, ","); t && !found; t = strtok(NULL, ","))
				found = !strcmp(t, "memory");
		}
		if (found)
			snprintf(path, size, "%s", c2 + 1);
	}
	fclose(f);
	return found;
}

static int read_limit(const char *file, uint64_t *v)
{
	FILE *f = fopen(file, "re");
	char buf[64];
	char *end;
	unsigned long long x;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	if (!strncmp(buf, "max", 3))
		return -ENOENT;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	/* v1 says "no limit" with the page counter's maximum (~2^63) */
	if (x >= 1ULL << 62)
		return -ENOENT;
	*v = x;
	return 0;
}

static int memcg_limit_in(bool v2, uint64_t *limit, char *file, size_t file_size)
{
	char mnt[1024], root[1024], path[2048], dir[4096], f[4200];
	const char *rel;
	bool have = false;

	if (!cgroup_mount(v2, mnt, sizeof(mnt), root, sizeof(root)) || !cgroup_path(v2, path, sizeof(path)))
		return -ENOENT;
	rel = path;
	if (strcmp(root, "/") && !strncmp(path, root, strlen(root)))
		rel = path + strlen(root);
	snprintf(dir, sizeof(dir), "%s%s%s", mnt, rel[0] == '/' ? "" : "/", rel);
	for (;;) {
		uint64_t v = 0;
		char *slash;

		snprintf(f, sizeof(f), "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
		if (!read_limit(f, &v) && (!have || v < *limit)) {
			*limit = v;
			snprintf(file, file_size, "%s", f);
			have = true;
		}
		if (strlen(dir) <= strlen(mnt) || !(slash = strrchr(dir, '/')))
			break;
		*slash = '\0';
		if (strlen(dir) < strlen(mnt))
			break;
	}
	return have ? 0 : -ENOENT;
}

int mapsize_memcg__limit(uint64_t *limit, char *file, size_t file_size)
{
	if (!memcg_limit_in(false, limit, file, file_size))
		return 0;
	return memcg_limit_in(true, limit, file, file_size);
}
