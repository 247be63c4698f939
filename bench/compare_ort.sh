#!/usr/bin/env bash
# Latency of facefuse vs ONNX Runtime 1.30 CPU on the fixture models, same inputs, same thread counts.
#
#   bench/compare_ort.sh [MODEL_DIR ...]     (default: every folder with a model.onnx in ../shared/fixtures/models)
#
# For each model and for threads 1 and 2, in BENCH_ROUNDS rounds: `facefuse bench-model` on every test_data_set_*
# (10 timed runs after 3 warm-up) and ORT through the fixture tool ort_reference.mjs (--bench 10: 3 warm-up + 10
# timed runs per set), taking turns to go first. Both see the same machine noise, and a burst of load from other
# processes spoils a round, not the result: each time is the median of its round medians.
# Prints a Markdown table of those times, the ratio ours/ORT (< 1 means facefuse is faster) and the spread of the
# round medians to stdout, then per thread count the geometric mean of the ratios over the models (each model's
# ratio: the geometric mean over its sets) and the models above 1.0; progress goes to stderr.
#
# Environment overrides:
#   FACEFUSE_BIN     facefuse binary            (default: <repo>/build/src/facefuse)
#   ORT_NODE_PREFIX  npm prefix holding ORT     (default: $HOME/ort-node)
#   FIXTURES_DIR     fixture root               (default: <repo>/../shared/fixtures)
#   BENCH_THREADS    thread counts to measure   (default: "1 2"; each from 1 to 8)
#   BENCH_RUNS       timed runs per set, round  (default: 10)
#   BENCH_ROUNDS     rounds                     (default: 5)
#
# Exit status: 0; 1 when a run of either side failed (the table and the notes are printed first); 2 for a bad
# setting, a folder without a model or test set, or a missing tool.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads_list="${BENCH_THREADS:-1 2}"
runs="${BENCH_RUNS:-10}"
rounds="${BENCH_ROUNDS:-5}"
warmup=3

# shellcheck source=bench/ort_common.sh
source "$repo/bench/ort_common.sh"
check_count BENCH_ROUNDS "$rounds"
check_count BENCH_RUNS "$runs"
check_thread_list BENCH_THREADS "$threads_list"
check_ort_setup
[[ -f "$ort_tool" ]] || die "ORT tool not found at $ort_tool (set FIXTURES_DIR)"
ort_pkg="$ort_prefix/node_modules/onnxruntime-node/package.json"
ort_version="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version)' "$ort_pkg")"

# The median of the numbers given (empty when none); with an even count, the lower middle one.
median_of() {
  [[ $# -gt 0 ]] || return 0
  printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"
}

# "min–max" of the numbers given ("n/a" when none).
spread_of() {
  if [[ $# -eq 0 ]]; then echo "n/a"; return; fi
  local sorted
  sorted="$(printf '%s\n' "$@" | sort -g)"
  echo "$(head -n 1 <<<"$sorted")–$(tail -n 1 <<<"$sorted")"
}

ratio() {
  if [[ -n "$1" && -n "$2" ]]; then
    node -e 'const [a, b] = process.argv.slice(1).map(Number); console.log(b > 0 ? (a / b).toFixed(2) : "n/a")' "$1" "$2"
  else
    echo "n/a"
  fi
}

# One round of facefuse on every set of $dir (model, sets, threads, round from the caller): appends each median to
# ours[set], failures to notes.
run_ours() {
  local set out err
  for set in "${sets[@]}"; do
    echo "facefuse $model $set threads=$threads round $round/$rounds" >&2
    err="$(mktemp)"
    if out="$("$facefuse_bin" bench-model "$dir/model.onnx" --data "$dir/$set" --threads "$threads" \
               --runs "$runs" --warmup "$warmup" --json 2>"$err")"; then
      ours[$set]+="$(json_field median_ms <<<"$out") "
    else
      notes+=("$model $set threads=$threads: facefuse failed: $(failure_reason "$err")")
      failed=1
    fi
    rm -f "$err"
  done
}

# One round of ORT on every set of $dir: appends each median to theirs[set].
run_ort() {
  local set ort_out ort_ms
  echo "ORT      $model threads=$threads round $round/$rounds" >&2
  # Exit status 1 only means an output differed from the stored reference (another CPU's kernels); the timings
  # are still valid, so only a missing bench section counts as a failure.
  ort_out="$(node "$ort_tool" "$dir" --ort "$ort_prefix" --threads "$threads" --bench "$runs" 2>/dev/null || true)"
  if [[ $round -eq 1 && "$(json_field ok <<<"$ort_out")" == "false" ]]; then
    notes+=("$model threads=$threads: ORT outputs differ from the stored references beyond 1e-5 (timings kept)")
  fi
  for set in "${sets[@]}"; do
    ort_ms="$(json_field "bench.median_ms.$set" <<<"$ort_out")"
    if [[ -n "$ort_ms" ]]; then
      theirs[$set]+="$ort_ms "
    else
      notes+=("$model $set threads=$threads: ORT gave no timing")
      failed=1
    fi
  done
}

collect_model_dirs "$@"

rows=()
notes=()
failed=0   # 1 when a run of either side failed: the table is printed, then the exit status is 1
ratios=()  # "model threads ratio" per set, for the summary
# Every folder is checked before anything is measured, so a bad one does not end a long run half-way.
for dir in "${model_dirs[@]}"; do
  [[ -f "${dir%/}/model.onnx" ]] || die "$dir has no model.onnx"
  compgen -G "${dir%/}/test_data_set_*/" >/dev/null || die "$dir has no test_data_set_* folder"
done
for dir in "${model_dirs[@]}"; do
  dir="${dir%/}"
  model="$(basename "$dir")"
  sets=()
  for s in "$dir"/test_data_set_*/; do [[ -d "$s" ]] && sets+=("$(basename "$s")"); done
  for threads in $threads_list; do
    declare -A ours=() theirs=()  # set -> the round medians, space-separated
    for ((round = 1; round <= rounds; round++)); do
      # Who goes first alternates, so neither side always runs on a machine the other has just warmed or loaded.
      if (( round % 2 == 1 )); then run_ours; run_ort; else run_ort; run_ours; fi
    done
    for set in "${sets[@]}"; do
      our_ms="$(median_of ${ours[$set]:-})"
      ort_ms="$(median_of ${theirs[$set]:-})"
      r="$(ratio "$our_ms" "$ort_ms")"
      rows+=("| $model | ${set#test_data_set_} | $threads | ${our_ms:-n/a} | ${ort_ms:-n/a} | $r |\
 $(spread_of ${ours[$set]:-}) | $(spread_of ${theirs[$set]:-}) |")
      [[ "$r" == "n/a" ]] || ratios+=("$model $threads $r")
    done
    unset ours theirs
  done
done

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
cores="$(nproc)"
echo "Machine: ${cpu:-unknown CPU}, $cores cores"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "facefuse: $facefuse_bin ($("$facefuse_bin" --version 2>/dev/null | head -n 1 || true)); ONNX Runtime $ort_version (onnxruntime-node, CPU)"
echo "$rounds round(s), facefuse and ORT taking turns to go first (facefuse in odd rounds), each on every set;"
echo "$runs timed runs after $warmup warm-up runs per set and round; a time is the median of the round medians (the"
echo "lower middle one for an even count), its spread the lowest and highest round median;"
echo "ratio = ours / ORT (< 1: facefuse is faster)."
echo
echo "| model | set | threads | ours median ms | ORT median ms | ratio ours/ORT | ours spread ms | ORT spread ms |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if [[ ${#ratios[@]} -gt 0 ]]; then
  echo
  # Per thread count: each model's ratio is the geometric mean over its sets; then the geometric mean over models.
  printf '%s\n' "${ratios[@]}" | node -e '
    const byThreads = new Map();
    for (const line of require("fs").readFileSync(0, "utf8").trim().split("\n")) {
      const [model, threads, r] = line.split(" ");
      if (!byThreads.has(threads)) byThreads.set(threads, new Map());
      const models = byThreads.get(threads);
      if (!models.has(model)) models.set(model, []);
      models.get(model).push(Math.log(Number(r)));
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [threads, models] of byThreads) {
      const per = [...models].map(([m, logs]) => [m, Math.exp(mean(logs))]);
      const over = per.filter(([, r]) => r > 1).map(([m, r]) => `${m} ${r.toFixed(2)}`);
      console.log(`Threads ${threads}: geometric mean ours/ORT over ${per.length} models ${Math.exp(mean(per.map(([, r]) => Math.log(r)))).toFixed(2)}; ` +
                  `models above 1.0: ${over.length ? over.join(", ") : "none"}`);
    }'
fi
if [[ ${#notes[@]} -gt 0 ]]; then
  echo
  echo "Notes:"
  printf -- '- %s\n' "${notes[@]}" | awk '!seen[$0]++'  # a failure repeats in every round: once each
fi
exit "$failed"
