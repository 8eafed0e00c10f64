#!/usr/bin/env bash
# rhash (BPF_MAP_TYPE_RHASH, Linux 7.2): a rule type whose max_entries is the
# cap and whose map_extra is the initial size (`initial:`, default the
# expected entries), NO_PREALLOC forced; planned with the 7.2/7.3 built-in
# struct sizes (bpf_rhtab + (rhtab_elem + ru8 K + ru8 V) per entry, the model
# memmatrix proves against fdinfo under qemu) and refused before 7.2.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/r.yaml" <<'YAML'
app: rh
maps:
  flows:
    type: rhash
    key_size: 16
    value_size: 24
    max_entries: 10000
    expected: 4000
  small:
    type: rhash
    key_size: 5
    value_size: 12
    max_entries: 1000
    expected: 800
    initial: 100
YAML

run "$MAPSIZE" plan "$TMP/r.yaml" --kernel 7.3 --format json
expect_eq "7.3: plans (exit 0)" "$rc" 0
expect_eq "7.3: builtin 7.3" "$(jqv .kernel_consts)" "builtin 7.3"
expect_eq "NO_PREALLOC forced" "$(jqv '[.maps[] | .map_flags] | join(" ")')" "1 1"
expect_eq "initial_entries: the expected entries by default" "$(jqv '.maps[0].initial_entries')" 4000
expect_eq "initial_entries: initial: when given" "$(jqv '.maps[1].initial_entries')" 100
expect_eq "map_extra carries it" "$(jqv '[.maps[] | .map_extra] | join(" ")')" "4000 100"
# 7.3: bpf_rhtab 528, rhtab_elem 8; 16+24 -> 48 per entry, 5+12 -> 8+8+16 = 32
expect_eq "at load: the map alone" "$(jqv '[.maps[] | .memlock_bytes] | join(" ")')" "528 528"
expect_eq "at expected" "$(jqv '[.maps[] | .memlock_expected_bytes] | join(" ")')" \
	"$((528 + 4000 * 48)) $((528 + 800 * 32))"
expect_eq "full: the cap" "$(jqv '[.maps[] | .memlock_full_bytes] | join(" ")')" \
	"$((528 + 10000 * 48)) $((528 + 1000 * 32))"
run "$MAPSIZE" plan "$TMP/r.yaml" --kernel 7.2 --format json
expect_eq "7.2: bpf_rhtab 536" "$(jqv '.maps[0].memlock_full_bytes')" "$((536 + 10000 * 48))"
run "$MAPSIZE" plan "$TMP/r.yaml" --kernel 7.3
grep -q '^flows: rhash, cap 10000 (max_entries: E2BIG beyond), initial size 4000 (map_extra)' "$TMP/out" &&
	pass "table: cap and initial size" || fail "table: cap and initial size" "$(cat "$TMP/out")"

# refused before 7.2, naming 7.2
expect_err "6.18: refused naming 7.2" 2 \
	"r\.yaml:4:11: error: map 'flows': type rhash \(BPF_MAP_TYPE_RHASH\) is first in Linux 7\.2, the target kernel 6\.18 refuses it" \
	"$MAPSIZE" plan "$TMP/r.yaml" --kernel 6.18
[ ! -s "$TMP/out" ] && pass "6.18: no partial output" || fail "6.18: no partial output"

# bad inputs: file:line:column, exit 2
sed 's/initial: 100/initial: 1001/' "$TMP/r.yaml" >"$TMP/big.yaml"
expect_err "initial above the cap" 2 \
	"big\.yaml:[0-9]+:[0-9]+: error: .*initial evaluates to 1001, above max_entries 1000 \(the kernel says EINVAL\)" \
	"$MAPSIZE" plan "$TMP/big.yaml" --kernel 7.3
sed 's/initial: 100/map_extra: 100/' "$TMP/r.yaml" >"$TMP/extra.yaml"
expect_err "map_extra on rhash: use initial" 2 "extra\.yaml:15:[0-9]+: error: map_extra of an rhash map is its initial size" \
	"$MAPSIZE" plan "$TMP/extra.yaml" --kernel 7.3
sed 's/type: rhash/type: hash/' "$TMP/r.yaml" >"$TMP/hash.yaml"
expect_err "initial on a hash" 2 "hash\.yaml:15:[0-9]+: error: initial is only used by rhash maps" \
	"$MAPSIZE" plan "$TMP/hash.yaml" --kernel 7.3
sed '/initial: 100/d; s/type: rhash/type: hash/' "$TMP/r.yaml" >"$TMP/plain.yaml"
run "$MAPSIZE" plan "$TMP/plain.yaml" --kernel 7.3 --format json
expect_eq "a hash: initial_entries null, map_extra 0" "$(jqv '[.maps[] | "\(.initial_entries) \(.map_extra)"] | join(",")')" \
	"null 0,null 0"
sed 's/^    key_size: 16$/    key_size: 16\n    prealloc: true/' "$TMP/r.yaml" >"$TMP/pre.yaml"
expect_err "prealloc: true refused" 2 "pre\.yaml:[0-9]+:[0-9]+: error: rhash maps are never preallocated" \
	"$MAPSIZE" plan "$TMP/pre.yaml" --kernel 7.3

# tracing programs: the verifier refuses rhash (7.2 check_map_prog_compatibility)
for prog in kprobe tracepoint perf_event raw_tracepoint; do
	sed "s/^    expected: 4000$/    expected: 4000\n    used_by: [xdp, $prog]/" "$TMP/r.yaml" >"$TMP/tr.yaml"
	expect_err "used_by $prog refused, citing the verifier" 2 \
		"tr\.yaml:9:[0-9]+: error: map 'flows': an rhash map cannot be used by kprobe, tracepoint, perf_event or raw_tracepoint programs \(the verifier: \"tracing progs cannot use resizable hash maps yet\"\)" \
		"$MAPSIZE" plan "$TMP/tr.yaml" --kernel 7.3
done
sed "s/^    expected: 4000$/    expected: 4000\n    used_by: [socket, tc, xdp, cgroup]/" "$TMP/r.yaml" >"$TMP/net.yaml"
expect_rc "used_by socket, tc, xdp, cgroup: plans" 0 "$MAPSIZE" plan "$TMP/net.yaml" --kernel 7.3

# resizable: auto on hash rules (issue 19 item 3)
cat >"$TMP/ra.yaml" <<'YAML'
app: ra
maps:
  conns:
    type: hash
    key_size: 16
    value_size: 24
    max_entries: 10000
    expected: 4000
    resizable: auto
    used_by: [tc, xdp]
  events:
    type: hash
    key_size: 8
    value_size: 8
    max_entries: 1000
    resizable: auto
    used_by: [kprobe]
YAML
run "$MAPSIZE" plan "$TMP/ra.yaml" --kernel 7.3 --format json
expect_eq "auto on 7.3, networking: rhash" "$(jqv '.maps[0] | "\(.type) \(.resizable) \(.initial_entries) \(.map_flags)"')" \
	"rhash rhash 4000 1"
expect_eq "... memory as an rhash" "$(jqv '.maps[0].memlock_full_bytes')" "$((528 + 10000 * 48))"
expect_eq "... the reason" "$(jqv '.maps[0].resizable_reason')" \
	"rhash: the kernel grows it from the expected entries up to the cap (Linux 7.2+, no tracing program uses it)"
expect_eq "auto on 7.3, kprobe: no-prealloc hash" "$(jqv '.maps[1] | "\(.type) \(.resizable) \(.prealloc) \(.map_flags)"')" \
	"hash hash false 1"
expect_eq "... the reason names the verifier" "$(jqv '.maps[1].resizable_reason | test("verifier refuses rhash")')" true
run "$MAPSIZE" plan "$TMP/ra.yaml" --kernel 6.18 --format json
expect_eq "auto on 6.18: no-prealloc hashes" "$(jqv '[.maps[] | "\(.type) \(.prealloc)"] | join(",")')" \
	"hash false,hash false"
expect_eq "... the reason names 7.2" "$(jqv '.maps[0].resizable_reason')" \
	"hash: the target kernel predates rhash (Linux 7.2), a no-prealloc hash of the cap instead"
run "$MAPSIZE" plan "$TMP/ra.yaml" --kernel 7.3
grep -q '^conns: resizable: auto -> rhash: ' "$TMP/out" && pass "table says which and why" ||
	fail "table says which and why" "$(cat "$TMP/out")"
# gen-header: type, cap and initial size for the BPF source
run "$MAPSIZE" gen-header "$TMP/ra.yaml" --kernel 7.3 -o "$TMP/ra.h"
expect_eq "gen-header 7.3: exit 0" "$rc" 0
expect_eq "gen-header: rhash type, cap, initial size" \
	"$(grep -E '^#define MAPSIZE_CONNS_(MAP_TYPE|MAX_ENTRIES|MAP_EXTRA) ' "$TMP/ra.h" | awk '{print $2 "=" $3}' | tr '\n' ' ')" \
	"MAPSIZE_CONNS_MAX_ENTRIES=10000 MAPSIZE_CONNS_MAP_TYPE=35 MAPSIZE_CONNS_MAP_EXTRA=4000 "
expect_eq "gen-header: the kprobe map stays a hash" "$(awk '/^#define MAPSIZE_EVENTS_MAP_TYPE /{print $3}' "$TMP/ra.h")" 1
run "$MAPSIZE" gen-header "$TMP/ra.yaml" --kernel 6.18 -o "$TMP/ra618.h"
expect_eq "gen-header 6.18: both hashes" "$(grep -c '_MAP_TYPE 1 ' "$TMP/ra618.h")" 2
expect_err "gen-header refuses rhash on 6.18 naming 7.2" 2 "is first in Linux 7\.2, the target kernel 6\.18 refuses it" \
	"$MAPSIZE" gen-header "$TMP/r.yaml" --kernel 6.18 -o "$TMP/no.h"
[ ! -e "$TMP/no.h" ] && pass "... no header written" || fail "... no header written"
sed 's/resizable: auto/resizable: yes/' "$TMP/ra.yaml" >"$TMP/bad.yaml"
expect_err "resizable: yes refused" 2 "bad\.yaml:9:16: error: 'yes' is not a resizable choice, expected auto" \
	"$MAPSIZE" plan "$TMP/bad.yaml" --kernel 7.3
sed '0,/type: hash/s//type: lru_hash/' "$TMP/ra.yaml" >"$TMP/lru.yaml"
expect_err "resizable on an lru_hash refused" 2 "lru\.yaml:9:16: error: resizable: auto on a map of type lru_hash, expected it on a hash map" \
	"$MAPSIZE" plan "$TMP/lru.yaml" --kernel 7.3
# report: cap and initial size per profile (issue 19 item 2), table and JSON as plan
cat >"$TMP/rp.yaml" <<'YAML'
app: rp
maps:
  tasks:
    type: rhash
    key_size: 4
    value_size: 12
    max_entries: procs
    expected: procs / 8
    initial: procs / 16
  plain:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: 64
YAML
run "$MAPSIZE" report "$TMP/rp.yaml" --kernel 7.3
expect_eq "report 7.3: exit 0" "$rc" 0
expect_eq "report table: cap and initial size per profile" "$(grep '^tasks: rhash' "$TMP/out")" \
	"tasks: rhash, cap (max_entries: E2BIG beyond) small 4096, medium 32768, large 131072; initial size (map_extra) small 256, medium 2048, large 8192"
expect_eq "report table: no such line for a hash" "$(grep -c '^plain: ' "$TMP/out")" 0
run "$MAPSIZE" report "$TMP/rp.yaml" --kernel 7.3 --format json
expect_eq "report JSON: max_entries, map_extra, initial_entries, map_flags per profile" \
	"$(jqv '.maps[0] | [.small, .medium, .large] | map("\(.max_entries) \(.map_extra) \(.initial_entries) \(.map_flags)") | join(",")')" \
	"4096 256 256 1,32768 2048 2048 1,131072 8192 8192 1"
expect_eq "report JSON: a hash has initial_entries null" "$(jqv '.maps[1].medium | "\(.initial_entries) \(.map_extra)"')" "null 0"
run "$MAPSIZE" plan "$TMP/rp.yaml" --kernel 7.3 --map-size large --format json
expect_eq "... as plan says for large" "$(jqv '.maps[0] | "\(.max_entries) \(.initial_entries)"')" "131072 8192"
run "$MAPSIZE" report "$TMP/ra.yaml" --kernel 7.3 --format json
expect_eq "report: resizable: auto made an rhash on 7.3" \
	"$(jqv '[.maps[] | "\(.type) \(.medium.initial_entries) \(.medium.max_entries)"] | join(",")')" "rhash 4000 10000,hash null 1000"

# every command that refuses a type for an older target refuses rhash before 7.2 (issue 19 item 4)
REFUSAL="error: map 'flows'.*: type rhash \(BPF_MAP_TYPE_RHASH\) is first in Linux 7\.2, the target kernel 6\.18 refuses it \(EINVAL\); expected a target kernel of 7\.2 or newer, or another map type"
expect_err "maps refuses rhash on 6.18" 2 "/r\.yaml:4:11: $REFUSAL" "$MAPSIZE" maps "$TMP/r.yaml" --kernel 6.18
[ ! -s "$TMP/out" ] && pass "maps: no partial output" || fail "maps: no partial output" "$(cat "$TMP/out")"
expect_err "report refuses rhash on 6.18" 2 "/r\.yaml:4:11: $REFUSAL" "$MAPSIZE" report "$TMP/r.yaml" --kernel 6.18
[ ! -s "$TMP/out" ] && pass "report: no partial output" || fail "report: no partial output" "$(cat "$TMP/out")"
expect_err "report refuses rhash on 7.1" 2 "/rp\.yaml:4:11: error: map 'tasks': .* the target kernel 7\.1 refuses it" \
	"$MAPSIZE" report "$TMP/rp.yaml" --kernel 7.1
expect_err "status --rules refuses rhash on 6.18" 2 "/r\.yaml:4:11: $REFUSAL" \
	"$MAPSIZE" status --rules "$TMP/r.yaml" --kernel 6.18
[ ! -s "$TMP/out" ] && pass "status: no partial output" || fail "status: no partial output" "$(cat "$TMP/out")"
MIXED=$O/tests/bpf/mixed.bpf.o
printf 'app: rv\nmaps:\n  flows:\n    type: rhash\n    key_size: 4\n    value_size: 8\n    max_entries: 3000\n    expected: 1200\n' >"$TMP/rv.yaml"
if [ -f "$MIXED" ]; then
	expect_err "verify refuses rhash on 6.18, naming the object" 2 \
		"/rv\.yaml:4:11: error: map 'flows' \(object [^)]*mixed\.bpf\.o\): type rhash \(BPF_MAP_TYPE_RHASH\) is first in Linux 7\.2, the target kernel 6\.18 refuses it" \
		"$MAPSIZE" verify "$TMP/rv.yaml" --object "$MIXED" --kernel 6.18
	[ ! -s "$TMP/out" ] && pass "verify: no partial output" || fail "verify: no partial output" "$(cat "$TMP/out")"
else
	fail "verify refuses rhash on 6.18" "$MIXED is missing; run make tests"
fi
run "$MAPSIZE" maps "$TMP/ra.yaml" --kernel 6.18
expect_eq "maps: resizable: auto on 6.18 is no refusal (a hash)" "$rc" 0
finish
