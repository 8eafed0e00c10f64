// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests of the YAML document limits (src/core/yaml_doc.c): the node
 * limit counts every node once, containers included (each container was
 * counted at its start and again at its end). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapsize_test.h"
#include "yaml_doc.h"

/* {k: [1, 1, ...]} with `n` items: n + 3 nodes (mapping, key, sequence). */
static int parse_items(size_t n, struct mapsize_error *err)
{
	size_t len = 8 + 2 * n, o = 0;
	char *buf = malloc(len);
	struct ydoc doc = { 0 };
	int ret;

	assert_non_null(buf);
	o += (size_t)sprintf(buf, "{k: [");
	for (size_t i = 0; i < n; i++)
		buf[o++] = '1', buf[o++] = ',';
	o -= n ? 1 : 0;
	o += (size_t)sprintf(buf + o, "]}");
	ret = ydoc_parse(buf, o, "nodes.yaml", &doc, err);
	ydoc_free(&doc);
	free(buf);
	return ret;
}

static void test_node_limit_counts_containers_once(void **state)
{
	struct mapsize_error err;

	(void)state;
	/* exactly YDOC_MAX_NODES nodes: accepted */
	assert_int_equal(parse_items(YDOC_MAX_NODES - 3, &err), 0);
	/* one more: refused, naming the limit */
	assert_int_not_equal(parse_items(YDOC_MAX_NODES - 2, &err), 0);
	assert_non_null(strstr(err.msg, "more than 200000 nodes"));
	/* nested containers: 1 + 2 * depth nodes for depth 30 (no double count) */
	{
		char buf[256] = "";
		struct ydoc doc = { 0 };

		for (int i = 0; i < 30; i++)
			strcat(buf, "[");
		for (int i = 0; i < 30; i++)
			strcat(buf, "]");
		assert_int_equal(ydoc_parse(buf, strlen(buf), "deep.yaml", &doc, &err), 0);
		ydoc_free(&doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_limit_counts_containers_once),
	};

	return cmocka_run_group_tests_name("yaml document limits", tests, NULL, NULL);
}
