#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""watch-guest.py: what `watch` costs a guest.  Boots a QEMU whose guest is
a 512-byte boot sector looping forever over rounds of N `out 0x80` (each a
PIO exit to QEMU in user space under KVM: one KVM_RUN return and re-entry,
i.e. two syscall stops under watch), marking each round on the isa-debugcon
port.  Times ROUNDS rounds without watch, with watch attached, and after
detaching; prints the median round time and the cost per exit.

Env: ACCEL (kvm if /dev/kvm exists, else tcg: TCG makes no syscalls per
exit, so its figures only test the script), N (exits per round, default
20000), ROUNDS (default 5), WATCH_CMD (default: build/watch/watch-run,
built by tests/watch/Makefile; e.g. "build/iommu-map watch --pid").
Every QEMU gets -nic none and a timeout."""
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)
accel = os.environ.get("ACCEL") or ("kvm" if os.path.exists("/dev/kvm") else "tcg")
n = int(os.environ.get("N", "20000"))
rounds = int(os.environ.get("ROUNDS", "5"))
wcmd = os.environ.get("WATCH_CMD")
if not wcmd:
    subprocess.check_call(["make", "-s", "-C", os.path.join(top, "tests", "watch"),
                           "O=" + os.path.join(top, "build", "watch")], stdout=subprocess.DEVNULL)
    wcmd = os.path.join(top, "build", "watch", "watch-run")


def boot_sector(count):
    c = bytes([0xFA, 0xBA, 0x02, 0x04])                 # cli; mov dx,0x402
    c += bytes([0xB0, ord("R"), 0xEE])                  # again: mov al,'R'; out dx,al
    c += bytes([0x66, 0xB9]) + count.to_bytes(4, "little")  # mov ecx,count
    c += bytes([0xE6, 0x80])                            # inner: out 0x80,al
    c += bytes([0x66, 0x49])                            # dec ecx
    c += bytes([0x75, 0xFA])                            # jnz inner
    c += bytes([0xEB, 0xEF])                            # jmp again
    return c + bytes(510 - len(c)) + b"\x55\xaa"


tmp = tempfile.mkdtemp(prefix="im-watch-guest.")
img, log, pidf = (os.path.join(tmp, f) for f in ("boot.img", "dbg.log", "qemu.pid"))
open(img, "wb").write(boot_sector(n))
open(log, "wb").close()
q = subprocess.Popen(["timeout", "600", "qemu-system-x86_64", "-machine", "pc", "-accel", accel,
                      "-m", "16M", "-nodefaults", "-display", "none", "-nic", "none",
                      "-drive", "file=%s,format=raw,if=ide" % img, "-pidfile", pidf,
                      "-chardev", "file,id=d,path=" + log,
                      "-device", "isa-debugcon,iobase=0x402,chardev=d"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def marks():
    with open(log, "rb") as f:
        return f.read().count(b"R")


def time_rounds(k):
    """Wall time of each of the next k complete rounds."""
    out = []
    start = marks()
    while marks() == start:         # align on a round boundary
        time.sleep(0.0005)
    last, t = marks(), time.monotonic()
    while len(out) < k:
        m = marks()
        if m != last:
            now = time.monotonic()
            out.extend([(now - t) / (m - last)] * (m - last))
            last, t = m, now
        time.sleep(0.0005)
        if q.poll() is not None:
            sys.exit("QEMU exited")
    return out[:k]


try:
    for _ in range(200):
        if os.path.exists(pidf) and open(pidf).read().strip():
            break
        time.sleep(0.05)
    qpid = int(open(pidf).read())
    base = time_rounds(rounds)
    w = subprocess.Popen(shlex.split(wcmd) + [str(qpid)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    w.stdout.readline()
    watched = time_rounds(rounds)
    w.send_signal(signal.SIGINT)
    _, err = w.communicate(timeout=60)
    after = time_rounds(rounds)
    b, wd, a = (statistics.median(x) for x in (base, watched, after))
    print("accel %s, %d PIO exits per round, %d rounds each (median)" % (accel, n, rounds))
    print("  without watch  %8.1f ms/round  %7.2f us/exit" % (b * 1e3, b / n * 1e6))
    print("  watch attached %8.1f ms/round  %7.2f us/exit  (x%.1f, +%.2f us/exit)"
          % (wd * 1e3, wd / n * 1e6, wd / b, (wd - b) / n * 1e6))
    print("  after detach   %8.1f ms/round  %7.2f us/exit" % (a * 1e3, a / n * 1e6))
    print("  watch: exit %d; %s" % (w.returncode, err.strip().splitlines()[0] if err.strip() else ""))
finally:
    q.terminate()
    q.wait()
    for f in (img, log, pidf):
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(tmp)
