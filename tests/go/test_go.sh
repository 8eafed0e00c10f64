#!/usr/bin/env bash
# The Go module bindings/go with Go 1.27 and cilium/ebpf 0.22 from Debian
# sid's packages, offline (tests/go/go-env.sh).  gofmt, go vet, the example programs, and `go test` (unit
# tests, the demo and corpus objects, embedded ones too, and inner-map
# growth in the running kernel), each go test case counted.  Without the packages: one skip saying
# why.
. "$(dirname "$0")/../cli/lib.sh"
_suite=test_go
OBJ=$PWD/$O/demo/agent.bpf.o
. tests/go/go-env.sh

if ! go_env "$TMP"; then
	skip go-toolchain "Go 1.27 / cilium/ebpf 0.22 cannot be had: $(go_fetch_reason "$TMP")"
	finish; exit
fi
expect_eq go-version "$(go version | awk '{print $3}')" go1.27.3
REPO=$PWD
cd bindings/go || exit 1

unformatted=$(gofmt -l .)
expect_eq gofmt "$unformatted" ""
if go vet ./... >"$TMP/vet" 2>&1; then pass go-vet; else fail go-vet "$(head -c 600 "$TMP/vet")"; fi
if go build -o "$TMP/" ./cmd/... 2>"$TMP/build"; then pass go-build
else fail go-build "$(head -c 600 "$TMP/build")"; fi

"$MAPSIZE" plan "$REPO/examples/agent.rules.yaml" --format json >"$TMP/plan.json" || fail plan-json "mapsize plan failed"

# The example program end to end (root: it loads the object).
if [ ! -f "$OBJ" ]; then
	skip mapsize-load "no $OBJ (make demo)"
elif [ "$(id -u)" -ne 0 ]; then
	skip mapsize-load "not root: loading the demo object needs CAP_BPF"
else
	run "$TMP/mapsize-load" -plan "$TMP/plan.json" "$OBJ"
	want="policy_filter_maps.inner     instance          32768          440      0x1"
	if [ "$rc" -eq 0 ] && grep -qxF "$want" "$TMP/out" && grep -q '^loaded .*: 7 programs, 16 maps$' "$TMP/out" &&
	   grep -qE '^cgroup_rate_map +applied +32768 +586 +0x0$' "$TMP/out" &&
	   grep -qxF "mapsize-load: warning: map 'mapsize_overflow': no rule, left as compiled (max_entries 1)" "$TMP/err"; then
		pass mapsize-load
	else
		fail mapsize-load "exit $rc: $(head -c 600 "$TMP/out") $(head -c 400 "$TMP/err")"
	fi
	# the seed's case: policies sized for their cgroups, grown and shrunk
	run "$TMP/policy-filter" -plan "$TMP/plan.json" "$OBJ"
	cat >"$TMP/pf.want" <<-'EOF'
	policy 1: 5 cgroups, max_entries 16 (sized for its cgroups)
	policy 2: 100 cgroups, max_entries 300 (sized for its cgroups)
	policy 3: 0 cgroups, max_entries 16 (sized for its cgroups)
	policy 1: 15 cgroups in 16 entries: grow
	policy 1: replaced by max_entries 45, 15 cgroups copied
	policy 1: 5 cgroups in 45 entries: shrink
	policy 1: replaced by max_entries 16, 5 cgroups copied
	EOF
	if [ "$rc" -eq 0 ] && diff -u "$TMP/pf.want" "$TMP/out" >"$TMP/pf.diff"; then pass policy-filter
	else fail policy-filter "exit $rc: $(head -c 600 "$TMP/pf.diff") $(head -c 300 "$TMP/err")"; fi
	run "$TMP/mapsize-load" -plan "$REPO/examples/agent.rules.yaml" "$OBJ"
	if [ "$rc" -eq 2 ] && grep -q "agent.rules.yaml: error: not a mapsize plan" "$TMP/err"; then pass mapsize-load-bad-plan
	else fail mapsize-load-bad-plan "exit $rc: $(head -c 400 "$TMP/err")"; fi
fi

# The corpus objects (issue 17; tools/fetch-corpus.sh) with a plan each:
# rules init, plan --map-size=medium.  Standalone objects (libxdp1,
# opensnitch) are listed "OBJECT PLAN"; objects embedded in executables and
# shared libraries (libbpf-tools, bpftune) "FILE PLAN NAME OFFSET SIZE" from
# `mapsize objects --format json`: the Go test reads those bytes itself.
CORPUS=${MAPSIZE_CORPUS:-$REPO/$O/corpus}
: >"$TMP/corpus.list"
i=0
# corpus_plan SPEC: rules and plan for SPEC (OBJECT or FILE:NAME) in $TMP/c$i.json
corpus_plan() {
	i=$((i + 1))
	"$MAPSIZE" rules init --object "$1" -o "$TMP/c$i.yaml" 2>"$TMP/cerr" &&
		"$MAPSIZE" plan "$TMP/c$i.yaml" --map-size=medium --format json -o "$TMP/c$i.json" 2>>"$TMP/cerr" && return 0
	fail "corpus-plan $(basename "$1")" "$(head -c 300 "$TMP/cerr")"
	return 1
}
for obj in $(find "$CORPUS/libxdp1" -path '*/bpf/*.o' -type f 2>/dev/null | sort) \
	   $(find "$CORPUS/opensnitch-ebpf-modules" -name '*.o' -type f 2>/dev/null | sort); do
	corpus_plan "$obj" && echo "$obj $TMP/c$i.json" >>"$TMP/corpus.list"
done
if command -v jq >/dev/null; then
	for host in $(find "$CORPUS/libbpf-tools/usr/sbin" -type f 2>/dev/null | sort) \
		    $(find "$CORPUS/libbpftune0" -name '*.so*' -type f 2>/dev/null | sort); do
		"$MAPSIZE" objects "$host" --format json 2>/dev/null | jq -r '.objects[] | "\(.name) \(.offset) \(.size)"' >"$TMP/embedded"
		while read -r name off size; do
			corpus_plan "$host:$name" && echo "$host $TMP/c$i.json $name $off $size" >>"$TMP/corpus.list"
		done <"$TMP/embedded"
	done
else
	skip go-corpus-embedded "jq is not installed: the embedded corpus objects are not listed"
fi
[ -s "$TMP/corpus.list" ] && export MAPSIZE_GO_CORPUS=$TMP/corpus.list
[ -s "$TMP/corpus.list" ] || skip go-corpus "no corpus under $CORPUS (tools/fetch-corpus.sh)"

# rhash (Linux 7.2+, issue 19): the plan `resizable: auto` gets for a 7.2
# target and the object whose hash it converts; TestKernelRhash skips on a
# kernel without rhash (tests/go/build-guest-test.sh builds it for the 7.2
# and 7.3 guests of tests/run.sh).
RHASH_OBJ=$REPO/$O/tests/bpf/rhash_apply.bpf.o
if [ ! -f "$RHASH_OBJ" ]; then
	skip go-rhash "no $RHASH_OBJ (make tests)"
elif "$MAPSIZE" plan "$REPO/tests/go/rhash.rules.yaml" --kernel 7.2.0 --format json -o "$TMP/rhash-plan.json" 2>"$TMP/rherr"; then
	export MAPSIZE_GO_RHASH_PLAN=$TMP/rhash-plan.json MAPSIZE_GO_RHASH_OBJECT=$RHASH_OBJ
else
	fail go-rhash-plan "$(head -c 300 "$TMP/rherr")"
fi

# go test: every case (subtests too) is one pass/fail/skip.
MAPSIZE_GO_PLAN=$TMP/plan.json MAPSIZE_GO_OBJECT=$OBJ go test -count=1 -v ./... >"$TMP/test" 2>&1
status=$?
while read -r verdict name; do
	case $verdict in
	PASS:) pass "go test $name" ;;
	FAIL:) fail "go test $name" ;;
	SKIP:) skip "go test $name" "$(go_skip_reason "$name" "$TMP/test")" ;;
	esac
done < <(sed -n 's/^ *--- \(PASS:\|FAIL:\|SKIP:\) \([^ ]*\) .*/\1 \2/p' "$TMP/test")
if [ "$status" -ne 0 ]; then
	grep -q -- '--- FAIL' "$TMP/test" || fail "go test" "exit $status: $(tail -c 800 "$TMP/test")"
	[ -z "${VERBOSE:-}" ] && tail -40 "$TMP/test"
fi

# As an ordinary user the kernel test must skip, saying why, not fail: a
# compiled test binary and copies of its inputs nobody can read.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [ -f "$OBJ" ]; then
	NT=$(mktemp -d) && chmod 755 "$NT"
	if go test -c -o "$NT/mapsize.test" . 2>"$TMP/testc"; then
		cp "$TMP/plan.json" "$OBJ" "$NT/" && chmod 644 "$NT/plan.json" "$NT/agent.bpf.o"
		(cd "$NT" && MAPSIZE_GO_PLAN=$NT/plan.json MAPSIZE_GO_OBJECT=$NT/agent.bpf.o \
			setpriv --reuid=65534 --regid=65534 --clear-groups ./mapsize.test -test.run '^TestKernelDemo$' -test.v) \
			>"$TMP/nobody" 2>&1
		[ -n "${VERBOSE:-}" ] && cat "$TMP/nobody"
		if grep -q -- '--- SKIP: TestKernelDemo' "$TMP/nobody" && grep -q "bpf() refused here" "$TMP/nobody"; then
			pass kernel-test-as-nobody-skips
		elif grep -q -- '--- PASS: TestKernelDemo' "$TMP/nobody"; then
			pass kernel-test-as-nobody-skips  # unprivileged bpf() allowed here: it ran and passed
		else
			fail kernel-test-as-nobody-skips "$(head -c 600 "$TMP/nobody")"
		fi
	else
		fail kernel-test-as-nobody-skips "go test -c: $(head -c 400 "$TMP/testc")"
	fi
	rm -rf "$NT"
fi
[ -n "${VERBOSE:-}" ] && cat "$TMP/test"
[ -n "${MAPSIZE_GO_KEEP:-}" ] && cp "$TMP/test" "$MAPSIZE_GO_KEEP"
finish
