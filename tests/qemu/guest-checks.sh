#!/bin/sh
# guest-checks.sh — every check tests/run.sh makes of a Debian kernel, in one
# boot (run by tests/qemu/run-kernel.sh as the guest's test, with the static
# binaries added by --file): the memory model (memmatrix-static, both the BTF
# and the built-in table halves) and the availability table
# (availprobe-static), the kernel-side counters (counters-static, exact counts
# through the library; guest-counters.sh, the same through mapsize-static's
# counters and status commands), rhashfill-static and the Go binding's rhash
# test when given.  Each prints its own "NAME: N passed, N failed" lines;
# the exit status is 1 when either failed.
rc=0
for t in memmatrix-static availprobe-static counters-static guest-counters.sh; do
	if [ "$t" = guest-counters.sh ] && [ ! -x /test/mapsize-static ]; then
		# the static CLI is not built with SANITIZE=1
		echo "SKIP counters-cli: no /test/mapsize-static (a SANITIZE=1 build has no static CLI)"
		echo "counters-cli: 0 passed, 0 failed, 1 skipped"
		continue
	fi
	if [ -x "/test/$t" ]; then
		"/test/$t" || rc=1
	else
		echo "FAIL guest-checks: /test/$t missing"
		rc=1
	fi
done
# rhash (7.2+) filled from a socket filter and from user space; optional: it
# skips itself on older kernels, and an older caller may not pass it
if [ -x /test/rhashfill-static ]; then
	/test/rhashfill-static || rc=1
fi
# the Go binding's TestKernelRhash (tests/go/build-guest-test.sh): optional
# like rhashfill; it skips itself on a kernel without rhash
if [ -x /test/mapsize-go.test ]; then
	MAPSIZE_GO_RHASH_PLAN=/test/rhash-plan.json MAPSIZE_GO_RHASH_OBJECT=/test/rhash_apply.bpf.o \
		/test/mapsize-go.test -test.run '^TestKernelRhash$' -test.v >/tmp/go-rhash.out 2>&1
	if grep -q -- '--- PASS: TestKernelRhash' /tmp/go-rhash.out; then
		echo "go-rhash: 1 passed, 0 failed, 0 skipped"
	elif grep -q -- '--- SKIP: TestKernelRhash' /tmp/go-rhash.out; then
		echo "SKIP go-rhash: $(grep -B1 -- '--- SKIP: TestKernelRhash' /tmp/go-rhash.out | sed -n '1s/^ *//p')"
		echo "go-rhash: 0 passed, 0 failed, 1 skipped"
	else
		cat /tmp/go-rhash.out
		echo "FAIL go-rhash"
		echo "go-rhash: 0 passed, 1 failed, 0 skipped"
		rc=1
	fi
fi
exit "$rc"
