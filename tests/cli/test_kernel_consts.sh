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
grep -q '^ \*   6\.18: linux-image-6\.18\.[0-9]*+deb13-cloud-amd64 ' "$TABLE" &&
	pass "6.18 comes from Debian's own 6.18 package" || fail "6.18 comes from Debian's own 6.18 package"
# since 7.x Debian ships the image in linux-binary-<release>-cloud-amd64
for k in 7.2 7.3; do
	grep -q "^ \*   ${k//./\\.}: linux-binary-${k//./\\.}\.[0-9]*+deb1[0-9]-cloud-amd64 " "$TABLE" &&
		pass "$k comes from Debian's linux-binary package" ||
		fail "$k comes from Debian's linux-binary package" "$(grep "^ \*   $k" "$TABLE")"
done

# ---- plans name their constants ------------------------------------------------
for k in 5.10 6.1 6.12 6.18 7.2 7.3; do
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

# ---- --kernel of the running kernel's series: the built-in sizes vs its BTF ------
# Another build of a series (other config) can have other struct sizes than
# Debian's package the table was read from: the plan then warns, naming each
# struct and the difference.  Expected texts are computed here from
# kconsts-dump of the BTF and the committed table, so this holds on any build.
DUMP=build/tools/kconsts-dump
# a plain build tool, also under `make test SANITIZE=1` (whose SANITIZE=1 make passes on)
[ -x "$DUMP" ] || make -s SANITIZE= "$DUMP" >/dev/null 2>&1
RUN_SERIES=$(uname -r | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
# expected_diff BTF SERIES: what mapsize_kernel_consts__diff() says about the
# BTF against the table's SERIES (empty: they agree)
expected_diff() {
	"$DUMP" "$2=$1=x" | awk -v s="$2" '
		/\.version = / { cur = "" }
		/^\t\t\t\.source = "builtin / { cur = $4; gsub(/[",]/, "", cur) }
		cur != s { next }
		/^\t\t\t\.[a-z_]* = [0-9]+,$/ { f = $1; sub(/^\./, "", f); v = $3; sub(/,/, "", v); print f, v }
		/not in this kernel/ { f = $1; sub(/^\./, "", f); print f, "none" }
		/^\t\t\t\.lpm_mem_alloc = / { v = $3; sub(/,/, "", v); print "lpm_mem_alloc", v }' >"$TMP/dump.kv"
	awk -v s="$2" '
		/^\t\t\.consts = \{/ { ent = "" }
		/^\t\t\t\.source = "builtin / { ent = $4; gsub(/[",]/, "", ent); next }
		ent != s { next }
		/^\t\t\t\.[a-z_]* = [0-9a-z]+,/ { f = $1; sub(/^\./, "", f); v = $3; sub(/,/, "", v); print f, v }' \
		"$TABLE" >"$TMP/table.kv"
	awk -v s="$2" '
		BEGIN { split("bpf_htab:bpf_htab htab_elem:htab_elem htab_bucket:bucket llist_node:llist_node " \
			"bpf_array:bpf_array lpm_trie:lpm_trie lpm_trie_node:lpm_trie_node " \
			"bpf_ringbuf_map:bpf_ringbuf_map ringbuf_meta_pages:- " \
			"bpf_local_storage_map:bpf_local_storage_map " \
			"local_storage_bucket:bpf_local_storage_map_bucket " \
			"local_storage_elem:bpf_local_storage_elem local_storage:bpf_local_storage " \
			"bpf_stack_map:bpf_stack_map stack_map_bucket:stack_map_bucket " \
			"bpf_bloom_filter:bpf_bloom_filter bpf_queue_stack:bpf_queue_stack lpm_mem_alloc:-", m, " ")
			for (i = 1; i <= length(m); i++) { split(m[i], kv, ":"); order[i] = kv[1]; st[kv[1]] = kv[2] }
			n = length(m) }
		FNR == NR { tab[$1] = $2; next }
		{ btf[$1] = $2 }
		END {
			out = ""
			for (i = 1; i <= n; i++) {
				f = order[i]
				if (!(f in btf) || btf[f] == "none" || btf[f] == tab[f]) continue
				if (f == "lpm_mem_alloc")
					t = sprintf("struct lpm_trie %s member ma, builtin %s %s", btf[f] == "true" ? "has" : "lacks", s, btf[f] == "true" ? "lacks it" : "has it")
				else if (f == "ringbuf_meta_pages")
					t = sprintf("bpf_ringbuf.consumer_pos gives %d meta pages, builtin %s has %d (%+d)", btf[f], s, tab[f], btf[f] - tab[f])
				else
					t = sprintf("struct %s is %d bytes, builtin %s has %d (%+d)", st[f], btf[f], s, tab[f], btf[f] - tab[f])
				out = out (out == "" ? "" : "; ") t
			}
			print out
		}' "$TMP/table.kv" "$TMP/dump.kv"
}
# plan_btf_warning [ENV...]: $got = the "another build" warnings of
# `plan --kernel RUN_SERIES` (JSON)
plan_btf_warning() {
	run env "$@" "$MAPSIZE" plan "$R" --kernel "$RUN_SERIES" --format json
	got=$(jqv '[.warnings[] | select(test("another build"))] | join("\n")')
}
if [ -n "$RUN_SERIES" ] && grep -q "^ \*   ${RUN_SERIES//./\\.}: linux-image-" "$TABLE" && [ -x "$DUMP" ]; then
	# (the --check above re-pointed $CACHE/btf/SERIES.btf at the table's package)
	if [ -s "$CACHE/btf/$RUN_SERIES.btf" ]; then
		expect_eq "sanity: the package's BTF is the table's" "$(expected_diff "$CACHE/btf/$RUN_SERIES.btf" "$RUN_SERIES")" ""
		plan_btf_warning MAPSIZE_RUNNING_BTF="$CACHE/btf/$RUN_SERIES.btf"
		expect_eq "--kernel $RUN_SERIES, BTF of the table's own package: no warning" "$got" ""
		expect_eq "... exit 0" "$rc" 0
	else
		skip "--kernel $RUN_SERIES, BTF of the table's own package" "no $CACHE/btf/$RUN_SERIES.btf"
	fi
	# another series' BTF stands for another build: every differing struct named
	other=6.1; [ "$RUN_SERIES" != 6.1 ] || other=6.12
	if [ -s "$CACHE/btf/$other.btf" ]; then
		want=$(expected_diff "$CACHE/btf/$other.btf" "$RUN_SERIES")
		[ -n "$want" ] && pass "sanity: $other's BTF differs from builtin $RUN_SERIES" ||
			fail "sanity: $other's BTF differs from builtin $RUN_SERIES"
		plan_btf_warning MAPSIZE_RUNNING_BTF="$CACHE/btf/$other.btf"
		expect_eq "--kernel $RUN_SERIES, another build's BTF: the JSON warning names each struct" "$got" \
			"the running kernel $(uname -r) is another build of $RUN_SERIES than the builtin $RUN_SERIES sizes (Debian's package): $want; for this node's exact figures plan without --kernel or pass --btf /sys/kernel/btf/vmlinux"
		grep -qF "warning: $got" "$TMP/err" && pass "... and on stderr" || fail "... and on stderr" "$(cat "$TMP/err")"
		expect_eq "... kernel_consts still builtin $RUN_SERIES" "$(jqv .kernel_consts)" "builtin $RUN_SERIES"
		run env MAPSIZE_RUNNING_BTF="$CACHE/btf/$other.btf" "$MAPSIZE" plan "$R" --kernel "$RUN_SERIES"
		grep -qF "warning: the running kernel $(uname -r) is another build" "$TMP/out" "$TMP/err" &&
			pass "... and in the table output" || fail "... and in the table output" "$(cat "$TMP/out" "$TMP/err")"
		expect_eq "--btf: the plan takes that BTF, no warning" \
			"$(run env MAPSIZE_RUNNING_BTF="$CACHE/btf/$other.btf" "$MAPSIZE" plan "$R" --kernel "$RUN_SERIES" \
				--btf "$CACHE/btf/$RUN_SERIES.btf" --format json; jqv '[.warnings[] | select(test("another build"))] | length')" 0
	else
		skip "--kernel $RUN_SERIES, another build's BTF" "no $CACHE/btf/$other.btf"
	fi
	plan_btf_warning MAPSIZE_RUNNING_BTF=
	expect_eq "MAPSIZE_RUNNING_BTF empty: no check" "$got" ""
	# this machine: a warning exactly when its BTF differs from the table
	if [ -r /sys/kernel/btf/vmlinux ]; then
		want=$(expected_diff /sys/kernel/btf/vmlinux "$RUN_SERIES")
		plan_btf_warning -u MAPSIZE_RUNNING_BTF
		if [ -n "$want" ]; then
			expect_eq "--kernel $RUN_SERIES on this build ($(uname -r)): warns" "$got" \
				"the running kernel $(uname -r) is another build of $RUN_SERIES than the builtin $RUN_SERIES sizes (Debian's package): $want; for this node's exact figures plan without --kernel or pass --btf /sys/kernel/btf/vmlinux"
		else
			expect_eq "--kernel $RUN_SERIES on this build ($(uname -r), same sizes): no warning" "$got" ""
		fi
	else
		skip "--kernel $RUN_SERIES on this build" "no /sys/kernel/btf/vmlinux"
	fi
else
	skip "--kernel of the running series vs its BTF" "no built-in table for $(uname -r) (or no $DUMP)"
	plan_btf_warning -u MAPSIZE_RUNNING_BTF
	expect_eq "--kernel $RUN_SERIES: no built-in sizes check" "$got" ""
fi
# another series than the running one is never compared with this kernel's BTF
[ "$RUN_SERIES" = 5.10 ] && k=6.1 || k=5.10
run env -u MAPSIZE_RUNNING_BTF "$MAPSIZE" plan "$R" --kernel "$k" --format json
expect_eq "--kernel $k (not the running series): no built-in sizes check" \
	"$(jqv '[.warnings[] | select(test("another build"))] | length')" 0

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
