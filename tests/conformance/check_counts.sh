#!/usr/bin/env bash
# Runs `facefuse check-model` over a folder and checks its closing counts.
# Usage: check_counts.sh FACEFUSE DIR MIN_PASSED MAX_SKIPPED [extra check-model args...]
# Exit 0 when no case failed, at least MIN_PASSED passed and at most MAX_SKIPPED
# were skipped (UNSUPPORTED: limits docs/ops.md lists). When DIR does not exist:
# 1 under CI=true (the fixtures and libonnx-testdata must be there), else 77
# (ctest SKIP).
set -uo pipefail
bin="$1" dir="$2" min_passed="$3" max_skipped="$4"
shift 4
if [ ! -d "$dir" ]; then
  if [ "${CI:-}" = "true" ]; then echo "FAIL: $dir not found (CI=true: it must be present)"; exit 1; fi
  echo "skip: $dir not found"
  exit 77
fi
out=$("$bin" check-model "$dir" "$@")
rc=$?
grep -E '^(FAIL|UNSUPPORTED) ' <<<"$out" || true
summary=$(tail -n 1 <<<"$out")
echo "$summary"
read -r passed _ failed _ skipped _ <<<"$summary"
status=0
[ "$rc" -eq 0 ] || { echo "check-model exited $rc"; status=1; }
[ "${failed:-1}" -eq 0 ] || { echo "$failed case(s) failed"; status=1; }
[ "${passed:-0}" -ge "$min_passed" ] || { echo "only $passed passed, expected at least $min_passed"; status=1; }
[ "${skipped:-0}" -le "$max_skipped" ] || { echo "$skipped skipped, expected at most $max_skipped"; status=1; }
exit $status
