// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The demo agent's policies sized per instance, and --churn (churn.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "churn.h"

/* The agent adds cgroups in batches, then asks whether to grow. */
#define CHURN_BATCH 8

static const uint8_t present = 1;	/* policy_filter_maps.inner: value_size 1 */

static void print_err(const struct mapsize_error *err)
{
	char buf[1200];

	mapsize_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "mapsize-demo-agent: %s\n", buf);
}

int demo_policy__create(const struct mapsize_plan *plan, const char *outer, int outer_fd, uint32_t id,
			uint64_t cgroups, const char *name)
{
	MAPSIZE_OPTS(mapsize_inner_create_opts, io, .size_for_live = true, .live_entries = cgroups);
	struct mapsize_error err;
	int fd = mapsize_plan__create_inner_map_opts(plan, outer, name, &io, &err);

	if (fd < 0) {
		print_err(&err);
		return fd;
	}
	for (uint64_t i = 0; i < cgroups; i++) {
		uint64_t cg = demo_cgroup_id(id, i);

		if (bpf_map_update_elem(fd, &cg, &present, BPF_ANY)) {
			int ret = -errno;

			fprintf(stderr, "mapsize-demo-agent: %s: adding cgroup %llu of %llu to its %u-entry map: "
				"%s\n", name, (unsigned long long)i + 1, (unsigned long long)cgroups, io.max_entries,
				strerror(-ret));
			close(fd);
			return ret;
		}
	}
	if (bpf_map_update_elem(outer_fd, &id, &fd, BPF_ANY)) {
		int ret = -errno;

		fprintf(stderr, "mapsize-demo-agent: inserting %s into %s: %s\n", name, outer, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/* Every id of the policy, read as a BPF program would find it: through
 * the outer slot (its id now) and the inner map. */
static uint64_t verify(int outer_fd, uint32_t policy, uint64_t n)
{
	uint32_t id = 0;
	uint64_t seen = 0;
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &policy, &id))
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t cg = demo_cgroup_id(policy, i);
		uint8_t v = 0;

		seen += !bpf_map_lookup_elem(fd, &cg, &v) && v == present;
	}
	close(fd);
	return seen;
}

int demo_churn__run(const struct mapsize_plan *plan, const char *outer, int outer_fd, int *fd,
		    struct demo_churn *c)
{
	MAPSIZE_OPTS(mapsize_kernel_map, k);
	uint64_t live = c->start;
	int ret = mapsize_kernel_map__read(*fd, &k);

	if (ret) {
		fprintf(stderr, "mapsize-demo-agent: --churn: reading policy %u's map: %s\n", c->policy,
			strerror(-ret));
		return ret;
	}
	while (live < c->start + c->added) {
		uint64_t end = live + CHURN_BATCH < c->start + c->added ? live + CHURN_BATCH : c->start + c->added;
		uint32_t next = 0;
		int action;

		/* before each batch, with the count it will make: the one call an agent makes */
		action = mapsize_inner__check(plan, outer, end, k.max_entries, NULL, &next);
		if (action < 0) {
			fprintf(stderr, "mapsize-demo-agent: --churn: mapsize_inner__check: %s\n", strerror(-action));
			return action;
		}
		if (action == MAPSIZE_INNER_GROW) {
			/* user space is the only writer of a policy's map */
			MAPSIZE_OPTS(mapsize_inner_grow_opts, io, .outer = outer, .writers = MAPSIZE_INNER_WRITERS_USER);
			int nfd = mapsize_inner__grow(plan, outer_fd, &c->policy, end, &io);

			if (nfd < 0) {
				fprintf(stderr, "mapsize-demo-agent: --churn: growing policy %u's map: %s\n", c->policy,
					strerror(-nfd));
				return nfd;
			}
			if (c->grow_cnt < DEMO_CHURN_MAX_GROWS)
				c->grows[c->grow_cnt++] = (struct demo_grow){
					.live = live, .from = k.max_entries, .to = io.max_entries,
					.copied = io.copied, .batched = io.batched,
				};
			close(*fd);
			*fd = nfd;
			k.max_entries = io.max_entries;
		}
		for (; live < end; live++) {
			uint64_t cg = demo_cgroup_id(c->policy, live);

			if (bpf_map_update_elem(*fd, &cg, &present, BPF_NOEXIST))
				c->failed++;
		}
	}
	c->final_max_entries = k.max_entries;
	c->verified = verify(outer_fd, c->policy, live);
	return 0;
}

void demo_churn__print(FILE *out, const struct demo_churn *c)
{
	fprintf(out, "--churn: policy %u: %llu cgroups, +%llu in batches of %d; %llu failed inserts\n", c->policy,
		(unsigned long long)c->start, (unsigned long long)c->added, CHURN_BATCH,
		(unsigned long long)c->failed);
	for (size_t i = 0; i < c->grow_cnt; i++)
		fprintf(out, "  at %llu live: grew %u -> %u entries through the outer slot (%llu entries copied%s)\n",
			(unsigned long long)c->grows[i].live, c->grows[i].from, c->grows[i].to,
			(unsigned long long)c->grows[i].copied, c->grows[i].batched ? ", batched" : "");
	fprintf(out, "  now %u entries; %llu of %llu cgroup ids read back through %s slot %u\n",
		c->final_max_entries, (unsigned long long)c->verified, (unsigned long long)(c->start + c->added),
		"the outer map's", c->policy);
}

jv_t *demo_churn__json(const struct demo_churn *c)
{
	jv_t *o = jv_object(), *grows = jv_array();

	for (size_t i = 0; i < c->grow_cnt; i++) {
		jv_t *g = jv_object();

		jv_object_set_new(g, "live", jv_u64(c->grows[i].live));
		jv_object_set_new(g, "from_max_entries", jv_integer((int)c->grows[i].from));
		jv_object_set_new(g, "to_max_entries", jv_integer((int)c->grows[i].to));
		jv_object_set_new(g, "copied", jv_u64(c->grows[i].copied));
		jv_object_set_new(g, "batched", jv_boolean(c->grows[i].batched));
		jv_array_append_new(grows, g);
	}
	jv_object_set_new(o, "policy", jv_integer(c->policy));
	jv_object_set_new(o, "start_cgroups", jv_u64(c->start));
	jv_object_set_new(o, "added_cgroups", jv_u64(c->added));
	jv_object_set_new(o, "failed_inserts", jv_u64(c->failed));
	jv_object_set_new(o, "grows", grows);
	jv_object_set_new(o, "final_max_entries", jv_integer(c->final_max_entries));
	jv_object_set_new(o, "verified_through_outer", jv_u64(c->verified));
	return o;
}
