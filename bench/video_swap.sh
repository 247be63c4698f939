#!/usr/bin/env bash
# Video face swap throughput on 2 cores (CPU): frames per second of `facefuse swap -t VIDEO` on single-face clips
# at 360p, 720p and 1080p (made here with the ffmpeg program: obama.jpg under a slow zoom, 25 fps, with a tone),
# with the classical swapper and with the inswapper_128 stand-in (tools/standins replica: the real model's I/O and
# cost, random weights); how busy each pipelined stage was, which stage bounds the throughput, and the pipeline's
# efficiency: the end-to-end fps over the fps the busiest stage reaches on its own working time (its busy seconds),
# i.e. the share of the wall time that stage worked. As the floor that decoding and encoding alone cost, the ffmpeg
# program re-encodes each clip with the same encoder settings (libx264, CRF 10, preset medium).
#
#   bench/video_swap.sh [SWAPPER...]    (default: classical inswapper_128)
#
# Environment: FACEFUSE_BIN, STANDINS_BIN (default build/src/facefuse, build/tools/standins/facefuse-standins),
# BENCH_THREADS (default 2), BENCH_SECONDS (clip length for the classical swapper, default 12: long enough that the
# encoder's start and final flush, ~40 frames of lookahead, weigh little), BENCH_STANDIN_SECONDS (for the stand-in,
# whose crop costs ~180 GFLOP; default 2), BENCH_REPEATS (default 1).
# Prints a Markdown table to stdout with the machine named; progress on stderr.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
facefuse="${FACEFUSE_BIN:-$repo/build/src/facefuse}"
standins="${STANDINS_BIN:-$repo/build/tools/standins/facefuse-standins}"
images="$repo/../shared/fixtures/media/images"
threads="${BENCH_THREADS:-2}"
seconds="${BENCH_SECONDS:-12}"
standin_seconds="${BENCH_STANDIN_SECONDS:-2}"
repeats="${BENCH_REPEATS:-1}"
swappers=("$@")
[ ${#swappers[@]} -gt 0 ] || swappers=(classical inswapper_128)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -x "$facefuse" ] || { echo "video_swap.sh: build first ($facefuse missing)" >&2; exit 2; }
command -v ffmpeg >/dev/null && command -v jq >/dev/null || { echo "video_swap.sh: needs ffmpeg and jq" >&2; exit 2; }
[ -f "$images/obama.jpg" ] || { echo "video_swap.sh: fixture images missing ($images)" >&2; exit 2; }

# make_clip HEIGHT SECONDS OUT: the portrait scaled to the height, centred on a black frame of 16:9, slow zoom.
make_clip() {
  local h=$1 s=$2 out=$3 w=$(($1 * 16 / 9))
  ffmpeg -v error -y -loop 1 -framerate 25 -i "$images/obama.jpg" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -filter_complex "[0:v]scale=-2:$h,pad=$w:$h:(ow-iw)/2:0,zoompan=z='1+0.001*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${w}x$h:fps=25[v]" \
    -map "[v]" -map 1:a -t "$s" -c:v libx264 -preset fast -pix_fmt yuv420p -c:a aac "$out"
}

swapper_args() {
  case "$1" in
    classical) ;;
    inswapper_128)
      [ -f "$work/inswapper_128.replica.onnx" ] || "$standins" --model inswapper_128 --kind replica --out "$work" >&2
      # The bundled 512-d recognizer stands in for ArcFace w600k_r50 (not bundled), with its own normalisation.
      echo "--swapper inswapper_128 --swapper-model $work/inswapper_128.replica.onnx" \
           "--recognizer-model $repo/models/recognizer_512.onnx --recognizer-mean 127 --recognizer-std 128" ;;
    *) echo "video_swap.sh: unknown swapper $1" >&2; exit 2 ;;
  esac
}

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "Machine: $cpu, $(nproc) cores, --threads $threads. Date: $(date -u '+%Y-%m-%d %H:%M UTC')."
echo
echo "| clip | swapper | frames | fps | decode % | analyse % | swap % | encode % | bound by | efficiency | ffmpeg re-encode fps |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for swapper in "${swappers[@]}"; do
  read -r -a extra <<<"$(swapper_args "$swapper")"
  clip_seconds=$seconds
  [ "$swapper" = classical ] || clip_seconds=$standin_seconds
  for height in 360 720 1080; do
    clip="$work/clip_${height}p_${swapper}.mp4"
    make_clip "$height" "$clip_seconds" "$clip"
    start=$(date +%s%N)
    ffmpeg -v error -y -threads "$threads" -i "$clip" -c:v libx264 -crf 10 -preset medium -c:a copy "$work/ref.mp4"
    ffmpeg_s=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')
    for ((r = 1; r <= repeats; r++)); do
      echo "== ${height}p $swapper ($r/$repeats)" >&2
      report="$("$facefuse" swap -s "$images/biden.jpg" -t "$clip" -o "$work/out.mp4" --threads "$threads" \
                --progress none --json "${extra[@]}")"
      echo "$report" | jq -r --arg clip "${height}p" --arg swapper "$swapper" --arg ff "$ffmpeg_s" '
        (.frames / .fps) as $wall
        | (.busy_seconds | to_entries | max_by(.value)) as $bound
        | def pct(x): (100 * x / $wall | round);
        "| \($clip) | \($swapper) | \(.frames) | \(.fps * 10 | round / 10) | " +
        "\(pct(.busy_seconds.decode)) | \(pct(.busy_seconds.analyse)) | \(pct(.busy_seconds.swap)) | " +
        "\(pct(.busy_seconds.encode)) | \($bound.key) | \($bound.value / $wall * 100 | round / 100) | " +
        "\(.frames / ($ff | tonumber) | round) |"'
    done
  done
done
