# Sourced by scripts/setup.sh: a Docker Engine to run containers on (the host's when it answers at
# $DOCKER_HOST, else a private one under /tmp/reconcile-docker), exported as DOCKER_HOST.
eval "$(bash scripts/dockerd.sh)"
echo "==> Docker Engine at $DOCKER_HOST"
