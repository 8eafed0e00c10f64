// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A pinned map read back with its live entries (issue 23).  The count is
 * the status counter's (status_count_map()), with no walk bound: whether the
 * entries fit a smaller map needs them all. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <mapsize/bpf.h>
#include "internal.h"
#include "kmap.h"
#include "pin_live.h"
#include "status_internal.h"

/* What the fd is: "anon_inode:bpf-map", "anon_inode:bpf-prog", ... */
bool pin_fd_is_map(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return true;	/* no /proc: let the info call tell */
	target[n] = '\0';
	return !strcmp(target, "anon_inode:bpf-map");
}

static int read_info(int fd, struct pin_live *out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int cpus = libbpf_num_possible_cpus();

	memset(out, 0, sizeof(*out));
	if (!pin_fd_is_map(fd))
		return -EMEDIUMTYPE;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	out->id = info.id;
	out->type = info.type;
	out->key_size = info.key_size;
	out->value_size = info.value_size;
	out->max_entries = info.max_entries;
	out->map_flags = info.map_flags;
	out->map_extra = info.map_extra;
	out->btf_id = info.btf_id;
	out->btf_key_type_id = info.btf_key_type_id;
	out->btf_value_type_id = info.btf_value_type_id;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->possible_cpus = cpus > 0 ? (uint32_t)cpus : 0;
	out->entries_note = "not counted yet";
	return 0;
}

int pin_live__count(int fd, struct pin_live *live)
{
	struct status_counter_env env = { .method = MAPSIZE_COUNT_AUTO, .max_walk = UINT64_MAX };
	struct mapsize_live_map m = { 0 };
	int ret;

	/* the rest of what status counts with is in `live` already */
	ret = kmap_memlock(fd, &m.memlock_bytes);
	if (ret)
		return ret;
	env.possible_cpus = live->possible_cpus ? live->possible_cpus : 1;
	m.id = live->id;
	m.bpf_type = live->type;
	m.key_size = live->key_size;
	m.value_size = live->value_size;
	m.max_entries = live->max_entries;
	m.map_flags = live->map_flags;
	status_count_map(&env, fd, &m);
	live->entries_known = m.has_entries;
	live->entries = m.has_entries ? m.entries : 0;
	live->entries_note = m.has_entries ? mapsize_count_method__name(m.count_method) : m.note;
	return 0;
}

int pin_live__read_fd(int fd, struct pin_live *out)
{
	int ret = read_info(fd, out);

	return ret ? ret : pin_live__count(fd, out);
}

int pin_live__open(const char *path, struct pin_live *out)
{
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	ret = read_info(fd, out);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int pin_live__read(const char *path, struct pin_live *out)
{
	int fd = pin_live__open(path, out), ret;

	if (fd < 0)
		return fd;
	ret = pin_live__count(fd, out);
	close(fd);
	return ret;
}

void pin_live__spec(const struct pin_live *live, struct pin_map_spec *spec, struct pin_live_fill *fill)
{
	*spec = (struct pin_map_spec){
		.bpf_type = live->type, .key_size = live->key_size, .value_size = live->value_size,
		.max_entries = live->max_entries, .map_flags = live->map_flags, .map_extra = live->map_extra,
	};
	*fill = (struct pin_live_fill){
		.entries_known = live->entries_known, .entries = live->entries,
		.possible_cpus = live->possible_cpus,
	};
}

enum pin_action pin_live__decide(const struct pin_live *live, const struct pin_map_spec *planned,
				 double headroom, char *reason, size_t size)
{
	struct pin_map_spec spec;
	struct pin_live_fill fill;

	pin_live__spec(live, &spec, &fill);
	return pin_action__decide(planned, &spec, &fill, headroom, reason, size);
}
