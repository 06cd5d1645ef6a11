#!/usr/bin/env bash
# Assembles a Docker build context for the jules image in OUTDIR (default .build/jules-image):
# a release `jules` built with the Swift stdlib linked statically, exactly the shared libraries
# `ldd` lists (and the two it loads at first use) plus the dynamic loader, CA certificates for HTTPS,
# and an /etc/passwd with the non-root user `jules` (uid 10001). The Dockerfile is FROM scratch; no shell, no curl inside.
# The healthcheck (`/jules healthcheck`) is declared by manifests/modules/jules/jules.json.
# JULES_BIN=PATH uses that binary instead of building one (the tests use their debug build: its Swift
# libraries are copied in like every other shared object it loads).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/.build/jules-image}
SCRATCH=${JULES_SCRATCH:-$ROOT/.build-jules-release}

cd "$ROOT"
if [ -n "${JULES_BIN:-}" ]; then
  BIN=$JULES_BIN
else
  swift build --scratch-path "$SCRATCH" -c release --product jules --static-swift-stdlib >&2
  BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/jules"
fi

rm -rf "$OUT"
mkdir -p "$OUT/rootfs/etc" "$OUT/rootfs/tmp" "$OUT/data"
cp "$BIN" "$OUT/rootfs/jules"
if command -v strip >/dev/null; then strip --strip-unneeded "$OUT/rootfs/jules"; fi

# Every shared object the binary loads, at the path the loader will look for it. libcurl and libmicrohttpd are
# loaded at their first use (dlopen; see Sources/CCurl/shim.h), so the binary's ldd does not name them: they are
# added with what they need.
LAZY=$(for l in libcurl.so.4 libmicrohttpd.so.12; do /sbin/ldconfig -p | awk -v l="$l" '$1 == l && /x86-64/ { print $NF; exit }'; done)
[ "$(echo "$LAZY" | wc -w)" = 2 ] || { echo "jules-image-context.sh: libcurl.so.4 or libmicrohttpd.so.12 not found (install libcurl4 and libmicrohttpd12)" >&2; exit 1; }
{
  ldd "$BIN"
  for l in $LAZY; do printf '\t%s => %s (0)\n' "$l" "$l" && ldd "$l"; done
} | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u | while read -r lib; do
  mkdir -p "$OUT/rootfs$(dirname "$lib")"
  cp -L "$lib" "$OUT/rootfs$lib"
done

if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$OUT/rootfs/etc/ssl/certs"
  cp -L /etc/ssl/certs/ca-certificates.crt "$OUT/rootfs/etc/ssl/certs/"
fi
printf 'root:x:0:0:root:/:/nonexistent\njules:x:10001:10001:jules:/data:/nonexistent\n' >"$OUT/rootfs/etc/passwd"
printf 'root:x:0:\njules:x:10001:\n' >"$OUT/rootfs/etc/group"
printf 'hosts: files dns\n' >"$OUT/rootfs/etc/nsswitch.conf"
chmod 1777 "$OUT/rootfs/tmp"

cat >"$OUT/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY --chown=10001:10001 data /data
USER 10001:10001
ENV PORT=3001 DATA_DIR=/data HOST=0.0.0.0
EXPOSE 3001
ENTRYPOINT ["/jules"]
DOCKERFILE

echo "$OUT"
