#!/usr/bin/env bash
# run-kernel.sh — run a (static) test binary on a real Debian kernel under qemu.
#
# Usage: tests/qemu/run-kernel.sh [OPTIONS] BINARY [ARGS...]
# See usage() below and tests/qemu/README.md.
#
# Exit status: the test binary's exit status inside the guest;
#   77  SKIP (qemu, busybox or the kernel package cannot be had),
#   124 timeout, 125 boot failure (no status from the guest, three boots
#   in a row: a failed boot is retried twice, $QEMU_BOOT_ATTEMPTS),
#   2   usage error.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
PROG=run-kernel.sh

kver=6.1
cache=$REPO_DIR/build/qemu-cache
kernel_img=
timeout_s=${QEMU_TIMEOUT:-300}
mem=1G
smp=2
accel=tcg
verbose=0
apt_update=0
extra_append=
log_out=
extra_files=()
env_vars=()

usage() {
	cat <<EOF
Usage: $PROG [OPTIONS] BINARY [ARGS...]

Boot Debian's linux-image-<VER>*-cloud-amd64-unsigned kernel under
qemu-system-x86_64 with a busybox initramfs, run BINARY ARGS... as root
inside it, stream its output to stdout and exit with its exit status.

Options:
  --kernel-version VER  Debian kernel series to fetch (default: $kver)
  --kernel FILE         use this bzImage instead of fetching a package
  --cache DIR           download/unpack cache (default: build/qemu-cache)
  --update              run 'apt-get update' before choosing the package
  --timeout SECONDS     kill qemu after this long (default: $timeout_s,
                        or \$QEMU_TIMEOUT)
  --smp N               number of (possible = online) CPUs (default: $smp)
  --mem SIZE            guest memory (default: $mem)
  --accel tcg|kvm       qemu accelerator (default: tcg)
  --append STRING       extra kernel command line
  --file SRC[:DEST]     also put SRC (file or dir) into the initramfs at
                        DEST (default /test/<basename>); repeatable
  --env NAME=VALUE      export NAME=VALUE to the test; repeatable
  --log FILE            save the full serial console log to FILE
  -v, --verbose         boot without "quiet" and show kernel console lines
  -h, --help            this help

Exit status: the guest test's status; 77 skip, 124 timeout, 125 boot
failure (no status from the guest), 2 usage error.
EOF
}

msg()  { printf '%s: %s\n' "$PROG" "$*" >&2; }
die()  { msg "error: $*"; exit 2; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

need_arg() { [[ $# -ge 2 ]] || die "option $1 needs an argument"; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel-version) need_arg "$@"; kver=$2; shift 2 ;;
	--kernel-version=*) kver=${1#*=}; shift ;;
	--kernel) need_arg "$@"; kernel_img=$2; shift 2 ;;
	--kernel=*) kernel_img=${1#*=}; shift ;;
	--cache) need_arg "$@"; cache=$2; shift 2 ;;
	--cache=*) cache=${1#*=}; shift ;;
	--update) apt_update=1; shift ;;
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; shift ;;
	--smp) need_arg "$@"; smp=$2; shift 2 ;;
	--smp=*) smp=${1#*=}; shift ;;
	--mem) need_arg "$@"; mem=$2; shift 2 ;;
	--mem=*) mem=${1#*=}; shift ;;
	--accel) need_arg "$@"; accel=$2; shift 2 ;;
	--accel=*) accel=${1#*=}; shift ;;
	--append) need_arg "$@"; extra_append=$2; shift 2 ;;
	--append=*) extra_append=${1#*=}; shift ;;
	--file) need_arg "$@"; extra_files+=("$2"); shift 2 ;;
	--file=*) extra_files+=("${1#*=}"); shift ;;
	--env) need_arg "$@"; env_vars+=("$2"); shift 2 ;;
	--env=*) env_vars+=("${1#*=}"); shift ;;
	--log) need_arg "$@"; log_out=$2; shift 2 ;;
	--log=*) log_out=${1#*=}; shift ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option: $1 (try --help)" ;;
	*) break ;;
	esac
done
[[ $# -ge 1 ]] || { usage >&2; exit 2; }
test_bin=$1
shift

[[ -f $test_bin ]] || die "no such file: $test_bin"
[[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive number"
[[ $kver =~ ^[0-9]+\.[0-9]+$ ]] || die "--kernel-version wants MAJOR.MINOR, e.g. 6.1"
case $accel in tcg|kvm) ;; *) die "--accel wants tcg or kvm" ;; esac
for e in "${env_vars[@]+"${env_vars[@]}"}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got: $e"
done
# Absolute paths, so nothing below depends on the caller's cwd.
abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
test_bin=$(abspath "$test_bin")
[[ -z $kernel_img ]] || { [[ -f $kernel_img ]] || die "no such kernel: $kernel_img"; kernel_img=$(abspath "$kernel_img"); }
[[ -z $log_out ]] || log_out=$(abspath "$log_out")
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-kernel.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-q -o Dpkg::Use-Pty=0)
# As root, apt-get download would try to drop to the _apt user, who may not
# be able to write into the cache; stay root instead.
[[ $EUID -ne 0 ]] || APT_OPTS+=(-o APT::Sandbox::User=root)

# ---- host tools -----------------------------------------------------------
apt_install() {
	[[ $EUID -eq 0 ]] && command -v apt-get >/dev/null || return 1
	msg "installing $* ..."
	apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$@" >"$tmp/apt.log" 2>&1 && return 0
	apt-get "${APT_OPTS[@]}" update >>"$tmp/apt.log" 2>&1 || true
	apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$@" >>"$tmp/apt.log" 2>&1 && return 0
	tail -n 5 "$tmp/apt.log" >&2
	return 1
}

# True if FILE is an ELF with no program interpreter (static or static-pie).
is_static() {
	local out
	out=$(LC_ALL=C ldd "$1" 2>&1 || true)
	[[ $out == *"not a dynamic executable"* || $out == *"statically linked"* ]]
}
is_x86_64_elf() {
	[[ $(od -An -c -N4 "$1" 2>/dev/null | tr -d ' ') == '177ELF' ]] &&
	[[ $(od -An -tx1 -j18 -N2 "$1" 2>/dev/null | tr -d ' \n') == 3e00 ]]
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	apt_install qemu-system-x86 || skip "qemu-system-x86_64 is not installed and could not be installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not found"
fi
command -v gzip >/dev/null || apt_install gzip || skip "gzip not available"
if ! command -v cpio >/dev/null; then
	apt_install cpio || true   # busybox cpio -o is the fallback
fi

# A static busybox for the guest: the host's if it is static, else the one
# from the busybox-static package (unpacked into the cache, not installed).
find_busybox() {
	local b
	for b in "$(command -v busybox 2>/dev/null || true)" /bin/busybox /usr/bin/busybox \
		"$cache/busybox-static/bin/busybox" "$cache/busybox-static/usr/bin/busybox"; do
		if [[ -n $b && -x $b ]] && is_static "$b"; then
			printf '%s\n' "$b"
			return 0
		fi
	done
	return 1
}
if ! busybox=$(find_busybox); then
	if command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
		mkdir -p "$cache/debs"
		(cd "$cache/debs" && apt-get "${APT_OPTS[@]}" download busybox-static) >"$tmp/apt.log" 2>&1 ||
			{ apt-get "${APT_OPTS[@]}" update >>"$tmp/apt.log" 2>&1 || true
			  (cd "$cache/debs" && apt-get "${APT_OPTS[@]}" download busybox-static) >>"$tmp/apt.log" 2>&1; } || true
		deb=$(ls -1 "$cache"/debs/busybox-static_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
		if [[ -n $deb ]]; then
			rm -rf "$cache/busybox-static"
			dpkg -x "$deb" "$cache/busybox-static"
		fi
	fi
	busybox=$(find_busybox) || skip "no static busybox (package busybox-static) available"
fi

cpio_cmd=()
if command -v cpio >/dev/null; then
	cpio_cmd=(cpio --quiet -o -H newc -R 0:0)
else
	cpio_cmd=("$busybox" cpio -o -H newc -R 0:0)
fi

# ---- kernel ---------------------------------------------------------------
# Sets kernel_img and kernel_desc.  The package comes through
# tools/gen-kernel-consts.sh: a private apt configuration naming the Debian
# suite of the series (bullseye for 5.10, bookworm for 6.1, trixie or
# bookworm-backports for 6.12, trixie-backports for 6.18 and 7.3, sid for
# 7.2; since 7.x the image is in linux-binary-<release>-cloud-amd64), never the
# system's sources.  A series the built-in table has is pinned to the very
# package the table was read from (--pinned: a cached one needs no
# network, a fresh cache downloads that version), so the guest's struct
# sizes are the table's on any machine; --update takes the suite's newest.
fetch_kernel() {
	local opts=() rc=0
	command -v apt-get >/dev/null && command -v dpkg >/dev/null || return 1
	if [[ $apt_update -eq 0 ]] &&
		grep -q "^ \*   ${kver//./\\.}: linux-[a-z]*-" "$REPO_DIR/src/core/kernel_consts_table.c"; then
		opts=(--pinned)
	elif [[ $apt_update -eq 0 ]] &&
		ls "$cache"/debs/linux-*-"$kver"[.-]*-cloud-amd64*_amd64.deb >/dev/null 2>&1; then
		opts=(--offline)
	fi
	"$REPO_DIR/tools/gen-kernel-consts.sh" --btf-only --cache "$cache" "${opts[@]+"${opts[@]}"}" \
		"$kver" >"$tmp/fetch.log" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		grep -v '^gen-kernel-consts.sh: SKIP' "$tmp/fetch.log" | tail -n 3 >&2
		return 1
	fi
	kernel_img=$(cat "$cache/btf/$kver.image")
	kernel_desc=$(cat "$cache/btf/$kver.info")
	[[ -f $kernel_img ]]
}

if [[ -n $kernel_img ]]; then
	kernel_desc=$kernel_img
else
	if command -v flock >/dev/null; then
		exec {lockfd}>"$cache/.lock"
		flock "$lockfd"
	fi
	fetch_kernel || skip "cannot get Debian kernel package linux-image-$kver.*-cloud-amd64[-unsigned] (not downloadable from its Debian suite, and none cached in $cache)"
	[[ -z ${lockfd:-} ]] || exec {lockfd}>&-
fi
msg "kernel: $kernel_desc"

# ---- initramfs ------------------------------------------------------------
is_x86_64_elf "$test_bin" || [[ $(head -c 2 "$test_bin") == "#!" ]] ||
	msg "warning: $test_bin does not look like an x86-64 ELF executable (nor a script)"
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,test,etc}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$SCRIPT_DIR/init" "$root/init"
chmod 0755 "$root/init"
bin_name=$(basename "$test_bin")
cp "$test_bin" "$root/test/$bin_name"
chmod 0755 "$root/test/$bin_name"
if ! is_static "$test_bin"; then
	# Not static: bring its shared libraries along (paths as on the host).
	msg "note: $bin_name is dynamically linked; copying its libraries"
	while read -r lib; do
		[[ -n $lib && -e $lib ]] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(LC_ALL=C ldd "$test_bin" 2>/dev/null |
		sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
fi
for spec in "${extra_files[@]+"${extra_files[@]}"}"; do
	src=${spec%%:*}
	dest=/test/$(basename "$src")
	[[ $spec != *:* ]] || dest=${spec#*:}
	[[ -e $src ]] || die "--file: no such file: $src"
	[[ $dest == /* ]] || dest=/test/$dest
	mkdir -p "$root$(dirname "$dest")"
	cp -a "$src" "$root$dest"
done
# Arguments and environment, single-quoted for the guest's sh.
shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
	echo "# generated by run-kernel.sh"
	echo "TEST_BIN=$(shq "/test/$bin_name")"
	printf 'set --'
	for a in "$@"; do printf ' %s' "$(shq "$a")"; done
	echo
	for e in "${env_vars[@]+"${env_vars[@]}"}"; do
		echo "export ${e%%=*}=$(shq "${e#*=}")"
	done
} >"$root/test/cmd"
# The kernel opens /dev/console for init before devtmpfs is mounted.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "${cpio_cmd[@]}") | gzip -1 >"$tmp/initrd.gz"

# ---- boot -----------------------------------------------------------------
append="console=ttyS0 panic=-1 oops=panic possible_cpus=$smp rdinit=/init"
[[ $verbose -eq 1 ]] || append+=" quiet"
append+=" tsc=reliable no_timer_check mitigations=off"
[[ -z $extra_append ]] || append+=" $extra_append"
qemu=(qemu-system-x86_64
	-nodefaults -no-user-config -display none -no-reboot
	-accel "$accel" -cpu max -m "$mem" -smp "$smp"
	-kernel "$kernel_img" -initrd "$tmp/initrd.gz" -append "$append"
	-serial stdio -serial "file:$tmp/status")

log=$tmp/console.log
# Drop \r and, unless --verbose, kernel console lines ("[   1.234] ...").
filter() {
	awk -v verbose="$verbose" '
		{ sub(/\r+$/, "") }
		# Put the marker on its own line if the test left a partial line.
		(i = index($0, "QEMU-TEST-EXIT: ")) > 1 { print substr($0, 1, i - 1); $0 = substr($0, i) }
		!verbose && /^\[ *[0-9]+\.[0-9]+\] / { next }
		{ print; fflush() }'
}

# TCG sometimes panics in CPU bring-up (6.12: about 1 boot in 3): a boot
# that gives no status is retried up to twice; three in a row fail.
boot_attempts=${QEMU_BOOT_ATTEMPTS:-3}
for attempt in $(seq 1 "$boot_attempts"); do
	: >"$tmp/status"
	msg "booting ($accel, -smp $smp, -m $mem, timeout ${timeout_s}s, attempt $attempt/$boot_attempts) ..."
	t0=$(date +%s%N)
	set +e
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>"$tmp/qemu.err" | tee "$log" | filter
	pst=("${PIPESTATUS[@]}")
	set -e
	t1=$(date +%s%N)
	elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	qemu_rc=${pst[0]}
	[[ -z $log_out ]] || cp "$log" "$log_out"

	status=$(tr -dc '0-9\n' <"$tmp/status" 2>/dev/null | awk 'NF { s = $0 } END { print s }')
	if [[ -z $status ]]; then
		# Fallback: the marker on the console.
		status=$(tr -d '\r' <"$log" | sed -n 's/.*QEMU-TEST-EXIT: \([0-9][0-9]*\)$/\1/p' | tail -n 1)
	fi
	if [[ -n $status ]]; then
		msg "guest test exited with status $status; boot+run took ${elapsed}s"
		exit "$status"
	fi
	# A timeout after the test started is the test's, not the boot's.
	if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]] && grep -q 'QEMU-TEST-START' "$log"; then
		msg "FAIL: timeout after ${timeout_s}s (the test started; no status from the guest)"
		rc=124
		break
	fi
	msg "boot failure: qemu exited ($qemu_rc) without a status from the guest after ${elapsed}s (attempt $attempt/$boot_attempts)"
	tr -d '\r' <"$log" | grep -m3 -E 'Kernel panic|BUG:|Oops' | sed 's/^/  /' >&2 || true
	rc=125
done
if [[ $rc -eq 125 ]]; then
	msg "FAIL: boot failure $boot_attempts times in a row"
fi
if [[ -s $tmp/qemu.err ]]; then
	msg "qemu stderr:"
	sed 's/^/  /' "$tmp/qemu.err" >&2
fi
msg "last console lines:"
tr -d '\r' <"$log" | tail -n 40 | sed 's/^/  /' >&2
exit "$rc"
