// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kubectl's JSON -> struct kube_cluster.  Every complaint names the file and
 * the JSON path of the field (jq syntax), what was there and what was expected. */
#include <errno.h>
#include "json.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_read.h"

#define WORKLOAD_SEP "\x1f"
/* kubectl get pods -A -o json of a large cluster runs to hundreds of MiB */
#define KUBE_MAX_FILE_BYTES ((size_t)1 << 30)

struct reader {
	const char *file;
	const char *want_kind;		/* "Node" or "Pod" */
	const char *command;		/* the kubectl command that prints the file */
};

static int __attribute__((format(printf, 3, 4)))
bad(const struct reader *r, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: %s: ", r->file, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static const char *kind_name(const jv_t *v)
{
	switch (jv_typeof(v)) {
	case JV_OBJECT:	return "an object";
	case JV_ARRAY:	return "an array";
	case JV_STRING:	return "a string";
	case JV_INT:
	case JV_REAL:		return "a number";
	case JV_TRUE:
	case JV_FALSE:	return "a boolean";
	default:		return "null";
	}
}

/* obj.key as `type` (JV_OBJECT, JV_ARRAY or JV_STRING); *out NULL when
 * absent and optional. */
static int field(const struct reader *r, const jv_t *obj, const char *path, const char *key,
		 enum jv_type type, bool required, jv_t **out)
{
	static const char *const want[] = { [JV_OBJECT] = "an object", [JV_ARRAY] = "an array",
					     [JV_STRING] = "a string" };
	jv_t *v = jv_object_get(obj, key);

	*out = NULL;
	if (!v || (jv_is_null(v) && !required))
		return required ? bad(r, path, "no '%s', expected %s (the shape `%s` prints)", key,
				      want[type], r->command) : 0;
	if (jv_typeof(v) != type)
		return bad(r, path, "'%s' is %s, expected %s", key, kind_name(v), want[type]);
	*out = v;
	return 0;
}

static int string_field(const struct reader *r, const jv_t *obj, const char *path,
			const char *key, bool required, const char **out)
{
	jv_t *v;

	if (field(r, obj, path, key, JV_STRING, required, &v))
		return -1;
	*out = v ? jv_string_value(v) : NULL;
	return 0;
}

/* The List document: its items, each an object of the expected kind. */
static jv_t *load_items(const struct reader *r, jv_t **root)
{
	struct jv_error jerr;
	jv_t *items, *v;
	const char *kind;
	size_t i;

	*root = jv_load_file(r->file, KUBE_MAX_FILE_BYTES, &jerr);
	if (!*root) {
		if (!jerr.line)
			fprintf(stderr, "%s: error: cannot read it: %s\n", r->file, jerr.text);
		else
			fprintf(stderr, "%s:%u:%u: error: %s (in the JSON `%s` prints)\n",
				r->file, jerr.line, jerr.column, jerr.text, r->command);
		return NULL;
	}
	if (!jv_is_object(*root)) {
		bad(r, ".", "the document is %s, expected an object of kind List (`%s`)",
		    kind_name(*root), r->command);
		return NULL;
	}
	kind = jv_string_value(jv_object_get(*root, "kind"));
	if (!kind || (strcmp(kind, "List") && (strncmp(kind, r->want_kind, strlen(r->want_kind)) ||
					       strcmp(kind + strlen(r->want_kind), "List")))) {
		bad(r, ".kind", "'%s', expected List (or %sList), the kind `%s` prints",
		    kind ? kind : "(none)", r->want_kind, r->command);
		return NULL;
	}
	if (field(r, *root, ".", "items", JV_ARRAY, true, &items))
		return NULL;
	jv_array_foreach(items, i, v) {
		char path[64];

		snprintf(path, sizeof(path), ".items[%zu]", i);
		if (!jv_is_object(v)) {
			bad(r, path, "%s, expected an object (a %s)", kind_name(v), r->want_kind);
			return NULL;
		}
		kind = jv_string_value(jv_object_get(v, "kind"));
		if (kind && strcmp(kind, r->want_kind)) {
			snprintf(path, sizeof(path), ".items[%zu].kind", i);
			bad(r, path, "'%s', expected %s: is this the output of `%s`?", kind, r->want_kind,
			    r->command);
			return NULL;
		}
	}
	return items;
}

/* status.<section>.<key> as a quantity, rounded up, at least 1. */
static int node_quantity(const struct reader *r, jv_t *item, size_t i, const char *section,
			 const char *key, const char *unit, char *raw, size_t raw_size, uint64_t *out)
{
	jv_t *status, *sec, *q;
	uint64_t u;
	char path[128];
	int ret;

	snprintf(path, sizeof(path), ".items[%zu]", i);
	if (field(r, item, path, "status", JV_OBJECT, true, &status))
		return -1;
	snprintf(path, sizeof(path), ".items[%zu].status", i);
	if (field(r, status, path, section, JV_OBJECT, true, &sec))
		return -1;
	snprintf(path, sizeof(path), ".items[%zu].status.%s", i, section);
	q = jv_object_get(sec, key);
	if (!q)
		return bad(r, path, "no '%s', expected a quantity (%s)", key, unit);
	snprintf(path, sizeof(path), ".items[%zu].status.%s.%s", i, section, key);
	if (jv_u64_value(q, &u))
		snprintf(raw, raw_size, "%llu", (unsigned long long)u);
	else if (jv_is_string(q))
		snprintf(raw, raw_size, "%s", jv_string_value(q));
	else
		return bad(r, path, "%s, expected a quantity string such as \"8\" or \"16Gi\"",
			   kind_name(q));
	ret = kube_quantity_parse(jv_is_string(q) ? jv_string_value(q) : raw, out);
	if (ret == -ERANGE)
		return bad(r, path, "'%s' is out of range, expected at most 18446744073709551615 %s and "
			   "%d significant digits", raw, unit, KUBE_QUANTITY_DIGITS);
	if (ret)
		return bad(r, path, "'%s' is not a Kubernetes quantity, expected digits with an optional "
			   "fraction and suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<exponent>)",
			   raw);
	if (!*out)
		return bad(r, path, "'%s' is zero, expected at least one %s", raw, unit);
	return 0;
}

void kube_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kube_node *)a)->name, ((const struct kube_node *)b)->name);
}

int kube_read_nodes(const char *file, struct kube_cluster *c)
{
	const struct reader r = { file, "Node", "kubectl get nodes -o json" };
	jv_t *root, *items = load_items(&r, &root), *item, *meta;
	int ret = -1;
	size_t i;

	if (!items)
		goto out;
	if (!jv_array_size(items)) {
		bad(&r, ".items", "no nodes, expected at least one Node item");
		goto out;
	}
	c->nodes = calloc(jv_array_size(items), sizeof(*c->nodes));
	if (!c->nodes) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	jv_array_foreach(items, i, item) {
		struct kube_node *n = &c->nodes[i];
		const char *name;
		char path[64];

		snprintf(path, sizeof(path), ".items[%zu]", i);
		if (field(&r, item, path, "metadata", JV_OBJECT, true, &meta))
			goto out;
		snprintf(path, sizeof(path), ".items[%zu].metadata", i);
		if (string_field(&r, meta, path, "name", true, &name))
			goto out;
		n->name = strdup(name);
		c->node_cnt++;
		if (!n->name) {
			fprintf(stderr, "error: out of memory\n");
			goto out;
		}
		kube_printable(n->name);	/* it goes into YAML comments */
		if (node_quantity(&r, item, i, "capacity", "cpu", "CPU", n->cpu_raw, sizeof(n->cpu_raw),
				  &n->cpus) ||
		    node_quantity(&r, item, i, "allocatable", "memory", "byte", n->memory_raw,
				  sizeof(n->memory_raw), &n->memory))
			goto out;
		if (n->cpus > UINT32_MAX) {
			snprintf(path, sizeof(path), ".items[%zu].status.capacity.cpu", i);
			bad(&r, path, "'%s' CPUs, expected at most 4294967295", n->cpu_raw);
			goto out;
		}
	}
	qsort(c->nodes, c->node_cnt, sizeof(*c->nodes), node_cmp);
	for (i = 1; i < c->node_cnt; i++)
		if (!strcmp(c->nodes[i - 1].name, c->nodes[i].name)) {
			bad(&r, ".items", "node '%s' appears twice, expected each node once",
			    c->nodes[i].name);
			goto out;
		}
	ret = 0;
out:
	jv_decref(root);
	return ret;
}

/* The controlling owner (controller: true), else the first; NULLs if none. */
static int pod_owner(const struct reader *r, jv_t *meta, const char *meta_path,
		     const char **kind, const char **name)
{
	jv_t *refs, *ref, *chosen = NULL;
	char path[160];
	size_t i;

	*kind = *name = NULL;
	if (field(r, meta, meta_path, "ownerReferences", JV_ARRAY, false, &refs))
		return -1;
	if (!refs)
		return 0;
	jv_array_foreach(refs, i, ref) {
		const char *k, *n;

		snprintf(path, sizeof(path), "%s.ownerReferences[%zu]", meta_path, i);
		if (!jv_is_object(ref))
			return bad(r, path, "%s, expected an object with kind and name", kind_name(ref));
		if (string_field(r, ref, path, "kind", true, &k) || string_field(r, ref, path, "name", true, &n))
			return -1;
		if (!chosen || (jv_is_true(jv_object_get(ref, "controller")) &&
				!jv_is_true(jv_object_get(chosen, "controller")))) {
			chosen = ref;
			*kind = k;
			*name = n;
		}
	}
	return 0;
}

static int count_containers(const struct reader *r, jv_t *spec, const char *spec_path,
			    uint64_t *cnt)
{
	jv_t *v;

	if (field(r, spec, spec_path, "containers", JV_ARRAY, true, &v))
		return -1;
	*cnt = jv_array_size(v);
	if (field(r, spec, spec_path, "initContainers", JV_ARRAY, false, &v))
		return -1;
	*cnt += v ? jv_array_size(v) : 0;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kube_read_pods(const char *file, struct kube_cluster *c)
{
	const struct reader r = { file, "Pod", "kubectl get pods -A -o json" };
	jv_t *root, *items = load_items(&r, &root), *item, *meta, *spec, *status;
	int ret = -1;
	size_t i, w;

	if (!items)
		goto out;
	c->workloads = calloc(jv_array_size(items) + 1, sizeof(*c->workloads));
	if (!c->workloads) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	jv_array_foreach(items, i, item) {
		const char *ns, *name, *node, *okind, *oname, *wkind, *phase = NULL;
		char path[64], meta_path[64], spec_path[64], wname[512], kind[128];
		struct kube_node key, *n;
		uint64_t containers;
		int len;

		snprintf(path, sizeof(path), ".items[%zu]", i);
		snprintf(meta_path, sizeof(meta_path), ".items[%zu].metadata", i);
		snprintf(spec_path, sizeof(spec_path), ".items[%zu].spec", i);
		if (field(&r, item, path, "metadata", JV_OBJECT, true, &meta) ||
		    field(&r, item, path, "spec", JV_OBJECT, true, &spec) ||
		    field(&r, item, path, "status", JV_OBJECT, false, &status) ||
		    string_field(&r, meta, meta_path, "name", true, &name) ||
		    string_field(&r, meta, meta_path, "namespace", true, &ns) ||
		    pod_owner(&r, meta, meta_path, &okind, &oname) ||
		    string_field(&r, spec, spec_path, "nodeName", false, &node) ||
		    count_containers(&r, spec, spec_path, &containers))
			goto out;
		if (status) {
			snprintf(path, sizeof(path), ".items[%zu].status", i);
			if (string_field(&r, status, path, "phase", false, &phase))
				goto out;
		}
		c->pod_cnt++;
		c->finished += phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
		key.name = (char *)node;
		n = node ? bsearch(&key, c->nodes, c->node_cnt, sizeof(*c->nodes), node_cmp) : NULL;
		if (!node || !*node) {
			c->unscheduled++;
		} else if (!n) {
			c->on_unknown_node++;
		} else {
			n->pods++;
			n->containers += containers;
		}
		kube_workload(name, okind, oname, &wkind, wname, sizeof(wname));
		snprintf(kind, sizeof(kind), "%s", wkind);
		kube_printable(kind);		/* the kinds go into YAML comments */
		len = asprintf(&c->workloads[c->workload_cnt], "%s" WORKLOAD_SEP "%s" WORKLOAD_SEP "%s",
			       ns, kind, wname);
		if (len < 0) {
			c->workloads[c->workload_cnt] = NULL;
			fprintf(stderr, "error: out of memory\n");
			goto out;
		}
		c->workload_cnt++;
	}
	/* distinct: namespace, kind and name together are the identity */
	qsort(c->workloads, c->workload_cnt, sizeof(*c->workloads), str_cmp);
	for (i = w = 0; i < c->workload_cnt; i++) {
		if (w && !strcmp(c->workloads[w - 1], c->workloads[i])) {
			free(c->workloads[i]);
			continue;
		}
		c->workloads[w++] = c->workloads[i];
	}
	c->workload_cnt = w;
	ret = 0;
out:
	jv_decref(root);
	return ret;
}

void kube_cluster_free(struct kube_cluster *c)
{
	for (size_t i = 0; i < c->node_cnt; i++)
		free(c->nodes[i].name);
	free(c->nodes);
	for (size_t i = 0; i < c->workload_cnt; i++)
		free(c->workloads[i]);
	free(c->workloads);
	memset(c, 0, sizeof(*c));
}
