#!/usr/bin/env bash
# Corrupt and misleading video targets give a clear error naming the file, exit 1, and leave no output file.
FACEFUSE=$1; SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
make_face_clip "$WORK/in.mp4" 1
SOURCE="$(dirname "$PHOTO")/biden.jpg"
head -c "$(($(stat -c %s "$WORK/in.mp4") / 2))" "$WORK/in.mp4" >"$WORK/truncated.mp4"
: >"$WORK/empty.mp4"
ffmpeg -v error -f lavfi -i "sine=frequency=440" -t 1 -c:a aac "$WORK/tone.m4a"
echo "not a video at all" >"$WORK/text.mp4"
{ printf 'YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n'; head -c 4096 /dev/urandom; } >"$WORK/huge.y4m"
cp "$WORK/in.mp4" "$WORK/video_named.jpg"
for target in truncated.mp4 empty.mp4 tone.m4a text.mp4 huge.y4m; do
  status=0
  "$FACEFUSE" swap -s "$SOURCE" -t "$WORK/$target" -o "$WORK/out.mp4" --progress none >"$WORK/out" 2>"$WORK/err" ||
    status=$?
  [ "$status" = 1 ] || fail "$target: exit $status, expected 1: $(cat "$WORK/err")"
  grep -q "^swap: .*$target" "$WORK/err" || fail "$target: the message does not name the file: $(cat "$WORK/err")"
  [ -e "$WORK/out.mp4" ] && fail "$target: an output file was left"
  echo "$target: $(cat "$WORK/err")"
done
# refused_as_usage OUTPUT PATTERN [OPTIONS...]: the command line's mistake: exit 2 naming it (PATTERN), before any
# work, so OUTPUT is not written.
refused_as_usage() {
  local output=$1 pattern=$2; shift 2
  local status=0
  "$FACEFUSE" swap -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/$output" --progress none "$@" >"$WORK/out" \
    2>"$WORK/err" || status=$?
  [ "$status" = 2 ] || fail "$output $*: exit $status, expected 2: $(cat "$WORK/err")"
  grep -q -- "$pattern" "$WORK/err" || fail "$output $*: message: $(cat "$WORK/err")"
  [ -e "$WORK/$output" ] && fail "$output was written"
  return 0
}
# An output name no video container takes, and a detection interval under one frame.
refused_as_usage out.png "no video container for the extension '.png'"
refused_as_usage out.mp4 "--detect-every" --detect-every 0
# An encoder the container cannot hold; without --encoder a .webm gets VP9 (checked with ffprobe).
refused_as_usage out.webm "the webm container of .*out.webm.* cannot hold h264 video (--encoder libx264): use --encoder libvpx-vp9" --encoder libx264
"$FACEFUSE" swap -s "$SOURCE" -t "$WORK/in.mp4" -o "$WORK/out.webm" --progress none >"$WORK/out" 2>"$WORK/err" ||
  fail "-o out.webm: exit $?: $(cat "$WORK/err")"
codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$WORK/out.webm")
[ "$codec" = vp9 ] || fail "-o out.webm was written with '$codec', expected vp9"
rm -f "$WORK/out.webm"
# The kind comes from the content: an MP4 named .jpg is swapped as a video.
"$FACEFUSE" swap -s "$SOURCE" -t "$WORK/video_named.jpg" -o "$WORK/out.mp4" --progress none >"$WORK/out" \
  2>"$WORK/err" || fail "an MP4 named .jpg: exit $?: $(cat "$WORK/err")"
grep -q "frames into" "$WORK/out" || fail "not swapped as a video: $(cat "$WORK/out")"
rm -f "$WORK/out.mp4"
no_leftovers "$WORK" in.mp4 truncated.mp4 empty.mp4 tone.m4a text.mp4 huge.y4m video_named.jpg out err
echo "PASS"
