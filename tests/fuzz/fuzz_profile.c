// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: an override profile (mapsize_planner__add_profile: src/core/profile.c
 * over src/core/yaml_doc.c).  A profile that parses is added twice (layers) and
 * planned against a fixed rules document touching every kind of map, so
 * dimensions, `base:` and per-map overrides reach the planner. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;
	int ret;

	fuzz_quiet();
	pl = mapsize_planner__new(NULL, &err);
	fuzz_check(pl, "planner: %s", err.msg);
	ret = mapsize_planner__add_profile(pl, (const char *)data, size, FUZZ_FILE);
	if (ret) {
		fuzz_check(ret == mapsize_planner__error(pl)->code, "return %d, error code %d", ret,
			   mapsize_planner__error(pl)->code);
		fuzz_check_error(mapsize_planner__error(pl), FUZZ_FILE);
		fuzz_check_loc(mapsize_planner__error(pl), FUZZ_FILE, (const char *)data, size);
		mapsize_planner__free(pl);
		return 0;
	}
	fuzz_check(!mapsize_planner__error(pl)->code, "success with an error set");
	/* The same document again: the second layer wins over the first. */
	ret = mapsize_planner__add_profile(pl, (const char *)data, size, "fuzz2.yaml");
	fuzz_check(!ret, "the same profile failed the second time: %s", mapsize_planner__error(pl)->msg);

	rules = mapsize_rules__parse(fuzz_rules_yaml, sizeof(fuzz_rules_yaml) - 1, "rules.yaml", &err);
	fuzz_check(rules, "fixed rules: %s", err.msg);
	plan = mapsize_planner__plan(pl, rules);
	if (plan) {
		fuzz_check_plan(plan);
		mapsize_plan__free(plan);
	} else {
		fuzz_check_error(mapsize_planner__error(pl), NULL);
		fuzz_check_loc(mapsize_planner__error(pl), FUZZ_FILE, (const char *)data, size);
		fuzz_check_loc(mapsize_planner__error(pl), "fuzz2.yaml", (const char *)data, size);
	}
	mapsize_rules__free(rules);
	mapsize_planner__free(pl);
	return 0;
}
