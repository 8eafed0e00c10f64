/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libbpf's messages, captured whole (mapsize verify, mapsize report).
 *
 * libbpf prints a failed program's verifier log as one message, often far
 * longer than a line; the deciding line is its last.  The capture keeps every
 * warning and info message whole, up to LIBBPF_LOG_LIMIT bytes in all: past
 * that it keeps the first LIBBPF_LOG_HEAD bytes and the most recent ones, with
 * the line "[libbpf log cut at 1 MiB]" where it dropped the middle.  Debug
 * messages are not kept; with `verbose` every message is also written to
 * stderr as it comes. */
#ifndef MAPSIZE_TOOLS_LIBBPF_LOG_H
#define MAPSIZE_TOOLS_LIBBPF_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LIBBPF_LOG_LIMIT (1024 * 1024)
#define LIBBPF_LOG_HEAD (64 * 1024)
#define LIBBPF_LOG_CUT_MARK "[libbpf log cut at 1 MiB]\n"

/* Install the capture as libbpf's print function; forgets what was kept. */
void libbpf_log__capture(bool verbose);
/* What was kept ("" when nothing), valid until the next message or reset. */
const char *libbpf_log__text(void);
bool libbpf_log__cut(void);
/* Write what was kept to `out`, unless --verbose already showed it. */
void libbpf_log__print(FILE *out);
/* The deciding line of what was kept, without libbpf's "libbpf: " prefix:
 * for a program the verifier rejected, the last line of its verifier log
 * (the program's name in `prog`, else prog[0] = '\0'); otherwise the last
 * message but libbpf's closing "failed to load object".  0, or -ENOENT when
 * nothing was kept. */
int libbpf_log__reason(char *buf, size_t size, char *prog, size_t prog_size);
/* The last `lines` deciding lines of program `prog`'s verifier log (its
 * summary lines "processed N insns ...", "verification time" left out),
 * joined by " | ", into buf.  0, or -ENOENT when libbpf kept no verifier
 * log for `prog` (or an empty one). */
int libbpf_log__verifier_tail(const char *prog, int lines, char *buf, size_t size);
/* bpf_object__open*() of `path` failed with `err`: print one line,
 * "PATH: error: cannot open BPF object: REASON, expected ...", where REASON
 * is what is wrong with a file that exists (not an ELF file, an ELF file for
 * another machine, a malformed one, libbpf's own reason such as an extern it
 * cannot resolve) — never the bare errno libbpf returned — then libbpf's
 * other messages when there are several.  Returns the exit status: 2 when
 * the object is at fault, 1 when out of memory. */
int libbpf_log__open_error(const char *path, int err);
/* Whether a library error message is an object open error (the library's
 * messages start "cannot open BPF object"): libbpf_log__open_error() can
 * then say libbpf's reason instead. */
bool libbpf_log__is_open_error(const char *msg);
/* Forget everything kept and free it. */
void libbpf_log__reset(void);

#endif
