#!/usr/bin/env bash
# debian-fetch.sh — download PINNED Debian packages and unpack them, never
# installing anything: a private apt configuration under DIR/apt (its own
# sources.list, lists, cache and empty dpkg status; the system's apt sources
# and state are never read or written), `apt-get download PKG=VER`,
# `dpkg -x`.  Shared by tools/fetch-corpus.sh (third-party BPF objects) and
# tools/fetch-go.sh (Go toolchain and cilium/ebpf for bindings/go).
#
# Layout: DIR/debs/<pkg>_<ver>_<arch>.deb; DIR/<pkg>/ the unpacked tree with
# a .done stamp holding the version, or with --tree NAME every package
# unpacked into DIR/NAME/ (stamps DIR/NAME/.done.<pkg>).  A rerun with
# everything in place downloads nothing (not even the package lists).
#
# Usage: tools/debian-fetch.sh --dir DIR [--offline] [--tree NAME] PIN...
#   PIN        "PACKAGE VERSION SUITE" (one argument)
#   --offline  no apt-get: use what is in DIR/debs
# Environment: DEBIAN_MIRROR (default http://deb.debian.org).
#
# Exit status: 0 every package is unpacked; 77 at least one could not be had
# (each printed as "SKIP: ..."; the others are still unpacked); 2 usage.
set -euo pipefail

PROG=${DEBIAN_FETCH_PROG:-debian-fetch.sh}
dir=
offline=0
tree=
pins=()

msg() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { msg "error: $*"; exit 2; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--dir) [[ $# -ge 2 ]] || die "--dir needs a directory"; dir=$2; shift 2 ;;
	--tree) [[ $# -ge 2 ]] || die "--tree needs a name"; tree=$2; shift 2 ;;
	--offline) offline=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) [[ $1 =~ ^[^\ ]+\ [^\ ]+\ [^\ ]+$ ]] || die "a pin is \"PACKAGE VERSION SUITE\", got '$1'"
	   pins+=("$1"); shift ;;
	esac
done
[[ -n $dir ]] || die "--dir is required"
[[ ${#pins[@]} -gt 0 ]] || die "no package to fetch"
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
	for s in $(printf '%s\n' "${pins[@]}" | awk '{print $3}' | sort -u); do
		echo "deb [signed-by=$KEYRING] $MIRROR/debian $s main"
	done >"$apt/sources.list"
	apt-get "${APT_OPTS[@]}" update >"$apt/update.log" 2>&1
}

skips=0
skip() { printf 'SKIP: %s\n' "$*"; skips=$((skips + 1)); }

# The .deb of PKG VER already downloaded (any architecture), or nothing.
cached_deb() { ls -1 "$dir/debs/${1}_${2//:/%3a}"_*.deb 2>/dev/null | head -n 1 || true; }

for pin in "${pins[@]}"; do
	read -r pkg ver suite <<<"$pin"
	if [[ -n $tree ]]; then
		out=$dir/$tree stamp=$dir/$tree/.done.$pkg
	else
		out=$dir/$pkg stamp=$dir/$pkg/.done
	fi
	[[ -f $stamp && $(cat "$stamp") == "$ver" ]] && continue
	mkdir -p "$dir/debs"
	deb=$(cached_deb "$pkg" "$ver")
	if [[ -z $deb ]]; then
		if [[ $offline -eq 1 ]]; then skip "$pkg $ver: not in $dir/debs (--offline)"; continue; fi
		if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null || [[ ! -r $KEYRING ]]; then
			skip "$pkg $ver: needs apt-get, dpkg and $KEYRING"; continue
		fi
		if ! apt_update; then
			skip "$pkg $ver: apt-get update against $MIRROR failed ($(tail -n 1 "$apt/update.log"))"; continue
		fi
		msg "downloading $pkg $ver ($suite)"
		if ! (cd "$dir/debs" && apt-get "${APT_OPTS[@]}" download "$pkg=$ver") >"$apt/download-$pkg.log" 2>&1 ||
			[[ -z $(cached_deb "$pkg" "$ver") ]]; then
			# apt-get update only warns when the mirror is unreachable: say so
			why=$(grep -m1 '^[WE]: \(Failed to fetch\|Some index files\)' "$apt/update.log" || true)
			skip "$pkg $ver ($suite) cannot be downloaded from $MIRROR: $(tail -n 1 "$apt/download-$pkg.log")${why:+ (apt-get update: $why)}"; continue
		fi
		deb=$(cached_deb "$pkg" "$ver")
	fi
	# a tree of its own is unpacked afresh; a shared tree is only added to
	[[ -n $tree ]] || rm -rf "$out"
	mkdir -p "$out"
	if ! dpkg -x "$deb" "$out"; then
		skip "$pkg $ver: dpkg -x failed"
		[[ -n $tree ]] || rm -rf "$out"
		continue
	fi
	echo "$ver" >"$stamp"
done
[[ $skips -eq 0 ]] || exit 77
exit 0
