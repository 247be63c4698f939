#!/usr/bin/env bash
# Acceptance 5, for a machine with an NVIDIA GPU and driver (no fake NVML): the real NVML loads, `monitor`
# reads plausible values, a detection job writes a GPU report whose CSV has one row per interval and per stage
# change, and
# `serve` exposes GPU gauges that `promtool check metrics` accepts.
#   scripts/gpu_report_check.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ff="$build/src/facefuse"
[ -x "$ff" ] || { echo "build facefuse first: ninja -C $build facefuse"; exit 2; }
command -v nvidia-smi >/dev/null || { echo "SKIP: no nvidia-smi (no GPU driver)"; exit 77; }
unset FACEFUSE_NVML_LIBRARY
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== nvidia-smi"
nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw --format=csv
echo "== facefuse monitor"
"$ff" monitor --count 3 --interval 0.5 --csv "$work/m.csv" 2>"$work/m.err" | tee "$work/m.out"
grep -q "unavailable" "$work/m.err" && fail "NVML did not load: $(cat "$work/m.err")"
grep -qE ' gpu0 util [0-9]+% mem [0-9.]+/[0-9.]+ GB temp [0-9]+ C power [0-9.]+ W' "$work/m.out" || fail "monitor lines"
total=$(awk -F, 'NR == 2 { print $4 }' "$work/m.csv")
smi_total=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits -i 0)  # MiB
awk -v a="$total" -v b="$smi_total" 'BEGIN { exit !(a / 1048576 > b * 0.95 && a / 1048576 < b * 1.05) }' ||
  fail "memory_total $total bytes disagrees with nvidia-smi's $smi_total MiB"

echo "== facefuse job --gpu-report"
images=(shared/fixtures/media/images/*.jpg ../shared/fixtures/media/images/*.jpg)
mapfile -t images < <(ls "${images[@]}" 2>/dev/null || true)
[ ${#images[@]} -gt 0 ] || images=(models/README.md)
"$ff" job "${images[@]}" --gpu-report --output "$work/job.json" --interval 0.1 || true
rows=$(($(wc -l <"$work/job.gpu.csv") - 1))
duration=$(jq -r .duration_s "$work/job.json")
# One reading per interval, plus one as each stage begins (model_load, decode and detect per decoded image) and one
# at the end.
stage_readings=$((1 + $(jq '.images | length' "$work/job.json") + $(jq '[.images[] | select(.width > 0)] | length' "$work/job.json") + 1))
echo "CSV rows: $rows for $duration s at 0.1 s and $stage_readings stage readings"
awk -v r="$rows" -v d="$duration" -v s="$stage_readings" 'BEGIN { e = d / 0.1 + s; exit !(r >= e - 1 && r <= e + 1) }' ||
  fail "row count"
grep -q "Fake GPU" "$work/job.gpu.svg" && fail "the fake NVML was used"
grep -qE '>GPU 0: [^<]+\(GPU-' "$work/job.gpu.svg" || fail "the chart does not name the GPU"
cat "$work/job.gpu.txt"

echo "== facefuse serve /metrics"
"$ff" serve --metrics-port 0 --duration 5 >"$work/s.out" 2>&1 &
for _ in $(seq 50); do grep -q 'metrics at' "$work/s.out" && break; sleep 0.1; done
url=$(grep -oE 'http://[^ ]+' "$work/s.out")
sleep 2
curl -sf "$url" >"$work/metrics.txt"
grep -E '^facefuse_gpu_(utilization_ratio|memory_used_bytes|temperature_celsius|power_draw_watts)\{' "$work/metrics.txt"
if command -v promtool >/dev/null; then
  lint=$(promtool check metrics <"$work/metrics.txt" 2>&1) || true
  [ -z "$lint" ] || fail "promtool: $lint"
fi
echo "GPU report check: OK"
