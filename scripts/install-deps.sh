#!/usr/bin/env bash
# Installs everything facefuse needs to build and test on Debian 12 (bookworm).
# Non-interactive and idempotent: packages already present are skipped quickly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libdnnl-dev ocl-icd-opencl-dev libomp-dev   # dnnl-config.cmake needs OpenCL; libdnnl-dev only recommends it
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-photo-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  prometheus prometheus-cpp-dev curl jq iproute2 openssl   # openssl: the TLS test's certificate
  prometheus-alertmanager   # Alertmanager and amtool: the alert round trip (deploy.alert_roundtrip)
  libcpp-httplib-dev libssl-dev
  libsqlite3-dev libjwt-dev libhiredis-dev libcurl4-openssl-dev   # job store, bearer tokens, shared queue, S3 results
  redis-server   # the shared queue's test (service.redis_replicas)
  # video I/O: FFmpeg's libraries (linked); the ffmpeg/ffprobe programs only make and check clips in the tests
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# apt_install WHAT PACKAGE...: installs the packages (none: nothing), saying what they are for.
apt_install() {
  local what=$1
  shift
  (($#)) || return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "facefuse: installing $what: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
apt_install "${#missing[@]} Debian packages" "${missing[@]}"
echo "facefuse: build dependencies are installed"

# The tests that run on node: the web page's browser test (tests/browser, browser.job_page: Debian's headless
# Chromium and playwright-core) and the S3 result store's test (tests/s3, service.s3_results: the s3rver server).
# node with npm comes from Debian only when npm is missing (a NodeSource nodejs already brings its own npm, which
# Debian's npm must not replace); the npm packages are installed as pinned in each package-lock.json (npm ci; the
# tests download nothing). FACEFUSE_SKIP_NODE_TEST_DEPS=1 leaves all of this out (an image that only runs the
# service needs none of it).
if [ "${FACEFUSE_SKIP_NODE_TEST_DEPS:-0}" != 1 ]; then
  node_missing=()
  installed chromium-headless-shell || node_missing+=(chromium-headless-shell)
  command -v npm >/dev/null || node_missing+=(nodejs npm)
  apt_install "the node tests' packages" "${node_missing[@]}"
  tests_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests"
  for node_tests in "$tests_dir/browser" "$tests_dir/s3"; do
    npm ls --prefix "$node_tests" >/dev/null 2>&1 || npm ci --prefix "$node_tests" --no-audit --no-fund
  done
  echo "facefuse: the node tests' dependencies are installed"
fi
