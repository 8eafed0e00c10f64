// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The live status as Prometheus text exposition (format 0.0.4), for
 * node_exporter's textfile collector or any scraper.  Series are labelled
 * by the map's full name, not id: ids change on every reload, names do
 * not.  Maps sharing a full name (two objects with a map of one name, an
 * agent loaded twice) get one more label, the first that tells all of them
 * apart: pin (the pin path), prog (a program using it), else id.  Never a
 * number in id order: a reload that swaps the ids would swap the series. */
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

/* Within one group of maps sharing a full name, do all have distinct
 * values of this label? */
static bool tells_apart(const struct mapsize_status *st, const size_t *group, size_t n, enum status_identity kind)
{
	for (size_t a = 0; a < n; a++) {
		const struct mapsize_live_map *x = mapsize_status__map(st, group[a]);
		const char *xv = kind == ID_PIN ? x->pin : x->prog;

		if (!xv || !xv[0])
			return false;
		for (size_t b = a + 1; b < n; b++) {
			const struct mapsize_live_map *y = mapsize_status__map(st, group[b]);
			const char *yv = kind == ID_PIN ? y->pin : y->prog;

			if (yv && !strcmp(xv, yv))
				return false;
		}
	}
	return true;
}

enum status_identity *status_series_identities(const struct mapsize_status *st, size_t cnt)
{
	enum status_identity *ids = calloc(cnt ? cnt : 1, sizeof(*ids));
	size_t *group = calloc(cnt ? cnt : 1, sizeof(*group));

	for (size_t i = 0; ids && group && i < cnt; i++) {
		const char *name = mapsize_status__map(st, i)->name;
		enum status_identity kind;
		size_t n = 0;
		bool first = true;

		for (size_t j = 0; j < cnt; j++) {
			if (strcmp(mapsize_status__map(st, j)->name, name))
				continue;
			first &= j >= i;
			group[n++] = j;
		}
		if (n < 2 || !first)
			continue;	/* unique, or decided with the group's first map */
		kind = tells_apart(st, group, n, ID_PIN) ? ID_PIN : tells_apart(st, group, n, ID_PROG) ? ID_PROG : ID_ID;
		for (size_t g = 0; g < n; g++)
			ids[group[g]] = kind;
	}
	free(group);
	if (!group) {
		free(ids);
		return NULL;
	}
	return ids;
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

void status_series_labels(struct strbuf *sb, const struct mapsize_live_map *m, enum status_identity id,
			  bool id_label)
{
	strbuf_add(sb, "map=\"", 5);
	add_label_value(sb, m->name);
	if (id == ID_PIN || id == ID_PROG) {
		strbuf_addf(sb, "\",%s=\"", id == ID_PIN ? "pin" : "prog");
		add_label_value(sb, id == ID_PIN ? m->pin : m->prog);
	} else if (id == ID_ID && id_label) {
		strbuf_addf(sb, "\",id=\"%u", m->id);
	}
	strbuf_add(sb, "\"", 1);
}

static void add_sample(struct strbuf *sb, enum family f, const struct mapsize_live_map *m, enum status_identity id,
		       const char *extra, const char *value)
{
	strbuf_addf(sb, "%s{", families[f].name);
	status_series_labels(sb, m, id, f != F_INFO);	/* the info family has the id already */
	strbuf_addf(sb, "%s} %s\n", extra ? extra : "", value);
}

int mapsize_status__prometheus(const struct mapsize_status *st, char **text)
{
	size_t cnt = mapsize_status__map_cnt(st);
	enum status_identity *ids;
	struct strbuf sb = { 0 };
	char value[64], extra[160];

	if (!st || !text)
		return -EINVAL;
	ids = status_series_identities(st, cnt);
	if (!ids)
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
				add_sample(&sb, f, m, ids[i], NULL, value);
				break;
			case F_MAX:
				snprintf(value, sizeof(value), "%u", m->max_entries);
				add_sample(&sb, f, m, ids[i], NULL, value);
				break;
			case F_RATIO:
				snprintf(value, sizeof(value), "%.6g", ratio);
				add_sample(&sb, f, m, ids[i], NULL, value);
				break;
			case F_MEMLOCK:
				snprintf(value, sizeof(value), "%llu", (unsigned long long)m->memlock_bytes);
				add_sample(&sb, f, m, ids[i], NULL, value);
				break;
			case F_FAILURES:
				for (int c = 0; c < MAPSIZE_OVF_CLASSES; c++) {
					snprintf(extra, sizeof(extra), ",errno=\"%s\"", mapsize_ovf_class__name(c));
					snprintf(value, sizeof(value), "%llu", (unsigned long long)m->failures[c]);
					add_sample(&sb, f, m, ids[i], extra, value);
				}
				break;
			case F_INFO:
				snprintf(extra, sizeof(extra), ",id=\"%u\",type=\"%s\",count_method=\"%s\"", m->id,
					 mapsize_bpf_map_type__name(m->bpf_type),
					 mapsize_count_method__name(m->count_method));
				add_sample(&sb, f, m, ids[i], extra, "1");
				break;
			}
		}
	}
	free(ids);
	if (sb.failed) {
		strbuf_release(&sb);
		return -ENOMEM;
	}
	*text = sb.buf ? strbuf_detach(&sb) : strdup("");
	return *text ? 0 : -ENOMEM;
}
