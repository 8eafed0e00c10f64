#!/usr/bin/env bash
# The house rules, checked: src/core/ is pure computation (no libbpf or kernel
# header, no file or terminal I/O), and no source file outside tests/ grows
# past the size a newcomer can read.  Prints one line per violation
# (file:line: what is wrong) and exits 1 if there is any.
#   tools/check-layout.sh [ROOT]      ROOT defaults to the repository
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
max_lines=${MAPSIZE_MAX_LINES:-850}
bad=0

# Comments and string literals are not code: strip them before matching so a
# comment that says "we never call fopen()" is not a violation.
strip() {
	sed -e 's://.*$::' -e 's:/\*.*\*/::g' -e 's/"\([^"\\]\|\\.\)*"/""/g' "$1"
}

for f in src/core/*.c src/core/*.h; do
	[ -e "$f" ] || continue
	while IFS=: read -r line text; do
		echo "$f:$line: src/core must not include a libbpf or kernel header: $text"
		bad=1
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(bpf/|linux/bpf\.h|linux/|sys/syscall\.h|libelf\.h|gelf\.h)' "$f")
	while IFS=: read -r line text; do
		echo "$f:$line: src/core must not do file or terminal I/O (src/io or src/kernel may): $(echo "$text" | sed 's/^[[:space:]]*//')"
		bad=1
	done < <(strip "$f" | grep -nE '(^|[^a-z_.>])(fopen|fdopen|freopen|open|openat|creat|popen|printf|fprintf|vprintf|vfprintf|dprintf|puts|fputs|fputc|putchar|fwrite|perror|write|read)[[:space:]]*\(')
done

# The project's sources: git's view (tracked and new, not ignored), or
# outside a checkout every source file but build output.
sources() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -- '*.c' '*.h' '*.sh' '*.go'
	else
		find . \( -path './build*' -o -path './.git' \) -prune -o -type f \
			\( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.go' \) -print | sed 's|^\./||'
	fi
}

while read -r n f; do
	[ "$f" = total ] && continue
	if [ "$n" -gt "$max_lines" ]; then
		echo "$f:$n: $n lines, more than $max_lines: split it by concern"
		bad=1
	fi
done < <(sources | grep -v '^tests/' | while read -r f; do [ -f "$f" ] && echo "$f"; done | xargs -r wc -l)

exit $bad
