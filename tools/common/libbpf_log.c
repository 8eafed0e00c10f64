// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libbpf's messages, captured whole and bounded (see libbpf_log.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "libbpf_log.h"

/* What follows the head: at most TAIL_KEEP bytes are shown, up to twice
 * that are held so that dropping the oldest is amortised. */
#define TAIL_KEEP (LIBBPF_LOG_LIMIT - LIBBPF_LOG_HEAD - sizeof(LIBBPF_LOG_CUT_MARK))

static struct {
	bool verbose;
	char *head;		/* the first LIBBPF_LOG_HEAD bytes */
	size_t head_len;
	char *tail;		/* what came after, the most recent TAIL_KEEP..2*TAIL_KEEP bytes */
	size_t tail_len, tail_cap;
	bool dropped;		/* bytes between head and tail were dropped */
	char *text;		/* assembled by libbpf_log__text() */
	bool text_stale;
} lg;

static void append_tail(const char *s, size_t n)
{
	if (n > TAIL_KEEP) {		/* a single huge message: its end matters */
		s += n - TAIL_KEEP;
		n = TAIL_KEEP;
		lg.dropped = true;
		lg.tail_len = 0;
	}
	if (lg.tail_len + n > 2 * TAIL_KEEP) {
		size_t keep = TAIL_KEEP - n;

		memmove(lg.tail, lg.tail + lg.tail_len - keep, keep);
		lg.tail_len = keep;
		lg.dropped = true;
	}
	if (lg.tail_len + n > lg.tail_cap) {
		size_t cap = lg.tail_cap ? lg.tail_cap : 4096;
		char *t;

		while (cap < lg.tail_len + n)
			cap *= 2;
		if (cap > 2 * TAIL_KEEP)
			cap = 2 * TAIL_KEEP;
		t = realloc(lg.tail, cap);
		if (!t) {		/* keep what fits */
			lg.dropped = true;
			return;
		}
		lg.tail = t;
		lg.tail_cap = cap;
	}
	memcpy(lg.tail + lg.tail_len, s, n);
	lg.tail_len += n;
}

static void keep(const char *s, size_t n)
{
	lg.text_stale = true;
	if (lg.head_len < LIBBPF_LOG_HEAD) {
		size_t h = LIBBPF_LOG_HEAD - lg.head_len;

		if (!lg.head && !(lg.head = malloc(LIBBPF_LOG_HEAD)))
			return;
		h = h < n ? h : n;
		memcpy(lg.head + lg.head_len, s, h);
		lg.head_len += h;
		s += h;
		n -= h;
	}
	if (n)
		append_tail(s, n);
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);

	if (n < 0) {
		static const char lost[] = "libbpf: [a message was lost: out of memory]\n";

		keep(lost, sizeof(lost) - 1);
		return 0;
	}
	if (lg.verbose)
		fputs(msg, stderr);
	if (level != LIBBPF_DEBUG)
		keep(msg, (size_t)n);
	free(msg);
	return 0;
}

void libbpf_log__capture(bool verbose)
{
	libbpf_log__reset();
	lg.verbose = verbose;
	libbpf_set_print(capture);
}

bool libbpf_log__cut(void)
{
	return lg.dropped;
}

const char *libbpf_log__text(void)
{
	size_t hl = lg.head_len, ts = 0, len;
	char *t;

	if (!lg.text_stale)
		return lg.text ? lg.text : "";
	if (lg.tail_len > TAIL_KEEP) {
		ts = lg.tail_len - TAIL_KEEP;
		lg.dropped = true;
	}
	if (lg.dropped) {
		/* whole lines either side of the cut */
		while (hl && lg.head[hl - 1] != '\n')
			hl--;
		while (ts < lg.tail_len && lg.tail[ts] != '\n')
			ts++;
		ts += ts < lg.tail_len;
	}
	len = hl + (lg.dropped ? sizeof(LIBBPF_LOG_CUT_MARK) - 1 : 0) + lg.tail_len - ts;
	t = realloc(lg.text, len + 1);
	if (!t)
		return lg.text ? lg.text : "";
	lg.text = t;
	if (hl)
		memcpy(t, lg.head, hl);
	if (lg.dropped)
		memcpy(t + hl, LIBBPF_LOG_CUT_MARK, sizeof(LIBBPF_LOG_CUT_MARK) - 1);
	if (lg.tail_len > ts)
		memcpy(t + len - (lg.tail_len - ts), lg.tail + ts, lg.tail_len - ts);
	t[len] = '\0';
	lg.text_stale = false;
	return t;
}

void libbpf_log__print(FILE *out)
{
	const char *t = libbpf_log__text();

	if (lg.verbose || !t[0])
		return;
	fputs(t, out);
	if (t[strlen(t) - 1] != '\n')
		fputc('\n', out);
}

/* The line [s, e) into buf, without "libbpf: " and trailing blanks. */
static void copy_line(char *buf, size_t size, const char *s, const char *e)
{
	if ((size_t)(e - s) >= 8 && !strncmp(s, "libbpf: ", 8))
		s += 8;
	while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\r'))
		e--;
	snprintf(buf, size, "%.*s", (int)(e - s), s);
}

static bool starts(const char *s, const char *e, const char *prefix)
{
	size_t l = strlen(prefix);

	return (size_t)(e - s) >= l && !strncmp(s, prefix, l);
}

/* Lines of a verifier log that follow the deciding one. */
static bool verifier_epilogue(const char *s, const char *e)
{
	return s == e || starts(s, e, "processed ") || starts(s, e, "verification time") ||
	       starts(s, e, "stack depth") || starts(s, e, "[libbpf log cut");
}

/* libbpf's closing messages after a failure, which name no cause. */
static bool closing_message(const char *s, const char *e)
{
	if (starts(s, e, "libbpf: "))
		s += 8;
	if (verifier_epilogue(s, e) || starts(s, e, "failed to load object"))
		return true;
	if (starts(s, e, "prog '")) {
		const char *q = memchr(s + 6, '\'', (size_t)(e - s - 6));

		return q && starts(q, e, "': failed to load:");
	}
	return false;
}

/* Walking a log backwards: the line that ends at `le` (> begin; its '\n',
 * if any, excluded) starts at the return value and its text ends at *ce. */
static const char *line_before(const char *begin, const char *le, const char **ce)
{
	const char *ls = le;

	if (ls[-1] == '\n')
		ls--;
	*ce = ls;
	while (ls > begin && ls[-1] != '\n')
		ls--;
	return ls;
}

/* The last line in [begin, end) for which `skip` is false, into buf. */
static bool last_line(const char *begin, const char *end, bool (*skip)(const char *, const char *),
		      char *buf, size_t size)
{
	for (const char *le = end, *ls, *ce; le > begin; le = ls) {
		ls = line_before(begin, le, &ce);
		if (!skip(ls, ce)) {
			copy_line(buf, size, ls, ce);
			return true;
		}
	}
	return false;
}

int libbpf_log__reason(char *buf, size_t size, char *prog, size_t prog_size)
{
	static const char BEGIN[] = "-- BEGIN PROG LOAD LOG --\n", END[] = "-- END PROG LOAD LOG --";
	const char *text = libbpf_log__text(), *end_mark = NULL, *begin = text, *p;

	buf[0] = '\0';
	if (prog_size)
		prog[0] = '\0';
	if (!text[0])
		return -ENOENT;
	for (p = text; (p = strstr(p, END)); p++)
		end_mark = p;
	if (end_mark) {
		/* libbpf: "prog 'NAME': failed to load: -13" follows the log */
		const char *q = strstr(end_mark, "prog '");

		if (q && prog_size) {
			const char *n = q + 6, *ne = strchr(n, '\'');

			if (ne)
				snprintf(prog, prog_size, "%.*s", (int)(ne - n), n);
		}
		for (p = text; (p = strstr(p, BEGIN)) && p < end_mark; p++)
			begin = p + sizeof(BEGIN) - 1;
		if (last_line(begin, end_mark, verifier_epilogue, buf, size))
			return 0;
	}
	if (!last_line(text, text + strlen(text), closing_message, buf, size))
		last_line(text, text + strlen(text), verifier_epilogue, buf, size);
	return 0;
}

int libbpf_log__verifier_tail(const char *prog, int lines, char *buf, size_t size)
{
	static const char BEGIN[] = "': -- BEGIN PROG LOAD LOG --\n", END[] = "-- END PROG LOAD LOG --";
	const char *text = libbpf_log__text(), *p, *begin = NULL, *end, *le;
	char head[160], line[512];
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	/* libbpf: "prog 'NAME': -- BEGIN PROG LOAD LOG --", the log, the END mark */
	snprintf(head, sizeof(head), "prog '%s%s", prog, BEGIN);
	for (p = text; (p = strstr(p, head)); p++)
		begin = p + strlen(head);
	if (!begin || !(end = strstr(begin, END)))
		return -ENOENT;
	/* the last `lines` lines that are not the summary, oldest first */
	for (le = end; le > begin && n < lines;) {
		const char *ce, *ls = line_before(begin, le, &ce);

		if (!verifier_epilogue(ls, ce))
			n++;
		le = ls;
	}
	for (p = le; p < end && n > 0;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		e = e ? e : end;
		if (!verifier_epilogue(p, e) && used < size) {
			char *c = line, *w = line;

			copy_line(line, sizeof(line), p, e);
			for (; *c; c++)		/* tabs and runs of blanks: one space */
				if (!((*c == ' ' || *c == '\t') && w > line && w[-1] == ' '))
					*w++ = *c == '\t' ? ' ' : *c;
			*w = '\0';
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " | " : "", line);
			n--;
		}
		p = e + 1;
	}
	return buf[0] ? 0 : -ENOENT;
}

/* ---- an object libbpf could not open -------------------------------------- */

#ifndef EM_BPF
#define EM_BPF 247
#endif

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const char *const EXPECT_ELF = "expected an ELF file built with clang -target bpf";

/* What the file is, when libbpf's messages would not say it plainly. */
static const char *sniff(const char *path, char *buf, size_t size)
{
	unsigned char h[20];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned int machine;

	if (fd < 0) {
		snprintf(buf, size, "%s", strerror(errno));
		return buf;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < 4 || memcmp(h, ELFMAG, SELFMAG)) {
		snprintf(buf, size, "not an ELF file%s", n == 0 ? " (it is empty)" : "");
		return buf;
	}
	if (n < 20)
		return NULL;
	machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned int)h[18] << 8 | h[19] : (unsigned int)h[19] << 8 | h[18];
	if (machine != EM_BPF) {
		snprintf(buf, size, "an ELF file for another machine (e_machine %u), not a BPF object", machine);
		return buf;
	}
	return NULL;
}

int libbpf_log__open_error(const char *path, int ret)
{
	char what[256], reason[1024], prog[64];
	const char *expect = EXPECT_ELF, *why;
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: error: cannot open BPF object: %s, %s\n", path, strerror(errno), expect);
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: error: cannot open BPF object: it is a directory, %s\n", path, expect);
		return 2;
	}
	why = sniff(path, what, sizeof(what));
	if (!why) {
		/* an ELF BPF object libbpf refused: its reason, never the bare
		 * errno ("No such file or directory" for an extern's BTF) */
		if (libbpf_log__reason(reason, sizeof(reason), prog, sizeof(prog)) || !reason[0])
			libbpf_strerror(ret, reason, sizeof(reason));
		why = reason;
		if (!strncmp(reason, "elf: ", 5)) {	/* libelf could not read it */
			snprintf(what, sizeof(what), "a malformed ELF file (%.200s)", reason);
			why = what;
		}
		if (strstr(reason, "extern"))
			expect = "expected every extern the object declares to be linked in (bpftool gen "
				 "object) or provided by the running kernel";
	}
	fprintf(stderr, "%s: error: cannot open BPF object: %s, %s\n", path, why, expect);
	if (count_lines(libbpf_log__text()) > 1)
		libbpf_log__print(stderr);
	return ret == -ENOMEM ? 1 : 2;
}

bool libbpf_log__is_open_error(const char *msg)
{
	return !strncmp(msg, "cannot open BPF object", strlen("cannot open BPF object"));
}

void libbpf_log__reset(void)
{
	free(lg.head);
	free(lg.tail);
	free(lg.text);
	memset(&lg, 0, sizeof(lg));
}
