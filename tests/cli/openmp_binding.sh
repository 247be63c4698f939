#!/usr/bin/env bash
# OpenMP thread binding asked for by the user (OMP_PROC_BIND, OMP_PLACES) survives facefuse's start-up: the
# process that re-executes itself with a shorter OpenMP spin must not hand the new process the one CPU libgomp
# bound its first thread to (libgomp then warns that places were dropped and runs every thread on that CPU).
#
#   openmp_binding.sh FACEFUSE
set -uo pipefail
facefuse="$1"

# The first two CPUs this process may run on, from its affinity list ("0-3", "4,6,8-9").
cpus=()
IFS=, read -ra ranges <<<"$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)"
for r in "${ranges[@]}"; do
  lo=${r%-*} hi=${r#*-}
  for ((c = lo; c <= hi && ${#cpus[@]} < 2; c++)); do cpus+=("$c"); done
done
if [ "${#cpus[@]}" -lt 2 ]; then echo "SKIP: fewer than two CPUs to bind to"; exit 77; fi

places="{${cpus[0]}},{${cpus[1]}}"
out=$(OMP_PROC_BIND=true OMP_PLACES="$places" "$facefuse" --version 2>&1)
status=$?
if [ "$status" -ne 0 ]; then echo "FAIL: facefuse --version exited $status: $out"; exit 1; fi
if grep -qi "places reduced" <<<"$out"; then
  echo "FAIL: OMP_PLACES=$places lost a place at start-up: $out"
  exit 1
fi
echo "OK: OMP_PLACES=$places kept both places"
