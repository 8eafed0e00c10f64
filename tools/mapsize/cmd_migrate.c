// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize migrate RULES --object FILE [--pin-root DIR] [--dry-run] [--finish]
 * [--min-change PERCENT] [--format json] (issue 23 item 4): for each map of
 * the object pinned by name whose action is `migrate`, carry its entries
 * into the planned size (mapsize_pin__migrate); --finish after the agent
 * restarted (mapsize_pin__finish).  Maps whose pin the plan reuses are still
 * passed to the library, which finishes, rolls back or forward what an
 * interrupted run left, or says a migration waits for --finish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/migrate.h>
#include "mapsize.h"
#include "pin_rows.h"

enum { OPT_DRY_RUN = 0x300, OPT_FINISH, OPT_MIN_CHANGE };

struct migrate_cmd {
	const char *object, *pin_root;
	bool dry_run, finish;
	int min_change;		/* -1: the library's default */
	const char *min_change_arg;
};

/* One map's outcome: what the table and the JSON both print. */
struct migrate_row {
	const struct pin_row *pin;
	int err;
	bool called;		/* the library ran on it (else: action none/refuse) */
	struct mapsize_migrate_result res;
};

static int migrate_opt(int opt, const char *arg, void *ctx)
{
	struct migrate_cmd *mc = ctx;
	char *end;
	long v;

	switch (opt) {
	case 'O':
		mc->object = arg;
		return 1;
	case OPT_PIN_ROOT:
		mc->pin_root = arg;
		return 1;
	case OPT_DRY_RUN:
		mc->dry_run = true;
		return 1;
	case OPT_FINISH:
		mc->finish = true;
		return 1;
	case OPT_MIN_CHANGE:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || v > 100) {
			fprintf(stderr, "error: --min-change '%s': expected a whole percentage from 0 to 100\n", arg);
			return -1;
		}
		mc->min_change = (int)v;
		mc->min_change_arg = arg;
		return 1;
	default:
		return 0;
	}
}

static const char *outcome_of(const struct migrate_row *r)
{
	if (!r->called)
		return r->pin->err == -ENOENT ? "nothing-pinned" : "refused";
	return mapsize_migrate_outcome__name(r->res.outcome);
}

static const char *reason_of(const struct migrate_row *r)
{
	return r->called ? r->res.reason : r->pin->reason;
}

static void run_row(struct migrate_row *r, const struct mapsize_plan *plan, const struct migrate_cmd *mc)
{
	const struct pin_row *p = r->pin;
	const struct mapsize_plan_map *pm = mapsize_plan__find(plan, p->map);
	double headroom = pin_action__headroom(pm);
	struct mapsize_migrate_spec spec = { .sz = sizeof(spec), .max_entries = p->planned.max_entries,
		    .map_flags = p->planned.map_flags, .map_flags_mask = ~0U, .bpf_type = p->planned.bpf_type,
		    .key_size = p->planned.key_size, .value_size = p->planned.value_size,
		    .headroom_milli = headroom > 1 ? (uint32_t)(headroom * 1000 + 0.5) : 1000 };
	struct mapsize_migrate_opts mo = { .sz = sizeof(mo), .dry_run = mc->dry_run,
		    .min_change_pct = mc->min_change < 0 ? 0 : mc->min_change ? mc->min_change : -1 };

	r->res.sz = sizeof(r->res);
	if (mc->finish) {
		if (p->err == -ENOENT)
			return;
		r->called = true;
		r->err = mapsize_pin__finish(p->path, &mo, &r->res);
		return;
	}
	/* refuse: the library would refuse the same; nothing pinned: nothing to do */
	if (p->err || p->action == PIN_ACTION_REFUSE || p->action == PIN_ACTION_NONE)
		return;
	r->called = true;
	r->err = mapsize_pin__migrate(p->path, &spec, &mo, &r->res);
}

static jv_t *row_json(const struct migrate_row *r)
{
	const struct mapsize_migrate_result *m = &r->res;
	jv_t *o = jv_object();

	jv_object_set_new(o, "map", jv_string(r->pin->map));
	jv_object_set_new(o, "path", jv_string(r->pin->path));
	jv_object_set_new(o, "action", jv_string(r->pin->err && r->pin->err != -ENOENT ? "unknown" :
						 pin_action__name(r->pin->action)));
	jv_object_set_new(o, "outcome", jv_string(outcome_of(r)));
	jv_object_set_new(o, "error", r->err ? jv_string(strerror(-r->err)) : jv_null());
	jv_object_set_new(o, "old_max_entries", r->called && m->old_max_entries ? jv_integer(m->old_max_entries)
									 : jv_null());
	jv_object_set_new(o, "new_max_entries", jv_integer(r->called && m->new_max_entries ? m->new_max_entries
											 : r->pin->planned.max_entries));
	jv_object_set_new(o, "live_entries", jv_u64(m->live_entries));
	jv_object_set_new(o, "copied", jv_u64(m->copied));
	jv_object_set_new(o, "updated", jv_u64(m->updated));
	jv_object_set_new(o, "deleted", jv_u64(m->deleted));
	jv_object_set_new(o, "skipped", jv_u64(m->skipped));
	jv_object_set_new(o, "failed", jv_u64(m->failed));
	jv_object_set_new(o, "renames", jv_integer(m->renames));
	jv_object_set_new(o, "recovery", jv_string(m->recovery));
	jv_object_set_new(o, "reason", jv_string(reason_of(r)));
	return o;
}

static void print_table(const struct migrate_row *rows, size_t cnt, const struct migrate_cmd *mc)
{
	printf("%s%s (pin root %s):\n%-24s %-17s %10s %10s %10s %10s %8s %8s %8s %7s\n",
	       mc->finish ? "finish" : "migrate", mc->dry_run ? " --dry-run" : "",
	       mc->pin_root ? mc->pin_root : PIN_ROOT_DEFAULT, "MAP", "OUTCOME", "OLD_MAX", "NEW_MAX", "LIVE",
	       "COPIED", "UPDATED", "DELETED", "SKIPPED", "FAILED");
	for (size_t i = 0; i < cnt; i++) {
		const struct migrate_row *r = &rows[i];
		const struct mapsize_migrate_result *m = &r->res;

		printf("%-24s %-17s %10u %10u %10llu %10llu %8llu %8llu %8llu %7llu\n  %s%s%s%s%s\n", r->pin->map,
		       outcome_of(r), m->old_max_entries, r->called && m->new_max_entries ? m->new_max_entries
										    : r->pin->planned.max_entries,
		       (unsigned long long)m->live_entries, (unsigned long long)m->copied,
		       (unsigned long long)m->updated, (unsigned long long)m->deleted,
		       (unsigned long long)m->skipped, (unsigned long long)m->failed, r->pin->path,
		       reason_of(r)[0] ? ": " : "", reason_of(r), m->recovery[0] ? "; " : "", m->recovery);
	}
}

int do_migrate(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "object", required_argument, NULL, 'O' },
		PIN_ROOT_OPTION,
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "finish", no_argument, NULL, OPT_FINISH },
		{ "min-change", required_argument, NULL, OPT_MIN_CHANGE },
	};
	struct migrate_cmd mc = { .min_change = -1 };
	struct plan_options po;
	const char *rules = parse_cmd_args(argc, argv, &po, extra, ARRAY_SIZE(extra), migrate_opt, &mc);
	struct pin_rows pins = { 0 };
	struct migrate_row *rows = NULL;
	struct mapsize_plan *plan;
	size_t failed = 0;
	int ret;

	if (!rules)
		return 2;
	if (!mc.object) {
		fprintf(stderr, "error: migrate needs --object FILE, the agent's BPF object: its maps pinned by "
			"name are the ones migrated\n");
		return 2;
	}
	if (po.format != FORMAT_TABLE && po.format != FORMAT_JSON) {
		fprintf(stderr, "error: migrate prints a table or --format json\n");
		return 2;
	}
	po.object = mc.object;	/* named in the errors about its maps */
	plan = plan_options__plan(&po, rules, NULL);
	if (!plan)
		return 2;
	pins.root = mc.pin_root;
	ret = pin_rows__from_object(&pins, plan, mc.object);
	if (ret)
		goto out;
	rows = calloc(pins.cnt ? pins.cnt : 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "error: out of memory\n");
		ret = 1;
		goto out;
	}
	for (size_t i = 0; i < pins.cnt; i++) {
		rows[i].pin = &pins.v[i];
		run_row(&rows[i], plan, &mc);
		if (rows[i].err || (!rows[i].called && !mc.finish && pins.v[i].err != -ENOENT)) {
			failed++;
			fprintf(stderr, "%s: error: map '%s' pinned at %s: %s\n", mc.object, pins.v[i].map,
				pins.v[i].path, reason_of(&rows[i]));
		}
	}
	if (po.format == FORMAT_JSON) {
		jv_t *root = jv_root(), *maps = jv_array();

		jv_object_set_new(root, "pin_root", jv_string(mc.pin_root ? mc.pin_root : PIN_ROOT_DEFAULT));
		jv_object_set_new(root, "finish", jv_boolean(mc.finish));
		jv_object_set_new(root, "dry_run", jv_boolean(mc.dry_run));
		jv_object_set_new(root, "min_change_percent",
				  jv_integer(mc.min_change < 0 ? MAPSIZE_MIGRATE_MIN_CHANGE_DEFAULT : mc.min_change));
		for (size_t i = 0; i < pins.cnt; i++)
			jv_array_append_new(maps, row_json(&rows[i]));
		jv_object_set_new(root, "maps", maps);
		ret = print_json(root);
	} else {
		print_table(rows, pins.cnt, &mc);
	}
	if (!ret && failed)
		ret = 1;
out:
	free(rows);
	pin_rows__free(&pins);
	mapsize_plan__free(plan);
	return ret;
}
