#!/usr/bin/env bash
# Issue 17 item 2: size limits per target kernel.  om_bigkey.bpf.o's hash of
# maps has an inner template with 4,098-byte keys (and two static inner
# hashes like it): hash keys over 512 bytes are first in Linux 5.11
# (c6bde958a62b "bpf: Lift hashtab key_size limit"; tests/kernel/availprobe.c
# measures it on the live kernel and under qemu).  The chain
# rules init -> rules check -> plan -> verify --maps-only works on a target
# of 5.11 or newer; a 5.10 target is refused naming the object (when there
# is one), the map, the limit and the first release that accepts it.
source "$(dirname "$0")/lib.sh"

M=$MAPSIZE
OBJ=$O/tests/bpf/om_bigkey.bpf.o
R=$TMP/bigkey.yaml
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }
[ -f "$OBJ" ] || { skip "om_bigkey" "$OBJ not built (clang with BPF target missing)"; finish; exit; }

expect_rc "rules init drafts the 4,098-byte keys" 0 "$M" rules init --object "$OBJ" -o "$R"
expect_eq "the inner template's key_size in the draft" \
	"$(sed -n '/^  path_sets.inner:/,/^$/s/^    key_size: //p' "$R")" 4098
run "$M" rules check "$R" --object "$OBJ"
expect_eq "rules check clean" "$rc $(grep -c ': clean$' "$TMP/out")" "0 1"

run "$M" plan "$R" --kernel 6.1 --format json
expect_eq "plan --kernel 6.1 accepts: kernel, inner key_size, max_entries" \
	"$rc $(jqv '.kernel') $(jqv '.maps[] | select(.name == "path_sets.inner") | "\(.key_size) \(.max_entries)"')" \
	"0 6.1 4098 64"
run "$M" plan "$R" --kernel 5.11 --format json
expect_eq "plan --kernel 5.11 accepts (the first release)" "$rc $(jqv '.kernel')" "0 5.11"

# 5.10: refused at the rule's key_size, naming the map, the limit, the
# target and the first release with its commit; exit 2
expect_err "plan --kernel 5.10 refuses the first 4,098-byte key" 2 \
	"^$R:15:15: error: map 'paths_a': key_size 4098 exceeds 512, the limit of Linux 5.10 \(target\) for type hash \(MAX_BPF_STACK, E2BIG\); first accepted in Linux 5.11 \(commit c6bde958a62b \"bpf: Lift hashtab key_size limit\"\); expected key_size at most 512 or a target kernel of 5.11 or newer$" \
	"$M" plan "$R" --kernel 5.10.0-35-amd64
[ -s "$TMP/out" ] && fail "plan --kernel 5.10 prints no plan" "$(head -c 200 "$TMP/out")"
# the inner template alone: its own line and column
awk '/^  paths_[ab]:/ { skip = 1; next } /^  [^ #]/ { skip = 0 } !skip' "$R" >"$TMP/inner.yaml"
line=$(grep -n '^  path_sets.inner:' "$TMP/inner.yaml" | cut -d: -f1)
expect_err "plan --kernel 5.10 refuses the inner template's key" 2 \
	"^$TMP/inner.yaml:$((line + 2)):15: error: map 'path_sets.inner': key_size 4098 exceeds 512, the limit of Linux 5.10 \(target\)" \
	"$M" plan "$TMP/inner.yaml" --kernel 5.10
expect_rc "the inner template alone plans for 6.1" 0 "$M" plan "$TMP/inner.yaml" --kernel 6.1
# with an object: named after the map
expect_err "report --object --kernel 5.10 names the object" 2 \
	"^$R:15:15: error: map 'paths_a' \(object $OBJ\): key_size 4098 exceeds 512, the limit of Linux 5.10 \(target\)" \
	"$M" report "$R" --object "$OBJ" --kernel 5.10
expect_err "plan --object --kernel 5.10 names the object" 2 \
	"^$R:15:15: error: map 'paths_a' \(object $OBJ\): key_size 4098 exceeds 512, the limit of Linux 5.10 \(target\)" \
	"$M" plan "$R" --object "$OBJ" --kernel 5.10
expect_err "migrate --object --kernel 5.10 names the object" 2 \
	"^$R:15:15: error: map 'paths_a' \(object $OBJ\): key_size 4098 exceeds 512, the limit of Linux 5.10 \(target\)" \
	"$M" migrate "$R" --object "$OBJ" --kernel 5.10 --dry-run

# The default target is the running kernel.
running=$(uname -r)
kv=$(( $(echo "$running" | cut -d. -f1) * 256 + $(echo "$running" | cut -d. -f2 | sed 's/[^0-9].*//') ))
if [ "$kv" -ge $((5 * 256 + 11)) ]; then
	run "$M" plan "$R" --format json
	expect_eq "plan (running kernel) accepts" "$rc $(jqv '.kernel')" "0 $(echo "$running" | cut -d. -f1-2 | sed 's/[^0-9.].*//')"
else
	expect_err "plan (running kernel $running) refuses" 2 "key_size 4098 exceeds 512, the limit of Linux" \
		"$M" plan "$R"
fi
if [ "$(id -u)" -ne 0 ]; then
	skip "verify --maps-only" "needs root"
elif [ "$kv" -lt $((5 * 256 + 11)) ]; then
	skip "verify --maps-only" "the running kernel $running is before 5.11"
else
	run "$M" verify "$R" --object "$OBJ" --maps-only --format json
	expect_eq "verify --maps-only: exit, mismatches, maps, memlock exact" \
		"$rc $(jqv '.mismatches') $(jqv '[.maps[] | select(.name | test("^path"))] | length') $(jqv '[.maps[] | select(.predicted_memlock_bytes != .kernel_memlock_bytes)] | length')" \
		"0 0 4 0"
	expect_err "verify --maps-only --kernel 5.10 names the object" 2 \
		"^$R:15:15: error: map 'paths_a' \(object $OBJ\): key_size 4098 exceeds 512" \
		"$M" verify "$R" --object "$OBJ" --maps-only --kernel 5.10
fi
finish
