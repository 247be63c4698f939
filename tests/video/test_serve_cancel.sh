#!/usr/bin/env bash
# DELETE /v1/jobs/{id} on a running video job: 202 while it runs, then the job ends cancelled within a few frames,
# no output (nor a partial one) is left in its folder, its result is 409, and the next job runs.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
command -v curl >/dev/null || missing "curl is not installed (scripts/install-deps.sh installs it)"
SERVE_PID=""
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
make_face_clip "$WORK/long.mp4" 20
FACEFUSE_NVML_LIBRARY=/nonexistent OMP_WAIT_POLICY=PASSIVE \
  "$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --workers 1 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
for _ in $(seq 100); do grep -q 'job API at' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)
[ -n "$URL" ] || fail "serve did not start: $(cat "$WORK/serve.err")"
submit() {
  curl -sf -F "source=@$PHOTO" -F "target=@$1" -F 'options={"swapper": "classical"}' "$URL/v1/jobs" | jq -r .id
}
id=$(submit "$WORK/long.mp4") || fail "submit refused"
done_frames=0
for _ in $(seq 300); do
  done_frames=$(curl -sf "$URL/v1/jobs/$id" | jq -r '.progress.items_done')
  [ "$done_frames" -ge 5 ] && break
  sleep 0.1
done
[ "$done_frames" -ge 5 ] || fail "the video job never got going: $(curl -s "$URL/v1/jobs/$id")"
status=$(curl -s -o "$WORK/delete.json" -w '%{http_code}' -X DELETE "$URL/v1/jobs/$id")
[ "$status" = 202 ] || fail "DELETE of a running job: $status $(cat "$WORK/delete.json")"
record=""
for _ in $(seq 100); do
  record=$(curl -sf "$URL/v1/jobs/$id")
  [ "$(jq -r .state <<<"$record")" = cancelled ] && break
  sleep 0.1
done
[ "$(jq -r .state <<<"$record")" = cancelled ] || fail "the job did not end cancelled within 10 s: $record"
frames=$(jq -r '.progress.items_done' <<<"$record")
total=$(jq -r '.progress.items_total' <<<"$record")
[ "$frames" -lt "$total" ] || fail "the job ran to the end ($frames of $total frames) before it stopped"
leftovers=$(find "$WORK/data/$id" -name 'output*.mp4' -o -name '*.part' | head -3)
[ -z "$leftovers" ] || fail "a cancelled job left its output: $leftovers"
status=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/jobs/$id/result")
[ "$status" = 409 ] || fail "the result of a cancelled job: $status, expected 409"
status=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/v1/jobs/$id")
[ "$status" = 409 ] || fail "DELETE of a cancelled job: $status, expected 409"
# The worker is free again: a short job runs to the end.
make_face_clip "$WORK/short.mp4" 1
id2=$(submit "$WORK/short.mp4") || fail "submit refused"
for _ in $(seq 300); do
  [ "$(curl -sf "$URL/v1/jobs/$id2" | jq -r .state)" = succeeded ] && break
  sleep 0.1
done
[ "$(curl -sf "$URL/v1/jobs/$id2" | jq -r .state)" = succeeded ] || fail "the next job: $(curl -s "$URL/v1/jobs/$id2")"
echo "job $id cancelled after $frames of $total frames, nothing left; the next job succeeded: PASS"
