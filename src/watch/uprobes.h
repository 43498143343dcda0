/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uprobes.h - observe calls in another process without stopping it:
 * perf_event_open() uprobes (the "uprobe" PMU, Linux 4.17) at function
 * entries and returns in files the target maps.  Each hit leaves a sample
 * in a ring buffer we read: thread, time, user registers and, for entry
 * probes, a copy of the top of the user stack.  Threads the target creates
 * later are probed when im_uprobes_rescan() finds them.  The target is never
 * stopped, signalled or ptraced; the kernel removes the probes when our
 * file descriptors close, also if we are killed.
 *
 * x86-64 only (register layout).  Needs CAP_PERFMON or CAP_SYS_ADMIN.
 */
#ifndef IM_UPROBES_H
#define IM_UPROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_UP_STACK	16384	/* bytes of user stack copied per entry hit */

/* Registers of a sample, in this order (a subset of x86-64's). */
enum im_up_reg {
	IM_UP_AX, IM_UP_BX, IM_UP_CX, IM_UP_DX, IM_UP_SI, IM_UP_DI, IM_UP_BP,
	IM_UP_SP, IM_UP_IP, IM_UP_R8, IM_UP_R9, IM_UP_R10, IM_UP_R11, IM_UP_R12,
	IM_UP_R13, IM_UP_R14, IM_UP_R15, IM_UP_NREGS
};

struct im_uprobe_def {
	const char *path;	/* the file, as we can open it */
	uint64_t offset;	/* file offset of the instruction */
	bool ret;		/* a return probe (uretprobe) */
	bool stack;		/* copy the user stack */
	int id;			/* the caller's, given back in records */
};

struct im_uprobe_rec {
	int id;			/* def id; -1: a "lost" record */
	uint64_t perf_id;	/* the kernel's event id */
	bool ret;
	int tid;
	uint64_t time_ns;	/* CLOCK_MONOTONIC */
	bool have_regs;
	uint64_t regs[IM_UP_NREGS];
	const uint8_t *stack;	/* a copy of [regs[SP], regs[SP] + stack_len) */
	uint64_t stack_len;
	uint64_t lost;		/* id == -1: samples the kernel dropped */
};

struct im_uprobes;

/*
 * Probe every current thread of pid.  0, or -errno with why set: -EACCES/-EPERM (privilege,
 * kernel.perf_event_paranoid), -ENOENT (no uprobe PMU), -ESRCH.
 */
int im_uprobes_open(int pid, const struct im_uprobe_def *defs, size_t ndefs,
		    struct im_uprobes **out, char *why, size_t whylen);

/* The fds to poll() for input (POLLIN), and how many. */
size_t im_uprobes_pollfds(const struct im_uprobes *u, int *fds, size_t max);

/* Threads probed now. */
size_t im_uprobes_threads(const struct im_uprobes *u);

/* Probe thread tid now (e.g. stopped at its birth): 1 added, 0 known, -errno. */
int im_uprobes_add(struct im_uprobes *u, int tid);

/*
 * Thread tid exited: queue what is left in its ring, close its probes (in
 * the background: each close waits for an RCU grace period).  1 removed,
 * 0 unknown.
 */
int im_uprobes_remove(struct im_uprobes *u, int tid);

/*
 * Probe threads created since (perf cannot both inherit per-task probes to
 * new threads and give us their ring buffer), drop threads gone.  *changed:
 * the poll fds changed.  0 or -errno (-ESRCH: the process is gone).
 */
int im_uprobes_rescan(struct im_uprobes *u, bool *changed);

/*
 * Copy every record out of the ring buffers, and hand queued records to cb
 * (for at most about 200 ms; im_uprobes_pending() says if some are left).
 * Records dropped (by the kernel, or here beyond 256 MiB queued) come as
 * id -1 with lost set.  0 or -errno.
 */
typedef void (*im_uprobe_cb)(void *ctx, const struct im_uprobe_rec *r);
int im_uprobes_drain(struct im_uprobes *u, im_uprobe_cb cb, void *ctx);
bool im_uprobes_pending(const struct im_uprobes *u);

/* Remove the probes (returns once they are all closed: about 0.1 s per 8). */
void im_uprobes_close(struct im_uprobes *u);

/*
 * Parse the body of one PERF_RECORD_SAMPLE of ours (after the header):
 * id, pid/tid, time, user registers, then the stack copy if any bytes are
 * left.  Sets perf_id, tid, time_ns, regs, stack (pointing into p).
 * 0, or -EBADMSG when the body is short or inconsistent.
 */
int im_uprobes_parse_sample(const uint8_t *p, size_t len,
			    struct im_uprobe_rec *r);

#endif
