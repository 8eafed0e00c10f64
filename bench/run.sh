#!/usr/bin/env bash
# `make bench` (issue 4, item 4; issue 8): builds bench/ through bench/bench.mk
# (mapsize-bench and the mapsize CLI), runs the four benchmarks of
# $O/bench/mapsize-bench and writes bench/results.md:
#   (a) kernel memlock of the demo agent's maps: baseline vs small/medium/large
#   (b) CPU cost of preallocation (BPF_PROG_TEST_RUN), prealloc vs no-prealloc
#   (c) time mapsize adds to open + load of the demo object
#   (d) `mapsize status` over 1,000 live maps (one of 1,000,000 entries) per
#       count method: whole CLI, and the big map alone through the library
#   (e) inner maps sized per instance: grow per entry copied vs a plain batch
#       update, memlock per instance vs the template's size (10/100/1000 cgroups)
#   (f) a pinned map of 1,000,000 entries (hash, percpu hash) migrated to twice
#       its size: ns/entry vs a plain batch copy, renames that change the pin
#   (g) the kernel-side counters' cost per hash update, under qemu
#   (h) rhash vs preallocated vs no-prealloc hash at 10/50/90 % of the cap:
#       memory (fdinfo and the model) and ns per update and lookup, under qemu
# A benchmark, not a test: it fails only when something cannot run, or when
# (d) finds a method that miscounts (its targets are pass/fail lines).  Needs
# root (or CAP_BPF + CAP_PERFMON); when bpf() is refused the reason goes into
# results.md instead of numbers.
#
#   O=build bench/run.sh                 (what `make bench` runs)
#   BENCH_ROUNDS=31 BENCH_OV_ROUNDS=31   rounds of (b) and of (c)
#   BENCH_ST_ROUNDS=7                    rounds of (d)
#   BENCH_MIG_ROUNDS=3                   rounds of (f) (each about 20 s here)
#   BENCH_OUT=FILE                       write somewhere else than bench/results.md
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
ROUNDS=${BENCH_ROUNDS:-31}
OV_ROUNDS=${BENCH_OV_ROUNDS:-31}
ST_ROUNDS=${BENCH_ST_ROUNDS:-7}
MIG_ROUNDS=${BENCH_MIG_ROUNDS:-3}
OUT=${BENCH_OUT:-bench/results.md}
BIN=$O/bench/mapsize-bench
SECTION_TIMEOUT=${BENCH_SECTION_TIMEOUT:-150}

san=
[ "$O" = build-san ] && san=SANITIZE=1
# Works whether or not the top Makefile includes bench/bench.mk (guarded).
# O on the command line: the Makefile's `O := build` beats the environment.
if ! make --no-print-directory -f Makefile -f bench/bench.mk $san O="$O" bench-build; then
	echo "bench: building $BIN failed" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
possible=$(cat /sys/devices/system/cpu/possible 2>/dev/null || echo '?')
libbpf_v=$(pkg-config --modversion libbpf 2>/dev/null || echo '?')
clang_v=$(${CLANG:-clang} --version 2>/dev/null | head -n1 | sed 's/ *(.*//')
cc_v=$(${CC:-cc} --version 2>/dev/null | head -n1)
mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)

{
	echo "# mapsize benchmarks"
	echo
	echo "Machine: $(uname -sr) $(uname -m), $cpu_model, $(nproc) online CPUs (possible: $possible), $mem RAM;"
	echo "libbpf $libbpf_v, $clang_v (BPF), $cc_v; run $(date -u '+%Y-%m-%d %H:%M UTC') as $(id -un)."
	echo "Shared 2-core machine with noisy neighbours: read the **ratios** (both sides measured"
	echo "in the same run, interleaved, medians over rounds), not the absolute times."
	[ -n "$san" ] && echo && echo "**Built with SANITIZE=1 (ASan+UBSan): user-space times in (c) and (d) are inflated.**"
	echo
	echo "Rerun: \`make && sudo make bench\` (root, or CAP_BPF + CAP_PERFMON; about 35 s on this machine, plus 20-40 s a round of (f))."
	echo "\`BENCH_ROUNDS=N\` (default 31) sets the rounds of (b), \`BENCH_OV_ROUNDS=N\` (default 31)"
	echo "those of (c), \`BENCH_ST_ROUNDS=N\` (default 7) those of (d), \`BENCH_MIG_ROUNDS=N\` (default 3)"
	echo "those of (f).  Sources: \`bench/main.c\`,"
	echo "\`bench/bench_*.c\`, \`bench/prealloc.bpf.c\`, \`bench/run.sh\`."
	echo
} >"$tmp/head.md"

status=0
refused=
title() {
	case $1 in
	memlock) echo "(a) Kernel memory of the demo agent's maps" ;;
	prealloc) echo "(b) CPU cost of preallocation" ;;
	overhead) echo "(c) Time mapsize adds to open + load" ;;
	status) echo "(d) \`mapsize status\` over 1,000 live maps" ;;
	inner) echo "(e) Inner maps sized per instance and grown through the outer slot" ;;
	migrate) echo "(f) Migrating a pinned map of 1,000,000 entries" ;;
	esac
}

run_section() { # name args...
	local name=$1 rc
	shift
	echo "bench: $name ..." >&2
	timeout "$SECTION_TIMEOUT" "$BIN" "$@" >"$tmp/$name.md" 2>"$tmp/$name.err"
	rc=$?
	if [ -s "$tmp/$name.err" ]; then sed "s/^/  $name: /" "$tmp/$name.err" >&2; fi
	case $rc in
	0) ;;
	3)	# bpf() refused: its reason instead of numbers
		refused=$(grep -m1 'bpf() refused' "$tmp/$name.err")
		{
			echo "## $(title "$name"): not measured"
			echo
			echo "${refused:-bpf() refused}"
			echo
		} >"$tmp/$name.md"
		;;
	*)
		{
			echo "## $(title "$name"): failed (exit status $rc)"
			echo
			echo '```'
			if [ "$rc" -eq 124 ]; then echo "timed out after ${SECTION_TIMEOUT}s"; fi
			tail -n 20 "$tmp/$name.err"
			echo '```'
			echo
		} >"$tmp/$name.md"
		status=1
		;;
	esac
}

run_section memlock memlock
if [ -z "$refused" ]; then
	run_section prealloc prealloc --rounds "$ROUNDS"
	run_section overhead overhead --rounds "$OV_ROUNDS"
	run_section status status --rounds "$ST_ROUNDS" --mapsize "$O/mapsize"
	run_section inner inner --rounds "$ROUNDS"
	# 1M-entry maps created and copied 4 times a round: its own time limit
	SECTION_TIMEOUT=$((SECTION_TIMEOUT + MIG_ROUNDS * 60)) run_section migrate migrate --rounds "$MIG_ROUNDS"
else
	for s in prealloc overhead status inner migrate; do
		printf '## %s: not measured\n\n%s\n\n' "$(title "$s")" "$refused" >"$tmp/$s.md"
	done
	echo "bench: $refused" >&2
fi

# (g) the kernel-side counters (issue 18): ns per successful and per failed
# hash update from a BPF program, without and with the counters attached, in
# one run.  Tracing programs are refused by a locked-down kernel, so under
# qemu (Debian 6.12); the accelerator is named in the section.
{
	accel=tcg
	[ -w /dev/kvm ] && accel=kvm
	echo "## Kernel-side counters: cost per hash update (Debian 6.12 under qemu, accelerator $accel)"
	echo
	if make --no-print-directory O="$O" "$O/tests/counters-static" >"$tmp/ctr.build" 2>&1 &&
		tests/qemu/run-kernel.sh --kernel-version 6.12 --accel "$accel" "$O/tests/counters-static" --bench \
			>"$tmp/ctr.out" 2>"$tmp/ctr.err"; then
		grep '^|' "$tmp/ctr.out"
		echo
		echo "One boot; 7 rounds, each measuring without and with the counters back to back (in alternating"
		echo "order), each side the median of 9 BPF_PROG_TEST_RUN calls of 1,000 runs × 64 updates of a full"
		echo "64-entry hash (the kernel's own duration); the ratio is the median of the 7 rounds' ratios, the"
		echo "spread their min..max.  Target: success path ≤ 1.3×."
		if [ "$accel" = tcg ]; then
			echo "Under TCG every guest instruction is translated and emulated, the hash update's and the"
			echo "trampoline's alike, at different costs per kind of instruction (the trampoline saves and"
			echo "restores registers and makes four calls, which TCG emulates at a high price): the ratio"
			echo "is the emulator's, not a hardware CPU's, and it moves with the host's load (the spread)."
		fi
	else
		echo "not measured: $(grep -h 'SKIP\|FAIL\|error' "$tmp/ctr.out" "$tmp/ctr.err" "$tmp/ctr.build" | head -3)"
	fi
	echo
} >"$tmp/counters.md"

# (h) rhash (issue 19): the resizable hash against a preallocated and a
# no-prealloc hash of the same cap and key set, in one boot of Debian 7.3
# (rhash is 7.2+, the live kernel may not have it); tests/kernel/rhashfill.c
# --bench prints the table.
{
	accel=tcg
	[ -w /dev/kvm ] && accel=kvm
	echo "## (h) rhash vs hash: memory and ns per update and lookup (Debian 7.3 under qemu, accelerator $accel)"
	echo
	rc=1
	if make --no-print-directory O="$O" "$O/tests/rhashfill-static" >"$tmp/rh.build" 2>&1; then
		tests/qemu/run-kernel.sh --kernel-version 7.3 --accel "$accel" "$O/tests/rhashfill-static" --bench \
			>"$tmp/rh.out" 2>"$tmp/rh.err"
		rc=$?
	fi
	if grep -q '^BENCH rhash:' "$tmp/rh.out" 2>/dev/null; then
		grep '^|' "$tmp/rh.out"
		echo
		echo "$(sed -n 's/^BENCH rhash: //p' "$tmp/rh.out"); $(sed -n 's/.*\(boot+run took .*\)/\1/p' "$tmp/rh.err")."
		echo "One boot, the same keys (0 .. fill-1, 4-byte keys, 8-byte values) in all three maps, filled from user"
		echo "space level by level.  *memlock* is the kernel's \`memlock:\` in fdinfo, *model* \`mapsize_memlock()\`"
		echo "with the guest's BTF at that fill; *equal* compares them.  The kernel counts no bucket table for"
		echo "rhash (its model neither).  *update*: \`bpf_map_update_elem(BPF_EXIST)\` of a present key, *lookup*:"
		echo "\`bpf_map_lookup_elem\` of a present key, from a socket filter walking the keys, 64 per run;"
		echo "the median of 9 alternations of the three maps, each the median of 3 BPF_PROG_TEST_RUN calls of"
		echo "400 runs (the kernel's own duration).  Ratios are against the preallocated hash.  Under TCG every"
		echo "instruction is emulated: the ratios are TCG's, not the hardware's."
		# a model that differs from fdinfo is a finding, like (d)'s miscount
		[ "$rc" -eq 0 ] || status=1
	else
		echo "not measured: $(grep -h 'SKIP\|FAIL\|error' "$tmp/rh.out" "$tmp/rh.err" "$tmp/rh.build" 2>/dev/null | head -3)"
	fi
	echo
} >"$tmp/rhash.md"

{
	cat "$tmp/head.md" "$tmp/memlock.md" "$tmp/prealloc.md" "$tmp/overhead.md" "$tmp/status.md" "$tmp/inner.md" \
		"$tmp/migrate.md" "$tmp/counters.md" "$tmp/rhash.md"
	echo "Whole run: $(( $(date +%s) - start )) s."
} >"$tmp/results.md"
mv "$tmp/results.md" "$OUT"
cat "$OUT"
echo "bench: wrote $OUT" >&2
exit $status
