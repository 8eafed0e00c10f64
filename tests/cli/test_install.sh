#!/usr/bin/env bash
# make install: files land under DESTDIR, pkg-config finds the library, and a
# program built only from the installed files links and runs.
. "$(dirname "$0")/lib.sh"

D="$TMP/root"
# Packaging is checked on the plain build: an ASan-instrumented libmapsize.so
# cannot be linked by a program built without the sanitizer runtime.
expect_rc "make install DESTDIR" 0 env -u MAKEFLAGS -u MAKELEVEL make -s install O=build SANITIZE= DESTDIR="$D" PREFIX=/usr
for f in usr/bin/mapsize usr/include/mapsize/mapsize.h usr/include/mapsize/bpf.h \
	 usr/include/mapsize/memory.h usr/include/mapsize/overflow.h usr/include/mapsize/bpf_overflow.h \
	 usr/lib/pkgconfig/libmapsize.pc usr/share/man/man8/mapsize.8 \
	 usr/share/bash-completion/completions/mapsize; do
	[ -f "$D/$f" ] && pass "installed $f" || fail "installed $f" "missing"
done
[ -L "$D/usr/lib/libmapsize.so" ] && pass "libmapsize.so symlink" || fail "libmapsize.so symlink" "missing"
expect_eq "pkg-config version" \
	"$(PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" pkg-config --modversion libmapsize)" \
	"$(sed -n 's/^#define MAPSIZE_VERSION "\(.*\)"/\1/p' include/mapsize/mapsize.h)"
cat > "$TMP/user.c" <<'C'
#include <stdio.h>
#include <mapsize/mapsize.h>
int main(void)
{
	struct mapsize_error err;
	const char *yaml = "app: u\nmaps:\n  m: {type: hash, key_size: 4, value_size: 8, max_entries: procs * 2}\n";
	struct mapsize_rules *r = mapsize_rules__parse(yaml, 0 + __builtin_strlen(yaml), "u.yaml", &err);
	struct mapsize_planner *pl = mapsize_planner__new(NULL, &err);
	struct mapsize_plan *p = mapsize_planner__plan(pl, r);
	printf("%u\n", mapsize_plan__map(p, 0)->max_entries);
	mapsize_plan__free(p);
	mapsize_planner__free(pl);
	mapsize_rules__free(r);
	return 0;
}
C
# shellcheck disable=SC2046
if gcc -o "$TMP/user" "$TMP/user.c" $(PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" \
	pkg-config --cflags --libs libmapsize) 2>"$TMP/cc.err"; then
	pass "a program links from the installed files"
	expect_eq "it plans (medium procs 32768 * 2)" "$(LD_LIBRARY_PATH="$D/usr/lib" "$TMP/user")" "65536"
else
	fail "a program links from the installed files" "$(head -c 400 "$TMP/cc.err")"
fi
"$MAPSIZE" gen-header examples/agent.rules.yaml -o "$TMP/plan.h"
printf '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include "plan.h"\n#include <mapsize/bpf_overflow.h>\n' >"$TMP/ovf.bpf.c"
if ! command -v clang >/dev/null || [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
	skip "a BPF program builds with the installed <mapsize/bpf_overflow.h>" "clang or libbpf-dev not installed"
elif clang -target bpf -O2 -g -I"/usr/include/$(gcc -print-multiarch)" -I"$D/usr/include" -I"$TMP" \
	-c "$TMP/ovf.bpf.c" -o "$TMP/ovf.bpf.o" 2>"$TMP/cc.err"; then
	pass "a BPF program builds with the installed <mapsize/bpf_overflow.h>"
else
	fail "a BPF program builds with the installed <mapsize/bpf_overflow.h>" "$(head -c 400 "$TMP/cc.err")"
fi
expect_rc "man page renders" 0 sh -c "man -l '$D/usr/share/man/man8/mapsize.8' >/dev/null 2>&1 || groff -man -Tutf8 '$D/usr/share/man/man8/mapsize.8' >/dev/null 2>&1 || [ -s '$D/usr/share/man/man8/mapsize.8' ]"
finish
