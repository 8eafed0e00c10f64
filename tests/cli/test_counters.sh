#!/usr/bin/env bash
# `mapsize counters` and `status --kernel-counters` on the live kernel (root only).
# Where the kernel refuses tracing programs (this machine's locked-down 6.18):
#   - counters attach: exit 1 and the one line saying which and why; nothing pinned;
#   - status --kernel-counters: that line once on stderr, the same output and exit
#     status as without it (also with --fail-on);
# where it allows them (qemu guests run tests/kernel/counters_guest.c for the counts):
#   - attach, a second attach says "already attached", detach removes every pin.
# Everywhere: detach with nothing pinned exits 1; bad options exit 2.  Pins go to a
# bpffs this test mounts on a temp directory, never /sys/fs/bpf.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "counters (live kernel)" "not root (uid $(id -u))"
	finish
	exit
fi
BPFFS=$TMP/bpffs
mkdir -p "$BPFFS"
if ! mount -t bpf bpf "$BPFFS"; then
	skip "counters (live kernel)" "cannot mount a bpffs on $BPFFS"
	finish
	exit
fi
trap 'umount "$BPFFS" 2>/dev/null; rm -rf "$TMP"' EXIT
PIN=$BPFFS/mapsize

expect_err "usage: unknown subcommand" 2 "unknown counters command 'bogus'" "$MAPSIZE" counters bogus
expect_err "usage: stray argument" 2 "takes no argument, found 'x'" "$MAPSIZE" counters attach --pin "$PIN" x
expect_err "usage: unknown option" 2 "unrecognized option" "$MAPSIZE" counters detach --bogus
expect_err "usage: empty --pin" 2 "^error: --pin '': expected a directory on a bpffs mount$" \
	"$MAPSIZE" counters attach --pin ''
expect_err "detach with nothing pinned" 1 "^error: no kernel counters pinned in $PIN" \
	"$MAPSIZE" counters detach --pin "$PIN"

run "$MAPSIZE" counters attach --pin "$PIN"
if [ "$rc" -ne 0 ]; then
	# The refusal: exactly one line, exit 1, nothing left in the bpffs.
	expect_eq "attach refused: exit 1" "$rc" 1
	expect_eq "attach refused: one line on stderr" "$(wc -l <"$TMP/err")" 1
	if grep -q "refuses tracing programs" "$TMP/err"; then
		expect_eq "attach refused: the line says which and why" "$(cat "$TMP/err")" \
			"$(printf 'error: kernel counters unavailable: this kernel refuses tracing programs (fentry/fexit): Operation not permitted (%s)' \
			"$( [ -r /sys/kernel/security/lockdown ] && echo "kernel lockdown: $(cat /sys/kernel/security/lockdown)" ||
				echo 'kernel lockdown or a security policy, or no CAP_BPF/CAP_PERFMON')")"
	else
		expect_err "attach refused: a 'kernel counters unavailable' line" 1 \
			"^error: kernel counters unavailable: (the kernel has no BTF|this kernel has no BPF trampoline)" \
			"$MAPSIZE" counters attach --pin "$PIN"
	fi
	expect_eq "attach refused: stdout empty" "$(cat "$TMP/out")" ""
	expect_eq "attach refused: nothing pinned" "$(ls -d "$PIN" 2>/dev/null)" ""
	refusal=$(sed 's/^error: //' "$TMP/err")

	# status goes on: same stdout and exit status, one extra line; on a map of
	# this test's own (a --name that matches nothing is an error of its own).
	bpftool map create "$BPFFS/mapsize_ctr_one" type hash key 4 value 4 entries 8 name mapsize_ctr_one ||
		fail "bpftool map create mapsize_ctr_one" "exit $?"
	for extra in "" "--fail-on warn"; do
		# shellcheck disable=SC2086
		"$MAPSIZE" status --no-pids --count-method none --name 'mapsize_ctr_one' $extra >"$TMP/plain" 2>"$TMP/plain.err"
		prc=$?
		# shellcheck disable=SC2086
		run "$MAPSIZE" status --no-pids --count-method none --name 'mapsize_ctr_one' $extra --kernel-counters
		expect_eq "status --kernel-counters $extra: exit status unchanged" "$rc" "$prc"
		expect_eq "status --kernel-counters $extra: stdout unchanged" "$(cat "$TMP/out")" "$(cat "$TMP/plain")"
		expect_eq "status --kernel-counters $extra: the one line" "$(cat "$TMP/err")" \
			"$(cat "$TMP/plain.err")warning: $refusal; status goes on without them"
	done
	expect_rc "status reads no pins when none: silent" 0 "$MAPSIZE" status --no-pids --name 'mapsize_ctr_one' \
		--counters-pin "$PIN"
	expect_eq "status without pins: no counters line" "$(cat "$TMP/err")" ""
else
	expect_eq "attach: pinned" "$(ls "$PIN" | grep -c '^link_\|^counters')" "$(ls "$PIN" | wc -l)"
	expect_err "attach again: idempotent" 0 "" "$MAPSIZE" counters attach --pin "$PIN"
	expect_eq "attach again: says so" "$(grep -c 'already attached' "$TMP/out")" 1
	expect_rc "detach" 0 "$MAPSIZE" counters detach --pin "$PIN"
	expect_eq "detach: nothing left" "$(ls -d "$PIN" 2>/dev/null)" ""
fi
finish
