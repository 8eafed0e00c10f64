// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize-demo-agent --fill: see fill.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fill.h"

#define FILL_MAX (1U << 23)	/* bpf_loop's limit on iterations */

int demo_fill__parse(const char *arg, struct demo_fill *f)
{
	const char *eq = strchr(arg, '='), *p;
	unsigned long long count, start = DEMO_FILL_START;
	char *end;

	memset(f, 0, sizeof(*f));
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(f->map))
		goto bad;
	memcpy(f->map, arg, (size_t)(eq - arg));
	p = eq + 1;
	errno = 0;
	count = strtoull(p, &end, 10);
	if (end == p || *p == '-' || errno || count < 1 || count > FILL_MAX)
		goto bad;
	if (*end == '@') {
		p = end + 1;
		start = strtoull(p, &end, 10);
		if (end == p || *p == '-' || errno || start > UINT32_MAX)
			goto bad;
	}
	if (*end || start + count - 1 > UINT32_MAX)
		goto bad;
	f->count = (uint32_t)count;
	f->start = (uint32_t)start;
	f->flags = BPF_ANY;
	return 0;
bad:
	fprintf(stderr, "mapsize-demo-agent: --fill: expected MAP=COUNT[@START] with COUNT 1..%u "
		"and keys START..START+COUNT-1 within 0..%u, got '%s'\n", FILL_MAX, UINT32_MAX, arg);
	return -1;
}

/* The map's overflow slot (by its name as a C identifier, as the generated
 * slot list spells it) and its counters now. */
static int read_slot(struct bpf_object *obj, const char *map, uint32_t *slot, uint64_t now[])
{
	struct bpf_map *ovf = bpf_object__find_map_by_name(obj, MAPSIZE_OVERFLOW_MAP_NAME);
	struct mapsize_overflow_counter *c;
	char ident[64];
	int n;

	if (!ovf) {
		fprintf(stderr, "mapsize-demo-agent: --fill: the object has no %s map\n",
			MAPSIZE_OVERFLOW_MAP_NAME);
		return -ENOENT;
	}
	snprintf(ident, sizeof(ident), "%s%s", map[0] >= '0' && map[0] <= '9' ? "_" : "", map);
	for (char *q = ident; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
			*q = '_';
	n = mapsize_overflow__read(bpf_map__fd(ovf), &c);
	if (n < 0) {
		fprintf(stderr, "mapsize-demo-agent: --fill: reading %s: %s\n", MAPSIZE_OVERFLOW_MAP_NAME,
			strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].map_name, ident)) {
			*slot = (uint32_t)i;
			memcpy(now, c[i].failures, sizeof(c[i].failures));
			free(c);
			return 0;
		}
	free(c);
	fprintf(stderr, "mapsize-demo-agent: --fill: map %s has no overflow slot (not in the rules "
		"the object was built with)\n", map);
	return -ENOENT;
}

int demo_fill__run(struct bpf_object *obj, struct demo_fill *f)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, f->map);
	struct demo_fill_args args;
	struct bpf_program *prog;
	uint64_t before[MAPSIZE_OVF_CLASSES], after[MAPSIZE_OVF_CLASSES];
	int err, ret;

	if (!map) {
		fprintf(stderr, "mapsize-demo-agent: --fill: the object has no map %s\n", f->map);
		return -ENOENT;
	}
	err = read_slot(obj, f->map, &f->map_id, before);
	if (err)
		return err;
	f->prog = bpf_map__type(map) == BPF_MAP_TYPE_LPM_TRIE ? "fill_lpm" : "fill_map";
	prog = bpf_object__find_program_by_name(obj, f->prog);
	if (!prog || bpf_program__fd(prog) < 0) {
		fprintf(stderr, "mapsize-demo-agent: --fill: program %s is not loaded\n", f->prog);
		return -ENOENT;
	}
	args = (struct demo_fill_args){ .map_id = f->map_id, .start = f->start, .count = f->count,
					.flags = f->flags };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		err = err < 0 ? err : -errno;
		fprintf(stderr, "mapsize-demo-agent: --fill %s: BPF_PROG_TEST_RUN of %s: %s\n", f->map,
			f->prog, strerror(-err));
		return err;
	}
	ret = (int)opts.retval;
	if (ret < 0) {
		fprintf(stderr, "mapsize-demo-agent: --fill %s: %s refused: %s\n", f->map, f->prog,
			ret == -EINVAL ? "not a map it fills (fill_map: execve_map, tg_parents_bin, "
			"tg_execve_joined_info_map, tg_cgrps_tracking_map, cgroup_rate_map, override_tasks; "
			"fill_lpm: addr4_lpm)" : strerror(-ret));
		return ret;
	}
	f->failed = (uint32_t)ret;
	err = read_slot(obj, f->map, &f->map_id, after);
	if (err)
		return err;
	for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
		f->counted[k] = after[k] - before[k];
	return 0;
}

void demo_fill__print(FILE *out, const struct demo_fill *f)
{
	bool any = false;

	fprintf(out, "fill %s: %s inserted %" PRIu32 " keys (%" PRIu32 "..%" PRIu32 "), %" PRIu32
		" failed; overflow counters (slot %" PRIu32 "):", f->map, f->prog, f->count, f->start,
		f->start + (f->count - 1), f->failed, f->map_id);
	for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
		if (f->counted[k]) {
			fprintf(out, " +%" PRIu64 " %s", f->counted[k], mapsize_ovf_class__name(k));
			any = true;
		}
	fprintf(out, "%s\n", any ? "" : " none");
}

jv_t *demo_fill__json(const struct demo_fill *f)
{
	jv_t *o = jv_object(), *c = jv_object();

	if (!o || !c) {
		jv_decref(o);
		jv_decref(c);
		return NULL;
	}
	jv_object_set_new(o, "map", jv_string(f->map));
	jv_object_set_new(o, "program", jv_string(f->prog));
	jv_object_set_new(o, "map_id", jv_integer(f->map_id));
	jv_object_set_new(o, "start", jv_integer(f->start));
	jv_object_set_new(o, "count", jv_integer(f->count));
	jv_object_set_new(o, "failed", jv_integer(f->failed));
	for (int k = 0; k < MAPSIZE_OVF_CLASSES; k++)
		jv_object_set_new(c, mapsize_ovf_class__name(k), jv_u64(f->counted[k]));
	jv_object_set_new(o, "counted", c);
	return o;
}
