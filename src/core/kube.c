// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Kubernetes figures for `mapsize profile --from-kubernetes`: quantities,
 * nearest-rank percentiles and workload identity (see kube.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "kube.h"
#include "model.h"

typedef unsigned __int128 u128;

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits of a quantity as S x 10^zeros: S has the significant digits
 * (leading and trailing zeros are not), `zeros` the trailing zeros so far. */
struct digits {
	u128 sig;
	int sig_cnt, zeros;
	bool any;
};

/* Appends the digits at *p; *count counts every digit taken. */
static int take_digits(const char **p, struct digits *d, int *count)
{
	for (; is_digit(**p); (*p)++) {
		d->any = true;
		(*count)++;
		if (**p == '0') {
			d->zeros += d->sig_cnt > 0;
			continue;
		}
		if (d->sig_cnt + d->zeros + 1 > KUBE_QUANTITY_DIGITS)
			return -ERANGE;
		for (; d->zeros; d->zeros--, d->sig_cnt++)
			d->sig *= 10;
		d->sig = d->sig * 10 + (unsigned)(**p - '0');
		d->sig_cnt++;
	}
	return 0;
}

/* The suffix after the number: a power of two (`shift`) or of ten (`exp10`). */
static int quantity_suffix(const char *p, int *shift, int *exp10)
{
	static const char binary[] = "KMGTPE", decimal[] = "mkMGTPE";
	static const int decimal_exp[] = { -3, 3, 6, 9, 12, 15, 18 };
	const char *hit;

	if (!*p)
		return 0;
	if (p[1] == 'i' && !p[2] && (hit = strchr(binary, p[0])) && *hit) {
		*shift = 10 * (int)(hit - binary + 1);
		return 0;
	}
	if (!p[1] && (hit = strchr(decimal, p[0])) && *hit) {
		*exp10 = decimal_exp[hit - decimal];
		return 0;
	}
	if (*p == 'e' || *p == 'E') {
		bool neg = false;
		int e = 0;

		p++;
		if (*p == '+' || *p == '-')
			neg = *p++ == '-';
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++)
			if (e < 100000)		/* beyond this every value over- or underflows alike */
				e = e * 10 + (*p - '0');
		if (*p)
			return -EINVAL;
		*exp10 = neg ? -e : e;
		return 0;
	}
	return -EINVAL;
}

int kube_quantity_parse(const char *s, uint64_t *out)
{
	int int_digits = 0, frac = 0, shift = 0, exp10 = 0, e, ret;
	struct digits d = { 0 };
	const char *p = s;
	u128 num;

	if (!s)
		return -EINVAL;
	if (*p == '+')
		p++;
	ret = take_digits(&p, &d, &int_digits);
	if (!ret && *p == '.') {
		p++;
		ret = take_digits(&p, &d, &frac);
	}
	if (ret)
		return ret;
	if (!d.any || quantity_suffix(p, &shift, &exp10))
		return -EINVAL;
	/* value = sig x 10^(zeros - frac + exp10) x 2^shift */
	num = d.sig << shift;		/* sig < 10^20 < 2^67, shift <= 60: fits */
	e = exp10 - frac + d.zeros;
	if (e >= 0) {
		for (int i = 0; i < e && num; i++) {
			if (num > UINT64_MAX)
				return -ERANGE;
			num *= 10;
		}
	} else if (-e > 38) {
		num = num ? 1 : 0;	/* 10^39 > 2^127 > num: rounds up to one unit */
	} else {
		u128 den = 1;

		for (int i = 0; i < -e; i++)
			den *= 10;
		num = (num + den - 1) / den;
	}
	if (num > UINT64_MAX)
		return -ERANGE;
	if (out)
		*out = (uint64_t)num;
	return 0;
}

int kube_percentile_parse(const char *s, uint32_t *centi)
{
	uint32_t whole = 0, hundredths = 0;
	const char *p = s;
	int decimals = 0;

	if (!s || !is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		whole = whole * 10 + (uint32_t)(*p - '0');
		if (whole > 100)
			return -EINVAL;
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++, decimals++) {
			if (decimals == 2)
				return -EINVAL;
			hundredths = hundredths * 10 + (uint32_t)(*p - '0');
		}
		if (!decimals)
			return -EINVAL;
		if (decimals == 1)
			hundredths *= 10;
	}
	if (*p)
		return -EINVAL;
	whole = whole * 100 + hundredths;
	if (!whole || whole > 10000)
		return -EINVAL;
	*centi = whole;
	return 0;
}

uint64_t kube_percentile(const uint64_t *sorted, size_t n, uint32_t centi)
{
	/* rank = ceil(P/100 * n) = ceil(centi * n / 10000) */
	uint64_t rank = ((uint64_t)centi * n + 9999) / 10000;

	if (!n)
		return 0;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* The Deployment controller names a ReplicaSet NAME-HASH with the pod
 * template hash written in rand.SafeEncodeString's alphabet, up to 10
 * characters (a 32-bit FNV hash). */
static bool is_template_hash(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 10 && strspn(s, "bcdfghjklmnpqrstvwxz2456789") == len;
}

/* The CronJob controller names a Job NAME-<scheduled time in Unix minutes>:
 * 8 digits from 1989 to 2160, so 8 or more digits. */
static bool is_unix_minutes(const char *s)
{
	size_t len = strlen(s);

	return len >= 8 && strspn(s, "0123456789") == len;
}

enum kube_owner_rule kube_workload(const char *pod_name, const char *owner_kind,
				   const char *owner_name, const char **kind, char *name, size_t size)
{
	const char *dash;

	if (!owner_kind || !owner_name) {
		*kind = "Pod";
		snprintf(name, size, "%s", pod_name);
		return KUBE_OWNER_NONE;
	}
	dash = strrchr(owner_name, '-');
	if (dash && dash > owner_name) {
		int prefix = (int)(dash - owner_name);

		if (!strcmp(owner_kind, "ReplicaSet") && is_template_hash(dash + 1)) {
			*kind = "Deployment";
			snprintf(name, size, "%.*s", prefix, owner_name);
			return KUBE_OWNER_DEPLOYMENT;
		}
		if (!strcmp(owner_kind, "Job") && is_unix_minutes(dash + 1)) {
			*kind = "CronJob";
			snprintf(name, size, "%.*s", prefix, owner_name);
			return KUBE_OWNER_CRONJOB;
		}
	}
	*kind = owner_kind;
	snprintf(name, size, "%s", owner_name);
	return KUBE_OWNER_SELF;
}

int kube_builtin_dims(const char *base, struct kube_dim *dims, size_t max,
		      struct mapsize_error *err)
{
	size_t len, cnt = 0;
	const char *text = mapsize_builtin_profile(base, &len);
	struct profile *p;

	if (!text)
		return error_set(err, -ENOENT, NULL, "unknown base profile '%s', expected small, medium "
				 "or large", base);
	p = profile_parse(text, len, base, true, err);
	if (!p)
		return -errno;
	for (size_t i = 0; i < p->dim_cnt && cnt < max; i++, cnt++) {
		snprintf(dims[cnt].name, sizeof(dims[cnt].name), "%s", p->dims[i].name);
		dims[cnt].value = p->dims[i].value;
	}
	profile_free(p);
	return (int)cnt;
}
