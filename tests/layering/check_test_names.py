#!/usr/bin/env python3
"""Fails when a doctest TEST_CASE name holds a ';': ctest's test list is ';'-separated, so
doctest_discover_tests registers such a test under a cut name that matches nothing, and the test
"passes" in 0.00 s without running. Prints each offending name with its file and line.
Usage: check_test_names.py SOURCE_DIR [--fix]   (--fix turns each '; ' into ', ')
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
fix = "--fix" in sys.argv
# TEST_CASE( then one or more adjacent string literals (the name, maybe split over lines).
name = re.compile(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
problems = 0
for path in sorted((root / "tests").rglob("*.cpp")):
    text = path.read_text()
    changed = text
    for m in name.finditer(text):
        literal = m.group(1)
        if ";" in literal:
            line = text.count("\n", 0, m.start()) + 1
            print(f"{path.relative_to(root)}:{line}: a test name holds ';': {' '.join(literal.split())[:120]}")
            problems += 1
            if fix:
                changed = changed.replace(literal, literal.replace("; ", ", ").replace(";", ","), 1)
    if fix and changed != text:
        path.write_text(changed)
sys.exit(1 if problems and not fix else 0)
