#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""schema-check.py [FILE...]: the JSON contract, checked with a real validator.

schema/iommu-map-1.schema.json is checked against the draft 2020-12
metaschema, its finding codes against src/findings.def (both ways), and it
must reject a few broken documents.  Then each FILE is validated: one JSON
document (the report, explain, --mtree), or JSON lines (watch --json: one
event a line).  Prints "ok ..." or "FAIL ..." per check.

Runs with Debian's python3-jsonschema (tests/deps.sh installs it): bookworm
has 4.10, trixie 4.19; both have Draft202012Validator and FORMAT_CHECKER.
"""
import copy
import json
import os
import re
import sys

import jsonschema
from jsonschema import Draft202012Validator as V

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab"))
from labcheck import _schema_branch as branch  # noqa: E402  (one rule for which $defs entry a document is)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = os.path.join(ROOT, "schema", "iommu-map-1.schema.json")
FINDINGS = os.path.join(ROOT, "src", "findings.def")
failed = 0


def check(ok, what, why=""):
    global failed
    print(("ok " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why))
    if not ok:
        failed += 1


def why(validator, doc):
    """The error jsonschema finds most relevant, with where it is, or None."""
    if validator.is_valid(doc):
        return None
    e = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    name = branch(doc)
    if name in validator.schema["$defs"]:
        sub = dict(validator.schema)
        del sub["oneOf"]
        sub["$ref"] = "#/$defs/" + name
        e = jsonschema.exceptions.best_match(
            V(sub, format_checker=V.FORMAT_CHECKER).iter_errors(doc)) or e
    return "at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300])


def documents(path):
    """(label, doc) for a file of one JSON document or of JSON lines."""
    text = open(path, encoding="utf-8").read()
    try:
        return [(path, json.loads(text))]
    except ValueError:
        pass
    docs = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                docs.append(("%s:%d" % (path, n), json.loads(line)))
            except ValueError as e:
                docs.append(("%s:%d" % (path, n), e))
    return docs


def self_checks(schema, v):
    V.check_schema(schema)
    check(True, "schema: %s is a valid draft 2020-12 schema" % os.path.relpath(SCHEMA, ROOT))
    codes = set(re.findall(r'^X\([A-Z0-9_]+, "([a-z0-9-]+)"', open(FINDINGS).read(), re.M))
    enum = set(schema["$defs"]["finding_code"]["enum"])
    check(codes and codes == enum, "schema: finding codes are those of src/findings.def (%d)" % len(codes),
          "in findings.def only: %s; in the schema only: %s" %
          (sorted(codes - enum) or "none", sorted(enum - codes) or "none"))


# (what, a mutation of a report that the schema must reject)
def _bad_hex(d):
    d["devices"][0]["bars"][0]["hpa"] = d["devices"][0]["bars"][0]["hpa"].upper().replace("0X", "0x")
    if d["devices"][0]["bars"][0]["hpa"] == d["devices"][0]["bars"][0]["hpa"].lower():
        d["devices"][0]["bars"][0]["hpa"] = "0x0" + d["devices"][0]["bars"][0]["hpa"][2:]


REJECT = [
    ("a number where a hex string belongs", lambda d: d["devices"][0]["bars"][0].update(hpa=4096)),
    ("a hex string with upper case or a leading zero", _bad_hex),
    ("a missing key", lambda d: d["target"].pop("kernel")),
    ("a key the contract does not have", lambda d: d["target"].update(extra=1)),
    ("null where unknown is not allowed", lambda d: d["devices"][0]["bars"][0].update(size=None)),
    ("a finding code not in findings.def", lambda d: d["findings"].append(
        {"severity": "info", "code": "no-such-code", "subject": "x", "message": "y"})),
    ("a severity not in the list", lambda d: d["findings"].append(
        {"severity": "fatal", "code": "io-bar", "subject": "x", "message": "y"})),
    ("another schema version", lambda d: d.update(schema="iommu-map/2")),
]


def rejects(v, report):
    for what, mutate in REJECT:
        d = copy.deepcopy(report)
        mutate(d)
        check(not v.is_valid(d), "schema rejects %s" % what)


def main(files):
    schema = json.load(open(SCHEMA))
    try:
        self_checks(schema, None)
    except jsonschema.exceptions.SchemaError as e:
        check(False, "schema: a valid draft 2020-12 schema", str(e)[:300])
        return 1
    v = V(schema, format_checker=V.FORMAT_CHECKER)
    report = None
    n = 0
    for path in files:
        for label, doc in documents(path):
            n += 1
            if isinstance(doc, Exception):
                check(False, "schema %s" % label, "not JSON: %s" % doc)
                continue
            w = why(v, doc)
            check(w is None, "schema %s" % label, w)
            if report is None and isinstance(doc, dict) and doc.get("devices") and \
                    doc["devices"][0].get("bars"):
                report = doc
    if report is not None:
        rejects(v, report)
    else:
        check(False, "schema rejects broken reports", "no report with a BAR among the files")
    print("schema: %d documents in %d files" % (n, len(files)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
