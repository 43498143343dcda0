#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""stress.py [CYCLES]: attach/detach watch-run CYCLES times (default 30,
alternately --method uprobe and --method ptrace) to
a busy target (stress.c: 3 threads in syscalls, threads created all the
time) while SIGRTMIN is sent to it continuously.  Each queued signal must
arrive exactly once (none lost, none doubled), the target must never be
left stopped or traced, and it must exit normally."""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 30
here = os.path.dirname(os.path.abspath(__file__))
bindir = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "watch-tests")
if subprocess.call(["make", "-s", "-C", here, "O=" + bindir], stdout=subprocess.DEVNULL):
    print("FAIL build")
    sys.exit(1)
tmp = tempfile.mkdtemp(prefix="im-watch-stress.")
stopfile = os.path.join(tmp, "stop")
t = subprocess.Popen([os.path.join(bindir, "stress"), stopfile], stdout=subprocess.PIPE, text=True)
pid = int(t.stdout.readline().split()[1])
sent = 0
sending = True


def sender():
    global sent
    while sending:
        os.kill(pid, signal.SIGRTMIN)
        sent += 1
        time.sleep(0.001)


def state():
    s = open("/proc/%d/stat" % pid).read()
    return s[s.rindex(")") + 2]


th = threading.Thread(target=sender)
th.start()
fails = 0
bad_rc = bad_state = 0
stops = threads = passed = unprobed = 0
methods = ("uprobe", "ptrace")       # alternately
for c in range(cycles):
    w = subprocess.Popen([os.path.join(bindir, "watch-run"), "--method", methods[c % 2], str(pid)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    w.stdout.readline()
    time.sleep(0.05 + (c % 5) * 0.04)
    w.send_signal(signal.SIGINT)
    out, err = w.communicate(timeout=60)
    if c < 2:
        print("info: %s: %s" % (methods[c % 2], out.splitlines()[0][:160] if out else "?"))
    if w.returncode != 0:
        bad_rc += 1
        print("cycle %d: exit %d %s" % (c, w.returncode, err.strip()))
    if "unprobed" in err:
        unprobed += int(err.split("unprobed")[1].split()[0])
    for k in ("syscall_stops", "threads_seen", "signals_passed"):
        if k in err:
            v = int(err.split(k)[1].split()[0])
            if k == "syscall_stops":
                stops += v
            elif k == "threads_seen":
                threads += v
            else:
                passed += v
    # detached: running again within 5 s (a loaded CI machine is slow to
    # schedule the target out of its stop)
    for _ in range(500):
        if state() not in "tT":        # R, S or D: not stopped
            break
        time.sleep(0.01)
    else:
        bad_state += 1
        print("cycle %d: state %s" % (c, state()))
sending = False
th.join()
time.sleep(0.3)
open(stopfile, "w").close()
out, _ = t.communicate(timeout=60)
received = int(out.split("received")[1].split()[0])


def check(cond, what):
    global fails
    print(("ok " if cond else "FAIL ") + what)
    fails += 0 if cond else 1


check(bad_rc == 0, "%d cycles: watch-run exit 0 (%d not)" % (cycles, bad_rc))
check(bad_state == 0, "%d cycles: target never left stopped (%d)" % (cycles, bad_state))
check(t.returncode == 0, "target exited normally (%d)" % t.returncode)
check(unprobed == 0, "uprobe cycles: every thread born while watched was probed (%d not)" % unprobed)
check(received == sent, "SIGRTMIN sent %d, received %d (%d passed on by watch)"
      % (sent, received, passed))
print("syscall stops %d, threads seen %d in %d cycles" % (stops, threads, cycles))
os.unlink(stopfile)
os.rmdir(tmp)
print("stress: %d failed" % fails)
sys.exit(1 if fails else 0)
