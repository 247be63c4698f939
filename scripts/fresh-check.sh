#!/usr/bin/env bash
# Proves the README's Quick start on a fresh Debian 12 machine, the way a new user meets it:
#   1. makes a minimal bookworm root with `mmdebstrap --variant=apt` (essential packages and apt only: no
#      compiler, no git, no ca-certificates, no sudo) from this machine's apt sources,
#   2. clones the committed HEAD of this checkout into it (/work/facefuse; uncommitted changes are not tested),
#   3. runs the quick-start command (scripts/quickstart.sh) there as root, in a chroot,
#   4. with --all, also the test command (scripts/test.sh, CI=true) with this checkout's ../shared bound
#      read-only at /work/shared, where the tests look for ../shared/fixtures as CI does.
# Prints the time of each phase and ends with a PASS or FAIL line; exits non-zero on failure.
#
#   scripts/fresh-check.sh [--all] [--keep] [--dir DIR]
#
#   --all      also run scripts/test.sh in the root (about 25-30 minutes more on 2 cores)
#   --keep     keep the root afterwards (default: removed, it is several GB)
#   --dir DIR  where to make the root (default: a new folder under /var/tmp); must not exist or be empty
#
# Needs root (chroot, mounts) and the network to this machine's apt mirror. Installs mmdebstrap when missing.
# Too slow for every CI run: run it before a release and whenever scripts/install-deps.sh changes.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }

run_tests=0
keep=0
root=""
while (($#)); do
  case "$1" in
    --all) run_tests=1 ;;
    --keep) keep=1 ;;
    --dir) [ $# -ge 2 ] || { echo "fresh-check: --dir needs a folder" >&2; exit 2; }; root="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fresh-check: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check: must run as root (mmdebstrap, chroot and mounts need it)" >&2
  exit 2
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$repo/.." && pwd)/shared"
head="$(git -C "$repo" rev-parse HEAD)"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-check: note: uncommitted changes in $repo are not part of the check (it clones HEAD $head)"
fi
if ((run_tests)) && [ ! -d "$shared/fixtures" ]; then
  echo "fresh-check: --all needs the fixtures at $shared/fixtures" >&2
  exit 2
fi

if [ -z "$root" ]; then
  root="$(mktemp -d /var/tmp/facefuse-fresh.XXXXXX)"
elif [ -e "$root" ] && [ -n "$(ls -A "$root")" ]; then
  echo "fresh-check: $root exists and is not empty" >&2
  exit 2
else
  mkdir -p "$root"
fi
root="$(cd "$root" && pwd)"
case "$root" in
  "$repo"|"$repo"/*) echo "fresh-check: the root must be outside the repository ($root)" >&2; exit 2 ;;
  /) echo "fresh-check: refusing / as the root" >&2; exit 2 ;;
esac

# --- phases and their times -------------------------------------------------------------------------------
# Wall time, and the CPU time of what the phase ran (user + system of the processes it waited for): on a busy
# machine the wall time grows, the CPU time does not; CPU time / cores is about the wall time on an idle machine.
phase_names=()
phase_times=()
phase_cpu=()
current=""
phase_start=0
cpu_start=0
ticks_per_s="$(getconf CLK_TCK)"
children_cpu_s() { awk -v t="$ticks_per_s" '{ printf "%d\n", ($16 + $17) / t }' "/proc/$$/stat"; }
begin() { current="$1"; phase_start=$SECONDS; cpu_start="$(children_cpu_s)"; echo "== fresh-check: $current"; }
end() {
  phase_names+=("$current")
  phase_times+=($((SECONDS - phase_start)))
  phase_cpu+=($(($(children_cpu_s) - cpu_start)))
  current=""
}
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# --- mounts and cleanup: always unmount, never delete through a mount --------------------------------------
mounts=()
mount_in_root() {  # mount_in_root DEST MOUNT-ARGS...: mounts at $root/DEST and remembers it for cleanup
  local dest="$root/$1"; shift
  mkdir -p "$dest"
  mount "$@" "$dest"
  mounts+=("$dest")
}

stop_root_processes() {  # ends the processes this run left inside the root (a daemon a package started)
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
    kill "${p#/proc/}" 2>/dev/null || true
  done
}

cleanup() {
  local status=$? i
  trap - EXIT INT TERM
  set +e
  stop_root_processes
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
  done
  if [ -n "$current" ]; then  # a phase was still running: it failed
    failed_phase="$current"
    end
    [ "$status" -ne 0 ] || status=1
  fi
  echo "== fresh-check: times (wall, CPU on $(nproc) cores)"
  for i in "${!phase_names[@]}"; do
    printf '   %-38s %8s %8s\n' "${phase_names[i]}" "$(fmt "${phase_times[i]}")" "$(fmt "${phase_cpu[i]}")"
  done
  if ((keep)); then
    echo "   root kept at $root"
  elif findmnt -rn -o TARGET | grep -q "^$root"; then
    echo "   root NOT removed: something is still mounted under $root" >&2
    status=1
  else
    rm -rf --one-file-system "$root"
  fi
  if [ "$status" -eq 0 ]; then
    echo "fresh-check: PASS ($(fmt $SECONDS), HEAD $head)"
  else
    echo "fresh-check: FAIL${failed_phase:+ in phase \"$failed_phase\"} ($(fmt $SECONDS), HEAD $head)"
  fi
  exit "$status"
}
failed_phase=""
trap cleanup EXIT
trap 'exit 130' INT TERM

run_phase() {  # run_phase NAME COMMAND...: a timed phase; a failure ends the check (set -e, then cleanup)
  begin "$1"; shift
  "$@"  # not under if/||: that would switch set -e off inside the phase
  end
}

# --- 1. the minimal root -----------------------------------------------------------------------------------
install_mmdebstrap() {
  command -v mmdebstrap >/dev/null && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
}

make_root() {
  # This machine's apt sources, and its Acquire:: settings (a proxy, a snapshot mirror's validity rules),
  # so that apt inside the root reaches the same mirror; nothing else of the host goes in.
  local sources=() options=() f
  [ -s /etc/apt/sources.list ] && sources+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources+=("$f")
  done
  ((${#sources[@]})) || { echo "fresh-check: this machine has no apt sources" >&2; return 1; }
  for f in /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] && grep -q '^[[:space:]]*Acquire' "$f" && options+=(--aptopt="$f")
  done
  mmdebstrap --quiet --variant=apt "${options[@]}" bookworm "$root" "${sources[@]}"
  # A chroot shares this machine's network and init: packages must not start daemons (prometheus would
  # listen on this machine's port 9090). A real machine starts them; the build and tests do not need them.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # The CAs node trusts here besides its own (NODE_EXTRA_CA_CERTS: an egress proxy that re-signs TLS), so that npm
  # in the root reaches the registry the way npm here does, like apt's proxy settings above. A machine on a plain
  # network has none, and needs none.
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
    cp "$NODE_EXTRA_CA_CERTS" "$root/etc/host-node-extra-ca.crt"
  fi
}

clone_repo() {
  mkdir -p "$root/work"
  git clone --quiet "$repo" "$root/work/facefuse"
  git -C "$root/work/facefuse" checkout --quiet --detach "$head"
  echo "   cloned $head into $root/work/facefuse"
}

mount_system() {
  mount_in_root proc -t proc proc
  mount_in_root sys -t sysfs sysfs
  mount_in_root dev --bind /dev
  # Private first: otherwise, where /dev is a shared mount, what is mounted below would show in the host's /dev.
  mount --make-private "$root/dev"
  mount_in_root dev/pts -t devpts -o newinstance,ptmxmode=0666 devpts
  mount_in_root dev/shm -t tmpfs -o mode=1777 tmpfs
}

in_root() {  # in_root COMMAND: runs COMMAND with bash in the root's clone, as root, with a clean environment
  nice chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${extra_env[@]}" \
    /bin/bash -c "cd /work/facefuse && $1"
}
extra_env=()
node_env() {  # the NODE_EXTRA_CA_CERTS setting for the root, when make_root copied this machine's
  [ -s "$root/etc/host-node-extra-ca.crt" ] && echo NODE_EXTRA_CA_CERTS=/etc/host-node-extra-ca.crt
  return 0
}

quick_start() {
  mapfile -t extra_env < <(node_env)
  in_root scripts/quickstart.sh
  # The README promises swapped.png: check that it is there and is a PNG, not just a zero exit status.
  local out="$root/work/facefuse/swapped.png"
  if [ ! -s "$out" ] || [ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "fresh-check: the quick start did not write a PNG at swapped.png" >&2
    return 1
  fi
  echo "   swapped.png: $(stat -c %s "$out") bytes"
}

tests() {
  mount_in_root work/shared --bind "$shared"
  mount -o remount,bind,ro "$root/work/shared"
  mapfile -t extra_env < <(node_env)
  extra_env+=(CI=true)
  in_root scripts/test.sh
}

echo "fresh-check: root $root, HEAD $head"
run_phase "install mmdebstrap" install_mmdebstrap
run_phase "mmdebstrap bookworm (variant apt)" make_root
run_phase "clone HEAD into the root" clone_repo
mount_system
run_phase "quick start (scripts/quickstart.sh)" quick_start
if ((run_tests)); then
  run_phase "tests (scripts/test.sh)" tests
fi
