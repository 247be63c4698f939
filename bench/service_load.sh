#!/usr/bin/env bash
# The job API under load on loopback: `facefuse serve --port 0` on a temporary data dir, and C clients for D seconds
# (bench/service_load.mjs): most submit a classical swap job, follow it until final and fetch the result (a 503
# waits its Retry-After), a fifth hammer GET /v1/jobs/{id}, GET /v1/jobs and /metrics, three POST /v1/swap. Then
# the jobs still open are followed until final (bounded) and checked: no 5xx but 503 (admission control), every
# accepted job succeeded, /health/live still answers.
#
#   bench/service_load.sh [--duration S] [--clients C] [--workers N] [--max-queued N]
#                                        (defaults: 60 s, 50 clients, --workers 2, --max-queued 20)
#
# Each client has one job in flight at most, so the queue is kept small (--max-queued 20 < the 37 submitters) for
# admission control to answer 503 under the default load.
# Environment: FACEFUSE_BIN (default build/src/facefuse), FIXTURES_DIR (default ../shared/fixtures),
# BENCH_SOURCE, BENCH_TARGET (default biden.jpg onto obama_small.jpg, 320x240), FACEFUSE_COMMIT (the commit the
# binary was built from, when it is not this checkout's), BENCH_DRAIN (seconds to wait for the open jobs, default 300).
# Needs node (18 or later). Prints a Markdown table to stdout with the machine named; progress on stderr.
# Exit status: 0 when every check passed, 1 when one failed, 2 when the bench could not run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
facefuse="${FACEFUSE_BIN:-$repo/build/src/facefuse}"
images="${FIXTURES_DIR:-$repo/../shared/fixtures}/media/images"
source_image="${BENCH_SOURCE:-$images/biden.jpg}"
target_image="${BENCH_TARGET:-$images/obama_small.jpg}"
duration=60 clients=50 workers=2 max_queued=20
while [ $# -gt 0 ]; do
  case "$1" in
    --duration|--clients|--workers|--max-queued)
      [ $# -ge 2 ] || { echo "service_load.sh: $1 needs a value" >&2; exit 2; }
      declare "$(tr - _ <<<"${1#--}")=$2"; shift 2 ;;
    *) echo "service_load.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done

[ -x "$facefuse" ] || { echo "service_load.sh: build first ($facefuse missing)" >&2; exit 2; }
command -v node >/dev/null || { echo "service_load.sh: needs node (18 or later)" >&2; exit 2; }
[ -f "$source_image" ] && [ -f "$target_image" ] ||
  { echo "service_load.sh: fixture images missing ($source_image, $target_image)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/facefuse-load.XXXXXX")"
serve_pid=
stop_serve() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null; serve_pid=; fi
  return 0
}
trap 'stop_serve; rm -rf "$work"' EXIT

"$facefuse" serve --port 0 --data-dir "$work/data" --workers "$workers" --max-queued "$max_queued" \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do grep -q 'job API at http://' "$work/serve.out" && break; sleep 0.1; done
url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/serve.out" | head -1 || true)
[ -n "$url" ] ||
  { echo "service_load.sh: serve did not start: $(cat "$work/serve.out" "$work/serve.err")" >&2; exit 2; }
echo "serve at $url (--workers $workers --max-queued $max_queued); $clients clients for $duration s" >&2

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
commit="${FACEFUSE_COMMIT:-$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)}"
echo "Machine: $cpu, $(nproc) cores visible; server and clients on the same machine (loopback)."
echo "facefuse: $("$facefuse" --version), commit $commit; serve --workers $workers --max-queued $max_queued." \
     "Date: $(date -u '+%Y-%m-%d %H:%M') UTC."
rc=0
node "$repo/bench/service_load.mjs" --url "$url" --source "$source_image" --target "$target_image" \
  --duration "$duration" --clients "$clients" --drain "${BENCH_DRAIN:-300}" || rc=$?
if ! kill -0 "$serve_pid" 2>/dev/null; then
  echo "Checks FAILED: serve is no longer running: $(tail -5 "$work/serve.err")"
  rc=1
fi
exit "$rc"
