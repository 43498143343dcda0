#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""watch-guest.py: what `watch` costs a guest.  Boots a QEMU whose guest is
a 512-byte boot sector looping forever over rounds of N exits to QEMU in
user space, marking each round on the isa-debugcon port:
  MODE=pio   `out dx, al` to port 0x404, which nothing claims (not port
             0x80: KVM's SVM and VMX can let the guest write it directly,
             so it may never reach QEMU);
  MODE=mmio  `mov al, [0]` with ds=0xa000: GPA 0xa0000, the VGA window
             (-vga std), which QEMU emulates in user space in text mode: a
             KVM_EXIT_MMIO per read (a read: writes may be coalesced).
Under KVM each is one KVM_RUN return and re-entry: two syscall stops with
`watch --method=ptrace`, nothing with --method=uprobe (KVM_RUN is not
probed).  Counts the rounds
completed in ROUNDS windows of WINDOW seconds each without watch, with watch
attached, and after detaching; prints the median round time and the cost per
exit.

Env: ACCEL (kvm if /dev/kvm exists, else tcg: TCG makes no syscalls per
exit, so its figures only test the script), MODE (pio, default, or mmio),
N (exits per round, default 20000), ROUNDS (default 3), WINDOW (default
2 s), WATCH_CMD
(default: build/watch-tests/watch-run, built by tests/watch/Makefile; e.g.
"build/iommu-map watch --method=ptrace --pid").
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
mode = os.environ.get("MODE", "pio")
if mode not in ("pio", "mmio"):
    sys.exit("MODE must be pio or mmio")
rounds = int(os.environ.get("ROUNDS", "3"))
window = float(os.environ.get("WINDOW", "2"))
wcmd = os.environ.get("WATCH_CMD")
if not wcmd:
    subprocess.check_call(["make", "-s", "-C", os.path.join(top, "tests", "watch"),
                           "O=" + os.path.join(top, "build", "watch")], stdout=subprocess.DEVNULL)
    wcmd = os.path.join(top, "build", "watch", "watch-run")


def boot_sector(count, how):
    c = bytes([0xFA, 0xB8, 0x00, 0xA0, 0x8E, 0xD8])     # cli; mov ax,0xa000; mov ds,ax
    again = len(c)
    c += bytes([0xBA, 0x02, 0x04])                      # again: mov dx,0x402
    c += bytes([0xB0, ord("R"), 0xEE])                  # mov al,'R'; out dx,al
    c += bytes([0xBA, 0x04, 0x04])                      # mov dx,0x404
    c += bytes([0x66, 0xB9]) + count.to_bytes(4, "little")  # mov ecx,count
    inner = len(c)
    if how == "pio":
        c += bytes([0xEE])                              # inner: out dx,al
    else:
        c += bytes([0xA0, 0x00, 0x00])                  # inner: mov al,[0]
    c += bytes([0x66, 0x49])                            # dec ecx
    c += bytes([0x75, (inner - (len(c) + 2)) & 0xFF])   # jnz inner
    c += bytes([0xEB, (again - (len(c) + 2)) & 0xFF])   # jmp again
    return c + bytes(510 - len(c)) + b"\x55\xaa"


tmp = tempfile.mkdtemp(prefix="im-watch-guest.")
img, log, pidf = (os.path.join(tmp, f) for f in ("boot.img", "dbg.log", "qemu.pid"))
open(img, "wb").write(boot_sector(n, mode))
open(log, "wb").close()
q = subprocess.Popen(["timeout", "600", "qemu-system-x86_64", "-machine", "pc", "-accel", accel,
                      "-m", "16M", "-nodefaults", "-display", "none", "-nic", "none",
                      "-drive", "file=%s,format=raw,if=ide" % img, "-pidfile", pidf,
                      "-chardev", "file,id=d,path=" + log,
                      "-device", "isa-debugcon,iobase=0x402,chardev=d"]
                     + (["-vga", "std"] if mode == "mmio" else []),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def marks():
    with open(log, "rb") as f:
        return f.read().count(b"R")


def time_rounds(k):
    """Seconds per round, measured over each of k windows of WINDOW seconds
    (rounds completed in the window: robust against marks arriving in
    bursts)."""
    out = []
    for _ in range(k):
        m0, t0 = marks(), time.monotonic()
        while time.monotonic() - t0 < window:
            time.sleep(0.05)
            if q.poll() is not None:
                sys.exit("QEMU exited")
        m1, t1 = marks(), time.monotonic()
        out.append((t1 - t0) / max(m1 - m0, 1))
        if m1 == m0:
            print("warning: no round completed in %.1f s" % (t1 - t0))
    return out


try:
    for _ in range(200):
        if os.path.exists(pidf) and open(pidf).read().strip():
            break
        time.sleep(0.05)
    qpid = int(open(pidf).read())
    base = time_rounds(rounds)
    w = subprocess.Popen(shlex.split(wcmd) + [str(qpid)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    started = w.stdout.readline().strip()
    watched = time_rounds(rounds)
    w.send_signal(signal.SIGINT)
    _, err = w.communicate(timeout=60)
    after = time_rounds(rounds)
    b, wd, a = (statistics.median(x) for x in (base, watched, after))
    print("accel %s, %d %s exits per round, %d windows of %.1f s each (median)"
          % (accel, n, mode.upper(), rounds, window))
    print("  %s" % started[:300])
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
