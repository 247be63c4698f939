# Shared helpers for the deploy/ tests (sourced). Exit code 77 = skipped.
# WORK, PIDS, cleanup, fail, need, SKIP: the observability tests' helpers, shared.
source "$SOURCE_DIR/tests/observability/common.sh"

# Flattens a YAML file (yaml_paths.awk): DOC<TAB>PATH<TAB>VALUE lines; fails on a construct it cannot read.
flatten() {
  local out
  out=$(awk -f "$SOURCE_DIR/tests/deploy/yaml_paths.awk" "$1") || fail "$1: cannot read"
  ! grep -q '^UNSUPPORTED' <<<"$out" || fail "$1: $(grep '^UNSUPPORTED' <<<"$out")"
  printf '%s\n' "$out"
}
# value FLAT PATH: the value at PATH (an exact path) in flattened text, or nothing.
value() { awk -F'\t' -v p="$2" '$2 == p {print $3; exit}' <<<"$1"; }
