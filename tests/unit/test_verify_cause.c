// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize verify's memlock rule (issue 17 item 4): a ulimit hint only when
 * the errno and the memlock accounting say so.  The live kernel (6.18) never
 * charges RLIMIT_MEMLOCK, so the rule is tested here on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../tools/mapsize/verify.h"

#define MIB (1024ull * 1024)

static void test_memlock_explains(void **state)
{
	(void)state;
	/* 5.10: 64 KiB limit, the plan locks 2 MiB: EPERM and ENOMEM are memlock */
	assert_true(verify_memlock_explains(-EPERM, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 64 * 1024, false));
	assert_true(verify_memlock_explains(-ENOMEM, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 64 * 1024, false));
	/* within the limit, or unlimited: never */
	assert_false(verify_memlock_explains(-EPERM, MAPSIZE_MEM_ERA_RLIMIT, 64 * 1024, 64 * 1024, false));
	assert_false(verify_memlock_explains(-EPERM, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 0, true));
	/* 5.11 on (memory cgroup accounting): an EPERM is a refused type, never the limit */
	assert_false(verify_memlock_explains(-EPERM, MAPSIZE_MEM_ERA_PAGES, 2 * MIB, 64 * 1024, false));
	assert_false(verify_memlock_explains(-EPERM, MAPSIZE_MEM_ERA_MEM_USAGE, 2 * MIB, 64 * 1024, false));
	/* other errnos: a verifier refusal, a missing target */
	assert_false(verify_memlock_explains(-EACCES, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 64 * 1024, false));
	assert_false(verify_memlock_explains(-ESRCH, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 64 * 1024, false));
	assert_false(verify_memlock_explains(-EINVAL, MAPSIZE_MEM_ERA_RLIMIT, 2 * MIB, 64 * 1024, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memlock_explains),
	};

	return cmocka_run_group_tests_name("verify_cause", tests, NULL, NULL);
}
