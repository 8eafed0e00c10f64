#!/usr/bin/env bash
# gen-kernel-consts.sh — generate src/core/kernel_consts_table.c, the kernel
# struct sizes mapsize compiles in for targets without BTF, from Debian's own
# kernel packages.
#
# For each series it downloads linux-image-<series>.*-cloud-amd64[-unsigned]
# with `apt-get download` through a private apt configuration (its own
# sources.list naming the suite, lists, cache and empty status; the system's
# apt sources and state are never read or written), unpacks it with dpkg -x,
# decompresses the vmlinux payload out of the vmlinuz (the way the kernel's
# scripts/extract-vmlinux does), keeps its .BTF section (objcopy) and reads
# the struct sizes with the library's own BTF reader
# (mapsize_kernel_consts__from_btf via build/tools/kconsts-dump).
#
# Every series is pinned: --check and --pinned take exactly the package
# version the committed table names ("SERIES: package version (release)");
# a plain run (moving to newer packages) asks each suite for its newest
# package and names it in the new table.  `--pinned` with the packages in
# the cache rewrites the table without any network access (a rerun
# downloads nothing).
#
# Usage: tools/gen-kernel-consts.sh [--cache DIR] [--offline] [--check] [--pinned]
#                                   [--btf-only] [-o FILE] [SERIES...]
#   --cache DIR   packages and extracted BTF (default build/qemu-cache, shared
#                 with tests/qemu/run-kernel.sh: debs/, extract/, btf/)
#   --offline     no apt-get: use the newest package already in the cache
#   --check       write nothing; exit 1 when FILE differs from what the
#                 packages give (exit 77 when a package cannot be had)
#   --pinned      the package FILE names for each series, not the newest
#                 (implied by --check; tests/qemu/run-kernel.sh boots these)
#   -o FILE       output (default src/core/kernel_consts_table.c)
#   --btf-only    stop after extracting cache/btf/<series>.btf (a node's BTF
#                 for `mapsize plan --btf`)
#   SERIES        default: 5.10 6.1 6.12 6.18 7.2 7.3
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=gen-kernel-consts.sh
cache=$REPO_DIR/build/qemu-cache
out=$REPO_DIR/src/core/kernel_consts_table.c
offline=0
check=0
btf_only=0
pinned=0
series_list=()

msg() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { msg "error: $*"; exit 2; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--cache) [[ $# -ge 2 ]] || die "--cache needs a directory"; cache=$2; shift 2 ;;
	--offline) offline=1; shift ;;
	--check) check=1; shift ;;
	--btf-only) btf_only=1; shift ;;
	--pinned) pinned=1; shift ;;
	-o|--output) [[ $# -ge 2 ]] || die "$1 needs a file"; out=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) [[ $1 =~ ^[0-9]+\.[0-9]+$ ]] || die "series wants MAJOR.MINOR, got '$1'"
	   series_list+=("$1"); shift ;;
	esac
done
[[ $check -eq 0 ]] || pinned=1
if [[ $check -eq 1 ]]; then
	# every series the committed table has, from its "SERIES: package" lines
	[[ ${#series_list[@]} -eq 0 ]] || die "--check takes the series from $out"
	mapfile -t series_list < <(sed -n 's/^ \*   \([0-9]*\.[0-9]*\): .*/\1/p' "$out")
	[[ ${#series_list[@]} -gt 0 ]] || die "$out lists no series"
fi
[[ ${#series_list[@]} -gt 0 ]] || series_list=(5.10 6.1 6.12 6.18 7.2 7.3)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Debian suites that carry each series' cloud kernel (the newest package of
# all of them wins).  Since 6.13 Debian ships one signed package without the
# -unsigned twin; the BTF inside is the same either way.
suites_for() {
	case $1 in
	5.10) echo "debian:bullseye debian-security:bullseye-security" ;;
	6.1)  echo "debian:bookworm debian-security:bookworm-security" ;;
	6.12) echo "debian:trixie debian-security:trixie-security debian:bookworm-backports" ;;
	6.18) echo "debian:trixie-backports" ;;
	7.2)  echo "debian:sid" ;;
	7.3)  echo "debian:trixie-backports" ;;
	*) return 1 ;;
	esac
}
# Since 7.x Debian puts the image into linux-binary-<release>-cloud-amd64
# (linux-image-* only depends on it), at usr/lib/modules/<release>/vmlinuz.
pkg_prefix() {
	case $1 in
	[0-6].*) echo linux-image ;;
	*) echo linux-binary ;;
	esac
}
pkg_re() { printf '^%s-%s[.-][^ ]*-cloud-amd64(-unsigned)?$' "$(pkg_prefix "$1")" "${1//./\\.}"; }

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org}
export DEBIAN_FRONTEND=noninteractive

# A private apt world per series under $cache/apt/<series>.
apt_opts() {
	local d=$cache/apt/$1
	printf '%s\n' -q -o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=$d/empty" \
		-o "Dir::Etc::preferences=$d/empty/none" -o "Dir::Etc::preferencesparts=$d/empty" \
		-o "Dir::State=$d/state" -o "Dir::State::Lists=$d/state/lists" \
		-o "Dir::State::status=$d/state/status" -o "Dir::Cache=$d/cache" \
		-o APT::Architecture=amd64 -o Acquire::Languages=none -o Dpkg::Use-Pty=0 \
		-o Acquire::Retries=3
	[[ $EUID -ne 0 ]] || printf '%s\n' -o APT::Sandbox::User=root
}

# Prints the path of the newest package of SERIES (downloading it unless
# --offline or it is cached), or nothing.
# With PIN ("package version", --check) exactly that package or nothing.
fetch_deb() {
	local s=$1 pin=${2:-} d=$cache/apt/$1 re pkg ver deb suite opts=()
	re=$(pkg_re "$s")
	mkdir -p "$cache/debs"
	if [[ -n $pin ]]; then
		pkg=${pin%% *}
		ver=${pin#* }
		deb=$cache/debs/${pkg}_${ver//:/%3a}_amd64.deb
		[[ -s $deb ]] && { echo "$deb"; return 0; }
		[[ $offline -eq 0 ]] || return 0
		re="^$(printf '%s' "$pkg" | sed 's/[.+]/\\&/g')\$"
	fi
	if [[ $offline -eq 0 ]] && command -v apt-get >/dev/null && [[ -r $KEYRING ]]; then
		mkdir -p "$d/empty" "$d/state/lists/partial" "$d/cache/archives/partial"
		: >"$d/state/status"
		for suite in $(suites_for "$s"); do
			echo "deb [signed-by=$KEYRING] $MIRROR/${suite%%:*} ${suite#*:} main"
		done >"$d/sources.list"
		mapfile -t opts < <(apt_opts "$s")
		if apt-get "${opts[@]}" update >"$d/update.log" 2>&1; then
			# newest first; a mirror may list a package its pool lost (404)
			for pkg in $(apt-cache "${opts[@]}" search --names-only "$re" 2>/dev/null |
				awk '{print $1}' | grep -E "$re" | sort -rV | head -n 3); do
				[[ -n $pin ]] ||
					ver=$(apt-cache "${opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2; exit}')
				deb=$cache/debs/${pkg}_${ver//:/%3a}_amd64.deb
				if [[ ! -s $deb ]]; then
					msg "downloading $pkg $ver ..."
					(cd "$cache/debs" && apt-get "${opts[@]}" download "$pkg=$ver") \
						>"$d/download.log" 2>&1 || { grep -m1 '^E:' "$d/download.log" >&2; rm -f "$deb"; }
				fi
				[[ -s $deb ]] && { echo "$deb"; return 0; }
			done
		else
			msg "apt-get update for $s failed (offline?); looking in the cache"
		fi
	fi
	[[ -z $pin ]] || return 0
	ls -1 "$cache"/debs/"$(pkg_prefix "$s")"-"$s"[.-]*-cloud-amd64*_amd64.deb 2>/dev/null |
		grep -E "/$(pkg_re "$s" | sed 's/^\^//; s/\$$//')_[^/]*_amd64\.deb$" | sort -V | tail -n 1 || true
}

# vmlinuz -> vmlinux: try every compression magic the way
# scripts/extract-vmlinux does and keep the first payload that is an ELF.
extract_vmlinux() {
	local img=$1 dst=$2 spec magic cmd pos
	for spec in '\x1f\x8b\x08:gzip -dc' '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' \
		'BZh:bzip2 -dc' '\x5d\x00\x00\x00:xz --format=lzma -dc' '\x02\x21\x4c\x18:lz4 -dc'; do
		magic=${spec%%:*}
		cmd=${spec#*:}
		command -v "${cmd%% *}" >/dev/null || continue
		for pos in $(LC_ALL=C grep -aboP "$magic" "$img" 2>/dev/null | cut -d: -f1 | head -n 8); do
			tail -c +$((pos + 1)) "$img" | $cmd >"$dst" 2>/dev/null || true
			[[ $(head -c 4 "$dst" | od -An -c | tr -d ' ') != '177ELF' ]] || return 0
		done
	done
	return 1
}

# Unpacks DEB's boot/ (the layout run-kernel.sh uses), keeps the package's
# BTF next to it (extract/<deb>/vmlinux.btf: a series' packages never share
# one file) and points $cache/btf/<series>.{btf,info,image} at this package.
extract_btf() {
	local s=$1 deb=$2 dir img tmp
	dir=$cache/extract/$(basename "$deb" .deb)
	if [[ ! -d $dir ]]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg -x "$deb" "$dir.tmp"
		# 7.x: the image under usr/lib/modules/<release>/ moves to boot/, the
		# layout of the older packages (modules are not kept)
		for img in "$dir.tmp"/usr/lib/modules/*/vmlinuz; do
			[[ -f $img ]] || continue
			mkdir -p "$dir.tmp/boot"
			mv "$img" "$dir.tmp/boot/vmlinuz-$(basename "$(dirname "$img")")"
		done
		find "$dir.tmp" -mindepth 1 -maxdepth 1 ! -name boot -exec rm -rf {} +
		mv "$dir.tmp" "$dir"
	fi
	img=$(ls -1 "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[[ -n $img ]] || die "$deb: no boot/vmlinuz-*"
	if [[ ! -s $dir/vmlinux.btf ]]; then
		tmp=$(mktemp "$dir/.vmlinux.XXXXXX")
		extract_vmlinux "$img" "$tmp" || { rm -f "$tmp"; die "$img: no compressed vmlinux payload found"; }
		objcopy --only-section=.BTF -O binary "$tmp" "$tmp.btf"
		rm -f "$tmp"
		[[ -s $tmp.btf ]] || { rm -f "$tmp.btf"; die "$img: the vmlinux has no .BTF section"; }
		mv "$tmp.btf" "$dir/vmlinux.btf"
	fi
	mkdir -p "$cache/btf"
	if ! cmp -s "$dir/vmlinux.btf" "$cache/btf/$s.btf"; then
		cp "$dir/vmlinux.btf" "$cache/btf/.$s.btf.$$"
		mv "$cache/btf/.$s.btf.$$" "$cache/btf/$s.btf"
	fi
	# "linux-image-6.1.0-57-cloud-amd64-unsigned 6.1.192-3 (6.1.0-57-cloud-amd64)"
	printf '%s %s (%s)\n' "$(basename "$deb" | cut -d_ -f1)" \
		"$(basename "$deb" | cut -d_ -f2 | sed 's/%3a/:/')" "$(basename "$img" | sed 's/^vmlinuz-//')" \
		>"$cache/btf/.$s.info.$$"
	mv "$cache/btf/.$s.info.$$" "$cache/btf/$s.info"
	printf '%s\n' "$img" >"$cache/btf/.$s.image.$$"
	mv "$cache/btf/.$s.image.$$" "$cache/btf/$s.image"
	pkg_btf=$dir/vmlinux.btf
}

args=()
for s in "${series_list[@]}"; do
	suites_for "$s" >/dev/null || die "no Debian suite known for series $s"
	pin=
	if [[ $pinned -eq 1 ]]; then
		# the very package the committed table names ("package version (release)")
		pin=$(sed -n "s/^ \*   ${s//./\\.}: \(linux-[a-z]*-[^ ]*\) \([^ ]*\) (.*/\1 \2/p" "$out" | head -n 1)
		# a series new to the table (not --check) starts at the suite's newest
		[[ -n $pin || $check -eq 1 ]] || msg "$s: $out names no package yet; taking the newest"
		[[ -n $pin || $check -eq 0 ]] || die "$out names no package for series $s"
	fi
	deb=$(fetch_deb "$s" "$pin")
	if [[ -z $deb ]]; then
		msg "SKIP: no package ${pin:-linux-image-$s.*-cloud-amd64[-unsigned]} downloadable or in $cache/debs"
		exit 77
	fi
	extract_btf "$s" "$deb"
	msg "$s: $(cat "$cache/btf/$s.info")"
	# the package's own copy: a concurrent run may repoint btf/<series>.btf
	args+=("$s=$pkg_btf=$(cat "$cache/btf/$s.info")")
done
[[ $btf_only -eq 0 ]] || exit 0

dump=$REPO_DIR/build/tools/kconsts-dump
# a plain build tool, also when called from `make test SANITIZE=1`
make -s -C "$REPO_DIR" SANITIZE= build/tools/kconsts-dump >&2
tmp_out=$(mktemp "${TMPDIR:-/tmp}/kernel_consts_table.XXXXXX")
trap 'rm -f "$tmp_out"' EXIT
"$dump" "${args[@]}" >"$tmp_out"
if [[ $check -eq 1 ]]; then
	if ! diff -u "$out" "$tmp_out"; then
		msg "FAIL: $out differs from the packages' BTF (rerun $0 and commit)"
		exit 1
	fi
	msg "$out matches the packages' BTF"
	exit 0
fi
chmod 0644 "$tmp_out"	# mktemp's 0600 would follow it into the tree
mv "$tmp_out" "$out"
trap - EXIT
msg "wrote $out"
