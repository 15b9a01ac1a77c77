#!/usr/bin/env bash
# The Pigsty end-to-end test at full length (root; about 3 minutes): the embedded cluster with the
# Pigsty profile and sshd, a Pigsty inventory imported with `drillhost target import`, and the
# failover family and failover-with-load run through that target (ssh as a non-root admin with
# sudo -n, REST auth, the services) and through the sandbox shortcut, every shared verdict equal.
# The test command runs the same test with node-lost only. Needs a build (scripts/test.sh makes one).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi
export DRILLHOST_PIGSTY_DRILLS="${DRILLHOST_PIGSTY_DRILLS:-switchover failover-manual primary-down-node-lost failover-with-load}"
echo "pigsty-e2e: $DRILLHOST_PIGSTY_DRILLS"
ctest --test-dir build -R "pigsty profile" --output-on-failure --timeout 1800
