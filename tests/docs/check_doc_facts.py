#!/usr/bin/env python3
"""Facts the docs state, checked against the build (docs/testing.md):

- every "drillhost X.Y.Z (plugin ABI A.B)" is what `drillhost --version` prints;
- docs/abi.md's current ABI version and its count of dh_host function pointers are plugin_api.h's;
- every ```console block that shows `$ drillhost --load 'build/examples/*.so' list ...` shows what
  that command prints today;
- every shell example that runs a drill says `--target` (none, or a file), or brings a cluster up
  on purpose (`sandbox up` before it, `--keep-sandbox`, or a comment saying it brings one up):
  as root, `run` without --target brings a whole cluster up.

Prints every stale fact with its file and line; exits 1 when there is one.
Usage: check_doc_facts.py BUILD_DIR SOURCE_DIR
"""
import pathlib
import re
import shlex
import subprocess
import sys

build = pathlib.Path(sys.argv[1]).resolve()
source = pathlib.Path(sys.argv[2]).resolve()
drillhost = build / 'bin' / 'drillhost'
docs = sorted((source / 'docs').rglob('*.md')) + [source / 'README.md'] + sorted((source / 'examples').rglob('README.md'))
header = (source / 'plugin_api' / 'include' / 'drillhost' / 'plugin_api.h').read_text()
problems = []


def where(path, number):
    return f'{path.relative_to(source)}:{number}'


def run(argv):
    return subprocess.run(argv, cwd=source, capture_output=True, text=True, check=False).stdout


def subcommand(words):
    """The drillhost subcommand of a command line's words ("" when it runs no drillhost)."""
    names = [i for i, w in enumerate(words) if w.endswith('drillhost') and not w.startswith('-')]
    if not names:
        return ''
    rest = words[names[0] + 1:]
    with_value = {'--load', '--state-dir', '--format', '--log-level'}
    i = 0
    while i < len(rest) and rest[i].startswith('-'):
        i += 2 if rest[i] in with_value else 1
    return rest[i] if i < len(rest) else ''


version = run([str(drillhost), '--version']).strip()
major = re.search(r'#define DH_ABI_VERSION_MAJOR (\d+)u', header).group(1)
minor = re.search(r'#define DH_ABI_VERSION_MINOR (\d+)u', header).group(1)
host_table = re.search(r'\nstruct dh_host \{(.*?)\n\};', header, re.S).group(1)
pointers = len(re.findall(r'\(\s*\*\s*\w+\s*\)\s*\(', host_table))

for path in docs:
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        for said in re.findall(r'drillhost \d+\.\d+\.\d+ \(plugin ABI \d+\.\d+\)', line):
            if said != version:
                problems.append(f'{where(path, number)}: says `{said}`; `drillhost --version` prints `{version}`')
    # Code blocks: the commands they show.
    block, kind, opened, prose = None, '', 0, ''
    for number, line in enumerate(lines, 1):
        fence = re.match(r'^\s*```(\w*)', line)
        if fence and block is None:
            block, kind, opened = [], fence.group(1), number
            continue
        if fence and block is not None:
            check_block = (kind, opened, block)
            block = None
            k, start, body = check_block
            text = [l for _, l in body]
            if k == 'console' and text and text[0].startswith("$ drillhost --load 'build/examples/*.so' list"):
                argv = [a.replace('build/', str(build) + '/', 1) if a.startswith('build/') else a
                        for a in shlex.split(text[0][2:])]
                argv[0] = str(drillhost)
                shown = [l for l in text[1:] if not l.startswith('$ ')]
                printed = run(argv).rstrip('\n').split('\n')
                if [s.rstrip() for s in shown] != [p.rstrip() for p in printed]:
                    problems.append(f'{where(path, start)}: `{text[0][2:]}` prints today:\n' + '\n'.join(printed))
            if k in ('sh', 'console', 'bash', ''):
                # The prose just before the block may say it drills the embedded cluster on purpose.
                brought_up = 'without `--target`' in prose or 'sandbox up' in prose
                for n, l in body:
                    command = l[2:] if l.startswith('$ ') else l
                    if re.search(r'\bsandbox up\b', command):
                        brought_up = True
                    words = command.split('#')[0].split()
                    if subcommand(words) == 'run' and not brought_up:
                        on_purpose = '--target' in words or '--keep-sandbox' in words or re.search(r'#.*\bbrings?\b', command)
                        if not on_purpose:
                            problems.append(f'{where(path, n)}: runs a drill without --target (as root that brings a cluster up): {command.strip()}')
            prose = ''
            continue
        if block is not None:
            block.append((number, line))
        else:
            prose += line + '\n'

abi_doc = source / 'docs' / 'abi.md'
text = abi_doc.read_text()
current = re.search(r'Current version: \*\*ABI (\d+)\.(\d+)\*\* \(`DH_ABI_VERSION_MAJOR (\d+)u`, `DH_ABI_VERSION_MINOR (\d+)u`\)', text)
if not current or current.groups() != (major, minor, major, minor):
    problems.append(f'docs/abi.md: the current version is not stated as ABI {major}.{minor} (plugin_api.h)')
said = re.search(r'then (\d+) function pointers', text)
if not said or int(said.group(1)) != pointers:
    problems.append(f'docs/abi.md: says {said.group(1) if said else "no number of"} dh_host function pointers; plugin_api.h has {pointers}')
for number, line in enumerate(text.splitlines(), 1):
    for m in re.finditer(r'this host implements ABI (\d+)\.(\d+)|This (\d+)\.(\d+) host|host\'s ABI (\d+)\.(\d+)', line):
        found = [g for g in m.groups() if g is not None]
        if found != [major, minor]:
            problems.append(f'{where(abi_doc, number)}: names this host ABI {".".join(found)}; it is {major}.{minor}')

# docs/patroni-versions.md names the two Patroni releases the tests run: Debian's, and the source
# tree the version tests find (where it exists).
versions_doc = source / 'docs' / 'patroni-versions.md'
text = versions_doc.read_text()
debian = re.search(r"Debian 12's \*\*(\d+\.\d+\.\d+)\*\*", text)
installed = re.search(r'(\d+\.\d+\.\d+)', run(['patroni', '--version']) or '')
if not debian or not installed or debian.group(1) != installed.group(1):
    problems.append(f'docs/patroni-versions.md: says Debian\'s Patroni is {debian.group(1) if debian else "?"}; '
                    f'`patroni --version` says {installed.group(1) if installed else "nothing"}')
tree = source.parent / 'shared' / 'vendor' / 'patroni-4.1.4' / 'patroni.py'
if not tree.exists():
    tree = pathlib.Path('/work/shared/vendor/patroni-4.1.4/patroni.py')
if tree.exists():
    other = re.search(r'(\d+\.\d+\.\d+)', run(['/usr/bin/python3', str(tree), '--version']) or '')
    said = re.search(r'and \*\*(\d+\.\d+\.\d+)\*\*', text)
    if not other or not said or other.group(1) != said.group(1):
        problems.append(f'docs/patroni-versions.md: says the other Patroni is {said.group(1) if said else "?"}; '
                        f'{tree} --version says {other.group(1) if other else "nothing"}')

for problem in problems:
    print(problem)
if problems:
    print(f'{len(problems)} stale fact(s) in the docs', file=sys.stderr)
    sys.exit(1)
print(f'docs agree with the build: {version}, {pointers} host functions, example listings, --target in every run')
