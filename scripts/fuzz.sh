#!/usr/bin/env bash
# libFuzzer campaign over every parser of outside input (tests/fuzz/, docs/testing.md).
#
#   scripts/fuzz.sh                  each target for 60 s; what it finds is kept in build-fuzz/corpus/
#   scripts/fuzz.sh --seconds 600    each target for 600 s
#   scripts/fuzz.sh --once           each target over its checked-in seed corpus only (the test command)
#   scripts/fuzz.sh --target params  only that target (repeat the option for more)
#
# Builds the targets with clang 14 (ASan + UBSan + libFuzzer) in build-fuzz/, then prints per target the
# executions, executions per second, coverage and crashes. A crashing input is saved under
# build-fuzz/artifacts/<time>/; the script then exits 1. Needs clang and libclang-rt-14-dev
# (scripts/install-deps.sh); not root.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(patroni_reply fault_ledger target_file params plugin_table)
seconds=60
once=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --once) once=1; shift ;;
    --target) targets+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: --seconds wants a whole number of seconds, got '$seconds'" >&2
  exit 2
fi
for t in "${targets[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target '$t' (${all_targets[*]})" >&2; exit 2; }
done
if ! command -v clang++ > /dev/null; then
  echo "fuzz.sh: clang++ not found; run scripts/install-deps.sh (clang, libclang-rt-14-dev)" >&2
  exit 2
fi

# Only the fuzz targets and the sources they need are built (tests/fuzz/CMakeLists.txt), not drillhost.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRILLHOST_FUZZ=ON \
  -DDRILLHOST_BUILD_TESTS=OFF > /dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets > build-fuzz/fuzz-build.log 2>&1 ||
  { tail -50 build-fuzz/fuzz-build.log; echo "fuzz.sh: build failed (build-fuzz/fuzz-build.log)" >&2; exit 3; }

artifacts="build-fuzz/artifacts/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$artifacts"
# A finding must fail the run: UBSan aborts (also compiled in), leaks are reported, and a report
# names its frames.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:print_stacktrace=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

printf '%-14s %10s %10s %8s %8s  %s\n' target executions 'execs/s' coverage crashes "$([ $once = 1 ] && echo 'seed corpus only' || echo "${seconds} s each")"
failed=0
for t in "${targets[@]}"; do
  log="$artifacts/$t.log"
  # Flags: a single input over 10 s or 2 GiB is a finding too; final stats give the figures.
  flags=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-")
  if [ $once = 1 ]; then
    status=0
    "build-fuzz/fuzz/fuzz_$t" "${flags[@]}" -runs=0 "tests/fuzz/corpus/$t" > "$log" 2>&1 || status=$?
  else
    # New inputs go to build-fuzz/corpus/<target> (kept between campaigns); the seeds stay read-only.
    mkdir -p "build-fuzz/corpus/$t"
    status=0
    "build-fuzz/fuzz/fuzz_$t" "${flags[@]}" -max_total_time="$seconds" "build-fuzz/corpus/$t" \
      "tests/fuzz/corpus/$t" > "$log" 2>&1 || status=$?
  fi
  # A crash can end a target before libFuzzer prints a figure: "?" then.
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  coverage=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  crashes=$(find "$artifacts" -maxdepth 1 -name "$t-*" | wc -l)
  [ "$status" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
  printf '%-14s %10s %10s %8s %8s\n' "$t" "${executions:-?}" "${rate:-?}" "${coverage:-?}" "$crashes"
  if [ "$crashes" -gt 0 ]; then
    failed=1
    { grep -E 'ERROR:|SUMMARY:|runtime error|what\(\)|Test unit written' "$log" || true; } | head -5 | sed 's/^/    /'
    echo "    log: $log"
  fi
done
if [ $failed = 1 ]; then
  echo "fuzz.sh: crashes found (inputs and logs in $artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: no crash (logs in $artifacts)"
