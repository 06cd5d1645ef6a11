#!/usr/bin/env bash
# Builds the systemd test image `local/systemd-bookworm:1` on the Docker Engine at $DOCKER_HOST.
#
# Observe: if the image already exists, do nothing (the image is cached between test runs).
# Execute: debootstrap a minimal Debian 12 with systemd, systemd-sysv and dbus into a temp
# directory (about a minute; Debian's mirror is reachable), then `docker import` it.
# The host-kind tests run it with /lib/systemd/systemd as PID 1 to prove the live unit path.
# The image carries no io.reconcile.test label on purpose: it is a cache the test sweeper must keep.
set -euo pipefail

IMAGE="${RECONCILE_SYSTEMD_IMAGE:-local/systemd-bookworm:1}"
MIRROR="${RECONCILE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { echo "systemd-image.sh: $*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE exists; nothing to do"
  exit 0
fi

command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
DIR="$(mktemp -d /tmp/systemd-bookworm.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
log "debootstrap bookworm into $DIR"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$DIR" "$MIRROR" >"$DIR.log" 2>&1 || {
  log "debootstrap failed; its log:"; sed 's/^/    /' "$DIR.log" >&2; rm -f "$DIR.log"; exit 1; }
rm -f "$DIR.log"
log "importing as $IMAGE"
tar -C "$DIR" -c . | docker import - "$IMAGE" >/dev/null
log "built $IMAGE"
