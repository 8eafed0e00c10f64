#!/usr/bin/env bash
# Full names (issue 17 item 6), against the live kernel (root only).  The
# kernel keeps 15 bytes of a map's name; status names each map fully from
# the BTF it carries, else its pin path, else --rules, else the kernel:
#   - two maps of one libbpf object sharing their first 15 bytes: each by its
#     full name (table, JSON name / kernel_name / name_source btf);
#   - a map without BTF pinned in a bpffs this test mounts: name_source pin,
#     the pin's basename; one whose pin says nothing: --rules names it; one
#     nothing names: the kernel's 15 bytes; a short name: kernel;
#   - Prometheus: one full name in two objects, told apart by program, and
#     each map keeps its series when a reload in the other order swaps ids;
#   - --name globs over full and kernel names; no match: exit 1 naming the
#     nearest maps;
#   - plan warns about rule names sharing their first 15 bytes.
# Every map here is named nmt_*: other tests load maps on this machine at the
# same time, so every status call filters to these.
source "$(dirname "$0")/lib.sh"

A=$O/tests/bpf/names_a.bpf.o
B=$O/tests/bpf/names_b.bpf.o

if [ "$(id -u)" -ne 0 ]; then
	skip "full names (live kernel)" "not root (uid $(id -u)): loading BPF maps needs root"
	finish
	exit
fi
for f in "$MAPSIZE" "$A" "$B"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
for c in jq bpftool promtool; do
	command -v $c >/dev/null || { fail "prerequisites" "$c is not installed (sh tools/deps.sh)"; finish; exit; }
done
# A bpffs of our own: never /sys/fs/bpf, which other tests share.
FS=$TMP/bpffs
mkdir -p "$FS"
if ! mount -t bpf bpf "$FS" 2>"$TMP/mount.err"; then
	skip "full names (live kernel)" "cannot mount bpffs: $(cat "$TMP/mount.err")"
	finish
	exit
fi
cleanup() {
	rm -rf "${FS:?}"/* 2>/dev/null
	umount "$FS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# load NAME OBJECT: load the object's programs (pinned under $FS/NAME: that
# keeps them and their maps alive), libbpf creating the maps with its BTF
load() { bpftool prog loadall "$2" "$FS/$1"; }
# unload NAME: unpin the programs and wait until their maps are gone (A's
# events table has 64 entries, B's 128)
unload() {
	local ids
	ids=$("$MAPSIZE" status --name 'nmt_*' --no-pids --count-method none --format json 2>/dev/null |
		jq -r --argjson n "$([ "$1" = a ] && echo 64 || echo 128)" --arg o "$1" \
			'.maps[] | select((.name == "nmt_agent_events_table" and .max_entries == $n) or
				($o == "a" and (.name | startswith("nmt_shared_prefix_")))) | .id')
	rm -rf "${FS:?}/$1"
	for id in $ids; do
		for _ in $(seq 1 200); do
			bpftool map show id "$id" >/dev/null 2>&1 || break
			sleep 0.05
		done
	done
}
S=("$MAPSIZE" status --no-pids --count-method none)

# ---- BTF: two maps sharing their 15 bytes --------------------------------------------------
load a "$A" || { fail "bpftool loads names_a.bpf.o"; finish; exit; }
pass "bpftool loads names_a.bpf.o"
expect_rc "json of the shared prefix" 0 "${S[@]}" --name 'nmt_shared_*' --format json
expect_eq "json: each by its full name, the kernel's 15 bytes, from btf" \
	"$(jqv '[.maps[] | "\(.name)|\(.kernel_name)|\(.name_source)|\(.max_entries)"] | sort | join(" ")')" \
	"nmt_shared_prefix_alpha|nmt_shared_pref|btf|16 nmt_shared_prefix_beta|nmt_shared_pref|btf|32"
expect_rc "table of the shared prefix" 0 "${S[@]}" --name 'nmt_shared_*'
expect_eq "table: each row by its full name" \
	"$(awk '$2 ~ /^nmt_/ {print $2, $3, $4}' "$TMP/out" | sort | tr '\n' ',')" \
	"nmt_shared_prefix_alpha hash 16,nmt_shared_prefix_beta hash 32,"
expect_eq "table: the NAME column is as wide as the longest full name (23) + 1" \
	"$(head -1 "$TMP/out" | grep -o 'NAME *' | head -1 | wc -c)" 25

# ---- --name: globs over full and kernel names ------------------------------------------------
expect_rc "--name 'nmt_shared_prefix_b*'" 0 "${S[@]}" --name 'nmt_shared_prefix_b*' --format json
expect_eq "--name glob on the full name: only beta" "$(jqv '[.maps[].name] | join(",")')" "nmt_shared_prefix_beta"
expect_rc "--name the kernel name" 0 "${S[@]}" --name 'nmt_shared_pref' --format json
expect_eq "--name the 15-byte kernel name: both" "$(jqv '[.maps[].name] | sort | join(",")')" \
	"nmt_shared_prefix_alpha,nmt_shared_prefix_beta"
expect_rc "--name the full name" 0 "${S[@]}" --name 'nmt_shared_prefix_alpha' --format json
expect_eq "--name the full name: exactly it" "$(jqv '[.maps[].name] | join(",")')" "nmt_shared_prefix_alpha"
expect_err "--name with a typo: exit 1 naming the nearest maps" 1 \
	"^error: --name 'nmt_shared_prefix_alpah' matches no map \(full or kernel name\); nearest: nmt_shared_prefix_alpha, nmt_shared_prefix_beta(, |$)" \
	"${S[@]}" --name 'nmt_shared_prefix_alpah'
expect_eq "--name with no match: nothing on stdout" "$(wc -c <"$TMP/out")" 0
expect_err "--name nosuchmap: exit 1 with the nearest names" 1 \
	"^error: --name 'nosuchmap' matches no map \(full or kernel name\); nearest: [^ ,]+(, [^ ,]+){0,2}$" \
	"${S[@]}" --name nosuchmap
expect_err "--name glob matching nothing: exit 1" 1 "^error: --name 'nmt_shared_prefix_gamma\*' matches no map.*nearest: nmt_shared_prefix_" \
	"${S[@]}" --name 'nmt_shared_prefix_gamma*' --format json

# ---- pin, rules, kernel ------------------------------------------------------------------------
# bpftool creates maps without BTF; the kernel keeps "nmt_pinned_only"
bpftool map create "$FS/nmt_pinned_only_map" type hash key 4 value 8 entries 4 name nmt_pinned_only
# pinned under a name that does not extend its own: only --rules can name it
bpftool map create "$FS/r1" type hash key 4 value 8 entries 4 name nmt_rules_only_
bpftool map create "$FS/t1" type hash key 4 value 8 entries 4 name nmt_trunc_only_
bpftool map create "$FS/p1" type hash key 4 value 8 entries 4 name nmt_plain
cat >"$TMP/names.rules.yaml" <<'Y'
app: names-test
maps:
  nmt_rules_only_map:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: 4
Y
expect_rc "json: pin, kernel" 0 "${S[@]}" --name 'nmt_[ptr]*' --format json
expect_eq "json: the pin's basename names a map without BTF; the rest stay the kernel's" \
	"$(jqv '[.maps[] | "\(.name)|\(.kernel_name)|\(.name_source)"] | sort | join(" ")')" \
	"nmt_pinned_only_map|nmt_pinned_only|pin nmt_plain|nmt_plain|kernel nmt_rules_only_|nmt_rules_only_|kernel nmt_trunc_only_|nmt_trunc_only_|kernel"
expect_rc "json with --rules" 0 "${S[@]}" --name 'nmt_[ptr]*' --format json --rules "$TMP/names.rules.yaml"
expect_eq "json --rules: the rule names the map nothing else names" \
	"$(jqv '[.maps[] | "\(.name)|\(.kernel_name)|\(.name_source)"] | sort | join(" ")')" \
	"nmt_pinned_only_map|nmt_pinned_only|pin nmt_plain|nmt_plain|kernel nmt_rules_only_map|nmt_rules_only_|rules nmt_trunc_only_|nmt_trunc_only_|kernel"
expect_eq "json --rules: the plan finds the live map by its full name" \
	"$(jqv '.plan[] | "\(.name) \(.id != null) \(.kernel_max_entries)"')" "nmt_rules_only_map true 4"
expect_rc "--rules: --name matches the rules' full name" 0 "${S[@]}" --name 'nmt_rules_only_m*' --rules "$TMP/names.rules.yaml" --format json
expect_eq "--rules: --name on the name the rules gave" "$(jqv '[.maps[].name] | join(",")')" "nmt_rules_only_map"
expect_rc "table: pin and rules names" 0 "${S[@]}" --name 'nmt_[pr]*' --rules "$TMP/names.rules.yaml"
expect_eq "table: the full names" "$(awk '$2 ~ /^nmt_/ {print $2}' "$TMP/out" | sort | tr '\n' ',')" \
	"nmt_pinned_only_map,nmt_plain,nmt_rules_only_map,"
rm -f "$FS/nmt_pinned_only_map" "$FS/r1" "$FS/t1" "$FS/p1"

# ---- Prometheus: identity across reloads ------------------------------------------------------
# series: the max_entries samples of nmt_agent_events_table (64 in A, 128 in B)
series() {
	"${S[@]}" --name 'nmt_agent_events_table' --format prometheus >"$TMP/prom" 2>"$TMP/prom.err" || return 1
	grep '^mapsize_map_max_entries{' "$TMP/prom" | sort | tr '\n' ' '
}
# ids: A's map id, then B's
ids() {
	"${S[@]}" --name 'nmt_agent_events_table' --format json |
		jq -r '[(.maps[] | select(.max_entries == 64) | .id), (.maps[] | select(.max_entries == 128) | .id)] | join(" ")'
}
load b "$B" || fail "bpftool loads names_b.bpf.o"
first=$(series)
read -r a1 b1 < <(ids)
expect_eq "prometheus: one full name in two objects, told apart by the full name of the program using each" "$first" \
	'mapsize_map_max_entries{map="nmt_agent_events_table",prog="nmt_events_writer_alpha"} 64 mapsize_map_max_entries{map="nmt_agent_events_table",prog="nmt_events_writer_beta"} 128 '
run promtool check metrics <"$TMP/prom"
expect_eq "prometheus: promtool accepts the two" "$rc $(cat "$TMP/out" "$TMP/err")" "0 "
expect_eq "prometheus: the info family has the id once" \
	"$(grep -c '^mapsize_map_info{map="nmt_agent_events_table",prog="nmt_events_writer_alpha",id="'"$a1"'",type="hash",count_method="none"} 1$' "$TMP/prom")" 1
unload a
unload b
load b "$B" && load a "$A" || fail "reload in the other order"
read -r a2 b2 < <(ids)
expect_eq "reload: the ids swapped order (B's map now first)" "$((a1 < b1)) $((b2 < a2))" "1 1"
expect_eq "reload: every series still names the same map" "$(series)" "$first"
run promtool check metrics <"$TMP/prom"
expect_eq "reload: promtool accepts it" "$rc $(cat "$TMP/out" "$TMP/err")" "0 "
unload a
unload b

# ---- plan: rule names sharing their 15 bytes --------------------------------------------------
cat >"$TMP/collide.rules.yaml" <<'Y'
app: names-test
maps:
  nmt_shared_prefix_alpha:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: 16
  nmt_shared_prefix_beta:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: 32
  nmt_shared_prefix:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 2
  nmt_plain:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 2
Y
# One warning per group of rule names sharing their 15 bytes, in rule order.
want="maps 'nmt_shared_prefix_alpha', 'nmt_shared_prefix_beta' and 'nmt_shared_prefix' share their first 15 bytes 'nmt_shared_pref', all the kernel keeps of a name: live tools (status, bpftool) tell them apart only by the BTF they carry or their pin paths"
expect_rc "plan of colliding names" 0 "$MAPSIZE" plan "$TMP/collide.rules.yaml" --format json
expect_eq "plan: JSON warnings name the group once" \
	"$(jqv '[.warnings[] | select(test("15 bytes"))] | join("|")')" "$want"
expect_eq "plan: the same warning on stderr" "$(grep -c "^warning: maps '.*' share their first 15 bytes" "$TMP/err")" 1
expect_eq "plan: the warning on stderr exactly" "$(grep -cxF "warning: $want" "$TMP/err")" 1
expect_rc "plan table" 0 "$MAPSIZE" plan "$TMP/collide.rules.yaml"
expect_eq "plan table: the warning on stderr" "$(grep -c "share their first 15 bytes" "$TMP/err")" 1
finish
