// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests of the kernel-side counters beside the status (pure half of
 * <mapsize/counters.h>, src/core/status_counters.c): which types each
 * counter covers, the lookup by id, and the Prometheus families, exact and
 * accepted by promtool when it is installed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapsize/counters.h>
#include <mapsize/status.h>

static struct mapsize_live_map live(const char *name, uint32_t id, unsigned int bpf_type)
{
	struct mapsize_live_map m = { .id = id, .bpf_type = bpf_type, .key_size = 4, .value_size = 8,
				      .max_entries = 8, .memlock_bytes = 4096 };

	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

static void test_types(void **state)
{
	/* uapi: 1 hash, 2 array, 5 percpu_hash, 9 lru_hash, 10 lru_percpu_hash,
	 * 11 lpm_trie, 13 hash_of_maps, 22 queue, 23 stack, 27 ringbuf, 30 bloom */
	unsigned int fails[] = { 1, 5, 9, 10, 11, 13, 22, 23, 30 };

	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++)
		assert_true(mapsize_counters__counts_failures(fails[i]));
	assert_false(mapsize_counters__counts_failures(2));
	assert_false(mapsize_counters__counts_failures(27));
	assert_true(mapsize_counters__counts_evictions(9));
	assert_true(mapsize_counters__counts_evictions(10));
	assert_false(mapsize_counters__counts_evictions(1));
	assert_true(mapsize_counters__counts_drops(27));
	assert_true(mapsize_counters__counts_drops(4));	/* perf_event_array */
	assert_false(mapsize_counters__counts_drops(1));
}

static void test_find(void **state)
{
	struct mapsize_map_counters k[3] = { { .id = 3 }, { .id = 7 }, { .id = 40 } };

	assert_ptr_equal(mapsize_counters__find(k, 3, 3), &k[0]);
	assert_ptr_equal(mapsize_counters__find(k, 3, 40), &k[2]);
	assert_null(mapsize_counters__find(k, 3, 8));
	assert_null(mapsize_counters__find(NULL, 0, 8));
}

static void test_prometheus(void **state)
{
	struct mapsize_status *st = mapsize_status__new();
	struct mapsize_live_map h = live("conn", 3, 1), l = live("flows", 7, 9), r = live("events", 40, 27);
	struct mapsize_live_map a = live("cfg", 41, 2);		/* an array: none of the counters */
	struct mapsize_live_map p = live("perfev", 50, 4);	/* perf_event_array */
	struct mapsize_map_counters k[3] = {
		{ .id = 3, .failures = { 6, 0, 1, 0 } },
		{ .id = 40, .drops = 6 },
		{ .id = 50, .drops = 2 },
	};
	char *text = NULL;

	h.has_failures = true;			/* the agent counts too */
	h.failures[MAPSIZE_OVF_E2BIG] = 2;
	mapsize_status__add(st, &h);
	mapsize_status__add(st, &l);
	mapsize_status__add(st, &r);
	mapsize_status__add(st, &a);
	mapsize_status__add(st, &p);
	assert_int_equal(mapsize_counters__prometheus(st, k, 3, 1796659651, &text), 0);
	assert_string_equal(text,
		"# HELP mapsize_map_insert_failures_total Failed inserts into the BPF map by errno class; source kernel: "
		"counted by mapsize's tracing programs since attach, agent: by the agent (<mapsize/bpf_overflow.h>).\n"
		"# TYPE mapsize_map_insert_failures_total counter\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"E2BIG\",source=\"kernel\"} 6\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"E2BIG\",source=\"agent\"} 2\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"ENOSPC\",source=\"kernel\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"ENOSPC\",source=\"agent\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"ENOMEM\",source=\"kernel\"} 1\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"ENOMEM\",source=\"agent\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"other\",source=\"kernel\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"conn\",errno=\"other\",source=\"agent\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"flows\",errno=\"E2BIG\",source=\"kernel\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"flows\",errno=\"ENOSPC\",source=\"kernel\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"flows\",errno=\"ENOMEM\",source=\"kernel\"} 0\n"
		"mapsize_map_insert_failures_total{map=\"flows\",errno=\"other\",source=\"kernel\"} 0\n"
		"# HELP mapsize_map_evictions_total Entries the LRU hash evicted to make room since the kernel counters "
		"were attached.\n"
		"# TYPE mapsize_map_evictions_total counter\n"
		"mapsize_map_evictions_total{map=\"flows\"} 0\n"
		"# HELP mapsize_ringbuf_drops_total Records the BPF ring buffer refused (bpf_ringbuf_output failed or "
		"bpf_ringbuf_reserve returned NULL) since the kernel counters were attached.\n"
		"# TYPE mapsize_ringbuf_drops_total counter\n"
		"mapsize_ringbuf_drops_total{map=\"events\"} 6\n"
		"# HELP mapsize_perf_output_failures_total Failed outputs into the BPF perf event array (no event on "
		"the CPU, or its buffer full) since the kernel counters were attached.\n"
		"# TYPE mapsize_perf_output_failures_total counter\n"
		"mapsize_perf_output_failures_total{map=\"perfev\"} 2\n"
		"# HELP mapsize_kernel_counters_since_seconds When the kernel counters were attached (seconds since the "
		"epoch).\n"
		"# TYPE mapsize_kernel_counters_since_seconds gauge\n"
		"mapsize_kernel_counters_since_seconds 1796659651\n");
	/* promtool, where installed, accepts the status's text followed by this */
	if (!system("command -v promtool >/dev/null 2>&1")) {
		char path[] = "/tmp/mapsize-ctr-prom-XXXXXX", *base = NULL, cmd[128];
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		assert_non_null(f);
		assert_int_equal(mapsize_status__prometheus(st, &base), 0);
		fputs(base, f);
		fputs(text, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		assert_int_equal(system(cmd), 0);
		unlink(path);
		free(base);
	}
	free(text);
	/* without kernel counters: only the agent's failures */
	assert_int_equal(mapsize_counters__prometheus(st, NULL, 0, 0, &text), 0);
	assert_non_null(strstr(text, "{map=\"conn\",errno=\"E2BIG\",source=\"agent\"} 2\n"));
	assert_null(strstr(text, "source=\"kernel\""));
	assert_null(strstr(text, "mapsize_map_evictions_total"));
	free(text);
	mapsize_status__free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_prometheus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
