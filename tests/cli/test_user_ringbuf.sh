#!/usr/bin/env bash
# CLI tests of the user_ringbuf map type (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1):
# planned, reported and written to a header as a ringbuf is (the kernel's
# ringbuf_map_alloc and ringbuf_map_mem_usage serve both), refused for a target
# kernel before 6.1 with the release named.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/u.yaml" <<'YAML'
app: urb-test
maps:
  cmds:
    type: user_ringbuf
    max_entries: 4Ki * cpus
    round: pow2
  events:
    type: ringbuf
    max_entries: 4Ki * cpus
    round: pow2
YAML
U=$TMP/u.yaml
mapv() { jqv ".maps[] | select(.name == \"$1\") | .$2"; }

# ---- plan: sized and counted like the ringbuf next to it ----------------------
expect_rc "plan --kernel 6.18" 0 "$MAPSIZE" plan "$U" --kernel 6.18
expect_eq "plan: cmds row" "$(awk '$1 == "cmds" { print $2, $3, $4, $5, $6, $7 }' "$TMP/out")" \
	"user_ringbuf 0 0 32768 yes 32768"
expect_rc "plan --kernel 6.18 --format json" 0 "$MAPSIZE" plan "$U" --kernel 6.18 --format json
expect_eq "json: cmds" "$(jqv '.maps[0] | [.type, .key_size, .value_size, .max_entries, .map_flags, .prealloc] | map(tostring) | join(" ")')" \
	"user_ringbuf 0 0 32768 0 true"
# ringbuf_map_mem_usage: 296 (struct bpf_ringbuf_map, builtin 6.18) + (3 meta + 8 data pages) * 4096
# + (3 + 2 * 8) * 8
expect_eq "json 6.18 (mem_usage era): memlock to the byte" "$(mapv cmds memlock_bytes)" 45504
expect_eq "json 6.18: the same as the ringbuf" "$(mapv cmds memlock_bytes)" "$(mapv events memlock_bytes)"
expect_rc "plan --kernel 6.12 --format json" 0 "$MAPSIZE" plan "$U" --kernel 6.12 --format json
expect_eq "json 6.12: the same as the ringbuf" "$(mapv cmds memlock_bytes)" "$(mapv events memlock_bytes)"
# pages era: bpf_map_memory_footprint() of key 0 + value 0 is 0
expect_rc "plan --kernel 6.1 --format json (the first release)" 0 "$MAPSIZE" plan "$U" --kernel 6.1 --format json
expect_eq "json 6.1 (pages era): memlock 0, as the kernel's fdinfo says" "$(mapv cmds memlock_bytes)|$(mapv cmds max_entries)" "0|32768"
expect_eq "json 6.1: no availability warning" "$(jqv '[.warnings[] | select(test("is first in"))] | length')" 0

# ---- a target before 6.1 refuses it, naming 6.1 -------------------------------
MSG="^$U:4:11: error: map 'cmds': type user_ringbuf \(BPF_MAP_TYPE_USER_RINGBUF\) is first in Linux 6.1, the target kernel 5.15 refuses it \(EINVAL\); expected a target kernel of 6.1 or newer, or another map type$"
expect_err "plan --kernel 5.15: refused naming 6.1" 2 "$MSG" "$MAPSIZE" plan "$U" --kernel 5.15
expect_eq "plan --kernel 5.15: nothing on stdout" "$(wc -c <"$TMP/out")" 0
expect_err "plan --kernel 6.0: refused" 2 "the target kernel 6.0 refuses it" "$MAPSIZE" plan "$U" --kernel 6.0
expect_err "plan --kernel 5.10 --format json: refused" 2 "is first in Linux 6.1, the target kernel 5.10" \
	"$MAPSIZE" plan "$U" --kernel 5.10 --format json
expect_eq "plan --format json: no partial JSON" "$(wc -c <"$TMP/out")" 0

# ---- the kernel's checks: page-multiple power of two, NUMA_NODE only ----------
printf 'app: t\nmaps:\n  m:\n    type: user_ringbuf\n    max_entries: 3 * 4096\n' >"$TMP/bad.yaml"
expect_err "size not a power of two" 2 "^$TMP/bad.yaml:5:18: error: map 'm': user_ringbuf size 12288 bytes is not a power of two multiple of the 4096-byte page size, expected e.g. 16384 \(add 'round: pow2'\)$" \
	"$MAPSIZE" plan "$TMP/bad.yaml" --kernel 6.18
printf 'app: t\nmaps:\n  m: {type: user_ringbuf, max_entries: 4096, flags: [rdonly]}\n' >"$TMP/flag.yaml"
expect_err "flag rdonly refused (RINGBUF_CREATE_FLAG_MASK)" 2 "flag 'rdonly' is not accepted by a user_ringbuf map \(the kernel says EINVAL\)" \
	"$MAPSIZE" plan "$TMP/flag.yaml" --kernel 6.18
printf 'app: t\nmaps:\n  m: {type: user_ringbuf, max_entries: 4096, flags: [numa_node]}\n' >"$TMP/numa.yaml"
expect_rc "flag numa_node accepted" 0 "$MAPSIZE" plan "$TMP/numa.yaml" --kernel 6.18 --format json
expect_eq "numa_node: map_flags" "$(jqv '.maps[0].map_flags')" 4

# ---- header and report ---------------------------------------------------------
expect_rc "gen-header" 0 "$MAPSIZE" gen-header "$U" --kernel 6.18 -o "$TMP/u.h"
expect_eq "header: the map's macros" \
	"$(grep -c -e '^/\* cmds: user_ringbuf, key 0 B, value 0 B, preallocated \*/$' -e '^#define MAPSIZE_CMDS_MAX_ENTRIES 32768$' "$TMP/u.h")" 2
expect_rc "report" 0 "$MAPSIZE" report "$U" --kernel 6.18
expect_eq "report: cmds as events" "$(awk '$1 == "cmds" { $1 = ""; $2 = ""; print }' "$TMP/out" | head -1)" \
	"$(awk '$1 == "events" { $1 = ""; $2 = ""; print }' "$TMP/out" | head -1)"
expect_eq "report: cmds memory per profile" "$(awk '$1 == "cmds" { print $2, $5, $6, $7, $8, $9, $10; exit }' "$TMP/out")" \
	"user_ringbuf 28.4 KiB 44.4 KiB 269.3 KiB"

finish
