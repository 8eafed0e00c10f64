#!/usr/bin/env bash
# CLI tests of `mapsize report` (issue 4, item 3): small, medium and large
# side by side against a baseline (the rules' `baseline:` sizes or the sizes
# compiled into a BPF object), savings, prealloc vs no-prealloc, the SVG chart.
#   - totals are the sums of the per-map figures (inner templates counted as
#     `mapsize plan` counts them), savings and percentages are right, the
#     medium total is below the baseline on the shipped example;
#   - every profile's column equals `mapsize plan --map-size=P`'s memlock;
#   - --object: the baseline is what the object compiles in (no root needed);
#   - the SVG is well-formed, has a bar group per map shown, the legend, the
#     baseline markers, escapes XML and is byte-identical across runs;
#   - bad input exits 2 and leaves no SVG (nor a temp file) behind.
. "$(dirname "$0")/lib.sh"

RULES=examples/agent.rules.yaml
OBJ=$O/demo/agent.bpf.o
KERNEL=(--kernel 6.6)	# a fixed target kernel: figures must not depend on the machine
SIZES="small medium large"

[ -x "$MAPSIZE" ] || { fail "prerequisites" "$MAPSIZE is missing; run make"; finish; exit; }
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }

# check_sums NAME: the report JSON in $TMP/out adds up
check_sums() {
	local name=$1 p
	for p in $SIZES; do
		expect_eq "$name: $p total at load = sum of maps (inner templates x 0)" "$(jqv "
			(.profiles[] | select(.name == \"$p\") | .total_memlock_bytes) ==
			([.maps[] | .$p.memlock_bytes * .$p.instances_at_load] | add)")" true
		expect_eq "$name: $p total at expected = sum of maps x instances" "$(jqv "
			(.profiles[] | select(.name == \"$p\") | .total_memlock_expected_bytes) ==
			([.maps[] | .$p.memlock_expected_bytes * .$p.instances_expected] | add)")" true
		expect_eq "$name: $p baseline = sum of the maps' baselines" "$(jqv "
			(.profiles[] | select(.name == \"$p\") | .baseline_memlock_bytes) ==
			([.maps[] | select(.$p.baseline_memlock_bytes != null) |
			  .$p.baseline_memlock_bytes * .$p.instances_at_load] | add)")" true
		expect_eq "$name: $p baseline at expected = sum of the maps' baselines x instances" "$(jqv "
			(.profiles[] | select(.name == \"$p\") | .baseline_memlock_expected_bytes) ==
			([.maps[] | select(.$p.baseline_memlock_bytes != null) |
			  .$p.baseline_memlock_expected_bytes * .$p.baseline_instances_expected] | add)")" true
	done
	expect_eq "$name: savings_bytes = baseline - the same maps' cost" \
		"$(jqv '[.profiles[] | .savings_bytes == .baseline_memlock_bytes - .based_memlock_bytes and
			.savings_expected_bytes == .baseline_memlock_expected_bytes - .based_memlock_expected_bytes] | all')" true
	expect_eq "$name: based_* = the totals over the maps with a baseline" \
		"$(jqv '. as $r | [.profiles[] | .name as $p | .based_memlock_bytes ==
			([$r.maps[] | select(.baseline_max_entries != null) |
			  .[$p].memlock_bytes * .[$p].instances_at_load] | add // 0)] | all')" true
	expect_eq "$name: savings_percent = savings / baseline x 100 (to 0.01)" \
		"$(jqv '[.profiles[] | (.savings_percent - .savings_bytes * 100 / .baseline_memlock_bytes) |
			fabs < 0.0051] | all')" true
	expect_eq "$name: savings_expected_percent right" \
		"$(jqv '[.profiles[] | (.savings_expected_percent - .savings_expected_bytes * 100 /
			.baseline_memlock_expected_bytes) | fabs < 0.0051] | all')" true
	expect_eq "$name: baseline total = medium's (the BASELINE column's CPUs)" \
		"$(jqv '.baseline.total_memlock_bytes == (.profiles[1].baseline_memlock_bytes) and
			.baseline.cpus == .profiles[1].cpus and
			.baseline.total_memlock_bytes == ([.maps[] | select(.baseline_memlock_bytes != null) |
			.baseline_memlock_bytes * .medium.instances_at_load] | add)')" true
	expect_eq "$name: inner templates count no instance at load" \
		"$(jqv '[.maps[] | select(.inner_of != null) | .small.instances_at_load, .medium.instances_at_load,
			.large.instances_at_load] | all(. == 0)')" true
	expect_eq "$name: JSON has the profile fields" "$(jqv '([.profiles[] | has("name") and has("dimensions") and
		has("total_memlock_bytes") and has("total_memlock_expected_bytes") and has("savings_bytes") and
		has("savings_percent")] | all) and (.profiles | map(.name)) == ["small","medium","large"]')" true
	expect_eq "$name: JSON has the map fields" "$(jqv '[.maps[] | has("name") and has("type") and
		has("baseline_max_entries") and has("baseline_memlock_bytes") and has("prealloc_memlock_bytes") and
		has("no_prealloc_memlock_bytes") and ([.small, .medium, .large][] | has("max_entries") and
		has("prealloc") and has("memlock_bytes") and has("memlock_expected_bytes"))] | all')" true
}

# ---- baseline from the rules ------------------------------------------------------
expect_rc "rules baseline: exit 0" 0 "$MAPSIZE" report "$RULES" "${KERNEL[@]}" --format json
expect_eq "report json: schema_version first" "$(jqv 'keys_unsorted[0] + " " + (.schema_version|tostring)')" "schema_version 1"
cp "$TMP/out" "$TMP/rules.json"
check_sums "rules baseline"
expect_eq "rules baseline: source" "$(jqv .baseline.source)" rules
expect_eq "rules baseline: medium total < baseline" \
	"$(jqv '.profiles[1].total_memlock_bytes < .profiles[1].baseline_memlock_bytes and .profiles[1].savings_bytes > 0')" true
expect_eq "rules baseline: execve_map's baseline is its rule's 32768" \
	"$(jqv '.maps[] | select(.name == "execve_map") | .baseline_max_entries')" 32768
expect_eq "rules baseline: map without baseline: reported, left out" \
	"$(jqv '[.baseline.maps_without_baseline == ["addr4_lpm"], (.maps[] | select(.name == "addr4_lpm") |
		.baseline_memlock_bytes == null and .baseline_note != null)] | all')" true
expect_eq "rules baseline: preallocated (the kernel default)" \
	"$(jqv '[.maps[] | select(.name == "execve_map" or .name == "override_tasks") | .baseline_map_flags % 2] | add')" 0
expect_eq "rules baseline: baseline memlock = prealloc memlock at the baseline size (execve_map)" \
	"$(jqv '.maps[] | select(.name == "execve_map") | .baseline_memlock_bytes ==
		.prealloc_memlock_bytes and .baseline_max_entries == .medium.max_entries')" true
expect_eq "prealloc columns: null exactly for maps that cannot toggle" \
	"$(jqv '[.maps[] | (.prealloc_toggle == (.prealloc_memlock_bytes != null)) and
		(.prealloc_toggle == (.no_prealloc_memlock_bytes != null))] | all')" true
expect_eq "prealloc columns: medium's own choice is one of the two" \
	"$(jqv '[.maps[] | select(.prealloc_toggle) | .medium.memlock_bytes ==
		(if .medium.prealloc then .prealloc_memlock_bytes else .no_prealloc_memlock_bytes end)] | all')" true
expect_eq "prealloc columns: no-prealloc is cheaper at load (execve_map)" \
	"$(jqv '.maps[] | select(.name == "execve_map") | .no_prealloc_memlock_bytes < .prealloc_memlock_bytes')" true
expect_eq "prealloc columns: lru and arrays cannot toggle" \
	"$(jqv '[.maps[] | select(.type == "lru_hash" or .type == "percpu_array") | .prealloc_memlock_bytes] | all(. == null)')" true
expect_eq "CPUs: each profile's own" "$(jqv '[.profiles[] | .cpus == .dimensions.cpus] | all')" true

# every profile's column equals `mapsize plan --map-size=P`
for era in "" pages; do
	args=("${KERNEL[@]}")
	[ -n "$era" ] && args+=(--kernel-era "$era")
	"$MAPSIZE" report "$RULES" "${args[@]}" --format json >"$TMP/rep.json" 2>/dev/null
	for p in $SIZES; do
		"$MAPSIZE" plan "$RULES" --map-size="$p" "${args[@]}" --format json >"$TMP/plan.json" 2>/dev/null
		got=$(jq -c --arg p "$p" '[.maps[] | {name, m: .[$p].memlock_bytes, e: .[$p].memlock_expected_bytes,
			x: .[$p].max_entries}]' "$TMP/rep.json")
		want=$(jq -c '[.maps[] | {name, m: .memlock_bytes, e: .memlock_expected_bytes, x: .max_entries}]' "$TMP/plan.json")
		expect_eq "${era:-mem_usage} era: $p column = mapsize plan --map-size=$p" "$got" "$want"
		expect_eq "${era:-mem_usage} era: $p totals = mapsize plan's" \
			"$(jq -c --arg p "$p" '.profiles[] | select(.name == $p) | [.total_memlock_bytes, .total_memlock_expected_bytes]' "$TMP/rep.json")" \
			"$(jq -c '[.total_memlock_bytes, .total_memlock_expected_bytes]' "$TMP/plan.json")"
	done
done
jq . "$TMP/rep.json" >"$TMP/out"
check_sums "pages era"

# the running kernel (BTF sizes) too
expect_rc "running kernel: exit 0" 0 "$MAPSIZE" report "$RULES" --format json
check_sums "running kernel"
"$MAPSIZE" plan "$RULES" --map-size=medium --format json >"$TMP/plan.json" 2>/dev/null
expect_eq "running kernel: medium column = mapsize plan --map-size=medium" \
	"$(jq -c '[.maps[] | .medium.memlock_bytes]' "$TMP/out")" "$(jq -c '[.maps[] | .memlock_bytes]' "$TMP/plan.json")"

# --set cpus=N pins every profile's CPUs, so the baselines agree
expect_rc "--set cpus=16: exit 0" 0 "$MAPSIZE" report "$RULES" "${KERNEL[@]}" --set cpus=16 --format json
expect_eq "--set cpus=16: every profile on 16 CPUs, one baseline" \
	"$(jqv '[.profiles[].cpus] == [16,16,16] and ([.profiles[].baseline_memlock_bytes] | unique | length) == 1')" true
check_sums "--set cpus=16"
expect_rc "--bpf-maps-prealloc=true: exit 0" 0 "$MAPSIZE" report "$RULES" "${KERNEL[@]}" --bpf-maps-prealloc=true --format json
expect_eq "--bpf-maps-prealloc=true applies to all three" \
	"$(jqv '[.maps[] | select(.name == "execve_map") | .small.prealloc, .medium.prealloc, .large.prealloc] | all')" true

# ---- the table ------------------------------------------------------------------------
expect_rc "table: exit 0" 0 "$MAPSIZE" report "$RULES" "${KERNEL[@]}"
# the memlock table and the max_entries table: execve_map, the inner template and TOTAL in both
expect_eq "table: headers and rows" \
	"$(grep -c -E '^(MAP +TYPE +BASE_MAX +BASELINE +SMALL +MEDIUM +LARGE +PREALLOC +NO_PREALLOC|execve_map |policy_filter_maps.inner \*|TOTAL )' "$TMP/out")" 7
expect_eq "table: savings per profile" "$(grep -c -E '^(small|medium|large) +[0-9]+ .*saves .*%\)' "$TMP/out")" 3
expect_eq "table: explains inner templates, maps without baseline, CPUs" \
	"$(grep -c -e '^\* policy_filter_maps.inner: inner map template' -e '^no baseline: addr4_lpm' \
		-e "^CPUs: each profile's own" "$TMP/out")" 3
expect_eq "table: human units" "$(grep -E '^execve_map ' "$TMP/out" | grep -c 'MiB')" 2

# ---- baseline from a BPF object --------------------------------------------------------
if [ -e "$OBJ" ]; then
	expect_rc "--object: exit 0 (opened, not loaded: no root needed)" 0 \
		"$MAPSIZE" report "$RULES" "${KERNEL[@]}" --object "$OBJ" --format json
	check_sums "--object"
	expect_eq "--object: source" "$(jqv .baseline.source)" object
	# sizes compiled into tools/demo/agent.bpf.c
	expect_eq "--object: baseline max_entries = the object's" \
		"$(jq -c '[.maps[] | select(.name | test("^(execve_map|tg_execve_joined_info_map|policy_filter_maps|policy_filter_maps.inner|override_tasks|addr4_lpm|events|tail_calls)$")) | [.name, .baseline_max_entries]]' "$TMP/out")" \
		'[["execve_map",32768],["tg_execve_joined_info_map",8192],["policy_filter_maps",128],["policy_filter_maps.inner",32768],["override_tasks",32768],["addr4_lpm",1024],["events",524288],["tail_calls",2]]'
	expect_eq "--object: lpm_trie keeps its compiled BPF_F_NO_PREALLOC" \
		"$(jqv '.maps[] | select(.name == "addr4_lpm") | .baseline_map_flags % 2')" 1
	expect_eq "--object: every map has a baseline" "$(jqv '.baseline.maps_without_baseline | length')" 0
	expect_eq "--object: same sizes, same memlock as the rules' baseline" \
		"$(jq -c '[.maps[] | select(.name != "addr4_lpm") | .baseline_memlock_bytes]' "$TMP/out")" \
		"$(jq -c '[.maps[] | select(.name != "addr4_lpm") | .baseline_memlock_bytes]' "$TMP/rules.json")"
	expect_eq "--object: medium total < baseline" "$(jqv '.profiles[1].savings_bytes > 0')" true
	# a stale rule (value size) is reported, the baseline uses the object's
	sed 's/value_size: 896 /value_size: 900 /' "$RULES" >"$TMP/stale.yaml"
	expect_err "--object: stale rule warned" 0 "execve_map.*value 896.*value 900.*stale rule" \
		"$MAPSIZE" report "$TMP/stale.yaml" "${KERNEL[@]}" --object "$OBJ" --format json
else
	skip "--object" "$OBJ is missing (make demo needs clang and bpftool)"
fi

# ---- the SVG chart ----------------------------------------------------------------------
SVG=$TMP/chart.svg
svg_args=("${KERNEL[@]}")
[ -e "$OBJ" ] && svg_args+=(--object "$OBJ")
expect_rc "--svg: exit 0" 0 "$MAPSIZE" report "$RULES" "${svg_args[@]}" --svg "$SVG" --format json
cp "$TMP/out" "$TMP/svg.json"
if command -v xmllint >/dev/null; then
	expect_rc "--svg: well-formed XML (xmllint)" 0 xmllint --noout "$SVG"
else
	expect_eq "--svg: well-formed XML (grep: no xmllint)" \
		"$(head -c 5 "$SVG"; grep -c '^</svg>$' "$SVG"; grep -c '&[^a-z#]' "$SVG")" "<?xml1
0"
fi
expect_eq "--svg: no temp file left" "$(ls "$TMP" | grep -c 'chart.svg.tmp')" 0
nmaps=$(jq '.maps | length' "$TMP/svg.json")
groups=$(grep -c '<g class="map" data-name=' "$SVG")
# TOTAL + the 12 largest maps + one group summing the others
expect_eq "--svg: a bar group per map shown (+ TOTAL, + others)" "$groups" $((nmaps > 13 ? 14 : nmaps + 1))
missing=
for m in $(jq -r '.maps[].name' "$TMP/svg.json"); do
	grep -q "data-name=\"$m\"" "$SVG" || grep -q "other maps: .*\b$m\b" "$SVG" || missing+=" $m"
done
expect_eq "--svg: every map has its group or is named among the others" "$missing" ""
expect_eq "--svg: three bars per group, one per profile" "$(grep -c '<g class="bar">' "$SVG")" $((groups * 3))
expect_eq "--svg: legend with the three profiles and the baseline" \
	"$(sed -n '/<g class="legend">/,/<\/g>/p' "$SVG" | grep -c -E '>(small|medium|large|baseline[^<]*)</text>')" 4
expect_eq "--svg: bars in three colours" \
	"$(grep -A3 '<g class="bar">' "$SVG" | grep -o '<rect [^>]*fill="#[0-9A-Fa-f]\{6\}"/>' | grep -o '#[0-9A-Fa-f]*' | sort -u | wc -l)" 3
expect_eq "--svg: baseline markers" "$(grep -c 'class="baseline"' "$SVG")" $((groups * 3))
expect_eq "--svg: title names the app and the kernel era" \
	"$(grep -c -e '>demo-agent: BPF map memory by cluster profile</text>' -e 'mem_usage era' "$SVG")" 2
expect_eq "--svg: log axis said so" "$(grep -c 'log scale' "$SVG")" 1
expect_eq "--svg: no timestamp" "$(grep -c -E '20[0-9]{2}-[0-9]{2}-[0-9]{2}' "$SVG")" 0
"$MAPSIZE" report "$RULES" "${svg_args[@]}" --svg "$TMP/again.svg" >/dev/null 2>&1
expect_rc "--svg: byte-identical across runs" 0 cmp "$SVG" "$TMP/again.svg"
# names with XML specials are escaped
{ printf '%s\n' "app: \"a<b> & \\\"c\\\" 'd'\""; grep -v '^app:' "$RULES"; } >"$TMP/esc.yaml"
expect_rc "--svg: app name with <>&\"': exit 0" 0 "$MAPSIZE" report "$TMP/esc.yaml" "${KERNEL[@]}" --svg "$TMP/esc.svg"
if command -v xmllint >/dev/null; then
	expect_rc "--svg: escaped name still well-formed" 0 xmllint --noout "$TMP/esc.svg"
fi
expect_eq "--svg: name escaped" "$(grep -c 'a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;: BPF map memory' "$TMP/esc.svg")" 2

# ---- bad input -------------------------------------------------------------------------
echo "old chart" >"$TMP/keep.svg"
expect_err "missing --object: exit 2" 2 "nonexistent.bpf.o: error: cannot open BPF object" \
	"$MAPSIZE" report "$RULES" --object "$TMP/nonexistent.bpf.o" --svg "$TMP/none.svg"
expect_eq "missing --object: no SVG written" "$(ls "$TMP" | grep -c '^none.svg')" 0
echo "not an ELF file" >"$TMP/bad.bpf.o"
expect_err "non-ELF --object: exit 2" 2 "bad.bpf.o: error: cannot open BPF object" \
	"$MAPSIZE" report "$RULES" --object "$TMP/bad.bpf.o" --svg "$TMP/keep.svg"
expect_eq "non-ELF --object: existing SVG untouched, no temp file" \
	"$(cat "$TMP/keep.svg"; ls "$TMP" | grep -c 'keep.svg.tmp')" "old chart
0"
# An object libbpf cannot open (an extern linked in at run time): its maps
# are read from the ELF and BTF, so it is a baseline like any other.
UNLINKED=$O/tests/bpf/unlinked.bpf.o
printf 'app: u\nmaps:\n  verdicts:\n    type: array\n    key_size: 4\n    value_size: 8\n    max_entries: 16\n' >"$TMP/unlinked.yaml"
expect_rc "unlinked extern --object: report" 0 "$MAPSIZE" report "$TMP/unlinked.yaml" --object "$UNLINKED" --format json
expect_eq "unlinked extern --object: baseline from the object" \
	"$(jq -r '.maps[0] | "\(.name) \(.baseline_max_entries) \(.baseline_source) \(.baseline_memlock_bytes)"' "$TMP/out")" "verdicts 4 object 344"
expect_err "--map-size rejected" 2 "report always shows small, medium and large: --map-size=small is not accepted" \
	"$MAPSIZE" report "$RULES" --map-size=small
expect_err "missing rules: exit 2" 2 "nonexistent.yaml: error" "$MAPSIZE" report "$TMP/nonexistent.yaml" --svg "$TMP/none.svg"
printf 'app: t\nmaps:\n  m:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entires: 8\n' >"$TMP/bad.yaml"
expect_err "bad rules: exit 2 with FILE:LINE:COL" 2 "bad.yaml:7:5: error: .*max_entries" \
	"$MAPSIZE" report "$TMP/bad.yaml" --svg "$TMP/none.svg"
expect_eq "bad rules: no SVG written" "$(ls "$TMP" | grep -c '^none.svg')" 0
expect_err "no rules: exit 2" 2 "expects exactly one RULES file" "$MAPSIZE" report
expect_err "unknown --format: exit 2" 2 "unknown --format" "$MAPSIZE" report "$RULES" --format xml
expect_err "SVG in a missing directory: exit 2" 2 "cannot write the SVG chart" \
	"$MAPSIZE" report "$RULES" "${KERNEL[@]}" --svg "$TMP/no/such/dir/x.svg"
expect_rc "--help: exit 0" 0 "$MAPSIZE" report --help
documented=
for re in '--object FILE.bpf.o' '--svg FILE' '--map-size' 'rejected' 'own `cpus` dimension' 'baseline:'; do
	grep -q -e "$re" "$TMP/out" && documented+=y
done
expect_eq "--help: documents --object, --svg, --map-size rejected, the CPUs, baseline:" "$documented" yyyyyy
expect_rc "mapsize --help lists report" 0 "$MAPSIZE" --help
expect_eq "mapsize --help lists report" "$(grep -c '^  report ' "$TMP/out")" 1

# ---- honest baselines: a map compiled at max_entries 1, resized at run time -----------------
RESIZED=$O/tests/bpf/resized.bpf.o
cat >"$TMP/resized.yaml" <<'YAML'
app: resized
maps:
  sessions: {type: hash, key_size: 4, value_size: 8, max_entries: procs, baseline: 4096}
  peers: {type: hash, key_size: 4, value_size: 8, max_entries: 512}
YAML
if [ -e "$RESIZED" ]; then
	expect_rc "--object, placeholder size: exit 0" 0 "$MAPSIZE" report "$TMP/resized.yaml" --object "$RESIZED" --format json "${KERNEL[@]}"
	expect_eq "auto: the rule's baseline wins over the compiled 1" \
		"$(jqv '[.maps[] | "\(.name)=\(.baseline_max_entries)/\(.baseline_source)"] | join(" ")')" \
		"sessions=4096/rules peers=512/object"
	expect_eq "auto: mode and source" "$(jqv '"\(.baseline.mode) \(.baseline.source)"')" "auto object"
	expect_eq "auto: medium saves, no +1024%" "$(jqv '.profiles[] | select(.name == "medium") | .savings_percent < 100')" true
	expect_rc "--baseline object" 0 "$MAPSIZE" report "$TMP/resized.yaml" --object "$RESIZED" --baseline object --format json "${KERNEL[@]}"
	expect_eq "--baseline object: the compiled sizes" \
		"$(jqv '[.maps[] | "\(.name)=\(.baseline_max_entries)/\(.baseline_source)"] | join(" ")')" \
		"sessions=null/null peers=512/object"
	expect_eq "--baseline object: compiled at 1 is no baseline, said why" \
		"$(jqv '.maps[] | select(.name == "sessions") | .baseline_note')" \
		'compiled at max_entries 1 (sized at run time): give its rule `baseline:`'
	# the rule without baseline: as a draft of the object gives it
	sed 's/, baseline: 4096//' "$TMP/resized.yaml" >"$TMP/resized-nobase.yaml"
	expect_rc "no baseline: in the rule: exit 0" 0 "$MAPSIZE" report "$TMP/resized-nobase.yaml" --object "$RESIZED" --format json "${KERNEL[@]}"
	expect_eq "no baseline: sessions has none, null with the reason; peers the compiled 512" \
		"$(jqv '[.maps[] | "\(.name)=\(.baseline_max_entries)/\(.baseline_memlock_bytes)/\(.baseline_source)/\(.baseline_note)"] | join(" ")')" \
		'sessions=null/null/null/compiled at max_entries 1 (sized at run time): give its rule `baseline:` peers=512/'"$(jqv '.maps[] | select(.name == "peers") | .baseline_memlock_bytes')"'/object/null'
	expect_eq "no baseline: listed, counted per profile" \
		"$(jq -c '[.baseline.maps_without_baseline, [.profiles[].maps_without_baseline]]' "$TMP/out")" '[["sessions"],[1,1,1]]'
	expect_eq "no baseline: savings over peers alone (baseline == cost: 0 %, never +1024 %)" \
		"$(jq -c '[.profiles[] | [.savings_bytes, .savings_percent, .based_memlock_bytes == .baseline_memlock_bytes,
			.total_memlock_bytes > .based_memlock_bytes]]' "$TMP/out")" '[[0,0,true,true],[0,0,true,true],[0,0,true,true]]'
	expect_rc "no baseline: table" 0 "$MAPSIZE" report "$TMP/resized-nobase.yaml" --object "$RESIZED" "${KERNEL[@]}"
	expect_eq "no baseline: table names it, why, and how many" \
		"$(grep -A1 '^no baseline:' "$TMP/out")" \
		"no baseline: sessions (compiled at max_entries 1 (sized at run time): give its rule \`baseline:\`):
  1 map without a baseline, left out of the savings (both sides); the profiles' totals count them"
	expect_eq "no baseline: table: no +N % anywhere" "$(grep -c '+[0-9.]*%' "$TMP/out")" 0
	expect_eq "no baseline: table: BASE_MAX and BASE_FROM dashes" \
		"$(awk '$1 == "sessions" {print $3, $4, $NF; exit}' "$TMP/out")" "- - -"
	expect_rc "--baseline rules" 0 "$MAPSIZE" report "$TMP/resized.yaml" --object "$RESIZED" --baseline rules --format json "${KERNEL[@]}"
	expect_eq "--baseline rules: the rules' only" \
		"$(jqv '[.maps[] | "\(.name)=\(.baseline_max_entries)/\(.baseline_source)"] | join(" ")')" \
		"sessions=4096/rules peers=null/null"
	expect_rc "table: BASE_FROM column" 0 "$MAPSIZE" report "$TMP/resized.yaml" --object "$RESIZED" "${KERNEL[@]}"
	expect_eq "table: BASE_FROM per map" "$(awk '$1 == "sessions" || $1 == "peers" {print $1, $NF}' "$TMP/out" | head -2 | tr '\n' ' ')" \
		"sessions rules peers object "
else
	fail "resized object built" "$RESIZED is missing; run make tests"
fi
expect_err "--baseline without --object" 2 "expected --object FILE.bpf.o as well" \
	"$MAPSIZE" report "$TMP/resized.yaml" --baseline object
expect_err "--baseline guess" 2 "expected auto, object or rules" \
	"$MAPSIZE" report "$TMP/resized.yaml" --baseline guess

finish
