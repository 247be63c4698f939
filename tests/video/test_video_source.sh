#!/usr/bin/env bash
# A video as the source: its best frame stands in for a photo, onto an image and onto a video target; a source
# clip without a face fails naming the clip, exit 1, and leaves no output file.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/source.mp4" 1
make_face_clip "$WORK/target.mp4" 1 -an
make_test_clip "$WORK/noface.mp4" 1
IMAGE="$(dirname "$PHOTO")/biden.jpg"

"$FACEFUSE" swap -s "$WORK/source.mp4" -t "$IMAGE" -o "$WORK/out.png" >"$WORK/out" 2>"$WORK/err" ||
  fail "video source onto an image: exit $?: $(cat "$WORK/err")"
grep -q "^swapped 1 face(s) into $WORK/out.png" "$WORK/out" || fail "image target: $(cat "$WORK/out")"
[ -s "$WORK/out.png" ] || fail "no image written"

"$FACEFUSE" swap -s "$WORK/source.mp4" -t "$WORK/target.mp4" -o "$WORK/out.mp4" --progress none >"$WORK/out" \
  2>"$WORK/err" || fail "video source onto a video: exit $?: $(cat "$WORK/err")"
grep -q "in 25 of 25 frames into $WORK/out.mp4" "$WORK/out" || fail "video target: $(cat "$WORK/out")"
[ "$(video_field "$WORK/out.mp4" nb_read_frames)" = 25 ] || fail "the output video does not have 25 frames"

# A video and a photo of one person together: their embeddings are averaged, as for several photos.
"$FACEFUSE" swap -s "$WORK/source.mp4" -s "$PHOTO" -t "$IMAGE" -o "$WORK/both.png" >"$WORK/out" 2>"$WORK/err" ||
  fail "a video and a photo as sources: exit $?: $(cat "$WORK/err")"

for target in "$IMAGE" "$WORK/target.mp4"; do
  output="$WORK/none.${target##*.}"
  [ "$output" = "$WORK/none.jpg" ] && output="$WORK/none.png"
  status=0
  "$FACEFUSE" swap -s "$WORK/noface.mp4" -t "$target" -o "$output" >"$WORK/out" 2>"$WORK/err" ||
    status=$?
  [ "$status" = 1 ] || fail "faceless source onto $target: exit $status, expected 1: $(cat "$WORK/err")"
  grep -qx "swap: NotFound: no face found in any of the [0-9]* frames sampled from $WORK/noface.mp4" "$WORK/err" ||
    fail "faceless source onto $target: $(cat "$WORK/err")"
  [ -e "$output" ] && fail "faceless source onto $target: an output file was left"
  echo "$(basename "$target"): $(cat "$WORK/err")"
done
# Neither an image nor a video: the image reader's error, as before videos could be sources.
echo "not a picture" >"$WORK/text.mp4"
for target in "$IMAGE" "$WORK/target.mp4"; do
  status=0
  output="$WORK/none.png"
  [ "$target" = "$WORK/target.mp4" ] && output="$WORK/none.mp4"
  "$FACEFUSE" swap -s "$WORK/text.mp4" -t "$target" -o "$output" >"$WORK/out" 2>"$WORK/err" ||
    status=$?
  [ "$status" = 1 ] || fail "a text source onto $target: exit $status, expected 1: $(cat "$WORK/err")"
  grep -q "^swap: InvalidArgument: image $WORK/text.mp4: not an image" "$WORK/err" ||
    fail "a text source onto $target: $(cat "$WORK/err")"
done
no_leftovers "$WORK" source.mp4 target.mp4 noface.mp4 text.mp4 out.png out.mp4 both.png out err
echo "PASS"
