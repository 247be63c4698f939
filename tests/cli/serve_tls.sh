#!/usr/bin/env bash
# `facefuse serve --tls-cert/--tls-key`: the API over HTTPS with a self-signed certificate made here;
#   1. /health/live and GET /v1/jobs answer 200 over TLS (the certificate checked by curl);
#   2. plain HTTP on the same port gets no HTTP answer;
#   3. a key that is not the certificate's (another RSA key, an EC key) or is encrypted is refused at start (exit 1,
#      the reason named, no passphrase prompt), as is --tls-cert alone (exit 2).
# Usage: serve_tls.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/observability/common.sh"
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
need openssl
need curl
make_pair() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2>/dev/null || fail "openssl could not make a certificate"
}
make_pair server
make_pair other

"$FACEFUSE" serve --port 0 --data-dir "$WORK/data" --tls-cert "$WORK/server.crt" --tls-key "$WORK/server.key" \
  --duration 30 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
wait_for_line "$WORK/serve.out" 'job API at https://'
url=$(grep -oE 'https://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1)
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/server.crt" "$url/health/live")
[ "$status" = 200 ] || fail "/health/live over TLS answered $status"
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/server.crt" "$url/v1/jobs")
[ "$status" = 200 ] || fail "GET /v1/jobs over TLS answered $status"
plain=${url/https:/http:}
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$plain/health/live" || true)
[ "$status" != 200 ] || fail "plain HTTP on the TLS port answered 200"

rc=0
"$FACEFUSE" serve --port 0 --data-dir "$WORK/data2" --tls-cert "$WORK/server.crt" --tls-key "$WORK/other.key" \
  --duration 1 >"$WORK/mismatch.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a key that is not the certificate's: exit $rc, expected 1: $(cat "$WORK/mismatch.out")"
grep -q "is not the key of the certificate" "$WORK/mismatch.out" || fail "no reason given: $(cat "$WORK/mismatch.out")"
# A key of another type (EC for an RSA certificate) and an encrypted key (no prompt, no wait) are refused too.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/ec.key" 2>/dev/null || fail "no EC key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:secret -out "$WORK/enc.key" \
  2>/dev/null || fail "no encrypted key"
for bad in ec enc; do
  rc=0
  timeout 20 "$FACEFUSE" serve --port 0 --data-dir "$WORK/data-$bad" --tls-cert "$WORK/server.crt" \
    --tls-key "$WORK/$bad.key" --duration 1 </dev/null >"$WORK/$bad.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "the $bad key: exit $rc, expected 1: $(cat "$WORK/$bad.out")"
done
grep -q "is not the key of the certificate" "$WORK/ec.out" || fail "EC key: $(cat "$WORK/ec.out")"
grep -q "is encrypted" "$WORK/enc.out" || fail "encrypted key: $(cat "$WORK/enc.out")"
rc=0
"$FACEFUSE" serve --port 0 --data-dir "$WORK/data3" --tls-cert "$WORK/server.crt" --duration 1 >"$WORK/half.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--tls-cert without --tls-key: exit $rc, expected 2: $(cat "$WORK/half.out")"
echo "serve over TLS: OK"
