# SPDX-License-Identifier: GPL-2.0-or-later
"""The iommu-map lab, L1 side. Started by /init in L1 (tests/lab/l1-init) as
`python3 /lab/lab/l1.py /lab`; `l1.py --list` prints the scenario names.

For each scenario: start the inner QEMU (L2) with vfio-pci devices and a QMP
socket, wait until SeaBIOS has assigned the BARs, collect QEMU's own answers
(the oracle), run iommu-map (report, explain, capture, replay), check one
against the other, run the hook scripts, and stop L2. Results go to
/lab/out/<scenario>/ and /lab/out/results.txt.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcheck as lc  # noqa: E402

# Host (L1) devices, as L0 places them (tests/lab/run.sh).
HOSTDEVS = {
    "e1000e": "0000:00:03.0",     # BAR3 = MSI-X, 16 KiB
    "edu": "0000:00:04.0",        # BAR0 = 1 MiB
    "ivshmem": "0000:00:05.0",    # BAR0 = 256 bytes, BAR2 = 4 MiB 64-bit pref
    "ivshmem2g": "0000:00:06.0",  # BAR2 = 2 GiB 64-bit pref, above 4 GiB
}

SCENARIOS = {
    "pc-kvm": dict(machine="pc", accel="kvm", devs=["e1000e", "edu", "ivshmem"],
                   doc="i440fx guest under KVM: MSI-X BAR, sub-page BAR"),
    "q35-kvm": dict(machine="q35", accel="kvm", devs=["e1000e", "edu", "ivshmem"],
                    rootports=True,
                    doc="q35 guest, devices behind pcie-root-ports (GPA != HPA)"),
    "pc-tcg": dict(machine="pc", accel="tcg", devs=["e1000e", "edu", "ivshmem"],
                   doc="inner QEMU under TCG: no memslots"),
    # maxmem reserves hotplug space above 4 GiB, so SeaBIOS puts the 64-bit
    # window (and the 2 GiB BAR) higher in the guest than L1 has it.
    # phys-bits=39 (QEMU >= 8.2 only, see qemu_cpu()): SeaBIOS 1.16.3+ puts the 64-bit window
    # at the top of the guest's physical address space, as L0's firmware does for L1 (40
    # bits), which would give the BAR the same GPA as HPA; one bit less keeps them apart.
    "largebar": dict(machine="q35", accel="kvm", devs=["ivshmem2g", "edu"], rootports=True,
                     mem="64M,slots=1,maxmem=1G", cpu_from_8_2="qemu64,phys-bits=39",
                     touch=("ivshmem2g", 2, (0, (1 << 30) + (4 << 20) + 0x1234)),
                     doc="2 GiB 64-bit prefetchable BAR above 4 GiB"),
    "barmove": dict(machine="pc", accel="kvm", devs=["edu", "ivshmem"], move=("edu", 0),
                    doc="the guest moves a BAR; report follows"),
    # largebar's 2 GiB BAR with a 64-bit window QEMU sizes to 1 GiB: iommu-map's
    # windows must be QEMU's (qom-get), and its verdict on the BAR (placed, or
    # bar-unassigned with the window too small) what the firmware did (query-pci).
    # SeaBIOS reads no pci-hole64-size (src/fw/pciinit.c sizes its window to the
    # BARs) and QEMU's pci-hole64-end then covers the BAR, so it is expected placed.
    "smallhole": dict(machine="q35", accel="kvm", devs=["ivshmem2g"], rootports=True,
                      mem="64M,slots=1,maxmem=1G", cpu_from_8_2="qemu64,phys-bits=39",
                      extra=["-global", "q35-pcihost.pci-hole64-size=1G"], hole64=1 << 30,
                      no_hooks=True,  # one L2 boot more for the lab, and nothing else
                      doc="2 GiB BAR, pci-hole64-size=1G: windows and unassigned BARs"),
}
ORDER = ["pc-kvm", "q35-kvm", "pc-tcg", "largebar", "barmove", "smallhole"]

QEMU = "/usr/bin/qemu-system-x86_64"
MOVE_SLOT = 5            # guest slot of the moved device (pc, bus 0)
MOVE_TO = 0xe0000000     # new guest address of the moved BAR
SEABIOS_DONE = b"No bootable device"
WAIT_MARK = b"IOMMU-MAP-WAIT"
MOVED_MARK = b"IOMMU-MAP-MOVED"


def qemu_version():
    """L2's QEMU as (major, minor), from --version."""
    try:
        out = subprocess.run([QEMU, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return (0, 0)
    m = re.search(r"version (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def now():
    return time.monotonic()


def sh(cmd, timeout=60, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw)


def log(msg):
    print("LAB: " + msg, flush=True)


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return b"" if "b" in mode else ""


# ------------------------------------------------------------ L1 set-up

def setup_l1():
    t0 = now()
    for m in ("vfio_iommu_type1", "vfio_pci", "kvm_amd"):
        r = sh(["modprobe", m])
        if r.returncode:
            log("modprobe %s failed: %s" % (m, r.stderr.decode().strip()))
    for name, bdf in HOSTDEVS.items():
        d = "/sys/bus/pci/devices/" + bdf
        if not os.path.isdir(d):
            log("host device %s (%s) missing" % (bdf, name))
            continue
        write(d + "/driver_override", "vfio-pci")
        if os.path.exists(d + "/driver"):
            drv = os.path.basename(os.readlink(d + "/driver"))
            if drv != "vfio-pci":
                write(d + "/driver/unbind", bdf)
        if not os.path.exists(d + "/driver"):
            try:
                write("/sys/bus/pci/drivers_probe", bdf)
            except OSError as e:
                log("drivers_probe %s: %s" % (bdf, e))
    # iommufd and the vfio cdev: Debian's kernels are built without CONFIG_IOMMUFD (6.12,
    # 7.3), so cdev and iommufd stay fixture-tested; say what this stack has.
    ifd = sh(["modprobe", "-n", "iommufd"]).returncode == 0 or os.path.exists("/dev/iommu")
    log("L1 kernel %s: iommufd %s, /dev/vfio/devices %s" % (
        os.uname().release, "available" if ifd else "not built (CONFIG_IOMMUFD unset)",
        "present" if os.path.isdir("/dev/vfio/devices") else "absent"))
    log("L1 set-up %.1fs: /dev/kvm %s, vfio %s" % (
        now() - t0, "present" if os.path.exists("/dev/kvm") else "MISSING",
        " ".join(sorted(os.listdir("/dev/vfio"))) if os.path.isdir("/dev/vfio") else "MISSING"))


# --------------------------------------------------------- the BAR mover

def boot_sector(cfg_addr, new_bar):
    """A 512-byte boot sector (16-bit real mode) for the barmove scenario:
    print WAIT_MARK on the debug console (port 0x402), wait for a byte on
    COM1, write new_bar to the config dword cfg_addr (ports 0xcf8/0xcfc),
    print MOVED_MARK, halt. The guest itself moves the BAR, as setpci would."""
    c = bytearray([0xFA, 0xBA, 0x02, 0x04])            # cli; mov dx,0x402
    for ch in WAIT_MARK + b"\n":
        c += bytes([0xB0, ch, 0xEE])                    # mov al,ch; out dx,al
    c += bytes([0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x01, 0x74, 0xF8])  # poll LSR.DR
    c += bytes([0x66, 0xB8]) + cfg_addr.to_bytes(4, "little")  # mov eax,cfg
    c += bytes([0xBA, 0xF8, 0x0C, 0x66, 0xEF])          # mov dx,0xcf8; out dx,eax
    c += bytes([0x66, 0xB8]) + new_bar.to_bytes(4, "little")   # mov eax,bar
    c += bytes([0xBA, 0xFC, 0x0C, 0x66, 0xEF])          # mov dx,0xcfc; out dx,eax
    c += bytes([0xBA, 0x02, 0x04])
    for ch in MOVED_MARK + b"\n":
        c += bytes([0xB0, ch, 0xEE])
    c += bytes([0xF4, 0xEB, 0xFD])                      # hlt; jmp $-1
    assert len(c) <= 510
    return bytes(c) + bytes(510 - len(c)) + b"\x55\xaa"


# --------------------------------------------------------------- L2 runs

class L2:
    def __init__(self, name, sc, tmp):
        self.name, self.sc, self.tmp = name, sc, tmp
        # QEMU serves one client per QMP socket: the harness keeps its own
        # (oracle.sock) open, and qmp.sock is free for iommu-map --qmp and hooks.
        self.qmp_path = os.path.join(tmp, "qmp.sock")
        self.oracle_path = os.path.join(tmp, "oracle.sock")
        self.debugcon = os.path.join(tmp, "debugcon.log")
        self.trace = os.path.join(tmp, "trace.log")
        self.pidfile = os.path.join(tmp, "qemu.pid")
        self.serial = os.path.join(tmp, "serial.sock")
        self.stderr = os.path.join(tmp, "qemu.stderr")
        self.ids = {}  # qdev id -> host bdf
        self.proc = None
        self.pid = None

    def argv(self):
        sc = self.sc
        a = [QEMU, "-machine", sc["machine"], "-accel", sc["accel"], "-m", sc.get("mem", "64M"),
             *(["-cpu", sc["cpu_from_8_2"]] if sc.get("cpu_from_8_2") and
               qemu_version() >= (8, 2) else []),
             "-nodefaults", "-no-user-config", "-display", "none", "-nic", "none",
             "-pidfile", self.pidfile,
             "-chardev", "file,id=dbgcon,path=" + self.debugcon,
             "-device", "isa-debugcon,iobase=0x402,chardev=dbgcon",
             "-D", self.trace, "-trace", "kvm_set_user_memory",
             "-trace", "vfio_region_setup", "-trace", "vfio_region_mmap",
             "-qmp", "unix:%s,server=on,wait=off" % self.oracle_path,
             "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path, *sc.get("extra", [])]
        if sc.get("move"):
            img = os.path.join(self.tmp, "boot.img")
            reg = 0x10 + 4 * sc["move"][1]
            write(img, boot_sector(0x80000000 | (MOVE_SLOT << 11) | reg, MOVE_TO))
            a += ["-drive", "file=%s,format=raw,if=ide,index=0" % img,
                  "-chardev", "socket,id=ser0,path=%s,server=on,wait=off" % self.serial,
                  "-serial", "chardev:ser0"]
        for i, dev in enumerate(sc["devs"]):
            qid = "hostdev%d" % i
            self.ids[qid] = HOSTDEVS[dev]
            opt = "vfio-pci,host=%s,id=%s" % (HOSTDEVS[dev], qid)
            if dev == "e1000e":
                opt += ",rombar=0"
            if sc.get("rootports"):
                a += ["-device", "pcie-root-port,id=rp%d,chassis=%d,bus=pcie.0,addr=0x%x"
                      % (i, i + 1, 0x10 + i)]
                opt += ",bus=rp%d" % i
            elif sc.get("move") and dev == sc["move"][0]:
                opt += ",addr=0x%x" % MOVE_SLOT
            a += ["-device", opt]
        return a

    def start(self, limit):
        argv = ["timeout", "-s", "KILL", str(limit)] + self.argv()
        write(os.path.join(self.tmp, "cmdline.txt"), " ".join(argv[4:]) + "\n")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=open(self.stderr, "wb"), stderr=subprocess.STDOUT)

    def wait_pid(self, timeout):
        end = now() + timeout
        while now() < end:
            p = read(self.pidfile).strip()
            if p:
                self.pid = int(p)
                return self.pid
            if self.proc.poll() is not None:
                return None
            time.sleep(0.1)
        return None

    def wait_log(self, path, mark, timeout):
        end = now() + timeout
        while now() < end:
            if mark in read(path, "rb"):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def stop(self, qmp):
        try:
            if qmp:
                qmp.cmd("quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            if self.pid:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            self.proc.kill()
            self.proc.wait(timeout=10)


# --------------------------------------------------------------- oracle

def collect_oracle(qmp, l2, odir, tag=""):
    o = {}
    o["query_pci"] = qmp.cmd("query-pci")
    write(os.path.join(odir, "query-pci%s.json" % tag), json.dumps(o["query_pci"], indent=1))
    for cmd in ("info mtree -f", "info pci", "info qtree", "info kvm"):
        txt = qmp.hmp(cmd)
        o[cmd] = txt
        # hmp-<cmd>.txt is always the latest answer (hooks read it); a tagged
        # copy keeps each state.
        for t in {tag, ""}:
            write(os.path.join(odir, "hmp-%s%s.txt" % (cmd.replace(" ", "-"), t)), txt)
    o["views"] = lc.parse_mtree_f(o["info mtree -f"])
    o["maps"] = read("/proc/%d/maps" % l2.pid)
    write(os.path.join(odir, "maps%s.txt" % tag), o["maps"])
    o["trace"] = read(l2.trace)
    o["slots"], o["trace_events"] = lc.trace_memslots(o["trace"])
    for t in {tag, ""}:
        write(os.path.join(odir, "memslots-from-trace%s" % t), lc.memslots_text(o["slots"]))
    # Passed-through devices as the guest sees them.
    o["guestdevs"] = {}
    for d in lc.pci_devices(o["query_pci"]):
        if d.get("qdev_id") in l2.ids:
            o["guestdevs"][d["qdev_id"]] = d
    # Per memory BAR: GPA, first address QEMU maps, its HVA (gpa2hva).
    bars = []
    view = lc.flatview_for(o["views"], "memory")
    for qid, d in sorted(o["guestdevs"].items()):
        for r in d.get("regions", []):
            if r.get("type") != "memory" or r["address"] in (0, 0xffffffffffffffff, 0xffffffff):
                continue
            b = {"qid": qid, "host": l2.ids[qid], "guest_bdf": lc.guest_bdf(d),
                 "index": r["bar"], "gpa": r["address"], "size": r["size"],
                 "prefetch": r.get("prefetch"), "mem64": r.get("mem_type_64")}
            fm = lc.first_mapped(view, b["gpa"], b["size"])
            b["first_mapped"] = fm[0] if fm else None
            b["first_range"] = fm[1] if fm else None
            b["hva_at_gpa"], b["gpa2hva_text"] = lc.gpa2hva(qmp, b["gpa"])
            if b["first_mapped"] is not None:
                b["hva_first"], _ = lc.gpa2hva(qmp, b["first_mapped"])
            else:
                b["hva_first"] = None
            b["hva_base"] = (b["hva_first"] - (b["first_mapped"] - b["gpa"])
                             if b["hva_first"] is not None else None)
            try:
                b["hpa"] = lc.sysfs_resources(b["host"]).get(b["index"], (None,))[0]
            except OSError:
                b["hpa"] = None
            bars.append(b)
    o["bars"] = bars
    write(os.path.join(odir, "oracle-bars%s.json" % tag),
          json.dumps([{k: v for k, v in b.items() if k != "first_range"} for b in bars],
                     indent=1, default=str))
    return o


def raw_capture(pid, dst):
    """The /proc files of L2 as they are (for debugging, and for when there
    is no iommu-map binary yet)."""
    os.makedirs(dst, exist_ok=True)
    for f in ("maps", "cmdline", "comm", "status", "smaps"):
        data = read("/proc/%d/%s" % (pid, f), "rb")
        if f == "smaps":
            # keep only the vfio mappings' blocks
            keep, out = False, []
            for line in data.decode(errors="replace").splitlines(True):
                if "-" in line.split(" ")[0] and len(line.split()) >= 5:
                    keep = "vfio" in line
                if keep:
                    out.append(line)
            data = "".join(out).encode()
        write(os.path.join(dst, f), data)
    lines = []
    for fd in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            tgt = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        fi = read("/proc/%d/fdinfo/%s" % (pid, fd)).replace("\n", " ")
        lines.append("%s -> %s | %s\n" % (fd, tgt, fi))
    write(os.path.join(dst, "fd.txt"), "".join(lines))


# ------------------------------------------------------------ iommu-map

class Tool:
    def __init__(self, path, odir):
        self.path = path if path and os.access(path, os.X_OK) else None
        self.odir = odir
        self.n = 0

    def run(self, args, name, timeout=120):
        self.n += 1
        t0 = now()
        r = sh([self.path] + args, timeout=timeout, env=dict(os.environ, LC_ALL="C"))
        dt = now() - t0
        write(os.path.join(self.odir, "%s.out" % name), r.stdout)
        write(os.path.join(self.odir, "%s.err" % name), r.stderr)
        write(os.path.join(self.odir, "%s.cmd" % name),
              "iommu-map %s\nexit %d, %.2fs\n" % (" ".join(args), r.returncode, dt))
        return r, dt

    def supports(self, opt, pid):
        """Whether this build takes a source option (exit 64 = not yet)."""
        key = "has" + opt
        if not hasattr(self, key):
            r = sh([self.path, "--pid", str(pid), "--json", opt, "/dev/null"], timeout=60)
            err = r.stderr.decode(errors="replace")
            setattr(self, key, not (r.returncode == 64 and opt in err))
        return getattr(self, key)

    def memslot_args(self, l2, ck, want="auto"):
        """The memslot source: L2's trace when this build reads it, else the
        kmod (/dev/iommu-map) when loaded, else none (GPA checks fail).
        want="kmod" uses the kmod only, want="trace" the trace only."""
        if want == "kmod":
            ck.check(os.path.exists("/dev/iommu-map"), "memslots from the kmod: /dev/iommu-map")
            return []
        if want == "auto" and os.path.exists("/dev/iommu-map"):
            ck.info("memslots: from the kmod (/dev/iommu-map)")
            return []
        if want == "trace" or self.supports("--qemu-trace", l2.pid):
            return ["--qemu-trace", l2.trace]
        ck.info("memslots: this iommu-map takes no --qemu-trace and no kmod is loaded: "
                "it has no memslot source")
        return []

    def json(self, args, name, ck, what):
        r, dt = self.run(args, name)
        try:
            doc = json.loads(r.stdout)
        except ValueError as e:
            ck.check(False, "%s: JSON output" % what,
                     "exit %d, %s; stderr: %s" % (r.returncode, e,
                                                 r.stderr.decode(errors="replace")[-300:]))
            return None, r
        ck.check(r.returncode in (0, 1) and doc.get("schema") == "iommu-map/1",
                 "%s: exit status %d, schema %s" % (what, r.returncode, doc.get("schema")),
                 "%.2fs" % dt)
        bad = lc.schema_problems([doc])
        ck.check(not bad, "%s: valid against schema/%s" % (what, lc.SCHEMA_NAME), bad)
        return doc, r


def svg_checks(ck, svg, json_path):
    """The picture of the live reading (--svg, beside its --json): well-formed,
    and its numbers those of the JSON (tests/svg-check.py, shipped beside)."""
    # well-formed: Python's own XML parser (the roots need no xmllint for it)
    try:
        import xml.etree.ElementTree as ET
        ET.parse(svg)
        ck.check(True, "report --svg: well-formed XML")
    except Exception as e:  # noqa: BLE001 (any parse error is the finding)
        ck.check(False, "report --svg: well-formed XML", str(e)[-300:])
    checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "svg-check.py")
    r = sh([sys.executable, checker, svg, json_path], timeout=60)
    out = (r.stdout + r.stderr).decode(errors="replace").strip()
    ck.check(r.returncode == 0, "report --svg: its boxes, memslots, trapped stretches and "
             "findings are the JSON's", out[-600:])


def find_dev(rep, bdf):
    for d in rep.get("devices") or []:
        if d.get("bdf") == bdf:
            return d
    return None


def find_bar(dev, index):
    for b in (dev or {}).get("bars") or []:
        if b.get("index") == index:
            return b
    return None


def kernel_version():
    """L1's kernel release as (major, minor)."""
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def fdinfo_syspath(pid, fd):
    """The vfio-device-syspath: line of /proc/PID/fdinfo/FD, or None."""
    try:
        for line in open("/proc/%d/fdinfo/%d" % (pid, int(fd))):
            if line.startswith("vfio-device-syspath:"):
                return line.split(":", 1)[1].strip()
    except (OSError, ValueError):
        pass
    return None


def check_report(ck, rep, o, l2, sc, tag=""):
    """iommu-map's report (live JSON) against QEMU's answers and sysfs."""
    p = tag + " " if tag else ""
    ck.eq(lc.num((rep.get("target") or {}).get("pid")), l2.pid, p + "target.pid", str)
    # The maps offset format, decoded live: the BAR's HPA before 6.10, index << 40 from 6.10.
    kv = kernel_version()
    ck.eq((rep.get("target") or {}).get("maps_offset"), "region" if kv >= (6, 10) else "hpa",
          p + "maps offsets decoded as %s on kernel %d.%d" % (
              "index << 40 | offset" if kv >= (6, 10) else "HPAs", kv[0], kv[1]), str)
    kvm = sc["accel"] == "kvm"
    rep_slots = {}
    for s in rep.get("memslots") or []:
        rep_slots[(s.get("as_id"), s.get("slot"))] = {
            "gpa": lc.num(s.get("gpa")), "size": lc.num(s.get("size")),
            "hva": lc.num(s.get("hva")), "flags": lc.num(s.get("flags"))}
    for qid, host in sorted(l2.ids.items()):
        dev = find_dev(rep, host)
        if not ck.check(dev is not None, p + "%s (%s) is in the report" % (host, qid)):
            continue
        ck.eq(dev.get("driver"), "vfio-pci", p + "%s driver" % host, str)
        gd = o["guestdevs"].get(qid)
        g = dev.get("guest") or {}
        if gd is not None and g:
            ck.eq(g.get("bdf"), lc.guest_bdf(gd), p + "%s guest.bdf" % host, str)
    res_cache = {}
    for b in o["bars"]:
        host, idx = b["host"], b["index"]
        subj = "%s%s BAR%d" % (p, host, idx)
        dev = find_dev(rep, host)
        bar = find_bar(dev, idx)
        if not ck.check(bar is not None, subj + " is in the report",
                        "guest %s gpa %s size %s" % (b["guest_bdf"], lc.hx(b["gpa"]),
                                                     lc.hx(b["size"]))):
            continue
        # HPA and size: L1's sysfs resource line.
        if host not in res_cache:
            res_cache[host] = lc.sysfs_resources(host)
        hpa, hsize, _ = res_cache[host].get(idx, (None, None, None))
        ck.eq(lc.num(bar.get("hpa")), hpa, subj + " hpa == sysfs resource")
        ck.eq(lc.num(bar.get("size")), hsize, subj + " size == sysfs resource")
        # HVA: gpa2hva of the first address QEMU maps, back to BAR offset 0.
        mm = bar.get("mmaps") or []
        if ck.check(bool(mm) and b["hva_base"] is not None, subj + " has an mmap",
                    "oracle hva base %s" % lc.hx(b["hva_base"])):
            m0 = mm[0]
            ck.eq(lc.num(m0.get("hva")) - lc.num(m0.get("bar_offset") or 0), b["hva_base"],
                  subj + " mmaps[0].hva == gpa2hva(%s) - %s" % (
                      lc.hx(b["first_mapped"]), lc.hx(b["first_mapped"] - b["gpa"])))
            if kv >= (6, 18):
                # vfio's fdinfo names the device (vfio-device-syspath:, 6.18+): the report's
                # fd must be one whose fdinfo names this very device
                fd = m0.get("fd")
                sp = fdinfo_syspath(l2.pid, fd) if fd is not None else None
                ck.check(sp is not None and os.path.basename(sp) == host,
                         subj + " mmap's fd %s: fdinfo vfio-device-syspath names %s" % (fd, host),
                         "syspath %s" % sp)
        if b["first_mapped"] != b["gpa"]:
            ck.info("%s starts with %s (not RAM to QEMU: %s); checked at the first address "
                    "QEMU maps, %s" % (subj, b["first_range"] and "an overlay" or "a hole",
                                       b["gpa2hva_text"][:60], lc.hx(b["first_mapped"])))
        # What traps: our trapped ranges against QEMU's own flat view of the BAR.
        view = lc.flatview_for(o["views"], "memory")
        if view is not None:
            probs, notes = lc.trapped_vs_mtree(view, b["gpa"], b["size"], bar.get("trapped"), kvm)
            ck.check(not probs, subj + " trapped ranges == info mtree -f (msix-table%s)" % (
                     ", holes of the KVM ranges" if kvm else ""),
                     "; ".join(probs[:2]) or "; ".join(notes) or "none trap")
            ck.check(bar.get("trapped_unknown") is None, subj + " trapped ranges fully known",
                     str(bar.get("trapped_unknown")))
        guest = bar.get("guest") or []
        if kvm:
            if not ck.check(bool(guest), subj + " has guest[] entries"):
                continue
            exp = lc.align_up(b["first_mapped"])
            ck.eq(lc.num(guest[0].get("gpa")), exp,
                  subj + " guest[0].gpa == query-pci %s%s" % (
                      lc.hx(b["gpa"]),
                      "" if exp == b["gpa"] else " (first mapped page %s)" % lc.hx(exp)))
            for i, ge in enumerate(guest):
                gpa = lc.num(ge.get("gpa"))
                hva, txt = lc.gpa2hva(o["qmp"], gpa)
                ck.eq(lc.num(ge.get("hva")), hva,
                      subj + " guest[%d].hva == gpa2hva(%s)" % (i, lc.hx(gpa)))
                sl = (ge.get("as_id"), ge.get("slot"))
                tr = o["slots"].get(sl)
                ck.check(tr is not None and tr["gpa"] <= gpa and
                         gpa + lc.num(ge.get("size")) <= tr["gpa"] + tr["size"],
                         subj + " guest[%d] lies in memslot %s/%s of the trace" % (i, sl[0], sl[1]))
        else:
            for i, ge in enumerate(guest):
                gpa = lc.num(ge.get("gpa"))
                hva, _ = lc.gpa2hva(o["qmp"], gpa)
                ck.eq(lc.num(ge.get("hva")), hva,
                      subj + " guest[%d].hva == gpa2hva(%s) (source %s)" % (
                          i, lc.hx(gpa), ge.get("source")))
            if not guest:
                ck.info("%s: no guest[] entries under TCG" % subj)
    # Memslots.
    if kvm:
        want = {k: v for k, v in o["slots"].items()}
        diff_r = sorted(k for k in rep_slots if rep_slots[k] != want.get(k))
        diff_w = sorted(k for k in want if want[k] != rep_slots.get(k))
        ck.check(rep_slots == want, p + "memslots == kvm_set_user_memory trace",
                 "%d slots" % len(want) if rep_slots == want else
                 "differ in iommu-map: %s; in trace: %s" % (diff_r[:6], diff_w[:6]))
        for as_id, as_name in ((0, "memory"), (1, "KVM-SMRAM")):
            view = lc.flatview_for(o["views"], as_name)
            if view is None:
                continue
            probs, notes = lc.slot_vs_mtree(view, rep_slots, as_id)
            ck.check(not probs, p + "memslots as_id %d == KVM ranges of info mtree -f (AS %s)"
                     % (as_id, as_name), "; ".join(probs[:3]) or "%d page-trimmed" % len(notes))
    else:
        ck.check(not rep_slots, p + "no memslots under TCG", "%d reported" % len(rep_slots))
        fs = rep.get("findings") or []
        said = ["finding %s: %s" % (f.get("code"), f.get("message")) for f in fs
                if "tcg" in ("%s %s" % (f.get("code"), f.get("message"))).lower()]
        said += ["source %s: %s" % (x.get("name"), x.get("detail"))
                 for x in rep.get("sources") or []
                 if x.get("name") == "memslots" and "tcg" in (x.get("detail") or "").lower()]
        ck.check(bool(said), p + "iommu-map says plainly: TCG, so no KVM memslots",
                 said[0][:110] if said else "findings: %s; sources: %s" % (
                     [f.get("code") for f in fs],
                     [(x.get("name"), x.get("status")) for x in rep.get("sources") or []]))


def explain_checks(ck, tool, o, l2, rep, tr):
    """explain on a few addresses: one per space for the first BAR, and one
    inside the sub-page BAR when there is one."""
    picks = []
    bars = [b for b in o["bars"] if b["hva_base"] is not None]
    if not bars:
        return
    b = bars[0]
    for bb in bars:
        if bb["size"] < lc.PAGE:
            b2 = bb
            break
    else:
        b2 = None
    dev = find_dev(rep, b["host"])
    bar = find_bar(dev, b["index"]) or {}
    picks.append(("gpa", b["first_mapped"] + 0x10, b))
    picks.append(("hva", b["hva_base"] + 0x10, b))
    if bar.get("hpa"):
        picks.append(("hpa", lc.num(bar["hpa"]) + 0x10, b))
    if b2:
        picks.append(("gpa", b2["gpa"] + b2["size"] // 2, b2))
    for i, (space, addr, bb) in enumerate(picks):
        extra = list(tr)
        if space == "gpa" and not o["slots"]:
            # no memslots (TCG): only QMP can tell iommu-map what a GPA is
            if not tool.supports("--qmp", l2.pid):
                ck.info("explain 0x%x: no memslots and no --qmp in this build: skipped" % addr)
                continue
            extra += ["--qmp", l2.qmp_path]
        doc, r = tool.json(["explain", "0x%x" % addr, "--pid", str(l2.pid), "--json"] + extra,
                           "explain-%d-%s" % (i, space), ck, "explain 0x%x" % addr)
        if doc is None:
            continue
        rd = [x for x in doc.get("readings") or [] if x.get("space") == space]
        blob = json.dumps(rd)
        if space == "gpa" and not o["slots"] and not (rd and bb["host"] in blob):
            # Under TCG only QMP knows GPAs; the issue asks no more than that
            # iommu-map says there are no memslots. Report, do not fail.
            ck.info("explain 0x%x --qmp under TCG: no gpa reading naming %s (spaces: %s)"
                    % (addr, bb["host"], [x.get("space") for x in doc.get("readings") or []]))
            continue
        ck.check(bool(rd) and bb["host"] in blob,
                 "explain 0x%x: a %s reading names %s BAR%d" % (addr, space, bb["host"], bb["index"]),
                 (rd[0].get("meaning") or "")[:90] if rd else
                 "spaces: %s" % [x.get("space") for x in doc.get("readings") or []])


def qmp_report(ck, tool, o, l2, sc, tr):
    """With --qmp, iommu-map also asks QEMU: the guest BDF of each device
    and (under TCG too) guest[] entries, checked against gpa2hva; and the
    MMIO windows (mmio_checks).  Returns the report."""
    rep, _ = tool.json(["--pid", str(l2.pid), "--json", "--qmp", l2.qmp_path] + tr,
                       "report-qmp", ck, "report --json --qmp")
    if rep is None:
        return None
    mmio_checks(ck, rep, o, sc)
    for qid, host in sorted(l2.ids.items()):
        dev = find_dev(rep, host) or {}
        gd = o["guestdevs"].get(qid)
        g = dev.get("guest") or {}
        ck.eq(g.get("bdf"), lc.guest_bdf(gd) if gd else None,
              "--qmp: %s guest.bdf == query-pci" % host, str)
    for b in o["bars"]:
        bar = find_bar(find_dev(rep, b["host"]), b["index"]) or {}
        guest = bar.get("guest") or []
        subj = "--qmp: %s BAR%d" % (b["host"], b["index"])
        if not guest and sc["accel"] != "kvm":
            ck.info(subj + ": no guest[] entries under TCG")
            continue
        if not ck.check(bool(guest), subj + " has guest[] entries"):
            continue
        gpas = [lc.num(g.get("gpa")) for g in guest]
        ck.check(min(gpas) in (b["gpa"], b["first_mapped"], lc.align_up(b["first_mapped"])),
                 subj + " lowest guest gpa == query-pci %s" % lc.hx(b["gpa"]),
                 "got %s" % [lc.hx(x) for x in gpas])
        for i, ge in enumerate(guest):
            gpa = lc.num(ge.get("gpa"))
            hva, _ = lc.gpa2hva(o["qmp"], gpa)
            ck.eq(lc.num(ge.get("hva")), hva, subj + " guest[%d].hva == gpa2hva(%s) (source %s)"
                  % (i, lc.hx(gpa), ge.get("source")))
    return rep


def host_windows(qmp, machine):
    """QEMU's own windows: qom-get of the host bridge's pci-hole properties."""
    path = "/machine/q35" if machine == "q35" else "/machine/i440fx"
    w = {"path": path}
    for p in ("pci-hole-start", "pci-hole-end", "pci-hole64-start", "pci-hole64-end",
              "pci-hole64-size"):
        w[p] = qmp.cmd("qom-get", path=path, property=p)
    return w


def mmio_checks(ck, rep, o, sc):
    """iommu-map's MMIO windows against QEMU's (qom-get on the oracle socket),
    and its verdict on each passed-through BAR against what the firmware did:
    a BAR query-pci gives no address (all ones or 0), or one outside both of
    QEMU's windows, must have a bar-unassigned finding that names its window
    as too small; any other must be counted inside a window, with no finding."""
    if "mmio_windows" not in rep:
        ck.info("this iommu-map has no mmio_windows yet: window checks skipped")
        return
    try:
        qw = host_windows(o["qmp"], sc["machine"])
    except lc.QMPError as e:
        ck.check(False, "mmio: qom-get of the host bridge's pci-hole properties", str(e))
        return
    mw = rep.get("mmio_windows")
    if not ck.check(mw is not None, "mmio: windows known with --qmp",
                    rep.get("mmio_windows_unknown") or ""):
        return
    ck.eq(mw.get("host_bridge"), qw["path"], "mmio: host bridge", str)
    ck.eq(mw.get("firmware"), "seabios", "mmio: firmware SeaBIOS (no -bios, no pflash)", str)
    w32, w64 = mw.get("window_32") or {}, mw.get("window_64") or {}
    ck.eq(lc.num(w32.get("start")), qw["pci-hole-start"], "mmio: 32-bit window start == pci-hole-start")
    ck.eq(lc.num(w32.get("last")), qw["pci-hole-end"] - 1, "mmio: 32-bit window last == pci-hole-end - 1")
    if qw["pci-hole64-end"] > qw["pci-hole64-start"]:
        ck.eq(lc.num(w64.get("start")), qw["pci-hole64-start"],
              "mmio: 64-bit window start == pci-hole64-start")
        ck.eq(lc.num(w64.get("last")), qw["pci-hole64-end"] - 1,
              "mmio: 64-bit window last == pci-hole64-end - 1")
    else:
        ck.check(mw.get("window_64") is None, "mmio: no 64-bit window, as QEMU says")
    ck.eq(lc.num(mw.get("pci_hole64_size")), qw["pci-hole64-size"], "mmio: pci-hole64-size")
    if sc.get("hole64"):
        ck.eq(qw["pci-hole64-size"], sc["hole64"],
              "mmio: QEMU took -global q35-pcihost.pci-hole64-size (qom-get)")
    def inside(a, size, lo, end):
        return lo <= a and a + size <= end
    wins = [(qw["pci-hole-start"], qw["pci-hole-end"]), (qw["pci-hole64-start"], qw["pci-hole64-end"])]
    unassigned = [f for f in rep.get("findings", []) if f.get("code") == "bar-unassigned"]
    for qid, d in sorted(o["guestdevs"].items()):
        host = o["qmp_ids"].get(qid)
        for r in d.get("regions", []):
            if r.get("type") != "memory" or r["bar"] > 5:
                continue
            a, size = r["address"], r["size"]
            out = (a in (0, 0xffffffffffffffff) or
                   not any(inside(a, size, lo, end) for lo, end in wins))
            subj = "%s BAR %d" % (host, r["bar"])
            hit = [f for f in unassigned if f.get("subject") == subj]
            ck.info("mmio: %s at %s (size %s): the firmware %s" % (
                subj, lc.hx(a), lc.hx(size), "left it out" if out else "placed it"))
            if out:
                ck.check(bool(hit) and "too small" in hit[0].get("message", ""),
                         "mmio: %s unassigned, with the window too small" % subj,
                         hit[0]["message"][:160] if hit else "no bar-unassigned finding")
            else:
                ck.check(not hit, "mmio: %s placed: no bar-unassigned" % subj,
                         hit[0]["message"][:160] if hit else "")
                gb = [b for b in mw.get("guest_bars", [])
                      if b.get("host_bdf") == host and b.get("bar") == r["bar"]]
                ck.check(bool(gb) and lc.num(gb[0].get("gpa")) == a,
                         "mmio: %s in guest_bars at query-pci's %s" % (subj, lc.hx(a)))


# a hook's time limit: lab-watch.sh on pc-kvm took 280 s on 6.12 and once ran
# past 300 s (its resets, DEVICE_DELETED and 25 attach cycles) under a busy L0
HOOK_TIMEOUT = 480


def run_hooks(ck, hooks, env, odir):
    for h in hooks:
        name = os.path.basename(h)
        t0 = now()
        try:
            r = sh(["/bin/sh", h], timeout=HOOK_TIMEOUT, env=env)
            out, rc = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"), r.returncode
        except subprocess.TimeoutExpired as e:
            # keep what the hook printed before it was killed: it says where it stuck
            part = b"".join(x for x in (e.stdout, e.stderr) if isinstance(x, bytes))
            out, rc = part.decode(errors="replace") + "timed out after %d s\n" % HOOK_TIMEOUT, 124
        write(os.path.join(odir, "hook-%s.log" % name), out)
        for line in out.splitlines():
            w = line.split(" ", 1)
            if w[0] in ("PASS", "FAIL"):
                ck.check(w[0] == "PASS", "hook %s: %s" % (name, w[1] if len(w) > 1 else ""))
            else:
                print("  hook %s: %s" % (name, line), flush=True)
        ck.check(rc == 0, "hook %s exit status %d" % (name, rc), "%.1fs" % (now() - t0))


def compare_replay(ck, tool, live, cap, pid, name, side=(), tag=""):
    """side: the side inputs the live report and the capture were given
    (--qemu-trace FILE).  The capture keeps the trace (iommu-map/qemu-trace)
    and the replay is given nothing: it must read that copy (without the
    kmod, the live report's region_mmaps come from the trace)."""
    side = list(side)
    trace = side[side.index("--qemu-trace") + 1] if "--qemu-trace" in side else None
    if trace:
        kept = os.path.join(cap, "iommu-map", "qemu-trace")
        ck.check(os.path.isfile(kept) and read(kept, "rb") == read(trace, "rb"),
                 tag + "the capture kept the trace: iommu-map/qemu-trace is the trace as given")
    rep, _ = tool.json(["--sysroot", cap, "--pid", str(pid), "--json"], name, ck,
                       tag + "replay of the capture")
    if rep is None:
        return
    if trace:	# the replay names the capture's copy where the live run named the file
        rep = json.loads(json.dumps(rep).replace("iommu-map/qemu-trace", trace))
    a, sa = lc.normalize_report(live)
    b, sb = lc.normalize_report(rep)
    d = lc.first_diff(a, b)
    if d and d.startswith("/findings"):
        fa = sorted("%s %s" % (f["code"], f["subject"]) for f in a.get("findings", []))
        fb = sorted("%s %s" % (f["code"], f["subject"]) for f in b.get("findings", []))
        d += "; live only: %s; replay only: %s" % (
            [x for x in fa if x not in fb], [x for x in fb if x not in fa])
    ck.check(d is None, tag + "capture replayed with --sysroot == live report", d or "")
    if sa != sb:
        ck.info(tag + "sources differ between live and replay: %s" % lc.first_diff(sa, sb))


def capture_replay(ck, tool, live, pid, tmp, name, side, tag):
    """capture --pid PID given the side inputs the live report was given,
    into TMP/capture-NAME; its replay, given none, must be that report."""
    cap = os.path.join(tmp, "capture-" + name)
    r, dt = tool.run(["capture", "--pid", str(pid), "-o", cap] + side, "capture-" + name)
    if ck.check(r.returncode in (0, 1) and os.path.isdir(cap),
                tag + "capture exit status %d" % r.returncode, "%.2fs" % dt):
        compare_replay(ck, tool, live, cap, pid, "replay-" + name, side, tag=tag)


# ------------------------------------------------------------- scenario

def run_scenario(name, cfg, results):
    sc = SCENARIOS[name]
    tmp = "/tmp/lab/" + name
    odir = "/lab/out/" + name
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    os.makedirs(odir, exist_ok=True)
    ck = lc.Checker(name, results)
    times = []
    t0 = now()
    log("scenario %s: %s" % (name, sc["doc"]))
    if sc["accel"] == "kvm" and not os.path.exists("/dev/kvm"):
        ck.check(False, "/dev/kvm exists in L1")
        return ck, times
    if cfg.get("load_ko") and cfg.get("ko") and "iommu_map " not in read("/proc/modules"):
        r = sh(["insmod", cfg["ko"]])
        log("insmod %s: exit %d %s" % (cfg["ko"], r.returncode, r.stderr.decode().strip()))
    l2 = L2(name, sc, tmp)
    l2.start(cfg.get("l2_timeout", 400))
    qmp = None
    try:
        if not ck.check(l2.wait_pid(60) is not None, "L2 QEMU started",
                        read(l2.stderr)[-300:].strip()):
            return ck, times
        qmp = lc.QMP(l2.oracle_path, timeout=90)
        times.append(("qmp", now() - t0))
        mark = WAIT_MARK if sc.get("move") else SEABIOS_DONE
        ok = l2.wait_log(l2.debugcon, mark, 180)
        times.append(("seabios", now() - t0))
        if not ck.check(ok, "SeaBIOS assigned the BARs (debugcon: %s)" % mark.decode(),
                        "%.1fs after launch" % (now() - t0)):
            return ck, times
        o = collect_oracle(qmp, l2, odir)
        o["qmp"] = qmp
        raw_capture(l2.pid, os.path.join(odir, "raw"))
        times.append(("oracle", now() - t0))
        oracle_checks(ck, o, l2, sc)
        tool = Tool(cfg.get("iommu_map"), odir)
        if not tool.path:
            ck.check(False, "iommu-map binary present", "not built: oracle and raw /proc "
                     "captures only, in out/%s/" % name)
        else:
            tr = tool.memslot_args(l2, ck, cfg.get("memslots", "auto"))
            svg = os.path.join(odir, "report.svg")
            pic = ["--svg", svg] if tool.supports("--svg", l2.pid) else []
            live, r = tool.json(["--pid", str(l2.pid), "--json"] + tr + pic, "report", ck,
                                "report --json " + " ".join(tr[:1]))
            if live is not None and pic:
                svg_checks(ck, svg, os.path.join(odir, "report.out"))
            tool.run(["--pid", str(l2.pid)] + tr, "report-text")
            times.append(("report", now() - t0))
            if live is not None:
                check_report(ck, live, o, l2, sc)
                if (not tr and sc["accel"] == "kvm" and o["slots"]
                        and tool.supports("--qemu-trace", l2.pid)):
                    # the kmod was the source: check the trace source too
                    rep2, _ = tool.json(["--pid", str(l2.pid), "--json", "--qemu-trace",
                                         l2.trace], "report-trace", ck,
                                        "report --json --qemu-trace")
                    if rep2 is not None:
                        check_report(ck, rep2, o, l2, sc, tag="--qemu-trace:")
                        # a capture given the trace keeps it, and its replay, given
                        # nothing, is that report
                        capture_replay(ck, tool, rep2, l2.pid, tmp, "trace",
                                       ["--qemu-trace", l2.trace], "--qemu-trace: ")
                explain_checks(ck, tool, o, l2, live, tr)
                if tool.supports("--qmp", l2.pid):
                    o["qmp_ids"] = l2.ids
                    rep3 = qmp_report(ck, tool, o, l2, sc, tr)
                    if rep3 is not None:
                        # a capture given --qmp keeps QEMU's answers (iommu-map/qmp/,
                        # hmp/), and its replay, given no socket, is that report
                        capture_replay(ck, tool, rep3, l2.pid, tmp, "qmp",
                                       ["--qmp", l2.qmp_path] + tr, "--qmp: ")
                else:
                    ck.info("this iommu-map takes no --qmp yet: guest BDF checks skipped")
            times.append(("explain", now() - t0))
            if sc.get("move"):
                live = move_bar(ck, tool, qmp, l2, sc, odir, live, times, t0, tr) or live
            if sc.get("touch"):
                # before the capture, so that it (and the fixture made of it)
                # holds the leaves the kernel installed for the touched pages
                touch_bar(ck, qmp, o, sc, odir)
                if live is not None:	# the replay is compared with the BAR as touched
                    live, _ = tool.json(["--pid", str(l2.pid), "--json"] + tr, "report-touched",
                                        ck, "report --json after the touch")
            cap = os.path.join(tmp, "capture")
            r, dt = tool.run(["capture", "--pid", str(l2.pid), "-o", cap] + tr, "capture")
            ck.check(r.returncode in (0, 1) and os.path.isdir(cap),
                     "capture --pid %d exit status %d" % (l2.pid, r.returncode), "%.2fs" % dt)
            if os.path.isdir(cap):
                st = read(os.path.join(cap, "iommu-map", "memslots.status")).strip()
                if st:
                    write(os.path.join(odir, "capture.status"), st + "\n")
                if live is not None:
                    compare_replay(ck, tool, live, cap, l2.pid, "replay", tr)
                # one file over 9p instead of hundreds (run.sh unpacks it)
                sh(["tar", "-C", tmp, "-cf", os.path.join(odir, "capture.tar"), "capture"])
                write(os.path.join(odir, "pid"), "%d\n" % l2.pid)
            times.append(("capture", now() - t0))
        if sc.get("touch") and cfg.get("hooks") and not os.path.exists(os.path.join(odir, "touched")):
            touch_bar(ck, qmp, o, sc, odir)
        if cfg.get("hooks") and sc.get("no_hooks"):
            ck.info("hooks not run here: largebar runs them on the same device")
        elif cfg.get("hooks"):
            env = dict(os.environ, IOMMU_MAP=tool.path or "", KO=cfg.get("ko") or "",
                       L2_PID=str(l2.pid), QMP=l2.qmp_path, TRACE=l2.trace,
                       SCENARIO=name, ACCEL=sc["accel"], MACHINE=sc["machine"],
                       HOSTDEVS=" ".join(sorted(l2.ids.values())),
                       LAB_SCEN_OUT=odir)
            run_hooks(ck, cfg["hooks"], env, odir)
            times.append(("hooks", now() - t0))
    except Exception as e:  # a broken plumbing step is a failed check
        ck.check(False, "scenario ran to the end", "%s: %s" % (type(e).__name__, e))
    finally:
        l2.stop(qmp)
        for f in ("debugcon.log", "trace.log", "qemu.stderr", "cmdline.txt"):
            if os.path.exists(os.path.join(tmp, f)):
                shutil.copy(os.path.join(tmp, f), os.path.join(odir, f))
        times.append(("stopped", now() - t0))
        if ck.failed:
            show_logs(name, tmp)
    return ck, times


def touch_bar(ck, qmp, o, sc, odir):
    """largebar: from 6.12 a BAR page is mapped only when something faults it,
    and nothing does here (the L2 guest runs no OS).  So that the kmod hook can
    measure the leaf size, the harness READS one word at each of a few offsets
    of ivshmem2g's BAR2 through the oracle (HMP xp: QEMU reads its own mmap of
    the BAR, which faults it in).  It never writes; the device is an ivshmem
    backed by RAM in L0, not a real device.  The offsets go to
    LAB_SCEN_OUT/touched for the hook."""
    dev, idx, offs = sc["touch"]
    b = next((b for b in o["bars"] if b["host"] == HOSTDEVS[dev] and b["index"] == idx), None)
    if not ck.check(b is not None and b["hva_base"] is not None,
                    "touch: %s BAR%d has a GPA and an HVA" % (dev, idx)):
        return
    lines = []
    for off in offs:
        txt = qmp.hmp("xp /1wx 0x%x" % (b["gpa"] + off))
        ok = re.match(r"\s*[0-9a-f]+:\s+0x[0-9a-f]+", txt or "") is not None
        ck.check(ok, "touch: xp read %s BAR%d at offset 0x%x" % (dev, idx, off),
                 (txt or "").strip()[:80])
        if ok:
            lines.append("%x %x\n" % (b["hva_base"] + off, off))
    write(os.path.join(odir, "touched"), "".join(lines))


def oracle_checks(ck, o, l2, sc):
    """The oracle's own consistency: every device is there, every BAR has a
    GPA, the trace and mtree agree (so a later mismatch is iommu-map's)."""
    for qid, host in sorted(l2.ids.items()):
        ck.check(qid in o["guestdevs"], "query-pci lists %s (host %s)" % (qid, host),
                 lc.guest_bdf(o["guestdevs"][qid]) if qid in o["guestdevs"] else "")
    ck.check(bool(o["bars"]), "query-pci gives %d memory BARs with addresses" % len(o["bars"]))
    if sc["accel"] == "kvm":
        view = lc.flatview_for(o["views"], "memory")
        probs, notes = lc.slot_vs_mtree(view, o["slots"], 0) if view else (["no flat view"], [])
        ck.check(not probs, "oracle: trace memslots (as_id 0) == KVM ranges of info mtree -f",
                 "; ".join(probs[:3]) or "%d slots, %d trace events" % (
                     len([k for k in o["slots"] if k[0] == 0]), o["trace_events"]))
        for n in notes:
            ck.info(n)
    else:
        ck.check(o["trace_events"] == 0 and "KVM" not in o["info mtree -f"],
                 "oracle: no kvm_set_user_memory events and no KVM ranges under TCG",
                 "%d events" % o["trace_events"])
    hpas = {}
    for b in o["bars"]:
        hpas.setdefault(b["host"], lc.sysfs_resources(b["host"]))
        hpa = hpas[b["host"]].get(b["index"], (None,))[0]
        ck.info("%s BAR%d: guest %s gpa %s size %s, hva %s, hpa %s%s" % (
            b["host"], b["index"], b["guest_bdf"], lc.hx(b["gpa"]), lc.hx(b["size"]),
            lc.hx(b["hva_base"]), lc.hx(hpa),
            "" if b["first_mapped"] == b["gpa"] else ", first mapped %s" % lc.hx(b["first_mapped"])))
        if sc.get("rootports"):
            ck.check(hpa != b["gpa"], "%s BAR%d: guest address differs from host address"
                     % (b["host"], b["index"]), "gpa %s hpa %s" % (lc.hx(b["gpa"]), lc.hx(hpa)))
        if b["size"] >= 1 << 31:
            ck.check(b["gpa"] >= 1 << 32 and hpa is not None and hpa >= 1 << 32 and b["mem64"]
                     and b["prefetch"], "%s BAR%d: 2 GiB 64-bit prefetchable BAR above 4 GiB"
                     % (b["host"], b["index"]),
                     "gpa %s hpa %s" % (lc.hx(b["gpa"]), lc.hx(hpa)))


def move_bar(ck, tool, qmp, l2, sc, odir, before, times, t0, tr):
    """barmove: let the guest reprogram the BAR, then check the report again
    against QEMU's answers after the move."""
    dev, idx = sc["move"]
    host = HOSTDEVS[dev]
    old = next((b for b in collect_bars_quick(qmp, l2) if b[0] == host and b[1] == idx), None)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(l2.serial)
    s.sendall(b"m")
    ok = l2.wait_log(l2.debugcon, MOVED_MARK, 60)
    s.close()
    ck.check(ok, "guest wrote BAR%d of %s (debugcon: %s)" % (idx, host, MOVED_MARK.decode()))
    time.sleep(1)
    times.append(("moved", now() - t0))
    o = collect_oracle(qmp, l2, odir, tag="-after-move")
    o["qmp"] = qmp
    new = next((b for b in o["bars"] if b["host"] == host and b["index"] == idx), None)
    ck.check(new is not None and old is not None and new["gpa"] != old[2]
             and new["gpa"] == MOVE_TO,
             "query-pci shows %s BAR%d moved" % (host, idx),
             "%s -> %s" % (lc.hx(old[2] if old else None), lc.hx(new["gpa"] if new else None)))
    oracle_checks(ck, o, l2, sc)
    rep, _ = tool.json(["--pid", str(l2.pid), "--json"] + tr, "report-after-move", ck,
                       "report --json after the move")
    tool.run(["--pid", str(l2.pid)] + tr, "report-after-move-text")
    if rep is None:
        return None
    check_report(ck, rep, o, l2, sc, tag="after move:")
    bar = find_bar(find_dev(rep, host), idx) or {}
    g = bar.get("guest") or [{}]
    ck.eq(lc.num(g[0].get("gpa")), new["gpa"] if new else None,
          "after move: %s BAR%d guest gpa == query-pci after the move" % (host, idx))
    times.append(("after-move", now() - t0))
    return rep


def collect_bars_quick(qmp, l2):
    out = []
    for d in lc.pci_devices(qmp.cmd("query-pci")):
        if d.get("qdev_id") in l2.ids:
            for r in d.get("regions", []):
                if r.get("type") == "memory":
                    out.append((l2.ids[d["qdev_id"]], r["bar"], r["address"]))
    return out


def show_logs(name, tmp):
    print("---- %s: relevant log lines ----" % name)
    for f, n in (("qemu.stderr", 20), ("debugcon.log", 8)):
        lines = read(os.path.join(tmp, f), "rb").decode(errors="replace").splitlines()
        for line in lines[-n:]:
            print("  %s: %s" % (f, line))
    dm = sh(["dmesg"]).stdout.decode(errors="replace").splitlines()
    pat = re.compile(r"vfio|kvm|\berror|\bfail|\bbug\b|\bwarn|\boops|dmar: *drhd|fault addr", re.I)
    for line in [x for x in dm if pat.search(x)][-15:]:
        print("  dmesg: %s" % line)
    print("---- end ----", flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--list":
        for n in ORDER:
            print("%-10s %s" % (n, SCENARIOS[n]["doc"]))
        return 0
    base = sys.argv[1] if len(sys.argv) > 1 else "/lab"
    cfg = json.loads(read(os.path.join(base, "run.json")))
    os.makedirs(base + "/out", exist_ok=True)
    t0 = now()
    log("L1 up: kernel %s, uptime %s s" % (os.uname().release, read("/proc/uptime").split()[0]))
    setup_l1()
    total_p = total_f = 0
    with open(base + "/out/results.txt", "w") as results:
        for name in cfg["scenarios"]:
            ts = now()
            ck, times = run_scenario(name, cfg, results)
            dt = now() - ts
            line = "SCENARIO %s: %d passed, %d failed, %.1fs (%s)" % (
                name, ck.passed, ck.failed, dt, ", ".join("%s %.1f" % t for t in times))
            print(line, flush=True)
            results.write(line + "\n")
            results.flush()     # on the host at once: an L1 killed later keeps it
            total_p += ck.passed
            total_f += ck.failed
        dm = sh(["dmesg"]).stdout
        write(base + "/out/l1-dmesg.txt", dm)
        results.write("TOTAL %d passed, %d failed, L1 %.1fs\n" % (total_p, total_f, now() - t0))
    log("L1 done in %.1fs" % (now() - t0))
    return 0 if total_f == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
