#!/usr/bin/env bash
# Two `facefuse serve` replicas on one Redis queue (--redis) and one shared data dir:
#   1. jobs submitted to either replica are run by both (each runs at least one);
#   2. a replica killed with SIGKILL while it runs a job: the other finishes that job (interruptions 1, ran_on the
#      survivor), and every job submitted succeeds;
#   3. a job is visible through either replica.
# Usage: serve_redis_replicas.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export OMP_WAIT_POLICY=PASSIVE
need redis-server
need redis-cli
need curl
need jq
images_dir="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images"
[ -f "$images_dir/obama.jpg" ] && [ -f "$images_dir/two_people.jpg" ] || missing_fixture "$images_dir/obama.jpg"
JOBS=8

start_redis

# Starts a replica named $1; sets ${1}_PID and ${1}_URL.
start_replica() {
  "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --redis "127.0.0.1:$redis_port" --workers 1 \
    >"$WORK/$1.out" 2>"$WORK/$1.err" &
  local pid=$!
  PIDS+=("$pid")
  wait_for_line "$WORK/$1.out" 'job API at http://'
  printf -v "${1}_PID" '%s' "$pid"
  printf -v "${1}_URL" '%s' "$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/$1.out" | head -1)"
}
start_replica a
start_replica b

ids=()
for i in $(seq "$JOBS"); do
  url=$a_URL; [ $((i % 2)) = 0 ] && url=$b_URL
  id=$(curl -sf -F "source=@$images_dir/obama.jpg" -F "target=@$images_dir/two_people.jpg" \
         -F 'options={"swapper": "classical"}' "$url/v1/jobs" | jq -r .id) || fail "submit $i refused"
  ids+=("$id")
done

# Kill b while it runs a job (its worker name carries its pid). A job can finish between being seen running and
# the kill, so b is frozen first (SIGSTOP) and killed only if the job is still running then; else b goes on.
victim=""
for _ in $(seq 600); do
  victim=$(curl -sf "$a_URL/v1/jobs?state=running" |
             jq -r --arg pid "-$b_PID-" '.jobs[] | select(.ran_on != null and (.ran_on | contains($pid))) | .id' | head -1)
  if [ -n "$victim" ]; then
    kill -STOP "$b_PID"
    [ "$(curl -sf "$a_URL/v1/jobs/$victim" | jq -r .state)" = running ] && break
    kill -CONT "$b_PID"
    victim=""
  fi
  sleep 0.05
done
[ -n "$victim" ] || fail "replica b never ran a job: $(curl -sf "$a_URL/v1/jobs" | jq -c '[.jobs[] | {id, state, ran_on}]')"
kill -9 "$b_PID"
echo "killed replica b (pid $b_PID) while it ran $victim"

list=""
for _ in $(seq 900); do
  list=$(curl -sf "$a_URL/v1/jobs")
  [ "$(jq '[.jobs[] | select(.state == "succeeded" or .state == "failed" or .state == "cancelled")] | length' <<<"$list")" = "$JOBS" ] && break
  sleep 0.2
done
[ "$(jq .total <<<"$list")" = "$JOBS" ] || fail "$(jq .total <<<"$list") jobs, expected $JOBS: $list"
for id in "${ids[@]}"; do
  state=$(jq -r --arg id "$id" '.jobs[] | select(.id == $id) | .state' <<<"$list")
  [ "$state" = succeeded ] || fail "job $id is '$state', expected succeeded: $(jq -c '[.jobs[] | {id, state, ran_on, error}]' <<<"$list")"
done
victim_json=$(jq --arg id "$victim" '.jobs[] | select(.id == $id)' <<<"$list")
[ "$(jq .interruptions <<<"$victim_json")" = 1 ] || fail "the killed job was not rerun once: $victim_json"
jq -r .ran_on <<<"$victim_json" | grep -q -- "-$a_PID-" || fail "the killed job was not finished by replica a: $victim_json"
# Shared work: b was running the victim when killed (and may have finished others before); a ran jobs besides it.
ran_by_b=$(jq --arg pid "-$b_PID-" '[.jobs[] | select(.ran_on | contains($pid))] | length' <<<"$list")
ran_by_a=$(jq --arg pid "-$a_PID-" --arg victim "$victim" \
             '[.jobs[] | select((.ran_on | contains($pid)) and .id != $victim)] | length' <<<"$list")
[ "$ran_by_a" -ge 1 ] || fail "replica a ran no job of its own: $(jq -c '[.jobs[] | {id, ran_on}]' <<<"$list")"
ran_by_b=$((ran_by_b + 1))
curl -sf -o /dev/null "$a_URL/v1/jobs/${ids[1]}/result" || fail "a job submitted to b has no result through a"

# Redis gone: the replica is live but not ready, and says why.
[ "$(curl -s "$a_URL/health/ready" | jq -r .status)" = ready ] || fail "replica a was not ready before Redis stopped"
redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
ready=$(curl -s -w ' %{http_code}' "$a_URL/health/ready")
[ "${ready##* }" = 503 ] || fail "/health/ready with Redis stopped: $ready"
grep -q "the job store" <<<"$ready" || fail "/health/ready does not name the store: $ready"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$a_URL/health/live")" = 200 ] || fail "/health/live failed with Redis stopped"
echo "two replicas on one Redis queue: a ran $ran_by_a more, b ran $ran_by_b (the last cut short); $victim finished by a: OK"
