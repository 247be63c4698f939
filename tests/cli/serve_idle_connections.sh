#!/usr/bin/env bash
# `facefuse serve` under idle clients, and a port that is taken:
#   1. 10 connections that never send a full request (5 send nothing, 5 half a request header) do not stop
#      /metrics answering: a scrape made while they are all open answers 200 within 1 s;
#   2. the server drops such a connection after its request timeout (5 s), not after 30 s;
#   3. a second serve on the same port exits 1 naming the address, the port and the reason.
# Usage: serve_idle_connections.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1  # the same on every machine

"$FACEFUSE" serve --metrics-port 0 --duration 40 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'metrics at http://'
port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/metrics' "$WORK/serve.out" | head -1 | sed -E 's/.*:([0-9]+)\/metrics/\1/')
[ -n "$port" ] || fail "no port in: $(cat "$WORK/serve.out")"

now_ms() { date +%s%3N; }

idle=()
for i in $(seq 10); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "idle connection $i refused"
  if [ $((i % 2)) = 0 ]; then printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&"$fd"; fi  # never finished
  idle+=("$fd")
done
sleep 0.3  # let the server hand every idle connection to a worker

# 1. A scrape while the 10 connections are open.
start=$(now_ms)
exec {scrape}<>"/dev/tcp/127.0.0.1/$port" || fail "scrape connection refused"
printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$scrape"
rc=0
timeout 1 cat <&"$scrape" >"$WORK/scrape.txt" || rc=$?
elapsed=$(( $(now_ms) - start ))
exec {scrape}>&-
[ "$rc" = 0 ] || fail "/metrics did not answer within 1 s with 10 idle connections open (timeout exit $rc)"
head -1 "$WORK/scrape.txt" | grep -q '200 OK' || fail "scrape status: $(head -1 "$WORK/scrape.txt")"
grep -q '^process_resident_memory_bytes ' "$WORK/scrape.txt" || fail "scrape has no process metrics"
echo "/metrics answered in ${elapsed} ms with ${#idle[@]} idle connections open"

# 2. The server closes an idle connection after its request timeout (reading it then ends).
start=$(now_ms)
rc=0
timeout 10 cat <&"${idle[0]}" >/dev/null || rc=$?
waited=$(( $(now_ms) - start ))
[ "$rc" = 0 ] || fail "an idle connection was still open 10 s later (timeout exit $rc)"
[ "$waited" -le 7000 ] || fail "an idle connection was dropped only after ${waited} ms (expected about 5 s)"
echo "an idle connection was dropped ${waited} ms after the scrape"
for fd in "${idle[@]}"; do exec {fd}>&-; done

# 3. The same port a second time.
rc=0
"$FACEFUSE" serve --metrics-port "$port" --duration 1 >"$WORK/second.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a second serve on port $port: exit $rc, expected 1: $(cat "$WORK/second.out")"
grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$WORK/second.out" ||
  fail "the bind failure does not name the address, port and reason: $(cat "$WORK/second.out")"
! grep -q 'metrics at' "$WORK/second.out" || fail "the second serve claims to serve metrics"
echo "serve idle connections and port in use: OK"
