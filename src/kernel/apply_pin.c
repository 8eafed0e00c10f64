// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pinned maps in mapsize_plan__apply() (issue 23).  libbpf reuses the map
 * pinned at a map's pin path only when type, key and value size,
 * max_entries, map_flags and map_extra all equal the object's
 * (map_is_reuse_compat()), else fails the whole load with "couldn't reuse
 * pinned map ... parameter mismatch" and nothing saying which value or what
 * to do.  So apply looks first, with what the object will ask for after the
 * plan, and refuses with the pin, both specs and the command that helps,
 * keeps the pinned map (the object then asks for its spec and libbpf
 * reuses it), or migrates. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <mapsize/migrate.h>
#include "apply_pin.h"
#include "internal.h"
#include "pin_live.h"

/* "max_entries 10000, flags 0x0", with type, key and value size first when
 * they differ from `other`, and map_extra when it does. */
static void spec_str(const struct pin_map_spec *s, const struct pin_map_spec *other, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (s->bpf_type != other->bpf_type)
		n += snprintf(buf + n, size - n, "type %s, ", mapsize_bpf_map_type__name(s->bpf_type));
	if (n < size && s->key_size != other->key_size)
		n += snprintf(buf + n, size - n, "key_size %u, ", s->key_size);
	if (n < size && s->value_size != other->value_size)
		n += snprintf(buf + n, size - n, "value_size %u, ", s->value_size);
	if (n < size)
		n += snprintf(buf + n, size - n, "max_entries %u, flags 0x%x", s->max_entries, s->map_flags);
	if (n < size && s->map_extra != other->map_extra)
		snprintf(buf + n, size - n, ", map_extra %llu", (unsigned long long)s->map_extra);
}

static void entries_str(const struct pin_live *live, char *buf, size_t size)
{
	if (live->entries_known)
		snprintf(buf, size, "%llu live entries", (unsigned long long)live->entries);
	else
		snprintf(buf, size, "live entries not counted: %s",
			 live->entries_note ? live->entries_note : "no method");
}

/* `mapsize migrate RULES --object FILE --pin-root DIR` for this pin. */
static void migrate_cmd(const char *path, const char *object_path, char *buf, size_t size)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(buf, size, "mapsize migrate RULES --object %s --pin-root %s",
		 object_path ? object_path : "FILE", dirname(dir));
}

/* ---- migrate policy ---------------------------------------------------------------
 * Carry the entries of the map pinned at `path` into a map of the planned
 * size and flags (mapsize_pin__migrate: PATH names it after one rename, the
 * old map stays pinned beside it until finish), then hand the new map to
 * libbpf with bpf_map__reuse_fd() so the load takes it.  Any change is
 * migrated (min_change off): libbpf reuses only an exact match.  A
 * migration already waiting for finish leaves PATH as it is: libbpf reuses
 * it when it matches, else the error says to finish first.  `name` is the
 * rule's: bpf_map__reuse_fd() replaces the map's own with the kernel's. */
static int apply_pin__migrate(struct bpf_map *map, const char *name, const char *path,
			      const struct pin_map_spec *planned, double headroom, char **warning,
			      struct mapsize_error *err)
{
	LIBBPF_OPTS(mapsize_migrate_spec, spec, .max_entries = planned->max_entries,
		    .map_flags = planned->map_flags, .map_flags_mask = ~0U, .bpf_type = planned->bpf_type,
		    .key_size = planned->key_size, .value_size = planned->value_size,
		    .headroom_milli = headroom > 1 ? (uint32_t)(headroom * 1000 + 0.5) : 1000);
	LIBBPF_OPTS(mapsize_migrate_opts, mo, .min_change_pct = -1);
	struct mapsize_migrate_result r = { .sz = sizeof(r) };
	int ret, fd;

	ret = mapsize_pin__migrate(path, &spec, &mo, &r);
	if (ret)
		return error_set(err, ret, NULL, "map '%s' pinned at %s: migration to max_entries %u, flags 0x%x "
				 "refused: %s", name, path, planned->max_entries, planned->map_flags, r.reason);
	if (r.outcome == MAPSIZE_MIGRATE_PENDING_FINISH)
		return error_set(err, -EBUSY, NULL, "map '%s' pinned at %s: an earlier migration waits for its "
				 "finish (%s); expected `mapsize migrate --finish` or mapsize_pin__finish() first",
				 name, path, r.reason);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return error_set(err, -errno, NULL, "map '%s': cannot open the migrated map at %s: %s", name, path,
				 strerror(errno));
	ret = bpf_map__reuse_fd(map, fd);
	close(fd);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': libbpf refused the migrated map at %s: %s", name, path,
				 strerror(-ret));
	if (asprintf(warning, "map '%s': migrated the map pinned at %s from %u to %u entries (%llu copied%s%s); "
		     "once the new programs are attached, mapsize_pin__finish() or `mapsize migrate --finish` "
		     "carries over what the old ones wrote since and unpins the old map", name, path,
		     r.old_max_entries, r.new_max_entries, (unsigned long long)r.copied,
		     r.recovery[0] ? "; " : "", r.recovery) < 0) {
		*warning = NULL;
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	pr_warn("warning: %s\n", *warning);
	return 0;
}

int apply_pin__check(struct bpf_map *map, struct mapsize_applied_map *am, enum mapsize_pin_policy policy,
		     const char *object_path, char **warning, struct mapsize_error *err)
{
	const char *path = bpf_map__pin_path(map);
	struct pin_map_spec planned = {
		.bpf_type = bpf_map__type(map), .key_size = bpf_map__key_size(map),
		.value_size = bpf_map__value_size(map), .max_entries = bpf_map__max_entries(map),
		.map_flags = bpf_map__map_flags(map), .map_extra = bpf_map__map_extra(map),
	};
	const double headroom = pin_action__headroom(am->planned);
	struct pin_map_spec lspec;
	struct pin_live_fill fill;
	struct pin_live live;
	enum pin_action action;
	char reason[512], ls[160], ps[160], ents[160], cmd[4200];
	int ret;

	*warning = NULL;
	am->pin_path = path;
	if (!path)
		return 0;
	ret = pin_live__open(path, &live);
	if (ret >= 0) {
		int fd = ret;

		/* an unchanged pin (every restart but the first after a new plan) is not counted */
		pin_live__spec(&live, &lspec, &fill);
		ret = pin_action__decide(&planned, &lspec, NULL, headroom, NULL, 0) == PIN_ACTION_REUSE ? 1 :
		      pin_live__count(fd, &live);
		close(fd);
		if (ret == 1)
			return 0;
	}
	if (ret == -ENOENT)
		return 0;
	if (ret == -EMEDIUMTYPE)
		return error_set(err, ret, NULL, "map '%s': %s holds a BPF object that is not a map, where libbpf "
				 "would reuse or pin the map; expected a map pinned there or nothing",
				 am->name, path);
	if (ret)
		return error_set(err, ret, NULL, "map '%s': cannot read the map pinned at %s: %s%s", am->name, path,
				 strerror(-ret), ret == -EPERM || ret == -EACCES ?
				 " (needs root or CAP_BPF + CAP_SYS_ADMIN)" : "");
	action = pin_live__decide(&live, &planned, headroom, reason, sizeof(reason));
	if (action == PIN_ACTION_REUSE)
		return 0;
	pin_live__spec(&live, &lspec, &fill);
	spec_str(&lspec, &planned, ls, sizeof(ls));
	spec_str(&planned, &lspec, ps, sizeof(ps));
	entries_str(&live, ents, sizeof(ents));
	migrate_cmd(path, object_path, cmd, sizeof(cmd));
	/* another type or entry size: no policy can make libbpf reuse it */
	if (lspec.bpf_type != planned.bpf_type || lspec.key_size != planned.key_size ||
	    lspec.value_size != planned.value_size)
		return error_set(err, -EINVAL, NULL, "map '%s' is pinned at %s with %s (%s) but the object asks "
				 "for %s: it can be neither reused nor migrated (%s); expected the rules and the "
				 "object to match the pinned map, or the pin removed (rm %s; its entries are lost)",
				 am->name, path, ls, ents, ps, reason, path);
	if (policy == MAPSIZE_PIN_KEEP) {
		ret = bpf_map__set_max_entries(map, lspec.max_entries);
		if (!ret)
			ret = bpf_map__set_map_flags(map, lspec.map_flags);
		if (!ret)
			ret = bpf_map__set_map_extra(map, lspec.map_extra);
		if (ret)
			return error_set(err, ret, NULL, "map '%s': libbpf refused the pinned map's size or flags: %s",
					 am->name, strerror(-ret));
		am->max_entries = lspec.max_entries;
		am->map_flags = lspec.map_flags;
		am->pin_kept = true;
		if (asprintf(warning, "map '%s': kept the map pinned at %s with %s (%s) instead of the plan's %s "
			     "(pin policy keep); `%s` resizes it keeping its entries", am->name, path, ls, ents, ps,
			     cmd) < 0) {
			*warning = NULL;
			return error_set(err, -ENOMEM, NULL, "out of memory");
		}
		pr_warn("warning: %s\n", *warning);
		return 0;
	}
	if (action == PIN_ACTION_MIGRATE && policy == MAPSIZE_PIN_MIGRATE)
		return apply_pin__migrate(map, am->name, path, &planned, headroom, warning, err);
	if (action == PIN_ACTION_MIGRATE)
		return error_set(err, -EEXIST, NULL, "map '%s' is pinned at %s with %s (%s) but the plan gives %s: "
				 "libbpf would refuse to reuse it (%s); run `%s` before the load to carry its entries "
				 "into the new size, or apply with pin policy keep to keep the pinned map",
				 am->name, path, ls, ents, ps, reason, cmd);
	return error_set(err, -EEXIST, NULL, "map '%s' is pinned at %s with %s (%s) but the plan gives %s: it "
			 "cannot be migrated (%s); expected a plan its entries fit, apply with pin policy keep to keep "
			 "the pinned map, or the pin removed (rm %s; its entries are lost)", am->name, path, ls, ents,
			 ps, reason, path);
}
