#!/usr/bin/env bash
# Bounded memory: the peak resident memory of a swap over a clip ten times longer stays within 1.2x that of the
# short clip (frames flow through bounded queues; nothing grows with the length).
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_test_clip "$WORK/short.mp4" 2
make_test_clip "$WORK/long.mp4" 20
SOURCE="$(dirname "$PHOTO")/biden.jpg"
peak() {
  "$FACEFUSE" swap --threads 2 -s "$SOURCE" -t "$WORK/$1" -o "$WORK/out_$1" --progress none --json \
    >"$WORK/report" 2>"$WORK/err" || fail "swap $1: exit $?: $(cat "$WORK/err")"
  jq -r .peak_rss_bytes "$WORK/report"
}
short=$(peak short.mp4)
long=$(peak long.mp4)
echo "peak RSS: $short bytes (50 frames), $long bytes (500 frames)"
[ "$(video_field "$WORK/out_long.mp4" nb_read_frames)" = 500 ] || fail "the long clip lost frames"
awk -v s="$short" -v l="$long" 'BEGIN { exit !(l <= 1.2 * s) }' || fail "the long clip's peak is $long > 1.2 x $short"
echo "PASS"
