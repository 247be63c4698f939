#!/usr/bin/env bash
# SIGINT in the middle of a video swap: exit 130, a "cancelled" message, and no file under the output name or
# beside it. Progress as JSON lines (--progress json) is seen before the signal.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/in.mp4" 8
SOURCE="$(dirname "$PHOTO")/biden.jpg"
mkdir "$WORK/out"
"$FACEFUSE" swap --threads 1 -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/out/swapped.mp4" --progress json \
  >"$WORK/progress" 2>"$WORK/err" &
pid=$!
for _ in $(seq 1 600); do
  [ -s "$WORK/progress" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
line=$(head -1 "$WORK/progress")
[ -n "$line" ] || fail "no progress line before the swap ended: $(cat "$WORK/err")"
echo "$line" | jq -e '.frame >= 0 and .total == 200 and .fps >= 0 and (.busy_percent | has("decode"))' >/dev/null ||
  fail "progress line: $line"
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || fail "exit $status after SIGINT, expected 130: $(cat "$WORK/err")"
grep -q "cancelled" "$WORK/err" || fail "message: $(cat "$WORK/err")"
no_leftovers "$WORK/out"
echo "PASS: $line"
