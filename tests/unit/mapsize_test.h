/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by the cmocka tests of rules, profiles and plans: parse
 * YAML held in strings, build planners and plans, assert errors by
 * FILE:LINE:COL and message, and capture the library's warnings.
 * Include after <cmocka.h>. */
#ifndef MAPSIZE_TEST_H
#define MAPSIZE_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/mapsize.h>

/* Every rules document in the tests is called this in messages. */
#define RULES_FILE "t.yaml"

/* One map named "m" (line 3); its body starts on line 4. */
#define ONE_MAP(body) "app: t\nmaps:\n  m:\n" body

/* ---- captured warnings ------------------------------------------------- */

static char captured[16384];
static size_t captured_len;

static inline int capture_print(enum mapsize_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level != MAPSIZE_WARN)
		return 0;
	n = vsnprintf(captured + captured_len, sizeof(captured) - captured_len, fmt, ap);
	if (n > 0)
		captured_len += (size_t)n < sizeof(captured) - captured_len ? (size_t)n
			: sizeof(captured) - captured_len - 1;
	return n;
}

static inline void capture_reset(void)
{
	captured_len = 0;
	captured[0] = '\0';
}

/* Group setup: route warnings into `captured` instead of stderr. */
static inline int capture_warnings(void **state)
{
	(void)state;
	mapsize_set_print(capture_print);
	capture_reset();
	return 0;
}

#define assert_contains(haystack, needle)					\
	do {									\
		const char *h_ = (haystack), *n_ = (needle);			\
		if (!h_ || !strstr(h_, n_))					\
			fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", n_); \
	} while (0)

#define assert_not_contains(haystack, needle)					\
	do {									\
		const char *h_ = (haystack), *n_ = (needle);			\
		if (h_ && strstr(h_, n_))					\
			fail_msg("'%s' contains '%s'", h_, n_);			\
	} while (0)

/* An error located in FILE at LINE:COL whose message contains MSG. */
#define assert_error_at(err, file_, line_, col_, msg_)				\
	do {									\
		const struct mapsize_error *e_ = (err);			\
		if (e_->code >= 0)						\
			fail_msg("expected an error, code %d", e_->code);	\
		if (strcmp(e_->file, (file_)) || e_->line != (line_) || e_->col != (col_)) \
			fail_msg("error at %s:%u:%u (%s), expected %s:%u:%u",	\
				 e_->file, e_->line, e_->col, e_->msg, (file_),	\
				 (unsigned int)(line_), (unsigned int)(col_));	\
		assert_contains(e_->msg, (msg_));				\
	} while (0)

/* An error from command-line input: no file, no position. */
#define assert_cmdline_error(err, msg_)						\
	do {									\
		const struct mapsize_error *e_ = (err);			\
		assert_true(e_->code < 0);					\
		assert_string_equal(e_->file, "");				\
		assert_int_equal(e_->line, 0);					\
		assert_contains(e_->msg, (msg_));				\
	} while (0)

/* ---- rules ---------------------------------------------------------------- */

static inline struct mapsize_rules *rules_ok(const char *yaml)
{
	struct mapsize_error err;
	struct mapsize_rules *r = mapsize_rules__parse(yaml, strlen(yaml), RULES_FILE, &err);

	if (!r) {
		char buf[1200];

		mapsize_error__format(&err, buf, sizeof(buf));
		fail_msg("rules did not parse: %s", buf);
	}
	assert_int_equal(err.code, 0);
	return r;
}

static inline struct mapsize_error rules_err(const char *yaml)
{
	struct mapsize_error err;
	struct mapsize_rules *r = mapsize_rules__parse(yaml, strlen(yaml), RULES_FILE, &err);

	if (r) {
		mapsize_rules__free(r);
		fail_msg("rules parsed, expected an error");
	}
	assert_true(err.code < 0);
	assert_null(strchr(err.msg, '\n'));
	return err;
}

/* ---- planners and plans ------------------------------------------------------ */

/* map_size NULL: base from the profiles, else medium; kernel NULL: newest. */
static inline struct mapsize_planner *planner(const char *map_size, const char *kernel)
{
	struct mapsize_planner_opts opts = {
		.sz = sizeof(opts), .map_size = map_size, .kernel_release = kernel,
	};
	struct mapsize_error err;
	struct mapsize_planner *pl = mapsize_planner__new(&opts, &err);

	if (!pl)
		fail_msg("planner: %s", err.msg);
	return pl;
}

static inline void add_profile(struct mapsize_planner *pl, const char *yaml, const char *file)
{
	if (mapsize_planner__add_profile(pl, yaml, strlen(yaml), file))
		fail_msg("profile %s: %u:%u: %s", file, mapsize_planner__error(pl)->line,
			 mapsize_planner__error(pl)->col, mapsize_planner__error(pl)->msg);
}

static inline void set_ok(struct mapsize_planner *pl, const char *assignment)
{
	if (mapsize_planner__set(pl, assignment))
		fail_msg("--set %s: %s", assignment, mapsize_planner__error(pl)->msg);
}

static inline struct mapsize_plan *plan_ok(struct mapsize_planner *pl, const char *yaml)
{
	struct mapsize_rules *r = rules_ok(yaml);
	struct mapsize_plan *plan = mapsize_planner__plan(pl, r);

	if (!plan) {
		char buf[1200];

		mapsize_error__format(mapsize_planner__error(pl), buf, sizeof(buf));
		fail_msg("plan failed: %s", buf);
	}
	mapsize_rules__free(r);
	return plan;
}

/* The planner's error after a plan that must fail. */
static inline struct mapsize_error plan_err(struct mapsize_planner *pl, const char *yaml)
{
	struct mapsize_rules *r = rules_ok(yaml);
	struct mapsize_plan *plan = mapsize_planner__plan(pl, r);
	struct mapsize_error err = *mapsize_planner__error(pl);

	mapsize_rules__free(r);
	if (plan) {
		mapsize_plan__free(plan);
		fail_msg("plan succeeded, expected an error");
	}
	assert_true(err.code < 0);
	assert_null(strchr(err.msg, '\n'));
	return err;
}

/* Medium profile, newest kernel, no options. */
static inline struct mapsize_plan *quick_plan(const char *yaml)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_plan *plan = plan_ok(pl, yaml);

	mapsize_planner__free(pl);
	return plan;
}

static inline struct mapsize_error quick_plan_err(const char *yaml)
{
	struct mapsize_planner *pl = planner(NULL, NULL);
	struct mapsize_error err = plan_err(pl, yaml);

	mapsize_planner__free(pl);
	return err;
}

static inline const struct mapsize_plan_map *find(const struct mapsize_plan *plan, const char *name)
{
	const struct mapsize_plan_map *m = mapsize_plan__find(plan, name);

	if (!m)
		fail_msg("no map '%s' in the plan", name);
	return m;
}

static inline uint64_t dim(const struct mapsize_plan *plan, const char *name)
{
	uint64_t v = 0;

	if (mapsize_plan__dim_value(plan, name, &v))
		fail_msg("no dimension '%s' in the plan", name);
	return v;
}

/* The plan's warnings joined by newlines (static buffer). */
static inline const char *warnings(const struct mapsize_plan *plan)
{
	static char buf[8192];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < mapsize_plan__warning_cnt(plan) && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\n", mapsize_plan__warning(plan, i));
	return buf;
}

#endif
