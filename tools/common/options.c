// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Plan options shared by mapsize and the demo agent. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "options.h"

void plan_options__init(struct plan_options *po)
{
	memset(po, 0, sizeof(*po));
	po->prealloc_default = -1;
}

static int push(const char **v, size_t *cnt, const char *arg, const char *flag)
{
	if (*cnt >= PLAN_OPTIONS_MAX) {
		fprintf(stderr, "error: too many %s options, expected at most %d\n", flag, PLAN_OPTIONS_MAX);
		return -1;
	}
	v[(*cnt)++] = arg;
	return 1;
}

int plan_options__handle(struct plan_options *po, int opt, const char *arg)
{
	switch (opt) {
	case OPT_MAP_SIZE:
		if (!mapsize_builtin_profile(arg, NULL)) {
			fprintf(stderr, "error: unknown --map-size '%s', expected small, medium or large\n", arg);
			return -1;
		}
		po->map_size = arg;
		return 1;
	case OPT_PROFILE:
		return push(po->profiles, &po->profile_cnt, arg, "--profile");
	case OPT_SET:
		return push(po->sets, &po->set_cnt, arg, "--set");
	case OPT_PREALLOC:
		if (!strcmp(arg, "true")) {
			po->prealloc_default = 1;
		} else if (!strcmp(arg, "false")) {
			po->prealloc_default = 0;
		} else {
			fprintf(stderr, "error: --bpf-maps-prealloc=%s, expected true or false\n", arg);
			return -1;
		}
		return 1;
	case OPT_DISABLE_PREALLOC:
		return push(po->disable, &po->disable_cnt, arg, "--bpf-maps-disable-prealloc");
	case OPT_ENABLE_PREALLOC:
		return push(po->enable, &po->enable_cnt, arg, "--bpf-maps-enable-prealloc");
	case OPT_KERNEL: {
		unsigned int v;

		if (mapsize_kernel_version(arg, &v)) {
			fprintf(stderr, "error: --kernel '%s', expected a release like 6.1 or 5.15.0-100-generic\n",
				arg);
			return -1;
		}
		po->kernel = arg;
		return 1;
	}
	case OPT_BTF:
		po->btf = arg;
		return 1;
	case OPT_KERNEL_ERA: {
		enum mapsize_mem_era era;

		if (mapsize_mem_era__from_name(arg, &era)) {
			fprintf(stderr, "error: unknown --kernel-era '%s', expected mem_usage (6.4+), "
				"pages (5.11-6.3) or rlimit (5.10)\n", arg);
			return -1;
		}
		po->kernel_era = arg;
		return 1;
	}
	case OPT_BUDGET: {
		/* the library's own check, so a bad budget fails before anything runs */
		MAPSIZE_OPTS(mapsize_planner_opts, opts, .budget = arg);
		struct mapsize_error err;
		struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);

		if (!pl) {
			print_error(&err);
			return -1;
		}
		mapsize_planner__free(pl);
		po->budget = arg;
		return 1;
	}
	case OPT_FORMAT: {
		int f = FORMAT_PARSE(arg, FORMAT_TABLE, FORMAT_JSON);

		if (f < 0)
			return -1;
		po->format = (enum output_format)f;
		return 1;
	}
	}
	return 0;
}

void plan_options__usage(FILE *out)
{
	fprintf(out,
		"Plan options (precedence, lowest first: built-in profile < --profile files in order\n"
		"< node-local cpus/memory on a live machine < --set < per-map prealloc lists):\n"
		"  --map-size=small|medium|large   built-in cluster profile (default: the profiles'\n"
		"                                  'base:', else medium)\n"
		"  --profile FILE                  override profile (YAML); repeatable, later wins\n"
		"  --set NAME=VALUE                set a dimension (procs=65536, memory=16Gi), or\n"
		"                                  maps.MAP.max_entries=EXPR / maps.MAP.prealloc=true|false|auto\n"
		"  --bpf-maps-prealloc=true|false  preallocation default for every eligible map\n"
		"  --bpf-maps-disable-prealloc=a,b maps NOT to preallocate (exceptions to a true default)\n"
		"  --bpf-maps-enable-prealloc=a,b  maps to preallocate (exceptions to a false default)\n"
		"  --kernel RELEASE                target kernel for era rules (default: running kernel)\n"
		"  --format table|json             output for people or machines (default: table)\n"
		"  --btf FILE                      kernel BTF for memory predictions (default: the\n"
		"                                  running kernel's, or built-in sizes for --kernel)\n"
		"  --kernel-era mem_usage|pages|rlimit\n"
		"                                  memlock accounting: 6.4+, 5.11-6.3 or 5.10 (default:\n"
		"                                  from the target kernel)\n"
		"  --budget SIZE|PCT%%              cap on the maps' full memory (256Mi, 1G, bytes, or 25%%\n"
		"                                  of the memory dimension; on a live node of the smaller\n"
		"                                  of it and the memory cgroup limit); over it, maps sized\n"
		"                                  by an expression shrink by one common factor\n");
}

void print_error(const struct mapsize_error *err)
{
	char buf[1200];

	mapsize_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
}

struct mapsize_planner *plan_options__planner(const struct plan_options *po,
					      const struct mapsize_node *node,
					      struct mapsize_error *err)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts),
		.map_size = po->map_size,
		.object = po->object,
		.kernel_release = po->kernel ? po->kernel : node && node->kernel_release[0] ? node->kernel_release : NULL,
	};
	struct mapsize_node running = { .sz = sizeof(struct mapsize_node) };
	struct mapsize_kernel_consts consts = { .sz = sizeof(consts) };
	struct mapsize_memory_opts mo = { .sz = sizeof(mo), .consts = &consts,
					  .possible_cpus = node ? node->possible_cpus : 0 };
	struct mapsize_planner *pl;
	int ret = 0;

	/* The target kernel defaults to the running one even for plain plans. */
	if (!opts.kernel_release && !mapsize_node__read(&running))
		opts.kernel_release = running.kernel_release;
	/* the budget is measured with the model the outputs report */
	if (po->budget) {
		if (plan_options__memory_model(po, &consts, &mo.era)) {
			*err = (struct mapsize_error){ .code = -EINVAL };
			snprintf(err->msg, sizeof(err->msg), "--budget %s needs the memory model above", po->budget);
			return NULL;
		}
		opts.budget = po->budget;
		opts.budget_memory = &mo;
	}
	pl = mapsize_planner__new(&opts, err);
	if (!pl)
		return NULL;
	for (size_t i = 0; !ret && i < po->profile_cnt; i++)
		ret = mapsize_planner__add_profile_file(pl, po->profiles[i]);
	if (!ret && node)
		ret = mapsize_planner__use_node(pl, node);
	for (size_t i = 0; !ret && i < po->set_cnt; i++)
		ret = mapsize_planner__set(pl, po->sets[i]);
	if (!ret && po->prealloc_default >= 0)
		ret = mapsize_planner__set_prealloc_default(pl, po->prealloc_default);
	for (size_t i = 0; !ret && i < po->disable_cnt; i++)
		ret = mapsize_planner__disable_prealloc(pl, po->disable[i]);
	for (size_t i = 0; !ret && i < po->enable_cnt; i++)
		ret = mapsize_planner__enable_prealloc(pl, po->enable[i]);
	if (ret) {
		*err = *mapsize_planner__error(pl);
		mapsize_planner__free(pl);
		return NULL;
	}
	return pl;
}

struct mapsize_plan *plan_options__plan(const struct plan_options *po, const char *rules_path,
					const struct mapsize_node *node)
{
	struct mapsize_error err;
	struct mapsize_rules *rules;
	struct mapsize_planner *pl;
	struct mapsize_plan *plan;

	rules = mapsize_rules__load_file(rules_path, &err);
	if (!rules) {
		print_error(&err);
		return NULL;
	}
	pl = plan_options__planner(po, node, &err);
	if (!pl) {
		print_error(&err);
		mapsize_rules__free(rules);
		return NULL;
	}
	plan = mapsize_planner__plan(pl, rules);
	if (!plan)
		print_error(mapsize_planner__error(pl));
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	return plan;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* What is wrong with a --btf file libbpf could not parse, in words. */
static const char *btf_file_problem(const char *path, int err, char *buf, size_t size)
{
	unsigned char h[4];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st))
		return strerror(errno);
	if (S_ISDIR(st.st_mode))
		return "it is a directory";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strerror(errno);
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n == 0)
		return "the file is empty";
	if (n == 4 && !memcmp(h, "\177ELF", 4))
		return "an ELF file without a readable .BTF section";
	if (n >= 2 && ((h[0] == 0x9f && h[1] == 0xeb) || (h[0] == 0xeb && h[1] == 0x9f))) {
		char msg[96];

		libbpf_strerror(err, msg, sizeof(msg));
		snprintf(buf, size, "malformed BTF (%s)", msg);
		return buf;
	}
	return "not a BTF file (no BTF magic 0xeb9f, not an ELF file)";
}

int plan_options__memory_model(const struct plan_options *po, struct mapsize_kernel_consts *consts,
			       enum mapsize_mem_era *era)
{
	struct mapsize_node running = { .sz = sizeof(struct mapsize_node) };
	const char *release = po->kernel;
	unsigned int version = 0;
	int ret;

	if (!release && !mapsize_node__read(&running))
		release = running.kernel_release;
	if (release)
		mapsize_kernel_version(release, &version);
	if (po->kernel_era) {
		mapsize_mem_era__from_name(po->kernel_era, era);
	} else if (mapsize_mem_era__from_kernel(version, era)) {
		fprintf(stderr, "error: no memory model for kernel %s, expected 5.10 or newer "
			"(or --kernel-era)\n", release);
		return -1;
	}
	if (po->btf || !po->kernel) {
		/* libbpf's own complaints about a bad --btf file are noise
		 * beside the one line below */
		libbpf_print_fn_t prev = po->btf ? libbpf_set_print(quiet_libbpf) : NULL;

		ret = mapsize_kernel_consts__from_btf(po->btf, consts);
		if (po->btf)
			libbpf_set_print(prev);
		if (!ret) {
			mapsize_kernel_consts__set_kernel(consts, version);
			return 0;
		}
		if (po->btf) {
			char why[160];

			fprintf(stderr, "%s: error: cannot read kernel BTF: %s, expected a BTF file such as "
				"/sys/kernel/btf/vmlinux (or a vmlinux with a .BTF section)\n", po->btf,
				btf_file_problem(po->btf, ret, why, sizeof(why)));
			return -1;
		}
	}
	/* The built-in table of the kernel's series, else the nearest lower
	 * one ("nearest 6.1"; plan_options__consts_warning() says so). */
	ret = mapsize_kernel_consts__builtin(release, consts);
	if (ret == -ENOENT) {
		fprintf(stderr, "error: no built-in kernel struct sizes for %s (the oldest series is 5.10), "
			"expected --btf with that kernel's BTF\n", release);
		return -1;
	}
	if (ret)
		mapsize_kernel_consts__builtin(NULL, consts);
	mapsize_kernel_consts__set_kernel(consts, version);
	return 0;
}

int plan_options__consts_warning(const struct plan_options *po,
				 const struct mapsize_kernel_consts *consts, char *buf, size_t size)
{
	struct mapsize_node running = { .sz = sizeof(struct mapsize_node) };
	const char *release = po->kernel;
	unsigned int version;

	if (!consts->series)
		return 0;	/* from BTF */
	if (!release && !mapsize_node__read(&running))
		release = running.kernel_release;
	if (!release || mapsize_kernel_version(release, &version))
		return 0;
	if (version == consts->series) {
		/* $MAPSIZE_RUNNING_BTF stands for /sys/kernel/btf/vmlinux (tests); empty: no check */
		const char *btf = getenv("MAPSIZE_RUNNING_BTF");

		if (btf && !*btf)
			return 0;
		return mapsize_kernel_consts__check_running(consts, btf, buf, size) > 0;
	}
	snprintf(buf, size, "no built-in kernel struct sizes for %s: using those of the nearest lower "
		 "series %u.%u; for exact figures pass --btf with that kernel's BTF "
		 "(/sys/kernel/btf/vmlinux on the node)", release, consts->series >> 8,
		 consts->series & 0xff);
	return 1;
}

void plan_options__print_toggles(FILE *out, const struct mapsize_plan *plan)
{
	size_t n = 0;

	fprintf(out, "Maps whose preallocation can toggle (--bpf-maps-disable-prealloc / "
		"--bpf-maps-enable-prealloc):\n");
	for (size_t i = 0; i < mapsize_plan__map_cnt(plan); i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);

		if (!m->prealloc_toggle)
			continue;
		fprintf(out, "  %-32s %-14s %s (%s)\n", m->name, mapsize_map_type__name(m->type),
			m->prealloc ? "preallocated" : "not preallocated", m->prealloc_reason);
		n++;
	}
	if (!n)
		fprintf(out, "  (none)\n");
}

int exit_code_for(int err)
{
	switch (err) {
	case -EINVAL:
	case -ENOENT:
	case -EFBIG:
	case -EEXIST:
	case -ENAMETOOLONG:
	case -EISDIR:
	case -EACCES:
	case -ERANGE:
		return 2;
	default:
		return 1;
	}
}
