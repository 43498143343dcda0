#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/check_docs.py DIR... - every module, class, command and helper
# (function or method, nested ones too; not __dunder__ methods) of the gdb
# script's Python files in DIR has a docstring.  One ok/FAIL line per file.
import ast
import glob
import os
import sys

for d in sys.argv[1:]:
    for p in sorted(glob.glob(os.path.join(d, "*.py"))):
        with open(p) as f:
            tree = ast.parse(f.read(), p)
        missing = [] if ast.get_docstring(tree) else ["the module"]
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not (
                    n.name.startswith("__") and n.name.endswith("__")) \
                    and not ast.get_docstring(n):
                missing.append("%s (line %d)" % (n.name, n.lineno))
        rel = os.path.relpath(p, os.path.dirname(os.path.abspath(d)))
        if missing:
            print("FAIL docstrings: %s: none for %s" % (rel, ", ".join(missing)))
        else:
            print("ok docstrings: %s" % rel)
