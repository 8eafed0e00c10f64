#!/usr/bin/env bash
# The built-in kernel struct sizes (src/core/kernel_consts_table.c): the
# committed table equals what tools/gen-kernel-consts.sh computes from the
# very Debian packages it names (cached in build/qemu-cache, downloaded
# through the script's private apt configuration when missing), and plans
# name where their constants came from: builtin SERIES, nearest SERIES with
# a warning naming both kernels, or btf; 5.10 plans are in the rlimit era.
. "$(dirname "$0")/lib.sh"

GEN=tools/gen-kernel-consts.sh
TABLE=src/core/kernel_consts_table.c
CACHE=${MAPSIZE_QEMU_CACHE:-build/qemu-cache}
R=examples/agent.rules.yaml

# ---- the committed table is what the packages give --------------------------
run "$GEN" --check --cache "$CACHE"
if [ "$rc" -eq 77 ]; then
	skip "committed table equals the packages' BTF" "$(grep SKIP "$TMP/err" | head -n 1)"
	skip "a changed table is caught" "no packages"
else
	expect_eq "committed table equals the packages' BTF (status; $(tail -n 1 "$TMP/err"))" "$rc" 0
	# a hand edit is caught
	sed 's/\.bpf_array = 264,/.bpf_array = 272,/' "$TABLE" >"$TMP/table.c"
	run "$GEN" --check --offline --cache "$CACHE" -o "$TMP/table.c"
	expect_eq "a changed table is caught" "$rc" 1
	grep -q '^+.*bpf_array = 264' "$TMP/out" && pass "the diff shows the field" ||
		fail "the diff shows the field" "$(head -n 20 "$TMP/out")"
fi
expect_rc "--check takes the series from the table" 2 "$GEN" --check --offline 6.1
grep -q '^ \*   5\.10: linux-image-5\.10\.' "$TABLE" && pass "5.10 comes from a Debian package" ||
	fail "5.10 comes from a Debian package"
grep -q '^ \*   6\.18: ' "$TABLE" && pass "the header says where 6.18 comes from" ||
	fail "the header says where 6.18 comes from"

# ---- plans name their constants ------------------------------------------------
for k in 5.10 6.1 6.12 6.18; do
	run "$MAPSIZE" plan "$R" --kernel "$k" --format json
	expect_eq "--kernel $k: builtin $k" "$(jqv .kernel_consts)" "builtin $k"
	expect_eq "--kernel $k: no nearest-series warning" \
		"$(jqv '[.warnings[] | select(test("nearest"))] | length')" 0
	expect_eq "--kernel $k: page size" "$(jqv .page_size)" 4096
done
run "$MAPSIZE" plan "$R" --kernel 6.6 --format json
expect_eq "--kernel 6.6: exit 0" "$rc" 0
expect_eq "--kernel 6.6: nearest 6.1" "$(jqv .kernel_consts)" "nearest 6.1"
expect_eq "--kernel 6.6: the JSON warning names both" \
	"$(jqv '[.warnings[] | select(test("for 6\\.6: .*nearest lower series 6\\.1"))] | length')" 1
grep -q 'warning: .*6\.6.*series 6\.1' "$TMP/err" && pass "--kernel 6.6: warning on stderr" ||
	fail "--kernel 6.6: warning on stderr" "$(cat "$TMP/err")"
run "$MAPSIZE" plan "$R" --kernel 6.6
grep -q '^memory model: mem_usage era, kernel struct sizes from nearest 6.1, page size 4096$' "$TMP/out" &&
	pass "--kernel 6.6: table names era, source and page size" ||
	fail "--kernel 6.6: table names era, source and page size" "$(grep 'memory model' "$TMP/out")"
run "$MAPSIZE" plan "$R" --kernel 7.1 --format json
expect_eq "--kernel 7.1: nearest 6.18" "$(jqv .kernel_consts)" "nearest 6.18"

# ---- 5.10: the rlimit era ------------------------------------------------------
run "$MAPSIZE" plan "$R" --kernel 5.10.0-46-cloud-amd64 --format json
expect_eq "5.10: plans (exit 0)" "$rc" 0
expect_eq "5.10: rlimit era" "$(jqv .kernel_era)" rlimit
expect_eq "5.10: RLIMIT_MEMLOCK must hold every map when full" \
	"$(jqv '.memlock_rlimit_min_bytes == .total_memlock_full_bytes and .memlock_rlimit_min_bytes > 0')" true
expect_eq "5.10: constant as the maps fill" \
	"$(jqv '[.maps[] | .memlock_bytes == .memlock_full_bytes and .memlock_expected_bytes == .memlock_full_bytes] | all')" true
cat >"$TMP/issue.yaml" <<'YAML'
app: issue10
maps:
  h:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: 1000
  h_np:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: 1000
    prealloc: false
  a:
    type: array
    value_size: 37
    max_entries: 4097
YAML
run "$MAPSIZE" plan "$TMP/issue.yaml" --kernel 5.10 --set cpus=2 --format json
# measured on Debian's 5.10.0-46-cloud-amd64 under qemu (2 CPUs)
expect_eq "5.10: hash 4/4 x 1000 = 20 pages" "$(jqv '.maps[] | select(.name == "h") | .memlock_bytes')" 81920
expect_eq "5.10: no-prealloc hash costs the same, empty" \
	"$(jqv '.maps[] | select(.name == "h_np") | .memlock_bytes')" 81920
expect_eq "5.10: array 37 x 4097 = 41 pages" "$(jqv '.maps[] | select(.name == "a") | .memlock_bytes')" 167936
run "$MAPSIZE" plan "$TMP/issue.yaml" --kernel 5.10 --set cpus=2
grep -q '^RLIMIT_MEMLOCK: .*at least .*(331776 bytes)' "$TMP/out" &&
	pass "5.10: the table says the total must fit RLIMIT_MEMLOCK" ||
	fail "5.10: the table says the total must fit RLIMIT_MEMLOCK" "$(grep RLIMIT "$TMP/out")"
# (rules 5.4 has every type of: the example's ring buffer would be refused first)
printf 'app: old\nmaps:\n  flows: {type: hash, key_size: 4, value_size: 8, max_entries: 1024}\n' >"$TMP/old.yaml"
expect_err "5.4: refused" 2 'no memory model for kernel 5\.4, expected 5\.10 or newer' \
	"$MAPSIZE" plan "$TMP/old.yaml" --kernel 5.4
expect_err "5.4 with a forced era: no table" 2 'no built-in kernel struct sizes for 5\.4 \(the oldest series is 5\.10\)' \
	"$MAPSIZE" plan "$TMP/old.yaml" --kernel 5.4 --kernel-era pages

# ---- a node's BTF from its kernel package --------------------------------------
if [ -s "$CACHE/btf/6.12.btf" ]; then
	run "$MAPSIZE" plan "$R" --kernel 6.12 --btf "$CACHE/btf/6.12.btf" --format json
	expect_eq "--btf from the 6.12 package: source btf" "$(jqv .kernel_consts)" btf
	expect_eq "--btf from the 6.12 package: same figures as builtin 6.12" "$(jqv .total_memlock_full_bytes)" \
		"$("$MAPSIZE" plan "$R" --kernel 6.12 --format json 2>/dev/null | jq .total_memlock_full_bytes)"
else
	skip "--btf from the 6.12 package" "no $CACHE/btf/6.12.btf"
	skip "--btf from the 6.12 package: same figures" "no $CACHE/btf/6.12.btf"
fi
finish
