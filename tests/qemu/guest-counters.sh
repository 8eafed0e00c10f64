#!/bin/sh
# guest-counters.sh — `mapsize counters` and `mapsize status` end to end in a
# qemu guest whose kernel allows tracing programs (run by guest-checks.sh with
# /test/mapsize-static, /test/counters-static and /test/counters.rules.yaml): attach pinned in a bpffs this
# script mounts, overfill maps (counters-static --fill), then the exact counts in
# the table, JSON and Prometheus, the warnings and --fail-on (once, and each
# --watch round: what is new since the round before), --kernel-counters,
# a second attach, and detach leaving no program, link or map.
# Prints "counters-cli: N passed, N failed"; exit 1 when any failed.
M=/test/mapsize-static
C=/test/counters-static
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL counters-cli: $*"; }
# has NAME FILE LINE: FILE holds LINE exactly
has() { if grep -qxF -- "$3" "$2"; then ok; else bad "$1: no line '$3' in:"; sed 's/^/  | /' "$2" | head -40; fi; }

B=$(mktemp -d /tmp/mapsize-ctr-cli.XXXXXX)
mount -t bpf bpf "$B" || { echo "FAIL counters-cli: cannot mount a bpffs on $B"; exit 1; }
mkdir "$B/maps"
T=$(mktemp -d /tmp/mapsize-ctr-out.XXXXXX)

if "$M" counters attach --pin "$B/mapsize" >"$T/attach" 2>&1; then ok; else bad "attach: $(cat "$T/attach")"; fi
grep -q "^kernel counters attached in $B/mapsize since " "$T/attach" && ok || bad "attach said: $(cat "$T/attach")"
"$C" --fill "$B/maps" >"$T/fill" || bad "fill: $(cat "$T/fill")"
# functions this kernel lacks or refuses (6.14+: "bpf_ringbuf_output(no ftrace entry)"): their checks are skipped
missing=$(sed -n 's/^not counted on this kernel (function missing or not attachable): //p' "$T/attach")
rb() { case ",$missing," in *,bpf_ringbuf_output,* | *,bpf_ringbuf_output\(*) return 1 ;; esac; return 0; }
rb || echo "SKIP counters-cli: ring-buffer drops: bpf_ringbuf_output is not attachable on this kernel"
evicted=$(sed -n 's/^lru_evicted=\([0-9]*\).*/\1/p' "$T/fill")
evicted0=$(sed -n 's/^lru0_evicted=\([0-9]*\).*/\1/p' "$T/fill")
# failures made through bpf(), or - where the kernel cannot tell (5.10)
split=3 split9=3 zero=0
case ",$missing," in *,bpf_prog_active,*) split=- split9=- zero=- ;; esac
echo "counters-cli: fill: $(cat "$T/fill")"

"$M" status --no-pids --pinned "$B/maps" --counters-pin "$B/mapsize" --format prometheus >"$T/prom" 2>"$T/prom.err"
echo "counters-cli: status prometheus exit $?"
has "prometheus hash E2BIG" "$T/prom" 'mapsize_map_insert_failures_total{map="ctr_cli_hash",errno="E2BIG",source="kernel"} 3'
has "prometheus hash ENOSPC" "$T/prom" 'mapsize_map_insert_failures_total{map="ctr_cli_hash",errno="ENOSPC",source="kernel"} 0'
has "prometheus lru evictions" "$T/prom" "mapsize_map_evictions_total{map=\"ctr_cli_lru\"} $evicted"
rb && has "prometheus ringbuf drops" "$T/prom" 'mapsize_ringbuf_drops_total{map="w_rb_out"} 6'
grep '^mapsize_map_insert\|^mapsize_map_evic\|^mapsize_ringbuf' "$T/prom" | sed 's/^/counters-cli: /'

"$M" status --no-pids --pinned "$B/maps" --counters-pin "$B/mapsize" >"$T/table" 2>"$T/table.err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "status table: exit $rc"
grep -q "^kernel counters since .* (pinned in $B/mapsize):\$" "$T/table" && ok || bad "table: no 'kernel counters since' line"
# ID NAME E2BIG ENOSPC ENOMEM OTHER SYSCALL EVICTED DROPPED
grep -Eq "^[0-9]+ +ctr_cli_hash +3 +0 +0 +0 +$split +0 +0\$" "$T/table" && ok || bad "table: ctr_cli_hash row"
grep -Eq "^[0-9]+ +ctr_cli_lru +0 +0 +0 +0 +$zero +$evicted +0\$" "$T/table" && ok || bad "table: ctr_cli_lru row"
if rb; then grep -Eq "^[0-9]+ +w_rb_out +0 +0 +0 +0 +$zero +0 +6\$" "$T/table" && ok || bad "table: w_rb_out row"; fi
# w_hash: 6 E2BIG from the program, 3 through bpf()
grep -Eq "^[0-9]+ +w_hash +9 +0 +0 +0 +$split9 +0 +0\$" "$T/table" && ok || bad "table: w_hash row (writer split)"
grep -q "^SYSCALL: of the failed inserts, those made through bpf(); the rest by BPF programs" "$T/table" && ok ||
	bad "table: no SYSCALL legend"
sed -n '/^kernel counters since/,$p' "$T/table" | sed 's/^/counters-cli: /'
grep -q "^warning: map ctr_cli_hash (id [0-9]*): 3 new failed inserts (kernel counters: E2BIG 3, ENOSPC 0, ENOMEM 0, other 0 since attach)\$" \
	"$T/table.err" && ok || bad "warning for ctr_cli_hash: $(cat "$T/table.err")"
if rb; then
	grep -q "^warning: map w_rb_out (id [0-9]*): 6 new ring-buffer drops (6 since attach)\$" "$T/table.err" && ok ||
		bad "warning for w_rb_out: $(cat "$T/table.err")"
fi

"$M" status --no-pids --pinned "$B/maps" --counters-pin "$B/mapsize" --format json >"$T/json" 2>/dev/null
tr -d ' \n' <"$T/json" >"$T/json1"
grep -q '"name":"ctr_cli_hash"' "$T/json1" && ok || bad "json: no ctr_cli_hash"
jsplit=$split jsplit9=$split9	# null where the kernel cannot tell
[ "$split" = - ] && jsplit=null jsplit9=null
grep -q '"kernel_counters":{"source":"kernel","since":[0-9]*,"failures":{"E2BIG":3,"ENOSPC":0,"ENOMEM":0,"other":0},"failures_from_syscall":'$jsplit',"evictions":0,"drops":0}' \
	"$T/json1" && ok || bad "json: kernel_counters of ctr_cli_hash: $(head -c 3000 "$T/json1")"
grep -q '"name":"w_hash",[^}]*"kernel_counters":{"source":"kernel","since":[0-9]*,"failures":{"E2BIG":9,"ENOSPC":0,"ENOMEM":0,"other":0},"failures_from_syscall":'$jsplit9',' \
	"$T/json1" && ok || bad "json: kernel_counters of w_hash"
grep -q "\"evictions\":$evicted,\"drops\":0}" "$T/json1" && ok || bad "json: lru evictions"

# --rules: the emptied map that refused inserts is undersized with the counters, ok without
"$M" status --no-pids --pinned "$B/maps" --counters-pin "$B/mapsize" --rules /test/counters.rules.yaml \
	--format json 2>/dev/null | tr -d ' \n' >"$T/rules1"
grep -q '"name":"ctr_cli_drain","id":[0-9]*,[^}]*"entries":0,"verdict":"undersized"' "$T/rules1" && ok ||
	bad "--rules with counters: $(grep -o '"plan":.*' "$T/rules1" | head -c 600)"
"$M" status --no-pids --pinned "$B/maps" --counters-pin /nonexistent --rules /test/counters.rules.yaml \
	--format json 2>/dev/null | tr -d ' \n' >"$T/rules0"
grep -q '"name":"ctr_cli_drain","id":[0-9]*,[^}]*"entries":0,"verdict":"ok"' "$T/rules0" && ok ||
	bad "--rules without counters: $(grep -o '"plan":.*' "$T/rules0" | head -c 600)"
# ... and the emptied LRU that only evicted (no failure): undersized with the
# counters, oversized (empty) without
if [ "${evicted0:-0}" -gt 0 ]; then ok; else bad "fill: ctr_cli_lru0 evicted ${evicted0:-nothing}"; fi
grep -q '"name":"ctr_cli_lru0","id":[0-9]*,[^}]*"entries":0,"verdict":"undersized"' "$T/rules1" && ok ||
	bad "--rules with counters, evictions only: $(grep -o '"plan":.*' "$T/rules1" | head -c 600)"
grep -q '"name":"ctr_cli_lru0","id":[0-9]*,[^}]*"entries":0,"verdict":"oversized"' "$T/rules0" && ok ||
	bad "--rules without counters, evictions only: $(grep -o '"plan":.*' "$T/rules0" | head -c 600)"

"$M" status --no-pids --pinned "$B/maps" --counters-pin "$B/mapsize" --fail-on crit >/dev/null 2>&1
rc=$?
[ "$rc" -eq 3 ] && ok || bad "--fail-on crit with new failures: exit $rc, expected 3"

# ---- --watch: each round warns of what is new since the round before ----
# --count-method none: no fill is known, so no fill warning and no fill level;
# every warning and --fail-on's exit come from the kernel counters alone.
# round_warnings FILE N: the warning lines after round N's counters section
round_warnings() { awk -v r="$2" '/^kernel counters since /{n++} n==r && /^warning: /' "$1"; }
# wait_round FILE N: until round N's counters section is out (60 s at most)
wait_round() {
	i=0
	while [ "$(grep -c '^kernel counters since ' "$1" 2>/dev/null)" -lt "$2" ] && [ "$i" -lt 300 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
# watch_run NAME ROUNDS BASE WHAT ARGS...: status --watch 3 --rounds ROUNDS
# ARGS in the background into $T/NAME; after round 1 `counters-static --more
# DIR BASE WHAT` (none when BASE is 0; its output in $T/NAME.more); the exit
# status in $T/NAME.rc
watch_run() {
	name=$1 rounds=$2 base=$3 what=$4
	shift 4
	: >"$T/$name"	# there before wait_round reads it
	: >"$T/$name.more"
	"$M" status --no-pids --pinned "$B/maps" --count-method none --watch 3 --rounds "$rounds" "$@" \
		>>"$T/$name" 2>&1 &
	wpid=$!
	wait_round "$T/$name" 1
	if [ "$base" != 0 ]; then
		# status stays stopped while the writes land, so they fall between
		# rounds 1 and 2 however slow this machine is; round 2 starts when
		# it is continued (its sleep's deadline is absolute: already past)
		kill -STOP "$wpid"
		"$C" --more "$B/maps" "$base" "$what" >"$T/$name.more"
		[ "$(grep -c '^kernel counters since ' "$T/$name")" -eq 1 ] && ok ||
			bad "$name: round 2 had begun before status was stopped, within 0.2 s of round 1's table"
		kill -CONT "$wpid"
	fi
	wait "$wpid"
	echo $? >"$T/$name.rc"
	echo "counters-cli: $name: exit $(cat "$T/$name.rc"), $(cat "$T/$name.more")"
	awk '/^kernel counters since /{n++} /^warning: /{print "counters-cli: '"$name"' round " n ": " $0}' "$T/$name"
	nf=$(sed -n 's/.*hash_failed=\([0-9]*\).*/\1/p' "$T/$name.more")
	ne=$(sed -n 's/.*lru_evicted=\([0-9]*\).*/\1/p' "$T/$name.more")
	nd=$(sed -n 's/.*rb_failed=\([0-9]*\).*/\1/p' "$T/$name.more")
}
# warned NAME ROUND MAP TEXT: round ROUND of $T/NAME has the warning line for MAP ending in TEXT
warned() {
	round_warnings "$T/$1" "$2" >"$T/$1.r$2"
	has "$1 round $2 $3" "$T/$1.r$2" "$(grep -o "^warning: map $3 (id [0-9]*)" "$T/$1.r$2"): $4"
}
watch_checks() {
	# pinned counters, 3 rounds: round 1 since attach, then 2 failed inserts
	# into ctr_cli_hash, 10 new keys into ctr_cli_lru and 10 records into the
	# full w_rb_out, then nothing
	what=hash,lru
	rb && what=hash,lru,rb
	watch_run w1 3 100 "$what" --counters-pin "$B/mapsize" --fail-on crit
	[ "$nf" = 2 ] && ok || bad "--more: $nf inserts into the full hash failed, expected 2"
	[ "$(grep -c '^kernel counters since ' "$T/w1")" = 3 ] && ok || bad "--watch --rounds 3: not 3 rounds"
	round_warnings "$T/w1" 1 | grep -q "^warning: map ctr_cli_hash (id [0-9]*): 3 new failed inserts " && ok ||
		bad "watch round 1: no 'ctr_cli_hash: 3 new' (since attach)"
	warned w1 2 ctr_cli_hash "2 new failed inserts (kernel counters: E2BIG 5, ENOSPC 0, ENOMEM 0, other 0 since attach)"
	warned w1 2 ctr_cli_lru "$ne new LRU evictions ($((evicted + ne)) since attach): live entries are pushed out"
	n=2
	if rb; then
		n=3
		[ "$nd" = 10 ] && ok || bad "--more: $nd records refused by the full ring buffer, expected 10"
		warned w1 2 w_rb_out "10 new ring-buffer drops (16 since attach)"
	fi
	[ "$(wc -l <"$T/w1.r2")" -eq "$n" ] && ok || bad "watch round 2: $(wc -l <"$T/w1.r2") warnings, expected $n"
	[ "$(round_warnings "$T/w1" 3 | wc -l)" -eq 0 ] && ok || bad "watch round 3 (nothing new) warned"
	[ "$(cat "$T/w1.rc")" = 3 ] && ok || bad "watch --fail-on crit: exit $(cat "$T/w1.rc"), expected 3"

	# attached by the command: a quiet first round, then new failures: --fail-on crit
	watch_run w2 2 200 hash,lru --counters-pin /nonexistent --kernel-counters --fail-on crit
	grep -q "^kernel counters since .* (attached by this command):\$" "$T/w2" && ok || bad "w2: not attached here"
	[ "$(round_warnings "$T/w2" 1 | wc -l)" -eq 0 ] && ok || bad "w2 round 1 (fresh counters) warned"
	warned w2 2 ctr_cli_hash "$nf new failed inserts (kernel counters: E2BIG $nf, ENOSPC 0, ENOMEM 0, other 0 since attach)"
	warned w2 2 ctr_cli_lru "$ne new LRU evictions ($ne since attach): live entries are pushed out"
	[ "$(cat "$T/w2.rc")" = 3 ] && ok || bad "w2 --fail-on crit after a new failure: exit $(cat "$T/w2.rc"), expected 3"

	# ... and new evictions alone: one warning, --fail-on warn
	watch_run w4 2 300 lru --counters-pin /nonexistent --kernel-counters --fail-on warn
	warned w4 2 ctr_cli_lru "$ne new LRU evictions ($ne since attach): live entries are pushed out"
	[ "$(wc -l <"$T/w4.r2")" -eq 1 ] && ok || bad "w4 round 2: $(wc -l <"$T/w4.r2") warnings, expected 1 (lru)"
	[ "$(cat "$T/w4.rc")" = 3 ] && ok || bad "w4 --fail-on warn after new evictions: exit $(cat "$T/w4.rc"), expected 3"

	# attached by the command, nothing happens: no warning, --fail-on warn exits 0
	watch_run w3 2 0 - --counters-pin /nonexistent --kernel-counters --fail-on warn
	[ "$(grep -c '^warning: ' "$T/w3")" -eq 0 ] && ok || bad "w3 (nothing new) warned: $(grep '^warning: ' "$T/w3")"
	[ "$(cat "$T/w3.rc")" = 0 ] && ok || bad "w3 --fail-on warn, nothing new: exit $(cat "$T/w3.rc"), expected 0"
}
watch_checks

# --kernel-counters: attached for the command only; counts start at zero
"$M" status --no-pids --pinned "$B/maps" --counters-pin /nonexistent --kernel-counters >"$T/kc" 2>"$T/kc.err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "status --kernel-counters: exit $rc: $(cat "$T/kc.err")"
grep -q "^kernel counters since .* (attached by this command):\$" "$T/kc" && ok || bad "--kernel-counters: no section"
grep -q "^(no failed insert, eviction or drop)\$" "$T/kc" && ok || bad "--kernel-counters: expected no events yet"

if "$M" counters attach --pin "$B/mapsize" >"$T/again" 2>&1; then ok; else bad "second attach: $(cat "$T/again")"; fi
grep -q "^kernel counters already attached in $B/mapsize since " "$T/again" && ok || bad "second attach said: $(cat "$T/again")"
"$M" counters detach --pin "$B/mapsize" >"$T/detach" 2>&1 && ok || bad "detach: $(cat "$T/detach")"
[ ! -e "$B/mapsize" ] && ok || bad "detach left $B/mapsize"
n=1
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	n=$("$C" --count-ours)
	[ "$n" = 0 ] && break
	sleep 0.2
done
[ "$n" = 0 ] && ok || bad "after detach $n counter programs/maps remain"

rm -f "$B/maps/hash" "$B/maps/lru" "$B/maps/rb" "$B/maps/drain" "$B/maps/bpfhash" "$B/maps/lru0"
rmdir "$B/maps"
umount "$B"
rmdir "$B"
rm -rf "$T"
echo "counters-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
