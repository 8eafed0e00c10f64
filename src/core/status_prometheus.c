// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The live status as Prometheus text exposition (format 0.0.4), for
 * node_exporter's textfile collector or any scraper.  Series are labelled
 * by map name, not id: ids change on every reload, names do not.  Two maps
 * with one name (two agents, or an agent loaded twice) get "name#2", "#3"
 * in id order, so every series stays unique. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapsize/status.h>
#include "internal.h"
#include "status_series.h"

/* Label value escaping: backslash, double quote and newline. */
static void add_label_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_add(sb, "\\\\", 2);
		else if (*s == '"')
			strbuf_add(sb, "\\\"", 2);
		else if (*s == '\n')
			strbuf_add(sb, "\\n", 2);
		else
			strbuf_add(sb, s, 1);
	}
}

/* The `map` label of every map: its name, "#N" for the Nth of a name. */
char (*status_series_names(const struct mapsize_status *st, size_t cnt))[80]
{
	char (*names)[80] = calloc(cnt ? cnt : 1, sizeof(*names));

	for (size_t i = 0; names && i < cnt; i++) {
		const struct mapsize_live_map *m = mapsize_status__map(st, i);
		unsigned int nth = 1;

		for (size_t j = 0; j < cnt; j++) {
			const struct mapsize_live_map *o = mapsize_status__map(st, j);

			if (j != i && !strcmp(o->name, m->name) && o->id < m->id)
				nth++;
		}
		if (nth == 1)
			snprintf(names[i], sizeof(names[i]), "%s", m->name);
		else
			snprintf(names[i], sizeof(names[i]), "%s#%u", m->name, nth);
	}
	return names;
}

enum family { F_ENTRIES, F_MAX, F_RATIO, F_MEMLOCK, F_FAILURES, F_INFO };

static const struct {
	const char *name, *type, *help;
} families[] = {
	[F_ENTRIES] = { "mapsize_map_entries", "gauge",
			"Live entries of the BPF map (mapsize_map_info's count_method says how they were counted)." },
	[F_MAX] = { "mapsize_map_max_entries", "gauge", "max_entries of the BPF map." },
	[F_RATIO] = { "mapsize_map_fill_ratio", "gauge", "Live entries divided by max_entries (0 to 1)." },
	[F_MEMLOCK] = { "mapsize_map_memlock_bytes", "gauge", "Kernel memory charged to the BPF map (fdinfo memlock)." },
	[F_FAILURES] = { "mapsize_map_update_failures_total", "counter",
			 "Failed inserts counted by the BPF program (<mapsize/bpf_overflow.h>), by errno." },
	[F_INFO] = { "mapsize_map_info", "gauge", "The BPF map's id, type and how its entries were counted (value 1)." },
};

static void add_sample(struct strbuf *sb, enum family f, const char *map, const char *extra, const char *value)
{
	strbuf_addf(sb, "%s{map=\"", families[f].name);
	add_label_value(sb, map);
	strbuf_addf(sb, "\"%s} %s\n", extra ? extra : "", value);
}

int mapsize_status__prometheus(const struct mapsize_status *st, char **text)
{
	size_t cnt = mapsize_status__map_cnt(st);
	char (*names)[80];
	struct strbuf sb = { 0 };
	char value[64], extra[160];

	if (!st || !text)
		return -EINVAL;
	names = status_series_names(st, cnt);
	if (!names)
		return -ENOMEM;
	for (enum family f = F_ENTRIES; f <= F_INFO; f++) {
		bool any = false;

		for (size_t i = 0; i < cnt; i++) {
			const struct mapsize_live_map *m = mapsize_status__map(st, i);
			double ratio;

			if (f == F_ENTRIES || f == F_RATIO) {
				if (!mapsize_live_map__fill_ratio(m, &ratio) && !(f == F_ENTRIES && m->has_entries))
					continue;
			}
			if (f == F_FAILURES && !m->has_failures)
				continue;
			if (!any) {
				strbuf_addf(&sb, "# HELP %s %s\n# TYPE %s %s\n", families[f].name, families[f].help,
					    families[f].name, families[f].type);
				any = true;
			}
			switch (f) {
			case F_ENTRIES:
				snprintf(value, sizeof(value), "%llu", (unsigned long long)m->entries);
				add_sample(&sb, f, names[i], NULL, value);
				break;
			case F_MAX:
				snprintf(value, sizeof(value), "%u", m->max_entries);
				add_sample(&sb, f, names[i], NULL, value);
				break;
			case F_RATIO:
				snprintf(value, sizeof(value), "%.6g", ratio);
				add_sample(&sb, f, names[i], NULL, value);
				break;
			case F_MEMLOCK:
				snprintf(value, sizeof(value), "%llu", (unsigned long long)m->memlock_bytes);
				add_sample(&sb, f, names[i], NULL, value);
				break;
			case F_FAILURES:
				for (int c = 0; c < MAPSIZE_OVF_CLASSES; c++) {
					snprintf(extra, sizeof(extra), ",errno=\"%s\"", mapsize_ovf_class__name(c));
					snprintf(value, sizeof(value), "%llu", (unsigned long long)m->failures[c]);
					add_sample(&sb, f, names[i], extra, value);
				}
				break;
			case F_INFO:
				snprintf(extra, sizeof(extra), ",id=\"%u\",type=\"%s\",count_method=\"%s\"", m->id,
					 mapsize_bpf_map_type__name(m->bpf_type),
					 mapsize_count_method__name(m->count_method));
				add_sample(&sb, f, names[i], extra, "1");
				break;
			}
		}
	}
	free(names);
	if (sb.failed) {
		strbuf_release(&sb);
		return -ENOMEM;
	}
	*text = sb.buf ? strbuf_detach(&sb) : strdup("");
	return *text ? 0 : -ENOMEM;
}
