// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench migrate (f): a pinned map of 1,000,000 entries migrated to
 * twice its size (issue 23 item 4), for a hash and a percpu hash (u32 key,
 * u64 value):
 *
 *   - mapsize_pin__migrate() per entry: create the new map and the snapshot,
 *     copy (BPF_MAP_LOOKUP_BATCH + UPDATE_BATCH into both), pin, journal,
 *     one rename;
 *   - against a plain copy in the same round: create a map of the new size,
 *     BPF_MAP_LOOKUP_BATCH + BPF_MAP_UPDATE_BATCH of every entry into it
 *     (chunks of 8192, as the migration);
 *   - the renames in which the pin changes map (target: one), and finish
 *     with nothing to carry over (for reference).
 *
 * On a bpffs this benchmark mounts under /tmp and unmounts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <mapsize/migrate.h>

#include "bench_common.h"

#define ENTRIES 1000000U
#define OLD_MAX 1048576U
#define NEW_MAX 2097152U
#define CHUNK 8192U

static size_t value_bytes(unsigned int type)
{
	int cpus = libbpf_num_possible_cpus();

	return type == BPF_MAP_TYPE_PERCPU_HASH ? 8 * (size_t)(cpus > 0 ? cpus : 1) : 8;
}

static int filled(unsigned int type)
{
	size_t vb = value_bytes(type);
	uint32_t *keys = malloc(CHUNK * sizeof(*keys));
	char *vals = calloc(CHUNK, vb);
	int fd = bpf_map_create(type, "bench_mig", 4, 8, OLD_MAX, NULL), err = 0;

	if (fd < 0 || !keys || !vals) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (uint32_t base = 0; base < ENTRIES && !err; base += CHUNK) {
		__u32 n = ENTRIES - base < CHUNK ? ENTRIES - base : CHUNK;

		for (uint32_t i = 0; i < n; i++) {
			keys[i] = (base + i) * 2654435761U;
			memcpy(vals + i * vb, &(uint64_t){ base + i + 1 }, 8);
		}
		err = bpf_map_update_batch(fd, keys, vals, &n, NULL);
	}
out:
	free(keys);
	free(vals);
	if (err) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "migrate: filling: %s\n", strerror(-err));
		return err;
	}
	return fd;
}

/* Create a map of NEW_MAX and copy every entry of `from` into it. */
static int plain_copy(int from, unsigned int type, uint64_t *copied)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	size_t vb = value_bytes(type);
	uint32_t *keys = malloc(CHUNK * sizeof(*keys)), token = 0;
	char *vals = malloc(CHUNK * vb);
	int to = bpf_map_create(type, "bench_copy", 4, 8, NEW_MAX, NULL), err = 0;
	bool first = true;

	*copied = 0;
	if (to < 0 || !keys || !vals)
		err = to < 0 ? -errno : -ENOMEM;
	while (!err) {
		__u32 n = CHUNK, m;

		err = bpf_map_lookup_batch(from, first ? NULL : &token, &token, keys, vals, &n, &bo);
		first = false;
		if (err && err != -ENOENT)
			break;
		m = n;
		if (n && bpf_map_update_batch(to, keys, vals, &m, &bo)) {
			err = -errno;
			break;
		}
		*copied += m;
		if (err == -ENOENT) {
			err = 0;
			break;
		}
	}
	free(keys);
	free(vals);
	if (to >= 0)
		close(to);
	return err;
}

struct mig_row {
	const char *name;
	unsigned int type;
	double mig[MAX_ROUNDS], plain[MAX_ROUNDS], ratio[MAX_ROUNDS], fin[MAX_ROUNDS];
	uint32_t renames_max, renames_min;
};

static int one_round(struct mig_row *row, int round, const char *pin)
{
	struct mapsize_migrate_spec spec = { .sz = sizeof(spec), .max_entries = NEW_MAX };
	struct mapsize_migrate_result r = { .sz = sizeof(r) };
	uint64_t copied = 0;
	double t0, t1;
	int fd = filled(row->type), err;

	if (fd < 0)
		return 1;
	t0 = now_ns();
	err = plain_copy(fd, row->type, &copied);
	t1 = now_ns();
	if (err || copied != ENTRIES) {
		fprintf(stderr, "migrate: plain copy: %s, %llu entries\n", strerror(-err), (unsigned long long)copied);
		close(fd);
		return 1;
	}
	row->plain[round] = (t1 - t0) / ENTRIES;
	err = bpf_obj_pin(fd, pin) ? -errno : 0;
	close(fd);
	if (err) {
		fprintf(stderr, "migrate: pin %s: %s\n", pin, strerror(-err));
		return 1;
	}
	t0 = now_ns();
	err = mapsize_pin__migrate(pin, &spec, NULL, &r);
	t1 = now_ns();
	if (err || r.outcome != MAPSIZE_MIGRATE_MIGRATED || r.copied != ENTRIES) {
		fprintf(stderr, "migrate: %s: %s (%s), %llu copied\n", row->name, strerror(-err), r.reason,
			(unsigned long long)r.copied);
		return 1;
	}
	row->mig[round] = (t1 - t0) / ENTRIES;
	row->ratio[round] = row->mig[round] / row->plain[round];
	if (!round || r.renames > row->renames_max)
		row->renames_max = r.renames;
	if (!round || r.renames < row->renames_min)
		row->renames_min = r.renames;
	t0 = now_ns();
	err = mapsize_pin__finish(pin, NULL, &r);
	t1 = now_ns();
	if (err || r.outcome != MAPSIZE_MIGRATE_FINISHED) {
		fprintf(stderr, "migrate: finish %s: %s (%s)\n", row->name, strerror(-err), r.reason);
		return 1;
	}
	row->fin[round] = (t1 - t0) / ENTRIES;
	return unlink(pin) ? 1 : 0;
}

int cmd_migrate(void)
{
	static struct mig_row rows[] = {
		{ .name = "hash", .type = BPF_MAP_TYPE_HASH },
		{ .name = "percpu_hash", .type = BPF_MAP_TYPE_PERCPU_HASH },
	};
	char fs[] = "/tmp/mapsize-bench-mig.XXXXXX", pin[sizeof(fs) + 4];
	int rounds = bench_rounds_set ? bench_rounds : 5, ret = 0;
	double t_start = now_ns();

	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	if (probe_bpf())
		return EXIT_REFUSED;
	if (!mkdtemp(fs) || mount("bpf", fs, "bpf", 0, NULL)) {
		fprintf(stderr, "migrate: a bpffs under /tmp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(pin, sizeof(pin), "%s/m", fs);
	for (int round = 0; round < rounds && !ret; round++)
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && !ret; i++)
			ret = one_round(&rows[i], round, pin);
	umount2(fs, MNT_DETACH);
	rmdir(fs);
	if (ret)
		return ret;

	printf("## (f) Migrating a pinned map of 1,000,000 entries\n\n");
	printf("A map (u32 key, u64 value; max_entries %u) pinned on a private bpffs is migrated to max_entries %u "
	       "with `mapsize_pin__migrate()`: create the new map and the snapshot (a log of key + 8-byte value digest "
	       "records in an array of 64 KiB values), copy every entry into the new map and the log with BPF_MAP_LOOKUP_BATCH + BPF_MAP_UPDATE_BATCH "
	       "(chunks of %u), pin, journal, one rename over the pin.  Reference in the same round: create a map of "
	       "the new size and copy every entry into it with BPF_MAP_LOOKUP_BATCH + BPF_MAP_UPDATE_BATCH.  %d "
	       "interleaved rounds, medians [quartiles of the ratio]; this node has %d possible CPUs (a percpu value "
	       "is read and written for each).\n\n", OLD_MAX, NEW_MAX, CHUNK, rounds, libbpf_num_possible_cpus());
	printf("| map | migrate, ns/entry | plain copy, ns/entry | ratio migrate / plain | target <= 1.5x | renames that "
	       "change the pin's map | finish (nothing to carry), ns/entry |\n|---|--:|--:|--:|---|--:|--:|\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mig_row *r = &rows[i];
		double ratio = median(r->ratio, rounds);

		printf("| %s | %.0f | %.0f | **%.2f** [%.2f-%.2f] | %s | %u%s | %.0f |\n", r->name, median(r->mig, rounds),
		       median(r->plain, rounds), ratio, quantile(r->ratio, rounds, 0.25),
		       quantile(r->ratio, rounds, 0.75), ratio <= 1.5 ? "**pass**" : "**fail**", r->renames_max,
		       r->renames_min == r->renames_max ? "" : " (varied)", median(r->fin, rounds));
	}
	printf("\nThe migration does what the plain copy does plus a 64-bit FNV-1a digest per value and one "
	       "64 KiB array update per ~5,000 entries (the snapshot log): that is the price of a finish that can tell who "
	       "wrote a key after the copy.  The pin changes map in exactly one rename(2) of PATH-mapsize-new over "
	       "PATH (the old map keeps its second pin PATH-mapsize-old until finish).\n\n");
	printf("Section wall time %.1f s.\n\n", (now_ns() - t_start) / 1e9);
	return 0;
}
