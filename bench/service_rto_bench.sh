#!/usr/bin/env bash
# Benchmark: the RTO a client of the primary service sees (HAProxy, then pgbouncer) against the
# direct RTO of the same node-lost drill, in the same run: the direct one is the anchor. Root; an
# embedded cluster with --services of its own; about a minute.
# Usage: service_rto_bench.sh DRILLHOST_BIN PLUGIN_DIR
set -euo pipefail
drillhost=$1
plugins=$2
work=$(mktemp -d /tmp/drillhost-bench-XXXXXX)
chmod 755 "$work"
trap '"$drillhost" --state-dir "$work/state" sandbox down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$drillhost" --state-dir "$work/state" --log-level warn sandbox up --services >/dev/null
"$drillhost" --state-dir "$work/state" --log-level warn --load "$plugins/*.so" --format json \
  run primary-down-node-lost --journal "$work/journal.jsonl" > "$work/report.json" || true
/usr/bin/python3 - "$work/report.json" <<'PY'
import json, sys
drill = json.load(open(sys.argv[1]))["drills"][0]
m = {x["name"]: x["value"] for x in drill["measurements"]}
if drill["outcome"] != "passed" or "rto" not in m or "service_rto" not in m:
    sys.exit(f"node-lost did not give both RTOs: outcome {drill['outcome']}, measured {sorted(m)}")
print(f"node-lost, the same run: direct rto {m['rto']:.0f} ms (anchor), service_rto {m['service_rto']:.0f} ms "
      f"(ratio {m['service_rto'] / m['rto']:.2f}), every node routed the service {m['service_routed']:.0f} ms "
      f"after the fault; unavailability direct {m['unavailability']:.0f} ms, "
      f"through the service {m['service_unavailability']:.0f} ms")
PY
