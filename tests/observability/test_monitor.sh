#!/usr/bin/env bash
# `facefuse monitor` with the fake NVML: throttle reasons in real hex, no start-up CPU spike, process lines and
# --count that survive failing GPU readings, one back-off line, and --count 0 / negative refused.
FACEFUSE=$1; SOURCE_DIR=$2; FAKE_NVML=$3
source "$(dirname "$0")/common.sh"
export FACEFUSE_NVML_LIBRARY=$FAKE_NVML

# Utilisation 100 % makes the fake report SW thermal slowdown (0x20 = 32); 50 % reports none.
FACEFUSE_FAKE_NVML_CURVE="100 50" timeout 20 "$FACEFUSE" monitor --count 4 --interval 0.1 >"$WORK/t.out" 2>"$WORK/t.err" ||
  fail "monitor exit $?: $(cat "$WORK/t.err")"
grep -q ' util 100% .* throttle 0x20$' "$WORK/t.out" || fail "throttle not in hex: $(cat "$WORK/t.out")"
grep -q ' util 50% .* throttle 0x0$' "$WORK/t.out" || fail "no-throttle reading: $(cat "$WORK/t.out")"
if grep -q 'throttle 0x32' "$WORK/t.out"; then fail "decimal 32 printed as 0x32"; fi
[ "$(grep -c ' process cpu ' "$WORK/t.out")" = 4 ] || fail "expected 4 process lines: $(cat "$WORK/t.out")"
# No CPU reading above what the cores can give (the first one used to cover a few milliseconds of start-up).
cores=$(nproc)
awk -v max=$((cores * 100)) '/ process cpu / { v = $4; sub("%", "", v); if (v + 0 > max) { print "cpu " v "%"; bad = 1 } }
  END { exit bad }' "$WORK/t.out" || fail "a CPU reading above ${cores} cores: $(cat "$WORK/t.out")"

# Every reading fails after the second: the process lines go on, --count finishes, failures are shown, and the
# back-off is announced once although the interval doubles several times (0.05 -> 0.1 -> 0.2 -> 0.4 s).
set +e
FACEFUSE_FAKE_NVML_FAIL_AFTER=2 timeout 20 "$FACEFUSE" monitor --count 20 --interval 0.05 >"$WORK/f.out" 2>"$WORK/f.err"
rc=$?
[ "$rc" = 0 ] || fail "monitor with failing reads: exit $rc (124: --count never finished): $(cat "$WORK/f.err")"
[ "$(grep -c ' process cpu ' "$WORK/f.out")" = 20 ] || fail "process lines stopped: $(cat "$WORK/f.out")"
[ "$(grep -c ' gpu0 util ' "$WORK/f.out")" = 2 ] || fail "expected the 2 good readings: $(cat "$WORK/f.out")"
[ "$(grep -c 'gpu reading failed: ' "$WORK/f.out")" -ge 3 ] || fail "failed readings not shown: $(cat "$WORK/f.out")"
[ "$(grep -c 'backing off' "$WORK/f.err")" = 1 ] || fail "expected one back-off line: $(cat "$WORK/f.err")"

# --count must be positive; 0 used to run forever.
for n in 0 -3; do
  timeout 10 "$FACEFUSE" monitor --count "$n" --interval 0.05 >"$WORK/c.out" 2>&1
  rc=$?  # set +e above
  [ "$rc" = 2 ] || fail "--count $n: exit $rc, expected 2: $(cat "$WORK/c.out")"
  grep -q -- "--count must be at least 1" "$WORK/c.out" || fail "--count $n: message: $(cat "$WORK/c.out")"
done
echo "monitor: OK"
