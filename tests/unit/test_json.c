// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tools' JSON path (tools/common/json.c): integers exact over int64 and
 * uint64 both ways (issue 16 #7: status and plan JSON printed values >= 2^63
 * negative, and a plan with memory=2^63 could not be read back), jansson's
 * layout kept, and file:line:column errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "json.h"

static char *dump(jv_t *v, int precision)
{
	char *s = jv_dumps(v, precision);

	jv_decref(v);
	assert_non_null(s);
	return s;
}

static void test_write_u64(void **state)
{
	jv_t *o = jv_object(), *a = jv_array();
	char *s;

	jv_object_set_new(o, "half", jv_u64(9223372036854775808ULL));
	jv_object_set_new(o, "max", jv_u64(UINT64_MAX));
	jv_object_set_new(o, "min", jv_integer(INT64_MIN));
	jv_object_set_new(o, "neg", jv_integer(-5));
	jv_array_append_new(a, jv_real(0.5));
	jv_array_append_new(a, jv_real(3));
	jv_array_append_new(a, jv_real(1e20));
	jv_object_set_new(o, "reals", a);
	jv_object_set_new(o, "empty", jv_object());
	jv_object_set_new(o, "str", jv_string("a\"b\\\n\x01/"));
	jv_object_set_new(o, "absent", jv_string(NULL));	/* as jansson: no key */
	jv_object_set_new(o, "bad utf8", jv_string("\xff"));
	s = dump(o, 0);
	assert_string_equal(s, "{\n"
			       "  \"half\": 9223372036854775808,\n"
			       "  \"max\": 18446744073709551615,\n"
			       "  \"min\": -9223372036854775808,\n"
			       "  \"neg\": -5,\n"
			       "  \"reals\": [\n    0.5,\n    3.0,\n    1e20\n  ],\n"
			       "  \"empty\": {},\n"
			       "  \"str\": \"a\\\"b\\\\\\n\\u0001/\"\n"
			       "}");
	free(s);
	s = dump(jv_real(2.0 / 3), 10);
	assert_string_equal(s, "0.6666666667");
	free(s);
}

static void test_read_exact(void **state)
{
	static const char text[] = "{\"a\": 18446744073709551615, \"b\": 9223372036854775808,\n"
				   " \"c\": -9223372036854775808, \"d\": [1.5, \"x\\u00e9\\ud83d\\ude00\", true, null]}";
	struct jv_error err;
	jv_t *v = jv_loads(text, strlen(text), &err);
	uint64_t u = 0;
	char *s;

	assert_non_null(v);
	assert_true(jv_u64_value(jv_object_get(v, "a"), &u));
	assert_true(u == UINT64_MAX);
	assert_true(jv_u64_value(jv_object_get(v, "b"), &u));
	assert_true(u == 9223372036854775808ULL);
	assert_false(jv_u64_value(jv_object_get(v, "c"), &u));
	assert_true(jv_integer_value(jv_object_get(v, "c")) == INT64_MIN);
	assert_string_equal(jv_string_value(jv_array_get(jv_object_get(v, "d"), 1)), "x\xc3\xa9\xf0\x9f\x98\x80");
	s = dump(v, 0);		/* and back: the same numbers */
	assert_non_null(strstr(s, "\"a\": 18446744073709551615,"));
	assert_non_null(strstr(s, "\"b\": 9223372036854775808,"));
	free(s);
}

static void expect_error(const char *text, unsigned int line, unsigned int col, const char *msg)
{
	struct jv_error err;
	jv_t *v = jv_loads(text, strlen(text), &err);

	assert_null(v);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, col);
	assert_string_equal(err.text, msg);
}

static void test_read_errors(void **state)
{
	expect_error("{\n  \"m\": 18446744073709551616\n}", 2, 8,
		     "integer 18446744073709551616 too big, expected at most 18446744073709551615");
	expect_error("[-9223372036854775809]", 1, 2,
		     "integer -9223372036854775809 too small, expected at least -9223372036854775808");
	expect_error("{", 1, 2, "unexpected end of the input, expected a key string");
	expect_error("[1,]", 1, 4, "unexpected character, expected a value");
	expect_error("[01]", 1, 2, "number with a leading zero, expected none");
	expect_error("{} x", 1, 4, "unexpected text after the document, expected the end of the input");
	expect_error("\"\\ud800\"", 1, 2, "lone surrogate, expected a \\uDC00-\\uDFFF after it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_u64),
		cmocka_unit_test(test_read_exact),
		cmocka_unit_test(test_read_errors),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
