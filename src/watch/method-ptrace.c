// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * method-ptrace.c - `watch --method ptrace`: syscall stops on every thread
 * (two per syscall of the target); also attach and detach, which the uprobe
 * method uses to see threads being born.
 *
 * Safety rules kept here:
 * - only PTRACE_SEIZE (no SIGSTOP sent), PTRACE_INTERRUPT to get a stop,
 *   PTRACE_SYSCALL/PTRACE_LISTEN to resume, PTRACE_DETACH on every path;
 * - a signal seen in signal-delivery-stop is passed on when resuming or
 *   detaching, group-stops are left as the kernel keeps them (LISTEN);
 * - memory of the target is only read (process_vm_readv, the unwinder's
 *   PTRACE_PEEKDATA), never inside a vfio or /dev mapping.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include "watch/unwind.h"
#include "watch/watch-int.h"

/* syscalls of our own ABI only (a 32-bit tracee's numbers differ) */
#if defined(__x86_64__)
#define IM_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define IM_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IM_AUDIT_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define IM_AUDIT_ARCH	AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define IM_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#else
#error "method-ptrace.c: add this architecture's AUDIT_ARCH_*"
#endif

static void on_entry(struct watch *w, struct wthread *t,
		     const struct __ptrace_syscall_info *si)
{
	static const uint64_t none[6];

	if (si->arch != IM_AUDIT_ARCH) {
		on_call_entry(w, t, (uint64_t)-1, none);
		return;
	}
	on_call_entry(w, t, si->entry.nr, si->entry.args);
}

static void on_exit_stop(struct watch *w, struct wthread *t,
			 const struct __ptrace_syscall_info *si)
{
	on_call_exit(w, t, si->exit.rval, si->exit.is_error, false);
}

static void on_syscall_stop(struct watch *w, struct wthread *t)
{
	struct __ptrace_syscall_info si;
	long n;

	im_wstats.syscall_stops++;
	memset(&si, 0, sizeof(si));
	n = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si);
	if (n <= 0)
		return;
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY)
		on_entry(w, t, &si);
	else if (si.op == PTRACE_SYSCALL_INFO_EXIT)
		on_exit_stop(w, t, &si);
}

/* ---- waiting ----------------------------------------------------------- */

/*
 * Next wait status of any tracee.  0: got one; -EAGAIN: nothing within
 * timeout_ms or a signal handler ran; -ECHILD: no tracee left.
 */
static int wait_next(int *tid, int *status, int timeout_ms)
{
	sigset_t chld;
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	int r;

	r = waitpid(-1, status, __WALL | WNOHANG);
	if (r > 0) {
		*tid = r;
		return 0;
	}
	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
	r = waitpid(-1, status, __WALL | WNOHANG);
	if (r > 0) {
		*tid = r;
		return 0;
	}
	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	return -EAGAIN;
}

static bool is_stop_sig(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

/* Resume a stopped thread: to its next syscall stop, or freely (uprobes). */
static void resume(struct watch *w, int tid, int sig)
{
	ptrace(w->cont ? PTRACE_CONT : PTRACE_SYSCALL, tid, NULL,
	       (void *)(long)sig);
}

/*
 * Handle one wait status while watching: returns with the thread resumed
 * (or gone).  Any signal it was about to receive is passed on.
 */
void on_status(struct watch *w, int tid, int st)
{
	struct wthread *t;
	int sig, event;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		im_unwind_forget(w->uw, tid);
		if (w->up && im_uprobes_remove(w->up, tid) > 0)
			w->up_changed = true;
		t = th_find(w, tid);
		/* uprobes: its last call's return may still be queued */
		if (t && w->uprobe && t->ev.kind != EV_NONE)
			t->traced = false;
		else
			th_del(w, tid);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	t = th_add(w, tid);	/* a new thread may report before its parent */
	if (t)
		t->traced = true;	/* it stopped for us */
	sig = WSTOPSIG(st);
	event = (unsigned int)st >> 16;
	if (!t) {
		ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)
		       (event || sig == (SIGTRAP | 0x80) ? 0 : sig));
		return;
	}
	t->listening = false;
	if (w->up && !t->probed) {
		/* a new thread, stopped before its first instruction */
		int r = im_uprobes_add(w->up, tid);

		t->probed = true;
		if (r > 0)
			w->up_changed = true;
		else if (r < 0)
			warn_unprobed(w, tid, r);
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(w, t);
		resume(w, tid, 0);
		return;
	}
	switch (event) {
	case 0:
		/* signal-delivery-stop: deliver it */
		im_wstats.signals_passed++;
		resume(w, tid, sig);
		return;
	case PTRACE_EVENT_STOP:
		if (is_stop_sig(sig)) {
			/* group-stop: keep it stopped, as without us */
			im_wstats.group_stops++;
			t->listening = true;
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
			return;
		}
		break;	/* our PTRACE_INTERRUPT, or a new thread's first stop */
	case PTRACE_EVENT_CLONE: {
		unsigned long child = 0;

		if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &child) && child)
		{
			struct wthread *c = th_add(w, (int)child);

			if (c)
				c->traced = true;	/* auto-attached */
		}
		break;
	}
	default:
		break;
	}
	resume(w, tid, 0);
}

/* ---- attach and detach ------------------------------------------------- */

void explain_eperm(struct watch *w, struct im_err *err)
{
	char path[64], buf[4096], scope[16] = "";
	char *p;
	int fd, tracer = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", w->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		p = strstr(buf, "TracerPid:");
		if (p)
			tracer = atoi(p + 10);
	}
	fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, scope, sizeof(scope) - 1);
		close(fd);
		scope[n > 0 ? n : 0] = '\0';
		scope[strcspn(scope, "\n")] = '\0';
	}
	if (tracer > 0)
		im_err_set(err, "", 0, "cannot trace PID %d: it is already "
			   "traced by PID %d (a debugger?); detach that first",
			   w->pid, tracer);
	else if (!strcmp(scope, "3"))
		im_err_set(err, "", 0, "cannot trace PID %d: ptrace not "
			   "permitted; kernel.yama.ptrace_scope=3 disables "
			   "attaching until reboot", w->pid);
	else if (!strcmp(scope, "2"))
		im_err_set(err, "", 0, "cannot trace PID %d: ptrace not "
			   "permitted; kernel.yama.ptrace_scope=2 allows it "
			   "only with CAP_SYS_PTRACE: run as root", w->pid);
	else if (!strcmp(scope, "1"))
		im_err_set(err, "", 0, "cannot trace PID %d: ptrace not "
			   "permitted; kernel.yama.ptrace_scope=1 allows only "
			   "descendants: run as root or with CAP_SYS_PTRACE",
			   w->pid);
	else
		im_err_set(err, "", 0, "cannot trace PID %d: ptrace not "
			   "permitted; run as root, with CAP_SYS_PTRACE, or as "
			   "the user running it%s", w->pid,
			   strcmp(scope, "0") ? "" :
			   " (kernel.yama.ptrace_scope=0)");
}

/* Seize every thread, repeating until the task list holds no new tid. */
int attach_all(struct watch *w, struct im_err *err)
{
	const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE;
	char path[64];
	bool found_new = true;
	int rounds = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", w->pid);
	while (found_new && rounds++ < 100) {
		struct dirent *de;
		DIR *d = opendir(path);

		if (!d) {
			im_err_set(err, "", 0, "cannot read %s: %s", path,
				   strerror(errno));
			return errno == ENOENT ? -ESRCH : -errno;
		}
		found_new = false;
		while ((de = readdir(d))) {
			int tid = atoi(de->d_name);

			if (tid <= 0 || th_find(w, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)opts) < 0) {
				int e = errno;

				if (e == ESRCH && tid != w->pid)
					continue;	/* the thread just exited */
				closedir(d);
				if (e == EPERM)
					explain_eperm(w, err);
				else
					im_err_set(err, "", 0, "cannot trace "
						   "PID %d: %s", w->pid,
						   strerror(e));
				return -e;
			}
			if (!th_add(w, tid)) {
				ptrace(PTRACE_DETACH, tid, NULL, NULL);
				closedir(d);
				return -ENOMEM;
			}
			th_find(w, tid)->traced = true;
			found_new = true;
			/* get it into a stop so that we can PTRACE_SYSCALL it */
			ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
		}
		closedir(d);
	}
	return 0;
}

/*
 * Interrupt every thread and detach it at its next stop, passing on a
 * signal it was about to receive.  Threads created meanwhile (their
 * CLONE event or first stop) are detached too.
 */
void detach_all(struct watch *w)
{
	struct timespec t0, now;

	/* threads known only from uprobe samples are not ours to detach */
	for (size_t i = 0; i < w->nth;) {
		struct wthread *t = &w->th[i];

		if (t->traced) {
			i++;
			continue;
		}
		if (t->ev.kind != EV_NONE)
			emit(w, &t->ev);
		th_del(w, t->tid);
	}

	for (size_t i = 0; i < w->nth; i++)
		ptrace(PTRACE_INTERRUPT, w->th[i].tid, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (w->nth) {
		int tid, st, sig, event, r;
		struct wthread *t;

		r = wait_next(&tid, &st, 100);
		if (r == -ECHILD)
			break;
		if (r == -EAGAIN) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			/* re-interrupt stragglers; e.g. a LISTEN raced */
			for (size_t i = 0; i < w->nth; i++)
				ptrace(PTRACE_INTERRUPT, w->th[i].tid, NULL,
				       NULL);
			if (now.tv_sec - t0.tv_sec > 30)
				break;	/* our exit will detach the rest */
			continue;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			th_del(w, tid);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		sig = WSTOPSIG(st);
		event = (unsigned int)st >> 16;
		if (event == PTRACE_EVENT_CLONE) {
			unsigned long child = 0;

			if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &child) &&
			    child && th_add(w, (int)child)) {
				th_find(w, (int)child)->traced = true;
				ptrace(PTRACE_INTERRUPT, (int)child, NULL, NULL);
			}
		}
		t = th_find(w, tid);
		if (t && t->ev.kind != EV_NONE) {
			/* entered but not left: print what we have */
			emit(w, &t->ev);
			t->ev.kind = EV_NONE;
		}
		/* only a signal-delivery-stop holds a signal to pass on */
		if (sig == (SIGTRAP | 0x80) || event)
			sig = 0;
		else
			im_wstats.signals_passed++;
		if (ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)sig) == 0)
			im_wstats.detached++;
		th_del(w, tid);
	}
}

int watch_ptrace(struct watch *w, volatile sig_atomic_t *stop,
		 const char *why, struct im_err *err)
{
	int ret = attach_all(w, err);

	if (ret == 0)
		print_start(w, NULL, w->nth, why);
	while (ret == 0 && !*stop && !w->out_err) {
		int tid, st, r = wait_next(&tid, &st, 250);

		if (r == -EAGAIN)
			continue;
		if (r < 0) {
			ret = r;
			break;
		}
		on_status(w, tid, st);
		if (!w->nth) {
			ret = -ECHILD;
			break;
		}
	}
	detach_all(w);
	return ret;
}
