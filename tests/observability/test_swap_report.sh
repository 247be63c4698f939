#!/usr/bin/env bash
# `facefuse swap --gpu-report --metrics-file` with the fake NVML: the same per-job CSV, chart and summary as
# `job --gpu-report` (one implementation), with the swap's stages, and the run's metrics with the faces swapped.
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$(dirname "$0")/common.sh"
images="$SOURCE_DIR/../shared/fixtures/media/images"
if [ ! -f "$images/obama.jpg" ]; then
  [ "${CI:-}" = true ] && fail "fixture missing: $images/obama.jpg (CI=true: the fixtures must be present)"
  echo "SKIP: no fixture images in $images"; exit $SKIP
fi
export FACEFUSE_NVML_LIBRARY=$FAKE_NVML
export FACEFUSE_FAKE_NVML_CURVE="10 20 30 40 50 60 70 80 90"
# A long interval: every reading is the start's, a stage change's or the end's.
"$FACEFUSE" swap --threads 2 -s "$images/obama.jpg" -t "$images/biden.jpg" -o "$WORK/out.png" \
  --gpu-report --interval 600 --metrics-file "$WORK/swap.prom" >"$WORK/out" 2>"$WORK/err" ||
  fail "swap exit $?: $(cat "$WORK/err")"
cat "$WORK/out"
grep -q "GPU metrics unavailable" "$WORK/err" && fail "the fake NVML was not used: $(cat "$WORK/err")"
grep -q '^swapped 1 face(s) into ' "$WORK/out" || fail "swap output: $(cat "$WORK/out")"
for f in out.gpu.csv out.gpu.svg out.gpu.png out.gpu.txt; do [ -s "$WORK/$f" ] || fail "missing $f"; done
grep -q "GPU report: $WORK/out.gpu.csv" "$WORK/out" || fail "the report's files are not named"

# Readings: start, model_load, detect (the sources), swap, write, end = 6, the curve in order.
csv="$WORK/out.gpu.csv"
header=$(head -1 "$csv")
[[ "$header" == timestamp,gpu_util,memory_used,memory_total,temperature,power_draw,* ]] || fail "header: $header"
rows=$(($(wc -l <"$csv") - 1))
[ "$rows" = 6 ] || fail "$rows CSV rows, expected 6 (start, 4 stage changes, end): $(cat "$csv")"
awk -F, 'NR > 1 && $2 + 0 != (NR - 1) * 10 { print "row " NR - 1 ": " $2; bad = 1 } END { exit bad }' "$csv" ||
  fail "CSV values"

svg="$WORK/out.gpu.svg"
for stage in model_load detect swap write; do
  grep -q "data-stage=\"$stage\"" "$svg" || fail "stage $stage not in the chart"
done
[ "$(grep -c '<polyline class="series"' "$svg")" = 6 ] || fail "expected 6 series in the SVG"
grep -q '>GPU 0: Fake GPU 0' "$svg" || fail "the chart does not name the GPU"
[ "$(head -c 4 "$WORK/out.gpu.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "PNG signature"
grep -q '^swap .*biden.jpg$' "$WORK/out.gpu.txt" || fail "summary names the job: $(cat "$WORK/out.gpu.txt")"
grep -q '^throughput: 1 frames in ' "$WORK/out.gpu.txt" || fail "summary throughput: $(cat "$WORK/out.gpu.txt")"
grep -q '^smallest GPU class: [0-9]* GB' "$WORK/out.gpu.txt" || fail "summary advice: $(cat "$WORK/out.gpu.txt")"

# The run's metrics: the face the engine swapped, one frame, one successful swap job.
prom="$WORK/swap.prom"
grep -qx 'facefuse_faces_swapped_total 1' "$prom" || fail "faces swapped: $(grep faces_ "$prom")"
grep -qx 'facefuse_frames_processed_total{kind="swap"} 1' "$prom" || fail "frames: $(grep frames_ "$prom")"
grep -qx 'facefuse_job_duration_seconds_count{kind="swap",outcome="success"} 1' "$prom" ||
  fail "job: $(grep job_duration_seconds_count "$prom")"
[ -z "$(ls "$WORK" | grep 'swap.prom.')" ] || fail "a temporary metrics file was left: $(ls "$WORK")"
if command -v promtool >/dev/null; then promtool check metrics <"$prom" || fail "promtool check metrics"; fi
echo "swap report: OK"
