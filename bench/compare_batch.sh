#!/usr/bin/env bash
# Items per second at batch 1, 4 and 16: facefuse vs ONNX Runtime 1.30 CPU on the recognizer (recognizer_512
# fixture) and the swapper stand-in (the inswapper_128 replica, 182 GFLOPs per face), same inputs, same threads.
#
#   bench/compare_batch.sh
#
# Both models have a fixed batch of 1; facefuse-batch-copy writes a copy with a dynamic batch and one test data
# set per batch size (the recognizer's fixture input stacked N times, checked against its stacked reference
# output by `facefuse check-model` first; random inputs for the stand-in). For each model and thread count,
# facefuse times every batch (bench-model), then ORT does (ort_reference.mjs --bench), so both see the same
# machine noise. Prints a Markdown table: median ms per run, items/s = batch / median, ratio ours/ORT of the
# medians (< 1: facefuse is faster). Progress goes to stderr.
#
# Environment overrides:
#   FACEFUSE_BIN        facefuse binary                         (default: <repo>/build/src/facefuse)
#   FACEFUSE_TOOLS      folder of facefuse-standins, -batch-copy (default: <repo>/build/tools/standins)
#   ORT_NODE_PREFIX     npm prefix holding ORT                  (default: $HOME/ort-node)
#   FIXTURES_DIR        fixture root                            (default: <repo>/../shared/fixtures)
#   BATCH_SIZES         batch sizes                             (default: "1 4 16")
#   BENCH_THREADS       thread counts                           (default: "2"; each from 1 to 8)
#   RECOGNIZER_RUNS     timed runs per batch, recognizer        (default: 20)
#   SWAPPER_RUNS        timed runs per batch, swapper stand-in  (default: 3; one run at batch 16 takes ~20 s)
#   BATCH_WORK_DIR      where the copies go (kept)              (default: a temporary folder, removed)
#
# Exit status: 0; 1 when a run of either side failed (the table and the notes are printed first); 2 for an
# argument, a bad setting, a missing tool or a batch copy that does not match its reference.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${FACEFUSE_TOOLS:-$repo/build/tools/standins}"
batches="${BATCH_SIZES:-1 4 16}"
threads_list="${BENCH_THREADS:-2}"

recognizer_runs="${RECOGNIZER_RUNS:-20}"
swapper_runs="${SWAPPER_RUNS:-3}"

# shellcheck source=bench/ort_common.sh
source "$repo/bench/ort_common.sh"
[[ $# -eq 0 ]] || die "takes no arguments (it measures the recognizer fixture and the swapper stand-in), got '$*'"
check_thread_list BENCH_THREADS "$threads_list"
check_count RECOGNIZER_RUNS "$recognizer_runs"
check_count SWAPPER_RUNS "$swapper_runs"
check_ort_setup
[[ -f "$ort_tool" ]] || die "ORT tool not found at $ort_tool (set FIXTURES_DIR)"
for t in facefuse-standins facefuse-batch-copy; do
  [[ -x "$tools/$t" ]] || die "$tools/$t not found (build the tools, or set FACEFUSE_TOOLS)"
done

if [[ -n "${BATCH_WORK_DIR:-}" ]]; then
  work="$BATCH_WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
batch_list="$(tr ' ' ',' <<<"$batches")"

echo "writing the batch copies in $work" >&2
recognizer="$fixtures/models/recognizer_512"
"$tools/facefuse-batch-copy" --model "$recognizer/model.onnx" --data "$recognizer/test_data_set_0" \
  --out "$work/recognizer_512" --batches "$batch_list" >&2
"$facefuse_bin" check-model "$work/recognizer_512" --rtol 1e-4 --atol 1e-4 >&2 ||
  die "the recognizer's batch copy does not match its stacked reference outputs"
"$tools/facefuse-standins" --model inswapper_128 --kind replica --out "$work" >&2
"$tools/facefuse-batch-copy" --model "$work/inswapper_128.replica.onnx" --out "$work/inswapper_128_replica" \
  --batches "$batch_list" >&2
rm -f "$work/inswapper_128.replica.onnx"

rows=()
notes=()
failed=0  # 1 when a run of either side failed
measure() {  # model_dir runs warmup
  local dir="$1" runs="$2" warmup="$3" model threads batch out err ort_out ours_ms ort_ms
  model="$(basename "$dir")"
  for threads in $threads_list; do
    declare -A ours=()
    for batch in $batches; do
      echo "facefuse $model batch=$batch threads=$threads" >&2
      err="$(mktemp)"
      if out="$("$facefuse_bin" bench-model "$dir/model.onnx" --data "$dir/test_data_set_$batch" \
                 --threads "$threads" --runs "$runs" --warmup "$warmup" --json 2>"$err")"; then
        ours[$batch]="$(json_field median_ms <<<"$out")"
      else
        ours[$batch]=""
        notes+=("$model batch=$batch threads=$threads: facefuse failed: $(failure_reason "$err")")
        failed=1
      fi
      rm -f "$err"
    done
    echo "ORT      $model threads=$threads" >&2
    # Exit status 1: no reference outputs (the stand-in) or another CPU's rounding; the timings stand.
    ort_out="$(node "$ort_tool" "$dir" --ort "$ort_prefix" --threads "$threads" --bench "$runs" 2>/dev/null || true)"
    for batch in $batches; do
      ours_ms="${ours[$batch]}"
      ort_ms="$(json_field "bench.median_ms.test_data_set_$batch" <<<"$ort_out")"
      if [[ -z "$ort_ms" ]]; then
        notes+=("$model batch=$batch threads=$threads: ORT gave no timing")
        failed=1
      fi
      rows+=("$(node -e '
        const [model, batch, threads, a, b] = process.argv.slice(1);
        const ips = (ms) => (ms ? (1000 * Number(batch) / Number(ms)).toFixed(1) : "n/a");
        const r = a && b ? (Number(a) / Number(b)).toFixed(2) : "n/a";
        console.log(`| ${model} | ${batch} | ${threads} | ${a || "n/a"} | ${b || "n/a"} | ${ips(a)} | ${ips(b)} | ${r} |`);
      ' "$model" "$batch" "$threads" "$ours_ms" "$ort_ms")")
    done
    unset ours
  done
}
measure "$work/recognizer_512" "$recognizer_runs" 3
measure "$work/inswapper_128_replica" "$swapper_runs" 1

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Runs per batch: recognizer $recognizer_runs, swapper stand-in $swapper_runs (medians);" \
     "ratio = ours / ORT (< 1: facefuse is faster)."
echo
echo "| model | batch | threads | ours median ms | ORT median ms | ours items/s | ORT items/s | ratio ours/ORT |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if [[ ${#notes[@]} -gt 0 ]]; then
  echo
  echo "Notes:"
  printf -- '- %s\n' "${notes[@]}"
fi
exit "$failed"
