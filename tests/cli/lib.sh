# Helpers for CLI tests: source it, call the checks, end with `finish`.
# Each check prints PASS/FAIL NAME; finish prints "NAME: N passed, N failed, N skipped".
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
O=${O:-build}
MAPSIZE=${MAPSIZE:-$PWD/$O/mapsize}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
_pass=0 _fail=0 _skip=0
_suite=$(basename "$0" .sh)
# Plans for a kernel named by --kernel use the built-in sizes; on a machine
# running that series, another build of it would add a warning that the
# running kernel's BTF disagrees.  The tests name kernels to get figures
# that are the same on every machine: no such comparison here (empty: off);
# test_kernel_consts.sh tests it.
export MAPSIZE_RUNNING_BTF=

pass() { _pass=$((_pass + 1)); echo "PASS $1"; }
fail() { _fail=$((_fail + 1)); echo "FAIL $1${2:+: $2}"; }
skip() { _skip=$((_skip + 1)); echo "SKIP $1${2:+: $2}"; }

# run CMD...: stdout in $TMP/out, stderr in $TMP/err, status in $rc
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }

# expect_rc NAME STATUS CMD...
expect_rc() {
	local name=$1 want=$2; shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, expected $want; stderr: $(head -c 400 "$TMP/err")"; fi
}

# expect_err NAME STATUS REGEX CMD...: exit status and an stderr line matching REGEX (grep -E)
expect_err() {
	local name=$1 want=$2 re=$3; shift 3
	run "$@"
	if [ "$rc" -ne "$want" ]; then fail "$name" "exit $rc, expected $want; stderr: $(head -c 400 "$TMP/err")"
	elif ! grep -Eq -- "$re" "$TMP/err"; then fail "$name" "stderr does not match /$re/: $(head -c 400 "$TMP/err")"
	else pass "$name"; fi
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

# jqv FILTER: evaluate jq on $TMP/out
jqv() { jq -r "$1" "$TMP/out"; }

finish() {
	echo "$_suite: $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}

# in_private_mount_ns WHAT: run this script again in a private mount
# namespace, where its bpffs mounts and pins stay, and exit with its status;
# in that run, return.  Without root or unshare -m: one skip of WHAT.
in_private_mount_ns() {
	[ -n "${MAPSIZE_TEST_MOUNT_NS:-}" ] && return 0
	if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
		skip "$1" "needs root and unshare -m (a private mount namespace)"
		finish; exit
	fi
	MAPSIZE_TEST_MOUNT_NS=1 O=$O MAPSIZE=$MAPSIZE unshare -m --propagation private bash "$0"
	exit
}

# memcg_dir: "v1 DIR" or "v2 DIR": this process's memory cgroup directory (v1 when the memory
# controller is mounted there, else v2), nothing when neither holds one
memcg_dir() {
	local mnt rel
	mnt=$(awk '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == "memory") print $5 }' \
		/proc/self/mountinfo | head -1)
	rel=$(sed -n 's/^[0-9]*:\([^:]*,\)\{0,1\}memory\(,[^:]*\)\{0,1\}:\(.*\)/\3/p' /proc/self/cgroup | head -1)
	if [ -n "$mnt" ] && [ -n "$rel" ] && [ -e "$mnt$rel/memory.limit_in_bytes" ]; then
		echo "v1 ${mnt%/}${rel%/}"
		return
	fi
	mnt=$(awk '$0 ~ / - cgroup2 / { print $5 }' /proc/self/mountinfo | head -1)
	rel=$(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup)
	if [ -n "$mnt" ] && [ -n "$rel" ] && grep -qw memory "$mnt$rel/cgroup.subtree_control" 2>/dev/null; then
		echo "v2 ${mnt%/}${rel%/}"
	fi
}
