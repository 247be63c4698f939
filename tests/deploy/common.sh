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

# Flattens a YAML file (yaml_paths.awk): DOC<TAB>PATH<TAB>VALUE lines; fails on a construct it cannot read.
flatten() {
  local out
  out=$(awk -f "$SOURCE_DIR/tests/deploy/yaml_paths.awk" "$1") || fail "$1: cannot read"
  ! grep -q '^UNSUPPORTED' <<<"$out" || fail "$1: $(grep '^UNSUPPORTED' <<<"$out")"
  printf '%s\n' "$out"
}
# value FLAT PATH: the value at PATH (an exact path) in flattened text, or nothing.
value() { awk -F'\t' -v p="$2" '$2 == p {print $3; exit}' <<<"$1"; }
