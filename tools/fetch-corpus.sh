#!/usr/bin/env bash
# fetch-corpus.sh — fetch third-party BPF objects (issue 17's corpus) from
# Debian packages, the way tools/gen-kernel-consts.sh fetches kernels: a
# private apt configuration under build/corpus/apt (its own sources.list,
# lists, cache and empty dpkg status; the system's apt sources and state are
# never read or written), `apt-get download` of a PINNED version, `dpkg -x`
# (tools/debian-fetch.sh does that part).
#
# Layout: build/corpus/debs/<pkg>_<ver>_amd64.deb, build/corpus/<pkg>/ (the
# unpacked tree, with a .done stamp).  A rerun with everything in place
# downloads nothing (not even the package lists).
#
# Usage: tools/fetch-corpus.sh [--dir DIR] [--offline] [PACKAGE...]
#   --dir DIR     corpus directory (default build/corpus)
#   --offline     no apt-get: use what is in DIR
#   PACKAGE       default: all pinned packages below
# Environment: DEBIAN_MIRROR (default http://deb.debian.org).
#
# Exit status: 0 every package is unpacked; 77 at least one could not be had
# (each printed as "SKIP: ..."; the others are still unpacked); 2 usage.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=fetch-corpus.sh
dir=$REPO_DIR/build/corpus
offline=0
want=()

msg() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { msg "error: $*"; exit 2; }

# package  version  suite — versions looked up once with this script's apt
# configuration (apt-cache madison) and pinned, so the corpus and the values
# tests/kernel/test_object_maps.c asserts stay the same.
PINS=(
	"libxdp1 1.3.1-1 bookworm"                              # 15 objects, usr/lib/x86_64-linux-gnu/bpf/
	"opensnitch-ebpf-modules 1.6.9-3 trixie"                # 3 kprobe objects, per-map maps/NAME sections
	"libbpf-tools 0.26.0+ds-1 bookworm"                     # executables embedding their skeletons
	"libbpftune0 0.0~git20250314.8fd59cc-1 trixie"          # bpftune tuners, shared libraries with skeletons
)

while [[ $# -gt 0 ]]; do
	case $1 in
	--dir) [[ $# -ge 2 ]] || die "--dir needs a directory"; dir=$2; shift 2 ;;
	--offline) offline=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) want+=("$1"); shift ;;
	esac
done
if [[ ${#want[@]} -gt 0 ]]; then
	for w in "${want[@]}"; do
		printf '%s\n' "${PINS[@]}" | grep -q "^$w " || die "no pinned package '$w' (known: $(printf '%s\n' "${PINS[@]}" | awk '{printf "%s ", $1}'))"
	done
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The private apt configuration, download and unpacking are shared with
# tools/fetch-go.sh.
args=(--dir "$dir")
[[ $offline -eq 0 ]] || args+=(--offline)
for pin in "${PINS[@]}"; do
	if [[ ${#want[@]} -eq 0 ]] || printf '%s\n' "${want[@]}" | grep -qx "${pin%% *}"; then
		args+=("$pin")
	fi
done
DEBIAN_FETCH_PROG=$PROG exec bash "$REPO_DIR/tools/debian-fetch.sh" "${args[@]}"
