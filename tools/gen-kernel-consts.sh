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
# Usage: tools/gen-kernel-consts.sh [--cache DIR] [--offline] [--check] [-o FILE]
#                                   [--btf-dir DIR] [SERIES...]
#   --cache DIR   packages and extracted BTF (default build/qemu-cache, shared
#                 with tests/qemu/run-kernel.sh: debs/, extract/, btf/)
#   --offline     no apt-get: use the newest package already in the cache
#   --check       write nothing; exit 1 when FILE differs from what the
#                 packages give (exit 77 when a package cannot be had)
#   -o FILE       output (default src/core/kernel_consts_table.c)
#   --btf-only    stop after extracting cache/btf/<series>.btf (a node's BTF
#                 for `mapsize plan --btf`)
#   SERIES        default: 5.10 6.1 6.12 6.18
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=gen-kernel-consts.sh
cache=$REPO_DIR/build/qemu-cache
out=$REPO_DIR/src/core/kernel_consts_table.c
offline=0
check=0
btf_only=0
series_list=()

msg() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { msg "error: $*"; exit 2; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--cache) [[ $# -ge 2 ]] || die "--cache needs a directory"; cache=$2; shift 2 ;;
	--offline) offline=1; shift ;;
	--check) check=1; shift ;;
	--btf-only) btf_only=1; shift ;;
	-o|--output) [[ $# -ge 2 ]] || die "$1 needs a file"; out=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) [[ $1 =~ ^[0-9]+\.[0-9]+$ ]] || die "series wants MAJOR.MINOR, got '$1'"
	   series_list+=("$1"); shift ;;
	esac
done
if [[ $check -eq 1 ]]; then
	# every series the committed table has, from its "SERIES: package" lines
	[[ ${#series_list[@]} -eq 0 ]] || die "--check takes the series from $out"
	mapfile -t series_list < <(sed -n 's/^ \*   \([0-9]*\.[0-9]*\): .*/\1/p' "$out")
	[[ ${#series_list[@]} -gt 0 ]] || die "$out lists no series"
fi
[[ ${#series_list[@]} -gt 0 ]] || series_list=(5.10 6.1 6.12 6.18)
# Series whose entry comes from the live kernel's BTF rather than a package.
LIVE_SERIES=${LIVE_SERIES-6.18}
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
	*) return 1 ;;
	esac
}
pkg_re() { printf '^linux-image-%s[.-][^ ]*-cloud-amd64(-unsigned)?$' "${1//./\\.}"; }

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
	ls -1 "$cache"/debs/linux-image-"$s"[.-]*-cloud-amd64*_amd64.deb 2>/dev/null |
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

# Unpacks DEB's boot/ (the layout run-kernel.sh uses) and writes
# $cache/btf/<series>.btf and .info (package, version, release).
extract_btf() {
	local s=$1 deb=$2 dir img tmp
	dir=$cache/extract/$(basename "$deb" .deb)
	if [[ ! -d $dir ]]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg -x "$deb" "$dir.tmp"
		find "$dir.tmp" -mindepth 1 -maxdepth 1 ! -name boot -exec rm -rf {} +
		mv "$dir.tmp" "$dir"
	fi
	img=$(ls -1 "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[[ -n $img ]] || die "$deb: no boot/vmlinuz-*"
	mkdir -p "$cache/btf"
	if [[ ! -s $cache/btf/$s.btf || $cache/btf/$s.btf -ot $deb ]]; then
		tmp=$(mktemp "$cache/btf/.vmlinux.XXXXXX")
		extract_vmlinux "$img" "$tmp" || { rm -f "$tmp"; die "$img: no compressed vmlinux payload found"; }
		objcopy --only-section=.BTF -O binary "$tmp" "$cache/btf/$s.btf.tmp"
		rm -f "$tmp"
		[[ -s $cache/btf/$s.btf.tmp ]] || die "$img: the vmlinux has no .BTF section"
		mv "$cache/btf/$s.btf.tmp" "$cache/btf/$s.btf"
	fi
	# "linux-image-6.1.0-57-cloud-amd64-unsigned 6.1.192-3 (6.1.0-57-cloud-amd64)"
	printf '%s %s (%s)\n' "$(basename "$deb" | cut -d_ -f1)" \
		"$(basename "$deb" | cut -d_ -f2 | sed 's/%3a/:/')" "$(basename "$img" | sed 's/^vmlinuz-//')" \
		>"$cache/btf/$s.info"
	printf '%s\n' "$img" >"$cache/btf/$s.image"
}

# The running kernel's own BTF for SERIES (when no Debian package matches
# the kernel the project is tested on live).
live_btf() {
	local s=$1 rel
	rel=$(uname -r)
	[[ $rel == "$s".* || $rel == "$s"-* ]] || return 1
	[[ -r /sys/kernel/btf/vmlinux ]] || return 1
	mkdir -p "$cache/btf"
	cp /sys/kernel/btf/vmlinux "$cache/btf/$s.btf"
	printf 'live /sys/kernel/btf/vmlinux of %s\n' "$rel" >"$cache/btf/$s.info"
}

args=()
not_here=()
for s in "${series_list[@]}"; do
	if [[ $btf_only -eq 0 && " $LIVE_SERIES " == *" $s "* ]]; then
		# The live matrix runs on this kernel, whose configuration differs
		# from Debian's (6.18.15 Debian: bpf_array 304; live 6.18.44: 312).
		live_rel=$(uname -r)
		# --check: only on the very kernel the entry was read from
		if [[ $check -eq 1 ]] && ! grep -q "^ \*   ${s//./\\.}: live .* of ${live_rel//./\\.}\$" "$out"; then
			live_rel=
		fi
		if [[ -n $live_rel ]] && live_btf "$s"; then
			args+=("$s=$cache/btf/$s.btf=$(cat "$cache/btf/$s.info")")
		else
			msg "SKIP $s: the table takes it from a live $s kernel; this one runs $(uname -r)"
			not_here+=("$s")
		fi
		continue
	fi
	suites_for "$s" >/dev/null || die "no Debian suite known for series $s"
	pin=
	if [[ $check -eq 1 ]]; then
		# the very package the committed table names ("package version (release)")
		pin=$(sed -n "s/^ \*   ${s//./\\.}: \(linux-image-[^ ]*\) \([^ ]*\) (.*/\1 \2/p" "$out" | head -n 1)
		[[ -n $pin ]] || die "$out names no package for series $s"
	fi
	deb=$(fetch_deb "$s" "$pin")
	if [[ -z $deb ]]; then
		msg "SKIP: no package ${pin:-linux-image-$s.*-cloud-amd64[-unsigned]} downloadable or in $cache/debs"
		exit 77
	fi
	extract_btf "$s" "$deb"
	msg "$s: $(cat "$cache/btf/$s.info")"
	args+=("$s=$cache/btf/$s.btf=$(cat "$cache/btf/$s.info")")
done
[[ $btf_only -eq 0 ]] || exit 0
if [[ ${#not_here[@]} -gt 0 && $check -eq 0 ]]; then
	die "cannot regenerate ${not_here[*]} on this machine (needs the live kernel); use --check"
fi

dump=$REPO_DIR/build/tools/kconsts-dump
make -s -C "$REPO_DIR" build/tools/kconsts-dump >&2
tmp_out=$(mktemp "${TMPDIR:-/tmp}/kernel_consts_table.XXXXXX")
trap 'rm -f "$tmp_out"' EXIT
"$dump" "${args[@]}" >"$tmp_out"
# --check elsewhere: take the live series' committed entries as they are
for s in "${not_here[@]+"${not_here[@]}"}"; do
	python3 - "$out" "$tmp_out" "$s" <<'PY'
import re, sys
committed, new, s = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
def block(text):
    m = re.search(r"\t\{\n\t\t/\* [^\n]*\*/\n\t\t\.version = MAPSIZE_KERNEL_VERSION\(%s, %s\),\n.*?\n\t\},\n" % tuple(s.split(".")), text, re.S)
    return m
head = lambda text: re.search(r" \*   %s: [^\n]*\n" % re.escape(s), text)
b = block(committed)
if not b:
    sys.exit("no committed entry for " + s)
nb = block(new)
new = new[:nb.start()] + b.group(0) + new[nb.end():] if nb else new.replace("};\n\nconst size_t", b.group(0) + "};\n\nconst size_t")
# keep the source list order: the committed line goes where the series belongs
h = head(committed).group(0)
new = new.replace(" */\n#include", h + " */\n#include", 1) if not head(new) else new
open(sys.argv[2], "w").write(new)
PY
done
if [[ $check -eq 1 ]]; then
	if ! diff -u "$out" "$tmp_out"; then
		msg "FAIL: $out differs from the packages' BTF (rerun $0 and commit)"
		exit 1
	fi
	msg "$out matches the packages' BTF"
	exit 0
fi
mv "$tmp_out" "$out"
trap - EXIT
msg "wrote $out"
