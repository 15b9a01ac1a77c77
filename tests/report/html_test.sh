#!/bin/sh
# Renders a recorded journal's HTML report and opens it in headless Chromium (check_html.py): the
# screenshot and the page stay in OUT_DIR (the build tree) for a person to look at.
# usage: html_test.sh DRILLHOST JOURNAL OUT_DIR NAME
set -eu
drillhost=$1 journal=$2 out=$3 name=$4
mkdir -p "$out"
"$drillhost" report "$journal" --html "$out/$name.html"
exec /usr/bin/python3 "$(dirname "$0")/check_html.py" "$out/$name.html" "$journal" "$out/$name.png"
