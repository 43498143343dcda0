/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.h - `iommu-map watch`: follow the target's memslot and vfio mmap
 * changes as they happen, with ptrace syscall stops.
 */
#ifndef IM_WATCH_H
#define IM_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include "model.h"

/*
 * Seize every thread of m->pid (and the threads it creates later), report
 * each KVM_SET_USER_MEMORY_REGION{,2} ioctl on a KVM VM fd and each mmap or
 * munmap of a vfio device fd to out (text, or one JSON object per line),
 * each with a timestamp, the thread and its symbolized user-space stack.
 *
 * m is the loaded and correlated model (used to name devices and BARs).
 * Runs until *stop becomes non-zero or the target exits, then detaches
 * every thread, re-injecting any signal it held; the target is never left
 * stopped by us.
 *
 * The caller must install its SIGINT/SIGTERM handlers (setting *stop)
 * before the call.  SA_RESTART does not matter: the wait is a
 * sigtimedwait() on SIGCHLD, which a handler always interrupts, with a
 * 250 ms fallback.  SIGCHLD is blocked during the call and the caller's
 * mask restored after.  Note: im_watch() reaps with waitpid(-1, __WALL), so
 * the caller should have no children of its own running meanwhile.
 *
 * Returns 0 after *stop, -ECHILD when the target exited (err says so),
 * -EPERM/-ESRCH when it could not attach (err holds a one-line explanation
 * naming ptrace_scope and CAP_SYS_PTRACE), -EIO when out could not be
 * written, other -errno.  On every return path all threads are detached.
 */
enum im_watch_method {
	IM_WATCH_AUTO = 0,	/* uprobes where they work, else ptrace */
	IM_WATCH_UPROBE,	/* uprobes, or -ENOTSUP */
	IM_WATCH_PTRACE,	/* syscall stops */
};

int im_watch(struct im_model *m, FILE *out, bool json,
	     enum im_watch_method method, volatile sig_atomic_t *stop,
	     struct im_err *err);

/*
 * `watch --poll`: no ptrace.  With the iommu_map module loaded, read the
 * VM's memslots every interval_ms (0: 100 ms) through /dev/iommu-map and,
 * whenever KVM's memslot generation moved, print what changed: slots
 * added, deleted, or with new flags (as "memslot" events, text or JSON,
 * without tid or stack).  Runs until *stop or the target exits.
 * Returns 0 after *stop, -ECHILD when the target exited, -ENODEV without
 * the module, -ENOENT when the target holds no KVM VM fd, other -errno;
 * err says why.
 */
int im_watch_poll(struct im_model *m, FILE *out, bool json,
		  unsigned int interval_ms, volatile sig_atomic_t *stop,
		  struct im_err *err);

/*
 * The same with the transport given: fn(ctx, IOMMU_MAP_MEMSLOTS, arg) in
 * place of ioctl on /dev/iommu-map, vm_fd passed through, and pidfd (or
 * -1) polled for the target's exit.  For tests.
 */
typedef int (*im_watch_ioctl_fn)(void *ctx, unsigned long req, void *arg);
int im_watch_poll_with(struct im_model *m, FILE *out, bool json,
		       unsigned int interval_ms, volatile sig_atomic_t *stop,
		       im_watch_ioctl_fn fn, void *ctx, int vm_fd, int pidfd,
		       struct im_err *err);

/*
 * Test hook, not used by the CLI: also treat an fd whose /proc/PID/fd link
 * contains vm_match as a KVM VM fd, and one containing vfio_match as a vfio
 * device fd (NULL: no extra match).  The normal rules are exact targets
 * "anon_inode:kvm-vm", "anon_inode:[vfio-device]" and "/dev/vfio/devices/…".
 */
void im_watch_test_fd_match(const char *vm_match, const char *vfio_match);

/* Counters of the last im_watch() call, for tests and the benchmark. */
struct im_watch_stats {
	unsigned long syscall_stops, events, signals_passed, threads_seen;
	unsigned long group_stops, detached;
	unsigned long probe_hits, lost, unprobed;	/* uprobes */
};
void im_watch_last_stats(struct im_watch_stats *s);

#endif
