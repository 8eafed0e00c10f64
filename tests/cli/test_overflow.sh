#!/usr/bin/env bash
# <mapsize/bpf_overflow.h> from the outside: what a BPF C author sees when the
# generated header is missing or a map has no slot, and the demo agent's
# --fill, which pushes maps past their size from BPF and reports the
# overflow counters (live kernel, root).  The exact counter values are
# tests/kernel/test_overflow.c's.
. "$(dirname "$0")/lib.sh"

AGENT=$O/demo/mapsize-demo-agent
MULTIARCH=$(gcc -print-multiarch 2>/dev/null)

# bpf_cc NAME FILE: compile a BPF C file, output in $TMP/cc.err, status in $rc
bpf_cc() {
	clang -target bpf -O2 -g -Wall ${MULTIARCH:+-I/usr/include/$MULTIARCH} -Iinclude -I"$TMP" \
		-c "$1" -o "$TMP/x.bpf.o" 2>"$TMP/cc.err"
	rc=$?
}

if ! command -v clang >/dev/null || [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
	skip "BPF C with <mapsize/bpf_overflow.h>" "clang or libbpf-dev (bpf/bpf_helpers.h) not installed"
else
	"$MAPSIZE" gen-header examples/agent.rules.yaml -o "$TMP/plan.h" || fail "gen-header"
	prog='SEC("syscall")
int put(void *ctx)
{
	__u32 k = 1;
	__u64 v = 0;

	return MAPSIZE_UPDATE(execve_map_stats, &k, &v, BPF_ANY) ? 1 : 0;
}
char LICENSE[] SEC("license") = "GPL";'
	maps='struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, __u64); } execve_map_stats SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } not_in_rules SEC(".maps");'

	printf '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include "plan.h"\n#include <mapsize/bpf_overflow.h>\n%s\n%s\n' \
		"$maps" "$prog" >"$TMP/ok.bpf.c"
	bpf_cc "$TMP/ok.bpf.c"
	expect_eq "generated header + <mapsize/bpf_overflow.h> + MAPSIZE_UPDATE compile" "$rc $(head -c 300 "$TMP/cc.err")" "0 "

	printf '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include <mapsize/bpf_overflow.h>\n%s\n%s\n' \
		"$maps" "$prog" >"$TMP/nohdr.bpf.c"
	bpf_cc "$TMP/nohdr.bpf.c"
	expect_eq "without the generated header: #error naming gen-header" \
		"$rc $(grep -c 'error: "<mapsize/bpf_overflow.h>: MAPSIZE_OVERFLOW_SLOTS is not defined: include the header written by `mapsize gen-header RULES -o FILE`' "$TMP/cc.err")" "1 1"

	grep -v '^#define MAPSIZE_OVERFLOW_SLOTS' "$TMP/plan.h" >"$TMP/old.h"
	sed 's/"plan.h"/"old.h"/' "$TMP/ok.bpf.c" >"$TMP/old.bpf.c"
	bpf_cc "$TMP/old.bpf.c"
	expect_eq "a header without the slot list (older mapsize): the same #error" \
		"$rc $(grep -c 'error: "<mapsize/bpf_overflow.h>: MAPSIZE_OVERFLOW_SLOTS is not defined' "$TMP/cc.err")" "1 1"

	printf '#include <linux/bpf.h>\n#include "plan.h"\n#include <mapsize/bpf_overflow.h>\n' >"$TMP/nohelpers.bpf.c"
	bpf_cc "$TMP/nohelpers.bpf.c"
	expect_eq "without <bpf/bpf_helpers.h>: #error" \
		"$rc $(grep -c 'error: "<mapsize/bpf_overflow.h>: include <bpf/bpf_helpers.h> first"' "$TMP/cc.err")" "1 1"

	sed 's/MAPSIZE_UPDATE(execve_map_stats,/MAPSIZE_UPDATE(not_in_rules,/' "$TMP/ok.bpf.c" >"$TMP/noslot.bpf.c"
	bpf_cc "$TMP/noslot.bpf.c"
	expect_eq "MAPSIZE_UPDATE of a map without a rule does not compile (no slot)" \
		"$rc $(grep -c "no member named 'not_in_rules'" "$TMP/cc.err")" "1 1"
fi

# ---- the demo agent's --fill ------------------------------------------------------------

expect_err "--fill without a count" 2 "^mapsize-demo-agent: --fill: expected MAP=COUNT\[@START\]" \
	"$AGENT" --fill execve_map
expect_err "--fill count 0" 2 "expected MAP=COUNT" "$AGENT" --fill execve_map=0
expect_err "--fill above bpf_loop's limit" 2 "COUNT 1..8388608" "$AGENT" --fill execve_map=8388609
expect_err "--fill keys past 2^32" 2 "within 0..4294967295" "$AGENT" --fill execve_map=10@4294967290
expect_rc "--help mentions --fill" 0 "$AGENT" --help
expect_eq "--help: --fill" "$(grep -c -- '--fill MAP=COUNT\[@START\]' "$TMP/out")" "1"

if [ "$(id -u)" -ne 0 ]; then
	skip "demo agent --fill (live kernel)" "not root (uid $(id -u)): loading BPF objects needs root or CAP_BPF"
	finish
	exit
fi
SMALL=(--map-size=small --no-attach --set maps.execve_map.max_entries=1024 --set maps.execve_map.prealloc=true
       --set maps.addr4_lpm.max_entries=256)
expect_rc "--fill execve_map and addr4_lpm past their size (json)" 0 \
	"$AGENT" "${SMALL[@]}" --fill execve_map=1100 --fill addr4_lpm=300@167772160 --fill tg_parents_bin=3000 --format json
expect_eq "fills: map, program, inserts failed, counted by class" \
	"$(jqv '.fills[] | "\(.map) \(.program) \(.map_id) \(.start) \(.count) \(.failed) \(.counted.E2BIG) \(.counted.ENOSPC) \(.counted.ENOMEM) \(.counted.other)"')" \
	"execve_map fill_map 0 1073741824 1100 76 76 0 0 0
addr4_lpm fill_lpm 12 167772160 300 44 0 44 0 0
tg_parents_bin fill_map 1 1073741824 3000 0 0 0 0 0"
expect_eq "the counter map is listed, unmanaged" \
	"$(jqv '.maps[] | select(.name == "mapsize_overflow") | "\(.type) \(.status) \(.max_entries) \(.value_size)"')" \
	"percpu_array unmanaged 1 512"
expect_rc "--fill (table)" 0 "$AGENT" "${SMALL[@]}" --fill execve_map=1030@5
expect_eq "table: one line per fill" "$(grep '^fill ' "$TMP/out")" \
	"fill execve_map: fill_map inserted 1030 keys (5..1034), 6 failed; overflow counters (slot 0): +6 E2BIG"
expect_err "--fill of a map the object lacks" 1 "^mapsize-demo-agent: --fill: the object has no map nosuch$" \
	"$AGENT" "${SMALL[@]}" --fill nosuch=5
expect_err "--fill of a map the programs do not fill" 1 "^mapsize-demo-agent: --fill data_heap: fill_map refused: not a map it fills" \
	"$AGENT" "${SMALL[@]}" --fill data_heap=5
finish
