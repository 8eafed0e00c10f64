#!/usr/bin/env bash
# `mapsize verify` and the demo agent against the live kernel (root only).
#   - verify passes on the demo agent's object for every shipped profile and
#     for override/prealloc combinations; its JSON has the per-map fields, the
#     kernel equals the plan for every managed map, the total is the sum;
#   - an object not written for mapsize (global data, a map without a rule,
#     map-in-maps): unmanaged maps keep their compiled sizes;
#   - stale rules, a missing object, strict mode with a rule the object lacks: exit 2;
#   - the demo agent runs with each --map-size and its --help lists the maps
#     whose preallocation can toggle;
#   - one inner instance per map-in-map is inserted into its outer map;
#   - --maps-only and --skip-program on an object whose programs cannot load
#     here (an unresolvable kfunc extern, a program the verifier refuses, a
#     prog_array slot holding one): the maps as planned, the rest loaded;
#   - whole libbpf messages: the verifier's deciding line of a log over 1 KiB,
#     a log over 1 MiB cut with a mark and its last line kept; open errors
#     say what is wrong with a file that exists.
source "$(dirname "$0")/lib.sh"

RULES=examples/agent.rules.yaml
OBJ=$O/demo/agent.bpf.o
MIXED=$O/tests/bpf/mixed.bpf.o
AGENT=$O/demo/mapsize-demo-agent
SIZES="small medium large"

if [ "$(id -u)" -ne 0 ]; then
	skip "verify (live kernel)" "not root (uid $(id -u)): loading BPF objects needs root or CAP_BPF"
	finish
	exit
fi
for f in "$MAPSIZE" "$OBJ"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }

# check_json NAME: the verify JSON in $TMP/out is complete and consistent
check_json() {
	local name=$1
	expect_eq "$name: every map has the fields" "$(jqv '[.maps[] | has("name") and has("managed") and
		has("planned_max_entries") and has("kernel_max_entries") and has("planned_map_flags") and
		has("kernel_map_flags") and has("kernel_memlock_bytes")] | all')" true
	expect_eq "$name: managed maps: kernel max_entries = planned" \
		"$(jqv '[.maps[] | select(.managed and .kernel_max_entries != .planned_max_entries) | .name] | join(",")')" ""
	expect_eq "$name: managed maps: kernel flags = planned" \
		"$(jqv '[.maps[] | select(.managed and .kernel_map_flags != .planned_map_flags) | .name] | join(",")')" ""
	expect_eq "$name: total memlock = sum of maps" \
		"$(jqv '.total_kernel_memlock_bytes == ([.maps[].kernel_memlock_bytes] | add)')" true
	expect_eq "$name: total memlock > 0" "$(jqv '.total_kernel_memlock_bytes > 0')" true
}

# maps' planned max_entries from `mapsize plan` (no node: compare node-independent maps)
plan_max() { # SIZE MAP [ARGS...]
	local size=$1 map=$2; shift 2
	"$MAPSIZE" plan "$RULES" --map-size="$size" --format json "$@" |
		jq -r --arg m "$map" '.maps[] | select(.name == $m) | .max_entries'
}

# ---- every profile -----------------------------------------------------------
for s in $SIZES; do
	expect_rc "verify $s" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size="$s"
	if ! grep -q 'ok' "$TMP/out" || grep -q MISMATCH "$TMP/out"; then
		fail "verify $s: table" "$(head -c 600 "$TMP/out")"
	else
		pass "verify $s: table says ok"
	fi
	expect_rc "verify $s --format json" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size="$s" --format json
	check_json "verify $s json"
	expect_eq "verify $s: profile" "$(jqv .profile)" "$s"
	expect_eq "verify $s: schema_version first" "$(jqv 'keys_unsorted[0] + " " + (.schema_version|tostring)')" "schema_version 1"
	# but the overflow counters of <mapsize/bpf_overflow.h>: sized by the slot list, no rule
	expect_eq "verify $s: every object map but mapsize_overflow is managed" \
		"$(jqv '[.maps[] | select(.managed | not) | .name] | join(",")')" "mapsize_overflow"
	expect_eq "verify $s: an inner instance is checked" \
		"$(jqv '[.maps[] | select(.name == "policy_filter_maps.inner" and .kernel_max_entries > 0)] | length')" 1
	expect_eq "verify $s: no mismatches" "$(jqv .mismatches)" 0
	expect_eq "verify $s: execve_map as mapsize plan says" \
		"$(jqv '.maps[] | select(.name == "execve_map") | .kernel_max_entries')" "$(plan_max "$s" execve_map)"
	cp "$TMP/out" "$TMP/verify-$s.json"
done

# ---- overrides and prealloc options ------------------------------------------
expect_rc "verify --set procs --bpf-maps-prealloc=false" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" \
	--map-size=small --set procs=20000 --bpf-maps-prealloc=false --format json
check_json "verify overrides"
expect_eq "overrides: execve_map 20000 entries" \
	"$(jqv '.maps[] | select(.name == "execve_map") | .kernel_max_entries')" 20000
expect_eq "overrides: every toggling map without prealloc" \
	"$(jqv '[.maps[] | select(.name | IN("execve_map", "override_tasks", "tg_cgrps_tracking_map",
		"cgroup_rate_map", "policy_filter_maps", "policy_filter_maps.inner")) | .kernel_map_flags % 2] | unique | tostring')" "[1]"

expect_rc "verify prealloc=true + disable list" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=medium \
	--bpf-maps-prealloc=true --bpf-maps-disable-prealloc=override_tasks --format json
check_json "verify disable list"
expect_eq "disable list: override_tasks not preallocated, execve_map preallocated" \
	"$(jqv '[.maps[] | select(.name == "override_tasks" or .name == "execve_map") | "\(.name)=\(.kernel_map_flags % 2)"] | sort | join(" ")')" \
	"execve_map=0 override_tasks=1"

cat >"$TMP/override.yaml" <<'EOF'
base: large
dimensions:
  procs: 12345
maps:
  execve_map:
    max_entries: 3000
    prealloc: true
EOF
expect_rc "verify --profile FILE --set" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --profile "$TMP/override.yaml" \
	--set maps.override_tasks.max_entries=7000 --format json
check_json "verify profile file"
expect_eq "profile file: sizes" \
	"$(jqv '[.maps[] | select(.name == "execve_map" or .name == "override_tasks") | "\(.name)=\(.kernel_max_entries)/\(.kernel_map_flags % 2)"] | sort | join(" ")')" \
	"execve_map=3000/0 override_tasks=7000/1"

# ---- an object not written for mapsize -------------------------------------------
if [ -e "$MIXED" ]; then
	cat >"$TMP/mixed.rules.yaml" <<'EOF'
app: mixed
maps:
  flows: {type: hash, key_size: 4, value_size: 8, max_entries: procs / 16, prealloc: false}
  tables: {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 6}
  tables.inner: {type: array, key_size: 4, value_size: 4, max_entries: 100}
  sets: {type: hash_of_maps, key_size: 4, value_size: 4, max_entries: 3}
  sets.inner: {type: hash, key_size: 4, value_size: 4, max_entries: 50}
EOF
	expect_rc "verify mixed object" 0 "$MAPSIZE" verify "$TMP/mixed.rules.yaml" --object "$MIXED" \
		--map-size=small --format json
	check_json "verify mixed"
	expect_eq "mixed: unmanaged maps keep their compiled sizes" \
		"$(jqv '[.maps[] | select(.managed | not) | "\(.name | sub("^.*\\."; "."))=\(.kernel_max_entries)"] | sort | join(" ")')" \
		".bss=1 .data=1 .rodata=1 unruled=5"
	expect_eq "mixed: unmanaged maps have no plan" \
		"$(jqv '[.maps[] | select(.managed | not) | .planned_max_entries, .planned_map_flags] | unique | tostring')" "[null]"
	expect_eq "mixed: managed sizes" \
		"$(jqv '[.maps[] | select(.managed) | "\(.name)=\(.kernel_max_entries)"] | sort | join(" ")')" \
		"flows=256 sets.inner=50 sets=3 tables.inner=100 tables=6"
else
	fail "verify mixed object" "$MIXED is missing (tests/kernel/kernel.mk builds it with make tests)"
fi

# ---- refusals ----------------------------------------------------------------------
sed 's/^    value_size: 896 /    value_size: 900 /' "$RULES" >"$TMP/stale.rules.yaml"
if cmp -s "$RULES" "$TMP/stale.rules.yaml"; then
	fail "stale rules" "could not make a stale copy of $RULES (execve_map's value_size line changed?)"
else
	expect_err "stale value_size: exit 2 naming the map" 2 "execve_map.*896.*900" \
		"$MAPSIZE" verify "$TMP/stale.rules.yaml" --object "$OBJ" --map-size=small
fi
sed '/^  tg_execve_joined_info_map:/,/^  [a-z]/ s/^    type: lru_hash/    type: hash/' "$RULES" >"$TMP/stale-type.rules.yaml"
expect_err "stale type: exit 2 naming the map" 2 "tg_execve_joined_info_map.*lru_hash.*hash" \
	"$MAPSIZE" verify "$TMP/stale-type.rules.yaml" --object "$OBJ" --map-size=small
expect_err "missing object: exit 2" 2 "does-not-exist.bpf.o" \
	"$MAPSIZE" verify "$RULES" --object "$TMP/does-not-exist.bpf.o" --map-size=small
expect_err "not an ELF object: exit 2" 2 "agent.rules.yaml: error: cannot open BPF object: not an ELF file" \
	"$MAPSIZE" verify "$RULES" --object "$RULES" --map-size=small
expect_err "no --object: exit 2" 2 "--object" "$MAPSIZE" verify "$RULES" --map-size=small
{ cat "$RULES"; printf '  ghost_map:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 16\n'; } \
	>"$TMP/ghost.rules.yaml"
expect_rc "a rule without a map is not an error by default" 0 \
	"$MAPSIZE" verify "$TMP/ghost.rules.yaml" --object "$OBJ" --map-size=small
run "$MAPSIZE" verify "$TMP/ghost.rules.yaml" --object "$OBJ" --map-size=small --format json
expect_eq "a rule without a map is listed in JSON" "$(jqv '.rules_without_map | join(",")')" "ghost_map"
run "$MAPSIZE" verify "$TMP/ghost.rules.yaml" --object "$OBJ" --map-size=small
expect_eq "a rule without a map is listed in the table" \
	"$(grep -c '^rules without a map in the object: ghost_map$' "$TMP/out")" "1"
expect_err "--strict: a rule without a map: exit 2" 2 "ghost_map" \
	"$MAPSIZE" verify "$TMP/ghost.rules.yaml" --object "$OBJ" --map-size=small --strict

# ---- the demo agent ------------------------------------------------------------------
if [ -x "$AGENT" ]; then
	for s in $SIZES; do
		expect_rc "demo agent --map-size=$s" 0 "$AGENT" --map-size="$s"
		expect_rc "demo agent --map-size=$s --format json" 0 "$AGENT" --map-size="$s" --format json
		# what the agent loaded is what verify planned for the same profile
		expect_eq "demo agent $s: kernel sizes and flags = verify's plan" \
			"$(jq -r '[.maps[] | select(.status == "applied") | "\(.name)=\(.max_entries)/\(.map_flags)"] | sort | join(" ")' "$TMP/out")" \
			"$(jq -r '[.maps[] | select(.managed and (.inner_instance | not)) | "\(.name)=\(.planned_max_entries)/\(.planned_map_flags)"] | sort | join(" ")' "$TMP/verify-$s.json")"
	done
	expect_rc "demo agent --help" 0 "$AGENT" --help
	toggles=$(sed -n '/preallocation can toggle/,$p' "$TMP/out" | awk 'NR > 1 && NF {print $1}' | sort | tr '\n' ' ')
	expect_eq "demo agent --help lists the maps whose preallocation can toggle" "$toggles" \
		"cgroup_rate_map execve_map override_tasks policy_filter_maps policy_filter_maps.inner tg_cgrps_tracking_map "
else
	fail "demo agent" "$AGENT is missing; run make tests"
fi

# ---- predicted memlock equals the kernel's, to the byte (issue 4) ---------------------
if [ "$(id -u)" -eq 0 ]; then
	for size in small medium large; do
		run "$MAPSIZE" verify examples/agent.rules.yaml --object "$O/demo/agent.bpf.o" --map-size=$size --format json
		expect_eq "verify $size: exit 0 with predictions" "$rc" "0"
		expect_eq "verify $size: predicted = kernel memlock for every map" \
			"$(jqv '[.maps[] | .predicted_memlock_bytes == .kernel_memlock_bytes] | all')" "true"
		expect_eq "verify $size: predicted total = kernel total" \
			"$(jqv '.total_predicted_memlock_bytes')" "$(jqv '.total_kernel_memlock_bytes')"
	done
fi

# ---- inner instances are inserted into their outer maps (issue 9) -----------------------
run "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=small --format json
expect_eq "demo: the inner instance went into policy_filter_maps" \
	"$(jqv '[.maps[] | select(.inner_instance_inserted != null) | "\(.name)=\(.inner_instance_inserted)"] | join(" ")')" \
	"policy_filter_maps=true"
expect_eq "demo: no insert failure" "$(jqv .inner_instances_not_inserted)" 0
run "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=small
expect_eq "demo table: the insertion is reported" \
	"$(grep -c '^inner instance inserted into policy_filter_maps: ok$' "$TMP/out")" 1
if [ -e "$MIXED" ]; then
	run "$MAPSIZE" verify "$TMP/mixed.rules.yaml" --object "$MIXED" --map-size=small --format json
	expect_eq "mixed: an instance went into each outer map" \
		"$(jqv '[.maps[] | select(.inner_instance_inserted != null) | "\(.name)=\(.inner_instance_inserted)"] | sort | join(" ")')" \
		"sets=true tables=true"
fi
# compiled inner flags the rules do not name (BPF_F_INNER_MAP, BPF_F_NO_COMMON_LRU): the kernel
# inserts an instance only when its flags equal the template's
MIMF=$O/tests/bpf/mim_flags.bpf.o
if [ -e "$MIMF" ]; then
	cat >"$TMP/mimf.rules.yaml" <<'EOF'
app: mim_flags
maps:
  dyn: {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 4}
  dyn.inner: {type: array, key_size: 4, value_size: 8, max_entries: 32}
  lrus: {type: hash_of_maps, key_size: 4, value_size: 4, max_entries: 4}
  lrus.inner: {type: lru_hash, key_size: 4, value_size: 8, max_entries: 128}
EOF
	expect_rc "compiled inner flags: verify exit 0" 0 "$MAPSIZE" verify "$TMP/mimf.rules.yaml" --object "$MIMF" --format json
	expect_eq "compiled inner flags: an instance went into each outer map" \
		"$(jqv '[.maps[] | select(.inner_instance_inserted != null) | "\(.name)=\(.inner_instance_inserted)"] | sort | join(" ")')" \
		"dyn=true lrus=true"
	expect_eq "compiled inner flags: instances of the planned size with the compiled flags" \
		"$(jqv '[.maps[] | select(.inner_instance) | "\(.name)=\(.kernel_max_entries)/\(.kernel_map_flags)"] | sort | join(" ")')" \
		"dyn.inner=32/4096 lrus.inner=128/2"
else
	skip "compiled inner flags" "$MIMF is not built here"
fi

# ---- --maps-only and --skip-program (issue 9) ---------------------------------------------
UNL=$O/tests/bpf/unloadable.bpf.o
FLOOD=$O/tests/bpf/verifier_flood.bpf.o
UNLINKED=$O/tests/bpf/unlinked.bpf.o
cat >"$TMP/unl.rules.yaml" <<'EOF'
app: unloadable
maps:
  calls: {type: hash, key_size: 4, value_size: 8, max_entries: procs / 16}
  verdicts: {type: array, key_size: 4, value_size: 8, max_entries: 16}
  rule_sets: {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 6}
  rule_sets.inner: {type: array, key_size: 4, value_size: 4, max_entries: 50}
  policies: {type: prog_array, key_size: 4, value_size: 4, max_entries: 3}
EOF
UNL_SIZES="calls=256 policies=3 rule_sets.inner=50 rule_sets=6 verdicts=16"
sizes() { jqv '[.maps[] | select(.managed) | "\(.name)=\(.kernel_max_entries)"] | sort | join(" ")'; }
if [ -e "$UNL" ] && [ -e "$FLOOD" ] && [ -e "$UNLINKED" ]; then
	# the whole object: each program that does not load, why, and the way past it;
	# the maps and the other program are still loaded and checked
	expect_err "unloadable: verify fails naming the extern and the program using it" 1 \
		"unloadable.bpf.o: error: program 'run_policy' \(tracepoint/syscalls/sys_enter_getppid\) did not load: extern: it uses 'cel_expr_0', which the running kernel does not provide \(libbpf: extern \(func ksym\) 'cel_expr_0': not found in kernel or module BTFs\); get past it: --skip-program run_policy$" \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small
	expect_eq "unloadable: the verifier's refusal of reject_access in the same run" \
		"$(grep -Ec "^.*unloadable.bpf.o: error: program 'reject_access' \(tracepoint/syscalls/sys_enter_gettid\) did not load: verifier: the verifier rejected it: .* \| R[0-9]+ invalid mem access 'scalar'; get past it: --skip-program reject_access$" "$TMP/err")" 1
	expect_eq "unloadable: the command that gets past both" \
		"$(grep -c "^hint: every map and the other programs loaded without these; to verify them so: mapsize verify $TMP/unl.rules.yaml --object $UNL --map-size=small --skip-program run_policy --skip-program reject_access$" "$TMP/err")" 1
	expect_eq "unloadable: the maps were checked all the same" \
		"$(grep -c '^programs loaded: count_calls; not loaded: run_policy (extern), reject_access (verifier)$' "$TMP/out") $(grep -c ', 0 mismatches$' "$TMP/out")" "1 1"

	expect_rc "unloadable --maps-only: exit 0" 0 \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small --maps-only --format json
	check_json "unloadable --maps-only"
	expect_eq "--maps-only: kernel max_entries = plan" "$(sizes)" "$UNL_SIZES"
	expect_eq "--maps-only: no mismatch" "$(jqv .mismatches)" 0
	expect_eq "--maps-only: no program loaded" \
		"$(jqv '[.programs[] | "\(.name)=\(.loaded)"] | sort | join(" ")')" \
		"count_calls=false reject_access=false run_policy=false"
	expect_eq "--maps-only: the extern is not required" "$(jqv '.externs_not_required | join(",")')" "cel_expr_0"
	expect_eq "--maps-only: the prog_array slot of run_policy is left empty" \
		"$(jqv '.prog_array_slots_left_empty | join(",")')" "run_policy"
	expect_eq "--maps-only: the inner instance is inserted" \
		"$(jqv '.maps[] | select(.name == "rule_sets") | .inner_instance_inserted')" true
	expect_eq "--maps-only: JSON says so" "$(jqv .maps_only)" true

	# skipping the extern's user: the verifier refuses the next program, log > 1 KiB
	expect_err "--skip-program run_policy: reject_access fails the verifier" 1 \
		"error: program 'reject_access' \(tracepoint/syscalls/sys_enter_gettid\) did not load: verifier: the verifier rejected it: .*R[0-9]+ invalid mem access 'scalar'; get past it: --skip-program reject_access$" \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small --skip-program run_policy
	vlog=$(sed -n '/-- BEGIN PROG LOAD LOG --/,/-- END PROG LOAD LOG --/p' "$TMP/err" | wc -c)
	expect_eq "the verifier log shown is whole (over 1 KiB: ${vlog} bytes)" "$([ "$vlog" -gt 1024 ] && echo yes)" yes
	expect_eq "the verifier log's deciding line is in it, just before the summary" \
		"$(grep -B1 '^processed [0-9]* insns' "$TMP/err" | head -1 | grep -Ec "^R[0-9]+ invalid mem access 'scalar'$")" 1
	expect_eq "the log's first instruction is kept too" "$(grep -c '^0: R1=ctx' "$TMP/err")" 1

	expect_rc "--skip-program run_policy --skip-program reject_access: exit 0" 0 \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small \
		--skip-program run_policy --skip-program reject_access --format json
	check_json "--skip-program twice"
	expect_eq "--skip-program: kernel max_entries = plan" "$(sizes)" "$UNL_SIZES"
	expect_eq "--skip-program: the others are loaded" \
		"$(jqv '[.programs[] | "\(.name)=\(.loaded)"] | sort | join(" ")')" \
		"count_calls=true reject_access=false run_policy=false"
	expect_eq "--skip-program: maps_only false" "$(jqv .maps_only)" false
	run "$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small \
		--skip-program run_policy --skip-program reject_access
	expect_eq "--skip-program table: programs line" \
		"$(grep -c '^programs loaded: count_calls; not loaded: run_policy, reject_access (--skip-program)$' "$TMP/out")" 1

	expect_err "--skip-program of an unknown program: exit 2 listing the programs" 2 \
		"error: --skip-program nope: no such program, expected one of: .*count_calls" \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small --skip-program nope
	expect_eq "... and every program is listed" \
		"$(sed -n 's/.*expected one of: //p' "$TMP/err" | tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')" \
		"count_calls reject_access run_policy "

	# the demo object's maps alone: its tail_calls slot holds exec_parents
	expect_rc "demo --maps-only: exit 0" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=medium --maps-only --format json
	check_json "demo --maps-only"
	expect_eq "demo --maps-only: same maps and sizes as a full verify" \
		"$(jqv '[.maps[] | "\(.name)=\(.kernel_max_entries)/\(.kernel_map_flags)"] | sort | join(" ")')" \
		"$(jq -r '[.maps[] | "\(.name)=\(.kernel_max_entries)/\(.kernel_map_flags)"] | sort | join(" ")' "$TMP/verify-medium.json")"
	expect_eq "demo --maps-only: tail_calls' slot left empty" "$(jqv '.prog_array_slots_left_empty | join(",")')" "exec_parents"

	# a verifier log over 1 MiB: cut, marked, its end kept
	expect_err "flood: the verifier refuses it" 1 "error: program 'flood' \(tracepoint/syscalls/sys_enter_getpid\) did not load: verifier: .*R[0-9]+ invalid mem access 'scalar'; get past it: --skip-program flood$" \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$FLOOD" --map-size=small
	bytes=$(wc -c <"$TMP/err")
	expect_eq "flood: stderr bounded near 1 MiB (${bytes} bytes)" \
		"$([ "$bytes" -gt $((1024 * 1024 - 70000)) ] && [ "$bytes" -lt $((1024 * 1024 + 4096)) ] && echo yes)" yes
	expect_eq "flood: the cut is marked once" "$(grep -cFx '[libbpf log cut at 1 MiB]' "$TMP/err")" 1
	expect_eq "flood: the deciding line survives the cut" \
		"$(grep -B1 '^processed [0-9]* insns' "$TMP/err" | head -1 | grep -Ec "^R[0-9]+ invalid mem access 'scalar'$")" 1
	expect_eq "flood: the beginning survives too" "$(grep -c "prog 'flood': -- BEGIN PROG LOAD LOG --" "$TMP/err")" 1

	# open errors: what is wrong with a file that exists
	expect_err "unlinked extern: named, exit 2" 2 \
		"unlinked.bpf.o: error: cannot open BPF object: failed to find BTF for extern 'cel_expr_0'.*linked in" \
		"$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNLINKED"
	expect_eq "unlinked extern: not 'No such file or directory'" "$(grep -c 'No such file' "$TMP/err")" 0
	: >"$TMP/empty.o"
	expect_err "an empty file: exit 2" 2 "empty.o: error: cannot open BPF object: not an ELF file \(it is empty\)" \
		"$MAPSIZE" verify "$RULES" --object "$TMP/empty.o"
	expect_err "an ELF file for the host embedding no BPF object: exit 2" 2 "error: cannot open BPF object: an ELF file for another machine" \
		"$MAPSIZE" verify "$RULES" --object "$O/embed"
	head -c 2000 "$OBJ" >"$TMP/truncated.o"
	expect_err "a truncated object: exit 2" 2 "truncated.o: error: cannot open BPF object: a malformed ELF file" \
		"$MAPSIZE" verify "$RULES" --object "$TMP/truncated.o"
	expect_err "a directory: exit 2" 2 "error: cannot open BPF object: it is a directory" \
		"$MAPSIZE" verify "$RULES" --object "$TMP"
	expect_eq "open errors: one line each" "$(wc -l <"$TMP/err")" 1
	run "$MAPSIZE" verify "$TMP/unl.rules.yaml" --object "$UNL" --map-size=small --maps-only --verbose
	expect_eq "--verbose: libbpf's debug messages on stderr" \
		"$([ "$(grep -c '^libbpf: ' "$TMP/err")" -gt 5 ] && echo yes)" yes

	# objects libbpf cannot open (issue 17 item 1): an extern function linked
	# in at run time, gobpf's maps/NAME sections: mapsize creates the maps
	for o in om_extern om_section unlinked; do
		run "$MAPSIZE" rules init --object "$O/tests/bpf/$o.bpf.o" -o "$TMP/$o.yaml"
		expect_rc "$o --maps-only: exit 0" 0 \
			"$MAPSIZE" verify "$TMP/$o.yaml" --object "$O/tests/bpf/$o.bpf.o" --map-size=small --maps-only --format json
		check_json "$o --maps-only"
		expect_eq "$o --maps-only: maps created by mapsize, 0 mismatches" \
			"$(jqv '"\(.maps_created_by) \(.mismatches) \(.programs | length)"')" "mapsize 0 0"
		expect_eq "$o --maps-only: memlock byte-exact on every map" \
			"$(jqv '[.maps[] | select(.predicted_memlock_bytes != .kernel_memlock_bytes)] | length')" 0
	done
	run "$MAPSIZE" verify "$TMP/om_extern.yaml" --object "$O/tests/bpf/om_extern.bpf.o" --maps-only --format json
	expect_eq "om_extern --maps-only: sizes and memlock (lru_hash of 10240, ringbuf of 64 KiB)" \
		"$(jqv '[.maps[] | "\(.name)=\(.kernel_max_entries)/\(.kernel_memlock_bytes)"] | join(" ")')" \
		"ext_seen=10240/918400 ext_events=65536/78408"
	printf 'app: oms\nmaps:\n  conn-track: {type: hash, key_size: 12, value_size: 40, max_entries: 500}\n  nope: {type: hash, key_size: 4, value_size: 4, max_entries: 8}\n' >"$TMP/oms.yaml"
	expect_rc "om_section --maps-only with a plan: exit 0" 0 \
		"$MAPSIZE" verify "$TMP/oms.yaml" --object "$O/tests/bpf/om_section.bpf.o" --maps-only --format json
	expect_eq "om_section --maps-only: the plan applied, a rule without a map listed" \
		"$(jqv '[.maps[] | "\(.name)=\(.kernel_max_entries)/\(.managed)/\(.kernel_map_flags)/\(.kernel_memlock_bytes)"] | join(" ")') $(jqv '.rules_without_map | join(",")') $(jqv .mismatches)" \
		"conn-track=500/true/0/61312 proc_events=256/false/0/2360 nope 0"
	run "$MAPSIZE" verify "$TMP/oms.yaml" --object "$O/tests/bpf/om_section.bpf.o" --maps-only
	expect_eq "om_section --maps-only table: says who created the maps" \
		"$(grep -c "^programs loaded: none; the maps were created by mapsize" "$TMP/out")" 1
else
	fail "--maps-only / --skip-program" "$UNL, $FLOOD or $UNLINKED is missing (tests/kernel/kernel.mk builds them)"
fi
# ---- why each program did not load, and the command that gets past it (issue 17 item 4) ----
# prog_causes.bpf.o: one program per cause.  What this machine must say is told
# apart from mapsize: bpftool's own probe of the tracing type, the libbpf
# version verify links (uprobe.multi is known from libbpf 1.2), vmlinux BTF.
PC=$O/tests/bpf/prog_causes.bpf.o
printf 'app: pc\nmaps:\n  cause_hits: {type: array, key_size: 4, value_size: 8, max_entries: 8}\n' >"$TMP/pc.yaml"
causes() { jqv '[.programs[] | "\(.name)=\(.cause)"] | join(" ")'; }
if [ -e "$PC" ]; then
	run "$MAPSIZE" verify "$TMP/pc.yaml" --object "$PC" --format json
	cp "$TMP/err" "$TMP/pc.err"
	expect_eq "causes: exit 1, the map checked, 0 mismatches" "$rc $(jqv '"\(.mismatches) \(.maps | length)"')" "1 0 1"
	expect_eq "causes: the program that loads has no cause" \
		"$(jqv '[.programs[] | select(.loaded) | "\(.name)=\(.cause)"] | join(" ")')" "count_getpid=null"
	expect_eq "causes: a kfunc the kernel lacks: extern" \
		"$(jqv '.programs[] | select(.name == "run_kfunc") | "\(.cause) \(.suggestion)"')" "extern --skip-program run_kfunc"
	expect_eq "causes: the verifier's last lines" \
		"$(jqv '.programs[] | select(.name == "reject_read") | "\(.cause) \(.suggestion) \(.message | test("^the verifier rejected it: .* [|] .* [|] R[0-9]+ invalid mem access .scalar.$"))"')" \
		"verifier --skip-program reject_read true"
	if [ -e /sys/kernel/btf/vmlinux ]; then
		expect_eq "causes: an fentry target no kernel has: attach_target, not a map size" \
			"$(jqv '.programs[] | select(.name == "on_ghost") | "\(.cause) \(.suggestion) \(.message)"')" \
			"attach_target --skip-program on_ghost its fentry attach target 'mapsize_no_such_function' is not in this kernel's BTF (vmlinux and modules): libbpf found no BTF type for it (ESRCH)"
	else
		skip "causes: attach_target" "no /sys/kernel/btf/vmlinux here"
	fi
	case $(jqv .libbpf) in
	v0.*|v1.0|v1.1)
		expect_eq "causes: uprobe.multi with libbpf $(jqv .libbpf): unknown_section" \
			"$(jqv '.programs[] | select(.name == "on_multi") | "\(.cause) \(.suggestion)"')" "unknown_section --skip-program on_multi"
		expect_eq "causes: the section is named" "$(grep -c "^$PC: error: program 'on_multi' (uprobe.multi//proc/self/exe:main) did not load: unknown_section: libbpf $(jqv .libbpf) does not know the section name 'uprobe.multi//proc/self/exe:main'" "$TMP/err")" 1 ;;
	*) skip "causes: unknown_section" "libbpf $(jqv .libbpf) knows uprobe.multi" ;;
	esac
	tracing=$(bpftool feature probe kernel 2>/dev/null | sed -n 's/^eBPF program_type tracing is //p')
	case $tracing in
	"NOT available")
		expect_eq "causes: fentry on a kernel refusing tracing programs: type_refused" \
			"$(jqv '.programs[] | select(.name == "on_unlink") | "\(.cause) \(.suggestion)"')" "type_refused --skip-program on_unlink"
		expect_eq "causes: type_refused says EPERM with bpf() allowed, never ulimit" \
			"$(jqv '.programs[] | select(.name == "on_unlink") | .message | test("^this kernel refuses tracing programs: the load failed with EPERM although this process may use bpf\\(\\) \\(the object.s maps were created\\), and libbpf.s probe of the type fails too \\((lockdown: [a-z]+|lockdown not reported: .*)\\)$")')" true ;;
	available)
		expect_eq "causes: fentry on a kernel taking tracing programs: loaded" \
			"$(jqv '.programs[] | select(.name == "on_unlink") | "\(.loaded) \(.cause)"')" "true null" ;;
	*) skip "causes: fentry on_unlink" "bpftool cannot tell whether this kernel takes tracing programs" ;;
	esac
	expect_eq "causes: no ulimit hint, no map blamed" \
		"$(grep -Ec "ulimit|map's size|rejected a map" "$TMP/pc.err")" 0
	expect_eq "causes: one line per program not loaded" \
		"$(grep -c "^$PC: error: program '[a-z_]*' ([^)]*) did not load: [a-z_]*: .*; get past it: --skip-program [a-z_]*$" "$TMP/pc.err")" \
		"$(jqv '[.programs[] | select(.loaded | not)] | length')"
	expect_eq "causes: the table's line gives each cause" \
		"$("$MAPSIZE" verify "$TMP/pc.yaml" --object "$PC" 2>/dev/null | grep -c '^programs loaded: count_getpid; not loaded: .*reject_read (verifier)$')" 1
	# the suggested command, run as given: exit 0, 0 mismatches
	cmd=$(jqv .suggested_command)
	expect_eq "causes: the suggested command: the command as given, then --skip-program for each program not loaded" \
		"${cmd%% --skip-program *} $(echo "${cmd#* --skip-program }" | sed 's/ --skip-program /\n/g' | sort | tr '\n' ' ')" \
		"mapsize verify $TMP/pc.yaml --object $PC --format json $(jqv '[.programs[] | select(.loaded | not) | .name] | sort | join(" ")') "
	run eval "\"\$MAPSIZE\" ${cmd#mapsize }"
	expect_eq "causes: the suggested command: exit 0, 0 mismatches, the rest loaded" \
		"$rc $(jqv '"\(.mismatches) \([.programs[] | select(.loaded) | .name] | join(","))"')" "0 0 count_getpid"
else
	fail "causes" "$PC is missing (tests/kernel/kernel.mk builds it)"
fi
# an extern function linked in at run time: libbpf cannot open the object
OMX=$O/tests/bpf/om_extern.bpf.o
run "$MAPSIZE" rules init --object "$OMX" -o "$TMP/omx.yaml"
run "$MAPSIZE" verify "$TMP/omx.yaml" --object "$OMX" --format json
expect_eq "extern at open: exit 2, the program using it, --maps-only" \
	"$rc $(jqv '[.programs[] | "\(.name) \(.section) \(.cause) \(.suggestion)"] | join(",")')" \
	"2 classify tracepoint/syscalls/sys_enter_getpid extern --maps-only"
expect_eq "extern at open: the line names the extern" \
	"$(grep -c "^$OMX: error: program 'classify' (tracepoint/syscalls/sys_enter_getpid) did not load: extern: it uses 'agent_score', an extern the object leaves to be linked in (libbpf cannot open the object: failed to find BTF for extern 'agent_score'.*); get past it: --maps-only$" "$TMP/err")" 1
cmd=$(jqv .suggested_command)
expect_eq "extern at open: the suggested command" "$cmd" "mapsize verify $TMP/omx.yaml --object $OMX --format json --maps-only"
run eval "\"\$MAPSIZE\" ${cmd#mapsize }"
expect_eq "extern at open: the suggested command: exit 0, 0 mismatches" "$rc $(jqv .mismatches)" "0 0"
expect_rc "verify --help" 0 "$MAPSIZE" verify --help
expect_eq "verify --help lists --verbose, --maps-only, --skip-program" \
	"$(grep -Eo -- '--(verbose|maps-only|skip-program)' "$TMP/out" | sort -u | tr '\n' ' ')" \
	"--maps-only --skip-program --verbose "


# ---- the planned flags are what apply asks for (issue 16 #8) -----------------------------
# Inner templates compiled with BPF_F_INNER_MAP (0x1000) and BPF_F_NO_COMMON_LRU (0x2): apply
# keeps them on the instances, so the planned column shows them (it showed 0x0 and said ok).
MIM=$O/tests/bpf/mim_flags.bpf.o
cat >"$TMP/mim.yaml" <<'EOF2'
app: mim
maps:
  dyn: {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 4}
  dyn.inner: {type: array, key_size: 4, value_size: 8, max_entries: 16}
  lrus: {type: hash_of_maps, key_size: 4, value_size: 4, max_entries: 4}
  lrus.inner: {type: lru_hash, key_size: 4, value_size: 8, max_entries: 32}
EOF2
run "$MAPSIZE" verify "$TMP/mim.yaml" --object "$MIM" --format json
expect_eq "inner instances: planned flags = the object's merged with the plan's, = the kernel's" \
	"$rc $(jqv '[.maps[] | "\(.name)=\(.planned_map_flags)/\(.kernel_map_flags)"] | join(" ")')" \
	"0 dyn=0/0 dyn.inner=4096/4096 lrus=0/0 lrus.inner=2/2"
run "$MAPSIZE" verify "$TMP/mim.yaml" --object "$MIM"
expect_eq "table: dyn.inner planned 0x1000, kernel 0x1000, ok" \
	"$(awk '$1 == "dyn.inner" {print $5, $6, $NF}' "$TMP/out")" "0x1000 0x1000 ok"

finish
