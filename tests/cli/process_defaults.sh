#!/usr/bin/env bash
# The defaults facefuse gives its own process at start-up (cli/process_defaults.h): GOMP_SPINCOUNT=10000 and
# GLIBC_TUNABLES=glibc.malloc.hugetlb=1 where the user set neither, and a user's own setting kept as it was. Read
# from the environment of the running (re-executed) process.
#
#   process_defaults.sh FACEFUSE MODEL
set -uo pipefail
facefuse="$1" model="$2"

# Runs facefuse on MODEL with the given environment changes (env(1) arguments) and prints the running process's
# environment, one variable per line.
environment_of() {
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u GLIBC_TUNABLES -u OMP_PROC_BIND -u OMP_PLACES -u GOMP_CPU_AFFINITY "$@" \
    "$facefuse" bench-model "$model" --threads 1 --runs 1000000 --warmup 0 >/dev/null 2>&1 &
  local pid=$! seen=""
  for _ in $(seq 100); do
    seen=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null)
    grep -q '^GOMP_SPINCOUNT=' <<<"$seen" && break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  printf '%s\n' "$seen"
}

failed=0
expect() {  # expect LABEL ENVIRONMENT LINE
  if grep -qxF "$3" <<<"$2"; then echo "OK: $1: $3"; else echo "FAIL: $1: no '$3' in the running process"; failed=1; fi
}

plain=$(environment_of)
expect "nothing set" "$plain" "GOMP_SPINCOUNT=10000"
expect "nothing set" "$plain" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"

own=$(environment_of GLIBC_TUNABLES=glibc.malloc.arena_max=2)
expect "user's GLIBC_TUNABLES" "$own" "GLIBC_TUNABLES=glibc.malloc.arena_max=2"
expect "user's GLIBC_TUNABLES" "$own" "GOMP_SPINCOUNT=10000"

exit "$failed"
