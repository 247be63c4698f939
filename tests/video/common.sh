# Shared helpers for the video CLI tests (sourced). Needs FACEFUSE (the binary) and SOURCE_DIR.
# The clips are made here with the ffmpeg CLI (lavfi sources, a fixture photo under a slow zoom) and every
# output is checked with ffprobe; facefuse itself never runs either.
set -euo pipefail
SKIP=77
WORK=$(mktemp -d "${TMPDIR:-/tmp}/facefuse-video.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A tool or fixture the test needs is missing: a failure under CI=true, a skip elsewhere.
missing() {
  [ "${CI:-}" = "true" ] && fail "$1 (CI=true: everything the tests need must be present)"
  echo "SKIP: $1"
  exit $SKIP
}
for tool in ffmpeg ffprobe jq; do
  command -v "$tool" >/dev/null || missing "$tool is not installed (scripts/install-deps.sh installs it)"
done
PHOTO="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images/obama_small.jpg"
[ -f "$PHOTO" ] || missing "fixture missing: $PHOTO"

# make_face_clip OUT SECONDS [extra ffmpeg output options...]: 320x240 at 25 fps, the fixture face under a slow
# zoom, with a 440 Hz tone (AAC) unless the options say otherwise.
make_face_clip() {
  local out=$1 seconds=$2; shift 2
  ffmpeg -v error -y -loop 1 -framerate 25 -i "$PHOTO" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -filter_complex "[0:v]zoompan=z='1+0.002*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=320x240:fps=25[v]" \
    -map "[v]" -map 1:a -t "$seconds" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$@" "$out"
}

# make_test_clip OUT SECONDS: ffmpeg's testsrc2 pattern (no face), 320x240 at 25 fps, no audio.
make_test_clip() {
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25" -t "$2" -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p "$1"
}

# probe FILE: the stream facts the tests compare, as one JSON object.
probe() { ffprobe -v error -count_frames -show_streams -show_format -of json "$1"; }
video_field() { probe "$1" | jq -r "[.streams[] | select(.codec_type == \"video\")][0].$2"; }
audio_field() { probe "$1" | jq -r "[.streams[] | select(.codec_type == \"audio\")][0].$2 // empty"; }

# near A B TOLERANCE: |A - B| <= TOLERANCE (decimals).
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# no_leftovers DIR: nothing but the given names in DIR (no temporary or partial file).
no_leftovers() {
  local dir=$1; shift
  local extra
  extra=$(cd "$dir" && ls -A | grep -v -x -F -f <(printf '%s\n' "$@") || true)
  [ -z "$extra" ] || fail "left behind in $dir: $extra"
}
