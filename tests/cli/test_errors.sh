#!/usr/bin/env bash
# One test per class of bad input (issue 2, item 9): exit status 2, one
# "FILE:LINE:COL: error: ..." line on stderr pointing at the right place
# (or "error: ..." for command-line input), nothing on stdout, no crash.
. "$(dirname "$0")/lib.sh"

# bad NAME WHERE REGEX CMD...: exit 2 (never a signal), stdout empty, and
# stderr exactly one line "WHERE error: MESSAGE" with MESSAGE matching REGEX.
# WHERE is "FILE:LINE:COL:", "FILE:" or "" (command-line input: "error: ...").
bad() {
	local name=$1 prefix="${2:+$2 }error: " re=$3 line; shift 3
	run "$@"
	line=$(head -1 "$TMP/err")
	if [ "$rc" -ge 128 ]; then fail "$name" "crashed: status $rc; stderr: $(head -c 400 "$TMP/err")"
	elif [ "$rc" -ne 2 ]; then fail "$name" "exit $rc, expected 2; stderr: $(head -c 400 "$TMP/err")"
	elif [ -s "$TMP/out" ]; then fail "$name" "stdout not empty: $(head -c 200 "$TMP/out")"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then fail "$name" "expected one line on stderr: $(head -c 600 "$TMP/err")"
	elif [ "${line#"$prefix"}" == "$line" ]; then fail "$name" "stderr does not start with '$prefix': $line"
	elif ! grep -Eq -- "$re" <<<"${line#"$prefix"}"; then fail "$name" "stderr does not match /$re/: $line"
	else pass "$name"; fi
}

# A valid single-map rules file to pair with bad options.
GOOD=$TMP/good.yaml
printf 'app: t\nmaps:\n  m:\n    type: hash\n    key_size: 4\n    value_size: 4\n    max_entries: procs\n' >"$GOOD"

# rules FILE: write stdin to $TMP/FILE and print its path
rules() { cat >"$TMP/$1"; printf '%s' "$TMP/$1"; }

# ---- one test per class --------------------------------------------------------------

f=$(rules syntax.yaml <<'EOF'
app: t
maps:
  m:
    type: hash: 4
EOF
)
bad "YAML syntax error" "$f:4:15:" "invalid YAML: mapping values are not allowed" "$MAPSIZE" plan "$f"

f=$(rules wrong-type.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: {bytes: 4}
EOF
)
bad "wrong type" "$f:5:15:" "expected a number but found a mapping" "$MAPSIZE" plan "$f"

f=$(rules unknown-key.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4
    value_size: 4
    max_entires: 1024
EOF
)
bad "unknown key with a suggestion" "$f:7:5:" "unknown key 'max_entires' in map 'm' \(did you mean 'max_entries'\?\)" \
	"$MAPSIZE" plan "$f"

f=$(rules duplicate.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4
    value_size: 4
    key_size: 8
EOF
)
bad "duplicate key" "$f:7:5:" "duplicate key 'key_size' \(first at line 5, column 5\)" "$MAPSIZE" plan "$f"

f=$(rules negative.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4
    value_size: -8
EOF
)
bad "negative number" "$f:6:17:" "negative number '-8', expected a number >= 0" "$MAPSIZE" plan "$f"

f=$(rules out-of-range.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4294967296
EOF
)
bad "out-of-range number" "$f:5:15:" "number 4294967296 out of range, expected at most 4294967295" "$MAPSIZE" plan "$f"

f=$(rules empty.yaml </dev/null)
bad "empty file" "$f:1:1:" "empty rules file" "$MAPSIZE" plan "$f"

f=$(rules laughs.yaml <<'EOF'
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
app: t
EOF
)
bad "YAML anchors/aliases (billion laughs)" "$f:2:8:" "YAML alias '\*a' is not supported" "$MAPSIZE" plan "$f"

f=$TMP/nesting.yaml
head -c 10000 /dev/zero | tr '\0' '[' >"$f"
bad "absurd nesting" "$f:1:33:" "nesting deeper than 32 levels" "$MAPSIZE" plan "$f"

bad "unknown --map-size" "" "^unknown --map-size 'huge', expected small, medium or large$" \
	"$MAPSIZE" plan "$GOOD" --map-size=huge

bad "malformed --set" "" "^malformed --set 'procs', expected NAME=VALUE" "$MAPSIZE" plan "$GOOD" --set procs

bad "unknown map in --bpf-maps-disable-prealloc" "" \
	"^--bpf-maps-disable-prealloc: unknown map 'nope'; maps whose preallocation can toggle: m$" \
	"$MAPSIZE" plan "$GOOD" --bpf-maps-disable-prealloc=nope

bad "missing file" "$TMP/missing.yaml:" "^cannot open: No such file or directory$" "$MAPSIZE" plan "$TMP/missing.yaml"

# ---- more of the same classes, elsewhere -----------------------------------------------------

f=$(rules expr.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: "2 * procz"
EOF
)
bad "expression: unknown dimension, column inside the quotes" "$f:7:23:" \
	"map 'm': max_entries '2 \* procz': unknown dimension 'procz' \(did you mean 'procs'\?\)" "$MAPSIZE" plan "$f"

f=$(rules div.yaml <<'EOF'
app: t
maps:
  m:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: procs / (cpus - 8)
EOF
)
bad "expression: division by zero" "$f:7:24:" "division by zero" "$MAPSIZE" plan "$f" --map-size=medium

printf 'dimensions:\n  procs: -5\n' >"$TMP/neg-profile.yaml"
bad "negative number in a --profile file" "$TMP/neg-profile.yaml:2:10:" "negative number '-5'" \
	"$MAPSIZE" plan "$GOOD" --profile "$TMP/neg-profile.yaml"
printf 'dimensons:\n  procs: 5\n' >"$TMP/typo-profile.yaml"
bad "unknown key in a --profile file" "$TMP/typo-profile.yaml:1:1:" "did you mean 'dimensions'\?" \
	"$MAPSIZE" plan "$GOOD" --profile "$TMP/typo-profile.yaml"
bad "missing --profile file" "$TMP/nope.yaml:" "^cannot open" "$MAPSIZE" plan "$GOOD" --profile "$TMP/nope.yaml"
bad "--set of an unknown dimension" "" "^--set 'procz=5': unknown dimension 'procz' \(did you mean 'procs'\?\)" \
	"$MAPSIZE" plan "$GOOD" --set procz=5
bad "--set with a negative value" "" "^--set 'procs=-1': negative value" "$MAPSIZE" plan "$GOOD" --set procs=-1
bad "--set of an unknown map" "" "^--set 'maps.x.max_entries=5': unknown map 'x'" \
	"$MAPSIZE" plan "$GOOD" --set maps.x.max_entries=5

head -c 5000000 /dev/zero | tr '\0' '#' >"$TMP/huge.yaml"
bad "input too large" "$TMP/huge.yaml:" "file larger than 4194304 bytes" "$MAPSIZE" plan "$TMP/huge.yaml"
printf 'app: t\nmaps:\n  m\xc3\x28:\n' >"$TMP/utf8.yaml"
bad "invalid UTF-8: the line it is on" "$TMP/utf8.yaml:3:5:" "invalid YAML: invalid trailing UTF-8 octet" \
	"$MAPSIZE" plan "$TMP/utf8.yaml"
printf 'app: t\nmaps: \x01\n' >"$TMP/control.yaml"
bad "control character" "$TMP/control.yaml:2:7:" "invalid YAML: control characters are not allowed" \
	"$MAPSIZE" plan "$TMP/control.yaml"
head -c 3000 "$MAPSIZE" >"$TMP/binary.yaml"
bad "a binary (ELF) as rules" "$TMP/binary.yaml:1:1:" "invalid YAML" "$MAPSIZE" plan "$TMP/binary.yaml"
bad "a directory as the rules file" "$TMP:" "cannot read" "$MAPSIZE" plan "$TMP"

# every command reports the same way
f=$TMP/unknown-key.yaml
bad "gen-header: bad rules" "$f:7:5:" "did you mean 'max_entries'" "$MAPSIZE" gen-header "$f" -o "$TMP/x.h"
bad "maps: bad rules" "$f:7:5:" "did you mean 'max_entries'" "$MAPSIZE" maps "$f"


# ---- one command table, one --format parser (issue 16) ------------------------------------
expect_err "unknown command: the table's names" 2 \
	"^error: unknown command 'bogus', expected plan, gen-header, maps, verify, migrate, report, status, counters, recommend, rules, objects or profile \(see mapsize --help\)$" \
	"$MAPSIZE" bogus
expect_err "unknown rules command: the sub-table's names, same wording" 2 \
	"^error: unknown rules command 'bogus', expected init or check \(see mapsize rules --help\)$" \
	"$MAPSIZE" rules bogus
expect_rc "rules --help: exit 0" 0 "$MAPSIZE" rules --help
expect_eq "rules --help on stdout" "$(head -1 "$TMP/out" | cut -c1-25)" "Usage: mapsize rules init"
expect_rc "rules without a sub-command: usage, exit 2" 2 "$MAPSIZE" rules
for c in "plan examples/agent.rules.yaml" "maps examples/agent.rules.yaml" "report examples/agent.rules.yaml" \
	"rules check examples/agent.rules.yaml --object x.o"; do
	# shellcheck disable=SC2086
	expect_err "$c --format xml: the one message" 2 "^error: unknown --format 'xml', expected table or json$" \
		"$MAPSIZE" $c --format xml
done
expect_err "status --format xml: the one message, its formats" 2 \
	"^error: unknown --format 'xml', expected table, json or prometheus$" "$MAPSIZE" status --format xml
expect_err "profile --format xml: the one message, its formats" 2 \
	"^error: unknown --format 'xml', expected yaml or json$" "$MAPSIZE" profile --format xml
expect_eq "--format values compared in tools/common/format.c only" \
	"$(grep -lE 'strcmp\((optarg|arg), "(json|table|yaml|prometheus)"\)' tools/mapsize/*.c tools/common/*.c tools/demo/*.c | tr '\n' ' ')" ""
expect_eq "sub-commands dispatched by cmd_select() only" \
	"$(grep -lE 'strcmp\(argv\[1\], "(init|check|plan)"\)' tools/mapsize/*.c | tr '\n' ' ')" ""

finish
