#!/bin/sh
# The report checkers must report a fault: a JUnit without a drill's <failure>, a Markdown without a
# drill's row, and an HTML page without a fault's shaded span or with a request to the network are
# each refused (exit 1) by check_formats.py and check_html.py.
# usage: checkers_fail_test.sh DRILLHOST JOURNAL OUT_DIR
set -eu
drillhost=$1 journal=$2 out=$3/checkers
here=$(dirname "$0")
mkdir -p "$out"
"$drillhost" report "$journal" --html "$out/r.html" --junit "$out/r.xml" --markdown "$out/r.md"
refused() {  # the command must exit 1
  if "$@" > "$out/last.log" 2>&1; then echo "not refused: $*"; cat "$out/last.log"; exit 1; fi
  grep -q FAIL "$out/last.log" || { echo "no FAIL line from: $*"; cat "$out/last.log"; exit 1; }
}
/usr/bin/python3 "$here/check_formats.py" "$journal" "$out/r.xml" "$out/r.md"  # the real ones pass
/usr/bin/python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
xml = open(f"{out}/r.xml").read()
open(f"{out}/no-failure.xml", "w").write(re.sub(r"<failure.*?</failure>", "", xml, count=1, flags=re.S))
md = open(f"{out}/r.md").read().splitlines()
row = next(i for i, l in enumerate(md) if l.startswith("| ") and "passed" in l)
open(f"{out}/no-row.md", "w").write("\n".join(md[:row] + md[row + 1:]) + "\n")
page = open(f"{out}/r.html").read()
span = re.search(r'<rect class="fault-span".*?</rect>', page)
open(f"{out}/no-span.html", "w").write(page[:span.start()] + page[span.end():])
open(f"{out}/fetches.html", "w").write(page.replace("<main>", '<main><img src="http://127.0.0.1:9/x.png" alt="x">', 1))
PY
refused /usr/bin/python3 "$here/check_formats.py" "$journal" "$out/no-failure.xml" "$out/r.md"
refused /usr/bin/python3 "$here/check_formats.py" "$journal" "$out/r.xml" "$out/no-row.md"
refused /usr/bin/python3 "$here/check_html.py" "$out/no-span.html" "$journal" "$out/no-span.png"
refused /usr/bin/python3 "$here/check_html.py" "$out/fetches.html" "$journal" "$out/fetches.png"
echo "every broken report was refused"
