// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status --record FILE`: one JSON line per round appended to FILE,
 * the input of `mapsize recommend --records`.  The line's keys are a stable
 * format (README "Status records"): readers check `version` and ignore keys
 * they do not know, so later versions only add keys. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_status.h"

/* The node a record comes from: $NODE_NAME (what a DaemonSet sets from the
 * downward API, so records match Kubernetes node names), else the host name. */
static void record_node_name(char *buf, size_t size)
{
	const char *env = getenv("NODE_NAME");

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	if (gethostname(buf, size) || !*buf)
		snprintf(buf, size, "unknown");
	buf[size - 1] = '\0';
}

/* With --rules only the plan's maps are recorded: a record then names
 * nothing `recommend` would refuse as unknown. */
static bool recorded(const struct status_view *v, const struct mapsize_live_map *m)
{
	if (!v->plan)
		return true;
	for (size_t i = 0; i < v->check_cnt; i++)
		if (v->checks[i].live == m)
			return true;
	return false;
}

/* Issue 18's kernel-side counters since attach, where status has them and
 * they cover the map's type: `kernel_failures` (the sum of the errno
 * classes, like `failures`), `evictions` (LRU hashes), `drops` (ring
 * buffers).  A covered map that counted nothing has no row: 0. */
static void record_kernel_counters(const struct status_view *v, const struct mapsize_live_map *m, jv_t *o)
{
	const struct mapsize_map_counters *k;
	uint64_t failed = 0;

	if (!v->kc || !v->kc->handle)
		return;
	k = status_kc_find(v->kc, m->id);
	if (mapsize_counters__counts_failures(m->bpf_type)) {
		for (int c = 0; k && c < MAPSIZE_OVF_CLASSES; c++)
			failed = failed + k->failures[c] < failed ? UINT64_MAX : failed + k->failures[c];
		jv_object_set_new(o, "kernel_failures", jv_u64(failed));
	}
	if (mapsize_counters__counts_evictions(m->bpf_type))
		jv_object_set_new(o, "evictions", jv_u64(k ? k->evictions : 0));
	if (mapsize_map_type__from_bpf_type(m->bpf_type) == MAPSIZE_MAP_RINGBUF)
		jv_object_set_new(o, "drops", jv_u64(k ? k->drops : 0));
}

static jv_t *record_json(const struct status_view *v, time_t now)
{
	jv_t *root = jv_object(), *maps = jv_array();
	char node[256];

	record_node_name(node, sizeof(node));
	jv_object_set_new(root, "version", jv_integer(STATUS_RECORD_VERSION));
	jv_object_set_new(root, "time", jv_integer((int64_t)now));
	jv_object_set_new(root, "node", jv_string(node));
	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++) {
		const struct mapsize_live_map *m = mapsize_status__map(v->st, i);
		jv_t *o;

		if (!recorded(v, m))
			continue;
		o = jv_object();
		jv_object_set_new(o, "name", jv_string(m->name));
		jv_object_set_new(o, "kernel_name", jv_string(m->kernel_name));
		jv_object_set_new(o, "id", jv_u64(m->id));
		jv_object_set_new(o, "type", jv_string(mapsize_bpf_map_type__name(m->bpf_type)));
		jv_object_set_new(o, "max_entries", jv_u64(m->max_entries));
		if (m->has_entries)
			jv_object_set_new(o, "entries", jv_u64(m->entries));
		jv_object_set_new(o, "count_method", jv_string(mapsize_count_method__name(m->count_method)));
		if (m->has_failures)
			jv_object_set_new(o, "failures", jv_u64(mapsize_live_map__failures(m)));
		if (m->evicts)
			jv_object_set_new(o, "evicts", jv_boolean(true));
		record_kernel_counters(v, m, o);
		jv_array_append_new(maps, o);
	}
	jv_object_set_new(root, "maps", maps);
	return root;
}

/* Past max_bytes the file becomes FILE.1 (replacing the older one) and a
 * new FILE starts: at most twice max_bytes on disk. */
static int rotate(const char *path, uint64_t max_bytes, size_t adding)
{
	struct stat sb;
	char old[PATH_MAX];

	if (!max_bytes || stat(path, &sb) || !sb.st_size || (uint64_t)sb.st_size + adding <= max_bytes)
		return 0;
	if ((size_t)snprintf(old, sizeof(old), "%s.1", path) >= sizeof(old))
		return -ENAMETOOLONG;
	return rename(path, old) ? -errno : 0;
}

int status_record_append(const char *path, uint64_t max_bytes, const struct status_view *v)
{
	jv_t *root = record_json(v, time(NULL));
	char *text = root ? jv_dumps_compact(root, 0) : NULL;
	size_t len;
	ssize_t n;
	int fd, ret;

	jv_decref(root);
	if (!text) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	len = strlen(text);
	text[len++] = '\n';	/* jv_dumps's buffer keeps room for its NUL */
	ret = rotate(path, max_bytes, len);
	if (ret) {
		fprintf(stderr, "error: %s: cannot rotate to %s.1: %s\n", path, path, strerror(-ret));
		free(text);
		return -1;
	}
	/* one write() of the whole line with O_APPEND: a reader never sees half
	 * a line from a finished round, and two writers do not interleave */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "error: %s: cannot open for --record: %s\n", path, strerror(errno));
		free(text);
		return -1;
	}
	n = write(fd, text, len);
	ret = n == (ssize_t)len ? 0 : -1;
	if (ret)
		fprintf(stderr, "error: %s: cannot append the record: %s\n", path,
			n < 0 ? strerror(errno) : "short write");
	if (close(fd) && !ret) {
		fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
		ret = -1;
	}
	free(text);
	return ret;
}
