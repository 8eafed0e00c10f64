#!/usr/bin/env bash
# `mapsize verify` and the demo agent against the live kernel (root only).
#   - verify passes on the demo agent's object for every shipped profile and
#     for override/prealloc combinations; its JSON has the per-map fields, the
#     kernel equals the plan for every managed map, the total is the sum;
#   - an object not written for mapsize (global data, a map without a rule,
#     map-in-maps): unmanaged maps keep their compiled sizes;
#   - stale rules, a missing object, strict mode with a rule the object lacks: exit 2;
#   - the demo agent runs with each --map-size and its --help lists the maps
#     whose preallocation can toggle.
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
expect_err "not an ELF object: exit 2" 2 "agent.rules.yaml: error: cannot open BPF object: .*format" \
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

finish
