#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs, builds with
# -Wall -Wextra -Werror, checks formatting, runs every ctest test, the sanitizer build of the unit and
# CLI tests and the fuzz targets over their seed corpora, then the benchmarks. Safe to run again.
set -euo pipefail
. "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/check-format.sh
# Line tables only (-g1): the same code as RelWithDebInfo's -g, backtraces still name file:line, and
# the build takes a quarter less time (docs/testing.md).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRILLHOST_WERROR=ON \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" > /dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure
# The unit and CLI tests again under ASan + UBSan, and each fuzz target over its seed corpus
# (docs/testing.md; the long fuzzing campaign is `scripts/fuzz.sh`, not run here).
./scripts/sanitize.sh
./scripts/fuzz.sh --once
# Benchmarks print numbers against an anchor measured in the same run; they do not pass or fail.
cmake --build build --target bench
cmake --build build --target bench-sandbox
cmake --build build --target bench-probes
cmake --build build --target bench-services
