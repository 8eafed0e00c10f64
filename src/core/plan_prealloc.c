// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Preallocation: the global default, per-map settings, the exception lists
 * and `auto`, within what the kernel and the programs allow.  Pure computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

/* ---- preallocation -------------------------------------------------------------------- */

static char *eligible_list(const struct mapsize_plan *plan)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < plan->map_cnt; i++)
		if (plan->maps[i].prealloc_toggle)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", plan->maps[i].name);
	if (!sb.len)
		strbuf_addf(&sb, "(none)");
	return strbuf_detach(&sb);
}

static int set_reason(struct mapsize_plan_map *m, const char *fmt, ...) __printf(2, 3);

static int set_reason(struct mapsize_plan_map *m, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free((char *)m->prealloc_reason);
	m->prealloc_reason = s;
	return 0;
}

/* Who asked for a map's preallocation, lowest precedence first. */
enum prealloc_source {
	FROM_KERNEL_DEFAULT,
	FROM_RULE,
	FROM_GLOBAL_DEFAULT,	/* --bpf-maps-prealloc */
	FROM_PROFILE,		/* an override file's maps.NAME.prealloc */
	FROM_SET,		/* --set maps.NAME.prealloc */
};

/* Decide one map's preallocation before the command-line exception lists. */
int plan_decide_prealloc(struct plan_ctx *c, const struct rule *r, struct mapsize_plan_map *m)
{
	const struct map_type_info *ti = map_type_info(r->type);
	enum mapsize_prealloc want = r->prealloc;
	enum prealloc_source from = r->prealloc_node ? FROM_RULE : FROM_KERNEL_DEFAULT;
	char source[320];
	const char *why;
	bool allowed, asked;

	allowed = mapsize_prealloc_allowed(r->type, r->used_by, c->pl->kernel_version, &why);
	m->prealloc_toggle = allowed;
	snprintf(source, sizeof(source), r->prealloc_node ? "rule at %s:%u:%u" : "kernel default",
		 c->rules->doc.file, r->prealloc_node ? r->prealloc_node->line : 0,
		 r->prealloc_node ? r->prealloc_node->col : 0);
	if (c->pl->prealloc_default >= 0) {
		want = c->pl->prealloc_default ? MAPSIZE_PREALLOC_TRUE : MAPSIZE_PREALLOC_FALSE;
		from = FROM_GLOBAL_DEFAULT;
		snprintf(source, sizeof(source), "--bpf-maps-prealloc=%s",
			 c->pl->prealloc_default ? "true" : "false");
	}
	if (c->ovr[r - c->rules->rules].prealloc) {
		const struct profile_map *pm = c->ovr[r - c->rules->rules].prealloc;

		want = pm->prealloc;
		from = FROM_PROFILE;
		snprintf(source, sizeof(source), "profile %s:%u:%u",
			 c->ovr[r - c->rules->rules].prealloc_profile->doc.file,
			 pm->prealloc_node->line, pm->prealloc_node->col);
	}
	if (c->ovr[r - c->rules->rules].set_prealloc) {
		const struct set_entry *se = c->ovr[r - c->rules->rules].set_prealloc;

		want = se->prealloc;
		from = FROM_SET;
		snprintf(source, sizeof(source), "%s", se->origin);
	}
	/* The operator asked for this map specifically (profile or --set). */
	asked = from >= FROM_PROFILE;
	if (!ti->prealloc_optional && !ti->no_prealloc_required) {
		m->prealloc = true;
		if (asked && want == MAPSIZE_PREALLOC_FALSE)
			plan_warn(c, "map '%s' stays preallocated despite %s: %s maps are always preallocated",
			     r->name, source, ti->name);
		return set_reason(m, "%s maps are always preallocated", ti->name);
	}
	if (ti->no_prealloc_required) {
		m->prealloc = false;
		if (asked && want == MAPSIZE_PREALLOC_TRUE)
			plan_warn(c, "map '%s' stays not preallocated despite %s: the kernel requires "
			     "BPF_F_NO_PREALLOC for %s maps", r->name, source, ti->name);
		return set_reason(m, "the kernel requires BPF_F_NO_PREALLOC for %s maps", ti->name);
	}
	if (want == MAPSIZE_PREALLOC_AUTO) {
		if (!r->expected.expr) {
			m->prealloc = true;
			return set_reason(m, "auto (%s): no expected entries given, kernel default", source);
		}
		/* expected > max/4, written so a huge expected cannot wrap */
		m->prealloc = m->expected_entries >
			      (uint64_t)m->max_entries * AUTO_NO_PREALLOC_NUM / AUTO_NO_PREALLOC_DEN;
		if (!m->prealloc && !allowed) {
			m->prealloc = true;
			return set_reason(m, "auto (%s): preallocated because %s", source, why);
		}
		return set_reason(m, "auto (%s): expected %llu of %u entries is %s 1/%d", source,
				  (unsigned long long)m->expected_entries, m->max_entries,
				  m->prealloc ? "above" : "at most", AUTO_NO_PREALLOC_DEN);
	}
	m->prealloc = want == MAPSIZE_PREALLOC_TRUE;
	if (!m->prealloc && !allowed) {
		m->prealloc = true;
		/* The operator or the rule asked for this map specifically: tell them. */
		if (asked || from == FROM_RULE)
			plan_warn(c, "map '%s' stays preallocated despite %s: %s", r->name, source, why);
		return set_reason(m, "preallocated because %s", why);
	}
	return set_reason(m, "%s", source);
}

static int check_list_names(struct plan_ctx *c, char **list, size_t cnt, const char *flag)
{
	for (size_t i = 0; i < cnt; i++) {
		const struct mapsize_plan_map *m = mapsize_plan__find(c->plan, list[i]);
		char *eligible;
		int ret = 0;

		if (m && m->prealloc_toggle)
			continue;
		/* Only an error lists the eligible maps: building the list for
		 * every name would be quadratic. */
		eligible = eligible_list(c->plan);
		if (!eligible)
			return error_set(c->err, -ENOMEM, NULL, "out of memory");
		if (!m) {
			const char **names = calloc(c->plan->map_cnt + 1, sizeof(*names));
			char hint[96] = "";

			for (size_t j = 0; names && j < c->plan->map_cnt; j++)
				names[j] = c->plan->maps[j].name;
			if (names)
				suggestion_text(hint, sizeof(hint), list[i], names, c->plan->map_cnt);
			free(names);
			ret = error_set(c->err, -EINVAL, NULL, "%s: unknown map '%s'%s; maps whose "
					"preallocation can toggle: %s", flag, list[i], hint, eligible);
		} else if (!m->prealloc_toggle) {
			const char *why = NULL;

			mapsize_prealloc_allowed(m->type, m->used_by, c->pl->kernel_version, &why);
			ret = error_set(c->err, -EINVAL, NULL, "%s: map '%s' cannot toggle preallocation "
					"(%s); maps that can: %s", flag, list[i], why, eligible);
		}
		free(eligible);
		if (ret)
			return ret;
	}
	return 0;
}

int plan_apply_lists(struct plan_ctx *c)
{
	struct mapsize_planner *pl = c->pl;
	int ret;

	ret = check_list_names(c, pl->disable, pl->disable_cnt, "--bpf-maps-disable-prealloc");
	if (!ret)
		ret = check_list_names(c, pl->enable, pl->enable_cnt, "--bpf-maps-enable-prealloc");
	if (ret)
		return ret;
	for (size_t i = 0; i < pl->disable_cnt; i++)
		for (size_t j = 0; j < pl->enable_cnt; j++)
			if (!strcmp(pl->disable[i], pl->enable[j]))
				return error_set(c->err, -EINVAL, NULL, "map '%s' is named in both "
						 "--bpf-maps-disable-prealloc and --bpf-maps-enable-prealloc, "
						 "expected one of them", pl->disable[i]);
	for (int pass = 0; pass < 2; pass++) {
		char **list = pass ? pl->enable : pl->disable;
		size_t cnt = pass ? pl->enable_cnt : pl->disable_cnt, unchanged = 0;
		const char *flag = pass ? "--bpf-maps-enable-prealloc" : "--bpf-maps-disable-prealloc";
		bool want = pass;

		for (size_t i = 0; i < cnt; i++)
			unchanged += mapsize_plan__find(c->plan, list[i])->prealloc == want;
		/* A list that changes nothing because the default already says so
		 * gets one warning; otherwise each name that changes nothing gets its
		 * own (a list that did switch a map, e.g. one --set turned on, is
		 * silent about that map). */
		if (cnt && unchanged == cnt && pl->prealloc_default == (int)want)
			plan_warn(c, "%s has no effect with --bpf-maps-prealloc=%s (eligible maps are already %s"
				  "preallocated)", flag, want ? "true" : "false", want ? "" : "not ");
		for (size_t i = 0; i < cnt; i++) {
			struct mapsize_plan_map *m = (struct mapsize_plan_map *)mapsize_plan__find(c->plan, list[i]);

			if (m->prealloc == want && !(unchanged == cnt && pl->prealloc_default == (int)want))
				plan_warn(c, "%s=%s has no effect: map '%s' is already %spreallocated (%s)", flag,
				     list[i], list[i], want ? "" : "not ", m->prealloc_reason);
			m->prealloc = want;
			if (set_reason(m, "%s", flag))
				return error_set(c->err, -ENOMEM, NULL, "out of memory");
		}
	}
	return 0;
}
