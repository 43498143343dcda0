#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""attach-cycles.py [N]: N (default 100) watch attach/detach cycles on a
running TCG QEMU (no KVM needed), alternately --method uprobe and
--method ptrace.  Each cycle: tests/watch/watch-run
attaches to every QEMU thread, QMP query-status is asked while attached,
SIGINT detaches; then QEMU must not be traced, not stopped (/proc stat
state R or S) and QMP must answer "running".  Also checks that the guest
was never reset or stopped (no RESET/STOP/SHUTDOWN QMP events).
Prints ok/FAIL lines and the time per cycle; exit 1 on FAIL, 77 to skip."""
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
here = os.path.dirname(os.path.abspath(__file__))
if not shutil.which("qemu-system-x86_64"):
    print("skip: no qemu-system-x86_64 (run tests/watch/install-deps.sh)")
    sys.exit(77)
bindir = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "watch-tests")
if subprocess.call(["make", "-s", "-C", here, "O=" + bindir], stdout=subprocess.DEVNULL):
    print("FAIL build")
    sys.exit(1)
tmp = tempfile.mkdtemp(prefix="im-watch-cycles.")
sock, pidfile = os.path.join(tmp, "qmp.sock"), os.path.join(tmp, "qemu.pid")
qemu = subprocess.Popen(["timeout", "1200", "qemu-system-x86_64", "-accel", "tcg",
                         "-nic", "none", "-display", "none", "-nodefaults", "-m", "64M",
                         "-serial", "none", "-monitor", "none", "-pidfile", pidfile,
                         "-qmp", "unix:%s,server=on,wait=off" % sock])


class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)
        self.f = self.s.makefile("rw")
        self.events = []
        self.reply()
        self.cmd("qmp_capabilities")

    def reply(self):
        while True:
            msg = json.loads(self.f.readline())
            if "event" in msg:
                self.events.append(msg["event"])
                continue
            return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        return self.reply()


for _ in range(200):
    if os.path.exists(sock) and os.path.exists(pidfile) and open(pidfile).read().strip():
        break
    time.sleep(0.05)
qpid = int(open(pidfile).read())
q = QMP(sock)


def state(pid):
    s = open("/proc/%d/stat" % pid).read()
    return s[s.rindex(")") + 2]


def tracer(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    return -1


fails = 0
bad = {"rc": 0, "state": 0, "traced": 0, "qmp": 0, "attach": 0}
threads = set()
stops = 0
t0 = time.time()
methods = ("uprobe", "ptrace")       # alternately
for c in range(N):
    w = subprocess.Popen([os.path.join(bindir, "watch-run"), "--method", methods[c % 2], str(qpid)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = w.stdout.readline()
    if not line.startswith("watching"):
        bad["attach"] += 1
    mt = re.search(r"\((\d+) threads\)", line)
    threads.add(mt.group(1) if mt else "?")
    r = q.cmd("query-status")  # answered while every thread is traced
    if r.get("return", {}).get("status") != "running":
        bad["qmp"] += 1
    w.send_signal(signal.SIGINT)
    out, err = w.communicate(timeout=60)
    if w.returncode != 0:
        bad["rc"] += 1
        print("cycle %d: watch-run exit %d: %s" % (c, w.returncode, err.strip()))
    if "syscall_stops" in err:
        stops += int(err.split("syscall_stops")[1].split()[0])
    # stopped (t, T) is the failure; running, sleeping or in disk sleep
    # (D) is not, and a loaded machine gets 2 s to schedule it
    for _ in range(200):
        st = state(qpid)
        if st not in "tT":
            break
        time.sleep(0.01)
    if st in "tT":
        bad["state"] += 1
        print("cycle %d: QEMU state %s" % (c, st))
    if tracer(qpid) != 0:
        bad["traced"] += 1
    r = q.cmd("query-status")
    if r.get("return", {}).get("status") != "running":
        bad["qmp"] += 1
        print("cycle %d: %s" % (c, r))
t1 = time.time()


def check(cond, name):
    global fails
    print(("ok " if cond else "FAIL ") + name)
    fails += 0 if cond else 1


check(bad["attach"] == 0, "%d cycles: attached each time (%d failed)" % (N, bad["attach"]))
check(bad["rc"] == 0, "%d cycles: watch-run exit 0 after SIGINT (%d not)" % (N, bad["rc"]))
check(bad["state"] == 0, "%d cycles: QEMU never left stopped (%d)" % (N, bad["state"]))
check(bad["traced"] == 0, "%d cycles: QEMU never left traced (%d)" % (N, bad["traced"]))
check(bad["qmp"] == 0, "%d cycles: QMP query-status running while attached and after (%d)"
      % (N, bad["qmp"]))
check(qemu.poll() is None, "QEMU alive")
bad_ev = [e for e in q.events if e in ("RESET", "STOP", "SHUTDOWN", "GUEST_PANICKED")]
check(not bad_ev, "no RESET/STOP/SHUTDOWN events (%s)" % ",".join(bad_ev))
print("threads attached per cycle: %s; syscall stops in all: %d; %.2f s per cycle"
      % (",".join(sorted(threads)), stops, (t1 - t0) / N))
q.cmd("quit")
qemu.wait(timeout=30)
shutil.rmtree(tmp)
print("attach-cycles: %d failed" % fails)
sys.exit(1 if fails else 0)
