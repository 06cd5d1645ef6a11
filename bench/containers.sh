#!/usr/bin/env bash
# Container benchmarks: the Engine's own floor, docker-compose, and reconcile, on one private engine.
#
#   bench/containers.sh            # N = 1, 10, 50 for compose and reconcile; engine floor with 50
#   BENCH_SIZES="10 50" bench/containers.sh
#
# Engine floor (python3 http.client over the unix socket, one kept-alive connection per worker):
#   create+start 50 busybox containers serially and with 4 in parallel, one create+start+stop+delete
#   cycle, and listing 50 containers 50 times over one kept-alive connection.
# Beside it: Debian's docker-compose (up -d for N services, no-op up -d, one service changed) and
# reconcile (apply for N, no-op plan (whole process), no-op apply, one container changed; then the apply and the change
# again with startupGrace 0s, holding nothing after a start as the floor does, each beside the Engine's floor measured
# again just before it: 4-at-a-time creates and the cycle, the Engine in the same state). Every service declares
# `restart: unless-stopped`, so reconcile's observation also inspects each container for its live restart policy.
# Everything it creates is labelled io.reconcile.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

# Assigned first: under `set -e` a failing engine start stops here, not at the first test.
engine_env="$(bash scripts/dockerd.sh)"
eval "$engine_env"
bash scripts/test-images.sh >/dev/null 2>&1
SOCK="${DOCKER_HOST#unix://}"
SIZES="${BENCH_SIZES:-1 10 50}"
WORK="$(mktemp -d /tmp/rc-bench.XXXXXX)"
RECONCILE="${RECONCILE_BIN:-}"
if [ -z "$RECONCILE" ]; then
  swift build -c release --product reconcile >&2
  RECONCILE="$(swift build -c release --show-bin-path)/reconcile"
fi

cleanup() {
  python3 - "$SOCK" <<'PY'
import http.client, json, socket, sys, urllib.parse
class C(http.client.HTTPConnection):
    def __init__(s, path): super().__init__("localhost"); s.path = path
    def connect(s): s.sock = socket.socket(socket.AF_UNIX); s.sock.connect(s.path)
c = C(sys.argv[1])
f = urllib.parse.quote(json.dumps({"label": ["io.reconcile.bench=1"]}))
c.request("GET", f"/containers/json?all=1&filters={f}"); rows = json.loads(c.getresponse().read())
for r in rows:
    c.request("DELETE", f"/containers/{r['Id']}?force=1"); c.getresponse().read()
PY
  (cd "$WORK" && docker-compose -p rcbench down -t 1 >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); seconds "$t0" "$t1"; }
row() { printf '%-68s %8s s\n' "$1" "$2"; }

cat >"$WORK/engine.py" <<'PY'
import http.client, json, socket, sys, time, threading, urllib.parse
# The Engine's own floor: `all` prints every figure; `parallel N` and `cycle` print one, for a measure taken right
# before reconcile's, the Engine in the same state. Its containers carry io.reconcile.bench=floor (and =1 for the
# script's cleanup): wiping them never touches reconcile's.
SOCK, MODE = sys.argv[1], sys.argv[2]
class C(http.client.HTTPConnection):
    def __init__(s): super().__init__("localhost")
    def connect(s): s.sock = socket.socket(socket.AF_UNIX); s.sock.connect(SOCK)
def call(c, method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Content-Type": "application/json"})
    r = c.getresponse(); data = r.read()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {data[:200]}")
    return data
spec = lambda: {"Image": "local/busybox:1", "Cmd": ["/bin/sleep", "3600"], "Labels": {"io.reconcile.bench": "1", "io.reconcile.bench.floor": "1"}, "HostConfig": {"Init": True}}
def up(c, name):
    cid = json.loads(call(c, "POST", f"/containers/create?name={name}", spec()))["Id"]
    call(c, "POST", f"/containers/{cid}/start")
def wipe():
    c = C(); f = '{"label":["io.reconcile.bench.floor=1"]}'
    for r in json.loads(call(c, "GET", "/containers/json?all=1&filters=" + urllib.parse.quote(f))):
        call(c, "DELETE", f"/containers/{r['Id']}?force=1")
def row(label, s): print(f"{label:<68} {s:8.3f} s")
def parallel(n):
    names = [f"rcbench-par-{i}" for i in range(n)]; lock = threading.Lock()
    def worker():
        c = C()
        while True:
            with lock:
                if not names: return
                name = names.pop()
            up(c, name)
    t = time.time(); ts = [threading.Thread(target=worker) for _ in range(4)]
    [x.start() for x in ts]; [x.join() for x in ts]
    took = time.time() - t
    wipe()
    return took
def cycle():
    c = C(); t = time.time()
    cid = json.loads(call(c, "POST", "/containers/create?name=rcbench-cycle", spec()))["Id"]
    call(c, "POST", f"/containers/{cid}/start"); call(c, "POST", f"/containers/{cid}/stop?t=2"); call(c, "DELETE", f"/containers/{cid}")
    return time.time() - t
if MODE == "parallel":
    print(f"{parallel(int(sys.argv[3])):.3f}")
elif MODE == "cycle":
    print(f"{cycle():.3f}")
else:
    wipe()
    c = C(); t = time.time()
    for i in range(50): up(c, f"rcbench-serial-{i}")
    row("create+start 50 containers, serial", time.time() - t)
    c = C(); t = time.time()
    for _ in range(50): call(c, "GET", "/containers/json?all=1")
    row("list all containers x50, one kept-alive connection", time.time() - t)
    wipe()
    row("create+start 50 containers, 4 in parallel (the floor)", parallel(50))
    # The Engine's cycle varies by tens of milliseconds from one to the next: the median of 5.
    row("one create+start+stop+delete cycle (init: true), median of 5", sorted(cycle() for _ in range(5))[2])
PY
engine() { python3 "$WORK/engine.py" "$SOCK" "$@"; }

echo "== engine floor (python3 http.client over $SOCK)"
engine all

compose_file() { # $1 = N, $2 = value of CHANGED for service 0
  {
    echo "version: '2.4'"
    echo "services:"
    for i in $(seq 0 $(($1 - 1))); do
      echo "  s$i:"
      echo "    image: local/busybox:1"
      echo "    command: [\"/bin/sleep\", \"3600\"]"
      echo "    init: true"
      echo "    stop_grace_period: 2s"
      echo "    restart: unless-stopped"
      echo "    labels: { io.reconcile.bench: \"1\" }"
      if [ "$i" = 0 ]; then echo "    environment: { CHANGED: \"$2\" }"; fi
    done
  } >"$WORK/docker-compose.yml"
}

manifest() { # $1 = N, $2 = value of CHANGED for container 0, $3 = startupGrace (default: the kind's, 2s)
  python3 - "$1" "$2" "${3:-}" >"$WORK/m.json" <<'PY'
import json, sys
n, changed, grace = int(sys.argv[1]), sys.argv[2], sys.argv[3]
res = []
for i in range(n):
    r = {"kind": "container", "name": f"rcbench-r{i}", "image": "local/busybox:1", "command": ["/bin/sleep", "3600"],
         "init": True, "stopTimeout": 2, "restart": "unless-stopped", "labels": {"io.reconcile.bench": "1"}}
    if grace: r["update"] = {"startupGrace": grace}
    if i == 0: r["env"] = {"CHANGED": changed}
    res.append(r)
print(json.dumps({"apiVersion": "reconcile/v1", "resources": res}))
PY
}

for n in $SIZES; do
  echo "== N=$n"
  compose_file "$n" a
  row "docker-compose up -d ($n services)" "$(cd "$WORK" && timed docker-compose -p rcbench up -d)"
  row "docker-compose up -d, no change" "$(cd "$WORK" && timed docker-compose -p rcbench up -d)"
  compose_file "$n" b
  row "docker-compose up -d, one service changed" "$(cd "$WORK" && timed docker-compose -p rcbench up -d)"
  (cd "$WORK" && docker-compose -p rcbench down -t 1 >/dev/null 2>&1) || true

  rm -rf "$WORK/state"
  manifest "$n" a
  R=("$RECONCILE" --manifests "$WORK/m.json" --state "$WORK/state")
  row "reconcile apply ($n containers, parallelism 4)" "$(timed "${R[0]}" apply --auto-approve "${R[@]:1}")"
  row "reconcile plan, no change (whole process)" "$(timed "${R[0]}" plan "${R[@]:1}")"
  row "reconcile apply, no change" "$(timed "${R[0]}" apply --auto-approve "${R[@]:1}")"
  manifest "$n" b
  row "reconcile apply, one container changed" "$(timed "${R[0]}" apply --auto-approve "${R[@]:1}")"
  manifest 0 a
  "${R[0]}" apply --auto-approve "${R[@]:1}" >/dev/null 2>&1 || true
  # The same with nothing held after a start (startupGrace 0s): what the Engine's floor does, for the same N, the
  # floor measured again right before, the Engine in the same state (its speed drifts over a run of this script).
  floor=$(engine parallel "$n")
  manifest "$n" a 0s
  row "reconcile apply ($n containers), startupGrace 0s" "$(timed "${R[0]}" apply --auto-approve "${R[@]:1}")"
  row "  the Engine's floor for $n (4 in parallel), measured just before" "$floor"
  # One change against the Engine's cycle, each cycle measured just before a change: the medians of 5.
  changes="" cycles=""
  for v in b c d e f; do
    cycles="$cycles $(engine cycle)"
    manifest "$n" "$v" 0s
    changes="$changes $(timed "${R[0]}" apply --auto-approve "${R[@]:1}")"
  done
  median5() { echo "$@" | tr ' ' '\n' | sort -n | sed -n 3p; }
  row "reconcile apply, one container changed, startupGrace 0s, median of 5" "$(median5 $changes)"
  row "  the Engine's create+start+stop+delete cycle, each just before" "$(median5 $cycles)"
  manifest 0 a
  "${R[0]}" apply --auto-approve "${R[@]:1}" >/dev/null 2>&1 || true
done
