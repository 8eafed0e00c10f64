/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the libFuzzer harnesses: input helpers, a fixed rules document
 * and profile to plan against, and the invariants every harness checks on
 * the library's results.  A broken invariant calls abort(), which libFuzzer
 * reports as a crash with the input that caused it. */
#ifndef MAPSIZE_FUZZ_COMMON_H
#define MAPSIZE_FUZZ_COMMON_H

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/mapsize.h>
#include <mapsize/memory.h>

#define FUZZ_FILE "fuzz.yaml"

#define fuzz_check(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  ",	\
				__FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* The library warns through a callback; keep the fuzzer's output quiet. */
static inline void fuzz_quiet(void)
{
	static bool done;

	if (!done) {
		mapsize_set_print(NULL);
		done = true;
	}
}

/* A NUL-terminated copy of data[0..size). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits data at the first `sep`; *b is NULL when there is none. */
static inline void fuzz_split(const uint8_t *data, size_t size, const char *sep,
			      const char **a, size_t *alen, const char **b, size_t *blen)
{
	size_t sl = strlen(sep);
	const uint8_t *p = sl <= size ? memmem(data, size, sep, sl) : NULL;

	*a = (const char *)data;
	*b = NULL;
	*alen = size;
	*blen = 0;
	if (p) {
		*alen = (size_t)(p - data);
		*b = (const char *)p + sl;
		*blen = size - *alen - sl;
	}
}

static inline uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h;
}

/* Every error the library returns: a negative errno, one line of message,
 * and when it names a file, a 1-based line and column in it (except for
 * the whole-file size limit). */
static inline void fuzz_check_error(const struct mapsize_error *err, const char *expect_file)
{
	char buf[1200];

	fuzz_check(err->code < 0, "error code %d", err->code);
	fuzz_check(err->msg[0], "empty error message (code %d)", err->code);
	fuzz_check(!strchr(err->msg, '\n'), "multi-line error message: %s", err->msg);
	fuzz_check(strnlen(err->file, sizeof(err->file)) < sizeof(err->file), "unterminated file");
	if (err->file[0] && err->code != -EFBIG && err->code != -ENOMEM)
		fuzz_check(err->line >= 1 && err->col >= 1, "error in %s without a position: %s",
			   err->file, err->msg);
	if (expect_file && err->code == -EINVAL)
		fuzz_check(!strcmp(err->file, expect_file) && err->line >= 1,
			   "input error not located in %s: %s:%u:%u: %s", expect_file, err->file,
			   err->line, err->col, err->msg);
	fuzz_check(mapsize_error__format(err, buf, sizeof(buf)) > 0, "format");
}

/* Length of the YAML line break at s[0..n) (\r\n, \r, \n, NEL, LS, PS), 0 if none. */
static inline size_t fuzz_yaml_break(const unsigned char *s, size_t n)
{
	if (s[0] == '\n')
		return 1;
	if (s[0] == '\r')
		return n > 1 && s[1] == '\n' ? 2 : 1;
	if (n > 1 && s[0] == 0xc2 && s[1] == 0x85)
		return 2;
	if (n > 2 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	return 0;
}

/* An error located in `file`, whose text is buf[0..len), must point at a
 * character of it: a line that exists and a column at most one past the
 * end of that line (libyaml counts lines by YAML line breaks and columns
 * in characters). */
static inline void fuzz_check_loc(const struct mapsize_error *err, const char *file,
				  const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	unsigned int line = 1;
	size_t i = 0, chars = 0, brk;

	if (err->code >= 0 || strcmp(err->file, file) || !err->line)
		return;
	if (len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
		/* libyaml reads a UTF-16 document: check its UTF-8 transcoding
		 * (not when it is malformed UTF-16). */
		iconv_t cd = iconv_open("UTF-8", s[0] == 0xff ? "UTF-16LE" : "UTF-16BE");
		char *in = (char *)buf + 2, *u8 = malloc(len * 2 + 1), *out = u8;
		size_t inleft = len - 2, outleft = len * 2 + 1;

		if (!u8 || cd == (iconv_t)-1)
			abort();
		if (iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1) {
			struct mapsize_error e = *err;

			fuzz_check_loc(&e, file, u8, (size_t)(out - u8));
		}
		iconv_close(cd);
		free(u8);
		return;
	}
	while (i < len && line < err->line) {
		brk = fuzz_yaml_break(s + i, len - i);
		line += brk != 0;
		i += brk ? brk : 1;
	}
	fuzz_check(line == err->line, "error at line %u of a %u-line document: %s", err->line, line,
		   err->msg);
	for (; i < len && !fuzz_yaml_break(s + i, len - i); i++)
		chars += (s[i] & 0xc0) != 0x80;
	fuzz_check(err->col <= chars + 1, "error at %u:%u past the end of the line (%zu characters): %s",
		   err->line, err->col, chars, err->msg);
}

/* ---- the generated header ------------------------------------------------ */

static inline bool fuzz_ident(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* The overflow slot list's value: " X(ident)" per map, ident a C identifier
 * (any case); stores how many. */
static inline bool fuzz_slot_list(const char *s, size_t n, size_t *cnt)
{
	size_t i = 0;

	*cnt = 0;
	while (i < n) {
		size_t start;

		if (n - i < 5 || memcmp(s + i, " X(", 3))
			return false;
		i += 3;
		start = i;
		if (s[i] >= '0' && s[i] <= '9')
			return false;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
				 (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
		if (i == start || i == n || s[i] != ')')
			return false;
		i++;
		(*cnt)++;
	}
	return true;
}

/* A #define's value: decimal [ULL], 0x hex ULL, or a "lower-case" string. */
static inline bool fuzz_macro_value(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (i = 1; i < n - 1; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			      s[i] == '_' || s[i] == '-'))
				return false;
		return true;
	}
	if (n > 2 && s[0] == '0' && s[1] == 'x')
		for (i = 2; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++)
			;
	else
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (!i)
		return false;
	return i == n || (n - i == 3 && !memcmp(s + i, "ULL", 3));
}

/* The header must be C the preprocessor reads as intended whatever the
 * names in the inputs: comments closed only where mapsize closes them,
 * and outside comments only #ifndef/#define/#endif lines with identifier
 * names and literal values, and the overflow slot list with one C
 * identifier per map (map_cnt of them). */
static inline void fuzz_check_header(const char *h, size_t map_cnt)
{
	static const char slots[] = "#define MAPSIZE_OVERFLOW_SLOTS(X)";
	bool in_comment = false;
	size_t slot_lines = 0;
	const char *line, *nl;

	fuzz_check(!strncmp(h, "/* Generated by mapsize ", 24), "header start: %.60s", h);
	for (line = h; *line; line = nl + 1) {
		size_t n;
		const char *end;

		nl = strchr(line, '\n');
		fuzz_check(nl, "header does not end with a newline");
		n = (size_t)(nl - line);
		end = nl;
		for (const char *p = line; p < end; p++)
			fuzz_check((unsigned char)*p >= 0x20 || *p == '\t', "control byte 0x%02x in header",
				   (unsigned char)*p);
		if (in_comment) {
			const char *close = memmem(line, n, "*/", 2);

			fuzz_check(!close || close + 2 == end, "comment closed mid-line: %.*s", (int)n, line);
			if (close)
				in_comment = false;
		} else if (n >= 2 && !memcmp(line, "/*", 2)) {
			const char *close = memmem(line + 2, n - 2, "*/", 2);

			fuzz_check(!close || close + 2 == end, "comment closed mid-line: %.*s", (int)n, line);
			in_comment = !close;
		} else if (n >= sizeof(slots) - 1 && !memcmp(line, slots, sizeof(slots) - 1)) {
			size_t cnt;

			fuzz_check(fuzz_slot_list(line + sizeof(slots) - 1, n - (sizeof(slots) - 1), &cnt),
				   "bad slot list: %.*s", (int)n, line);
			fuzz_check(cnt == map_cnt, "%zu slots for %zu maps", cnt, map_cnt);
			slot_lines++;
		} else if (n) {
			const char *sp, *name, *rest;

			if (!strncmp(line, "#ifndef ", 8) || !strncmp(line, "#define ", 8)) {
				name = line + 8;
			} else if (!strncmp(line, "#endif /* ", 10)) {
				name = line + 10;
				fuzz_check(n > 13 && !memcmp(end - 3, " */", 3), "endif: %.*s", (int)n, line);
				end -= 3;
			} else {
				fuzz_check(0, "unexpected header line: %.*s", (int)n, line);
			}
			sp = memchr(name, ' ', (size_t)(end - name));
			fuzz_check(fuzz_ident(name, (size_t)((sp ? sp : end) - name)),
				   "bad macro name: %.*s", (int)n, line);
			rest = sp ? sp + 1 : end;
			if (!strncmp(line, "#define ", 8))
				fuzz_check(!sp || fuzz_macro_value(rest, (size_t)(end - rest)),
					   "bad macro value: %.*s", (int)n, line);
			else
				fuzz_check(!sp, "trailing text: %.*s", (int)n, line);
		}
	}
	fuzz_check(!in_comment, "header ends inside a comment");
	fuzz_check(slot_lines == 1, "%zu overflow slot lists", slot_lines);
}

/* ---- a plan ---------------------------------------------------------------- */

static inline bool fuzz_is_hash(enum mapsize_map_type t)
{
	return t == MAPSIZE_MAP_HASH || t == MAPSIZE_MAP_PERCPU_HASH || t == MAPSIZE_MAP_LRU_HASH ||
	       t == MAPSIZE_MAP_LRU_PERCPU_HASH || t == MAPSIZE_MAP_HASH_OF_MAPS;
}

/* What a successful plan promises, then its header and memory. */
static inline void fuzz_check_plan(const struct mapsize_plan *plan)
{
	size_t cnt = mapsize_plan__map_cnt(plan), dims = mapsize_plan__dim_cnt(plan);
	struct mapsize_map_memory *mem, total = { .sz = sizeof(total) };
	const char *prev = NULL;
	char *h1, *h2;
	uint64_t v;

	fuzz_check(mapsize_plan__profile(plan) && mapsize_plan__base_profile(plan), "profile names");
	for (size_t i = 0; i < dims; i++) {
		const char *name = mapsize_plan__dim(plan, i, &v);
		uint64_t v2;

		fuzz_check(name && !mapsize_plan__dim_value(plan, name, &v2) && v2 == v, "dim %zu", i);
		fuzz_check(!prev || strcmp(prev, name) < 0, "dims not sorted: %s, %s", prev, name);
		prev = name;
	}
	for (size_t i = 0; i < mapsize_plan__warning_cnt(plan); i++)
		fuzz_check(mapsize_plan__warning(plan, i), "warning %zu", i);
	for (size_t i = 0; i < cnt; i++) {
		const struct mapsize_plan_map *m = mapsize_plan__map(plan, i);
		enum mapsize_map_type t = m->type;

		fuzz_check(m->name && mapsize_plan__find(plan, m->name) == m, "map %zu", i);
		fuzz_check(t > MAPSIZE_MAP_UNSPEC && t < MAPSIZE_MAP_TYPE_CNT, "type %d", t);
		fuzz_check(m->prealloc_reason, "map '%s' has no prealloc reason", m->name);
		if (!m->prealloc)
			fuzz_check(m->map_flags & MAPSIZE_F_NO_PREALLOC, "map '%s' not preallocated "
				   "without BPF_F_NO_PREALLOC", m->name);
		if (fuzz_is_hash(t))
			fuzz_check(m->max_entries >= 1 && m->max_entries <= (1U << 27),
				   "hash '%s' max_entries %u", m->name, m->max_entries);
		if (t == MAPSIZE_MAP_RINGBUF || t == MAPSIZE_MAP_USER_RINGBUF)
			fuzz_check(m->max_entries >= 4096 && !(m->max_entries & (m->max_entries - 1)),
				   "ringbuf '%s' size %u", m->name, m->max_entries);
		/* the local storages (user_ringbuf, appended later, is not one) */
		if (t >= MAPSIZE_MAP_TASK_STORAGE && t <= MAPSIZE_MAP_CGRP_STORAGE)
			fuzz_check(!m->max_entries, "local storage '%s' max_entries %u", m->name,
				   m->max_entries);
		if (m->inner_of)
			fuzz_check(mapsize_plan__find(plan, m->inner_of), "inner of unknown '%s'",
				   m->inner_of);
	}

	h1 = mapsize_plan__header(plan);
	if (h1) {
		fuzz_check_header(h1, cnt);
		h2 = mapsize_plan__header(plan);
		fuzz_check(h2 && !strcmp(h1, h2), "header is not deterministic");
		free(h2);
		free(h1);
	} else {
		/* Only two map names with the same macro stem or slot name may fail. */
		fuzz_check(errno == EEXIST || errno == ENAMETOOLONG, "header: %s", strerror(errno));
	}

	mem = calloc(cnt ? cnt : 1, sizeof(*mem));
	if (!mem)
		abort();
	mem[0].sz = sizeof(mem[0]);
	for (int era = MAPSIZE_MEM_ERA_MEM_USAGE; era <= MAPSIZE_MEM_ERA_PAGES; era++) {
		struct mapsize_memory_opts mo = { .sz = sizeof(mo), .era = (enum mapsize_mem_era)era };
		int ret = mapsize_plan__memory(plan, &mo, mem, &total);

		/* A plan the kernel would reject should have failed to plan,
		 * and so should a cpus dimension the model cannot use. */
		fuzz_check(!ret || ret == -EOVERFLOW, "memory of a valid plan: %s", strerror(-ret));
	}
	free(mem);
}

/* A small rules document touching every kind of map the planner treats
 * differently, for harnesses that fuzz the other inputs. */
static const char fuzz_rules_yaml[] =
	"app: fuzz\n"
	"maps:\n"
	"  procs_map:\n"
	"    type: hash\n"
	"    key_size: 4\n"
	"    value_size: 64\n"
	"    max_entries: procs\n"
	"    expected: procs / 8\n"
	"    min: 1024\n"
	"    max: 4Mi\n"
	"    prealloc: auto\n"
	"    used_by: [tracepoint]\n"
	"  lru:\n"
	"    type: lru_hash\n"
	"    key_size: 8\n"
	"    value_size: 16\n"
	"    max_entries: cpus * 256\n"
	"    flags: [no_common_lru]\n"
	"  pcpu:\n"
	"    type: percpu_hash\n"
	"    key_size: 8\n"
	"    value_size: 40\n"
	"    max_entries: pods + containers\n"
	"    expected: containers\n"
	"    prealloc: auto\n"
	"    used_by: [kprobe]\n"
	"  outer:\n"
	"    type: hash_of_maps\n"
	"    key_size: 4\n"
	"    value_size: 4\n"
	"    max_entries: policies\n"
	"  outer.inner:\n"
	"    type: hash\n"
	"    key_size: 8\n"
	"    value_size: 1\n"
	"    max_entries: containers * 2\n"
	"    expected: max(1, containers * nodes / workloads)\n"
	"    prealloc: auto\n"
	"  trie:\n"
	"    type: lpm_trie\n"
	"    key_size: 8\n"
	"    value_size: 1\n"
	"    max_entries: cidrs\n"
	"  stacks:\n"
	"    type: stack_trace\n"
	"    key_size: 4\n"
	"    value_size: 1016\n"
	"    max_entries: clamp(policies * 8, 1024, 32768)\n"
	"    round: pow2\n"
	"  events:\n"
	"    type: ringbuf\n"
	"    max_entries: 64Ki * cpus\n"
	"    round: pow2\n"
	"  perf:\n"
	"    type: perf_event_array\n"
	"  task:\n"
	"    type: task_storage\n"
	"    key_size: 4\n"
	"    value_size: 16\n"
	"  bloom:\n"
	"    type: bloom_filter\n"
	"    value_size: 8\n"
	"    max_entries: pow2(workloads)\n"
	"    map_extra: 3\n"
	"  conf:\n"
	"    type: array\n"
	"    value_size: 64\n"
	"    max_entries: 1\n"
	"    flags: [rdonly_prog, mmapable]\n";

#endif
