#!/usr/bin/env bash
# The unit and CLI tests built with AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer (-DDRILLHOST_SANITIZE=ON, gcc) in build-asan/, and run with every
# finding fatal. Suppressions: tests/sanitizers/*.supp, one entry per fixture that misbehaves on
# purpose, each with its reason (docs/testing.md). Run by scripts/test.sh; safe to run again.
set -euo pipefail
. "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

# -Og -g1: file:line in reports, and half the build time of -O1 (257 s against 516 s on 2 cores,
# docs/testing.md); the tests mostly wait on the processes they start, so they barely slow down.
cmake -S . -B build-asan -DDRILLHOST_SANITIZE=ON -DDRILLHOST_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-Og -g1" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-Og -g1" > /dev/null
# unit_tests and cli_tests depend on everything they run: drillhost, the plugins, the fixtures; the
# embedding example runs with the CLI tests.
cmake --build build-asan -j"$(nproc)" --target unit_tests cli_tests drillhost_embedded_harness

supp="$PWD/tests/sanitizers"
# halt_on_error: the first report fails the process, and with it the test. detect_leaks: LeakSanitizer
# at every exit, the drillhost processes the CLI tests start included (they inherit this environment).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:print_stacktrace=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"

# Tests whose drills or injectors segfault on purpose (tests/fixtures/crashing_plugins.cpp) check that
# drillhost names SIGSEGV: ASan's own SEGV handler would print a report and exit 1 instead, so these
# run with handle_segv=0 (a crash still fails them, only without ASan's report). Nothing else does.
crash_tests='segfault|crashes|is crashed'
status=0
ctest --test-dir build-asan -L 'unit|cli' -E "$crash_tests" --output-on-failure || status=1
ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0" \
  ctest --test-dir build-asan -L 'unit|cli' -R "$crash_tests" --output-on-failure || status=1
exit "$status"
