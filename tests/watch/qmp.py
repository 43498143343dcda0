#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qmp.py SOCK CMD [ARGS-JSON]: run one QMP command, print its "return" as
JSON on one line; exit 1 on an error reply or no answer within 10 s.
Asynchronous events in between are skipped (printed to stderr with -v)."""
import json
import socket
import sys

verbose = "-v" in sys.argv
argv = [a for a in sys.argv[1:] if a != "-v"]
if len(argv) < 2:
    sys.exit("usage: qmp.py [-v] SOCK CMD [ARGS-JSON]")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(argv[0])
f = s.makefile("rw")


def reply():
    while True:
        line = f.readline()
        if not line:
            sys.exit("qmp: connection closed")
        msg = json.loads(line)
        if "event" in msg:
            if verbose:
                print(line.strip(), file=sys.stderr)
            continue
        return msg


reply()  # greeting
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
f.flush()
reply()
cmd = {"execute": argv[1]}
if len(argv) > 2:
    cmd["arguments"] = json.loads(argv[2])
f.write(json.dumps(cmd) + "\n")
f.flush()
r = reply()
if "error" in r:
    print(json.dumps(r["error"]))
    sys.exit(1)
print(json.dumps(r["return"]))
