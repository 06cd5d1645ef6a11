# Shared by the benchmarks that source it (from the repository's root): a private engine with the test images, the
# release binary (or $RECONCILE_BIN), free loopback ports.

# Starts (or reuses) the private engine and exports DOCKER_HOST; builds the offline test images.
bench_engine() {
  local env
  env="$(bash scripts/dockerd.sh)"
  eval "$env"
  bash scripts/test-images.sh >/dev/null 2>&1
}

# Prints the reconcile binary to measure: $RECONCILE_BIN, else a release build as scripts/setup.sh installs it (the
# Swift runtime linked in: 6 ms less at every start than loading it; its output goes to stderr).
bench_binary() {
  if [ -n "${RECONCILE_BIN:-}" ]; then
    echo "$RECONCILE_BIN"
    return
  fi
  swift build -c release --product reconcile --static-swift-stdlib >&2
  echo "$(swift build -c release --show-bin-path)/reconcile"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
