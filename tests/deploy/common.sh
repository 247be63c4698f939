# Shared helpers for the deploy/ tests (sourced). Exit code 77 = skipped.
set -euo pipefail
SKIP=77
WORK=$(mktemp -d "${TMPDIR:-/tmp}/facefuse-deploy.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 not installed (scripts/install-deps.sh installs it)"; exit $SKIP; }; }
