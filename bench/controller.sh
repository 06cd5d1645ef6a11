#!/usr/bin/env bash
# Controller speed: from `git push` to converged through the push webhook; from a managed container's death
# to it running again (self-heal, through the Engine's event stream); idle CPU and RSS.
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
# Container death -> running again, through the Engine's events (needs DOCKER_HOST; see scripts/dockerd.sh).
death="n/a (no Docker Engine)"
if [ -n "${DOCKER_HOST:-}" ] && docker -H "$DOCKER_HOST" version >/dev/null 2>&1; then
  mkdir -p "$W/cm"
  NAME="rc-bench-ctl-$$"
  printf '{ "apiVersion": "reconcile/v1", "policy": { "selfHeal": true }, "resources": [ { "kind": "container", "name": "%s", "image": "local/busybox:1", "command": ["/bin/httpd", "-f", "-p", "80", "-h", "/"], "init": true, "stopTimeout": "1s", "restart": "no" } ] }' "$NAME" > "$W/cm/m.json"
  RECONCILE_CONTROLLER_TOKEN=t "$BIN" controller --manifests "$W/cm" --state "$W/cstate" --listen 127.0.0.1:0 > "$W/clog" 2>&1 &
  CPID=$!
  until [ "$(docker -H "$DOCKER_HOST" inspect -f '{{.State.Status}}' "$NAME" 2>/dev/null)" = running ]; do sleep 0.05; done
  sleep 1
  dt=0
  for i in $(seq 1 "$ROUNDS"); do
    # Wait for the Engine to report the container's PID, then time from its death to a new PID running.
    pid=$(docker -H "$DOCKER_HOST" inspect -f '{{.State.Pid}}' "$NAME")
    s=$(date +%s%N)
    docker -H "$DOCKER_HOST" kill "$NAME" >/dev/null
    until [ "$(docker -H "$DOCKER_HOST" inspect -f '{{.State.Status}} {{.State.Pid}}' "$NAME")" != "running $pid" ] && \
          [ "$(docker -H "$DOCKER_HOST" inspect -f '{{.State.Status}}' "$NAME")" = running ]; do sleep 0.01; done
    e=$(date +%s%N)
    dt=$((dt + (e - s) / 1000))
    sleep 0.5
  done
  death="$(echo "scale=1; $dt / $ROUNDS / 1000" | bc) ms"
  kill "$CPID"; wait "$CPID" 2>/dev/null || true
  docker -H "$DOCKER_HOST" rm -f "$NAME" >/dev/null
fi

printf '%-44s %10s\n' "metric" "value"
printf '%-44s %10s\n' "git push -> converged via webhook (avg of $ROUNDS)" "${avg_ms} ms"
printf '%-44s %10s\n' "container death -> running again (avg)" "$death"
printf '%-44s %10s\n' "idle CPU over 10 s" "${cpu} %"
printf '%-44s %10s\n' "idle RSS" "${rss} MB"
printf '%-44s %10s\n' "Argo CD default poll interval (for scale)" "180000 ms"
