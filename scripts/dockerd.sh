#!/usr/bin/env bash
# Starts (or reuses) a private Docker Engine for reconcile's tests and benchmarks.
#
#   scripts/dockerd.sh         -> prints `export DOCKER_HOST=unix://.../docker.sock`
#   scripts/dockerd.sh stop    -> stops the engine this script started
#
# Observe: if $DOCKER_HOST (unix://...) answers GET /_ping, use it as is.
# Plan/execute: otherwise install Debian's docker.io when dockerd is missing, start
# dockerd with everything under D=${RECONCILE_DOCKER_DIR:-/tmp/reconcile-docker}, and
# poll /_ping with a 60 s deadline. Idempotent; safe as root without a TTY (CI).
set -euo pipefail

D="${RECONCILE_DOCKER_DIR:-/tmp/reconcile-docker}"
# Our own bridge, not docker0: another engine on the same host (started with --bridge=none, or a
# system dockerd) deletes or reconfigures docker0 and would cut our containers off.
BRIDGE="${RECONCILE_DOCKER_BRIDGE:-rcbr0}"
BRIDGE_CIDR="${RECONCILE_DOCKER_BRIDGE_CIDR:-172.30.250.1/24}"
SOCK="$D/docker.sock"
PIDFILE="$D/pid"
LOG="$D/dockerd.log"

log() { echo "dockerd.sh: $*" >&2; }

ping_socket() { # $1 = socket path
  [ -S "$1" ] || return 1
  [ "$(curl -s --max-time 3 --unix-socket "$1" http://localhost/_ping 2>/dev/null || true)" = "OK" ]
}

stop_engine() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid="$(cat "$PIDFILE")"
    # The pid file may outlive its engine (a reboot, a killed session): only a dockerd is stopped.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "dockerd" ]; then
      log "stopping dockerd (pid $pid)"
      kill -TERM "$pid"
      local deadline=$((SECONDS + 30))
      while kill -0 "$pid" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
          log "dockerd (pid $pid) did not stop within 30 s; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
          break
        fi
        sleep 0.2
      done
    fi
    rm -f "$PIDFILE"
  else
    log "no pid file at $PIDFILE: nothing to stop"
  fi
}

if [ "${1:-}" = "stop" ]; then
  stop_engine
  exit 0
fi

# 1. An engine named by DOCKER_HOST that answers is used as is.
if [ -n "${DOCKER_HOST:-}" ] && [[ "$DOCKER_HOST" == unix://* ]]; then
  if ping_socket "${DOCKER_HOST#unix://}"; then
    echo "export DOCKER_HOST=$DOCKER_HOST"
    exit 0
  fi
  log "DOCKER_HOST=$DOCKER_HOST does not answer /_ping; using a private engine at $SOCK"
fi

# 2. Our private engine may already be up.
if ping_socket "$SOCK"; then
  echo "export DOCKER_HOST=unix://$SOCK"
  exit 0
fi

# 3. Install what is missing (Debian packages only).
if ! command -v dockerd >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  log "installing docker.io, curl and iproute2 from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends docker.io curl iptables iproute2 ca-certificates >&2
fi

if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  log "creating bridge $BRIDGE ($BRIDGE_CIDR)"
  ip link add "$BRIDGE" type bridge
fi
# `replace` is idempotent: it adds the address, or leaves it when a previous run already did.
ip addr replace "$BRIDGE_CIDR" dev "$BRIDGE"
# A fixed MAC, as dockerd gives the bridges it makes: a Linux bridge without one takes the lowest MAC of its ports and
# changes it when a container's veth comes or goes; the other containers keep the old one for the gateway in their
# ARP caches and the host's connections to them hang for seconds (seen as timed-out requests at a replacement).
if [ "$(cat "/sys/class/net/$BRIDGE/addr_assign_type")" != 3 ]; then
  ip link set "$BRIDGE" address "${RECONCILE_DOCKER_BRIDGE_MAC:-02:42:ac:1e:fa:01}"
fi
ip link set "$BRIDGE" up

mkdir -p "$D/data" "$D/exec"
if [ ${#SOCK} -gt 100 ]; then
  log "socket path '$SOCK' is ${#SOCK} bytes; unix socket paths are limited to 108: set RECONCILE_DOCKER_DIR shorter"
  exit 1
fi

# A stale pid file from a crashed engine is removed; a live one is stopped first.
if [ -f "$PIDFILE" ]; then
  stop_engine
fi
rm -f "$SOCK"

log "starting dockerd (data $D/data, log $LOG)"
# setsid + nohup: the engine outlives this script and any CI step that ran it.
setsid nohup dockerd \
  --data-root "$D/data" \
  --exec-root "$D/exec" \
  -H "unix://$SOCK" \
  --pidfile "$PIDFILE" \
  --bridge "$BRIDGE" \
  >"$LOG" 2>&1 </dev/null &

deadline=$((SECONDS + 60))
until ping_socket "$SOCK"; do
  if [ $SECONDS -ge $deadline ]; then
    log "dockerd did not answer /_ping on $SOCK within 60 s; last lines of $LOG:"
    tail -n 30 "$LOG" | sed 's/^/    /' >&2
    exit 1
  fi
  sleep 0.2
done
log "dockerd is up on unix://$SOCK"
echo "export DOCKER_HOST=unix://$SOCK"
