// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize_pin__migrate(): a pinned map to a new size, crash-safe
 * (<mapsize/migrate.h> has the flow, the pins and the journal).
 *
 * Why one plain rename(2): the old map gets a second pin (PATH-mapsize-old)
 * before the swap, so renaming PATH-mapsize-new over PATH replaces what
 * PATH names in one atomic step (simple_rename drops the old dentry, not
 * the map, which the second pin holds).  RENAME_EXCHANGE (bpffs has it from
 * 5.x) would do the same in one call but is not needed and older kernels
 * lack it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "map_batch.h"
#include "pin_migrate.h"

/* A reason naming a long path is cut at the end of the result's buffer. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define COPY_CHUNK 8192

static const char *const outcome_names[] = {
	[MAPSIZE_MIGRATE_UNCHANGED] = "unchanged",
	[MAPSIZE_MIGRATE_SMALL_CHANGE] = "small-change",
	[MAPSIZE_MIGRATE_WOULD_MIGRATE] = "would-migrate",
	[MAPSIZE_MIGRATE_MIGRATED] = "migrated",
	[MAPSIZE_MIGRATE_PENDING_FINISH] = "pending-finish",
	[MAPSIZE_MIGRATE_FINISHED] = "finished",
	[MAPSIZE_MIGRATE_NOTHING_TO_FINISH] = "nothing-to-finish",
	[MAPSIZE_MIGRATE_REFUSED] = "refused",
};

const char *mapsize_migrate_outcome__name(enum mapsize_migrate_outcome outcome)
{
	return (unsigned int)outcome < ARRAY_SIZE(outcome_names) ? outcome_names[outcome] : NULL;
}

static int refuse(struct mapsize_migrate_result *r, int err, const char *fmt, ...) __printf(3, 4);
static int refuse(struct mapsize_migrate_result *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->outcome = MAPSIZE_MIGRATE_REFUSED;
	return err;
}

/* The id of the map pinned at path: 0 or -errno (-ENOENT: nothing there). */
static int pin_id(const char *path, uint32_t *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	*id = info.id;
	return err;
}

/* Back to before the migration: PATH was not touched (states prepare and
 * copying), only the pins beside it go. */
static int roll_back(const struct pin_paths *p)
{
	return pin_unlink(p->new_pin) ?: pin_unlink(p->snap_pin) ?: pin_unlink(p->old_pin) ?:
	       pin_journal__remove(p);
}

/* What an interrupted run left: rolled back or forward to a state the
 * caller continues from (none, swapped or finishing). */
static int recover(const struct pin_paths *p, struct pin_journal *j, struct mapsize_migrate_result *r)
{
	uint32_t id;
	int err = pin_journal__read(p, j);

	if (err == -EBADMSG)
		return refuse(r, err, "%s is not a mapsize journal: remove it after checking the pins beside it",
			      p->journal);
	if (err)
		return refuse(r, err, "cannot read %s: %s", p->journal, strerror(-err));
	switch (j->state) {
	case PIN_STATE_PREPARE:
	case PIN_STATE_COPYING:
		snprintf(r->recovery, sizeof(r->recovery),
			 "rolled back a migration interrupted in state %s (%s was not changed)",
			 pin_state__name(j->state), p->canon);
		err = roll_back(p);
		j->state = PIN_STATE_NONE;
		return err ? refuse(r, err, "cannot roll back: %s", strerror(-err)) : 0;
	case PIN_STATE_COPIED:
		err = pin_id(p->new_pin, &id);
		if (!err) {
			if (id != j->new_id)
				return refuse(r, -EBUSY, "%s names map %u, the journal says %u", p->new_pin, id,
					      j->new_id);
			if (rename(p->new_pin, p->canon))
				return refuse(r, -errno, "cannot rename %s: %s", p->new_pin, strerror(errno));
			r->renames++;
		} else if (err != -ENOENT || pin_id(p->canon, &id) || id != j->new_id) {
			return refuse(r, -EBUSY, "interrupted migration of %s: neither %s nor it names map %u",
				      p->canon, p->new_pin, j->new_id);
		}
		snprintf(r->recovery, sizeof(r->recovery),
			 "rolled forward a migration interrupted after its copy: %s names the new map", p->canon);
		j->state = PIN_STATE_SWAPPED;
		err = pin_journal__write(p, j);
		return err ? refuse(r, err, "cannot write %s: %s", p->journal, strerror(-err)) : 0;
	default:
		return 0;
	}
}

/* A map like `old` with the planned size and flags; BTF from the old map's
 * btf_id; a map of maps takes the template from one of its inner maps. */
static int create_new(const struct pin_map *old, uint32_t max_entries, uint32_t flags,
		      struct mapsize_migrate_result *r)
{
	LIBBPF_OPTS(bpf_map_create_opts, co, .map_flags = flags, .map_extra = old->info.map_extra);
	int btf_fd = -1, inner_fd = -1, fd, err;

	if (old->info.btf_id && (old->info.btf_key_type_id || old->info.btf_value_type_id)) {
		btf_fd = bpf_btf_get_fd_by_id(old->info.btf_id);
		if (btf_fd >= 0) {
			co.btf_fd = btf_fd;
			co.btf_key_type_id = old->info.btf_key_type_id;
			co.btf_value_type_id = old->info.btf_value_type_id;
		}
	}
	if (old->of_maps) {
		char *val = calloc(1, old->value_bytes);
		struct map_key_walk w;
		__u32 id = 0;

		err = map_key_walk__init(&w, old->fd, old->info.key_size, MAP_KEY_WALK_NO_BUDGET);
		if (!err && !val)
			err = -ENOMEM;
		/* the first key holding an inner map (array slots may be empty);
		 * an error ends the search like the end of the map does */
		while (!err && !id && map_key_walk__next(&w) > 0) {
			if (!pin_map__lookup(old, w.key, val))
				memcpy(&id, val, sizeof(id));
		}
		map_key_walk__free(&w);
		free(val);
		if (id)
			inner_fd = bpf_map_get_fd_by_id(id);
		if (inner_fd < 0) {
			if (btf_fd >= 0)
				close(btf_fd);
			return refuse(r, -EINVAL, "the map of maps holds no inner map to take the inner map "
				      "template from: nothing to carry, let the agent recreate it");
		}
		co.inner_map_fd = inner_fd;
	}
	fd = bpf_map_create(old->info.type, old->info.name, old->info.key_size, old->info.value_size, max_entries,
			    &co);
	err = fd < 0 ? -errno : 0;
	if (btf_fd >= 0)
		close(btf_fd);
	if (inner_fd >= 0)
		close(inner_fd);
	if (err)
		return refuse(r, err, "the kernel refused the new map (max_entries %u, flags 0x%x): %s",
			      max_entries, flags, strerror(-err));
	return fd;
}

struct copy_ctx {
	const struct pin_map *old, *new;
	struct pin_snap_writer snap;
	uint32_t new_max;
	bool index_keys;	/* arrays and array of maps: keys are indices < max_entries */
	bool no_batch;
	char *keys, *vals;
	uint32_t cap;
	uint64_t copied, live;
	struct mapsize_migrate_result *r;
	const char *path;
};

static int copy_chunk(void *arg, const char *keys, const char *vals, uint32_t n)
{
	struct copy_ctx *c = arg;
	size_t ks = c->old->info.key_size, vs = c->old->value_bytes;
	uint32_t kept = 0, done;
	int err;

	if (n > c->cap) {
		free(c->keys);
		free(c->vals);
		c->keys = malloc((size_t)n * ks);
		c->vals = malloc((size_t)n * vs);
		c->cap = c->keys && c->vals ? n : 0;
		if (!c->cap)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *k = keys + i * ks, *v = vals + i * vs;
		bool zero = c->old->dense && pin_map__value_zero(c->old, v);

		if (c->index_keys && *(const uint32_t *)k >= c->new_max) {
			if (zero)
				continue;
			return refuse(c->r, -E2BIG, "%s: index %u holds a value and the new size is %u entries",
				      c->path, *(const uint32_t *)k, c->new_max);
		}
		c->live += !zero;
		memcpy(c->keys + (size_t)kept * ks, k, ks);
		memcpy(c->vals + (size_t)kept * vs, v, vs);
		err = pin_snap_writer__add(&c->snap, k, pin_map__digest(c->old, v));
		if (err)
			return refuse(c->r, err, "%s: writing the snapshot: %s", c->path, strerror(-err));
		kept++;
	}
	err = pin_map__update_many(c->new, c->keys, c->vals, kept, c->no_batch, &done);
	if (err == -E2BIG || err == -ENOMEM)
		return refuse(c->r, -E2BIG, "%s: the new map of %u entries is full after %llu entries", c->path,
			      c->new_max, (unsigned long long)(c->copied + done));
	if (err)
		return refuse(c->r, err, "%s: copying into the new map: %s", c->path, strerror(-err));
	if (!c->copied && kept)
		pin_step_done(MAPSIZE_MIGRATE_STEP_PART_COPIED);
	c->copied += kept;
	return 0;
}

static int count_chunk(void *arg, const char *keys, const char *vals, uint32_t n)
{
	*(uint64_t *)arg += n;
	return 0;
}

/* Entries the new map must hold: a shrink keeps the rule's headroom over
 * the live entries, a grow only has to hold them (as pin_action__decide). */
static uint64_t entries_needed(uint64_t live, uint32_t headroom_milli, uint32_t old_max, uint32_t new_max)
{
	return new_max < old_max ? (live * headroom_milli + 999) / 1000 : live;
}

/* The checks that need the live entries, after the copy counted them. */
static int check_fit(const struct copy_ctx *c, uint32_t headroom_milli, uint32_t new_flags, const char *path)
{
	struct mapsize_migrate_result *r = c->r;
	uint64_t need = entries_needed(c->live, headroom_milli, r->old_max_entries, c->new_max);
	unsigned int t = c->old->info.type;
	int cpus = libbpf_num_possible_cpus();
	uint64_t lru_room = c->new_max, in_new = 0;
	int err;

	if (c->old->dense)
		return 0;	/* every index below the new size fits; the copy checked the others */
	if (need > c->new_max)
		return refuse(r, -E2BIG, "%s: %llu live entries with headroom %u.%03u need %llu, the plan gives %u",
			      path, (unsigned long long)c->live, headroom_milli / 1000, headroom_milli % 1000,
			      (unsigned long long)need, c->new_max);
	if (t != BPF_MAP_TYPE_LRU_HASH && t != BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return 0;
	cpus = cpus > 0 ? cpus : 1;
	/* each CPU has its own list: the copy fills one (bpf_percpu_lru_pop_free) */
	if (new_flags & BPF_F_NO_COMMON_LRU)
		lru_room = c->new_max / cpus;
	if (need > lru_room)
		return refuse(r, -E2BIG, "%s: an LRU map of %u entries would evict: %llu live entries with headroom "
			      "need %llu, its free lists leave room for %llu", path, c->new_max,
			      (unsigned long long)c->live, (unsigned long long)need, (unsigned long long)lru_room);
	/* A common LRU evicts once its global free list is empty, while the
	 * local lists of the CPUs the copy ran on still hold up to 128 nodes
	 * each (LOCAL_FREE_TARGET): count what the new map kept. */
	err = pin_map__walk(c->new, COPY_CHUNK, c->no_batch, count_chunk, &in_new);
	if (err)
		return refuse(r, err, "%s: counting the new map: %s", path, strerror(-err));
	if (in_new != c->copied)
		return refuse(r, -E2BIG, "%s: the new LRU map evicted %llu of %llu entries while copied", path,
			      (unsigned long long)(c->copied - in_new), (unsigned long long)c->copied);
	return 0;
}

static int copy_and_swap(const struct pin_paths *p, struct pin_map *old, const struct mapsize_migrate_spec *spec,
			 uint32_t new_flags, bool no_batch, struct mapsize_migrate_result *r)
{
	struct pin_journal j = { .state = PIN_STATE_PREPARE, .old_id = old->info.id };
	struct pin_map new = { .fd = -1 }, snap = { .fd = -1 };
	struct copy_ctx c = { .old = old, .new = &new, .new_max = r->new_max_entries,
			      .no_batch = no_batch, .r = r, .path = p->canon };
	int err, fd;

	c.index_keys = old->dense || old->info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
	err = pin_journal__write(p, &j);
	if (err)
		return refuse(r, err, "cannot write the journal %s: %s", p->journal, strerror(-err));
	pin_step_done(MAPSIZE_MIGRATE_STEP_PREPARE);

	fd = create_new(old, r->new_max_entries, new_flags, r);
	err = fd < 0 ? fd : pin_map__init(&new, fd);
	if (!err) {
		fd = pin_snap__create(old);
		err = fd < 0 ? refuse(r, fd, "the kernel refused the snapshot map: %s", strerror(-fd))
			     : pin_map__init(&snap, fd);
		if (!err)
			err = pin_snap_writer__init(&c.snap, snap.fd, old->info.key_size, snap.info.max_entries);
	}
	if (!err && (bpf_obj_pin(new.fd, p->new_pin) || bpf_obj_pin(snap.fd, p->snap_pin) ||
		     bpf_obj_pin(old->fd, p->old_pin)))
		err = refuse(r, -errno, "cannot pin beside %s: %s", p->canon, strerror(errno));
	if (err)
		goto fail;
	j.state = PIN_STATE_COPYING;
	j.new_id = new.info.id;
	j.snap_id = snap.info.id;
	err = pin_journal__write(p, &j);
	if (err) {
		refuse(r, err, "cannot write the journal %s: %s", p->journal, strerror(-err));
		goto fail;
	}
	pin_step_done(MAPSIZE_MIGRATE_STEP_CREATED);

	err = pin_map__walk(old, COPY_CHUNK, no_batch, copy_chunk, &c);
	if (!err) {
		err = pin_snap_writer__flush(&c.snap);
		if (err)
			refuse(r, err, "%s: writing the snapshot: %s", p->canon, strerror(-err));
	}
	if (err && r->outcome != MAPSIZE_MIGRATE_REFUSED)
		refuse(r, err, "%s: copying: %s", p->canon, strerror(-err));
	r->copied = c.copied;
	r->live_entries = c.live;
	if (!err)
		err = check_fit(&c, spec->headroom_milli ?: 1000, new_flags, p->canon);
	if (err)
		goto fail;
	pin_step_done(MAPSIZE_MIGRATE_STEP_COPIED);

	j.state = PIN_STATE_COPIED;
	err = pin_journal__write(p, &j);
	if (err) {
		refuse(r, err, "cannot write the journal %s: %s", p->journal, strerror(-err));
		goto fail;
	}
	pin_step_done(MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED);

	/* the one step where PATH changes map */
	if (rename(p->new_pin, p->canon)) {
		err = refuse(r, -errno, "cannot rename %s over %s: %s", p->new_pin, p->canon, strerror(errno));
		goto fail;
	}
	r->renames++;
	pin_step_done(MAPSIZE_MIGRATE_STEP_RENAMED);
	j.state = PIN_STATE_SWAPPED;
	err = pin_journal__write(p, &j);	/* a failure here is rolled forward next time */
	pin_step_done(MAPSIZE_MIGRATE_STEP_SWAPPED);
	r->outcome = MAPSIZE_MIGRATE_MIGRATED;
	snprintf(r->reason, sizeof(r->reason), "restart the agent, then finish (the old map is pinned at %s)",
		 p->old_pin);
	err = 0;
	goto out;
fail:
	if (roll_back(p))
		snprintf(r->recovery, sizeof(r->recovery), "could not remove the pins beside %s", p->canon);
out:
	free(c.keys);
	free(c.vals);
	pin_snap_writer__free(&c.snap);
	pin_map__close(&new);
	pin_map__close(&snap);
	return err;
}

struct dry_ctx {
	const struct pin_map *m;
	uint32_t new_max;
	uint64_t live;
	bool beyond;	/* an index at or past the new size holds a value */
};

static int dry_chunk(void *arg, const char *keys, const char *vals, uint32_t n)
{
	struct dry_ctx *d = arg;

	for (uint32_t i = 0; i < n; i++) {
		bool zero = d->m->dense && pin_map__value_zero(d->m, vals + i * d->m->value_bytes);
		bool index = d->m->dense || d->m->info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS;

		d->live += !zero;
		if (index && !zero && *(const uint32_t *)(keys + (size_t)i * d->m->info.key_size) >= d->new_max)
			d->beyond = true;
	}
	return 0;
}

static int dry_run(const struct pin_paths *p, const struct pin_map *old, const struct mapsize_migrate_spec *spec,
		   bool no_batch, struct mapsize_migrate_result *r)
{
	struct dry_ctx d = { .m = old, .new_max = r->new_max_entries };
	uint32_t headroom = spec->headroom_milli ?: 1000;
	uint64_t need;
	int err = pin_map__walk(old, COPY_CHUNK, no_batch, dry_chunk, &d);

	if (err)
		return refuse(r, err, "%s: reading the live map: %s", p->canon, strerror(-err));
	r->live_entries = d.live;
	need = entries_needed(d.live, headroom, r->old_max_entries, r->new_max_entries);
	if (d.beyond)
		return refuse(r, -E2BIG, "%s: indices at or past the new size %u hold values", p->canon,
			      r->new_max_entries);
	if (!old->dense && need > r->new_max_entries)
		return refuse(r, -E2BIG, "%s: %llu live entries with headroom need %llu, the plan gives %u",
			      p->canon, (unsigned long long)d.live, (unsigned long long)need, r->new_max_entries);
	r->outcome = MAPSIZE_MIGRATE_WOULD_MIGRATE;
	return 0;
}

/* A spec the entries cannot be carried to, or a change too small. */
static int check_spec(const struct pin_paths *p, const struct pin_map *old, const struct mapsize_migrate_spec *spec,
		      int min_change_pct, struct mapsize_migrate_result *r)
{
	const struct bpf_map_info *in = &old->info;
	const char *why = pin_map_type_refusal(in->type);
	uint64_t diff;

	if (spec->bpf_type && spec->bpf_type != in->type)
		return refuse(r, -EINVAL, "%s: the live map's type is %s, the plan's %s: entries cannot be carried; "
			      "the agent recreates the map", p->canon, libbpf_bpf_map_type_str(in->type) ?: "?",
			      libbpf_bpf_map_type_str(spec->bpf_type) ?: "?");
	if ((spec->key_size && spec->key_size != in->key_size) ||
	    (spec->value_size && spec->value_size != in->value_size))
		return refuse(r, -EINVAL, "%s: the live map has key/value size %u/%u, the plan %u/%u: entries "
			      "cannot be carried; the agent recreates the map", p->canon, in->key_size,
			      in->value_size, spec->key_size ?: in->key_size, spec->value_size ?: in->value_size);
	if (why)
		return refuse(r, -EINVAL, "%s: a %s map is not migrated: %s", p->canon,
			      libbpf_bpf_map_type_str(in->type) ?: "?", why);
	if (r->new_max_entries == r->old_max_entries && r->new_flags == r->old_flags) {
		r->outcome = MAPSIZE_MIGRATE_UNCHANGED;
		return 1;
	}
	diff = r->new_max_entries > r->old_max_entries ? r->new_max_entries - r->old_max_entries
						       : r->old_max_entries - r->new_max_entries;
	if (r->new_flags == r->old_flags && min_change_pct > 0 && diff * 100 < (uint64_t)min_change_pct * r->old_max_entries) {
		r->outcome = MAPSIZE_MIGRATE_SMALL_CHANGE;
		snprintf(r->reason, sizeof(r->reason), "max_entries %u -> %u moves by less than %d%%: left alone",
			 r->old_max_entries, r->new_max_entries, min_change_pct);
		return 1;
	}
	return 0;
}

static int result_begin(struct mapsize_migrate_result *res, const char *pin_path, struct pin_paths *p)
{
	if (!STRUCT_VALID(res, mapsize_migrate_result))
		return -EINVAL;
	struct_out_reset(res);
	return pin_paths__init(p, pin_path);
}

int mapsize_pin__migrate(const char *pin_path, const struct mapsize_migrate_spec *spec,
			 const struct mapsize_migrate_opts *opts, struct mapsize_migrate_result *res)
{
	struct pin_paths p;
	struct pin_journal j;
	struct pin_map old;
	bool no_batch, dry;
	int min_change, err;

	if (!spec || !OPTS_VALID(spec, mapsize_migrate_spec) || !OPTS_VALID(opts, mapsize_migrate_opts))
		return -EINVAL;
	err = result_begin(res, pin_path, &p);
	if (err)
		return err;
	min_change = OPTS_GET(opts, min_change_pct, 0) ?: MAPSIZE_MIGRATE_MIN_CHANGE_DEFAULT;
	no_batch = OPTS_GET(opts, no_batch, false);
	dry = OPTS_GET(opts, dry_run, false);
	if (!spec->max_entries)
		return refuse(res, -EINVAL, "%s: the plan gives max_entries 0", pin_path);

	if (dry) {
		err = pin_journal__read(&p, &j);
		if (!err && j.state != PIN_STATE_NONE)
			return refuse(res, -EBUSY, "%s: a migration is under way (journal state %s): run it or "
				      "--finish first", pin_path, pin_state__name(j.state));
	} else {
		err = recover(&p, &j, res);
		if (err)
			return err;
		if (j.state == PIN_STATE_FINISHING) {
			/* finish was asked for once: the agent runs on the new map */
			err = pin_finish_run(&p, &j, no_batch, res);
			if (err)
				return err;
			snprintf(res->recovery, sizeof(res->recovery), "completed an interrupted finish");
		} else if (j.state == PIN_STATE_SWAPPED) {
			res->outcome = MAPSIZE_MIGRATE_PENDING_FINISH;
			snprintf(res->reason, sizeof(res->reason), "%s was migrated: restart the agent, then finish",
				 pin_path);
			return 0;
		}
	}

	err = pin_map__open(&old, pin_path);
	if (err)
		return refuse(res, err, "%s: %s", pin_path,
			      err == -ENOENT ? "no map pinned there" :
			      err == -EMEDIUMTYPE ? "a BPF object that is not a map is pinned there" : strerror(-err));
	res->bpf_type = old.info.type;
	res->old_max_entries = old.info.max_entries;
	res->old_flags = old.info.map_flags;
	res->new_max_entries = spec->max_entries;
	res->new_flags = (old.info.map_flags & ~spec->map_flags_mask) | (spec->map_flags & spec->map_flags_mask);
	err = check_spec(&p, &old, spec, min_change, res);
	if (err > 0)
		err = 0;
	else if (!err)
		err = dry ? dry_run(&p, &old, spec, no_batch, res)
			  : copy_and_swap(&p, &old, spec, res->new_flags, no_batch, res);
	pin_map__close(&old);
	return err;
}

int mapsize_pin__finish(const char *pin_path, const struct mapsize_migrate_opts *opts,
			struct mapsize_migrate_result *res)
{
	struct pin_paths p;
	struct pin_journal j;
	int err;

	if (!OPTS_VALID(opts, mapsize_migrate_opts))
		return -EINVAL;
	err = result_begin(res, pin_path, &p);
	if (err)
		return err;
	if (OPTS_GET(opts, dry_run, false)) {
		err = pin_journal__read(&p, &j);
		if (err)
			return refuse(res, err, "cannot read %s: %s", p.journal, strerror(-err));
		res->outcome = j.state == PIN_STATE_SWAPPED || j.state == PIN_STATE_FINISHING
				       ? MAPSIZE_MIGRATE_WOULD_MIGRATE : MAPSIZE_MIGRATE_NOTHING_TO_FINISH;
		return 0;
	}
	err = recover(&p, &j, res);
	if (err)
		return err;
	if (j.state == PIN_STATE_NONE) {
		res->outcome = MAPSIZE_MIGRATE_NOTHING_TO_FINISH;
		return 0;
	}
	if (res->renames) {
		/* the swap was completed just now: the agent still runs on the old map */
		res->outcome = MAPSIZE_MIGRATE_PENDING_FINISH;
		snprintf(res->reason, sizeof(res->reason), "%s names the new map only now: restart the agent, then "
			 "finish", pin_path);
		return 0;
	}
	return pin_finish_run(&p, &j, OPTS_GET(opts, no_batch, false), res);
}
