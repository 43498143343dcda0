#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/term-safe.py: what iommu-map wrote is safe, whatever the input held.

  term-safe.py text FILE...     each FILE (text output, stderr) is valid UTF-8
                                and holds no control character but the newline:
                                no C0 (ESC, BEL, CR, ...), no DEL, no C1
  term-safe.py json FILE [HAS]  FILE is valid UTF-8 and one JSON document per
                                line or one pretty one (json.loads, strict);
                                HAS, if given (in Python's escapes: \x1b,
                                \ufffd, \\), is in one of its strings

Prints one line naming what is wrong, and exits 1; exits 0 when all is well.
"""
import json
import sys


def text(path):
    data = open(path, "rb").read()
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "%s: not UTF-8 at byte %d" % (path, e.start)
    for i, c in enumerate(s):
        o = ord(c)
        if (o < 0x20 and c != "\n") or 0x7F <= o <= 0x9F:
            return "%s: raw control character U+%04X at character %d" % (path, o, i)
    return None


def strings(v):
    """every string of a JSON value, keys included"""
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)


def js(path, has=None):
    data = open(path, "rb").read()
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "%s: not UTF-8 at byte %d" % (path, e.start)
    try:
        docs = [json.loads(s)]
    except ValueError:
        try:
            docs = [json.loads(line) for line in s.splitlines() if line.strip()]
        except ValueError as e:
            return "%s: not JSON: %s" % (path, e)
    if has is not None:
        want = has.encode("ascii").decode("unicode_escape")
        if not any(want in t for d in docs for t in strings(d)):
            return "%s: no string holds %r" % (path, want)
    return None


def main(argv):
    if len(argv) >= 3 and argv[1] == "text":
        bad = next(filter(None, (text(p) for p in argv[2:])), None)
    elif len(argv) in (3, 4) and argv[1] == "json":
        bad = js(*argv[2:])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    if bad:
        print(bad)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
