#!/usr/bin/env bash
# Deploy benchmark: failed requests while a new version of an app goes out, reconcile beside docker-compose, same
# app (busybox httpd, a 200 ms healthcheck), same load (4 client threads plus one 2-second request at a time), one
# private engine.
#
#   bench/deploy.sh              # 3 rounds each
#   BENCH_ROUNDS=5 bench/deploy.sh
#
# reconcile: the app publishes no port; a managed nginx reaches it on its network and the replacement switches the
#   upstream once the new container is healthy, then lets the old one drain (strategy "switch", the only one yet).
# docker-compose: the app publishes its port and `docker-compose up -d` recreates it (what the seeds do).
# Printed per tool: requests sent, failed (no answer or not 200), and the time from the command's start until the new
# version answered every request.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

. bench/lib.sh
bench_engine
ROUNDS="${BENCH_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/rc-deploy-bench.XXXXXX)"
RECONCILE="$(bench_binary)"
P_RC="$(free_port)"; P_DC="$(free_port)"
NAME=rcbench-deploy

cleanup() {
  [ -f "$WORK/nginx/run/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/run/nginx.pid")" 2>/dev/null || true
  docker rm -f "$NAME" "$NAME-reconcile-next" >/dev/null 2>&1 || true
  (cd "$WORK" && docker-compose -p rcbenchdeploy down -t 1 >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

SCRIPT='mkdir -p /www/cgi-bin && echo $VERSION > /www/version && { echo "#!/bin/sh"; echo "sleep 2"; echo "echo Content-Type: text/plain"; echo "echo"; echo "echo slow"; } > /www/cgi-bin/slow && chmod +x /www/cgi-bin/slow && exec httpd -f -p 8080 -h /www'
manifest() { # $1 = version
  python3 - "$1" "$SCRIPT" "$WORK" "$P_RC" "$NAME" >"$WORK/m.json" <<'PY'
import json, sys
v, script, work, port, name = sys.argv[1:]
print(json.dumps({"apiVersion": "reconcile/v1", "project": "rcbenchdeploy", "resources": [
  {"kind": "container", "name": name, "image": "local/busybox:1", "init": True, "stopTimeout": "2s",
   "labels": {"io.reconcile.bench": "1"}, "env": {"VERSION": v}, "command": ["/bin/sh", "-c", script],
   "healthcheck": {"command": "wget -q -O /dev/null http://127.0.0.1:8080/version", "interval": "200ms", "timeout": "2s", "retries": 3},
   "update": {"drainTimeout": "10s"}},
  {"kind": "site", "name": name, "prefix": work + "/nginx", "serverNames": ["_"], "listen": "127.0.0.1:" + port,
   "routes": [{"path": "/", "upstream": "container/" + name + ":8080"}]}]}))
PY
}
compose() { # $1 = version
  python3 - "$1" "$SCRIPT" "$P_DC" >"$WORK/docker-compose.yml" <<'PY'
import json, sys
v, script, port = sys.argv[1:]
print(json.dumps({"version": "2.4", "services": {"app": {"image": "local/busybox:1", "init": True, "stop_grace_period": "2s",
  "labels": {"io.reconcile.bench": "1"}, "environment": {"VERSION": v}, "command": ["/bin/sh", "-c", script.replace("$", "$$")],
  "ports": ["127.0.0.1:%s:8080" % port],
  "healthcheck": {"test": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/version"], "interval": "200ms", "timeout": "2s", "retries": 3}}}}))
PY
}

# Runs the load against port $1 while "$2…" runs; prints "sent failed seconds-until-new-version-everywhere".
measure() {
  local port="$1" want="$2"; shift 2
  python3 - "$port" "$want" "$@" <<'PY'
import http.client, subprocess, sys, threading, time
port, want, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
lock = threading.Lock(); sent = failed = 0; last_old = 0.0; running = True; kinds = {}
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
                failed += 1
                kinds[(status, body[:40])] = kinds.get((status, body[:40]), 0) + 1
            if path == "/version" and body != want: last_old = max(last_old, t)
        time.sleep(0.003)
threads = [threading.Thread(target=worker, args=("/version", 10)) for _ in range(4)] + [threading.Thread(target=worker, args=("/cgi-bin/slow", 30))]
[t.start() for t in threads]
time.sleep(2)
start = time.time()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(4)
running = False
[t.join() for t in threads]
if kinds: print("failures:", kinds, file=sys.stderr)
print(sent, failed, "%.2f" % max(0.0, last_old - start))
PY
}

manifest 0
"$RECONCILE" apply --manifests "$WORK/m.json" --state "$WORK/state" --auto-approve >/dev/null
compose 0
(cd "$WORK" && docker-compose -p rcbenchdeploy up -d >/dev/null 2>&1)
sleep 2
declare -a rc dc
for i in $(seq 1 "$ROUNDS"); do
  manifest "$i"
  rc+=("$(measure "$P_RC" "$i" "$RECONCILE" apply --manifests "$WORK/m.json" --state "$WORK/state" --auto-approve)")
  compose "$i"
  dc+=("$(cd "$WORK" && measure "$P_DC" "$i" docker-compose -p rcbenchdeploy up -d)")
done
echo "== a new version under load ($ROUNDS rounds: requests sent, failed, seconds until every answer is the new version)"
for r in "${rc[@]}"; do printf '%-52s %6s sent %5s failed %6s s\n' "reconcile apply (nginx switch, drain)" $r; done
for r in "${dc[@]}"; do printf '%-52s %6s sent %5s failed %6s s\n' "docker-compose up -d (published port)" $r; done
