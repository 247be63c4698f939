#!/usr/bin/env bash
# The audio options and other containers: --no-audio writes no audio stream; --audio FILE replaces the target's
# audio, cut at the end of the video; a WebM output with VP9 re-encodes the target's AAC to Opus, in sync.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/in.mp4" 2
ffmpeg -v error -f lavfi -i "sine=frequency=880:sample_rate=48000" -t 3 -c:a aac "$WORK/tone.m4a"
SOURCE="$(dirname "$PHOTO")/biden.jpg"
swap() { "$FACEFUSE" swap --threads 2 -s "$SOURCE" -t "$WORK/in.mp4" --progress none "$@" >"$WORK/out" 2>"$WORK/err" ||
  fail "swap $*: exit $?: $(cat "$WORK/err")"; }

swap -o "$WORK/silent.mp4" --no-audio
[ -z "$(audio_field "$WORK/silent.mp4" codec_name)" ] || fail "--no-audio left an audio stream"

swap -o "$WORK/dubbed.mp4" --audio "$WORK/tone.m4a"
[ "$(audio_field "$WORK/dubbed.mp4" sample_rate)" = 48000 ] || fail "the replacement audio is not the one given"
near "$(audio_field "$WORK/dubbed.mp4" duration)" "$(video_field "$WORK/dubbed.mp4" duration)" 0.05 ||
  fail "replacement audio $(audio_field "$WORK/dubbed.mp4" duration) s, video $(video_field "$WORK/dubbed.mp4" duration) s"

swap -o "$WORK/clip.webm" --encoder libvpx-vp9 --quality 60
[ "$(video_field "$WORK/clip.webm" codec_name)" = vp9 ] || fail "WebM video is $(video_field "$WORK/clip.webm" codec_name)"
[ "$(audio_field "$WORK/clip.webm" codec_name)" = opus ] || fail "WebM audio is $(audio_field "$WORK/clip.webm" codec_name)"
near "$(video_field "$WORK/clip.webm" nb_read_frames)" 50 1 || fail "WebM frames"

# Both audio options at once is the command line's mistake.
"$FACEFUSE" swap -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/both.mp4" --audio "$WORK/tone.m4a" --no-audio \
  >"$WORK/out" 2>"$WORK/err" && fail "--audio with --no-audio succeeded"
[ ! -e "$WORK/both.mp4" ] || fail "an output was left"
grep -q "cannot be used together" "$WORK/err" || fail "message: $(cat "$WORK/err")"
echo "PASS"
