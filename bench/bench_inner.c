// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapsize-bench inner (e): inner maps sized per instance and grown through
 * their outer slot (issue 12), for a policy holding 10, 100 and 1,000
 * cgroups:
 *
 *   - grow time per entry copied: mapsize_inner__grow() of a full instance
 *     (create the bigger map, BPF_MAP_LOOKUP_BATCH + UPDATE_BATCH, swap the
 *     outer slot) against a plain BPF_MAP_UPDATE_BATCH of the same entries
 *     into an empty map of the new size, interleaved, medians over rounds;
 *   - the memory a policy map costs: fdinfo memlock of an instance created
 *     by mapsize_plan__create_inner_map_opts() for its cgroups against one
 *     at the template's size, both holding the same cgroups.
 *
 * The plan is examples/agent.rules.yaml, medium, with containers=1000 so
 * that the template (containers * 2) holds a 1,000-cgroup policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_common.h"

#define OUTER "policy_filter_maps"
#define NSIZES 3
#define REPEATS 8		/* grows per round and size: one measurement is their mean */

static const uint32_t cgroup_counts[NSIZES] = { 10, 100, 1000 };
static const uint8_t present = 1;

/* An instance of max_entries `size` holding `n` cgroups (the template's flags). */
static int filled_instance(const struct mapsize_plan *plan, uint32_t size, uint32_t n, bool per_instance,
			   uint32_t *got_size)
{
	MAPSIZE_OPTS(mapsize_inner_create_opts, io, .size_for_live = per_instance, .live_entries = size);
	struct mapsize_error err;
	int fd = mapsize_plan__create_inner_map_opts(plan, OUTER, "policy_bench", &io, &err);

	if (fd < 0) {
		print_mapsize_error("create_inner_map_opts", &err);
		return fd;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t cg = (1ULL << 32) | (i + 1);

		if (bpf_map_update_elem(fd, &cg, &present, BPF_ANY)) {
			int ret = -errno;

			fprintf(stderr, "inner: filling %u of %u: %s\n", i, n, strerror(-ret));
			close(fd);
			return ret;
		}
	}
	if (got_size)
		*got_size = io.max_entries;
	return fd;
}

/* A plain map like the instances, `size` entries, for the reference update. */
static int plain_map(int like_fd, uint32_t size)
{
	MAPSIZE_OPTS(mapsize_kernel_map, k);
	LIBBPF_OPTS(bpf_map_create_opts, co);

	if (mapsize_kernel_map__read(like_fd, &k))
		return -EINVAL;
	co.map_flags = k.map_flags;
	return bpf_map_create(k.bpf_type, "policy_plain", k.key_size, k.value_size, size, &co);
}

static int measure(const struct mapsize_plan *plan, int outer_fd, int like_fd, uint32_t n, double *grow_ns,
		   double *batch_ns, double *copy_ns, double *swap_ns, uint32_t *new_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint64_t *keys = calloc(n, sizeof(*keys));
	uint8_t *vals = calloc(n, 1);
	uint32_t slot = 1;
	double g = 0, b = 0, c = 0, sw = 0;
	int ret = 0;

	if (!keys || !vals)
		ret = -ENOMEM;
	for (uint32_t i = 0; !ret && i < n; i++) {
		keys[i] = (1ULL << 32) | (i + 1);
		vals[i] = present;
	}
	for (int r = 0; r < REPEATS && !ret; r++) {
		MAPSIZE_OPTS(mapsize_inner_grow_opts, io, .outer = OUTER, .writers = MAPSIZE_INNER_WRITERS_USER);
		/* a full instance: exactly n entries in n slots */
		MAPSIZE_OPTS(mapsize_kernel_map, k);
		int fd, nfd, pfd;
		__u32 cnt = n;
		double t0;

		fd = plain_map(like_fd, n);
		if (fd < 0 || bpf_map_update_batch(fd, keys, vals, &cnt, &bo) ||
		    bpf_map_update_elem(outer_fd, &slot, &fd, BPF_ANY)) {
			ret = fd < 0 ? fd : -errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		t0 = now_ns();
		nfd = mapsize_inner__grow(plan, outer_fd, &slot, n, &io);
		g += now_ns() - t0;
		c += (double)io.copy_ns;
		sw += (double)io.swap_ns;
		if (nfd < 0 || io.copied != n) {
			fprintf(stderr, "inner: grow of %u entries: %s (copied %llu)\n", n,
				nfd < 0 ? strerror(-nfd) : "short copy", (unsigned long long)io.copied);
			ret = nfd < 0 ? nfd : -EIO;
			close(fd);
			break;
		}
		*new_size = io.max_entries;
		/* the reference: the same entries into an empty map of the new size */
		pfd = plain_map(nfd, io.max_entries);
		cnt = n;
		t0 = now_ns();
		if (pfd < 0 || bpf_map_update_batch(pfd, keys, vals, &cnt, &bo))
			ret = -errno;
		b += now_ns() - t0;
		if (!ret && (mapsize_kernel_map__read(nfd, &k) || k.max_entries != io.max_entries))
			ret = -EIO;
		if (pfd >= 0)
			close(pfd);
		close(nfd);
		close(fd);
	}
	free(keys);
	free(vals);
	*grow_ns = g / REPEATS / n;
	*batch_ns = b / REPEATS / n;
	*copy_ns = c / REPEATS / n;
	*swap_ns = sw / REPEATS;
	return ret;
}

int cmd_inner(void)
{
	static const char *const sets[] = { "containers=1000" };
	static const char *const prealloc_sets[] = { "containers=1000", "maps." OUTER ".inner.prealloc=true" };
	struct mapsize_plan *prealloc_plan;
	struct mapsize_inner_sizing s = { .sz = sizeof(s) };
	double grow[NSIZES][MAX_ROUNDS], batch[NSIZES][MAX_ROUNDS], ratio[NSIZES][MAX_ROUNDS];
	double copy[NSIZES][MAX_ROUNDS], swap[NSIZES][MAX_ROUNDS], copy_ratio[NSIZES][MAX_ROUNDS];
	uint32_t new_size[NSIZES] = { 0 };
	struct mapsize_plan *plan;
	int tmpl, outer_fd, ret = 0;

	if (probe_bpf())
		return EXIT_REFUSED;
	plan = make_plan("medium", sets, 1);
	if (!plan)
		return 1;
	if (mapsize_plan__inner_sizing(plan, OUTER, &s) || !s.per_instance) {
		fprintf(stderr, "inner: %s.inner is not sized per instance on this kernel (%s)\n", OUTER,
			s.why ? s.why : "no rule");
		mapsize_plan__free(plan);
		return 1;
	}
	/* an outer map like the agent's, holding the policy under test in slot 1 */
	tmpl = filled_instance(plan, 1, 0, false, NULL);
	if (tmpl < 0) {
		mapsize_plan__free(plan);
		return 1;
	}
	{
		LIBBPF_OPTS(bpf_map_create_opts, co, .inner_map_fd = tmpl);

		outer_fd = bpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, "policy_filter_m", 4, 4, 16, &co);
	}
	if (outer_fd < 0) {
		close(tmpl);
		fprintf(stderr, "inner: creating the outer map: %s\n", strerror(-outer_fd));
		mapsize_plan__free(plan);
		return 1;
	}
	for (int r = 0; r < bench_rounds && !ret; r++)
		for (int i = 0; i < NSIZES && !ret; i++) {
			ret = measure(plan, outer_fd, tmpl, cgroup_counts[i], &grow[i][r], &batch[i][r], &copy[i][r],
				      &swap[i][r], &new_size[i]);
			ratio[i][r] = grow[i][r] / batch[i][r];
			copy_ratio[i][r] = copy[i][r] / batch[i][r];
		}
	close(tmpl);
	if (ret) {
		fprintf(stderr, "inner: %s\n", strerror(-ret));
		close(outer_fd);
		mapsize_plan__free(plan);
		return 1;
	}

	printf("## (e) Inner maps sized per instance and grown through the outer slot\n\n");
	printf("The demo agent's per-policy map (`%s.inner`: hash, 8-byte cgroup id -> 1 byte, %s) planned "
	       "from `%s`, medium profile with `--set containers=1000` (so the template, `containers * 2` = %u "
	       "entries, holds a 1,000-cgroup policy), this node's CPUs; its rule says `instance: {headroom: 3, "
	       "min: 16, max: pow2(containers * 2)}`, i.e. max_entries = clamp(round(3 x live), %u, %u) (%s).\n\n",
	       OUTER, mapsize_plan__find(plan, OUTER ".inner")->prealloc ? "preallocated" : "BPF_F_NO_PREALLOC",
	       strstr(bench_rules_path, "examples/") ? strstr(bench_rules_path, "examples/") : bench_rules_path, s.template_entries, s.min_entries, s.max_entries, s.why);
	printf("**Grow time per entry copied.**  A full instance (n entries in n slots) in slot 1 of a hash_of_maps "
	       "is replaced by `mapsize_inner__grow(plan, outer, &slot, n)`: create the %s-sized map, copy with "
	       "BPF_MAP_LOOKUP_BATCH + BPF_MAP_UPDATE_BATCH, update the outer slot.  Reference: one "
	       "BPF_MAP_UPDATE_BATCH of the same n entries into an empty map of the new size (creation not "
	       "timed).  Per entry, mean of %d grows per round, median over %d interleaved rounds "
	       "[quartiles of the ratio].\n\n", "3n", REPEATS, bench_rounds);
	printf("| cgroups n | new max_entries | grow, ns/entry | plain update_batch, ns/entry | ratio grow / update_batch | of the grow: create + copy, ns/entry | ratio create + copy / update_batch | of the grow: outer slot update, us |\n");
	printf("|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (int i = 0; i < NSIZES; i++)
		printf("| %u | %u | %.0f | %.0f | **%.2f** [%.2f–%.2f] | %.0f | **%.2f** [%.2f–%.2f] | %.0f |\n",
		       cgroup_counts[i], new_size[i], median(grow[i], bench_rounds), median(batch[i], bench_rounds),
		       median(ratio[i], bench_rounds), quantile(ratio[i], bench_rounds, 0.25),
		       quantile(ratio[i], bench_rounds, 0.75), median(copy[i], bench_rounds),
		       median(copy_ratio[i], bench_rounds), quantile(copy_ratio[i], bench_rounds, 0.25),
		       quantile(copy_ratio[i], bench_rounds, 0.75), median(swap[i], bench_rounds) / 1e3);
	printf("\nThe grow is dominated by the outer slot update: for a map-in-map the kernel returns from "
	       "BPF_MAP_UPDATE_ELEM only after an RCU grace period (maybe_wait_bpf_programs()), so that no "
	       "non-sleepable program still uses the old instance; that wait is per grow, not per entry, and "
	       "BPF readers are not blocked by it.  `mapsize_inner__grow()` reports both parts "
	       "(opts.copy_ns, opts.swap_ns): create + copy is the part that scales with the entries.\n");
	printf("\n**Memory of one policy map** holding n cgroups: the kernel's fdinfo memlock of an instance "
	       "created by `mapsize_plan__create_inner_map_opts(.size_for_live = true, .live_entries = n)` vs "
	       "one at the template's size (`mapsize_plan__create_inner_map()`, %u entries), both filled with the "
	       "same n cgroups; as planned (BPF_F_NO_PREALLOC: `prealloc: auto`, expected entries far below "
	       "max_entries) and with `--set maps.%s.inner.prealloc=true` (preallocated, as Tetragon ships "
	       "it).\n\n", s.template_entries, OUTER);
	printf("| cgroups n | per-instance max_entries | no-prealloc: per instance | at template size | ratio | preallocated: per instance | at template size | ratio |\n");
	printf("|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	prealloc_plan = make_plan("medium", prealloc_sets, 2);
	for (int i = 0; i < NSIZES && prealloc_plan; i++) {
		uint64_t m[2][2];	/* [plan][per-instance, template] */
		uint32_t psize = 0;

		for (int p = 0; p < 2 && !ret; p++)
			for (int t = 0; t < 2 && !ret; t++) {
				MAPSIZE_OPTS(mapsize_kernel_map, k);
				int fd = filled_instance(p ? prealloc_plan : plan, cgroup_counts[i], cgroup_counts[i],
							 !t, t ? NULL : &psize);

				if (fd < 0 || mapsize_kernel_map__read(fd, &k))
					ret = -EIO;
				m[p][t] = k.memlock_bytes;
				if (fd >= 0)
					close(fd);
			}
		if (ret)
			break;
		printf("| %u | %u | %llu B | %llu B | **%.3f** | %llu B | %llu B | **%.3f** |\n", cgroup_counts[i], psize,
		       (unsigned long long)m[0][0], (unsigned long long)m[0][1], (double)m[0][0] / (double)m[0][1],
		       (unsigned long long)m[1][0], (unsigned long long)m[1][1], (double)m[1][0] / (double)m[1][1]);
	}
	if (!prealloc_plan)
		ret = -EINVAL;
	printf("\nA BPF_F_NO_PREALLOC hash charges its buckets (pow2(max_entries) of them) at creation and each "
	       "element as it arrives, so per-instance sizing saves the buckets of the entries a policy does not "
	       "have; a preallocated one charges every element at creation, so the saving follows max_entries.  "
	       "At 1,000 cgroups the per-instance size (2048, the max) is above the template's 2000.\n\n");
	mapsize_plan__free(prealloc_plan);
	close(outer_fd);
	mapsize_plan__free(plan);
	return ret ? 1 : 0;
}
