#!/usr/bin/env bash
# Acceptance 4: without NVML every command works and says once that GPU metrics are unavailable.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
notice="GPU metrics unavailable"
once() {  # $1: stderr file
  local n; n=$(grep -c "$notice" "$1" || true)
  [ "$n" = 1 ] || fail "expected the notice once in $1, got $n: $(cat "$1")"
}

"$FACEFUSE" monitor --count 3 --interval 0.1 --csv "$WORK/monitor.csv" >"$WORK/m.out" 2>"$WORK/m.err" || fail "monitor exit $?"
once "$WORK/m.err"
[ "$(grep -c ' process cpu ' "$WORK/m.out")" = 3 ] || fail "monitor printed no process lines: $(cat "$WORK/m.out")"
head -1 "$WORK/monitor.csv" | grep -q '^timestamp,gpu_util,memory_used,memory_total,temperature,power_draw' || fail "monitor csv header"

img="$SOURCE_DIR/README.md"  # without fixtures (not under CI): not an image, the job fails but still reports
if fixture_images 1 optional; then img=${images[0]}; fi
set +e
"$FACEFUSE" job "$img" --gpu-report --output "$WORK/job.json" --interval 0.1 >"$WORK/j.out" 2>"$WORK/j.err"
rc=$?
set -e
[ "$rc" -le 1 ] || fail "job exit $rc: $(cat "$WORK/j.err")"
once "$WORK/j.err"
for f in job.gpu.csv job.gpu.svg job.gpu.png job.gpu.txt; do [ -s "$WORK/$f" ] || fail "missing $f"; done
grep -q "no samples" "$WORK/job.gpu.txt" || fail "summary should say there are no GPU samples"

"$FACEFUSE" serve --metrics-port 0 --duration 3 --interval 0.2 >"$WORK/s.out" 2>"$WORK/s.err" &
PIDS+=($!)
wait_for_line "$WORK/s.out" 'metrics at http://'
url=$(grep -oE 'http://[^ ]+' "$WORK/s.out" | head -1)
curl -sf "$url" >"$WORK/metrics.txt" || fail "scrape failed"
grep -q '^facefuse_gpu_devices 0' "$WORK/metrics.txt" || fail "facefuse_gpu_devices should be 0"
grep -q '^process_cpu_seconds_total ' "$WORK/metrics.txt" || fail "process metrics missing"
wait "${PIDS[-1]}" || fail "serve exit $?"
once "$WORK/s.err"

# NVML present but no GPU: the same, with the reason.
FACEFUSE_NVML_LIBRARY=$3 FACEFUSE_FAKE_NVML_DEVICES=0 "$FACEFUSE" monitor --count 1 --interval 0.05 \
  >/dev/null 2>"$WORK/m0.err" || fail "monitor with no GPU: exit $?"
once "$WORK/m0.err"
grep -q "no GPU" "$WORK/m0.err" || fail "no-GPU reason missing: $(cat "$WORK/m0.err")"
echo "no NVML: OK"
