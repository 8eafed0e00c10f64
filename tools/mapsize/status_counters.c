// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapsize status` with the kernel-side counters: see status_counters.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_status.h"
#include "status_counters.h"

void status_kc_open(struct status_kcounters *kc, const char *pin_dir, bool attach)
{
	struct mapsize_error err;
	int ret;

	memset(kc, 0, sizeof(*kc));
	kc->pin_dir = pin_dir;
	if (attach)
		ret = mapsize_counters__attach(&(struct mapsize_counters_attach_opts){
			.sz = sizeof(struct mapsize_counters_attach_opts) }, &kc->handle, &err);
	else
		ret = mapsize_counters__open_pinned(pin_dir, &kc->handle, &err);
	if (ret) {
		/* nothing pinned is the normal case: silent */
		if (attach || ret != -ENOENT)
			fprintf(stderr, "warning: %s; status goes on without them\n", err.msg);
		kc->handle = NULL;
		return;
	}
	kc->attached_here = attach;
	kc->since = mapsize_counters__since(kc->handle);
}

int status_kc_read(struct status_kcounters *kc)
{
	if (!kc->handle)
		return 0;
	free(kc->prev);
	kc->prev = kc->maps;
	kc->prev_cnt = kc->cnt;
	kc->have_prev = kc->rounds++ > 0;	/* the first round reports since attach */
	kc->maps = NULL;
	kc->cnt = 0;
	if (mapsize_counters__read(kc->handle, &kc->maps, &kc->cnt)) {
		fprintf(stderr, "error: cannot read the kernel counters: %s\n", strerror(errno));
		return -1;
	}
	kc->lost = mapsize_counters__lost(kc->handle);
	return 0;
}

void status_kc_close(struct status_kcounters *kc)
{
	mapsize_counters__free(kc->handle);
	free(kc->maps);
	free(kc->prev);
	memset(kc, 0, sizeof(*kc));
}

const struct mapsize_map_counters *status_kc_find(const struct status_kcounters *kc, uint32_t id)
{
	return kc && kc->handle ? mapsize_counters__find(kc->maps, kc->cnt, id) : NULL;
}

static uint64_t failures(const struct mapsize_map_counters *k)
{
	uint64_t n = 0;

	for (int c = 0; k && c < MAPSIZE_OVF_CLASSES; c++)
		n += k->failures[c];
	return n;
}

/* Whether failures are told apart by writer (bpf() or a BPF program) here. */
static bool status_kc_split(const struct status_kcounters *kc)
{
	return !strstr(mapsize_counters__unavailable(kc->handle), "bpf_prog_active");
}

static const char *since_str(int64_t since, char *buf, size_t size)
{
	time_t t = (time_t)since;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)since);
	return buf;
}

void status_kc_print_table(const struct status_view *v)
{
	const struct status_kcounters *kc = v->kc;
	char since[32];
	size_t shown = 0;
	bool split;

	if (!kc || !kc->handle)
		return;
	split = status_kc_split(kc);
	printf("\nkernel counters since %s (%s%s):\n", since_str(kc->since, since, sizeof(since)),
	       kc->attached_here ? "attached by this command" : "pinned in ", kc->attached_here ? "" : kc->pin_dir);
	printf("%-6s %-16s %8s %8s %8s %8s %8s %9s %9s\n", "ID", "NAME", "E2BIG", "ENOSPC", "ENOMEM", "OTHER",
	       "SYSCALL", "EVICTED", "DROPPED");
	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++) {
		const struct mapsize_live_map *m = mapsize_status__map(v->st, i);
		const struct mapsize_map_counters *k = status_kc_find(kc, m->id);
		char syscall[24];

		if (!k || (!failures(k) && !k->evictions && !k->drops))
			continue;
		if (split)
			snprintf(syscall, sizeof(syscall), "%llu", (unsigned long long)k->syscall_failures);
		else
			snprintf(syscall, sizeof(syscall), "-");
		printf("%-6u %-16s %8llu %8llu %8llu %8llu %8s %9llu %9llu\n", m->id, m->name,
		       (unsigned long long)k->failures[MAPSIZE_OVF_E2BIG], (unsigned long long)k->failures[MAPSIZE_OVF_ENOSPC],
		       (unsigned long long)k->failures[MAPSIZE_OVF_ENOMEM], (unsigned long long)k->failures[MAPSIZE_OVF_OTHER],
		       syscall, (unsigned long long)k->evictions, (unsigned long long)k->drops);
		shown++;
	}
	if (!shown)
		printf("(no failed insert, eviction or drop)\n");
	else
		printf("SYSCALL: of the failed inserts, those made through bpf(); the rest by BPF programs%s\n",
		       split ? "" : " (not told apart on this kernel: -)");
	if (mapsize_counters__unavailable(kc->handle)[0])
		printf("not counted on this kernel: %s\n", mapsize_counters__unavailable(kc->handle));
	if (kc->lost)
		printf("%llu events not counted: the counter table (4096 maps) was full\n", (unsigned long long)kc->lost);
}

jv_t *status_kc_map_json(const struct status_view *v, uint32_t id)
{
	const struct status_kcounters *kc = v->kc;
	const struct mapsize_map_counters *k = status_kc_find(kc, id);
	jv_t *o, *f;

	if (!kc || !kc->handle)
		return jv_null();
	o = jv_object();
	f = jv_object();
	jv_object_set_new(o, "source", jv_string("kernel"));
	jv_object_set_new(o, "since", jv_integer(kc->since));
	for (int c = 0; c < MAPSIZE_OVF_CLASSES; c++)
		jv_object_set_new(f, mapsize_ovf_class__name(c), jv_u64(k ? k->failures[c] : 0));
	jv_object_set_new(o, "failures", f);
	/* of those, the ones made through bpf(); the rest by BPF programs */
	jv_object_set_new(o, "failures_from_syscall", status_kc_split(kc) ? jv_u64(k ? k->syscall_failures : 0) :
			  jv_null());
	jv_object_set_new(o, "evictions", jv_u64(k ? k->evictions : 0));
	jv_object_set_new(o, "drops", jv_u64(k ? k->drops : 0));
	return o;
}

int status_kc_warn(const struct status_view *v)
{
	const struct status_kcounters *kc = v->kc;
	int worst = 0;

	if (!kc || !kc->handle)
		return 0;
	for (size_t i = 0; i < mapsize_status__map_cnt(v->st); i++) {
		const struct mapsize_live_map *m = mapsize_status__map(v->st, i);
		const struct mapsize_map_counters *k = status_kc_find(kc, m->id);
		const struct mapsize_map_counters *p = kc->have_prev ? mapsize_counters__find(kc->prev, kc->prev_cnt,
											m->id) : NULL;
		uint64_t nf, ne, nd;

		if (!k)
			continue;
		nf = failures(k) - (p ? failures(p) : 0);
		ne = k->evictions - (p ? p->evictions : 0);
		nd = k->drops - (p ? p->drops : 0);
		if (nf)
			fprintf(stderr, "warning: map %s (id %u): %llu new failed inserts (kernel counters: E2BIG %llu, "
				"ENOSPC %llu, ENOMEM %llu, other %llu since attach)\n", m->name, m->id,
				(unsigned long long)nf, (unsigned long long)k->failures[MAPSIZE_OVF_E2BIG],
				(unsigned long long)k->failures[MAPSIZE_OVF_ENOSPC],
				(unsigned long long)k->failures[MAPSIZE_OVF_ENOMEM],
				(unsigned long long)k->failures[MAPSIZE_OVF_OTHER]);
		if (nd)
			fprintf(stderr, "warning: map %s (id %u): %llu new ring-buffer drops (%llu since attach)\n",
				m->name, m->id, (unsigned long long)nd, (unsigned long long)k->drops);
		if (ne)
			fprintf(stderr, "warning: map %s (id %u): %llu new LRU evictions (%llu since attach): live "
				"entries are pushed out\n", m->name, m->id, (unsigned long long)ne,
				(unsigned long long)k->evictions);
		if ((nf || nd) && worst < 2)
			worst = 2;
		if (ne && worst < 1)
			worst = 1;
	}
	return worst;
}

void status_kc_adjust_checks(const struct status_kcounters *kc, struct status_check *checks, size_t cnt)
{
	for (size_t i = 0; kc && kc->handle && i < cnt; i++) {
		const struct mapsize_map_counters *k = checks[i].live ? status_kc_find(kc, checks[i].live->id) : NULL;

		if (k && (failures(k) || k->evictions))
			checks[i].verdict = MAPSIZE_VERDICT_UNDERSIZED;
	}
}
