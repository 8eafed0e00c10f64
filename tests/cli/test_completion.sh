#!/usr/bin/env bash
# Bash completion (tools/completion/mapsize.bash): the completion functions are
# driven as bash drives them (COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD,
# COMP_LINE, COMP_POINT) and COMPREPLY is checked, with the maps and dimensions
# of examples/agent.rules.yaml taken from mapsize's own JSON.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../tools/completion/mapsize.bash
. tools/completion/mapsize.bash

RULES=examples/agent.rules.yaml
AGENT=$PWD/$O/demo/mapsize-demo-agent
DEFAULT_BREAKS=$' \t\n"\'><=;|&(:'

# compopt only works inside a real completion: record what is asked for.
compopt() { _compopt+=" $*"; }

# _split TEXT: words as bash splits them, in $_w (whitespace, then runs of
# the = and : in COMP_WORDBREAKS as words of their own).
_split() {
	local tok brk='' re
	_w=()
	[[ $COMP_WORDBREAKS == *=* ]] && brk+='='
	[[ $COMP_WORDBREAKS == *:* ]] && brk+=':'
	set -f
	# shellcheck disable=SC2086 # split on whitespace, globbing off
	for tok in $1; do
		if [ -z "$brk" ]; then
			_w+=("$tok")
			continue
		fi
		re="^([^$brk]*)([$brk]+)(.*)$"
		while [[ $tok =~ $re ]]; do
			[ -n "${BASH_REMATCH[1]}" ] && _w+=("${BASH_REMATCH[1]}")
			_w+=("${BASH_REMATCH[2]}")
			tok=${BASH_REMATCH[3]}
		done
		[ -n "$tok" ] && _w+=("$tok")
	done
	set +f
}

# comp FUNC LEFT [RIGHT]: complete with the cursor between LEFT and RIGHT (RIGHT
# starts with a blank); the sorted replies, space-separated, in $got.
comp() {
	local fn=$1 left=$2 right=${3-}
	_split "$left"
	[[ $left == *[[:space:]] ]] && _w+=("")
	COMP_CWORD=$((${#_w[@]} - 1))
	COMP_WORDS=("${_w[@]}")
	if [ -n "$right" ]; then
		_split "$right"
		COMP_WORDS+=("${_w[@]}")
	fi
	COMP_LINE=$left$right
	COMP_POINT=${#left}
	COMPREPLY=()
	_compopt=''
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]-}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | LC_ALL=C sort | paste -sd' ' -)
}

# check NAME EXPECTED FUNC LEFT [RIGHT]
check() {
	local name=$1 want=$2
	shift 2
	comp "$@"
	expect_eq "$name" "$got" "$want"
}

sorted() { LC_ALL=C sort | paste -sd' ' -; }

COMP_WORDBREAKS=$DEFAULT_BREAKS
M=$MAPSIZE

check "commands" "counters gen-header maps migrate objects plan profile recommend report rules status verify" _mapsize "$M "
check "migrate options" "--finish --format" _mapsize "$M migrate $RULES --f"
check "command prefix" "gen-header" _mapsize "$M g"
check "top-level options" "--help --version" _mapsize "$M --"
check "RULES: yaml files" "examples/agent.rules.yaml" _mapsize "$M plan examples/a"
check "--map-size= values" "large medium small" _mapsize "$M plan $RULES --map-size="
check "--map-size=m" "medium" _mapsize "$M plan $RULES --map-size=m"
check "--map-size VALUE (separate word)" "large medium small" _mapsize "$M maps $RULES --map-size "
check "--format values" "json table" _mapsize "$M plan $RULES --format "
check "--kernel-era= values" "mem_usage pages rlimit" _mapsize "$M plan $RULES --kernel-era="
check "--bpf-maps-prealloc= values" "false true" _mapsize "$M plan $RULES --bpf-maps-prealloc="

comp _mapsize "$M plan $RULES --bpf"
expect_eq "options: --bpf prefix" "$got" \
	"--bpf-maps-disable-prealloc= --bpf-maps-enable-prealloc= --bpf-maps-prealloc="
comp _mapsize "$M plan $RULES --bpf-maps-p"
expect_eq "option ending in = gets no space" "$got|$_compopt" "--bpf-maps-prealloc=| -o nospace"
check "verify options" "--strict" _mapsize "$M verify $RULES --st"
check "options already given are not offered again" "" _mapsize "$M plan $RULES --format json --form"
check "repeatable options are" "--profile" _mapsize "$M plan $RULES --profile a.yaml --prof"
check "report takes no --map-size" "" _mapsize "$M report $RULES --map"
check "status --format values" "json prometheus table" _mapsize "$M status --format "
check "status --count-method= values" "memlock" _mapsize "$M status --count-method=m"
check "status --fail-on values" "crit warn" _mapsize "$M status --fail-on "
check "status options" "--warn --watch" _mapsize "$M status --wa"
check "status --record options" "--record --record-max-bytes" _mapsize "$M status --reco"
check "status --rules: yaml files" "examples/agent.rules.yaml" _mapsize "$M status --rules examples/a"
check "plan --node-local" "--node-local" _mapsize "$M plan $RULES --node"
check "recommend options" "--records" _mapsize "$M recommend --rules $RULES --reco"
check "recommend --format values" "json table" _mapsize "$M recommend --format "
check "recommend --rules: yaml files" "examples/agent.rules.yaml" _mapsize "$M recommend --rules examples/a"
check "plan --pod-memory" "--pod-memory" _mapsize "$M plan $RULES --pod"
check "profile options" "--from-kubernetes" _mapsize "$M profile --fr"
check "profile options given once" "--percentile" _mapsize "$M profile --from-kubernetes --p"
check "profile --base values" "large medium small" _mapsize "$M profile --from-kubernetes --base "
check "profile --format values" "json yaml" _mapsize "$M profile --format="
check "profile NODES.json: json files" "tests/data/kubernetes/nodes.json" _mapsize "$M profile --from-kubernetes tests/data/kubernetes/n"
check "rules: init and check" "check init" _mapsize "$M rules "
check "rules i" "init" _mapsize "$M rules i"
check "rules init options" "--app --help --object --output" _mapsize "$M rules init -"
check "rules check options" "--format --help --object --unmanaged" _mapsize "$M rules check $RULES -"
check "rules check --unmanaged values" "error ok warn" _mapsize "$M rules check $RULES --unmanaged "
check "rules check: RULES yaml files" "examples/agent.rules.yaml" _mapsize "$M rules check examples/a"
check "rules check --format values" "json table" _mapsize "$M rules check $RULES --format "
check "rules init: --output given is not offered again" "--object" _mapsize "$M rules init -o x.yaml --o"
check "rules init: --object repeatable" "--object" _mapsize "$M rules init --object a.o --obj"

# Map names come from `mapsize maps RULES --format json`.
if command -v jq >/dev/null; then
	toggles=$("$M" maps "$RULES" --format json | jq -r '.maps[] | select(.prealloc_toggle) | .name' | sorted)
	mapfile -t all_maps < <("$M" maps "$RULES" --format json | jq -r '.maps[].name')
	mapfile -t dims < <("$M" plan "$RULES" --format json | jq -r '.dimensions | keys[]')
else
	toggles=''
fi
if [ -z "$toggles" ]; then
	skip "map and dimension names" "jq or $M maps --format json unavailable"
else
	check "--bpf-maps-disable-prealloc=: exactly the toggleable maps" "$toggles" \
		_mapsize "$M plan $RULES --bpf-maps-disable-prealloc="
	want=$(tr ' ' '\n' <<<"$toggles" | grep -vx execve_map | sed 's/^/execve_map,/' | sorted)
	check "--bpf-maps-enable-prealloc=a,: the others after the comma" "$want" \
		_mapsize "$M plan $RULES --bpf-maps-enable-prealloc=execve_map,"
	check "map list with RULES after the cursor" "override_tasks" \
		_mapsize "$M plan --bpf-maps-disable-prealloc=over" " $RULES --format json"
	comp _mapsize "$M plan $RULES --set maps."
	expect_eq "--set maps.: every map" "$got" "$(printf 'maps.%s.\n' "${all_maps[@]}" | sorted)"
	expect_eq "--set maps.: no space after" "$_compopt" " -o nospace"
	check "--set maps.MAP.: its fields" "maps.execve_map.max_entries= maps.execve_map.prealloc=" \
		_mapsize "$M plan $RULES --set maps.execve_map."
	check "--set maps.MAP.: no prealloc= for a map that cannot toggle" \
		"maps.tg_conf_map.max_entries=" _mapsize "$M plan $RULES --set maps.tg_conf_map."
	check "--set maps.MAP.prealloc= values" "auto false true" \
		_mapsize "$M plan $RULES --set maps.execve_map.prealloc="
	check "--set: dimensions of the plan, and maps." "$(printf '%s\n' "${dims[@]/%/=}" maps. | sorted)" \
		_mapsize "$M gen-header $RULES -o x.h --set "
fi
check "--set without RULES: the built-in dimensions" \
	"cidrs= containers= cpus= maps. memory= nodes= pods= policies= procs= workloads=" _mapsize "$M plan --set "

# Files.
mkdir -p "$TMP/f/sub"
touch "$TMP/f/a.bpf.o" "$TMP/f/b.h" "$TMP/f/c.yaml" "$TMP/f/d.yml" "$TMP/f/e.txt"
comp _mapsize "$M verify $RULES --object $TMP/f/"
expect_eq "--object: *.o and directories" "$got" "$TMP/f/a.bpf.o $TMP/f/sub"
expect_eq "--object: completes file names" "$_compopt" " -o filenames"
check "--object=: *.o" "$TMP/f/a.bpf.o $TMP/f/sub" _mapsize "$M report $RULES --object=$TMP/f/"
check "rules init --object: *.o" "$TMP/f/a.bpf.o $TMP/f/sub" _mapsize "$M rules init --object $TMP/f/"
check "rules init -o: *.yaml" "$TMP/f/c.yaml $TMP/f/d.yml $TMP/f/sub" _mapsize "$M rules init --object a.o -o $TMP/f/"
check "gen-header -o: *.h" "$TMP/f/b.h $TMP/f/sub" _mapsize "$M gen-header $RULES -o $TMP/f/"
check "--profile: *.yaml" "$TMP/f/c.yaml $TMP/f/d.yml $TMP/f/sub" _mapsize "$M plan $RULES --profile $TMP/f/"
check "RULES in a directory" "$TMP/f/c.yaml $TMP/f/d.yml $TMP/f/sub" _mapsize "$M maps $TMP/f/"

# '=' not in COMP_WORDBREAKS: --opt=value is one word and replaced whole.
COMP_WORDBREAKS=${DEFAULT_BREAKS//=/}
check "no = in COMP_WORDBREAKS" "--map-size=small" _mapsize "$M plan $RULES --map-size=s"
COMP_WORDBREAKS=$DEFAULT_BREAKS

# The demo agent.
if [ -x "$AGENT" ]; then
	check "agent options" "--rules --run" _mapsize_demo_agent "$AGENT --r"
	check "agent --rules: yaml files" "$TMP/f/c.yaml $TMP/f/d.yml $TMP/f/sub" \
		_mapsize_demo_agent "$AGENT --rules $TMP/f/"
	if [ -n "$toggles" ]; then
		check "agent: toggleable maps of its default rules" "$toggles" \
			_mapsize_demo_agent "$AGENT --policies 2 --bpf-maps-disable-prealloc="
		# Without a mapsize to run, the agent's --help lists them.
		mkdir -p "$TMP/bin"
		ln -s "$AGENT" "$TMP/bin/mapsize-demo-agent"
		PATH=/usr/bin:/bin check "agent: toggleable maps from its --help" "$toggles" \
			_mapsize_demo_agent "$TMP/bin/mapsize-demo-agent --rules $RULES --bpf-maps-enable-prealloc "
	fi
else
	skip "demo agent" "$AGENT not built"
fi
finish
