#!/usr/bin/env bash
# Makes ./secrets for the local overlay, once (existing files are kept):
#   signing-key.pem, jwks.json   the gateway's ES256 key and its public JWKS (podprof keys generate)
#   gateway-tls.crt, .key        the gateway's serving certificate for podprof-gateway.podprof-system.svc,
#                                from a local CA (secrets/gateway-ca.crt: give it to clients that reach
#                                the gateway directly; kubectl port-forward users pass it as --ca)
#   sidecar-ca.crt, .key         the CA the gateway signs enrolled sidecars' certificates with: in a Secret,
#                                so it outlives the gateway pod (the store is an emptyDir here)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
OUT="${1:-$HERE/secrets}"
mkdir -p "$OUT" && chmod 700 "$OUT"
if [[ ! -f "$OUT/signing-key.pem" ]]; then
  node "$REPO/bin/podprof.mjs" keys generate --out-dir "$OUT" >/dev/null
fi
if [[ ! -f "$OUT/gateway-tls.crt" ]]; then
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$OUT/gateway-ca.key" -out "$OUT/gateway-ca.crt" -days 365 \
    -subj "/CN=podprof local gateway CA" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$OUT/gateway-tls.key" -out "$OUT/gateway-tls.csr" -subj "/CN=podprof-gateway.podprof-system.svc" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:podprof-gateway.podprof-system.svc,DNS:podprof-gateway.podprof-system.svc.cluster.local,DNS:localhost,IP:127.0.0.1" \
    "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature" > "$OUT/gateway-tls.ext"
  openssl x509 -req -in "$OUT/gateway-tls.csr" -CA "$OUT/gateway-ca.crt" -CAkey "$OUT/gateway-ca.key" -CAcreateserial \
    -out "$OUT/gateway-tls.crt" -days 365 -extfile "$OUT/gateway-tls.ext" 2>/dev/null
  rm -f "$OUT/gateway-tls.csr" "$OUT/gateway-tls.ext" "$OUT/gateway-ca.srl"
  chmod 600 "$OUT"/*.key
fi
if [[ ! -f "$OUT/sidecar-ca.crt" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$OUT/sidecar-ca.key" \
    -out "$OUT/sidecar-ca.crt" -days 365 -subj "/CN=podprof local sidecar CA" 2>/dev/null
  chmod 600 "$OUT/sidecar-ca.key"
fi
echo "$OUT"
