#!/usr/bin/env bash
# The S3 result store (--results s3://BUCKET/PREFIX) against a local S3-compatible server (s3rver, tests/s3) on
# loopback, with two replicas on one Redis queue:
#   1. a job run by one replica is downloaded from the other: the bytes are the stored object's, went up in parts
#      (--results-part-mb 0.0625), a Range reads the same bytes, and no copy is left in the job's folder;
#   2. the store down when a job stores its result and back a moment later: the job tries again and succeeds;
#   3. wrong credentials: serve does not start, and says what the store answered;
#   4. retention removes a job's stored object with its record;
#   5. a store that hangs (SIGSTOP): /health/ready answers 503 within seconds, the rest of the API at once;
#   6. the store down for good: the job fails with the store's error, its record stays, /health/ready says why;
#   7. a replica with another --results on the same data dir is refused; the secret key is in no log, no /metrics
#      and no job record.
# (s3rver checks the access key id but not the signature: test_s3_result_store.cpp checks the signatures.)
# Usage: serve_s3_results.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export OMP_WAIT_POLICY=PASSIVE
need redis-server
need redis-cli
need curl
need jq
S3RVER="$SOURCE_DIR/tests/s3/node_modules/.bin/s3rver"
if ! command -v node >/dev/null || [ ! -x "$S3RVER" ]; then
  [ "${CI:-}" = true ] && fail "s3rver is not installed in tests/s3 (scripts/install-deps.sh installs it)"
  echo "SKIP: s3rver is not installed in tests/s3 (scripts/install-deps.sh installs it)"
  exit $SKIP
fi
images_dir="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images"
[ -f "$images_dir/obama.jpg" ] && [ -f "$images_dir/two_people.jpg" ] || missing_fixture "$images_dir/obama.jpg"

s3_port=$(free_port)
S3_PID=""
# Starts s3rver on $s3_port. The first start (only) moves to another port when this one was taken meanwhile.
start_s3() {
  local attempt
  for attempt in 1 2 3; do
    "$S3RVER" -d "$WORK/s3" -a 127.0.0.1 -p "$s3_port" --configure-bucket facefuse --silent >>"$WORK/s3.log" 2>&1 &
    S3_PID=$!
    PIDS+=("$S3_PID")
    for _ in $(seq 100); do
      curl -sf -o /dev/null "http://127.0.0.1:$s3_port/" && return 0
      kill -0 "$S3_PID" 2>/dev/null || break
      sleep 0.1
    done
    [ -z "${FACEFUSE_S3_ENDPOINT:-}" ] && grep -q EADDRINUSE "$WORK/s3.log" || break
    s3_port=$(free_port)
  done
  fail "s3rver did not start: $(cat "$WORK/s3.log")"
}
stop_s3() { kill "$S3_PID"; wait "$S3_PID" 2>/dev/null || true; }
start_s3
start_redis

# s3rver checks the key id only, so the secret can be one the logs are searched for.
SECRET="secret-$RANDOM$RANDOM-never-logged"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET FACEFUSE_S3_ENDPOINT="http://127.0.0.1:$s3_port"
RESULTS=(--results s3://facefuse/results --results-part-mb 0.0625)
# Starts a replica named $1 (more serve options after it); sets ${1}_PID and ${1}_URL.
start_replica() {
  local name=$1
  shift
  "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --redis "127.0.0.1:$redis_port" --workers 1 "${RESULTS[@]}" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  wait_for_line "$WORK/$name.out" 'job API at http://'
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_URL" '%s' "$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/$name.out" | head -1)"
}
submit() {
  curl -sf -F "source=@$images_dir/obama.jpg" -F "target=@$images_dir/two_people.jpg" \
    -F 'options={"swapper": "classical"}' "$1/v1/jobs" | jq -r .id
}
# Waits for job $2 (through replica URL $1) to end; prints its record.
wait_final() {
  local record=""
  for _ in $(seq 600); do
    record=$(curl -sf "$1/v1/jobs/$2") || true
    case "$(jq -r .state <<<"$record" 2>/dev/null)" in succeeded|failed|cancelled) echo "$record"; return 0 ;; esac
    sleep 0.1
  done
  fail "job $2 did not end: $record"
}
object_of() { echo "$WORK/s3/facefuse/results/$1/output.jpg._S3rver_object"; }
start_replica a
start_replica b

# 1. Run by one, downloaded from the other.
id=$(submit "$a_URL") || fail "submit refused"
record=$(wait_final "$a_URL" "$id")
[ "$(jq -r .state <<<"$record")" = succeeded ] || fail "job $id: $record"
other=$b_URL; jq -r .ran_on <<<"$record" | grep -q -- "-$b_PID-" && other=$a_URL
curl -sf -o "$WORK/result.jpg" "$other/v1/jobs/$id/result" || fail "job $id: no result through the other replica"
[ -f "$(object_of "$id")" ] || fail "no object for job $id in the bucket: $(find "$WORK/s3" -type f | head)"
cmp "$WORK/result.jpg" "$(object_of "$id")" || fail "the downloaded result is not the stored object"
size=$(stat -c %s "$WORK/result.jpg")
[ "$size" -gt $((3 * 65536)) ] || fail "the result ($size bytes) is too small to have gone up in parts"
[ ! -e "$WORK/data/$id/output.jpg" ] || fail "a copy of the result stayed in the job's folder"
curl -sf -H 'Range: bytes=100-4195' -o "$WORK/range.bin" "$other/v1/jobs/$id/result" || fail "Range refused"
cmp "$WORK/range.bin" <(tail -c +101 "$WORK/result.jpg" | head -c 4096) || fail "the Range read other bytes"
grep -h '"stage finished"' "$WORK/a.err" "$WORK/b.err" | grep "\"job_id\":\"$id\"" | grep -q '"stage":"store_result"' ||
  fail "job $id logged no store_result stage: $(grep -h "$id" "$WORK/a.err" "$WORK/b.err")"
echo "1. job $id ($size bytes, in parts) run by $(jq -r .ran_on <<<"$record"), downloaded through the other replica"

# 2. The store down while the job stores its result, back a moment later.
stop_s3
id2=$(submit "$a_URL") || fail "submit refused"
# The write stage ends just before the result is stored (the replica that runs the job logs it).
for _ in $(seq 300); do
  grep -h '"stage finished"' "$WORK/a.err" "$WORK/b.err" | grep "\"job_id\":\"$id2\"" | grep -q '"stage":"write"' && break
  sleep 0.05
done
sleep 0.2
start_s3
record=$(wait_final "$a_URL" "$id2")
[ "$(jq -r .state <<<"$record")" = succeeded ] || fail "job $id2 was not tried again once the store came back: $record"
[ -f "$(object_of "$id2")" ] || fail "no object for job $id2"
echo "2. job $id2: the store was down when it stored its result; tried again, it succeeded"

# 3. Wrong credentials: serve says what the store answered, and does not start.
if AWS_ACCESS_KEY_ID=NOT-A-KEY "$FACEFUSE" serve --port 0 --data-dir "$WORK/wrong" "${RESULTS[@]}" \
     >"$WORK/wrong.out" 2>"$WORK/wrong.err"; then
  fail "serve started with credentials the store refuses"
fi
grep -q "InvalidAccessKeyId" "$WORK/wrong.err" && grep -q "check the credentials" "$WORK/wrong.err" ||
  fail "no clear error for wrong credentials: $(cat "$WORK/wrong.err")"
echo "3. wrong credentials: $(grep -m1 InvalidAccessKeyId "$WORK/wrong.err" | cut -c1-160)"

# 4. Retention: a replica whose retention is a moment removes the finished jobs' objects and records at start.
start_replica c --retention-hours 0.0001
for _ in $(seq 100); do [ ! -e "$(object_of "$id")" ] && [ ! -e "$(object_of "$id2")" ] && break; sleep 0.1; done
[ ! -e "$(object_of "$id")" ] && [ ! -e "$(object_of "$id2")" ] || fail "retention left the stored results"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$a_URL/v1/jobs/$id")" = 404 ] || fail "retention left the record of $id"
kill "$c_PID"
echo "4. retention removed the stored results and records of $id and $id2"

# 5. A store that hangs: readiness is bounded (one 3 s attempt, cached), the rest of the API does not wait.
kill -STOP "$S3_PID"
sleep 5.5  # past the cached answer
start=$(date +%s%N)
ready=$(curl -s -m 10 -w ' %{http_code}' "$a_URL/health/ready")
took_ms=$((($(date +%s%N) - start) / 1000000))
[ "${ready##* }" = 503 ] && [ "$took_ms" -lt 4500 ] || fail "/health/ready with a hanging store: $ready after $took_ms ms"
probes=()
for _ in $(seq 20); do curl -s -m 10 -o /dev/null "$a_URL/health/ready" & probes+=($!); done
[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$a_URL/v1/jobs")" = 200 ] || fail "the API waited for a hanging store"
wait "${probes[@]}"
kill -CONT "$S3_PID"
echo "5. a hanging store: /health/ready answered 503 in $took_ms ms; the API stayed responsive"

# 6. The store down for good: the job fails with the store's error; its record stays.
stop_s3
id3=$(submit "$a_URL") || fail "submit refused"
record=$(wait_final "$a_URL" "$id3")
[ "$(jq -r .state <<<"$record")" = failed ] || fail "job $id3 with the store down: $record"
jq -r .error.message <<<"$record" | grep -q "is out of reach" || fail "job $id3 does not say why: $record"
ready=$(curl -s -w ' %{http_code}' "$a_URL/health/ready")
[ "${ready##* }" = 503 ] && grep -q "the result store" <<<"$ready" || fail "/health/ready with the store down: $ready"
[ -f "$WORK/data/$id3/output.jpg" ] || fail "the result of $id3 was lost with the store"
echo "6. job $id3 failed: $(jq -r .error.message <<<"$record" | cut -c1-120)"
# 7. Another --results on the same data dir is refused; the secret is nowhere.
if "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --redis "127.0.0.1:$redis_port" --results s3://facefuse/other \
     --duration 1 >"$WORK/other.out" 2>"$WORK/other.err"; then
  fail "a replica with another --results started on the same data dir"
fi
grep -q "holds the jobs of another store" "$WORK/other.err" || fail "no clear refusal: $(cat "$WORK/other.err")"
curl -sf "$a_URL/metrics" >"$WORK/metrics.txt"
curl -sf "$a_URL/v1/jobs" >"$WORK/jobs.json"
if grep -l -- "$SECRET" "$WORK"/*.err "$WORK/metrics.txt" "$WORK/jobs.json" "$WORK"/*.out; then
  fail "the secret key is in the files above"
fi
echo "7. another --results on the data dir refused; the secret key is in no log, /metrics or job record"
echo "S3 results: OK"
