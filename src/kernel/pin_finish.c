// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize_pin__finish()'s carry-over (pin_migrate.h).
 *
 * Three maps: OLD (what the old programs kept writing after the copy), NEW
 * (what PATH names; the new programs write it since the restart) and SNAP
 * (each key's value digest when it was copied, i.e. what NEW started from).
 * For a key k:
 *   OLD(k) == SNAP(k)             nothing happened in the window
 *   OLD(k) differs or is new      the old programs wrote it: applied to NEW
 *                                 when NEW(k) is still SNAP(k) (absent when
 *                                 SNAP has no k), else the new programs wrote
 *                                 it since: skipped
 *   SNAP(k) but no OLD(k)         the old programs deleted it: deleted from
 *                                 NEW when NEW(k) is still SNAP(k), else skipped
 * Running it twice gives the same NEW (an applied key no longer equals SNAP,
 * so it is skipped), which is what makes a rerun after a crash safe.  The
 * one blind spot: a new program writing exactly the copied value back is
 * taken for "not written".  SNAP is read into memory once: its keys and
 * 8-byte digests, a few tens of bytes an entry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "internal.h"
#include "pin_migrate.h"

/* A reason naming a long path is cut at the end of the result's buffer. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define CARRY_CHUNK 8192

/* SNAP read once into memory (its log, pin_snap.c): open addressing on the key bytes; `seen` marks the keys the walk
 * of OLD met, the others are the deleted candidates. */
struct snap_slot {
	uint64_t digest;
	bool used, seen;
	char key[];
};

struct snap_table {
	size_t key_size, slot_size, cap, cnt;
	char *slots;
};

static struct snap_slot *slot_at(const struct snap_table *t, size_t i)
{
	return (struct snap_slot *)(t->slots + i * t->slot_size);
}

static struct snap_slot *snap_find(const struct snap_table *t, const void *key, bool *found)
{
	size_t i = fnv1a(FNV1A_INIT, key, t->key_size) & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct snap_slot *s = slot_at(t, i);

		if (!s->used || !memcmp(s->key, key, t->key_size)) {
			*found = s->used;
			return s;
		}
	}
}

static int snap_grow(struct snap_table *t)
{
	struct snap_table n = *t;

	n.cap = t->cap ? t->cap * 2 : 1024;
	n.slots = calloc(n.cap, n.slot_size);
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct snap_slot *s = slot_at(t, i), *d;
		bool found;

		if (!s->used)
			continue;
		d = snap_find(&n, s->key, &found);
		memcpy(d, s, n.slot_size);
	}
	free(t->slots);
	*t = n;
	return 0;
}

static int snap_load(void *arg, const void *key, uint64_t digest)
{
	struct snap_table *t = arg;
	struct snap_slot *s;
	bool found;

	if ((t->cnt + 1) * 2 > t->cap && snap_grow(t))
		return -ENOMEM;
	s = snap_find(t, key, &found);
	if (!found) {
		s->used = true;
		memcpy(s->key, key, t->key_size);
		t->cnt++;
	}
	s->digest = digest;
	return 0;
}

struct carry_ctx {
	const struct pin_map *old, *new;
	struct snap_table snap;
	bool index_keys;
	char *val;		/* one value of NEW / OLD as read */
	uint64_t chunks;
	struct mapsize_migrate_result *r;
};

/* NEW(k) is what the copy left: present with SNAP's digest, or absent as SNAP. */
static int new_untouched(const struct carry_ctx *c, const void *key, bool in_snap, uint64_t snap_digest)
{
	int err = pin_map__lookup(c->new, key, c->val);

	if (err == -ENOENT)
		return !in_snap;
	if (err)
		return err;
	return in_snap && pin_map__digest(c->new, c->val) == snap_digest;
}

static int carry_chunk(void *arg, const char *keys, const char *vals, uint32_t n)
{
	struct carry_ctx *c = arg;
	size_t ks = c->old->info.key_size, vs = c->old->value_bytes;

	for (uint32_t i = 0; i < n; i++) {
		const char *k = keys + i * ks, *v = vals + i * vs;
		struct snap_slot *s;
		uint64_t snap_digest = 0;
		bool in_snap;
		int untouched, err;

		s = snap_find(&c->snap, k, &in_snap);
		if (in_snap) {
			s->seen = true;
			snap_digest = s->digest;
			if (pin_map__digest(c->old, v) == snap_digest)
				continue;
		}
		if (c->index_keys && *(const uint32_t *)k >= c->new->info.max_entries) {
			if (!c->old->dense || !pin_map__value_zero(c->old, v))
				c->r->failed++;	/* written past the new size in the window */
			continue;
		}
		untouched = new_untouched(c, k, in_snap, snap_digest);
		if (untouched < 0)
			return untouched;
		if (!untouched) {
			c->r->skipped++;
			continue;
		}
		err = pin_map__update(c->new, k, v, BPF_ANY);
		if (err)
			c->r->failed++;
		else
			c->r->updated++;
	}
	if (!c->chunks++)
		pin_step_done(MAPSIZE_MIGRATE_STEP_PART_CARRIED);
	return 0;
}

/* SNAP's keys the walk of OLD did not meet: deleted by the old programs in
 * the window (a lookup in OLD confirms it). */
static int carry_deletes(struct carry_ctx *c)
{
	for (size_t i = 0; i < c->snap.cap; i++) {
		struct snap_slot *s = slot_at(&c->snap, i);
		int err;

		if (!s->used || s->seen)
			continue;
		err = pin_map__lookup(c->old, s->key, c->val);
		if (err != -ENOENT) {
			if (err)
				return err;
			continue;
		}
		err = pin_map__lookup(c->new, s->key, c->val);
		if (err == -ENOENT)
			continue;	/* gone from NEW too (or a rerun) */
		if (err)
			return err;
		if (pin_map__digest(c->new, c->val) != s->digest) {
			c->r->skipped++;
			continue;
		}
		err = bpf_map_delete_elem(c->new->fd, s->key);
		if (err && err != -ENOENT)
			c->r->failed++;
		else
			c->r->deleted++;
	}
	return 0;
}

static int fail(struct mapsize_migrate_result *r, int err, const char *what, const char *path)
{
	snprintf(r->reason, sizeof(r->reason), "%s %s: %s", what, path, strerror(-err));
	r->outcome = MAPSIZE_MIGRATE_REFUSED;
	return err;
}

int pin_finish_run(const struct pin_paths *p, struct pin_journal *j, bool no_batch,
		   struct mapsize_migrate_result *r)
{
	struct pin_map old = { .fd = -1 }, new = { .fd = -1 }, snap = { .fd = -1 };
	struct carry_ctx c = { .old = &old, .new = &new, .r = r };
	int err;

	err = pin_map__open(&new, p->canon);
	if (err)
		return fail(r, err, "cannot open the new map", p->canon);
	if (new.info.id != j->new_id) {
		pin_map__close(&new);
		snprintf(r->reason, sizeof(r->reason), "%s names map %u, the journal %s says %u: it was replaced "
			 "since; the pins beside it were left", p->canon, new.info.id, p->journal, j->new_id);
		r->outcome = MAPSIZE_MIGRATE_REFUSED;
		return -EBUSY;
	}
	r->bpf_type = new.info.type;
	r->new_max_entries = new.info.max_entries;
	r->new_flags = new.info.map_flags;
	if (j->state != PIN_STATE_FINISHING) {
		j->state = PIN_STATE_FINISHING;
		err = pin_journal__write(p, j);
		if (err) {
			pin_map__close(&new);
			return fail(r, err, "cannot write", p->journal);
		}
	}
	pin_step_done(MAPSIZE_MIGRATE_STEP_FINISHING);

	err = pin_map__open(&old, p->old_pin);
	if (err == -ENOENT)
		goto unpin_snap;	/* removed after a complete carry-over */
	if (err) {
		fail(r, err, "cannot open the old map", p->old_pin);
		goto out;
	}
	err = pin_map__open(&snap, p->snap_pin);
	if (err) {
		fail(r, err, "cannot open the snapshot", p->snap_pin);
		goto out;
	}
	r->old_max_entries = old.info.max_entries;
	r->old_flags = old.info.map_flags;
	c.index_keys = old.dense || old.info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
	c.val = malloc(old.value_bytes > sizeof(uint64_t) ? old.value_bytes : sizeof(uint64_t));
	c.snap.key_size = old.info.key_size;
	c.snap.slot_size = (sizeof(struct snap_slot) + old.info.key_size + 7) & ~(size_t)7;
	err = c.val ? snap_grow(&c.snap) : -ENOMEM;
	if (!err)
		err = pin_snap__read(snap.fd, old.info.key_size, snap.info.max_entries, snap_load, &c.snap);
	if (!err)
		err = pin_map__walk(&old, CARRY_CHUNK, no_batch, carry_chunk, &c);
	if (!err && !old.dense)
		err = carry_deletes(&c);
	if (err) {
		fail(r, err, "carrying over into", p->canon);
		goto out;
	}
	pin_step_done(MAPSIZE_MIGRATE_STEP_CARRIED);
	err = pin_unlink(p->old_pin);
	if (err) {
		fail(r, err, "cannot unpin", p->old_pin);
		goto out;
	}
	pin_step_done(MAPSIZE_MIGRATE_STEP_OLD_UNPINNED);
unpin_snap:
	err = pin_unlink(p->snap_pin);
	if (!err) {
		pin_step_done(MAPSIZE_MIGRATE_STEP_SNAP_UNPINNED);
		err = pin_journal__remove(p);
	}
	if (err) {
		fail(r, err, "cannot remove the snapshot or journal beside", p->canon);
		goto out;
	}
	j->state = PIN_STATE_NONE;
	r->outcome = MAPSIZE_MIGRATE_FINISHED;
out:
	free(c.val);
	free(c.snap.slots);
	pin_map__close(&old);
	pin_map__close(&new);
	pin_map__close(&snap);
	return err;
}
