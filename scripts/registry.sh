#!/usr/bin/env bash
# Starts (or reuses) a private image registry for reconcile's tests: Debian's docker-registry (the CNCF
# distribution registry) on loopback with htpasswd auth. The Engine pulls from 127.0.0.0/8 without TLS.
#
#   scripts/registry.sh        -> prints `export RECONCILE_TEST_REGISTRY=127.0.0.1:PORT ...` (address, user, password)
#   scripts/registry.sh stop   -> stops the registry this script started
set -euo pipefail
D="${RECONCILE_REGISTRY_DIR:-/tmp/reconcile-registry}"
PORT="${RECONCILE_REGISTRY_PORT:-5055}"
USER_NAME=reconcile-test
PASSWORD=registry-test-password-1
log() { echo "registry.sh: $*" >&2; }

answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/v2/" || true)" = "401" ]; }

if [ "${1:-}" = "stop" ]; then
  [ -f "$D/pid" ] && kill "$(cat "$D/pid")" 2>/dev/null || true
  rm -f "$D/pid"
  exit 0
fi

if ! answers; then
  command -v docker-registry >/dev/null && command -v htpasswd >/dev/null || {
    log "installing docker-registry and apache2-utils"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils >/dev/null
  }
  # Debian's package starts a registry of its own on :5000 through systemd where systemd runs; this one is ours.
  mkdir -p "$D/data"
  htpasswd -Bbn "$USER_NAME" "$PASSWORD" > "$D/htpasswd"
  cat > "$D/config.yml" <<YAML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $D/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$PORT }
auth: { htpasswd: { realm: reconcile-tests, path: $D/htpasswd } }
YAML
  log "starting docker-registry on 127.0.0.1:$PORT (data $D/data)"
  setsid nohup docker-registry serve "$D/config.yml" > "$D/registry.log" 2>&1 < /dev/null &
  echo $! > "$D/pid"
  for _ in $(seq 1 100); do answers && break; sleep 0.1; done
  answers || { log "the registry did not answer; see $D/registry.log"; tail -5 "$D/registry.log" >&2; exit 1; }
fi
echo "export RECONCILE_TEST_REGISTRY=127.0.0.1:$PORT RECONCILE_TEST_REGISTRY_USER=$USER_NAME RECONCILE_TEST_REGISTRY_PASSWORD=$PASSWORD"
