// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cluster profiles: a name, dimensions, and (in override files) a base and
 * per-map overrides.  Built-in profiles are embedded from profiles/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct mapsize_builtin {
	const char *path;
	const char *text;
	size_t len;
};
extern const struct mapsize_builtin mapsize_builtins[];

static const char *const builtin_names[] = { "small", "medium", "large", NULL };

const char *const *mapsize_builtin_profile_names(void)
{
	return builtin_names;
}

const char *mapsize_builtin_profile(const char *name, size_t *len)
{
	char want[64];

	if (!name)
		return mapsize_err_ptr(-EINVAL);
	snprintf(want, sizeof(want), "/%s.yaml", name);
	for (const struct mapsize_builtin *b = mapsize_builtins; b->path; b++) {
		size_t pl = strlen(b->path), wl = strlen(want);

		if ((pl >= wl && !strcmp(b->path + pl - wl, want)) || !strcmp(b->path, want + 1)) {
			if (len)
				*len = b->len;
			return b->text;
		}
	}
	return mapsize_found(NULL);
}

/* ---- handlers ---------------------------------------------------------------- */

static int h_dimensions(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			void *obj, size_t off)
{
	struct profile *p = obj;
	int ret = yexpect_kind(w, v, YNODE_MAP, "a mapping of dimension names to numbers");

	if (ret)
		return ret;
	p->dims = calloc(v->cnt ? v->cnt : 1, sizeof(*p->dims));
	if (!p->dims)
		return error_set(w->err, -ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < v->cnt; i++) {
		struct profile_dim *d = &p->dims[p->dim_cnt];

		if (!dim_name_valid(v->keys[i]->value))
			return ywalk_error(w, v->keys[i], "'%s' is not a dimension name, expected lower-case "
					   "letters, digits and '_' starting with a letter", v->keys[i]->value);
		if (!strcmp(v->keys[i]->value, "min") || !strcmp(v->keys[i]->value, "max") ||
		    !strcmp(v->keys[i]->value, "clamp") || !strcmp(v->keys[i]->value, "pow2"))
			return ywalk_error(w, v->keys[i], "'%s' is a function name, expected another "
					   "dimension name", v->keys[i]->value);
		d->name = v->keys[i]->value;
		d->node = v->items[i];
		ret = yscalar_u64(w, v->items[i], &d->value);
		if (ret)
			return ret;
		if (!strcmp(d->name, "cpus") && (!d->value || d->value > UINT32_MAX))
			return ywalk_error(w, v->items[i], "cpus %s, expected 1..4294967295 possible CPUs "
					   "per node", v->items[i]->value);
		p->dim_cnt++;
	}
	return 0;
}

static int h_map_max_entries(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			     void *obj, size_t off)
{
	return src_expr_compile(&((struct profile_map *)obj)->max_entries, w, v, w->err);
}

static int h_map_prealloc(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
			  void *obj, size_t off)
{
	struct profile_map *m = obj;
	const char *s;
	int ret = yscalar_str(w, v, &s);

	if (ret)
		return ret;
	if (prealloc_from_str(s, &m->prealloc))
		return ywalk_error(w, v, "'%s' is not a preallocation choice, expected true, false or auto", s);
	m->has_prealloc = true;
	m->prealloc_node = v;
	return 0;
}

static const struct yhandler map_override_handlers[] = {
	{ "max_entries", h_map_max_entries, 0 },
	{ "prealloc", h_map_prealloc, 0 },
	{ NULL },
};

static int h_maps(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		  void *obj, size_t off)
{
	struct profile *p = obj;
	int ret = yexpect_kind(w, v, YNODE_MAP, "a mapping of map names to overrides");

	if (ret)
		return ret;
	p->maps = calloc(v->cnt ? v->cnt : 1, sizeof(*p->maps));
	if (!p->maps)
		return error_set(w->err, -ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < v->cnt; i++) {
		struct profile_map *m = &p->maps[p->map_cnt++];
		char what[160];

		m->name = v->keys[i]->value;
		m->name_node = v->keys[i];
		snprintf(what, sizeof(what), "the override of map '%s'", m->name);
		ret = ywalk_map(w, v->items[i], map_override_handlers, m, what);
		if (ret)
			return ret;
	}
	return 0;
}

static int h_base(const struct ywalk *w, const struct ynode *key, const struct ynode *v,
		  void *obj, size_t off)
{
	struct profile *p = obj;
	int ret = yscalar_str(w, v, &p->base);

	if (ret)
		return ret;
	p->base_node = v;
	if (!mapsize_builtin_profile(p->base, NULL))
		return ywalk_error(w, v, "unknown base profile '%s', expected small, medium or large", p->base);
	return 0;
}

static const struct yhandler profile_handlers[] = {
	{ "name", yh_str, offsetof(struct profile, name) },
	{ "description", yh_str, offsetof(struct profile, description) },
	{ "base", h_base, 0 },
	{ "dimensions", h_dimensions, 0 },
	{ "maps", h_maps, 0 },
	{ NULL },
};

/* Dimensions a built-in profile must define: the ones rules can rely on. */
static const char *const required_dims[] = {
	"nodes", "cpus", "memory", "procs", "pods", "containers", "workloads", "policies",
};

struct profile *profile_parse(const char *buf, size_t len, const char *file, bool builtin,
			      struct mapsize_error *err)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct ywalk w = { .err = err };
	int ret;

	if (!p) {
		error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	ret = ydoc_parse(buf, len, file, &p->doc, err);
	if (ret)
		goto fail;
	w.file = p->doc.file;
	if (!p->doc.root) {
		struct mapsize_loc loc = { .file = w.file, .line = 1, .col = 1 };

		ret = error_set(err, -EINVAL, &loc, "empty profile, expected a mapping with 'name' and "
				"'dimensions' (or 'base')");
		goto fail;
	}
	ret = ywalk_map(&w, p->doc.root, profile_handlers, p, "the profile");
	if (ret)
		goto fail;
	if (builtin) {
		for (size_t i = 0; i < ARRAY_SIZE(required_dims); i++) {
			bool found = false;

			for (size_t j = 0; j < p->dim_cnt; j++)
				found |= !strcmp(p->dims[j].name, required_dims[i]);
			if (!found) {
				ret = ywalk_error(&w, p->doc.root, "built-in profile lacks dimension '%s'",
						  required_dims[i]);
				goto fail;
			}
		}
		if (!p->name) {
			ret = ywalk_error(&w, p->doc.root, "no 'name', expected the profile's name");
			goto fail;
		}
	}
	p->digest = fnv1a(FNV1A_INIT, buf, len);
	return p;
fail:
	profile_free(p);
	errno = -ret;
	return NULL;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->map_cnt; i++)
		src_expr_release(&p->maps[i].max_entries);
	free(p->maps);
	free(p->dims);
	ydoc_free(&p->doc);
	free(p);
}
