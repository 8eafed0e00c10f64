#!/usr/bin/env bash
# Inner maps sized per instance (issue 12) through the CLI:
#   - plan/report: the formula, the kernel rule and the sizes at 10/100/1000
#     live entries, in the table and in JSON; a target kernel before 5.10 and
#     an array without inner_map fall back to the template's size;
#   - bad `instance:` input: file:line:col, exit 2, nothing on stdout;
#   - live (root): the demo agent's --churn grows policy 1 through its outer
#     slot with no failed insert; `status --rules` lists every inner instance
#     with its own fill.
. "$(dirname "$0")/lib.sh"

EXAMPLE=examples/agent.rules.yaml
AGENT=$O/demo/mapsize-demo-agent
KERNEL=(--kernel 6.6)

# ---- plan ---------------------------------------------------------------------------
expect_rc "plan table" 0 "$MAPSIZE" plan "$EXAMPLE" --map-size=medium "${KERNEL[@]}"
expect_eq "table: sized per instance" \
	"$(grep -c '^inner map instances of policy_filter_maps.inner (sized per instance):$' "$TMP/out")" 1
expect_eq "table: the formula and the kernel rule" \
	"$(grep -c '^  max_entries = clamp(round(3 x live), 16, 512); 5.10+: bpf_map_meta_equal does not compare max_entries$' "$TMP/out")" 1
expect_eq "table: 10 live -> 30 entries" "$(awk '$1 == 10 && NF >= 4 {print $2; exit}' "$TMP/out")" 30
expect_eq "table: 1000 live -> clamped at max, full" "$(awk '$1 == 1000 {print $2, $3; exit}' "$TMP/out")" "512 full"
expect_eq "table: the summary stays the last line" "$(tail -1 "$TMP/out" | cut -d';' -f1)" \
	"16 maps, 12 preallocated, 4 not"

expect_rc "plan json" 0 "$MAPSIZE" plan "$EXAMPLE" --map-size=medium "${KERNEL[@]}" --format json
expect_eq "json: instance of the inner map" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | .instance | "\(.sized) \(.kernel_allows) \(.headroom) \(.min) \(.max) \(.template_max_entries)"')" \
	"per_instance true 3 16 512 440"
expect_eq "json: sizes at 10/100/1000" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | [.instance.sizes[] | "\(.live):\(.max_entries):\(.fits)"] | join(" ")')" \
	"10:30:true 100:300:true 1000:512:false"
expect_eq "json: memlock per size, and the template's" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | [.instance.sizes[] | (.memlock_bytes > 0 and .template_memlock_bytes > 0)] | all')" true
expect_eq "json: the formula" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | .instance.formula')" "clamp(round(3 x live), 16, 512)"
expect_eq "json: not on outer maps" "$(jqv '[.maps[] | select(.inner_of == null) | has("instance")] | any')" false

# before 5.10 every instance equals the template
# (the example's policy maps alone: 5.4 lacks its ring buffer, which the plan would refuse)
{ echo "app: old"; echo "maps:"; sed -n '/^  policy_filter_maps:$/,/^    instance:/p' "$EXAMPLE"; } >"$TMP/old.yaml"
# (the pages formula needs no struct sizes, but a plan for 5.4 wants a BTF: any will do,
# this kernel's or, built without BTF, a Debian package's from the qemu cache)
ANY_BTF=/sys/kernel/btf/vmlinux
[ -r "$ANY_BTF" ] || ANY_BTF=$(ls build/qemu-cache/btf/*.btf 2>/dev/null | head -n 1)
expect_rc "plan for 5.4" 0 "$MAPSIZE" plan "$TMP/old.yaml" --kernel 5.4 --kernel-era pages --btf "${ANY_BTF:-/sys/kernel/btf/vmlinux}" --format json
expect_eq "5.4: template size, and why" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | "\(.instance.sized) \(.instance.kernel_allows) \([.instance.sizes[].max_entries] | join(","))"')" \
	"template false 440,440,440"
expect_eq "5.4: the reason names bpf_map_meta_equal" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | .instance.why' | grep -c 'before 5.10 .*bpf_map_meta_equal')" 1
expect_eq "5.4: a warning" "$(grep -c "map 'policy_filter_maps.inner': instances are created at the template's max_entries 440" "$TMP/err")" 1

cat >"$TMP/arr.yaml" <<'EOF'
app: arr
maps:
  tables: {type: array_of_maps, max_entries: 8}
  tables.inner:
    type: array
    key_size: 4
    value_size: 8
    max_entries: 64
    instance: {headroom: 2}
EOF
expect_rc "array without inner_map" 0 "$MAPSIZE" plan "$TMP/arr.yaml" "${KERNEL[@]}" --format json
expect_eq "array without inner_map: template, add inner_map" \
	"$(jqv '.maps[] | select(.name == "tables.inner") | .instance | "\(.sized) \(.why | test("inner_map"))"')" "template true"
sed -i 's/    instance: {headroom: 2}/    flags: [inner_map]\n    instance: {headroom: 2}/' "$TMP/arr.yaml"
expect_rc "array with inner_map" 0 "$MAPSIZE" plan "$TMP/arr.yaml" "${KERNEL[@]}" --format json
expect_eq "array with inner_map: per instance" \
	"$(jqv '.maps[] | select(.name == "tables.inner") | "\(.instance.sized) \([.instance.sizes[].max_entries] | join(","))"')" \
	"per_instance 20,64,64"

expect_rc "report" 0 "$MAPSIZE" report "$EXAMPLE" "${KERNEL[@]}"
expect_eq "report: one block per profile" "$(grep -c '^\(small\|medium\|large\): inner map instances of policy_filter_maps.inner' "$TMP/out")" 3
expect_rc "report json" 0 "$MAPSIZE" report "$EXAMPLE" "${KERNEL[@]}" --format json
expect_eq "report json: instance per profile" \
	"$(jqv '.maps[] | select(.name == "policy_filter_maps.inner") | [.small.instance.max, .medium.instance.max, .large.instance.max] | join(",")')" \
	"128,512,1024"

# ---- bad input --------------------------------------------------------------------------
bad() { # NAME INSTANCE-LINE REGEX
	sed "s/    instance: {headroom: 2}/    $2/" "$TMP/arr.yaml" >"$TMP/bad.yaml"
	run "$MAPSIZE" plan "$TMP/bad.yaml" "${KERNEL[@]}"
	if [ "$rc" -ne 2 ]; then fail "$1" "exit $rc, expected 2"
	elif [ -s "$TMP/out" ]; then fail "$1" "output on stdout: $(head -c 200 "$TMP/out")"
	elif ! grep -Eq -- "$3" "$TMP/err"; then fail "$1" "stderr does not match /$3/: $(head -c 400 "$TMP/err")"
	else pass "$1"; fi
}
bad "unknown key, with a suggestion" "instance: {headrom: 2}" \
	"bad.yaml:10:16: error: unknown key 'headrom' in the instance sizing of map 'tables.inner' \(did you mean 'headroom'\?\)"
bad "headroom below 1" "instance: {headroom: 0.5}" "bad.yaml:10:26: error: headroom '0.5', expected a factor from 1 to 1000"
bad "min above max" "instance: {min: 50, max: 10}" "bad.yaml:10:21: error: map 'tables.inner': instance min 50 is above max 10"
bad "not a mapping" "instance: 3" "bad.yaml:10:15: error: .*expected a mapping with headroom, min and max"
bad "unknown dimension" "instance: {max: podz}" "bad.yaml:10:21: error: .*'podz'.*did you mean 'pods'"

# ---- live: the demo agent's churn and status --rules ---------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "live (demo --churn, status --rules)" "not root (uid $(id -u))"
	finish
	exit
fi
if [ ! -x "$AGENT" ]; then
	fail "prerequisites" "$AGENT is missing; run make"
	finish
	exit
fi
expect_rc "demo --churn" 0 "$AGENT" --no-attach --churn 100 --format json
expect_eq "churn: no failed insert" "$(jqv '.churn.failed_inserts')" 0
expect_eq "churn: grew through the outer slot twice" \
	"$(jqv '[.churn.grows[] | "\(.live):\(.from_max_entries)->\(.to_max_entries)"] | join(" ")')" "12:16->60 52:60->180"
expect_eq "churn: every cgroup id read back through the outer map" "$(jqv '.churn.verified_through_outer')" 104
expect_eq "churn: the policies' inner maps sized for their cgroups (4, 8, 12)" \
	"$(jqv '[.maps[] | select(.inner_of != null) | "\(.name)=\(.max_entries)"] | join(" ")')" \
	"policy_1_map=180 policy_2_map=24 policy_3_map=36"

AGENT_PID=
cleanup() { [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
"$AGENT" --no-attach --run 60 --cgroups 10 --churn 20 >"$TMP/agent.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 1 100); do
	grep -q '^running for' "$TMP/agent.out" && break
	sleep 0.1
done
expect_rc "status --rules" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$EXAMPLE" --format json
expect_eq "status: every inner instance with its own fill" \
	"$(jqv '[.inner_instances[] | "\(.outer)[\(.key)] \(.name) \(.entries)/\(.max_entries) \(.action)"] | join(", ")')" \
	"policy_filter_maps[1] policy_1_map 30/90 keep, policy_filter_maps[2] policy_2_map 20/60 keep, policy_filter_maps[3] policy_3_map 30/90 keep"
expect_rc "status --rules table" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$EXAMPLE"
expect_eq "status table: the instance rows" \
	"$(awk '/^inner map instances/ {on = 1; next} on && $1 ~ /^policy_filter_maps\[/ {print $1, $4, $5, $6, $7}' "$TMP/out" | tr '\n' ';')" \
	"policy_filter_maps[1] 90 30 33% keep;policy_filter_maps[2] 60 20 33% keep;policy_filter_maps[3] 90 30 33% keep;"
kill "$AGENT_PID" 2>/dev/null
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=

finish
