#!/usr/bin/env bash
# The Go binding's TestKernelRhash for the qemu guests: tests/run.sh runs
# this before booting them, and tests/qemu/guest-checks.sh runs the test in
# each kernel's one boot (it skips itself where the kernel has no rhash).
# Writes to $O/tests/go-guest/: mapsize-go.test (static: CGO_ENABLED=0), the
# plan `resizable: auto` gets for a 7.2 target, and the object whose hash it
# converts.  Exit 77, saying why, when Go or the object cannot be had.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
out=$PWD/$O/tests/go-guest
rm -rf "$out" && mkdir -p "$out/scratch" || exit 2
trap 'rm -rf "$out/scratch"' EXIT
. tests/go/go-env.sh
if ! go_env "$out/scratch"; then
	echo "SKIP go-rhash: Go 1.27 / cilium/ebpf 0.22 cannot be had: $(go_fetch_reason "$out/scratch")"
	exit 77
fi
obj=$O/tests/bpf/rhash_apply.bpf.o
[ -f "$obj" ] || { echo "SKIP go-rhash: no $obj (make tests)"; exit 77; }
cp "$obj" "$out/" &&
	"$O/mapsize" plan tests/go/rhash.rules.yaml --kernel 7.2.0 --format json -o "$out/rhash-plan.json" &&
	(cd bindings/go && go test -c -o "$out/mapsize-go.test" .) || exit 1
