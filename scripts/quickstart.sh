#!/usr/bin/env bash
# Quick start: installs dependencies, builds, and runs facefuse's main job on a
# real photo. Usage: scripts/quickstart.sh [IMAGE]
# Without IMAGE it uses the public-domain astronaut portrait (NASA, Eileen
# Collins) that Debian ships in the python3-skimage package, fetched with apt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

image="${1:-}"
if [ -z "$image" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/facefuse"
  image="$cache/astronaut.png"
  if [ ! -f "$image" ]; then
    mkdir -p "$cache/deb"
    (cd "$cache/deb" && apt-get download python3-skimage >/dev/null)
    dpkg-deb -x "$cache"/deb/python3-skimage_*.deb "$cache/deb/x"
    cp "$cache/deb/x/usr/lib/python3/dist-packages/skimage/data/astronaut.png" "$image"
    rm -rf "$cache/deb"
  fi
fi
echo "facefuse: detecting faces in $image with the bundled YuNet model"
build/src/facefuse detect "$image"
