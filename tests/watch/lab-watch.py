#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""lab-watch.py: `iommu-map watch --json` against a live L2 QEMU (see
lab-watch.sh for the environment).  Steps and checks:

 1. watch attaches (an "attached" line) with the method WATCH_METHOD
    (default uprobe: QEMU never stops).
 2. QMP system_reset: the PCI reset turns memory decode off and SeaBIOS
    assigns the BARs again, so QEMU deletes and re-adds the memslots of the
    vfio BARs (KVM only).  Each add whose HVA lies in a vfio BAR mapping
    ("backing": "vfio BDF BAR n +off") must have its GPA inside that BAR as
    the guest sees it (QMP query-pci) at the same offset: GPA - guest BAR =
    HVA - BAR mmap start.  Every vfio device of L2 gets one; deletes are seen.
 3. pc machines with a free vfio-pci device (pc-kvm only unless
    WATCH_HOTPLUG=1; see PLAN): device_add vfio-pci,host=FREE
    -> mmap events naming FREE and a BAR; system_reset -> its memslots;
    device_del + system_reset (completes the ACPI unplug without a guest OS)
    -> DEVICE_DELETED, munmap events for FREE, deletes of its memslots.
 4. Every event has a stack whose first frame is the libc wrapper and which
    has frames in the QEMU binary; a sample chain is printed.
 5. SIGINT: watch exits 0; L2 is not traced, not stopped, QMP says running.
    Then WATCH_CYCLES attach/detach cycles (see PLAN), each
    leaving L2 untraced, running and answering QMP, with no reset or stop.
 5c. Where PLAN says so (WATCH_PTRACE=0|1 overrides): step 2 again with
    --method=ptrace.
 6. With the module loaded (/dev/iommu-map) under KVM: `watch --poll`
    (POLL_CMD, default "$IOMMU_MAP watch --poll --json --pid") sees the
    memslot deletes and adds of a system_reset, with the same GPA checks.
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

env = os.environ
pid = int(env["L2_PID"])
qmp_path = env["QMP"]
accel = env.get("ACCEL", "kvm")
machine = env.get("MACHINE", "pc")
watch_cmd = shlex.split(env.get("WATCH_CMD") or "%s watch --json --pid" % env.get("IOMMU_MAP", "iommu-map"))
poll_cmd = shlex.split(env.get("POLL_CMD") or "%s watch --poll --json --pid" % env.get("IOMMU_MAP", "iommu-map"))
scenario = env.get("SCENARIO", "")
# What make check-lab runs in each scenario besides the uprobe reset (every
# scenario) and --poll (every KVM scenario with the module), whose GPA checks
# depend on the guest's layout.  The steps whose claim does not (hot-plug,
# attach/detach cycles, the ptrace method) run in pc-kvm; q35-kvm adds the
# ptrace method on its GPA != HPA layout, and pc-tcg a few cycles on a TCG
# QEMU's threads.  Run alone (no SCENARIO), everything runs.
# WATCH_HOTPLUG=0|1, WATCH_CYCLES=N and WATCH_PTRACE=0|1 override.
PLAN = {  # scenario: (hot-plug, cycles, ptrace)
    "": (1, 25, 1), "pc-kvm": (1, 10, 1), "q35-kvm": (0, 0, 1), "pc-tcg": (0, 5, 0),
}
plan = PLAN.get(scenario, (0, 0, 0))
hotplug = env.get("WATCH_HOTPLUG", str(plan[0])) == "1"
failed = 0


def check(cond, what):
    global failed
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    failed += 0 if cond else 1
    return cond


def info(what):
    print("info: " + what, flush=True)


def diag(why):
    """Thread states of L2 and of the watch processes, for a hang."""
    info("diag: " + why)
    pids = [pid] + [w.p.pid for w in watches if w.p.poll() is None]
    for p in pids:
        try:
            st = dict(l.split(":", 1) for l in open("/proc/%d/status" % p) if ":" in l)
            info("diag: pid %d %s Sig(Ign %s Blk %s Pnd %s) TracerPid %s" % (
                p, st["Name"].strip(), st["SigIgn"].strip(), st["SigBlk"].strip(),
                st["ShdPnd"].strip(), st["TracerPid"].strip()))
            for t in sorted(os.listdir("/proc/%d/task" % p), key=int):
                d = "/proc/%d/task/%s/" % (p, t)
                s = open(d + "stat").read()
                comm = s[s.index("(") + 1:s.rindex(")")]
                wchan = open(d + "wchan").read().strip()
                sysc = open(d + "syscall").read().split()[:2] if os.access(d + "syscall", os.R_OK) else []
                info("diag:   tid %s %-16s state %s wchan %s syscall %s" % (
                    t, comm, s[s.rindex(")") + 2], wchan, " ".join(sysc)))
        except (OSError, KeyError, ValueError) as e:
            info("diag: pid %d: %s" % (p, e))
    for w in watches:
        w.poll(0)
        info("diag: watch pid %d: %d events so far, last %s" % (
            w.p.pid, len(w.ev), json.dumps(w.ev[-1])[:300] if w.ev else None))


class QMP:
    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.events = []
        self.read(timeout)
        self.cmd("qmp_capabilities")

    def read(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            if not d:
                raise EOFError("QMP closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, timeout=60, **args):
        self.s.sendall((json.dumps({"execute": name, "arguments": args}) + "\n").encode())
        while True:
            m = self.read(timeout)
            if m is None:
                diag("QMP %s timed out" % name)
                raise TimeoutError("QMP " + name)
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def wait_event(self, name, timeout, data=None):
        end = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["event"] == name and (data is None or data.items() <= e.get("data", {}).items()):
                    self.events.remove(e)
                    return e
            left = end - time.monotonic()
            if left <= 0:
                return None
            m = self.read(left)
            if m is None:
                return None
            if "event" in m:
                self.events.append(m)


watches = []
outdir = env.get("LAB_SCEN_OUT")


class Watch:
    """watch's stdout is read all the time by a thread of its own: while a
    tracee is stopped, watch blocks on a full pipe and QEMU with it, so a
    reader that waits for QMP first (system_reset) would deadlock."""

    def __init__(self, cmd=None, tag="watch"):
        self.p = subprocess.Popen((cmd or watch_cmd) + [str(pid)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        watches.append(self)
        self.tag = tag
        self.log = open(os.path.join(outdir, "%s.jsonl" % tag), "w", buffering=1) if outdir else None
        self.ev = []
        self.bad = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            if self.log:
                self.log.write(line)
            if line.strip():
                try:
                    self.ev.append(json.loads(line))
                except ValueError:
                    self.bad.append(line)

    def poll(self, timeout=0.0, until=None):
        """Wait for up to timeout s, or until until(events) is true."""
        end = time.monotonic() + timeout
        while True:
            while self.bad:
                info("not JSON: " + self.bad.pop(0)[:200])
            if until and until(self.ev):
                return True
            if time.monotonic() >= end or (self.p.poll() is not None and
                                           not self.reader.is_alive()):
                return bool(until and until(self.ev))
            time.sleep(0.1)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.reader.join(30)
        self.poll(0)
        return self.p.returncode, self.p.stderr.read()


def vfio_devices():
    """qdev id -> host BDF from L2's command line."""
    argv = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")
    out = {}
    for a in argv:
        a = a.decode(errors="replace")
        if a.startswith("vfio-pci,") or a.startswith("driver=vfio-pci"):
            kv = dict(x.split("=", 1) for x in a.split(",") if "=" in x)
            if "host" in kv and "id" in kv:
                host = kv["host"] if kv["host"].count(":") == 2 else "0000:" + kv["host"]
                out[kv["id"]] = host
    return out


def guest_bars(q, qdev_id):
    """BAR index -> (address, size) of a device in the guest (query-pci)."""
    def walk(devs):
        for d in devs:
            if d.get("qdev_id") == qdev_id:
                return d
            br = d.get("pci_bridge", {}).get("devices", [])
            r = walk(br)
            if r:
                return r
        return None
    for bus in q.cmd("query-pci")["return"]:
        d = walk(bus["devices"])
        if d:
            return {b["bar"]: (b["address"], b["size"]) for b in d.get("regions", [])
                    if b.get("type") == "memory"}
    return {}


BACK = re.compile(r"^vfio (\S+) BAR (\d) \+0x([0-9a-f]+)$")


def memslot_adds(evs, bdf=None):
    out = []
    for e in evs:
        if e.get("event") not in ("kvm_set_user_memory_region", "memslot") or e.get("op") != "add":
            continue
        m = BACK.match(e.get("backing") or "")
        if m and (bdf is None or m.group(1) == bdf):
            out.append((e, m.group(1), int(m.group(2)), int(m.group(3), 16)))
    return out


def check_gpas(q, adds, ids, label):
    """GPA - guest BAR start == offset of the HVA in the BAR mapping."""
    by_host = {v: k for k, v in ids.items()}
    bad = []
    for e, bdf, bar, off in adds:
        qid = by_host.get(bdf)
        gb = guest_bars(q, qid).get(bar) if qid else None
        gpa = int(e["gpa"], 16)
        if not gb or gpa - gb[0] != off or off + int(e["size"], 16) > gb[1] + 0xfff:
            bad.append("%s BAR %d gpa %s off %#x guest %s" % (bdf, bar, e["gpa"], off,
                                                            "%#x+%#x" % gb if gb else "?"))
    check(adds and not bad, "%s: %d memslot adds, GPA matches the guest BAR at the HVA's "
          "offset%s" % (label, len(adds), (": " + "; ".join(bad[:3])) if bad else ""))


def first_frame_ok(e):
    """The innermost frame is the call watched: the libc wrapper (mmap,
    munmap, ioctl), or with uprobes QEMU's kvm_vm_ioctl itself."""
    f = e["stack"][0]
    return ("libc" in os.path.basename(f.get("file") or "") or
            (f.get("symbol") == "kvm_vm_ioctl" and "qemu-system" in (f.get("file") or "")))


def stack_ok(evs, label):
    evs = [e for e in evs if "stack" in e]
    bad = [e for e in evs if not e["stack"] or not first_frame_ok(e) or
           not any("qemu-system" in (f.get("file") or "") for f in e["stack"])]
    check(evs and not bad, "%s: %d events, each with a stack from the call watched (libc or "
          "kvm_vm_ioctl) reaching into QEMU (%d not)" % (label, len(evs), len(bad)))
    named = [f["symbol"] for e in evs for f in e["stack"]
             if f.get("symbol") and "qemu-system" in (f.get("file") or "")]
    info("%s: %d QEMU frames named, e.g. %s" % (label, len(named), " <- ".join(named[:6])))
    if evs:
        e = evs[-1]
        info("%s: sample stack: %s" % (label, " <- ".join(
            f.get("symbol") or "%s+%s" % (os.path.basename(f.get("file") or "?"), f.get("vaddr"))
            for f in e["stack"][:12])))


def state():
    s = open("/proc/%d/stat" % pid).read()
    return s[s.rindex(")") + 2]


def tracer():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    return -1


q = QMP(qmp_path)
ids = vfio_devices()
info("L2 pid %d %s/%s, vfio devices %s" % (pid, machine, accel, ids))
w = Watch()
check(w.poll(30, lambda ev: any(e.get("event") == "attached" for e in ev)),
      "watch attached to L2 pid %d" % pid)
att = next((e for e in w.ev if e.get("event") == "attached"), {})
info("watch: method %s, probes %s; %s" % (att.get("method"), att.get("probes"),
                                         att.get("threads_followed") or att.get("why")))
want_method = env.get("WATCH_METHOD", "uprobe")
check(att.get("method") == want_method, "watch chose method %s (%s)" % (want_method, att.get("method")))


# 2. reset: memslots of every vfio BAR go and come back
def reset_check(w, tag):
    n0 = len(w.ev)
    t0 = time.monotonic()
    q.cmd("system_reset", timeout=120)
    info("%s: system_reset answered in %.1f s" % (tag, time.monotonic() - t0))
    if accel == "kvm":
        want = set(ids.values())
        got = w.poll(90, lambda ev: want <= {b for _, b, _, _ in memslot_adds(ev[n0:])})
        evs = w.ev[n0:]
        info("%s: memslot adds for %s within %.1f s" % (
            tag, ", ".join(sorted({b for _, b, _, _ in memslot_adds(evs)})), time.monotonic() - t0))
        check(got, "%s: memslot adds for every vfio device (%s)" % (tag, ", ".join(sorted(want))))
        check(any(e.get("op") == "delete" for e in evs), "%s: memslot deletes seen" % tag)
        time.sleep(2)
        w.poll(1)
        check_gpas(q, memslot_adds(w.ev[n0:]), ids, tag)
        stack_ok([e for e in w.ev[n0:] if e.get("event") == "kvm_set_user_memory_region"], tag)
        tids = sorted({e.get("tid") for e in w.ev[n0:] if e.get("event") == "kvm_set_user_memory_region"})
        info("%s: memslot events from threads %s" % (tag, tids))
    else:
        w.poll(10)
        info("accel %s: no KVM memslots; %d events after reset" % (accel, len(w.ev) - n0))


reset_check(w, "reset")

# 3. hot-plug a free vfio-pci device (pc: ACPI hotplug on pci.0)
free = env.get("HOSTDEV")
if not free:
    try:
        bound = sorted(d for d in os.listdir("/sys/bus/pci/drivers/vfio-pci") if ":" in d)
    except OSError:
        bound = []
    free = next((d for d in bound if d not in ids.values()), None)
if machine != "pc" or not free or not hotplug:
    info("hot-plug step skipped (machine %s, free vfio-pci device: %s, WATCH_HOTPLUG %s)"
         % (machine, free, int(hotplug)))
else:
    n1 = len(w.ev)
    r = q.cmd("device_add", driver="vfio-pci", host=free, id="imwatch0")
    if check("error" not in r, "device_add vfio-pci,host=%s: %s" % (free, r.get("error", "ok"))):
        ids["imwatch0"] = free
        got = w.poll(60, lambda ev: any(e.get("event") == "mmap" and e.get("device") == free
                                        for e in ev[n1:]))
        mm = [e for e in w.ev[n1:] if e.get("event") == "mmap"]
        check(got, "hot-plug: mmap events name %s (%s)" % (free, ", ".join(
            "BAR %s %s@%s" % (e.get("bar"), e.get("size"), e.get("hva")) for e in mm)))
        check(all(e.get("bar") is not None and e.get("hva") for e in mm),
              "hot-plug: each mmap has a BAR and an HVA")
        stack_ok(mm, "hot-plug mmap")
        hvas = [(int(e["hva"], 16), int(e["size"], 16)) for e in mm if e.get("hva")]
        if accel == "kvm":
            n2 = len(w.ev)
            q.cmd("system_reset")
            got = w.poll(90, lambda ev: memslot_adds(ev[n2:], free))
            check(got, "hot-plug + reset: memslots for %s" % free)
            time.sleep(2)
            w.poll(1)
            check_gpas(q, memslot_adds(w.ev[n2:], free), ids, "hot-plug")
        n3 = len(w.ev)
        q.cmd("device_del", id="imwatch0")
        q.cmd("system_reset")  # completes the ACPI unplug without a guest OS
        check(q.wait_event("DEVICE_DELETED", 60, {"device": "imwatch0"}) is not None,
              "device_del imwatch0: DEVICE_DELETED")
        w.poll(10, lambda ev: sum(1 for e in ev[n3:] if e.get("event") == "munmap"
                                  and e.get("device") == free) >= len(hvas))
        mu = [e for e in w.ev[n3:] if e.get("event") == "munmap"]
        check(any(e.get("device") == free for e in mu),
              "device_del: munmap events name %s (%d munmaps)" % (free, len(mu)))
        if accel == "kvm":
            dels = [e for e in w.ev[n3:] if e.get("event") == "kvm_set_user_memory_region"
                    and e.get("op") == "delete" and
                    any(h <= int(e["hva"], 16) < h + s for h, s in hvas)]
            check(dels, "device_del: %d memslot deletes in %s's mappings" % (len(dels), free))
        ids.pop("imwatch0", None)       # gone: later resets do not map it

# 5. detach
rc, err = w.stop()
check(rc == 0, "watch exit status %d after SIGINT%s" % (rc, (": " + err.strip()[:200]) if rc else ""))
check(any(e.get("event") == "detached" for e in w.ev), "watch printed detached")
check(tracer() == 0, "L2 not traced after detach")
check(state() in "RSD", "L2 not stopped after detach (state %s)" % state())
check(q.cmd("query-status")["return"].get("status") == "running", "QMP query-status: running")
# 5b. attach/detach cycles: each leaves L2 untraced, running and answering QMP.
# From 6.12 a cycle takes about 3 s in the lab (1 s on 6.1: closing the uprobe
# events waits longer for RCU); in barmove, whose guest polls COM1 after a
# reset, about 25 s.  tests/watch/run.sh does 100 on a TCG QEMU outside the lab.
cycles = int(env.get("WATCH_CYCLES") or plan[1])
if cycles:
    t0, bad, n = time.monotonic(), [], 0
    # The resets above are not over yet: on pc, SeaBIOS answers a reset with a
    # hard reboot of its own (RESET, "guest-reset") once it runs again.  Wait
    # for 5 s without a RESET, so that the cycles are judged on their own.
    q.cmd("query-status")
    quiet = time.monotonic() + 40
    while time.monotonic() < quiet:
        e = q.wait_event("RESET", 5)
        if e is None:
            break
        info("before the cycles: RESET %s" % json.dumps(e.get("data")))
    q.events.clear()
    for n in range(1, cycles + 1):
        c = subprocess.Popen(watch_cmd + [str(pid)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        first = c.stdout.readline()
        c.send_signal(signal.SIGINT)
        try:
            out, err = c.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            c.kill()
            out, err = c.communicate()
        why = []
        if '"attached"' not in first:
            why.append("no attached line: %r %r" % (first[:100], err[:200]))
        if c.returncode != 0:
            why.append("exit %d: %s" % (c.returncode, err.strip()[:200]))
        if '"detached"' not in out:
            why.append("no detached line")
        if tracer() != 0:
            why.append("still traced by %d" % tracer())
        if state() not in "RSD":
            why.append("state %s" % state())
        st = q.cmd("query-status", timeout=30)["return"].get("status")
        if st != "running":
            why.append("status %s" % st)
        for e in q.events:
            if e["event"] in ("RESET", "STOP", "SHUTDOWN") and "cycle" not in e:
                e["cycle"] = n
                info("cycle %d: QMP event %s" % (n, json.dumps(e)))
        if why:
            bad.append("cycle %d: %s" % (n, "; ".join(why)))
            if len(bad) > 3:
                break
    dt = time.monotonic() - t0
    q.wait_event("none", 0.5)
    evs = ["%s %s (cycle %s)" % (e["event"], json.dumps(e.get("data", {})), e.get("cycle"))
           for e in q.events if e["event"] in ("RESET", "STOP", "SHUTDOWN")]
    check(not bad and n == cycles, "%d attach/detach cycles (%.2f s each): L2 untraced, "
          "running, QMP running after each%s" % (n, dt / max(n, 1),
                                                  (": " + "; ".join(bad[:3])) if bad else ""))
    check(not evs, "cycles: no RESET/STOP/SHUTDOWN QMP event (%s)" % (", ".join(evs) or "none"))
else:
    info("attach/detach cycles skipped in %s (pc-kvm runs them; WATCH_CYCLES=N)" % (scenario or "-"))

# 5c. the ptrace method (every syscall stops) sees the same
if env.get("WATCH_PTRACE", str(plan[2])) == "1":
    pt = Watch(shlex.split("%s watch --json --method=ptrace --pid" % env.get("IOMMU_MAP", "iommu-map")),
               "watch-ptrace")
    if check(pt.poll(30, lambda ev: any(e.get("event") == "attached" for e in ev)),
             "watch --method=ptrace attached"):
        reset_check(pt, "ptrace reset")
    rc, err = pt.stop()
    check(rc == 0 and tracer() == 0 and state() in "RSD",
          "watch --method=ptrace: exit %d, L2 untraced and running after" % rc)
else:
    info("ptrace method skipped in %s (pc-kvm and q35-kvm run it; WATCH_PTRACE=1)" % (scenario or "-"))

# 6. --poll through the module
if accel == "kvm" and os.path.exists("/dev/iommu-map"):
    pw = Watch(poll_cmd, "watch-poll")
    if check(pw.poll(30, lambda ev: any(e.get("event") == "polling" for e in ev)),
             "watch --poll started"):
        q.cmd("system_reset")
        want = {b for k, b in ids.items() if k != "imwatch0"}
        got = pw.poll(90, lambda ev: want <= {b for _, b, _, _ in memslot_adds(ev)})
        check(got, "--poll: memslot adds for every vfio device after reset")
        check(any(e.get("event") == "memslot" and e.get("op") == "delete" for e in pw.ev),
              "--poll: memslot deletes seen")
        time.sleep(2)
        pw.poll(1)
        check_gpas(q, memslot_adds(pw.ev), ids, "--poll")
    rc, err = pw.stop()
    check(rc == 0, "watch --poll exit status %d after SIGINT%s" % (rc, (": " + err.strip()[:200]) if rc else ""))
else:
    info("--poll step skipped (accel %s, /dev/iommu-map %s)" % (
        accel, "present" if os.path.exists("/dev/iommu-map") else "absent"))

# every event of every watch run against the schema (labcheck.py: /lab/lab in L1, tests/lab here)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab"))
try:
    import labcheck
except ImportError as e:
    labcheck = None
    check(False, "events against schema/iommu-map-1.schema.json: cannot import labcheck (%s)" % e)
for x in watches if labcheck else []:
    bad = labcheck.schema_problems(x.ev)
    check(not bad, "%s: %d events valid against schema/iommu-map-1.schema.json%s" % (
        x.tag, len(x.ev), (": " + bad) if bad else ""))

kinds = {}
for e in w.ev:
    kinds[e.get("event")] = kinds.get(e.get("event"), 0) + 1
info("events: %s" % kinds)
sys.exit(1 if failed else 0)
