#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: installs the dependencies, builds, installs
# drillhost (/usr/local), runs every drill, prints the summary and writes the report.
# Until the embedded cluster exists (issue 3), the drills are the examples in build/examples.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j"$(nproc)"
cmake --install build > /dev/null

mkdir -p reports
report="reports/drillhost-$(date -u +%Y%m%dT%H%M%SZ).json"
status=0
drillhost --load 'build/examples/*.so' run --all --report "$report" || status=$?
echo "report: $report (exit code $status: 0 all passed, 1 a drill failed, 2 usage, 3 infrastructure)"
exit "$status"
