#!/usr/bin/env bash
# Quick start: installs dependencies, builds, and runs facefuse's main job: a
# face swap with the bundled models only (YuNet, Face Mesh, classical swapper).
#
#   scripts/quickstart.sh [SOURCE TARGET [OUTPUT]]
#
# Without arguments it puts Grace Hopper's face (public-domain US Navy photo,
# shipped by Debian in python-matplotlib-data) onto the astronaut portrait
# (public domain, NASA; Debian python3-skimage), both fetched with apt-get
# download, and writes swapped.png. Relative paths are taken from the folder you run it in.
set -euo pipefail

usage() { echo "usage: scripts/quickstart.sh [SOURCE TARGET [OUTPUT]]" >&2; exit 2; }
if [ $# -gt 3 ] || [ $# -eq 1 ]; then usage; fi

# absolute PATH: PATH as typed by the caller, made absolute against the caller's folder (we cd below).
caller_dir="$PWD"
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$caller_dir/$1" ;; esac; }

source_image=""
target_image=""
output="$(absolute "${3:-swapped.png}")"
if [ $# -ge 2 ]; then
  source_image="$(absolute "$1")"
  target_image="$(absolute "$2")"
  for image in "$source_image" "$target_image"; do
    [ -f "$image" ] || { echo "facefuse: quick start: no such image: $image" >&2; exit 2; }
  done
fi

cd "$(dirname "$0")/.."
FACEFUSE_SKIP_NODE_TEST_DEPS=1 scripts/install-deps.sh   # the quick start runs none of the node tests
scripts/build.sh facefuse   # the binary only: the test command builds the rest

# extract PACKAGE PATH_IN_PACKAGE DEST: one file out of a Debian package, without installing it.
extract() {
  local package="$1" member="$2" dest="$3" tmp
  [ -f "$dest" ] && return 0
  tmp="$(mktemp -d)"
  # As root, apt downloads as its _apt user: let it write here (else a warning and an unsandboxed download).
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  (cd "$tmp" && apt-get download "$package" >/dev/null)
  dpkg-deb -x "$tmp"/"$package"_*.deb "$tmp/x"
  cp "$tmp/x/$member" "$dest"
  rm -rf "$tmp"
}

if [ -z "$source_image" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/facefuse"
  mkdir -p "$cache"
  source_image="$cache/grace_hopper.jpg"
  target_image="$cache/astronaut.png"
  extract python-matplotlib-data usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg "$source_image"
  extract python3-skimage usr/lib/python3/dist-packages/skimage/data/astronaut.png "$target_image"
fi
echo "facefuse: swapping the face of $source_image onto $target_image (bundled models, no download)"
build/src/facefuse swap --source "$source_image" --target "$target_image" --output "$output"
