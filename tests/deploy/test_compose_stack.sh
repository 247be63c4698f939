#!/usr/bin/env bash
# deploy.compose_stack: deploy/docker-compose.yml and the configs it mounts agree (compose_check.sh), and the check
# fails each of a set of broken copies. Compose itself cannot run here (no image pulls): docs/deploy.md.
# Usage: test_compose_stack.sh SOURCE_DIR
SOURCE_DIR=$1
source "$SOURCE_DIR/tests/deploy/common.sh"
need jq
check=$SOURCE_DIR/tests/deploy/compose_check.sh
out=$(bash "$check" "$SOURCE_DIR" "$SOURCE_DIR/deploy" 2>&1) || fail "deploy/: $out"
echo "compose stack: services, datasources, targets and mounts agree"

expect_failure() {  # NAME EXPECTED_MESSAGE FILE SED_SCRIPT
  rm -rf "$WORK/$1"; cp -r "$SOURCE_DIR/deploy" "$WORK/$1"
  sed -E -i "$4" "$WORK/$1/$3"
  local got rc=0
  got=$(bash "$check" "$SOURCE_DIR" "$WORK/$1" 2>&1) || rc=$?
  [ "$rc" = 1 ] || fail "$1: the check passed a broken stack (exit $rc)"
  grep -qF -- "$2" <<<"$got" || fail "$1: expected '$2', got: $got"
}
expect_failure latest "image grafana/loki:latest is not pinned" docker-compose.yml 's|grafana/loki:2.9.8|grafana/loki:latest|'
expect_failure no_loki "datasource url http://loki:3100 is not a compose service" docker-compose.yml 's/^  loki:/  logs:/'
expect_failure uid "dashboard datasource uid loki is not provisioned" grafana/provisioning/datasources/loki.yml 's/uid: loki/uid: logs/'
expect_failure target "does not scrape facefuse:8080" prometheus/prometheus.yml 's/facefuse:8080/facefuse:9464/'
expect_failure mount "bind mount ./promtail/missing.yml does not exist" docker-compose.yml 's|./promtail/promtail.yml:|./promtail/missing.yml:|'
expect_failure volume "volume loki-data is not declared" docker-compose.yml '/^  loki-data:$/d'
expect_failure no_auth "without --api-keys-file or --jwt-secret-file" docker-compose.yml '/--api-keys-file=/d'
expect_failure no_secret "is not a compose secret given to the service" docker-compose.yml '/^    secrets: \[facefuse-api-keys\]/d'
expect_failure no_alertmanager "no alertmanager service" docker-compose.yml 's/^  alertmanager:/  alerts:/'
expect_failure no_alerting "sends its alerts to no Alertmanager" prometheus/prometheus.yml '/^alerting:/,/targets:/d'
expect_failure am_target "sends alerts to grafana:9093, which is not an Alertmanager service" prometheus/prometheus.yml \
  's/alertmanager:9093/grafana:9093/'
expect_failure am_port "sends alerts to alertmanager:9094; alertmanager listens on :9093" prometheus/prometheus.yml \
  's/alertmanager:9093/alertmanager:9094/'
expect_failure am_config "--config.file /etc/alertmanager/am.yml is not a file of deploy/ mounted" docker-compose.yml \
  's|--config.file=/etc/alertmanager/alertmanager.yml|--config.file=/etc/alertmanager/am.yml|'
refused=13
if command -v amtool >/dev/null; then
  expect_failure am_receiver "amtool check-config fails" alertmanager/alertmanager.yml 's/- receiver: pager/- receiver: pagr/'
  refused=$((refused + 1))
fi
echo "compose stack: OK ($refused broken copies refused)"
