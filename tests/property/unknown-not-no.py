#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
tests/property/unknown-not-no.py BIN: the three-state property (issue 13).

No text or JSON output may say "no" or "not" about what a source that is
not ok would have told: such a sentence must carry its "unknown" (unknown,
not known, unavailable, not read, could not, cannot tell, give --...).
For every golden case (tests/expected/*/cases over their fixture, and
tests/pastes/*/cases in paste mode) the sources' statuses come from the
same inputs as a --json report; then every line of the case's golden
output, and every message/meaning string of a JSON one, is checked against
the claims each source stands behind.  Prints ok/FAIL lines and a count.
"""
import json
import os
import re
import subprocess
import sys

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/iommu-map"
# what a negative claim about each source's domain looks like
CLAIMS = {
    "memslots": re.compile(r"\b(no|not|none)\b[^.;:]{0,60}\bmemslots?\b|\bmemslots?\b[^.;]{0,20}\bnone\b", re.I),
    "kvm-walk": re.compile(r"\b(no|not|none)\b[^.;:]{0,40}\b(present|faulted|walk|leaf|leaves)\b", re.I),
    "proc": re.compile(r"\b(no|not)\b[^.;:]{0,40}\b(mapping|maps|KVM VM|fd)\b", re.I),
    "pci": re.compile(r"\b(no|not)\b[^.;:]{0,40}\b(host BAR|device|BAR)\b", re.I),
}
HEDGE = re.compile(r"unknown|not known|unavailable|not read|could not (be )?read|"
                   r"cannot (tell|know|be read|read)|give --|without (a|the) (module|host|target)|"
                   r"no target|paste mode|in the paste|pasted|not checked|whether|"
                   # a sentence that names the line it read says what that line says
                   r"\S+:\d+: ", re.I)
# sentences the property must catch (the checker's own test)
MUST_FAIL = [("memslots", "no memslot maps it, so the guest cannot reach it through KVM"),
             ("memslots", "memslots: none"),
             ("memslots", "as a GPA: in no memslot"),
             ("kvm-walk", "not faulted in: no page present"),
             ("proc", "the target holds no KVM VM fd: it runs without KVM (TCG)")]


def base_args(args):
    """the inputs of a case, as a report: no explain ADDR, --mtree FILE, --json, -s"""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("explain", "--mtree", "-s"):
            i += 2
            continue
        if a != "--json" and a != "-j":
            out.append(a)
        i += 1
    return out


def statuses(cache, pre, args):
    key = tuple(pre + args)
    if key not in cache:
        p = subprocess.run([BIN] + pre + args + ["--json"], capture_output=True, text=True)
        try:
            cache[key] = {s["name"]: s["status"] for s in json.loads(p.stdout)["sources"]}
        except (ValueError, KeyError):
            cache[key] = None
    return cache[key]


def strings(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("message", "meaning") and isinstance(v, str):
                yield v
            else:
                yield from strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings(v)


def sentences(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        return list(strings(json.loads(text)))
    except ValueError:
        # the sources table says why a source is not ok: that is its place
        return [l for l in text.splitlines()
                if not re.match(r"\s+(%s)\s+(partial|unavailable)" % "|".join(CLAIMS), l)]


def self_test():
    """the checker flags each sentence it exists to catch"""
    missed = [t for s, t in MUST_FAIL if not CLAIMS[s].search(t) or HEDGE.search(t)]
    for t in missed:
        print("FAIL three states: the checker lets %r pass" % t)
    if not missed:
        print("ok three states: the checker flags its %d known-bad sentences" % len(MUST_FAIL))
    return len(missed)


def main():
    if self_test():
        return 1
    cache, checked, bad, skipped = {}, 0, 0, 0
    cases = []
    for fx in sorted(os.listdir("tests/expected")):
        cf = os.path.join("tests/expected", fx, "cases")
        if os.path.exists(cf):
            cases.append((cf, ["--sysroot", os.path.join("tests/fixtures", fx)],
                          os.path.join("tests/expected", fx)))
    for pd in sorted(os.listdir("tests/pastes")):
        cf = os.path.join("tests/pastes", pd, "cases")
        if os.path.exists(cf):
            cases.append((cf, [], os.path.join("tests/pastes", pd, "expected")))
    for cf, pre, exp in cases:
        for line in open(cf):
            if not line.strip() or line.startswith("#"):
                continue
            name, _, args = line.rstrip("\n").partition("\t")
            st = statuses(cache, pre, base_args(args.split()))
            if st is None:
                skipped += 1
                continue
            weak = [s for s, v in st.items() if v != "ok" and s in CLAIMS]
            for ext in (".out", ".err"):
                path = os.path.join(exp, name + ext)
                if not os.path.exists(path):
                    continue
                for sent in sentences(path):
                    for s in weak:
                        m = CLAIMS[s].search(sent)
                        if m and not HEDGE.search(sent):
                            bad += 1
                            print("FAIL %s%s: says %r about %s, which is %s: %s" % (
                                path, "", m.group(0), s, st[s], sent.strip()[:240]))
                checked += 1
    print("ok three states: %d golden outputs checked (%d cases without a report to read "
          "statuses from)" % (checked, skipped) if not bad else
          "FAIL three states: %d sentences say no/not about a source that is not ok" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
