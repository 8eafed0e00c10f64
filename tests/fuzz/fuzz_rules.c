// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: a rules document (mapsize_rules__parse: src/core/rules.c over
 * src/core/yaml_doc.c and libyaml).  A document that parses is planned against
 * the medium profile, so the static checks and the planner's type rules
 * meet the same inputs. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	size_t cnt;

	fuzz_quiet();
	rules = mapsize_rules__parse((const char *)data, size, FUZZ_FILE, &err);
	if (!rules) {
		fuzz_check_error(&err, FUZZ_FILE);
		fuzz_check_loc(&err, FUZZ_FILE, (const char *)data, size);
		return 0;
	}
	fuzz_check(err.code == 0, "success with error code %d", err.code);
	fuzz_check(mapsize_rules__app(rules) && mapsize_rules__app(rules)[0], "no app");
	cnt = mapsize_rules__map_cnt(rules);
	fuzz_check(cnt >= 1, "no maps");
	for (size_t i = 0; i < cnt; i++)
		fuzz_check(mapsize_rules__map_name(rules, i), "map %zu has no name", i);
	fuzz_check(!mapsize_rules__map_name(rules, cnt), "name past the end");

	pl = mapsize_planner__new(NULL, &err);
	fuzz_check(pl, "planner: %s", err.msg);
	plan = mapsize_planner__plan(pl, rules);
	if (plan) {
		fuzz_check(mapsize_plan__map_cnt(plan) == cnt, "plan has %zu maps, rules %zu",
			   mapsize_plan__map_cnt(plan), cnt);
		fuzz_check_plan(plan);
		mapsize_plan__free(plan);
	} else {
		/* Nothing but the rules came from outside: point into them. */
		fuzz_check_error(mapsize_planner__error(pl), FUZZ_FILE);
		fuzz_check_loc(mapsize_planner__error(pl), FUZZ_FILE, (const char *)data, size);
	}
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return 0;
}
