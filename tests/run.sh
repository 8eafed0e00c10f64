#!/usr/bin/env bash
# Runs every test program and prints one closing line: "N passed, N failed, N skipped".
# Unit and kernel tests are cmocka programs in $O/tests; CLI tests are tests/cli/*.sh.
# A program that crashes or exits non-zero without a summary counts as one failure.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export O MAPSIZE="$PWD/$O/mapsize"
passed=0 failed=0 skipped=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

count() { # name status
	local name=$1 status=$2 p f s
	# cmocka: "[  PASSED  ] 3 test(s)." / "[  FAILED  ] 1 test(s)" / "[  SKIPPED ] 1 test(s)"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s).*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	# our own programs and scripts: "NAME: N passed, N failed[, N skipped]"
	if grep -Eq '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$out"; then
		read -r p f s < <(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$out" |
			sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' |
			awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited with status $status without reporting a failed test"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
}

for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$out" 2>&1
	status=$?
	[ -n "${VERBOSE:-}" ] || grep -Eq '^\[  (FAILED|  ERROR)|FAIL' "$out" && cat "$out"
	count "$name" "$status"
done
# The memory model against the running kernel, to the byte: with its BTF,
# and with the built-in table of its series when its BTF agrees with that
# table (else memmatrix says which struct differs and skips that half).
if [ -x "$O/tests/memmatrix" ]; then
	"$O/tests/memmatrix" >"$out" 2>&1
	status=$?
	grep -q '^FAIL\|MISMATCH' "$out" && cat "$out"
	grep '^SKIP builtin half' "$out"
	count memmatrix "$status"
fi
# ... and on Debian's 5.10, 6.1, 6.12, 6.18, 7.2 and 7.3 under qemu, the very packages
# the built-in table was read from: one boot per kernel runs all its checks
# (tests/qemu/guest-checks.sh: memmatrix, both halves, and availprobe; exit
# 77: qemu or the kernel package cannot be had here, counted as skipped; 125:
# three boots failed).
# The guests run static binaries, which are never built with sanitizers: a
# SANITIZE=1 run (O=build-san) would boot six kernels to repeat the plain
# run's checks with the same code, and has no counters-static to give them.
if [ "$O" = build-san ] && [ -z "${MAPSIZE_NO_QEMU:-}" ]; then
	for kver in ${MAPSIZE_QEMU_KERNELS:-5.10 6.1 6.12 6.18 7.2 7.3}; do
		echo "SKIP qemu-linux-$kver: SANITIZE=1; the guests run unsanitized static binaries, checked by the plain make test"
		skipped=$((skipped + 1))
		printf '%-28s %4d passed, %d failed, %d skipped\n' "qemu-linux-$kver" 0 0 1
	done
elif [ -x "$O/tests/memmatrix-static" ] && [ -x "$O/tests/availprobe-static" ] &&
	[ -z "${MAPSIZE_NO_QEMU:-}" ]; then
	# optional guest binaries: rhash fill (7.2+) and, for its status check,
	# the static CLI (not built with SANITIZE=1)
	guest_extra=
	for f in "$O/tests/rhashfill-static" "$O/mapsize-static"; do
		[ -x "$f" ] && guest_extra="$guest_extra --file $f"
	done
	# the Go binding's rhash test, built once for every boot (77: no Go here)
	bash tests/go/build-guest-test.sh >"$out" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		for f in mapsize-go.test rhash-plan.json rhash_apply.bpf.o; do
			guest_extra="$guest_extra --file $O/tests/go-guest/$f"
		done
	elif [ "$status" -eq 77 ]; then
		grep SKIP "$out"
		skipped=$((skipped + 1))
		printf '%-28s %4d passed, %d failed, %d skipped\n' go-rhash-guest 0 0 1
	else
		tail -20 "$out"
		failed=$((failed + 1))
		printf '%-28s %4d passed, %d failed, %d skipped\n' go-rhash-guest 0 1 0
	fi
	for kver in ${MAPSIZE_QEMU_KERNELS:-5.10 6.1 6.12 6.18 7.2 7.3}; do
		# shellcheck disable=SC2086 # guest_extra: build paths, no spaces
		tests/qemu/run-kernel.sh --kernel-version "$kver" \
			--file "$O/tests/memmatrix-static" --file "$O/tests/availprobe-static" \
			--file "$O/tests/counters-static" --file tests/qemu/guest-counters.sh \
			--file tests/qemu/counters.rules.yaml $guest_extra \
			tests/qemu/guest-checks.sh >"$out" 2>&1
		status=$?
		if [ "$status" -eq 77 ]; then
			grep SKIP "$out"
			skipped=$((skipped + 1))
			printf '%-28s %4d passed, %d failed, %d skipped\n' "qemu-linux-$kver" 0 0 1
		elif [ "$status" -eq 125 ]; then
			grep 'run-kernel.sh: \(boot failure\|FAIL\)' "$out"
			failed=$((failed + 1))
			printf '%-28s %4d passed, %d failed, %d skipped (boot failure)\n' \
				"qemu-linux-$kver" 0 1 0
		else
			grep -q 'FAIL\|MISMATCH\|boot failure' "$out" && grep 'FAIL\|MISMATCH\|boot failure' "$out"
			count "qemu-linux-$kver" "$status"
		fi
	done
fi
# The fuzzers replay their committed corpus (regressions; no new inputs, so
# the result is the same every run).
for t in "$O"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	"$t" -runs=0 "$corpus" >"$out" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1)); p=1 f=0
	else
		tail -30 "$out"; failed=$((failed + 1)); p=0 f=1
	fi
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$name-corpus" "$p" "$f" 0
done
for t in tests/cli/test_*.sh; do
	[ -f "$t" ] || continue
	name=cli/$(basename "$t" .sh)
	bash "$t" >"$out" 2>&1
	status=$?
	[ -n "${VERBOSE:-}" ] || grep -q '^FAIL' "$out" && cat "$out"
	count "$name" "$status"
done
# The Go module bindings/go with Go 1.27 and cilium/ebpf 0.22 from Debian
# sid (tools/fetch-go.sh, cached in $O/go-debs; build cache $O/go-cache):
# go vet, unit tests, the demo and corpus objects, inner-map growth in the
# kernel; when the packages cannot be had it reports one skip saying why.
bash tests/go/test_go.sh >"$out" 2>&1
status=$?
[ -n "${VERBOSE:-}" ] || grep -q '^FAIL' "$out" && cat "$out"
count go/test_go "$status"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]
