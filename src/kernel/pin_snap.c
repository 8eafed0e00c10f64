// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The snapshot of a migration (PATH-mapsize-snap, pin_migrate.h): each key
 * copied with the digest of the value it had, written as a log into an
 * array of PIN_SNAP_BLOB-byte values, one syscall per blob.  A log and not
 * a hash map keyed like the old map: one update of 64 KiB costs less than
 * the kernel hash insert per entry it replaces (bench/ (f)), and finish
 * reads it whole anyway.  Its size is fixed at creation: the old map's
 * max_entries records (with 1/8 slack for a walk that meets a key twice
 * under churn) of key_size + 8 bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pin_migrate.h"

#define BLOB_HEAD 8	/* u32 record count, u32 zero */

int pin_snap__create(const struct pin_map *old)
{
	uint64_t rec = old->info.key_size + sizeof(uint64_t), per_blob = (PIN_SNAP_BLOB - BLOB_HEAD) / rec;
	uint64_t records = (uint64_t)old->info.max_entries + old->info.max_entries / 8 + 1;
	uint64_t blobs = (records + per_blob - 1) / per_blob + 1;
	int fd;

	if (!per_blob || blobs > UINT32_MAX)
		return -E2BIG;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsize_snap", 4, PIN_SNAP_BLOB, (uint32_t)blobs, NULL);
	return fd < 0 ? -errno : fd;
}

int pin_snap_writer__init(struct pin_snap_writer *w, int fd, uint32_t key_size, uint32_t max_blobs)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->key_size = key_size;
	w->rec_size = key_size + sizeof(uint64_t);
	w->per_blob = (PIN_SNAP_BLOB - BLOB_HEAD) / w->rec_size;
	w->max_blobs = max_blobs;
	w->blob = calloc(1, PIN_SNAP_BLOB);
	return w->blob ? 0 : -ENOMEM;
}

int pin_snap_writer__flush(struct pin_snap_writer *w)
{
	int err;

	if (!w->n)
		return 0;
	/* the last blob stays free: a count of 0 ends the log */
	if (w->idx + 1 >= w->max_blobs)
		return -E2BIG;
	memcpy(w->blob, &w->n, sizeof(w->n));
	err = bpf_map_update_elem(w->fd, &w->idx, w->blob, 0);
	if (err)
		return err;
	w->idx++;
	w->n = 0;
	return 0;
}

int pin_snap_writer__add(struct pin_snap_writer *w, const void *key, uint64_t digest)
{
	char *rec = w->blob + BLOB_HEAD + (size_t)w->n * w->rec_size;

	memcpy(rec, key, w->key_size);
	memcpy(rec + w->key_size, &digest, sizeof(digest));
	return ++w->n == w->per_blob ? pin_snap_writer__flush(w) : 0;
}

void pin_snap_writer__free(struct pin_snap_writer *w)
{
	free(w->blob);
	w->blob = NULL;
}

int pin_snap__read(int fd, uint32_t key_size, uint32_t max_blobs,
		   int (*cb)(void *ctx, const void *key, uint64_t digest), void *ctx)
{
	size_t rec = key_size + sizeof(uint64_t);
	char *blob = malloc(PIN_SNAP_BLOB);
	int err = blob ? 0 : -ENOMEM;

	for (uint32_t idx = 0; !err && idx < max_blobs; idx++) {
		uint32_t n;

		err = bpf_map_lookup_elem(fd, &idx, blob);
		if (err)
			break;
		memcpy(&n, blob, sizeof(n));
		if (!n)
			break;
		if (n > (PIN_SNAP_BLOB - BLOB_HEAD) / rec) {
			err = -EBADMSG;
			break;
		}
		for (uint32_t i = 0; !err && i < n; i++) {
			const char *r = blob + BLOB_HEAD + i * rec;
			uint64_t digest;

			memcpy(&digest, r + key_size, sizeof(digest));
			err = cb(ctx, r, digest);
		}
	}
	free(blob);
	return err;
}
