#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's watchdog for a wedged L1 (tests/lab/run.sh starts it beside L0).

L1 once stopped making progress in CI with one of its CPUs dead: its kernel
reported RCU stalls on CPU 0 ("timer wakeup didn't happen ... cpu=0") every
20-60 s for 14 minutes, and l1.py printed nothing more, not even its own
timeouts, until the lab's limit killed L0 and every scenario left was lost.

This reads L1's console as it grows and calls L1 wedged when either
  - the kernel keeps reporting stalls (RCU stalls, soft or hard lockups, hung
    tasks) for STALL seconds with no progress line from l1.py in between, or
    has reported one and no progress line has come for 1.5 STALL seconds: a
    stall that clears is let go; or
  - no progress line has come for SILENCE seconds, more than any step of
    l1.py may take (HOOK_TIMEOUT, 480 s).
Then it writes the reason to WEDGED, and into DUMP the state of L0's threads
(each one's name, state, wait channel and CPU time, twice, 2 s apart: a vCPU
thread asleep in the kernel is the outer QEMU stuck, one burning CPU is L1
looping), their stacks (gdb, where the root has it) and the registers of every CPU of L1 from L0's monitor (QMP: info
cpus, info registers -a), and quits L0; the pid file is the fallback.
run.sh then treats it as a death of L1.

  wedge.py --watch CONSOLE OFFSET MONITOR PIDFILE WEDGED DUMP
  wedge.py --replay CONSOLE       the decision alone, on a saved console, with
                                  the kernel's printk times as the clock
Env: LAB_WEDGE_STALL (default 240), LAB_WEDGE_SILENCE (default 720).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

# l1.py's own lines (run.sh shows the same ones)
PROGRESS = re.compile(r"^(LAB:|PASS|FAIL|INFO|SCENARIO|----|  )")
STALL = re.compile(r"rcu: INFO: rcu_\w+ detected (expedited )?stalls|rcu_\w+ kthread starved"
                   r"|watchdog: BUG: soft lockup|Watchdog detected hard LOCKUP"
                   r"|blocked for more than \d+ seconds")
KTIME = re.compile(r"^\[\s*(\d+\.\d+)\]")


class Judge:
    def __init__(self, stall, silence, t0):
        self.stall, self.silence = stall, silence
        self.progress = t0      # time of the last progress line (or the start)
        self.first = None       # first stall line since then
        self.nstall = 0
        self.last_line = ""

    def feed(self, line, t):
        if PROGRESS.match(line):
            self.progress, self.first, self.nstall = t, None, 0
            self.last_line = line.strip()[:120]
        elif STALL.search(line):
            if self.first is None:
                self.first = t
            self.nstall += 1
            if t - self.first >= self.stall:
                return ("the kernel reported stalls for %.0f s (%d stall lines) with no progress line"
                        " since '%s'" % (t - self.first, self.nstall, self.last_line or "the boot"))
        return None

    def tick(self, t):
        # stalls reported, then nothing at all: L1 may have stopped printing
        # them too (in CI it did, 14 minutes on); 1.5 times the stall limit
        if self.first is not None and t - self.first >= 1.5 * self.stall:
            return ("the kernel reported stalls (%d stall lines), then no progress line for %.0f s"
                    " since the first (the last progress: '%s')"
                    % (self.nstall, t - self.first, self.last_line or "the boot"))
        if t - self.progress >= self.silence:
            return ("no progress line for %.0f s (the last: '%s')"
                    % (t - self.progress, self.last_line or "the boot"))
        return None


def limits():
    return (float(os.environ.get("LAB_WEDGE_STALL", 240)),
            float(os.environ.get("LAB_WEDGE_SILENCE", 720)))


def replay(path):
    st, si = limits()
    j, t = None, 0.0
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = KTIME.match(line)
            if m:
                t = float(m.group(1))
            if j is None:
                j = Judge(st, si, t)
            why = j.feed(line.rstrip("\n"), t) or j.tick(t)
            if why:
                print("wedged at line %d (kernel time %.1f s): %s" % (n, t, why))
                return 0
    print("not wedged")
    return 0


def qmp(path, cmds, out):
    """Ask L0's monitor (QMP on a unix socket; HMP commands through
    human-monitor-command) and append what it says; "quit" ends L0."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(path)
    f = s.makefile("rwb")

    def call(cmd, args=None):
        f.write(json.dumps({"execute": cmd, "arguments": args or {}}).encode() + b"\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise OSError("L0's monitor closed the connection")
            r = json.loads(line)
            if "return" in r or "error" in r:
                return r
    f.readline()    # the greeting
    call("qmp_capabilities")
    for c in cmds:
        if c == "quit":
            try:
                call("quit")
            except OSError:
                pass
            break
        r = call("human-monitor-command", {"command-line": c})
        out.write("==== (qemu) %s\n%s" % (c, r.get("return", "error: %s\n" % r.get("error"))))
    s.close()


def threads(pid, out):
    """name, state, wchan and CPU time (utime+stime, ticks) of each thread of pid"""
    base = "/proc/%d/task" % pid
    try:
        tids = sorted(os.listdir(base), key=int)
    except OSError as e:
        out.write("%s: %s\n" % (base, e))
        return
    for tid in tids:
        d = os.path.join(base, tid)
        try:
            with open(d + "/stat") as f:
                st = f.read()
            with open(d + "/wchan") as f:
                wchan = f.read().strip() or "-"
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        rest = st[st.rindex(")") + 2:].split()
        out.write("  %-8s %-18s %s cpu %6d  wchan %s\n"
                  % (tid, comm, rest[0], int(rest[11]) + int(rest[12]), wchan))


def backtraces(pid, out):
    """every thread's stack in L0 QEMU, by gdb where the root has it (QEMU is
    stopped for that moment; it is quit right after)"""
    gdb = shutil.which("gdb")
    if not gdb:
        out.write("==== no gdb here: no backtraces of L0 QEMU's threads\n")
        return
    out.write("==== gdb: thread apply all bt 16 (pid %d)\n" % pid)
    try:
        r = subprocess.run([gdb, "-nx", "-batch", "-p", str(pid), "-ex", "set pagination off",
                            "-ex", "thread apply all bt 16"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=90)
        lines = r.stdout.decode(errors="replace").splitlines()
        out.write("\n".join(l for l in lines[:600] if l.startswith(("Thread", "#")) or not l) + "\n")
    except (OSError, subprocess.SubprocessError) as e:
        out.write("gdb: %s\n" % e)


def alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def watch(console, offset, monitor, pidfile, wedged, dump):
    st, si = limits()
    j = Judge(st, si, time.monotonic())
    started = time.monotonic()
    pos, part = int(offset), ""
    while True:
        time.sleep(2)
        pid = alive(pidfile)
        if pid is None and time.monotonic() - started > 30:
            return 0    # L0 has ended (30 s: it may not have written its pid yet)
        try:
            with open(console, "rb") as f:
                f.seek(pos)
                data = f.read()
        except OSError:
            data = b""
        pos += len(data)
        lines = (part + data.decode(errors="replace")).split("\n")
        part = lines.pop()
        now = time.monotonic()
        why = None
        for line in lines:
            why = why or j.feed(line, now)
        why = why or j.tick(now)
        if why and pid:
            with open(wedged, "w") as f:
                f.write(why + "\n")
            with open(dump, "w") as out:
                out.write("L1 wedged: %s\n" % why)
                for k in (1, 2):
                    out.write("==== L0 QEMU's threads (pid %d), %s\n" % (pid, "now" if k == 1 else "2 s later"))
                    threads(pid, out)
                    if k == 1:
                        time.sleep(2)
                backtraces(pid, out)
                try:
                    qmp(monitor, ["info status", "info cpus", "info registers -a", "quit"], out)
                except (OSError, ValueError) as e:
                    out.write("L0's monitor %s: %s\n" % (monitor, e))
            for _ in range(10):
                if alive(pidfile) is None:
                    return 0
                time.sleep(1)
            os.kill(pid, signal.SIGKILL)
            return 0


def main(a):
    if len(a) == 2 and a[0] == "--replay":
        return replay(a[1])
    if len(a) == 7 and a[0] == "--watch":
        return watch(*a[1:])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
