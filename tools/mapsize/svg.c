// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize report --svg: a bar chart of the report, the three profiles side
 * by side against the baseline.  Self-contained SVG, no timestamp, the same
 * bytes for the same inputs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "svg.h"

#define NPROF REPORT_NPROF
#define REF REPORT_REF

const char *era_desc(enum mapsize_mem_era era)
{
	return era == MAPSIZE_MEM_ERA_PAGES ? "pages era (5.11-6.3 accounting)" : "mem_usage era (6.4+ accounting)";
}

const char *baseline_source_desc(const struct report_info *info, char *buf, size_t size)
{
	if (info->object && info->which == MAPSIZE_REPORT_BASELINE_AUTO)
		snprintf(buf, size, "a rule's `baseline:` where it has one, else the sizes and flags compiled into "
			 "%s (BASE_FROM says which, per map)", info->object);
	else if (info->object && info->which == MAPSIZE_REPORT_BASELINE_OBJECT)
		snprintf(buf, size, "the sizes and flags compiled into %s", info->object);
	else
		snprintf(buf, size, "the rules' `baseline:` max_entries, preallocated (the kernel default)");
	return buf;
}

struct svgbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct svgbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct svgbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->s ? sb->s + sb->len : NULL, sb->s ? sb->cap - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if (!sb->s || sb->len + (size_t)n >= sb->cap) {
		size_t cap = (sb->cap ? sb->cap : 8192);
		char *s;

		while (cap <= sb->len + (size_t)n)
			cap *= 2;
		s = realloc(sb->s, cap);
		if (!s) {
			sb->oom = true;
			return;
		}
		sb->s = s;
		sb->cap = cap;
		va_start(ap, fmt);
		vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* XML-escaped copy of s in buf. */
static const char *xml(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; s && *s && o + 7 < size; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		}
		if (e) {
			memcpy(buf + o, e, strlen(e));
			o += strlen(e);
		} else if ((unsigned char)*s >= 0x20 || *s == '\t') {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Natural logarithm without libm (deterministic): v = m * 2^e, m in [1, 2),
 * ln m = 2 atanh((m - 1) / (m + 1)). */
static double ln(double v)
{
	double z, z2, term, sum = 0;
	int e = 0;

	if (v <= 0)
		return 0;
	while (v >= 2) {
		v /= 2;
		e++;
	}
	while (v < 1) {
		v *= 2;
		e--;
	}
	z = (v - 1) / (v + 1);
	z2 = z * z;
	term = z;
	for (int k = 1; k < 80; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

struct group {
	char label[96];
	char sub[160];
	uint64_t load[NPROF], exp[NPROF];
	bool has_base;
	uint64_t base[NPROF];
};

struct scale {
	bool log;
	double lo, hi;		/* log: tick values; linear: lo = 0 */
	double x0, w;
	double ticks[16];
	char tick_label[16][24];
	int nticks;
};

static const char *const colors[NPROF] = { "#009E73", "#0072B2", "#D55E00" }; /* Okabe-Ito */
#define SVG_W 1080
#define FONT "DejaVu Sans, Verdana, Arial, sans-serif"

static double sx(const struct scale *sc, uint64_t v)
{
	double f;

	if (!v)
		return sc->x0;
	if (sc->log) {
		if ((double)v <= sc->lo)
			return sc->x0;
		f = (ln((double)v) - ln(sc->lo)) / (ln(sc->hi) - ln(sc->lo));
	} else {
		f = (double)v / sc->hi;
	}
	if (f > 1)
		f = 1;
	return sc->x0 + f * sc->w;
}

static const char *unit_names[] = { "B", "KiB", "MiB", "GiB", "TiB" };

/* Log ticks at 1, 10, 100 of each binary unit; linear ticks at 1-2-5 steps. */
static void make_scale(struct scale *sc, uint64_t minpos, uint64_t max, bool allow_log, double x0, double w)
{
	memset(sc, 0, sizeof(*sc));
	sc->x0 = x0;
	sc->w = w;
	if (!max)
		max = 1;
	if (!minpos)
		minpos = max;
	sc->log = allow_log && (double)max / (double)minpos > 100;
	if (sc->log) {
		double cand[15];
		char lab[15][24];
		int n = 0, first = 0, last = 0;

		for (int u = 0; u < 5; u++) {
			double unit = 1;

			for (int k = 0; k < u; k++)
				unit *= 1024;
			for (int m = 0, mul = 1; m < 3; m++, mul *= 10) {
				cand[n] = unit * mul;
				snprintf(lab[n], sizeof(lab[n]), "%d %s", mul, unit_names[u]);
				n++;
			}
		}
		for (int i = 0; i < n; i++)
			if (cand[i] <= (double)minpos)
				first = i;
		for (last = n - 1; last > first + 1 && cand[last - 1] >= (double)max; last--)
			;
		sc->lo = cand[first];
		sc->hi = cand[last];
		for (int i = first; i <= last; i++) {
			sc->ticks[sc->nticks] = cand[i];
			memcpy(sc->tick_label[sc->nticks], lab[i], sizeof(lab[i]));
			sc->nticks++;
		}
	} else {
		double unit = 1, hv, step = 1, raw;
		int u = 0;

		while ((double)max / unit >= 1024 && u < 4) {
			unit *= 1024;
			u++;
		}
		hv = (double)max / unit;
		raw = hv / 5;
		while (step * 10 <= raw)
			step *= 10;
		while (step > raw * 10 && step > 1e-3)
			step /= 10;
		if (step < raw)
			step = step * 2 >= raw ? step * 2 : step * 5 >= raw ? step * 5 : step * 10;
		sc->lo = 0;
		sc->hi = 0;
		while (sc->hi < hv && sc->nticks < 15)
			sc->hi += step, sc->nticks++;
		sc->nticks = 0;
		for (double t = 0; t <= sc->hi + step / 2 && sc->nticks < 16; t += step) {
			sc->ticks[sc->nticks] = t * unit;
			if (step >= 1)
				snprintf(sc->tick_label[sc->nticks], sizeof(sc->tick_label[0]), "%.0f %s", t, unit_names[u]);
			else
				snprintf(sc->tick_label[sc->nticks], sizeof(sc->tick_label[0]), "%.1f %s", t, unit_names[u]);
			sc->nticks++;
		}
		sc->hi *= unit;
	}
}

static void svg_text(struct svgbuf *sb, double x, double y, int size, const char *anchor, const char *fill,
		     const char *weight, const char *text)
{
	char esc[2048];

	sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"", x, y, size);
	if (anchor)
		sb_printf(sb, " text-anchor=\"%s\"", anchor);
	if (weight)
		sb_printf(sb, " font-weight=\"%s\"", weight);
	sb_printf(sb, " fill=\"%s\">%s</text>\n", fill, xml(text, esc, sizeof(esc)));
}

#define BAR_H 11
#define BAR_GAP 2
#define GROUP_PAD 8
#define GROUP_H (NPROF * BAR_H + (NPROF - 1) * BAR_GAP + 2 * GROUP_PAD)

/* `text` cut to `max` characters (UTF-8 aware), with an ellipsis when cut. */
static const char *fit(const char *text, double max, char *buf, size_t size)
{
	size_t n = 0, i, cut = 0;

	for (i = 0; text[i]; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if ((double)n + 1 <= max - 1)
			cut = i;
		n++;
	}
	if ((double)n <= max || max < 2) {
		snprintf(buf, size, "%s", text);
		return buf;
	}
	/* keep the first cut+1 characters' bytes */
	for (cut++; text[cut] && ((unsigned char)text[cut] & 0xc0) == 0x80; cut++)
		;
	snprintf(buf, size, "%.*s\xe2\x80\xa6", (int)cut, text);
	return buf;
}

/* One group of bars at y; `extra[p]` is appended to each bar's value label;
 * names[p] are the profiles'. */
static void svg_group(struct svgbuf *sb, const struct group *g, const struct scale *sc, double y, int idx,
		      double label_x, const char *const extra[NPROF], const char *const names[NPROF])
{
	char txt[160], h1[32], h2[32];

	sb_printf(sb, "<g class=\"map\" data-name=\"%s\">\n", xml(g->label, txt, sizeof(txt)));
	if (idx % 2 == 0)
		sb_printf(sb, "<rect x=\"8\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>\n", y,
			  SVG_W - 16, GROUP_H);
	svg_text(sb, label_x, y + GROUP_H / 2.0 - 1, 12, "end", "#111", "bold",
		 fit(g->label, (label_x - 14) / 8.0, txt, sizeof(txt)));
	svg_text(sb, label_x, y + GROUP_H / 2.0 + 12, 10, "end", "#666", NULL,
		 fit(g->sub, (label_x - 14) / 5.7, txt, sizeof(txt)));
	for (int p = 0; p < NPROF; p++) {
		double by = y + GROUP_PAD + p * (BAR_H + BAR_GAP);
		double xl = sx(sc, g->load[p]), xe = sx(sc, g->exp[p]), xb = g->has_base ? sx(sc, g->base[p]) : 0;

		sb_printf(sb, "<g class=\"bar\"><title>%s, %s: %llu bytes at load, %llu at expected entries",
			  xml(g->label, txt, sizeof(txt)), names[p], (unsigned long long)g->load[p],
			  (unsigned long long)g->exp[p]);
		if (g->has_base)
			sb_printf(sb, ", baseline %llu", (unsigned long long)g->base[p]);
		sb_printf(sb, "</title>\n");
		if (g->exp[p] > g->load[p])
			sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				  "fill-opacity=\"0.3\"/>\n", sc->x0, by, xe - sc->x0, BAR_H, colors[p]);
		if (xl > sc->x0)
			sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
				  sc->x0, by, xl - sc->x0, BAR_H, colors[p]);
		if (g->has_base) {
			sb_printf(sb, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				  "stroke=\"#111\" stroke-width=\"2.5\"/>\n", xb, by - 1.5, xb, by + BAR_H + 1.5);
		}
		human_bytes(g->load[p], h1, sizeof(h1));
		if (g->exp[p] != g->load[p])
			snprintf(txt, sizeof(txt), "%s \xe2\x86\x92 %s%s", h1, human_bytes(g->exp[p], h2, sizeof(h2)),
				 extra ? extra[p] : "");
		else
			snprintf(txt, sizeof(txt), "%s%s", h1, extra ? extra[p] : "");
		/* values in a column of their own, in the profile's colour */
		svg_text(sb, sc->x0 + sc->w + 12, by + BAR_H - 2, 10, NULL, colors[p], NULL, txt);
		sb_printf(sb, "</g>\n");
	}
	sb_printf(sb, "</g>\n");
}

static void svg_axis(struct svgbuf *sb, const struct scale *sc, double ytop, double ybot, const char *title)
{
	sb_printf(sb, "<g class=\"axis\">\n");
	for (int i = 0; i < sc->nticks; i++) {
		double x = sx(sc, (uint64_t)sc->ticks[i]);

		if (sc->log && i == 0)
			x = sc->x0;
		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c8ccd2\" "
			  "stroke-width=\"1\"%s/>\n", x, ytop, x, ybot + 4, i ? " stroke-dasharray=\"3,3\"" : "");
		svg_text(sb, x, ybot + 16, 10, "middle", "#444", NULL, sc->tick_label[i]);
	}
	sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" stroke-width=\"1\"/>\n",
		  sc->x0, ybot, sc->x0 + sc->w, ybot);
	svg_text(sb, sc->x0 + sc->w / 2, ybot + 32, 11, "middle", "#333", NULL, title);
	sb_printf(sb, "</g>\n");
}


/* A map of the report and its largest figure, to sort by. */
struct sorted_map {
	size_t idx;
	const struct mapsize_report_map *m;
	uint64_t sort_key;
};

static int cmp_maps(const void *a, const void *b)
{
	const struct sorted_map *x = a, *y = b;

	if (x->sort_key != y->sort_key)
		return x->sort_key > y->sort_key ? -1 : 1;
	return strcmp(x->m->name, y->m->name);
}

#define TOP_MAPS 12

static bool is_inner(const struct mapsize_report_map *m)
{
	return m->planned->inner_of != NULL;
}

/* "hash · baseline 30.3 MiB": the baseline in the group's second label line
 * (with the reference profile's CPUs when it differs between profiles). */
static void group_sub(struct group *g, const char *what, uint32_t ref_cpus)
{
	char hb[32];
	uint64_t lo = g->base[0], hi = g->base[0];
	bool same;

	for (int p = 1; p < NPROF; p++) {
		lo = g->base[p] < lo ? g->base[p] : lo;
		hi = g->base[p] > hi ? g->base[p] : hi;
	}
	same = hi - lo <= hi / 100; /* within 1%: the hash tables' per-CPU locks */

	if (!g->has_base)
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 no baseline", what);
	else if (same)
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 baseline %s", what,
			 human_bytes(g->base[REF], hb, sizeof(hb)));
	else
		snprintf(g->sub, sizeof(g->sub), "%s \xc2\xb7 baseline %s @%llu CPUs", what,
			 human_bytes(g->base[REF], hb, sizeof(hb)), (unsigned long long)ref_cpus);
}

static void group_from_map(struct group *g, const struct mapsize_report *rep, const struct sorted_map *s)
{
	char what[64];

	memset(g, 0, sizeof(*g));
	snprintf(g->label, sizeof(g->label), "%s", s->m->name);
	g->has_base = s->m->has_baseline;
	for (int p = 0; p < NPROF; p++) {
		const struct mapsize_report_map_profile *c = mapsize_report__map_profile(rep, s->idx, p);

		g->load[p] = c->memory.memlock_load;
		g->exp[p] = c->memory.memlock_expected;
		g->base[p] = s->m->has_baseline ? c->baseline_memlock : 0;
	}
	snprintf(what, sizeof(what), "%s%s", mapsize_map_type__name(s->m->planned->type),
		 is_inner(s->m) ? ", per instance" : "");
	group_sub(g, what, mapsize_report__profile(rep, REF)->possible_cpus);
}

/* Display width of UTF-8 text in characters. */
static size_t text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void note(struct svgbuf *sb, double *y, const char *text)
{
	svg_text(sb, 16, *y, 10, NULL, "#555", NULL, text);
	*y += 15;
}

char *svg_render(const struct mapsize_report *rep, const struct report_info *info, size_t *len)
{
	const size_t nmaps = mapsize_report__map_cnt(rep);
	const struct mapsize_report_profile *prof[NPROF];
	const char *names[NPROF];
	struct svgbuf sb = { 0 }, out = { 0 };
	struct sorted_map *sorted = calloc(nmaps + 1, sizeof(*sorted));
	struct group *groups = calloc(nmaps + 1, sizeof(*groups));
	struct group total = { .label = "TOTAL", .has_base = true };
	struct scale tsc, msc;
	size_t ng = 0, shown, nothers = 0, nobase = 0;
	uint64_t minpos = 0, max = 0, tmax = 0;
	double label_x, x0, w, y;
	char line[1024], others[512] = "", src[512], h[6][32];
	const char *extra[NPROF];
	char extra_buf[NPROF][64], what[64];
	double labelw = 0;

	if (!sorted || !groups) {
		free(sorted);
		free(groups);
		return NULL;
	}
	for (int p = 0; p < NPROF; p++) {
		prof[p] = mapsize_report__profile(rep, p);
		names[p] = prof[p]->name;
	}
	for (size_t i = 0; i < nmaps; i++) {
		struct sorted_map *s = &sorted[i];

		s->idx = i;
		s->m = mapsize_report__map(rep, i);
		nobase += !s->m->has_baseline;
		for (int p = 0; p < NPROF; p++) {
			const struct mapsize_report_map_profile *c = mapsize_report__map_profile(rep, i, p);
			uint64_t v[3] = { c->memory.memlock_load, c->memory.memlock_expected,
					  s->m->has_baseline ? c->baseline_memlock : 0 };

			for (int k = 0; k < 3; k++)
				if (v[k] > s->sort_key)
					s->sort_key = v[k];
		}
	}
	qsort(sorted, nmaps, sizeof(*sorted), cmp_maps);
	/* the largest maps (inner templates always shown), then one "others" group */
	shown = nmaps <= TOP_MAPS + 1 ? nmaps : TOP_MAPS;
	for (size_t i = 0; i < nmaps; i++)
		if (i < shown || is_inner(sorted[i].m))
			group_from_map(&groups[ng++], rep, &sorted[i]);
	if (shown < nmaps) {
		struct group *o = &groups[ng];
		size_t off = 0;

		memset(o, 0, sizeof(*o));
		o->has_base = true;
		for (size_t i = shown; i < nmaps; i++) {
			const struct mapsize_report_map *m = sorted[i].m;

			if (is_inner(m))
				continue;
			nothers++;
			if (off < sizeof(others)) {
				int k = snprintf(others + off, sizeof(others) - off, "%s%s", off ? ", " : "", m->name);

				off += k > 0 ? (size_t)k : 0;
			}
			for (int p = 0; p < NPROF; p++) {
				const struct mapsize_report_map_profile *c =
					mapsize_report__map_profile(rep, sorted[i].idx, p);

				o->load[p] += c->memory.memlock_load;
				o->exp[p] += c->memory.memlock_expected;
				o->base[p] += m->has_baseline ? c->baseline_memlock : 0;
			}
		}
		snprintf(o->label, sizeof(o->label), "%zu other maps", nothers);
		group_sub(o, "summed, see below", prof[REF]->possible_cpus);
		if (nothers)
			ng++;
	}
	for (size_t i = 0; i < ng; i++) {
		double lw = 8.0 * (double)text_chars(groups[i].label), sw = 5.7 * (double)text_chars(groups[i].sub);

		labelw = lw > labelw ? lw : labelw;
		labelw = sw > labelw ? sw : labelw;
		for (int p = 0; p < NPROF; p++) {
			uint64_t v[3] = { groups[i].load[p], groups[i].exp[p], groups[i].has_base ? groups[i].base[p] : 0 };

			for (int k = 0; k < 3; k++) {
				if (v[k] > max)
					max = v[k];
				if (v[k] && (!minpos || v[k] < minpos))
					minpos = v[k];
			}
		}
	}
	for (int p = 0; p < NPROF; p++) {
		total.load[p] = prof[p]->total.memlock_load;
		total.exp[p] = prof[p]->total.memlock_expected;
		total.base[p] = prof[p]->baseline_memlock;
		tmax = total.load[p] > tmax ? total.load[p] : tmax;
		tmax = total.exp[p] > tmax ? total.exp[p] : tmax;
		tmax = total.base[p] > tmax ? total.base[p] : tmax;
	}
	snprintf(what, sizeof(what), "all %zu maps", nmaps);
	group_sub(&total, what, prof[REF]->possible_cpus);
	label_x = labelw + 24;
	if (label_x < 170)
		label_x = 170;
	if (label_x > 330)
		label_x = 330;
	x0 = label_x + 10;
	w = SVG_W - x0 - 270;
	make_scale(&tsc, 0, tmax, false, x0, w);
	make_scale(&msc, minpos, max, true, x0, w);

	/* title */
	snprintf(line, sizeof(line), "%s: BPF map memory by cluster profile", info->app);
	sb_printf(&sb, "<title>%s</title>\n", xml(line, src, sizeof(src)));
	sb_printf(&sb, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	svg_text(&sb, 16, 28, 18, NULL, "#111", "bold", line);
	snprintf(line, sizeof(line), "kernel memlock predicted by mapsize \xc2\xb7 kernel %s, %s \xc2\xb7 struct "
		 "sizes from %s", info->kernel, era_desc(info->era), info->consts_source);
	svg_text(&sb, 16, 48, 11, NULL, "#444", NULL, line);
	snprintf(line, sizeof(line), "CPUs per node: small %llu, medium %llu, large %llu (each profile's cpus) "
		 "\xc2\xb7 baseline: %s, on the same CPUs", (unsigned long long)prof[0]->possible_cpus,
		 (unsigned long long)prof[1]->possible_cpus, (unsigned long long)prof[2]->possible_cpus,
		 info->object ? "sizes compiled into the object" : "the rules' baseline: sizes, preallocated");
	svg_text(&sb, 16, 64, 11, NULL, "#444", NULL, line);

	/* legend */
	sb_printf(&sb, "<g class=\"legend\">\n");
	{
		double lx = 16;

		for (int p = 0; p < NPROF; p++) {
			sb_printf(&sb, "<rect x=\"%.1f\" y=\"80\" width=\"14\" height=\"11\" fill=\"%s\"/>\n", lx,
				  colors[p]);
			svg_text(&sb, lx + 19, 90, 11, NULL, "#222", NULL, names[p]);
			lx += 19 + 7.0 * (double)strlen(names[p]) + 16;
		}
		sb_printf(&sb, "<rect x=\"%.1f\" y=\"80\" width=\"24\" height=\"11\" fill=\"#555555\"/>"
			  "<rect x=\"%.1f\" y=\"80\" width=\"24\" height=\"11\" fill=\"#555555\" fill-opacity=\"0.3\"/>\n",
			  lx, lx + 24);
		svg_text(&sb, lx + 54, 90, 11, NULL, "#222", NULL, "at load | growth to expected entries");
		lx += 54 + 6.3 * 37 + 18;
		sb_printf(&sb, "<line x1=\"%.1f\" y1=\"78\" x2=\"%.1f\" y2=\"93\" stroke=\"#111\" "
			  "stroke-width=\"2.5\"/>\n", lx + 4, lx + 4);
		svg_text(&sb, lx + 12, 90, 11, NULL, "#222", NULL,
			 info->object ? "baseline (compiled sizes)" : "baseline (rules' baseline:)");
	}
	sb_printf(&sb, "</g>\n");

	/* totals, linear */
	y = 120;
	svg_text(&sb, 16, y, 13, NULL, "#111", "bold", "All maps: memlock at load vs the baseline (linear scale)");
	svg_text(&sb, x0 + w + 12, y, 11, NULL, "#444", "bold", "at load \xe2\x86\x92 expected \xc2\xb7 vs baseline");
	y += 8;
	for (int p = 0; p < NPROF; p++) {
		double pct;

		extra[p] = extra_buf[p];
		/* over the maps that have a baseline, as the table's savings */
		if (!mapsize_savings_percent(prof[p]->baseline_memlock, prof[p]->based_memlock_load, &pct))
			extra_buf[p][0] = '\0';
		else if (pct >= 0)
			snprintf(extra_buf[p], sizeof(extra_buf[p]), " \xc2\xb7 \xe2\x88\x92%.0f%% vs %s", pct,
				 human_bytes(prof[p]->baseline_memlock, h[p], sizeof(h[p])));
		else
			snprintf(extra_buf[p], sizeof(extra_buf[p]), " \xc2\xb7 +%.0f%% vs %s", -pct,
				 human_bytes(prof[p]->baseline_memlock, h[p], sizeof(h[p])));
	}
	svg_group(&sb, &total, &tsc, y, 0, label_x, extra, names);
	y += GROUP_H;
	svg_axis(&sb, &tsc, y - GROUP_H, y + 2, "memlock of all maps (linear)");
	y += 74;

	/* per map, log scale when the spread is huge */
	snprintf(line, sizeof(line), "Per map, largest first%s", nothers ? " (the smallest summed)" : "");
	svg_text(&sb, 16, y, 13, NULL, "#111", "bold", line);
	svg_text(&sb, x0 + w + 12, y, 11, NULL, "#444", "bold", "at load \xe2\x86\x92 expected");
	y += 8;
	{
		double ytop = y;

		for (size_t i = 0; i < ng; i++, y += GROUP_H)
			svg_group(&sb, &groups[i], &msc, y, (int)i, label_x, NULL, names);
		svg_axis(&sb, &msc, ytop, y + 2, msc.log ? "memlock per map (log scale: each gridline is 10x; "
			 "bars start at the first gridline)" : "memlock per map (linear)");
	}
	y += 56;

	/* notes */
	snprintf(line, sizeof(line), "Baseline: %s, on each profile's CPUs.", baseline_source_desc(info, src, sizeof(src)));
	note(&sb, &y, line);
	snprintf(line, sizeof(line), "At expected entries: small %s, medium %s, large %s; baseline %s, %s, %s.",
		 human_bytes(total.exp[0], h[0], sizeof(h[0])), human_bytes(total.exp[1], h[1], sizeof(h[1])),
		 human_bytes(total.exp[2], h[2], sizeof(h[2])),
		 human_bytes(prof[0]->baseline_memlock_expected, h[3], sizeof(h[3])),
		 human_bytes(prof[1]->baseline_memlock_expected, h[4], sizeof(h[4])),
		 human_bytes(prof[2]->baseline_memlock_expected, h[5], sizeof(h[5])));
	note(&sb, &y, line);
	for (size_t i = 0; i < nmaps; i++) {
		const struct mapsize_report_map *m = mapsize_report__map(rep, i);

		if (!is_inner(m))
			continue;
		snprintf(line, sizeof(line), "%s: per instance; totals count none at load (created at run time) and one "
			 "per expected %s entry at expected entries, as mapsize plan does.", m->name,
			 m->planned->inner_of);
		note(&sb, &y, line);
	}
	if (info->era == MAPSIZE_MEM_ERA_PAGES)
		note(&sb, &y, "Pages era: the kernel's memlock ignores preallocation and fill level; non-preallocated "
			 "maps really allocate their elements on insert.");
	if (nothers) {
		snprintf(line, sizeof(line), "%zu other maps: %s.", nothers, others);
		note(&sb, &y, line);
	}
	if (nobase) {
		size_t off = (size_t)snprintf(line, sizeof(line), "No baseline for %zu map%s (left out of the "
					      "savings):", nobase, nobase == 1 ? "" : "s");

		for (size_t i = 0; i < nmaps && off < sizeof(line); i++) {
			const struct mapsize_report_map *m = mapsize_report__map(rep, i);

			if (!m->has_baseline) {
				int k = snprintf(line + off, sizeof(line) - off, " %s", m->name);

				off += k > 0 ? (size_t)k : 0;
			}
		}
		note(&sb, &y, line);
	}
	sb_printf(&sb, "</svg>\n");

	/* the header needs the height */
	sb_printf(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_printf(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		  "font-family=\"%s\">\n", SVG_W, y + 4, SVG_W, y + 4, FONT);
	if (!sb.oom && sb.s)
		sb_printf(&out, "%s", sb.s);
	free(sb.s);
	free(sorted);
	free(groups);
	if (sb.oom || out.oom) {
		free(out.s);
		return NULL;
	}
	*len = out.len;
	return out.s;
}
