#!/usr/bin/env bash
# Speed of the proxy kinds: (1) time from `reconcile apply` to a valid pebble-issued certificate served by nginx
# (Debian's pebble with PEBBLE_VA_NOSLEEP=1, HTTP-01), (2) the no-op `plan` with 20 sites and 20 certificates
# (median of 10 whole-process runs via hyperfine). Goals: issuance under 5 s, no-op plan under 100 ms.
# Usage: bench/proxy.sh            (RECONCILE_BIN=path skips the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
REPO=$(pwd)
WORK=$(mktemp -d /tmp/reconcile-bench-proxy-XXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for pf in "$WORK"/*/nginx/run/nginx.pid; do [ -f "$pf" ] && kill -QUIT "$(cat "$pf")" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
for p in nginx pebble pebble-challtestsrv openssl curl; do command -v $p >/dev/null || { echo "error: '$p' is missing (bash scripts/install-deps.sh)" >&2; exit 1; }; done
if [ -z "${RECONCILE_BIN:-}" ]; then
  swift build -c release --product reconcile 2>&1 | tail -n 1
  RECONCILE_BIN="$(swift build -c release --show-bin-path)/reconcile"
fi
BIN=$RECONCILE_BIN
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.3f}')" "$(echo "$1" | bc)"; }

# 1. Issuance: pebble + challtestsrv (every name resolves to 127.0.0.1), nginx on high ports. One apply starts nginx
#    on a placeholder, answers HTTP-01 through nginx's webroot, installs the certificate and reloads nginx.
d="$WORK/acme"; mkdir -p "$d/m" "$d/www"; echo ok >"$d/www/index.html"
HTTP=$(port); HTTPS=$(port); ACME=$(port); MGMT=$(port); DNS=$(port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/pebble.key" -out "$d/pebble.crt" \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 2>/dev/null
cat >"$d/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$ACME", "managementListenAddress": "127.0.0.1:$MGMT", "certificate": "$d/pebble.crt",
 "privateKey": "$d/pebble.key", "httpPort": $HTTP, "tlsPort": $(port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
pebble-challtestsrv -defaultIPv6 "" -dns01 "127.0.0.1:$DNS" -http01 "" -https01 "" -tlsalpn01 "" -management "127.0.0.1:$(port)" >"$d/chall.log" 2>&1 &
PIDS+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 pebble -config "$d/pebble.json" -dnsserver "127.0.0.1:$DNS" >"$d/pebble.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do curl -s --cacert "$d/pebble.crt" "https://127.0.0.1:$ACME/dir" | grep -q newOrder && break; sleep 0.05; done
curl -s --cacert "$d/pebble.crt" "https://127.0.0.1:$MGMT/roots/0" >"$d/root.pem"
cat >"$d/m/site.json" <<JSON
{ "apiVersion": "reconcile/v1", "resources": [
  { "kind": "certificate", "name": "web", "domains": ["web.test"], "directory": "$d/certs/web",
    "issuer": { "type": "acme", "directory": "https://127.0.0.1:$ACME/dir", "webroot": "$d/acme", "caBundle": "$d/pebble.crt" } },
  { "kind": "site", "name": "web", "prefix": "$d/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:$HTTP", "acmeWebroot": "$d/acme",
    "tls": { "certificate": "web", "listen": "127.0.0.1:$HTTPS" }, "root": "$d/www" } ] }
JSON
A="--manifests $d/m --state $d/state --templates $REPO/templates"
s=$(now)
$BIN apply --auto-approve $A >"$d/apply.out"
until curl -sf --resolve "web.test:$HTTPS:127.0.0.1" --cacert "$d/root.pem" "https://web.test:$HTTPS/" >/dev/null; do
  [ "$(echo "$(now) - $s > 30" | bc)" = 1 ] && { echo "error: no valid certificate served after 30 s" >&2; cat "$d/apply.out" >&2; exit 1; }
  sleep 0.01
done
issuance=$(secs "$(now) - $s")

# 2. No-op plan: 20 sites on one nginx, 20 self-signed certificates.
d="$WORK/many"; mkdir -p "$d/m" "$d/www"; echo ok >"$d/www/index.html"
python3 - "$d" "$(port)" <<'PY'
import json, socket, sys
d, http = sys.argv[1], sys.argv[2]
res = []
for i in range(20):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); https = s.getsockname()[1]; s.close()
    res.append({"kind": "certificate", "name": f"c{i}", "domains": [f"s{i}.test"], "directory": f"{d}/certs/c{i}", "issuer": {"type": "self-signed"}})
    res.append({"kind": "site", "name": f"s{i}", "prefix": f"{d}/nginx", "serverNames": [f"s{i}.test"], "listen": f"127.0.0.1:{http}",
                "tls": {"certificate": f"c{i}", "listen": f"127.0.0.1:{https}", "directory": f"{d}/certs/c{i}"},
                "routes": [{"path": "/api/", "upstream": "127.0.0.1:9", "websocket": True}], "root": f"{d}/www", "rateLimit": {"rate": "10r/s", "burst": 5}})
json.dump({"apiVersion": "reconcile/v1", "resources": res}, open(f"{d}/m/sites.json", "w"))
PY
A="--manifests $d/m --state $d/state --templates $REPO/templates"
s=$(now); $BIN apply --auto-approve $A >/dev/null; first=$(secs "$(now) - $s")
$BIN plan --detailed-exitcode $A >/dev/null || { echo "error: the plan after apply is not empty" >&2; exit 1; }
hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$WORK/h.json" "$BIN plan $A" >/dev/null 2>&1
noop=$(python3 -c "import json; print(f\"{json.load(open('$WORK/h.json'))['results'][0]['median']:.3f}\")")

printf '%-44s %10s %10s\n' measure seconds goal
printf '%-44s %10s %10s\n' "apply -> valid pebble certificate on nginx" "$issuance" "< 5"
printf '%-44s %10s %10s\n' "first apply, 20 sites + 20 certificates" "$first" "-"
printf '%-44s %10s %10s\n' "no-op plan, 20 sites + 20 certificates" "$noop" "< 0.100"
