#!/usr/bin/env bash
# A face clip with audio through `facefuse swap`: the output keeps the frame count (+-1), the rate, the duration
# (+-1 frame) and the size, its audio lasts within 50 ms of its video, and faces were swapped in nearly every frame.
# Its GPU report (without a GPU here) charts how busy the pipelined stages were, and its metrics time every
# frame in each stage.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/in.mp4" 2
SOURCE="$(dirname "$PHOTO")/biden.jpg"
"$FACEFUSE" swap --threads 2 -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/out.mp4" --progress none --json \
  --gpu-report --metrics-file "$WORK/run.prom" >"$WORK/report.json" 2>"$WORK/err" || fail "swap exit $?: $(cat "$WORK/err")"
cat "$WORK/report.json"
[ -s "$WORK/out.mp4" ] || fail "no output"
no_leftovers "$WORK" in.mp4 out.mp4 report.json err run.prom out.gpu.csv out.gpu.svg out.gpu.png out.gpu.txt
for stage in decode analyse swap encode; do
  grep -q "data-series=\"busy_$stage\"" "$WORK/out.gpu.svg" || fail "the chart has no busy_$stage series"
done
grep -q 'data-stage="video"' "$WORK/out.gpu.svg" || fail "the chart does not mark the video stage"
analysed=$(awk '/^facefuse_stage_duration_seconds_count\{stage="analyse"\}/ { print $2 }' "$WORK/run.prom")
[ "$analysed" = 50 ] || fail "the metrics time $analysed frames in analyse, expected 50"

in_frames=$(video_field "$WORK/in.mp4" nb_read_frames)
out_frames=$(video_field "$WORK/out.mp4" nb_read_frames)
near "$in_frames" "$out_frames" 1 || fail "frames: $in_frames in, $out_frames out"
[ "$(video_field "$WORK/in.mp4" r_frame_rate)" = "$(video_field "$WORK/out.mp4" r_frame_rate)" ] ||
  fail "rate: $(video_field "$WORK/in.mp4" r_frame_rate) in, $(video_field "$WORK/out.mp4" r_frame_rate) out"
[ "$(video_field "$WORK/out.mp4" width)x$(video_field "$WORK/out.mp4" height)" = 320x240 ] || fail "size changed"
in_duration=$(video_field "$WORK/in.mp4" duration)
video_duration=$(video_field "$WORK/out.mp4" duration)
near "$in_duration" "$video_duration" 0.041 || fail "video duration: $in_duration in, $video_duration out"
audio_duration=$(audio_field "$WORK/out.mp4" duration)
[ -n "$audio_duration" ] || fail "the output has no audio"
near "$audio_duration" "$video_duration" 0.05 || fail "audio lasts $audio_duration s, video $video_duration s"

frames=$(jq -r .frames "$WORK/report.json")
with_faces=$(jq -r .frames_with_faces "$WORK/report.json")
[ "$frames" = "$out_frames" ] || fail "the report says $frames frames, the file has $out_frames"
[ $((with_faces * 10)) -ge $((frames * 9)) ] || fail "faces swapped in only $with_faces of $frames frames"
# The detector runs every 10th frame (the default --detect-every); the landmarker follows the face between.
detected=$(jq -r .frames_detected "$WORK/report.json")
[ "$detected" -ge 5 ] && [ "$detected" -le 10 ] || fail "the detector ran on $detected of $frames frames, expected 5-10"
echo "PASS: $out_frames frames, video ${video_duration}s, audio ${audio_duration}s, faces in $with_faces frames"
