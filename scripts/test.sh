#!/usr/bin/env bash
# Installs dependencies, builds facefuse and runs every test:
#   1. unit and op tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   2. the model-loader fuzzer for a short time (clang, build-fuzz/), when FACEFUSE_FUZZ_SECONDS > 0
#   3. the whole ctest suite on the Release build (build/): unit, op, ONNX conformance, fixture models, CLI
# Exits non-zero if anything fails; the last lines are ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
# Kernel threads of tests that run side by side wait passively instead of spinning (see tests/CMakeLists.txt).
export OMP_WAIT_POLICY=PASSIVE
phase() { echo "== $* (at ${SECONDS}s)"; }

phase "build (Release, -Werror)"
scripts/build.sh

phase "sanitizer build (address, undefined) and unit/op tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFACEFUSE_WERROR=ON -DFACEFUSE_SANITIZE=ON \
  -DFACEFUSE_BENCH=OFF -DFACEFUSE_CUDA=OFF >/dev/null
ninja -C build-asan test-unit test-ops
# Leaks inside third-party libraries we cannot fix are suppressed by library name (tests/sanitizer/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-asan/tests/test-unit --gtest_brief=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-asan/tests/test-ops --gtest_brief=1

fuzz_seconds="${FACEFUSE_FUZZ_SECONDS:-60}"
if [ "$fuzz_seconds" -gt 0 ] && [ -x scripts/fuzz.sh ]; then
  phase "fuzzing the model loader for ${fuzz_seconds}s"
  FUZZ_SEED="${FUZZ_SEED:-1}" scripts/fuzz.sh "$fuzz_seconds"
fi

phase "ctest"
cd build
ctest --output-on-failure -j"$jobs" --timeout 900
