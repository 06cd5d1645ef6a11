#!/usr/bin/env bash
# Installs Debian packages listed in scripts/deps/*.txt (one per line, # comments), only those missing.
# Needs root (CI and these machines run as root). The Swift toolchain is expected at /opt/swift or on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; else
    echo "error: no Swift 6 toolchain found (looked on PATH and in /opt/swift/usr/bin); install one from swift.org first" >&2
    exit 1
  fi
fi

wanted=$(cat scripts/deps/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=""
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "==> installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
