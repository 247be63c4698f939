#!/usr/bin/env bash
# Recall of the bundled YuNet detector against SCRFD-2.5G (IoU >= 0.5) on every fixture photo and on the photos
# tiled 3 x 3 (small faces), and its false positives on face-free images, at several score thresholds.
#
#   bench/detector_recall.sh [extra facefuse-detector-recall options, e.g. --thresholds 0.9,0.7]
#
# Face-free images: strips of the fixture photos away from every face (made by the tool), synthetic textures
# (made by the tool), and 21 photos without people from Debian's python3-skimage plus 2 from
# python-matplotlib-data, fetched once with `apt-get download` (as scripts/quickstart.sh does) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/facefuse/face-free. Without apt (or offline) those are left out and the
# script says so. Environment: RECALL_BIN (default build/bench/facefuse-detector-recall), FIXTURES_DIR
# (default ../shared/fixtures), BENCH_THREADS (default 2). Prints Markdown to stdout, progress on stderr.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool="${RECALL_BIN:-$repo/build/bench/facefuse-detector-recall}"
fixtures="${FIXTURES_DIR:-$repo/../shared/fixtures}"
negatives="${XDG_CACHE_HOME:-$HOME/.cache}/facefuse/face-free"

[ -x "$tool" ] || { echo "detector_recall.sh: build first: ninja -C build facefuse-detector-recall" >&2; exit 2; }
[ -d "$fixtures/media/images" ] || { echo "detector_recall.sh: no fixture photos in $fixtures/media/images" >&2; exit 2; }

# fetch PACKAGE DIR_IN_PACKAGE FILE...: copies the files out of a Debian package into $negatives (once).
fetch() {
  local package="$1" dir="$2" tmp missing=0 f
  shift 2
  for f in "$@"; do [ -f "$negatives/$f" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  tmp="$(mktemp -d)"
  if (cd "$tmp" && apt-get download "$package" >/dev/null 2>&1) && dpkg-deb -x "$tmp"/"$package"_*.deb "$tmp/x"; then
    for f in "$@"; do cp "$tmp/x/$dir/$f" "$negatives/$f"; done
  else
    echo "detector_recall.sh: could not fetch $package (apt-get download); its face-free photos are left out" >&2
  fi
  rm -rf "$tmp"
}

mkdir -p "$negatives"
# Photos and renderings without people (chelsea.png is a cat; motorcycle_* a garage; hubble_deep_field galaxies).
fetch python3-skimage usr/lib/python3/dist-packages/skimage/data \
  brick.png cell.png chelsea.png clock_motion.png coffee.png coins.png color.png grass.png gravel.png horse.png \
  ihc.png logo.png moon.png motorcycle_left.png motorcycle_right.png page.png phantom.png text.png \
  hubble_deep_field.jpg retina.jpg rocket.jpg
fetch python-matplotlib-data usr/share/matplotlib/mpl-data/sample_data Minduka_Present_Blue_Pack.png logo2.png

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "Machine: $cpu. Face-free photos from $negatives ($(find "$negatives" -type f | wc -l) files)."
echo
"$tool" --fixtures "$fixtures" --negatives "$negatives" --threads "${BENCH_THREADS:-2}" "$@"
