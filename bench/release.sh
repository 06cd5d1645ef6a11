#!/usr/bin/env bash
# Release benchmark: shipping a new tag from a registry, and going back, with reconcile beside docker-compose,
# on one private engine and Debian's docker-registry (htpasswd auth), same app, same image, same healthcheck.
#
#   bench/release.sh              # 3 rounds, medians
#   BENCH_ROUNDS=5 bench/release.sh
#
# Per round: a new version is pushed to the registry as app:latest (the host still has the previous one under that
# tag, so both tools must pull), then timed until the new version answers on the app's port:
#   reconcile:      `reconcile apply --auto-approve` (asks the registry, pulls, replaces the container health-gated)
#   docker-compose: `docker-compose pull && docker-compose up -d` (does not wait for health)
# Then going back to the previous version until it answers:
#   reconcile:      `reconcile rollback --auto-approve` (the exact previous image ID, no registry involved)
#   docker-compose: no rollback: the previous digest written into the compose file by hand, then `up -d`
# Everything is labelled io.reconcile.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

. bench/lib.sh
bench_engine
registry_env="$(bash scripts/registry.sh)"
eval "$registry_env"
ROUNDS="${BENCH_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/rc-release-bench.XXXXXX)"
export DOCKER_CONFIG="$WORK/docker-config"
RECONCILE="$(bench_binary)"
REF="$RECONCILE_TEST_REGISTRY/rc-bench/app:latest"
P_RC="$(free_port)"; P_DC="$(free_port)"

cleanup() {
  docker rm -f rcbench-release >/dev/null 2>&1 || true
  (cd "$WORK" && docker-compose -p rcbenchrel down -t 1 >/dev/null 2>&1) || true
  docker images -q --filter label=io.reconcile.bench=1 | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

docker login "$RECONCILE_TEST_REGISTRY" -u "$RECONCILE_TEST_REGISTRY_USER" -p "$RECONCILE_TEST_REGISTRY_PASSWORD" >/dev/null 2>&1

# Builds version $1, pushes it as app:latest, and puts the previous image back under the local tag ($2), as a host
# that has not pulled yet has it. Prints the new image's registry digest.
publish() {
  mkdir -p "$WORK/app/www"
  printf 'FROM local/busybox:1\nLABEL io.reconcile.bench=1\nCOPY www/ /www/\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' >"$WORK/app/Dockerfile"
  echo "$1" >"$WORK/app/www/version"
  docker build -q -t "$REF" "$WORK/app" >/dev/null 2>&1
  docker push "$REF" 2>/dev/null | sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p'
  if [ -n "${2:-}" ]; then docker tag "$2" "$REF"; fi
}

# Seconds until http://127.0.0.1:$1/version answers $2, timed around the command that follows.
until_serving() {
  local port="$1" want="$2"; shift 2
  python3 - "$port" "$want" "$@" <<'PY'
import subprocess, sys, time, urllib.request
port, want, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.time()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while time.time() - t < 120:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=1).read().decode().strip() == want: break
    except Exception: pass
    time.sleep(0.01)
else: raise SystemExit(f"never served {want}")
print(f"{time.time() - t:.2f}")
PY
}

HEALTH='"healthcheck": { "command": "wget -q -O /dev/null http://127.0.0.1:8080/version", "interval": "250ms", "timeout": "2s", "retries": 3 }'
cat >"$WORK/m.json" <<JSON
{ "apiVersion": "reconcile/v1", "project": "rcbenchrel", "resources": [
  { "kind": "image", "name": "app", "ref": "$REF", "pull": "always",
    "registry": { "server": "$RECONCILE_TEST_REGISTRY", "username": "$RECONCILE_TEST_REGISTRY_USER", "password": "\${secret.REGISTRY_PASSWORD}" } },
  { "kind": "container", "name": "rcbench-release", "image": "image/app", "init": true, "stopTimeout": "1s",
    "labels": { "io.reconcile.bench": "1" }, "ports": ["127.0.0.1:$P_RC:8080"], $HEALTH } ] }
JSON
compose() { # $1 = image
  cat >"$WORK/docker-compose.yml" <<YAML
version: "2.4"
services:
  app:
    image: $1
    init: true
    stop_grace_period: 1s
    labels: { io.reconcile.bench: "1" }
    ports: ["127.0.0.1:$P_DC:8080"]
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/version"], interval: 250ms, timeout: 2s, retries: 3 }
YAML
}
export REGISTRY_PASSWORD="$RECONCILE_TEST_REGISTRY_PASSWORD"
O=(--manifests "$WORK/m.json" --state "$WORK/state" --auto-approve)

publish v0 >/dev/null
"$RECONCILE" apply "${O[@]}" >/dev/null
compose "$REF"
(cd "$WORK" && docker-compose -p rcbenchrel up -d >/dev/null 2>&1)

declare -a rc_ship rc_back dc_ship dc_back
for i in $(seq 1 "$ROUNDS"); do
  prev_id="$(docker image inspect -f '{{.Id}}' "$REF")"
  prev_digest="$(docker image inspect -f '{{index .RepoDigests 0}}' "$REF")"
  publish "v$i" "$prev_id" >/dev/null
  rc_ship+=("$(until_serving "$P_RC" "v$i" "$RECONCILE" apply "${O[@]}")")
  docker tag "$prev_id" "$REF"
  dc_ship+=("$(cd "$WORK" && until_serving "$P_DC" "v$i" sh -c 'docker-compose -p rcbenchrel pull -q && docker-compose -p rcbenchrel up -d')")
  rc_back+=("$(until_serving "$P_RC" "v$((i - 1))" "$RECONCILE" rollback "${O[@]}")")
  compose "$prev_digest"
  dc_back+=("$(cd "$WORK" && until_serving "$P_DC" "v$((i - 1))" docker-compose -p rcbenchrel up -d)")
  # Forward again for the next round: both back on v$i, app:latest naming it here.
  "$RECONCILE" apply "${O[@]}" >/dev/null
  compose "$REF"
  (cd "$WORK" && docker-compose -p rcbenchrel up -d >/dev/null 2>&1)
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "== new tag in the registry -> new version serving, and back ($ROUNDS rounds, medians; one 2-core machine)"
printf '%-70s %8s s   (%s)\n' "reconcile apply (registry asked, pull, health-gated replace)" "$(median "${rc_ship[@]}")" "${rc_ship[*]}"
printf '%-70s %8s s   (%s)\n' "docker-compose pull && docker-compose up -d (no health gate)" "$(median "${dc_ship[@]}")" "${dc_ship[*]}"
printf '%-70s %8s s   (%s)\n' "reconcile rollback (previous generation, exact image ID)" "$(median "${rc_back[@]}")" "${rc_back[*]}"
printf '%-70s %8s s   (%s)\n' "docker-compose up -d with the previous digest written in by hand" "$(median "${dc_back[@]}")" "${dc_back[*]}"
