// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: sizing expressions (src/core/expr.c): expr_parse, expr_eval,
 * expr_for_each_name and expr_parse_quantity on the same text.
 *
 * Besides the sanitizers, every result is compared with a small reference
 * implementation written from the grammar in src/core/expr.h (an independent
 * recursive descent that parses, then evaluates left to right with checked
 * arithmetic): both must accept the same texts, fail with the same error
 * class, and compute the same value. */
#include "fuzz_common.h"

#include "expr.h"

#define REF_MAX_DEPTH	64
#define REF_MAX_TEXT	4096

/* ---- dimensions seen by both evaluators ----------------------------------- */

/* Deterministic values with edge cases: zero, one, 2^63, UINT64_MAX, names
 * starting with 'u' are unknown, "nomem" fails the lookup. */
static int lookup(void *ctx, const char *name, size_t len, uint64_t *value)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	(void)ctx;
	if (len == 5 && !memcmp(name, "nomem", 5))
		return -ENOMEM;
	if (name[0] == 'u' || name[0] == 'U')
		return -ENOENT;
	if (len == 4 && !memcmp(name, "zero", 4))
		return *value = 0, 0;
	if (len == 3 && !memcmp(name, "big", 3))
		return *value = UINT64_MAX, 0;
	if (len == 4 && !memcmp(name, "half", 4))
		return *value = 1ULL << 63, 0;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ULL;
	/* short names small, long names large */
	*value = len <= 2 ? h % 17 : len <= 4 ? h % 100000 : h >> (h % 64);
	return 0;
}

/* ---- the reference ------------------------------------------------------------- */

struct rnode {
	int kind;		/* 'n' number, 'v' name, 'c' call, 'b' binary */
	char op;		/* binary operator */
	int fn;			/* call: 0 min, 1 max, 2 clamp, 3 pow2 */
	uint64_t num;
	size_t off, len;
	struct rnode *l, *r;	/* binary operands */
	struct rnode **args;
	size_t nargs;
};

struct ref {
	const char *s;
	size_t pos;		/* after the current token */
	int tok;		/* 'N' number, 'I' name, 'E' end, '?' bad, or the punctuation */
	size_t tok_off, tok_len;
	uint64_t tok_num;
	int depth;
	enum expr_errcode code;
	struct rnode *all[8192];
	size_t nall;
};

static bool r_digit(char c) { return c >= '0' && c <= '9'; }
static bool r_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool r_word(char c) { return r_digit(c) || r_letter(c); }

static int r_fail(struct ref *r, enum expr_errcode code)
{
	if (!r->code)
		r->code = code;
	return -1;
}

static struct rnode *r_new(struct ref *r, int kind)
{
	struct rnode *n;

	if (r->nall == sizeof(r->all) / sizeof(r->all[0]) || !(n = calloc(1, sizeof(*n))))
		abort();
	r->all[r->nall++] = n;
	n->kind = kind;
	n->off = r->tok_off;
	n->len = r->tok_len;
	return n;
}

static void r_free(struct ref *r)
{
	for (size_t i = 0; i < r->nall; i++) {
		free(r->all[i]->args);
		free(r->all[i]);
	}
}

static int r_number(struct ref *r, size_t p)
{
	const char *s = r->s;
	static const struct { const char *sfx; uint64_t mul; } sfx[] = {
		{ "k", 1000ULL }, { "M", 1000000ULL }, { "G", 1000000000ULL },
		{ "T", 1000000000000ULL }, { "Ki", 1024ULL }, { "Mi", 1048576ULL },
		{ "Gi", 1073741824ULL }, { "Ti", 1099511627776ULL },
	};
	bool hex = s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X');
	size_t q = hex ? p + 2 : p, d0 = q, d1, e;
	uint64_t v = 0, mul = 1;
	bool ovf = false;

	for (;;) {
		char c = s[q];
		unsigned int dv;

		if (r_digit(c))
			dv = (unsigned int)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			dv = (unsigned int)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			dv = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - dv) / (hex ? 16 : 10))
			ovf = true;
		v = v * (hex ? 16 : 10) + dv;
		q++;
	}
	d1 = q;
	if (d1 == d0)
		return r_fail(r, EXPR_ERR_SYNTAX);	/* "0x" without digits */
	for (e = d1; r_word(s[e]); e++)
		;
	if (e > d1) {
		size_t k;

		if (s[d1] == '_' || hex)
			return r_fail(r, EXPR_ERR_SYNTAX);
		for (k = 0; k < sizeof(sfx) / sizeof(sfx[0]); k++)
			if (strlen(sfx[k].sfx) == e - d1 && !memcmp(sfx[k].sfx, s + d1, e - d1))
				break;
		if (k == sizeof(sfx) / sizeof(sfx[0]))
			return r_fail(r, EXPR_ERR_SYNTAX);
		mul = sfx[k].mul;
	}
	if (ovf || (v && mul > UINT64_MAX / v))
		return r_fail(r, EXPR_ERR_OVERFLOW);
	r->tok = 'N';
	r->tok_off = p;
	r->tok_len = e - p;
	r->tok_num = v * mul;
	r->pos = e;
	return 0;
}

static int r_next(struct ref *r)
{
	const char *s = r->s;
	size_t p = r->pos;

	while (s[p] == ' ' || s[p] == '\t')
		p++;
	r->tok_off = p;
	if (!s[p]) {
		r->tok = 'E';
		r->tok_len = 0;
		r->pos = p;
		return 0;
	}
	if (r_digit(s[p]))
		return r_number(r, p);
	if (r_letter(s[p])) {
		size_t e = p;

		while (r_word(s[e]))
			e++;
		r->tok = 'I';
		r->tok_len = e - p;
		r->pos = e;
		return 0;
	}
	r->tok = strchr("+-*/%(),", s[p]) ? s[p] : '?';
	r->tok_len = 1;
	r->pos = p + 1;
	return 0;
}

static struct rnode *r_sum(struct ref *r);

static struct rnode *r_primary(struct ref *r)
{
	static const char *const fns[] = { "min", "max", "clamp", "pow2" };
	struct rnode *n;

	if (r->tok == 'N') {
		n = r_new(r, 'n');
		n->num = r->tok_num;
		return r_next(r) ? NULL : n;
	}
	if (r->tok == '(') {
		if (++r->depth > REF_MAX_DEPTH)
			return r_fail(r, EXPR_ERR_SYNTAX), NULL;
		if (r_next(r) || !(n = r_sum(r)))
			return NULL;
		if (r->tok != ')')
			return r_fail(r, EXPR_ERR_SYNTAX), NULL;
		r->depth--;
		return r_next(r) ? NULL : n;
	}
	if (r->tok != 'I')
		return r_fail(r, EXPR_ERR_SYNTAX), NULL;	/* '-' included: no negatives */
	n = r_new(r, 'v');
	if (r_next(r))
		return NULL;
	if (r->tok != '(')
		return n;
	n->kind = 'c';
	for (n->fn = 0; n->fn < 4; n->fn++)
		if (strlen(fns[n->fn]) == n->len && !memcmp(fns[n->fn], r->s + n->off, n->len))
			break;
	if (n->fn == 4)
		return r_fail(r, EXPR_ERR_SYNTAX), NULL;
	if (++r->depth > REF_MAX_DEPTH || r_next(r))
		return r_fail(r, EXPR_ERR_SYNTAX), NULL;
	/* ( ")" | sum ("," sum)* ")" ): a ',' must be followed by an argument */
	while (r->tok != ')') {
		struct rnode *a = r_sum(r), **v;

		if (!a)
			return NULL;
		v = realloc(n->args, (n->nargs + 1) * sizeof(*v));
		if (!v)
			abort();
		n->args = v;
		n->args[n->nargs++] = a;
		if (r->tok == ')')
			break;
		if (r->tok != ',')
			return r_fail(r, EXPR_ERR_SYNTAX), NULL;
		if (r_next(r))
			return NULL;
		if (r->tok == ')')
			return r_fail(r, EXPR_ERR_SYNTAX), NULL;
	}
	if ((n->fn < 2 && n->nargs < 2) || (n->fn == 2 && n->nargs != 3) ||
	    (n->fn == 3 && n->nargs != 1))
		return r_fail(r, EXPR_ERR_ARGS), NULL;
	r->depth--;
	return r_next(r) ? NULL : n;
}

static struct rnode *r_product(struct ref *r)
{
	struct rnode *l = r_primary(r);

	while (l && (r->tok == '*' || r->tok == '/' || r->tok == '%')) {
		struct rnode *b = r_new(r, 'b');

		b->op = (char)r->tok;
		b->l = l;
		if (r_next(r) || !(b->r = r_primary(r)))
			return NULL;
		l = b;
	}
	return l;
}

static struct rnode *r_sum(struct ref *r)
{
	struct rnode *l = r_product(r);

	while (l && (r->tok == '+' || r->tok == '-')) {
		struct rnode *b = r_new(r, 'b');

		b->op = (char)r->tok;
		b->l = l;
		if (r_next(r) || !(b->r = r_product(r)))
			return NULL;
		l = b;
	}
	return l;
}

static int r_eval(struct ref *r, const struct rnode *n, uint64_t *out)
{
	uint64_t a, b;
	int ret;

	switch (n->kind) {
	case 'n':
		*out = n->num;
		return 0;
	case 'v':
		ret = lookup(NULL, r->s + n->off, n->len, out);
		if (ret == -ENOMEM)
			return r_fail(r, EXPR_ERR_NOMEM);
		return ret ? r_fail(r, EXPR_ERR_UNKNOWN_NAME) : 0;
	case 'b':
		if (r_eval(r, n->l, &a) || r_eval(r, n->r, &b))
			return -1;
		switch (n->op) {
		case '+':
			if (a > UINT64_MAX - b)
				return r_fail(r, EXPR_ERR_OVERFLOW);
			*out = a + b;
			return 0;
		case '-':
			if (b > a)
				return r_fail(r, EXPR_ERR_NEGATIVE);
			*out = a - b;
			return 0;
		case '*':
			if (a && b > UINT64_MAX / a)
				return r_fail(r, EXPR_ERR_OVERFLOW);
			*out = a * b;
			return 0;
		default:
			if (!b)
				return r_fail(r, EXPR_ERR_DIV_ZERO);
			*out = n->op == '/' ? a / b : a % b;
			return 0;
		}
	default: {
		uint64_t v[3] = { 0 }, acc = 0;

		for (size_t i = 0; i < n->nargs; i++) {
			if (r_eval(r, n->args[i], &a))
				return -1;
			if (i < 3)
				v[i] = a;
			if (!i || (n->fn == 0 && a < acc) || (n->fn == 1 && a > acc))
				acc = a;
		}
		if (n->fn == 2) {
			if (v[1] > v[2])
				return r_fail(r, EXPR_ERR_ARGS);
			acc = v[0] < v[1] ? v[1] : v[0] > v[2] ? v[2] : v[0];
		} else if (n->fn == 3) {
			if (v[0] > (1ULL << 63))
				return r_fail(r, EXPR_ERR_OVERFLOW);
			for (acc = 1; acc < v[0]; acc <<= 1)
				;
		}
		*out = acc;
		return 0;
	}
	}
}

/* 0 and *value, or -1 with r->code; *parsed tells whether it parsed. */
static int ref_run(struct ref *r, const char *text, uint64_t *value, bool *parsed)
{
	struct rnode *root;

	memset(r, 0, sizeof(*r));
	r->s = text;
	*parsed = false;
	if (strlen(text) > REF_MAX_TEXT)
		return r_fail(r, EXPR_ERR_SYNTAX);
	if (r_next(r))
		return -1;
	if (r->tok == 'E')
		return r_fail(r, EXPR_ERR_SYNTAX);
	root = r_sum(r);
	if (!root)
		return -1;
	if (r->tok != 'E')
		return r_fail(r, EXPR_ERR_SYNTAX);
	*parsed = true;
	return r_eval(r, root, value);
}

/* ---- the harness ---------------------------------------------------------------- */

struct names {
	const char *text;
	size_t len, cnt;
};

static void check_name(void *ctx, const char *name, size_t len, size_t offset)
{
	struct names *n = ctx;

	fuzz_check(len && offset + len <= n->len && !memcmp(n->text + offset, name, len),
		   "name at %zu (+%zu) is not in the text", offset, len);
	fuzz_check(r_letter(name[0]), "name starts with 0x%02x", (unsigned char)name[0]);
	for (size_t i = 0; i < len; i++)
		fuzz_check(r_word(name[i]), "name byte 0x%02x", (unsigned char)name[i]);
	fuzz_check(!r_word(n->text[offset + len]), "name cut short at %zu", offset + len);
	n->cnt++;
}

static void check_expr_error(const struct expr_error *ee, size_t len)
{
	fuzz_check(ee->code != EXPR_OK, "error without a code");
	fuzz_check(ee->msg[0] && !strchr(ee->msg, '\n'), "message: '%s'", ee->msg);
	fuzz_check(ee->offset <= len, "offset %zu past the text (%zu)", ee->offset, len);
}

static struct ref ref;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	size_t len = strlen(text);
	struct expr_error ee, ee2;
	struct expr *e;
	uint64_t v = 0, v2 = 0, q = 0, rv = 0;
	bool rparsed;
	int ret, qret, rret;

	fuzz_quiet();
	rret = ref_run(&ref, text, &rv, &rparsed);
	r_free(&ref);
	qret = expr_parse_quantity(text, &q);

	e = expr_parse(text, &ee);
	if (!e) {
		check_expr_error(&ee, len);
		fuzz_check(!rparsed, "expr_parse rejects what the grammar accepts: %s", ee.msg);
		fuzz_check(ee.code == ref.code, "parse error class %d, reference %d: %s", ee.code,
			   ref.code, ee.msg);
		fuzz_check(qret, "a quantity that is not an expression");
		if (qret == -ERANGE && len <= REF_MAX_TEXT)
			fuzz_check(ee.code == EXPR_ERR_OVERFLOW, "quantity out of range, expr: %s", ee.msg);
		free(text);
		return 0;
	}
	fuzz_check(rparsed, "expr_parse accepts what the grammar rejects (reference code %d)",
		   ref.code);
	fuzz_check(ee.code == EXPR_OK, "parsed with error code %d", ee.code);
	{
		struct names n = { .text = text, .len = len };

		expr_for_each_name(e, check_name, &n);
	}

	ret = expr_eval(e, lookup, NULL, &v, &ee);
	if (ret) {
		check_expr_error(&ee, len);
		fuzz_check(ret == (ee.code == EXPR_ERR_NOMEM ? -ENOMEM : -EINVAL), "eval returned %d", ret);
		fuzz_check(rret, "eval fails (%s) where the reference gives %llu", ee.msg,
			   (unsigned long long)rv);
		fuzz_check(ee.code == ref.code, "eval error class %d, reference %d: %s", ee.code,
			   ref.code, ee.msg);
		if (ee.code == EXPR_ERR_UNKNOWN_NAME)
			fuzz_check(ee.name[0] && !strncmp(text + ee.offset, ee.name, strlen(ee.name)),
				   "unknown name '%s' is not at offset %zu", ee.name, ee.offset);
	} else {
		fuzz_check(ee.code == EXPR_OK, "success with error code %d", ee.code);
		fuzz_check(!rret, "eval gives %llu where the reference fails with %d",
			   (unsigned long long)v, ref.code);
		fuzz_check(v == rv, "eval gives %llu, reference %llu", (unsigned long long)v,
			   (unsigned long long)rv);
	}
	/* Evaluation is repeatable and does not depend on the error pointer. */
	fuzz_check(expr_eval(e, lookup, NULL, &v2, &ee2) == ret && (ret || v2 == v), "eval twice");
	fuzz_check(expr_eval(e, lookup, NULL, NULL, NULL) == ret, "eval without out pointers");
	if (!qret) {
		ret = expr_eval(e, NULL, NULL, &v2, &ee2);
		fuzz_check(!ret && v2 == q, "quantity %llu, expression %llu (%s)",
			   (unsigned long long)q, (unsigned long long)v2, ee2.msg);
	}
	expr_free(e);
	free(text);
	return 0;
}
