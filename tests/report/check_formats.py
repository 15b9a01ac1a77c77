#!/usr/bin/python3
"""Reads the JUnit XML and the Markdown rendered from a journal back with the parsers CI systems and
wikis use (Debian's python3-junitparser and python3-markdown) and checks them against the journal:
a testcase and a table row per drill, a <failure> per failed drill, an <error> per drill that errored,
crashed, timed out or was cancelled, a <skipped> per skipped one, every failed check named.

usage: check_formats.py JOURNAL REPORT.xml REPORT.md
"""
import html.parser
import json
import sys

import junitparser
import markdown

journal, junit_path, markdown_path = sys.argv[1:4]
outcomes, failed_checks = [], []
for line in open(journal):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("type") == "drill.end":
        outcomes.append((entry["drill"].rsplit(".", 1)[-1], entry["outcome"]))
    if entry.get("type") == "verdict" and entry.get("verdict") == "fail":
        failed_checks.append(entry["name"])

problems = []
cases = [case for suite in junitparser.JUnitXml.fromfile(junit_path) for case in suite]
if [c.name for c in cases] != [name for name, _ in outcomes]:
    problems.append(f"testcases {[c.name for c in cases]} are not the drills {[n for n, _ in outcomes]}")
kind = {"passed": "", "failed": "Failure", "skipped": "Skipped"}
for case, (name, outcome) in zip(cases, outcomes):
    got = ",".join(type(r).__name__ for r in case.result)
    if got != kind.get(outcome, "Error"):
        problems.append(f"{name} ({outcome}) is reported as {got or 'passed'}")
failure_text = " ".join(r.text or "" for c in cases for r in c.result)
for check in failed_checks:
    if check not in failure_text:
        problems.append("the failed check is not in any <failure>: " + check)


class Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


page = markdown.markdown(open(markdown_path).read(), extensions=["tables"])
rows = Rows()
rows.feed(page)
table = [r for r in rows.rows[1:] if len(r) == 5]
if [(r[0], r[1]) for r in table] != outcomes:
    problems.append(f"Markdown rows {[(r[0], r[1]) for r in table]} are not the drills {outcomes}")
for check in failed_checks:
    if "FAIL " + check not in page:
        problems.append("the failed check is not in the Markdown: " + check)
print(f"{len(cases)} testcases, {len(table)} table rows, {len(failed_checks)} failed checks")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
