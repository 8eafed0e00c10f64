// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Inner map instances sized per instance.  An agent holding one inner map
 * per policy creates each at headroom x its live entries instead of one
 * size for all, where the kernel lets instances differ from the template:
 *
 *   < 5.10  bpf_map_meta_equal() compared max_entries of every map type.
 *   5.10    "bpf: Relax max_entries check for most of the inner map types"
 *           (f4d05259213f): map_meta_equal per type; bpf_map_meta_equal no
 *           longer compares max_entries.  array_map_meta_equal() still does
 *           unless the template has BPF_F_INNER_MAP (4a8f87e60f6d, same
 *           release), because the verifier inlines an array lookup with the
 *           template's max_entries.
 *   7.1     percpu_array uses array_map_meta_equal too ("bpf: Use
 *           array_map_meta_equal for percpu array inner map replacement").
 *
 * Pure computation: no libbpf, no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inner_instance.h"

/* ---- the `instance:` key ----------------------------------------------------- */

/* "3", "1.5", "2.25": a decimal with at most 3 fraction digits, as
 * thousandths (exact, unlike strtod). */
static int parse_milli(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	int frac = -1;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p == '.' && frac < 0 && p != s && p[1]) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || frac == 3)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		if (frac >= 0)
			frac++;
		if (v > 1000000000ULL)
			return -ERANGE;
	}
	for (int i = frac < 0 ? 0 : frac; i < 3; i++)
		v *= 10;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static int h_headroom(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		      void *obj, size_t off)
{
	struct rule_instance *ri = obj;
	const char *s;
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	ret = parse_milli(s, &ri->headroom_milli);
	if (ret || ri->headroom_milli < 1000 || ri->headroom_milli > 1000000)
		return ywalk_error(w, v, "headroom '%s', expected a factor from 1 to 1000 (e.g. 2 or 1.5; "
				   "an instance is created at headroom x its live entries)", s);
	return 0;
}

static int h_instance_expr(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			   void *obj, size_t off)
{
	return src_expr_compile((struct src_expr *)((char *)obj + off), w, v, w->err);
}

static const struct yhandler instance_handlers[] = {
	{ "headroom", h_headroom, 0 },
	{ "min", h_instance_expr, offsetof(struct rule_instance, min) },
	{ "max", h_instance_expr, offsetof(struct rule_instance, max) },
	{ NULL },
};

int rule_instance_parse(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			void *obj, size_t off)
{
	struct rule *r = obj;
	char what[160];
	int ret = yexpect_kind(w, v, YNODE_MAP, "a mapping with headroom, min and max "
			       "(e.g. {headroom: 3, min: 16, max: pow2(containers * 2)})");

	if (ret)
		return ret;
	r->instance.node = v;
	r->instance.headroom_milli = INSTANCE_HEADROOM_DEFAULT_MILLI;
	snprintf(what, sizeof(what), "the instance sizing of map '%s'", r->name);
	return ywalk_map(w, v, instance_handlers, &r->instance, what);
}

int rules_check_instances(const struct ywalk *w, const struct mapsize_rules *rules)
{
	for (size_t i = 0; i < rules->cnt; i++) {
		const struct rule *r = &rules->rules[i];
		const struct map_type_info *ti = map_type_info(r->type);

		if (!r->instance.node)
			continue;
		if (!r->outer)
			return ywalk_error(w, r->instance.node, "map '%s' is not an inner map rule: 'instance' "
					   "sizes the inner maps of a map-in-map, expected it in a rule named "
					   "OUTER.inner", r->name);
		/* max_entries of these is not an entry count an instance grows by */
		if (ti->zero_max_entries || map_type_has(r->type, MAPSIZE_TRAIT_FD) || map_type_is_ringbuf(r->type) ||
		    r->type == MAPSIZE_MAP_STACK_TRACE)
			return ywalk_error(w, r->instance.node, "inner map '%s' is a %s, whose max_entries is "
					   "not a count of live entries; expected 'instance' on a hash, lru_hash, "
					   "percpu_hash, lru_percpu_hash, lpm_trie, array, percpu_array, queue, "
					   "stack or bloom_filter inner map", r->name, ti->name);
	}
	return 0;
}

void rule_instance_release(struct rule_instance *ri)
{
	src_expr_release(&ri->min);
	src_expr_release(&ri->max);
}

/* ---- the kernel rule ------------------------------------------------------------- */

bool inner_instance_allowed(enum mapsize_map_type type, uint32_t flags, unsigned int version,
			    const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (version && version < MAPSIZE_KERNEL_VERSION(5, 10)) {
		*why = "before 5.10 the kernel compares every inner map's max_entries with the template's "
		       "(bpf_map_meta_equal)";
		return false;
	}
	switch (type) {
	case MAPSIZE_MAP_ARRAY:
		if (flags & MAPSIZE_F_INNER_MAP) {
			*why = "5.10+: an array template with BPF_F_INNER_MAP takes instances of any size "
			       "(array_map_meta_equal)";
			return true;
		}
		*why = "array instances must have the template's max_entries unless it has BPF_F_INNER_MAP "
		       "(array_map_meta_equal; the verifier inlines lookups with the template's size): "
		       "add 'flags: [inner_map]'";
		return false;
	case MAPSIZE_MAP_PERCPU_ARRAY:
		if (version && version < MAPSIZE_KERNEL_VERSION(7, 1)) {
			*why = "5.10 - 7.0: percpu_array instances may differ (bpf_map_meta_equal)";
			return true;
		}
		if (flags & MAPSIZE_F_INNER_MAP) {
			*why = "7.1+: a percpu_array template with BPF_F_INNER_MAP takes instances of any size";
			return true;
		}
		*why = "7.1+: percpu_array instances must have the template's max_entries "
		       "(array_map_meta_equal)";
		return false;
	case MAPSIZE_MAP_HASH:
	case MAPSIZE_MAP_PERCPU_HASH:
	case MAPSIZE_MAP_LRU_HASH:
	case MAPSIZE_MAP_LRU_PERCPU_HASH:
	case MAPSIZE_MAP_LPM_TRIE:
	case MAPSIZE_MAP_QUEUE:
	case MAPSIZE_MAP_STACK:
	case MAPSIZE_MAP_BLOOM_FILTER:
		*why = "5.10+: bpf_map_meta_equal does not compare max_entries";
		return true;
	default:
		*why = "the inner map's max_entries is not an entry count";
		return false;
	}
}

/* ---- the plan ---------------------------------------------------------------------- */

int plan_inner_instance(struct plan_ctx *c, const struct rule *r, const struct mapsize_plan_map *m,
			size_t idx)
{
	const struct rule_instance *ri = &r->instance;
	struct plan_instance *pi;
	uint64_t lo = 1, hi = m->max_entries;
	int ret;

	if (!r->outer)
		return 0;
	if (!c->plan->instances) {
		c->plan->instances = calloc(c->rules->cnt, sizeof(*c->plan->instances));
		if (!c->plan->instances)
			return -ENOMEM;
	}
	pi = &c->plan->instances[idx];
	pi->inner = true;
	pi->has_instance = ri->node != NULL;
	pi->kernel_allows = inner_instance_allowed(r->type, r->flags, c->plan->kernel_version, &pi->why);
	pi->headroom_milli = ri->node ? ri->headroom_milli : INSTANCE_HEADROOM_DEFAULT_MILLI;
	if (ri->min.expr && (ret = plan_eval(c, &ri->min, r->name, "instance.min", &lo)))
		return ret;
	if (ri->max.expr && (ret = plan_eval(c, &ri->max, r->name, "instance.max", &hi)))
		return ret;
	if (!lo)
		return plan_value_error(c, &ri->min, r->name, "instance min evaluates to 0, expected at least 1 "
					"(the kernel refuses max_entries 0)");
	if (lo > hi)
		return plan_value_error(c, ri->min.expr ? &ri->min : &ri->max, r->name, "instance min %llu is "
					"above max %llu, expected min <= max", (unsigned long long)lo,
					(unsigned long long)hi);
	if (hi > UINT32_MAX || (map_type_has(r->type, MAPSIZE_TRAIT_HASH) && hi > (1ULL << 27)))
		return plan_value_error(c, &ri->max, r->name, "instance max evaluates to %llu, expected at most "
					"%llu for a %s map", (unsigned long long)hi,
					map_type_has(r->type, MAPSIZE_TRAIT_HASH) ? 1ULL << 27 : (unsigned long long)UINT32_MAX,
					map_type_info(r->type)->name);
	pi->min_entries = (uint32_t)lo;
	pi->max_entries = (uint32_t)hi;
	/* grown at 90 % full to headroom x live: below 1/0.9 it is full again at once */
	if (pi->has_instance && pi->headroom_milli < 1112)
		plan_warn(c, "map '%s': instance headroom %u.%03u leaves an instance grown at 90%% full at "
			  "least 90%% full again; expected a headroom of 1.2 or more", r->name,
			  pi->headroom_milli / 1000, pi->headroom_milli % 1000);
	if (pi->has_instance && !pi->kernel_allows)
		plan_warn(c, "map '%s': instances are created at the template's max_entries %u, not per "
			  "instance: %s", r->name, m->max_entries, pi->why);
	return 0;
}

const struct plan_instance *plan_instance_find(const struct mapsize_plan *plan, const char *outer,
					       const struct mapsize_plan_map **pm)
{
	for (size_t i = 0; plan->instances && i < plan->map_cnt; i++) {
		const struct mapsize_plan_map *m = &plan->maps[i];

		if (plan->instances[i].inner && m->inner_of && !strcmp(m->inner_of, outer)) {
			if (pm)
				*pm = m;
			return &plan->instances[i];
		}
	}
	return NULL;
}

uint32_t plan_instance_entries(const struct plan_instance *pi, uint64_t live)
{
	uint64_t v;

	if (__builtin_mul_overflow(live, (uint64_t)pi->headroom_milli, &v) || v > UINT64_MAX - 500)
		v = UINT64_MAX;
	else
		v = (v + 500) / 1000;	/* round half up */
	if (v < pi->min_entries)
		v = pi->min_entries;
	if (v > pi->max_entries)
		v = pi->max_entries;
	return (uint32_t)v;
}

/* ---- the API ---------------------------------------------------------------------------- */

int mapsize_plan__inner_sizing(const struct mapsize_plan *plan, const char *outer,
			       struct mapsize_inner_sizing *out)
{
	const struct mapsize_plan_map *pm = NULL;
	const struct plan_instance *pi;

	if (!plan || !outer || !STRUCT_VALID(out, mapsize_inner_sizing))
		return -EINVAL;
	pi = plan_instance_find(plan, outer, &pm);
	if (!pi)
		return -ENOENT;
	struct_out_reset(out);
	out->has_instance = pi->has_instance;
	out->kernel_allows = pi->kernel_allows;
	out->per_instance = pi->has_instance && pi->kernel_allows;
	out->why = pi->why;
	out->headroom_milli = pi->headroom_milli;
	out->min_entries = pi->min_entries;
	out->max_entries = pi->max_entries;
	out->template_entries = pm->max_entries;
	return 0;
}

int mapsize_plan__inner_entries(const struct mapsize_plan *plan, const char *outer, uint64_t live,
				uint32_t *entries, bool *per_instance)
{
	const struct mapsize_plan_map *pm = NULL;
	const struct plan_instance *pi;
	bool per;

	if (!plan || !outer || !entries)
		return -EINVAL;
	pi = plan_instance_find(plan, outer, &pm);
	if (!pi)
		return -ENOENT;
	per = pi->has_instance && pi->kernel_allows;
	*entries = per ? plan_instance_entries(pi, live) : pm->max_entries;
	if (per_instance)
		*per_instance = per;
	return 0;
}

int mapsize_inner__check(const struct mapsize_plan *plan, const char *outer, uint64_t live,
			 uint32_t cur_max_entries, const struct mapsize_inner_check_opts *opts,
			 uint32_t *new_entries)
{
	uint32_t grow = OPTS_GET(opts, grow_permille, 0);
	uint32_t shrink = OPTS_GET(opts, shrink_permille, 0);
	uint32_t target;
	bool per;
	int ret;

	if (!OPTS_VALID(opts, mapsize_inner_check_opts) || !new_entries || !cur_max_entries)
		return -EINVAL;
	grow = grow ? grow : 900;
	shrink = shrink ? shrink : 125;
	if (grow > 1000 || shrink >= grow)
		return -EINVAL;
	ret = mapsize_plan__inner_entries(plan, outer, live, &target, &per);
	if (ret)
		return ret;
	*new_entries = cur_max_entries;
	if (!per)
		return MAPSIZE_INNER_KEEP;
	/* live * 1000 >= grow * cur: no division, no rounding surprises */
	if (live > UINT64_MAX / 1000 || live * 1000 >= (uint64_t)grow * cur_max_entries) {
		if (target <= cur_max_entries)
			return MAPSIZE_INNER_KEEP;	/* at max: nothing bigger to make */
		*new_entries = target;
		return MAPSIZE_INNER_GROW;
	}
	if (live * 1000 < (uint64_t)shrink * cur_max_entries && target < cur_max_entries) {
		*new_entries = target;
		return MAPSIZE_INNER_SHRINK;
	}
	return MAPSIZE_INNER_KEEP;
}

const char *mapsize_inner_action__name(enum mapsize_inner_action action)
{
	switch (action) {
	case MAPSIZE_INNER_KEEP:
		return "keep";
	case MAPSIZE_INNER_GROW:
		return "grow";
	case MAPSIZE_INNER_SHRINK:
		return "shrink";
	}
	return NULL;
}
