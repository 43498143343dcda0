// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * method-uprobe.c - `watch --method uprobe`: probes (uprobes.c) at the entry
 * and return of kvm_vm_ioctl (or libc's ioctl), mmap and munmap; the target
 * never stops, and calls it makes elsewhere (KVM_RUN on every exit) cost it
 * nothing.  Each sample feeds event.c as a syscall stop would.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "watch/elfsym.h"
#include "watch/watch-int.h"

#define UP_RESCAN_MS	100	/* uprobes: how often to look for new threads */

/* The target's KVM VM fd, for kvm_vm_ioctl probes (which get KVMState *). */
static void find_vm_fd(struct watch *w)
{
	char path[64], target[128];
	struct dirent *de;
	DIR *d;

	w->vm_fd = -1;
	snprintf(path, sizeof(path), "/proc/%d/fd", w->pid);
	d = opendir(path);
	if (!d)
		return;
	/* every fd: fd_classify() remembers them for calls seen late */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    fd_classify(w, atoi(de->d_name), target, sizeof(target)) ==
		    FD_VM && w->vm_fd < 0)
			w->vm_fd = atoi(de->d_name);
	closedir(d);
}

/* A path the kernel resolves to the mapped file: through /proc/PID/root. */
static void probe_path(const struct watch *w, const char *path, char *buf,
		       size_t len)
{
	snprintf(buf, len, "/proc/%d/root%s", w->pid, path);
	if (access(buf, R_OK))
		snprintf(buf, len, "%s", path);
}

static int up_plan(struct watch *w, struct up_plan *pl, char *why, size_t whylen)
{
	struct im_sym_loc io, mm, mu;
	char path[64], exe[4096];
	ssize_t n;
	int r;

	memset(pl, 0, sizeof(*pl));
	snprintf(path, sizeof(path), "/proc/%d/exe", w->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* kvm_vm_ioctl: only VM ioctls; else libc's ioctl: every ioctl */
	pl->vm_ioctl = exe[0] == '/' &&
		       !im_sym_locate(w->maps, w->nmaps, exe, "kvm_vm_ioctl", &io);
	if (!pl->vm_ioctl &&
	    (r = im_sym_locate(w->maps, w->nmaps, "libc.so.", "ioctl", &io)) < 0)
		goto fail_libc;
	if ((r = im_sym_locate(w->maps, w->nmaps, "libc.so.", "mmap", &mm)) < 0 ||
	    (r = im_sym_locate(w->maps, w->nmaps, "libc.so.", "munmap", &mu)) < 0)
		goto fail_libc;
	if (strcmp(mm.path, mu.path)) {
		snprintf(why, whylen, "mmap and munmap in different files");
		return -ENOENT;
	}
	probe_path(w, io.path, pl->paths[0], sizeof(pl->paths[0]));
	probe_path(w, mm.path, pl->paths[1], sizeof(pl->paths[1]));
	pl->defs[UP_IOCTL] = (struct im_uprobe_def){ pl->paths[0], io.offset,
						     false, true, UP_IOCTL };
	pl->defs[UP_IOCTL_RET] = (struct im_uprobe_def){ pl->paths[0], io.offset,
							 true, false, UP_IOCTL_RET };
	pl->defs[UP_MMAP] = (struct im_uprobe_def){ pl->paths[1], mm.offset,
						    false, true, UP_MMAP };
	pl->defs[UP_MMAP_RET] = (struct im_uprobe_def){ pl->paths[1], mm.offset,
							true, false, UP_MMAP_RET };
	pl->defs[UP_MUNMAP] = (struct im_uprobe_def){ pl->paths[1], mu.offset,
						      false, true, UP_MUNMAP };
	pl->defs[UP_MUNMAP_RET] = (struct im_uprobe_def){ pl->paths[1],
		mu.offset, true, false, UP_MUNMAP_RET };
	snprintf(pl->where[0], sizeof(pl->where[0]), "%s (%s)",
		 pl->vm_ioctl ? "kvm_vm_ioctl" : "ioctl", im_basename(io.path));
	snprintf(pl->where[1], sizeof(pl->where[1]), "mmap (%s)",
		 im_basename(mm.path));
	snprintf(pl->where[2], sizeof(pl->where[2]), "munmap (%s)",
		 im_basename(mu.path));
	return 0;
fail_libc:
	snprintf(why, whylen, "no %s: %s", r == -ENODEV ?
		 "libc.so mapped (static?)" : "symbol to probe in libc",
		 strerror(-r));
	return r;
}

/* A sample's entry or return, as the syscall's number and arguments. */
static void up_dispatch(struct watch *w, struct wthread *t,
			const struct im_uprobe_rec *r)
{
	const uint64_t *g = r->regs;
	uint64_t a[6] = { 0 };
	int32_t v;

	switch (r->id) {
	case UP_IOCTL:
		/* kvm_vm_ioctl(KVMState *s, int type, ...) or ioctl(fd, req, arg) */
		a[0] = w->uprobe_vm_ioctl ? (uint64_t)(int64_t)w->vm_fd :
		       g[IM_UP_DI];
		a[1] = g[IM_UP_SI];
		a[2] = g[IM_UP_DX];
		on_call_entry(w, t, SYS_ioctl, a);
		break;
	case UP_MMAP:
		/* mmap(addr, len, prot, flags, fd, off): rcx, not r10, in C */
		a[0] = g[IM_UP_DI];
		a[1] = g[IM_UP_SI];
		a[2] = g[IM_UP_DX];
		a[3] = g[IM_UP_CX];
		a[4] = g[IM_UP_R8];
		a[5] = g[IM_UP_R9];
		on_call_entry(w, t, SYS_mmap, a);
		break;
	case UP_MUNMAP:
		a[0] = g[IM_UP_DI];
		a[1] = g[IM_UP_SI];
		on_call_entry(w, t, SYS_munmap, a);
		break;
	case UP_IOCTL_RET:
		v = (int32_t)g[IM_UP_AX];
		if (w->uprobe_vm_ioctl)
			on_call_exit(w, t, v, v < 0, false);	/* 0 or -errno */
		else
			on_call_exit(w, t, v, v == -1, true);	/* -1: errno unseen */
		break;
	case UP_MMAP_RET:
		on_call_exit(w, t, (int64_t)g[IM_UP_AX],
			     g[IM_UP_AX] == (uint64_t)-1, true);
		break;
	case UP_MUNMAP_RET:
		on_call_exit(w, t, (int32_t)g[IM_UP_AX],
			     (int32_t)g[IM_UP_AX] == -1, true);
		break;
	default:
		break;
	}
}

static void up_on_rec(void *ctx, const struct im_uprobe_rec *r)
{
	struct watch *w = ctx;
	struct wthread *t;
	int64_t ns;

	if (r->id < 0) {
		print_lost(w, r->lost);
		im_wstats.lost += r->lost;
		return;
	}
	if (!r->have_regs)
		return;
	t = th_add(w, r->tid);
	if (!t)
		return;
	im_wstats.probe_hits++;
	w->smp = r;
	up_dispatch(w, t, r);
	/* the sample's time, not ours: events may be read a little later */
	if (t->ev.kind != EV_NONE && !t->ev.done) {
		ns = (int64_t)r->time_ns + w->mono_to_real_ns;
		t->ev.ts.tv_sec = ns / 1000000000;
		t->ev.ts.tv_nsec = ns % 1000000000;
	}
	w->smp = NULL;
	/* a thread not traced (gone, never seized): kept for a call in flight */
	if (!t->traced && t->ev.kind == EV_NONE && !(t->ev.flags & MAP_FIXED))
		th_del(w, t->tid);
}

/* The poll set and what the loop of watch_uprobes() needs. */
struct up_loop {
	struct im_uprobes *u;
	int *fds;
	struct pollfd *pfd;		/* the probes' fds, pidfd, sigfd */
	size_t n;			/* probes' fds */
	int pidfd, sigfd;
	bool traced;			/* new threads seen by ptrace */
};

/* Plan and open the probes; the clocks for the samples' times. */
static int up_open(struct watch *w, struct up_plan *pl, struct im_uprobes **u,
		   char *why, size_t whylen)
{
	struct timespec mono, real;

	if (up_plan(w, pl, why, whylen) < 0)
		return -EAGAIN;
	w->uprobe_vm_ioctl = pl->vm_ioctl;
	find_vm_fd(w);
	if (im_uprobes_open(w->pid, pl->defs, UP_N, u, why, whylen) < 0)
		return -EAGAIN;
	w->uprobe = true;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	w->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			     (real.tv_nsec - mono.tv_nsec);
	return 0;
}

/*
 * ptrace only to see threads being created, stopped before their first
 * instruction, so that their probes are open before they run: PTRACE_CONT,
 * never a syscall stop.  Without ptrace permission, new threads are found
 * by rescanning the task list.  follow: how, for the start line.
 */
static void up_follow_threads(struct watch *w, struct up_loop *l,
			      char *follow, size_t len)
{
	struct im_err perr = { .msg = "" };

	w->up = l->u;
	w->cont = true;
	l->traced = attach_all(w, &perr) == 0;
	if (l->traced) {
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		l->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
		snprintf(follow, len, "new threads are probed "
			 "before they run (ptrace, PTRACE_CONT only)");
	} else {
		detach_all(w);
		w->up = NULL;
		snprintf(follow, len, "new threads are probed "
			 "within %d ms (no ptrace: %s)", UP_RESCAN_MS, perr.msg);
	}
}

/* The poll set, after the probed threads changed. */
static int up_pollset(struct up_loop *l)
{
	size_t n = im_uprobes_threads(l->u);

	free(l->fds);
	free(l->pfd);
	l->fds = im_calloc(n + 2, sizeof(*l->fds));
	l->pfd = im_calloc(n + 2, sizeof(*l->pfd));
	if (!l->fds || !l->pfd)
		return -ENOMEM;
	l->n = n = im_uprobes_pollfds(l->u, l->fds, n);
	for (size_t i = 0; i < n; i++)
		l->pfd[i] = (struct pollfd){ .fd = l->fds[i], .events = POLLIN };
	l->pfd[n] = (struct pollfd){ .fd = l->pidfd, .events = POLLIN };
	l->pfd[n + 1] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };
	return 0;
}

/* One round: wait, reap thread births and exits, read the samples. */
static int up_round(struct watch *w, struct up_loop *l, bool *changed)
{
	int r, tid, st;

	r = poll(l->pfd, l->n + 2, im_uprobes_pending(l->u) ? 0 :
		 l->traced ? 250 : UP_RESCAN_MS);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (l->traced) {
		struct signalfd_siginfo ssi;

		while (read(l->sigfd, &ssi, sizeof(ssi)) > 0)
			;
		/* thread births (probed in on_status), signals, exits */
		while ((tid = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
			on_status(w, tid, st);
	}
	r = im_uprobes_drain(l->u, up_on_rec, w);
	if (r < 0)
		return r;
	if ((l->pidfd >= 0 && l->pfd[l->n].revents) ||
	    (l->pidfd < 0 && kill(w->pid, 0) < 0 && errno == ESRCH) ||
	    (l->traced && !w->nth))
		return -ECHILD;
	*changed = false;
	if (l->traced)
		return 0;
	r = im_uprobes_rescan(l->u, changed);
	return r == -ESRCH ? -ECHILD : r < 0 ? r : 0;
}

/*
 * What is in the buffers (all of it); then let the threads go before the
 * slow part, closing the probes (QEMU runs meanwhile; a probe hit until
 * then costs it a trap, no stop).  Calls entered but not returned are
 * printed as they are.
 */
static void up_finish(struct watch *w, struct up_loop *l, int ret)
{
	if (ret != -ENOMEM)
		while (im_uprobes_drain(l->u, up_on_rec, w) == 0 &&
		       im_uprobes_pending(l->u) && !w->out_err)
			;
	w->up = NULL;
	if (l->traced)
		detach_all(w);
	im_uprobes_close(l->u);
	if (l->pidfd >= 0)
		close(l->pidfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].ev.kind != EV_NONE) {
			emit(w, &w->th[i].ev);
			w->th[i].ev.kind = EV_NONE;
		}
	free(l->fds);
	free(l->pfd);
}

/*
 * Watch with uprobes.  -EAGAIN when they cannot be used (why says why: the
 * caller falls back to ptrace), else as im_watch().
 */
int watch_uprobes(struct watch *w, volatile sig_atomic_t *stop,
		  char *why, size_t whylen)
{
	struct up_loop l = { .sigfd = -1 };
	struct up_plan pl;
	char follow[400];
	int ret = 0;

#if !defined(__x86_64__)
	snprintf(why, whylen, "uprobes are implemented for x86-64 only");
	return -EAGAIN;
#endif
	if (up_open(w, &pl, &l.u, why, whylen) < 0)
		return -EAGAIN;
	up_follow_threads(w, &l, follow, sizeof(follow));
	l.pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	print_start(w, &pl, im_uprobes_threads(l.u), follow);
	for (bool changed = true; !*stop && !w->out_err;) {
		if (changed || w->up_changed) {
			w->up_changed = false;
			ret = up_pollset(&l);
			if (ret < 0)
				break;
		}
		ret = up_round(w, &l, &changed);
		if (ret < 0)
			break;
	}
	up_finish(w, &l, ret);
	return ret;
}
