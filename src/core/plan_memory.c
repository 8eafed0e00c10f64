// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory model applied to a whole plan.  Pure computation. */
#include <string.h>

#include <mapsize/memory.h>
#include "internal.h"
#include "planner.h"

static int add(uint64_t *acc, uint64_t v, uint64_t times)
{
	uint64_t p;

	if (__builtin_mul_overflow(v, times, &p) || __builtin_add_overflow(*acc, p, acc))
		return -EOVERFLOW;
	return 0;
}

int mapsize_plan_map__mem_map(const struct mapsize_plan_map *pm, uint32_t possible_cpus,
			      struct mapsize_mem_map *mm)
{
	if (!pm || !mm || mm->sz < sizeof(*mm))
		return -EINVAL;
	struct_out_reset(mm);
	mm->type = pm->type;
	mm->key_size = pm->key_size;
	mm->value_size = pm->value_size;
	mm->max_entries = pm->max_entries;
	mm->map_flags = pm->map_flags;
	mm->map_extra = pm->map_extra;
	mm->possible_cpus = possible_cpus;
	return 0;
}

int mapsize_plan__memory(const struct mapsize_plan *plan, const struct mapsize_memory_opts *opts,
			 struct mapsize_map_memory *out, struct mapsize_map_memory *total)
{
	MAPSIZE_OPTS(mapsize_kernel_consts, builtin);
	const struct mapsize_kernel_consts *k;
	enum mapsize_mem_era era;
	uint64_t cpus;
	size_t stride;
	int ret;

	if (!OPTS_VALID(opts, mapsize_memory_opts) || !plan || !total ||
	    total->sz < sizeof(*total) || (plan->map_cnt && (!out || out->sz < sizeof(*out))))
		return -EINVAL;
	k = OPTS_GET(opts, consts, NULL);
	era = OPTS_GET(opts, era, MAPSIZE_MEM_ERA_MEM_USAGE);
	cpus = OPTS_GET(opts, possible_cpus, 0);
	stride = plan->map_cnt ? out->sz : 0;	/* the caller's element size */
	struct_out_reset(total);
	if (!k) {
		ret = mapsize_kernel_consts__builtin(NULL, &builtin);
		if (ret)
			return ret;
		k = &builtin;
	}
	if (!cpus && mapsize_plan__dim_value(plan, "cpus", &cpus))
		return -EINVAL;
	if (!cpus || cpus > UINT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < plan->map_cnt; i++) {
		const struct mapsize_plan_map *pm = &plan->maps[i];
		struct mapsize_map_memory *o = (struct mapsize_map_memory *)((char *)out + i * stride);
		MAPSIZE_OPTS(mapsize_mem_map, mm);
		uint32_t slots;
		uint64_t expected;

		o->sz = stride;
		struct_out_reset(o);
		mapsize_plan_map__mem_map(pm, (uint32_t)cpus, &mm);
		ret = mapsize_mem_map__max_entries(&mm, &slots);
		if (ret)
			return ret;
		expected = pm->expected_entries < slots ? pm->expected_entries : slots;
		ret = mapsize_memlock_at_load(&mm, k, era, &o->memlock_load);
		if (!ret)
			ret = mapsize_memlock(&mm, k, era, expected, &o->memlock_expected);
		if (!ret)
			ret = mapsize_memlock_at_max(&mm, k, era, &o->memlock_full);
		if (!ret)
			ret = mapsize_memory_real(&mm, k, expected, &o->real_expected);
		if (ret)
			return ret;
		o->instances_expected = o->instances_full = 1;
		if (pm->inner_of) {
			const struct mapsize_plan_map *outer = mapsize_plan__find(plan, pm->inner_of);

			o->instances_expected = outer ? outer->expected_entries : 0;
			o->instances_full = outer ? outer->max_entries : 0;
		}
		if ((ret = add(&total->memlock_load, o->memlock_load, pm->inner_of ? 0 : 1)) ||
		    (ret = add(&total->memlock_expected, o->memlock_expected, o->instances_expected)) ||
		    (ret = add(&total->memlock_full, o->memlock_full, o->instances_full)) ||
		    (ret = add(&total->real_expected, o->real_expected, o->instances_expected)))
			return ret;
	}
	return 0;
}
