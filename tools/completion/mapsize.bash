# bash completion for mapsize(8) and the demo agent mapsize-demo-agent   -*- shell-script -*-
# shellcheck shell=bash
#
# Completes commands, options, option values (sizes, true/false, formats,
# kernel eras), files (*.yaml for RULES and --profile, *.o for --object, *.h
# for -o), `rules init|check` with their options and, from the RULES already
# on the command line, map names for
# --bpf-maps-disable-prealloc / --bpf-maps-enable-prealloc (only the maps whose
# preallocation can toggle), map and dimension names for --set.  The maps and
# dimensions come from running `mapsize maps|plan RULES --format json`, parsed
# without jq.
#
# Self-contained: it does not need the bash-completion package (it works with
# it too).  Install as share/bash-completion/completions/mapsize, or source it.
#
# The helpers share the caller's locals (bash's dynamic scoping): words, cword,
# cur (the current word up to the cursor, with --opt=value rejoined whatever
# COMP_WORDBREAKS holds) and cut (how much of cur readline does not replace).

_mapsize_plan_opts=('--map-size=' --profile --set '--bpf-maps-prealloc=' '--bpf-maps-disable-prealloc='
		    '--bpf-maps-enable-prealloc=' --kernel --format --btf --kernel-era --budget --help)
_mapsize_dims_static=(nodes cpus memory procs pods containers workloads policies cidrs)

# Rejoin the words that COMP_WORDBREAKS split (--opt=value, a:b): words that
# touch in COMP_LINE are one word.  Sets words, cword, cur and cut.
_mapsize_init()
{
	local line=${COMP_LINE-} point=${COMP_POINT-} pos=0 start=0 i w rest gap wb scan k

	if [[ -z $line ]]; then
		line="${COMP_WORDS[*]}"
		point=${#line}
	fi
	[[ -z $point ]] && point=${#line}
	words=() cword=0 cur=''
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		rest=${line:pos}
		gap=${rest%%[![:space:]]*}
		gap=${#gap}
		pos=$((pos + gap))
		if ((i > 0 && gap == 0)); then
			words[${#words[@]} - 1]+=$w
		else
			words+=("$w")
			start=$pos
		fi
		pos=$((pos + ${#w}))
		if ((i == COMP_CWORD)); then
			cword=$((${#words[@]} - 1))
			if ((point >= start && point < pos)); then
				cur=${line:start:point-start}
			else
				cur=${words[cword]}
			fi
		fi
	done
	# readline replaces only what follows the last word-break character
	# (outside quotes): every reply drops the first $cut characters.
	wb=${COMP_WORDBREAKS-}
	wb=${wb//[[:space:]\"\']/}
	scan=${cur%%[\"\']*}
	cut=0
	for ((k = 0; k < ${#scan}; k++)); do
		[[ -n $wb && $wb == *"${scan:k:1}"* ]] && cut=$((k + 1))
	done
	return 0
}

# _mapsize_add PREFIX VALUE CANDIDATE...: reply PREFIX+CANDIDATE for the
# candidates that start with VALUE (PREFIX + VALUE is cur).
_mapsize_add()
{
	local pre=$1 val=$2 c full
	shift 2
	for c; do
		[[ $c == "$val"* ]] || continue
		full=$pre$c
		COMPREPLY+=("${full:cut}")
	done
}

# Remove one level of quoting from a word: 'a b', "a b", a\ b, ~/x.
_mapsize_dequote()
{
	local v=$1
	case $v in
	\'*) v=${v#\'}; v=${v%\'} ;;
	\"*) v=${v#\"}; v=${v%\"} ;;
	*) v=${v//\\/} ;;
	esac
	[[ $v == \~/* ]] && v=$HOME/${v#\~/}
	printf '%s' "$v"
}

# _mapsize_files PREFIX VALUE [EXT...]: directories and the files ending in
# .EXT (any file without EXT).
_mapsize_files()
{
	local pre=$1 val=$2 f d e ok
	shift 2
	case $val in
	\'*) val=${val#\'}; val=${val%\'} ;;
	\"*) val=${val#\"}; val=${val%\"} ;;
	*) val=${val//\\/} ;;
	esac
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		d=$f
		[[ $d == \~/* ]] && d=$HOME/${d#\~/}
		ok=$(($# == 0))
		[[ -d $d ]] && ok=1
		for e; do
			[[ $f == *."$e" ]] && ok=1
		done
		((ok)) && _mapsize_add "$pre" "" "$f"
	done < <(compgen -f -- "$val" 2>/dev/null)
}

# Run a mapsize command for its JSON (stdout); nothing on failure.
_mapsize_run()
{
	if command -v timeout >/dev/null 2>&1; then
		timeout 5 "$@" 2>/dev/null
	else
		"$@" 2>/dev/null
	fi
}

# Split JSON into one token per line: jansson's indented output already is,
# this also copes with compact output.
_mapsize_json_lines()
{
	local s=$1
	s=${s//,/$'\n'}
	s=${s//\{/$'\n{\n'}
	s=${s//\}/$'\n}\n'}
	printf '%s\n' "$s"
}

# _mapsize_maps all|toggle: the map names of $rules, from `$bin maps RULES
# --format json` ("toggle": only those with "prealloc_toggle": true).  Falls
# back on the toggle list of the demo agent's --help ($agent) when there is no
# mapsize to run.
_mapsize_maps()
{
	local which=$1 out line name='' toggle='' re_name re_toggle
	re_name='^[[:space:]]*"name"[[:space:]]*:[[:space:]]*"([^"]*)"'
	re_toggle='^[[:space:]]*"prealloc_toggle"[[:space:]]*:[[:space:]]*(true|false)'
	[[ -n ${rules-} ]] || return 0
	if [[ -n ${bin-} ]]; then
		out=$(_mapsize_run "$bin" maps "$rules" --format json)
		while IFS= read -r line; do
			if [[ $line =~ $re_name ]]; then
				name=${BASH_REMATCH[1]}
			elif [[ $line =~ $re_toggle ]]; then
				toggle=${BASH_REMATCH[1]}
			elif [[ $line == *\}* ]]; then
				if [[ -n $name && ($which == all || $toggle == true) ]]; then
					printf '%s\n' "$name"
				fi
				name='' toggle=''
			fi
		done < <(_mapsize_json_lines "$out")
	elif [[ -n ${agent-} ]]; then
		# "Maps whose preallocation can toggle (...):" then "  NAME  TYPE ..."
		_mapsize_run "$agent" --rules "$rules" --help |
			sed -n '/^Maps whose preallocation can toggle/,/^[^ ]/s/^  \([A-Za-z0-9_.][A-Za-z0-9_.]*\) .*/\1/p'
	fi
}

# Dimension names: the keys of `$bin plan RULES --format json` .dimensions
# (with the --profile files on the line), else the built-in list.
_mapsize_dims()
{
	local out line in=0 p args=() re='^[[:space:]]*"([a-z0-9_]+)"[[:space:]]*:' found=0

	if [[ -n ${bin-} && -n ${rules-} ]]; then
		for p in "${profiles[@]}"; do
			args+=(--profile "$p")
		done
		out=$(_mapsize_run "$bin" plan "$rules" "${args[@]}" --format json) ||
			out=$(_mapsize_run "$bin" plan "$rules" --format json)
		while IFS= read -r line; do
			if [[ $line == *'"dimensions"'* ]]; then
				in=1
			elif ((in == 1)) && [[ $line == *\{* ]]; then
				in=2
			elif ((in == 2)) && [[ $line == *\}* ]]; then
				break
			elif ((in == 2)) && [[ $line =~ $re ]]; then
				printf '%s\n' "${BASH_REMATCH[1]}"
				found=1
			fi
		done < <(_mapsize_json_lines "$out")
	fi
	((found)) || printf '%s\n' "${_mapsize_dims_static[@]}"
}

# --set NAME=VALUE: dimension names, maps.MAP., maps.MAP.max_entries=,
# maps.MAP.prealloc= (toggling maps only), true|false|auto.
_mapsize_set()
{
	local pre=$1 val=$2 m p cands=() toggles=" "

	case $val in
	maps.*.prealloc=*)
		_mapsize_add "$pre${val%%=*}=" "${val#*=}" true false auto
		return
		;;
	*=*)
		return
		;;
	maps.*)
		while IFS= read -r m; do
			toggles+="$m "
		done < <(_mapsize_maps toggle)
		while IFS= read -r m; do
			p=maps.$m.
			if [[ $val == "$p"* ]]; then
				cands+=("${p}max_entries=")
				[[ $toggles == *" $m "* ]] && cands+=("${p}prealloc=")
			else
				cands+=("$p")
			fi
		done < <(_mapsize_maps all)
		;;
	*)
		while IFS= read -r m; do
			cands+=("$m=")
		done < <(_mapsize_dims)
		cands+=(maps.)
		;;
	esac
	_mapsize_add "$pre" "$val" "${cands[@]}"
	compopt -o nospace 2>/dev/null
}

# a,b,c of map names whose preallocation can toggle, without those listed.
_mapsize_map_list()
{
	local pre=$1 val=$2 head last m cands=()

	head=''
	[[ $val == *,* ]] && head=${val%,*},
	last=${val##*,}
	while IFS= read -r m; do
		[[ ",$head" == *",$m,"* ]] || cands+=("$m")
	done < <(_mapsize_maps toggle)
	_mapsize_add "$pre$head" "$last" "${cands[@]}"
}

# _mapsize_value OPTION PREFIX VALUE: complete the argument of OPTION.
_mapsize_value()
{
	local opt=$1 pre=$2 val=$3

	case $opt in
	--map-size) _mapsize_add "$pre" "$val" small medium large ;;
	--profile | --rules) _mapsize_files "$pre" "$val" yaml yml ;;
	--set) _mapsize_set "$pre" "$val" ;;
	--bpf-maps-prealloc) _mapsize_add "$pre" "$val" true false ;;
	--bpf-maps-disable-prealloc | --bpf-maps-enable-prealloc) _mapsize_map_list "$pre" "$val" ;;
	--kernel) _mapsize_add "$pre" "$val" "$(uname -r 2>/dev/null)" ;;
	--format) _mapsize_add "$pre" "$val" table json ;;
	--kernel-era) _mapsize_add "$pre" "$val" mem_usage pages rlimit ;;
	--budget) _mapsize_add "$pre" "$val" 256Mi 1Gi 10% 25% ;;
	--btf)
		[[ -r /sys/kernel/btf/vmlinux ]] && _mapsize_add "$pre" "$val" /sys/kernel/btf/vmlinux
		_mapsize_files "$pre" "$val"
		;;
	--output | -o)
		if [[ ${cmd-} == plan ]]; then _mapsize_files "$pre" "$val" json txt; else _mapsize_files "$pre" "$val" h; fi
		;;
	--object | -O) _mapsize_files "$pre" "$val" o ;;
	--svg) _mapsize_files "$pre" "$val" svg ;;
	--pin-root) _mapsize_files "$pre" "$val" ;;
	esac
	return 0
}

# _mapsize_options REPEATABLE OPTION...: the options not on the line yet
# (REPEATABLE: space-separated ones that may be given again).
_mapsize_options()
{
	local repeatable=" $1 " o cands=()
	shift
	for o; do
		if [[ $seen == *" ${o%=} "* && $repeatable != *" ${o%=} "* ]]; then
			continue
		fi
		cands+=("$o")
	done
	_mapsize_add "" "$cur" "${cands[@]}"
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	return 0
}

# Walk words[first..]: the options seen, the RULES positional (when $positional),
# the --profile files, and the option whose argument the current word is.
# $1: long options taking an argument, $2: short options taking one, $3:
# first word index.  Sets seen, rules, profiles, value_opt.
_mapsize_scan()
{
	local long_arg=" $1 " short_arg=$2 i w expect='' k c dashdash=''

	for ((i = $3; i < ${#words[@]}; i++)); do
		w=${words[i]}
		if [[ -n $expect ]]; then
			if ((i == cword)); then
				value_opt=$expect
			elif [[ $expect == --profile ]]; then
				profiles+=("$(_mapsize_dequote "$w")")
			elif [[ $expect == --rules ]]; then
				rules=$(_mapsize_dequote "$w")
			fi
			expect=''
			continue
		fi
		((i == cword)) && continue
		if [[ -n $dashdash ]]; then
			[[ -z $rules && -n $positional ]] && rules=$(_mapsize_dequote "$w")
			continue
		fi
		case $w in
		--)
			dashdash=1
			;;
		--*=*)
			seen+="${w%%=*} "
			case ${w%%=*} in
			--profile) profiles+=("$(_mapsize_dequote "${w#*=}")") ;;
			--rules) rules=$(_mapsize_dequote "${w#*=}") ;;
			esac
			;;
		--?*)
			seen+="$w "
			[[ $long_arg == *" $w "* ]] && expect=$w
			;;
		-?*)
			for ((k = 1; k < ${#w}; k++)); do
				c=${w:k:1}
				seen+="-$c "
				if [[ $short_arg == *"$c"* ]]; then
					((k == ${#w} - 1)) && expect=-$c
					break
				fi
			done
			;;
		*)
			[[ -z $rules && -n $positional ]] && rules=$(_mapsize_dequote "$w")
			;;
		esac
	done
	return 0
}

# mapsize status [OPTIONS]: no RULES argument (--rules takes one); the
# values of its own options.
_mapsize_status()
{
	local prev='' opt val pre=''

	((cword > 0)) && prev=${words[cword - 1]}
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=} pre=$opt=
	elif [[ $prev == --* ]]; then
		opt=$prev val=$cur
	fi
	case ${opt-} in
	--format) _mapsize_add "$pre" "$val" table json prometheus; return 0 ;;
	--count-method) _mapsize_add "$pre" "$val" auto kfunc memlock batch iterate none; return 0 ;;
	--fail-on) _mapsize_add "$pre" "$val" warn crit; return 0 ;;
	--map-size) _mapsize_add "$pre" "$val" small medium large; return 0 ;;
	--rules | --profile) _mapsize_files "$pre" "$val" yaml yml; return 0 ;;
	--pinned | --textfile | --btf | --counters-pin | --record) _mapsize_files "$pre" "$val"; return 0 ;;
	--name | --id | --pid | --warn | --crit | --watch | --rounds | --max-walk | --set | --kernel | \
		--kernel-era | --bpf-maps-* | --record-max-bytes) return 0 ;;
	esac
	[[ $cur == -* || -z $cur ]] && _mapsize_add "" "$cur" --name --id --pid --pinned --format --warn --crit \
		--fail-on --count-method --max-walk --watch --rounds --textfile --no-pids --rules --map-size \
		--profile --set --kernel-counters --counters-pin --record --record-max-bytes --help
	return 0
}

# mapsize counters attach|detach [--pin DIR]
_mapsize_counters()
{
	if ((cword == 2)); then
		_mapsize_add "" "$cur" attach detach
	elif [[ ${words[cword - 1]} == --pin ]]; then
		_mapsize_files "" "$cur"
	else
		_mapsize_add "" "$cur" --pin --help
	fi
	return 0
}

# mapsize rules init|check: the subcommand, then its options; check takes a
# RULES file, init writes one with -o.
_mapsize_rules()
{
	local prev='' opt val pre='' sub i w seen=" " rules_seen='' expect=''

	if ((cword == 2)); then
		_mapsize_add "" "$cur" init check
		return 0
	fi
	sub=${words[2]}
	((cword > 0)) && prev=${words[cword - 1]}
	for ((i = 3; i < cword; i++)); do
		w=${words[i]}
		if [[ -n $expect ]]; then
			expect=''
			continue
		fi
		case $w in
		--*=*) seen+="${w%%=*} " ;;
		-o) seen+="--output "; expect=1 ;;
		-O) seen+="--object "; expect=1 ;;
		--object | --output | --app | --format | --unmanaged) seen+="$w "; expect=1 ;;
		-*) seen+="$w " ;;
		*) rules_seen=1 ;;
		esac
	done
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=} pre=$opt=
	elif [[ -n $expect ]]; then
		opt=$prev val=$cur
	fi
	case ${opt-} in
	--object | -O) _mapsize_files "$pre" "$val" o; return 0 ;;
	--output | -o) [[ $sub == init ]] && _mapsize_files "$pre" "$val" yaml yml; return 0 ;;
	--format) [[ $sub == check ]] && _mapsize_add "$pre" "$val" table json; return 0 ;;
	--unmanaged) [[ $sub == check ]] && _mapsize_add "$pre" "$val" ok warn error; return 0 ;;
	--app) return 0 ;;
	esac
	local cands=(--object --help)
	case $sub in
	init) cands+=(--output --app) ;;
	check) cands+=(--format --unmanaged) ;;
	*) return 0 ;;
	esac
	if [[ $sub == check && -z $rules_seen && $cur != -* ]]; then
		_mapsize_files "" "$cur" yaml yml
		return 0
	fi
	if [[ $cur == -* || -z $cur ]]; then
		_mapsize_options "--object" "${cands[@]}"
	fi
	return 0
}

# mapsize profile --from-kubernetes NODES.json PODS.json [options]: kubectl's
# JSON files as positionals, the profile YAML for -o.
_mapsize_profile()
{
	local seen=" " rules='' profiles=() value_opt='' positional='' opt='' pre='' val=$cur

	_mapsize_scan "--base --name --percentile --format --output" o 2
	if [[ -n $value_opt ]]; then
		opt=$value_opt
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} pre=$opt= val=${cur#*=}
	fi
	case $opt in
	--base) _mapsize_add "$pre" "$val" small medium large ;;
	--format) _mapsize_add "$pre" "$val" yaml json ;;
	--output | -o) _mapsize_files "$pre" "$val" yaml yml ;;
	--name | --percentile) ;;
	*)
		if [[ $cur == -* ]]; then
			_mapsize_options "" --from-kubernetes --base --name --percentile --format --output --help
		else
			_mapsize_files "" "$cur" json
		fi
		;;
	esac
	return 0
}

# mapsize recommend --rules RULES (--records FILE... | --prometheus URL) [...]:
# records are JSON Lines files of any name.
_mapsize_recommend()
{
	local seen=" " rules='' profiles=() value_opt='' positional='' opt='' pre='' val=$cur

	local long_arg="--rules --records --prometheus --window --headroom --percentile --node --output --format
		--bearer-token-file --ca-file --timeout --node-label --map-size --profile --set --kernel --budget"

	_mapsize_scan "${long_arg//[[:space:]]/ }" o 2
	if [[ -n $value_opt ]]; then
		opt=$value_opt
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} pre=$opt= val=${cur#*=}
	fi
	case $opt in
	--rules | --profile | --output | -o) _mapsize_files "$pre" "$val" yaml yml ;;
	--records | --bearer-token-file | --ca-file) _mapsize_files "$pre" "$val" ;;
	--format) _mapsize_add "$pre" "$val" table json ;;
	--map-size) _mapsize_add "$pre" "$val" small medium large ;;
	--prometheus | --window | --headroom | --percentile | --node | --timeout | --node-label | --set | \
		--kernel | --budget) ;;
	*)
		if [[ $cur == -* ]]; then
			_mapsize_options "" --rules --records --prometheus --window --headroom --percentile --node \
				--output --format --bearer-token-file --ca-file --timeout --node-label --map-size \
				--profile --set --kernel --budget --help
		else
			_mapsize_files "" "$cur"
		fi
		;;
	esac
	return 0
}

# mapsize objects FILE [--format table|json]: any file (an executable or
# shared library embedding BPF objects).
_mapsize_objects()
{
	local seen=" " rules='' profiles=() value_opt='' positional='' opt='' pre='' val=$cur

	_mapsize_scan "--format" "" 2
	if [[ -n $value_opt ]]; then
		opt=$value_opt
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} pre=$opt= val=${cur#*=}
	fi
	case $opt in
	--format) _mapsize_add "$pre" "$val" table json ;;
	*)
		if [[ $cur == -* ]]; then
			_mapsize_options "" --format --help
		else
			_mapsize_files "" "$cur"
		fi
		;;
	esac
	return 0
}

_mapsize()
{
	local words=() cword=0 cur='' cut=0 cmd bin rules='' profiles=() value_opt='' seen=" "
	local positional=1 long_arg short_arg='' extra=() repeatable
	local commands=(plan gen-header maps verify migrate report status counters recommend rules objects profile)

	COMPREPLY=()
	_mapsize_init
	bin=$(_mapsize_dequote "${words[0]}")

	if ((cword == 1)); then
		case $cur in
		-*) _mapsize_add "" "$cur" --help --version ;;
		*) _mapsize_add "" "$cur" "${commands[@]}" ;;
		esac
		return 0
	fi
	cmd=${words[1]}
	case $cmd in
	maps) ;;
	plan) extra=(--output --node-local --pod-memory --object --pin-root) short_arg=o ;;
	gen-header) extra=(--output) short_arg=o ;;
	verify) extra=(--object --strict --verbose --maps-only --skip-program --pin-root) short_arg=O ;;
	migrate) extra=(--object --pin-root --dry-run --finish --min-change) short_arg=O ;;
	report) extra=(--object --svg) short_arg=O ;;
	status) _mapsize_status; return 0 ;;
	rules) _mapsize_rules; return 0 ;;
	counters) _mapsize_counters; return 0 ;;
	profile) _mapsize_profile; return 0 ;;
	recommend) _mapsize_recommend; return 0 ;;
	objects) _mapsize_objects; return 0 ;;
	*) return 0 ;;
	esac
	long_arg="--map-size --profile --set --bpf-maps-prealloc --bpf-maps-disable-prealloc
		  --bpf-maps-enable-prealloc --kernel --format --btf --kernel-era --output --object --svg
		  --skip-program --budget --pin-root --min-change"
	long_arg=${long_arg//[[:space:]]/ }
	repeatable="--profile --set --bpf-maps-disable-prealloc --bpf-maps-enable-prealloc --skip-program"
	_mapsize_scan "$long_arg" "$short_arg" 2

	if [[ -n $value_opt ]]; then
		_mapsize_value "$value_opt" "" "$cur"
	elif [[ $cur == --*=* ]]; then
		_mapsize_value "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
	elif [[ -n $short_arg && $cur == -"$short_arg"?* ]]; then
		_mapsize_value "-$short_arg" "-$short_arg" "${cur:2}"
	elif [[ $cur == -* || (-n $rules && -z $cur) ]]; then
		local opts=("${_mapsize_plan_opts[@]}")
		# report always shows small, medium and large
		[[ $cmd == report ]] && opts=("${opts[@]:1}")
		_mapsize_options "$repeatable" "${opts[@]}" "${extra[@]}"
	elif [[ -z $rules ]]; then
		_mapsize_files "" "$cur" yaml yml
	fi
	return 0
}

# mapsize-demo-agent [OPTIONS]: the plan options plus its own; the maps come
# from --rules, else the default its --help names, listed by the mapsize next
# to it (build/demo/../mapsize) or on PATH, else by its own --help.
_mapsize_demo_agent()
{
	local words=() cword=0 cur='' cut=0 agent bin='' rules='' profiles=() value_opt='' seen=" "
	local positional='' long_arg repeatable

	COMPREPLY=()
	_mapsize_init
	agent=$(_mapsize_dequote "${words[0]}")
	long_arg="--map-size --profile --set --bpf-maps-prealloc --bpf-maps-disable-prealloc
		  --bpf-maps-enable-prealloc --kernel --format --btf --kernel-era --rules --policies --run --fill
		  --budget --cgroups --churn"
	long_arg=${long_arg//[[:space:]]/ }
	repeatable="--profile --set --bpf-maps-disable-prealloc --bpf-maps-enable-prealloc --verbose --fill"
	_mapsize_scan "$long_arg" "" 1

	if [[ -n $value_opt || $cur == --*=* ]]; then
		case ${value_opt:-${cur%%=*}} in
		--set | --bpf-maps-disable-prealloc | --bpf-maps-enable-prealloc)
			if [[ -z $rules ]]; then
				rules=$(_mapsize_run "$agent" --help |
					sed -n 's/^ *--rules FILE .*(default: \(.*\))$/\1/p')
			fi
			if [[ $agent == */* && -x ${agent%/*}/../mapsize ]]; then
				bin=${agent%/*}/../mapsize
			elif command -v mapsize >/dev/null 2>&1; then
				bin=mapsize
			fi
			;;
		esac
		if [[ -n $value_opt ]]; then
			_mapsize_value "$value_opt" "" "$cur"
		else
			_mapsize_value "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
		fi
	elif [[ $cur == -* || -z $cur ]]; then
		_mapsize_options "$repeatable" "${_mapsize_plan_opts[@]}" --rules --policies --run \
			--no-attach --fill --verbose --cgroups --churn
	fi
	return 0
}

complete -F _mapsize mapsize
complete -F _mapsize_demo_agent mapsize-demo-agent
