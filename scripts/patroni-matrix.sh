#!/usr/bin/env bash
# The Patroni version matrix, a separate command that scripts/test.sh does not run (the test command
# runs the failover family on 4.1.4 only): `run --all` on an embedded cluster of each Patroni, each
# with its own report and journal under reports/matrix-<time>/, and a table of verdicts side by side.
#   scripts/patroni-matrix.sh [--patroni4 DIR] [--repeat N] [--drill NAME]... [--config NAME]... [-- run arguments]
# DIR defaults to ../shared/vendor/patroni-4.1.4. The clusters (--config, repeatable): 3.0.2-ttl10
# (the sandbox's default), 3.0.2-ttl20, 3.0.2-etcd2 (Patroni's etcd v2 driver, ttl 10) and
# 4.1.4-ttl20 (ttl 20 is Patroni 4's minimum); by default the first, second and last, so that a
# difference is the version's, not the timing's. --drill: these drills instead of --all. The
# network-partition flips (docs/drills/split-brain.md) were counted with
#   scripts/patroni-matrix.sh --repeat 8 --drill network-partition --config 3.0.2-ttl10 --config 3.0.2-etcd2 --config 4.1.4-ttl20
# About 8 minutes per cluster at --repeat 1 on 2 cores (30 for the three). See docs/patroni-versions.md.
# Exit: 0 every cluster ran (verdicts are in the table: failures are findings), 3 one could not run.
set -euo pipefail
. "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

patroni4="$(cd .. && pwd)/shared/vendor/patroni-4.1.4"
repeat=1
drills=(--all)
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --patroni4) patroni4="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --drill) [ "${drills[0]}" = --all ] && drills=(); drills+=("$2"); shift 2 ;;
    --config) configs+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--patroni4 DIR] [--repeat N] [--drill NAME]... [--config NAME]... [-- run arguments]" >&2; exit 2 ;;
  esac
done
[ -f "$patroni4/patroni.py" ] || { echo "no Patroni 4 source tree at $patroni4 (--patroni4 DIR)" >&2; exit 2; }

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
fi
# drillhost and every plugin it loads from build/plugins
flock /tmp/drillhost-build.lock nice cmake --build build -j"$(nproc)" > /dev/null

out="reports/matrix-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
state="$(mktemp -d /tmp/drillhost-matrix-XXXXXX)"
chmod o+x "$state"
dh() { build/bin/drillhost --state-dir "$state" --load 'build/plugins/*.so' "$@"; }
trap 'dh sandbox down >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

one() {  # NAME, then `sandbox up` options
  local name="$1"; shift
  echo "== $name: sandbox up $*"
  dh sandbox up "$@" > "$out/$name.up.txt"
  dh --format json run "${drills[@]}" --repeat "$repeat" --journal "$out/$name.jsonl" --report "$out/$name.json" "${extra[@]}" \
    > /dev/null || true
  dh sandbox down > /dev/null
}
extra=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(3.0.2-ttl10 3.0.2-ttl20 4.1.4-ttl20)
for config in "${configs[@]}"; do
  case "$config" in
    3.0.2-ttl10) one patroni-3.0.2-ttl10 ;;
    3.0.2-ttl20) one patroni-3.0.2-ttl20 --ttl 20 ;;
    3.0.2-etcd2) one patroni-3.0.2-etcd2-ttl10 --dcs etcd ;;
    4.1.4-ttl20) one patroni-4.1.4-ttl20 --patroni "$patroni4" --ttl 20 ;;
    *) echo "unknown --config $config (3.0.2-ttl10, 3.0.2-ttl20, 3.0.2-etcd2, 4.1.4-ttl20)" >&2; exit 2 ;;
  esac
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys, glob, os
out = sys.argv[1]
runs = {os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob(out + "/patroni-*.json"))}
names = list(runs)
drills = []
for r in runs.values():
    for d in r["drills"]:
        if d["drill"] not in drills: drills.append(d["drill"])
def cell(run, drill):
    rs = [d for d in run["drills"] if d["drill"] == drill]
    if not rs: return "-"
    counts = {}
    for d in rs: counts[d["outcome"]] = counts.get(d["outcome"], 0) + 1
    rto = [m["value"] for d in rs for m in d["measurements"] if m["name"] == "rto"]
    text = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) if len(rs) > 1 else rs[0]["outcome"]
    return text + (f", rto {max(rto):.0f} ms" if rto else "")
print("| drill | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for d in drills:
    print(f"| {d.split('.')[-1]} | " + " | ".join(cell(runs[n], d) for n in names) + " |")
for n, r in runs.items():
    print(f"{n}: Patroni {r['cluster'].get('patroni_version')}, timing {r['cluster'].get('timing')}, "
          f"{r['duration_ms'] / 60000:.1f} min")
    failed = {}
    for d in r["drills"]:
        for a in d["assertions"]:
            if a["verdict"] == "fail":
                key = d["drill"].split(".")[-1] + ": " + a["name"]
                failed[key] = failed.get(key, 0) + 1
    for key, count in sorted(failed.items()):
        print(f"  failed {count}x  {key}")
PY
echo "reports and journals: $out"
