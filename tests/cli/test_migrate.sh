#!/usr/bin/env bash
# mapsize migrate (issue 23 item 4) on a bpffs this test mounts and removes,
# inside a private mount namespace (never the node's /sys/fs/bpf):
#  - --dry-run changes nothing; migrate carries every entry into the planned
#    size with one rename, the old map pinned beside it; a second migrate
#    says it waits for --finish; writes to the old map in the window are
#    carried by --finish, a key deleted there stays deleted; the pins beside
#    it are gone after;
#  - a change below --min-change (default 10 %) is left alone;
#  - a refusal (value size differs) exits 1 with the reason, nothing changed;
#  - stopped after the partial copy (MAPSIZE_MIGRATE_STOP_AFTER, test-only),
#    the next migrate rolls back and completes;
#  - libxdp's xdpfilt_alw_eth.o (corpus): its pinned percpu filter_ethernet
#    migrated to 20000 and finished;
#  - bad --min-change: exit 2; the table and JSON say the same.
. "$(dirname "$0")/lib.sh"

in_private_mount_ns "migrate"

OBJ=$O/tests/bpf/pins.bpf.o
FS=$TMP/fs
trap 'umount -l "$FS" 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir -p "$FS"
if ! command -v bpftool >/dev/null || ! command -v jq >/dev/null || ! mount -t bpf bpf "$FS" 2>/dev/null; then
	skip "migrate" "needs bpftool, jq and a bpffs mount"
	finish; exit
fi

rules() {	# rules FILE ENTRIES VALUE_SIZE
	printf 'app: pins\nmaps:\n  pins_flows: {type: hash, key_size: 4, value_size: %s, max_entries: %s}\n' \
		"$3" "$2" >"$TMP/$1"
}
listing() { ls -A "$FS" | grep -v '\.debug$' | tr '\n' ' '; }
pinned() { bpftool -j map show pinned "$1" | jq -r "$2"; }
key() { printf '%d 0 0 0' "$1"; }
value() { printf '%d 0 0 0 0 0 0 0' "$1"; }
lookup() {	# the first value byte as a number, nothing when absent
	local v
	v=$(bpftool -j map lookup pinned "$1" key $(key "$2") 2>/dev/null | jq -r '.value[0] // empty')
	[ -n "$v" ] && printf '%d\n' "$v"
}
fresh() {	# a pinned map of 10,000 entries holding keys 1..20 with value k
	rm -f "$FS"/pins_flows*
	bpftool map create "$FS/pins_flows" type hash key 4 value 8 entries 10000 name pins_flows
	for k in $(seq 1 20); do bpftool map update pinned "$FS/pins_flows" key $(key $k) value $(value $k); done
}
rules r20k.yaml 20000 8
rules r21k.yaml 10500 8
rules r10.yaml 10 8
fresh
id=$(pinned "$FS/pins_flows" .id)

run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --dry-run --format json
expect_eq "--dry-run: exit 0" "$rc" "0"
expect_eq "... would-migrate, 20 live entries" "$(jqv '.maps[0] | [.map, .action, .outcome, .old_max_entries, .new_max_entries, .live_entries] | map(tostring) | join("|")')" \
	"pins_flows|migrate|would-migrate|10000|20000|20"
expect_eq "... nothing changed" "$(listing)$(pinned "$FS/pins_flows" .id)" "pins_flows $id"

run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "migrate: exit 0" "$rc" "0"
expect_eq "... migrated, 20 copied, one rename" "$(jqv '.maps[0] | [.outcome, .copied, .renames, .error] | map(tostring) | join("|")')" \
	"migrated|20|1|null"
expect_eq "... JSON keys" "$(jqv '[(keys | join(",")), (.maps[0] | keys | join(","))] | join(" ")')" \
	"dry_run,finish,maps,min_change_percent,pin_root,schema_version action,copied,deleted,error,failed,live_entries,map,new_max_entries,old_max_entries,outcome,path,reason,recovery,renames,skipped,updated"
expect_eq "... the path names a 20000-entry map, the old one pinned beside it" \
	"$(pinned "$FS/pins_flows" .max_entries) $(pinned "$FS/pins_flows-mapsize-old" .id) $(listing)" \
	"20000 $id pins_flows pins_flows-mapsize-journal pins_flows-mapsize-old pins_flows-mapsize-snap "
expect_eq "... every entry" "$(for k in $(seq 1 21); do lookup "$FS/pins_flows" $k; done | tr '\n' ' ')" \
	"$(seq 1 20 | tr '\n' ' ')"

run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS"
expect_eq "migrate again: exit 0, waits for --finish (table)" "$rc|$(sed -n 3p "$TMP/out" | tr -s ' ')" \
	"0|pins_flows pending-finish 0 20000 0 0 0 0 0 0"

# the old programs' writes between the copy and the restart
bpftool map update pinned "$FS/pins_flows-mapsize-old" key $(key 1) value $(value 101)
bpftool map delete pinned "$FS/pins_flows-mapsize-old" key $(key 2)
bpftool map update pinned "$FS/pins_flows-mapsize-old" key $(key 30) value $(value 30)
run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --finish --format json
expect_eq "--finish: exit 0, finished, 2 updated, 1 deleted" \
	"$rc|$(jqv '.maps[0] | [.outcome, .updated, .deleted, .skipped, .failed] | map(tostring) | join("|")')" \
	"0|finished|2|1|0|0"
expect_eq "... the end state: 1 changed, 2 deleted, 30 added" \
	"$(lookup "$FS/pins_flows" 1) [$(lookup "$FS/pins_flows" 2)] $(lookup "$FS/pins_flows" 30)" "101 [] 30"
expect_eq "... nothing beside the pin" "$(listing)" "pins_flows "
run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --finish --format json
expect_eq "--finish again: nothing-to-finish" "$rc|$(jqv '.maps[0].outcome')" "0|nothing-to-finish"

fresh
run "$MAPSIZE" migrate "$TMP/r21k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "10000 -> 10500 (5 %): left alone" "$rc|$(jqv '.maps[0] | [.outcome, .reason] | join("|")')|$(listing)" \
	"0|small-change|max_entries 10000 -> 10500 moves by less than 10%: left alone|pins_flows "
run "$MAPSIZE" migrate "$TMP/r21k.yaml" --object "$OBJ" --pin-root "$FS" --min-change 0 --format json
expect_eq "... --min-change 0 migrates it" "$rc|$(jqv '.maps[0].outcome')" "0|migrated"
expect_rc "... --finish" 0 "$MAPSIZE" migrate "$TMP/r21k.yaml" --object "$OBJ" --pin-root "$FS" --finish

fresh
id=$(pinned "$FS/pins_flows" .id)
run "$MAPSIZE" migrate "$TMP/r10.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "20 live entries into 10: exit 1, refused" "$rc|$(jqv '.maps[0] | [.action, .outcome] | join("|")')" "1|refuse|refused"
expect_eq "... the error names the pin and why" "$(cat "$TMP/err")" \
	"$OBJ: error: map 'pins_flows' pinned at $FS/pins_flows: $(jqv '.maps[0].reason')"
expect_eq "... nothing changed" "$(listing)$(pinned "$FS/pins_flows" .id)" "pins_flows $id"

MAPSIZE_MIGRATE_STOP_AFTER=3 "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" >/dev/null 2>&1
expect_eq "stopped after the partial copy (test switch): the old map still at the path" \
	"$?|$(pinned "$FS/pins_flows" .id)" "75|$id"
run "$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "... the next migrate rolls back and migrates" \
	"$rc|$(jqv '.maps[0] | [.outcome, .copied, .recovery] | map(tostring) | join("|")')" \
	"0|migrated|20|rolled back a migration interrupted in state copying ($FS/pins_flows was not changed)"

# ---- libxdp's xdpfilt_alw_eth.o: its pinned filter_ethernet (percpu hash) ------
XDP=$O/corpus/libxdp1/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_eth.o
if [ -r "$XDP" ]; then
	rm -f "$FS"/pins_flows*
	"$MAPSIZE" rules init --object "$XDP" >"$TMP/xdp.yaml" 2>/dev/null
	sed 's/max_entries: 10000/max_entries: 20000/' "$TMP/xdp.yaml" >"$TMP/xdp20k.yaml"
	bpftool map create "$FS/filter_ethernet" type percpu_hash key 6 value 8 entries 10000 name filter_ethernet
	for k in 1 2 3; do
		bpftool map update pinned "$FS/filter_ethernet" key $k 0 0 0 0 0 value $((k * 7)) 0 0 0 0 0 0 0
	done
	run "$MAPSIZE" migrate "$TMP/xdp20k.yaml" --object "$XDP" --pin-root "$FS" --format json
	expect_eq "xdpfilt_alw_eth.o: filter_ethernet migrated (3 entries), xdp_stats_map not pinned" \
		"$rc|$(jqv '[.maps[] | "\(.map)=\(.outcome)/\(.copied)"] | sort | join(",")')" \
		"0|filter_ethernet=migrated/3,xdp_stats_map=nothing-pinned/0"
	expect_eq "... 20000 entries, every CPU's value kept" \
		"$(pinned "$FS/filter_ethernet" .max_entries) $(bpftool -j map lookup pinned "$FS/filter_ethernet" key 2 0 0 0 0 0 | jq -c '[.values[].value[0]] | unique')" \
		'20000 ["0x0e"]'
	run "$MAPSIZE" migrate "$TMP/xdp20k.yaml" --object "$XDP" --pin-root "$FS" --finish --format json
	expect_eq "... --finish" "$rc|$(jqv '[.maps[] | "\(.map)=\(.outcome)"] | sort | join(",")')|$(listing)" \
		"0|filter_ethernet=finished,xdp_stats_map=nothing-pinned|filter_ethernet "
else
	skip "xdpfilt_alw_eth.o" "$XDP missing (build/corpus)"
fi

expect_err "--min-change abc: exit 2" 2 "^error: --min-change 'abc': expected a whole percentage from 0 to 100$" \
	"$MAPSIZE" migrate "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --min-change abc
expect_err "no --object: exit 2" 2 "^error: migrate needs --object FILE" "$MAPSIZE" migrate "$TMP/r20k.yaml"
finish
