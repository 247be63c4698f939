#!/usr/bin/env bash
# Configures and builds facefuse in build/ (Release, warnings as errors).
# Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DFACEFUSE_WERROR=ON "$@" >/dev/null
ninja -C build
