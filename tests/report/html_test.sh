#!/bin/sh
# Renders a recorded journal's reports: the HTML opened in headless Chromium (check_html.py), the
# JUnit and Markdown read back by their parsers (check_formats.py). The screenshot and the files
# stay in OUT_DIR (the build tree) for a person to look at.
# usage: html_test.sh DRILLHOST JOURNAL OUT_DIR NAME
set -eu
drillhost=$1 journal=$2 out=$3 name=$4
mkdir -p "$out"
"$drillhost" report "$journal" --html "$out/$name.html" --junit "$out/$name.xml" --markdown "$out/$name.md"
/usr/bin/python3 "$(dirname "$0")/check_formats.py" "$journal" "$out/$name.xml" "$out/$name.md"
exec /usr/bin/python3 "$(dirname "$0")/check_html.py" "$out/$name.html" "$journal" "$out/$name.png"
