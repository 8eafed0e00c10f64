#!/usr/bin/env bash
# CLI tests of map type and flag availability per target kernel: a map type or
# flag the target kernel lacks is an error (exit 2, FILE:LINE:COL at the type
# or flag naming the map, the type or flag and its first release) from plan,
# gen-header (no header written, an existing one untouched), maps, report and
# verify, in table and JSON mode alike (no partial JSON); at the first release
# and without --kernel (the running kernel) every type and flag plans; the table
# against the running kernel (tests/kernel/availprobe.c: what it claims creates, what comes
# later is EINVAL; on Debian's kernels under qemu tests/run.sh runs it).
. "$(dirname "$0")/lib.sh"

cat >"$TMP/bloom.yaml" <<'EOF'
app: avail-test
maps:
  seen:
    type: bloom_filter
    value_size: 8
    max_entries: 1000
  counts:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: 1024
EOF
BLOOM_MSG="$TMP/bloom.yaml:4:11: error: map 'seen': type bloom_filter \(BPF_MAP_TYPE_BLOOM_FILTER\) is first in Linux 5.16, the target kernel 5.10 refuses it \(EINVAL\); expected a target kernel of 5.16 or newer, or another map type$"

# ---- a type the target lacks: every command that plans refuses it ----------------
expect_err "plan --kernel 5.10: bloom_filter refused at its type" 2 "$BLOOM_MSG" \
	"$MAPSIZE" plan "$TMP/bloom.yaml" --kernel 5.10
expect_eq "plan --kernel 5.10: nothing on stdout" "$(wc -c <"$TMP/out")" 0
expect_eq "plan --kernel 5.10: one error line" "$(wc -l <"$TMP/err")" 1
expect_err "plan --kernel 5.10 --format json: refused" 2 "$BLOOM_MSG" \
	"$MAPSIZE" plan "$TMP/bloom.yaml" --kernel 5.10 --format json
expect_eq "plan --format json: no partial JSON" "$(wc -c <"$TMP/out")" 0
expect_err "plan --kernel 5.10.0-32-cloud-amd64 (a Debian release): refused" 2 \
	"the target kernel 5.10 refuses it" "$MAPSIZE" plan "$TMP/bloom.yaml" --kernel 5.10.0-32-cloud-amd64
expect_err "plan --kernel 5.15: refused" 2 "is first in Linux 5.16, the target kernel 5.15 refuses it" \
	"$MAPSIZE" plan "$TMP/bloom.yaml" --kernel 5.15

mkdir "$TMP/hdr"
expect_err "gen-header --kernel 5.10: refused" 2 "$BLOOM_MSG" \
	"$MAPSIZE" gen-header "$TMP/bloom.yaml" --kernel 5.10 -o "$TMP/hdr/plan.h"
if [ -e "$TMP/hdr/plan.h" ]; then fail "gen-header --kernel 5.10: no header written"; else pass "gen-header --kernel 5.10: no header written"; fi
echo "/* an earlier plan */" >"$TMP/hdr/plan.h"
expect_rc "gen-header --kernel 5.10 over an existing header: refused" 2 \
	"$MAPSIZE" gen-header "$TMP/bloom.yaml" --kernel 5.10 -o "$TMP/hdr/plan.h"
expect_eq "gen-header --kernel 5.10: the existing header is untouched" "$(cat "$TMP/hdr/plan.h")" "/* an earlier plan */"
expect_eq "gen-header --kernel 5.10: no temporary file left" "$(ls "$TMP/hdr")" "plan.h"

expect_err "maps --kernel 5.10: refused" 2 "$BLOOM_MSG" "$MAPSIZE" maps "$TMP/bloom.yaml" --kernel 5.10
expect_err "maps --kernel 5.10 --format json: refused" 2 "$BLOOM_MSG" \
	"$MAPSIZE" maps "$TMP/bloom.yaml" --kernel 5.10 --format json
expect_eq "maps --format json: no partial JSON" "$(wc -c <"$TMP/out")" 0
expect_err "report --kernel 5.10: refused" 2 "$BLOOM_MSG" "$MAPSIZE" report "$TMP/bloom.yaml" --kernel 5.10
expect_err "report --kernel 5.10 --format json: refused" 2 "$BLOOM_MSG" \
	"$MAPSIZE" report "$TMP/bloom.yaml" --kernel 5.10 --format json
expect_eq "report --format json: no partial JSON" "$(wc -c <"$TMP/out")" 0
# verify plans before it opens or loads anything
# with an object, named after the map (issue 17 item 2)
expect_err "verify --kernel 5.10: refused before loading, naming the object" 2 \
	"$TMP/bloom.yaml:4:11: error: map 'seen' \(object $O/tests/bpf/mixed.bpf.o\): type bloom_filter \(BPF_MAP_TYPE_BLOOM_FILTER\) is first in Linux 5.16, the target kernel 5.10 refuses it \(EINVAL\)" \
	"$MAPSIZE" verify "$TMP/bloom.yaml" --kernel 5.10 --object "$O/tests/bpf/mixed.bpf.o" --format json
expect_eq "verify --format json: no partial JSON" "$(wc -c <"$TMP/out")" 0

# ---- at the first release it plans ------------------------------------------------
expect_rc "plan --kernel 5.16: bloom_filter plans" 0 "$MAPSIZE" plan "$TMP/bloom.yaml" --kernel 5.16 --format json
expect_eq "plan --kernel 5.16: kernel" "$(jqv .kernel)" "5.16"
expect_eq "plan --kernel 5.16: the bloom filter is in the plan" "$(jqv '.maps[] | select(.name == "seen") | .type')" \
	"bloom_filter"
# (a nearest-series struct-size warning may name 5.16; none is about availability)
expect_eq "plan --kernel 5.16: no availability warning" "$(jqv '[.warnings[] | select(test("is first in"))] | length')" 0
expect_rc "gen-header --kernel 5.16: written" 0 "$MAPSIZE" gen-header "$TMP/bloom.yaml" --kernel 5.16 -o "$TMP/hdr/plan.h"
if grep -q '^#define MAPSIZE_SEEN_MAX_ENTRIES ' "$TMP/hdr/plan.h"; then
	pass "gen-header --kernel 5.16: the header has the bloom filter"
else
	fail "gen-header --kernel 5.16: the header has the bloom filter" "$(head -c 400 "$TMP/hdr/plan.h")"
fi

# ---- types newer than 5.16: task_storage 5.11, cgrp_storage 6.2 --------------------
cat >"$TMP/cgrp.yaml" <<'EOF'
app: avail-test
maps:
  procs: {type: task_storage, value_size: 16}
  cgroups: {type: cgrp_storage, value_size: 16}
EOF
expect_err "plan --kernel 6.1: cgrp_storage refused" 2 \
	"cgrp.yaml:4:19: error: map 'cgroups': type cgrp_storage \(BPF_MAP_TYPE_CGRP_STORAGE\) is first in Linux 6.2, the target kernel 6.1 refuses it" \
	"$MAPSIZE" plan "$TMP/cgrp.yaml" --kernel 6.1
expect_rc "plan --kernel 6.2: cgrp_storage plans" 0 "$MAPSIZE" plan "$TMP/cgrp.yaml" --kernel 6.2
expect_err "gen-header --kernel 5.10: task_storage refused" 2 \
	"cgrp.yaml:3:17: error: map 'procs': type task_storage \(BPF_MAP_TYPE_TASK_STORAGE\) is first in Linux 5.11, the target kernel 5.10 refuses it" \
	"$MAPSIZE" gen-header "$TMP/cgrp.yaml" --kernel 5.10 -o "$TMP/hdr/cgrp.h"

# ---- a flag the target lacks: at the flag in the list -------------------------------
cat >"$TMP/flags.yaml" <<'EOF'
app: avail-test
maps:
  shared:
    type: array
    value_size: 64
    max_entries: 16
    flags: [numa_node, mmapable]
  backends:
    type: array
    value_size: 4
    max_entries: 256
    flags: [inner_map]
EOF
expect_err "gen-header --kernel 5.4: mmapable refused at the flag" 2 \
	"flags.yaml:7:24: error: map 'shared': flag mmapable \(BPF_F_MMAPABLE\) on an array map is first in Linux 5.5, the target kernel 5.4 refuses it \(EINVAL\); expected a target kernel of 5.5 or newer, or the map without it$" \
	"$MAPSIZE" gen-header "$TMP/flags.yaml" --kernel 5.4 -o "$TMP/hdr/flags.h"
if [ -e "$TMP/hdr/flags.h" ]; then fail "gen-header --kernel 5.4: no header written"; else pass "gen-header --kernel 5.4: no header written"; fi
expect_err "plan --kernel 5.4: mmapable refused (before the memory model)" 2 "map 'shared': flag mmapable" \
	"$MAPSIZE" plan "$TMP/flags.yaml" --kernel 5.4
expect_err "maps --kernel 5.9: inner_map refused" 2 \
	"flags.yaml:12:13: error: map 'backends': flag inner_map \(BPF_F_INNER_MAP\) on an array map is first in Linux 5.10, the target kernel 5.9 refuses it" \
	"$MAPSIZE" maps "$TMP/flags.yaml" --kernel 5.9
expect_rc "gen-header --kernel 5.10: both flags accepted" 0 "$MAPSIZE" gen-header "$TMP/flags.yaml" --kernel 5.10 -o "$TMP/hdr/flags.h"
# inner_map is 5.10: at 5.5 the second map is still refused, the first alone plans
expect_err "maps --kernel 5.5: inner_map still refused" 2 "map 'backends': flag inner_map" \
	"$MAPSIZE" maps "$TMP/flags.yaml" --kernel 5.5
sed '/^  backends:/,$d' "$TMP/flags.yaml" >"$TMP/mmap.yaml"
expect_rc "maps --kernel 5.5: mmapable accepted" 0 "$MAPSIZE" maps "$TMP/mmap.yaml" --kernel 5.5

# ---- no --kernel: the running kernel, which has everything mapsize knows -------------
cat >"$TMP/all.yaml" <<'EOF'
app: avail-test
maps:
  h: {type: hash, key_size: 4, value_size: 8, max_entries: 64, flags: [zero_seed, rdonly_prog]}
  ph: {type: percpu_hash, key_size: 4, value_size: 8, max_entries: 64}
  l: {type: lru_hash, key_size: 4, value_size: 8, max_entries: 64, flags: [no_common_lru]}
  lp: {type: lru_percpu_hash, key_size: 4, value_size: 8, max_entries: 64}
  a: {type: array, value_size: 8, max_entries: 64, flags: [mmapable]}
  pa: {type: percpu_array, value_size: 8, max_entries: 4}
  progs: {type: prog_array, max_entries: 4}
  perf: {type: perf_event_array, max_entries: 4, flags: [preserve_elems]}
  rb: {type: ringbuf, max_entries: 4096, flags: [numa_node]}
  trie: {type: lpm_trie, key_size: 8, value_size: 8, max_entries: 64, flags: [rdonly]}
  hom: {type: hash_of_maps, key_size: 4, max_entries: 4}
  hom.inner: {type: array, value_size: 4, max_entries: 4, flags: [inner_map]}
  q: {type: queue, value_size: 8, max_entries: 4, flags: [wronly_prog]}
  s: {type: stack, value_size: 8, max_entries: 4}
  bf: {type: bloom_filter, value_size: 8, max_entries: 64, flags: [zero_seed]}
  st: {type: stack_trace, value_size: 256, max_entries: 4, flags: [stack_build_id]}
  ts: {type: task_storage, value_size: 8, flags: [clone]}
  is: {type: inode_storage, value_size: 8}
  sk: {type: sk_storage, value_size: 8, flags: [clone]}
  cs: {type: cgrp_storage, value_size: 8}
  urb: {type: user_ringbuf, max_entries: 8192, flags: [numa_node]}
EOF
running=$(uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
expect_rc "plan (no --kernel, running $running): every type and flag plans" 0 "$MAPSIZE" plan "$TMP/all.yaml" --format json
expect_eq "plan (no --kernel): the target is the running kernel" "$(jqv .kernel)" "$running"
expect_eq "plan (no --kernel): 21 maps" "$(jqv '.maps | length')" 21
expect_rc "gen-header (no --kernel): written" 0 "$MAPSIZE" gen-header "$TMP/all.yaml" -o "$TMP/hdr/all.h"
expect_rc "plan --kernel 7.0: a later release has them all too" 0 "$MAPSIZE" plan "$TMP/all.yaml" --kernel 7.0

# ---- the table against real kernels: every type and flag it claims for a release
# creates there, every one it says comes later is refused (EINVAL) -------------------
PROBE=$O/tests/availprobe-static
if [ ! -x "$PROBE" ]; then
	fail "availprobe" "$PROBE not built (make tests)"
elif [ "$(id -u)" -ne 0 ]; then
	skip "availprobe on the running kernel" "not root (uid $(id -u)): bpf(BPF_MAP_CREATE) needs CAP_BPF"
else
	run "$PROBE"
	if [ "$rc" -eq 0 ] && grep -q '^availprobe: [1-9][0-9]* passed, 0 failed' "$TMP/out"; then
		pass "availprobe on the running kernel ($(uname -r)): $(grep '^availprobe:' "$TMP/out" | cut -d' ' -f2-)"
	else
		fail "availprobe on the running kernel" "$(grep -E '^(FAIL|SKIP|availprobe:)' "$TMP/out" | head -c 600)"
	fi
fi
# On Debian's 5.10, 6.1, 6.12 and 6.18 the same probe runs under qemu in the one boot
# tests/run.sh makes of each kernel (tests/qemu/guest-checks.sh, with memmatrix).

finish
