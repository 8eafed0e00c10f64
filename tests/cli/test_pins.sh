#!/usr/bin/env bash
# Pinned maps in plan and verify (issue 23 items 1 and 2), on bpffs mounts
# this test creates and removes (never the node's /sys/fs/bpf):
#  - verify loads with pinning off: with a map of the same name pinned at
#    the pin root beforehand, the pin tree's listing and every pinned map's
#    id are identical after verify (our object pinning by name, and libxdp's
#    xdpfilt_alw_eth.o from the corpus, which pins filter_ethernet and
#    xdp_stats_map); in a private mount namespace whose /sys/fs/bpf is a
#    fresh bpffs, verify without --pin-root leaves it empty;
#  - plan/verify --pin-root show the pinned map, its live values and the
#    action (migrate, refuse, none) in the table and in JSON (`pin`);
#  - verify names the pin, never "the kernel rejected a map's size or flags".
# The whole test runs in a private mount namespace with a fresh bpffs on
# /sys/fs/bpf, so that even a regression that pins there leaves the node's
# pins alone.
. "$(dirname "$0")/lib.sh"

in_private_mount_ns "pinned maps"
if ! mount -t bpf bpf /sys/fs/bpf; then
	fail "a private bpffs on /sys/fs/bpf in the test's mount namespace"
	finish; exit
fi
ns_before=$(ls -A /sys/fs/bpf | sort)

OBJ=$O/tests/bpf/pins.bpf.o
XDP=$O/corpus/libxdp1/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_eth.o
FS=$TMP/fs
trap 'umount -l "$FS" 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir -p "$FS"
if ! command -v bpftool >/dev/null || ! mount -t bpf bpf "$FS" 2>/dev/null; then
	skip "pinned maps" "needs bpftool and a bpffs mount"
	finish; exit
fi

rules() {	# rules NAME ENTRIES VALUE_SIZE: our object's rules
	printf 'app: pins\nmaps:\n  pins_flows: {type: hash, key_size: 4, value_size: %s, max_entries: %s}\n' \
		"$3" "$2" >"$TMP/$1"
}
# The pin tree: every entry and, for maps, its id.
snap() {
	for f in $(ls -A "$FS" | sort); do
		echo "$f $(bpftool -j map show pinned "$FS/$f" 2>/dev/null | jq -r '.id // empty')"
	done
}
rules r20k.yaml 20000 8
rules r5k.yaml 5000 8

# ---- item 1: verify never touches the pins -----------------------------------
bpftool map create "$FS/pins_flows" type hash key 4 value 8 entries 10000 name pins_flows
for k in 1 2 3; do bpftool map update pinned "$FS/pins_flows" key $k 0 0 0 value $k 0 0 0 0 0 0 0; done
before=$(snap)
id=$(bpftool -j map show pinned "$FS/pins_flows" | jq .id)
run "$MAPSIZE" verify "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "verify over a pinned map of the same name: exit 0 (migrate is a warning)" "$rc" "0"
expect_eq "... the pin tree's listing and ids are unchanged" "$(snap)" "$before"
expect_eq "... the object's map was its own, at the plan's size (not the pinned 10000)" \
	"$(jqv '.maps[] | select(.name == "pins_flows") | .kernel_max_entries')" "20000"
expect_eq "... pin: path, live values, action, reason" \
	"$(jqv '.maps[] | select(.name == "pins_flows") | .pin | [.path, .live_max_entries, .live_entries, .live_id, .action, .reason] | map(tostring) | join("|")')" \
	"$FS/pins_flows|10000|3|$id|migrate|max_entries 10000 -> 20000: 3 live entries fit"
expect_eq "... pin keys" \
	"$(jqv '.maps[] | select(.name == "pins_flows") | .pin | keys | join(",")')" \
	"action,live_entries,live_id,live_key_size,live_map_flags,live_max_entries,live_type,live_value_size,path,planned_map_flags,planned_max_entries,reason"
expect_eq "... a map that does not pin: pin null" "$(jqv '.maps[] | select(.name == "pins_conf") | .pin')" "null"
expect_eq "... the warning names the pin and the command to run" "$(cat "$TMP/err")" \
	"$OBJ: warning: map 'pins_flows' is pinned at $FS/pins_flows with max_entries 10000 flags 0x0, the plan gives max_entries 20000 flags 0x0 (max_entries 10000 -> 20000: 3 live entries fit): the agent's load fails until \`mapsize migrate $TMP/r20k.yaml --object $OBJ --pin-root $FS\` carries its entries into the new size"

run "$MAPSIZE" verify "$TMP/r5k.yaml" --object "$OBJ" --pin-root "$FS"
expect_eq "a shrink the live entries fit: migrate, exit 0" "$rc" "0"
expect_eq "... table row" "$(grep -A1 '^pins_flows .*/pins_flows' "$TMP/out" | tr -s ' ')" \
	"pins_flows $FS/pins_flows hash 4 8 0x0 10000 3 migrate
 max_entries 10000 -> 5000: 3 live entries fit"

# a pinned map of another value size: refused, the load would fail
rm "$FS/pins_flows"
bpftool map create "$FS/pins_flows" type hash key 4 value 16 entries 10000 name pins_flows
before=$(snap)
run "$MAPSIZE" verify "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS"
expect_eq "verify over a pinned map of another value size: exit 1" "$rc" "1"
expect_eq "... one error naming the pin and both specs" "$(grep -c 'error:' "$TMP/err")" "1"
expect_eq "... the error" "$(cat "$TMP/err")" \
	"$OBJ: error: map 'pins_flows' is pinned at $FS/pins_flows with type hash key_size 4 value_size 16 max_entries 10000 flags 0x0, the plan gives hash 4 8 20000 0x0: the agent's load would fail and the pin cannot be migrated (value_size differs: pinned 16, planned 8; entries cannot move to another value size); expected a plan that fits the pinned map, or the pin removed (its entries are lost)"
expect_eq "... the pins are unchanged" "$(snap)" "$before"
rm "$FS/pins_flows"

# nothing pinned: libbpf would create it; verify creates nothing
before=$(snap)
run "$MAPSIZE" verify "$TMP/r20k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "verify with nothing pinned: exit 0, nothing created" "$rc|$(snap)" "0|$before"
expect_eq "... action none, live values null" \
	"$(jqv '.maps[] | select(.name == "pins_flows") | .pin | [.action, .live_max_entries, .live_entries] | map(tostring) | join("|")')" \
	"none|null|null"

# ---- the default pin root: the namespace's own /sys/fs/bpf -------------------
run "$MAPSIZE" verify "$TMP/r20k.yaml" --object "$OBJ"
expect_eq "verify without --pin-root pins nothing in /sys/fs/bpf (the namespace's bpffs)" \
	"$rc|$(ls -A /sys/fs/bpf | sort)" "0|$ns_before"

# ---- libxdp's xdpfilt_alw_eth.o: pins filter_ethernet and xdp_stats_map ------
if [ -r "$XDP" ]; then
	"$MAPSIZE" rules init --object "$XDP" >"$TMP/xdp.yaml" 2>/dev/null
	sed 's/max_entries: 10000/max_entries: 20000/' "$TMP/xdp.yaml" >"$TMP/xdp20k.yaml"
	bpftool map create "$FS/filter_ethernet" type percpu_hash key 6 value 8 entries 10000 name filter_ethernet
	before=$(snap)
	run "$MAPSIZE" verify "$TMP/xdp20k.yaml" --object "$XDP" --maps-only --pin-root "$FS" --format json
	expect_eq "xdpfilt_alw_eth.o over a pinned filter_ethernet: exit 0, pins unchanged (no xdp_stats_map)" \
		"$rc|$(snap)" "0|$before"
	expect_eq "... actions: filter_ethernet migrate, xdp_stats_map none" \
		"$(jqv '[.maps[] | select(.pin != null) | "\(.name)=\(.pin.action)"] | sort | join(",")')" \
		"filter_ethernet=migrate,xdp_stats_map=none"
	expect_eq "... the warning names the pin, not the kernel" \
		"$(grep -c "map 'filter_ethernet' is pinned at $FS/filter_ethernet" "$TMP/err")|$(grep -c 'the kernel rejected' "$TMP/err")" "1|0"
	rm "$FS/filter_ethernet"
else
	skip "xdpfilt_alw_eth.o" "$XDP missing (build/corpus)"
fi

# ---- plan --object --pin-root -----------------------------------------------
bpftool map create "$FS/pins_flows" type hash key 4 value 8 entries 10000 name pins_flows
for k in 1 2 3 4; do bpftool map update pinned "$FS/pins_flows" key $k 0 0 0 value 1 0 0 0 0 0 0 0; done
run "$MAPSIZE" plan "$TMP/r5k.yaml" --object "$OBJ" --pin-root "$FS" --format json
expect_eq "plan --object --pin-root: pin of each map" \
	"$(jqv '.pin_root, (.maps[] | .pin | [.path, .live_max_entries, .live_entries, .action, .reason] | map(tostring) | join("|"))')" \
	"$FS
$FS/pins_flows|10000|4|migrate|max_entries 10000 -> 5000: 4 live entries fit"
printf 'app: pins\nmaps:\n  pins_flows: {type: hash, key_size: 4, value_size: 8, max_entries: 6, expected: 3}\n' >"$TMP/r6.yaml"
run "$MAPSIZE" plan "$TMP/r6.yaml" --object "$OBJ" --pin-root "$FS"
expect_eq "plan: a shrink the entries do not fit with the rule's headroom: refuse (table)" \
	"$(grep -A1 '^pins_flows .*/pins_flows' "$TMP/out" | tr -s ' ')" \
	"pins_flows $FS/pins_flows hash 4 8 0x0 10000 4 refuse
 max_entries 10000 -> 6: 4 live entries need 8 with the rule's headroom 2.00, more than the planned 6"
expect_eq "... plan's exit status is 0 (it only shows)" "$rc" "0"
expect_err "plan --pin-root without --object: exit 2" 2 "plan needs --object FILE" \
	"$MAPSIZE" plan "$TMP/r5k.yaml" --pin-root "$FS"
rm "$FS/pins_flows"
expect_eq "the test leaves no pin behind" "$(ls -A "$FS" | grep -v '\.debug$')" ""
expect_eq "... and nothing was pinned at the default root" "$(ls -A /sys/fs/bpf | sort)" "$ns_before"

finish
