// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for the pure parts of `mapsize profile --from-kubernetes`
 * (src/core/kube.c): Kubernetes quantities, nearest-rank percentiles and
 * the top-level owner of a pod. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mapsize_test.h"
#include "kube.h"

static uint64_t q(const char *s)
{
	uint64_t v = 12345;
	int ret = kube_quantity_parse(s, &v);

	if (ret)
		fail_msg("'%s': %d", s, ret);
	return v;
}

static void test_quantity_forms(void **state)
{
	/* plain and signed */
	assert_int_equal(q("0"), 0);
	assert_int_equal(q("8"), 8);
	assert_int_equal(q("+8"), 8);
	assert_int_equal(q("007"), 7);
	/* millicpu rounds up to whole CPUs */
	assert_int_equal(q("7910m"), 8);
	assert_int_equal(q("8000m"), 8);
	assert_int_equal(q("8001m"), 9);
	assert_int_equal(q("1m"), 1);
	assert_int_equal(q("0m"), 0);
	/* binary suffixes */
	assert_int_equal(q("1Ki"), 1024);
	assert_int_equal(q("16290748Ki"), 16290748ULL * 1024);
	assert_int_equal(q("16Mi"), 16ULL << 20);
	assert_int_equal(q("16Gi"), 16ULL << 30);
	assert_int_equal(q("2Ti"), 2ULL << 40);
	assert_int_equal(q("3Pi"), 3ULL << 50);
	assert_int_equal(q("15Ei"), 15ULL << 60);
	/* decimal suffixes: k is lower case, E alone is exa */
	assert_int_equal(q("1k"), 1000);
	assert_int_equal(q("8G"), 8000000000ULL);
	assert_int_equal(q("2M"), 2000000);
	assert_int_equal(q("1T"), 1000000000000ULL);
	assert_int_equal(q("1P"), 1000000000000000ULL);
	assert_int_equal(q("18E"), 18000000000000000000ULL);
	/* exponents */
	assert_int_equal(q("1e9"), 1000000000);
	assert_int_equal(q("65E9"), 65000000000ULL);
	assert_int_equal(q("1e+3"), 1000);
	assert_int_equal(q("1500e-3"), 2);	/* 1.5 rounds up */
	assert_int_equal(q("1e-30"), 1);
	assert_int_equal(q("1e-99999999"), 1);
	assert_int_equal(q("0e99999999"), 0);
	/* fractions round up */
	assert_int_equal(q("1.5Gi"), 1610612736);
	assert_int_equal(q("15.5Gi"), 16642998272ULL);
	assert_int_equal(q("7.5G"), 7500000000ULL);
	assert_int_equal(q("0.5"), 1);
	assert_int_equal(q(".5"), 1);
	assert_int_equal(q("5."), 5);
	assert_int_equal(q("0.001Ki"), 2);	/* 1.024 bytes */
	assert_int_equal(q("0.000000000000000000001Ei"), 1);	/* 0.00115 bytes */
}

static void test_quantity_boundaries(void **state)
{
	uint64_t v;

	/* UINT64_MAX is the largest, in any form */
	assert_int_equal(q("18446744073709551615"), UINT64_MAX);
	assert_int_equal(kube_quantity_parse("18446744073709551616", &v), -ERANGE);
	assert_int_equal(q("1844674407370955161500m"), 1844674407370955162);	/* 22 digits, 2 zeros */
	assert_int_equal(q("15Ei"), 15ULL << 60);
	assert_int_equal(kube_quantity_parse("16Ei", &v), -ERANGE);
	assert_int_equal(q("18.446744073709551615E"), UINT64_MAX);
	assert_int_equal(kube_quantity_parse("18.446744073709551616E", &v), -ERANGE);
	assert_int_equal(kube_quantity_parse("19E", &v), -ERANGE);
	assert_int_equal(kube_quantity_parse("1e20", &v), -ERANGE);
	assert_int_equal(q("1e19"), 10000000000000000000ULL);
	assert_int_equal(kube_quantity_parse("1e99999999", &v), -ERANGE);
	assert_int_equal(q("17179869183.999999999Gi"), UINT64_MAX);	/* 20 digits, 2^64 - 2^30 + ... rounds up */
	/* more significant digits than kept: refused, not rounded silently */
	assert_int_equal(kube_quantity_parse("123456789012345678901", &v), -ERANGE);
	assert_int_equal(q("00000000000000000000000000001"), 1);	/* leading zeros are not digits */
	/* not quantities */
	const char *const bad[] = { "", "-1", "-0", "m", "Ki", "1.2.3", "1 Gi", " 1", "1kb", "1K",
				    "1KiB", "1ki", "1e", "1e+", "1e3.5", "1.5e", "0x10", "1Gi ", "e3",
				    ".", "+", "1mi", "NaN", "1ee3" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kube_quantity_parse(bad[i], &v) != -EINVAL)
			fail_msg("'%s' accepted as a quantity", bad[i]);
	assert_int_equal(kube_quantity_parse(NULL, &v), -EINVAL);
}

static void test_percentile(void **state)
{
	const uint64_t four[] = { 2, 4, 8, 16 }, one[] = { 7 };
	uint64_t hundred[100];
	uint32_t c;

	for (int i = 0; i < 100; i++)
		hundred[i] = (uint64_t)i + 1;
	/* nearest rank: ceil(P/100 * n) */
	assert_int_equal(kube_percentile(four, 4, 10000), 16);
	assert_int_equal(kube_percentile(four, 4, 7500), 8);	/* rank 3 */
	assert_int_equal(kube_percentile(four, 4, 7501), 16);	/* rank ceil(3.0004) = 4 */
	assert_int_equal(kube_percentile(four, 4, 5000), 4);	/* median: rank 2 */
	assert_int_equal(kube_percentile(four, 4, 2500), 2);
	assert_int_equal(kube_percentile(four, 4, 2501), 4);
	assert_int_equal(kube_percentile(four, 4, 1), 2);	/* P0.01: rank 1 */
	assert_int_equal(kube_percentile(one, 1, 1), 7);
	assert_int_equal(kube_percentile(one, 1, 10000), 7);
	assert_int_equal(kube_percentile(hundred, 100, 9500), 95);
	assert_int_equal(kube_percentile(hundred, 100, 9501), 96);
	assert_int_equal(kube_percentile(hundred, 100, 9999), 100);
	assert_int_equal(kube_percentile(hundred, 100, 5000), 50);
	/* parsing P */
	assert_int_equal(kube_percentile_parse("100", &c), 0);
	assert_int_equal(c, 10000);
	assert_int_equal(kube_percentile_parse("95", &c), 0);
	assert_int_equal(c, 9500);
	assert_int_equal(kube_percentile_parse("99.9", &c), 0);
	assert_int_equal(c, 9990);
	assert_int_equal(kube_percentile_parse("0.01", &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(kube_percentile_parse("100.00", &c), 0);
	assert_int_equal(c, 10000);
	const char *const bad[] = { "0", "0.0", "100.01", "101", "1000", "-5", "50%", "", "9.", ".5",
				    "99.999", "1e2", " 50" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kube_percentile_parse(bad[i], &c) != -EINVAL)
			fail_msg("'%s' accepted as a percentile", bad[i]);
}

static void check_owner(const char *kind, const char *name, const char *want_kind,
			const char *want_name, enum kube_owner_rule want_rule)
{
	const char *k;
	char n[64];

	assert_int_equal(kube_workload("pod-x", kind, name, &k, n, sizeof(n)), want_rule);
	assert_string_equal(k, want_kind);
	assert_string_equal(n, want_name);
}

static void test_workload(void **state)
{
	check_owner(NULL, NULL, "Pod", "pod-x", KUBE_OWNER_NONE);
	check_owner("ReplicaSet", "web-7d9c4b8f6d", "Deployment", "web", KUBE_OWNER_DEPLOYMENT);
	check_owner("ReplicaSet", "api-gateway-56d8c9b7f4", "Deployment", "api-gateway", KUBE_OWNER_DEPLOYMENT);
	/* not a template hash: 'a', 'e' and more than 10 characters are outside it */
	check_owner("ReplicaSet", "frontend", "ReplicaSet", "frontend", KUBE_OWNER_SELF);
	check_owner("ReplicaSet", "front-end", "ReplicaSet", "front-end", KUBE_OWNER_SELF);
	check_owner("ReplicaSet", "web-bcdfghjklmn", "ReplicaSet", "web-bcdfghjklmn", KUBE_OWNER_SELF);
	check_owner("ReplicaSet", "-7d9c4b8f6d", "ReplicaSet", "-7d9c4b8f6d", KUBE_OWNER_SELF);
	check_owner("Job", "backup-29433600", "CronJob", "backup", KUBE_OWNER_CRONJOB);
	check_owner("Job", "db-backup-29433600", "CronJob", "db-backup", KUBE_OWNER_CRONJOB);
	check_owner("Job", "migrate-2", "Job", "migrate-2", KUBE_OWNER_SELF);
	check_owner("Job", "migrate-2943360", "Job", "migrate-2943360", KUBE_OWNER_SELF);	/* 7 digits */
	check_owner("Job", "backup-2943360x", "Job", "backup-2943360x", KUBE_OWNER_SELF);
	check_owner("StatefulSet", "db", "StatefulSet", "db", KUBE_OWNER_SELF);
	check_owner("DaemonSet", "cilium", "DaemonSet", "cilium", KUBE_OWNER_SELF);
	check_owner("Node", "node-a", "Node", "node-a", KUBE_OWNER_SELF);
}

static void test_builtin_dims(void **state)
{
	struct kube_dim dims[16];
	struct mapsize_error err;
	int n = kube_builtin_dims("small", dims, 16, &err);

	assert_true(n >= 8);
	assert_string_equal(dims[0].name, "nodes");
	assert_int_equal(dims[0].value, 10);
	assert_int_equal(kube_builtin_dims("huge", dims, 16, &err), -ENOENT);
	assert_int_equal(kube_builtin_dims("small", dims, 2, &err), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantity_forms),
		cmocka_unit_test(test_quantity_boundaries),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_workload),
		cmocka_unit_test(test_builtin_dims),
	};

	return cmocka_run_group_tests_name("kube", tests, NULL, NULL);
}
