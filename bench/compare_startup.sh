#!/usr/bin/env bash
# Start-up of facefuse vs ONNX Runtime 1.30 CPU on the fixture models: the time from opening the model to the
# first result, each measured in a fresh process on test_data_set_0.
#
#   bench/compare_startup.sh [MODEL_DIR ...]     (default: every folder with a model.onnx in ../shared/fixtures/models)
#
# Ours: `facefuse bench-model --json` load_ms (Session::Open) + first_run_ms (the first Run, which also builds and
# chooses the kernels' plans). ORT: bench/ort_startup.mjs, InferenceSession.create + the first run. The two
# alternate, BENCH_REPEATS times per model; the table gives each side's median and the ratio ours/ORT
# (< 1: facefuse starts faster), then the geometric mean of the ratios.
#
# Environment overrides:
#   FACEFUSE_BIN     facefuse binary            (default: <repo>/build/src/facefuse)
#   ORT_NODE_PREFIX  npm prefix holding ORT     (default: $HOME/ort-node)
#   FIXTURES_DIR     fixture root               (default: <repo>/../shared/fixtures)
#   BENCH_THREADS    thread count               (default: 1; from 1 to 8)
#   BENCH_REPEATS    fresh processes per side   (default: 5)
#
# Exit status: 0; 2 for a bad setting, a bad folder, a missing tool or a failed run (the reason on stderr).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${BENCH_THREADS:-1}"
repeats="${BENCH_REPEATS:-5}"

# shellcheck source=bench/ort_common.sh
source "$repo/bench/ort_common.sh"
check_count BENCH_REPEATS "$repeats"
[[ "$threads" =~ ^[0-9]+$ ]] || die "BENCH_THREADS must be one whole number from 1 to $max_threads, got '$threads'"
check_thread_list BENCH_THREADS "$threads"
check_ort_setup
collect_model_dirs "$@"

# The median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
ratios=()
for dir in "${model_dirs[@]}"; do
  dir="${dir%/}"
  model="$(basename "$dir")"
  set_dir="$dir/test_data_set_0"
  [[ -f "$dir/model.onnx" && -d "$set_dir" ]] || die "$dir needs a model.onnx and a test_data_set_0 folder"
  ours=() ort=()
  for ((i = 0; i < repeats; i++)); do
    echo "$model repeat $((i + 1))/$repeats" >&2
    err="$(mktemp)"
    out="$("$facefuse_bin" bench-model "$dir/model.onnx" --data "$set_dir" --threads "$threads" --runs 1 --warmup 1 \
             --json 2>"$err")" || { reason="$(failure_reason "$err")"; rm -f "$err"; die "facefuse failed on $model: $reason"; }
    rm -f "$err"
    ours+=("$(json_field first_result_ms <<<"$out")")
    out="$(node "$repo/bench/ort_startup.mjs" "$dir" "$set_dir" --ort "$ort_prefix" --threads "$threads")" ||
      die "ONNX Runtime failed on $model"
    ort+=("$(json_field first_result_ms <<<"$out")")
  done
  ours_ms="$(median "${ours[@]}")"
  ort_ms="$(median "${ort[@]}")"
  ratio="$(awk -v a="$ours_ms" -v b="$ort_ms" 'BEGIN { printf "%.2f", a / b }')"
  ratios+=("$ratio")
  rows+=("$(printf '| %s | %.1f | %.1f | %s |' "$model" "$ours_ms" "$ort_ms" "$ratio")")
done

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores; $threads thread(s); median of $repeats fresh processes per side"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| model | facefuse open + first run, ms | ORT create + first run, ms | ratio ours/ORT |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${ratios[@]}" | awk '{ s += log($1); n++ } END { printf "Geometric mean ours/ORT over %d models: %.2f\n", n, exp(s / n) }'
