// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the sizing-expression parser/evaluator (src/core/expr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

struct dim {
	const char *name;
	uint64_t value;
};

static const struct dim dims[] = {
	{ "procs", 64 },
	{ "cpus", 8 },
	{ "conns_per_proc", 1000 },
	{ "zero", 0 },
	{ "big", 1ULL << 40 },
	{ "max_u64", UINT64_MAX },
	{ "min", 7 },		/* a dimension shadowing a function name */
	{ NULL, 0 },
};

static int table_lookup(void *ctx, const char *name, size_t len, uint64_t *value)
{
	const struct dim *d;

	for (d = ctx; d->name; d++) {
		if (strlen(d->name) == len && !memcmp(d->name, name, len)) {
			*value = d->value;
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t eval_ok(const char *text)
{
	struct expr_error err;
	struct expr *e;
	uint64_t v = 0xdeadbeef;

	e = expr_parse(text, &err);
	if (!e)
		fail_msg("parse of \"%s\" failed: %s (offset %zu)", text, err.msg, err.offset);
	assert_int_equal(err.code, EXPR_OK);
	if (expr_eval(e, table_lookup, (void *)dims, &v, &err))
		fail_msg("eval of \"%s\" failed: %s (offset %zu)", text, err.msg, err.offset);
	assert_int_equal(err.code, EXPR_OK);
	expr_free(e);
	return v;
}

/* Expects expr_parse to fail; returns the error. */
static struct expr_error parse_err(const char *text)
{
	struct expr_error err;
	struct expr *e;

	e = expr_parse(text, &err);
	if (e)
		fail_msg("parse of \"%s\" unexpectedly succeeded", text);
	assert_int_not_equal(err.code, EXPR_OK);
	assert_non_null(memchr(err.msg, '\0', sizeof(err.msg)));
	assert_null(strchr(err.msg, '\n'));
	return err;
}

/* Expects a successful parse and an evaluation failing with -EINVAL. */
static struct expr_error eval_err(const char *text)
{
	struct expr_error err;
	struct expr *e;
	uint64_t v = 42;

	e = expr_parse(text, &err);
	if (!e)
		fail_msg("parse of \"%s\" failed: %s", text, err.msg);
	assert_int_equal(expr_eval(e, table_lookup, (void *)dims, &v, &err), -EINVAL);
	assert_int_equal(v, 42);	/* untouched on error */
	expr_free(e);
	return err;
}

#define assert_err(err, c, off, m)					\
	do {								\
		assert_int_equal((err).code, (c));			\
		assert_int_equal((err).offset, (off));			\
		assert_string_equal((err).msg, (m));			\
	} while (0)

/* ---- values ----------------------------------------------------------- */

static void test_numbers(void **state)
{
	assert_int_equal(eval_ok("0"), 0);
	assert_int_equal(eval_ok("42"), 42);
	assert_int_equal(eval_ok("007"), 7);
	assert_int_equal(eval_ok("18446744073709551615"), UINT64_MAX);
}

static void test_suffixes(void **state)
{
	assert_int_equal(eval_ok("100k"), 100000);
	assert_int_equal(eval_ok("3M"), 3000000);
	assert_int_equal(eval_ok("2G"), 2000000000ULL);
	assert_int_equal(eval_ok("5T"), 5000000000000ULL);
	assert_int_equal(eval_ok("4Ki"), 4096);
	assert_int_equal(eval_ok("1Mi"), 1048576);
	assert_int_equal(eval_ok("16Gi"), 17179869184ULL);
	assert_int_equal(eval_ok("2Ti"), 2199023255552ULL);
	assert_int_equal(eval_ok("0Ti"), 0);
	assert_int_equal(eval_ok("16777215Ti"), 16777215ULL << 40);
	assert_int_equal(eval_ok("2k*3Ki"), 2000 * 3072);
}

static void test_hex(void **state)
{
	assert_int_equal(eval_ok("0x10"), 16);
	assert_int_equal(eval_ok("0XfF"), 255);
	assert_int_equal(eval_ok("0x0"), 0);
	assert_int_equal(eval_ok("0xffffffffffffffff"), UINT64_MAX);
	assert_int_equal(eval_ok("0x10 + 0x1"), 17);
}

static void test_precedence(void **state)
{
	assert_int_equal(eval_ok("2 + 3 * 4"), 14);
	assert_int_equal(eval_ok("2 * 3 + 4"), 10);
	assert_int_equal(eval_ok("10 - 4 - 3"), 3);	/* left associative */
	assert_int_equal(eval_ok("100 / 10 / 5"), 2);
	assert_int_equal(eval_ok("17 % 5 * 3"), 6);
	assert_int_equal(eval_ok("2 + 17 % 5"), 4);
	assert_int_equal(eval_ok("7 / 2"), 3);		/* truncates */
	assert_int_equal(eval_ok("1 + 2 * 3 - 4 / 2 + 5 % 3"), 7);
	assert_int_equal(eval_ok("10 - 2 + 3"), 11);
}

static void test_parentheses(void **state)
{
	assert_int_equal(eval_ok("(2 + 3) * 4"), 20);
	assert_int_equal(eval_ok("2 * (3 + 4)"), 14);
	assert_int_equal(eval_ok("10 - (4 - 3)"), 9);
	assert_int_equal(eval_ok("((((5))))"), 5);
	assert_int_equal(eval_ok("(1 + (2 * (3 + (4))))"), 15);
	assert_int_equal(eval_ok("(procs)"), 64);
}

static void test_whitespace(void **state)
{
	assert_int_equal(eval_ok("  1+2  "), 3);
	assert_int_equal(eval_ok("\t1\t*\t2\t"), 2);
	assert_int_equal(eval_ok("min ( 3 , 4 )"), 3);
	assert_int_equal(eval_ok("( 2 )*( 3 )"), 6);
	assert_int_equal(eval_ok("procs*cpus"), 512);
}

static void test_names(void **state)
{
	assert_int_equal(eval_ok("procs"), 64);
	assert_int_equal(eval_ok("procs * conns_per_proc"), 64000);
	assert_int_equal(eval_ok("procs * cpus + 1"), 513);
	assert_int_equal(eval_ok("big / 1Gi"), 1024);
	assert_int_equal(eval_ok("max_u64"), UINT64_MAX);
	/* function names not followed by '(' are dimensions */
	assert_int_equal(eval_ok("min + 1"), 8);
	assert_int_equal(eval_ok("min(min, 10)"), 7);
}

static void test_min_max(void **state)
{
	assert_int_equal(eval_ok("min(3, 4)"), 3);
	assert_int_equal(eval_ok("min(4, 3)"), 3);
	assert_int_equal(eval_ok("min(9, 5, 7, 6)"), 5);
	assert_int_equal(eval_ok("max(3, 4)"), 4);
	assert_int_equal(eval_ok("max(4, 3)"), 4);
	assert_int_equal(eval_ok("max(1, 9, 5, 7)"), 9);
	assert_int_equal(eval_ok("max(procs, cpus * 10)"), 80);
	assert_int_equal(eval_ok("min(max(1, 2), max(3, 4)) * 10"), 20);
	assert_int_equal(eval_ok("max(0, zero)"), 0);
}

static void test_clamp(void **state)
{
	assert_int_equal(eval_ok("clamp(5, 1, 10)"), 5);
	assert_int_equal(eval_ok("clamp(0, 1, 10)"), 1);
	assert_int_equal(eval_ok("clamp(99, 1, 10)"), 10);
	assert_int_equal(eval_ok("clamp(7, 7, 7)"), 7);
	assert_int_equal(eval_ok("clamp(procs * conns_per_proc, 1k, 32Ki)"), 32768);
}

static void test_pow2(void **state)
{
	assert_int_equal(eval_ok("pow2(0)"), 1);
	assert_int_equal(eval_ok("pow2(1)"), 1);
	assert_int_equal(eval_ok("pow2(2)"), 2);
	assert_int_equal(eval_ok("pow2(3)"), 4);
	assert_int_equal(eval_ok("pow2(1000)"), 1024);
	assert_int_equal(eval_ok("pow2(1024)"), 1024);
	assert_int_equal(eval_ok("pow2(1025)"), 2048);
	assert_int_equal(eval_ok("pow2(0x8000000000000000)"), 1ULL << 63);
	assert_int_equal(eval_ok("pow2(0x4000000000000001)"), 1ULL << 63);
	assert_int_equal(eval_ok("pow2(procs * 3) / 2"), 128);
}

static void test_reuse_with_other_lookup(void **state)
{
	static const struct dim small[] = { { "procs", 2 }, { "cpus", 3 }, { NULL, 0 } };
	struct expr_error err;
	struct expr *e;
	uint64_t v;

	e = expr_parse("procs * cpus + 1", &err);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, table_lookup, (void *)dims, &v, &err), 0);
	assert_int_equal(v, 513);
	assert_int_equal(expr_eval(e, table_lookup, (void *)small, &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(expr_eval(e, table_lookup, (void *)dims, &v, &err), 0);
	assert_int_equal(v, 513);
	expr_free(e);
}

static void test_parse_does_not_keep_text(void **state)
{
	struct expr_error err;
	struct expr *e;
	uint64_t v;
	char *text = strdup("procs + cpus");

	assert_non_null(text);
	e = expr_parse(text, &err);
	assert_non_null(e);
	memset(text, 'x', strlen(text));
	free(text);
	assert_int_equal(expr_eval(e, table_lookup, (void *)dims, &v, &err), 0);
	assert_int_equal(v, 72);
	expr_free(e);
}

/* ---- evaluation errors ------------------------------------------------ */

static void test_unknown_name(void **state)
{
	struct expr_error err = eval_err("procs * procz + 1");

	assert_err(err, EXPR_ERR_UNKNOWN_NAME, 8, "unknown dimension 'procz'");
	assert_string_equal(err.name, "procz");

	err = eval_err("1 + max(2, nope)");
	assert_err(err, EXPR_ERR_UNKNOWN_NAME, 11, "unknown dimension 'nope'");
	assert_string_equal(err.name, "nope");
}

static void test_unknown_name_truncated(void **state)
{
	char text[200];
	struct expr_error err;

	memset(text, 'a', 100);
	text[100] = '\0';
	err = eval_err(text);
	assert_int_equal(err.code, EXPR_ERR_UNKNOWN_NAME);
	assert_int_equal(err.offset, 0);
	assert_int_equal(strlen(err.name), sizeof(err.name) - 1);
	assert_int_equal(strncmp(err.name, text, sizeof(err.name) - 1), 0);
}

static void test_null_lookup(void **state)
{
	struct expr_error err;
	struct expr *e;
	uint64_t v;

	e = expr_parse("2 * 3", &err);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, NULL, NULL, &v, &err), 0);
	assert_int_equal(v, 6);
	expr_free(e);

	e = expr_parse("2 * x", &err);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, NULL, NULL, &v, &err), -EINVAL);
	assert_err(err, EXPR_ERR_UNKNOWN_NAME, 4, "unknown dimension 'x'");
	expr_free(e);
}

static int nomem_lookup(void *ctx, const char *name, size_t len, uint64_t *value)
{
	return -ENOMEM;
}

static void test_lookup_nomem(void **state)
{
	struct expr_error err;
	struct expr *e;
	uint64_t v;

	e = expr_parse("1 + x", &err);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, nomem_lookup, NULL, &v, &err), -ENOMEM);
	assert_int_equal(err.code, EXPR_ERR_NOMEM);
	expr_free(e);
}

static void test_overflow_add(void **state)
{
	struct expr_error err = eval_err("max_u64 + 1");

	assert_err(err, EXPR_ERR_OVERFLOW, 8,
		   "'+' overflows 64 bits (18446744073709551615 + 1)");
	assert_int_equal(eval_ok("max_u64 + 0"), UINT64_MAX);
}

static void test_overflow_mul(void **state)
{
	struct expr_error err = eval_err("8589934592 * 8589934592");

	assert_err(err, EXPR_ERR_OVERFLOW, 11,
		   "'*' overflows 64 bits (8589934592 * 8589934592)");
	err = eval_err("big*big");
	assert_err(err, EXPR_ERR_OVERFLOW, 3,
		   "'*' overflows 64 bits (1099511627776 * 1099511627776)");
	assert_int_equal(eval_ok("4294967296 * 4294967295"), 18446744069414584320ULL);
}

static void test_overflow_pow2(void **state)
{
	struct expr_error err = eval_err("1 + pow2(0x8000000000000001)");

	assert_err(err, EXPR_ERR_OVERFLOW, 4,
		   "pow2(9223372036854775809) overflows 64 bits");
	err = eval_err("pow2(max_u64)");
	assert_int_equal(err.code, EXPR_ERR_OVERFLOW);
	assert_int_equal(err.offset, 0);
}

static void test_overflow_literal(void **state)
{
	struct expr_error err = parse_err("1 + 18446744073709551616");

	assert_err(err, EXPR_ERR_OVERFLOW, 4,
		   "number '18446744073709551616' overflows 64 bits");
	err = parse_err("16777216Ti");
	assert_err(err, EXPR_ERR_OVERFLOW, 0, "number '16777216Ti' overflows 64 bits");
	err = parse_err("0x10000000000000000");
	assert_int_equal(err.code, EXPR_ERR_OVERFLOW);
	err = parse_err("99999999999999999999999999999999999999999999999999999999");
	assert_int_equal(err.code, EXPR_ERR_OVERFLOW);
	assert_int_equal(err.offset, 0);
}

static void test_negative(void **state)
{
	struct expr_error err = eval_err("cpus - procs");

	assert_err(err, EXPR_ERR_NEGATIVE, 5, "'-' goes below zero (8 - 64)");
	/* left to right: 5 - 3 - 3 goes negative at the second '-' */
	err = eval_err("5 - 3 - 3");
	assert_err(err, EXPR_ERR_NEGATIVE, 6, "'-' goes below zero (2 - 3)");
	assert_int_equal(eval_ok("5 - (3 - 3)"), 5);
	assert_int_equal(eval_ok("5 - 5"), 0);
}

static void test_div_zero(void **state)
{
	struct expr_error err = eval_err("10 / zero");

	assert_err(err, EXPR_ERR_DIV_ZERO, 3, "division by zero");
	err = eval_err("10 % (procs - 64)");
	assert_err(err, EXPR_ERR_DIV_ZERO, 3, "division by zero");
	err = eval_err("1 + 1/0");
	assert_err(err, EXPR_ERR_DIV_ZERO, 5, "division by zero");
	assert_int_equal(eval_ok("0 / 5"), 0);
	assert_int_equal(eval_ok("0 % 5"), 0);
}

static void test_clamp_bounds(void **state)
{
	struct expr_error err = eval_err("2 * clamp(5, 10, 1)");

	assert_err(err, EXPR_ERR_ARGS, 4, "clamp() lower bound 10 is above upper bound 1");
}

static void test_first_error_wins(void **state)
{
	/* evaluation is left to right; the first failing operation is reported */
	struct expr_error err = eval_err("nope1 / 0 + nope2");

	assert_err(err, EXPR_ERR_UNKNOWN_NAME, 0, "unknown dimension 'nope1'");
	err = eval_err("1 / 0 + nope2");
	assert_int_equal(err.code, EXPR_ERR_DIV_ZERO);
}

/* ---- parse errors ----------------------------------------------------- */

static void test_arg_counts(void **state)
{
	struct expr_error err = parse_err("min(1)");

	assert_err(err, EXPR_ERR_ARGS, 0, "min() takes at least 2 arguments, found 1");
	err = parse_err("1 + max()");
	assert_err(err, EXPR_ERR_ARGS, 4, "max() takes at least 2 arguments, found 0");
	err = parse_err("clamp(1, 2)");
	assert_err(err, EXPR_ERR_ARGS, 0, "clamp() takes exactly 3 arguments, found 2");
	err = parse_err("clamp(1, 2, 3, 4)");
	assert_err(err, EXPR_ERR_ARGS, 0, "clamp() takes exactly 3 arguments, found 4");
	err = parse_err("pow2()");
	assert_err(err, EXPR_ERR_ARGS, 0, "pow2() takes exactly 1 argument, found 0");
	err = parse_err("pow2(1, 2)");
	assert_err(err, EXPR_ERR_ARGS, 0, "pow2() takes exactly 1 argument, found 2");
}

static void test_unknown_function(void **state)
{
	struct expr_error err = parse_err("2 * foo(3)");

	assert_err(err, EXPR_ERR_SYNTAX, 4,
		   "unknown function 'foo', expected min, max, clamp or pow2");
	err = parse_err("procs (2)");
	assert_err(err, EXPR_ERR_SYNTAX, 0,
		   "unknown function 'procs', expected min, max, clamp or pow2");
	err = parse_err("Min(1, 2)");	/* case sensitive */
	assert_int_equal(err.code, EXPR_ERR_SYNTAX);
}

static void test_unexpected_end(void **state)
{
	struct expr_error err = parse_err("procs * ");

	assert_err(err, EXPR_ERR_SYNTAX, 8,
		   "unexpected end of expression, expected a number, a dimension name or '('");
	err = parse_err("(1 + 2");
	assert_err(err, EXPR_ERR_SYNTAX, 6, "unexpected end of expression, expected ')'");
	err = parse_err("min(1, 2");
	assert_err(err, EXPR_ERR_SYNTAX, 8, "unexpected end of expression, expected ',' or ')'");
	err = parse_err("min(");
	assert_err(err, EXPR_ERR_SYNTAX, 4,
		   "unexpected end of expression, expected a number, a dimension name or '('");
	err = parse_err("1 +");
	assert_int_equal(err.offset, 3);
}

static void test_unexpected_token(void **state)
{
	struct expr_error err = parse_err("()");

	assert_err(err, EXPR_ERR_SYNTAX, 1,
		   "expected a number, a dimension name or '(' but found ')'");
	err = parse_err("1 + * 2");
	assert_err(err, EXPR_ERR_SYNTAX, 4,
		   "expected a number, a dimension name or '(' but found '*'");
	err = parse_err("min(1,,2)");
	assert_err(err, EXPR_ERR_SYNTAX, 6,
		   "expected a number, a dimension name or '(' but found ','");
	err = parse_err("min(1, 2,)");
	assert_err(err, EXPR_ERR_SYNTAX, 9,
		   "expected a number, a dimension name or '(' but found ')'");
	err = parse_err("min(1 2)");
	assert_err(err, EXPR_ERR_SYNTAX, 6, "expected ',' or ')' but found '2'");
	err = parse_err("(1 2)");
	assert_err(err, EXPR_ERR_SYNTAX, 3, "expected ')' but found '2'");
	err = parse_err("1, 2");
	assert_err(err, EXPR_ERR_SYNTAX, 1,
		   "expected an operator or end of expression but found ','");
	err = parse_err("+1");
	assert_err(err, EXPR_ERR_SYNTAX, 0,
		   "expected a number, a dimension name or '(' but found '+'");
}

static void test_negative_literal(void **state)
{
	struct expr_error err = parse_err("-1");

	assert_err(err, EXPR_ERR_SYNTAX, 0, "negative numbers are not allowed");
	err = parse_err("procs * -2");
	assert_err(err, EXPR_ERR_SYNTAX, 8, "negative numbers are not allowed");
	err = parse_err("min(1, -procs)");
	assert_err(err, EXPR_ERR_SYNTAX, 7, "negative numbers are not allowed");
	err = parse_err("1 - -1");
	assert_err(err, EXPR_ERR_SYNTAX, 4, "negative numbers are not allowed");
}

static void test_trailing_garbage(void **state)
{
	struct expr_error err = parse_err("procs * 2 cpus");

	assert_err(err, EXPR_ERR_SYNTAX, 10,
		   "expected an operator or end of expression but found 'cpus'");
	err = parse_err("1 + 2)");
	assert_err(err, EXPR_ERR_SYNTAX, 5,
		   "expected an operator or end of expression but found ')'");
	err = parse_err("2 $");
	assert_err(err, EXPR_ERR_SYNTAX, 2,
		   "expected an operator or end of expression but found '$'");
	err = parse_err("2 ^ 3");
	assert_err(err, EXPR_ERR_SYNTAX, 2,
		   "expected an operator or end of expression but found '^'");
	err = parse_err("1 +\n2");
	assert_err(err, EXPR_ERR_SYNTAX, 3,
		   "expected a number, a dimension name or '(' but found byte 0x0a");
	err = parse_err("1 + \xc3\xa9");
	assert_err(err, EXPR_ERR_SYNTAX, 4,
		   "expected a number, a dimension name or '(' but found byte 0xc3");
}

static void test_bad_suffix(void **state)
{
	struct expr_error err = parse_err("16GB");

	assert_err(err, EXPR_ERR_SYNTAX, 2,
		   "invalid suffix 'GB' on number, expected k, M, G, T, Ki, Mi, Gi or Ti");
	err = parse_err("1 + 2procs");
	assert_err(err, EXPR_ERR_SYNTAX, 5,
		   "invalid suffix 'procs' on number, expected k, M, G, T, Ki, Mi, Gi or Ti");
	err = parse_err("10K");
	assert_int_equal(err.offset, 2);
	err = parse_err("10Ki2");
	assert_int_equal(err.offset, 2);
	err = parse_err("1m");
	assert_int_equal(err.code, EXPR_ERR_SYNTAX);
	err = parse_err("1_000");
	assert_err(err, EXPR_ERR_SYNTAX, 1, "underscores are not allowed in numbers");
	err = parse_err("0x10k");
	assert_err(err, EXPR_ERR_SYNTAX, 4, "suffix 'k' is not allowed on a hex number");
	err = parse_err("0x");
	assert_err(err, EXPR_ERR_SYNTAX, 0, "expected hex digits after '0x'");
	err = parse_err("2 * 0xg");
	assert_err(err, EXPR_ERR_SYNTAX, 4, "expected hex digits after '0x'");
}

static void test_empty(void **state)
{
	struct expr_error err = parse_err("");

	assert_err(err, EXPR_ERR_SYNTAX, 0, "empty expression");
	err = parse_err("   \t ");
	assert_err(err, EXPR_ERR_SYNTAX, 0, "empty expression");
	err = parse_err(NULL);
	assert_err(err, EXPR_ERR_SYNTAX, 0, "empty expression");
}

static char *nested(int depth, const char *open, const char *inner)
{
	size_t n = strlen(open);
	char *s = malloc(depth * (n + 1) + strlen(inner) + 1);
	char *p = s;
	int i;

	assert_non_null(s);
	for (i = 0; i < depth; i++, p += n)
		memcpy(p, open, n);
	p = stpcpy(p, inner);
	for (i = 0; i < depth; i++)
		*p++ = ')';
	*p = '\0';
	return s;
}

static void test_nesting_limit(void **state)
{
	struct expr_error err;
	char *s;

	s = nested(64, "(", "7");
	assert_int_equal(eval_ok(s), 7);
	free(s);

	s = nested(65, "(", "7");
	err = parse_err(s);
	assert_err(err, EXPR_ERR_SYNTAX, 64, "expression nested too deeply (limit 64)");
	free(s);

	/* calls count too: pow2( is 5 bytes */
	s = nested(64, "pow2(", "3");
	assert_int_equal(eval_ok(s), 4);
	free(s);
	s = nested(65, "pow2(", "3");
	err = parse_err(s);
	assert_err(err, EXPR_ERR_SYNTAX, 64 * 5 + 4, "expression nested too deeply (limit 64)");
	free(s);

	/* depth is nesting, not total: many sibling parentheses are fine */
	s = malloc(100 * 4);
	assert_non_null(s);
	for (int i = 0; i < 100; i++)
		memcpy(s + i * 4, "(1)+", 4);
	s[399] = '\0';
	assert_int_equal(eval_ok(s), 100);
	free(s);
}

static void test_long_chains(void **state)
{
	/* 2048 operands in one flat chain: no deep recursion */
	char *s = malloc(4097);
	int i;

	assert_non_null(s);
	for (i = 0; i < 2048; i++) {
		s[2 * i] = '1';
		s[2 * i + 1] = '+';
	}
	s[4095] = '\0';
	assert_int_equal(eval_ok(s), 2048);
	for (i = 0; i < 2047; i++)
		s[2 * i + 1] = '*';
	assert_int_equal(eval_ok(s), 1);
	free(s);
}

static void test_length_limit(void **state)
{
	struct expr_error err;
	char *s = malloc(4098);

	assert_non_null(s);
	memset(s, ' ', 4097);
	s[0] = '1';
	s[4096] = '\0';		/* exactly 4096 bytes: accepted */
	assert_int_equal(eval_ok(s), 1);
	s[4096] = ' ';
	s[4097] = '\0';
	err = parse_err(s);
	assert_err(err, EXPR_ERR_SYNTAX, 4096, "expression too long (limit 4096 bytes)");
	free(s);
}

static void test_null_err(void **state)
{
	struct expr *e = expr_parse("1 +", NULL);
	uint64_t v;

	assert_null(e);
	e = expr_parse("2 / 0", NULL);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, NULL, NULL, &v, NULL), -EINVAL);
	expr_free(e);
	expr_free(NULL);
}

/* ---- expr_for_each_name ----------------------------------------------- */

struct seen {
	int n;
	char names[8][32];
	size_t offsets[8];
};

static void collect(void *ctx, const char *name, size_t len, size_t offset)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	assert_true(len < 32);
	memcpy(s->names[s->n], name, len);
	s->names[s->n][len] = '\0';
	s->offsets[s->n] = offset;
	s->n++;
}

static void test_for_each_name(void **state)
{
	const char *text = "max(procs * cpus, min(a, 2k)) + b / (c - pow2(d)) % min";
	struct seen s = { 0 };
	struct expr_error err;
	struct expr *e;

	e = expr_parse(text, &err);
	assert_non_null(e);
	expr_for_each_name(e, collect, &s);
	expr_free(e);

	assert_int_equal(s.n, 7);
	assert_string_equal(s.names[0], "procs");
	assert_int_equal(s.offsets[0], 4);
	assert_string_equal(s.names[1], "cpus");
	assert_int_equal(s.offsets[1], 12);
	assert_string_equal(s.names[2], "a");
	assert_int_equal(s.offsets[2], 22);
	assert_string_equal(s.names[3], "b");
	assert_int_equal(s.offsets[3], 32);
	assert_string_equal(s.names[4], "c");
	assert_int_equal(s.offsets[4], 37);
	assert_string_equal(s.names[5], "d");
	assert_int_equal(s.offsets[5], 46);
	assert_string_equal(s.names[6], "min");
	assert_int_equal(s.offsets[6], 52);
	for (int i = 0; i < s.n; i++)
		assert_int_equal(strncmp(text + s.offsets[i], s.names[i], strlen(s.names[i])), 0);
}

static void test_for_each_name_none(void **state)
{
	struct seen s = { 0 };
	struct expr *e = expr_parse("pow2(3) * (1 + 2)", NULL);

	assert_non_null(e);
	expr_for_each_name(e, collect, &s);
	assert_int_equal(s.n, 0);
	expr_free(e);
}

static void test_for_each_name_repeats(void **state)
{
	struct seen s = { 0 };
	struct expr *e = expr_parse("x + x*y", NULL);

	assert_non_null(e);
	expr_for_each_name(e, collect, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "x");
	assert_int_equal(s.offsets[0], 0);
	assert_string_equal(s.names[1], "x");
	assert_int_equal(s.offsets[1], 4);
	assert_string_equal(s.names[2], "y");
	assert_int_equal(s.offsets[2], 6);
	expr_free(e);
}

/* ---- expr_parse_quantity ---------------------------------------------- */

static void test_quantity_ok(void **state)
{
	uint64_t v;

	assert_int_equal(expr_parse_quantity("16Gi", &v), 0);
	assert_int_equal(v, 17179869184ULL);
	assert_int_equal(expr_parse_quantity("32768", &v), 0);
	assert_int_equal(v, 32768);
	assert_int_equal(expr_parse_quantity("100k", &v), 0);
	assert_int_equal(v, 100000);
	assert_int_equal(expr_parse_quantity("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(expr_parse_quantity("0x1000", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(expr_parse_quantity("2Ti", &v), 0);
	assert_int_equal(v, 2ULL << 40);
	assert_int_equal(expr_parse_quantity("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
}

static void test_quantity_invalid(void **state)
{
	static const char *const bad[] = {
		"", " 16", "16 ", "16 Gi", "-1", "+1", "1+1", "16GB", "16gi", "1_000",
		"Gi", "0x", "0x1k", "1.5Gi", "(1)", "procs", "1,000",
	};
	uint64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (expr_parse_quantity(bad[i], &v) != -EINVAL)
			fail_msg("\"%s\" should be -EINVAL", bad[i]);
	}
	assert_int_equal(v, 77);
	assert_int_equal(expr_parse_quantity(NULL, &v), -EINVAL);
}

static void test_quantity_range(void **state)
{
	uint64_t v = 77;

	assert_int_equal(expr_parse_quantity("18446744073709551616", &v), -ERANGE);
	assert_int_equal(expr_parse_quantity("16777216Ti", &v), -ERANGE);
	assert_int_equal(expr_parse_quantity("20000000T", &v), -ERANGE);
	assert_int_equal(expr_parse_quantity("0x10000000000000000", &v), -ERANGE);
	assert_int_equal(v, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_parentheses),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_pow2),
		cmocka_unit_test(test_reuse_with_other_lookup),
		cmocka_unit_test(test_parse_does_not_keep_text),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_unknown_name_truncated),
		cmocka_unit_test(test_null_lookup),
		cmocka_unit_test(test_lookup_nomem),
		cmocka_unit_test(test_overflow_add),
		cmocka_unit_test(test_overflow_mul),
		cmocka_unit_test(test_overflow_pow2),
		cmocka_unit_test(test_overflow_literal),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_div_zero),
		cmocka_unit_test(test_clamp_bounds),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_arg_counts),
		cmocka_unit_test(test_unknown_function),
		cmocka_unit_test(test_unexpected_end),
		cmocka_unit_test(test_unexpected_token),
		cmocka_unit_test(test_negative_literal),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_bad_suffix),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_long_chains),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_for_each_name),
		cmocka_unit_test(test_for_each_name_none),
		cmocka_unit_test(test_for_each_name_repeats),
		cmocka_unit_test(test_quantity_ok),
		cmocka_unit_test(test_quantity_invalid),
		cmocka_unit_test(test_quantity_range),
	};

	return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
