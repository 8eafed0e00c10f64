// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pinned maps in plan and verify (issue 23 item 2): where each map pins,
 * what is pinned there, and what the plan needs done with it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"
#include "pin_rows.h"
#include "../../src/kernel/object_source.h"

int pin_rows__add(struct pin_rows *rows, const char *name, const struct pin_map_spec *planned,
		  const struct mapsize_plan_map *pm)
{
	struct pin_row *v = realloc(rows->v, (rows->cnt + 1) * sizeof(*v)), *r;
	int ret;

	if (!v) {
		fprintf(stderr, "error: out of memory\n");
		return -ENOMEM;
	}
	rows->v = v;
	r = memset(&v[rows->cnt], 0, sizeof(*r));
	ret = pin_path__build(rows->root, name, r->path, sizeof(r->path));
	if (ret) {
		fprintf(stderr, "error: --pin-root %s: the pin path of map '%s' is too long, expected at most "
			"%d bytes\n", rows->root, name, PATH_MAX - 1);
		return ret;
	}
	r->map = strdup(name);
	if (!r->map) {
		fprintf(stderr, "error: out of memory\n");
		return -ENOMEM;
	}
	rows->cnt++;
	r->planned = *planned;
	r->err = pin_live__read(r->path, &r->live);
	if (r->err == -ENOENT) {
		r->action = PIN_ACTION_NONE;
		snprintf(r->reason, sizeof(r->reason), "nothing pinned there: libbpf creates the map and pins it");
	} else if (r->err == -EMEDIUMTYPE) {
		r->action = PIN_ACTION_REFUSE;
		snprintf(r->reason, sizeof(r->reason), "a BPF object that is not a map is pinned there");
	} else if (r->err) {
		snprintf(r->reason, sizeof(r->reason), "cannot read the pin: %s%s", strerror(-r->err),
			 r->err == -EPERM || r->err == -EACCES ? " (needs root or CAP_BPF + CAP_SYS_ADMIN)" : "");
	} else {
		r->action = pin_live__decide(&r->live, planned, pin_action__headroom(pm), r->reason,
					     sizeof(r->reason));
	}
	return 0;
}

int pin_rows__from_object(struct pin_rows *rows, const struct mapsize_plan *plan, const char *object)
{
	struct mapsize_error err;
	struct object_maps *om;
	int ret;

	ret = object_source__read_maps(object, &om, &err);
	if (ret) {
		print_error(&err);
		return 2;
	}
	for (size_t i = 0; i < om->nr && !ret; i++) {
		const struct object_maps_def *d = &om->defs[i];
		const struct pin_map_spec compiled = {
			.bpf_type = d->type, .key_size = d->key_size, .value_size = d->value_size,
			.max_entries = d->max_entries, .map_flags = d->map_flags, .map_extra = d->map_extra,
		};
		const struct mapsize_plan_map *pm;
		struct pin_map_spec planned;

		/* libbpf pins BTF-defined maps with `pinning`; legacy definitions never */
		if (d->origin != OBJECT_MAPS_BTF || d->pinning != PIN_BY_NAME)
			continue;
		pm = mapsize_plan__find(plan, d->name);
		pin_action__planned(pm, &compiled, &planned);
		ret = pin_rows__add(rows, d->name, &planned, pm);
	}
	object_maps__free(om);
	return ret ? 1 : 0;
}

const struct pin_row *pin_rows__find(const struct pin_rows *rows, const char *name)
{
	for (size_t i = 0; i < rows->cnt; i++)
		if (!strcmp(rows->v[i].map, name))
			return &rows->v[i];
	return NULL;
}

static const char *action_name(const struct pin_row *r)
{
	return r->err && r->err != -ENOENT && r->err != -EMEDIUMTYPE ? "unknown" : pin_action__name(r->action);
}

jv_t *pin_row__json(const struct pin_row *r)
{
	jv_t *o = jv_object();
	bool live = !r->err;

	jv_object_set_new(o, "path", jv_string(r->path));
	jv_object_set_new(o, "live_max_entries", live ? jv_integer(r->live.max_entries) : jv_null());
	jv_object_set_new(o, "live_entries", live && r->live.entries_known ? jv_u64(r->live.entries) : jv_null());
	jv_object_set_new(o, "action", jv_string(action_name(r)));
	jv_object_set_new(o, "reason", jv_string(r->reason));
	jv_object_set_new(o, "live_type", live ? jv_string(mapsize_bpf_map_type__name(r->live.type)) : jv_null());
	jv_object_set_new(o, "live_key_size", live ? jv_integer(r->live.key_size) : jv_null());
	jv_object_set_new(o, "live_value_size", live ? jv_integer(r->live.value_size) : jv_null());
	jv_object_set_new(o, "live_map_flags", live ? jv_integer(r->live.map_flags) : jv_null());
	jv_object_set_new(o, "live_id", live ? jv_integer(r->live.id) : jv_null());
	jv_object_set_new(o, "planned_max_entries", jv_integer(r->planned.max_entries));
	jv_object_set_new(o, "planned_map_flags", jv_integer(r->planned.map_flags));
	return o;
}

void pin_rows__print(const struct pin_rows *rows, FILE *out)
{
	if (!rows->cnt)
		return;
	fprintf(out, "\npinned maps (pin root %s):\n%-24s %-40s %-10s %4s %6s %6s %10s %12s  %s\n",
		rows->root ? rows->root : PIN_ROOT_DEFAULT, "MAP", "PIN", "LIVE_TYPE", "KEY", "VALUE", "FLAGS",
		"LIVE_MAX", "LIVE_ENTRIES", "ACTION");
	for (size_t i = 0; i < rows->cnt; i++) {
		const struct pin_row *r = &rows->v[i];
		char flags[16] = "-", key[16] = "-", value[16] = "-", max[16] = "-", entries[24] = "-";

		if (!r->err) {
			snprintf(flags, sizeof(flags), "0x%x", r->live.map_flags);
			snprintf(key, sizeof(key), "%u", r->live.key_size);
			snprintf(value, sizeof(value), "%u", r->live.value_size);
			snprintf(max, sizeof(max), "%u", r->live.max_entries);
			if (r->live.entries_known)
				snprintf(entries, sizeof(entries), "%llu", (unsigned long long)r->live.entries);
		}
		fprintf(out, "%-24s %-40s %-10s %4s %6s %6s %10s %12s  %s\n  %s\n", r->map, r->path,
			r->err ? "-" : mapsize_bpf_map_type__name(r->live.type), key, value, flags, max, entries,
			action_name(r), r->reason);
	}
}

size_t pin_rows__report(const struct pin_rows *rows, const char *rules, const char *object)
{
	char root[PATH_MAX];
	size_t errors = 0;

	snprintf(root, sizeof(root), "%s", rows->root ? rows->root : PIN_ROOT_DEFAULT);
	for (size_t i = 0; i < rows->cnt; i++) {
		const struct pin_row *r = &rows->v[i];

		if (r->err == -ENOENT || (!r->err && r->action == PIN_ACTION_REUSE))
			continue;
		if (!r->err && r->action == PIN_ACTION_MIGRATE) {
			fprintf(stderr, "%s: warning: map '%s' is pinned at %s with max_entries %u flags 0x%x, the plan "
				"gives max_entries %u flags 0x%x (%s): the agent's load fails until `mapsize migrate %s "
				"--object %s --pin-root %s` carries its entries into the new size\n", object, r->map,
				r->path, r->live.max_entries, r->live.map_flags, r->planned.max_entries,
				r->planned.map_flags, r->reason, rules, object, root);
			continue;
		}
		errors++;
		if (r->err && r->err != -EMEDIUMTYPE)
			fprintf(stderr, "%s: error: map '%s' pins at %s: %s\n", object, r->map, r->path, r->reason);
		else if (r->err)
			fprintf(stderr, "%s: error: map '%s' pins at %s, but %s, expected a map or nothing\n", object,
				r->map, r->path, r->reason);
		else
			fprintf(stderr, "%s: error: map '%s' is pinned at %s with type %s key_size %u value_size %u "
				"max_entries %u flags 0x%x, the plan gives %s %u %u %u 0x%x: the agent's load would fail "
				"and the pin cannot be migrated (%s); expected a plan that fits the pinned map, or the "
				"pin removed (its entries are lost)\n", object, r->map, r->path,
				mapsize_bpf_map_type__name(r->live.type), r->live.key_size, r->live.value_size,
				r->live.max_entries, r->live.map_flags, mapsize_bpf_map_type__name(r->planned.bpf_type),
				r->planned.key_size, r->planned.value_size, r->planned.max_entries,
				r->planned.map_flags, r->reason);
	}
	return errors;
}

void pin_rows__free(struct pin_rows *rows)
{
	for (size_t i = 0; i < rows->cnt; i++)
		free(rows->v[i].map);
	free(rows->v);
	rows->v = NULL;
	rows->cnt = 0;
}
