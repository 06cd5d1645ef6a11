#!/usr/bin/env bash
# Builds the local test images offline against $DOCKER_HOST (see scripts/dockerd.sh).
#
#   local/busybox:1   FROM scratch + Debian's busybox-static, applets linked in /bin
#   local/busybox:2   same content, label io.reconcile.test-image=2 (a different image ID)
#
# Idempotent: an image that is already present is skipped. Uses the docker CLI
# from Debian's docker.io (this script only; the reconciler speaks the Engine API).
set -euo pipefail

log() { echo "test-images.sh: $*" >&2; }

if [ -z "${DOCKER_HOST:-}" ]; then
  log "DOCKER_HOST is not set: run 'eval \"\$(scripts/dockerd.sh)\"' first"
  exit 1
fi

DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER="$(command -v docker)"

# Debian's busybox-static: one statically linked binary that runs in a FROM scratch image.
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  log "installing busybox-static from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq busybox-static >&2
fi
BUSYBOX=/bin/busybox

build_one() { # $1 = tag, $2 = label value
  local tag="$1" label="$2"
  if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
    log "$tag is present; skipping"
    return 0
  fi
  local ctx
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' RETURN
  mkdir -p "$ctx/root/bin" "$ctx/root/tmp" "$ctx/root/etc" "$ctx/root/www"
  cp "$BUSYBOX" "$ctx/root/bin/busybox"
  chmod 0755 "$ctx/root/bin/busybox"
  # One symlink per applet: /bin/sh, /bin/httpd, /bin/sleep, ...
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] && continue
    ln -sf busybox "$ctx/root/bin/$applet"
  done
  chmod 1777 "$ctx/root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$ctx/root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$ctx/root/etc/passwd"
  echo 'root:x:0:' >"$ctx/root/etc/group"
  echo 'nogroup:x:65534:' >>"$ctx/root/etc/group"
  echo "busybox test image $label" >"$ctx/root/www/index.html"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY root/ /
LABEL io.reconcile.test-image="$label"
ENV PATH=/bin
CMD ["/bin/sh"]
DOCKERFILE
  log "building $tag"
  DOCKER_BUILDKIT=0 "$DOCKER" build -q -t "$tag" "$ctx" >&2
}

build_one local/busybox:1 1
build_one local/busybox:2 2
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' local/busybox >&2
