#!/usr/bin/env bash
# The defaults facefuse gives its own process at start-up (cli/process_defaults.h): GOMP_SPINCOUNT=10000 and
# GLIBC_TUNABLES=glibc.malloc.hugetlb=1 where the user set neither, a user's own setting kept as it was, and at
# most one exec even when the loader drops GLIBC_TUNABLES from every new image (as glibc does for setuid programs).
# Read from the environment of the running (re-executed) process.
#
#   process_defaults.sh FACEFUSE MODEL
set -uo pipefail
facefuse="$1" model="$2"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Runs facefuse on MODEL with the given environment changes (env(1) arguments) and prints the running process's
# environment as it started (/proc/PID/environ: what the exec handed it), one variable per line, once it has opened the
# model (past the exec, if any) or after 10 s.
environment_of() {
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u GLIBC_TUNABLES -u OMP_PROC_BIND -u OMP_PLACES -u GOMP_CPU_AFFINITY \
    -u FACEFUSE_REEXECUTED "$@" "$facefuse" bench-model "$model" --threads 1 --runs 1000000 --warmup 0 >/dev/null 2>&1 &
  pid=$!
  local seen=""
  for _ in $(seq 200); do
    sleep 0.05
    seen=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null)
    grep -q "^GOMP_SPINCOUNT=\|^OMP_WAIT_POLICY=" <<<"$seen" && grep -q "^GLIBC_TUNABLES=" <<<"$seen" && break
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
  printf '%s\n' "$seen"
}

failed=0
expect() {  # expect LABEL ENVIRONMENT LINE
  if grep -qxF "$3" <<<"$2"; then echo "OK: $1: $3"; else echo "FAIL: $1: no '$3' in the running process"; failed=1; fi
}
expect_no() {  # expect_no LABEL ENVIRONMENT PREFIX
  if grep -q "^$3" <<<"$2"; then echo "FAIL: $1: '$3' set in the running process"; failed=1; else echo "OK: $1: no $3"; fi
}

plain=$(environment_of)
expect "nothing set" "$plain" "GOMP_SPINCOUNT=10000"
expect "nothing set" "$plain" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"

own=$(environment_of GLIBC_TUNABLES=glibc.malloc.arena_max=2)
expect "user's GLIBC_TUNABLES" "$own" "GLIBC_TUNABLES=glibc.malloc.arena_max=2"
expect "user's GLIBC_TUNABLES" "$own" "GOMP_SPINCOUNT=10000"

passive=$(environment_of OMP_WAIT_POLICY=PASSIVE)
expect "user's OMP_WAIT_POLICY" "$passive" "OMP_WAIT_POLICY=PASSIVE"
expect_no "user's OMP_WAIT_POLICY" "$passive" "GOMP_SPINCOUNT="
expect "user's OMP_WAIT_POLICY" "$passive" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"

# A loader that drops GLIBC_TUNABLES from every image (a preloaded library doing what glibc does for setuid
# programs): one exec, then facefuse runs. Needs a C compiler.
if command -v cc >/dev/null; then
  printf '#include <stdlib.h>\n__attribute__((constructor)) static void drop(void) { unsetenv("GLIBC_TUNABLES"); }\n' \
    >"$work/drop.c"
  if cc -shared -fPIC -o "$work/drop.so" "$work/drop.c" 2>/dev/null; then
    out=$(env -u GLIBC_TUNABLES -u FACEFUSE_REEXECUTED LD_PRELOAD="$work/drop.so" timeout 20 "$facefuse" --version 2>&1)
    status=$?
    if [ "$status" -eq 0 ] && grep -q "facefuse" <<<"$out"; then
      echo "OK: a loader dropping GLIBC_TUNABLES: one exec, then '$out'"
    else
      echo "FAIL: a loader dropping GLIBC_TUNABLES: exit $status (124: still re-executing after 20 s): $out"
      failed=1
    fi
  fi
fi

exit "$failed"
