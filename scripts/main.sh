#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: installs the dependencies, builds, installs
# drillhost (/usr/local), brings the embedded cluster up, runs every drill, prints the summary,
# writes the reports (JSON, HTML, JUnit, Markdown, and the journal) and tears the cluster down. The drills loaded are the examples in
# build/examples plus whatever plugins are installed.
set -euo pipefail
. "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j"$(nproc)"
cmake --install build > /dev/null

drillhost sandbox down >/dev/null 2>&1 || true  # whatever an earlier, interrupted job left
trap 'drillhost sandbox down' EXIT
drillhost sandbox up

mkdir -p reports
name="reports/drillhost-$(date -u +%Y%m%dT%H%M%SZ)"
status=0
drillhost --load 'build/examples/*.so' --load /usr/local/lib/drillhost/plugins run --all --report "$name.json" \
  --journal "$name.jsonl" --html "$name.html" --junit "$name.xml" --markdown "$name.md" || status=$?
echo "report: $name.json, $name.html (open it in a browser), $name.xml (JUnit), $name.md, journal $name.jsonl"
echo "exit code $status: 0 all passed, 1 a drill failed, 2 usage, 3 infrastructure"
exit "$status"
