// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pinned maps for `status`: the ids under --pinned PATH, and every map
 * pinned in any bpffs this process sees (its pin paths name maps the kernel
 * cut at 15 bytes, and tell apart maps sharing a full name). */
#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "status_internal.h"
#include "internal.h"

int id_set_add(struct id_set *s, uint32_t id)
{
	if (array_reserve((void **)&s->ids, &s->cap, s->cnt + 1, sizeof(*s->ids)))
		return -ENOMEM;
	s->ids[s->cnt++] = id;
	return 0;
}

static int id_set_add_path(struct id_set *s, uint32_t id, const char *path)
{
	char *copy;

	if (array_reserve((void **)&s->paths, &s->path_cap, s->cnt + 1, sizeof(*s->paths)))
		return -ENOMEM;
	copy = strdup(path);
	if (!copy || id_set_add(s, id)) {
		free(copy);
		return -ENOMEM;
	}
	s->paths[s->cnt - 1] = copy;
	return 0;
}

bool id_set_has(const struct id_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->cnt; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

void id_set_free(struct id_set *s)
{
	for (size_t i = 0; s->paths && i < s->cnt; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->ids);
}

/* The id of the map pinned at `path`; 0 when it is not a map. */
static uint32_t pinned_map_id(const char *path)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char link[64], fdpath[64];
	uint32_t id = 0;
	ssize_t n;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	n = readlink(fdpath, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		memset(&info, 0, sizeof(info));
		if (!strcmp(link, "anon_inode:bpf-map") && !bpf_obj_get_info_by_fd(fd, &info, &len))
			id = info.id;
	}
	close(fd);
	return id;
}

/* Every map pinned under the directory `path`.  fts(3) keeps its state in
 * its handle (nftw's callback has no context: a global made two readers
 * in two threads share one set).  err NULL: the walk of every bpffs for
 * names, where a directory that goes away or cannot be read is skipped. */
static int walk_pinned(const char *path, struct id_set *set, struct mapsize_error *err)
{
	char *roots[] = { (char *)path, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | (err ? 0 : FTS_XDEV), NULL);
	FTSENT *e;
	int ret = 0;

	if (!fts)
		return err ? error_set(err, -errno, NULL, "%s: %s", path, strerror(errno)) : 0;
	errno = 0;
	while (!ret && (e = fts_read(fts))) {
		uint32_t id;

		if (!err && (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR))
			continue;
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR) {
			ret = error_set(err, -e->fts_errno, NULL, "%s: %s", e->fts_path, strerror(e->fts_errno));
			break;
		}
		if (e->fts_info != FTS_F)
			continue;
		id = pinned_map_id(e->fts_path);
		if (id && id_set_add_path(set, id, e->fts_path))
			ret = err ? error_set(err, -ENOMEM, NULL, "out of memory") : -ENOMEM;
		errno = 0;
	}
	if (!ret && errno && err)
		ret = error_set(err, -errno, NULL, "%s: %s", path, strerror(errno));
	fts_close(fts);
	return ret;
}

/* A mount point from /proc/self/mountinfo, its octal escapes (\040 for a
 * space) undone in place. */
static void unescape_mount_point(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Every map pinned in any bpffs this process sees: the pin paths that name
 * maps the kernel cut at 15 bytes (libbpf pins by the full name), and the
 * `pin` of each live map.  Mounts and pins that vanish meanwhile are
 * skipped; only -ENOMEM fails. */
int read_all_pins(struct id_set *pins)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!f)
		return 0;
	while (!ret && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *mnt = NULL, *tok, *save = NULL;
		int field = 0;

		if (!sep || strncmp(sep + 3, "bpf ", 4))
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && !mnt; tok = strtok_r(NULL, " ", &save))
			if (++field == 5)
				mnt = tok;
		if (!mnt)
			continue;
		unescape_mount_point(mnt);
		ret = walk_pinned(mnt, pins, NULL);
	}
	free(line);
	fclose(f);
	return ret;
}

/* The pin paths of map `id` in either set. */
size_t pin_paths_of(const struct id_set *a, const struct id_set *b, uint32_t id, const char **out, size_t max)
{
	const struct id_set *sets[] = { a, b };
	size_t n = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sets); s++)
		for (size_t i = 0; sets[s]->paths && i < sets[s]->cnt && n < max; i++)
			if (sets[s]->ids[i] == id)
				out[n++] = sets[s]->paths[i];
	return n;
}

int read_pinned(const char *path, struct id_set *set, struct mapsize_error *err)
{
	struct stat st;

	set->active = true;
	if (stat(path, &st))
		return error_set(err, -errno, NULL, "%s: %s, expected a pinned BPF map or a bpffs directory",
				 path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		uint32_t id = pinned_map_id(path);

		if (!id)
			return error_set(err, -EINVAL, NULL, "%s: not a pinned BPF map", path);
		return id_set_add_path(set, id, path) ? error_set(err, -ENOMEM, NULL, "out of memory") : 0;
	}
	return walk_pinned(path, set, err);
}
