#!/usr/bin/env bash
# Failure paths and privilege (issue 9, item 8):
#   - a preallocated map that does not fit the memory cgroup's limit: verify,
#     run inside a memory cgroup made for the test (v1 memory.limit_in_bytes,
#     or v2 memory.max), says in one message which map, its predicted bytes
#     (the plan's memory model) and the limit; exit 1; no map left behind;
#   - as an ordinary user (nobody, through setpriv): plan, maps, gen-header,
#     report without --object (and rules init/check) work; verify and status
#     say in one line that CAP_BPF (root) is needed, exit 1.
# Root only (creating cgroups and switching users needs it).
source "$(dirname "$0")/lib.sh"

RULES=examples/agent.rules.yaml
OBJ=$O/demo/agent.bpf.o

if [ "$(id -u)" -ne 0 ]; then
	skip "privilege and memory cgroup" "not root (uid $(id -u)): the test creates cgroups and switches users"
	finish
	exit
fi
for f in "$MAPSIZE" "$OBJ"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }

# ---- a memory cgroup too small for a preallocated map ---------------------------------
LIMIT=$((96 * 1024 * 1024))
BIG=(--map-size=small --set maps.execve_map.max_entries=524288 --bpf-maps-enable-prealloc=execve_map
     --set maps.override_tasks.max_entries=4099 --set maps.tg_execve_joined_info_map.max_entries=9001)
read -r cgv parent < <(memcg_dir) || true
if [ -z "${cgv:-}" ]; then
	skip "memory cgroup limit" "no memory cgroup to create one under (neither v1 memory.limit_in_bytes nor v2 memory.max)"
else
	CG=$parent/mapsize-test-$$
	if ! mkdir "$CG" 2>"$TMP/mkdir.err"; then
		skip "memory cgroup limit" "cannot create $CG: $(cat "$TMP/mkdir.err")"
	else
		if [ "$cgv" = v1 ]; then limit_file=$CG/memory.limit_in_bytes; else limit_file=$CG/memory.max; fi
		echo "$LIMIT" >"$limit_file"
		in_cgroup() { bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG" "$@"; }
		# maps of this run, by name and a size no other process uses.  Other processes'
		# maps come and go meanwhile: a listing that an id vanishing under bpftool
		# turned into an error object is taken again (up to 10 times, else its error).
		ours() {
			local n
			for _ in $(seq 1 10); do
				bpftool map list -j >"$TMP/maps.json" 2>"$TMP/maps.err"
				n=$(jq -r 'if type == "array" then [.[] | select(
					((.name | startswith("override_tasks")) and .max_entries == 4099) or
					((.name | startswith("tg_execve_join")) and .max_entries == 9001) or
					((.name | startswith("execve_map")) and .max_entries == 524288))] | length
					else empty end' "$TMP/maps.json" 2>/dev/null)
				[ -n "$n" ] && { echo "$n"; return; }
				sleep 0.1
			done
			echo "bpftool map list failed: $(head -c 200 "$TMP/maps.json" "$TMP/maps.err")"
		}
		# pins of this run: under a name of one of its maps (other tests pin their own
		# meanwhile; /sys/fs/bpf is the machine's)
		names=$("$MAPSIZE" plan "$RULES" --format json | jq -r '.maps[].name' | paste -sd'|')
		our_pins() { find /sys/fs/bpf -mindepth 1 2>/dev/null | grep -E "/($names)[^/]*\$" | sort; }
		# the check sees such a map when there is one
		if bpftool map create "/sys/fs/bpf/mapsize-test-$$" type hash key 4 value 4 entries 4099 \
			name override_tasks 2>/dev/null; then
			expect_eq "the leak check sees a map of the run's shape" "$(ours)" 1
			rm -f "/sys/fs/bpf/mapsize-test-$$"
		fi
		pins_before=$(our_pins)

		# what the memory model predicts for execve_map, on this machine's CPUs
		run "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=small --format json
		cpus=$(jqv .possible_cpus)
		predicted=$("$MAPSIZE" plan "$RULES" "${BIG[@]}" --set cpus="$cpus" --format json 2>/dev/null |
			jq -r '.maps[] | select(.name == "execve_map") | .memlock_bytes')
		expect_eq "the planned execve_map does not fit the limit ($predicted > $LIMIT bytes)" \
			"$([ "${predicted:-0}" -gt "$LIMIT" ] && echo yes)" yes

		expect_rc "inside the cgroup, the default plan loads" 0 in_cgroup "$MAPSIZE" verify "$RULES" --object "$OBJ" --map-size=small
		expect_err "inside the cgroup, a preallocated map above the limit: exit 1" 1 \
			"agent.bpf.o: error: map 'execve_map' \(preallocated, needs .* = $predicted bytes: predicted memlock at load\): .*memory cgroup limit of 96.0 MiB = $LIMIT bytes \($limit_file\)" \
			in_cgroup "$MAPSIZE" verify "$RULES" --object "$OBJ" "${BIG[@]}"
		expect_eq "... in one message (one error line, no libbpf noise)" \
			"$(grep -c 'error:' "$TMP/err") $(grep -c '^libbpf:' "$TMP/err")" "1 0"
		expect_eq "... with a hint naming the map" "$(grep -c '^hint: .*maps\.execve_map\.' "$TMP/err")" 1
		expect_eq "nothing left behind: none of the run's maps is loaded" "$(ours)" 0
		expect_eq "nothing left behind: nothing pinned" "$(our_pins)" "$pins_before"
		rmdir "$CG" 2>/dev/null || fail "memory cgroup" "cannot remove $CG"
	fi
fi

# ---- an ordinary user ------------------------------------------------------------------
if ! command -v setpriv >/dev/null; then
	skip "as nobody" "setpriv (util-linux) is not installed"
	finish
	exit
fi
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$TMP"
mkdir -m 777 "$TMP/nobody"
NT=$TMP/nobody
# nobody may not reach the checkout (a clone under /root or a private temp
# dir): run copies it can read, the same binary and inputs
if ! nobody test -x "$MAPSIZE" || ! nobody test -r "$RULES" || ! nobody test -r "$OBJ"; then
	cp "$MAPSIZE" "$NT/mapsize" && cp "$RULES" "$NT/rules.yaml" && cp "$OBJ" "$NT/agent.bpf.o" &&
		chmod 755 "$NT/mapsize" && chmod 644 "$NT/rules.yaml" "$NT/agent.bpf.o" ||
		{ fail "as nobody" "cannot copy the binary and inputs to $NT"; finish; exit; }
	MAPSIZE=$NT/mapsize RULES=$NT/rules.yaml OBJ=$NT/agent.bpf.o
fi

expect_rc "nobody: plan" 0 nobody "$MAPSIZE" plan "$RULES" --format json
expect_eq "nobody: plan has the maps" "$(jqv '.maps | length > 0')" true
expect_rc "nobody: maps" 0 nobody "$MAPSIZE" maps "$RULES"
expect_eq "nobody: maps lists execve_map" "$(grep -c '^ *execve_map ' "$TMP/out" | sed 's/^[1-9][0-9]*$/yes/')" yes
expect_rc "nobody: gen-header" 0 nobody "$MAPSIZE" gen-header "$RULES" --map-size=small -o "$NT/plan.h"
expect_eq "nobody: the header is written" "$(grep -c '^#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES ' "$NT/plan.h")" 1
expect_rc "nobody: report without --object" 0 nobody "$MAPSIZE" report "$RULES"
expect_rc "nobody: report --object (opened, not loaded)" 0 nobody "$MAPSIZE" report "$RULES" --object "$OBJ"

# rules init / rules check need no kernel either (skipped where mapsize has no `rules`)
if "$MAPSIZE" rules --help >/dev/null 2>&1; then
	expect_rc "nobody: rules init" 0 nobody "$MAPSIZE" rules init --object "$OBJ" -o "$NT/draft.yaml"
	expect_rc "nobody: rules check" 0 nobody "$MAPSIZE" rules check "$NT/draft.yaml" --object "$OBJ"
else
	skip "nobody: rules init/check" "this mapsize has no rules command"
fi

expect_err "nobody: verify says CAP_BPF is needed, exit 1" 1 "^error: mapsize verify .*needs CAP_BPF \(root\)" \
	nobody "$MAPSIZE" verify "$RULES" --object "$OBJ"
expect_eq "nobody: verify: one line" "$(wc -l <"$TMP/err")" 1
expect_err "nobody: verify --maps-only too" 1 "needs CAP_BPF" nobody "$MAPSIZE" verify "$RULES" --object "$OBJ" --maps-only
expect_err "nobody: status says CAP_BPF is needed, exit 1" 1 "^error: mapsize status needs root \(CAP_BPF" \
	nobody "$MAPSIZE" status
expect_eq "nobody: status: one line" "$(wc -l <"$TMP/err")" 1

finish
