#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/qmp.py - a minimal QMP client for the gdb tests.
#   qmp.py SOCKET CMD [JSON-ARGS]        prints the "return" value as JSON
#   qmp.py SOCKET hmp 'COMMAND LINE'     prints the HMP text
import json
import socket
import sys


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())                     # greeting

    def call(name, args=None):
        msg = {"execute": name}
        if args is not None:
            msg["arguments"] = args
        f.write(json.dumps(msg) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r:
                return r["return"]
            if "error" in r:
                sys.exit("qmp: %s: %s" % (name, r["error"].get("desc")))
            # an event: keep reading

    call("qmp_capabilities")
    if cmd == "hmp":
        sys.stdout.write(call("human-monitor-command",
                              {"command-line": sys.argv[3]}))
    else:
        args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
        print(json.dumps(call(cmd, args), indent=1))


if __name__ == "__main__":
    main()
