// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An --object's bytes and maps: a BPF object file, a host embedding one, or
 * HOST:NAME (object_source.h). */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "object_embedded.h"
#include "object_open.h"
#include "object_source.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static bool is_bpf_elf(const char *buf, size_t size)
{
	/* e_machine of a 64-bit little-endian ELF at offset 18 */
	return size >= 64 && !memcmp(buf, "\177ELF", 4) && (unsigned char)buf[18] == EM_BPF &&
	       buf[19] == 0;
}

/* libbpf's own message for a file neither reader takes (no such file, not
 * an ELF, ...): the errors stay what they were before object_maps. */
static int libbpf_error(const char *path, int fallback, struct mapsize_error *err)
{
	struct mapsize_error mine;
	struct bpf_object *obj;

	if (err)
		mine = *err;
	obj = kernel_object__open(path, err);
	if (!obj)
		return err ? err->code : -errno;
	bpf_object__close(obj);		/* libbpf opens what object_maps cannot read: say ours */
	if (err)
		*err = mine;
	return fallback;
}

static int pick(const char *host, const char *want, const char *buf, size_t size, char **out,
		size_t *outsz, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = host };
	struct object_embedded *e;
	size_t nr;
	int ret = object_embedded__list_mem(buf, size, host, &e, &nr, err);
	char names[256] = "";

	if (ret)
		return ret;
	for (size_t i = 0; i < nr; i++) {
		if (want ? strcmp(e[i].name, want) : nr != 1)
			continue;
		*out = malloc(e[i].size ? e[i].size : 1);
		if (!*out) {
			free(e);
			return error_set(err, -ENOMEM, NULL, "out of memory");
		}
		memcpy(*out, buf + e[i].offset, e[i].size);
		*outsz = e[i].size;
		free(e);
		return 0;
	}
	for (size_t i = 0; i < nr; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
			 e[i].name);
	free(e);
	/* not "cannot open BPF object": callers then ask libbpf why, and
	 * libbpf would only say the host is no BPF object */
	if (!nr)
		ret = want ? error_set(err, -ENOENT, &loc, "no embedded BPF object in it, expected an "
				       "executable or library embedding '%s'", want)
			   : libbpf_error(host, -ENOENT, err);
	else if (want)
		ret = error_set(err, -ENOENT, &loc, "no embedded BPF object '%s', expected one of %s "
				"(mapsize objects %s)", want, names, host);
	else
		ret = error_set(err, -EINVAL, &loc, "%zu embedded BPF objects, expected --object %s:NAME "
				"with NAME one of %s", nr, host, names);
	return ret;
}

int object_source__read_image(const char *spec, char **bufp, size_t *sizep, struct mapsize_error *err)
{
	const char *colon = strrchr(spec, ':');
	char *buf, *host = NULL;
	struct stat st;
	size_t size;
	int ret;

	*bufp = NULL;
	*sizep = 0;
	/* HOST:NAME only when SPEC itself is no file */
	if (colon && colon != spec && stat(spec, &st) && !(host = strndup(spec, colon - spec)))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	if (host && stat(host, &st)) {
		free(host);
		host = NULL;
	}
	ret = object_maps__slurp(host ? host : spec, &buf, &size, err);
	if (ret) {
		ret = libbpf_error(host ? host : spec, ret, err);
		free(host);
		return ret;
	}
	if (!host && is_bpf_elf(buf, size)) {
		*bufp = buf;
		*sizep = size;
		return 0;
	}
	if (host || (size >= 4 && !memcmp(buf, "\177ELF", 4)))
		ret = pick(host ? host : spec, host ? colon + 1 : NULL, buf, size, bufp, sizep, err);
	else
		ret = libbpf_error(spec, -EINVAL, err);
	free(buf);
	free(host);
	return ret;
}

int object_source__read_maps(const char *spec, struct object_maps **out, struct mapsize_error *err)
{
	size_t size;
	char *buf;
	int ret;

	*out = NULL;
	error_clear(err);
	ret = object_source__read_image(spec, &buf, &size, err);
	if (ret)
		return ret;
	ret = object_maps__read_mem(buf, size, spec, out, err);
	free(buf);
	return ret;
}

/* libbpf's internal_map_name(): the object's name (its file's basename up to
 * the first '.', 15 bytes at most) before the section name, unless the
 * section is a custom one (a second '.'); 15 bytes, sanitised. */
const char *object_source__libbpf_name(const char *spec, const struct object_maps_def *def,
				       char *buf, size_t len)
{
	char obj[16], *copy, *dot;
	size_t sfx, pfx;
	char name[16];

	if (def->origin != OBJECT_MAPS_DATA) {
		snprintf(buf, len, "%s", def->name);
		return buf;
	}
	copy = strdup(spec);
	/* HOST:NAME is opened under NAME (as its skeleton names it) */
	if (copy && (dot = strrchr(copy, ':')) && access(copy, F_OK))
		snprintf(obj, sizeof(obj), "%s", dot + 1);
	else
		snprintf(obj, sizeof(obj), "%s", copy ? basename(copy) : "");
	free(copy);
	if ((dot = strchr(obj, '.')))
		*dot = 0;
	sfx = strlen(def->name) > 7 ? strlen(def->name) : 7;
	if (sfx >= sizeof(name))
		sfx = sizeof(name) - 1;
	pfx = strchr(def->name + 1, '.') ? 0 : sizeof(name) - sfx - 1;
	if (pfx > strlen(obj))
		pfx = strlen(obj);
	snprintf(name, sizeof(name), "%.*s%.*s", (int)pfx, obj, (int)sfx, def->name);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
	snprintf(buf, len, "%s", name);
	return buf;
}
