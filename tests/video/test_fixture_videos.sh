#!/usr/bin/env bash
# The fixture videos (a real clip with faces, a zoom/pan clip) keep their frame count, rate, size and duration.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
videos="$(dirname "$(dirname "$PHOTO")")/video"
[ -d "$videos" ] || missing "fixture missing: $videos"
SOURCE="$(dirname "$PHOTO")/biden.jpg"
for clip in "$videos"/*.mp4; do
  name=$(basename "$clip")
  "$FACEFUSE" swap --threads 2 -s "$SOURCE" -t "$clip" -o "$WORK/$name" --progress none --json >"$WORK/report" \
    2>"$WORK/err" || fail "$name: exit $?: $(cat "$WORK/err")"
  for field in nb_read_frames r_frame_rate width height; do
    a=$(video_field "$clip" $field); b=$(video_field "$WORK/$name" $field)
    if [ "$field" = nb_read_frames ]; then near "$a" "$b" 1; else [ "$a" = "$b" ]; fi || fail "$name $field: $a in, $b out"
  done
  near "$(video_field "$clip" duration)" "$(video_field "$WORK/$name" duration)" 0.05 || fail "$name duration"
  echo "$name: $(jq -c '{frames, frames_with_faces, fps}' "$WORK/report")"
done
echo "PASS"
