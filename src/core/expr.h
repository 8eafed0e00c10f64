/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Sizing expressions over dimensions: integers (with k/M/G/T and Ki/Mi/Gi/Ti
 * suffixes), names, + - * / %, parentheses, min() max() clamp() pow2().
 * All arithmetic is unsigned 64-bit and checked: overflow, a negative
 * intermediate, division by zero are errors.  Pure: no I/O. */
#ifndef MAPSIZE_EXPR_H
#define MAPSIZE_EXPR_H

#include <stddef.h>
#include <stdint.h>

enum expr_errcode {
	EXPR_OK = 0,
	EXPR_ERR_SYNTAX,	/* malformed text */
	EXPR_ERR_UNKNOWN_NAME,	/* name not found by the lookup; err->name holds it */
	EXPR_ERR_OVERFLOW,	/* result does not fit 64 bits */
	EXPR_ERR_NEGATIVE,	/* a subtraction went below zero */
	EXPR_ERR_DIV_ZERO,
	EXPR_ERR_ARGS,		/* wrong argument count, or clamp(x, lo, hi) with lo > hi */
	EXPR_ERR_NOMEM,
};

struct expr_error {
	enum expr_errcode code;
	size_t offset;		/* byte offset into the expression text */
	char name[64];		/* for EXPR_ERR_UNKNOWN_NAME (truncated) */
	char msg[192];		/* one line, no location, e.g. "division by zero" */
};

struct expr;

/* Returns 0 and stores the value when `name` (not NUL-terminated, `len`
 * bytes) is known, -ENOENT otherwise. */
typedef int (*expr_lookup_fn)(void *ctx, const char *name, size_t len, uint64_t *value);

/* Parse once; NULL and *err filled on error. */
struct expr *expr_parse(const char *text, struct expr_error *err);
void expr_free(struct expr *e);
/* 0 on success, -EINVAL (input error, *err filled) or -ENOMEM. */
int expr_eval(const struct expr *e, expr_lookup_fn lookup, void *ctx,
	      uint64_t *value, struct expr_error *err);
/* Calls fn for every name the expression references, in text order. */
void expr_for_each_name(const struct expr *e,
			void (*fn)(void *ctx, const char *name, size_t len, size_t offset),
			void *ctx);
/* Parse a plain integer with an optional suffix ("16Gi", "32768", "100k").
 * 0 on success, -EINVAL for malformed text, -ERANGE on overflow. */
int expr_parse_quantity(const char *text, uint64_t *value);

#endif
