#!/usr/bin/env bash
# --trim-start by frame number and --trim-end by time: the output is the trimmed span, its audio trimmed with it.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/in.mp4" 2
SOURCE="$(dirname "$PHOTO")/biden.jpg"
"$FACEFUSE" swap --threads 2 -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/out.mp4" --progress none \
  --trim-start 10 --trim-end 1.6s >"$WORK/out" 2>"$WORK/err" || fail "swap exit $?: $(cat "$WORK/err")"
frames=$(video_field "$WORK/out.mp4" nb_read_frames)
near "$frames" 30 1 || fail "frames 10 up to 1.6 s at 25 fps are 30, the output has $frames"
video_duration=$(video_field "$WORK/out.mp4" duration)
near "$video_duration" 1.2 0.041 || fail "video duration $video_duration, expected 1.2 s"
audio_duration=$(audio_field "$WORK/out.mp4" duration)
near "$audio_duration" "$video_duration" 0.05 || fail "audio lasts $audio_duration s, video $video_duration s"

# A span that holds no frame, and an end before the start: clear errors, nothing written.
"$FACEFUSE" swap -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/late.mp4" --progress none --trim-start 10s \
  >"$WORK/out" 2>"$WORK/err" && fail "a start past the end succeeded"
grep -q "trim-start" "$WORK/err" || fail "message: $(cat "$WORK/err")"
"$FACEFUSE" swap -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/back.mp4" --progress none --trim-start 1s \
  --trim-end 0.5s >"$WORK/out" 2>"$WORK/err" && fail "an end before the start succeeded"
grep -q "must come after --trim-start" "$WORK/err" || fail "message: $(cat "$WORK/err")"
no_leftovers "$WORK" in.mp4 out.mp4 out err
echo "PASS: $frames frames, video ${video_duration}s, audio ${audio_duration}s"
