#!/usr/bin/python3
"""Checks that the code keeps the module rows the build declares (issue 20, section 3).

CMakeLists.txt holds the rows (TESSERA_MODULE_ROWS, top row first) and each module's DEPS
(tessera_module(NAME DEPS ... [TEST_DEPS ...])). This script reads every #include "tessera/<m>/..."
and fails, naming the file and line, when:
  - a file of module M (src/M/, include/tessera/M/) includes a module its DEPS do not name, or
    one on its own row or a row above (a lower module never includes a higher one);
  - M's DEPS name a module that no file of M includes (a module links only what it includes);
  - a test of M (tests/M/) includes a module outside M, its DEPS, TEST_DEPS and what those use;
  - the CLI (tools/tessera/) includes a module its target_link_libraries line does not name,
    or names one it never includes;
  - README.md's architecture block (between the architecture markers) shows other rows.

  python3 tools/check_layers.py [--root DIR]     # exit 0 clean, 1 with one line per violation
  python3 tools/check_layers.py --self-test      # the checks above against a made-up tree
"""
import argparse
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]tessera/(\w+)/')
SOURCE_SUFFIXES = ('.h', '.hpp', '.cpp', '.cu', '.cuh')
README_BEGIN = '<!-- module rows: begin (tools/check_layers.py keeps this equal to CMakeLists.txt) -->'
README_END = '<!-- module rows: end -->'


def read_build(root):
    """Rows (list of lists, top first), {module: (deps, test_deps)} and the CLI's modules."""
    text = open(os.path.join(root, 'CMakeLists.txt'), encoding='utf-8').read()
    rows_match = re.search(r'set\(TESSERA_MODULE_ROWS\s+(.*?)\)', text, re.S)
    if not rows_match:
        raise SystemExit('check_layers: CMakeLists.txt has no set(TESSERA_MODULE_ROWS ...)')
    rows = [line.split() for line in re.findall(r'"([^"]*)"', rows_match.group(1))]
    modules = {}
    for name, args in re.findall(r'^tessera_module\((\w+)\s*(.*?)\)\s*$', text, re.M):
        words = args.split()
        deps, test_deps, into = set(), set(), None
        for word in words:
            if word in ('DEPS', 'TEST_DEPS'):
                into = deps if word == 'DEPS' else test_deps
            elif into is not None and word.startswith('tessera_'):
                into.add(word[len('tessera_'):])
        modules[name] = (deps, test_deps)
    cli_match = re.search(r'target_link_libraries\(tessera PRIVATE(.*?)\)', text, re.S)
    cli = {w[len('tessera_'):] for w in cli_match.group(1).split() if w.startswith('tessera_')} if cli_match else set()
    return rows, modules, cli


def includes_in(folder, root):
    """[(path relative to root, line number, included module)] for every file under folder."""
    found = []
    base = os.path.join(root, folder)
    for directory, _, files in os.walk(base):
        for name in sorted(files):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding='utf-8', errors='replace') as handle:
                for number, line in enumerate(handle, 1):
                    match = INCLUDE.match(line)
                    if match:
                        found.append((os.path.relpath(path, root), number, match.group(1)))
    return found


def closure(modules, start):
    seen, pending = set(), list(start)
    while pending:
        module = pending.pop()
        if module in seen or module not in modules:
            continue
        seen.add(module)
        pending.extend(modules[module][0])
    return seen


def check(root):
    rows, modules, cli = read_build(root)
    row_of = {m: i for i, row in enumerate(rows) for m in row}
    problems = []
    for module in sorted(modules):
        if module not in row_of:
            problems.append(f'CMakeLists.txt: module {module} is on no row of TESSERA_MODULE_ROWS')
    for module in sorted(set(row_of) - set(modules)):
        problems.append(f'CMakeLists.txt: TESSERA_MODULE_ROWS names {module}, which no tessera_module() builds')

    for module, (deps, test_deps) in sorted(modules.items()):
        used = set()
        for path, number, target in includes_in(f'src/{module}', root) + includes_in(f'include/tessera/{module}', root):
            if target == module:
                continue
            used.add(target)
            if target in row_of and module in row_of and row_of[target] <= row_of[module]:
                problems.append(f'{path}:{number}: {module} includes {target}, which is not on a row below it')
            elif target not in deps:
                problems.append(f'{path}:{number}: {module} includes {target}, which its DEPS in CMakeLists.txt do not name')
        for dep in sorted((deps & set(modules)) - used):  # tessera_log, tessera_utf8proc: no modules
            problems.append(f'CMakeLists.txt: DEPS of {module} name tessera_{dep}, which no file of {module} includes')
        allowed = {module} | closure(modules, deps | test_deps)
        test_used = set()
        for path, number, target in includes_in(f'tests/{module}', root):
            test_used.add(target)
            if target not in allowed:
                problems.append(f'{path}:{number}: a test of {module} includes {target}; add it to TEST_DEPS of {module}')
        for dep in sorted(test_deps - test_used):
            problems.append(f'CMakeLists.txt: TEST_DEPS of {module} name tessera_{dep}, which no test of {module} includes')

    cli_used = set()
    for path, number, target in includes_in('tools/tessera', root):
        cli_used.add(target)
        if target not in cli:
            problems.append(f'{path}:{number}: the CLI includes {target}, which target_link_libraries(tessera ...) does not name')
    for dep in sorted(cli - cli_used):
        problems.append(f'CMakeLists.txt: the CLI links tessera_{dep}, which no file of tools/tessera includes')

    problems.extend(check_readme(root, rows))
    return problems


def check_readme(root, rows):
    path = os.path.join(root, 'README.md')
    if not os.path.exists(path):
        return []
    text = open(path, encoding='utf-8').read()
    if README_BEGIN not in text or README_END not in text:
        return [f'README.md: no module rows block ({README_BEGIN!r} ... {README_END!r})']
    block = text.split(README_BEGIN, 1)[1].split(README_END, 1)[0]
    shown = []
    for line in block.splitlines():
        # A row line: module names joined by " · ", then two or more spaces and what they are.
        names = line.split('  ')[0].strip()
        if names and not names.startswith('```') and not names.startswith('('):
            shown.append(names.split(' · '))
    if shown[1:] and shown[0] == ['tools/tessera']:
        shown = shown[1:]
    if shown != rows:
        return ['README.md: the module rows block shows ' + ' / '.join(' '.join(r) for r in shown) +
                '; CMakeLists.txt has ' + ' / '.join(' '.join(r) for r in rows)]
    return []


def self_test():
    def write(root, path, text):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as handle:
            handle.write(text)

    def tree(extra_files, cmake_deps):
        root = tempfile.mkdtemp(prefix='check_layers_')
        write(root, 'CMakeLists.txt',
              'set(TESSERA_MODULE_ROWS\n  "high"\n  "low"\n  "core")\n' + cmake_deps +
              'target_link_libraries(tessera PRIVATE tessera_high)\n')
        write(root, 'README.md', f'{README_BEGIN}\n```\ntools/tessera  CLI\nhigh  h\nlow  l\ncore  c\n```\n{README_END}\n')
        write(root, 'src/core/a.cpp', '#include "tessera/core/a.h"\n')
        write(root, 'src/low/b.cpp', '#include "tessera/core/a.h"\n')
        write(root, 'src/high/c.cpp', '#include "tessera/low/b.h"\n')
        write(root, 'tools/tessera/main.cpp', '#include "tessera/high/c.h"\n')
        for path, text in extra_files.items():
            write(root, path, text)
        return root

    good = ('tessera_module(core    DEPS yaml-cpp)\ntessera_module(low     DEPS tessera_core)\n'
            'tessera_module(high    DEPS tessera_low)\n')
    cases = [
        ('clean tree', {}, good, []),
        ('upward include', {'src/low/up.cpp': '#include "tessera/high/c.h"\n'}, good,
         ['src/low/up.cpp:1: low includes high, which is not on a row below it']),
        ('include not in DEPS', {'include/tessera/high/d.h': '#include <tessera/core/a.h>\n'}, good,
         ['include/tessera/high/d.h:1: high includes core, which its DEPS in CMakeLists.txt do not name']),
        ('unused DEPS', {}, good.replace('DEPS tessera_low)', 'DEPS tessera_low tessera_core)'),
         ['CMakeLists.txt: DEPS of high name tessera_core, which no file of high includes']),
        ('test outside closure', {'tests/low/t_test.cpp': '#include "tessera/high/c.h"\n'}, good,
         ['tests/low/t_test.cpp:1: a test of low includes high; add it to TEST_DEPS of low']),
        ('README differs', {'README.md': f'{README_BEGIN}\nhigh · low  x\ncore  c\n{README_END}\n'}, good,
         ['README.md: the module rows block shows high low / core; CMakeLists.txt has high / low / core']),
    ]
    failed = 0
    for name, files, deps, want in cases:
        got = check(tree(files, deps))
        if got != want:
            failed += 1
            print(f'self-test {name!r}: want {want}, got {got}')
    print(f'check_layers self-test: {len(cases) - failed} of {len(cases)} cases pass')
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    parser.add_argument('--self-test', action='store_true')
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(os.path.abspath(args.root))
    for problem in problems:
        print(problem)
    if not problems:
        print('check_layers: every include follows the module rows and DEPS of CMakeLists.txt')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
