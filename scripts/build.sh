#!/usr/bin/env bash
# Configures and builds facefuse in build/ (Release, warnings as errors).
# Usage: scripts/build.sh [TARGET...]     (default: everything: the binary, tests, tools, benchmarks)
# FACEFUSE_CMAKE_ARGS adds configure arguments (e.g. "-DFACEFUSE_CUDA=OFF").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DFACEFUSE_WERROR=ON ${FACEFUSE_CMAKE_ARGS:-} >/dev/null
ninja -C build "$@"
