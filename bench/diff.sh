#!/usr/bin/env bash
# Plans of large file changes: reconcile's whole `plan` (read, observe, diff, render) on a new 10,000-line file,
# a 100,000-line file with 10 edited lines, and complete rewrites of 20,000 and 100,000 lines; beside GNU diff -u
# and git diff --no-index on the same pair of files. Wall time (median of 5 via hyperfine) and peak memory.
# Usage: bench/diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
WORK=$(mktemp -d /tmp/reconcile-bench-diff-XXXX)
trap 'rm -rf "$WORK"' EXIT
command -v hyperfine >/dev/null && command -v /usr/bin/time >/dev/null || apt-get install -y -qq hyperfine time >/dev/null
swift build -c release --product reconcile --static-swift-stdlib 2>&1 | tail -n 1
BIN="$(swift build -c release --show-bin-path)/reconcile"

peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1 | awk '{printf "%.1f", $1/1024}'; }
median() { hyperfine -N -i --warmup 1 --runs 5 --export-json "$WORK/h.json" "$1" >/dev/null 2>&1; python3 -c "import json; print(f\"{json.load(open('$WORK/h.json'))['results'][0]['median']:.3f}\")"; }

# case NAME OLD_LINES NEW_SPEC: the file on the host holds OLD, the manifest wants NEW.
run_case() {
  local name=$1 d="$WORK/$1"; mkdir -p "$d/host"
  python3 - "$d" "$2" "$3" <<'PY'
import json, sys
d, old, new = sys.argv[1], int(sys.argv[2]), sys.argv[3]
old_lines = [f"line {i}" for i in range(old)]
if new.startswith("edit:"):
    n = int(new[5:]); new_lines = list(old_lines)
    for k in range(10): new_lines[(k + 1) * n // 11] = f"edited {k}"
else:
    new_lines = [f"row {i * 7}" for i in range(int(new[8:]))]  # rewrite:N
if old: open(f"{d}/host/f", "w").write("\n".join(old_lines) + "\n")
open(f"{d}/new", "w").write("\n".join(new_lines) + "\n")
open(f"{d}/old", "w").write(("\n".join(old_lines) + "\n") if old else "")
json.dump({"apiVersion": "reconcile/v1", "resources": [{"kind": "file", "name": "f", "path": f"{d}/host/f", "content": "\n".join(new_lines) + "\n"}]}, open(f"{d}/m.json", "w"))
PY
  local A="--manifests $d/m.json --state $d/state"
  printf '%-22s %-10s %10s %10s\n' "$name" reconcile "$(median "$BIN plan $A")" "$(peak_mb "$BIN" plan $A)"
  printf '%-22s %-10s %10s %10s\n' "$name" "diff -u" "$(median "diff -u $d/old $d/new")" "$(peak_mb diff -u "$d/old" "$d/new")"
  printf '%-22s %-10s %10s %10s\n' "$name" "git diff" "$(median "git diff --no-index --stat $d/old $d/new")" "$(peak_mb git diff --no-index "$d/old" "$d/new")"
}

printf '%-22s %-10s %10s %10s\n' case tool median_s peak_MB
run_case new-10k 0 rewrite:10000
run_case edit-100k 100000 edit:100000
run_case rewrite-20k 20000 rewrite:20000
run_case rewrite-100k 100000 rewrite:100000
