#!/usr/bin/env bash
# Video face swap throughput on the fixture clips (CPU): frames per second of `facefuse swap` with the classical
# swapper, how busy each pipelined stage was, with facefuse's own OpenMP wait (a short spin) and with
# OMP_WAIT_POLICY=PASSIVE, alternating in one run; and, as the floor that decoding and encoding alone
# cost, the ffmpeg program re-encoding the same clip with the same encoder settings (libx264, CRF 10, preset medium).
#
#   bench/video_swap.sh [CLIP...]    (default: every .mp4 in ../shared/fixtures/media/video)
#
# Environment: FACEFUSE_BIN (default build/src/facefuse), BENCH_THREADS (default 2), BENCH_REPEATS (default 2).
# Prints a Markdown table to stdout with the machine named; progress on stderr.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
facefuse="${FACEFUSE_BIN:-$repo/build/src/facefuse}"
fixtures="$repo/../shared/fixtures/media"
threads="${BENCH_THREADS:-2}"
repeats="${BENCH_REPEATS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -x "$facefuse" ] || { echo "video_swap.sh: build first ($facefuse missing)" >&2; exit 2; }
command -v ffmpeg >/dev/null && command -v jq >/dev/null || { echo "video_swap.sh: needs ffmpeg and jq" >&2; exit 2; }
clips=("$@")
[ ${#clips[@]} -gt 0 ] || clips=("$fixtures"/video/*.mp4)
source_image="$fixtures/images/biden.jpg"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "Machine: $cpu, $(nproc) cores, $threads kernel threads. Date: $(date -u '+%Y-%m-%d %H:%M UTC')."
echo
echo "| clip | frames | OpenMP wait | fps | decode % | analyse % | swap % | encode % | ffmpeg re-encode fps |"
echo "|---|---|---|---|---|---|---|---|---|"
for clip in "${clips[@]}"; do
  name="$(basename "$clip")"
  for ((r = 1; r <= repeats; r++)); do
    for policy in DEFAULT PASSIVE; do
      echo "== $name $policy ($r/$repeats)" >&2
      policy_env=(); [ "$policy" = DEFAULT ] || policy_env=(OMP_WAIT_POLICY=$policy)
      report="$(env "${policy_env[@]}" "$facefuse" swap -s "$source_image" -t "$clip" -o "$work/out.mp4" \
                --threads "$threads" --progress none --json)"
      start=$(date +%s%N)
      ffmpeg -v error -y -threads "$threads" -i "$clip" -c:v libx264 -crf 10 -preset medium -c:a copy "$work/ref.mp4"
      ffmpeg_s=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')
      echo "$report" | jq -r --arg name "$name" --arg policy "$policy" --arg ff "$ffmpeg_s" '
        def pct(x): (100 * x / .seconds * 10 | round / 10);
        "| \($name) | \(.frames) | \($policy | ascii_downcase) | \(.fps * 10 | round / 10) | " +
        "\(pct(.busy_seconds.decode)) | \(pct(.busy_seconds.analyse)) | \(pct(.busy_seconds.swap)) | " +
        "\(pct(.busy_seconds.encode)) | \(.frames / ($ff | tonumber) * 10 | round / 10) |"'
    done
  done
done
