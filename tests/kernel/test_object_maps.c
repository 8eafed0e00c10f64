// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * object_maps (map definitions from ELF + BTF, nothing loaded) and
 * object_embedded (BPF objects inside executables and libraries), issue 17.
 *
 * Where libbpf opens an object (bpf_object__open_mem), every definition must
 * equal libbpf's view, field by field and by full name: that covers our own
 * objects (tests/kernel/bpf/) and the corpus of Debian packages that
 * tools/fetch-corpus.sh unpacks under build/corpus (the test runs it, so
 * `make test` fetches the corpus; a rerun downloads nothing; a package it
 * cannot get is a printed skip; MAPSIZE_CORPUS=DIR reads another corpus,
 * MAPSIZE_CORPUS_OFFLINE=1 never goes to the network).
 * Where libbpf cannot open an object (legacy sections, unresolved externs),
 * the expected values below were read by hand with `llvm-objdump -s -j
 * SECTION`, `readelf -sW` and `bpftool btf dump file`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fnmatch.h>
#include <sys/wait.h>
#include <bpf/btf.h>

#include "test_kernel.h"
#include "../../src/kernel/object_maps.h"
#include "../../src/kernel/object_embedded.h"

/* ---- helpers ------------------------------------------------------------------ */

/* snprintf into a path buffer; a path that does not fit fails the test */
#define PATHF(buf, size, ...)                                                   \
	do {                                                                    \
		if (snprintf(buf, size, __VA_ARGS__) >= (int)(size))            \
			fail_msg("path too long: %s", buf);                     \
	} while (0)

static char *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

static const struct object_maps_def *find_def(const struct object_maps *m, const char *name)
{
	for (size_t i = 0; i < m->nr; i++)
		if (strcmp(m->defs[i].name, name) == 0)
			return &m->defs[i];
	return NULL;
}

static const char *slot_target(const struct object_maps_def *d, uint32_t index)
{
	for (size_t i = 0; i < d->nr_slots; i++)
		if (d->slots[i].index == index)
			return d->slots[i].target;
	return NULL;
}

static struct object_maps *read_ok(const void *buf, size_t size, const char *name)
{
	struct mapsize_error err;
	struct object_maps *m = NULL;
	int ret = object_maps__read_mem(buf, size, name, &m, &err);

	if (ret)
		fail_msg("%s: object_maps__read_mem: %d %s: %s", name, ret, err.file, err.msg);
	assert_non_null(m);
	return m;
}

struct tally {
	unsigned int objects, maps, matched, unopenable;
};

static bool same_field(const char *obj, const char *map, const char *field, uint64_t ours, uint64_t libbpf)
{
	if (ours == libbpf)
		return true;
	print_error("%s: map %s: %s %llu, libbpf %llu\n", obj, map, field,
		    (unsigned long long)ours, (unsigned long long)libbpf);
	return false;
}

static bool same_def(const char *obj, const struct object_maps_def *d, const struct bpf_map *map)
{
	const char *n = bpf_map__name(map);
	bool ok = true;

	ok &= same_field(obj, n, "type", d->type, bpf_map__type(map));
	ok &= same_field(obj, n, "key_size", d->key_size, bpf_map__key_size(map));
	ok &= same_field(obj, n, "value_size", d->value_size, bpf_map__value_size(map));
	ok &= same_field(obj, n, "max_entries", d->max_entries, bpf_map__max_entries(map));
	ok &= same_field(obj, n, "map_flags", d->map_flags, bpf_map__map_flags(map));
	ok &= same_field(obj, n, "map_extra", d->map_extra, bpf_map__map_extra(map));
	ok &= same_field(obj, n, "numa_node", d->numa_node, bpf_map__numa_node(map));
	return ok;
}

/* libbpf names a global-data map "<object prefix><section>" (cut to 15
 * bytes) or just the section when it has a second dot; ours is the section. */
static const struct object_maps_def *match_libbpf_name(const struct object_maps *m, const struct bpf_map *map)
{
	const char *n = bpf_map__name(map);
	const struct object_maps_def *d = find_def(m, n);
	size_t ln = strlen(n);

	if (d || !bpf_map__is_internal(map))
		return d;
	for (size_t i = 0; i < m->nr; i++) {
		size_t l = strlen(m->defs[i].name);

		if (m->defs[i].origin == OBJECT_MAPS_DATA && l <= ln && strcmp(n + ln - l, m->defs[i].name) == 0)
			return &m->defs[i];
	}
	return NULL;
}

/* Compares our reading of BUF with libbpf's; returns false when libbpf
 * cannot open it (the caller then checks values of its own). */
static bool check_against_libbpf(const void *buf, size_t size, const char *name, struct tally *t)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "corpus_obj");
	struct object_maps *m = read_ok(buf, size, name);
	struct bpf_object *obj;
	struct bpf_map *map;
	size_t ours = 0, theirs = 0;
	bool ok = true;

	t->objects++;
	for (size_t i = 0; i < m->nr; i++)
		ours += m->defs[i].origin != OBJECT_MAPS_INNER;
	t->maps += ours;
	tk_libbpf_log_reset();
	obj = bpf_object__open_mem(buf, size, &opts);
	if (!obj) {
		t->unopenable++;
		object_maps__free(m);
		return false;
	}
	bpf_object__for_each_map(map, obj) {
		const struct object_maps_def *d = match_libbpf_name(m, map);
		struct bpf_map *inner = bpf_map__inner_map(map);

		theirs++;
		if (!d) {
			print_error("%s: libbpf has map %s, object_maps does not\n", name, bpf_map__name(map));
			ok = false;
			continue;
		}
		if (!same_def(name, d, map)) {
			ok = false;
			continue;
		}
		if (inner) {
			if (d->inner < 0 || !same_def(name, &m->defs[d->inner], inner)) {
				print_error("%s: map %s: inner template differs\n", name, d->name);
				ok = false;
				continue;
			}
			assert_string_equal(m->defs[d->inner].name, bpf_map__name(inner));
		} else if (d->inner >= 0) {
			print_error("%s: map %s: an inner template libbpf does not have\n", name, d->name);
			ok = false;
			continue;
		}
		t->matched++;
	}
	if (ours != theirs) {
		print_error("%s: object_maps has %zu maps, libbpf %zu\n", name, ours, theirs);
		ok = false;
	}
	bpf_object__close(obj);
	object_maps__free(m);
	if (!ok)
		fail_msg("%s: object_maps differs from libbpf", name);
	return true;
}

/* ---- our own objects ---------------------------------------------------------- */

static void test_own_objects_match_libbpf(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct tally t = {0};
	struct dirent *e;
	DIR *d;

	tk_build_path(dir, sizeof(dir), "tests/bpf");
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t size;
		char *buf;

		/* om_kconfig_fwd: refused on purpose (test_errors_name_file_section_map) */
		if (fnmatch("*.bpf.o", e->d_name, 0) || !strcmp(e->d_name, "om_kconfig_fwd.bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		buf = read_all(path, &size);
		check_against_libbpf(buf, size, path, &t);
		free(buf);
	}
	closedir(d);
	printf("own objects: %u objects, %u maps, %u matched libbpf, %u libbpf cannot open\n",
	       t.objects, t.maps, t.matched, t.unopenable);
	assert_true(t.objects >= 19);
	/* om_extern, om_legacy, om_section at least */
	assert_true(t.unopenable >= 3);
	assert_true(t.matched > 0);
}

static struct object_maps *read_own(const char *rel)
{
	char path[PATH_MAX];
	struct mapsize_error err;
	struct object_maps *m = NULL;
	int ret;

	tk_build_path(path, sizeof(path), rel);
	ret = object_maps__read_file(path, &m, &err);
	if (ret)
		fail_msg("%s: %d %s", path, ret, err.msg);
	return m;
}

/* A 4,098-byte-key inner hash, static slots of a hash of maps and a prog array. */
static void test_bigkey_inner_and_slots(void **state)
{
	struct object_maps *m = read_own("tests/bpf/om_bigkey.bpf.o");
	const struct object_maps_def *outer = find_def(m, "path_sets"), *inner, *jumps;

	assert_non_null(outer);
	assert_int_equal(outer->type, BPF_MAP_TYPE_HASH_OF_MAPS);
	assert_int_equal(outer->key_size, 4);
	assert_int_equal(outer->value_size, 4);
	assert_int_equal(outer->max_entries, 8);
	assert_true(outer->inner >= 0);
	inner = &m->defs[outer->inner];
	assert_string_equal(inner->name, "path_sets.inner");
	assert_int_equal(inner->origin, OBJECT_MAPS_INNER);
	assert_int_equal(inner->outer, (int)(outer - m->defs));
	assert_int_equal(inner->type, BPF_MAP_TYPE_HASH);
	assert_int_equal(inner->key_size, 4098);
	assert_int_equal(inner->value_size, 4);
	assert_int_equal(inner->max_entries, 64);
	assert_true(inner->key_type_id > 0);
	assert_int_equal(btf__resolve_size(m->btf, inner->key_type_id), 4098);
	assert_int_equal(outer->nr_slots, 2);
	assert_string_equal(slot_target(outer, 1), "paths_a");
	assert_string_equal(slot_target(outer, 5), "paths_b");
	jumps = find_def(m, "jumps");
	assert_non_null(jumps);
	assert_int_equal(jumps->type, BPF_MAP_TYPE_PROG_ARRAY);
	assert_int_equal(jumps->value_size, 4);
	assert_int_equal(jumps->inner, -1);
	assert_int_equal(jumps->nr_slots, 1);
	assert_string_equal(slot_target(jumps, 2), "tail");
	assert_non_null(find_def(m, "paths_a"));
	assert_int_equal(find_def(m, "paths_a")->key_size, 4098);
	object_maps__free(m);
}

/* libbpf: "failed to find BTF for extern 'agent_score'"; the maps are there. */
static void test_extern_function(void **state)
{
	char path[PATH_MAX];
	struct object_maps *m = read_own("tests/bpf/om_extern.bpf.o");
	const struct object_maps_def *d;
	struct bpf_object *obj;

	tk_build_path(path, sizeof(path), "tests/bpf/om_extern.bpf.o");
	obj = bpf_object__open(path);
	assert_null(obj);	/* the premise: libbpf cannot open it */
	assert_int_equal(m->nr, 2);
	d = find_def(m, "ext_seen");
	assert_non_null(d);
	assert_int_equal(d->type, BPF_MAP_TYPE_LRU_HASH);
	assert_int_equal(d->key_size, 4);
	assert_int_equal(d->value_size, 8);
	assert_int_equal(d->max_entries, 10240);
	d = find_def(m, "ext_events");
	assert_non_null(d);
	assert_int_equal(d->type, BPF_MAP_TYPE_RINGBUF);
	assert_int_equal(d->key_size, 0);
	assert_int_equal(d->value_size, 0);
	assert_int_equal(d->max_entries, 65536);
	object_maps__free(m);
}

/* gobpf's maps/NAME: the section names the map, not the symbol. */
static void test_maps_name_sections(void **state)
{
	struct object_maps *m = read_own("tests/bpf/om_section.bpf.o");
	const struct object_maps_def *d;

	assert_int_equal(m->nr, 2);
	d = find_def(m, "conn-track");
	assert_non_null(d);
	assert_string_equal(d->section, "maps/conn-track");
	assert_int_equal(d->origin, OBJECT_MAPS_SECTION);
	assert_int_equal(d->type, BPF_MAP_TYPE_HASH);
	assert_int_equal(d->key_size, 12);
	assert_int_equal(d->value_size, 40);
	assert_int_equal(d->max_entries, 12001);
	assert_int_equal(d->map_flags, BPF_F_NO_PREALLOC);
	assert_int_equal(d->pinning, 2);
	d = find_def(m, "proc_events");
	assert_non_null(d);
	assert_int_equal(d->type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	assert_int_equal(d->key_size, 4);
	assert_int_equal(d->value_size, 4);
	assert_int_equal(d->max_entries, 256);
	object_maps__free(m);
}

/* libbpf 0.x's `maps` section. */
static void test_legacy_maps_section(void **state)
{
	struct object_maps *m = read_own("tests/bpf/om_legacy.bpf.o");
	const struct object_maps_def *d;

	assert_int_equal(m->nr, 2);
	d = find_def(m, "legacy_counts");
	assert_non_null(d);
	assert_string_equal(d->section, "maps");
	assert_int_equal(d->origin, OBJECT_MAPS_LEGACY);
	assert_int_equal(d->type, BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(d->key_size, 4);
	assert_int_equal(d->value_size, 8);
	assert_int_equal(d->max_entries, 16);
	d = find_def(m, "legacy_flows");
	assert_non_null(d);
	assert_int_equal(d->type, BPF_MAP_TYPE_LRU_HASH);
	assert_int_equal(d->key_size, 16);
	assert_int_equal(d->value_size, 24);
	assert_int_equal(d->max_entries, 4096);
	assert_int_equal(d->map_flags, BPF_F_NO_COMMON_LRU);
	object_maps__free(m);
}

/* Full names past 15 bytes, max_entries 1, numa_node, map_extra, pinning. */
static void test_names_and_attributes(void **state)
{
	struct object_maps *m = read_own("tests/bpf/om_names.bpf.o");
	const struct object_maps_def *a = find_def(m, "tg_execve_joined_by_pid");
	const struct object_maps_def *b = find_def(m, "tg_execve_joined_by_cgroup");
	const struct object_maps_def *d;

	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(a->name, b->name, 15);	/* the kernel would keep the same 15 bytes */
	assert_int_equal(a->max_entries, 1);
	assert_int_equal(b->max_entries, 1);
	assert_int_equal(a->value_size, 4);
	assert_int_equal(b->value_size, 8);
	d = find_def(m, "pinned_cfg");
	assert_non_null(d);
	assert_int_equal(d->pinning, 1);
	assert_int_equal(d->map_flags, BPF_F_NUMA_NODE);
	assert_int_equal(d->numa_node, 0);
	assert_int_equal(d->key_size, 4);
	assert_int_equal(d->value_size, 48);
	assert_int_equal(d->key_type_id, 0);
	d = find_def(m, "seen_bloom");
	assert_non_null(d);
	assert_int_equal(d->map_extra, 5);
	assert_int_equal(d->key_size, 0);
	d = find_def(m, ".rodata");
	assert_non_null(d);
	assert_int_equal(d->origin, OBJECT_MAPS_DATA);
	assert_int_equal(d->map_flags, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE);
	d = find_def(m, ".bss");
	assert_non_null(d);
	assert_int_equal(d->value_size, 16);
	object_maps__free(m);
}

static void replace_all(char *buf, size_t size, const char *from, const char *to)
{
	size_t n = strlen(from);
	char *p = buf;

	assert_int_equal(strlen(to), n);
	while ((p = memmem(p, size - (p - buf), from, n)))
		memcpy(p, to, n);
}

static void test_errors_name_file_section_map(void **state)
{
	char path[PATH_MAX], exe[PATH_MAX];
	struct mapsize_error err;
	struct object_maps *m = (void *)1;
	size_t size;
	char *buf;
	ssize_t n;
	int ret;

	ret = object_maps__read_mem("not an ELF", 10, "junk.o", &m, &err);
	assert_int_equal(ret, -ENOEXEC);
	assert_null(m);
	assert_string_equal(err.file, "junk.o");
	assert_int_equal(err.code, -ENOEXEC);
	/* this test program: an ELF, not a BPF object */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = 0;
	ret = object_maps__read_file(exe, &m, &err);
	assert_int_equal(ret, -ENOEXEC);
	assert_non_null(strstr(err.msg, "not a BPF object"));
	ret = object_maps__read_file("/nonexistent/x.bpf.o", &m, &err);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(err.file, "/nonexistent/x.bpf.o");
	/* an attribute libbpf does not know: named with its map and section */
	buf = read_all(tk_build_path(path, sizeof(path), "tests/bpf/om_names.bpf.o"), &size);
	replace_all(buf, size, "map_extra", "map_extrb");
	ret = object_maps__read_mem(buf, size, "om_names.bpf.o", &m, &err);
	assert_int_equal(ret, -ENOTSUP);
	assert_string_equal(err.file, "om_names.bpf.o");
	assert_string_equal(err.msg, "section .maps: map 'seen_bloom': unknown attribute 'map_extrb'");
	/* a key_size that contradicts the key type */
	free(buf);
	/* truncated object */
	buf = read_all(path, &size);
	ret = object_maps__read_mem(buf, 100, "short.o", &m, &err);
	assert_true(ret < 0);
	assert_null(m);
	free(buf);
	/* a .kconfig extern of a type without a size, named in the error (ASan:
	 * the name was once read from the freed list of externs) */
	ret = object_maps__read_file(tk_build_path(path, sizeof(path), "tests/bpf/om_kconfig_fwd.bpf.o"), &m, &err);
	assert_int_equal(ret, -EINVAL);
	assert_null(m);
	assert_string_equal(err.msg, "section .kconfig: extern 'CONFIG_MAPSIZE_UNSIZED': cannot size its type");
	tk_build_path(path, sizeof(path), "tests/bpf/om_names.bpf.o");
	/* an object is not a host of embedded objects */
	{
		struct object_embedded *v;
		size_t nr;

		assert_int_equal(object_embedded__list_file(path, &v, &nr, &err), -EINVAL);
		assert_int_equal(nr, 0);
	}
}

/* A host that embeds two of our objects (as two skeletons would), with the
 * skeleton names as strings: the images come back whole, in order. */
static void test_embedded_two(void **state)
{
	char p1[PATH_MAX], p2[PATH_MAX], host[PATH_MAX], cmd[PATH_MAX * 4];
	struct object_embedded *v;
	struct mapsize_error err;
	size_t s1, s2, nr, hs;
	char *b1, *b2, *hb;
	FILE *f;

	b1 = read_all(tk_build_path(p1, sizeof(p1), "tests/bpf/om_names.bpf.o"), &s1);
	b2 = read_all(tk_build_path(p2, sizeof(p2), "tests/bpf/om_bigkey.bpf.o"), &s2);
	/* a C file with both as byte arrays, compiled into a shared library */
	PATHF(host, sizeof(host), "%s/host.c", tk_tmp);
	f = fopen(host, "w");
	assert_non_null(f);
	fprintf(f, "const char *skel_names[] = { \"om_names_bpf\", \"om_bigkey_bpf\" };\n");
	for (int k = 0; k < 2; k++) {
		const unsigned char *b = (const unsigned char *)(k ? b2 : b1);
		size_t s = k ? s2 : s1;

		fprintf(f, "__attribute__((aligned(8))) const unsigned char img%d[%zu] = {", k, s);
		for (size_t i = 0; i < s; i++)
			fprintf(f, "%s%u", i ? "," : "", b[i]);
		fprintf(f, "};\n");
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -shared -fPIC -o %s/host.so %s", tk_tmp, host);
	assert_int_equal(system(cmd), 0);
	PATHF(host, sizeof(host), "%s/host.so", tk_tmp);
	assert_int_equal(object_embedded__list_file(host, &v, &nr, &err), 0);
	assert_int_equal(nr, 2);
	hb = read_all(host, &hs);
	assert_int_equal(v[0].size, s1);
	assert_int_equal(v[1].size, s2);
	assert_memory_equal(hb + v[0].offset, b1, s1);
	assert_memory_equal(hb + v[1].offset, b2, s2);
	/* each image has its source's FILE symbol and one matching string */
	assert_string_equal(v[0].name, "om_names_bpf");
	assert_string_equal(v[1].name, "om_bigkey_bpf");
	/* and reads as the object itself */
	{
		struct object_maps *m = read_ok(hb + v[1].offset, v[1].size, "host.so:om_bigkey_bpf");

		assert_non_null(find_def(m, "path_sets.inner"));
		object_maps__free(m);
	}
	free(v);
	free(hb);
	free(b1);
	free(b2);
}

/* Go programs embed objects with go:embed: the images are found whole; no
 * skeleton names them (objN). */
static void test_embedded_go(void **state)
{
	char p1[PATH_MAX], p2[PATH_MAX], dir[PATH_MAX], cmd[PATH_MAX * 8], exe[PATH_MAX];
	struct object_embedded *v;
	struct mapsize_error err;
	size_t s1, s2, nr, hs;
	char *b1, *b2, *hb;
	FILE *f;

	if (system("command -v go >/dev/null 2>&1")) {
		printf("SKIP: go is not installed\n");
		skip();
	}
	tk_build_path(p1, sizeof(p1), "tests/bpf/om_names.bpf.o");
	tk_build_path(p2, sizeof(p2), "tests/bpf/om_section.bpf.o");
	PATHF(dir, sizeof(dir), "%s/goembed", tk_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	PATHF(cmd, sizeof(cmd), "%s/go.mod", dir);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fprintf(f, "module goembed\n\ngo 1.16\n");
	fclose(f);
	PATHF(cmd, sizeof(cmd), "%s/main.go", dir);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fprintf(f, "package main\n\nimport _ \"embed\"\n\n"
		   "//go:embed om_names.bpf.o\nvar names []byte\n\n"
		   "//go:embed om_section.bpf.o\nvar section []byte\n\n"
		   "func main() { println(len(names), len(section)) }\n");
	fclose(f);
	PATHF(exe, sizeof(exe), "%s/agent", dir);
	PATHF(cmd, sizeof(cmd),
	      "cp '%s' '%s' '%s'/ && cd '%s' && GOCACHE='%s/cache' GOPATH='%s/gopath' GOFLAGS=-mod=mod "
	      "GOTOOLCHAIN=local CGO_ENABLED=0 go build -o agent . >&2",
	      p1, p2, dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(object_embedded__list_file(exe, &v, &nr, &err), 0);
	assert_int_equal(nr, 2);
	b1 = read_all(p1, &s1);
	b2 = read_all(p2, &s2);
	hb = read_all(exe, &hs);
	for (size_t i = 0; i < nr; i++) {
		bool is1 = v[i].size == s1 && !memcmp(hb + v[i].offset, b1, s1);
		bool is2 = v[i].size == s2 && !memcmp(hb + v[i].offset, b2, s2);
		char want[32];

		assert_true(is1 || is2);
		snprintf(want, sizeof(want), "obj%zu", i);
		assert_string_equal(v[i].name, want);
	}
	assert_true(v[0].offset != v[1].offset);
	free(v);
	free(hb);
	free(b1);
	free(b2);
}

/* ---- the corpus --------------------------------------------------------------- */

static char corpus[PATH_MAX];
static int corpus_status = -1;	/* tools/fetch-corpus.sh's exit status */

static void fetch_corpus(void)
{
	char cmd[PATH_MAX * 2];
	const char *env = getenv("MAPSIZE_CORPUS");
	int st;

	if (corpus_status >= 0)
		return;
	if (env && *env)
		snprintf(corpus, sizeof(corpus), "%s", env);
	else
		PATHF(corpus, sizeof(corpus), "%s/build/corpus", tk_root);
	/* everything cached means no apt-get at all; MAPSIZE_CORPUS_OFFLINE=1
	 * never tries the network (a missing package is then a skip) */
	PATHF(cmd, sizeof(cmd), "%s/tools/fetch-corpus.sh %s--dir '%s' >&2", tk_root,
	      getenv("MAPSIZE_CORPUS_OFFLINE") ? "--offline " : "", corpus);
	st = system(cmd);
	corpus_status = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

static bool package_dir(const char *pkg, char *dir, size_t size)
{
	char done[PATH_MAX * 2];

	fetch_corpus();
	PATHF(dir, size, "%s/%s", corpus, pkg);
	snprintf(done, sizeof(done), "%s/.done", dir);
	return access(done, R_OK) == 0;
}

#define NEED_PACKAGE(pkg, dir)                                                            \
	do {                                                                              \
		if (!package_dir(pkg, dir, sizeof(dir))) {                                \
			printf("SKIP: corpus package %s not in %s (tools/fetch-corpus.sh exit %d)\n", \
			       pkg, corpus, corpus_status);                               \
			skip();                                                           \
		}                                                                         \
	} while (0)

static void summary(const char *pkg, const struct tally *t, unsigned int hosts)
{
	printf("corpus %s: %u%s objects, %u maps, %u matched libbpf, %u libbpf cannot open\n",
	       pkg, t->objects, hosts ? " embedded" : "", t->maps, t->matched, t->unopenable);
}

static void test_corpus_libxdp(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX * 2], path[PATH_MAX * 3];
	struct tally t = {0};
	struct dirent *e;
	DIR *d;

	NEED_PACKAGE("libxdp1", dir);
	snprintf(sub, sizeof(sub), "%s/usr/lib/x86_64-linux-gnu/bpf", dir);
	d = opendir(sub);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t size;
		char *buf;

		if (fnmatch("*.o", e->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
		buf = read_all(path, &size);
		assert_true(check_against_libbpf(buf, size, path, &t));
		free(buf);
	}
	closedir(d);
	summary("libxdp1", &t, 0);
	assert_int_equal(t.objects, 15);
	assert_int_equal(t.maps, 37);
	assert_int_equal(t.matched, 37);
	assert_int_equal(t.unopenable, 0);
}

/* opensnitch 1.6.9's objects: gobpf `maps/NAME` sections of 280 bytes
 * (bpf_map_def + pinning + namespace[256]) that libbpf 1.x refuses.  Values
 * from `llvm-objdump -s -j maps/NAME` (five little-endian u32 words). */
static const struct {
	const char *object, *map;
	uint32_t type, key_size, value_size, max_entries;
} opensnitch_maps[] = {
	{ "opensnitch-dns.o", "addrinfo_args_hash", BPF_MAP_TYPE_HASH, 4, 264, 256 },
	{ "opensnitch-dns.o", "events", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 256 },
	{ "opensnitch-procs.o", "heapstore", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 9264, 1 },
	{ "opensnitch-procs.o", "proc-events", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 256 },
	{ "opensnitch-procs.o", "execMap", BPF_MAP_TYPE_HASH, 4, 9264, 256 },
	{ "opensnitch.o", "tcpMap", BPF_MAP_TYPE_HASH, 12, 32, 12001 },
	{ "opensnitch.o", "tcpv6Map", BPF_MAP_TYPE_HASH, 36, 32, 12002 },
	{ "opensnitch.o", "udpMap", BPF_MAP_TYPE_HASH, 12, 32, 12003 },
	{ "opensnitch.o", "udpv6Map", BPF_MAP_TYPE_HASH, 36, 32, 12004 },
	{ "opensnitch.o", "tcpsock", BPF_MAP_TYPE_HASH, 8, 8, 300 },
	{ "opensnitch.o", "tcpv6sock", BPF_MAP_TYPE_HASH, 8, 8, 300 },
	{ "opensnitch.o", "icmpsock", BPF_MAP_TYPE_HASH, 8, 8, 300 },
};

static void test_corpus_opensnitch(void **state)
{
	static const char *const objects[] = { "opensnitch-dns.o", "opensnitch-procs.o", "opensnitch.o" };
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct tally t = {0};

	NEED_PACKAGE("opensnitch-ebpf-modules", dir);
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
		struct object_maps *m;
		size_t size, want = 0;
		char *buf;

		snprintf(path, sizeof(path), "%s/usr/lib/opensnitchd/ebpf/%s", dir, objects[i]);
		buf = read_all(path, &size);
		assert_false(check_against_libbpf(buf, size, path, &t));
		m = read_ok(buf, size, path);
		for (size_t j = 0; j < ARRAY_SIZE(opensnitch_maps); j++) {
			const struct object_maps_def *d;

			if (strcmp(opensnitch_maps[j].object, objects[i]))
				continue;
			want++;
			d = find_def(m, opensnitch_maps[j].map);
			if (!d)
				fail_msg("%s: no map %s", path, opensnitch_maps[j].map);
			assert_int_equal(d->origin, OBJECT_MAPS_SECTION);
			assert_int_equal(d->type, opensnitch_maps[j].type);
			assert_int_equal(d->key_size, opensnitch_maps[j].key_size);
			assert_int_equal(d->value_size, opensnitch_maps[j].value_size);
			assert_int_equal(d->max_entries, opensnitch_maps[j].max_entries);
			assert_int_equal(d->map_flags, 0);
			t.matched++;
		}
		assert_int_equal(m->nr, want);
		object_maps__free(m);
		free(buf);
	}
	summary("opensnitch-ebpf-modules", &t, 0);
	assert_int_equal(t.objects, 3);
	assert_int_equal(t.maps, 12);
	assert_int_equal(t.matched, 12);
	assert_int_equal(t.unopenable, 3);
}

/* Every embedded object of every ELF file under DIR matching PATTERN. */
static void corpus_hosts(const char *pkg, const char *dir, const char *pattern, struct tally *t,
			 unsigned int *hosts, unsigned int *named, bool named_after_host)
{
	char path[PATH_MAX * 2];
	struct dirent *e;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d))) {
		struct object_embedded *v;
		struct mapsize_error err;
		size_t size, nr;
		char *buf;

		struct stat st;

		if (fnmatch(pattern, e->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		buf = read_all(path, &size);
		if (object_embedded__list_mem(buf, size, path, &v, &nr, &err))
			fail_msg("%s: %s", path, err.msg);
		if (!nr) {
			free(buf);
			continue;
		}
		(*hosts)++;
		for (size_t i = 0; i < nr; i++) {
			char name[PATH_MAX * 3];

			assert_true(v[i].offset + v[i].size <= size);
			snprintf(name, sizeof(name), "%s:%s", path, v[i].name);
			if (strncmp(v[i].name, "obj", 3) != 0) {
				char want[300];

				(*named)++;
				/* libbpf-tools: execsnoop embeds execsnoop_bpf */
				snprintf(want, sizeof(want), "%s_bpf", e->d_name);
				if (named_after_host)
					assert_string_equal(v[i].name, want);
			}
			if (!check_against_libbpf(buf + v[i].offset, v[i].size, name, t))
				print_error("%s: libbpf cannot open it: %s", name, tk_libbpf_log);
		}
		free(v);
		free(buf);
	}
	closedir(d);
	(void)pkg;
}

static void test_corpus_libbpf_tools(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX * 2];
	struct tally t = {0};
	unsigned int hosts = 0, named = 0;

	NEED_PACKAGE("libbpf-tools", dir);
	snprintf(sub, sizeof(sub), "%s/usr/sbin", dir);
	corpus_hosts("libbpf-tools", sub, "*", &t, &hosts, &named, true);
	summary("libbpf-tools", &t, hosts);
	printf("corpus libbpf-tools: %u executables, %u embedded objects named after their skeleton\n",
	       hosts, named);
	/* 0.26.0+ds-1: 52 executables (and 9 symlinks to them), one skeleton each */
	assert_int_equal(hosts, 52);
	assert_int_equal(t.objects, 52);
	assert_int_equal(t.unopenable, 0);
	assert_int_equal(t.maps, 182);
	assert_int_equal(t.matched, 182);
	/* tcptracer also holds "netns_bpf": its own name decides */
	assert_int_equal(named, 52);
}

static void test_corpus_bpftune(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX * 2];
	struct tally t = {0};
	unsigned int hosts = 0, named = 0;

	NEED_PACKAGE("libbpftune0", dir);
	snprintf(sub, sizeof(sub), "%s/usr/lib/x86_64-linux-gnu/bpftune", dir);
	corpus_hosts("libbpftune0", sub, "*.so", &t, &hosts, &named, false);
	snprintf(sub, sizeof(sub), "%s/usr/lib/x86_64-linux-gnu", dir);
	corpus_hosts("libbpftune0", sub, "libbpftune.so*", &t, &hosts, &named, false);
	summary("libbpftune0", &t, hosts);
	/* 8 tuners + libbpftune.so, each with three skeletons of one source
	 * (plain, _legacy, _nobtf) that cannot be told apart: objN */
	assert_int_equal(hosts, 9);
	assert_int_equal(t.objects, 27);
	assert_int_equal(named, 0);
	assert_int_equal(t.unopenable, 0);
	assert_int_equal(t.maps, 200);
	assert_int_equal(t.matched, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_objects_match_libbpf),
		cmocka_unit_test(test_bigkey_inner_and_slots),
		cmocka_unit_test(test_extern_function),
		cmocka_unit_test(test_maps_name_sections),
		cmocka_unit_test(test_legacy_maps_section),
		cmocka_unit_test(test_names_and_attributes),
		cmocka_unit_test(test_errors_name_file_section_map),
		cmocka_unit_test(test_embedded_two),
		cmocka_unit_test(test_embedded_go),
		cmocka_unit_test(test_corpus_libxdp),
		cmocka_unit_test(test_corpus_opensnitch),
		cmocka_unit_test(test_corpus_libbpf_tools),
		cmocka_unit_test(test_corpus_bpftune),
	};

	return cmocka_run_group_tests(tests, tk_setup, tk_teardown);
}
