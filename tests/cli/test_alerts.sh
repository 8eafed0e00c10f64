#!/usr/bin/env bash
# deploy/prometheus: the alerting rules pass promtool check rules, their unit tests
# (each alert fires on a struggling map and stays quiet on a healthy one) pass
# promtool test rules, and the PrometheusRule holds the very same groups.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { fail "prerequisites" "promtool is not installed (sh tools/deps.sh)"; finish; exit; }
D=deploy/prometheus
expect_rc "promtool check rules" 0 promtool check rules "$D/mapsize-alerts.yaml"
expect_eq "six alerts" "$(grep -c 'SUCCESS: 6 rules found' "$TMP/out")" 1
expect_rc "promtool test rules" 0 promtool test rules "$D/mapsize-alerts.test.yaml"
for a in MapsizeMapFillWarning MapsizeMapFillCritical MapsizeMapInsertFailures MapsizeMapEvictions \
	MapsizeRingbufDrops MapsizeMapFullSoon; do
	expect_eq "$a: tested" "$(grep -c "alertname: $a\$" "$D/mapsize-alerts.test.yaml" | awk '{print ($1 > 0)}')" 1
done
expect_eq "PrometheusRule is generated from the plain rules" "$(sh "$D/gen-prometheusrule.sh" | cmp - "$D/mapsize-prometheusrule.yaml" && echo same)" same
# the operator's object, unwrapped, is a valid rules file too
sed -n '/^spec:/,$p' "$D/mapsize-prometheusrule.yaml" | sed '1d; s/^  //' >"$TMP/unwrapped.yaml"
expect_rc "PrometheusRule's groups pass promtool check rules" 0 promtool check rules "$TMP/unwrapped.yaml"
expect_eq "deploy/kubernetes references them" "$(grep -c 'deploy/prometheus\|\.\./prometheus' deploy/kubernetes/README.md | awk '{print ($1 > 0)}')" 1
finish
