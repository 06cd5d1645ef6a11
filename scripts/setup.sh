#!/usr/bin/env bash
# The README's first command: installs what is needed, builds reconcile, installs it as
# /usr/local/bin/reconcile, and applies the bundled stack in manifests/ to this host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH=/opt/swift/usr/bin:$PATH

echo "==> building reconcile (release)"
mkdir -p .build
if ! swift build -c release --product reconcile --static-swift-stdlib > .build/setup-build.log 2>&1; then
  grep -E "error:" .build/setup-build.log | sort -u | head -n 20 >&2 || tail -n 30 .build/setup-build.log >&2
  echo "error: the build failed; the whole log is in .build/setup-build.log" >&2
  exit 1
fi
BIN="$(swift build -c release --show-bin-path)"
install -m 0755 "$BIN/reconcile" /usr/local/bin/reconcile

for hook in scripts/setup.d/*.sh; do
  # Kind-specific preparation (a Docker Engine, image build contexts, generated secrets), in name order.
  [ -f "$hook" ] && . "$hook"
done

echo "==> reconcile validate"
reconcile validate
echo "==> reconcile apply (the bundled stack, on embedded defaults)"
reconcile apply --auto-approve
echo "==> reconcile status"
reconcile status
echo
echo "Done. To run reconcile from your shell (in this directory):"
echo "  export DOCKER_HOST=$DOCKER_HOST"
echo "  reconcile plan      # expect: No changes. The host matches the manifests."
