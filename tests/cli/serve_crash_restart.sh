#!/usr/bin/env bash
# `facefuse serve` killed with SIGKILL while jobs wait and one runs, then started again on the same data dir:
#   1. every job submitted reaches a final state (succeeded): none is lost;
#   2. the job cut short ran again (interruptions 1) and the restart counted it
#      (facefuse_interrupted_jobs_total{outcome="requeued"});
#   3. a folder no job owns (an upload cut short) is gone once the retention sweep ran, and every job folder
#      left belongs to a job;
#   4. the same data dir cannot be served twice at once.
# Usage: serve_crash_restart.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export OMP_WAIT_POLICY=PASSIVE
need curl
need jq
images_dir="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images"
[ -f "$images_dir/obama.jpg" ] && [ -f "$images_dir/two_people.jpg" ] || missing_fixture "$images_dir/obama.jpg"
DATA=$WORK/data
JOBS=5

# Starts serve on the data dir; sets SERVE_PID and URL.
start_serve() {
  : >"$WORK/serve.out"
  "$FACEFUSE" serve --port 0 --data-dir "$DATA" >"$WORK/serve.out" 2>>"$WORK/serve.err" &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  wait_for_line "$WORK/serve.out" 'job API at http://'
  URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)
}

start_serve
ids=()
for i in $(seq "$JOBS"); do
  id=$(curl -sf -F "source=@$images_dir/obama.jpg" -F "target=@$images_dir/two_people.jpg" \
         -F 'options={"swapper": "classical"}' "$URL/v1/jobs" | jq -r .id) || fail "submit $i refused"
  ids+=("$id")
done
for _ in $(seq 300); do
  [ "$(curl -sf "$URL/v1/jobs?state=running" | jq .total)" = 1 ] && break
  sleep 0.05
done
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
echo "killed serve (SIGKILL) with ${#ids[@]} jobs submitted, one running"

# An upload cut short two hours ago: a folder no job owns.
mkdir -p "$DATA/job-cutshort"
echo "half a JPEG" >"$DATA/job-cutshort/source-0.jpg"
touch -d '2 hours ago' "$DATA/job-cutshort"

start_serve
# 4. A second serve on the same data dir is refused.
rc=0
"$FACEFUSE" serve --port 0 --data-dir "$DATA" --duration 2 >"$WORK/second.out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a second serve on the same data dir started: $(cat "$WORK/second.out")"
grep -q "another facefuse serve" "$WORK/second.out" || fail "the second serve does not say why: $(cat "$WORK/second.out")"

final=0
for _ in $(seq 600); do
  final=$(curl -sf "$URL/v1/jobs" | jq '[.jobs[] | select(.state == "succeeded" or .state == "failed" or .state == "cancelled")] | length')
  [ "$final" = "$JOBS" ] && break
  sleep 0.2
done
list=$(curl -sf "$URL/v1/jobs")
[ "$(jq .total <<<"$list")" = "$JOBS" ] || fail "$(jq .total <<<"$list") jobs after the restart, expected $JOBS: $list"
[ "$final" = "$JOBS" ] || fail "only $final of $JOBS jobs reached a final state: $list"
for id in "${ids[@]}"; do
  state=$(jq -r --arg id "$id" '.jobs[] | select(.id == $id) | .state' <<<"$list")
  [ "$state" = succeeded ] || fail "job $id is '$state' after the restart, expected succeeded: $list"
done
interrupted=$(jq '[.jobs[] | .interruptions] | add' <<<"$list")
[ "$interrupted" = 1 ] || fail "expected one job interrupted by the kill, found $interrupted: $list"
metrics=$(curl -sf "$URL/metrics")
grep -q '^facefuse_interrupted_jobs_total{outcome="requeued"} 1' <<<"$metrics" ||
  fail "the restart did not count the requeued job: $(grep interrupted <<<"$metrics")"

# 3. The sweep at start removed the orphan; every folder left is a job's.
[ ! -e "$DATA/job-cutshort" ] || fail "the orphan upload folder is still there"
folders=$(cd "$DATA" && ls -d job-* | sort | tr '\n' ' ')
owned=$(jq -r '.jobs[].id' <<<"$list" | sort | tr '\n' ' ')
[ "$folders" = "$owned" ] || fail "job folders [$folders] are not the jobs [$owned]"
curl -sf -o /dev/null "$URL/v1/jobs/${ids[0]}/result" || fail "the result of ${ids[0]} cannot be fetched"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve did not stop cleanly on SIGTERM"
echo "serve crash and restart: $JOBS jobs, all succeeded, 1 interrupted and run again, no orphan: OK"
