#!/bin/sh
# Regenerates the ConfigMaps of deploy/kubernetes from a cluster: one profile per node pool
# (nodes labelled node.kubernetes.io/pool=POOL) and the agent's map rules.
#   deploy/kubernetes/regenerate.sh RULES POOL... > configmaps.yaml
# With KUBE_JSON_DIR=DIR it reads DIR/nodes.json and DIR/pods.json (recorded kubectl output)
# instead of asking the cluster, and filters the nodes by pool itself, as -l would.
set -eu
rules=$1
shift
MAPSIZE=${MAPSIZE:-mapsize}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${KUBE_JSON_DIR:-}" ]; then
	cp "$KUBE_JSON_DIR/nodes.json" "$work/all-nodes.json"
	cp "$KUBE_JSON_DIR/pods.json" "$work/pods.json"
else
	kubectl get nodes -o json > "$work/all-nodes.json"
	kubectl get pods -A -o json > "$work/pods.json"
fi
cp "$rules" "$work/agent.rules.yaml"
cd "$work"
files=""
for pool in "$@"; do
	if [ -n "${KUBE_JSON_DIR:-}" ]; then
		jq --arg pool "$pool" '.items |= map(select(.metadata.labels["node.kubernetes.io/pool"] == $pool))' \
			all-nodes.json > "nodes-$pool.json"
	else
		kubectl get nodes -l "node.kubernetes.io/pool=$pool" -o json > "nodes-$pool.json"
	fi
	# pods of the whole cluster: workloads is a cluster-wide figure; pods on other pools'
	# nodes are not counted per node
	"$MAPSIZE" profile --from-kubernetes "nodes-$pool.json" pods.json --base medium --name "$pool" \
		-o "$pool.yaml"
	files="$files --from-file=$pool.yaml"
done
# shellcheck disable=SC2086
kubectl create configmap mapsize-profiles --namespace kube-system $files --dry-run=client -o yaml
echo ---
kubectl create configmap mapsize-rules --namespace kube-system --from-file=agent.rules.yaml \
	--dry-run=client -o yaml
