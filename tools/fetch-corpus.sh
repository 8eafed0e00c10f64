#!/usr/bin/env bash
# fetch-corpus.sh — fetch third-party BPF objects (issue 17's corpus) from
# Debian packages, the way tools/gen-kernel-consts.sh fetches kernels: a
# private apt configuration under build/corpus/apt (its own sources.list,
# lists, cache and empty dpkg status; the system's apt sources and state are
# never read or written), `apt-get download` of a PINNED version, `dpkg -x`.
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

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org}
export DEBIAN_FRONTEND=noninteractive
apt=$dir/apt
APT_OPTS=(-q -o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/empty"
	-o "Dir::Etc::preferences=$apt/empty/none" -o "Dir::Etc::preferencesparts=$apt/empty"
	-o "Dir::State=$apt/state" -o "Dir::State::Lists=$apt/state/lists"
	-o "Dir::State::status=$apt/state/status" -o "Dir::Cache=$apt/cache"
	-o APT::Architecture=amd64 -o Acquire::Languages=none -o Dpkg::Use-Pty=0 -o Acquire::Retries=3)
# As root, apt-get download would drop to the _apt user, who may not be able
# to write into the cache; stay root instead.
[[ $EUID -ne 0 ]] || APT_OPTS+=(-o APT::Sandbox::User=root)

updated=0
apt_update() {
	[[ $updated -eq 0 ]] || return 0
	updated=1
	mkdir -p "$apt/empty" "$apt/state/lists/partial" "$apt/cache/archives/partial"
	: >"$apt/state/status"
	local s
	for s in $(printf '%s\n' "${PINS[@]}" | awk '{print $3}' | sort -u); do
		echo "deb [signed-by=$KEYRING] $MIRROR/debian $s main"
	done >"$apt/sources.list"
	apt-get "${APT_OPTS[@]}" update >"$apt/update.log" 2>&1
}

skips=0
skip() { printf 'SKIP: %s\n' "$*"; skips=$((skips + 1)); }

for pin in "${PINS[@]}"; do
	read -r pkg ver suite <<<"$pin"
	if [[ ${#want[@]} -gt 0 ]] && ! printf '%s\n' "${want[@]}" | grep -qx "$pkg"; then
		continue
	fi
	out=$dir/$pkg
	[[ -f $out/.done && $(cat "$out/.done") == "$ver" ]] && continue
	deb=$dir/debs/${pkg}_${ver//:/%3a}_amd64.deb
	mkdir -p "$dir/debs"
	if [[ ! -s $deb ]]; then
		if [[ $offline -eq 1 ]]; then skip "$pkg $ver: not in $dir/debs (--offline)"; continue; fi
		if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null || [[ ! -r $KEYRING ]]; then
			skip "$pkg $ver: needs apt-get, dpkg and $KEYRING"; continue
		fi
		if ! apt_update; then
			skip "$pkg $ver: apt-get update against $MIRROR failed ($(tail -n 1 "$apt/update.log"))"; continue
		fi
		msg "downloading $pkg $ver ($suite)"
		if ! (cd "$dir/debs" && apt-get "${APT_OPTS[@]}" download "$pkg=$ver") >"$apt/download-$pkg.log" 2>&1 ||
			[[ ! -s $deb ]]; then
			skip "$pkg $ver ($suite) cannot be downloaded from $MIRROR: $(tail -n 1 "$apt/download-$pkg.log")"; continue
		fi
	fi
	rm -rf "$out"
	mkdir -p "$out"
	dpkg -x "$deb" "$out" || { skip "$pkg $ver: dpkg -x failed"; rm -rf "$out"; continue; }
	echo "$ver" >"$out/.done"
done
[[ $skips -eq 0 ]] || exit 77
exit 0
