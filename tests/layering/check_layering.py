#!/usr/bin/env python3
"""The project's layering, checked on the source tree (docs/architecture.md):

- core/ is the engine: it includes nothing of the embedded cluster (sandbox/) and builds none of it;
- a plugin kind (plugins/ for drills, injectors/, probes/, examples/) includes only its own files,
  the SDK and the C ABI: never another kind's private folder, so that a drill, an injector or a
  probe can be moved out of the tree alone. The embedding example is a program, not a plugin: it
  links the engine.

Prints every violation with its file and line; exits 1 when there is one.
Usage: check_layering.py SOURCE_DIR
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
sources = ('.c', '.cpp', '.h', '.hpp')
include = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
kinds = ['plugins', 'injectors', 'probes', 'examples']
harnesses = [root / 'examples' / 'embedded_harness']  # programs that link the engine, not plugins
problems = []


def files(folder, suffixes):
    return sorted(p for p in (root / folder).rglob('*') if p.is_file() and p.suffix in suffixes)


def includes(path):
    for number, line in enumerate(path.read_text(errors='replace').splitlines(), 1):
        match = include.match(line)
        if match:
            yield number, match.group(1), match.group(2)


# The engine knows nothing of the embedded cluster.
for path in files('core', sources):
    for number, _, name in includes(path):
        if name.startswith('drillhost/sandbox/') or 'sandbox/' in name:
            problems.append(f'{path.relative_to(root)}:{number}: core includes the sandbox: {name}')
for path in [root / 'core' / 'CMakeLists.txt']:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if re.search(r'sandbox', line) and not line.lstrip().startswith('#'):
            problems.append(f'{path.relative_to(root)}:{number}: core builds or links the sandbox: {line.strip()}')

# A kind's quoted includes resolve inside its own folder; its CMake names no other kind's folder.
for kind in kinds:
    for path in files(kind, sources):
        if any(h in path.parents for h in harnesses):
            continue
        for number, quote, name in includes(path):
            if quote != '"':
                if name.startswith('drillhost/') and not (name.startswith('drillhost/sdk') or name == 'drillhost/plugin_api.h'):
                    problems.append(f'{path.relative_to(root)}:{number}: a plugin reaches into the engine: <{name}>')
                continue
            if '..' in pathlib.PurePosixPath(name).parts:
                problems.append(f'{path.relative_to(root)}:{number}: include leaves its folder: "{name}"')
            own = [path.parent / name] + [d / name for d in (root / kind).rglob('common') if d.is_dir()]
            own += [d / name for d in path.parents if root / kind in d.parents or d == root / kind]
            if not any(c.resolve().is_file() and (root / kind) in c.resolve().parents for c in own):
                problems.append(f'{path.relative_to(root)}:{number}: "{name}" is not a file of {kind}/')
    for path in (root / kind).rglob('CMakeLists.txt'):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for other in kinds + ['core', 'sandbox', 'cli']:
                if other != kind and re.search(r'(SOURCE_DIR\}|\.\.)/' + other + r'\b', line):
                    problems.append(f'{path.relative_to(root)}:{number}: {kind}/ uses {other}/: {line.strip()}')

for problem in problems:
    print(problem)
if problems:
    print(f'{len(problems)} layering violation(s)', file=sys.stderr)
    sys.exit(1)
print('layering holds: core includes nothing of the sandbox; no plugin kind reaches into another')
