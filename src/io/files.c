// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The library's file I/O: reading input documents, atomic writes, and the
 * path-taking wrappers over core's buffer parsers and renderers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "planner.h"

/* ---- files ------------------------------------------------------------------------ */

int read_file(const char *path, char **bufp, size_t *lenp, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = path };
	size_t len = 0, cap = 4096;
	char *buf = NULL, *p;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, &loc, "cannot open: %s", strerror(errno));
	for (;;) {
		if (len + 1 >= cap || !buf) {
			if (cap > MAPSIZE_MAX_INPUT_BYTES) {
				ret = error_set(err, -EFBIG, &loc,
						"file larger than %u bytes, expected a small YAML document",
						MAPSIZE_MAX_INPUT_BYTES);
				goto out;
			}
			if (buf)
				cap *= 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				ret = error_set(err, -ENOMEM, &loc, "out of memory");
				goto out;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = error_set(err, -errno, &loc, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MAPSIZE_MAX_INPUT_BYTES) {
		ret = error_set(err, -EFBIG, &loc, "file larger than %u bytes, expected a small YAML document",
				MAPSIZE_MAX_INPUT_BYTES);
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	close(fd);
	return 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static mode_t replaced_mode(const char *path)
{
	struct stat st;
	mode_t mask;

	char line[128];
	FILE *f;

	if (!stat(path, &st))
		return st.st_mode & 07777;
	/* the umask without umask(2), which would change it for every thread */
	mask = 022;
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Umask:", 6)) {
			mask = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
			break;
		}
	if (f)
		fclose(f);
	return 0666 & ~mask;
}

int write_file_atomic(const char *path, const char *data, size_t len, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = path };
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	int fd, ret = 0;

	if (!tmp)
		return error_set(err, -ENOMEM, &loc, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = error_set(err, -errno, &loc, "cannot create a temporary file beside it: %s",
				strerror(errno));
		free(tmp);
		return ret;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = error_set(err, n < 0 ? -errno : -EIO, &loc, "cannot write: %s",
					strerror(n < 0 ? errno : EIO));
			goto fail;
		}
		off += (size_t)n;
	}
	/* mkstemp makes it 0600: keep the mode of the file it replaces (a
	 * private textfile or plan stays private), else what creat() would
	 * give under the umask */
	if (fchmod(fd, replaced_mode(path)) || fsync(fd)) {
		ret = error_set(err, -errno, &loc, "cannot write: %s", strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		ret = error_set(err, -errno, &loc, "cannot write: %s", strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = error_set(err, -errno, &loc, "cannot rename the temporary file into place: %s",
				strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return ret;
}

/* ---- path wrappers over core ---------------------------------------------- */

int mapsize_planner__add_profile_file(struct mapsize_planner *pl, const char *path)
{
	char *buf;
	size_t len;
	int ret;

	error_clear(&pl->err);
	ret = read_file(path, &buf, &len, &pl->err);
	if (ret)
		return ret;
	ret = mapsize_planner__add_profile(pl, buf, len, path);
	free(buf);
	return ret;
}

struct mapsize_rules *mapsize_rules__load_file(const char *path, struct mapsize_error *err)
{
	struct mapsize_rules *rules;
	char *buf;
	size_t len;
	int ret = read_file(path, &buf, &len, err);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	rules = mapsize_rules__parse(buf, len, path, err);
	free(buf);
	return rules;
}

int mapsize_plan__write_header(const struct mapsize_plan *plan, const char *path,
			       struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = path };
	char *text = mapsize_plan__header(plan);
	int ret;

	if (!text)
		return error_set(err, errno == EEXIST ? -EEXIST : -errno, &loc,
				 errno == EEXIST ? "two map names give the same macro name or overflow slot "
				 "(they differ only in characters that become '_'), expected distinct names"
				 : "cannot render the header: %s", strerror(errno));
	ret = write_file_atomic(path, text, strlen(text), err);
	free(text);
	return ret;
}

int mapsize_file__write_atomic(const char *path, const void *data, size_t len,
			       struct mapsize_error *err)
{
	if (!path || (!data && len)) {
		error_set(err, -EINVAL, NULL, "no file name or no data to write");
		return -EINVAL;
	}
	return write_file_atomic(path, data, len, err);
}
