#!/usr/bin/env bash
# Acceptance 1: a real Prometheus (loopback, free port, temp storage, bounded time) scrapes a running
# `facefuse serve` that has run jobs (fake NVML for GPU series); every query in the Grafana dashboard
# (variables substituted) returns a non-empty result, and `promtool check metrics` on /metrics is clean.
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$(dirname "$0")/common.sh"
need prometheus; need promtool; need curl; need jq
fixture_images 3
dashboard="$SOURCE_DIR/deploy/grafana/dashboards/facefuse.json"

FACEFUSE_NVML_LIBRARY=$FAKE_NVML FACEFUSE_FAKE_NVML_CURVE="20 40 60 80 97" \
  "$FACEFUSE" serve --metrics-port 0 --interval 0.5 --job "${images[@]}" --repeat 1 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'metrics at http://'
target=$(grep -oE '127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)
wait_for_line "$WORK/serve.out" '^detect job: '
echo "facefuse at $target: $(grep -m1 '^detect job: ' "$WORK/serve.out")"

lint=$(curl -sf "http://$target/metrics" | promtool check metrics 2>&1) || fail "promtool check metrics: $lint"
[ -z "$lint" ] || fail "promtool check metrics reports: $lint"

cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$SOURCE_DIR/deploy/prometheus/alerts.yml"]
scrape_configs:
  - job_name: facefuse
    static_configs: [{targets: ["$target"]}]
YAML
started=0
for _ in 1 2 3; do
  port=$(free_port)
  prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
    --web.listen-address="127.0.0.1:$port" >"$WORK/prom.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && { started=1; break; }
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.2
  done
  [ "$started" = 1 ] && break
done
[ "$started" = 1 ] || fail "Prometheus did not start: $(tail -5 "$WORK/prom.log")"
api="http://127.0.0.1:$port/api/v1"
query() { curl -sf --get --data-urlencode "query=$1" "$api/query"; }

for _ in $(seq 60); do
  [ "$(query 'up{job="facefuse"}' | jq -r '.data.result[0].value[1] // empty')" = 1 ] && break
  sleep 0.5
done
[ "$(query 'up{job="facefuse"}' | jq -r '.data.result[0].value[1] // empty')" = 1 ] || fail "target never up"
sleep 6  # several scrapes, so rate() windows hold at least two samples

instance=$target
gpu=$(query "facefuse_gpu_utilization_ratio{instance=\"$instance\"}" | jq -r '.data.result[0].metric.gpu // empty')
[ "$gpu" = 0 ] || fail "no GPU series from the fake NVML"
subst() { sed -e "s/\\\$__rate_interval/1m/g" -e "s/\\\$instance/$instance/g" -e "s/\\\$gpu/$gpu/g"; }

checked=0; empty=()
while IFS= read -r expr; do
  q=$(printf '%s' "$expr" | subst)
  n=$(query "$q" | jq -r 'if .status == "success" then (.data.result | length) else -1 end')
  checked=$((checked + 1))
  [ "${n:-0}" -gt 0 ] || empty+=("$q")
done < <(jq -r '.panels[] | .targets[]? | select(.datasource.type == "prometheus") | .expr | select(test("container_|DCGM_FI_") | not)' "$dashboard")  # cAdvisor, DCGM, Loki: not scraped here
# Template variables: label_values(SELECTOR, LABEL) must yield a value.
while IFS=$'\t' read -r selector label; do
  q=$(printf '%s' "$selector" | subst)
  v=$(query "$q" | jq -r --arg l "$label" '[.data.result[].metric[$l] // empty] | length')
  checked=$((checked + 1))
  [ "${v:-0}" -gt 0 ] || empty+=("label_values($q, $label)")
done < <(jq -r '.templating.list[] | select(.type == "query") | .definition' "$dashboard" |
         sed -E 's/^label_values\((.*), *([a-z_]+)\)$/\1\t\2/')
((${#empty[@]} == 0)) || fail "$(printf 'empty result: %s\n' "${empty[@]}")"
echo "dashboard: $checked queries, all non-empty"

# The alert rules loaded and evaluate against the live series (the fake curve peaks at 97 %).
[ "$(curl -sf "$api/rules" | jq '[.data.groups[].rules[]] | length')" = "$(grep -cE '^ +- (alert|record):' "$SOURCE_DIR/deploy/prometheus/alerts.yml")" ] || fail "alert rules not loaded"
[ "$(curl -sf "$api/rules" | jq '[.data.groups[].rules[] | select(.health != "ok")] | length')" = 0 ] ||
  fail "unhealthy rules: $(curl -sf "$api/rules")"
echo "prometheus scrape: OK"
