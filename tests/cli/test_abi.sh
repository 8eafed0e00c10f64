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
else
	fail "a program links against the shared library" "$(head -c 400 "$TMP/cc.err")"
fi
finish
