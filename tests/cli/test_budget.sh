#!/usr/bin/env bash
# --budget SIZE|PCT% for plan, gen-header, report and verify:
#   - a budget the plan fits: factor 1, nothing scaled, the same maps;
#   - one it does not: after <= limit, the factor, every scaled map from the
#     unbudgeted plan's entries to this plan's, literal maps untouched, min
#     respected, maps below expected listed and warned about;
#   - below the minimums: exit 2 naming the minimum total, no output;
#   - PCT% of the memory dimension; inside a memory cgroup made for the
#     test, verify (a live node) takes PCT% of the cgroup's limit;
#   - gen-header writes the budgeted sizes, report budgets each profile,
#     verify loads the demo object with the budget and the kernel's
#     max_entries equal the budgeted plan, and the demo agent loads the same;
#   - bad budget strings: exit 2 and one clear line, for every command.
# Exact numbers use built-in 6.18 struct sizes (--kernel 6.18), the same on
# every machine.
source "$(dirname "$0")/lib.sh"

RULES=examples/agent.rules.yaml
OBJ=$O/demo/agent.bpf.o
K=(--kernel 6.18)

command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }

# ---- plan: fits -----------------------------------------------------------------------
"$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --format json >"$TMP/nobudget.json"
before=$(jq .total_memlock_full_bytes "$TMP/nobudget.json")
expect_eq "large without a budget: full memory" "$before" 251093192
expect_rc "plan --budget 1G" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 1G --format json
expect_eq "1G: budget" "$(jqv '.budget | [.limit_bytes, .source, .before_full_bytes, .after_full_bytes, .factor,
	(.scaled | length), (.will_overflow | length)] | @tsv')" "$(printf '1000000000\t--budget 1G\t%s\t%s\t1\t0\t0' "$before" "$before")"
expect_eq "1G: the maps as without a budget" "$(jqv '[.maps[] | [.name, .max_entries, .prealloc]] | tostring')" \
	"$(jq -r '[.maps[] | [.name, .max_entries, .prealloc]] | tostring' "$TMP/nobudget.json")"
expect_eq "without --budget: no budget key" "$(jq 'has("budget")' "$TMP/nobudget.json")" false

# ---- plan: scaled ---------------------------------------------------------------------
expect_rc "plan --budget 100Mi" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 100Mi --format json
cp "$TMP/out" "$TMP/100mi.json"
expect_eq "100Mi: limit, source, before, after, factor" \
	"$(jqv '.budget | [.limit_bytes, .source, .before_full_bytes, .after_full_bytes, .factor] | @tsv')" \
	"$(printf '104857600\t--budget 100Mi\t251093192\t104857511\t0.4719772336538881')"
expect_eq "100Mi: after = the plan's total_memlock_full_bytes <= limit" \
	"$(jqv '.budget.after_full_bytes == .total_memlock_full_bytes and .total_memlock_full_bytes <= .budget.limit_bytes')" true
expect_eq "100Mi: scaled maps old -> new" "$(jqv '[.budget.scaled[] | "\(.name) \(.from_entries) \(.to_entries)"] | join(",")')" \
	"execve_map 131072 61862,tg_parents_bin 32768 15465,tg_execve_joined_info_map 16384 8192,tg_cgrps_tracking_map 1076 1024,cgroup_rate_map 666 512,policy_filter_maps 1024 483,policy_filter_maps.inner 600 283,override_tasks 131072 61862,addr4_lpm 65536 30931,stack_trace_map 8192 4096,events 4194304 2097152"
expect_eq "100Mi: from_entries = the unbudgeted plan, to_entries = this plan" \
	"$(jq -r --slurpfile nb "$TMP/nobudget.json" '[.budget.scaled[] as $s |
		($nb[0].maps[] | select(.name == $s.name) | .max_entries) == $s.from_entries and
		(.maps[] | select(.name == $s.name) | .max_entries) == $s.to_entries] | all' "$TMP/100mi.json")" true
expect_eq "100Mi: literal maps untouched" \
	"$(jqv '[.maps[] | select(.name | IN("tg_errmetrics_map", "execve_map_stats", "data_heap", "tg_conf_map", "tail_calls")) | .max_entries] | join(",")')" \
	"1024,3,1,1,2"
expect_eq "100Mi: min respected (tg_execve_joined_info_map 8192, cgroup_rate_map 512, tg_cgrps_tracking_map 1024)" \
	"$(jqv '[.maps[] | select(.name | IN("tg_execve_joined_info_map", "cgroup_rate_map", "tg_cgrps_tracking_map")) | .max_entries] | join(",")')" \
	"8192,1024,512"
expect_eq "100Mi: round: pow2 re-applied (stack_trace_map, events)" \
	"$(jqv '[.maps[] | select(.name | IN("stack_trace_map", "events")) | .max_entries] | join(",")')" "4096,2097152"
# execve_map: prealloc auto, expected 16384: not preallocated at 131072, preallocated at 61862 (> 1/4)
expect_eq "100Mi: preallocation re-decided (execve_map)" \
	"$(jq -r '.maps[] | select(.name == "execve_map") | .prealloc' "$TMP/nobudget.json") $(jqv '.maps[] | select(.name == "execve_map") | "\(.prealloc) \(.prealloc_reason)"')" \
	"false true auto (rule at examples/agent.rules.yaml:27:15): expected 16384 of 61862 entries is above 1/4"
expect_eq "100Mi: nothing below expected" "$(jqv '.budget.will_overflow | length')" 0

expect_rc "plan --budget 20Mi" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 20Mi --format json
expect_eq "20Mi: will overflow" "$(jqv '.budget.will_overflow | tostring')" \
	'[{"name":"execve_map","max_entries":11642,"expected_entries":16384}]'
expect_eq "20Mi: in warnings" "$(jqv '[.warnings[] | select(contains("will overflow at expected load"))] | join("")')" \
	"map 'execve_map': the memory budget (--budget 20Mi) scales it from 131072 to 11642 entries, below its expected 16384: will overflow at expected load"
expect_eq "20Mi: the warning on stderr too" "$(grep -c "will overflow at expected load" "$TMP/err")" 1

expect_rc "plan --budget 20Mi (table)" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 20Mi
expect_eq "table: the budget line" "$(grep '^budget:' "$TMP/out")" \
	"budget: 20.0 MiB = 20971520 bytes (--budget 20Mi); full memory 239.5 MiB before, 20.0 MiB after (20970913 bytes), factor 0.088829"
expect_eq "table: old -> new" "$(grep -E '^  execve_map ' "$TMP/out" | tr -s ' ')" \
	" execve_map 131072 -> 11642 entries below expected: will overflow at expected load"
expect_eq "table: the overflow list" "$(grep '^will overflow' "$TMP/out")" \
	"will overflow at expected load: execve_map (11642 < 16384 expected)"

# ---- below the minimums ----------------------------------------------------------------
expect_err "plan --budget 1Mi: exit 2 naming the minimum total" 2 \
	"^error: --budget 1Mi: the limit is 1048576 bytes \(1Mi\) but the maps take 6716040 bytes when full even with every expression-sized map at its minimum: the minimum achievable total is 6716040 bytes" \
	"$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 1Mi
expect_eq "... and prints no plan" "$(wc -c <"$TMP/out")" 0
expect_rc "plan --budget 6716040 (the minimum): fits" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 6716040 --format json
expect_eq "... within it, execve_map at its min 1024" \
	"$(jqv '.total_memlock_full_bytes <= 6716040 and (.maps[] | select(.name == "execve_map") | .max_entries) == 1024')" true

# ---- percentages ---------------------------------------------------------------------
expect_rc "plan --budget 0.05%" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 0.05% --format json
# large: memory 256Gi = 274877906944; 0.05% = 137438953 bytes
expect_eq "0.05%: of the memory dimension" "$(jqv '.budget | [.limit_bytes, .source] | @tsv')" \
	"$(printf '137438953\t0.05%% of memory 256Gi')"
expect_eq "0.05%: fits under it" "$(jqv '.total_memlock_full_bytes <= 137438953 and .budget.factor < 1')" true
expect_rc "plan --budget 1% --set memory=2Gi" 0 "$MAPSIZE" plan "$RULES" --map-size=large "${K[@]}" --budget 1% \
	--set memory=2Gi --format json
expect_eq "1% of a --set memory" "$(jqv '.budget | [.limit_bytes, .source] | @tsv')" "$(printf '21474836\t1%% of memory 2Gi')"

# ---- bad budget strings ----------------------------------------------------------------
for cmd in plan gen-header report verify; do
	extra=()
	[ "$cmd" = gen-header ] && extra=(-o "$TMP/bad.h")
	[ "$cmd" = verify ] && extra=(--object "$OBJ")
	expect_err "$cmd --budget 12Q: exit 2" 2 \
		"^error: --budget '12Q' is not a size, expected bytes with an optional k, M, G, T, Ki, Mi, Gi or Ti suffix \(256Mi, 1G, 1048576\) or PCT% of the memory dimension \(25%\)$" \
		"$MAPSIZE" "$cmd" "$RULES" "${extra[@]}" --budget 12Q
	expect_eq "$cmd --budget 12Q: one line, no output" "$(wc -l <"$TMP/err") $(wc -c <"$TMP/out")" "1 0"
done
expect_err "--budget 0" 2 "^error: --budget '0': expected a budget above 0 bytes$" "$MAPSIZE" plan "$RULES" --budget 0
expect_err "--budget 150%" 2 "^error: --budget '150%': expected a percentage above 0% and at most 100% of the memory dimension$" \
	"$MAPSIZE" plan "$RULES" --budget 150%
expect_err "--budget 2.555%" 2 "^error: --budget '2.555%' is not a percentage, expected digits with at most two decimals and '%' \(25%, 12.5%\)$" \
	"$MAPSIZE" plan "$RULES" --budget 2.555%
expect_err "--budget=-1" 2 "^error: --budget '-1' is not a size" "$MAPSIZE" plan "$RULES" --budget=-1
expect_err "--budget 99999999999999999999" 2 "^error: --budget '99999999999999999999' is out of range" \
	"$MAPSIZE" plan "$RULES" --budget 99999999999999999999
expect_eq "no header written by a bad budget" "$([ -e "$TMP/bad.h" ] && echo yes || echo no)" no

# ---- gen-header --------------------------------------------------------------------------
expect_rc "gen-header --budget 100Mi" 0 "$MAPSIZE" gen-header "$RULES" --map-size=large "${K[@]}" --budget 100Mi -o "$TMP/plan.h"
expect_eq "header: execve_map as the budgeted plan" \
	"$(sed -n 's/^#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES //p' "$TMP/plan.h")" \
	"$(jq -r '.maps[] | select(.name == "execve_map") | .max_entries' "$TMP/100mi.json")"
expect_eq "header: every map as the budgeted plan" \
	"$(sed -n 's/^#define MAPSIZE_\(.*\)_MAX_ENTRIES \(.*\)/\2/p' "$TMP/plan.h" | paste -sd,)" \
	"$(jq -r '[.maps[].max_entries] | join(",")' "$TMP/100mi.json")"
expect_eq "header: the budget in the comment" "$(grep '^ \* budget:' "$TMP/plan.h")" \
	" * budget: 104857600 bytes (--budget 100Mi), full memory 251093192 -> 104857511 bytes, factor 0.471977"
expect_eq "header: digest differs from the unbudgeted one" \
	"$("$MAPSIZE" gen-header "$RULES" --map-size=large "${K[@]}" -o "$TMP/nb.h" && [ "$(grep MAPSIZE_DIGEST "$TMP/nb.h")" != "$(grep MAPSIZE_DIGEST "$TMP/plan.h")" ] && echo yes)" yes
cp "$TMP/plan.h" "$TMP/plan.h.orig"
expect_err "gen-header below the minimums: exit 2" 2 "minimum achievable total is 6716040 bytes" \
	"$MAPSIZE" gen-header "$RULES" --map-size=large "${K[@]}" --budget 1Mi -o "$TMP/plan.h"
expect_eq "... the existing header untouched" "$(cmp -s "$TMP/plan.h" "$TMP/plan.h.orig" && echo same)" same

# ---- report --------------------------------------------------------------------------------
expect_rc "report --budget 50Mi" 0 "$MAPSIZE" report "$RULES" "${K[@]}" --budget 50Mi --format json
expect_eq "report: each profile's budget" \
	"$(jqv '[.profiles[] | "\(.name) \(.budget.limit_bytes) \(.budget.before_full_bytes) \(.budget.after_full_bytes) \(.budget.scaled | length)"] | join(",")')" \
	"small 52428800 8029224 8029224 0,medium 52428800 50335784 50335784 0,large 52428800 251093192 52427940 11"
expect_eq "report: totals are the budgeted plans'" \
	"$(jqv '[.profiles[] | .total_memlock_full_bytes == .budget.after_full_bytes] | all')" true
expect_rc "report --budget 50Mi (table)" 0 "$MAPSIZE" report "$RULES" "${K[@]}" --budget 50Mi
expect_eq "report table: a budget line per profile" "$(grep -c '^budget \(small\|medium\|large\):' "$TMP/out")" 3
expect_err "report below the minimums: exit 2" 2 "minimum achievable total" "$MAPSIZE" report "$RULES" "${K[@]}" --budget 1Mi

# ---- verify: the live kernel ----------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "verify --budget (live kernel)" "not root (uid $(id -u)): loading BPF objects needs root or CAP_BPF"
	finish
	exit
fi
[ -e "$OBJ" ] || { fail "prerequisites" "$OBJ is missing; run make tests"; finish; exit; }
expect_rc "verify --budget 40Mi" 0 "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=large --budget 40Mi --format json
cp "$TMP/out" "$TMP/verify.json"
expect_eq "verify: scaled, under the limit" "$(jqv '.budget.factor < 1 and .budget.after_full_bytes <= 41943040 and (.budget.scaled | length) > 0')" true
expect_eq "verify: no mismatches" "$(jqv .mismatches)" 0
expect_eq "verify: kernel max_entries = budgeted plan for every managed map" \
	"$(jqv '[.maps[] | select(.managed and .kernel_max_entries != .planned_max_entries) | .name] | join(",")')" ""
expect_eq "verify: every scaled map loaded at its new size" \
	"$(jqv '[.budget.scaled[] as $s | .maps[] | select(.name == $s.name and .managed) | .kernel_max_entries == $s.to_entries] | all')" true
cpus=$(jqv .possible_cpus)
mem=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 ))
"$MAPSIZE" plan "$RULES" --map-size=large --budget 40Mi --set cpus="$cpus" --set memory="$mem" --format json >"$TMP/nodeplan.json"
expect_eq "verify: the kernel's max_entries = mapsize plan --budget on this node's cpus and memory" \
	"$(jq -r '[.maps[] | select(.managed and (.name | contains(".inner") | not)) | "\(.name)=\(.kernel_max_entries)"] | sort | join(",")' "$TMP/verify.json")" \
	"$(jq -r --slurpfile v "$TMP/verify.json" '[.maps[] | select(.name as $n | $v[0].maps | any(.name == $n and .managed)) |
		select(.name | contains(".inner") | not) | "\(.name)=\(.max_entries)"] | sort | join(",")' "$TMP/nodeplan.json")"

AGENT=$O/demo/mapsize-demo-agent
if [ -x "$AGENT" ]; then
	expect_rc "demo agent --budget 40Mi" 0 "$AGENT" --map-size=large --budget 40Mi --no-attach --format json
	expect_eq "demo agent: loaded the sizes verify --budget loaded" \
		"$(jqv '[.maps[] | select(.status == "applied") | "\(.name)=\(.max_entries)"] | sort | join(",")')" \
		"$(jq -r '[.maps[] | select(.managed and (.name | contains(".inner") | not)) | "\(.name)=\(.kernel_max_entries)"] | sort | join(",")' "$TMP/verify.json")"
else
	fail "demo agent" "$AGENT is missing; run make tests"
fi

# ---- PCT% of a memory cgroup's limit ---------------------------------------------------------------
CGLIMIT=$((512 * 1024 * 1024))
read -r cgv parent < <(memcg_dir) || true
if [ -z "${cgv:-}" ]; then
	skip "budget in a memory cgroup" "no memory cgroup to create one under (neither v1 memory.limit_in_bytes nor v2 memory.max)"
	finish
	exit
fi
CG=$parent/mapsize-budget-$$
if ! mkdir "$CG" 2>"$TMP/mkdir.err"; then
	skip "budget in a memory cgroup" "cannot create $CG: $(cat "$TMP/mkdir.err")"
	finish
	exit
fi
if [ "$cgv" = v1 ]; then limit_file=$CG/memory.limit_in_bytes; else limit_file=$CG/memory.max; fi
echo "$CGLIMIT" >"$limit_file"
in_cgroup() { bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG" "$@"; }
expect_rc "in a $cgv cgroup limited to 512Mi: verify --budget 10%" 0 \
	in_cgroup "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=large --budget 10% --format json
# 10% of 536870912 = 53687091 bytes: the cgroup's limit is below the node's memory
expect_eq "verify in the cgroup: 10% of the cgroup limit" "$(jqv '.budget | [.limit_bytes, .source] | @tsv')" \
	"$(printf '53687091\t10%% of cgroup limit 512Mi (%s)' "$limit_file")"
expect_eq "verify in the cgroup: scaled under it, loaded as planned" \
	"$(jqv '.budget.after_full_bytes <= 53687091 and .budget.factor < 1 and .mismatches == 0')" true
expect_rc "in the cgroup: plan (no live node) --budget 10%" 0 \
	in_cgroup "$MAPSIZE" plan "$RULES" --map-size=large --budget 10% --format json
expect_eq "plan in the cgroup: 10% of the memory dimension" "$(jqv '.budget.source')" "10% of memory 256Gi"
rmdir "$CG" 2>/dev/null || fail "memory cgroup" "cannot remove $CG"

finish
