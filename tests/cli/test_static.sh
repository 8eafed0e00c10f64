#!/usr/bin/env bash
# `make static`: the static mapsize links (it lacked -lm) and behaves as the
# dynamic one: the same plan to the byte, and a live-kernel command works.
. "$(dirname "$0")/lib.sh"

S="$O/mapsize-static"
case "$O" in *-san*) skip "static mapsize" "no sanitizers with -static"; finish; exit ;; esac
if [ ! -x "$S" ]; then
	fail "static mapsize built" "no $S (make static)"
	finish; exit
fi
expect_eq "mapsize-static is statically linked" \
	"$(file -L "$S" | grep -Eo 'statically linked|static-pie linked' | head -1 | sed 's/static-pie/statically/')" \
	"statically linked"
"$S" plan examples/agent.rules.yaml --format json >"$TMP/static.json" 2>"$TMP/static.err"; src=$?
"$MAPSIZE" plan examples/agent.rules.yaml --format json >"$TMP/dyn.json" 2>/dev/null
expect_eq "static plan --format json exits 0" "$src" "0"
expect_eq "static plan --format json = the dynamic binary's, byte for byte" \
	"$(cmp "$TMP/static.json" "$TMP/dyn.json" >/dev/null && echo same || echo differ)" "same"
expect_eq "the plan is not empty (16 maps)" "$(jq '.maps | length' "$TMP/static.json")" "16"
run "$S" status --format json
expect_eq "static status --format json on the live kernel exits 0" "$rc" "0"
expect_eq "... and prints a JSON object with maps" "$(jq -r '.maps | type' "$TMP/out" 2>/dev/null)" "array"
finish
