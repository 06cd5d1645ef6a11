#!/usr/bin/env bash
# A Docker Swarm of several engines on this one machine, for the tests of the `service` kind: each node is Debian's
# dockerd in a network namespace of its own (entered with nsenter, so the host's cgroups stay visible), on a private
# bridge; node 1 is the manager, the others join as workers. The test image is loaded into every node.
#
#   scripts/swarm.sh        -> prints `export RECONCILE_SWARM_HOST=unix://…/1/docker.sock` (the manager)
#   scripts/swarm.sh stop   -> leaves the swarm, stops the engines, removes namespaces, links and the bridge
#
# Observe: a manager that answers with a swarm of N ready nodes is reused as is. Plan/execute: otherwise every piece
# that is missing is made (bridge, namespace, link, engine, swarm membership). Idempotent; runs as root.
set -euo pipefail

D="${RECONCILE_SWARM_DIR:-/tmp/rcsw}"
N="${RECONCILE_SWARM_NODES:-3}"
BRIDGE=rcswarm0
NET=10.231.0

log() { echo "swarm.sh: $*" >&2; }
sock() { echo "$D/$1/docker.sock"; }
dk() { local n="$1"; shift; docker -H "unix://$(sock "$n")" "$@"; }
answers() { [ "$(curl -s --max-time 3 --unix-socket "$(sock "$1")" http://localhost/_ping 2>/dev/null || true)" = "OK" ]; }

stop_all() {
  for i in $(seq 1 "$N"); do
    if answers "$i"; then dk "$i" swarm leave --force >/dev/null 2>&1 || true; fi
    if [ -f "$D/$i/pid" ]; then
      pid="$(cat "$D/$i/pid")"
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "dockerd" ]; then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
      rm -f "$D/$i/pid"
    fi
    ip netns del "rcswarm$i" 2>/dev/null || true
    ip link del "rcsw$i" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
}

if [ "${1:-}" = "stop" ]; then
  stop_all
  log "stopped"
  exit 0
fi

ready_nodes() { dk 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true; }
# The shape of the nodes this script makes; a cluster of another shape (an older script's) is made again.
SHAPE="v2: hostname node-N, default bridge for host-mode ports, overlay networks"
if [ "$(cat "$D/shape" 2>/dev/null || true)" != "$SHAPE" ] && [ -d "$D" ]; then
  log "the cluster at $D was made by another version of this script: made again"
  stop_all
fi
if answers 1 && [ "$(ready_nodes)" = "$N" ]; then
  echo "export RECONCILE_SWARM_HOST=unix://$(sock 1)"
  exit 0
fi

command -v nsenter >/dev/null || { log "nsenter (util-linux) is missing"; exit 1; }
# The engine the tests use, for the test image.
main_env="$(bash "$(dirname "$0")/dockerd.sh")"
eval "$main_env"

if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
fi
# A fixed MAC, as for the engine's bridge (scripts/dockerd.sh says why).
ip link set "$BRIDGE" address 02:42:0a:e7:00:01
ip addr replace "$NET.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
# The engine sets FORWARD's policy to DROP and bridged frames pass iptables (br_netfilter): nodes may talk.
iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT

for i in $(seq 1 "$N"); do
  mkdir -p "$D/$i"
  if ! ip netns list | grep -qw "rcswarm$i"; then ip netns add "rcswarm$i"; fi
  if ! ip link show "rcsw$i" >/dev/null 2>&1; then
    ip link add "rcsw$i" type veth peer name eth0 netns "rcswarm$i"
  fi
  ip link set "rcsw$i" master "$BRIDGE" up
  ip netns exec "rcswarm$i" ip addr replace "$NET.1$i/24" dev eth0
  ip netns exec "rcswarm$i" ip link set eth0 up
  ip netns exec "rcswarm$i" ip link set lo up
  ip netns exec "rcswarm$i" ip route replace default via "$NET.1"
  if ! answers "$i"; then
    rm -f "$(sock "$i")"
    log "starting node $i (dockerd in network namespace rcswarm$i at $NET.1$i, log $D/$i/log)"
    # Images are loaded, never pulled: the nodes have no way out (a pull would wait on DNS for seconds per task).
    # Each node has a host name of its own (a UTS namespace), as Swarm lists nodes by it; its default bridge and
    # iptables rules live in its network namespace (host-mode published ports bind there, on the node's address).
    # Descriptors other than 0-2 are closed: a caller waiting for this script (a test's Process, which watches an
    # inherited descriptor for its child's exit) must not wait for the engine too.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nohup nsenter --net="/var/run/netns/rcswarm$i" unshare --uts bash -c \
      "for fd in \$(ls /proc/\$\$/fd); do [ \$fd -gt 2 ] && eval \"exec \$fd>&-\"; done; hostname node-$i && exec dockerd --data-root '$D/$i/data' --exec-root '$D/$i/exec' -H 'unix://$(sock "$i")' --pidfile '$D/$i/pid' --iptables=true" \
      >"$D/$i/log" 2>&1 </dev/null &
    deadline=$((SECONDS + 60))
    until answers "$i"; do
      if [ $SECONDS -ge $deadline ]; then log "node $i did not answer within 60 s:"; tail -n 20 "$D/$i/log" >&2; exit 1; fi
      sleep 0.2
    done
  fi
  if ! dk "$i" image inspect local/busybox:1 >/dev/null 2>&1; then
    docker save local/busybox:1 | dk "$i" load >/dev/null
  fi
done

if [ "$(dk 1 info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  log "node 1 starts the swarm"
  dk 1 swarm init --advertise-addr "$NET.11" --listen-addr "$NET.11:2377" >/dev/null
fi
token="$(dk 1 swarm join-token -q worker)"
for i in $(seq 2 "$N"); do
  if [ "$(dk "$i" info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
    log "node $i joins"
    dk "$i" swarm join --token "$token" --advertise-addr "$NET.1$i" "$NET.11:2377" >/dev/null
  fi
done
deadline=$((SECONDS + 60))
until [ "$(ready_nodes)" = "$N" ]; do
  if [ $SECONDS -ge $deadline ]; then log "the swarm has $(ready_nodes) of $N nodes ready after 60 s"; dk 1 node ls >&2; exit 1; fi
  sleep 0.5
done
echo "$SHAPE" >"$D/shape"
log "a swarm of $N nodes is ready (manager unix://$(sock 1))"
echo "export RECONCILE_SWARM_HOST=unix://$(sock 1)"
