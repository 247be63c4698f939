#!/usr/bin/env bash
# deploy.dashboard_metrics (acceptance 6): every metric a dashboard panel, a dashboard variable, an alert rule or
# the KEDA trigger queries is one something exports:
#   - facefuse_* and process_*: in the /metrics of a running `facefuse serve` that has run a swap (fake NVML, so
#     the GPU families exist); a histogram's _bucket/_sum/_count count as the family;
#   - container_* (cAdvisor) and DCGM_FI_* (DCGM exporter): in the lists below;
#   - any other name fails.
# Loki panels (LogQL) may select only on labels promtail sets (deploy/promtail/promtail.yml), and after `| json`
# also filter and group on the fields facefuse's JSON lines carry: those src/telemetry/json_log.h lists and those
# the running serve wrote (its lines must also carry what promtail parses). Then the same checks are run on bogus
# queries, which must fail.
# Usage: test_dashboard_metrics.sh FACEFUSE SOURCE_DIR FAKE_NVML
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$SOURCE_DIR/tests/deploy/common.sh"
need curl; need jq
DEPLOY=$SOURCE_DIR/deploy
AWK_DIR=$SOURCE_DIR/tests/deploy

# cAdvisor's container metrics, from its docs/storage/prometheus.md (the list for v0.47, the version compose pins;
# https://github.com/google/cadvisor/blob/v0.47.2/docs/storage/prometheus.md). Only names added here may be used.
CADVISOR_METRICS="container_cpu_usage_seconds_total container_cpu_user_seconds_total container_cpu_system_seconds_total
  container_cpu_cfs_periods_total container_cpu_cfs_throttled_periods_total container_cpu_cfs_throttled_seconds_total
  container_memory_usage_bytes container_memory_working_set_bytes container_memory_rss container_memory_cache
  container_memory_swap container_memory_max_usage_bytes container_memory_failcnt container_memory_failures_total
  container_oom_events_total container_spec_memory_limit_bytes container_spec_cpu_quota container_spec_cpu_period
  container_spec_cpu_shares container_network_receive_bytes_total container_network_transmit_bytes_total
  container_fs_reads_bytes_total container_fs_writes_bytes_total container_fs_usage_bytes container_last_seen
  container_start_time_seconds"
# The DCGM exporter's default counters, from etc/default-counters.csv of the version compose pins
# (https://github.com/NVIDIA/dcgm-exporter/blob/3.3.5-3.4.1/etc/default-counters.csv).
DCGM_METRICS="DCGM_FI_DEV_SM_CLOCK DCGM_FI_DEV_MEM_CLOCK DCGM_FI_DEV_MEMORY_TEMP DCGM_FI_DEV_GPU_TEMP
  DCGM_FI_DEV_POWER_USAGE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION DCGM_FI_DEV_PCIE_REPLAY_COUNTER DCGM_FI_DEV_GPU_UTIL
  DCGM_FI_DEV_MEM_COPY_UTIL DCGM_FI_DEV_ENC_UTIL DCGM_FI_DEV_DEC_UTIL DCGM_FI_DEV_XID_ERRORS DCGM_FI_DEV_FB_FREE
  DCGM_FI_DEV_FB_USED DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL DCGM_FI_DEV_VGPU_LICENSE_STATUS
  DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS DCGM_FI_DEV_ROW_REMAP_FAILURE"


in_list() { grep -qxF -- "$1" <<<"$(tr -s ' \n' '\n\n' <<<"$2")"; }

# The fixtures for the one swap; missing: fail under CI=true, skip elsewhere.
images=${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images
if [ ! -f "$images/obama_small.jpg" ] || [ ! -f "$images/biden.jpg" ]; then
  [ "${CI:-}" = "true" ] && fail "fixture missing: $images/{obama_small,biden}.jpg (CI=true: the fixtures must be present)"
  echo "SKIP: fixture missing: $images/obama_small.jpg or biden.jpg"; exit $SKIP
fi

# 1. The live /metrics, after one job.
FACEFUSE_NVML_LIBRARY=$FAKE_NVML "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --interval 0.5 --duration 120 \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
for _ in $(seq 200); do grep -q 'job API at http://' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1) ||
  fail "serve did not start: $(cat "$WORK/serve.out" "$WORK/serve.err")"
status=$(curl -s -o "$WORK/swapped" -w '%{http_code}' -F source=@"$images/obama_small.jpg" -F target=@"$images/biden.jpg" \
  "$base/v1/swap") || fail "POST /v1/swap: curl failed"
[ "$status" = 200 ] || fail "POST /v1/swap answered $status: $(head -c 300 "$WORK/swapped")"
job=$(curl -s -F source=@"$images/obama_small.jpg" -F target=@"$images/biden.jpg" "$base/v1/jobs" | jq -r '.id // empty')
[ -n "$job" ] || fail "POST /v1/jobs gave no job id"
for _ in $(seq 150); do
  state=$(curl -s "$base/v1/jobs/$job" | jq -r '.state // empty')
  [ "$state" = succeeded ] || [ "$state" = failed ] && break
  sleep 0.2
done
[ "$state" = succeeded ] || fail "job $job ended '$state'"
sleep 1  # one GPU sampling interval
curl -sf "$base/metrics" >"$WORK/metrics.txt" || fail "GET /metrics failed"
exported=$(grep -v '^#' "$WORK/metrics.txt" | sed -E 's/[{ ].*//' | sort -u)
histograms=$(sed -n -E 's/^# TYPE ([^ ]+) (histogram|summary)$/\1/p' "$WORK/metrics.txt")
grep -q '^facefuse_gpu_utilization_ratio' <<<"$exported" || fail "no GPU series from the fake NVML in /metrics"

# The JSON log lines on stderr: what promtail parses (time, level, job_id, stage) is there. The fields a LogQL
# query may use after | json: the ones json_log.h lists (some, like error, appear only when a job fails) and the
# ones serve wrote here.
grep '^{' "$WORK/serve.err" >"$WORK/log.json" || fail "serve wrote no JSON log line on stderr"
written=$(jq -r 'keys[]' "$WORK/log.json" | sort -u) || fail "a stderr line starting with { is not JSON: $(cat "$WORK/log.json")"
documented=$(sed -n -E 's/.*Fields used across the service: (.*)\.$/\1/p' "$SOURCE_DIR/src/telemetry/json_log.h" | tr -d ',')
[ -n "$documented" ] || fail "src/telemetry/json_log.h no longer lists 'Fields used across the service: ...'"
LOG_FIELDS="time level msg $documented $written"
jq -e -s 'all(.[]; (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]+)?Z$")) and
                   (.level | IN("debug", "info", "warn", "error")))' "$WORK/log.json" >/dev/null ||
  fail "a log line lacks an RFC 3339 UTC time or a known level (promtail's timestamp and labels stages)"
jq -e -s --arg job "$job" 'any(.[]; .job_id == $job and .stage != null)' "$WORK/log.json" >/dev/null ||
  fail "no log line of job $job names its stage"

# 2. Promtail's labels (relabel target_label and the labels stage) and the JSON fields its json stage extracts.
promtail=$(flatten "$DEPLOY/promtail/promtail.yml")
promtail_labels=$(awk -F'\t' '$2 ~ /\.target_label$/ {print $3}
                             $2 ~ /\.labels\.[a-z_]+$/ {sub(/.*\.labels\./, "", $2); print $2}' <<<"$promtail" | sort -u)
[ -n "$promtail_labels" ] || fail "no labels found in promtail.yml"

problems=()
# check_promql WHERE EXPR: every metric name EXPR selects is exported.
check_promql() {
  local name base n=0
  while IFS= read -r name; do
    n=$((n + 1)); base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")
    case "$name" in
      facefuse_*|process_*)
        in_list "$name" "$exported" || { in_list "$base" "$histograms" && [ "$base" != "$name" ]; } ||
          problems+=("$1: $name is not in the service's /metrics") ;;
      container_*) in_list "$name" "$CADVISOR_METRICS" || problems+=("$1: $name is not a cAdvisor metric listed here") ;;
      DCGM_FI_*) in_list "$name" "$DCGM_METRICS" || problems+=("$1: $name is not a DCGM exporter default counter") ;;
      *) problems+=("$1: $name is not a metric of facefuse, cAdvisor or the DCGM exporter") ;;
    esac
  done < <(awk -f "$AWK_DIR/promql_names.awk" <<<"$2")
  [ "$n" -gt 0 ] || problems+=("$1: no metric name found in: $2")
}
# check_logql WHERE EXPR: stream selectors use promtail's labels; label filters and by() also, after | json, the
# fields of the service's JSON lines.
check_logql() {
  local label
  while IFS= read -r label; do
    in_list "$label" "$promtail_labels" || problems+=("$1: stream label $label is not set by promtail")
  done < <(grep -oE '\{[^}]*\}' <<<"$2" | grep -oE '[A-Za-z_][A-Za-z0-9_]*[ ]*(=~|!~|!=|=)' | sed -E 's/[ ]*[=!~]+$//')
  while IFS= read -r label; do
    in_list "$label" "$promtail_labels" || { [[ "$2" == *"| json"* ]] && in_list "$label" "$LOG_FIELDS"; } ||
      problems+=("$1: label or field $label is neither a promtail label nor a JSON field it extracts")
  done < <({ sed -E 's/\{[^}]*\}//g' <<<"$2" | grep -oE '\|[ ]*[A-Za-z_][A-Za-z0-9_]*[ ]*(=~|!~|!=|==|=|>=|<=|>|<)' |
             sed -E 's/^\|[ ]*//; s/[ ]*[=!~<>]+$//'
           grep -oE '(by|without)[ ]*\([^)]*\)' <<<"$2" | sed -E 's/^[a-z]+[ ]*\(//; s/\)$//' | tr ',' '\n' | tr -d ' '; } |
           grep -v '^$')
}

dashboard=$DEPLOY/grafana/dashboards/facefuse.json
alerts=$(flatten "$DEPLOY/prometheus/alerts.yml")
keda=""
[ ! -f "$DEPLOY/k8s/keda-scaledobject.yaml" ] || keda=$(flatten "$DEPLOY/k8s/keda-scaledobject.yaml")
checked=0
check_all() {  # checks every query of the deployed files
  while IFS=$'\t' read -r type title expr; do
    checked=$((checked + 1))
    case "$type" in
      prometheus) check_promql "dashboard panel '$title'" "$expr" ;;
      loki) check_logql "dashboard panel '$title'" "$expr" ;;
      *) problems+=("dashboard panel '$title': datasource type '$type' is neither prometheus nor loki") ;;
    esac
  done < <(jq -r '.panels[] | select(.type != "row") | . as $p | .targets[]? |
                  [(.datasource.type // $p.datasource.type // "none"), $p.title, .expr] | @tsv' "$dashboard")
  while IFS=$'\t' read -r name definition; do
    checked=$((checked + 1)); check_promql "dashboard variable $name" "$definition"
  done < <(jq -r '.templating.list[] | select(.type == "query") | [.name, .definition] | @tsv' "$dashboard")
  while IFS=$'\t' read -r _ path expr; do
    checked=$((checked + 1)); check_promql "alerts.yml $path" "$expr"
  done < <(awk -F'\t' '$2 ~ /\.expr$/' <<<"$alerts")
  if [ -n "$keda" ]; then
    while IFS=$'\t' read -r _ path expr; do
      checked=$((checked + 1)); check_promql "keda-scaledobject.yaml $path" "$expr"
    done < <(awk -F'\t' '$2 ~ /\.metadata\.query$/' <<<"$keda")
  fi
}
check_all
((${#problems[@]} == 0)) || fail "$(printf '%s\n' "${problems[@]}")"
[ "$checked" -ge 40 ] || fail "only $checked queries found: the dashboard or the rules were not read"
echo "dashboard, alerts and KEDA trigger: $checked queries, every metric and label exported"

# 3. The checks fail on names nothing exports.
expect_problem() {  # KIND EXPR EXPECTED_MESSAGE
  problems=()
  "check_$1" "bogus" "$2"
  grep -qF -- "$3" <<<"$(printf '%s\n' "${problems[@]:-}")" || fail "the check passed '$2' (expected: $3)"
}
expect_problem promql 'rate(facefuse_no_such_metric_total[5m])' "facefuse_no_such_metric_total is not in the service's /metrics"
expect_problem promql 'histogram_quantile(0.9, rate(facefuse_gpu_devices_bucket[5m]))' "facefuse_gpu_devices_bucket is not in"
expect_problem promql 'container_no_such_bytes{name="x"}' "container_no_such_bytes is not a cAdvisor metric"
expect_problem promql 'DCGM_FI_DEV_NO_SUCH / 100' "DCGM_FI_DEV_NO_SUCH is not a DCGM exporter default counter"
expect_problem promql 'node_cpu_seconds_total' "node_cpu_seconds_total is not a metric of facefuse, cAdvisor or the DCGM"
expect_problem logql '{pod="facefuse-0"}' "stream label pod is not set by promtail"
expect_problem logql '{service="facefuse"} | json | request_id="x"' "label or field request_id is neither"
expect_problem logql '{service="facefuse"} | job_id="job-1"' "label or field job_id is neither"
echo "dashboard metrics: OK (8 bogus queries refused)"
