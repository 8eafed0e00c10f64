#!/usr/bin/env bash
# CLI tests of `mapsize gen-header`: deterministic output, atomic replacement
# (a failed run leaves an existing file and no temp file), and a BPF C file
# built with clang -target bpf whose maps carry the plan's sizes and flags.
. "$(dirname "$0")/lib.sh"

EXAMPLE=examples/agent.rules.yaml
KERNEL=(--kernel 6.6)

cat >"$TMP/r.yaml" <<'EOF'
app: header-test
maps:
  execve_map:
    type: hash
    key_size: 4
    value_size: 896
    max_entries: procs
    expected: procs / 8
    prealloc: auto
  policy_filter_maps:
    type: hash_of_maps
    key_size: 4
    max_entries: policies
  policy_filter_maps.inner:
    type: hash
    key_size: 8
    value_size: 1
    max_entries: containers * 2
  stats:
    type: percpu_array
    value_size: 8
    max_entries: 4
    flags: [rdonly_prog]
  events:
    type: ringbuf
    max_entries: 64Ki * cpus
    round: pow2
  trie:
    type: lpm_trie
    key_size: 8
    value_size: 1
    max_entries: cidrs
  task_data:
    type: task_storage
    value_size: 16
EOF
R=$TMP/r.yaml
OUT=$TMP/h
mkdir -p "$OUT"

# no_temp_files DIR: nothing named *.tmp* left in DIR
no_temp_files() { [ -z "$(find "$1" -name '*.tmp*' -print -quit)" ]; }

# ---- determinism ---------------------------------------------------------------------

expect_rc "gen-header" 0 "$MAPSIZE" gen-header "$R" "${KERNEL[@]}" -o "$OUT/a.h"
expect_eq "gen-header: nothing on stdout or stderr" "$(cat "$TMP/out" "$TMP/err")" ""
expect_rc "gen-header again" 0 "$MAPSIZE" gen-header "$R" "${KERNEL[@]}" --output "$OUT/b.h"
if cmp -s "$OUT/a.h" "$OUT/b.h"; then pass "same inputs: byte-identical"; else fail "same inputs: byte-identical" "$(diff "$OUT/a.h" "$OUT/b.h" | head)"; fi
expect_rc "gen-header with --set" 0 "$MAPSIZE" gen-header "$R" "${KERNEL[@]}" --set procs=1000 -o "$OUT/c.h"
digest() { sed -n 's/^ \* inputs digest: //p' "$1"; }
expect_eq "digest comment present" "$(digest "$OUT/a.h" | grep -cE '^fnv1a64:[0-9a-f]{16}$')" "1"
if [ "$(digest "$OUT/a.h")" != "$(digest "$OUT/c.h")" ]; then pass "changed --set: different digest"
else fail "changed --set: different digest" "both $(digest "$OUT/a.h")"; fi
expect_eq "changed --set: the size follows" "$(grep -c '^#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES 1000$' "$OUT/c.h")" "1"
run "$MAPSIZE" plan "$R" "${KERNEL[@]}" --format json
expect_eq "digest equals plan --format json's" "$(digest "$OUT/a.h")" "fnv1a64:$(jqv .digest)"
cp "$TMP/out" "$TMP/plan.json"

# ---- content ------------------------------------------------------------------------------

H=$OUT/a.h
expect_eq "include guard" "$(grep -cE '^#(ifndef|define) MAPSIZE_PLAN_HEADER_TEST_H$' "$H") $(tail -1 "$H")" \
	"2 #endif /* MAPSIZE_PLAN_HEADER_TEST_H */"
expect_eq "comment names app and profile" "$(sed -n '2,3p' "$H")" " * app: header-test
 * profile: medium"
expect_eq "one MAX_ENTRIES and FLAGS per map" "$(grep -cE '^#define MAPSIZE_[A-Z0-9_]+_(MAX_ENTRIES|FLAGS) [0-9]+$' "$H")" "14"
expect_eq "inner map macro names" \
	"$(grep -oE '^#define MAPSIZE_POLICY_FILTER_MAPS_INNER_(MAX_ENTRIES|FLAGS) [0-9]+' "$H" | xargs)" \
	"#define MAPSIZE_POLICY_FILTER_MAPS_INNER_MAX_ENTRIES 440 #define MAPSIZE_POLICY_FILTER_MAPS_INNER_FLAGS 0"
expect_eq "values equal the plan" \
	"$(jq -r '.maps[] | "\(.name) \(.max_entries) \(.map_flags)"' "$TMP/plan.json")" \
	"$(jq -r '.maps[].name' "$TMP/plan.json" | while read -r n; do
		m=$(printf '%s' "$n" | tr 'a-z' 'A-Z' | tr -c 'A-Z0-9' '_')
		printf '%s %s %s\n' "$n" "$(sed -n "s/^#define MAPSIZE_${m}_MAX_ENTRIES //p" "$H")" \
			"$(sed -n "s/^#define MAPSIZE_${m}_FLAGS //p" "$H")"
	done)"
expect_eq "flags: auto no-prealloc, rdonly_prog, storage" \
	"$(grep -E '^#define MAPSIZE_(EXECVE_MAP|STATS|TRIE|TASK_DATA)_FLAGS ' "$H" | awk '{ print $3 }' | xargs)" "1 128 1 1"
if gcc -fsyntax-only -Wall -Werror -x c - <<<"#include \"$H\"
#include \"$H\"
_Static_assert(MAPSIZE_EXECVE_MAP_MAX_ENTRIES == 32768, \"size\");
_Static_assert(MAPSIZE_MAP_COUNT == 7, \"count\");" 2>"$TMP/cc.err"; then
	pass "header compiles as C, twice included"
else
	fail "header compiles as C, twice included" "$(head -c 400 "$TMP/cc.err")"
fi

# the overflow slot list: after the last map block, the maps' names as C identifiers in id order
expect_eq "one overflow slot list" "$(grep -c '^#define MAPSIZE_OVERFLOW_SLOTS(X) ' "$H")" "1"
expect_eq "slot list = the plan's maps in order, as identifiers" \
	"$(sed -n 's/^#define MAPSIZE_OVERFLOW_SLOTS(X) //p' "$H")" \
	"$(jq -r '[.maps[].name | gsub("[^A-Za-z0-9_]"; "_") | "X(\(.))"] | join(" ")' "$TMP/plan.json")"
expect_eq "slot list spelled out" "$(sed -n 's/^#define MAPSIZE_OVERFLOW_SLOTS(X) //p' "$H")" \
	"X(execve_map) X(policy_filter_maps) X(policy_filter_maps_inner) X(stats) X(events) X(trie) X(task_data)"
expect_eq "slot i is the map whose MAPSIZE_<NAME>_ID is i" \
	"$(sed -n 's/^#define MAPSIZE_\([A-Z0-9_]*\)_ID \([0-9]*\)$/\2 \1/p' "$H" | xargs)" \
	"$(sed -n 's/^#define MAPSIZE_OVERFLOW_SLOTS(X) //p' "$H" | grep -o 'X([^)]*)' | tr -d 'X()' |
		tr 'a-z' 'A-Z' | awk '{ print NR - 1, $1 }' | xargs)"
expect_eq "slot list: after the last map block, a comment line before it, then the guard's end" \
	"$(grep -n -e '^#define MAPSIZE_TASK_DATA_EXPECTED_ENTRIES' -e '^/\* Overflow counter slots' \
		-e '^#define MAPSIZE_OVERFLOW_SLOTS' -e '^#endif' "$H" | cut -d: -f1 | awk 'NR == 1 { b = $1 } { printf "%d ", $1 - b }')" \
	"0 2 3 5 "
if gcc -fsyntax-only -Wall -Werror -x c - <<<"#include \"$H\"
#define ONE(name) + 1
_Static_assert(0 MAPSIZE_OVERFLOW_SLOTS(ONE) == MAPSIZE_MAP_COUNT, \"one slot per map\");
#define MEMBER(name) unsigned long long name[4];
struct slots { MAPSIZE_OVERFLOW_SLOTS(MEMBER) };
_Static_assert(__builtin_offsetof(struct slots, trie) == MAPSIZE_TRIE_ID * 32, \"slot i at i * 32\");
_Static_assert(__builtin_offsetof(struct slots, policy_filter_maps_inner) == MAPSIZE_POLICY_FILTER_MAPS_INNER_ID * 32, \"inner\");" \
	2>"$TMP/cc.err"; then
	pass "slot list: one per map, slot i at MAPSIZE_<NAME>_ID * 32"
else
	fail "slot list: one per map, slot i at MAPSIZE_<NAME>_ID * 32" "$(head -c 400 "$TMP/cc.err")"
fi

# ---- a failed run leaves the existing file and no temp file ----------------------------------

cp "$H" "$TMP/saved.h"
expect_err "bad --set fails" 2 "^error: malformed --set" "$MAPSIZE" gen-header "$R" --set procs -o "$H"
if cmp -s "$H" "$TMP/saved.h"; then pass "bad --set: existing file untouched"; else fail "bad --set: existing file untouched"; fi
if no_temp_files "$OUT"; then pass "bad --set: no temp file"; else fail "bad --set: no temp file" "$(ls "$OUT")"; fi
printf 'app: t\nmaps:\n  m:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entires: 1\n' >"$TMP/bad.yaml"
expect_err "bad rules fail" 2 "^$TMP/bad.yaml:7:5: error: unknown key" "$MAPSIZE" gen-header "$TMP/bad.yaml" -o "$H"
if cmp -s "$H" "$TMP/saved.h"; then pass "bad rules: existing file untouched"; else fail "bad rules: existing file untouched"; fi
# colliding macro names are found only when rendering, after planning
printf 'app: t\nmaps:\n  a.b:\n    type: array\n    value_size: 4\n    max_entries: 1\n  a_b:\n    type: array\n    value_size: 4\n    max_entries: 1\n' >"$TMP/collide.yaml"
expect_err "colliding macro names fail" 2 "^$H: error: two map names give the same macro name" \
	"$MAPSIZE" gen-header "$TMP/collide.yaml" -o "$H"
if cmp -s "$H" "$TMP/saved.h"; then pass "collision: existing file untouched"; else fail "collision: existing file untouched"; fi
# the write itself fails: the target is a directory, so the rename is refused
mkdir -p "$OUT/dir.h"
expect_err "unwritable target fails" 2 "^$OUT/dir.h: error: cannot rename the temporary file into place" \
	"$MAPSIZE" gen-header "$R" -o "$OUT/dir.h"
if no_temp_files "$OUT"; then pass "failed write: no temp file"; else fail "failed write: no temp file" "$(ls "$OUT")"; fi
expect_err "missing -o" 2 "^error: mapsize gen-header needs -o FILE" "$MAPSIZE" gen-header "$R"
expect_rc "replacing an existing file" 0 "$MAPSIZE" gen-header "$R" "${KERNEL[@]}" --set procs=1000 -o "$H"
if cmp -s "$H" "$OUT/c.h"; then pass "replaced file has the new content"; else fail "replaced file has the new content"; fi

# ---- the header in a BPF object --------------------------------------------------------------------

# bpf_c PLAN_JSON HEADER: a BPF C file declaring every map of the plan with the header's macros
# (inner templates become standalone maps named with '_').
bpf_c() {
	printf '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include "%s"\n\n' "$2"
	jq -r '.maps[] | [.name, .type, .key_size, .value_size] | @tsv' "$1" |
	while IFS=$'\t' read -r name type ks vs; do
		local macro var bpf_type
		macro=$(printf '%s' "$name" | tr 'a-z' 'A-Z' | tr -c 'A-Z0-9' '_')
		var=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_' '_')
		# enum bpf_map_type (uapi values; newer than some distributions' headers)
		case $type in
		hash) bpf_type=1 ;; array) bpf_type=2 ;; prog_array) bpf_type=3 ;; perf_event_array) bpf_type=4 ;;
		percpu_hash) bpf_type=5 ;; percpu_array) bpf_type=6 ;; stack_trace) bpf_type=7 ;;
		lru_hash) bpf_type=9 ;; lru_percpu_hash) bpf_type=10 ;; lpm_trie) bpf_type=11 ;;
		array_of_maps) bpf_type=12 ;; hash_of_maps) bpf_type=13 ;; queue) bpf_type=22 ;; stack) bpf_type=23 ;;
		sk_storage) bpf_type=24 ;; ringbuf) bpf_type=27 ;; inode_storage) bpf_type=28 ;;
		task_storage) bpf_type=29 ;; bloom_filter) bpf_type=30 ;; cgrp_storage) bpf_type=32 ;;
		user_ringbuf) bpf_type=31 ;;
		*) echo "#error unknown map type $type" ; continue ;;
		esac
		printf 'struct {\n\t__uint(type, %s);\n' "$bpf_type"
		printf '\t__uint(max_entries, MAPSIZE_%s_MAX_ENTRIES);\n' "$macro"
		printf '\t__uint(map_flags, MAPSIZE_%s_FLAGS);\n' "$macro"
		[ "$ks" -gt 0 ] && printf '\t__uint(key_size, %s);\n' "$ks"
		[ "$vs" -gt 0 ] && printf '\t__uint(value_size, %s);\n' "$vs"
		printf '} %s SEC(".maps");\n\n' "$var"
	done
	printf 'char LICENSE[] SEC("license") = "GPL";\n'
}

# btf_field OBJ VAR FIELD: the number a __uint(FIELD, N) of map VAR encodes in the object's BTF
btf_field() {
	bpftool -j btf dump file "$1" | jq -r --arg v "$2" --arg f "$3" '
		(.types | map({ key: (.id | tostring), value: . }) | from_entries) as $by
		| .types[] | select(.kind == "VAR" and .name == $v)
		| $by[.type_id | tostring].members[] | select(.name == $f)
		| $by[$by[.type_id | tostring].type_id | tostring].nr_elems'
}

# check_object NAME RULES ARGS...: header + BPF C + clang; object sizes == plan sizes
check_object() {
	local name=$1 rules=$2 dir; shift 2
	dir=$TMP/$name
	mkdir -p "$dir"
	if ! "$MAPSIZE" plan "$rules" --format json "$@" >"$dir/plan.json" 2>"$dir/err" ||
	   ! "$MAPSIZE" gen-header "$rules" "$@" -o "$dir/mapsize.h" 2>>"$dir/err"; then
		fail "$name: plan and header" "$(head -c 400 "$dir/err")"
		return
	fi
	bpf_c "$dir/plan.json" mapsize.h >"$dir/maps.bpf.c"
	if ! clang -target bpf -O2 -g -I"/usr/include/$(gcc -print-multiarch)" -I"$dir" \
		-c "$dir/maps.bpf.c" -o "$dir/maps.bpf.o" 2>"$dir/clang.err"; then
		fail "$name: clang -target bpf" "$(head -c 600 "$dir/clang.err")"
		return
	fi
	pass "$name: clang -target bpf"
	if ! command -v bpftool >/dev/null; then
		skip "$name: sizes in the object" "bpftool not installed"
		return
	fi
	local want got
	want=$(jq -r '.maps[] | "\(.name | gsub("[^A-Za-z0-9_]"; "_")) \(.max_entries) \(.map_flags)"' "$dir/plan.json")
	got=$(jq -r '.maps[].name | gsub("[^A-Za-z0-9_]"; "_")' "$dir/plan.json" | while read -r var; do
		echo "$var $(btf_field "$dir/maps.bpf.o" "$var" max_entries) $(btf_field "$dir/maps.bpf.o" "$var" map_flags)"
	done)
	expect_eq "$name: max_entries and map_flags in the object equal the plan" "$got" "$want"
}

if ! command -v clang >/dev/null; then
	skip "BPF object" "clang not installed (apt-get install clang)"
elif [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
	skip "BPF object" "bpf/bpf_helpers.h not installed (apt-get install libbpf-dev)"
else
	check_object "rules, medium" "$R" "${KERNEL[@]}"
	check_object "rules, large, --set" "$R" "${KERNEL[@]}" --map-size=large --set procs=100000
	check_object "rules, all prealloc off" "$R" "${KERNEL[@]}" --bpf-maps-prealloc=false
	grep -q 'MAPSIZE_POLICY_FILTER_MAPS_INNER_MAX_ENTRIES' "$TMP/rules, medium/maps.bpf.c" &&
		pass "BPF C uses the inner map macros" || fail "BPF C uses the inner map macros"
	# <mapsize/bpf_overflow.h> over the same header: the counter map's BTF
	# value has one __u64[4] member per slot, named and ordered as the list
	d="$TMP/rules, medium"
	{
		sed '/^char LICENSE/d' "$d/maps.bpf.c"
		printf '#include <mapsize/bpf_overflow.h>\n\nSEC("syscall")\nint put(void *ctx)\n{\n'
		printf '\t__u32 k = 99;\n\t__u64 v = 0;\n\n\treturn MAPSIZE_UPDATE(stats, &k, &v, BPF_ANY) ? 1 : 0;\n}\n\n'
		printf 'char LICENSE[] SEC("license") = "GPL";\n'
	} >"$d/ovf.bpf.c"
	if clang -target bpf -O2 -g -Wall -Werror -I"/usr/include/$(gcc -print-multiarch)" -Iinclude -I"$d" \
		-c "$d/ovf.bpf.c" -o "$d/ovf.bpf.o" 2>"$d/clang.err"; then
		pass "BPF C with <mapsize/bpf_overflow.h> and MAPSIZE_UPDATE compiles"
		if command -v bpftool >/dev/null; then
			expect_eq "counter map's BTF members = the slot list" \
				"$(bpftool -j btf dump file "$d/ovf.bpf.o" | jq -r '.types[] |
					select(.kind == "STRUCT" and .name == "mapsize_overflow_slots") |
					[.members[] | "X(\(.name))@\(.bits_offset)"] | join(" ")')" \
				"$(sed -n 's/^#define MAPSIZE_OVERFLOW_SLOTS(X) //p' "$d/mapsize.h" | grep -o 'X([^)]*)' |
					awk '{ print $1 "@" (NR - 1) * 256 }' | xargs)"
		else
			skip "counter map's BTF members" "bpftool not installed"
		fi
	else
		fail "BPF C with <mapsize/bpf_overflow.h> and MAPSIZE_UPDATE compiles" "$(head -c 600 "$d/clang.err")"
	fi
	if [ -f "$EXAMPLE" ]; then
		for size in small medium large; do
			check_object "example, $size" "$EXAMPLE" "${KERNEL[@]}" --map-size=$size
		done
	else
		skip "example object" "$EXAMPLE not found"
	fi
fi

finish
