#!/usr/bin/env bash
# Acceptance 3 through the CLI: `facefuse job --gpu-report` with the fake NVML driving a known curve writes
# a CSV with the exact columns, one row per interval (+-1) and per stage change carrying the curve in order, and an
# SVG with one point per CSV row in each of its six series, naming the GPU and the start; plus a PNG and the
# right-sizing summary (22.01 GB fits a 24 GB card).
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$(dirname "$0")/common.sh"
fixture_images 100
export FACEFUSE_NVML_LIBRARY=$FAKE_NVML
export FACEFUSE_FAKE_NVML_CURVE="0 10 20 30 40 50 60 70 80 90 100"
interval=0.1
set +e
"$FACEFUSE" job "${images[@]}" --gpu-report --output "$WORK/job.json" --interval $interval \
  --metrics-file "$WORK/job.prom" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
[ "$rc" -le 1 ] || fail "job exit $rc: $(cat "$WORK/err")"
grep -q "GPU metrics unavailable" "$WORK/err" && fail "the fake NVML was not used: $(cat "$WORK/err")"
cat "$WORK/out"

csv="$WORK/job.gpu.csv"
header=$(head -1 "$csv")
[[ "$header" == timestamp,gpu_util,memory_used,memory_total,temperature,power_draw,* ]] || fail "header: $header"
rows=$(($(wc -l <"$csv") - 1))
duration=$(jq -r .duration_s "$WORK/job.json")
# The sampler reads when the job starts and then once per interval: floor(d/i) + 1 readings (+-1 for the few
# milliseconds between the sampler's and the job's clocks); besides, one reading as each stage begins (model_load,
# then decode and detect per decoded image) and one at the job's end.
images_n=$(jq '.images | length' "$WORK/job.json")
decoded_n=$(jq '[.images[] | select(.width > 0)] | length' "$WORK/job.json")
stage_readings=$((1 + images_n + decoded_n + 1))
awk -v r="$rows" -v d="$duration" -v i="$interval" -v s="$stage_readings" \
  'BEGIN { e = int(d / i) + 1 + s; exit !(r >= e - 1 && r <= e + 1) }' ||
  fail "$rows rows for a $duration s job at $interval s with $stage_readings stage readings (expected floor($duration/$interval) + 1 + $stage_readings, +-1)"
# The curve in order, and ISO-8601 timestamps with microseconds.
awk -F, 'NR > 1 {
  want = ((NR - 2) % 11) * 10
  if ($2 + 0 != want) { print "row " NR - 1 ": gpu_util " $2 " != " want; bad = 1 }
} END { exit bad }' "$csv" || fail "CSV values"
bad_ts=$(tail -n +2 "$csv" | cut -d, -f1 | grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$' || true)
[ "$bad_ts" = 0 ] || fail "$bad_ts timestamps are not ISO-8601 with microseconds"

svg="$WORK/job.gpu.svg"
# Six series: utilisation, VRAM (device used, this process, card total), temperature, power.
[ "$(grep -c '<polyline class="series"' "$svg")" = 6 ] || fail "expected 6 series in the SVG"
for s in memory_used process_memory_used memory_total; do
  grep -q "data-series=\"$s\"" "$svg" || fail "the VRAM panel lacks $s"
done
grep -q '>GPU 0: ' "$svg" || fail "the chart does not name the GPU"
grep -q 'started [0-9-]* [0-9:]* UTC' "$svg" || fail "the chart does not give the start time"
while read -r n; do
  [ "$n" = "$rows" ] || fail "an SVG series has $n points for $rows CSV rows"
done < <(grep -o 'points="[^"]*"' "$svg" | sed 's/points="//; s/"$//' | awk '{ print (NF ? NF : 0) }')
grep -q 'peak VRAM' "$svg" || fail "title lacks peak VRAM"
grep -q 'data-stage="model_load"' "$svg" || fail "stages not marked"
[ "$(head -c 4 "$WORK/job.gpu.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "PNG signature"
grep -q "throughput:" "$WORK/job.gpu.txt" || fail "summary"
# The fake's peak: this process uses half of 1 GiB + 40 GiB = 22.01 GB; with 10 % headroom (24.2e9 bytes) a
# 24 GB card (24 GiB = 25.8e9 bytes) holds it.
grep -q "peak VRAM: 22.01 GB (this process)" "$WORK/job.gpu.txt" || fail "peak: $(cat "$WORK/job.gpu.txt")"
grep -q "smallest GPU class: 24 GB" "$WORK/job.gpu.txt" || fail "right-sizing: $(cat "$WORK/job.gpu.txt")"
# The run's metrics: the job's frames and faces as job.json gives them.
frames=$(jq .frames "$WORK/job.json"); faces=$(jq .faces "$WORK/job.json")
grep -qx "facefuse_frames_processed_total{kind=\"detect\"} $frames" "$WORK/job.prom" ||
  fail "metrics frames != $frames: $(grep frames_processed "$WORK/job.prom")"
grep -qx "facefuse_faces_detected_total $faces" "$WORK/job.prom" ||
  fail "metrics faces != $faces: $(grep faces_detected "$WORK/job.prom")"
echo "gpu report: $rows rows for $duration s at $interval s: OK"
