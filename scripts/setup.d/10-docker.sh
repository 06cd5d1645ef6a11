# Sourced by scripts/setup.sh: a Docker Engine to run containers on (the host's when it answers at
# $DOCKER_HOST, else a private one under /tmp/reconcile-docker), exported as DOCKER_HOST.
# Assigned first: under `set -e` a failing engine start stops here, not at the first test.
engine_env="$(bash scripts/dockerd.sh)"
eval "$engine_env"
echo "==> Docker Engine at $DOCKER_HOST"
