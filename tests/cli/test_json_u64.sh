#!/usr/bin/env bash
# u64 values >= 2^63 in `mapsize status --format json` print unsigned (issue 16 #7:
# status_print.c cast them to signed and printed them negative).  An overflow counter of the
# demo agent is set to 2^63 + 5 through bpf(2), then read back by status (live kernel, root).
. "$(dirname "$0")/lib.sh"

AGENT=$O/demo/mapsize-demo-agent
BIG=9223372036854775813
if [ "$(id -u)" != 0 ] || [ ! -x "$AGENT" ] || ! command -v bpftool >/dev/null; then
	skip "status JSON with a counter >= 2^63" "needs root, bpftool and $AGENT"
	finish; exit
fi
cat >"$TMP/setctr.c" <<'C'
/* setctr ID VALUE: CPU 0's first counter of the per-CPU overflow array = VALUE, the rest 0 */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
int main(int argc, char **argv)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	int fd = bpf_map_get_fd_by_id((__u32)atoi(argv[1])), ncpu = libbpf_num_possible_cpus();
	unsigned long long *v;

	if (fd < 0 || ncpu <= 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 1;
	v = calloc((size_t)ncpu, (info.value_size + 7) / 8 * 8);
	if (!v)
		return 1;
	v[0] = strtoull(argv[2], NULL, 10);
	return bpf_map_update_elem(fd, &zero, v, 0) ? 1 : 0;
}
C
if ! gcc -o "$TMP/setctr" "$TMP/setctr.c" $(pkg-config --libs libbpf) 2>"$TMP/cc.err"; then
	fail "the counter writer compiles" "$(head -c 300 "$TMP/cc.err")"
	finish; exit
fi
"$AGENT" --rules examples/agent.rules.yaml --no-attach --run 60 >"$TMP/agent.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	grep -q '^running for' "$TMP/agent.out" && break
	sleep 0.1
done
# the agent's own overflow map: among the maps its fds hold (fdinfo's map_id)
id=$(for f in /proc/"$pid"/fdinfo/*; do awk '/^map_id:/ {print $2}' "$f" 2>/dev/null; done | sort -un |
	while read -r m; do bpftool map show id "$m" -j 2>/dev/null | jq -r 'select(.name == "mapsize_overflo") | .id'; done |
	head -1)
expect_eq "the demo agent's overflow counter map found" "$([ -n "$id" ] && echo yes)" "yes"
run "$TMP/setctr" "$id" "$BIG"
expect_eq "counter set to 2^63 + 5" "$rc" "0"
run "$MAPSIZE" status --pid "$pid" --format json
expect_eq "status --format json: exit 0" "$rc" "0"
expect_eq "update_failures 2^63 + 5 printed unsigned, exactly (the map's and the totals'), nothing negative" \
	"$(grep -c "\"update_failures\": $BIG," "$TMP/out") $(jqv '.totals.update_failures | tostring | length') \
$(grep -cE '": -[0-9]' "$TMP/out")" "2 19 0"
expect_eq "... and its errno class too" "$(grep -cE "\"E[A-Z0-9]+\": $BIG" "$TMP/out")" "1"
run "$MAPSIZE" status --pid "$pid" --format prometheus
expect_eq "prometheus: the same value" "$(grep -c " $BIG\$" "$TMP/out")" "1"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
finish
