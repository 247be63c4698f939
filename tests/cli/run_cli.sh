#!/usr/bin/env bash
# Runs one facefuse command the way a user does and checks what it claims: the exit status, what it prints and
# the files it writes (or must not write). Used by facefuse_cli_test() in tests/cli/CMakeLists.txt.
#
#   run_cli.sh [checks...] -- COMMAND [ARGS...]
#
# Checks (each may repeat):
#   --exit N              the exit status must be N (required)
#   --matches RE          stdout+stderr must match the Perl regex RE ('.' matches newlines)
#   --not-matches RE      stdout+stderr must not match RE
#   --creates FILE        FILE must exist and be non-empty afterwards (removed before the run)
#   --creates-image FILE  as --creates, and FILE must start with the PNG/JPEG/WebP/BMP signature of its extension
#   --absent FILE         FILE must not exist afterwards (removed before the run); also no FILE.* temp file beside it
#   --needs PATH          PATH (a fixture) must exist: without it the test fails when CI=true and is skipped
#                         (exit 77, ctest's SKIP_RETURN_CODE) otherwise
#   --env NAME=VALUE      set for the command only
#   --timeout S           the command must finish within S seconds (default 300)
# Exits 0 when every check holds, 77 when skipped, 1 otherwise, printing each failed check.
set -uo pipefail

expected_exit=""
matches=() not_matches=() creates=() images=() absent=() needs=() envs=()
timeout_s=300
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) expected_exit="$2"; shift 2 ;;
    --matches) matches+=("$2"); shift 2 ;;
    --not-matches) not_matches+=("$2"); shift 2 ;;
    --creates) creates+=("$2"); shift 2 ;;
    --creates-image) images+=("$2"); shift 2 ;;
    --absent) absent+=("$2"); shift 2 ;;
    --needs) needs+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run_cli.sh: unknown check '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$expected_exit" ] || { echo "run_cli.sh: --exit N is required" >&2; exit 2; }
[ $# -gt 0 ] || { echo "run_cli.sh: no command after --" >&2; exit 2; }

for path in "${needs[@]}"; do
  if [ ! -e "$path" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "FAIL: fixture missing: $path (CI=true: the fixtures must be present)"
      exit 1
    fi
    echo "SKIP: fixture missing: $path"
    exit 77
  fi
done

for f in "${creates[@]}" "${images[@]}" "${absent[@]}"; do rm -f -- "$f"; done

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "\$ $*"
env "${envs[@]}" timeout --kill-after=5 "$timeout_s" "$@" >"$out" 2>&1
status=$?
cat "$out"
echo "-- exit status $status"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

[ "$status" -eq 124 ] && fail "the command ran past ${timeout_s}s"
[ "$status" -eq "$expected_exit" ] || fail "exit status $status, expected $expected_exit"
for re in "${matches[@]}"; do
  RE="$re" perl -0777 -ne 'exit(/$ENV{RE}/s ? 0 : 1)' "$out" || fail "output does not match: $re"
done
for re in "${not_matches[@]}"; do
  RE="$re" perl -0777 -ne 'exit(/$ENV{RE}/s ? 1 : 0)' "$out" || fail "output matches what it must not: $re"
done
for f in "${creates[@]}" "${images[@]}"; do
  [ -s "$f" ] || fail "expected a non-empty file: $f"
done
for f in "${images[@]}"; do
  [ -s "$f" ] || continue
  magic="$(head -c 12 -- "$f" | od -An -tx1 | tr -d ' \n')"
  case "${f,,}" in
    *.png) [[ "$magic" == 89504e470d0a1a0a* ]] || fail "$f is not a PNG (starts with $magic)" ;;
    *.jpg|*.jpeg) [[ "$magic" == ffd8ff* ]] || fail "$f is not a JPEG (starts with $magic)" ;;
    *.webp) [[ "$magic" == 52494646????????57454250 ]] || fail "$f is not a WebP (starts with $magic)" ;;
    *.bmp) [[ "$magic" == 424d* ]] || fail "$f is not a BMP (starts with $magic)" ;;
  esac
done
for f in "${absent[@]}"; do
  [ -e "$f" ] && fail "the command left $f behind"
  leftovers=("$f".*)
  [ -e "${leftovers[0]}" ] && fail "the command left temp files behind: ${leftovers[*]}"
done
if [ "$failures" -gt 0 ]; then exit 1; fi
echo "OK"
exit 0
