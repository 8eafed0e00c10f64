// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize verify: apply the plan to an object, load it into the running
 * kernel, read every map back and compare with the plan. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "mapsize.h"

/* libbpf's last messages, shown when a load fails. */
static char libbpf_log[8192];
static size_t libbpf_log_len;
static bool verbose;

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (verbose)
		fputs(line, stderr);
	if (level == LIBBPF_DEBUG || n <= 0)
		return 0;
	if (libbpf_log_len + strlen(line) >= sizeof(libbpf_log))
		libbpf_log_len = 0; /* keep the most recent messages */
	memcpy(libbpf_log + libbpf_log_len, line, strlen(line) + 1);
	libbpf_log_len += strlen(line);
	return 0;
}

static const char *load_hint(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "the kernel refused bpf(): run as root or with CAP_BPF (+CAP_PERFMON), "
		       "and check kernel.unprivileged_bpf_disabled / lockdown";
	case EINVAL:
	case ENOTSUP:
	case 524: /* ENOTSUPP */
		return "the kernel rejected a map's size or flags (e.g. BPF_F_NO_PREALLOC on a type "
		       "that cannot take it, or a program rejected by the verifier)";
	case ENOMEM:
	case E2BIG:
		return "not enough memory for the maps (memory cgroup limit?) or a size above the "
		       "kernel's limit: try a smaller --map-size or no preallocation";
	default:
		return "see libbpf's messages above";
	}
}

struct verify_args {
	const char *object;
	bool strict;
};

static int verify_opt(int opt, const char *arg, void *ctx)
{
	struct verify_args *va = ctx;

	switch (opt) {
	case 'O':
		va->object = arg;
		return 1;
	case 's':
		va->strict = true;
		return 1;
	case 'v':
		verbose = true;
		return 1;
	}
	return 0;
}

struct row {
	const char *name;
	bool managed;
	bool instance;		/* an inner map instance we created */
	uint32_t planned_max_entries, planned_map_flags;
	struct mapsize_kernel_map k;
	bool match;
	bool has_prediction;
	uint64_t predicted;	/* memlock predicted from what was created */
};

/* Predict the memlock of the map the kernel created, from its type, sizes
 * and flags: the model must match the kernel's own figure to the byte. */
static void predict(struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus,
		    const struct mapsize_kernel_consts *k, enum mapsize_mem_era era)
{
	struct mapsize_mem_map mm = {
		.sz = sizeof(mm),
		.type = mapsize_map_type__from_bpf_type(r->k.bpf_type),
		.key_size = r->k.key_size,
		.value_size = r->k.value_size,
		.max_entries = r->k.max_entries,
		.map_flags = r->k.map_flags,
		.map_extra = pm ? pm->map_extra : 0,
		.possible_cpus = cpus,
	};

	r->has_prediction = mm.type != MAPSIZE_MAP_UNSPEC &&
			    !mapsize_memlock_at_load(&mm, k, era, &r->predicted);
}

/* Does what the kernel created match the plan? */
static bool row_matches(const struct row *r, const struct mapsize_plan_map *pm, uint32_t cpus)
{
	uint32_t want = r->planned_max_entries;

	if (pm && pm->type == MAPSIZE_MAP_PERF_EVENT_ARRAY && !want)
		want = cpus; /* libbpf: one per possible CPU */
	return r->k.max_entries == want &&
	       (r->k.map_flags & MAPSIZE_F_NO_PREALLOC) == (r->planned_map_flags & MAPSIZE_F_NO_PREALLOC) &&
	       (r->k.map_flags & r->planned_map_flags) == r->planned_map_flags;
}

int do_verify(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "strict", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
	};
	struct verify_args va = { 0 };
	struct plan_options po;
	struct mapsize_node node = { .sz = sizeof(struct mapsize_node) };
	struct mapsize_error err;
	struct mapsize_apply_opts aopts = { .sz = sizeof(aopts) };
	struct mapsize_applied *applied = NULL;
	struct mapsize_plan *plan = NULL;
	struct bpf_object *obj = NULL;
	struct mapsize_kernel_consts consts = { .sz = sizeof(struct mapsize_kernel_consts) };
	enum mapsize_mem_era era;
	uint64_t total_predicted = 0;
	struct row *rows = NULL;
	size_t nrows = 0, mismatches = 0, nobj = 0;
	uint64_t total = 0;
	const char *rules;
	int ret, status = 1, inner_fd = -1;
	struct bpf_map *map;

	rules = parse_cmd_args(argc, argv, &po, extra, 3, verify_opt, &va);
	if (!va.object) {
		fprintf(stderr, "error: mapsize verify needs --object FILE.bpf.o\n");
		return 2;
	}
	aopts.strict = va.strict;
	ret = mapsize_node__read(&node);
	if (ret) {
		fprintf(stderr, "error: cannot read the node's CPUs and memory: %s\n", strerror(-ret));
		return 1;
	}
	plan = plan_options__plan(&po, rules, &node);
	if (!plan)
		return 2;
	if (plan_options__memory_model(&po, &consts, &era)) {
		status = 2;
		goto out;
	}
	libbpf_set_print(capture_libbpf);
	obj = bpf_object__open_file(va.object, NULL);
	if (!obj) {
		char msg[128];

		ret = -errno;
		libbpf_strerror(ret, msg, sizeof(msg));
		fprintf(stderr, "%s: error: cannot open BPF object: %s, expected an ELF file built with "
			"clang -target bpf\n%s", va.object, msg, libbpf_log);
		/* a missing, unreadable or malformed file (libbpf's own errno
		 * range starts at 4000: not ELF, wrong endianness, ...) is bad input */
		status = ret == -ENOENT || ret == -EINVAL || ret == -ENOEXEC || ret == -EISDIR ||
			 ret == -EACCES || ret <= -__LIBBPF_ERRNO__START ? 2 : 1;
		goto out;
	}
	applied = mapsize_plan__apply(plan, obj, &aopts, &err);
	if (!applied) {
		print_error(&err);
		status = 2;
		goto out;
	}
	ret = bpf_object__load(obj);
	if (ret) {
		fprintf(stderr, "%serror: loading %s failed: %s\nhint: %s\n", libbpf_log, va.object,
			strerror(-ret), load_hint(ret));
		goto out;
	}
	/* Room for every object map plus one inner instance each. */
	bpf_object__for_each_map(map, obj)
		nobj++;
	rows = calloc(2 * nobj + 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	bpf_object__for_each_map(map, obj) {
		const struct mapsize_plan_map *pm = mapsize_plan__find(plan, bpf_map__name(map));
		struct row *r = &rows[nrows];

		r->name = bpf_map__name(map);
		r->managed = pm && !pm->inner_of;
		for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++) {
			const struct mapsize_applied_map *am = mapsize_applied__map(applied, i);

			if (am->status != MAPSIZE_MAP_MISSING && !strcmp(am->name, r->name)) {
				r->planned_max_entries = am->max_entries;
				r->planned_map_flags = am->map_flags;
			}
		}
		r->k.sz = sizeof(r->k);
		ret = mapsize_kernel_map__read(bpf_map__fd(map), &r->k);
		if (ret) {
			fprintf(stderr, "error: cannot read map '%s' back from the kernel: %s\n", r->name,
				strerror(-ret));
			goto out;
		}
		r->match = !r->managed || row_matches(r, pm, node.possible_cpus);
		predict(r, pm, node.possible_cpus, &consts, era);
		r->match &= !r->has_prediction || r->predicted == r->k.memlock_bytes;
		mismatches += !r->match;
		total += r->k.memlock_bytes;
		total_predicted += r->predicted;
		nrows++;
		/* One inner instance per map-in-map, created as an agent would. */
		if (pm && (pm->type == MAPSIZE_MAP_HASH_OF_MAPS || pm->type == MAPSIZE_MAP_ARRAY_OF_MAPS)) {
			char iname[256];
			const struct mapsize_plan_map *ipm;

			snprintf(iname, sizeof(iname), "%s.inner", r->name);
			ipm = mapsize_plan__find(plan, iname);
			if (!ipm)
				continue;
			inner_fd = mapsize_plan__create_inner_map(plan, r->name, "inner_instance", &err);
			if (inner_fd < 0) {
				print_error(&err);
				goto out;
			}
			r = &rows[nrows];
			r->name = ipm->name;
			r->managed = true;
			r->instance = true;
			r->planned_max_entries = ipm->max_entries;
			r->planned_map_flags = ipm->map_flags;
			r->k.sz = sizeof(r->k);
			ret = mapsize_kernel_map__read(inner_fd, &r->k);
			close(inner_fd);
			inner_fd = -1;
			if (ret) {
				fprintf(stderr, "error: cannot read map '%s' back: %s\n", r->name, strerror(-ret));
				goto out;
			}
			r->match = row_matches(r, ipm, node.possible_cpus);
			predict(r, ipm, node.possible_cpus, &consts, era);
			r->match &= !r->has_prediction || r->predicted == r->k.memlock_bytes;
			mismatches += !r->match;
			total += r->k.memlock_bytes;
			total_predicted += r->predicted;
			nrows++;
		}
	}
	if (po.format == FORMAT_JSON) {
		json_t *root = json_object(), *maps = json_array();

		json_object_set_new(root, "object", json_string(va.object));
		json_object_set_new(root, "profile", json_string(mapsize_plan__profile(plan)));
		json_object_set_new(root, "kernel", json_string(node.kernel_release));
		json_object_set_new(root, "possible_cpus", json_integer(node.possible_cpus));
		for (size_t i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(r->name));
			json_object_set_new(o, "managed", json_boolean(r->managed));
			json_object_set_new(o, "inner_instance", json_boolean(r->instance));
			json_object_set_new(o, "planned_max_entries",
					    r->managed ? json_integer(r->planned_max_entries) : json_null());
			json_object_set_new(o, "kernel_max_entries", json_integer(r->k.max_entries));
			json_object_set_new(o, "planned_map_flags",
					    r->managed ? json_integer(r->planned_map_flags) : json_null());
			json_object_set_new(o, "kernel_map_flags", json_integer(r->k.map_flags));
			json_object_set_new(o, "kernel_memlock_bytes", json_integer((json_int_t)r->k.memlock_bytes));
			json_object_set_new(o, "predicted_memlock_bytes",
					    r->has_prediction ? json_integer((json_int_t)r->predicted) : json_null());
			json_object_set_new(o, "match", json_boolean(r->match));
			json_array_append_new(maps, o);
		}
		json_object_set_new(root, "maps", maps);
		{
			json_t *missing = json_array();

			for (size_t i = 0; i < mapsize_applied__map_cnt(applied); i++)
				if (mapsize_applied__map(applied, i)->status == MAPSIZE_MAP_MISSING)
					json_array_append_new(missing,
							      json_string(mapsize_applied__map(applied, i)->name));
			json_object_set_new(root, "rules_without_map", missing);
		}
		json_object_set_new(root, "total_kernel_memlock_bytes", json_integer((json_int_t)total));
		json_object_set_new(root, "total_predicted_memlock_bytes", json_integer((json_int_t)total_predicted));
		json_object_set_new(root, "kernel_era", json_string(mapsize_mem_era__name(era)));
		json_object_set_new(root, "kernel_consts", json_string(consts.source));
		json_object_set_new(root, "mismatches", json_integer((json_int_t)mismatches));
		print_json(root);
	} else {
		char hb[32];

		printf("object: %s  profile: %s  kernel: %s  possible cpus: %u\n\n", va.object,
		       mapsize_plan__profile(plan), node.kernel_release, node.possible_cpus);
		printf("%-28s %-8s %11s %11s %7s %7s %12s %12s  %s\n", "MAP", "MANAGED", "PLANNED_MAX",
		       "KERNEL_MAX", "PLAN_FL", "KERN_FL", "MEMLOCK", "PREDICTED", "RESULT");
		for (size_t i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			char pmax[16] = "-", pfl[16] = "-";

			if (r->managed) {
				snprintf(pmax, sizeof(pmax), "%u", r->planned_max_entries);
				snprintf(pfl, sizeof(pfl), "0x%x", r->planned_map_flags);
			}
			char pred[24] = "-";

			if (r->has_prediction)
				snprintf(pred, sizeof(pred), "%llu", (unsigned long long)r->predicted);
			printf("%-28s %-8s %11s %11u %7s %7s %12llu %12s  %s\n", r->name,
			       r->instance ? "instance" : r->managed ? "yes" : "no", pmax, r->k.max_entries, pfl,
			       (snprintf(hb, sizeof(hb), "0x%x", r->k.map_flags), hb),
			       (unsigned long long)r->k.memlock_bytes, pred,
			       !r->match ? "MISMATCH" : !r->managed ? "unmanaged" : "ok");
		}
		for (size_t i = 0, n = 0; i < mapsize_applied__map_cnt(applied); i++)
			if (mapsize_applied__map(applied, i)->status == MAPSIZE_MAP_MISSING)
				printf("%s%s", n++ ? ", " : "\nrules without a map in the object: ",
				       mapsize_applied__map(applied, i)->name);
		printf("\ntotal kernel memlock: %s (%llu bytes), predicted %llu bytes (%s era, sizes from %s); "
		       "%zu maps, %zu mismatches\n", human_bytes(total, hb, sizeof(hb)), (unsigned long long)total,
		       (unsigned long long)total_predicted, mapsize_mem_era__name(era), consts.source, nrows,
		       mismatches);
	}
	status = mismatches ? 1 : 0;
out:
	free(rows);
	bpf_object__close(obj);
	mapsize_applied__free(applied);
	mapsize_plan__free(plan);
	return status;
}
