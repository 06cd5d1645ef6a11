#!/usr/bin/env bash
# Throughput and latency of jules beside nginx on this machine, in one run.
# Builds jules (release), starts on loopback high ports: the stand-in Jules API (the public
# API is unreachable here), jules pointed at it, and an nginx answering a fixed 200. Runs wrk
# (64 connections, DURATION seconds each) against nginx, jules /healthz and an authenticated
# jules /api/sessions, prints req/s, p50 and p99 side by side and jules's idle RSS.
# Everything it starts is stopped on exit. Not a test: numbers depend on the machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/jules-bench.XXXXXX)
NGINX_PORT=${NGINX_PORT:-18480}
API_PORT=${API_PORT:-18481}
JULES_PORT=${JULES_PORT:-18482}
TOKEN=bench-token-$RANDOM$RANDOM
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() {  # url: poll until it answers, at most 10 s
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.05
  done
  echo "no answer from $1" >&2
  return 1
}

for port in $NGINX_PORT $API_PORT $JULES_PORT; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "port $port on 127.0.0.1 is already in use; set NGINX_PORT/API_PORT/JULES_PORT" >&2
    exit 1
  fi
done

cd "$ROOT"
swift build --scratch-path .build-jules-release -c release --product jules --static-swift-stdlib >&2
BIN="$(swift build --scratch-path .build-jules-release -c release --show-bin-path)/jules"

mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g "daemon off; pid $WORK/nginx/nginx.pid;" &
PIDS+=($!)

JULES_API_KEY=bench-key "$BIN" stand-in-api --port "$API_PORT" --sessions 20 >"$WORK/api.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$API_PORT/v1alpha/sessions"

env -C "$WORK" -i PATH="$PATH" PORT=$JULES_PORT HOST=127.0.0.1 LOCAL_TOKEN=$TOKEN JULES_API_KEY=bench-key \
  JULES_API_BASE="http://127.0.0.1:$API_PORT/v1alpha" RATE_LIMIT=0 "$BIN" >"$WORK/jules.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/"
wait_http "http://127.0.0.1:$JULES_PORT/healthz"
JPID=${PIDS[-1]}
for _ in $(seq 1 100); do
  [ "$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$JULES_PORT/api/sessions?pageSize=1" | grep -c '"id"')" -gt 0 ] && break
  sleep 0.05
done
sleep 1  # let start-up settle before reading idle RSS
IDLE_RSS=$(awk '/VmRSS/ { print $2 }' "/proc/$JPID/status")

run() {  # label url [header]
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "$3" "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$2")
  fi
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/ { $1=$1; print }' <<<"$out" | paste -sd';' -)
  printf '%-28s %12s %10s %10s  %s\n' "$1" "$rps" "$p50" "$p99" "${errs:-}"
  echo "$rps" >"$WORK/$1.rps"
}

echo
echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s each, $(nproc) cores"
printf '%-28s %12s %10s %10s\n' "target" "req/s" "p50" "p99"
run nginx-fixed-200 "http://127.0.0.1:$NGINX_PORT/"
run jules-healthz "http://127.0.0.1:$JULES_PORT/healthz"
run jules-api-sessions "http://127.0.0.1:$JULES_PORT/api/sessions" "Authorization: Bearer $TOKEN"
LOAD_RSS=$(awk '/VmRSS/ { print $2 }' "/proc/$JPID/status")
RATIO=$(awk -v a="$(cat "$WORK/jules-healthz.rps")" -v b="$(cat "$WORK/nginx-fixed-200.rps")" 'BEGIN { printf "%.0f", 100 * a / b }')
echo
echo "jules /healthz throughput: ${RATIO}% of nginx (issue 14's goal >= 75%; p99 within 1.5x nginx's)"
echo "jules idle RSS: $((IDLE_RSS / 1024)) MB ($IDLE_RSS kB; goal < 30 MB); after load: $((LOAD_RSS / 1024)) MB"

# A flood from one address (2,000 connections held open, half a request each) while another address asks /healthz:
# its latency during the flood, and jules's RSS 10 s after the flood ends.
python3 - "$JULES_PORT" "$JPID" <<'PY'
import socket, subprocess, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
flood = []
for _ in range(2000):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port)); s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        pass
    flood.append(s)
time.sleep(0.5)
times = []
for _ in range(20):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "--interface", "127.0.0.3", "-w", "%{http_code} %{time_total}",
                          "http://127.0.0.1:%d/healthz" % port], capture_output=True, text=True).stdout.split()
    times.append((out[0], float(out[1]) * 1000))
for s in flood: s.close()
def rss(): return int([l for l in open("/proc/%s/status" % pid) if l.startswith("VmRSS")][0].split()[1]) // 1024
time.sleep(10)
ok = sum(1 for c, _ in times if c == "200")
ms = sorted(t for _, t in times)
print("flood of 2000 connections from 127.0.0.2: /healthz from 127.0.0.3 answered %d/20, median %.1f ms, max %.1f ms (goal < 100 ms); RSS 10 s after: %d MB (goal < 30 MB)"
      % (ok, ms[len(ms) // 2], ms[-1], rss()))
PY
