/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The tools' one JSON path: a small tree whose integers are exact over the
 * whole of int64 and uint64 (jansson's are signed 64-bit: a u64 above
 * INT64_MAX turned negative or was refused as "too big integer"), its writer
 * (the layout of jansson's JSON_INDENT(2) | JSON_PRESERVE_ORDER, so outputs
 * keep their bytes) and a reader with file:line:column errors.
 *
 * Ownership as jansson's *_new calls: jv_object_set_new() and
 * jv_array_append_new() take the value (a NULL value adds nothing and
 * returns -1). */
#ifndef MAPSIZE_TOOLS_JSON_H
#define MAPSIZE_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jv_type { JV_NULL, JV_TRUE, JV_FALSE, JV_INT, JV_REAL, JV_STRING, JV_ARRAY, JV_OBJECT };

typedef struct jv jv_t;

jv_t *jv_object(void);
jv_t *jv_array(void);
/* NULL for a NULL or invalid UTF-8 string, as jansson. */
jv_t *jv_string(const char *s);
jv_t *jv_integer(int64_t v);
jv_t *jv_u64(uint64_t v);
/* NULL for NaN and infinities (JSON has none). */
jv_t *jv_real(double v);
jv_t *jv_null(void);
jv_t *jv_boolean(bool v);
void jv_decref(jv_t *v);

int jv_object_set_new(jv_t *obj, const char *key, jv_t *val);
int jv_array_append_new(jv_t *arr, jv_t *val);

enum jv_type jv_typeof(const jv_t *v);
jv_t *jv_object_get(const jv_t *obj, const char *key);
size_t jv_object_size(const jv_t *obj);
/* The idx-th key/value of an object in insertion order; NULL past the end. */
const char *jv_object_key_at(const jv_t *obj, size_t idx, jv_t **val);
size_t jv_array_size(const jv_t *arr);
jv_t *jv_array_get(const jv_t *arr, size_t idx);
const char *jv_string_value(const jv_t *v);
/* An integer's value as int64 (0 when not an integer or out of range). */
int64_t jv_integer_value(const jv_t *v);
/* true and the value when v is an integer in [0, UINT64_MAX]. */
bool jv_u64_value(const jv_t *v, uint64_t *out);
static inline bool jv_is_integer(const jv_t *v) { return v && jv_typeof(v) == JV_INT; }
static inline bool jv_is_string(const jv_t *v) { return v && jv_typeof(v) == JV_STRING; }
static inline bool jv_is_object(const jv_t *v) { return v && jv_typeof(v) == JV_OBJECT; }
static inline bool jv_is_array(const jv_t *v) { return v && jv_typeof(v) == JV_ARRAY; }
static inline bool jv_is_true(const jv_t *v) { return v && jv_typeof(v) == JV_TRUE; }
static inline bool jv_is_null(const jv_t *v) { return v && jv_typeof(v) == JV_NULL; }

#define jv_array_foreach(arr, i, v) \
	for ((i) = 0; (i) < jv_array_size(arr) && ((v) = jv_array_get((arr), (i))); (i)++)

/* The text: two-space indent, keys in insertion order, no final newline;
 * reals with `precision` significant digits (0: 17, jansson's default).
 * malloc'd; NULL when out of memory. */
char *jv_dumps(const jv_t *v, int precision);
/* The same on one line ("," and ":" without spaces): JSON Lines records. */
char *jv_dumps_compact(const jv_t *v, int precision);

/* Where and why a document did not parse: 1-based line and column (in
 * bytes), "what, expected what". */
struct jv_error {
	unsigned int line, column;
	char text[200];
};
/* Parses one JSON document; NULL on error, described in *err. */
jv_t *jv_loads(const char *text, size_t len, struct jv_error *err);
/* The file at `path` (at most max_bytes) parsed; NULL on error: line 0 when
 * the file could not be read (text: why), else where it does not parse. */
jv_t *jv_load_file(const char *path, size_t max_bytes, struct jv_error *err);

#endif
