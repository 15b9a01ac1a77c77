#!/usr/bin/env bash
# Benchmark: the probes against an embedded cluster of their own (root; about a minute).
# Usage: probe_bench.sh DRILLHOST_BIN PROBE_BENCHMARK_BIN PLUGIN_DIR
set -euo pipefail
drillhost=$1
benchmark=$2
plugins=$3
work=$(mktemp -d /tmp/drillhost-bench-XXXXXX)
chmod 755 "$work"
trap '"$drillhost" --state-dir "$work/state" sandbox down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$drillhost" --state-dir "$work/state" --log-level warn sandbox up >/dev/null
"$benchmark" "$work/state" "$plugins"
