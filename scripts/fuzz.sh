#!/usr/bin/env bash
# Fuzzes the ONNX model loader and session with libFuzzer + ASan + UBSan.
#
#   scripts/fuzz.sh [SECONDS]        (default 60)
#
# Configures a clang build in build-fuzz, builds fuzz_model_loader and the seed generator, writes a fresh seed corpus
# of small valid models (built in code) to build-fuzz/fuzz-seeds, and fuzzes for SECONDS with a working corpus in
# build-fuzz/fuzz-corpus (kept between runs). Crash reproducers land in build-fuzz/fuzz-artifacts/.
# Exits non-zero when the fuzzer finds a crash, a leak, a timeout or an out-of-memory.
#
# Environment: FUZZ_JOBS (parallel fuzzing processes, default 1), FUZZ_BUILD_JOBS (ninja -j, default 2),
# FUZZ_SEED (libFuzzer -seed; unset or 0 picks a random one), FUZZ_EXTRA_ARGS (more libFuzzer flags).
# scripts/test.sh fixes FUZZ_SEED so that a CI run replays the input sequence a developer already ran (a slower
# machine runs a prefix of it); exploratory runs leave it unset. Reproduce a crash with:
#   build-fuzz/tests/fuzz/fuzz_model_loader build-fuzz/fuzz-artifacts/crash-<hash>
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "usage: $0 [SECONDS]  (a positive number of seconds)" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build-fuzz"
jobs="${FUZZ_JOBS:-1}"
build_jobs="${FUZZ_BUILD_JOBS:-2}"

for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found" >&2; exit 2; }
done

echo "== configure $build (clang, FACEFUSE_FUZZ=ON)"
cmake -S "$repo" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFACEFUSE_FUZZ=ON -DFACEFUSE_TESTS=ON -DFACEFUSE_BENCH=OFF -DFACEFUSE_NATIVE=OFF -DFACEFUSE_CUDA=OFF >/dev/null

echo "== build fuzz_model_loader, fuzz_make_seed_corpus"
ninja -C "$build" -j "$build_jobs" fuzz_model_loader fuzz_make_seed_corpus

fuzzer="$build/tests/fuzz/fuzz_model_loader"
seeds="$build/fuzz-seeds"
corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
dict="$build/fuzz-onnx.dict"
rm -rf "$seeds"
mkdir -p "$corpus" "$artifacts"
"$build/tests/fuzz/fuzz_make_seed_corpus" "$seeds" "$dict"

# A mutated model can legitimately ask for a huge tensor (Pad by 100 on each side of every dim, Expand, ...).
# Allocations over 512 MB fail (max_allocation_size_mb) and come back null (allocator_may_return_null), so they
# exercise the OutOfMemory path instead of spending the time budget filling gigabytes under ASan.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1:max_allocation_size_mb=512:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OMP_NUM_THREADS=1

echo "== fuzz for ${seconds}s (jobs=$jobs); corpus $corpus, artifacts $artifacts"
status=0
# shellcheck disable=SC2086
"$fuzzer" "$corpus" "$seeds" \
  -seed="${FUZZ_SEED:-0}" -dict="$dict" -max_total_time="$seconds" -max_len=65536 -timeout=25 -rss_limit_mb=4096 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 \
  $( [[ "$jobs" -gt 1 ]] && echo "-jobs=$jobs -workers=$jobs" ) ${FUZZ_EXTRA_ARGS:-} || status=$?

shopt -s nullglob
found=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*)
if [[ $status -ne 0 ]]; then
  echo "fuzz.sh: the fuzzer stopped with status $status; reproducers:" >&2
  for f in "${found[@]}"; do echo "  $f" >&2; done
  exit 1
fi
echo "fuzz.sh: no crash in ${seconds}s"
