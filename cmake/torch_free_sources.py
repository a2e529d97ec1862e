#!/usr/bin/python3
"""Lists the project's .cpp/.cu files that never include a LibTorch header, directly or through
the project's own headers, one absolute path per line (CMakeLists.txt reads it at configure time).

Why: every target reuses one precompiled <torch/torch.h> (~700 MB). Loading it costs a file that
needs no torch ~10x its own compile time (remove_tree.cpp: 2.0 s without, 19.8 s with, measured
2026-12-07 on 2 cores), and about half of the files need no torch. A wrong answer here only
costs speed: a file built without the PCH still includes what it uses.

  cmake/torch_free_sources.py ROOT [--self-test]
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
TORCH_PREFIXES = ("torch/", "ATen/", "c10/", "caffe2/")
SOURCE_DIRS = ("src", "tests", "bench", "tools", "fuzz")
# Where the project's own includes resolve, after the including file's folder.
INCLUDE_DIRS = ("include", "src", "tests")


class Scanner:
    def __init__(self, root):
        self.root = root
        self.needs = {}  # path -> includes torch (transitively)

    def resolve(self, name, including):
        for base in (os.path.dirname(including),) + tuple(os.path.join(self.root, d) for d in INCLUDE_DIRS):
            path = os.path.normpath(os.path.join(base, name))
            if os.path.isfile(path):
                return path
        return None  # a system or third-party header: none of those includes torch

    def needs_torch(self, path):
        if path in self.needs:
            return self.needs[path]
        self.needs[path] = False  # an include cycle adds nothing new
        with open(path, encoding="utf-8", errors="replace") as handle:
            names = INCLUDE.findall(handle.read())
        result = any(n.startswith(TORCH_PREFIXES) or
                     ((p := self.resolve(n, path)) is not None and self.needs_torch(p)) for n in names)
        self.needs[path] = result
        return result


def torch_free_sources(root):
    scanner = Scanner(root)
    found = []
    for top in SOURCE_DIRS:
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                path = os.path.join(folder, name)
                if name.endswith((".cpp", ".cu")) and not scanner.needs_torch(path):
                    found.append(path)
    return sorted(found)


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as handle:
                handle.write(text)
        write("include/tessera/a.h", "#pragma once\n#include <torch/types.h>\n")
        write("include/tessera/b.h", '#pragma once\n#include "tessera/c.h"\n#include <vector>\n')
        write("include/tessera/c.h", '#pragma once\n#include "tessera/b.h"\n')  # a cycle
        write("src/x/uses.cpp", '#include "tessera/b.h"\n#include "tessera/a.h"\n')
        write("src/x/free.cpp", '#include "tessera/b.h"\n')
        write("src/x/local.cpp", '#include "local.h"\n')
        write("src/x/local.h", "#include <ATen/ATen.h>\n")
        write("tests/x/t_test.cpp", "#include <gtest/gtest.h>\n")
        got = [os.path.relpath(p, root) for p in torch_free_sources(root)]
        assert got == ["src/x/free.cpp", "tests/x/t_test.cpp"], got
    print("torch_free_sources: self-test passed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print("\n".join(torch_free_sources(os.path.abspath(sys.argv[1]))))
