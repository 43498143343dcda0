#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
tests/property/unknown-not-no.py BIN: the three-state property (issue 13).

No text or JSON output may say "no" or "not" about what a source that is
not ok would have told: such a sentence must carry its "unknown" (unknown,
not known, unavailable, not read, could not, cannot tell, give --...).
For every golden case (tests/expected/*/cases over their fixture, and
tests/pastes/*/cases in paste mode) the sources' statuses come from the
same inputs as --json: the report's, or with --mtree the memory tree's
document, which carries the same sources; then every line of the case's
golden output, and every message/meaning string of a JSON one, is checked
against the claims each source stands behind.  The hedges are narrow: an
"unknown" word, a "give --" or "not checked", or the evidence a sentence
names for its "no" (the file:line of the trace line that says it, right
before the claim; the FlatView whose other ranges QEMU marks " KVM"; the
other process a paste was found to describe).  The source-unavailable
finding and the sources table are where a status is said, and are not
checked.  Prints ok/FAIL lines and a count.
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
    "maps-paste": re.compile(r"\b(no|not|none)\b[^.;:]{0,40}\b(mappings?|maps)\b", re.I),
}
HEDGE = re.compile(r"unknown|not known|unavailable|not read|could not (be )?read|"
                   r"cannot (tell|know|be read|read)|give --|without (a|the) (module|host|target)|"
                   r"no target|paste mode|not checked|"
                   # the evidence of a "no" that a read text gives
                   r"QEMU marks other ranges of this FlatView|"
                   r"the paste (describes|comes from) another process", re.I)
# a sentence that names the line it read says what that line says: the claim
# right after "FILE:N: ", in the same clause
LINE_SAYS = re.compile(r"\S+:\d+: [^;()]*$")
# sentences the property must catch (the checker's own test)
MUST_FAIL = [("memslots", "no memslot maps it, so the guest cannot reach it through KVM"),
             ("memslots", "memslots: none"),
             ("memslots", "as a GPA: in no memslot"),
             ("kvm-walk", "not faulted in: no page present"),
             ("proc", "the target holds no KVM VM fd: it runs without KVM (TCG)"),
             # issue 13's audit: the KVM-SMRAM FlatView of paste 09, which carries no mark
             ("memslots", "no KVM memslot matches this range exactly (not page-aligned, or shares "
                          "a page with MMIO): guest accesses outside a page-aligned slot trap to QEMU"),
             # what the old hedges let through: "pasted", "whether", any FILE:N:
             ("memslots", "the pasted range: no memslot maps it"),
             ("memslots", "whether it traps: no memslot maps it"),
             ("memslots", "a GPA inside \"pc.ram\" (paste.txt:9: 0x100000-0xbfffffff, ram), at "
                          "offset 0x10 in it; no KVM memslot maps it"),
             ("maps-paste", "0x7f2ad4108010 is in none of the pasted mappings")]
# sentences it must let through: a "no" whose evidence the sentence names
MUST_PASS = [("memslots", "t.txt:1: KVM did not take memslot 10 (address space 0) for GPA "
                          "0xfebd1000-0xfebd1fff: -17 (EEXIST)"),
             ("memslots", "no KVM memslot matches this range exactly: QEMU marks other ranges of "
                          "this FlatView \" KVM\", not this one (it does not start and end on 4 KiB "
                          "page boundaries)"),
             ("memslots", "whether a KVM memslot maps this range is unknown: no range of its "
                          "FlatView (KVM-SMRAM) carries QEMU's KVM mark")]


def hedged(sent, m):
    """the claim m in sent carries its unknown, or names its evidence"""
    return bool(HEDGE.search(sent) or LINE_SAYS.search(sent[:m.end()]))


def base_args(args, mtree=True):
    """the inputs of a case, as a JSON document with sources: no explain ADDR,
    --json, -s; --mtree FILE kept (its document has the sources) unless not mtree"""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("explain", "-s", "--svg") or (a == "--mtree" and not mtree):
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


def case_statuses(cache, pre, args):
    """the case's sources; when its --mtree text is refused, the same inputs' without it"""
    st = statuses(cache, pre, base_args(args))
    if st is None and "--mtree" in args:
        st = statuses(cache, pre, base_args(args, mtree=False))
    return st


def strings(doc):
    if isinstance(doc, dict):
        if doc.get("code") == "source-unavailable":
            return	# the status said: the unknown state itself
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
        # the sources table, the status on stderr and the source-unavailable
        # finding say why a source is not ok: that is their place
        names = "|".join(re.escape(n) for n in CLAIMS)
        return [l for l in text.splitlines()
                if not re.match(r"\s+(%s)\s+(partial|unavailable)" % names, l) and
                not re.match(r"iommu-map: (%s): (partial|unavailable): " % names, l) and
                not l.rstrip().endswith("[source-unavailable]")]


def flagged(s, t):
    m = CLAIMS[s].search(t)
    return bool(m) and not hedged(t, m)


def self_test():
    """the checker flags each sentence it exists to catch, and passes those it must"""
    missed = [t for s, t in MUST_FAIL if not flagged(s, t)]
    wrong = [t for s, t in MUST_PASS if flagged(s, t)]
    for t in missed:
        print("FAIL three states: the checker lets %r pass" % t)
    for t in wrong:
        print("FAIL three states: the checker flags %r, which names its evidence" % t)
    if not missed and not wrong:
        print("ok three states: the checker flags its %d known-bad sentences and passes its %d "
              "known-good ones" % (len(MUST_FAIL), len(MUST_PASS)))
    return len(missed) + len(wrong)


def main():
    if self_test():
        return 1
    cache, checked, bad, skipped, skipped_names = {}, 0, 0, 0, []
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
            st = case_statuses(cache, pre, args.split())
            if st is None:
                # nothing read (the input refused): no source stands behind a "no"
                skipped += 1
                skipped_names.append("%s/%s" % (os.path.dirname(cf), name))
                st = {s: "not read" for s in CLAIMS}
            weak = [s for s, v in st.items() if v != "ok" and s in CLAIMS]
            for ext in (".out", ".err"):
                path = os.path.join(exp, name + ext)
                if not os.path.exists(path):
                    continue
                for sent in sentences(path):
                    for s in weak:
                        m = CLAIMS[s].search(sent)
                        if m and not hedged(sent, m):
                            bad += 1
                            print("FAIL %s%s: says %r about %s, which is %s: %s" % (
                                path, "", m.group(0), s, st[s], sent.strip()[:240]))
                checked += 1
    print("ok three states: %d golden outputs checked (%d cases refused, checked with every "
          "source unread: %s)" % (checked, skipped, ", ".join(skipped_names)) if not bad else
          "FAIL three states: %d sentences say no/not about a source that is not ok" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
