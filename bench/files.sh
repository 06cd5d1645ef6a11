#!/usr/bin/env bash
# Speed of reconcile on N file resources, beside ansible-core doing the same N `copy` tasks on localhost.
# Prints one table. Usage: bench/files.sh [N_RECONCILE_LIST] [N_ANSIBLE]   (defaults: "200 1000 10000" and 200;
# ansible-core takes about a second per copy task here, so its N is kept small and reconcile is also measured at it)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
SIZES=${1:-"200 1000 10000"}
N_ANSIBLE=${2:-200}
WORK=$(mktemp -d /tmp/reconcile-bench-XXXX)
trap 'rm -rf "$WORK"' EXIT

command -v hyperfine >/dev/null && command -v /usr/bin/time >/dev/null || apt-get install -y -qq hyperfine time >/dev/null
swift build -c release --product reconcile --static-swift-stdlib 2>&1 | tail -n 1
BIN="$(swift build -c release --show-bin-path)/reconcile"

gen() { # gen N DIR: a manifest of one directory and N files
  local n=$1 dir=$2
  python3 - "$n" "$dir" <<'PY'
import json, sys
n, d = int(sys.argv[1]), sys.argv[2]
res = [{"kind": "directory", "name": "root", "path": f"{d}/host"}]
res += [{"kind": "file", "name": f"f{i}", "path": f"{d}/host/f{i}", "content": f"file {i}\n", "mode": "0644", "dependsOn": ["directory/root"]} for i in range(n)]
json.dump({"apiVersion": "reconcile/v1", "resources": res}, open(f"{d}/m.json", "w"))
PY
}

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.3f}')" "$1"; }
peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1 | awk '{printf "%.1f", $1/1024}'; }
median() { hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$WORK/h.json" "$1" >/dev/null 2>&1; python3 -c "import json; print(f\"{json.load(open('$WORK/h.json'))['results'][0]['median']:.3f}\")"; }

printf '%-10s %8s %12s %14s %16s %12s\n' tool N validate_s first_apply_s noop_plan_s peak_MB
for n in $SIZES; do
  d="$WORK/r$n"; mkdir -p "$d"; gen "$n" "$d"
  A="--manifests $d/m.json --state $d/state"
  v=$(median "$BIN validate $A")
  s=$(date +%s.%N); $BIN apply --auto-approve $A >/dev/null; e=$(date +%s.%N)
  first=$(secs "$(echo "$e - $s" | bc)")
  p=$(median "$BIN plan $A")
  mem=$(peak_mb $BIN plan $A)
  printf '%-10s %8s %12s %14s %16s %12s\n' reconcile "$n" "$v" "$first" "$p" "$mem"
done

# ansible-core from PyPI, in a venv under the work dir.
VENV=${ANSIBLE_VENV:-/tmp/reconcile-bench-ansible}
[ -x "$VENV/bin/ansible-playbook" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q ansible-core; }
d="$WORK/a$N_ANSIBLE"; mkdir -p "$d/host"
python3 - "$N_ANSIBLE" "$d" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(f"{d}/play.yml", "w") as f:
    f.write("- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n")
    for i in range(n):
        f.write(f"    - copy: {{ dest: '{d}/host/f{i}', content: \"file {i}\\n\", mode: '0644' }}\n")
PY
export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
s=$(date +%s.%N); "$VENV/bin/ansible-playbook" -i localhost, -e ansible_python_interpreter="$VENV/bin/python" "$d/play.yml" >/dev/null; e=$(date +%s.%N)
afirst=$(secs "$(echo "$e - $s" | bc)")
s=$(date +%s.%N); "$VENV/bin/ansible-playbook" -i localhost, -e ansible_python_interpreter="$VENV/bin/python" "$d/play.yml" >/dev/null; e=$(date +%s.%N)
anoop=$(secs "$(echo "$e - $s" | bc)")
printf '%-10s %8s %12s %14s %16s %12s\n' ansible "$N_ANSIBLE" - "$afirst" "$anoop" -
