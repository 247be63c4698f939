#!/usr/bin/env bash
# Alert rules: promtool check rules + promtool test rules (firing and not-firing cases for every rule),
# and the compose Prometheus config (with its rule file) is valid.
SOURCE_DIR=$1
source "$(dirname "$0")/common.sh"
need promtool
cd "$SOURCE_DIR/deploy/prometheus"
promtool check rules alerts.yml
promtool test rules alerts_test.yml
promtool check config prometheus.yml
# Every rule has a unit test.
for rule in $(grep -E '^\s+- alert:' alerts.yml | awk '{print $3}'); do
  [ "$(grep -c "alertname: $rule\$" alerts_test.yml)" -ge 2 ] || fail "$rule lacks a firing and a not-firing case"
done
echo "alert rules: OK"
