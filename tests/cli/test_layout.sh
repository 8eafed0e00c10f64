#!/usr/bin/env bash
# The house rules (tools/check-layout.sh): the tree keeps them, and the
# checker catches each kind of violation when one is planted in a copy.
. "$(dirname "$0")/lib.sh"

run tools/check-layout.sh
expect_eq "the tree keeps the layout rules" "$rc $(cat "$TMP/out")" "0 "

# A throwaway tree with one clean core file and one planted violation each.
plant() { # NAME FILE CONTENT: copy the layout, plant CONTENT in FILE, run the checker
	rm -rf "$TMP/t" && mkdir -p "$TMP/t/src/core" "$TMP/t/src/kernel" "$TMP/t/tools"
	printf 'int ok(void) { return 0; }\n' >"$TMP/t/src/core/ok.c"
	mkdir -p "$(dirname "$TMP/t/$2")" && printf '%b' "$3" >"$TMP/t/$2"
	(cd "$TMP/t" && git init -q . && "$OLDPWD/tools/check-layout.sh" .) >"$TMP/out" 2>&1
	rc=$?
}
plant libbpf src/core/bad.c '#include <bpf/libbpf.h>\n'
expect_eq "core including <bpf/libbpf.h> is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 src/core/bad.c:1"
plant kernel src/core/bad.c 'int x;\n#include <linux/bpf.h>\n'
expect_eq "core including <linux/bpf.h> is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 src/core/bad.c:2"
plant fopen src/core/bad.c 'void f(void) { FILE *f = fopen("x", "r"); }\n'
expect_eq "core calling fopen is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 src/core/bad.c:1"
plant fprintf src/core/bad.h 'static void g(void) { fprintf(stderr, "x"); }\n'
expect_eq "core printing to a stream is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 src/core/bad.h:1"
plant open src/core/bad.c 'int h(void) { return open("/x", 0); }\n'
expect_eq "core calling open() is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 src/core/bad.c:1"
plant snprintf src/core/fine.c '/* never fopen() here */\nint n(char *b) { return snprintf(b, 4, "%%s", "fopen(x)"); }\n'
expect_eq "snprintf, comments and strings are not I/O" "$rc $(cat "$TMP/out")" "0 "
plant kernel-edge src/kernel/fine.c '#include <bpf/libbpf.h>\nvoid k(void) { fprintf(stderr, "x"); }\n'
expect_eq "src/kernel may include libbpf and do I/O" "$rc $(cat "$TMP/out")" "0 "
plant long tools/long.c "$(printf 'int a%d;\\n' $(seq 1 900))"
expect_eq "a source file over 850 lines is caught" "$rc $(cut -d: -f1,2 "$TMP/out")" "1 tools/long.c:900"
plant tests-long tests/long.c "$(printf 'int a%d;\\n' $(seq 1 900))"
expect_eq "tests may be long" "$rc $(cat "$TMP/out")" "0 "
finish
