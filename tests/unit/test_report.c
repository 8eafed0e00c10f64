// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the report model (src/core/report.c): plans of three
 * profiles held in memory against a baseline, with figures worked from the
 * memory model's example (tests/unit/test_memory.c, Linux 6.18 x86_64):
 * hash K=16 V=24 M=4096 takes
 *   preallocated:        832 + 16*4096 + 4*C*8 + 88*(4096 + C) + 8*C
 *   not preallocated:    832 + 16*4096 + 4*C*8, + (88 + 8) per live element
 * on C possible CPUs: 427072 / 66432 on 2 CPUs, 427328 / 66496 on 4. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include <mapsize/memory.h>
#include <mapsize/report.h>

static const char *const prof_names[3] = { "small", "medium", "large" };

/* h: not preallocated in the plan, preallocated in the baseline; a: no
 * baseline; o/o.inner: a map-in-map whose baseline outer holds 4 of the 6
 * expected instances. */
static const char *const rules_yaml =
	"app: t\n"
	"maps:\n"
	"  h:\n"
	"    type: hash\n"
	"    key_size: 16\n"
	"    value_size: 24\n"
	"    max_entries: 4096\n"
	"    expected: 2048\n"
	"    prealloc: false\n"
	"    baseline: 4096\n"
	"  a:\n"
	"    type: array\n"
	"    key_size: 4\n"
	"    value_size: 8\n"
	"    max_entries: 16\n"
	"  o:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    max_entries: 8\n"
	"    expected: 6\n"
	"    baseline: 4\n"
	"  o.inner:\n"
	"    type: hash\n"
	"    key_size: 16\n"
	"    value_size: 24\n"
	"    max_entries: 4096\n"
	"    expected: 2048\n"
	"    prealloc: false\n"
	"    baseline: 4096\n";

struct fixture {
	struct mapsize_kernel_consts k;
	struct mapsize_plan *plan[3];
	struct mapsize_report *rep;
};

/* Plans of small, medium and large on 2, 2 and 4 CPUs, added to a new
 * report (medium the reference) with 6.18's struct sizes. */
static void build(struct fixture *f, const char *yaml)
{
	static const char *const cpus[3] = { "cpus=2", "cpus=2", "cpus=4" };
	struct mapsize_error err;

	memset(f, 0, sizeof(*f));
	f->k.sz = sizeof(f->k);
	assert_int_equal(mapsize_kernel_consts__builtin("6.18", &f->k), 0);
	f->k.bpf_htab = 832;	/* the reference 6.18 build of the figures above */
	for (int p = 0; p < 3; p++) {
		struct mapsize_planner *pl = planner(prof_names[p], NULL);

		set_ok(pl, cpus[p]);
		f->plan[p] = plan_ok(pl, yaml);
		mapsize_planner__free(pl);
	}
	{
		MAPSIZE_OPTS(mapsize_report_opts, opts, .consts = &f->k, .era = MAPSIZE_MEM_ERA_MEM_USAGE,
			     .ref_profile = 1);

		f->rep = mapsize_report__new(&opts);
	}
	assert_non_null(f->rep);
	for (int p = 0; p < 3; p++)
		assert_int_equal(mapsize_report__add_plan(f->rep, prof_names[p], f->plan[p], &err), 0);
}

static void release(struct fixture *f)
{
	mapsize_report__free(f->rep);
	for (int p = 0; p < 3; p++)
		mapsize_plan__free(f->plan[p]);
}

static void compute_ok(struct fixture *f)
{
	struct mapsize_error err;

	if (mapsize_report__compute(f->rep, &err))
		fail_msg("compute: %s", err.msg);
}

static size_t map_idx(const struct mapsize_report *rep, const char *name)
{
	for (size_t i = 0; i < mapsize_report__map_cnt(rep); i++)
		if (!strcmp(mapsize_report__map(rep, i)->name, name))
			return i;
	fail_msg("no map '%s' in the report", name);
	return 0;
}

/* ---- costs and savings -------------------------------------------------------- */

static void test_costs_per_profile(void **state)
{
	struct fixture f;
	const struct mapsize_report_map *h;
	size_t ih;

	build(&f, rules_yaml);
	/* figures are not there before compute */
	assert_null(mapsize_report__map_profile(f.rep, 0, 0));
	compute_ok(&f);

	assert_int_equal(mapsize_report__profile_cnt(f.rep), 3);
	assert_int_equal(mapsize_report__map_cnt(f.rep), 4);
	assert_string_equal(mapsize_report__profile(f.rep, 2)->name, "large");
	assert_int_equal(mapsize_report__profile(f.rep, 0)->possible_cpus, 2);
	assert_int_equal(mapsize_report__profile(f.rep, 2)->possible_cpus, 4);

	ih = map_idx(f.rep, "h");
	h = mapsize_report__map(f.rep, ih);
	/* the rules' baseline: `baseline:` entries, preallocated (the kernel default) */
	assert_true(h->has_baseline);
	assert_null(h->baseline_note);
	assert_int_equal(h->baseline.max_entries, 4096);
	assert_int_equal(h->baseline.map_flags & MAPSIZE_F_NO_PREALLOC, 0);
	assert_int_equal(h->baseline.possible_cpus, 2);
	for (int p = 0; p < 3; p++) {
		const struct mapsize_report_map_profile *c = mapsize_report__map_profile(f.rep, ih, p);
		uint64_t pre = p < 2 ? 427072 : 427328, np = p < 2 ? 66432 : 66496;

		assert_false(c->planned->prealloc);
		/* the plan's cost: not preallocated, empty at load, 2048 elements expected */
		assert_int_equal(c->memory.memlock_load, np);
		assert_int_equal(c->memory.memlock_expected, np + 96 * 2048);
		/* the baseline on the profile's own CPUs; preallocated: fill-independent */
		assert_int_equal(c->baseline_memlock, pre);
		assert_int_equal(c->baseline_memlock_expected, pre);
		assert_int_equal(c->baseline_instances_expected, 1);
	}
	/* the reference (medium, 2 CPUs) preallocated vs not */
	assert_true(h->prealloc_toggle);
	assert_int_equal(h->prealloc_memlock, 427072);
	assert_int_equal(h->no_prealloc_memlock, 66432);
	assert_int_equal(h->no_prealloc_memlock_expected, 263040);
	release(&f);
}

static void test_totals_and_savings(void **state)
{
	struct fixture f;
	size_t ia, io, ii;

	build(&f, rules_yaml);
	compute_ok(&f);
	ia = map_idx(f.rep, "a");
	io = map_idx(f.rep, "o");
	ii = map_idx(f.rep, "o.inner");

	/* no baseline: said why, left out of the baseline totals */
	assert_false(mapsize_report__map(f.rep, ia)->has_baseline);
	assert_string_equal(mapsize_report__map(f.rep, ia)->baseline_note, "no `baseline:` in its rule");
	assert_int_equal(mapsize_report__map_profile(f.rep, ia, 1)->baseline_memlock, 0);
	/* arrays cannot toggle */
	assert_false(mapsize_report__map(f.rep, ia)->prealloc_toggle);
	assert_int_equal(mapsize_report__map(f.rep, ia)->prealloc_memlock, 0);

	for (int p = 0; p < 3; p++) {
		const struct mapsize_report_profile *pr = mapsize_report__profile(f.rep, p);
		const struct mapsize_report_map_profile *o = mapsize_report__map_profile(f.rep, io, p);
		const struct mapsize_report_map_profile *in = mapsize_report__map_profile(f.rep, ii, p);
		uint64_t pre = p < 2 ? 427072 : 427328;

		/* the inner template: the profile expects 6 instances, the
		 * baseline's outer map holds 4 */
		assert_int_equal(in->memory.instances_expected, 6);
		assert_int_equal(in->baseline_instances_expected, 4);
		assert_int_equal(in->baseline_memlock, pre);
		/* h + o at load (no inner instance); + 4 inner instances at expected */
		assert_int_equal(pr->baseline_memlock, pre + o->baseline_memlock);
		assert_int_equal(pr->baseline_memlock_expected, pre + o->baseline_memlock_expected + 4 * pre);
		assert_true(o->baseline_memlock > 0);
	}
	/* medium saves (427072 - 66432) / 427072 on h alone */
	{
		const struct mapsize_report_profile *pr = mapsize_report__profile(f.rep, 1);
		const struct mapsize_report_map_profile *o = mapsize_report__map_profile(f.rep, io, 1);
		const struct mapsize_report_map_profile *a = mapsize_report__map_profile(f.rep, ia, 1);
		double pct = 0;

		assert_int_equal(pr->total.memlock_load, 66432 + o->memory.memlock_load + a->memory.memlock_load);
		assert_true(mapsize_savings_percent(427072, 66432, &pct));
		assert_true(pct == 84.44);
		assert_true(mapsize_savings_percent(pr->baseline_memlock, pr->total.memlock_load, &pct));
		assert_true(pct > 0);
	}
	/* the savings compare like with like: each profile's cost over the
	 * maps with a baseline (h, o and o's 6 expected inner instances), a
	 * left out on both sides and counted */
	for (int p = 0; p < 3; p++) {
		const struct mapsize_report_profile *pr = mapsize_report__profile(f.rep, p);
		const struct mapsize_report_map_profile *h = mapsize_report__map_profile(f.rep, map_idx(f.rep, "h"), p);
		const struct mapsize_report_map_profile *o = mapsize_report__map_profile(f.rep, io, p);
		const struct mapsize_report_map_profile *in = mapsize_report__map_profile(f.rep, ii, p);
		const struct mapsize_report_map_profile *a = mapsize_report__map_profile(f.rep, ia, p);

		assert_int_equal(pr->maps_without_baseline, 1);
		assert_int_equal(pr->based_memlock_load, h->memory.memlock_load + o->memory.memlock_load);
		assert_int_equal(pr->based_memlock_load + a->memory.memlock_load, pr->total.memlock_load);
		assert_int_equal(pr->based_memlock_expected, h->memory.memlock_expected + o->memory.memlock_expected +
							      6 * in->memory.memlock_expected);
		assert_int_equal(pr->based_memlock_expected + a->memory.memlock_expected, pr->total.memlock_expected);
	}
	release(&f);
}

static void test_savings_percent(void **state)
{
	double pct = -1;

	assert_true(mapsize_savings_percent(100, 25, &pct));
	assert_true(pct == 75.0);
	assert_true(mapsize_savings_percent(3, 2, &pct));
	assert_true(pct == 33.33);
	assert_true(mapsize_savings_percent(3, 4, &pct));	/* costs more */
	assert_true(pct == -33.33);
	assert_true(mapsize_savings_percent(2, 2, &pct));
	assert_true(pct == 0);
	pct = 7;
	assert_false(mapsize_savings_percent(0, 5, &pct));	/* no baseline */
	assert_true(pct == 7);
}

/* ---- baselines from elsewhere ------------------------------------------------- */

static void test_set_baseline(void **state)
{
	struct fixture f;
	MAPSIZE_OPTS(mapsize_mem_map, b, .type = MAPSIZE_MAP_HASH, .key_size = 16, .value_size = 24,
		     .max_entries = 4096, .possible_cpus = 99);
	struct mapsize_mem_map no_sz = b;
	struct mapsize_error err;
	size_t ih, ia;

	no_sz.sz = 0;
	build(&f, rules_yaml);
	ih = map_idx(f.rep, "h");
	ia = map_idx(f.rep, "a");
	/* `a` gets a baseline (the array as the plan has it), `h` loses its own */
	b.type = MAPSIZE_MAP_ARRAY;
	b.key_size = 4;
	b.value_size = 8;
	b.max_entries = 16;
	assert_int_equal(mapsize_report__set_baseline(f.rep, "a", &b, "ignored"), 0);
	assert_int_equal(mapsize_report__set_baseline(f.rep, "h", NULL, "not in the object"), 0);
	assert_int_equal(mapsize_report__set_baseline(f.rep, "nope", &b, NULL), -ENOENT);
	assert_int_equal(mapsize_report__set_baseline(f.rep, "a", &no_sz, NULL), -EINVAL);
	assert_int_equal(mapsize_report__add_unmanaged(f.rep, "compiled_only"), 0);
	compute_ok(&f);

	assert_false(mapsize_report__map(f.rep, ih)->has_baseline);
	assert_string_equal(mapsize_report__map(f.rep, ih)->baseline_note, "not in the object");
	assert_true(mapsize_report__map(f.rep, ia)->has_baseline);
	assert_null(mapsize_report__map(f.rep, ia)->baseline_note);
	/* possible_cpus is each profile's, not the caller's */
	assert_int_equal(mapsize_report__map(f.rep, ia)->baseline.possible_cpus, 2);
	for (int p = 0; p < 3; p++) {
		const struct mapsize_report_map_profile *a = mapsize_report__map_profile(f.rep, ia, p);

		/* same array as planned: the baseline costs what the plan costs */
		assert_int_equal(a->baseline_memlock, a->memory.memlock_load);
	}
	assert_int_equal(mapsize_report__unmanaged_cnt(f.rep), 1);
	assert_string_equal(mapsize_report__unmanaged(f.rep, 0), "compiled_only");
	assert_null(mapsize_report__unmanaged(f.rep, 1));

	/* read-only once computed */
	assert_int_equal(mapsize_report__set_baseline(f.rep, "a", &b, NULL), -EBUSY);
	assert_int_equal(mapsize_report__add_unmanaged(f.rep, "x"), -EBUSY);
	assert_int_equal(mapsize_report__add_plan(f.rep, "more", f.plan[0], &err), -EBUSY);
	assert_int_equal(mapsize_report__compute(f.rep, &err), -EBUSY);
	release(&f);
}

static void test_invalid_baseline(void **state)
{
	struct fixture f;
	const struct mapsize_report_map *m;

	build(&f, ONE_MAP("    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 8\n"
			  "    baseline: 3000000000\n"));
	capture_reset();
	compute_ok(&f);
	m = mapsize_report__map(f.rep, 0);
	assert_false(m->has_baseline);
	assert_string_equal(m->baseline_note, "invalid baseline");
	assert_contains(captured, "warning: map 'm': the kernel would reject its baseline (max_entries 3000000000");
	assert_int_equal(mapsize_report__profile(f.rep, 1)->baseline_memlock, 0);
	release(&f);
}

/* ---- the API's edges ---------------------------------------------------------- */

static void test_opts_and_errors(void **state)
{
	struct mapsize_report_opts small_sz = { .sz = 4 };
	struct { struct mapsize_report_opts o; char tail[8]; } newer = { .o.sz = sizeof(newer) };
	struct mapsize_report *rep;
	struct mapsize_plan *plan;
	struct mapsize_error err;

	errno = 0;
	assert_null(mapsize_report__new(&small_sz));
	assert_int_equal(errno, EINVAL);
	newer.tail[1] = 1;
	assert_null(mapsize_report__new(&newer.o));
	newer.tail[1] = 0;
	rep = mapsize_report__new(&newer.o);
	assert_non_null(rep);
	mapsize_report__free(rep);

	/* NULL opts: newest built-in sizes, reference profile 0 */
	rep = mapsize_report__new(NULL);
	assert_non_null(rep);
	assert_int_equal(mapsize_report__compute(rep, &err), -EINVAL);	/* no reference plan */
	assert_contains(err.msg, "reference profile");
	mapsize_report__free(rep);

	rep = mapsize_report__new(NULL);
	plan = quick_plan(ONE_MAP("    type: hash\n    key_size: 16\n    value_size: 24\n    max_entries: 4096\n"
				  "    baseline: 4096\n"));
	assert_int_equal(mapsize_report__add_plan(rep, "medium", plan, &err), 0);
	assert_int_equal(mapsize_report__compute(rep, &err), 0);
	/* the baseline (4096, preallocated) is the planned map preallocated */
	assert_int_equal(mapsize_report__map_profile(rep, 0, 0)->baseline_memlock,
			 mapsize_report__map(rep, 0)->prealloc_memlock);
	assert_null(mapsize_report__map_profile(rep, 1, 0));
	assert_null(mapsize_report__map_profile(rep, 0, 1));
	assert_null(mapsize_report__map(rep, 1));
	assert_null(mapsize_report__profile(rep, 1));
	mapsize_report__free(rep);
	mapsize_plan__free(plan);
	mapsize_report__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_costs_per_profile),
		cmocka_unit_test(test_totals_and_savings),
		cmocka_unit_test(test_savings_percent),
		cmocka_unit_test(test_set_baseline),
		cmocka_unit_test(test_invalid_baseline),
		cmocka_unit_test(test_opts_and_errors),
	};

	return cmocka_run_group_tests_name("report", tests, capture_warnings, NULL);
}
