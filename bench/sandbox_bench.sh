#!/usr/bin/env bash
# Benchmark: embedded-cluster bring-up (3 members, until one leader and every replica streams) and
# teardown, median of RUNS runs, beside an anchor measured in the same run: one bare initdb of
# PostgreSQL 15, the least any cluster bring-up must do. Prints numbers; never fails on them.
# Usage: sandbox_bench.sh DRILLHOST_BIN [RUNS]
set -euo pipefail
drillhost=$1
runs=${2:-3}
work=$(mktemp -d /tmp/drillhost-bench-XXXXXX)
chmod 755 "$work"
trap '"$drillhost" --state-dir "$work/state" sandbox down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

anchor=()
up=()
down=()
for i in $(seq "$runs"); do
  mkdir -p "$work/initdb-$i" && chown postgres "$work/initdb-$i"
  t0=$(now); setpriv --reuid=postgres --regid=postgres --init-groups -- \
    /usr/lib/postgresql/15/bin/initdb -D "$work/initdb-$i/data" >/dev/null; t1=$(now)
  anchor+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); "$drillhost" --state-dir "$work/state" --log-level warn sandbox up >/dev/null; t1=$(now)
  up+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); "$drillhost" --state-dir "$work/state" --log-level warn sandbox down >/dev/null; t1=$(now)
  down+=("$(echo "$t1 - $t0" | bc)")
done
a=$(printf '%s\n' "${anchor[@]}" | median)
u=$(printf '%s\n' "${up[@]}" | median)
d=$(printf '%s\n' "${down[@]}" | median)
printf 'sandbox, 3 members, median of %d runs: bring-up %.2f s (target <= 10 s), teardown %.2f s (target <= 3 s)\n' "$runs" "$u" "$d"
printf 'anchor, one bare initdb: %.2f s; bring-up / initdb = %.1f, teardown / initdb = %.2f\n' "$a" "$(echo "$u / $a" | bc -l)" "$(echo "$d / $a" | bc -l)"
