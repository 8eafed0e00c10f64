#!/usr/bin/env bash
# `mapsize status` against the live kernel (root only).
#   - pinned maps with known entries: exact entries, fill_ratio, count_method
#     in the table, JSON and Prometheus (promtool accepts it); forced methods agree;
#   - warnings on stderr at --warn/--crit, --fail-on exit status 3;
#   - --textfile is atomic: a reader polling the path never sees a partial file;
#   - 50 runs while another process creates and destroys maps: no crash, exit 0;
#   - the demo agent end to end: plan -> load -> fill past max_entries from BPF ->
#     status counts the exact E2BIG in all three formats; --rules verdicts on an
#     undersized and an oversized load; --watch shows growth;
#   - without root: one line, exit 1; bad options: exit 2.
source "$(dirname "$0")/lib.sh"

AGENT=$O/demo/mapsize-demo-agent
RULES=examples/agent.rules.yaml

if [ "$(id -u)" -ne 0 ]; then
	skip "status (live kernel)" "not root (uid $(id -u)): reading BPF maps needs root or CAP_BPF"
	finish
	exit
fi
for f in "$MAPSIZE" "$AGENT"; do
	[ -e "$f" ] || { fail "prerequisites" "$f is missing; run make tests"; finish; exit; }
done
for c in jq bpftool promtool; do
	command -v $c >/dev/null || { fail "prerequisites" "$c is not installed (sh tools/deps.sh)"; finish; exit; }
done
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
	mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf ||
		{ skip "status (live kernel)" "cannot mount bpffs on /sys/fs/bpf"; finish; exit; }
fi
PIN=/sys/fs/bpf/mapsize-cli-$$
mkdir -p "$PIN"
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

# le32 N: N as 4 little-endian bytes for bpftool
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
zero8="0 0 0 0 0 0 0 0"

bpftool map create "$PIN/full" type hash key 4 value 8 entries 20 name mcli_full
bpftool map create "$PIN/warm" type hash key 4 value 8 entries 100 name mcli_warm flags 1
bpftool map create "$PIN/arr" type array key 4 value 8 entries 8 name mcli_arr
bpftool map create "$PIN/cidr" type lpm_trie key 8 value 8 entries 16 name mcli_cidr flags 1
for i in $(seq 1 19); do bpftool map update pinned "$PIN/full" key $(le32 "$i") value $zero8; done
for i in $(seq 1 50); do bpftool map update pinned "$PIN/warm" key $(le32 "$i") value $zero8; done
for i in 1 2 3; do bpftool map update pinned "$PIN/cidr" key 24 0 0 0 10 $i 0 0 value $zero8; done

# ---- values in all three formats ----------------------------------------------------
expect_rc "json" 0 "$MAPSIZE" status --pinned "$PIN" --format json
expect_eq "json: schema_version first" "$(jqv 'keys_unsorted[0] + " " + (.schema_version|tostring)')" "schema_version 1"
expect_eq "json: the four pinned maps" "$(jqv '[.maps[].name] | sort | join(",")')" "mcli_arr,mcli_cidr,mcli_full,mcli_warm"
expect_eq "json: entries" "$(jqv '[.maps[] | "\(.name)=\(.entries)"] | sort | join(" ")')" \
	"mcli_arr=null mcli_cidr=3 mcli_full=19 mcli_warm=50"
expect_eq "json: fill_ratio" "$(jqv '[.maps[] | "\(.name)=\(.fill_ratio)"] | sort | join(" ")')" \
	"mcli_arr=null mcli_cidr=0.1875 mcli_full=0.95 mcli_warm=0.5"
expect_eq "json: count_method" "$(jqv '[.maps[] | "\(.name)=\(.count_method)"] | sort | join(" ")')" \
	"mcli_arr=none mcli_cidr=memlock mcli_full=kfunc mcli_warm=kfunc"
expect_eq "json: the keys of every map" "$(jqv '[.maps[] | has("id") and has("type") and has("key_size") and
	has("value_size") and has("max_entries") and has("map_flags") and has("memlock_bytes") and
	has("update_failures") and has("pids")] | all')" true
expect_eq "json: no overflow counter, no number" "$(jqv '[.maps[].update_failures] | unique | tostring')" "[null]"
expect_eq "json: the array says why it has no count" "$(jqv '.maps[] | select(.name == "mcli_arr") | .note')" \
	"array: every slot always exists"
expect_eq "json: totals" "$(jqv '.totals | "\(.maps) \(.counted) \(.entries) \(.max_entries) \(.crit)"')" "4 3 72 136 1"
expect_eq "json: memlock total = sum" "$(jqv '.totals.memlock_bytes == ([.maps[].memlock_bytes] | add)')" true
expect_eq "json: level of the 95% map" "$(jqv '.maps[] | select(.name == "mcli_full") | .level')" crit

expect_rc "table" 0 "$MAPSIZE" status --pinned "$PIN"
expect_eq "table: mcli_full row" "$(awk '$2 == "mcli_full" {print $3, $4, $5, $6, $7}' "$TMP/out")" "hash 20 19 95% kfunc"
expect_eq "table: mcli_cidr row" "$(awk '$2 == "mcli_cidr" {print $3, $4, $5, $6, $7}' "$TMP/out")" "lpm_trie 16 3 19% memlock"
expect_eq "table: totals line" "$(grep -c '^4 maps, 3 counted: 72 of 136 entries' "$TMP/out")" 1
expect_eq "warning line for the 95% map" "$(grep -c '^warning: map mcli_full (id [0-9]*) is 95% full (19/20): new entries will fail with E2BIG$' "$TMP/err")" 1
expect_eq "no warning below --warn" "$(grep -c mcli_warm "$TMP/err")" 0

expect_rc "prometheus" 0 "$MAPSIZE" status --pinned "$PIN" --format prometheus
cp "$TMP/out" "$TMP/metrics.prom"
expect_eq "prometheus: entries" "$(grep '^mapsize_map_entries{' "$TMP/out" | sort | tr '\n' ' ')" \
	'mapsize_map_entries{map="mcli_cidr"} 3 mapsize_map_entries{map="mcli_full"} 19 mapsize_map_entries{map="mcli_warm"} 50 '
expect_eq "prometheus: fill ratio" "$(grep '^mapsize_map_fill_ratio{map="mcli_full"}' "$TMP/out")" 'mapsize_map_fill_ratio{map="mcli_full"} 0.95'
expect_eq "prometheus: info" "$(grep -c '^mapsize_map_info{map="mcli_arr",id="[0-9]*",type="array",count_method="none"} 1$' "$TMP/out")" 1
expect_eq "prometheus: one HELP and TYPE per family" "$(grep -c '^# TYPE' "$TMP/out") $(grep -c '^# HELP' "$TMP/out")" "5 5"
expect_eq "prometheus: ends with a newline" "$(tail -c1 "$TMP/out" | od -An -c | tr -d ' ')" '\n'
run promtool check metrics <"$TMP/metrics.prom"
expect_eq "promtool check metrics accepts it" "$rc $(cat "$TMP/out" "$TMP/err")" "0 "

for m in kfunc memlock batch iterate; do
	expect_rc "--count-method $m" 0 "$MAPSIZE" status --pinned "$PIN" --format json --count-method $m
	case $m in
	memlock) want="mcli_arr=null mcli_cidr=3 mcli_full=null mcli_warm=50" ;;
	iterate) want="mcli_arr=null mcli_cidr=3 mcli_full=19 mcli_warm=50" ;;
	*) want="mcli_arr=null mcli_cidr=null mcli_full=19 mcli_warm=50" ;;
	esac
	expect_eq "--count-method $m: agrees" "$(jqv '[.maps[] | "\(.name)=\(.entries)"] | sort | join(" ")')" "$want"
done
expect_rc "--max-walk 5" 0 "$MAPSIZE" status --pinned "$PIN/warm" --format json --count-method iterate --max-walk 5
expect_eq "--max-walk: bound hit and said" "$(jqv '.maps[0] | "\(.entries) \(.walk_truncated) \(.note)"')" \
	"5 true walk stopped at --max-walk: entries is a lower bound"

expect_rc "--fail-on crit: exit 3" 3 "$MAPSIZE" status --pinned "$PIN" --fail-on crit
expect_rc "--fail-on warn above every map: exit 0" 0 "$MAPSIZE" status --pinned "$PIN/warm" --fail-on warn
expect_rc "--warn 0.5 --fail-on warn: exit 3" 3 "$MAPSIZE" status --pinned "$PIN/warm" --fail-on warn --warn 0.5
expect_eq "--warn 0.5: warns at 50%" "$(grep -c '^warning: map mcli_warm (id [0-9]*) is 50% full (50/100)' "$TMP/err")" 1
expect_rc "--name glob" 0 "$MAPSIZE" status --pinned "$PIN" --name 'mcli_[fw]*' --format json
expect_eq "--name: exactly the matching maps" "$(jqv '[.maps[].name] | sort | join(",")')" "mcli_full,mcli_warm"
# a 15-character kernel name without BTF: the full name comes from the pin path
mkdir -p "$PIN/long"
bpftool map create "$PIN/long/mcli_long_name_of_a_map" type hash key 4 value 8 entries 4 name mcli_long_name_
expect_rc "--name on the full name (pin path)" 0 "$MAPSIZE" status --pinned "$PIN/long" --name 'mcli_long_name_of*' --format json
expect_eq "--name: the full name from the pin path" "$(jqv '[.maps[].name] | join(",")')" "mcli_long_name_of_a_map"
rm -rf "$PIN/long"

# ---- --textfile: atomic for node_exporter ------------------------------------------------
TF=$TMP/textfile/mapsize.prom
mkdir -p "$TMP/textfile"
"$MAPSIZE" status --pinned "$PIN" --textfile "$TF" --watch 0.01 --rounds 300 >"$TMP/tf.out" 2>/dev/null &
writer=$!
bad=0 reads=0
while kill -0 $writer 2>/dev/null; do
	if [ -e "$TF" ]; then
		content=$(cat "$TF"; echo x)
		reads=$((reads + 1))
		# complete: ends with the info family's last sample and a newline
		case "$content" in *'count_method="'*'"} 1'$'\n'x) ;; *) bad=$((bad + 1)) ;; esac
	fi
done
wait $writer
expect_eq "--textfile: writer exit status" "$?" 0
expect_eq "--textfile: no partial file in $reads reads" "$bad" 0
expect_eq "--textfile: nothing on stdout" "$(wc -c <"$TMP/tf.out")" 0
expect_eq "--textfile: no temp file left" "$(ls "$TMP/textfile" | tr '\n' ' ')" "mapsize.prom "
run promtool check metrics <"$TF"
expect_eq "--textfile: promtool accepts it" "$rc" 0
# a rewrite keeps the file's mode (it was forced to 0644: a private textfile became world-readable)
chmod 600 "$TF"
run "$MAPSIZE" status --pinned "$PIN" --textfile "$TF"
expect_eq "--textfile: a 0600 file stays 0600" "$rc $(stat -c %a "$TF")" "0 600"
rm -f "$TMP/textfile/new.prom"
run bash -c "umask 027; exec \"\$0\" status --pinned \"\$1\" --textfile \"\$2\"" "$MAPSIZE" "$PIN" "$TMP/textfile/new.prom"
expect_eq "--textfile: a new file follows the umask (027: 640)" "$rc $(stat -c %a "$TMP/textfile/new.prom")" "0 640"
rm -f "$TMP/textfile/new.prom"
expect_err "--textfile in a missing directory" 1 "textfile-missing/x.prom" "$MAPSIZE" status --pinned "$PIN" --textfile "$TMP/textfile-missing/x.prom"

# ---- churn: maps come and go while status runs -----------------------------------------------
(
	for i in $(seq 1 400); do
		bpftool map create "$PIN/churn$((i % 8))" type hash key 4 value 4 entries 16 name mcli_churn 2>/dev/null
		rm -f "$PIN/churn$(((i + 4) % 8))"
	done
) &
churn=$!
crashes=0 nonzero=0 why=
for i in $(seq 1 50); do
	"$MAPSIZE" status --format json >"$TMP/churn.json" 2>"$TMP/churn.err"
	s=$?
	[ $s -ge 128 ] && crashes=$((crashes + 1))
	if [ $s -ne 0 ] || [ "$(jq -r '.maps | type' "$TMP/churn.json" 2>/dev/null)" != array ]; then
		nonzero=$((nonzero + 1))
		why+="[run $i: exit $s: $(head -c 200 "$TMP/churn.err")] "
	fi
done
wait $churn
expect_eq "50 runs under map churn: no crash" "$crashes" 0
expect_eq "50 runs under map churn: exit 0 and valid JSON every time" "$nonzero${why:+ $why}" 0
rm -f "$PIN"/churn*

# ---- the demo agent end to end ---------------------------------------------------------
# start_agent ARGS...: run the demo agent in the background until its maps are up
start_agent() {
	"$AGENT" --rules "$RULES" --no-attach --run 60 "$@" >"$TMP/agent.out" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 1 100); do
		grep -q '^running for' "$TMP/agent.out" && return 0
		sleep 0.1
	done
	return 1
}
stop_agent() { kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=; }

if start_agent --map-size=small --fill execve_map=5000; then
	failed=$(sed -n 's/.*fill execve_map: .*, \([0-9]*\) failed.*/\1/p' "$TMP/agent.out")
	expect_eq "demo: the BPF fill reports 5000 - 4096 failures" "$failed" 904
	expect_rc "demo: status json" 0 "$MAPSIZE" status --pid "$AGENT_PID" --format json
	expect_eq "demo: execve_map full, counted by kfunc" \
		"$(jqv '.maps[] | select(.name == "execve_map") | "\(.entries)/\(.max_entries) \(.fill_ratio) \(.count_method)"')" \
		"4096/4096 1 kfunc"
	expect_eq "demo: exact E2BIG count" \
		"$(jqv '.maps[] | select(.name == "execve_map") | "\(.update_failures) \(.update_failures_by_errno.E2BIG)"')" "904 904"
	expect_eq "demo: every managed map has a counter (0 for the others)" \
		"$(jqv '[.maps[] | select(.name == "tg_cgrps_tracking_map") | .update_failures] | tostring')" "[0]"
	expect_eq "demo: owner is the agent" "$(jqv "[.maps[] | .pids == [$AGENT_PID]] | all")" true
	expect_eq "demo: warning names the failures" \
		"$(grep -c '^warning: map execve_map (id [0-9]*) is 100% full (4096/4096): new entries will fail with E2BIG; 904 inserts already failed (E2BIG 904)$' "$TMP/err")" 1
	expect_rc "demo: status prometheus" 0 "$MAPSIZE" status --pid "$AGENT_PID" --format prometheus
	expect_eq "demo: prometheus E2BIG counter" \
		"$(grep '^mapsize_map_update_failures_total{map="execve_map",errno="E2BIG"}' "$TMP/out")" \
		'mapsize_map_update_failures_total{map="execve_map",errno="E2BIG"} 904'
	cp "$TMP/out" "$TMP/demo.prom"
	run promtool check metrics <"$TMP/demo.prom"
	expect_eq "demo: promtool accepts it" "$rc $(cat "$TMP/err")" "0 "
	expect_rc "demo: status table" 0 "$MAPSIZE" status --pid "$AGENT_PID"
	expect_eq "demo: table shows the failures" "$(awk '$2 == "execve_map" {print $5, $6, $7, $8}' "$TMP/out")" "4096 100% kfunc 904"

	# against the plan: execve_map holds 4096 and refused 904, expected 512 -> undersized;
	# demand 5000 needs procs / 8 >= 5000: procs >= 40000, suggested 40960
	expect_rc "demo: --rules" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$RULES" --map-size=small --format json
	expect_eq "demo: undersized verdict with the --set that fits" \
		"$(jqv '.plan[] | select(.name == "execve_map") | "\(.verdict) \(.demand) \(.dimension) \(.dimension_needed) \(.suggested_set) \(.plan_applied)"')" \
		"undersized 5000 procs 40000 procs=40960 true"
	expect_eq "demo: a fixed-size map is ok or unknown, never resized" \
		"$(jqv '.plan[] | select(.name == "execve_map_stats") | "\(.verdict) \(.dimension)"')" "unknown null"
	expect_rc "demo: --rules with another profile" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$RULES" --map-size=large --format json
	expect_eq "demo: a plan the agent did not apply is flagged" \
		"$(jqv '.plan[] | select(.name == "execve_map") | .plan_applied')" false
	expect_rc "demo: --rules table" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$RULES" --map-size=small
	expect_eq "demo: table verdict line" \
		"$(awk '$1 == "execve_map" && NF > 8 {$1 = $2 = $3 = $4 = $5 = $6 = ""; print}' "$TMP/out" | sed 's/^ *//')" \
		"undersized procs would need >= 40000: --set procs=40960"
	stop_agent
else
	fail "demo agent started" "$(cat "$TMP/agent.out")"
fi

if start_agent --map-size=small --fill execve_map=10; then
	# 10 live, 512 expected: below an eighth -> oversized; procs / 8 >= 10 needs procs >= 80
	expect_rc "demo: oversized --rules" 0 "$MAPSIZE" status --pid "$AGENT_PID" --rules "$RULES" --map-size=small --format json
	expect_eq "demo: oversized verdict" \
		"$(jqv '.plan[] | select(.name == "execve_map") | "\(.verdict) \(.entries) \(.expected_entries) \(.suggested_set)"')" \
		"oversized 10 512 procs=80"
	# --watch: the map grows between two readings (two keys added by bpftool)
	id=$(jqv '.maps[] | select(.name == "execve_map") | .id')
	value=$(printf '0 %.0s' $(seq 1 896))
	"$MAPSIZE" status --id "$id" --format json --watch 1 --rounds 2 >"$TMP/watch.json" &
	watcher=$!
	# after the first reading (flushed per round), not after a guessed delay: on a loaded
	# machine the first reading could come after the updates and see no growth
	for _ in $(seq 1 100); do
		[ "$(jq -s length "$TMP/watch.json" 2>/dev/null)" = 1 ] && break
		sleep 0.05
	done
	bpftool map update id "$id" key 1 0 0 0 value $value
	bpftool map update id "$id" key 2 0 0 0 value $value
	wait $watcher
	expect_eq "--watch: two readings" "$(jq -s 'length' "$TMP/watch.json")" 2
	expect_eq "--watch: first reading has no growth yet" "$(jq -s '.[0].maps[0].growth' "$TMP/watch.json")" null
	expect_eq "--watch: the second shows +2 entries as a rate and a time to full" \
		"$(jq -s '.[1].maps[0] | "\(.entries) \(.growth.per_minute > 0) \(.growth.seconds_to_full > 0)"' -r "$TMP/watch.json")" \
		"12 true true"
	stop_agent
else
	fail "demo agent started (oversized)" "$(cat "$TMP/agent.out")"
fi

# ---- errors ---------------------------------------------------------------------------------
# a bad --id: only the parse error (the value read after a failed parse was uninitialised)
for bad in abc -5 4294967296 12x; do
	expect_err "--id $bad" 2 "^error: --id '$bad': expected a whole number up to 4294967295\$" "$MAPSIZE" status --id "$bad"
	expect_eq "--id $bad: one error line, no '--id 0' message" "$(grep -c '^error:' "$TMP/err") $(grep -c 'map ids start at 1' "$TMP/err")" "1 0"
done
expect_err "--id 0" 2 "^error: --id 0: map ids start at 1\$" "$MAPSIZE" status --id 0
expect_err "--warn above 1" 2 "^error: --warn '2': expected a ratio in \(0, 1\]" "$MAPSIZE" status --warn 2
expect_err "--warn above --crit" 2 "warn <= crit" "$MAPSIZE" status --warn 0.9 --crit 0.5
expect_err "--format xml" 2 "expected table, json or prometheus" "$MAPSIZE" status --format xml
expect_err "--count-method guess" 2 "expected auto, kfunc, memlock, batch, iterate or none" "$MAPSIZE" status --count-method guess
expect_err "--fail-on maybe" 2 "expected warn or crit" "$MAPSIZE" status --fail-on maybe
expect_err "a positional RULES" 2 "use --rules FILE" "$MAPSIZE" status "$RULES"
expect_err "--rules missing file" 2 "nope.yaml" "$MAPSIZE" status --rules "$TMP/nope.yaml"
expect_err "--pinned not a map" 2 "expected a pinned BPF map or a bpffs directory" "$MAPSIZE" status --pinned "$TMP/none"
if command -v setpriv >/dev/null; then
	# nobody may not reach the build directory (a checkout under /root): a copy it can run
	NOBODY_DIR=$(mktemp -d /tmp/mapsize-nobody.XXXXXX)
	chmod 755 "$NOBODY_DIR" && cp "$MAPSIZE" "$NOBODY_DIR/mapsize" && chmod 755 "$NOBODY_DIR/mapsize"
	expect_err "without root: one line, exit 1" 1 "^error: mapsize status needs root \(CAP_BPF and CAP_SYS_ADMIN\)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$NOBODY_DIR/mapsize" status
	expect_eq "without root: exactly one line" "$(wc -l <"$TMP/err")" 1
	rm -rf "$NOBODY_DIR"
fi
finish
