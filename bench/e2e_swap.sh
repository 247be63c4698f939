#!/usr/bin/env bash
# End-to-end image face swap on a ~1080p photo: median time per swap and the stage breakdown, for the classical
# swapper (bundled models, no download) and for the inswapper-class stand-in (tools/standins replica: the real
# model's I/O, op mix and ~180 GFLOPs of random weights; its output is meaningless, its cost is the point).
#
#   bench/e2e_swap.sh [TARGET_IMAGE]    (default: ../shared/fixtures/media/images/pexels-dinielle-de-veyra-4195444.jpg)
#
# Environment: FACEFUSE_BIN, STANDINS_BIN (default build/src/facefuse, build/tools/standins/facefuse-standins),
# BENCH_THREADS (default 2), BENCH_RUNS (default 5; the process runs BENCH_RUNS + 1 swaps and reports medians).
# Prints a Markdown table to stdout with the machine named; progress on stderr.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
facefuse="${FACEFUSE_BIN:-$repo/build/src/facefuse}"
standins="${STANDINS_BIN:-$repo/build/tools/standins/facefuse-standins}"
images="$repo/../shared/fixtures/media/images"
target="${1:-$images/pexels-dinielle-de-veyra-4195444.jpg}"
source_image="$images/obama.jpg"
threads="${BENCH_THREADS:-2}"
runs="${BENCH_RUNS:-5}"
work="$repo/build/bench-e2e"
mkdir -p "$work"

[ -x "$facefuse" ] || { echo "e2e_swap.sh: build first ($facefuse missing)" >&2; exit 2; }
[ -f "$target" ] || { echo "e2e_swap.sh: no target image $target" >&2; exit 2; }

replica="$work/inswapper_128.replica.onnx"
if [ ! -f "$replica" ]; then
  echo "writing the inswapper_128 replica stand-in to $work" >&2
  "$standins" --model inswapper_128 --kind replica --out "$work" >&2
fi

# run LABEL ARGS...: one process, a warm-up swap plus $runs timed swaps; prints one table row.
run() {
  local label="$1"; shift
  echo "== $label" >&2
  local json
  json="$("$facefuse" swap -s "$source_image" -t "$target" -o "$work/$label.png" --threads "$threads" \
          --repeat "$((runs + 1))" --json "$@")"
  node -e '
    const r = JSON.parse(process.argv[1]); const m = r.median_ms; const f = (x) => x.toFixed(0);
    console.log(`| ${process.argv[2]} | ${r.faces_swapped} | ${f(m.total)} | ${f(m.detect)} | ${f(m.embed)} | ${f(m.swap)} | ${f(m.paste)} |`);
  ' "$json" "$label"
}

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
size="$("$facefuse" detect "$target" 2>/dev/null | head -1 | sed -n 's/.*: \([0-9]*x[0-9]*\),.*/\1/p')"
echo "Machine: $cpu, $(nproc) cores visible, $threads kernel threads. Target $(basename "$target") ($size), source $(basename "$source_image"); median of $((runs + 1)) swaps in one process (models opened once; the first swap is included)."
echo
echo "| swapper | faces | total ms | detect ms | embed ms | swap ms | paste ms |"
echo "|---|---|---|---|---|---|---|"
run classical --swapper classical
run inswapper_128_replica --swapper inswapper_128 --swapper-model "$replica" \
    --recognizer-model "$repo/models/recognizer_512.onnx" --recognizer-mean 127 --recognizer-std 128
