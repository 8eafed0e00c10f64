// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the whole pipeline.  The input is a rules document and an
 * override profile separated by a line "#8<" (a YAML comment, so mutations
 * that break it still leave valid YAML):
 *
 *   app: x\nmaps: ...\n#8<\nname: p\ndimensions: ...
 *
 * Without the separator the input is the rules alone.  A hash of the input
 * picks --map-size and the target kernel, so every combination is reached
 * deterministically.  rules + profile -> mapsize_planner__plan ->
 * mapsize_plan__header + mapsize_plan__memory (both eras). */
#include "fuzz_common.h"

#define FUZZ_SEP "\n#8<\n"

/* Per-instance sizing of every inner rule: within [min, max], the template's
 * size where it does not apply, and a grow never below the current size. */
static void fuzz_check_inner_instances(const struct mapsize_plan *plan)
{
	static const uint64_t lives[] = { 0, 1, 7, 1000, UINT64_MAX };

	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);
		struct mapsize_inner_sizing s = { .sz = sizeof(s) };

		if (!m->inner_of)
			continue;
		fuzz_check(!mapsize_plan__inner_sizing(plan, m->inner_of, &s), "inner sizing of '%s'", m->name);
		fuzz_check(s.min_entries >= 1 && s.min_entries <= s.max_entries && s.why, "instance bounds of '%s'",
			   m->name);
		for (size_t j = 0; j < sizeof(lives) / sizeof(lives[0]); j++) {
			uint32_t e = 0, next = 0;
			bool per = false;
			int a;

			fuzz_check(!mapsize_plan__inner_entries(plan, m->inner_of, lives[j], &e, &per), "entries");
			fuzz_check(per ? e >= s.min_entries && e <= s.max_entries : e == m->max_entries,
				   "instance of '%s' for %llu live: %u", m->name, (unsigned long long)lives[j], e);
			a = mapsize_inner__check(plan, m->inner_of, lives[j], e ? e : 1, NULL, &next);
			fuzz_check(a >= 0 && (a != MAPSIZE_INNER_GROW || next > e), "check of '%s'", m->name);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sizes[] = { NULL, "small", "medium", "large" };
	static const char *const kernels[] = { NULL, "6.1", "5.10.0-28-amd64", "5.15", "6.8" };
	uint64_t h = fuzz_hash(data, size);
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = sizes[h % 4],
		.kernel_release = kernels[(h >> 2) % 5],
	};
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	const char *rtext, *ptext;
	size_t rlen, plen;

	fuzz_quiet();
	fuzz_split(data, size, FUZZ_SEP, &rtext, &rlen, &ptext, &plen);
	rules = mapsize_rules__parse(rtext, rlen, "rules.yaml", &err);
	if (!rules) {
		fuzz_check_error(&err, "rules.yaml");
		fuzz_check_loc(&err, "rules.yaml", rtext, rlen);
		return 0;
	}
	pl = mapsize_planner__new(&opts, &err);
	fuzz_check(pl, "planner: %s", err.msg);
	if (ptext && mapsize_planner__add_profile(pl, ptext, plen, "profile.yaml")) {
		fuzz_check_error(mapsize_planner__error(pl), "profile.yaml");
		fuzz_check_loc(mapsize_planner__error(pl), "profile.yaml", ptext, plen);
		goto out;
	}
	plan = mapsize_planner__plan(pl, rules);
	if (plan) {
		fuzz_check(mapsize_plan__map_cnt(plan) == mapsize_rules__map_cnt(rules), "map count");
		fuzz_check_plan(plan);
		fuzz_check_inner_instances(plan);
		mapsize_plan__free(plan);
	} else {
		const struct mapsize_error *e = mapsize_planner__error(pl);

		fuzz_check_error(e, NULL);
		fuzz_check_loc(e, "rules.yaml", rtext, rlen);
		if (ptext)
			fuzz_check_loc(e, "profile.yaml", ptext, plen);
		/* Only the two documents came from outside: point into one. */
		if (e->code == -EINVAL)
			fuzz_check(!strcmp(e->file, "rules.yaml") || !strcmp(e->file, "profile.yaml"),
				   "plan error not located in an input: %s:%u:%u: %s", e->file, e->line,
				   e->col, e->msg);
	}
out:
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return 0;
}
