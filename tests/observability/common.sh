# Shared helpers for the observability ctest scripts (sourced).
# Usage in a test: source common.sh; needs FACEFUSE (binary), FAKE_NVML (library), SOURCE_DIR.
set -euo pipefail
SKIP=77
WORK=$(mktemp -d "${TMPDIR:-/tmp}/facefuse-obs.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 not installed (scripts/install-deps.sh installs it)"; exit $SKIP; }; }

# A fixture the test needs is missing ($1 says which): the test fails under CI=true and is skipped elsewhere.
missing_fixture() {
  [ "${CI:-}" = "true" ] && fail "fixture missing: $1 (CI=true: the fixtures must be present)"
  echo "SKIP: fixture missing: $1"
  exit $SKIP
}

# Sets the array `images` to up to $1 (default 3) fixture photos from $FACEFUSE_FIXTURES_DIR (default
# ../shared/fixtures beside the source tree). None there: missing_fixture, or with `optional` as $2 return 1
# (still a failure under CI=true). Call it directly, not in $(...) or <(...): it must be able to end the test.
fixture_images() {
  local dir="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images"
  mapfile -t images < <(ls "$dir"/*.jpg 2>/dev/null | head -n "${1:-3}")
  [ "${#images[@]}" -gt 0 ] && return 0
  [ "${2:-}" = "optional" ] && [ "${CI:-}" != "true" ] && return 1
  missing_fixture "no fixture images in $dir"
}

# A loopback TCP port no socket uses (checked with ss; a race is retried by the caller), below the kernel's
# ephemeral range: a port in that range can be taken by any outgoing connection (a parallel test's curl or
# redis-cli) between the check and the bind.
free_port() {
  local p ephemeral_low
  ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$ephemeral_low" -gt 12000 ] 2>/dev/null || ephemeral_low=32768
  for _ in $(seq 50); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  fail "no free port found"
}

# Waits (bounded) until the file $1 contains the regex $2.
wait_for_line() {
  for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# Starts a throwaway redis-server on loopback (no persistence) and waits until it answers; sets redis_port.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.05; done
  fail "redis-server did not start: $(cat "$WORK/redis.log")"
}
