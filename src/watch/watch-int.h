/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch/watch-int.h - what the files of `iommu-map watch` share: the state
 * of one watch (struct watch), the event a call makes, and the functions
 * each file offers the others.  Not a public header: the CLI and the tests
 * include watch/watch.h.
 *
 *   watch.c          im_watch(): the state (threads, vfio ranges, maps) and
 *                    the choice of a method
 *   event.c          a call's entry and return into an event: fds, device
 *                    and BAR behind it, the struct it passes, its stack
 *   output.c         events as text or JSON lines
 *   method-uprobe.c  uprobes at the calls (the target does not stop)
 *   method-ptrace.c  syscall stops, attach and detach
 *   poll.c           --poll: memslot generations through the module
 */
#ifndef IM_WATCH_INT_H
#define IM_WATCH_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <linux/kvm.h>
#include "iommu-map.h"
#include "lib/jsonw.h"
#include "watch/uprobes.h"
#include "watch/watch.h"

#define MAX_FRAMES	32


/* Newer than Debian 12's headers; layout from include/uapi/linux/kvm.h. */
struct im_kvm_region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};
#define IM_KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct im_kvm_region2)

enum ev_kind { EV_NONE = 0, EV_MEMSLOT, EV_MMAP, EV_MUNMAP };

struct event {
	enum ev_kind kind;
	struct timespec ts;
	int tid, fd;
	char fd_target[128];
	/* memslot */
	bool region2;
	struct im_kvm_region2 r;
	bool r_read;			/* the struct could be read */
	/* mmap / munmap */
	uint64_t addr, len, off, prot, flags;
	int dev, bar;			/* -1: unknown */
	const char *ident;
	/* result */
	bool done;
	int64_t rval;
	bool is_error;
	bool errno_unknown;		/* a libc return: -1, errno not seen */
	uint64_t ips[MAX_FRAMES];
	int nips;			/* < 0: -errno of the unwind */
};

struct wthread {
	int tid;
	bool traced;			/* seized (a tid only seen in samples: not) */
	bool probed;			/* uprobes: its probes are open */
	bool listening;			/* in group-stop, resumed with LISTEN */
	bool detached;
	struct event ev;		/* ev.kind != EV_NONE: awaiting exit */
};

struct watch {
	struct im_model *m;
	FILE *out;
	bool json;
	int pid;
	struct wthread *th;
	size_t nth, thcap;
	/*
	 * The vfio mappings as of the event being handled (from maps at
	 * start, mmapped since), sorted by start: im_map with vfio, dev,
	 * bar, bar_offset and ident set, path NULL.  The live maps below
	 * are as of their last read, which with uprobes can be later.
	 */
	struct im_map *vr;
	size_t nvr, vrcap;
	struct im_map *maps;
	size_t nmaps;
	struct im_unwind *uw;
	bool out_err;
	/* uprobes */
	bool uprobe, uprobe_vm_ioctl;
	struct im_uprobes *up;		/* probe threads as they appear */
	bool up_changed;		/* ... and the poll set changed */
	bool cont;			/* resume with PTRACE_CONT, not SYSCALL */
	struct fdent { int fd; char target[128]; } *fdc;	/* last seen */
	size_t nfdc, fdccap;
	int vm_fd;			/* the KVM VM fd, for kvm_vm_ioctl probes */
	const struct im_uprobe_rec *smp;	/* the sample being handled */
	int64_t mono_to_real_ns;
};

enum fd_kind { FD_OTHER = 0, FD_VM, FD_VFIO };

enum { UP_IOCTL, UP_IOCTL_RET, UP_MMAP, UP_MMAP_RET, UP_MUNMAP, UP_MUNMAP_RET,
       UP_N };

struct up_plan {
	struct im_uprobe_def defs[UP_N];
	char paths[2][4200];	/* the ioctl probe's file, libc */
	char where[3][160];	/* for the start line */
	bool vm_ioctl;		/* kvm_vm_ioctl(KVMState *, int, ...) */
};


/* watch.c */
extern struct im_watch_stats im_wstats;	/* of the running call */
struct wthread *th_find(struct watch *w, int tid);
struct wthread *th_add(struct watch *w, int tid);
void th_del(struct watch *w, int tid);
void vr_add(struct watch *w, uint64_t start, uint64_t end, int dev, int bar,
	    uint64_t bar_offset);
void vr_remove(struct watch *w, uint64_t start, uint64_t end);
const struct im_map *vr_find(const struct watch *w, uint64_t addr);
const struct im_map *map_find(const struct watch *w, uint64_t addr);
bool deny_read(void *ctx, uint64_t addr);
void maps_refresh(struct watch *w);
/* restore the caller's signal mask, consuming a SIGPIPE our writes raised */
void watch_unblock(const struct watch *w, const sigset_t *old);

/* event.c */
enum fd_kind fd_classify(struct watch *w, int fd, char *target, size_t len);
void vr_from_maps(struct watch *w, struct im_map *maps, size_t n);
void on_call_entry(struct watch *w, struct wthread *t, uint64_t nr,
		   const uint64_t *a);
void on_call_exit(struct watch *w, struct wthread *t, int64_t rval,
		  bool is_error, bool errno_unknown);

/* output.c */
void json_event(struct jw *j, FILE *f, const char *ev);
void json_event_end(struct watch *w, struct jw *j);
void fmt_time(const struct timespec *ts, char *buf, size_t len, bool iso);
void describe_hva(struct watch *w, uint64_t hva, char *buf, size_t len);
void emit(struct watch *w, const struct event *e);
/* the last line, after *stop (ret 0) or the target's exit (-ECHILD) */
void print_end(struct watch *w, int ret, const char *what);
void print_lost(struct watch *w, uint64_t lost);
void warn_unprobed(struct watch *w, int tid, int err);
void print_start(struct watch *w, const struct up_plan *pl, size_t nthreads,
		 const char *why);

/* method-ptrace.c */
/* as im_watch(), with syscall stops; why: for the start line */
int watch_ptrace(struct watch *w, volatile sig_atomic_t *stop,
		 const char *why, struct im_err *err);
void on_status(struct watch *w, int tid, int st);
void explain_eperm(struct watch *w, struct im_err *err);
int attach_all(struct watch *w, struct im_err *err);
void detach_all(struct watch *w);

/* method-uprobe.c */
int watch_uprobes(struct watch *w, volatile sig_atomic_t *stop,
		  char *why, size_t whylen);

#endif
