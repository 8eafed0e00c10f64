#!/usr/bin/env bash
# CLI tests of Kubernetes support: `mapsize profile --from-kubernetes` on recorded kubectl JSON
# (every derived value, percentiles, errors with their JSON path, atomic -o), `plan -o` and
# `plan --node-local`, and deploy/kubernetes: the manifests parse as Kubernetes objects, pass a
# schema-level check, the ConfigMaps regenerate byte for byte, and the exact commands of the
# init container and the status sidecar run against the repo's example.
. "$(dirname "$0")/lib.sh"

DATA=tests/data/kubernetes
NODES=$DATA/nodes.json
PODS=$DATA/pods.json
DEPLOY=deploy/kubernetes
AGENT=$PWD/$O/demo/mapsize-demo-agent
RULES=examples/agent.rules.yaml
KERNEL=(--kernel 6.6)
jqc() { jq -c "$1" "$TMP/out"; }

# ---- profile: every derived value --------------------------------------------------------
run "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --format json
expect_eq "profile json status" "$rc" 0
expect_eq "profile schema_version" "$(jqv .schema_version)" 1
expect_eq "profile dimensions (P100)" "$(jqc .dimensions)" \
	'{"nodes":4,"cpus":16,"memory":64000000000,"procs":32768,"pods":8,"containers":13,"workloads":12,"policies":128,"cidrs":4096}'
expect_eq "profile per-node min/median/max" "$(jqc '.per_node | map_values([.min, .median, .max])')" \
	'{"cpus":[2,4,16],"memory":[7500000000,16642998272,64000000000],"pods":[1,4,8],"containers":[3,8,13]}'
expect_eq "profile pod counts" "$(jqc '[.pod_items, .pods_finished, .pods_unscheduled, .pods_on_unknown_nodes]')" \
	'[20,3,1,1]'
expect_eq "profile from_base" "$(jqc .from_base)" '["procs","policies","cidrs"]'

# the YAML: loadable by --profile, the plan sees exactly these dimensions
expect_rc "profile -o" 0 "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --name prod -o "$TMP/prod.yaml"
expect_eq "profile -o prints nothing" "$(cat "$TMP/out")" ""
run "$MAPSIZE" plan "$RULES" --profile "$TMP/prod.yaml" "${KERNEL[@]}" --format json
expect_eq "plan --profile GENERATED" "$rc" 0
expect_eq "plan sees the profile" "$(jqv '.profile + " " + .base_profile')" "prod medium"
expect_eq "plan dimensions from the profile" "$(jqc .dimensions)" \
	'{"cidrs":4096,"containers":13,"cpus":16,"memory":64000000000,"nodes":4,"pods":8,"policies":128,"procs":32768,"workloads":12}'
expect_eq "plan sizes from the profile" "$(jqc '[.maps[] | select(.name == "execve_map" or .name == "policy_filter_maps") | .max_entries]')" \
	'[32768,128]'
# raw figures in the comments
for line in '#   node-a: cpu 4 -> 4, memory 16290748Ki -> 16681725952, pods 5, containers 8' \
	    '#   node-b: cpu 7910m -> 8, memory 15.5Gi -> 16642998272, pods 4, containers 9' \
	    '#   node-c: cpu 16 -> 16, memory 64e9 -> 64000000000, pods 8, containers 13' \
	    '#   node-d: cpu 2 -> 2, memory 7.5G -> 7500000000, pods 1, containers 3' \
	    '#   by kind: 1 CronJob, 1 DaemonSet, 4 Deployment, 1 Job, 1 Node, 3 Pod, 1 StatefulSet' \
	    '#   cpus                         16                    2                    4                   16  status.capacity.cpu, rounded up to whole CPUs' \
	    '# Dimensions kubectl does not show come from --base medium: procs policies cidrs.' \
	    '  cpus: 16               # P100 over nodes (min 2, median 4, max 16)' \
	    '  procs: 32768           # from --base medium' \
	    'name: prod'; do
	if grep -qxF -- "$line" "$TMP/prod.yaml"; then pass "comment: ${line:0:50}"
	else fail "comment: ${line:0:50}" "not in the profile"; fi
done
# deterministic: the same inputs, the same bytes; stdout equals -o
"$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --name prod >"$TMP/prod2.yaml"
expect_rc "profile deterministic" 0 cmp "$TMP/prod.yaml" "$TMP/prod2.yaml"

# percentiles: nearest rank over the 4 nodes (cpus 2 4 8 16; memory 7.5G 15.5Gi 16290748Ki 64e9;
# pods 1 4 5 8; containers 3 8 9 13)
for case in "50:4 16642998272 4 8" "75:8 16681725952 5 9" "75.01:16 64000000000 8 13" \
	    "25:2 7500000000 1 3" "0.01:2 7500000000 1 3" "100:16 64000000000 8 13"; do
	p=${case%%:*}
	run "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --percentile "$p" --format json
	expect_eq "percentile $p" "$(jqv '[.dimensions.cpus, .dimensions.memory, .dimensions.pods, .dimensions.containers] | map(tostring) | join(" ")')" "${case#*:}"
done
run "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --percentile 50
expect_eq "percentile in the comments" "$(grep -c 'P50 over nodes' "$TMP/out")" 4
# --base: the non-derivable dimensions follow it
run "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --base small --format json
expect_eq "--base small" "$(jqc '[.base, .dimensions.procs, .dimensions.policies, .dimensions.cidrs, .dimensions.nodes]')" \
	'["small",4096,16,256,4]'
run "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --base large --format json
expect_eq "--base large" "$(jqc '[.dimensions.procs, .dimensions.workloads]')" '[131072,12]'

# a kubectl PodList/NodeList (raw API) is accepted too
jq '.kind = "NodeList"' "$NODES" >"$TMP/nodelist.json"
expect_rc "NodeList accepted" 0 "$MAPSIZE" profile --from-kubernetes "$TMP/nodelist.json" "$PODS"
# no pods: zero pods, containers and workloads
printf '{"apiVersion":"v1","kind":"List","items":[]}\n' >"$TMP/nopods.json"
run "$MAPSIZE" profile --from-kubernetes "$NODES" "$TMP/nopods.json" --format json
expect_eq "no pods" "$(jqc '[.dimensions.pods, .dimensions.containers, .dimensions.workloads]')" '[0,0,0]'

# names from the cluster cannot break out of the YAML comments
jq '.items[0].metadata.name = "node-a\nname: injected"' "$NODES" >"$TMP/ctl-nodes.json"
jq '.items[0].metadata.ownerReferences[0].kind = "Daemon\nSet"' "$PODS" >"$TMP/ctl-pods.json"
expect_rc "control characters" 0 "$MAPSIZE" profile --from-kubernetes "$TMP/ctl-nodes.json" "$TMP/ctl-pods.json" -o "$TMP/ctl.yaml"
expect_eq "control characters stay in comments" "$(grep -c '^name:' "$TMP/ctl.yaml") $(grep -c 'node-a?name: injected: cpu 4' "$TMP/ctl.yaml") $(grep -c ' 1 Daemon?Set,' "$TMP/ctl.yaml")" "1 1 1"
expect_rc "control characters: still a profile" 0 "$MAPSIZE" plan "$RULES" --profile "$TMP/ctl.yaml" "${KERNEL[@]}"

# ---- profile: malformed input names the JSON path, exit 2, no file -----------------------
bad_input() {	# NAME JQ-EDIT WHICH(nodes|pods) MESSAGE
	local name=$1 edit=$2 which=$3 msg=$4 n=$NODES p=$PODS
	jq "$edit" "$DATA/$which.json" >"$TMP/bad.json"
	if [ "$which" = nodes ]; then n=$TMP/bad.json; else p=$TMP/bad.json; fi
	rm -f "$TMP/never.yaml"
	run "$MAPSIZE" profile --from-kubernetes "$n" "$p" -o "$TMP/never.yaml"
	if [ "$rc" -ne 2 ]; then fail "$name" "exit $rc, expected 2"
	elif [ "$(cat "$TMP/err")" != "$TMP/bad.json: error: $msg" ]; then fail "$name" "stderr: $(cat "$TMP/err")"
	elif [ -e "$TMP/never.yaml" ]; then fail "$name" "an output file was written"
	else pass "$name"; fi
}
bad_input "bad cpu quantity" '.items[1].status.capacity.cpu = "8 cores"' nodes \
	".items[1].status.capacity.cpu: '8 cores' is not a Kubernetes quantity, expected digits with an optional fraction and suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<exponent>)"
bad_input "memory overflow" '.items[2].status.allocatable.memory = "16Ei"' nodes \
	".items[2].status.allocatable.memory: '16Ei' is out of range, expected at most 18446744073709551615 byte and 20 significant digits"
bad_input "negative memory" '.items[0].status.allocatable.memory = "-1Gi"' nodes \
	".items[0].status.allocatable.memory: '-1Gi' is not a Kubernetes quantity, expected digits with an optional fraction and suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<exponent>)"
bad_input "zero cpus" '.items[3].status.capacity.cpu = "0m"' nodes \
	".items[3].status.capacity.cpu: '0m' is zero, expected at least one CPU"
bad_input "cpu as a bool" '.items[0].status.capacity.cpu = true' nodes \
	".items[0].status.capacity.cpu: a boolean, expected a quantity string such as \"8\" or \"16Gi\""
bad_input "no allocatable memory" 'del(.items[1].status.allocatable.memory)' nodes \
	".items[1].status.allocatable: no 'memory', expected a quantity (byte)"
bad_input "no status" 'del(.items[0].status)' nodes \
	".items[0]: no 'status', expected an object (the shape \`kubectl get nodes -o json\` prints)"
bad_input "node name a number" '.items[2].metadata.name = 7' nodes \
	".items[2].metadata: 'name' is a number, expected a string"
bad_input "duplicate node" '.items[1].metadata.name = "node-a"' nodes \
	".items: node 'node-a' appears twice, expected each node once"
bad_input "no nodes" '.items = []' nodes \
	".items: no nodes, expected at least one Node item"
bad_input "not a List" '.kind = "Node"' nodes \
	".kind: 'Node', expected List (or NodeList), the kind \`kubectl get nodes -o json\` prints"
bad_input "pods as nodes" '.items[0].kind = "Pod"' nodes \
	".items[0].kind: 'Pod', expected Node: is this the output of \`kubectl get nodes -o json\`?"
bad_input "items not an array" '.items = {}' pods \
	".: 'items' is an object, expected an array"
bad_input "pod without namespace" 'del(.items[5].metadata.namespace)' pods \
	".items[5].metadata: no 'namespace', expected a string (the shape \`kubectl get pods -A -o json\` prints)"
bad_input "containers not an array" '.items[6].spec.containers = "web"' pods \
	".items[6].spec: 'containers' is a string, expected an array"
bad_input "initContainers not an array" '.items[0].spec.initContainers = {}' pods \
	".items[0].spec: 'initContainers' is an object, expected an array"
bad_input "owner without name" 'del(.items[6].metadata.ownerReferences[0].name)' pods \
	".items[6].metadata.ownerReferences[0]: no 'name', expected a string (the shape \`kubectl get pods -A -o json\` prints)"
bad_input "ownerReferences not an array" '.items[6].metadata.ownerReferences = "web"' pods \
	".items[6].metadata: 'ownerReferences' is a string, expected an array"
bad_input "nodeName a number" '.items[2].spec.nodeName = 3' pods \
	".items[2].spec: 'nodeName' is a number, expected a string"
bad_input "item not an object" '.items[3] = 5' pods \
	".items[3]: a number, expected an object (a Pod)"
printf '{"kind": "List", "items": [\n  {"kind": "Node",}\n]}\n' >"$TMP/syntax.json"
expect_err "JSON syntax error" 2 "^$TMP/syntax.json:2:19: error: .*, expected .* \(in the JSON \`kubectl get nodes -o json\` prints\)$" \
	"$MAPSIZE" profile --from-kubernetes "$TMP/syntax.json" "$PODS"
expect_err "missing file" 2 "^$TMP/none.json: error: cannot read it: " \
	"$MAPSIZE" profile --from-kubernetes "$TMP/none.json" "$PODS"
# a failed run leaves an existing profile untouched and no temporary file beside it
cp "$TMP/prod.yaml" "$TMP/keep.yaml"
jq '.items[0].status.capacity.cpu = "x"' "$NODES" >"$TMP/bad.json"
expect_rc "failed run" 2 "$MAPSIZE" profile --from-kubernetes "$TMP/bad.json" "$PODS" -o "$TMP/keep.yaml"
expect_rc "existing profile kept" 0 cmp "$TMP/keep.yaml" "$TMP/prod.yaml"
expect_eq "no temporary file" "$(ls "$TMP" | grep -c 'keep.yaml.tmp')" 0
# options
expect_err "bad --percentile" 2 "^error: --percentile '0', expected a number above 0 and at most 100" \
	"$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --percentile 0
expect_err "bad --percentile 101" 2 "^error: --percentile '101'" "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --percentile 101
expect_err "bad --base" 2 "^error: unknown --base 'huge', expected small, medium or large" \
	"$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --base huge
expect_err "bad --name" 2 "^error: --name 'a b'" "$MAPSIZE" profile --from-kubernetes "$NODES" "$PODS" --name 'a b'
expect_err "no --from-kubernetes" 2 "needs --from-kubernetes NODES.json PODS.json" "$MAPSIZE" profile "$NODES" "$PODS"
expect_err "one file" 2 "needs --from-kubernetes NODES.json PODS.json" "$MAPSIZE" profile --from-kubernetes "$NODES"

# ---- plan -o and --node-local ----------------------------------------------------------
run "$MAPSIZE" plan "$RULES" "${KERNEL[@]}" --format json
cp "$TMP/out" "$TMP/plan-stdout.json"
expect_rc "plan -o json" 0 "$MAPSIZE" plan "$RULES" "${KERNEL[@]}" --format json -o "$TMP/plan.json"
expect_eq "plan -o prints nothing" "$(cat "$TMP/out")" ""
expect_rc "plan -o json equals stdout" 0 cmp "$TMP/plan.json" "$TMP/plan-stdout.json"
"$MAPSIZE" plan "$RULES" "${KERNEL[@]}" >"$TMP/plan-stdout.txt" 2>/dev/null
expect_rc "plan -o table" 0 "$MAPSIZE" plan "$RULES" "${KERNEL[@]}" --output "$TMP/plan.txt"
expect_rc "plan -o table equals stdout" 0 cmp "$TMP/plan.txt" "$TMP/plan-stdout.txt"
cp "$TMP/plan.json" "$TMP/plan-keep.json"
expect_rc "plan -o bad rules" 2 "$MAPSIZE" plan "$TMP/none.yaml" --format json -o "$TMP/plan.json"
expect_rc "plan -o keeps the old file" 0 cmp "$TMP/plan.json" "$TMP/plan-keep.json"
expect_eq "plan -o no temporary file" "$(ls "$TMP" | grep -c 'plan.json.tmp')" 0
expect_err "plan -o unwritable" 2 "^$TMP/nodir/p.json: error: cannot create a temporary file" \
	"$MAPSIZE" plan "$RULES" -o "$TMP/nodir/p.json"
expect_rc "gen-header -o" 0 "$MAPSIZE" gen-header "$RULES" -o "$TMP/plan.h"
expect_eq "gen-header -o wrote the header" "$(grep -c '#define MAPSIZE_EXECVE_MAP_MAX_ENTRIES' "$TMP/plan.h")" 1

possible=$(awk -F, '{n=0; for (i=1;i<=NF;i++) { split($i,r,"-"); n += (r[2]==""?1:r[2]-r[1]+1) } print n}' /sys/devices/system/cpu/possible)
memtotal=$(awk '/^MemTotal:/ {printf "%.0f\n", $2 * 1024}' /proc/meminfo)
run "$MAPSIZE" plan "$RULES" --profile "$TMP/prod.yaml" --node-local --format json
expect_eq "--node-local beats the profile" "$(jqc '[.dimensions.cpus, .dimensions.memory, .dimensions.nodes]')" \
	"[$possible,$memtotal,4]"
run "$MAPSIZE" plan "$RULES" --profile "$TMP/prod.yaml" --node-local --set cpus=3 --format json
expect_eq "--set beats --node-local" "$(jqc '[.dimensions.cpus, .dimensions.memory]')" "[3,$memtotal]"

# ---- the demo agent's --plan FILE: a plan file back into a plan (checked before any load) ----
"$MAPSIZE" plan "$RULES" --format json -o "$TMP/agent-plan.json"
bad_plan() {	# NAME JQ-EDIT STDERR-REGEX (the file is $TMP/p.json)
	jq "$2" "$TMP/agent-plan.json" >"$TMP/p.json"
	expect_err "--plan: $1" 2 "^$TMP/p.json: error: $3" "$AGENT" --rules "$RULES" --plan "$TMP/p.json" --no-attach
}
bad_plan "schema_version checked" '.schema_version = 2' ".schema_version: expected 1"
bad_plan "app checked" '.app = "other"' ".app: 'other', the rules $RULES are for 'demo-agent'"
bad_plan "maps of other rules" 'del(.maps[0])' "15 maps, the rules have 16: expected a plan of these rules"
bad_plan "flags of other rules" '(.maps[] | select(.name == "tg_conf_map") | .map_flags) = 0' \
	".maps\[[0-9]+\] \(tg_conf_map\): max_entries 1, map_flags 0x0 in the file, 1, 0x80 from the rules"
printf '{' >"$TMP/p6.json"
expect_err "--plan: not JSON" 2 "^$TMP/p6.json:1:2: error: unexpected end of the input, expected a key string" "$AGENT" --plan "$TMP/p6.json" --no-attach

# ---- deploy/kubernetes ------------------------------------------------------------------
# kubectl reads every manifest as Kubernetes objects without a server (create --dry-run=client
# needs the API server's discovery; label --local does not)
if command -v kubectl >/dev/null; then
	for f in "$DEPLOY"/*.yaml; do
		run kubectl label --local -f "$f" -o json mapsize.io/test=1
		if [ "$rc" -eq 0 ] && jq -e '.kind' "$TMP/out" >/dev/null; then pass "kubectl parses $(basename "$f")"
		else fail "kubectl parses $(basename "$f")" "$(head -c 300 "$TMP/err")"; fi
	done
	# kubectl's JSON has the kinds the README names
	kubectl label --local -f "$DEPLOY/daemonset.yaml" -o json mapsize.io/test=1 2>/dev/null |
		jq -r 'if .kind == "List" then .items[] else . end | .kind + "/" + .metadata.name' | sort >"$TMP/kinds"
	expect_eq "kubectl: DaemonSets" "$(paste -sd' ' "$TMP/kinds")" "DaemonSet/bpf-agent-bpf-heavy DaemonSet/bpf-agent-general"
	# the ConfigMaps regenerate byte for byte from the recorded cluster
	run env KUBE_JSON_DIR="$PWD/$DATA" MAPSIZE="$MAPSIZE" "$DEPLOY/regenerate.sh" "$RULES" general bpf-heavy
	expect_eq "regenerate.sh" "$rc" 0
	cp "$TMP/out" "$TMP/configmaps.yaml"
	expect_rc "configmaps.yaml is current" 0 cmp "$TMP/configmaps.yaml" "$DEPLOY/configmaps.yaml"
else
	skip "kubectl parses the manifests" "no kubectl (tools/deps.sh installs kubernetes-client)"
fi

# Debian's python3 has python3-yaml (tools/deps.sh); a python3 earlier on PATH may not
PY=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' 2>/dev/null && PY=/usr/bin/python3
if ! "$PY" -c 'import yaml' 2>/dev/null; then
	skip "deploy/kubernetes manifests" "no PyYAML (tools/deps.sh installs python3-yaml)"
	finish
	exit
fi
# schema-level check of every object, and the commands of each DaemonSet as JSON lines
"$PY" - "$DEPLOY" >"$TMP/schema" 2>&1 <<'EOF'
import glob, json, re, sys, yaml
objs = [d for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")) for d in yaml.safe_load_all(open(f)) if d]
def check(name, ok, why=""):
    print(("ok " if ok else "bad ") + name + ("" if ok else ": " + why))
cms = {o["metadata"]["name"]: o for o in objs if o.get("kind") == "ConfigMap"}
check("kinds", sorted({o["kind"] for o in objs}) == ["ConfigMap", "DaemonSet"], str([o.get("kind") for o in objs]))
for o in objs:
    n = "%s/%s" % (o.get("kind"), o.get("metadata", {}).get("name"))
    check(n + " apiVersion", o.get("apiVersion") == {"ConfigMap": "v1", "DaemonSet": "apps/v1"}.get(o["kind"]), str(o.get("apiVersion")))
    check(n + " namespace", o["metadata"].get("namespace") == "kube-system", str(o["metadata"].get("namespace")))
    if o["kind"] != "DaemonSet":
        continue
    t = o["spec"]["template"]
    sel = o["spec"]["selector"]["matchLabels"]
    check(n + " selector matches template", all(t["metadata"]["labels"].get(k) == v for k, v in sel.items()), str(sel))
    ps = t["spec"]
    vols = {v["name"]: v for v in ps["volumes"]}
    every = ps["initContainers"] + ps["containers"]
    used = set()
    for c in every:
        for k in ("name", "image", "command"):
            check(n + " " + c["name"] + " has " + k, k in c)
        for m in c.get("volumeMounts", []):
            used.add(m["name"])
            check(n + " " + c["name"] + " mount " + m["name"] + " is a volume", m["name"] in vols)
        env = {e["name"]: e["value"] for e in c.get("env", [])}
        for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", " ".join(c["command"] + c.get("args", []))):
            check(n + " " + c["name"] + " $(" + ref + ") defined", ref in env)
        c["expanded"] = [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), a) for a in c["command"]]
    check(n + " every volume used", set(vols) == used, str(set(vols) ^ used))
    init = {c["name"]: c for c in ps["initContainers"]}["mapsize-plan"]
    agent = {c["name"]: c for c in ps["containers"]}["agent"]
    status = {c["name"]: c for c in ps["containers"]}["mapsize-status"]
    mounts = lambda c: {m["name"]: m for m in c.get("volumeMounts", [])}
    check(n + " run-mapsize is an emptyDir", "emptyDir" in vols["run-mapsize"])
    check(n + " init writes the plan into run-mapsize", mounts(init)["run-mapsize"]["mountPath"] == "/run/mapsize"
          and init["command"][-2:] == ["-o", "/run/mapsize/plan.json"] and "--format" in init["command"])
    check(n + " agent reads run-mapsize", mounts(agent)["run-mapsize"]["mountPath"] == "/run/mapsize"
          and "/run/mapsize/plan.json" in agent["command"])
    check(n + " hostPath /sys/fs/bpf", vols["bpffs"].get("hostPath", {}).get("path") == "/sys/fs/bpf"
          and mounts(agent)["bpffs"]["mountPath"] == "/sys/fs/bpf")
    check(n + " hostPath /var/lib/node_exporter", vols["node-exporter-textfile"].get("hostPath", {}).get("path") == "/var/lib/node_exporter"
          and mounts(status)["node-exporter-textfile"]["mountPath"] == "/var/lib/node_exporter")
    check(n + " status command", status["command"] == ["mapsize", "status", "--watch", "30", "--textfile", "/var/lib/node_exporter/mapsize.prom"], str(status["command"]))
    caps = set(agent["securityContext"].get("capabilities", {}).get("add", []))
    check(n + " agent privileges", agent["securityContext"].get("privileged") or {"BPF", "PERFMON", "SYS_RESOURCE"} <= caps, str(caps))
    scaps = set(status["securityContext"].get("capabilities", {}).get("add", []))
    check(n + " status privileges", {"BPF", "SYS_ADMIN"} <= scaps, str(scaps))
    pool = {e["name"]: e["value"] for e in init["env"]}["MAPSIZE_POOL"]
    check(n + " nodeSelector is the pool", ps["nodeSelector"].get("node.kubernetes.io/pool") == pool)
    for v, key in (("mapsize-profiles", pool + ".yaml"), ("mapsize-rules", "agent.rules.yaml")):
        cm = vols[v]["configMap"]["name"]
        check(n + " ConfigMap " + cm + " has " + key, cm in cms and key in cms[cm]["data"])
    print("cmd " + json.dumps({"ds": o["metadata"]["name"], "pool": pool, "init": init["expanded"], "agent": agent["expanded"], "status": status["expanded"]}))
EOF
while read -r verdict rest; do
	case $verdict in
	ok) pass "manifest: $rest" ;;
	bad) fail "manifest: ${rest%%: *}" "${rest#*: }" ;;
	cmd) echo "$rest" >>"$TMP/cmds" ;;
	*) fail "manifest check" "$verdict $rest" ;;
	esac
done <"$TMP/schema"

# the ConfigMaps' files as the containers see them (/etc/mapsize/...), and the commands run
"$PY" - "$DEPLOY/configmaps.yaml" "$TMP/root/etc/mapsize" <<'EOF'
import os, sys, yaml
mount = {"mapsize-profiles": "profiles", "mapsize-rules": "rules"}
for cm in yaml.safe_load_all(open(sys.argv[1])):
    d = os.path.join(sys.argv[2], mount[cm["metadata"]["name"]])
    os.makedirs(d, exist_ok=True)
    for key, text in cm["data"].items():
        open(os.path.join(d, key), "w").write(text)
EOF
expect_rc "rules in the ConfigMap are the example" 0 cmp "$TMP/root/etc/mapsize/rules/agent.rules.yaml" "$RULES"
mkdir -p "$TMP/root/run/mapsize" "$TMP/root/var/lib/node_exporter"
# container paths -> $TMP/root; the image's mapsize -> this build
in_root() { sed -e "s|\"/etc/mapsize|\"$TMP/root/etc/mapsize|g; s|\"/run/mapsize|\"$TMP/root/run/mapsize|g; s|\"/var/lib/node_exporter|\"$TMP/root/var/lib/node_exporter|g; s|^\[\"mapsize\"|[\"$MAPSIZE\"|"; }
expect_eq "two DaemonSets' commands" "$(wc -l <"$TMP/cmds" 2>/dev/null)" 2
while read -r line; do
	ds=$(jq -r .ds <<<"$line")
	pool=$(jq -r .pool <<<"$line")
	mapfile -t init < <(jq -c .init <<<"$line" | in_root | jq -r '.[]')
	rm -f "$TMP/root/run/mapsize/plan.json"
	run "${init[@]}"
	if [ "$rc" -eq 0 ] && [ -s "$TMP/root/run/mapsize/plan.json" ]; then pass "$ds: init command wrote plan.json"
	else fail "$ds: init command" "exit $rc: $(head -c 300 "$TMP/err")"; continue; fi
	# the plan is this node's: cpus and memory from the machine, the rest from the pool's profile
	prof="$TMP/root/etc/mapsize/profiles/$pool.yaml"
	want_nodes=$(awk '/^  nodes:/ {print $2}' "$prof")
	expect_eq "$ds: plan.json from the pool profile and this node" \
		"$(jq -c '[.schema_version, .profile, .dimensions.cpus, .dimensions.memory, .dimensions.nodes, .dimensions.workloads]' "$TMP/root/run/mapsize/plan.json")" \
		"[1,\"$pool\",$possible,$memtotal,$want_nodes,12]"
	# the pool's budget: a share of this node's memory, and the plan within it
	pct=
	for i in "${!init[@]}"; do [ "${init[$i]}" = --budget ] && pct=${init[$((i + 1))]}; done
	expect_eq "$ds: plan.json budget: limit = $pct of memory, plan within it" \
		"$(jq -c '[.budget.limit_bytes, (.budget.source | startswith("'"$pct"' of memory ")), .budget.after_full_bytes <= .budget.limit_bytes]' "$TMP/root/run/mapsize/plan.json")" \
		"[$((memtotal * ${pct%\%} / 100)),true,true]"
	expect_eq "$ds: plan.json maps" "$(jq '.maps | length' "$TMP/root/run/mapsize/plan.json")" \
		"$("$MAPSIZE" plan "$RULES" --format json | jq '.maps | length')"
	# the init container runs as nobody without capabilities: so does its command here
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		chmod 755 "$TMP" && chmod -R a+rX "$TMP/root" && chmod 777 "$TMP/root/run/mapsize"
		install -m 755 "$MAPSIZE" "$TMP/root/mapsize"
		cp "$TMP/root/run/mapsize/plan.json" "$TMP/plan-root.json"
		rm -f "$TMP/root/run/mapsize/plan.json"
		run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
			"$TMP/root/mapsize" "${init[@]:1}"
		expect_eq "$ds: init command as nobody" "$rc" 0
		expect_rc "$ds: the same plan as nobody" 0 cmp "$TMP/root/run/mapsize/plan.json" "$TMP/plan-root.json"
	else
		skip "$ds: init command as nobody" "needs root and setpriv to switch to nobody"
	fi
	mapfile -t status < <(jq -c .status <<<"$line" | in_root | jq -r '.[]')
	if [ "$(id -u)" -ne 0 ]; then
		skip "$ds: agent command" "needs root (CAP_BPF)"
		skip "$ds: status command" "needs root (CAP_BPF, CAP_SYS_ADMIN)"
		continue
	fi
	# The pod's two containers run side by side: the agent holds its maps (--run; no attach)
	# while the sidecar's status round reads them.  (Run one after the other, the round saw
	# whatever maps the node had left: the agent's only while the kernel was still freeing
	# them after its exit, so a round could find none and write no metrics.)
	mapfile -t agent < <(jq -c '.agent | .[: index("--run")]' <<<"$line" | in_root |
		sed "s|^\[\"mapsize-demo-agent\"|[\"$AGENT\"|" | jq -r '.[]')
	: >"$TMP/agent.out"
	"${agent[@]}" --no-attach --run 300 --format json >"$TMP/agent.out" 2>"$TMP/agent.err" &
	agent_pid=$!
	# loaded: its JSON report is complete (printed after load, before it waits).  Not
	# `jq -e .maps`: jq 1.6 exits 0 on an empty file, before the agent wrote anything.
	has_maps() { [ "$(jq -r '.maps | type' "$1" 2>/dev/null)" = array ]; }
	for _ in $(seq 1 600); do
		has_maps "$TMP/agent.out" && break
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.1
	done
	cp "$TMP/agent.out" "$TMP/out"
	if ! has_maps "$TMP/out"; then
		kill "$agent_pid" 2>/dev/null; wait "$agent_pid"; rc=$?
		if grep -qi "not permitted" "$TMP/agent.err"; then
			skip "$ds: agent command" "bpf() refused: $(head -c 200 "$TMP/agent.err")"
		else
			fail "$ds: agent command" "exit $rc: $(head -c 300 "$TMP/agent.err")"
		fi
		continue
	fi
	# every map of the plan, as the kernel has it (inner maps: each instance)
	jq -r '.maps[] | select(.inner_of == null) | "\(.name) \(.max_entries) \(.map_flags)"' \
		"$TMP/root/run/mapsize/plan.json" | sort >"$TMP/want"
	jq -r '.maps[] | select(.status == "applied") | "\(.name) \(.max_entries) \(.map_flags)"' "$TMP/out" |
		sort >"$TMP/got"
	expect_eq "$ds: agent loaded every map as planned" "$(cat "$TMP/got")" "$(cat "$TMP/want")"
	# each policy's instance sized for its cgroups (the demo's default: 4 x policy id) by the
	# plan's per-instance rule, clamp(round(headroom x live), min, max), with the plan's flags
	jq -r '.maps[] | select(.status == "inner") | "\(.outer_key) \(.max_entries) \(.map_flags)"' "$TMP/out" |
		sort >"$TMP/inner-got"
	jq -r --slurpfile agent "$TMP/out" '.maps[] | select(.inner_of != null) as $m |
		$agent[0].maps[] | select(.status == "inner") | .outer_key as $k |
		($m.instance.headroom * 4 * $k | round) as $n |
		"\($k) \([[$n, $m.instance.min] | max, $m.instance.max] | min) \($m.map_flags)"' \
		"$TMP/root/run/mapsize/plan.json" | sort >"$TMP/inner-want"
	expect_eq "$ds: inner instances as planned (per instance)" "$(cat "$TMP/inner-got")" "$(cat "$TMP/inner-want")"
	expect_eq "$ds: three policies' instances" "$(wc -l <"$TMP/inner-got")" 3
	expect_eq "$ds: agent maps applied" "$(wc -l <"$TMP/got")" "$(wc -l <"$TMP/want")"
	# the sidecar's command, one round instead of forever, while the agent runs
	prom="$TMP/root/var/lib/node_exporter/mapsize.prom"
	rm -f "$prom"
	run "${status[@]}" --rounds 1
	kill "$agent_pid" 2>/dev/null
	wait "$agent_pid"
	expect_eq "$ds: the agent ran until stopped (SIGTERM: exit 0)" "$?" 0
	if [ "$rc" -eq 0 ] && grep -q '^mapsize_map_max_entries{' "$prom"; then pass "$ds: status command wrote mapsize.prom"
	elif grep -qi "operation not permitted\|bpf() refused\|not permitted" "$TMP/err"; then skip "$ds: status command" "bpf() refused: $(head -c 200 "$TMP/err")"; continue
	else fail "$ds: status command" "exit $rc: $(head -c 300 "$TMP/err")"; continue; fi
	# the agent's maps are among them, each with its planned size (kernel names: 15 bytes)
	missing=$(while read -r name max _; do
		grep -q "^mapsize_map_max_entries{.*map=\"${name:0:15}[^\"]*\".*} $max\$" "$prom" || echo "$name"
	done <"$TMP/want")
	expect_eq "$ds: mapsize.prom has every agent map with its size" "$missing" ""
	if command -v promtool >/dev/null; then
		expect_rc "$ds: promtool check metrics" 0 sh -c "promtool check metrics <'$prom'"
	fi
done <"$TMP/cmds"

finish
