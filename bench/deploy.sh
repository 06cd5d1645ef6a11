#!/usr/bin/env bash
# Deploy benchmark: failed requests while a new version of an app goes out, reconcile beside docker-compose, same
# app (busybox httpd, a 200 ms healthcheck), same load (4 client threads plus one 2-second request at a time), one
# private engine.
#
#   bench/deploy.sh              # 3 rounds each
#   BENCH_ROUNDS=5 bench/deploy.sh
#
# reconcile: the app publishes no port; a managed nginx reaches it on its network. Four strategies, each its own app
#   and site: the default switch (start beside, healthy, move the upstream, drain), rolling over 2 replicas, canary
#   (20% -> 50% -> 100%, 2 s a step) and blue-green (2 s with the old one ready). Then a bad version (500 on a quarter
#   of its requests) as a canary: the time from its first error to its last, i.e. until traffic was back on the old one.
# docker-compose: the app publishes its port and `docker-compose up -d` recreates it (what the seeds do).
# Printed per tool: requests sent, failed (no answer or not 200), and the time from the command's start until the new
# version answered every request (for the canary and blue-green, that includes their 2-second steps by design).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

. bench/lib.sh
bench_engine
ROUNDS="${BENCH_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/rc-deploy-bench.XXXXXX)"
RECONCILE="$(bench_binary)"
P_DC="$(free_port)"
NAME=rcbench-deploy

cleanup() {
  [ -f "$WORK/nginx/run/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/run/nginx.pid")" 2>/dev/null || true
  for st in switch rolling canary blue-green; do
    docker rm -f "$NAME-$st" "$NAME-$st-2" "$NAME-$st-reconcile-next" "$NAME-$st-2-reconcile-next" >/dev/null 2>&1 || true
  done
  (cd "$WORK" && docker-compose -p rcbenchdeploy down -t 1 >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

SCRIPT="$(cat <<'SH'
mkdir -p /www/cgi-bin
echo $VERSION > /www/version
printf '#!/bin/sh\nsleep 2\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow"\n' > /www/cgi-bin/slow
printf '#!/bin/sh\nif [ $((RANDOM %% 100)) -lt $FAIL ]; then printf "Status: 500 Internal Server Error\\r\\n\\r\\nbroken"; else printf "Content-Type: text/plain\\r\\n\\r\\n$VERSION"; fi\n' > /www/cgi-bin/v
chmod +x /www/cgi-bin/*
exec httpd -f -p 8080 -h /www
SH
)"
STRATEGIES="switch rolling canary blue-green"
declare -A PORT
for st in $STRATEGIES; do PORT[$st]="$(free_port)"; done
manifest() { # $1 = version, $2 = strategy, $3 = percent of failing requests
  python3 - "$1" "$SCRIPT" "$WORK" "${PORT[$2]}" "$NAME-$2" "$2" "${3:-0}" >"$WORK/$2.json" <<'PY'
import json, sys
v, script, work, port, name, strategy, fail = sys.argv[1:]
update = {"drainTimeout": "10s"}
if strategy in ("canary", "blue-green"): update.update({"strategy": strategy, "interval": "2s"})
if strategy == "canary": update["steps"] = [20, 50]
container = {"kind": "container", "name": name, "image": "local/busybox:1", "init": True, "stopTimeout": "2s",
   "labels": {"io.reconcile.bench": "1"}, "env": {"VERSION": v, "FAIL": fail}, "command": ["/bin/sh", "-c", script],
   "healthcheck": {"command": "wget -q -O /dev/null http://127.0.0.1:8080/version", "interval": "200ms", "timeout": "2s", "retries": 3},
   "update": update}
if strategy == "rolling": container["replicas"] = 2
print(json.dumps({"apiVersion": "reconcile/v1", "project": "rcbenchdeploy", "resources": [container,
  {"kind": "site", "name": name, "prefix": work + "/nginx", "serverNames": ["_"], "listen": "127.0.0.1:" + port,
   "routes": [{"path": "/", "upstream": "container/" + name + ":8080"}]}]}))
PY
}
compose() { # $1 = version
  python3 - "$1" "$SCRIPT" "$P_DC" >"$WORK/docker-compose.yml" <<'PY'
import json, sys
v, script, port = sys.argv[1:]
print(json.dumps({"version": "2.4", "services": {"app": {"image": "local/busybox:1", "init": True, "stop_grace_period": "2s",
  "labels": {"io.reconcile.bench": "1"}, "environment": {"VERSION": v, "FAIL": "0"}, "command": ["/bin/sh", "-c", script.replace("$", "$$")],
  "ports": ["127.0.0.1:%s:8080" % port],
  "healthcheck": {"test": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/version"], "interval": "200ms", "timeout": "2s", "retries": 3}}}}))
PY
}

# Runs the load against port $1 (path $3) while "$4…" runs; prints "sent failed seconds-until-new-version-everywhere
# seconds-from-first-to-last-failure".
measure() {
  local port="$1" want="$2" path="$3"; shift 3
  python3 - "$port" "$want" "$path" "$@" <<'PY'
import http.client, subprocess, sys, threading, time
port, want, path, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
lock = threading.Lock(); sent = failed = 0; last_old = 0.0; running = True; kinds = {}; failures = []
def ask(path, timeout):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout); c.request("GET", path); r = c.getresponse()
    body = r.read().decode().strip(); c.close(); return r.status, body
def worker(path, timeout):
    global sent, failed, last_old
    while running:
        t = time.time()
        try: status, body = ask(path, timeout)
        except Exception as e: status, body = 0, type(e).__name__
        with lock:
            sent += 1
            if status != 200:
                failed += 1; failures.append(t)
                kinds[(status, body[:40])] = kinds.get((status, body[:40]), 0) + 1
            if path != "/cgi-bin/slow" and body != want: last_old = max(last_old, t)
        time.sleep(0.003)
threads = [threading.Thread(target=worker, args=(path, 10)) for _ in range(4)] + [threading.Thread(target=worker, args=("/cgi-bin/slow", 30))]
[t.start() for t in threads]
time.sleep(2)
start = time.time()
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(4)
running = False
[t.join() for t in threads]
if kinds: print("failures:", kinds, file=sys.stderr)
window = max(failures) - min(failures) if failures else 0.0
print(sent, failed, "%.2f" % max(0.0, last_old - start), "%.2f" % window)
PY
}

for st in $STRATEGIES; do
  manifest 0 "$st"
  "$RECONCILE" apply --manifests "$WORK/$st.json" --state "$WORK/state-$st" --auto-approve >/dev/null
done
compose 0
(cd "$WORK" && docker-compose -p rcbenchdeploy up -d >/dev/null 2>&1)
sleep 2
declare -A rc
declare -a dc bad
for i in $(seq 1 "$ROUNDS"); do
  for st in $STRATEGIES; do
    manifest "$i" "$st"
    rc[$st]+="$(measure "${PORT[$st]}" "$i" /version "$RECONCILE" apply --manifests "$WORK/$st.json" --state "$WORK/state-$st" --auto-approve);"
  done
  compose "$i"
  dc+=("$(cd "$WORK" && measure "$P_DC" "$i" /version docker-compose -p rcbenchdeploy up -d)")
  # A bad version as a canary: rolled back, so the next round starts from the good one.
  manifest "bad$i" canary 25
  bad+=("$(measure "${PORT[canary]}" "$i" /cgi-bin/v "$RECONCILE" apply --manifests "$WORK/canary.json" --state "$WORK/state-canary" --auto-approve)")
done
echo "== a new version under load ($ROUNDS rounds: requests sent, failed, seconds until every answer is the new version)"
for st in $STRATEGIES; do
  IFS=';' read -ra rows <<<"${rc[$st]}"
  for r in "${rows[@]}"; do set -- $r; printf '%-44s %6s sent %5s failed %6s s\n' "reconcile apply ($st)" "$1" "$2" "$3"; done
done
for r in "${dc[@]}"; do set -- $r; printf '%-44s %6s sent %5s failed %6s s\n' "docker-compose up -d (published port)" "$1" "$2" "$3"; done
echo "== a bad version (500 on 25% of its requests) as a canary at 20%: its errors, and first to last error"
for r in "${bad[@]}"; do set -- $r; printf '%-44s %6s sent %5s failed %6s s\n' "reconcile apply (canary, rolled back)" "$1" "$2" "$4"; done
