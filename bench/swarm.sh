#!/usr/bin/env bash
# Swarm benchmark: reconcile's `service` kind beside `docker stack deploy` of the equivalent compose file, on the same
# three-node Swarm (scripts/swarm.sh), one after the other.
#
#   bench/swarm.sh               # 3 rounds of the update, 10 runs of the no-op
#   BENCH_ROUNDS=5 bench/swarm.sh
#
# Measured per tool:
#   update  - a 4-replica service gets a new env value: from the command's start until Swarm runs 4 tasks of the new
#             spec and reports the update completed (reconcile's apply waits for that itself; `docker stack deploy`
#             returns at once, so the script polls the same condition every 50 ms). Same update settings: parallelism
#             2, start-first, monitor 1 s.
#   no-op   - 10 services plus that one, nothing changed: `reconcile plan` (observes every service and its tasks)
#             and `docker stack deploy` again (what a compose user runs; it sends an update for every service), median
#             via hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

. bench/lib.sh
bench_engine
swarm_env="$(bash scripts/swarm.sh)"
eval "$swarm_env"
export DOCKER_HOST="$RECONCILE_SWARM_HOST"
ROUNDS="${BENCH_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/rc-swarm-bench.XXXXXX)"
RECONCILE="$(bench_binary)"
STACK=rcbenchstack

cleanup() {
  docker stack rm "$STACK" >/dev/null 2>&1 || true
  (cd "$WORK/m" 2>/dev/null && "$RECONCILE" destroy --manifests . --state "$WORK/state" --auto-approve >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/m"

# reconcile's manifests and the compose file, both for VERSION=$1.
write_both() {
  local version="$1"
  python3 - "$WORK" "$version" <<'PY'
import json, sys
work, version = sys.argv[1], sys.argv[2]
update = {"parallelism": 2, "order": "start-first", "monitor": "1s", "failureAction": "pause"}
resources = [{"kind": "service", "name": "rcbench-web", "image": "local/busybox:1", "command": ["sleep", "3600"],
              "replicas": 4, "endpointMode": "dnsrr", "env": {"VERSION": version}, "stopTimeout": 1, "update": update}]
resources += [{"kind": "service", "name": f"rcbench-svc{i}", "image": "local/busybox:1", "command": ["sleep", "3600"],
               "replicas": 1, "endpointMode": "dnsrr", "stopTimeout": 1} for i in range(1, 11)]
json.dump({"apiVersion": "reconcile/v1", "project": "rcbench", "resources": resources}, open(f"{work}/m/services.json", "w"), indent=1)
deploy = {"update_config": {"parallelism": 2, "order": "start-first", "monitor": "1s", "failure_action": "pause"}, "endpoint_mode": "dnsrr"}
services = {"web": {"image": "local/busybox:1", "command": ["sleep", "3600"], "stop_grace_period": "1s",
                    "environment": {"VERSION": version}, "deploy": dict(deploy, replicas=4)}}
for i in range(1, 11):
    services[f"svc{i}"] = {"image": "local/busybox:1", "command": ["sleep", "3600"], "stop_grace_period": "1s",
                           "deploy": {"replicas": 1, "endpoint_mode": "dnsrr"}}
# JSON is YAML: docker stack deploy reads it as a compose file.
json.dump({"version": "3.8", "services": services}, open(f"{work}/docker-compose.yml", "w"), indent=1)
PY
}

now() { date +%s.%N; }
# Waits until the service runs 4 tasks with VERSION=$2 and its update (if any) completed.
converged() {
  local service="$1" version="$2"
  while true; do
    state="$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{else}}completed{{end}}' "$service" 2>/dev/null || echo missing)"
    running="$(docker service ps -q --filter desired-state=running "$service" 2>/dev/null | xargs -r docker inspect -f '{{.Status.State}} {{json .Spec.ContainerSpec.Env}}' 2>/dev/null | grep -c "^running .*VERSION=$version" || true)"
    [ "$state" = completed ] && [ "$running" = 4 ] && return 0
    sleep 0.05
  done
}

echo "==> setting up (11 services each, 14 tasks, on $(docker node ls -q | wc -l) nodes)"
write_both 0
(cd "$WORK/m" && "$RECONCILE" apply --manifests . --state "$WORK/state" --auto-approve >/dev/null)
docker stack deploy --resolve-image never -c "$WORK/docker-compose.yml" "$STACK" >/dev/null 2>&1
converged rcbench-web 0
converged "${STACK}_web" 0

declare -a RC_UPDATE DC_UPDATE
for round in $(seq 1 "$ROUNDS"); do
  write_both "$round"
  t0="$(now)"
  (cd "$WORK/m" && "$RECONCILE" apply --manifests . --state "$WORK/state" --auto-approve >/dev/null)
  converged rcbench-web "$round"
  RC_UPDATE+=("$(python3 -c "print(f'{$(now) - $t0:.2f}')")")
  t0="$(now)"
  docker stack deploy --resolve-image never -c "$WORK/docker-compose.yml" "$STACK" >/dev/null 2>&1
  converged "${STACK}_web" "$round"
  DC_UPDATE+=("$(python3 -c "print(f'{$(now) - $t0:.2f}')")")
done

echo "==> no-op: 11 services, nothing changed"
cd "$WORK/m"
hyperfine -N --warmup 2 --runs 10 --export-json "$WORK/noop.json" \
  -n "reconcile plan" "$RECONCILE plan --manifests . --state $WORK/state" \
  -n "docker stack deploy" "docker stack deploy --resolve-image never -c $WORK/docker-compose.yml $STACK" >/dev/null 2>&1
cd - >/dev/null
read -r RC_NOOP DC_NOOP < <(python3 -c "import json; r = json.load(open('$WORK/noop.json'))['results']; print(' '.join(f\"{x['median']:.3f}\" for x in r))")
(cd "$WORK/m" && "$RECONCILE" plan --manifests . --state "$WORK/state" | tail -1)

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo
printf '%-22s %-40s %s\n' "" "reconcile" "docker stack deploy"
printf '%-22s %-40s %s\n' "4-replica update (s)" "median $(median "${RC_UPDATE[@]}") (${RC_UPDATE[*]})" "median $(median "${DC_UPDATE[@]}") (${DC_UPDATE[*]})"
printf '%-22s %-40s %s\n' "no-op, 11 services (s)" "$RC_NOOP (plan)" "$DC_NOOP (deploy again)"
