// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A rules file drafted from the maps BPF objects define (`mapsize rules
 * init`): the model of the drafted maps (merged across objects) and its YAML
 * text.  Pure: the objects are read by src/kernel/rules_object.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/overflow.h>
#include <mapsize/status.h>
#include "internal.h"
#include "rules_draft_int.h"

struct mapsize_rules_draft {
	char *app;			/* opts->app, copied; NULL: from the first object */
	struct mapsize_draft_map *maps;
	size_t cnt, cap;
	char **objects;
	size_t object_cnt, object_cap;
	char **warnings;
	size_t warning_cnt, warning_cap;
};

struct mapsize_rules_draft *mapsize_rules_draft__new(const struct mapsize_rules_draft_opts *opts)
{
	struct mapsize_rules_draft *d;
	const char *app = OPTS_GET(opts, app, NULL);

	if (!OPTS_VALID(opts, mapsize_rules_draft_opts)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (app && !(d->app = strdup(app))) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void mapsize_rules_draft__free(struct mapsize_rules_draft *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->cnt; i++) {
		free((char *)d->maps[i].name);
		free((char *)d->maps[i].inner_of);
	}
	for (size_t i = 0; i < d->object_cnt; i++)
		free(d->objects[i]);
	for (size_t i = 0; i < d->warning_cnt; i++)
		free(d->warnings[i]);
	free(d->maps);
	free(d->objects);
	free(d->warnings);
	free(d->app);
	free(d);
}

const char *rules_draft_object(struct mapsize_rules_draft *d, const char *label)
{
	char *copy;

	for (size_t i = 0; i < d->object_cnt; i++)
		if (!strcmp(d->objects[i], label))
			return d->objects[i];
	if (array_reserve((void **)&d->objects, &d->object_cap, d->object_cnt + 1, sizeof(char *)))
		return NULL;
	copy = strdup(label);
	if (copy)
		d->objects[d->object_cnt++] = copy;
	return copy;
}

static __printf(2, 3) int draft_warn(struct mapsize_rules_draft *d, const char *fmt, ...)
{
	char tmp[512], *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (array_reserve((void **)&d->warnings, &d->warning_cap, d->warning_cnt + 1, sizeof(char *)) ||
	    !(s = strdup(tmp)))
		return -ENOMEM;
	d->warnings[d->warning_cnt++] = s;
	return 0;
}

const struct mapsize_draft_map *mapsize_rules_draft__find(const struct mapsize_rules_draft *d,
							   const char *name)
{
	if (!d || !name)
		return mapsize_err_ptr(-EINVAL);
	for (size_t i = 0; i < d->cnt; i++)
		if (!strcmp(d->maps[i].name, name))
			return &d->maps[i];
	return mapsize_found(NULL);
}

/* The field in which two definitions of one map differ, or NULL. */
static const char *differing_field(const struct mapsize_draft_map *a, const struct mapsize_object_map *b,
				   char *av, char *bv, size_t size)
{
	if (a->bpf_type != b->bpf_type) {
		snprintf(av, size, "%s", mapsize_bpf_map_type__name(a->bpf_type));
		snprintf(bv, size, "%s", mapsize_bpf_map_type__name(b->bpf_type));
		return "type";
	}
	if (a->key_size != b->key_size) {
		snprintf(av, size, "%u", a->key_size);
		snprintf(bv, size, "%u", b->key_size);
		return "key_size";
	}
	if (a->value_size != b->value_size) {
		snprintf(av, size, "%u", a->value_size);
		snprintf(bv, size, "%u", b->value_size);
		return "value_size";
	}
	if (a->map_flags != b->map_flags) {
		snprintf(av, size, "0x%x", a->map_flags);
		snprintf(bv, size, "0x%x", b->map_flags);
		return "map_flags";
	}
	if (a->map_extra != b->map_extra) {
		snprintf(av, size, "%llu", (unsigned long long)a->map_extra);
		snprintf(bv, size, "%llu", (unsigned long long)b->map_extra);
		return "map_extra";
	}
	return NULL;
}

static int merge(struct mapsize_rules_draft *d, struct mapsize_draft_map *dm, const char *object,
		 const struct mapsize_object_map *m, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = object };
	char av[64], bv[64];
	const char *field = differing_field(dm, m, av, bv, sizeof(av));

	if (dm->object == object)
		return error_set(err, -EEXIST, &loc, "map '%s' is defined twice in the object", m->name);
	if (field)
		return error_set(err, -EINVAL, &loc, "map '%s' conflicts with its definition in %s: %s is %s "
				 "there and %s here; one rule cannot describe both (draft the objects "
				 "separately, or rename one of the maps)", m->name, dm->object, field, av, bv);
	dm->object_cnt++;
	if (m->max_entries != dm->max_entries &&
	    draft_warn(d, "map '%s': max_entries %u in %s, %u before (in %s): the draft keeps %u", m->name,
		       m->max_entries, object, dm->max_entries, dm->object,
		       m->max_entries > dm->max_entries ? m->max_entries : dm->max_entries))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	if (m->max_entries > dm->max_entries)
		dm->max_entries = m->max_entries;
	if (m->max_entries < dm->min_max_entries)
		dm->min_max_entries = m->max_entries;
	return 0;
}

static bool zero_is_placeholder(const struct mapsize_draft_map *dm)
{
	const struct map_type_info *ti = map_type_info(dm->type);

	return ti && !dm->max_entries && !ti->zero_max_entries && dm->type != MAPSIZE_MAP_PERF_EVENT_ARRAY;
}

/* A value_size compiled 0 on a type whose value size is free: the agent sets
 * it at run time (bpf_map__set_value_size(), as libbpf-tools do for their
 * stack maps), and the kernel refuses 0.  The draft writes a placeholder the
 * user replaces, as for max_entries compiled 0: for a stack_trace map 127
 * frames of 8 bytes (the kernel's default kernel.perf_event_max_stack, and
 * libbpf-tools' default --perf-max-stack-depth), else one u64. */
static uint32_t value_placeholder(const struct mapsize_draft_map *dm)
{
	const struct map_type_info *ti = map_type_info(dm->type);

	if (!ti || ti->fixed_value_size >= 0 || dm->value_size)
		return 0;
	return dm->type == MAPSIZE_MAP_STACK_TRACE ? 127 * 8 : 8;
}

int mapsize_rules_draft__add_map(struct mapsize_rules_draft *d, const char *object,
				 const struct mapsize_object_map *m, struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = object };
	struct mapsize_draft_map *dm;
	const char *label;

	error_clear(err);
	if (!d || !object || !object[0] || !m || !m->name || !m->name[0])
		return error_set(err, -EINVAL, NULL, "no draft, object or map name");
	if (!mapsize_sz_valid(m, m->sz, mapsize_offsetofend(struct mapsize_object_map, inner_of),
			      sizeof(struct mapsize_object_map)))
		return error_set(err, -EINVAL, NULL, "unsupported object map (sz %zu; newer libmapsize?)", m->sz);
	label = rules_draft_object(d, object);
	if (!label)
		return error_set(err, -ENOMEM, NULL, "out of memory");
	if (m->inner_of) {
		const struct mapsize_draft_map *outer = mapsize_rules_draft__find(d, m->inner_of);
		const struct map_type_info *oti = outer ? map_type_info(outer->type) : NULL;

		if (!oti || !map_type_has(outer->type, MAPSIZE_TRAIT_MAP_IN_MAP))
			return error_set(err, -EINVAL, &loc, "inner map '%s' needs its outer map-in-map '%s' "
					 "added first", m->name, m->inner_of);
	}
	dm = (struct mapsize_draft_map *)mapsize_rules_draft__find(d, m->name);
	if (dm) {
		if ((dm->inner_of == NULL) != (m->inner_of == NULL))
			return error_set(err, -EINVAL, &loc, "map '%s' conflicts with its definition in %s: "
					 "an inner template in one object, a map of its own in the other",
					 m->name, dm->object);
		return merge(d, dm, label, m, err);
	}
	if (array_reserve((void **)&d->maps, &d->cap, d->cnt + 1, sizeof(*d->maps)))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	dm = &d->maps[d->cnt];
	memset(dm, 0, sizeof(*dm));
	dm->name = strdup(m->name);
	dm->inner_of = m->inner_of ? strdup(m->inner_of) : NULL;
	if (!dm->name || (m->inner_of && !dm->inner_of)) {
		free((char *)dm->name);
		free((char *)dm->inner_of);
		return error_set(err, -ENOMEM, NULL, "out of memory");
	}
	d->cnt++;
	dm->type = mapsize_map_type__from_bpf_type(m->bpf_type);
	dm->bpf_type = m->bpf_type;
	dm->key_size = m->key_size;
	dm->value_size = m->value_size;
	dm->max_entries = dm->min_max_entries = m->max_entries;
	dm->map_flags = m->map_flags;
	dm->map_extra = m->map_extra;
	dm->object = label;
	dm->object_cnt = 1;
	dm->counters = !m->inner_of && mapsize_overflow__is_counter_map(m->name, m->bpf_type);
	if (dm->type == MAPSIZE_MAP_UNSPEC && !dm->counters &&
	    draft_warn(d, "map '%s' in %s: mapsize does not size %s maps (bpf map type %u): no rule", m->name,
		       label, mapsize_bpf_map_type__name(m->bpf_type), m->bpf_type))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	if (zero_is_placeholder(dm) &&
	    draft_warn(d, "map '%s' in %s: compiled max_entries 0 (set at run time?), which the kernel refuses "
		       "for a %s map: the draft says 1, write the size the agent sets", m->name, label,
		       mapsize_map_type__name(dm->type)))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	if (value_placeholder(dm) &&
	    draft_warn(d, "map '%s' in %s: compiled value_size 0 (set at run time by the agent?), which the "
		       "kernel refuses for a %s map: the draft says %u, write the size the agent sets", m->name,
		       label, mapsize_map_type__name(dm->type), value_placeholder(dm)))
		return error_set(err, -ENOMEM, NULL, "out of memory");
	return 0;
}

size_t mapsize_rules_draft__map_cnt(const struct mapsize_rules_draft *d)
{
	return d ? d->cnt : 0;
}

const struct mapsize_draft_map *mapsize_rules_draft__map(const struct mapsize_rules_draft *d, size_t idx)
{
	if (!d)
		return mapsize_err_ptr(-EINVAL);
	return mapsize_found(idx < d->cnt ? &d->maps[idx] : NULL);
}

size_t mapsize_rules_draft__object_cnt(const struct mapsize_rules_draft *d)
{
	return d ? d->object_cnt : 0;
}

const char *mapsize_rules_draft__object(const struct mapsize_rules_draft *d, size_t idx)
{
	return d && idx < d->object_cnt ? d->objects[idx] : NULL;
}

size_t mapsize_rules_draft__warning_cnt(const struct mapsize_rules_draft *d)
{
	return d ? d->warning_cnt : 0;
}

const char *mapsize_rules_draft__warning(const struct mapsize_rules_draft *d, size_t idx)
{
	return d && idx < d->warning_cnt ? d->warnings[idx] : NULL;
}

/* ---- YAML --------------------------------------------------------------------- */

/* A scalar: plain when that is unambiguous, else double-quoted. */
static void yaml_scalar(struct strbuf *sb, const char *s)
{
	bool plain = s[0] && s[0] != '-' && s[0] != '.' && s[0] != '?';

	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			*p == '_' || *p == '.' || *p == '-';
	if (plain) {
		strbuf_addf(sb, "%s", s);
		return;
	}
	strbuf_add(sb, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\x%02x", *p);
		else
			strbuf_add(sb, (const char *)p, 1);
	}
	strbuf_add(sb, "\"", 1);
}

/* Text inside a comment: one line, whatever the input holds. */
static void comment_text(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		strbuf_add(sb, *p < 0x20 || *p == 0x7f ? "?" : (const char *)p, 1);
}

/* What to write instead of the compiled size. */
static const char *size_hint(const struct mapsize_draft_map *m, const struct map_type_info *ti)
{
	if (m->inner_of)
		return "entries of each inner map: replace with an expression, e.g. containers * 2";
	switch (m->type) {
	case MAPSIZE_MAP_PERF_EVENT_ARRAY:
		return m->max_entries ? "one slot per CPU: replace with cpus, or 0 (one per possible CPU)"
				      : "0 is one slot per possible CPU (libbpf's convention): keep it";
	case MAPSIZE_MAP_PROG_ARRAY:
		return "tail-call slots: a property of the program, usually kept as is";
	case MAPSIZE_MAP_RINGBUF:
	case MAPSIZE_MAP_USER_RINGBUF:
		return "bytes, a power of two multiple of 4096: replace with e.g. 64Ki * cpus and round: pow2";
	case MAPSIZE_MAP_STACK_TRACE:
		return "distinct stacks kept: replace with e.g. policies * 8 and round: pow2";
	case MAPSIZE_MAP_LPM_TRIE:
		return "prefixes: replace with an expression of the profile's dimensions, e.g. cidrs";
	case MAPSIZE_MAP_ARRAY:
	case MAPSIZE_MAP_PERCPU_ARRAY:
		return "indexes the program uses: usually a property of the program, kept as is";
	default:
		break;
	}
	if (ti->zero_max_entries)
		return "local storage: max_entries is always 0 (one value per owner), nothing to size";
	if (map_type_has(m->type, MAPSIZE_TRAIT_MAP_IN_MAP))
		return "inner maps held: replace with an expression of the profile's dimensions, e.g. policies";
	if (m->max_entries <= 1)
		return "resized at run time? replace with the size the agent sets, as an expression, e.g. procs";
	return "replace with an expression of the profile's dimensions, e.g. procs";
}

/* Flags a rule names in `flags:` (table order, as the rules parser spells them). */
static const struct {
	uint32_t flag;
	const char *name;
} rule_flags[] = {
	{ MAPSIZE_F_NO_COMMON_LRU, "no_common_lru" },
	{ MAPSIZE_F_RDONLY_PROG, "rdonly_prog" },
	{ MAPSIZE_F_WRONLY_PROG, "wronly_prog" },
	{ MAPSIZE_F_MMAPABLE, "mmapable" },
	{ MAPSIZE_F_INNER_MAP, "inner_map" },
};

void rules_draft_flags_str(uint32_t flags, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "[");

	for (size_t i = 0; i < ARRAY_SIZE(rule_flags) && o < size; i++)
		if (flags & rule_flags[i].flag)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o > 1 ? ", " : "", rule_flags[i].name);
	if (o < size)
		snprintf(buf + o, size - o, "]");
}

static int check_fixed(const struct mapsize_draft_map *m, const struct map_type_info *ti,
		       struct mapsize_error *err)
{
	struct mapsize_loc loc = { .file = m->object };
	bool value_field;
	char msg[512];

	if (ti->fixed_key_size >= 0 && m->key_size && m->key_size != (uint32_t)ti->fixed_key_size)
		return error_set(err, -EINVAL, &loc, "map '%s': %s maps have key_size %d but the object says "
				 "%u (the kernel refuses it); no rule can describe it", m->name, ti->name,
				 ti->fixed_key_size, m->key_size);
	if (ti->fixed_value_size >= 0 && m->value_size && m->value_size != (uint32_t)ti->fixed_value_size)
		return error_set(err, -EINVAL, &loc, "map '%s': %s maps have value_size %d but the object says "
				 "%u (the kernel refuses it); no rule can describe it", m->name, ti->name,
				 ti->fixed_value_size, m->value_size);
	/* a limit of every release (map_limits.c); the planner checks the
	 * target kernel's */
	if (map_sizes_refused(m->type, m->key_size, m->value_size ? m->value_size : value_placeholder(m), 0,
			      &value_field, msg, sizeof(msg)))
		return error_set(err, -EINVAL, &loc, "map '%s': %s; no rule can describe it", m->name, msg);
	return 0;
}

static int emit_map(struct strbuf *sb, const struct mapsize_rules_draft *d, const struct mapsize_draft_map *m,
		    struct mapsize_error *err)
{
	const struct map_type_info *ti = map_type_info(m->type);
	uint32_t max = zero_is_placeholder(m) ? 1 : m->max_entries, other;
	char inner[300], flags[128];
	int ret;

	strbuf_add(sb, "\n", 1);
	if (m->counters || !ti) {
		strbuf_add(sb, "  # ", 4);
		comment_text(sb, m->name);
		if (m->counters)
			strbuf_addf(sb, ": mapsize's overflow counters (<mapsize/bpf_overflow.h>), sized by "
				    "gen-header: no rule\n");
		else
			strbuf_addf(sb, ": a %s map (bpf map type %u), a type mapsize does not size: no rule, "
				    "apply leaves it as compiled\n", mapsize_bpf_map_type__name(m->bpf_type),
				    m->bpf_type);
		return 0;
	}
	ret = check_fixed(m, ti, err);
	if (ret)
		return ret;
	if (zero_is_placeholder(m))
		strbuf_addf(sb, "  # compiled 0, which the kernel refuses for a %s map (set at run time?): 1 is a "
			    "placeholder, %s\n", ti->name, size_hint(m, ti));
	else if (m->min_max_entries != m->max_entries)
		strbuf_addf(sb, "  # compiled %u to %u in %zu objects (the largest kept): %s\n", m->min_max_entries,
			    m->max_entries, m->object_cnt, size_hint(m, ti));
	else
		strbuf_addf(sb, "  # compiled %u: %s\n", m->max_entries, size_hint(m, ti));
	if (m->object_cnt > 1 && m->min_max_entries == m->max_entries)
		strbuf_addf(sb, "  # the same map in %zu objects\n", m->object_cnt);
	if (ti->prealloc_optional)
		strbuf_addf(sb, "  # add expected: (live entries) and prealloc: auto to let mapsize drop preallocation\n");
	other = m->map_flags & ~(RULE_FLAGS | MAPSIZE_F_NO_PREALLOC);
	if (other)
		strbuf_addf(sb, "  # the object also sets map_flags 0x%x, which apply keeps as compiled\n", other);
	strbuf_add(sb, "  ", 2);
	yaml_scalar(sb, m->name);
	strbuf_addf(sb, ":\n    type: %s\n", ti->name);
	if (ti->fixed_key_size < 0)
		strbuf_addf(sb, "    key_size: %u\n", m->key_size);
	if (value_placeholder(m))
		strbuf_addf(sb, "    # value_size: compiled 0, set at run time by the agent (bpf_map__set_value_size);\n"
			    "    # %u is a placeholder (%s): write the size the agent sets\n"
			    "    value_size: %u\n", value_placeholder(m),
			    m->type == MAPSIZE_MAP_STACK_TRACE ? "127 frames of 8 bytes, the default "
			    "kernel.perf_event_max_stack" : "one u64", value_placeholder(m));
	else if (ti->fixed_value_size < 0)
		strbuf_addf(sb, "    value_size: %u\n", m->value_size);
	if (m->map_flags & RULE_FLAGS) {
		rules_draft_flags_str(m->map_flags, flags, sizeof(flags));
		strbuf_addf(sb, "    flags: %s\n", flags);
	}
	if (ti->no_prealloc_required || (ti->prealloc_optional && (m->map_flags & MAPSIZE_F_NO_PREALLOC)))
		strbuf_addf(sb, "    prealloc: false\n");
	if (m->type == MAPSIZE_MAP_BLOOM_FILTER && m->map_extra)
		strbuf_addf(sb, "    map_extra: %llu\n", (unsigned long long)m->map_extra);
	strbuf_addf(sb, "    max_entries: %u\n", max);
	/* a map compiled at 0 or 1 is sized at run time: its compiled size is
	 * no baseline, and a report against it would show a bogus cost */
	if (m->max_entries > 1)
		strbuf_addf(sb, "    baseline: %u\n", m->max_entries);
	else if (m->max_entries == 1 || zero_is_placeholder(m))
		strbuf_addf(sb, "    # baseline: compiled at %u (sized at run time by the agent); set the size it "
			    "runs with\n", m->max_entries);
	snprintf(inner, sizeof(inner), "%s.inner", m->name);
	if (map_type_has(m->type, MAPSIZE_TRAIT_MAP_IN_MAP) && !mapsize_rules_draft__find(d, inner)) {
		strbuf_add(sb, "  # ", 4);
		comment_text(sb, inner);
		strbuf_addf(sb, ": the object has no inner template (set at run time with "
			    "bpf_map__set_inner_map_fd()): add a rule to size the inner maps\n");
	}
	return 0;
}

/* The first object's name as libbpf gives it: its file name up to the first '.'. */
static void app_name(const struct mapsize_rules_draft *d, char *buf, size_t size)
{
	const char *base, *dot;

	if (d->app) {
		snprintf(buf, size, "%s", d->app);
		return;
	}
	base = d->object_cnt ? strrchr(d->objects[0], '/') : NULL;
	base = base ? base + 1 : d->object_cnt ? d->objects[0] : "";
	dot = strchr(base, '.');
	snprintf(buf, size, "%.*s", (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
	if (!buf[0])
		snprintf(buf, size, "app");
}

static void emit_header(struct strbuf *sb, const struct mapsize_rules_draft *d)
{
	char app[256];

	strbuf_addf(sb, "# mapsize rules drafted by `mapsize rules init` from the map definitions of ");
	for (size_t i = 0; i < d->object_cnt; i++) {
		strbuf_addf(sb, "%s", i ? ", " : "");
		comment_text(sb, d->objects[i]);
	}
	strbuf_addf(sb, ".\n"
		    "# Every max_entries is the compiled size, so `mapsize plan` and `mapsize verify` accept this\n"
		    "# file as it is.  Replace each with an expression of the cluster profile's dimensions (nodes\n"
		    "# cpus memory procs pods containers workloads policies cidrs) and keep baseline: (the compiled\n"
		    "# size) for `mapsize report`.  Optional per map: expected:, min:, max:, round: pow2, prealloc:\n"
		    "# auto, used_by: [...] (program kinds; decides preallocation before Linux 6.1).\n"
		    "# `mapsize rules check RULES --object FILE.bpf.o` says when the rules and the object drift apart.\n");
	app_name(d, app, sizeof(app));
	strbuf_addf(sb, "app: ");
	yaml_scalar(sb, app);
	strbuf_addf(sb, "\nmaps:\n");
}

char *mapsize_rules_draft__yaml(const struct mapsize_rules_draft *d, struct mapsize_error *err)
{
	struct strbuf sb = { 0 };
	struct mapsize_error perr;
	struct mapsize_rules *back;
	size_t rules = 0;
	char *text;
	int ret = 0;

	error_clear(err);
	if (!d) {
		error_set(err, -EINVAL, NULL, "no draft");
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < d->cnt; i++)
		rules += !d->maps[i].counters && d->maps[i].type != MAPSIZE_MAP_UNSPEC;
	if (!d->object_cnt && !rules) {
		error_set(err, -EINVAL, NULL, "no object in the draft, expected at least one");
		errno = EINVAL;
		return NULL;
	}
	emit_header(&sb, d);
	if (!rules) {	/* an object without maps mapsize sizes: an empty, valid rules file */
		sb.len--;
		strbuf_addf(&sb, " {}\n# no rule: %zu map%s, none of a type mapsize sizes\n", d->cnt,
			    d->cnt == 1 ? "" : "s");
	}
	for (size_t i = 0; i < d->cnt && !ret; i++)
		ret = emit_map(&sb, d, &d->maps[i], err);
	text = strbuf_detach(&sb);
	if (ret || !text) {
		free(text);
		if (!ret)
			error_set(err, -ENOMEM, NULL, "out of memory");
		errno = ret ? -ret : ENOMEM;
		return NULL;
	}
	/* Every field written must parse back. */
	back = mapsize_rules__parse(text, strlen(text), "draft", &perr);
	if (!back) {
		error_set(err, perr.code ? perr.code : -EINVAL, NULL, "the drafted rules do not parse back "
			  "(line %u, column %u: %s)", perr.line, perr.col, perr.msg);
		free(text);
		errno = perr.code ? -perr.code : EINVAL;
		return NULL;
	}
	mapsize_rules__free(back);
	return text;
}
