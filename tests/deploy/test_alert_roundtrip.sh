#!/usr/bin/env bash
# deploy.alert_roundtrip (acceptance 1): a real Prometheus and a real Alertmanager on loopback deliver an alert of
# deploy/prometheus/alerts.yml through the routes of deploy/alertmanager/alertmanager.yml to a local webhook
# receiver (webhook_receiver.js), and then its resolution:
#   1. amtool accepts alertmanager.yml and routes critical alerts to the pager receiver, warnings to the chat one;
#   2. `facefuse serve` on the fake NVML at 95 % VRAM: FacefuseGpuMemoryNearlyFull (a warning) arrives firing at the
#      chat receiver's URL with its labels; the fake goes back to 40 %: the same alert arrives resolved;
#   3. inhibition: alerts posted to Alertmanager's API for one GPU that is down and its memory warning: the warning
#      is suppressed, the GPU-down alert reaches the pager receiver, another GPU's warning still reaches chat.
# The copies the test runs differ from the real files only in what makes it fast (each rewrite says so below).
# Usage: test_alert_roundtrip.sh FACEFUSE SOURCE_DIR FAKE_NVML
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$SOURCE_DIR/tests/deploy/common.sh"
need prometheus; need amtool; need curl; need jq
command -v node >/dev/null ||
  { echo "SKIP: node not installed (scripts/install-deps.sh installs it with the node tests' tools)"; exit $SKIP; }
# Debian's prometheus-alertmanager names the binary after the package; upstream's is alertmanager.
ALERTMANAGER=$(command -v prometheus-alertmanager || command -v alertmanager) ||
  { echo "SKIP: prometheus-alertmanager not installed (scripts/install-deps.sh installs it)"; exit $SKIP; }
config=$SOURCE_DIR/deploy/alertmanager/alertmanager.yml
alert=FacefuseGpuMemoryNearlyFull

# 1. The real config, offline.
out=$(amtool check-config "$config" 2>&1) || fail "amtool check-config $config: $out"
route_of() { amtool config routes test --config.file="$config" "$@" 2>/dev/null; }
[ "$(route_of severity=critical alertname=FacefuseGpuDown)" = pager ] || fail "critical alerts do not route to pager"
[ "$(route_of severity=warning alertname=$alert)" = chat ] || fail "warnings do not route to chat"
echo "alertmanager.yml: valid; critical -> pager, warning -> chat"

# 2. The round trip.
node "$SOURCE_DIR/tests/deploy/webhook_receiver.js" "$WORK/received.jsonl" >"$WORK/receiver.out" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/receiver.out" '^webhook receiver at http://'
receiver=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/receiver.out")

# The receivers' URLs point at the local receiver, keeping their paths (which tell pager from chat); group_wait and
# group_interval drop to 1 s, so the notifications (and the resolved one, sent at the next group_interval) come in
# seconds. The routes, matchers, grouping and inhibit rules are the real file's.
sed -E -e "s|https?://[^/ ]+\.example\.invalid/|$receiver/|" -e 's/^( *)(group_wait|group_interval): .*/\1\2: 1s/' \
  "$config" >"$WORK/alertmanager.yml"
[ "$(grep -c "url: $receiver/" "$WORK/alertmanager.yml")" = 2 ] ||
  fail "expected two receiver URLs to rewrite in $config: $(grep 'url:' "$WORK/alertmanager.yml")"
out=$(amtool check-config "$WORK/alertmanager.yml" 2>&1) || fail "the test's copy of alertmanager.yml: $out"

# start_server NAME READY_PATH COMMAND...: starts COMMAND (its {PORT} replaced by a free port) until READY_PATH
# answers, trying three ports; sets $port.
start_server() {
  local name=$1 ready=$2 started=0; shift 2
  for _ in 1 2 3; do
    port=$(free_port)
    "${@//\{PORT\}/$port}" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
      curl -sf "http://127.0.0.1:$port$ready" >/dev/null 2>&1 && { started=1; break; }
      kill -0 "${PIDS[-1]}" 2>/dev/null || break
      sleep 0.2
    done
    [ "$started" = 1 ] && return 0
  done
  fail "$name did not start: $(tail -5 "$WORK/$name.log")"
}
# --cluster.listen-address= (empty) turns the gossip mesh off: one Alertmanager, loopback only.
start_server alertmanager /-/ready "$ALERTMANAGER" --config.file="$WORK/alertmanager.yml" \
  --storage.path="$WORK/alertmanager" --web.listen-address='127.0.0.1:{PORT}' --cluster.listen-address=
alertmanager="http://127.0.0.1:$port"

echo 95 >"$WORK/vram"
FACEFUSE_NVML_LIBRARY=$FAKE_NVML FACEFUSE_FAKE_NVML_MEMORY_USED_PERCENT=@$WORK/vram \
  "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --interval 0.5 --duration 90 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'job API at http://'
target=$(grep -oE '127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)

# The rule's `for: 30s` becomes 2 s so the test need not wait half a minute; its expression, labels and annotations
# are the real ones.
sed -E "/alert: $alert\$/,/for:/ s/for: .*/for: 2s/" "$SOURCE_DIR/deploy/prometheus/alerts.yml" >"$WORK/alerts.yml"
[ "$(diff "$SOURCE_DIR/deploy/prometheus/alerts.yml" "$WORK/alerts.yml" | grep -c '^>')" = 1 ] ||
  fail "rewriting the for: of $alert did not change exactly one line"
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$WORK/alerts.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["${alertmanager#http://}"]}]
scrape_configs:
  - job_name: facefuse
    static_configs: [{targets: ["$target"]}]
YAML
start_server prometheus /-/ready prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
  --web.listen-address='127.0.0.1:{PORT}' --rules.alert.resend-delay=1s
prometheus="http://127.0.0.1:$port"

# wait_for_notification STATUS: the first notification of $alert with STATUS, waited for up to 40 s.
wait_for_notification() {
  local n
  for _ in $(seq 200); do
    n=$(jq -c --arg a "$alert" --arg s "$1" 'select(.body.status == $s and any(.body.alerts[]; .labels.alertname == $a))' \
          "$WORK/received.jsonl" 2>/dev/null | head -1)
    [ -n "$n" ] && { printf '%s\n' "$n"; return 0; }
    sleep 0.2
  done
  fail "no $1 notification of $alert within 40 s; received: $(cat "$WORK/received.jsonl" 2>/dev/null)
alertmanager: $(tail -5 "$WORK/alertmanager.log")
prometheus alerts: $(curl -s "$prometheus/api/v1/alerts")"
}
# check_notification JSON STATUS: sent to the chat receiver's path, grouped as alertmanager.yml says, labelled as
# the rule and the scrape make it.
check_notification() {
  local got; got=$(jq -r --arg a "$alert" --arg s "$2" --arg i "$target" '
    (.body.alerts[] | select(.labels.alertname == $a)) as $x |
    [ (if .path == "/facefuse/warning" then empty else "path \(.path), not the chat receiver'"'"'s /facefuse/warning" end),
      (if .body.receiver == "chat" then empty else "receiver \(.body.receiver), not chat" end),
      (if (.body.groupLabels | keys) == ["alertname", "gpu", "instance"] then empty else "groupLabels \(.body.groupLabels)" end),
      (if $x.status == $s then empty else "alert status \($x.status), not \($s)" end),
      (if $x.labels.severity == "warning" and $x.labels.gpu == "0" and $x.labels.instance == $i and
          $x.labels.job == "facefuse" then empty else "labels \($x.labels)" end),
      (if ($x.annotations.summary | startswith("GPU 0 on \($i) has used over 90 %")) then empty
       else "summary \($x.annotations.summary)" end) ] | join("; ")' <<<"$1")
  [ -z "$got" ] || fail "$2 notification: $got: $1"
}
firing=$(wait_for_notification firing)
check_notification "$firing" firing
echo "fired: $alert from $target reached the chat receiver"
echo 40 >"$WORK/vram.new" && mv "$WORK/vram.new" "$WORK/vram"  # renamed over: the fake never reads half a file
resolved=$(wait_for_notification resolved)
check_notification "$resolved" resolved
echo "resolved: the same alert arrived resolved at the chat receiver"

# 3. Inhibition, on alerts posted straight to Alertmanager (no facefuse GPU can be made to fail mid-run).
post_alert() {  # ALERTNAME SEVERITY GPU
  curl -sf -H 'Content-Type: application/json' "$alertmanager/api/v2/alerts" -d "$(jq -cn --arg a "$1" --arg s "$2" \
    --arg g "$3" '[{labels: {alertname: $a, severity: $s, gpu: $g, instance: "inhibit-check:1", job: "facefuse"}}]')" ||
    fail "POST $alertmanager/api/v2/alerts failed"
}
post_alert FacefuseGpuDown critical 0
post_alert $alert warning 0
post_alert $alert warning 1
state_of() {  # ALERTNAME GPU: the alert's state (active, suppressed) as Alertmanager reports it
  curl -sf --get --data-urlencode 'filter=instance="inhibit-check:1"' "$alertmanager/api/v2/alerts" |
    jq -r --arg a "$1" --arg g "$2" '.[] | select(.labels.alertname == $a and .labels.gpu == $g) | .status.state'
}
arrived() {  # PATH ALERTNAME GPU: how many notifications of that alert reached PATH
  jq -c --arg p "$1" --arg a "$2" --arg g "$3" 'select(.path == $p and any(.body.alerts[]; .labels.alertname == $a and
    .labels.gpu == $g and .labels.instance == "inhibit-check:1"))' "$WORK/received.jsonl" | wc -l
}
for _ in $(seq 100); do
  [ "$(state_of $alert 0)" = suppressed ] && [ "$(arrived /facefuse/critical FacefuseGpuDown 0)" -gt 0 ] &&
    [ "$(arrived /facefuse/warning $alert 1)" -gt 0 ] && break
  sleep 0.2
done
[ "$(state_of $alert 0)" = suppressed ] || fail "$alert on a GPU that is down is '$(state_of $alert 0)', not suppressed"
[ "$(state_of $alert 1)" = active ] || fail "$alert on another GPU is '$(state_of $alert 1)', not active"
[ "$(arrived /facefuse/critical FacefuseGpuDown 0)" -gt 0 ] || fail "FacefuseGpuDown did not reach the pager receiver"
[ "$(arrived /facefuse/warning $alert 1)" -gt 0 ] || fail "the other GPU's $alert did not reach the chat receiver"
sleep 2  # two more group intervals: the suppressed one must still not have been sent
[ "$(arrived /facefuse/warning $alert 0)" = 0 ] || fail "the suppressed $alert was delivered anyway"
echo "inhibition: FacefuseGpuDown (to pager) silences $alert for its GPU only"
echo "alert round trip: OK"
