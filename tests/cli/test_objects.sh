#!/usr/bin/env bash
# `mapsize objects FILE` and `--object FILE:NAME` (issue 17 item 3):
#   - a shared library embedding two objects of ours (om_names, om_extern):
#     both listed with name, offset and size equal to where the images are;
#     FILE alone is refused naming both; FILE:NAME drafts, checks and
#     reports each; verify --maps-only creates om_extern's maps from it;
#   - libbpf-tools' execsnoop (the corpus, tools/fetch-corpus.sh; a skip
#     when it cannot be had): one object, execsnoop_bpf, used as it is;
#   - JSON starts with schema_version 1; a BPF object itself or a missing
#     file is exit 2.
source "$(dirname "$0")/lib.sh"

M=$MAPSIZE
N=$O/tests/bpf/om_names.bpf.o
X=$O/tests/bpf/om_extern.bpf.o
for f in "$M" "$N" "$X"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
command -v jq >/dev/null || { fail "prerequisites" "jq is not installed"; finish; exit; }

# a host library with both images as byte arrays, as a skeleton embeds its object
{
	echo 'const char *skel_names[] = { "om_names_bpf", "om_extern_bpf" };'
	for k in 0 1; do
		f=$([ $k = 0 ] && echo "$N" || echo "$X")
		printf '__attribute__((aligned(8))) const unsigned char img%d[] = {' $k
		od -An -v -tu1 "$f" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
		echo '};'
	done
} >"$TMP/host.c"
cc -shared -fPIC -o "$TMP/host.so" "$TMP/host.c" || { fail "prerequisites" "cannot build the host library"; finish; exit; }
H=$TMP/host.so

expect_rc "objects: two embedded" 0 "$M" objects "$H" --format json
expect_eq "objects JSON: schema_version first, file" "$(jq -r 'keys_unsorted[0:2] | join(",")' "$TMP/out") $(jqv .file)" \
	"schema_version,file $H"
expect_eq "objects: names and sizes" "$(jqv '[.objects[] | "\(.name)=\(.size)"] | join(" ")')" \
	"om_names_bpf=$(stat -c %s "$N") om_extern_bpf=$(stat -c %s "$X")"
off=$(jqv '.objects[1].offset')
expect_eq "objects: om_extern's bytes are at its offset" \
	"$(tail -c +$((off + 1)) "$H" | head -c "$(stat -c %s "$X")" | cmp - "$X" && echo same)" same
run "$M" objects "$H"
expect_eq "objects table: one line each and a summary" \
	"$(grep -c '^om_names_bpf \|^om_extern_bpf ' "$TMP/out")|$(tail -1 "$TMP/out")" \
	"2|$H: 2 embedded BPF objects (--object FILE:NAME picks one)"

expect_err "rules init on a host of two: exit 2 naming both" 2 \
	"^$H: error: 2 embedded BPF objects, expected --object $H:NAME with NAME one of om_names_bpf, om_extern_bpf" \
	"$M" rules init --object "$H"
expect_err "FILE:NAME of no embedded object: exit 2" 2 "^$H: error: no embedded BPF object 'nope', expected one of om_names_bpf, om_extern_bpf" \
	"$M" rules init --object "$H:nope"
expect_rc "rules init FILE:NAME" 0 "$M" rules init --object "$H:om_extern_bpf" -o "$TMP/ext.yaml"
"$M" rules init --object "$X" -o "$TMP/ext-direct.yaml" 2>/dev/null
expect_eq "FILE:NAME drafts what the object itself drafts (but the path in the header)" \
	"$(grep -v '^#\|^app:' "$TMP/ext.yaml")" "$(grep -v '^#\|^app:' "$TMP/ext-direct.yaml")"
expect_rc "rules check FILE:NAME: clean" 0 "$M" rules check "$TMP/ext.yaml" --object "$H:om_extern_bpf"
expect_rc "report FILE:NAME" 0 "$M" report "$TMP/ext.yaml" --object "$H:om_extern_bpf" --baseline object --format json
expect_eq "report FILE:NAME: baselines from the embedded object" \
	"$(jqv '[.maps[] | "\(.name)=\(.baseline_max_entries)/\(.baseline_source)"] | join(" ")')" \
	"ext_seen=10240/object ext_events=65536/object"
expect_rc "rules init of the other one" 0 "$M" rules init --object "$H:om_names_bpf" -o "$TMP/names.yaml"
expect_eq "... has om_names' maps" "$(grep -c '^  [A-Za-z_.]*:$' "$TMP/names.yaml")" \
	"$("$M" rules init --object "$N" 2>/dev/null | grep -c '^  [A-Za-z_.]*:$')"
if [ "$(id -u)" -eq 0 ]; then
	expect_rc "verify --maps-only FILE:NAME: exit 0" 0 \
		"$M" verify "$TMP/ext.yaml" --object "$H:om_extern_bpf" --maps-only --format json
	expect_eq "verify --maps-only FILE:NAME: created by mapsize, 0 mismatches, memlock exact" \
		"$(jqv '"\(.maps_created_by) \(.mismatches) \([.maps[] | select(.predicted_memlock_bytes != .kernel_memlock_bytes)] | length)"')" \
		"mapsize 0 0"
else
	skip "verify --maps-only FILE:NAME" "needs root"
fi

expect_err "objects on a BPF object: exit 2" 2 "a BPF object itself" "$M" objects "$N"
expect_err "objects on a missing file: exit 2" 2 "error" "$M" objects "$TMP/nope"
expect_err "objects without FILE: exit 2" 2 "exactly one FILE" "$M" objects
expect_rc "objects --help" 0 "$M" objects --help

# the corpus: an executable embedding its skeleton
if tools/fetch-corpus.sh ${MAPSIZE_CORPUS_OFFLINE:+--offline} libbpf-tools >/dev/null 2>&1; then
	E=build/corpus/libbpf-tools/usr/sbin/execsnoop
	expect_rc "execsnoop: objects" 0 "$M" objects "$E" --format json
	expect_eq "execsnoop: one object, execsnoop_bpf" "$(jqv '[.objects[].name] | join(",")')" execsnoop_bpf
	expect_rc "execsnoop: used as it is" 0 "$M" rules init --object "$E" -o "$TMP/es.yaml"
	expect_eq "execsnoop: its maps" "$(grep -o '^  [a-z_]*:$' "$TMP/es.yaml" | tr -d ' :' | tr '\n' ' ')" "execs events "
	expect_eq "execsnoop: FILE:NAME the same" "$("$M" rules init --object "$E:execsnoop_bpf" 2>/dev/null | grep -v '^#\|^app:')" \
		"$(grep -v '^#\|^app:' "$TMP/es.yaml")"
else
	skip "execsnoop" "libbpf-tools could not be had (tools/fetch-corpus.sh)"
fi
finish
