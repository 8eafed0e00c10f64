#!/usr/bin/env bash
# `mapsize rules init` and `mapsize rules check` (no kernel needed; verify,
# which loads, only as root):
#   - the draft of the demo object has exactly the object's maps, in its order,
#     with the types, sizes and flags its BTF says (bpftool as the oracle), and
#     round-trips: plan accepts it, verify passes unchanged (kernel max_entries
#     = compiled), rules check is clean; the same for mixed.bpf.o and
#     draft_a.bpf.o (most map types, flags, map_extra, a devmap);
#   - deterministic; stale rules (a value size, a type, flags, a removed and
#     an extra rule) exit 1 naming each; identical maps of two objects merge,
#     a conflict exits 2; bad objects give one line and exit 2 without
#     touching the output file; as an ordinary user both commands work.
source "$(dirname "$0")/lib.sh"

DEMO=$O/demo/agent.bpf.o
MIXED=$O/tests/bpf/mixed.bpf.o
A=$O/tests/bpf/draft_a.bpf.o
B=$O/tests/bpf/draft_b.bpf.o
C=$O/tests/bpf/draft_c.bpf.o
M=$MAPSIZE

for f in "$M" "$DEMO" "$MIXED" "$A" "$B" "$C"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }
root=$([ "$(id -u)" -eq 0 ] && echo 1)

# jqc FILTER: compact jq on $TMP/out
jqc() { jq -c "$1" "$TMP/out"; }
# lines FILE: number of lines
lines() { wc -l <"$1" | tr -d ' '; }

# ---- the demo object --------------------------------------------------------
expect_rc "init demo: stdout" 0 "$M" rules init --object "$DEMO"
cp "$TMP/out" "$TMP/demo.yaml"
expect_rc "init demo: -o" 0 "$M" rules init --object "$DEMO" -o "$TMP/demo2.yaml"
expect_eq "init -o: says what it wrote" "$(cat "$TMP/err")" \
	"$TMP/demo2.yaml: 16 rules drafted from 1 object (1 map without a rule)"
expect_eq "deterministic: stdout and -o byte-identical" "$(cmp "$TMP/demo.yaml" "$TMP/demo2.yaml" && echo same)" same
run "$M" rules init --object "$DEMO"
expect_eq "deterministic: a second run byte-identical" "$(cmp "$TMP/out" "$TMP/demo.yaml" && echo same)" same
expect_eq "app: from the object's name" "$(grep '^app:' "$TMP/demo.yaml")" "app: agent"
expect_eq "maps compiled at 1: no baseline: 1, a commented line saying why" \
	"$(grep -c '^    baseline: 1$' "$TMP/demo.yaml")|$(sed -n '/^  tg_conf_map:/,/^$/p' "$TMP/demo.yaml" | grep -c '^    # baseline: compiled at 1 (sized at run time by the agent); set the size it runs with$')" "0|1"
expect_rc "plan accepts the draft" 0 "$M" plan "$TMP/demo.yaml" --format json
cp "$TMP/out" "$TMP/demo-plan.json"

# The object's maps from its BTF (.maps DATASEC, in order; an __array(values)
# of map definitions gives NAME.inner right after its outer map).
btf_maps() { # OBJ -> [{name,type,key_size,value_size,max_entries,map_flags}]
	bpftool -j btf dump file "$1" | jq '
	  (.types | map({key: (.id | tostring), value: .}) | from_entries) as $t
	  | def T($i): $t[$i | tostring];
	    def size($i): T($i) as $x |
	      if $x.kind == "PTR" then 8
	      elif ($x.kind | IN("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG")) then size($x.type_id)
	      elif $x.kind == "ARRAY" then $x.nr_elems * size($x.type_id)
	      else $x.size end;
	    def num($i): T(T($i).type_id).nr_elems;
	    def mapdef($name; $s):
	      ($s.members | map({key: .name, value: .type_id}) | from_entries) as $m
	      | { name: $name, type: num($m.type),
	          key_size: (if $m.key_size then num($m.key_size) elif $m.key then size(T($m.key).type_id) else 0 end),
	          value_size: (if $m.value_size then num($m.value_size) elif $m.value then size(T($m.value).type_id)
	                       elif $m.values then 4 else 0 end),
	          max_entries: (if $m.max_entries then num($m.max_entries) else 0 end),
	          map_flags: (if $m.map_flags then num($m.map_flags) else 0 end) },
	        (if $m.values then T(T(T($m.values).type_id).type_id) as $in
	         | if $in.kind == "STRUCT" then mapdef($name + ".inner"; $in) else empty end else empty end);
	  [ .types[] | select(.kind == "DATASEC" and .name == ".maps") | .vars[] | T(.type_id)
	    | mapdef(.name; T(.type_id)) ]
	  | map(.type |= ({"1": "hash", "2": "array", "3": "prog_array", "4": "perf_event_array",
	      "5": "percpu_hash", "6": "percpu_array", "7": "stack_trace", "9": "lru_hash",
	      "10": "lru_percpu_hash", "11": "lpm_trie", "12": "array_of_maps", "13": "hash_of_maps",
	      "22": "queue", "27": "ringbuf", "29": "task_storage", "30": "bloom_filter",
	      "31": "user_ringbuf"}[tostring] // tostring))'
}
# maps of a plan JSON as the oracle spells them
plan_maps() { jq '[.maps[] | {name, type, key_size, value_size, max_entries, map_flags}]' "$1"; }

if command -v bpftool >/dev/null; then
	btf_maps "$DEMO" | jq '[.[] | select(.name != "mapsize_overflow")]' >"$TMP/demo-btf.json"
	expect_eq "demo: the object's BTF has 16 maps besides mapsize_overflow" "$(jq length "$TMP/demo-btf.json")" 16
	expect_eq "demo: the draft has the BTF's maps, in the object's order, with its types, sizes, flags" \
		"$(plan_maps "$TMP/demo-plan.json" | jq -c .)" "$(jq -c . "$TMP/demo-btf.json")"
	expect_eq "demo: every baseline is the compiled max_entries, none for maps compiled at 1" \
		"$(jq -c '[.maps[] | .baseline_max_entries]' "$TMP/demo-plan.json")" \
		"$(jq -c '[.[] | .max_entries | if . <= 1 then null else . end]' "$TMP/demo-btf.json")"
else
	skip "demo: maps against the object's BTF" "bpftool is not installed"
fi
expect_eq "demo: known values (execve_map hash 4/896/32768)" \
	"$(jq -c '.maps[] | select(.name == "execve_map") | [.type, .key_size, .value_size, .max_entries, .baseline_max_entries, .prealloc]' "$TMP/demo-plan.json")" \
	'["hash",4,896,32768,32768,true]'
expect_eq "demo: the inner template (policy_filter_maps.inner hash 8/1/32768)" \
	"$(jq -c '.maps[] | select(.name == "policy_filter_maps.inner") | [.type, .key_size, .value_size, .max_entries, .inner_of]' "$TMP/demo-plan.json")" \
	'["hash",8,1,32768,"policy_filter_maps"]'
expect_eq "demo: compiled flags (tg_conf_map rdonly_prog, addr4_lpm no prealloc)" \
	"$(jq -c '[.maps[] | select(.name == "tg_conf_map" or .name == "addr4_lpm") | .map_flags]' "$TMP/demo-plan.json")" '[1,128]'
expect_eq "demo: ringbuf bytes" \
	"$(jq -c '.maps[] | select(.name == "events") | [.type, .max_entries]' "$TMP/demo-plan.json")" '["ringbuf",524288]'
expect_rc "maps DRAFT --format json" 0 "$M" maps "$TMP/demo.yaml" --format json
expect_eq "maps json: schema_version first" "$(jqv 'keys_unsorted[0] + " " + (.schema_version|tostring)')" "schema_version 1"
expect_eq "maps: names and types as the plan's" "$(jqc '[.maps[] | [.name, .type]]')" \
	"$(jq -c '[.maps[] | [.name, .type]]' "$TMP/demo-plan.json")"
expect_eq "a comment per map saying what to replace" \
	"$(grep -c '^  # compiled [0-9]*: ' "$TMP/demo.yaml")" 16
expect_eq "execve_map's comment" "$(grep -B2 '^  execve_map:' "$TMP/demo.yaml" | head -1)" \
	"  # compiled 32768: replace with an expression of the profile's dimensions, e.g. procs"
expect_eq "mapsize's overflow counters: named, no rule" \
	"$(grep -c '^  # mapsize_overflow: mapsize.s overflow counters' "$TMP/demo.yaml")|$(grep -c '^  mapsize_overflow:' "$TMP/demo.yaml")" "1|0"

expect_rc "check DRAFT --object demo: clean" 0 "$M" rules check "$TMP/demo.yaml" --object "$DEMO"
expect_eq "check: summary" "$(tail -1 "$TMP/out")" \
	"$TMP/demo.yaml: 16 rules match, 0 stale, 0 without a map, 0 maps without a rule, 1 skipped: clean"
expect_rc "check --format json: clean" 0 "$M" rules check "$TMP/demo.yaml" --object "$DEMO" --format json
expect_eq "check json: schema_version first" "$(jqv 'keys_unsorted[0] + " " + (.schema_version|tostring)')" "schema_version 1"
expect_eq "check json: stale false, counts" "$(jqc '[.stale, .counts.ok, .counts.stale, .counts.no_map, .counts.no_rule, .counts.skipped]')" \
	'[false,16,0,0,0,1]'
expect_eq "check json: the object, every map ok or skipped" \
	"$(jqc '[.objects, ([.maps[] | .status] | unique)]')" "[[\"$DEMO\"],[\"ok\",\"skipped\"]]"
expect_rc "the shipped examples/agent.rules.yaml matches the demo object" 0 \
	"$M" rules check examples/agent.rules.yaml --object "$DEMO"
expect_rc "--app names the application" 0 "$M" rules init --object "$DEMO" --app "my-agent"
expect_eq "--app" "$(grep '^app:' "$TMP/out")" "app: my-agent"

# verify: applies, loads, reads back — the draft loads as compiled
verify_unchanged() { # NAME DRAFT OBJ
	local name=$1 draft=$2 obj=$3
	if [ -z "$root" ]; then
		skip "$name: verify" "not root: loading needs CAP_BPF"
		return
	fi
	expect_rc "$name: verify passes unchanged" 0 "$M" verify "$draft" --object "$obj" --format json
	expect_eq "$name: verify: kernel max_entries = compiled for every drafted map" \
		"$(jqc '[.maps[] | select(.managed and .planned_max_entries != 0 and .kernel_max_entries != .planned_max_entries) | .name]')" "[]"
	expect_eq "$name: verify: every drafted map managed" \
		"$(jqv "[.maps[] | select(.managed)] | length")" \
		"$("$M" plan "$draft" --format json | jq '.maps | length')"
}
verify_unchanged demo "$TMP/demo.yaml" "$DEMO"

# ---- mixed.bpf.o: global data, map-in-maps ----------------------------------
expect_rc "init mixed" 0 "$M" rules init --object "$MIXED" -o "$TMP/mixed.yaml"
expect_eq "mixed: libbpf's internal maps left out" "$(grep -c 'rodata\|\.data\|\.bss' "$TMP/mixed.yaml")" 0
expect_rc "mixed: plan" 0 "$M" plan "$TMP/mixed.yaml" --format json
expect_eq "mixed: maps, with both inner templates" \
	"$(jqc '[.maps[] | [.name, .type, .key_size, .value_size, .max_entries, .prealloc]]')" \
	'[["flows","hash",4,8,100,true],["unruled","array",4,8,5,true],["tables","array_of_maps",4,4,4,true],["tables.inner","array",4,4,8,true],["sets","hash_of_maps",4,4,4,true],["sets.inner","hash",4,4,8,false]]'
if command -v bpftool >/dev/null; then
	expect_eq "mixed: the draft against the object's BTF" "$(jqc '[.maps[] | {name, type, key_size, value_size, max_entries, map_flags}]')" \
		"$(btf_maps "$MIXED" | jq -c .)"
fi
verify_unchanged mixed "$TMP/mixed.yaml" "$MIXED"
expect_rc "mixed: check clean" 0 "$M" rules check "$TMP/mixed.yaml" --object "$MIXED"

# ---- the map-in-map probe objects (issue 9, item 4) round-trip --------------
# inner spin_lock/timer/kptr values (BTF templates), a compiled BPF_F_INNER_MAP
# inner, static slots, sleepable and perf_event users
for probe in mim_btf:5 mim_flags:4 mim_slots:9 mim_kptr:3 used_by:3; do
	name=${probe%:*} want=${probe#*:} obj=$O/tests/bpf/${probe%:*}.bpf.o
	expect_rc "$name: init" 0 "$M" rules init --object "$obj" -o "$TMP/$name.yaml"
	expect_eq "$name: rules drafted" "$(grep -Eo '[0-9]+ rules? drafted' "$TMP/err")" "$want rules drafted"
	expect_rc "$name: check clean" 0 "$M" rules check "$TMP/$name.yaml" --object "$obj"
	verify_unchanged "$name" "$TMP/$name.yaml" "$obj"
	[ -n "$root" ] && expect_eq "$name: verify: memlock predicted to the byte" \
		"$(jqc '[.maps[] | select(.match == false or .inner_instance_error != null) | .name]')" "[]"
done

# ---- draft_a.bpf.o: most types, flags, map_extra, a devmap -------------------
expect_rc "init draft_a" 0 "$M" rules init --object "$A" -o "$TMP/a.yaml"
expect_eq "draft_a: a warning for the devmap" "$(grep -c "^warning: map 'ports' in .*: mapsize does not size devmap maps" "$TMP/err")" 1
expect_eq "draft_a: the devmap named in a comment, no rule" \
	"$(grep -c '^  # ports: a devmap map' "$TMP/a.yaml")|$(grep -c '^  ports:' "$TMP/a.yaml")" "1|0"
expect_eq "draft_a: a flag no rule names, in a comment" \
	"$(grep -c 'the object also sets map_flags 0x40, which apply keeps' "$TMP/a.yaml")" 1
expect_rc "draft_a: plan" 0 "$M" plan "$TMP/a.yaml" --format json
expect_eq "draft_a: maps" \
	"$(jqc '[.maps[] | [.name, .type, .key_size, .value_size, .max_entries, .map_flags, .map_extra]]')" \
	'[["shared","hash",4,8,64,0,0],["conf","array",4,4,1,128,0],["grow","lru_hash",8,4,256,2,0],["sparse","hash",4,4,512,1,0],["counters_mm","array",4,8,16,1024,0],["seen","bloom_filter",0,4,1000,0,3],["perf_out","perf_event_array",4,4,0,0,0],["task_data","task_storage",4,8,0,1,0],["work","queue",0,4,128,0,0],["rb","ringbuf",0,0,65536,0,0],["urb","user_ringbuf",0,0,131072,0,0]]'
verify_unchanged draft_a "$TMP/a.yaml" "$A"
expect_rc "draft_a: check clean" 0 "$M" rules check "$TMP/a.yaml" --object "$A"
expect_eq "draft_a: the user_ringbuf drafted, with the ring buffer's hint" \
	"$(grep -B1 '^  urb:' "$TMP/a.yaml" | grep -c '# compiled 131072: bytes, a power of two multiple of 4096')|$(grep -A1 '^  urb:' "$TMP/a.yaml" | grep -c 'type: user_ringbuf')|$(grep -c "map 'urb'.*does not size" "$TMP/err")" "1|1|0"
expect_eq "draft_a: check notes the devmap" "$(grep -c "^note: map 'ports': a devmap map" "$TMP/out")" 1

# ---- stale rules --------------------------------------------------------------
# value_size changed, a rule removed (tg_conf_map), a rule added (extra_map)
awk '
	/^  execve_map:/ { inmap = 1 }
	inmap && /^    value_size: 896$/ { print "    value_size: 900"; inmap = 0; next }
	/^  tg_conf_map:/ { skip = 1; next }
	skip && /^    / { next }
	{ skip = 0; print }
	END { print "  extra_map:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: 8" }
' "$TMP/demo.yaml" >"$TMP/stale.yaml"
vline=$(grep -n '^    value_size: 900$' "$TMP/stale.yaml" | cut -d: -f1)
eline=$(grep -n '^  extra_map:$' "$TMP/stale.yaml" | cut -d: -f1)
expect_rc "stale: plan still accepts the edited file" 0 "$M" plan "$TMP/stale.yaml"
expect_rc "stale: check exits 1" 1 "$M" rules check "$TMP/stale.yaml" --object "$DEMO"
expect_eq "stale: the value size, at the rule's line and column" \
	"$(grep -c "^$TMP/stale.yaml:$vline:17: stale: map 'execve_map': value_size is 900 in the rules but 896 in $DEMO$" "$TMP/out")" 1
expect_eq "stale: the map without a rule, a warning by default" \
	"$(grep -c "^$DEMO: warning: map 'tg_conf_map' (array, max_entries 1) in $DEMO has no rule" "$TMP/out")" 1
expect_eq "stale: the rule without a map" \
	"$(grep -c "^$TMP/stale.yaml:$eline:3: stale: map 'extra_map' has a rule but no map in $DEMO" "$TMP/out")" 1
expect_eq "stale: summary" "$(tail -1 "$TMP/out")" \
	"$TMP/stale.yaml: 14 rules match, 1 stale, 1 without a map, 1 map without a rule, 1 skipped: stale"
expect_rc "stale: check --format json exits 1" 1 "$M" rules check "$TMP/stale.yaml" --object "$DEMO" --format json
expect_eq "stale json: counts" "$(jqc '[.stale, .counts.stale, .counts.no_map, .counts.no_rule, .unmanaged]')" \
	'[true,1,1,1,"warn"]'
expect_eq "stale json: the difference" \
	"$(jqc '.maps[] | select(.name == "execve_map") | [.status, .rule_line, .differences]')" \
	"[\"stale\",$((vline - 3)),[{\"field\":\"value_size\",\"rule\":900,\"object\":896,\"line\":$vline,\"column\":17}]]"
expect_eq "stale json: no_rule and no_map" \
	"$(jqc '[.maps[] | select(.status == "no_rule" or .status == "no_map") | [.name, .status]]')" \
	'[["tg_conf_map","no_rule"],["extra_map","no_map"]]'
# --unmanaged: a rules file covering part of the object
sed '/^  tg_conf_map:/,/^$/d' "$TMP/demo.yaml" >"$TMP/part.yaml"
expect_rc "unmanaged: default warn: exit 0" 0 "$M" rules check "$TMP/part.yaml" --object "$DEMO"
expect_eq "unmanaged warn: the map listed as a warning" \
	"$(grep -c "^$DEMO: warning: map 'tg_conf_map' (array, max_entries 1) in $DEMO has no rule: apply leaves it as compiled$" "$TMP/out")" 1
expect_eq "unmanaged warn: summary clean" "$(tail -1 "$TMP/out")" \
	"$TMP/part.yaml: 15 rules match, 0 stale, 0 without a map, 1 map without a rule, 1 skipped: clean"
expect_rc "unmanaged warn: explicit, exit 0" 0 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --unmanaged warn
expect_eq "unmanaged warn: explicit, listed" "$(grep -c "warning: map 'tg_conf_map'" "$TMP/out")" 1
expect_rc "unmanaged ok: exit 0" 0 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --unmanaged ok
expect_eq "unmanaged ok: not listed" "$(grep -c "tg_conf_map" "$TMP/out")|$(tail -1 "$TMP/out" | grep -c ': clean$')" "0|1"
expect_rc "unmanaged error: exit 1" 1 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --unmanaged error
expect_eq "unmanaged error: listed as stale" \
	"$(grep -c "^$DEMO: stale: map 'tg_conf_map' (array, max_entries 1) in $DEMO has no rule" "$TMP/out")|$(tail -1 "$TMP/out" | grep -c ': stale$')" "1|1"
expect_rc "unmanaged json warn: exit 0" 0 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --format json
expect_eq "unmanaged json warn" "$(jqc '[.stale, .unmanaged, .counts.no_rule, [.maps[] | select(.status == "no_rule") | .name]]')" \
	'[false,"warn",1,["tg_conf_map"]]'
expect_rc "unmanaged json ok: exit 0" 0 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --format json --unmanaged ok
expect_eq "unmanaged json ok: counted, not listed" \
	"$(jqc '[.stale, .unmanaged, .counts.no_rule, [.maps[] | select(.status == "no_rule") | .name]]')" '[false,"ok",1,[]]'
expect_rc "unmanaged json error: exit 1" 1 "$M" rules check "$TMP/part.yaml" --object "$DEMO" --format json --unmanaged error
expect_eq "unmanaged json error" "$(jqc '[.stale, .unmanaged, .counts.no_rule]')" '[true,"error",1]'
expect_rc "unmanaged ok: a stale rule still exits 1" 1 "$M" rules check "$TMP/stale.yaml" --object "$DEMO" --unmanaged ok
expect_eq "unmanaged ok: stale rules still listed, the unmanaged map not" \
	"$(grep -c "stale: map 'extra_map' has a rule but no map" "$TMP/out")|$(grep -c tg_conf_map "$TMP/out")" "1|0"
expect_err "unmanaged: a bad value: exit 2" 2 "^error: --unmanaged: expected ok, warn or error, got 'maybe'$" \
	"$M" rules check "$TMP/part.yaml" --object "$DEMO" --unmanaged maybe
expect_rc "unmanaged: not an init option" 2 "$M" rules init --object "$DEMO" --unmanaged ok
# type and flags
sed -e '/^  tg_errmetrics_map:/,/^$/s/type: lru_percpu_hash/type: lru_hash/' \
    -e '/^    flags: \[rdonly_prog\]$/d' "$TMP/demo.yaml" >"$TMP/stale2.yaml"
expect_rc "stale type and flags: exit 1" 1 "$M" rules check "$TMP/stale2.yaml" --object "$DEMO"
expect_eq "stale: the type" "$(grep -c "stale: map 'tg_errmetrics_map': type is lru_hash in the rules but lru_percpu_hash in" "$TMP/out")" 1
expect_eq "stale: the flags" "$(grep -c "stale: map 'tg_conf_map': flags is \[\] in the rules but \[rdonly_prog\] in" "$TMP/out")" 1

# ---- several objects -----------------------------------------------------------
expect_rc "init two objects: identical maps merge" 0 "$M" rules init --object "$A" --object "$B" -o "$TMP/ab.yaml"
expect_eq "merge: one rule for shared, said in its comment" \
	"$(grep -c '^  shared:' "$TMP/ab.yaml")|$(grep -B2 '^  shared:' "$TMP/ab.yaml" | grep -c 'the same map in 2 objects')" "1|1"
expect_eq "merge: different max_entries: the largest kept, with a warning" \
	"$(grep -c "^warning: map 'grow': max_entries 128 in $B, 256 before (in $A): the draft keeps 256$" "$TMP/err")|$(grep -A6 '^  grow:' "$TMP/ab.yaml" | grep -c 'max_entries: 256')" "1|1"
expect_eq "merge: maps of both, in order" \
	"$("$M" plan "$TMP/ab.yaml" --format json | jq -c '[.maps[].name]')" \
	'["shared","conf","grow","sparse","counters_mm","seen","perf_out","task_data","work","rb","urb","only_b"]'
expect_rc "merge: check against both objects is clean" 0 "$M" rules check "$TMP/ab.yaml" --object "$A" --object "$B"
expect_rc "merge: check against one: the other's map has no map" 1 "$M" rules check "$TMP/ab.yaml" --object "$A"
expect_eq "merge: only_b named" "$(grep -c "stale: map 'only_b' has a rule but no map in $A" "$TMP/out")" 1
run "$M" rules init --object "$A" --object "$B"
expect_eq "merge: deterministic" "$(diff <(sed 1d "$TMP/out") <(sed 1d "$TMP/ab.yaml") >/dev/null && echo same)" same

echo "keep me" >"$TMP/keep.yaml"
expect_err "conflict: exit 2" 2 "^$C: error: map 'shared' conflicts with its definition in $A: value_size is 8 there and 4 here" \
	"$M" rules init --object "$A" --object "$C" -o "$TMP/keep.yaml"
expect_eq "conflict: one line" "$(lines "$TMP/err")" 1
expect_eq "conflict: the output file untouched" "$(cat "$TMP/keep.yaml")" "keep me"
expect_rc "conflict: check exits 2 too" 2 "$M" rules check "$TMP/a.yaml" --object "$A" --object "$C"

# ---- bad input ------------------------------------------------------------------
echo "not an object" >"$TMP/text.o"
expect_err "missing object: exit 2" 2 "^$TMP/nope.bpf.o: error: cannot open BPF object: No such file or directory, expected an ELF file built with clang -target bpf$" \
	"$M" rules init --object "$TMP/nope.bpf.o" -o "$TMP/keep.yaml"
expect_eq "missing object: one line, nothing written" "$(lines "$TMP/err")|$(cat "$TMP/keep.yaml")" "1|keep me"
expect_err "non-ELF object: exit 2" 2 "^$TMP/text.o: error: cannot open BPF object: not an ELF file, expected an ELF file built with clang -target bpf$" \
	"$M" rules init --object "$TMP/text.o" -o "$TMP/new.yaml"
expect_eq "non-ELF object: one line, no file" "$(lines "$TMP/err")|$(ls "$TMP" | grep -c '^new\.yaml')" "1|0"
expect_err "an ELF that is not BPF: exit 2" 2 "^/bin/sh: error: cannot open BPF object: an ELF file for another machine \(e_machine 62\), not a BPF object, expected" \
	"$M" rules init --object /bin/sh
expect_err "a directory: exit 2" 2 "^$TMP: error: cannot open BPF object: it is a directory" "$M" rules init --object "$TMP"
expect_eq "no temporary file left behind" "$(ls -a "$TMP" | grep -c 'tmp')" 0
expect_err "check: missing object: exit 2" 2 "cannot open BPF object: No such file" \
	"$M" rules check "$TMP/demo.yaml" --object "$TMP/nope.bpf.o"
# Objects libbpf cannot open (an extern function linked in at run time, the
# per-map `maps/NAME` sections of gobpf objects): the maps come from the ELF
# and BTF alone (issue 17 item 1).
UNLINKED=$O/tests/bpf/unlinked.bpf.o
expect_rc "init: unlinked extern: drafted" 0 "$M" rules init --object "$UNLINKED" -o "$TMP/unlinked.yaml"
expect_eq "init: unlinked extern: its map as compiled" \
	"$(sed -n '/^  verdicts:/,/^$/p' "$TMP/unlinked.yaml" | grep -v '#' | tr -s ' \n' ' ')" \
	" verdicts: type: array value_size: 8 max_entries: 4 baseline: 4 "
expect_rc "check: unlinked extern: clean" 0 "$M" rules check "$TMP/unlinked.yaml" --object "$UNLINKED"
OMSEC=$O/tests/bpf/om_section.bpf.o
expect_rc "init: maps/NAME sections: drafted" 0 "$M" rules init --object "$OMSEC" -o "$TMP/omsec.yaml"
expect_eq "init: maps/NAME sections: every map" "$(grep -c '^  [a-z_]*:$' "$TMP/omsec.yaml")" \
	"$("$M" rules init --object "$OMSEC" | grep -c '^  [a-z_]*:$')"
expect_rc "check: maps/NAME sections: clean" 0 "$M" rules check "$TMP/omsec.yaml" --object "$OMSEC"
expect_rc "plan: maps/NAME sections' draft plans" 0 "$M" plan "$TMP/omsec.yaml"
# An object without a map mapsize sizes: an empty rules file the chain accepts.
NOMAPS=$O/tests/bpf/om_nomaps.bpf.o
expect_rc "init: no maps: exit 0" 0 "$M" rules init --object "$NOMAPS" -o "$TMP/nomaps.yaml"
expect_eq "init: no maps: said so" "$(grep -c '^maps: {}$' "$TMP/nomaps.yaml")|$(grep -c '^# no rule: 0 maps' "$TMP/nomaps.yaml")" "1|1"
expect_rc "check: no maps: clean" 0 "$M" rules check "$TMP/nomaps.yaml" --object "$NOMAPS"
expect_rc "plan: no maps: accepted" 0 "$M" plan "$TMP/nomaps.yaml"
expect_err "check: missing rules: exit 2" 2 "^$TMP/nope.yaml: error: cannot open" "$M" rules check "$TMP/nope.yaml" --object "$DEMO"
printf 'app: x\nmaps:\n  m:\n    type: hash\n' >"$TMP/bad.yaml"
expect_err "check: bad rules: exit 2, located" 2 "^$TMP/bad.yaml:3:3: error: " "$M" rules check "$TMP/bad.yaml" --object "$DEMO"
expect_err "init without --object: exit 2" 2 "no --object" "$M" rules init
expect_err "init with a positional: exit 2" 2 "takes no RULES argument" "$M" rules init x.yaml --object "$DEMO"
expect_err "check without RULES: exit 2" 2 "exactly one RULES" "$M" rules check --object "$DEMO"
expect_err "check --format bad: exit 2" 2 "expected table or json" "$M" rules check "$TMP/demo.yaml" --object "$DEMO" --format xml
expect_err "unknown rules command: exit 2" 2 "unknown rules command 'bogus', expected init or check" "$M" rules bogus
expect_rc "rules with nothing: exit 2" 2 "$M" rules
expect_rc "rules --help" 0 "$M" rules --help
expect_eq "rules --help: both commands" "$(grep -c '^Usage: mapsize rules init\|^       mapsize rules check' "$TMP/out")" 2
expect_rc "mapsize --help lists rules" 0 "$M" --help
expect_eq "mapsize --help: rules" "$(grep -c '^  rules ' "$TMP/out")" 1
# (root writes anywhere: a path under a file cannot be written by anyone)
expect_err "-o under a file: exit 1" 1 "keep.yaml/x.yaml: error: cannot create a temporary file beside it: Not a directory" \
	"$M" rules init --object "$DEMO" -o "$TMP/keep.yaml/x.yaml"
expect_eq "-o under a file: one line, nothing written" "$(lines "$TMP/err")|$(cat "$TMP/keep.yaml")" "1|keep me"

# ---- an ordinary user -------------------------------------------------------------
if ! command -v setpriv >/dev/null; then
	skip "ordinary user" "setpriv is not installed"
elif [ -z "$root" ]; then
	skip "ordinary user" "not root: cannot switch to nobody"
else
	U=$(mktemp -d) && chmod 777 "$U"
	cp "$DEMO" "$MIXED" "$U/" && chmod 644 "$U"/*.o
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	expect_rc "nobody: rules init" 0 nobody "$M" rules init --object "$U/agent.bpf.o" --object "$U/mixed.bpf.o" -o "$U/d.yaml"
	expect_eq "nobody: the draft is written, owned by nobody" "$(stat -c %u "$U/d.yaml" 2>/dev/null)" 65534
	expect_rc "nobody: rules check" 0 nobody "$M" rules check "$U/d.yaml" --object "$U/agent.bpf.o" --object "$U/mixed.bpf.o"
	expect_rc "nobody: rules check --format json" 0 nobody "$M" rules check "$U/d.yaml" --object "$U/agent.bpf.o" \
		--object "$U/mixed.bpf.o" --format json
	expect_eq "nobody: clean" "$(jqc '[.stale, .counts.ok]')" '[false,22]'
	rm -rf "$U"
fi
finish
