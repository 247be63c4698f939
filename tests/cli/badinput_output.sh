#!/usr/bin/env bash
# What `facefuse swap` leaves in the output's folder when the output is attacked or the run is stopped.
#
#   badinput_output.sh links FACEFUSE SOURCE TARGET DIR
#     Plants a symlink at the old fixed temporary name (OUT.partial) and another at the output path itself, each
#     pointing at a file of its own. The swap must succeed, leave both link targets byte for byte as they were,
#     leave OUT.partial as the planted link, and put a regular image file at OUT (rename() replaces the link at
#     OUT, never the file it points to), with no OUT.tmp-* left.
#   badinput_output.sh TERM|INT|HUP FACEFUSE SOURCE TARGET DIR
#     Starts a long swap (--repeat 50), waits until its temporary file beside OUT exists (the output is claimed
#     before any compute), sends the signal, and checks that the process died of it and that neither OUT nor
#     any OUT.* temporary file remains.
# Exits 0 when every check holds, 77 (skipped) when the fixtures are missing outside CI, 1 otherwise.
set -uo pipefail
mode="$1" facefuse="$2" source="$3" target="$4" dir="$5"
for f in "$source" "$target"; do
  if [ ! -e "$f" ]; then
    [ "${CI:-}" = "true" ] && { echo "FAIL: fixture missing: $f (CI=true)"; exit 1; }
    echo "SKIP: fixture missing: $f"; exit 77
  fi
done
mkdir -p "$dir"
out="$dir/badinput_$mode.png"
rm -rf -- "$out" "$out".* "$dir/victim_$mode".*
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
leftovers() { compgen -G "$out.tmp-*" || true; }

case "$mode" in
  links)
    echo "planted partial" > "$dir/victim_$mode.partial"
    echo "planted output" > "$dir/victim_$mode.output"
    ln -s "$dir/victim_$mode.partial" "$out.partial"
    ln -s "$dir/victim_$mode.output" "$out"
    "$facefuse" swap --threads 2 -s "$source" -t "$target" -o "$out"
    status=$?
    [ "$status" -eq 0 ] || fail "exit status $status, expected 0"
    [ "$(cat "$dir/victim_$mode.partial")" = "planted partial" ] || fail "the file behind OUT.partial was overwritten"
    [ "$(cat "$dir/victim_$mode.output")" = "planted output" ] || fail "the file behind the OUT symlink was overwritten"
    [ -L "$out.partial" ] || fail "OUT.partial is no longer the planted link"
    { [ -f "$out" ] && [ ! -L "$out" ]; } || fail "OUT is not a regular file"
    [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = "89504e47" ] || fail "OUT is not a PNG"
    ;;
  TERM|INT|HUP)
    set -m  # job control: a background job of a script would otherwise ignore SIGINT
    "$facefuse" swap --threads 2 -s "$source" -t "$target" -o "$out" --repeat 50 &
    pid=$!
    for _ in $(seq 1 600); do [ -n "$(leftovers)" ] && break; sleep 0.1; done
    [ -n "$(leftovers)" ] || fail "no temporary file beside $out while the swap ran"
    sleep 1
    kill "-$mode" "$pid"
    wait "$pid"
    status=$?
    signal_number=$(kill -l "$mode")
    [ "$status" -eq $((128 + signal_number)) ] || fail "exit status $status, expected death by SIG$mode ($((128 + signal_number)))"
    ;;
  *) echo "usage: $0 links|TERM|INT|HUP FACEFUSE SOURCE TARGET DIR" >&2; exit 2 ;;
esac
[ -z "$(leftovers)" ] || fail "temporary files left: $(leftovers)"
if [ "$mode" != links ] && [ -e "$out" ]; then fail "$out exists after the signal"; fi
ls -la "$dir" | grep "badinput_$mode" || true
[ "$failures" -eq 0 ] && echo "PASS" && exit 0
exit 1
