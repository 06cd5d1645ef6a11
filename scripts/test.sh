#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds once, runs every test and the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH=/opt/swift/usr/bin:$PATH

# A private Docker Engine (reused when one already answers); the Docker tests fail loudly without it.
# Assigned first: under `set -e` a failing engine start stops here, not at the first test.
engine_env="$(bash scripts/dockerd.sh)"
eval "$engine_env"
export RECONCILE_REQUIRE_DOCKER=1
bash scripts/test-images.sh
# A three-node Docker Swarm (dockerds in network namespaces) for the service kind; reused when it answers.
swarm_env="$(bash scripts/swarm.sh)"
eval "$swarm_env"
# A real registry with htpasswd auth for the image-pull tests (reused when one already answers).
registry_env="$(bash scripts/registry.sh)"
eval "$registry_env"
# A real PostgreSQL for the backups of command sources (pg_dump), on a private unix socket.
pg_env="$(bash scripts/postgres.sh)"
eval "$pg_env"
# Debian with systemd as PID 1, for the live unit tests (debootstrap once; cached in the engine).
bash scripts/systemd-image.sh

echo "==> swift format lint"
swift format lint --strict -r Sources Tests Package.swift

echo "==> swift build"
swift build --build-tests 2>&1 | tail -n 5
export RECONCILE_BIN="$(swift build --show-bin-path)/reconcile"

echo "==> swift test"
swift test --skip-build "$@"
