#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/svg-check.py SVG JSON: the numbers of a picture (--svg) against the
report JSON of the same model, both ways.  Every box of the SVG carries its
numbers as data-* attributes (src/views/svg.c); from the JSON this works out
the boxes, memslot bands, trapped stretches, findings and markers the picture
must hold, and compares the two as multisets.  Prints one line per
disagreement and exits 1 if there is any; else prints a summary, exit 0."""
import json, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def num(s):
    return int(s, 16) if s is not None else None


def expected(doc):
    """what the JSON says the picture must show"""
    boxes, bands, traps = [], [], []
    for d in doc["devices"]:
        bdf = d["bdf"]
        for b in d["bars"]:
            i, hpa, size = b["index"], num(b["hpa"]), num(b["size"])
            for t in b["trapped"] or []:
                traps.append((bdf, i, num(t["bar_offset"]), num(t["size"]), t["why"]))
            if b["kind"] == "io":
                boxes.append(("io", bdf, i, hpa, size))
                continue
            boxes.append(("hpa", bdf, i, hpa, size))
            for mm in b["mmaps"]:
                boxes.append(("hva", bdf, i, num(mm["hva"]), num(mm["size"]),
                              num(mm["bar_offset"]), num(mm["maps_offset"])))
            if not b["mmaps"]:
                boxes.append(("hva", bdf, i, "no address"))
            if b["guest_gpa"] is not None:
                boxes.append(("gpa", bdf, i, num(b["guest_gpa"]), size))
            elif b["guest"]:
                boxes += [("gpa", bdf, i, num(g["gpa"]), num(g["size"]), k) for k, g in enumerate(b["guest"])]
            else:
                boxes.append(("gpa", bdf, i, "no address"))
            for g in b["guest"]:
                gpa, hva, gsize = num(g["gpa"]), num(g["hva"]), num(g["size"])
                in_mmap = any(num(m["hva"]) <= hva < num(m["hva"]) + num(m["size"]) for m in b["mmaps"])
                gbase = num(b["guest_gpa"]) if b["guest_gpa"] is not None else None
                in_guest = gbase is None or gbase <= gpa < gbase + size
                if in_mmap and in_guest:
                    bands.append((bdf, i, gpa, hva, gsize, g["slot"] if g["slot"] is not None else -1))
    findings = [(k + 1, f["severity"], f["code"]) for k, f in enumerate(doc["findings"])]
    return boxes, bands, traps, findings


def drawn(root):
    """what the SVG holds"""
    boxes, bands, traps, findings, markers = [], [], [], [], []
    for g in root.iter(NS + "g"):
        cls, a = g.get("class"), g.attrib
        if cls == "box":
            sp, bdf, i = a["data-space"], a["data-bdf"], int(a["data-bar"])
            if "data-unknown" in a or "data-none" in a:
                boxes.append((sp, bdf, i, "no address"))
                continue
            box = (sp, bdf, i, num(a["data-" + sp]), num(a["data-size"]))
            if sp == "hva":
                box += (num(a["data-bar-offset"]), num(a["data-maps-offset"]))
            if "data-piece" in a:
                box += (int(a["data-piece"]),)
            boxes.append(box)
            if sp in ("hpa", "io"):
                traps += [(bdf, i, num(r.get("data-bar-offset")), num(r.get("data-size")), r.get("data-why"))
                          for r in g.iter(NS + "rect") if r.get("class") == "trap"]
        elif cls == "memslot":
            bands.append((a["data-bdf"], int(a["data-bar"]), num(a["data-gpa"]), num(a["data-hva"]),
                          num(a["data-size"]), int(a["data-slot"])))
        elif cls == "finding":
            findings.append((int(a["data-finding"]), a["data-severity"], a["data-code"]))
        elif cls == "marker":
            markers.append((int(a["data-finding"]), a["data-code"], a["data-bdf"], int(a["data-bar"])))
    return boxes, bands, traps, findings, markers


def compare(what, want, got, out):
    w, g = sorted(map(repr, want)), sorted(map(repr, got))
    for x in sorted(set(w) - set(g)):
        out.append("%s: in the JSON, not drawn: %s" % (what, x))
    for x in sorted(set(g) - set(w)):
        out.append("%s: drawn, not in the JSON: %s" % (what, x))
    if not out and w != g:
        out.append("%s: counts differ: %d in the JSON, %d drawn" % (what, len(w), len(g)))


def main():
    svg, js = sys.argv[1], sys.argv[2]
    root = ET.parse(svg).getroot()
    with open(js) as f:
        doc = json.load(f)
    ebox, eband, etrap, efind = expected(doc)
    dbox, dband, dtrap, dfind, dmark = drawn(root)
    out = []
    compare("box", ebox, dbox, out)
    compare("memslot", eband, dband, out)
    compare("trapped", etrap, dtrap, out)
    compare("finding", efind, dfind, out)
    for n, code, bdf, bar in dmark:
        f = doc["findings"][n - 1] if 0 < n <= len(doc["findings"]) else None
        if not f or f["code"] != code or not f["subject"].startswith(bdf) or \
           (" BAR " in f["subject"] and not f["subject"].endswith("BAR %d" % bar)):
            out.append("marker %d (%s) on %s BAR %d: not its finding's subject" % (n, code, bdf, bar))
    for line in out:
        print(line)
    if out:
        return 1
    print("%d boxes, %d memslots, %d trapped, %d findings (%d marked) match the JSON"
          % (len(dbox), len(dband), len(dtrap), len(dfind), len(dmark)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
