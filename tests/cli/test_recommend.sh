#!/usr/bin/env bash
# `mapsize recommend` and `mapsize status --record`:
#   - synthetic records of two nodes (exact values): peak, p99, failures as demand, the
#     percentile across nodes, --node, --window, the solved dimensions and the map driving
#     each, unsolved maps with their reason, shrink and leak flags;
#   - round trip: `plan --profile` with the written profile holds every demand within
#     1/headroom of max_entries;
#   - live (root): maps filled to known peaks over three `status --rules --record` rounds,
#     then recommend returns those peaks; --record-max-bytes rotates to FILE.1;
#   - kernel-side counters (issue 18): synthetic records whose failures (agent and kernel, with
#     a reset), evictions and drops rise within the window -> exact demand and sizes; status
#     --record reading pinned counter maps of known values; a static exposition of the
#     counter families scraped by the real Prometheus (maps sharing a name: max by map, node);
#   - bad inputs: FILE:LINE:COL for malformed lines, unknown maps, unsupported versions, a
#     window without samples; exit 2 and no profile written.
source "$(dirname "$0")/lib.sh"

KERNEL=(--kernel 6.6)
RULES=$TMP/rec.rules.yaml
cat > "$RULES" <<'YAML'
app: rectest
maps:
  mrec_procs:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: procs
    min: 64
  mrec_pods:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: pods * 16
    round: pow2
  mrec_fixed:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: 256
  mrec_two:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: pods * cpus
  mrec_leaky:
    type: hash
    key_size: 4
    value_size: 8
    max_entries: workloads * 2
YAML
jqc() { jq -c "$1" "$TMP/out"; }
now=$(date +%s)

# ---- synthetic records: two nodes, 120 rounds each, one a minute ----------------------------
# n1: mrec_procs cycles 1000/1100/1200; mrec_pods 200 entries and 7 failed inserts late in the
# window; mrec_leaky grows 1 per round (a leak); n2: mrec_procs peaks at 900, mrec_pods 150.
REC=$TMP/rec.jsonl
: > "$REC"
for i in $(seq 0 119); do
	t=$((now - 7200 + i * 60))
	printf '{"version":1,"time":%d,"node":"n1","maps":[{"name":"mrec_procs","entries":%d},{"name":"mrec_pods","entries":200,"failures":%d},{"name":"mrec_fixed","entries":3},{"name":"mrec_two","entries":10},{"name":"mrec_leaky","entries":%d}]}\n' \
		"$t" $((1000 + (i % 3) * 100)) $((i > 100 ? 7 : 0)) $((10 + i)) >> "$REC"
	printf '{"version":1,"time":%d,"node":"n2","maps":[{"name":"mrec_procs","entries":%d},{"name":"mrec_pods","entries":150,"failures":0}]}\n' \
		"$t" $((800 + (i % 2) * 100)) >> "$REC"
done
# an old record outside --window 3h: its 99999 must not count
printf '{"version":1,"time":%d,"node":"n1","maps":[{"name":"mrec_procs","entries":99999}]}\n' $((now - 86400)) >> "$REC"

run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$REC" --window 3h \
	--format json -o "$TMP/prof.yaml"
expect_eq "records: exit 0" "$rc" 0
expect_eq "records: two nodes" "$(jqv .nodes)" 2
expect_eq "records: per map name peak p99 failures demand" \
	"$(jqc '[.maps[] | [.name, .samples, .peak, .p99, .failures, .demand]]')" \
	'[["mrec_procs",240,1200,1200,0,1200],["mrec_pods",240,200,200,7,207],["mrec_fixed",120,3,3,0,3],["mrec_two",120,10,10,0,10],["mrec_leaky",120,129,128,0,129]]'
expect_eq "records: recommended max_entries and dimensions" \
	"$(jqc '[.maps[] | [.name, .max_entries, .target, .recommended_max_entries, .dimension, .dimension_value]]')" \
	'[["mrec_procs",4096,2400,2400,"procs",2400],["mrec_pods",512,414,512,"pods",17],["mrec_fixed",256,6,256,null,null],["mrec_two",120,20,120,null,null],["mrec_leaky",200,258,258,"workloads",129]]'
expect_eq "records: dimensions driven by" "$(jqc .dimensions)" \
	'{"procs":{"value":2400,"current":4096,"driven_by":"mrec_procs"},"pods":{"value":17,"current":30,"driven_by":"mrec_pods"},"workloads":{"value":129,"current":100,"driven_by":"mrec_leaky"}}'
expect_eq "records: unsolved with reasons" "$(jqc '[.unsolved[] | [.name, .recommended_max_entries, .override, .reason]]')" \
	'[["mrec_fixed",256,false,"max_entries '"'"'256'"'"' names no dimension"],["mrec_two",120,false,"max_entries '"'"'pods * cpus'"'"' depends on pods and cpus: no single dimension to solve for"]]'
expect_eq "records: shrink candidates" "$(jqc '[.maps[] | select(.shrink_candidate) | .name]')" '["mrec_fixed","mrec_two"]'
expect_eq "records: leak flag" "$(jqc '[.maps[] | select(.leak) | .name]')" '["mrec_leaky"]'
expect_eq "records: self-check" "$(jqc .self_check)" '{"ok":true,"maps_checked":5}'
expect_eq "profile: base and dimensions" "$(grep -v '^#' "$TMP/prof.yaml" | sed 's/  #.*//')" \
"name: recommended
base: small
dimensions:
  procs: 2400
  pods: 17
  workloads: 129"

# ---- round trip: the plan with the written profile --------------------------------------------
run "$MAPSIZE" plan "$RULES" --profile "$TMP/prof.yaml" "${KERNEL[@]}" --format json
expect_eq "round trip: plan exit 0" "$rc" 0
expect_eq "round trip: max_entries" "$(jqc '[.maps[] | [.name, .max_entries]]')" \
	'[["mrec_procs",2400],["mrec_pods",512],["mrec_fixed",256],["mrec_two",68],["mrec_leaky",258]]'
demands='{"mrec_procs":1200,"mrec_pods":207,"mrec_fixed":3,"mrec_two":10,"mrec_leaky":129}'
expect_eq "round trip: every demand within 1/2 of max_entries" \
	"$(jq -c --argjson d "$demands" '[.maps[] | select(.max_entries < 2 * $d[.name]) | .name]' "$TMP/out")" '[]'

# ---- percentile across nodes, --node, headroom ------------------------------------------------
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$REC" --window 3h \
	--percentile 50 --format json
expect_eq "percentile 50 of two nodes: the smaller peak" "$(jqc '[.maps[0:2][] | [.name, .peak, .demand]]')" \
	'[["mrec_procs",900,900],["mrec_pods",150,150]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$REC" --window 3h \
	--node n2 --headroom 4 --format json
expect_eq "--node n2 --headroom 4" "$(jqc '[.nodes, (.maps[] | [.name, .peak, .target, .dimension_value])]')" \
	'[1,["mrec_procs",900,3600,3600],["mrec_pods",150,600,33]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$REC" --window 2d --format json
expect_eq "--window 2d takes the old 99999" "$(jqc '.maps[0] | [.peak, .dimension_value]')" '[99999,199998]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$REC" --window 3h
expect_eq "table: exit 0" "$rc" 0
expect_eq "table: procs line" "$(grep '^mrec_procs' "$TMP/out" | tr -s ' ')" "mrec_procs 1200 1200 0 0 0 4096 2400 procs=2400"
expect_eq "table: leak note" "$(grep -c 'likely leak (steady growth on n1)' "$TMP/out")" 1

# ---- kernel-side counters in records (issue 18): failures, evictions, drops as demand ---------
# Node k1, 10 rounds a minute apart: mrec_procs 1000 entries, the agent counts 0..18 failed
# inserts (+18) while the kernel counts 0,5,..,20 then resets (counters attached again) and
# counts 0,3,..,12 (+20, +12: 32) -- the kernel sees the agent's failures too, so the larger
# (32), not the sum; mrec_pods 200 entries and 100..190 LRU evictions (+90); mrec_leaky 50
# entries and ring-buffer drops 7,7,7,10..16 (+9).  Node k2: mrec_pods 250 entries, no counters.
# A k1 record a day old with huge counters lies outside --window 3h.
KREC=$TMP/krec.jsonl
printf '{"version":1,"time":%d,"node":"k1","maps":[{"name":"mrec_procs","entries":1000,"kernel_failures":0},{"name":"mrec_pods","entries":200,"evictions":0}]}\n' \
	$((now - 86400)) > "$KREC"
for i in $(seq 0 9); do
	t=$((now - 3000 + i * 60))
	printf '{"version":1,"time":%d,"node":"k1","maps":[{"name":"mrec_procs","entries":1000,"failures":%d,"kernel_failures":%d},{"name":"mrec_pods","entries":200,"kernel_failures":0,"evictions":%d,"evicts":true},{"name":"mrec_leaky","entries":50,"drops":%d}]}\n' \
		"$t" $((2 * i)) $((i < 5 ? 5 * i : 3 * (i - 5))) $((100 + 10 * i)) $((i < 3 ? 7 : 7 + i)) >> "$KREC"
	printf '{"version":1,"time":%d,"node":"k2","maps":[{"name":"mrec_pods","entries":250}]}\n' "$t" >> "$KREC"
done
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$KREC" --window 3h --format json
expect_eq "kernel counters: exit 0" "$rc $(cat "$TMP/err")" "0 "
expect_eq "kernel counters: peak failures evictions drops demand per map" \
	"$(jqc '[.maps[] | [.name, .peak, .failures, .evictions, .drops, .demand]]')" \
	'[["mrec_procs",1000,32,0,0,1032],["mrec_pods",250,0,90,0,290],["mrec_leaky",50,0,0,9,59]]'
expect_eq "kernel counters: recommended sizes" \
	"$(jqc '[.maps[] | [.name, .target, .recommended_max_entries, .dimension, .dimension_value]]')" \
	'[["mrec_procs",2064,2064,"procs",2064],["mrec_pods",580,1024,"pods",33],["mrec_leaky",118,118,"workloads",59]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$KREC" --window 3h \
	--percentile 50 --format json
expect_eq "kernel counters: percentile 50 takes k2's demand and counters" \
	"$(jqc '[.maps[] | select(.name == "mrec_pods") | [.peak, .evictions, .demand]]')" '[[200,0,250]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$KREC" --window 3h
expect_eq "kernel counters: table FAILED EVICTED DROPPED" \
	"$(grep -E '^mrec_(pods|leaky)' "$TMP/out" | tr -s ' ' | cut -d' ' -f1-8)" \
	"mrec_pods 250 - 0 90 0 512 1024
mrec_leaky 50 - 0 0 9 200 118"

# ---- bad inputs: one line, exit 2, no profile ---------------------------------------------------
bad() {	# NAME REGEX RECORDS-TEXT [OPTIONS...]
	local name=$1 re=$2 text=$3; shift 3
	printf '%b' "$text" > "$TMP/bad.jsonl"
	rm -f "$TMP/bad.yaml"
	expect_err "$name" 2 "$re" "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" \
		--records "$TMP/bad.jsonl" -o "$TMP/bad.yaml" "$@"
	expect_eq "$name: one line" "$(wc -l < "$TMP/err")" 1
	[ -e "$TMP/bad.yaml" ] && fail "$name: no profile" "bad.yaml written" || pass "$name: no profile"
}
ok_line='{"version":1,"time":'$now',"node":"n1","maps":[{"name":"mrec_procs","entries":5}]}'
bad "malformed JSON" "^$TMP/bad.jsonl:2:[0-9]+: error: " "$ok_line\n{\"version\":1,\"time\":$now,,}\n"
bad "unknown map" "^$TMP/bad.jsonl:1:[0-9]+: error: map 'other_map' is not in $RULES" \
	'{"version":1,"time":'$now',"node":"n1","maps":[{"name":"other_map","entries":5}]}\n'
bad "unsupported version" "^$TMP/bad.jsonl:1:2: error: record version unsupported, expected 1" \
	'{"version":2,"time":'$now',"node":"n1","maps":[]}\n'
bad "entries not a number" "^$TMP/bad.jsonl:1:[0-9]+: error: map 'mrec_procs': 'entries' is not a whole number" \
	'{"version":1,"time":'$now',"node":"n1","maps":[{"name":"mrec_procs","entries":-5}]}\n'
bad "no node" "^$TMP/bad.jsonl:1:1: error: no 'node' string" '{"version":1,"time":'$now',"maps":[]}\n'
bad "last line cut" "^$TMP/bad.jsonl:2:[0-9]+: error: the last line ends mid-record" \
	"$ok_line\n{\"version\":1,\"time\":$now,\"node\":\"n1\",\"ma"
bad "window without samples" "^$TMP/bad.jsonl: error: no samples of $RULES's maps in the window" \
	'{"version":1,"time":'$((now - 90000))',"node":"n1","maps":[{"name":"mrec_procs","entries":5}]}\n' --window 1d
bad "unknown node" "error: no samples .* on node n9" "$ok_line\n" --node n9
bad "missing file" "^$TMP/nope.jsonl: error: cannot open records" "$ok_line\n" --records "$TMP/nope.jsonl"
expect_err "no source" 2 "expected one source of observations" "$MAPSIZE" recommend --rules "$RULES"
expect_err "bad window" 2 "--window '5x': expected a duration" "$MAPSIZE" recommend --rules "$RULES" --records "$REC" --window 5x
expect_err "bad headroom" 2 "--headroom '0.5': expected a number in \[1, 1000\]" \
	"$MAPSIZE" recommend --rules "$RULES" --records "$REC" --headroom 0.5

# ---- pod memory: plan JSON always, --pod-memory for people -------------------------------------
run "$MAPSIZE" plan "$RULES" --map-size small "${KERNEL[@]}" --format json
expect_eq "pod_memory: at load, expected, full are the plan's totals" \
	"$(jqc '[.pod_memory.at_load_bytes == .total_memlock_bytes, .pod_memory.at_expected_bytes == .total_memlock_expected_bytes, .pod_memory.full_bytes == .total_memlock_full_bytes] | all')" true
MIB=1048576 AGENT=$((64 * 1048576))
exp=$(jqv .pod_memory.at_expected_bytes) full=$(jqv .pod_memory.full_bytes)
expect_eq "pod_memory: request = expected + 64 MiB, limit = full + full/8 + 64 MiB, up to MiB" \
	"$(jqc '[.pod_memory.request_bytes, .pod_memory.limit_bytes]')" \
	"[$(( (exp + AGENT + MIB - 1) / MIB * MIB )),$(( (full + full / 8 + AGENT + MIB - 1) / MIB * MIB ))]"
req=$(jqv .pod_memory.request_bytes) lim=$(jqv .pod_memory.limit_bytes)
run "$MAPSIZE" plan "$RULES" --map-size small "${KERNEL[@]}" --pod-memory
expect_eq "--pod-memory: the Kubernetes quantities" \
	"$(grep -Eo 'resources\.(requests|limits)\.memory: +[0-9]+Mi' "$TMP/out" | tr -s ' ')" \
	"resources.requests.memory: $((req / MIB))Mi
resources.limits.memory: $((lim / MIB))Mi"
# deploy/kubernetes: each pool's agent container asks for what the plan of its profile needs
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$TMP" <<'PY' > "$TMP/pools"
import sys, yaml
t = sys.argv[1]
for d in yaml.safe_load_all(open("deploy/kubernetes/configmaps.yaml")):
    if d and d["metadata"]["name"] == "mapsize-profiles":
        for k, v in d["data"].items():
            open(t + "/pool-" + k, "w").write(v)
for d in yaml.safe_load_all(open("deploy/kubernetes/daemonset.yaml")):
    if not d or d.get("kind") != "DaemonSet":
        continue
    spec = d["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in spec["initContainers"][0]["env"]}
    agent = [c for c in spec["containers"] if c["name"] == "agent"][0]
    r = agent["resources"]
    print(env["MAPSIZE_POOL"], env["MAPSIZE_BUDGET"], r["requests"]["memory"], r["limits"]["memory"])
PY
	expect_eq "deploy: two pools" "$(wc -l < "$TMP/pools")" 2
	while read -r pool budget request limit; do
		run "$MAPSIZE" plan examples/agent.rules.yaml --profile "$TMP/pool-$pool.yaml" --budget "$budget" \
			--kernel 6.1 --format json
		expect_eq "deploy: pool $pool request and limit are the plan's pod_memory" "$request $limit" \
			"$(jqv '"\(.pod_memory.request_bytes / 1048576)Mi \(.pod_memory.limit_bytes / 1048576)Mi"')"
	done < "$TMP/pools"
else
	skip "deploy pod memory" "python3-yaml is needed (sh tools/deps.sh)"
fi

# ---- live: status --record rounds of maps filled to known peaks -------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v bpftool >/dev/null; then
	skip "live records" "needs root and bpftool"
	finish
	exit
fi
PIN=$TMP/bpffs
mkdir -p "$PIN"
if ! mount -t bpf bpf "$PIN" 2>/dev/null; then
	skip "live records" "cannot mount a bpffs"
	finish
	exit
fi
cleanup() { umount "$PIN" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
zero8="0 0 0 0 0 0 0 0"
# the plan's sizes for small (procs 4096, pods 30 -> 512): the live maps match the plan
bpftool map create "$PIN/procs" type hash key 4 value 8 entries 4096 name mrec_procs flags 1
bpftool map create "$PIN/pods" type hash key 4 value 8 entries 512 name mrec_pods flags 1
fill() { for i in $(seq "$2" "$3"); do bpftool map update pinned "$PIN/$1" key $(le32 "$i") value $zero8; done; }
LREC=$TMP/live.jsonl
record() { NODE_NAME=live-node "$MAPSIZE" status --pinned "$PIN" --rules "$RULES" --map-size small "${KERNEL[@]}" \
	--record "$LREC" --no-pids; }
fill procs 1 30; fill pods 1 10; record
fill procs 31 70; fill pods 11 40; record		# the peaks: 70 and 40
for i in $(seq 31 60); do bpftool map delete pinned "$PIN/procs" key $(le32 "$i"); done; record
expect_eq "live: three record lines" "$(wc -l < "$LREC")" 3
expect_eq "live: a record line" "$(head -1 "$LREC" | jq -c '[.version, .node, (.maps | map([.name, .type, .max_entries, .entries]))]')" \
	'[1,"live-node",[["mrec_procs","hash",4096,30],["mrec_pods","hash",512,10]]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --records "$LREC" --window 1h --format json
expect_eq "live: peaks and dimensions" "$(jqc '[.maps[] | [.name, .samples, .peak, .recommended_max_entries, .dimension_value]]')" \
	'[["mrec_procs",3,70,140,140],["mrec_pods",3,40,128,5]]'

# rotation: lines of ~250 bytes, 600 bytes per file
ROT=$TMP/rot.jsonl
for i in 1 2 3 4 5; do
	"$MAPSIZE" status --pinned "$PIN" --rules "$RULES" --map-size small "${KERNEL[@]}" --no-pids \
		--record "$ROT" --record-max-bytes 600
done
expect_eq "rotation: FILE and FILE.1 within the limit" \
	"$([ "$(stat -c %s "$ROT")" -le 600 ] && [ "$(stat -c %s "$ROT.1")" -le 600 ] && echo yes)" yes
expect_eq "rotation: whole lines" "$(cat "$ROT.1" "$ROT" | jq -c .version | sort -u)" 1

# ---- status --record with kernel-side counters: pinned counter maps of known values ----------
# This kernel may refuse tracing programs, so the counters are not attached: the test pins the
# two maps `mapsize counters attach` pins (layout: struct ctr_key / ctr_val in
# src/kernel/counters.c) with known rows, and status reads them as it reads real ones.
mkdir -p "$PIN/kmaps" "$PIN/kc"
bpftool map create "$PIN/kmaps/h" type hash key 4 value 8 entries 64 name mrec_kh flags 1
bpftool map create "$PIN/kmaps/lru" type lru_hash key 4 value 8 entries 64 name mrec_klru
bpftool map create "$PIN/kmaps/rb" type ringbuf key 0 value 0 entries 4096 name mrec_krb
bpftool map create "$PIN/kc/counters" type hash key 16 value 80 entries 16 name mrec_kctrs flags 1
bpftool map create "$PIN/kc/counters_global" type array key 4 value 8 entries 3 name mrec_kctrs_g
le64() { le32 $(($1 & 0xffffffff)); echo -n " "; le32 $(($1 >> 32)); }
kid() { bpftool map show pinned "$PIN/kmaps/$1" -j | jq .id; }
kc_row() {	# MAP E2BIG ENOSPC ENOMEM OTHER EVICTIONS DROPS
	local id; id=$(kid "$1")
	bpftool map update pinned "$PIN/kc/counters" key $(le32 "$id") 0 0 0 0 $(le64 "$id") \
		value $(le64 "$2") $(le64 "$3") $(le64 "$4") $(le64 "$5") $(le64 "$6") $(le64 "$7") $(le64 0) \
		0 0 0 0 $(printf '0 %.0s' $(seq 16)) 0 0 0 0
}
kc_row h 5 0 2 1 0 0
kc_row lru 0 1 0 0 42 0
kc_row rb 0 0 0 0 0 9
bpftool map update pinned "$PIN/kc/counters_global" key 1 0 0 0 value $(le64 "$((now - 600))")
KR=$TMP/kc-record.jsonl
run "$MAPSIZE" status --pinned "$PIN/kmaps" --counters-pin "$PIN/kc" --no-pids --record "$KR"
expect_eq "record with kernel counters: exit 0 (new failures and drops warn)" "$rc" 0
expect_eq "record with kernel counters: kernel_failures evictions drops per map" \
	"$(jq -c '[.maps | sort_by(.name)[] | [.name, .failures, .kernel_failures, .evictions, .drops]]' "$KR")" \
	'[["mrec_kh",null,8,null,null],["mrec_klru",null,1,42,null],["mrec_krb",null,null,null,9]]'
run "$MAPSIZE" status --pinned "$PIN/kmaps" --counters-pin "$PIN/nothing" --no-pids --record "$KR.none"
expect_eq "record without kernel counters: no such keys" \
	"$(jq -c '[.maps[] | (.kernel_failures, .evictions, .drops)] | unique' "$KR.none")" '[null]'
rm -rf "$PIN/kmaps" "$PIN/kc"

# ---- a real Prometheus scraping the status text of the same maps ------------------------------
expect_err "prometheus: unreachable" 2 "^http://127.0.0.1:1: error: cannot query Prometheus: .*(connect|refused)" \
	"$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus http://127.0.0.1:1 -o "$TMP/p.yaml"
expect_eq "prometheus: unreachable: no profile" "$([ -e "$TMP/p.yaml" ] && echo written || echo none)" none
if ! command -v prometheus >/dev/null || ! command -v python3 >/dev/null; then
	skip "prometheus" "prometheus (sh tools/deps.sh) and python3 are needed"
	finish
	exit
fi
PD=$TMP/prom
mkdir -p "$PD/www" "$PD/data"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WPORT=$(freeport)
PPORT=$(freeport)
PURL=http://127.0.0.1:$PPORT
WPID= PPID_=
cleanup() {
	[ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null && wait "$PPID_" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	umount "$PIN" 2>/dev/null; rm -rf "$TMP"
}
publish() { "$MAPSIZE" status --pinned "$PIN" --no-pids --textfile "$PD/www/metrics"; }
publish
python3 -m http.server "$WPORT" --bind 127.0.0.1 --directory "$PD/www" >"$PD/www.log" 2>&1 &
WPID=$!
cat > "$PD/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: mapsize
    metrics_path: /metrics
    static_configs: [ { targets: [ "127.0.0.1:$WPORT" ] } ]
  # a node "kcnode" serving a static exposition of issue 18's counters (404 until written)
  - job_name: mapsize-kc
    metrics_path: /kc
    static_configs: [ { targets: [ "127.0.0.1:$WPORT" ], labels: { instance: kcnode } } ]
YAML
prometheus --config.file="$PD/prometheus.yml" --storage.tsdb.path="$PD/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$PD/prometheus.log" 2>&1 &
PPID_=$!
for i in $(seq 1 100); do curl -sf "$PURL/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
# wait for the first successful scrape, then hold each level for 3 scrape intervals
up() { curl -sf "$PURL/api/v1/query" --data-urlencode "query=up{job=\"${1:-mapsize}\"}" |
	jq -r '.data.result[0].value[1] // "0"'; }
for i in $(seq 1 100); do [ "$(up)" = 1 ] && break; sleep 0.2; done
expect_eq "prometheus: scraping the status text" "$(up)" 1
sleep 3						# procs 40, pods 40 (the records' final state)
fill procs 101 160; fill pods 41 50; publish; sleep 3	# the peaks: 100 and 50
for i in $(seq 101 160); do bpftool map delete pinned "$PIN/procs" key $(le32 "$i"); done
publish; sleep 3					# back to 40
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" --window 1m \
	--format json -o "$TMP/prom.yaml"
expect_eq "prometheus: exit 0" "$rc $(head -c 300 "$TMP/err")" "0 "
expect_eq "prometheus: one node" "$(jqv .nodes)" 1
expect_eq "prometheus: peaks, recommendations, dimensions" \
	"$(jqc '[.maps[] | [.name, .peak, .failures, .recommended_max_entries, .dimension, .dimension_value]]')" \
	'[["mrec_procs",100,0,200,"procs",200],["mrec_pods",50,0,128,"pods",5]]'
expect_eq "prometheus: the profile" "$(grep -v '^#' "$TMP/prom.yaml" | sed 's/  #.*//')" \
"name: recommended
base: small
dimensions:
  procs: 200
  pods: 5"
run "$MAPSIZE" plan "$RULES" --profile "$TMP/prom.yaml" "${KERNEL[@]}" --format json
expect_eq "prometheus: round trip max_entries" "$(jqc '[.maps[0:2][] | [.name, .max_entries]]')" \
	'[["mrec_procs",200],["mrec_pods",128]]'
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" --window 1m \
	--node "127.0.0.1:$WPORT" --format json
expect_eq "prometheus: --node the instance" "$(jqc '[.maps[] | .peak]')" '[100,50]'
expect_err "prometheus: no samples on a node" 2 "^$PURL: error: no samples of $RULES's maps in the window" \
	"$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" --node n9
expect_err "prometheus: HTTP error" 2 "^$PURL: error: HTTP 400 for max by \\(map, bad-label\\) \\(count_over_time\\(mapsize_map_entries.*bad-label=\"n9\".*: invalid parameter \"query\": .*parse error" \
	"$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" --node n9 \
	--node-label bad-label
expect_err "prometheus: not the HTTP API" 2 "^http://127.0.0.1:$WPORT: error: HTTP 404, the answer to .* is not JSON" \
	"$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "http://127.0.0.1:$WPORT"
expect_err "prometheus: bearer token file missing" 2 "cannot read the bearer token" \
	"$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" \
	--bearer-token-file "$TMP/none"

# ---- kernel-side counters from Prometheus: insert failures, evictions, drops as demand --------
# kcnode's counters go from phase A to B (scraped at least twice each): mrec_procs' failures
# +30 E2BIG +2 ENOMEM from the kernel, +5 from the agent (in both families), the larger: 32;
# mrec_pods is two maps sharing the full name (pin label): entries 30 and 60, evictions +25 and
# +1 -- max by (map, node) of each figure: peak 60, evictions 25; mrec_leaky drops +6.
kc_phase() {	# KERNEL_E2BIG KERNEL_ENOMEM AGENT EVICT_A EVICT_B DROPS
	cat > "$PD/www/kc.tmp" <<PROM
mapsize_map_entries{map="mrec_procs"} 500
mapsize_map_entries{map="mrec_pods",pin="/a"} 30
mapsize_map_entries{map="mrec_pods",pin="/b"} 60
mapsize_map_entries{map="mrec_leaky"} 20
mapsize_map_update_failures_total{map="mrec_procs",errno="E2BIG"} $3
mapsize_map_insert_failures_total{map="mrec_procs",errno="E2BIG",source="kernel"} $1
mapsize_map_insert_failures_total{map="mrec_procs",errno="ENOMEM",source="kernel"} $2
mapsize_map_insert_failures_total{map="mrec_procs",errno="E2BIG",source="agent"} $3
mapsize_map_evictions_total{map="mrec_pods",pin="/a"} $4
mapsize_map_evictions_total{map="mrec_pods",pin="/b"} $5
mapsize_ringbuf_drops_total{map="mrec_leaky"} $6
PROM
	mv "$PD/www/kc.tmp" "$PD/www/kc"
}
# wait until Prometheus has N samples of kcnode's drops counter, the last one at VALUE
kc_wait() {
	for i in $(seq 1 100); do
		curl -sf "$PURL/api/v1/query" --data-urlencode \
			'query=count_over_time(mapsize_ringbuf_drops_total{instance="kcnode"}[1m]) and mapsize_ringbuf_drops_total{instance="kcnode"} == '"$2" |
			jq -e ".data.result[0].value[1] | tonumber >= $1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
kc_phase 10 1 4 100 7 3
kc_wait 2 3 || fail "prometheus kcnode: phase A scraped" "timeout"
kc_phase 40 3 9 125 8 9
kc_wait 4 9 || fail "prometheus kcnode: phase B scraped" "timeout"
sleep 1.1	# one more scrape of B: every family has its last value
run "$MAPSIZE" recommend --rules "$RULES" --map-size small "${KERNEL[@]}" --prometheus "$PURL" --window 1m \
	--node kcnode --format json
expect_eq "prometheus kcnode: exit 0" "$rc $(head -c 300 "$TMP/err")" "0 "
expect_eq "prometheus kcnode: peak failures evictions drops demand" \
	"$(jqc '[.maps[] | [.name, .peak, .failures, .evictions, .drops, .demand]]')" \
	'[["mrec_procs",500,32,0,0,532],["mrec_pods",60,0,25,0,85],["mrec_leaky",20,0,0,6,26]]'
expect_eq "prometheus kcnode: recommended sizes" \
	"$(jqc '[.maps[] | [.name, .target, .recommended_max_entries, .dimension_value]]')" \
	'[["mrec_procs",1064,1064,1064],["mrec_pods",170,256,9],["mrec_leaky",52,52,26]]'
finish
