#!/usr/bin/env bash
# Speed at scale, each figure beside the machine's floor measured in the same run (issue 18's table):
#   files       no-op `plan` and `validate` of N file resources (release build), peak memory; floor: a C program that
#               only stats, reads and SHA-256s the same N files (libcrypto), compiled here
#   containers  no-op `plan` of N containers that declare a restart policy; floor: one `GET /containers/json?all=1`
#               over the engine's socket (curl) and a process spawn (`/bin/true`)
#   sites       no-op `plan` of N nginx sites with N self-signed certificates
#   controller  idle RSS and CPU of `reconcile controller` watching 1,000 files, its RSS after 1,000 triggered runs, a
#               run's time back to back and after idle;
#               floor: the RSS of `reconcile --version` at its exit
# Medians of hyperfine runs. Usage: bench/scale.sh   (SIZES="1000 10000" CONTAINERS="50 500" SITES=200 to change)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
. bench/lib.sh

SIZES=${SIZES:-"1000 10000"}
CONTAINERS=${CONTAINERS:-"50 500"}
SITES=${SITES:-200}
RUNS=${RUNS:-10}
WORK=$(mktemp -d /tmp/reconcile-scale.XXXXXX)
CTL_PID=""
cleanup() {
  [ -n "$CTL_PID" ] && kill "$CTL_PID" 2>/dev/null || true
  [ -f "$WORK/sites/nginx/run/nginx.pid" ] && kill -QUIT "$(cat "$WORK/sites/nginx/run/nginx.pid")" 2>/dev/null || true
  docker ps -aq --filter label=io.reconcile.bench=scale | xargs -r docker rm -f >/dev/null 2>&1 || true
  for n in $CONTAINERS; do docker network rm "rcscale-$n" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
bench_engine
unset RECONCILE_BIN
BIN="$(bench_binary)"

median() { # median CMD...: hyperfine's median in seconds, 3 decimals
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/h.json" "$*" >/dev/null 2>&1
  python3 -c "import json; print(f\"{json.load(open('$WORK/h.json'))['results'][0]['median']:.4f}\")"
}
peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1 | awk '{printf "%.0f", $1/1024}'; }
row() { printf '%-34s %12s %14s   %s\n' "$@"; }

# The floor for files: stat + read + SHA-256 of every file, nothing else.
cat >"$WORK/floor.c" <<'C'
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  int n = atoi(argv[2]);
  char path[4096], buf[65536];
  unsigned char md[32];
  unsigned int len;
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%d", argv[1], i);
    struct stat st;
    if (stat(path, &st) != 0) return 1;
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(c, buf, r);
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    fclose(f);
  }
  return 0;
}
C
cc -O2 -o "$WORK/floor" "$WORK/floor.c" -lcrypto

echo "reconcile $($BIN --version 2>/dev/null | head -n1), $(nproc) cores, medians of $RUNS runs"
echo
row "what" "reconcile s" "floor s" "floor measured by"
for n in $SIZES; do
  d="$WORK/files$n"
  mkdir -p "$d"
  python3 - "$n" "$d" <<'PY'
import json, sys
n, d = int(sys.argv[1]), sys.argv[2]
res = [{"kind": "directory", "name": "root", "path": f"{d}/host"}]
res += [{"kind": "file", "name": f"f{i}", "path": f"{d}/host/f{i}", "content": f"file {i}\n", "mode": "0644", "dependsOn": ["directory/root"]} for i in range(n)]
json.dump({"apiVersion": "reconcile/v1", "resources": res}, open(f"{d}/m.json", "w"))
PY
  A="--manifests $d/m.json --state $d/state"
  $BIN apply --auto-approve $A >/dev/null
  floor=$(median "$WORK/floor $d/host $n")
  row "no-op plan, $n files" "$(median "$BIN plan $A")" "$floor" "C: stat+read+SHA-256 of $n files"
  row "validate, $n files" "$(median "$BIN validate $A")" "-" ""
  row "  peak memory of that plan (MB)" "$(peak_mb $BIN plan $A)" "" ""
done

spawn=$(median /bin/true)
for n in $CONTAINERS; do
  d="$WORK/containers$n"
  mkdir -p "$d"
  python3 - "$n" "$d" <<'PY'
import json, sys
n, d = int(sys.argv[1]), sys.argv[2]
# A network of their own: the engine's default bridge has addresses for a few hundred containers only.
res = [{"kind": "network", "name": f"rcscale-{n}"}]
res += [{"kind": "container", "name": f"rcscale-{n}-{i}", "image": "local/busybox:1", "command": ["sleep", "86400"], "init": True,
        "restart": "unless-stopped", "stopTimeout": "1s", "labels": {"io.reconcile.bench": "scale"},
        "networks": [{"network": f"network/rcscale-{n}"}]} for i in range(n)]
json.dump({"apiVersion": "reconcile/v1", "project": f"rcscale{n}", "resources": res}, open(f"{d}/m.json", "w"))
PY
  A="--manifests $d/m.json --state $d/state"
  s=$(date +%s.%N)
  $BIN apply --auto-approve --parallelism 8 $A >/dev/null
  e=$(date +%s.%N)
  list=$(median "curl -s -o /dev/null --unix-socket ${DOCKER_HOST#unix://} http://localhost/containers/json?all=1")
  # What the plan asks the Engine: the list, then each container's inspect (for the settings `docker update` changes),
  # two at a time over kept-alive connections, in one curl process.
  docker ps -q --filter "label=io.reconcile.bench=scale" --filter "name=rcscale-$n-" |
    sed 's|^|url = "http://localhost/containers/|; s|$|/json"|' >"$WORK/inspects$n.curl"
  engine=$(median "curl -s -o /dev/null --unix-socket ${DOCKER_HOST#unix://} --parallel --parallel-max 2 http://localhost/containers/json?all=1 -K $WORK/inspects$n.curl")
  row "no-op plan, $n containers" "$(median "$BIN plan $A")" "$list" "one GET /containers/json (curl, a process: $spawn s of it)"
  row "" "" "$engine" "the list and $(wc -l <"$WORK/inspects$n.curl") inspects (curl, 2 at a time)"
  row "  first apply of $n (s)" "$(python3 -c "print(f'{$e - $s:.2f}')")" "" "parallelism 8"
done

d="$WORK/sites"
mkdir -p "$d"
python3 - "$SITES" "$d" "$(free_port)" "$(free_port)" <<'PY'
import json, sys
n, d, http, https = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
res = []
for i in range(n):
    res.append({"kind": "certificate", "name": f"s{i}", "domains": [f"s{i}.example.test"], "directory": f"{d}/certs/s{i}", "issuer": {"type": "self-signed"}})
    res.append({"kind": "site", "name": f"s{i}", "prefix": f"{d}/nginx", "serverNames": [f"s{i}.example.test"], "listen": f"127.0.0.1:{http}",
                "tls": {"certificate": f"s{i}", "listen": f"127.0.0.1:{https}"}, "routes": [{"path": "/", "upstream": "127.0.0.1:9"}]})
json.dump({"apiVersion": "reconcile/v1", "resources": res}, open(f"{d}/m.json", "w"))
PY
A="--manifests $d/m.json --state $d/state"
$BIN apply --auto-approve $A >/dev/null
row "no-op plan, $SITES sites + $SITES certs" "$(median "$BIN plan $A")" "$spawn" "a process spawn (/bin/true)"

d="$WORK/files1000"
if [ -d "$d" ]; then
  port=$(free_port)
  RECONCILE_CONTROLLER_TOKEN=bench-token-0123456789 $BIN controller --manifests "$d/m.json" --state "$d/state" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  CTL_PID=$!
  sleep 5
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$CTL_PID/status")
  split=$(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "%.1f MB anonymous, %.1f MB file pages", a/1024, f/1024}' "/proc/$CTL_PID/status")
  t0=$(awk '{print $14 + $15}' "/proc/$CTL_PID/stat")
  sleep 10
  t1=$(awk '{print $14 + $15}' "/proc/$CTL_PID/stat")
  # The floor: what any process of this binary holds, `reconcile --version` at its exit (a destructor preloaded
  # reads its /proc/self/status); the kernel maps cached file pages around each fault (64 KB, or a whole large folio of
  # the page cache since Linux 6.18).
  cat >"$WORK/rss-at-exit.c" <<'C'
#include <stdio.h>
#include <string.h>
__attribute__((destructor)) static void report(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "VmRSS:", 6)) fputs(line, stderr);
  if (f) fclose(f);
}
C
  cc -shared -fPIC -o "$WORK/rss-at-exit.so" "$WORK/rss-at-exit.c"
  version_rss=$(LD_PRELOAD="$WORK/rss-at-exit.so" $BIN --version 2>&1 >/dev/null | awk '/VmRSS/ {printf "%.0f", $2/1024}')
  row "controller idle, 1000 files: RSS MB" "$rss" "$version_rss" "after 5 s: a run, 2 s idle ($split); floor: \`reconcile --version\` at its exit"
  row "  CPU over 10 s idle (%)" "$(python3 -c "print(f'{($t1 - $t0) / $(getconf CLK_TCK) / 10 * 100:.1f}')")" "" ""
  # No growth over 1,000 triggered runs: each `POST /trigger` waited for until the run count moves on; the RSS after
  # the first 100 (arenas of threads that first ran then) and after all, each right after the last run and once idle
  # (2 s after a run the controller hands back the pages of its binary); then a run's time back to back and after idle.
  cat >"$WORK/trigger.py" <<'PY'
import statistics, sys, time, urllib.request
port, count, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0
def call(method, path):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers={"Authorization": "Bearer bench-token-0123456789"})
    return urllib.request.urlopen(r, timeout=10).read().decode()
def runs():
    return sum(int(float(l.rsplit(" ", 1)[1])) for l in call("GET", "/metrics").splitlines() if l.startswith("reconcile_runs_total{"))
start, took = runs(), []
for i in range(count):
    time.sleep(pause)
    t = time.monotonic()
    call("POST", "/trigger")
    while runs() <= start + i: time.sleep(0.001)
    took.append(time.monotonic() - t)
print(f"{statistics.median(took) * 1000:.0f}")
PY
  rss_now() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$CTL_PID/status"; }
  python3 "$WORK/trigger.py" "$port" 100 >/dev/null
  after100="$(rss_now) → $(sleep 3; rss_now)"
  python3 "$WORK/trigger.py" "$port" 900 >/dev/null
  row "  RSS MB after 100, 1,000 runs" "$after100, $(rss_now) → $(sleep 3; rss_now)" "" "each a no-op plan of the 1,000 files: right after the last → 3 s later"
  row "  a triggered run (ms)" "$(python3 "$WORK/trigger.py" "$port" 20)" "" "back to back, median of 20 (from the request until the run is counted)"
  row "  a triggered run after idle (ms)" "$(python3 "$WORK/trigger.py" "$port" 5 3)" "" "each 3 s after the last (the binary's pages handed back), median of 5"
fi
