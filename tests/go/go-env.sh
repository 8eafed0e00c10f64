# go_env SCRATCH: the Go toolchain of tests/go, sourced from the repository
# root by test_go.sh and build-guest-test.sh.  Go 1.27 and cilium/ebpf 0.22
# from Debian sid's packages (tools/fetch-go.sh: pinned, downloaded once into
# $O/go-debs, never installed), offline: GOPROXY=off, GOTOOLCHAIN=local, the
# module's requirements replaced by the unpacked source trees in a go.mod of
# our own in SCRATCH (-modfile; the committed go.mod is left alone), the
# build cache in $O/go-cache.  Returns 1 when the packages cannot be had,
# the reason in SCRATCH/fetch.
go_env() {
	local scratch=$1 debs=$PWD/$O/go-debs src
	bash tools/fetch-go.sh --dir "$debs" >"$scratch/fetch" 2>&1 || return 1
	GOROOT=$debs/root/usr/lib/go-1.27
	src=$debs/root/usr/share/gocode/src
	export PATH="$GOROOT/bin:$PATH" GOROOT GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GOENV=off GOTELEMETRY=off \
		GOCACHE="$PWD/$O/go-cache" GOMODCACHE="$scratch/gomodcache" GOPATH="$scratch/gopath" CGO_ENABLED=0
	mkdir -p "$GOCACHE"
	cp bindings/go/go.mod "$scratch/go.mod"
	(cd bindings/go && go mod edit -modfile="$scratch/go.mod" -replace "github.com/cilium/ebpf=$src/github.com/cilium/ebpf" \
		-replace "golang.org/x/sys=$src/golang.org/x/sys") || return 1
	export GOFLAGS="-mod=mod -modfile=$scratch/go.mod"
}

# go_fetch_reason SCRATCH: the line of SCRATCH/fetch that says why
go_fetch_reason() { grep -m1 '^SKIP\|error' "$1/fetch"; }

# go_skip_reason NAME FILE: why `go test -v` output FILE skipped test NAME:
# the last line it logged (-v streams a test's log between its "=== RUN"
# line and the next "===" or "---" line; t.Skip's message is the last)
go_skip_reason() {
	awk -v run="=== RUN   $1" '$0 == run {on = 1; last = ""; next}
		on && /^ *(===|---) / {on = 0}
		on {sub(/^ +/, ""); last = $0}
		END {print last}' "$2"
}
