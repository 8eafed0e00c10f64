// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-kernel tests of the window of a pinned map migration (issue 23 item
 * 4) and its crash safety, on bpffs mounts each test creates under /tmp and
 * unmounts (never /sys/fs/bpf):
 *
 *  - a writer changing, adding and deleting keys in the old map between the
 *    copy and finish, and the "new programs" writing some of those keys:
 *    the exact end state and counts, no deleted key back; the same with a
 *    BPF writer (BPF_PROG_TEST_RUN) of an object pinned by name, restarted
 *    on the new map as an agent does;
 *  - the process stopped after every step (MAPSIZE_MIGRATE_STOP_AFTER, in a
 *    child): the path holds one complete map, the next migrate or finish
 *    completes it with the exact end state; the same with real SIGKILLs at
 *    moments spread over a migration of 1,000,000 entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "test_kernel.h"
#include "test_migrate.h"

static void window_writes(int old_fd, int new_fd, bool new_programs)
{
	for (uint32_t k = 0; k < 1000; k++)
		assert_int_equal(bpf_map_update_elem(old_fd, &k, &(uint64_t){ k + 500000 }, 0), 0);
	for (uint32_t k = 200000; k < 201000; k++)
		assert_int_equal(bpf_map_update_elem(old_fd, &k, &(uint64_t){ k * 2 }, 0), 0);
	for (uint32_t k = 1000; k < 2000; k++)
		assert_int_equal(bpf_map_delete_elem(old_fd, &k), 0);
	/* what finish must make of them */
	for (uint32_t k = 0; k < 1000; k++)
		model_set(-1, k, k + 500000);
	for (uint32_t k = 200000; k < 201000; k++)
		model_set(-1, k, k * 2);
	for (uint32_t k = 1000; k < 2000; k++)
		model_del(-1, k);
	if (!new_programs)
		return;
	model_set(new_fd, 10, 777);
	model_set(new_fd, 200005, 888);
	model_set(new_fd, 1010, 999);
	model_set(new_fd, 5000, 1);
	model_del(new_fd, 20);
	model_del(new_fd, 6000);
}

static void test_window_user_writer(void **state)
{
	struct mapsize_migrate_result r;
	char old_pin[PATH_MAX + 16];
	int old_fd, new_fd;

	(void)state;
	REQUIRE_BPF();
	model_fill_pinned(150000, N);
	assert_int_equal(migrate(300000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	snprintf(old_pin, sizeof(old_pin), "%s-mapsize-old", pin);
	old_fd = bpf_obj_get(old_pin);
	new_fd = bpf_obj_get(pin);
	assert_true(old_fd >= 0 && new_fd >= 0);
	window_writes(old_fd, new_fd, true);
	close(old_fd);
	close(new_fd);
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	/* changed 1000 - 10 - 20, added 1000 - 200005; deleted 1000 - 1010;
	 * skipped: 10, 20, 200005, 1010 */
	assert_int_equal(r.updated, 1997);
	assert_int_equal(r.deleted, 999);
	assert_int_equal(r.skipped, 4);
	assert_int_equal(r.failed, 0);
	assert_string_equal(listing(), "m");
	model_verify(pin);
	/* a second finish has nothing to do */
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_NOTHING_TO_FINISH);
	model_verify(pin);
}

/* The agent's own object: mig_agent pinned by name under the test bpffs,
 * the writer program run with BPF_PROG_TEST_RUN. */
static struct bpf_object *agent_load(uint32_t max_entries)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = fs);
	char path[PATH_MAX];
	struct bpf_object *obj = bpf_object__open_file(tk_build_path(path, sizeof(path), MIG_OBJ), &oo);

	assert_non_null(obj);
	assert_int_equal(bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "mig_agent"), max_entries), 0);
	tk_load(obj);
	return obj;
}

static void agent_write(struct bpf_object *obj, uint64_t op, uint32_t key, uint64_t val)
{
	__u64 args[3] = { op, key, val };
	LIBBPF_OPTS(bpf_test_run_opts, to, .ctx_in = args, .ctx_size_in = sizeof(args));
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "mig_write"));

	assert_int_equal(bpf_prog_test_run_opts(fd, &to), 0);
	assert_int_equal(to.retval, 1);
	if (op == 1)
		model_set(-1, key, val);
	else
		model_del(-1, key);
}

static void test_window_bpf_writer(void **state)
{
	struct mapsize_migrate_result r;
	struct bpf_object *old_obj, *new_obj;
	char agent_pin[PATH_MAX];

	(void)state;
	REQUIRE_BPF();
	memset(&model, 0, sizeof(model));
	old_obj = agent_load(20000);
	for (uint32_t k = 0; k < 15000; k++)
		agent_write(old_obj, 1, k, k * 3 + 7);
	assert_true(snprintf(agent_pin, sizeof(agent_pin), "%s/mig_agent", fs) < (int)sizeof(agent_pin));
	snprintf(pin, sizeof(pin), "%s", agent_pin);
	assert_int_equal(migrate(40000, 0, NULL, &r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
	assert_int_equal(r.copied, 15000);
	/* the old programs keep running until the restart */
	for (uint32_t k = 0; k < 100; k++)
		agent_write(old_obj, 1, k, k + 100000);
	for (uint32_t k = 100; k < 200; k++)
		agent_write(old_obj, 2, k, 0);
	for (uint32_t k = 30000; k < 30100; k++)
		agent_write(old_obj, 1, k, k);
	/* the restart: the new object reuses the pin, now the 40,000-entry map */
	new_obj = agent_load(40000);
	bpf_object__close(old_obj);
	agent_write(new_obj, 1, 5, 555);	/* changed by both: the new program wins */
	agent_write(new_obj, 1, 150, 1500);	/* deleted by the old one, rewritten by the new */
	assert_int_equal(finish(&r), 0);
	assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
	assert_int_equal(r.updated, 99 + 100);
	assert_int_equal(r.deleted, 99);
	assert_int_equal(r.skipped, 2);
	/* the new program still sees every entry through the map it loaded with */
	model_verify(pin);
	bpf_object__close(new_obj);
	assert_int_equal(unlink(pin), 0);
	assert_string_equal(listing(), "");
	fs_teardown(NULL);	/* and pin back to fs/m for the next test */
}

/* ---- stopped after every step ------------------------------------------- */

static pid_t run_stopped(int step, bool do_finish)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (!pid) {
		struct mapsize_migrate_result r;
		char s[16];

		snprintf(s, sizeof(s), "%d", step);
		setenv("MAPSIZE_MIGRATE_STOP_AFTER", s, 1);
		if (do_finish)
			finish(&r);
		else
			migrate(60000, 0, NULL, &r);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_stop_after_every_step(void **state)
{
	struct mapsize_migrate_result r;
	char old_pin[PATH_MAX + 16];
	uint32_t max;

	(void)state;
	REQUIRE_BPF();
	snprintf(old_pin, sizeof(old_pin), "%s-mapsize-old", pin);
	for (int step = MAPSIZE_MIGRATE_STEP_PREPARE; step <= MAPSIZE_MIGRATE_STEP_SWAPPED; step++) {
		model_fill_pinned(30000, N_STOP);
		assert_int_equal(run_stopped(step, false), 75);
		/* one complete map at the path: the old one until the rename */
		map_id(pin, &max);
		assert_int_equal(max, step >= MAPSIZE_MIGRATE_STEP_RENAMED ? 60000 : 30000);
		model_verify(pin);
		assert_int_equal(migrate(60000, 0, NULL, &r), 0);
		if (step >= MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED) {
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_PENDING_FINISH);
			assert_int_equal(r.renames, step == MAPSIZE_MIGRATE_STEP_JOURNAL_COPIED);
		} else {
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_MIGRATED);
		}
		if (step < MAPSIZE_MIGRATE_STEP_SWAPPED)
			assert_true(r.recovery[0]);
		map_id(pin, &max);
		assert_int_equal(max, 60000);
		model_verify(pin);
		assert_int_equal(finish(&r), 0);
		assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
		assert_string_equal(listing(), "m");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}
	for (int step = MAPSIZE_MIGRATE_STEP_FINISHING; step <= MAPSIZE_MIGRATE_STEP_LAST; step++) {
		int old_fd, new_fd;

		model_fill_pinned(30000, N_STOP);
		assert_int_equal(migrate(60000, 0, NULL, &r), 0);
		old_fd = bpf_obj_get(old_pin);
		new_fd = bpf_obj_get(pin);
		window_writes(old_fd, new_fd, true);
		close(old_fd);
		close(new_fd);
		assert_int_equal(run_stopped(step, true), 75);
		map_id(pin, &max);
		assert_int_equal(max, 60000);
		/* the next finish (odd steps: the next migrate) completes it */
		if (step % 2) {
			assert_int_equal(migrate(60000, 0, NULL, &r), 0);
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_UNCHANGED);
			assert_string_equal(r.recovery, "completed an interrupted finish");
		} else {
			assert_int_equal(finish(&r), 0);
			assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
		}
		assert_string_equal(listing(), "m");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}
}

/* Real SIGKILLs at moments spread over a migration of 1,000,000 entries
 * (the seed is fixed; where a kill lands depends on the machine's speed, and
 * every outcome is checked the same way): whatever was done, the path holds
 * one complete map, and the next migrate and finish complete it. */
static void test_random_kills(void **state)
{
	struct mapsize_migrate_result r;
	uint32_t max;

	(void)state;
	REQUIRE_BPF();
	srand(23);
	for (int i = 0; i < 4; i++) {
		useconds_t delay = (useconds_t)(i * 700000 + rand() % 700000);
		pid_t pid;
		int status;

		model_fill_pinned(1250000, 1000000);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			migrate(2500000, 0, NULL, &r);
			_exit(0);
		}
		usleep(delay);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		map_id(pin, &max);
		assert_true(max == 1250000 || max == 2500000);
		model_verify(pin);
		assert_int_equal(migrate(2500000, 0, NULL, &r), 0);
		assert_true(r.outcome == MAPSIZE_MIGRATE_MIGRATED || r.outcome == MAPSIZE_MIGRATE_PENDING_FINISH);
		map_id(pin, &max);
		assert_int_equal(max, 2500000);
		model_verify(pin);
		assert_int_equal(finish(&r), 0);
		assert_int_equal(r.outcome, MAPSIZE_MIGRATE_FINISHED);
		assert_string_equal(listing(), "m");
		model_verify(pin);
		assert_int_equal(unlink(pin), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_user_writer, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_window_bpf_writer, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_stop_after_every_step, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_random_kills, fs_setup, fs_teardown),
	};

	ncpus = libbpf_num_possible_cpus();
	return cmocka_run_group_tests_name("pinned map migration: window and crashes (live kernel)", tests,
					   tk_setup, tk_teardown);
}
