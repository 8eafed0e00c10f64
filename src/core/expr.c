// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Sizing expressions: a recursive-descent parser into a small AST and a
 * checked unsigned 64-bit evaluator.  Operands of one precedence level are
 * kept as a flat sibling list under one node, so the tree depth, and with it
 * every recursion here, is bounded by the parenthesis/call nesting limit. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define EXPR_MAX_DEPTH	64
#define EXPR_MAX_TEXT	4096
#define SHOW_MAX	40	/* longest token text quoted in a message */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum tok_kind {
	/* punctuation tokens use their ASCII value */
	TOK_END = 256,
	TOK_NUM,
	TOK_NAME,
	TOK_BAD,
};

struct token {
	int kind;
	size_t off, len;
	uint64_t num;
};

enum node_kind { N_NUM, N_NAME, N_CALL, N_SUM, N_PRODUCT };

enum fn_id { FN_MIN, FN_MAX, FN_CLAMP, FN_POW2 };

static const struct {
	const char *name;
	size_t min_args, max_args;
} fns[] = {
	[FN_MIN]	= { "min", 2, SIZE_MAX },
	[FN_MAX]	= { "max", 2, SIZE_MAX },
	[FN_CLAMP]	= { "clamp", 3, 3 },
	[FN_POW2]	= { "pow2", 1, 1 },
};

static const struct {
	const char *name;
	uint64_t mul;
} suffixes[] = {
	{ "k", 1000ULL }, { "M", 1000000ULL },
	{ "G", 1000000000ULL }, { "T", 1000000000000ULL },
	{ "Ki", 1ULL << 10 }, { "Mi", 1ULL << 20 },
	{ "Gi", 1ULL << 30 }, { "Ti", 1ULL << 40 },
};

struct node {
	enum node_kind kind;
	enum fn_id fn;
	char op;		/* operator joining this node to its previous sibling */
	size_t op_off;
	size_t off, len;	/* source of a name, a number or a function name */
	uint64_t num;
	size_t nkids;
	struct node *kids;	/* operands or call arguments, in text order */
	struct node *next;
};

struct expr {
	struct node *root;
	char text[];		/* private copy: names point into it */
};

struct parser {
	const char *text;
	struct token tok;	/* one token of lookahead */
	int depth;
	struct expr_error *err;
};

__attribute__((format(printf, 4, 5)))
static void set_err(struct expr_error *err, enum expr_errcode code,
		    size_t off, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->offset = off;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* Not <ctype.h>: locale-independent and safe for bytes >= 0x80. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Value of digit c in base 10 or 16, -1 if it is not one. */
static int digit_val(char c, unsigned int base)
{
	int l = c | 0x20, v = 99;

	if (is_digit(c))
		v = c - '0';
	else if (l >= 'a' && l <= 'f')
		v = l - 'a' + 10;
	return v < (int)base ? v : -1;
}

static int show_len(size_t len)
{
	return len < SHOW_MAX ? (int)len : SHOW_MAX;
}

/* Lex the NUMBER at text + off (which starts with a digit) into *t. */
static int lex_number(const char *text, size_t off, struct token *t,
		      struct expr_error *err)
{
	const char *s = text + off, *suf;
	unsigned int base = 10;
	size_t i = 0, start, end, k;
	uint64_t v = 0, mul = 1;

	if (s[0] == '0' && (s[1] | 0x20) == 'x')
		base = 16, i = 2;
	for (start = i; digit_val(s[i], base) >= 0; i++)
		;
	if ((end = i) == start) {
		set_err(err, EXPR_ERR_SYNTAX, off, "expected hex digits after '0x'");
		return -1;
	}
	/* Anything alphanumeric glued to the digits is a suffix, or a typo. */
	for (suf = s + end; is_alnum(s[i]); i++)
		;
	if (i > end) {
		for (k = 0; k < ARRAY_SIZE(suffixes); k++)
			if (strlen(suffixes[k].name) == i - end &&
			    !memcmp(suffixes[k].name, suf, i - end))
				break;
		if (*suf == '_') {
			set_err(err, EXPR_ERR_SYNTAX, off + end,
				"underscores are not allowed in numbers");
			return -1;
		}
		if (base == 16) {
			set_err(err, EXPR_ERR_SYNTAX, off + end,
				"suffix '%.*s' is not allowed on a hex number",
				show_len(i - end), suf);
			return -1;
		}
		if (k == ARRAY_SIZE(suffixes)) {
			set_err(err, EXPR_ERR_SYNTAX, off + end,
				"invalid suffix '%.*s' on number, expected k, M, G, T, Ki, Mi, Gi or Ti",
				show_len(i - end), suf);
			return -1;
		}
		mul = suffixes[k].mul;
	}
	for (k = start; k < end; k++)
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)digit_val(s[k], base), &v))
			break;
	if (k < end || __builtin_mul_overflow(v, mul, &v)) {
		set_err(err, EXPR_ERR_OVERFLOW, off, "number '%.*s' overflows 64 bits",
			show_len(i), s);
		return -1;
	}
	t->kind = TOK_NUM;
	t->off = off;
	t->len = i;
	t->num = v;
	return 0;
}

static int advance(struct parser *p)
{
	const char *s = p->text;
	struct token *t = &p->tok;
	size_t off = t->off + t->len;

	while (s[off] == ' ' || s[off] == '\t')
		off++;
	t->off = off;
	t->len = 1;
	if (!s[off]) {
		t->kind = TOK_END;
		t->len = 0;
	} else if (is_digit(s[off])) {
		return lex_number(s, off, t, p->err);
	} else if (is_alnum(s[off])) {
		t->kind = TOK_NAME;
		while (is_alnum(s[off + t->len]))
			t->len++;
	} else {
		t->kind = strchr("+-*/%(),", s[off]) ? s[off] : TOK_BAD;
	}
	return 0;
}

static bool tok_in(const struct parser *p, const char *set)
{
	return p->tok.kind < TOK_END && strchr(set, p->tok.kind);
}

/* Report that the current token is not the `what` that was expected. */
static void expected(struct parser *p, const char *what)
{
	const struct token *t = &p->tok;
	const char *s = p->text + t->off;
	unsigned char c = *s;

	if (t->kind == TOK_END)
		set_err(p->err, EXPR_ERR_SYNTAX, t->off,
			"unexpected end of expression, expected %s", what);
	else if (c < 0x20 || c >= 0x7f)
		set_err(p->err, EXPR_ERR_SYNTAX, t->off,
			"expected %s but found byte 0x%02x", what, c);
	else
		set_err(p->err, EXPR_ERR_SYNTAX, t->off,
			"expected %s but found '%.*s'", what, show_len(t->len), s);
}

static struct node *new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		set_err(p->err, EXPR_ERR_NOMEM, p->tok.off, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->off = p->tok.off;
	n->len = p->tok.len;
	return n;
}

/* Frees n and its following siblings; recurses only into children. */
static void free_node(struct node *n)
{
	struct node *next;

	for (; n; n = next) {
		next = n->next;
		free_node(n->kids);
		free(n);
	}
}

/* Called at every '(' so that recursion stays bounded. */
static int enter(struct parser *p)
{
	if (++p->depth <= EXPR_MAX_DEPTH)
		return 0;
	set_err(p->err, EXPR_ERR_SYNTAX, p->tok.off,
		"expression nested too deeply (limit %d)", EXPR_MAX_DEPTH);
	return -1;
}

static struct node *parse_level(struct parser *p, int level);

/* item (sep item)* appended to n's children; items are parsed at `level`. */
static int parse_list(struct parser *p, struct node *n, const char *seps, int level)
{
	struct node **tail = &n->kids, *kid;
	size_t op_off = 0;
	char op = 0;

	for (;;) {
		kid = parse_level(p, level);
		if (!kid)
			return -1;
		kid->op = op;
		kid->op_off = op_off;
		*tail = kid;
		tail = &kid->next;
		n->nkids++;
		if (!tok_in(p, seps))
			return 0;
		op = p->tok.kind;
		op_off = p->tok.off;
		if (advance(p))
			return -1;
	}
}

/* After NAME, at '(': parse the call's arguments. */
static struct node *parse_call(struct parser *p, const struct token *name)
{
	const char *s = p->text + name->off;
	struct node *call = NULL;
	size_t fn;

	for (fn = 0; fn < ARRAY_SIZE(fns); fn++)
		if (strlen(fns[fn].name) == name->len && !memcmp(fns[fn].name, s, name->len))
			break;
	if (fn == ARRAY_SIZE(fns)) {
		set_err(p->err, EXPR_ERR_SYNTAX, name->off,
			"unknown function '%.*s', expected min, max, clamp or pow2",
			show_len(name->len), s);
		return NULL;
	}
	if (enter(p) || !(call = new_node(p, N_CALL)) || advance(p))
		goto fail;
	call->fn = fn;
	call->off = name->off;
	if (p->tok.kind != ')' && parse_list(p, call, ",", 0))
		goto fail;
	if (p->tok.kind != ')') {
		expected(p, "',' or ')'");
		goto fail;
	}
	if (call->nkids < fns[fn].min_args || call->nkids > fns[fn].max_args) {
		set_err(p->err, EXPR_ERR_ARGS, name->off,
			"%s() takes %s %zu argument%s, found %zu", fns[fn].name,
			fns[fn].max_args == SIZE_MAX ? "at least" : "exactly",
			fns[fn].min_args, fns[fn].min_args == 1 ? "" : "s", call->nkids);
		goto fail;
	}
	p->depth--;
	if (advance(p))
		goto fail;
	return call;
fail:
	free_node(call);
	return NULL;
}

static struct node *parse_primary(struct parser *p)
{
	struct token t = p->tok;
	struct node *n;

	switch (t.kind) {
	case TOK_NUM:
	case TOK_NAME:
		n = new_node(p, t.kind == TOK_NUM ? N_NUM : N_NAME);
		if (!n)
			return NULL;
		if (t.kind == TOK_NUM)
			n->num = t.num;
		if (advance(p))
			break;
		/* A function name is a call only when '(' follows. */
		if (t.kind == TOK_NAME && p->tok.kind == '(') {
			free_node(n);
			return parse_call(p, &t);
		}
		return n;
	case '(':
		if (enter(p) || advance(p) || !(n = parse_level(p, 0)))
			return NULL;
		if (p->tok.kind != ')') {
			expected(p, "')'");
			break;
		}
		p->depth--;
		if (advance(p))
			break;
		return n;
	case '-':
		set_err(p->err, EXPR_ERR_SYNTAX, t.off, "negative numbers are not allowed");
		return NULL;
	default:
		expected(p, "a number, a dimension name or '('");
		return NULL;
	}
	free_node(n);
	return NULL;
}

/* level 0: sum of products, 1: product of primaries, 2: primary. */
static struct node *parse_level(struct parser *p, int level)
{
	struct node *n, *only;

	if (level == 2)
		return parse_primary(p);
	n = new_node(p, level ? N_PRODUCT : N_SUM);
	if (!n || parse_list(p, n, level ? "*/%" : "+-", level + 1)) {
		free_node(n);
		return NULL;
	}
	if (n->nkids > 1)
		return n;
	only = n->kids;		/* no operator: drop the wrapper */
	free(n);
	return only;
}

struct expr *expr_parse(const char *text, struct expr_error *err)
{
	struct expr_error dummy;
	struct parser p = { .err = err ? err : &dummy };
	struct expr *e;
	size_t len;

	memset(p.err, 0, sizeof(*p.err));
	text = text ? text : "";
	len = strnlen(text, EXPR_MAX_TEXT + 1);
	if (len > EXPR_MAX_TEXT) {
		set_err(p.err, EXPR_ERR_SYNTAX, EXPR_MAX_TEXT,
			"expression too long (limit %d bytes)", EXPR_MAX_TEXT);
		return NULL;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e) {
		set_err(p.err, EXPR_ERR_NOMEM, 0, "out of memory");
		return NULL;
	}
	memcpy(e->text, text, len);
	p.text = e->text;
	if (advance(&p))
		goto fail;
	if (p.tok.kind == TOK_END) {
		set_err(p.err, EXPR_ERR_SYNTAX, 0, "empty expression");
		goto fail;
	}
	e->root = parse_level(&p, 0);
	if (!e->root)
		goto fail;
	if (p.tok.kind != TOK_END) {
		expected(&p, "an operator or end of expression");
		goto fail;
	}
	return e;
fail:
	expr_free(e);
	return NULL;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free_node(e->root);
	free(e);
}

struct evaluator {
	const char *text;
	expr_lookup_fn lookup;
	void *ctx;
	struct expr_error *err;
};

/* *r = a <op> b, where op and its offset come from the right operand. */
static int apply(struct evaluator *ev, const struct node *rhs, uint64_t a,
		 uint64_t b, uint64_t *r)
{
	bool ovf;

	switch (rhs->op) {
	case '+':
		ovf = __builtin_add_overflow(a, b, r);
		break;
	case '*':
		ovf = __builtin_mul_overflow(a, b, r);
		break;
	case '-':
		if (b > a) {
			set_err(ev->err, EXPR_ERR_NEGATIVE, rhs->op_off,
				"'-' goes below zero (%" PRIu64 " - %" PRIu64 ")", a, b);
			return -EINVAL;
		}
		*r = a - b;
		return 0;
	default:	/* '/' and '%' */
		if (!b) {
			set_err(ev->err, EXPR_ERR_DIV_ZERO, rhs->op_off, "division by zero");
			return -EINVAL;
		}
		*r = rhs->op == '/' ? a / b : a % b;
		return 0;
	}
	if (!ovf)
		return 0;
	set_err(ev->err, EXPR_ERR_OVERFLOW, rhs->op_off,
		"'%c' overflows 64 bits (%" PRIu64 " %c %" PRIu64 ")", rhs->op, a, rhs->op, b);
	return -EINVAL;
}

static int lookup_name(struct evaluator *ev, const struct node *n, uint64_t *out)
{
	const char *name = ev->text + n->off;
	size_t len = n->len;
	int ret;

	ret = ev->lookup ? ev->lookup(ev->ctx, name, len, out) : -ENOENT;
	if (ret == -ENOMEM) {
		set_err(ev->err, EXPR_ERR_NOMEM, n->off, "out of memory");
		return -ENOMEM;
	}
	if (!ret)
		return 0;
	len = len < sizeof(ev->err->name) ? len : sizeof(ev->err->name) - 1;
	set_err(ev->err, EXPR_ERR_UNKNOWN_NAME, n->off, "unknown dimension '%.*s'",
		(int)len, name);
	memcpy(ev->err->name, name, len);
	ev->err->name[len] = '\0';
	return -EINVAL;
}

static int eval_node(struct evaluator *ev, const struct node *n, uint64_t *out)
{
	uint64_t acc = 0, v, arg[3] = { 0 };
	const struct node *k;
	size_t i;
	int ret;

	if (n->kind == N_NUM) {
		*out = n->num;
		return 0;
	}
	if (n->kind == N_NAME)
		return lookup_name(ev, n, out);
	/* Chains and calls: evaluate children left to right, folding. */
	for (k = n->kids, i = 0; k; k = k->next, i++) {
		ret = eval_node(ev, k, &v);
		if (ret)
			return ret;
		if (i < ARRAY_SIZE(arg))
			arg[i] = v;
		if (i == 0)
			acc = v;
		else if (n->kind != N_CALL)
			ret = apply(ev, k, acc, v, &acc);
		else if (n->fn == FN_MIN ? v < acc : v > acc)
			acc = v;	/* min/max; clamp and pow2 use arg[] below */
		if (ret)
			return ret;
	}
	if (n->kind == N_CALL && n->fn == FN_CLAMP) {
		if (arg[1] > arg[2]) {
			set_err(ev->err, EXPR_ERR_ARGS, n->off,
				"clamp() lower bound %" PRIu64 " is above upper bound %" PRIu64,
				arg[1], arg[2]);
			return -EINVAL;
		}
		acc = arg[0] < arg[1] ? arg[1] : arg[0] > arg[2] ? arg[2] : arg[0];
	} else if (n->kind == N_CALL && n->fn == FN_POW2) {
		if (arg[0] > 1ULL << 63) {
			set_err(ev->err, EXPR_ERR_OVERFLOW, n->off,
				"pow2(%" PRIu64 ") overflows 64 bits", arg[0]);
			return -EINVAL;
		}
		acc = arg[0] <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(arg[0] - 1));
	}
	*out = acc;
	return 0;
}

int expr_eval(const struct expr *e, expr_lookup_fn lookup, void *ctx,
	      uint64_t *value, struct expr_error *err)
{
	struct expr_error dummy;
	struct evaluator ev = { .lookup = lookup, .ctx = ctx, .err = err ? err : &dummy };
	uint64_t v;
	int ret;

	memset(ev.err, 0, sizeof(*ev.err));
	if (!e) {
		set_err(ev.err, EXPR_ERR_SYNTAX, 0, "empty expression");
		return -EINVAL;
	}
	ev.text = e->text;
	ret = eval_node(&ev, e->root, &v);
	if (!ret && value)
		*value = v;
	return ret;
}

static void walk_names(const struct expr *e, const struct node *n,
		       void (*fn)(void *ctx, const char *name, size_t len, size_t offset),
		       void *ctx)
{
	for (; n; n = n->next) {
		if (n->kind == N_NAME)
			fn(ctx, e->text + n->off, n->len, n->off);
		walk_names(e, n->kids, fn, ctx);
	}
}

void expr_for_each_name(const struct expr *e,
			void (*fn)(void *ctx, const char *name, size_t len, size_t offset),
			void *ctx)
{
	if (e && fn)
		walk_names(e, e->root, fn, ctx);
}

int expr_parse_quantity(const char *text, uint64_t *value)
{
	struct expr_error err;
	struct token t;

	if (!text || !is_digit(text[0]))
		return -EINVAL;
	if (lex_number(text, 0, &t, &err))
		return err.code == EXPR_ERR_OVERFLOW ? -ERANGE : -EINVAL;
	if (text[t.len])
		return -EINVAL;
	if (value)
		*value = t.num;
	return 0;
}
