#!/usr/bin/env bash
# Controller speed: from `git push` to converged through the push webhook, and idle CPU and RSS.
# (Container death → replacement running is measured by bench/containers.sh when the Docker kinds are built.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product reconcile --static-swift-stdlib 2>&1 | tail -n 1
BIN="$(swift build -c release --show-bin-path)/reconcile"
W=$(mktemp -d /tmp/reconcile-bench-ctl-XXXX)
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
ROUNDS=${ROUNDS:-10}

git init -q --bare --initial-branch=main "$W/remote.git"
git clone -q "$W/remote.git" "$W/work" 2>/dev/null
mkdir -p "$W/work/manifests" "$W/host"
commit() {
  printf '{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "f", "path": "%s/host/f", "content": "%s" } ] }' "$W" "$1" > "$W/work/manifests/m.json"
  git -C "$W/work" -c user.name=b -c user.email=b@b add -A
  git -C "$W/work" -c user.name=b -c user.email=b@b commit -qm "$1"
  git -C "$W/work" push -q origin HEAD:main
}
commit v0
echo -n "hook-secret" > "$W/hook.secret"
RECONCILE_CONTROLLER_TOKEN=t "$BIN" controller --git "$W/remote.git" --path manifests --state "$W/state" --poll 1h \
  --listen 127.0.0.1:0 --webhook-secret-file "$W/hook.secret" > "$W/log" 2>&1 &
PID=$!
until grep -q "listening on" "$W/log"; do sleep 0.05; done
PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$W/log")
until [ "$(cat "$W/host/f" 2>/dev/null)" = v0 ]; do sleep 0.02; done

body='{"ref":"refs/heads/main"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac hook-secret | sed 's/.*= //')
total=0
for i in $(seq 1 "$ROUNDS"); do
  commit "v$i"
  s=$(date +%s%N)
  curl -s -o /dev/null -H "X-Hub-Signature-256: sha256=$sig" -d "$body" "http://127.0.0.1:$PORT/hooks/git"
  until [ "$(cat "$W/host/f" 2>/dev/null)" = "v$i" ]; do sleep 0.005; done
  e=$(date +%s%N)
  total=$((total + (e - s) / 1000))
done
avg_ms=$(echo "scale=1; $total / $ROUNDS / 1000" | bc)

# Idle: no triggers for 10 s.
t0=$(awk '{print $14+$15}' /proc/$PID/stat); sleep 10; t1=$(awk '{print $14+$15}' /proc/$PID/stat)
cpu=$(echo "scale=2; ($t1 - $t0) / $(getconf CLK_TCK) / 10 * 100" | bc)
rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$PID/status)
printf '%-44s %10s\n' "metric" "value"
printf '%-44s %10s\n' "git push -> converged via webhook (avg of $ROUNDS)" "${avg_ms} ms"
printf '%-44s %10s\n' "idle CPU over 10 s" "${cpu} %"
printf '%-44s %10s\n' "idle RSS" "${rss} MB"
printf '%-44s %10s\n' "Argo CD default poll interval (for scale)" "180000 ms"
