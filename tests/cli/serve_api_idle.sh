#!/usr/bin/env bash
# `facefuse serve --port` (the job API) under idle half-open connections: 11 connections that never finish a
# request (5 send nothing, 5 half a request header, 1 a multipart upload's header and the start of its body):
#   1. while they are all open, /health/live, GET /v1/jobs and /metrics each answer 200 within 1 s;
#   2. with a fresh set of them open, a job submission is accepted (202, and the job then succeeds) and
#      POST /v1/swap answers the swapped image (200).
# Usage: serve_api_idle.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1  # the same on every machine
export OMP_WAIT_POLICY=PASSIVE
need curl
need jq
image="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images/obama_small.jpg"
[ -f "$image" ] || missing_fixture "$image"

"$FACEFUSE" serve --port 0 --duration 100 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'job API at http://'
URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)
port=${URL##*:}
[ -n "$port" ] || fail "no port in: $(cat "$WORK/serve.out")"

now_ms() { date +%s%3N; }

# Opens the idle connections; their descriptors go to the array `idle`.
open_idle() {
  idle=()
  local fd i
  for i in $(seq 10); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "idle connection $i refused"
    if [ $((i % 2)) = 0 ]; then printf 'GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&"$fd"; fi  # never finished
    idle+=("$fd")
  done
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "the idle upload's connection refused"
  printf 'POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=idle\r\n' >&"$fd"
  printf 'Content-Length: 100000\r\n\r\n--idle\r\n' >&"$fd"
  printf 'Content-Disposition: form-data; name="source"; filename="a.jpg"\r\n' >&"$fd"
  printf 'Content-Type: image/jpeg\r\n\r\n' >&"$fd"
  head -c 2000 "$image" >&"$fd"  # 2000 of the 100000 bytes announced
  idle+=("$fd")
  sleep 0.3  # let the server hand every idle connection to a thread
}

# Fails unless every idle connection is still open: nothing to read yet and no end of file.
expect_idle_open() {
  local fd line rc
  for fd in "${idle[@]}"; do
    rc=0
    read -r -t 0.05 -u "$fd" line || rc=$?
    [ "$rc" -gt 128 ] || fail "an idle connection was closed or answered before the checks ended ($1; read exit $rc)"
  done
}

close_idle() { local fd; for fd in "${idle[@]}"; do exec {fd}>&-; done; }

# Fails unless GET $1 answers 200 within 1 s; the body goes to $WORK/answer.
expect_quick_200() {
  local start code rc=0
  start=$(now_ms)
  code=$(curl -s -o "$WORK/answer" -w '%{http_code}' --max-time 1 "$URL$1") || rc=$?
  [ "$rc" = 0 ] || fail "GET $1 did not answer within 1 s with ${#idle[@]} idle connections open (curl exit $rc)"
  [ "$code" = 200 ] || fail "GET $1 answered $code: $(head -c 300 "$WORK/answer")"
  echo "GET $1 answered 200 in $(( $(now_ms) - start )) ms with ${#idle[@]} idle connections open"
}

# 1. Reads while the idle connections are open.
open_idle
expect_quick_200 /health/live
expect_quick_200 /v1/jobs
jq -e '.jobs and .total == 0' "$WORK/answer" >/dev/null || fail "GET /v1/jobs: $(cat "$WORK/answer")"
expect_quick_200 /metrics
grep -q '^process_resident_memory_bytes ' "$WORK/answer" || fail "/metrics has no process metrics"
expect_idle_open "after the reads"
close_idle

# 2. Work while a fresh set is open: a job and a synchronous swap.
open_idle
code=$(curl -s -o "$WORK/submit.json" -w '%{http_code}' --max-time 10 -F "source=@$image" -F "target=@$image" \
         -F 'options={"swapper": "classical"}' "$URL/v1/jobs") || fail "POST /v1/jobs: no answer within 10 s"
[ "$code" = 202 ] || fail "POST /v1/jobs answered $code: $(cat "$WORK/submit.json")"
id=$(jq -r .id "$WORK/submit.json")
echo "POST /v1/jobs accepted $id with ${#idle[@]} idle connections open"
code=$(curl -s -o "$WORK/swapped.jpg" -D "$WORK/swap.headers" -w '%{http_code}' --max-time 60 -F "source=@$image" \
         -F "target=@$image" -F 'options={"swapper": "classical"}' "$URL/v1/swap") ||
  fail "POST /v1/swap: no answer within 60 s"
[ "$code" = 200 ] || fail "POST /v1/swap answered $code: $(head -c 300 "$WORK/swapped.jpg")"
grep -qi '^X-Faces-Swapped: 1' "$WORK/swap.headers" || fail "POST /v1/swap swapped no face: $(cat "$WORK/swap.headers")"
echo "POST /v1/swap answered the swapped image ($(wc -c <"$WORK/swapped.jpg") bytes)"
close_idle
state=
for _ in $(seq 300); do
  state=$(curl -sf "$URL/v1/jobs/$id" | jq -r .state) || fail "GET /v1/jobs/$id failed"
  case "$state" in succeeded|failed|cancelled) break ;; esac
  sleep 0.2
done
[ "$state" = succeeded ] || fail "job $id is '$state', expected succeeded: $(curl -s "$URL/v1/jobs/$id")"
echo "serve API with idle half-open connections: OK"
