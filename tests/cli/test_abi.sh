#!/usr/bin/env bash
# The shared library's ABI: only the public API of include/mapsize/*.h is
# exported, every symbol under the MAPSIZE_0.1 version node; mapsize_version()
# at run time; extensible structs checked by their sz.
. "$(dirname "$0")/lib.sh"

SO=$(ls "$O"/libmapsize.so.* 2>/dev/null | head -1)
if [ -z "$SO" ]; then
	fail "shared library built" "no $O/libmapsize.so.*"
	finish; exit
fi
nm -D --defined-only "$SO" | awk '$3 != "MAPSIZE_0.1" {print $3}' | sort >"$TMP/exported"
cat include/mapsize/*.h | tr -s ' \t\n' ' ' | grep -o 'mapsize_[a-z0-9_]*(' | tr -d '(' | sort -u >"$TMP/declared"
expect_eq "every exported symbol is versioned MAPSIZE_0.1" \
	"$(grep -vc '@@MAPSIZE_0.1$' "$TMP/exported")" "0"
sed 's/@@MAPSIZE_0.1$//' "$TMP/exported" >"$TMP/names"
expect_eq "exported = the functions declared in include/mapsize/*.h" \
	"$(diff "$TMP/names" "$TMP/declared" | grep '^[<>]' | tr '\n' ' ')" ""
expect_eq "no internal helper is exported (read_file, strbuf_*, expr_*, ydoc_*)" \
	"$(grep -cE '^(read_file|write_file_atomic|strbuf_|expr_|ydoc_|error_set|mapsize_pr@)' "$TMP/exported")" "0"
expect_eq "the version script lists exactly the declared API" \
	"$(sed -n 's/^\t\t\(mapsize_[a-z0-9_]*\);$/\1/p' src/libmapsize.map | sort | diff - "$TMP/declared" | grep -c '^[<>]')" "0"

cat >"$TMP/abi.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <mapsize/mapsize.h>
#include <mapsize/memory.h>
#include <mapsize/migrate.h>
int main(void)
{
	struct mapsize_error err;
	struct mapsize_kernel_consts bad = { 0 };
	MAPSIZE_OPTS(mapsize_kernel_consts, good);
	struct { struct mapsize_planner_opts o; char tail[8]; } newer = { .o.sz = sizeof(newer) };
	struct mapsize_planner *pl;

	printf("version %s %s\n", mapsize_version(), MAPSIZE_VERSION);
	printf("sz0 %d\n", mapsize_kernel_consts__builtin("6.18", &bad));
	int ret = mapsize_kernel_consts__builtin("6.18", &good);

	printf("sz %d %u\n", ret, good.bpf_htab);
	pl = mapsize_planner__new(&newer.o, &err);
	printf("newer-zero-tail %s\n", pl ? "ok" : "refused");
	mapsize_planner__free(pl);
	newer.tail[3] = 1;
	pl = mapsize_planner__new(&newer.o, &err);
	printf("newer-set-tail %s %d\n", pl ? "ok" : "refused", err.code);
	/* the tail padding after __last_field is not a request (a designated
	 * initializer need not zero it) */
	struct mapsize_migrate_opts mo;
	MAPSIZE_OPTS(mapsize_migrate_spec, spec, .max_entries = 8);
	struct mapsize_migrate_result res = { .sz = sizeof(res) };

	memset(&mo, 0xff, sizeof(mo));
	mo.sz = sizeof(mo);
	mo.min_change_pct = 0;
	mo.dry_run = true;
	mo.no_batch = false;
	ret = mapsize_pin__migrate("/nonexistent/mapsize-abi", &spec, &mo, &res);
	printf("padding-garbage %s\n", ret == -EINVAL ? "refused" : "accepted");
	return 0;
}
C
# The sanitizer build's library needs the sanitizer runtime in the program too.
case "$SO" in *-san/*) san="-fsanitize=address,undefined" ;; *) san="" ;; esac
mkdir -p "$TMP/lib" && ln -sf "$PWD/$SO" "$TMP/lib/libmapsize.so.0"
# shellcheck disable=SC2086
if gcc $san -Iinclude -o "$TMP/abi" "$TMP/abi.c" "$TMP/lib/libmapsize.so.0" 2>"$TMP/cc.err"; then
	LD_LIBRARY_PATH="$TMP/lib" "$TMP/abi" >"$TMP/abi.out" 2>&1
	v=$(sed -n 's/^#define MAPSIZE_VERSION "\(.*\)"/\1/p' include/mapsize/mapsize.h)
	expect_eq "mapsize_version() at run time" "$(sed -n 1p "$TMP/abi.out")" "version $v $v"
	expect_eq "a caller-allocated struct without sz is refused" "$(sed -n 2p "$TMP/abi.out")" "sz0 -22"
	expect_eq "with sz it is filled (bpf_htab 832 on 6.18)" "$(sed -n 3p "$TMP/abi.out")" "sz 0 832"
	expect_eq "a newer caller's opts with a zero tail are accepted" "$(sed -n 4p "$TMP/abi.out")" "newer-zero-tail ok"
	expect_eq "a newer caller's opts asking for more are refused" "$(sed -n 5p "$TMP/abi.out")" "newer-set-tail refused -22"
	expect_eq "opts whose tail padding holds garbage are accepted" "$(sed -n 6p "$TMP/abi.out")" "padding-garbage accepted"
else
	fail "a program links against the shared library" "$(head -c 400 "$TMP/cc.err")"
fi

# The archive: one object whose internals are local, so nm -g lists only the
# API, and a program may define names the library uses inside (issue 16 #6).
A="$O/libmapsize.a"
nm -g --defined-only "$A" | awk 'NF == 3 {print $3}' | sort >"$TMP/a-names"
expect_eq "libmapsize.a defines no global symbol without the mapsize_ prefix" \
	"$(grep -v '^mapsize_' "$TMP/a-names" | head -5 | tr '\n' ' ')" ""
expect_eq "libmapsize.a's globals = the functions declared in include/mapsize/*.h" \
	"$(diff "$TMP/a-names" "$TMP/declared" | grep '^[<>]' | tr '\n' ' ')" ""
expect_eq "every declaration in include/mapsize/*.h carries MAPSIZE_API" \
	"$(cat include/mapsize/*.h | grep -E '^[a-z].*[ *]mapsize_[a-z0-9_]*\(' | grep -vc '^MAPSIZE_API ')" "0"
cat >"$TMP/own.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <mapsize/mapsize.h>
/* The program's own helpers, named as libmapsize's internals. */
int read_file(const char *path) { return (int)strlen(path); }
int error_set(int x) { return x + 1; }
void strbuf_addf(char *out) { strcpy(out, "mine"); }
uint64_t fnv1a(uint64_t h) { return h * 3; }
int main(int argc, char **argv)
{
	struct mapsize_error err;
	struct mapsize_rules *r = mapsize_rules__load_file(argv[1], &err);
	char buf[8];

	strbuf_addf(buf);
	printf("own %d %d %s %llu\n", read_file("abc"), error_set(4), buf,
	       (unsigned long long)fnv1a(5));
	printf("lib %s %zu\n", r ? mapsize_rules__app(r) : err.msg, r ? mapsize_rules__map_cnt(r) : 0);
	mapsize_rules__free(r);
	return 0;
}
C
want_lib="lib demo-agent 16"	# examples/agent.rules.yaml: app and map count
# shellcheck disable=SC2046,SC2086
if gcc $san -Iinclude -o "$TMP/own-a" "$TMP/own.c" "$A" $(pkg-config --libs libbpf yaml-0.1) -lelf -lz -lm \
	2>"$TMP/cc.err"; then
	run "$TMP/own-a" examples/agent.rules.yaml
	expect_eq "a program defining read_file, error_set, strbuf_addf, fnv1a links libmapsize.a: its own" \
		"$(sed -n 1p "$TMP/out")" "own 3 5 mine 15"
	expect_eq "... and the library's (rules loaded through its read_file)" "$(sed -n 2p "$TMP/out")" "$want_lib"
else
	fail "a program defining read_file, error_set, strbuf_addf, fnv1a links libmapsize.a" "$(head -c 400 "$TMP/cc.err")"
fi
# shellcheck disable=SC2086
if gcc $san -Iinclude -o "$TMP/own-so" "$TMP/own.c" "$TMP/lib/libmapsize.so.0" 2>"$TMP/cc.err"; then
	LD_LIBRARY_PATH="$TMP/lib" "$TMP/own-so" examples/agent.rules.yaml >"$TMP/out" 2>&1
	expect_eq "the same program links libmapsize.so: its own" "$(sed -n 1p "$TMP/out")" "own 3 5 mine 15"
	expect_eq "... and the library's" "$(sed -n 2p "$TMP/out")" "$want_lib"
else
	fail "a program defining read_file, error_set, strbuf_addf, fnv1a links libmapsize.so" "$(head -c 400 "$TMP/cc.err")"
fi

# Every opts struct publishes TYPE__last_field, naming its last member (OPTS_VALID
# checks a caller's sz up to it), and each call has its own opts struct.
grep -ho '^struct mapsize_[a-z_]*_opts {' include/mapsize/*.h | sed 's/^struct \(.*\) {/\1/' | sort >"$TMP/opts"
grep -ho '^#define mapsize_[a-z_]*_opts__last_field' include/mapsize/*.h | sed 's/^#define \(.*\)__last_field/\1/' |
	sort >"$TMP/lastf"
expect_eq "every public opts struct has its __last_field" "$(comm -23 "$TMP/opts" "$TMP/lastf" | tr '\n' ' ')" ""
{
	echo '#include <stddef.h>'
	for h in include/mapsize/*.h; do
		case $h in *bpf_overflow.h) ;; *) echo "#include <mapsize/${h##*/}>" ;; esac
	done
	echo '#define END(T) (offsetof(struct T, T##__last_field) + sizeof(((struct T *)0)->T##__last_field))'
	while read -r t; do
		echo "_Static_assert(sizeof(struct $t) - END($t) < 8, \"$t: __last_field is not its last member\");"
	done <"$TMP/opts"
	echo 'int main(void) { return 0; }'
} >"$TMP/lastf.c"
run gcc -Iinclude -o "$TMP/lastf" "$TMP/lastf.c"
expect_eq "each __last_field is its struct's last member" "$rc $(head -c 300 "$TMP/err")" "0 "
expect_eq "create and grow have their own opts structs" \
	"$(grep -c 'mapsize_inner_create_opts \*opts\|mapsize_inner_grow_opts \*opts' include/mapsize/bpf.h) $(grep -c 'struct mapsize_inner_opts' include/mapsize/bpf.h)" "2 0"

# The error convention of mapsize.h: pointers NULL with errno (ENOENT for a lookup that finds
# nothing), ints a negative errno, and a NULL object EINVAL, not a crash (issue 16).
cat >"$TMP/errconv.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <mapsize/mapsize.h>
#include <mapsize/report.h>
#include <mapsize/status.h>
#include <mapsize/bpf.h>
#define P(e) do { errno = 0; const void *r_ = (e); printf("%s %d\n", r_ ? "ptr" : "NULL", errno); } while (0)
#define I(e) do { printf("%d\n", (int)(e)); } while (0)
int main(void)
{
	struct mapsize_error err;
	static const char text[] = "app: a\nmaps:\n  m: {type: array, key_size: 4, value_size: 4, max_entries: 8}\n";
	struct mapsize_rules *rules = mapsize_rules__parse(text, sizeof(text) - 1, "r", &err);
	struct mapsize_planner *pl = mapsize_planner__new(NULL, &err);
	struct mapsize_plan *plan = mapsize_planner__plan(pl, rules);
	struct mapsize_status *st = mapsize_status__new();
	uint64_t v;
	char buf[64];

	printf("setup %s\n", rules && pl && plan && st ? "ok" : "failed");
	P(mapsize_planner__plan(pl, NULL));		/* crashed */
	P(mapsize_plan__header(NULL));			/* crashed */
	P(mapsize_rules__parse(NULL, 0, "r", &err));	/* libyaml assertion */
	P(mapsize_plan__find(plan, "nope"));		/* NULL, errno 0 */
	P(mapsize_plan__map(plan, 99));
	P(mapsize_builtin_profile("nope", NULL));
	P(mapsize_status__find_id(st, 12345));
	P(mapsize_plan__find(plan, "m"));
	I(mapsize_report__add_plan(NULL, "small", plan, &err));	/* crashed */
	I(mapsize_planner__set(NULL, "cpus=4"));	/* crashed */
	I(mapsize_plan__dim_value(NULL, "cpus", &v));	/* crashed */
	I(mapsize_error__format(NULL, buf, sizeof(buf)));	/* crashed */
	I(mapsize_macro_name(NULL, buf, sizeof(buf)));	/* crashed */
	P(mapsize_plan__apply(plan, NULL, NULL, &err));	/* crashed */
	P(mapsize_applied__map(NULL, 0));		/* crashed */
	I(mapsize_file__write_atomic(NULL, "x", 1, &err));	/* crashed */
	mapsize_status__free(st);
	mapsize_plan__free(plan);
	mapsize_planner__free(pl);
	mapsize_rules__free(rules);
	fflush(stdout);
	return 0;
}
C
# shellcheck disable=SC2086
if gcc $san -Iinclude -o "$TMP/errconv" "$TMP/errconv.c" "$TMP/lib/libmapsize.so.0" 2>"$TMP/cc.err"; then
	LD_LIBRARY_PATH="$TMP/lib" "$TMP/errconv" >"$TMP/out" 2>/dev/null
	expect_eq "error convention: NULL+EINVAL for NULL objects, NULL+ENOENT for lookups, -EINVAL ints" \
		"$(tr '\n' ' ' <"$TMP/out")" \
		"setup ok NULL 22 NULL 22 NULL 22 NULL 2 NULL 2 NULL 2 NULL 2 ptr 0 -22 -22 -22 -22 -22 NULL 22 NULL 22 -22 "
else
	fail "the error convention program links" "$(head -c 400 "$TMP/cc.err")"
fi
finish
