#!/usr/bin/env bash
# Issue 17 item 8: every object of the corpus of third-party BPF objects
# (tools/fetch-corpus.sh: libxdp1, opensnitch-ebpf-modules, libbpf-tools,
# libbpftune0; cached under build/corpus, a rerun downloads nothing; a
# package that cannot be had is a SKIP) through the whole map chain:
#   rules init -> rules check clean -> plan small, medium, large ->
#   verify --maps-only (as root): 0 mismatches, memlock byte-exact on every
#   map mapsize models -> report table, JSON and SVG.
# Objects embedded in executables and libraries are each taken as
# FILE:NAME (`mapsize objects`).  An object stops at the first step that
# fails; a failure of a known cause is a skip counted by cause (a hash key
# over 512 bytes on a running kernel before 5.11, which refuses it), any
# other one a FAIL.  libbpf-tools' stack maps, compiled at value_size 0 and
# set by the agent at run time, go through the chain with the draft's
# placeholder (capable, offcputime, wakeuptime).
# Then verify WITH programs (as root): every program loads, or the object
# is a skip counted by the cause `verify` names for its first program that
# did not load (issue 17 item 4: verifier, attach_target, unknown_section,
# type_refused, extern, memlock, other); the maps it loaded still 0
# mismatches.  Every verify runs in a private mount namespace with its own
# bpffs on /sys/fs/bpf, and with an empty --pin-root: objects that pin maps
# by name (libxdp's xdpfilt_*) leave nothing pinned, and never reuse a map
# someone else pinned.
# One summary line per package: objects, maps, passed, skipped by cause;
# programs: loaded, skipped by cause.
source "$(dirname "$0")/lib.sh"

M=$MAPSIZE
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }
root=$([ "$(id -u)" -eq 0 ] && echo 1)
CORPUS=${MAPSIZE_CORPUS:-$PWD/build/corpus}

# why STEP: a known cause of $TMP/err, else nothing (a failure)
why() {
	if grep -q 'key_size [0-9]* exceeds 512, the limit of Linux' "$TMP/err"; then echo "key over 512 B before Linux 5.11"
	elif grep -q 'refused to create it: Operation not permitted' "$TMP/err"; then echo "map type refused (EPERM)"
	fi
}

# own_bpffs CMD...: CMD with a bpffs of its own on /sys/fs/bpf, gone when it exits
own_bpffs() {
	if [ -n "$private_ns" ]; then
		unshare -m --propagation private sh -c 'mount -t bpf mapsize-corpus /sys/fs/bpf && exec "$@"' sh "$@"
	else
		"$@"
	fi
}

# programs SPEC RULES: verify with programs; sets prog_result ("pass",
# "skip: CAUSE", "fail" or "" when not run)
programs() {
	local spec=$1 f=$2 cause
	prog_result=
	[ -n "$root" ] && [ -n "$private_ns" ] || return 0
	run own_bpffs "$M" verify "$f" --object "$spec" --pin-root "$TMP/no-pins" --format json
	cause=$(jq -r '[.programs[]? | select(.cause != null) | .cause][0] // empty' "$TMP/out" 2>/dev/null)
	if [ "$rc" -eq 0 ] && [ -z "$cause" ]; then
		prog_result=pass
	elif [ -n "$cause" ] && { [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; } &&
		[ "$(jqv '.mismatches // 0')" = 0 ]; then
		prog_result="skip: $cause"
	else
		fail "$spec: verify with programs" "exit $rc: $(grep -v '^libbpf\|^[0-9]*: \|^;' "$TMP/err" | head -c 400)"
		prog_result=fail
	fi
}

# chain PKG SPEC: one object through the chain; sets obj_maps and result
# ("pass", "skip: CAUSE", or "fail")
chain() {
	local spec=$1 f=$TMP/r.yaml n cause
	obj_maps=0
	run "$M" rules init --object "$spec" -o "$f"
	if [ "$rc" -ne 0 ]; then
		cause=$(why)
		[ -n "$cause" ] && { result="skip: $cause"; return; }
		fail "$spec: rules init" "exit $rc: $(head -c 300 "$TMP/err")"; result=fail; return
	fi
	n=$(sed -n 's/.*: \([0-9]*\) rules drafted from 1 object (\([0-9]*\) maps\? without a rule).*/\1 \2/p' "$TMP/err")
	obj_maps=$(( ${n% *} + ${n#* } ))
	run "$M" rules check "$f" --object "$spec"
	[ "$rc" -eq 0 ] || { fail "$spec: rules check clean" "exit $rc: $(head -c 300 "$TMP/out")"; result=fail; return; }
	for p in small medium large; do
		run "$M" plan "$f" --map-size="$p" --format json
		[ "$rc" -eq 0 ] || { fail "$spec: plan $p" "exit $rc: $(head -c 300 "$TMP/err")"; result=fail; return; }
	done
	if [ -n "$root" ]; then
		run own_bpffs "$M" verify "$f" --object "$spec" --maps-only --pin-root "$TMP/no-pins" --format json
		if [ "$rc" -ne 0 ]; then
			cause=$(why)
			[ -n "$cause" ] && { result="skip: $cause"; return; }
			fail "$spec: verify --maps-only" "exit $rc: $(head -c 400 "$TMP/err")"; result=fail; return
		fi
		local bad
		bad=$(jqv '"\(.mismatches) \([.maps[] | select(.predicted_memlock_bytes != null and .predicted_memlock_bytes != .kernel_memlock_bytes)] | length)"')
		[ "$bad" = "0 0" ] || { fail "$spec: verify 0 mismatches, memlock exact" "mismatches, inexact: $bad"; result=fail; return; }
	fi
	run "$M" report "$f" --object "$spec"
	[ "$rc" -eq 0 ] || { fail "$spec: report" "exit $rc: $(head -c 300 "$TMP/err")"; result=fail; return; }
	run "$M" report "$f" --object "$spec" --format json --svg "$TMP/r.svg"
	[ "$rc" -eq 0 ] && [ "$(jqv .schema_version)" = 1 ] && grep -q '</svg>' "$TMP/r.svg" ||
		{ fail "$spec: report JSON and SVG" "exit $rc: $(head -c 300 "$TMP/err")"; result=fail; return; }
	result=pass
	programs "$spec" "$f"
}

# package PKG FILE...: each file is a BPF object, or a host whose embedded
# objects are each taken as FILE:NAME
package() {
	local pkg=$1 objects=0 maps=0 passed=0 failed=0 f names nm loaded=0 pskipped=0
	local -A skips=() pskips=()
	shift
	for f in "$@"; do
		local specs=()
		if [ "$(od -An -tu1 -j18 -N1 "$f" | tr -d ' ')" = 247 ]; then
			specs=("$f")
		else
			names=$("$M" objects "$f" --format json 2>/dev/null | jq -r '.objects[].name')
			for nm in $names; do specs+=("$f:$nm"); done
		fi
		for s in "${specs[@]}"; do
			objects=$((objects + 1))
			chain "$s"
			maps=$((maps + obj_maps))
			case $result in
			pass) passed=$((passed + 1)) ;;
			skip:*) skips[${result#skip: }]=$(( ${skips[${result#skip: }]:-0} + 1 )) ;;
			*) failed=$((failed + 1)) ;;
			esac
			case $prog_result in
			pass) loaded=$((loaded + 1)) ;;
			skip:*) pskipped=$((pskipped + 1)); pskips[${prog_result#skip: }]=$(( ${pskips[${prog_result#skip: }]:-0} + 1 )) ;;
			esac
			prog_result=
		done
	done
	local line="" c
	for c in "${!skips[@]}"; do line+="${line:+, }${skips[$c]} $c"; done
	local pline=""
	for c in $(printf '%s\n' "${!pskips[@]}" | sort); do pline+="${pline:+, }$c ${pskips[$c]}"; done
	echo "corpus $pkg: $objects objects, $maps maps, $passed passed, $failed failed, skipped: ${line:-none}; programs: $loaded loaded, $pskipped skipped${pline:+ ($pline)}"
	expect_eq "$pkg: every object passes or is skipped for a known cause" "$failed" 0
	expect_eq "$pkg: objects found" "$([ "$objects" -gt 0 ] && echo yes)" yes
	[ -n "$root" ] || skip "$pkg: verify --maps-only" "needs root"
	for c in "${!skips[@]}"; do skip "$pkg: ${skips[$c]} object(s)" "$c"; done
}

private_ns=
if [ -n "$root" ] && unshare -m --propagation private sh -c 'mount -t bpf mapsize-corpus /sys/fs/bpf' 2>/dev/null; then
	private_ns=1
elif [ -n "$root" ]; then
	skip "corpus: verify with programs" "no private mount namespace with its own bpffs (unshare -m)"
fi
start=$(date +%s)
fetch_rc=0
tools/fetch-corpus.sh ${MAPSIZE_CORPUS_OFFLINE:+--offline} --dir "$CORPUS" >"$TMP/fetch" 2>&1 || fetch_rc=$?
[ "$fetch_rc" -eq 0 ] || [ "$fetch_rc" -eq 77 ] || { fail "tools/fetch-corpus.sh" "exit $fetch_rc: $(tail -3 "$TMP/fetch")"; finish; exit; }
for pkg in libxdp1 opensnitch-ebpf-modules libbpf-tools libbpftune0; do
	d=$CORPUS/$pkg
	if [ ! -e "$d/.done" ]; then
		skip "corpus $pkg" "not fetched (tools/fetch-corpus.sh exit $fetch_rc)"
		continue
	fi
	case $pkg in
	libxdp1) mapfile -t files < <(find "$d" -path '*/bpf/*.o' -type f | sort) ;;
	opensnitch-ebpf-modules) mapfile -t files < <(find "$d" -name '*.o' -type f | sort) ;;
	libbpf-tools) mapfile -t files < <(find "$d/usr/sbin" -type f | sort) ;;
	libbpftune0) mapfile -t files < <(find "$d" -name '*.so*' -type f | sort) ;;
	esac
	package "$pkg" "${files[@]}"
done
echo "corpus: $(( $(date +%s) - start )) s"
finish
