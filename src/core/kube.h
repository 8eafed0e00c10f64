/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The pure parts of `mapsize profile --from-kubernetes`: Kubernetes
 * quantities, nearest-rank percentiles, the top-level owner (workload) of a
 * pod, and the dimensions of a built-in profile.  Internal to mapsize (the
 * tool links libmapsize.a); the JSON walk lives in tools/mapsize/. */
#ifndef MAPSIZE_KUBE_H
#define MAPSIZE_KUBE_H

#include <stddef.h>
#include <stdint.h>
#include <mapsize/mapsize.h>

/* A Kubernetes quantity (resource.Quantity's grammar: [+]digits[.digits]
 * then nothing, m k M G T P E, Ki Mi Gi Ti Pi Ei, or e/E followed by a signed
 * integer exponent) rounded UP to whole units: "7910m" -> 8, "1.5Gi" ->
 * 1610612736, "1e9" -> 1000000000.  At most KUBE_QUANTITY_DIGITS significant
 * digits (leading and trailing zeros do not count).  -EINVAL when it is not
 * a quantity (or negative), -ERANGE when the value exceeds UINT64_MAX or has
 * too many digits. */
#define KUBE_QUANTITY_DIGITS 20
int kube_quantity_parse(const char *s, uint64_t *out);

/* "100", "95", "99.9" -> hundredths of a percent (10000, 9500, 9990);
 * -EINVAL unless 0 < P <= 100 with at most two decimals. */
int kube_percentile_parse(const char *s, uint32_t *centi);
/* Nearest rank: the value at rank ceil(P/100 * n) (at least 1) of `sorted`
 * (ascending, n >= 1). */
uint64_t kube_percentile(const uint64_t *sorted, size_t n, uint32_t centi);

/* How a pod's top-level owner was found (counted in the profile's comments). */
enum kube_owner_rule {
	KUBE_OWNER_NONE,		/* no ownerReferences: the pod is its own workload */
	KUBE_OWNER_DEPLOYMENT,		/* ReplicaSet NAME-HASH -> Deployment NAME */
	KUBE_OWNER_CRONJOB,		/* Job NAME-<unix minutes> -> CronJob NAME */
	KUBE_OWNER_SELF,		/* any other owner counts as itself */
	KUBE_OWNER_RULE_CNT,
};

/* The workload of a pod whose controlling owner is `owner_kind`/`owner_name`
 * (both NULL: no owner, the workload is Pod `pod_name`).  Writes the kind
 * (static string or owner_kind) and the name (into `name`, truncated to
 * `size`).  Returns the rule applied. */
enum kube_owner_rule kube_workload(const char *pod_name, const char *owner_kind,
				   const char *owner_name, const char **kind, char *name, size_t size);

/* Dimensions of a built-in profile, in the file's order. */
struct kube_dim {
	char name[32];
	uint64_t value;
};
/* Fills up to `max` dims; returns how many, or a negative errno (*err). */
int kube_builtin_dims(const char *base, struct kube_dim *dims, size_t max,
		      struct mapsize_error *err);

#endif
