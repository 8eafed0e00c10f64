// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel-side counters (<mapsize/counters.h>) beside the live status:
 * which map types each counter covers, and their Prometheus families,
 * labelled as mapsize_status__prometheus() labels the same maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/counters.h>
#include <mapsize/status.h>
#include "internal.h"
#include "status_series.h"

bool mapsize_counters__counts_failures(unsigned int bpf_type)
{
	switch (mapsize_map_type__from_bpf_type(bpf_type)) {
	case MAPSIZE_MAP_HASH: case MAPSIZE_MAP_PERCPU_HASH: case MAPSIZE_MAP_LRU_HASH:
	case MAPSIZE_MAP_LRU_PERCPU_HASH: case MAPSIZE_MAP_LPM_TRIE: case MAPSIZE_MAP_HASH_OF_MAPS:
	case MAPSIZE_MAP_QUEUE: case MAPSIZE_MAP_STACK: case MAPSIZE_MAP_BLOOM_FILTER:
		return true;
	default:
		return false;
	}
}

bool mapsize_counters__counts_evictions(unsigned int bpf_type)
{
	enum mapsize_map_type t = mapsize_map_type__from_bpf_type(bpf_type);

	return t == MAPSIZE_MAP_LRU_HASH || t == MAPSIZE_MAP_LRU_PERCPU_HASH;
}

bool mapsize_counters__counts_drops(unsigned int bpf_type)
{
	enum mapsize_map_type t = mapsize_map_type__from_bpf_type(bpf_type);

	return t == MAPSIZE_MAP_RINGBUF || t == MAPSIZE_MAP_PERF_EVENT_ARRAY;
}

const struct mapsize_map_counters *mapsize_counters__find(const struct mapsize_map_counters *maps, size_t cnt,
							  uint32_t id)
{
	size_t lo = 0, hi = cnt;

	while (lo < hi) {	/* maps is sorted by id */
		size_t mid = lo + (hi - lo) / 2;

		if (maps[mid].id == id)
			return &maps[mid];
		if (maps[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void sample(struct strbuf *sb, const char *family, const struct mapsize_live_map *m,
		   enum status_identity id, const char *extra, uint64_t v)
{
	strbuf_addf(sb, "%s{", family);
	status_series_labels(sb, m, id, true);
	strbuf_addf(sb, "%s} %llu\n", extra, (unsigned long long)v);
}

static void header(struct strbuf *sb, const char *family, const char *help)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s counter\n", family, help, family);
}

int mapsize_counters__prometheus(const struct mapsize_status *st, const struct mapsize_map_counters *kc,
				 size_t kc_cnt, int64_t since, char **text)
{
	static const char *const F_FAIL = "mapsize_map_insert_failures_total", *const F_EVICT =
		"mapsize_map_evictions_total", *const F_DROP = "mapsize_ringbuf_drops_total",
		*const F_PERF = "mapsize_perf_output_failures_total";
	size_t cnt = mapsize_status__map_cnt(st);
	struct strbuf sb = { 0 };
	enum status_identity *ids;
	char extra[96];
	bool any;

	if (!st || !text)
		return -EINVAL;
	ids = status_series_identities(st, cnt);
	if (!ids)
		return -ENOMEM;
	any = false;
	for (size_t i = 0; i < cnt; i++) {
		const struct mapsize_live_map *m = mapsize_status__map(st, i);
		const struct mapsize_map_counters *k = kc ? mapsize_counters__find(kc, kc_cnt, m->id) : NULL;
		bool kernel = kc && mapsize_counters__counts_failures(m->bpf_type);

		if (!kernel && !m->has_failures)
			continue;
		if (!any)
			header(&sb, F_FAIL, "Failed inserts into the BPF map by errno class; source kernel: counted by "
			       "mapsize's tracing programs since attach, agent: by the agent (<mapsize/bpf_overflow.h>).");
		any = true;
		for (int c = 0; c < MAPSIZE_OVF_CLASSES; c++) {
			if (kernel) {
				snprintf(extra, sizeof(extra), ",errno=\"%s\",source=\"kernel\"", mapsize_ovf_class__name(c));
				sample(&sb, F_FAIL, m, ids[i], extra, k ? k->failures[c] : 0);
			}
			if (m->has_failures) {
				snprintf(extra, sizeof(extra), ",errno=\"%s\",source=\"agent\"", mapsize_ovf_class__name(c));
				sample(&sb, F_FAIL, m, ids[i], extra, m->failures[c]);
			}
		}
	}
	for (int f = 0; kc && f < 3; f++) {
		static const char *const help[] = {
			"Entries the LRU hash evicted to make room since the kernel counters were attached.",
			"Records the BPF ring buffer refused (bpf_ringbuf_output failed or bpf_ringbuf_reserve "
			"returned NULL) since the kernel counters were attached.",
			"Failed outputs into the BPF perf event array (no event on the CPU, or its buffer full) "
			"since the kernel counters were attached.",
		};
		const char *family = f == 0 ? F_EVICT : f == 1 ? F_DROP : F_PERF;

		any = false;
		for (size_t i = 0; i < cnt; i++) {
			const struct mapsize_live_map *m = mapsize_status__map(st, i);
			const struct mapsize_map_counters *k = mapsize_counters__find(kc, kc_cnt, m->id);
			enum mapsize_map_type t = mapsize_map_type__from_bpf_type(m->bpf_type);

			if (f == 0 ? !mapsize_counters__counts_evictions(m->bpf_type) :
			    t != (f == 1 ? MAPSIZE_MAP_RINGBUF : MAPSIZE_MAP_PERF_EVENT_ARRAY))
				continue;
			if (!any)
				header(&sb, family, help[f]);
			any = true;
			sample(&sb, family, m, ids[i], "", k ? (f ? k->drops : k->evictions) : 0);
		}
	}
	if (kc)
		strbuf_addf(&sb, "# HELP mapsize_kernel_counters_since_seconds When the kernel counters were attached "
			    "(seconds since the epoch).\n# TYPE mapsize_kernel_counters_since_seconds gauge\n"
			    "mapsize_kernel_counters_since_seconds %lld\n", (long long)since);
	free(ids);
	if (sb.failed) {
		strbuf_release(&sb);
		return -ENOMEM;
	}
	*text = sb.buf ? strbuf_detach(&sb) : strdup("");
	return *text ? 0 : -ENOMEM;
}
