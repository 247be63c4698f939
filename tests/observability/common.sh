# Shared helpers for the observability ctest scripts (sourced).
# Usage in a test: source common.sh; needs FACEFUSE (binary), FAKE_NVML (library), SOURCE_DIR.
set -euo pipefail
SKIP=77
WORK=$(mktemp -d "${TMPDIR:-/tmp}/facefuse-obs.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 not installed (scripts/install-deps.sh installs it)"; exit $SKIP; }; }

# Fixture images, or skip.
fixture_images() {
  local dir="$SOURCE_DIR/../shared/fixtures/media/images"
  ls "$dir"/*.jpg >/dev/null 2>&1 || { echo "SKIP: no fixture images in $dir"; exit $SKIP; }
  ls "$dir"/*.jpg | head -n "${1:-3}"
}

# A loopback TCP port nobody listens on (checked with ss; a race is retried by the caller).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  fail "no free port found"
}

# Waits (bounded) until the file $1 contains the regex $2.
wait_for_line() {
  for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}
