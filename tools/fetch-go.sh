#!/usr/bin/env bash
# fetch-go.sh — Go 1.27 and cilium/ebpf 0.22 with the Go modules it needs to
# build (golang.org/x/sys), from Debian sid's packages, for bindings/go's
# tests: PINNED versions downloaded and unpacked by tools/debian-fetch.sh (a
# private apt configuration under DIR/apt, `apt-get download`, `dpkg -x`;
# nothing is installed, the system's apt is never touched) into one tree,
# DIR/root.  A rerun with everything in place downloads nothing.
#
# What the tree gives:
#   DIR/root/usr/lib/go-1.27/bin/go                     GOROOT DIR/root/usr/lib/go-1.27
#   DIR/root/usr/share/gocode/src/github.com/cilium/ebpf  module github.com/cilium/ebpf v0.22.0
#   DIR/root/usr/share/gocode/src/golang.org/x/sys        module golang.org/x/sys v0.49.0
# cilium/ebpf's other requirements (go-quicktest/qt, rtnetlink, x/sync) are
# imported only by its own tests and test utilities: not fetched.
#
# Usage: tools/fetch-go.sh [--dir DIR] [--offline]
#   --dir DIR   default build/go-debs
# Exit status: 0 ready; 77 a package could not be had ("SKIP: ..." says
# which and why); 2 usage.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=fetch-go.sh
dir=$REPO_DIR/build/go-debs
offline=0

# package  version  suite — looked up with apt-cache policy through this
# configuration (sid, 2026-12-07) and pinned: the versions bindings/go is
# tested with.  cilium/ebpf 0.22's go.mod requires golang.org/x/sys v0.43.0.
PINS=(
	"golang-1.27-go 1.27.3-1 sid"
	"golang-1.27-src 1.27.3-1 sid"
	"golang-github-cilium-ebpf-dev 0.22.0+ds1-1 sid"
	"golang-golang-x-sys-dev 0.49.0+dfsg-1 sid"
)

while [[ $# -gt 0 ]]; do
	case $1 in
	--dir) [[ $# -ge 2 ]] || { echo "$PROG: error: --dir needs a directory" >&2; exit 2; }; dir=$2; shift 2 ;;
	--offline) offline=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "$PROG: error: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
args=(--dir "$dir" --tree root)
[[ $offline -eq 0 ]] || args+=(--offline)
DEBIAN_FETCH_PROG=$PROG exec bash "$REPO_DIR/tools/debian-fetch.sh" "${args[@]}" "${PINS[@]}"
