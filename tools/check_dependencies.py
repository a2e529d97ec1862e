#!/usr/bin/python3
"""Checks that a fresh machine gets everything the build, tests and benchmarks use from
tools/setup.sh, by comparing what the code uses against the lists setup.sh installs from:

  tools/deps/debian.txt           Debian packages (installed with --no-install-recommends)
  tools/deps/debian-waived.txt    Recommends of those packages left out on purpose, with why
  tools/deps/venv.txt             the virtual environment's pip requirements (pinned)

Problems it reports (one line each, naming the file and the list to fix):
  - a Python module that a script imports (parsed with ast; the interpreter is the script's
    shebang: /usr/bin/python3 = Debian's packages, /opt/tessera/venv/bin/python = the venv) that
    the interpreter cannot import, or that comes from a package not on the list (installed by
    hand, or only as another package's dependency);
  - a command that a shell script, a test or the library runs (the first word of each command in
    shell scripts and in C++ string literals) that comes from a Debian package that is neither
    listed nor Essential/required (present on every Debian), or from outside any package;
  - a Recommends of a listed package that is neither listed nor waived: setup.sh installs without
    recommends, so each one must be decided (python3-pydicom recommends python3-pil, which its
    JPEG decoding needs: that gap once passed CI on a machine set up by hand);
  - a listed package or pinned requirement that is not installed (run tools/setup.sh).

  /usr/bin/python3 tools/check_dependencies.py [--root DIR] [--venv-python PATH]
  /usr/bin/python3 tools/check_dependencies.py --self-test

Uses only the standard library, dpkg-query and dpkg -S, so it runs on Debian's python3 before the
venv exists. Exit 0 when nothing is missing, 1 with the problems listed, 2 on a usage error.
"""
import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DEBIAN_PYTHON = "/usr/bin/python3"
DEFAULT_VENV = os.environ.get("TESSERA_VENV", "/opt/tessera/venv")
# Interpreters a script may name in its shebang, and which list supplies its modules.
SHEBANGS = {"#!/usr/bin/python3": "debian", "#!/opt/tessera/venv/bin/python": "venv"}
# Outside Debian's packages on purpose: the CUDA toolkit is the documented prerequisite (README).
# NVIDIA installs it as /usr/local/cuda-<version>, with /usr/local/cuda a link to one of them.
UNPACKAGED_OK = re.compile(r"^/usr/local/cuda(-[0-9.]+)?(/|$)")
# A wrapper such as /usr/local/bin/nvcc holding `exec /usr/local/cuda-13.0/bin/nvcc "$@"` (how some
# images put the toolkit on PATH) runs what it names: attribute the command to that.
EXEC_WRAPPER = re.compile(r'^\s*exec\s+(/\S+)\s+"\$@"\s*$', re.M)
# Folders whose files are scanned; build trees and data are not the project's code.
SCANNED = ("tools", "tests", "bench", "src", "fuzz", "cmake", ".ci", "docker")
SHELL_WORDS = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in",
    "function", "select", "time", "!", "{", "}", "[[", "]]", "[", "]", "((", "))", "local", "export",
    "declare", "readonly", "return", "exit", "set", "unset", "shift", "cd", "echo", "printf", "read",
    "source", ".", "eval", "exec", "trap", "wait", "true", "false", "test", "break", "continue",
    "command", "type", "hash", "mapfile", "readarray", "pushd", "popd", "let", "ulimit", "umask",
    "getopts", "builtin", "kill", "jobs", "disown", "alias", "shopt", ":", "pwd",
}


# --- the lists ------------------------------------------------------------------------------
def read_list(path):
    """Names from a list file: the first word of each line, '#' starts a comment."""
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            word = line.split("#", 1)[0].strip().split()
            if word:
                names.append(word[0])
    return names


def requirement_names(path):
    """{normalised distribution name: pinned version or None} from a pip requirements file."""
    pins = {}
    for entry in read_list(path):
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[.*\])?(?:==([^;\s]+))?", entry)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def normalise(distribution):
    return re.sub(r"[-_.]+", "-", distribution).lower()


# --- Debian's package database ----------------------------------------------------------------
def dpkg_fields(packages, fields):
    """{package: {field: value}} for installed packages (missing ones are absent)."""
    if not packages:
        return {}
    fmt = "\\t".join(["${Package}", "${Status}"] + ["${" + f + "}" for f in fields]) + "\\n"
    done = subprocess.run(["dpkg-query", "-W", "-f=" + fmt, *packages], capture_output=True, text=True)
    result = {}
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 + len(fields) and parts[1].endswith(" installed"):
            result[parts[0].split(":")[0]] = dict(zip(fields, parts[2:]))
    return result


def owning_packages(paths):
    """{path: package or None} from dpkg -S (usr-merge aware: /bin/x is /usr/bin/x)."""
    owners = {}
    for path in paths:
        candidates = [path]
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if path.startswith(a):
                candidates.append(b + path[len(a):])
            elif path.startswith(b):
                candidates.append(a + path[len(b):])
        owners[path] = None
        for candidate in candidates:
            done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if done.returncode == 0 and done.stdout:
                owners[path] = done.stdout.split(":", 1)[0].split(",")[0].strip()
                break
    return owners


def parse_relations(text):
    """[[alternative, ...], ...] from a Depends/Recommends field (versions and :arch dropped)."""
    groups = []
    for group in filter(None, (g.strip() for g in text.split(","))):
        groups.append([re.sub(r"[\s(].*$", "", o.strip()).split(":")[0] for o in group.split("|")])
    return groups


def depends_closure(packages):
    """The packages installed because `packages` hard-depend on them (Depends, Pre-Depends),
    recursively, `packages` included: apt always installs these, recommends or not."""
    closure, frontier = set(), set(packages)
    while frontier:
        closure |= frontier
        info = dpkg_fields(sorted(frontier), ["Depends", "Pre-Depends"])
        installed_now = set()
        for fields in info.values():
            for group in parse_relations(fields["Depends"] + "," + fields["Pre-Depends"]):
                installed_now.update(group)  # alternatives: whichever is installed is kept below
        frontier = set(dpkg_fields(sorted(installed_now - closure), [])) - closure
    return closure


def base_packages(packages):
    """The packages of `packages` that every Debian system has: Essential, or Priority required."""
    info = dpkg_fields(sorted(set(packages)), ["Essential", "Priority"])
    return {p for p, f in info.items() if f["Essential"] == "yes" or f["Priority"] == "required"}


# --- what the code uses: Python modules ---------------------------------------------------------
def tracked_files(root):
    done = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True)
    if done.returncode == 0 and done.stdout.strip():
        return [f for f in done.stdout.splitlines() if f.split("/", 1)[0] in SCANNED or f.startswith(".ci/")]
    files = []  # not a git checkout (an exported tree): walk the scanned folders
    for top in SCANNED:
        for folder, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.relpath(os.path.join(folder, n), root) for n in names]
    return files


def python_imports(source):
    """Top-level names of the absolute imports in a Python source."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


# `import x` / `from x import` inside C++ string literals: Python run with -c or written to a file.
EMBEDDED_IMPORT = re.compile(r"(?:^|\\n|[\"';])\s*(?:import\s+([A-Za-z_][A-Za-z0-9_]*)(?=[\s.,;\\'\"]|$)|"
                             r"from\s+([A-Za-z_][A-Za-z0-9_]*)[A-Za-z0-9_.]*\s+import\b)", re.M)


def scripts_and_imports(root, files):
    """[(file, interpreter kind, {module, ...})] for .py files and Python embedded in C++ tests."""
    found, problems = [], []
    local = {os.path.splitext(os.path.basename(f))[0] for f in files if f.endswith(".py")}
    for f in files:
        path = os.path.join(root, f)
        if f.endswith(".py"):
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            first = source.splitlines()[0] if source else ""
            kind = SHEBANGS.get(first.strip())
            if kind is None:
                problems.append(f"{f}: the first line must name its interpreter, one of: {', '.join(SHEBANGS)}")
                continue
            found.append((f, kind, python_imports(source) - local))
        elif f.startswith(("tests/", "bench/")) and f.endswith((".cpp", ".h")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                source = handle.read()
            modules = {a or b for a, b in EMBEDDED_IMPORT.findall(source)}
            if modules:
                kind = "debian" if DEBIAN_PYTHON in source else "venv"
                found.append((f, kind, modules - local))
    return found, problems


PROBE = r"""
import importlib.util, json, sys
try:
    from importlib.metadata import packages_distributions
    dists = packages_distributions()
except Exception:
    dists = {}
out = {}
for name in sys.argv[1:]:
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        out[name] = {"stdlib": True}
        continue
    try:
        spec = importlib.util.find_spec(name)
    except Exception as error:
        spec = None
    origin = None
    if spec is not None:
        origin = spec.origin if spec.origin not in (None, "namespace") else next(iter(spec.submodule_search_locations or []), None)
    out[name] = {"stdlib": False, "found": spec is not None, "origin": origin, "dists": dists.get(name, [])}
print(json.dumps(out))
"""


def probe_modules(python, modules):
    """{module: {"stdlib", "found", "origin", "dists"}} as `python` sees them."""
    if not modules:
        return {}
    if not os.path.exists(python):
        return {m: {"stdlib": False, "found": False, "origin": None, "dists": [], "no_python": True} for m in modules}
    done = subprocess.run([python, "-c", PROBE, *sorted(modules)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{python} could not run the module probe: {done.stderr.strip()}")
    return json.loads(done.stdout)


def check_python(root, files, debian, venv_pins, venv_python):
    found, problems = scripts_and_imports(root, files)
    wanted = {"debian": set(), "venv": set()}
    for _, kind, modules in found:
        wanted[kind] |= modules
    seen = {"debian": probe_modules(DEBIAN_PYTHON, wanted["debian"]), "venv": probe_modules(venv_python, wanted["venv"])}
    owners = owning_packages(sorted({v["origin"] for v in seen["debian"].values() if v.get("origin")}))
    for f, kind, modules in sorted(found):
        for module in sorted(modules):
            info = seen[kind][module]
            if info["stdlib"]:
                continue
            python = DEBIAN_PYTHON if kind == "debian" else venv_python
            if not info["found"]:
                hint = "tools/deps/debian.txt" if kind == "debian" else "tools/deps/venv.txt"
                why = f"{python} does not exist" if info.get("no_python") else f"{python} cannot import it"
                problems.append(f"{f}: imports '{module}', but {why}: add its package to {hint} (then tools/setup.sh)")
            elif kind == "debian":
                package = owners.get(info["origin"])
                if package is None:
                    problems.append(f"{f}: imports '{module}' from {info['origin']}, which no Debian package installed: "
                                    f"add its Debian package to tools/deps/debian.txt")
                elif package not in debian:
                    problems.append(f"{f}: imports '{module}' from Debian's {package}, which tools/deps/debian.txt does "
                                    f"not list (installed by hand or as a recommend?): add it there")
            else:
                dists = {normalise(d) for d in info["dists"]}
                if not dists:
                    problems.append(f"{f}: imports '{module}' ({info['origin']}), which no installed distribution of "
                                    f"{venv_python} provides: add one to tools/deps/venv.txt")
                elif not dists & set(venv_pins):
                    problems.append(f"{f}: imports '{module}' from {', '.join(sorted(dists))}, which tools/deps/venv.txt "
                                    f"does not list (it is there only as another package's dependency): add it")
    return problems


# --- what the code uses: commands ---------------------------------------------------------------
COMMAND_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.+-]*$")
SEGMENT_SPLIT = re.compile(r"\|\||&&|[;|&`(]|\$\(|\bthen\b|\bdo\b|\belse\b|\btime\b|\bexec\b|\bxargs\b|!")


def first_words(command_text):
    """The command word of each simple command in a shell line (assignments skipped)."""
    words = []
    for segment in SEGMENT_SPLIT.split(command_text):
        tokens = segment.strip().split()
        while tokens and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tokens[0]):
            tokens.pop(0)  # VAR=value before the command
        if tokens:
            words.append(tokens[0].strip("\"')"))
    return words


def shell_commands(source):
    functions = set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)", source, re.M))
    words = set()
    heredoc_end = None
    for line in source.splitlines():
        if heredoc_end is not None:  # a here-document's body is data (or another language), not commands
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        marker = re.search(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?", line)
        if marker:
            heredoc_end = marker.group(1)
        code = re.sub(r"(^|\s)#.*$", "", line)  # comments (good enough: '#' inside quotes is rare here)
        code = re.sub(r"'[^']*'", "''", code)  # single-quoted text is data, not commands
        code = re.sub(r'"[^"$`]*"', '""', code)  # so is double-quoted text without substitutions
        words.update(first_words(code))
    return {w for w in words if COMMAND_WORD.match(w) and w not in SHELL_WORDS and w not in functions}


STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def cpp_commands(source):
    """Command words in C++: the first word of a string literal that looks like a command line
    (it goes on with an option, a quoted argument or a substitution), words after | && ; inside
    literals, and the first element of an argument vector passed to a call: f({"cmd", ...})."""
    source = re.sub(r"^\s*//.*$", "", source, flags=re.M)  # comments are prose
    words = set()
    for match in re.finditer(r'\(\s*\{\s*"([A-Za-z][A-Za-z0-9_.+-]*)"\s*,', source):
        words.add(match.group(1))
    for match in STRING_LITERAL.finditer(source):
        text = match.group(1)
        head = re.match(r"^([A-Za-z][A-Za-z0-9_.+-]*)(?: -|\s+'|\s+\\\"|\s+\$)", text)
        if head:
            words.add(head.group(1))
        for later in re.findall(r"(?:\|\||&&|[|;])\s*([A-Za-z][A-Za-z0-9_.+-]*)", text):
            words.add(later)
    return words


def command_users(root, files):
    """{command word: [files that run it]}."""
    users = {}
    for f in files:
        path = os.path.join(root, f)
        if not os.path.isfile(path):
            continue
        if f.endswith(".sh") or f == ".ci/run":
            with open(path, encoding="utf-8", errors="replace") as handle:
                words = shell_commands(handle.read())
        elif f.endswith((".cpp", ".h")) and f.startswith(("src/", "tests/", "bench/", "tools/", "fuzz/")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                words = cpp_commands(handle.read())
        else:
            continue
        for w in words:
            users.setdefault(w, []).append(f)
    return users


def wrapped_target(path):
    """The program a small `#!/bin/sh` + `exec /abs/path "$@"` wrapper runs, else None."""
    try:
        if os.path.getsize(path) > 1024:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    match = EXEC_WRAPPER.search(text) if text.startswith("#!") else None
    return os.path.realpath(match.group(1)) if match else None


def check_commands(root, files, debian, venv_python):
    users = command_users(root, files)
    venv_bin = os.path.dirname(os.path.realpath(venv_python)) if os.path.exists(venv_python) else None
    search = os.pathsep.join(filter(None, [os.environ.get("PATH", ""), "/usr/local/cuda/bin",
                                          os.path.dirname(venv_python)]))
    resolved = {}
    for word in users:
        where = shutil.which(word, path=search)
        if where:
            resolved[word] = where
    real = {w: os.path.realpath(p) for w, p in resolved.items()}
    owners = owning_packages(sorted(set(resolved.values()) | set(real.values())))
    base = base_packages({p for p in owners.values() if p})
    installed = depends_closure(debian)  # what the listed packages bring in for certain
    problems = []
    for word in sorted(resolved):
        where = resolved[word]
        package = owners.get(where) or owners.get(real[word])
        user = ", ".join(sorted(users[word])[:3])
        if package is None:
            target = wrapped_target(real[word])
            if any(p and UNPACKAGED_OK.match(p) for p in (where, real[word], target)):
                continue
            if venv_bin and (os.path.dirname(where) == os.path.dirname(venv_python) or real[word].startswith(venv_bin)):
                continue
            problems.append(f"{user}: runs '{word}', found at {where}, which no Debian package installed: "
                            f"install it from a package in tools/deps/debian.txt")
        elif package not in installed and package not in base:
            problems.append(f"{user}: runs '{word}' ({where}) from Debian's {package}, which tools/deps/debian.txt "
                            f"neither lists nor brings in as a dependency: add it there")
    return problems


# --- the lists themselves ------------------------------------------------------------------------
def check_lists(debian, waived, venv_pins, venv_python):
    problems = []
    info = dpkg_fields(debian, ["Recommends"])
    for package in debian:
        if package not in info:
            problems.append(f"tools/deps/debian.txt: {package} is not installed: run tools/setup.sh")
    listed = depends_closure(debian) | set(waived)
    for package in sorted(info):
        for options in parse_relations(info[package]["Recommends"]):
            if not any(o in listed for o in options):
                problems.append(f"tools/deps/debian.txt: {package} recommends {' | '.join(options)}, which setup.sh's "
                                f"--no-install-recommends leaves out: list it, or waive it with the reason in "
                                f"tools/deps/debian-waived.txt")
    if os.path.exists(venv_python):
        probe = ("import json, sys\nfrom importlib.metadata import version, PackageNotFoundError\nout = {}\n"
                 "for n in sys.argv[1:]:\n    try: out[n] = version(n)\n    except PackageNotFoundError: out[n] = None\n"
                 "print(json.dumps(out))")
        done = subprocess.run([venv_python, "-c", probe, *venv_pins], capture_output=True, text=True)
        versions = json.loads(done.stdout) if done.returncode == 0 else {}
        for name, pin in sorted(venv_pins.items()):
            have = versions.get(name)
            if have is None:
                problems.append(f"tools/deps/venv.txt: {name} is not installed in {venv_python}: run tools/setup.sh")
            elif pin and have.split("+")[0] != pin.split("+")[0]:
                problems.append(f"tools/deps/venv.txt: {name}=={pin}, but {venv_python} has {have}: run tools/setup.sh")
    else:
        problems.append(f"{venv_python} does not exist: run tools/setup.sh (or pass --venv-python)")
    return problems


def check(root, venv_python):
    deps = os.path.join(root, "tools", "deps")
    debian = read_list(os.path.join(deps, "debian.txt"))
    waived = read_list(os.path.join(deps, "debian-waived.txt"))
    venv_pins = requirement_names(os.path.join(deps, "venv.txt"))
    files = tracked_files(root)
    return (check_lists(debian, waived, venv_pins, venv_python) + check_python(root, files, set(debian), venv_pins, venv_python) +
            check_commands(root, files, set(debian), venv_python))


# --- self-test: the checker must find planted gaps ----------------------------------------------
def self_test():
    """Plants one gap of each kind in a throw-away tree and expects each to be named."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "tools", "deps"))
        os.makedirs(os.path.join(root, "tests"))
        write = lambda rel, text: open(os.path.join(root, rel), "w", encoding="utf-8").write(text)
        write("tools/deps/debian.txt", "python3   # the interpreter\ndpkg\n")
        write("tools/deps/debian-waived.txt", "")
        write("tools/deps/venv.txt", "")
        write("tests/oracle.py", "#!/usr/bin/python3\nimport json\nimport no_such_module_tessera\nfrom . import x\n")
        write("tests/noshebang.py", "import sys\n")
        write("tests/run.sh", "set -e\nno-such-command-tessera --flag | grep x && helper\nhelper() { :; }\n")
        write("tests/a_test.cpp", 'std::system("dpkg-query -W x");\nrun_command({"gzip", "-dc"});\n'
                                  'auto s = "/usr/bin/python3 -c \'import sys\\nimport zz_missing_tessera\'";\n')
        problems = check(root, "/nonexistent/venv/bin/python")
        expect = ["tests/oracle.py: imports 'no_such_module_tessera'", "tests/noshebang.py: the first line",
                  "tests/a_test.cpp: imports 'zz_missing_tessera'", "/nonexistent/venv/bin/python does not exist"]
        failures = [e for e in expect if not any(p.startswith(e) or e in p for p in problems)]
        # Commands from Essential packages (dpkg, gzip) and grep are fine; a made-up one is not found
        # on PATH at all, so it is not reported: only what resolves can be attributed.
        wrong = [p for p in problems if "'json'" in p or "'dpkg-query'" in p or "'gzip'" in p or "'grep'" in p]
        assert shell_commands("a=1 foo --x | bar; baz && qux $(quux)\n# comment cmd\nf() { :; }\nf\n") == \
            {"foo", "bar", "baz", "qux", "quux"}, "shell_commands"
        assert cpp_commands('x = "dcmodify -nb"; y = "the file"; z = run({"gzip", "-dc"}); w = "a | tar -x";\n'
                            'v = {"red", "green"}; u = "file";') == {"dcmodify", "gzip", "tar"}, "cpp_commands"
        # A PATH wrapper around the toolkit is the toolkit (CI's /usr/local/bin/nvcc is one).
        write("tools/nvcc", '#!/bin/sh\nexec /usr/local/cuda-13.0/bin/nvcc "$@"\n')
        assert wrapped_target(os.path.join(root, "tools/nvcc")) == os.path.realpath("/usr/local/cuda-13.0/bin/nvcc"), "wrapper"
        assert wrapped_target(os.path.join(root, "tests/run.sh")) is None, "not a wrapper"
        assert all(UNPACKAGED_OK.match(p) for p in ("/usr/local/cuda/bin/nvcc", "/usr/local/cuda-13.0/bin/ptxas")) and \
            not UNPACKAGED_OK.match("/usr/local/cudafake/bin/x"), "toolkit prefix"
        # Embedded Python: "from an older run" is prose, "from x import y" is code.
        assert [a or b for a, b in EMBEDDED_IMPORT.findall('"from an older run"; "import sys\\nfrom nibabel.nicom import w"')] == \
            ["sys", "nibabel"], "embedded imports"
        if failures or wrong:
            print("self-test FAILED:\n  missing: " + "\n  missing: ".join(failures) + "\n  wrong: " + "\n  wrong: ".join(wrong))
            print("  problems were:\n    " + "\n    ".join(problems))
            return 1
    print("self-test: every planted gap was reported")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--venv-python", default=os.path.join(DEFAULT_VENV, "bin", "python"))
    parser.add_argument("--self-test", action="store_true", help="check the checker on planted gaps")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(args.root, args.venv_python)
    for p in problems:
        print(p)
    print(f"check_dependencies: {len(problems)} problem(s)" if problems else
          "check_dependencies: every module and command the code uses comes from tools/deps/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
