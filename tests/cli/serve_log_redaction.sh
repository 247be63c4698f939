#!/usr/bin/env bash
# No personal data in serve's logs or /metrics: a client puts personal-looking text everywhere it can (upload file
# names, part names, options values, query strings, unknown paths, an API key's name, a token's subject, the
# credentials themselves) and runs jobs, sync swaps and failing requests; then every stderr line and /metrics are
# searched for that text.
# Usage: serve_log_redaction.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export OMP_WAIT_POLICY=PASSIVE
need curl
need jq
images_dir="${FACEFUSE_FIXTURES_DIR:-$SOURCE_DIR/../shared/fixtures}/media/images"
[ -f "$images_dir/obama.jpg" ] && [ -f "$images_dir/biden.jpg" ] || missing_fixture "$images_dir/obama.jpg"

KEY=JaneDoeSecretKey-4711-abcdef
printf 'jane.doe@example.com:%s\n' "$KEY" >"$WORK/keys"
AUTH="Authorization: Bearer $KEY"
"$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --api-keys-file "$WORK/keys" >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'job API at http://'
URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)

cp "$images_dir/obama.jpg" "$WORK/Jane Doe passport 1985-04-12.jpg"
cp "$images_dir/biden.jpg" "$WORK/John_Smith_family.jpg"
id=$(curl -sf -H "$AUTH" -F "source=@$WORK/Jane Doe passport 1985-04-12.jpg" -F "target=@$WORK/John_Smith_family.jpg" \
       -F 'options={"swapper": "classical"}' "$URL/v1/jobs" | jq -r .id) || fail "the job was refused"
curl -s -o /dev/null -H "$AUTH" -F "source=@$WORK/Jane Doe passport 1985-04-12.jpg" \
  -F "target=@$WORK/John_Smith_family.jpg" "$URL/v1/swap"
curl -s -o /dev/null -H "$AUTH" -F "source=@$WORK/Jane Doe passport 1985-04-12.jpg" \
  -F 'options={"selector": "JaneDoeSelector"}' -F "target=@$WORK/John_Smith_family.jpg" "$URL/v1/jobs"
curl -s -o /dev/null -H "$AUTH" -F "JaneDoePart=@$WORK/John_Smith_family.jpg" "$URL/v1/jobs"
curl -s -o /dev/null -H "$AUTH" "$URL/v1/jobs?state=JaneDoeState"
curl -s -o /dev/null -H "$AUTH" "$URL/v1/jobs/JaneDoe-1985/result"
curl -s -o /dev/null -H "$AUTH" "$URL/v1/JaneDoeRoute"
curl -s -o /dev/null -H "Authorization: Bearer JaneDoeWrongKey-0000000000" "$URL/v1/jobs"
for _ in $(seq 300); do
  state=$(curl -sf -H "$AUTH" "$URL/v1/jobs/$id" | jq -r .state)
  [ "$state" = succeeded ] || [ "$state" = failed ] && break
  sleep 0.1
done
[ "$state" = succeeded ] || fail "the job ended $state"
curl -sf -o /dev/null -H "$AUTH" "$URL/v1/jobs/$id/result" || fail "no result"
curl -sf "$URL/metrics" >"$WORK/metrics.txt" || fail "no /metrics"

grep -q '"msg":"job run finished"' "$WORK/serve.err" || fail "the job run was not logged: $(cat "$WORK/serve.err")"
grep -q '"route":"/v1/jobs/{id}/result"' "$WORK/serve.err" || fail "the requests were not logged"
for needle in "Jane" "Doe" "John" "Smith" "1985" "jane.doe" "example.com" "$KEY" "JaneDoe" "passport" "family"; do
  if grep -q -- "$needle" "$WORK/serve.err"; then fail "'$needle' is in the log: $(grep -- "$needle" "$WORK/serve.err" | head -3)"; fi
  if grep -q -- "$needle" "$WORK/metrics.txt"; then fail "'$needle' is in /metrics: $(grep -- "$needle" "$WORK/metrics.txt" | head -3)"; fi
done
# The client's address is personal data too (the server's own URL at start is not).
if grep '"msg":"request"' "$WORK/serve.err" | grep -q '127\.0\.0\.1'; then fail "a request line names the client's address"; fi
echo "log redaction: $(wc -l <"$WORK/serve.err") log lines and /metrics hold no personal text: OK"
