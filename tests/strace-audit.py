#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/strace-audit.py BIN ROOT TRACE [ALLOWED-FILE...]: did iommu-map read
anything outside ROOT?  TRACE is `strace -f -y -qq -o TRACE -e
trace=open,openat,openat2,readlink,readlinkat,newfstatat,statx,getdents64,execve`
of one run (issue 14: "nothing outside the root was read"); only what the
process that executed BIN did after that is audited (not a wrapper such as
setpriv).

Read means: a file or directory opened (the fd strace -y decorates with its
path), a directory listed, a link read, an inode stat'ed, by a path or
relative to a directory fd.  Allowed outside ROOT: the dynamic loader's
files (ld.so.cache, shared objects), each ALLOWED-FILE (pci.ids), the
ancestors of ROOT (resolving the --sysroot argument itself), a
process's own /proc/self or /proc/PID (a sanitizer's runtime reads its maps),
and /dev/null (the test's stdin and stdout: stdio stats them).
A call that failed read nothing and is not counted.

Prints each read outside ROOT as "PATH (SYSCALL)" and exits 1, or prints
"N reads, all beneath ROOT" and exits 0."""
import os, re, sys

LINE = re.compile(r'^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)(<([^>]*)>)?')
DIRFD = re.compile(r'^(-?\d+|AT_FDCWD)(<([^>]*)>)?,\s*"((?:[^"\\]|\\.)*)"')
PATHARG = re.compile(r'^"((?:[^"\\]|\\.)*)"')
LOADER = re.compile(r'(^/etc/ld\.so\.cache$|\.so(\.[0-9.]+)?$)')


def under(path, root):
    return path == root or path.startswith(root + "/")


def allowed(path, root, extra, pid):
    if under(path, root) or path in extra or LOADER.search(path) or path == "/dev/null":
        return True
    if root.startswith(path.rstrip("/") + "/") or path == "/":
        return True	# an ancestor of the root: the --sysroot argument resolved
    return re.match(r'^/proc/(self|%s)(/|$)' % pid, path) is not None


def paths_of(call, args, ret_path):
    """the paths a successful call read: the returned fd's, else the
    path argument (made absolute by its decorated dir fd)"""
    if ret_path:
        return [ret_path]
    if call in ("open", "readlink", "execve"):
        m = PATHARG.match(args)
        return [m.group(1)] if m else []
    if call == "getdents64":
        m = re.match(r'^\d+<([^>]*)>', args)
        return [m.group(1)] if m else []
    m = DIRFD.match(args)
    if not m:
        return []
    base, rel = m.group(3), m.group(4)
    if rel.startswith("/"):
        return [rel]
    if base is None:
        return []	# AT_FDCWD with a relative path: the cwd is the test's
    return [os.path.normpath(os.path.join(base, rel)) if rel else base]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    tool = os.path.realpath(sys.argv[1])
    root = os.path.realpath(sys.argv[2])
    extra = {os.path.realpath(p) for p in sys.argv[4:]}
    n, outside, audited = 0, [], set()
    with open(sys.argv[3], errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m or int(m.group(4)) < 0:
                continue
            pid, call, args, ret_path = m.group(1), m.group(2), m.group(3), m.group(6)
            if call == "execve":
                m = PATHARG.match(args)
                if m and os.path.realpath(m.group(1)) == tool:
                    audited.add(pid)
                continue
            if pid not in audited:
                continue
            for p in paths_of(call, args, ret_path):
                n += 1
                if not allowed(p, root, extra, pid):
                    outside.append("%s (%s)" % (p, call))
    if not audited:
        print("%s was not executed in %s" % (tool, sys.argv[3]))
        sys.exit(1)
    if outside:
        print("read outside %s: %s" % (root, "; ".join(sorted(set(outside))[:5])))
        sys.exit(1)
    print("%d reads, all beneath %s" % (n, root))


if __name__ == "__main__":
    main()
