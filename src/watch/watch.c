// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch.c - `iommu-map watch`: report the target's memslot ioctls and vfio
 * mmaps with their stacks, seen one of two ways:
 * - uprobes (uprobes.c): probes at the entry and return of kvm_vm_ioctl (or
 *   libc's ioctl), mmap and munmap; the target never stops, and calls it
 *   makes elsewhere (KVM_RUN on every exit) cost it nothing;
 * - ptrace: syscall stops on every thread (two per syscall of the target).
 * The event logic is shared: a call's entry (number and arguments) and its
 * return feed the same on_call_entry()/on_call_exit().
 *
 * Safety rules kept here (ptrace):
 * - only PTRACE_SEIZE (no SIGSTOP sent), PTRACE_INTERRUPT to get a stop,
 *   PTRACE_SYSCALL/PTRACE_LISTEN to resume, PTRACE_DETACH on every path;
 * - a signal seen in signal-delivery-stop is passed on when resuming or
 *   detaching, group-stops are left as the kernel keeps them (LISTEN);
 * - memory of the target is only read (process_vm_readv, the unwinder's
 *   PTRACE_PEEKDATA), never inside a vfio or /dev mapping.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* process_vm_readv, getline */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include "iommu-map.h"
#include "sources/kmod.h"
#include "watch/elfsym.h"
#include "watch/unwind.h"
#include "watch/uprobes.h"
#include "watch/watch.h"

#define MAX_FRAMES	32
#define UP_RESCAN_MS	100	/* uprobes: how often to look for new threads */
#define REGION_SHIFT	40	/* vfio-pci region offset: index << 40 */
#define REGION_MASK	((1ULL << REGION_SHIFT) - 1)

/* Newer than Debian 12's headers; layout from include/uapi/linux/kvm.h. */
struct im_kvm_region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};
#define IM_KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct im_kvm_region2)

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
#error "watch.c: add this architecture's AUDIT_ARCH_*"
#endif

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

/* A vfio mapping we know of: from maps at start, or mmapped since. */
struct vrange {
	uint64_t start, end;
	int dev, bar;
	uint64_t bar_off;		/* of start */
};

struct watch {
	struct im_model *m;
	FILE *out;
	bool json;
	int pid;
	struct wthread *th;
	size_t nth, thcap;
	struct vrange *vr;
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

static const char *test_vm_match, *test_vfio_match;
static struct im_watch_stats stats;

void im_watch_test_fd_match(const char *vm_match, const char *vfio_match)
{
	test_vm_match = vm_match;
	test_vfio_match = vfio_match;
}

void im_watch_last_stats(struct im_watch_stats *s)
{
	*s = stats;
}

/* ---- threads ---------------------------------------------------------- */

static struct wthread *th_find(struct watch *w, int tid)
{
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].tid == tid)
			return &w->th[i];
	return NULL;
}

static struct wthread *th_add(struct watch *w, int tid)
{
	struct wthread *t = th_find(w, tid);

	if (t)
		return t;
	if (im_grow(&w->th, &w->thcap, w->nth + 1, sizeof(*w->th)) < 0)
		return NULL;
	t = &w->th[w->nth++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	stats.threads_seen++;
	return t;
}

static void th_del(struct watch *w, int tid)
{
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].tid == tid) {
			w->th[i] = w->th[--w->nth];
			return;
		}
}

/* ---- vfio ranges and the unwinder's read filter ------------------------ */

static void vr_add(struct watch *w, uint64_t start, uint64_t end, int dev,
		   int bar, uint64_t bar_off)
{
	struct vrange *v;

	if (im_grow(&w->vr, &w->vrcap, w->nvr + 1, sizeof(*w->vr)) < 0)
		return;
	v = &w->vr[w->nvr++];
	v->start = start;
	v->end = end;
	v->dev = dev;
	v->bar = bar;
	v->bar_off = bar_off;
}

/* Forget [start, end) of every range (munmap, MAP_FIXED over it). */
static void vr_remove(struct watch *w, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < w->nvr; i++) {
		struct vrange *v = &w->vr[i];

		if (v->end <= start || end <= v->start)
			continue;
		if (v->start < start && end < v->end) {	/* split */
			struct vrange tail = *v;

			tail.bar_off += end - v->start;
			tail.start = end;
			v->end = start;
			vr_add(w, tail.start, tail.end, tail.dev, tail.bar,
			       tail.bar_off);
			return;
		}
		if (v->start < start) {
			v->end = start;
		} else if (end < v->end) {
			v->bar_off += end - v->start;
			v->start = end;
		} else {
			w->vr[i--] = w->vr[--w->nvr];
		}
	}
}

static const struct vrange *vr_find(const struct watch *w, uint64_t addr)
{
	for (size_t i = 0; i < w->nvr; i++)
		if (w->vr[i].start <= addr && addr < w->vr[i].end)
			return &w->vr[i];
	return NULL;
}

/* w->maps is /proc's order: sorted by start */
static const struct im_map *map_find(const struct watch *w, uint64_t addr)
{
	long i = im_maps_find(w->maps, w->nmaps, addr);

	return i < 0 ? NULL : &w->maps[i];
}

static bool deny_read(void *ctx, uint64_t addr)
{
	const struct watch *w = ctx;
	const struct im_map *mp;

	if (vr_find(w, addr))
		return true;
	mp = map_find(w, addr);
	return mp && (mp->vfio || !strncmp(mp->path, "/dev/", 5) ||
		      !strncmp(mp->path, "anon_inode:", 11));
}

static void maps_refresh(struct watch *w)
{
	struct im_map *maps;
	size_t n;

	bool same;

	if (im_maps_read_live(w->pid, &maps, &n) < 0)
		return;
	same = n == w->nmaps;
	for (size_t i = 0; same && i < n; i++)
		same = maps[i].start == w->maps[i].start &&
		       maps[i].end == w->maps[i].end &&
		       maps[i].offset == w->maps[i].offset &&
		       maps[i].inode == w->maps[i].inode &&
		       !strcmp(maps[i].path, w->maps[i].path);
	im_maps_free(w->maps, w->nmaps);
	w->maps = maps;
	w->nmaps = n;
	if (!same)
		im_unwind_flush(w->uw);	/* its cached unwind info may be stale */
}

/* ---- fds and devices --------------------------------------------------- */

enum fd_kind { FD_OTHER = 0, FD_VM, FD_VFIO };

static void fd_remember(struct watch *w, int fd, const char *target)
{
	size_t i;

	for (i = 0; i < w->nfdc && w->fdc[i].fd != fd; i++)
		;
	if (i == w->nfdc) {
		if (im_grow(&w->fdc, &w->fdccap, w->nfdc + 1,
			    sizeof(*w->fdc)) < 0)
			return;
		w->nfdc++;
	}
	w->fdc[i].fd = fd;
	snprintf(w->fdc[i].target, sizeof(w->fdc[i].target), "%s", target);
}

static const char *fd_recall(const struct watch *w, int fd)
{
	for (size_t i = 0; i < w->nfdc; i++)
		if (w->fdc[i].fd == fd)
			return w->fdc[i].target;
	return NULL;
}

static enum fd_kind fd_classify(struct watch *w, int fd, char *target,
				size_t len)
{
	char path[64];
	ssize_t n;

	target[0] = '\0';
	if (fd < 0)
		return FD_OTHER;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", w->pid, fd);
	n = readlink(path, target, len - 1);
	if (n >= 0) {
		target[n] = '\0';
		fd_remember(w, fd, target);
	} else {
		/*
		 * uprobes: the call was made a little earlier; the fd (or the
		 * process) may be gone by now.  What it was when last seen.
		 */
		const char *t = fd_recall(w, fd);

		if (!w->uprobe || !t)
			return FD_OTHER;
		snprintf(target, len, "%s", t);
	}
	if (im_fd_target_is_kvm_vm(target) ||
	    (test_vm_match && strstr(target, test_vm_match)))
		return FD_VM;
	if (im_vfio_path_is_device(im_vfio_path_kind(target, NULL)) ||
	    (test_vfio_match && strstr(target, test_vfio_match)))
		return FD_VFIO;
	return FD_OTHER;
}

static int dev_by_bdf(const struct im_model *m, const char *bdf)
{
	for (size_t i = 0; i < m->ndevices; i++)
		if (!strcmp(m->devices[i].bdf, bdf))
			return (int)i;
	return -1;
}

/* The device behind a vfio fd: model, fdinfo, cdev sysfs link. */
static int fd_device(struct watch *w, int fd, const char *target,
		     const char **ident)
{
	char path[128], buf[4096], *p;
	int cdev, fdd;
	ssize_t n;

	for (size_t i = 0; i < w->m->nfds; i++) {
		const struct im_fd *f = &w->m->fds[i];

		if (f->fd == fd && f->target && !strcmp(f->target, target) &&
		    f->dev >= 0) {
			*ident = "model";
			return f->dev;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", w->pid, fd);
	fdd = open(path, O_RDONLY | O_CLOEXEC);
	if (fdd >= 0) {
		n = read(fdd, buf, sizeof(buf) - 1);
		close(fdd);
		if (n > 0) {
			buf[n] = '\0';
			if (!im_proc_parse_fdinfo(buf, &p) && p) {
				int d = dev_by_bdf(w->m, im_basename(p));

				free(p);
				if (d >= 0) {
					*ident = "fdinfo";
					return d;
				}
			}
		}
	}
	if (im_vfio_path_kind(target, &cdev) == IM_VFIO_CDEV) {
		snprintf(path, sizeof(path), "/sys/class/vfio-dev/vfio%d/device",
			 cdev);
		n = readlink(path, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			p = strrchr(buf, '/');
			if (p && dev_by_bdf(w->m, p + 1) >= 0) {
				*ident = "cdev";
				return dev_by_bdf(w->m, p + 1);
			}
		}
	}
	return -1;
}

/* Before 6.10 the maps offset of a vfio mapping is the HPA: find its BAR. */
static bool dev_by_hpa(const struct im_model *m, uint64_t hpa, int *dev,
		       int *bar)
{
	for (size_t i = 0; i < m->ndevices; i++)
		for (int b = 0; b < IM_NBARS; b++) {
			const struct im_bar *br = &m->devices[i].bars[b];

			if (br->size && br->hpa <= hpa &&
			    hpa - br->hpa < br->size) {
				*dev = (int)i;
				*bar = b;
				return true;
			}
		}
	return false;
}

/*
 * Only one device held by the target or bound to vfio-pci has a BAR of
 * this index large enough: a guess.
 */
static int dev_guess(const struct im_model *m, int bar, uint64_t end)
{
	int found = -1;

	if (bar < 0 || bar >= IM_NBARS)
		return -1;
	for (size_t i = 0; i < m->ndevices; i++) {
		const struct im_bar *br = &m->devices[i].bars[bar];

		if (br->size < end || !(m->devices[i].held ||
					(m->devices[i].driver &&
					 !strcmp(m->devices[i].driver, "vfio-pci"))))
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}

/*
 * Track the vfio mappings of a maps array not tracked yet: device and BAR
 * from the model's correlation, else from the maps offset (the BAR's HPA
 * before 6.10, index << 40 | offset since), else a guess.
 */
static void vr_from_maps(struct watch *w, const struct im_map *maps,
			 size_t n)
{
	const struct im_model *m = w->m;

	for (size_t i = 0; i < n; i++) {
		const struct im_map *mp = &maps[i];
		int dev = mp->dev, bar = mp->bar;
		uint64_t off = mp->bar_offset;

		if (!mp->vfio || vr_find(w, mp->start))
			continue;
		if (dev >= 0 && bar >= 0 && (size_t)dev < m->ndevices) {
			/* correlated by the model */
		} else if (m->offset_mode != IM_OFF_REGION &&
			   dev_by_hpa(m, mp->offset, &dev, &bar)) {
			off = mp->offset - m->devices[dev].bars[bar].hpa;
		} else if (m->offset_mode == IM_OFF_HPA) {
			dev = bar = -1;	/* an HPA no BAR of ours holds */
		} else {
			bar = (int)(mp->offset >> REGION_SHIFT);
			off = mp->offset & REGION_MASK;
			dev = dev_guess(m, bar, off + (mp->end - mp->start));
			if (dev < 0 || bar >= IM_NBARS)
				bar = dev = -1;
		}
		vr_add(w, mp->start, mp->end, dev, bar, off);
	}
}

/* ---- reading the tracee ------------------------------------------------ */

static int read_tracee(struct watch *w, int tid, uint64_t addr, void *buf,
		       size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n;

	if (!len || addr + len < addr)
		return -EFAULT;
	/* a uprobe sample: its stack copy holds what was there at the call */
	if (w->smp && w->smp->stack) {
		uint64_t sp = w->smp->regs[IM_UP_SP], have = w->smp->stack_len;

		if (addr >= sp && addr - sp <= have && have - (addr - sp) >= len) {
			memcpy(buf, w->smp->stack + (addr - sp), len);
			return 0;
		}
	}
	if (deny_read(w, addr) || deny_read(w, addr + len - 1))
		return -EFAULT;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* ---- output ------------------------------------------------------------ */

/* JSON events: one compact object a line, through jsonw */
static void json_event(struct jw *j, FILE *f, const char *ev)
{
	jw_init(j, f, JW_COMPACT);
	jw_obj_begin(j);
	jw_kstr(j, "schema", IM_SCHEMA);
	jw_kstr(j, "event", ev);
}

static void json_event_end(struct watch *w, struct jw *j)
{
	jw_obj_end(j);
	if (jw_finish(j))
		w->out_err = true;
}

static void json_detached(struct watch *w, const char *reason)
{
	struct jw j;

	json_event(&j, w->out, "detached");
	jw_kint(&j, "pid", w->pid);
	jw_kstr(&j, "reason", reason);
	json_event_end(w, &j);
}

static void fmt_time(const struct timespec *ts, char *buf, size_t len,
		     bool iso)
{
	struct tm tm;
	char t[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(t, sizeof(t), iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld%s", t, ts->tv_nsec / 1000, iso ? "Z" : "");
}

/* "vfio 0000:00:03.0 BAR 2 +0x1000", a path, "[anon]" or "unmapped" */
static void describe_hva(struct watch *w, uint64_t hva, char *buf, size_t len)
{
	const struct vrange *v = vr_find(w, hva);
	const struct im_map *mp;

	if (v && v->dev >= 0 && v->bar >= 0) {
		snprintf(buf, len, "vfio %s BAR %d +0x%" PRIx64,
			 w->m->devices[v->dev].bdf, v->bar,
			 v->bar_off + (hva - v->start));
		return;
	}
	if (v) {
		snprintf(buf, len, "vfio (device unknown)");
		return;
	}
	mp = map_find(w, hva);
	if (!mp) {
		maps_refresh(w);
		mp = map_find(w, hva);
	}
	if (!mp)
		snprintf(buf, len, "unmapped");
	else
		snprintf(buf, len, "%s", mp->path[0] ? mp->path : "[anon]");
}

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return NULL;
	}
}

/* the stack: a line of text, or with j the event's "stack" array */
static void print_stack(struct watch *w, struct jw *j, const struct event *e)
{
	FILE *f = w->out;
	bool refreshed = false;

	if (j) {
		jw_key(j, "stack");
		jw_arr_begin(j);
	} else {
		fputs("    ", f);
	}
	if (e->nips <= 0) {
		if (j)
			jw_arr_end(j);
		else
			fprintf(f, "(no stack: %s)\n", strerror(-e->nips));
		return;
	}
	for (int i = 0; i < e->nips; i++) {
		/* return addresses point after the call: look up ip - 1 */
		uint64_t look = i ? e->ips[i] - 1 : e->ips[i];
		struct im_sym s;
		char name[256];
		int ret = im_sym_resolve(w->maps, w->nmaps, look, &s);

		if (ret == -EFAULT && !refreshed) {
			maps_refresh(w);
			refreshed = true;
			ret = im_sym_resolve(w->maps, w->nmaps, look, &s);
		}
		if (j) {
			bool named = !ret && s.name;

			jw_obj_begin(j);
			jw_khex(j, "ip", e->ips[i]);
			jw_kstr(j, "symbol", named ? s.name : NULL);
			jw_khex_or_null(j, "offset", named, s.offset + (i ? 1 : 0));
			jw_kstr(j, "file", s.file);
			if (!ret)
				jw_khex(j, "vaddr", s.vaddr + (i ? 1 : 0));
			jw_kstr(j, "table", !ret ? s.table : NULL);
			jw_kstr(j, "build_id", !ret ? s.build_id : NULL);
			jw_obj_end(j);
			continue;
		}
		if (!ret && s.name) {
			/* "pthread_cond_wait@@GLIBC_2.3.2": the name is enough */
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(s.name, "@"), s.name);
		} else if (!ret) {
			snprintf(name, sizeof(name), "%s+0x%" PRIx64,
				 im_basename(s.file), s.vaddr + (i ? 1 : 0));
		} else {
			snprintf(name, sizeof(name), "0x%" PRIx64, e->ips[i]);
		}
		fprintf(f, "%s%s", i ? " \u2190 " : "", name);
	}
	if (j)
		jw_arr_end(j);
	else
		fputc('\n', f);
}

/* the result: text after the call, or with j "result" and "errno" */
static void print_result(struct watch *w, struct jw *j, const struct event *e)
{
	FILE *f = w->out;
	int en = e->is_error ? (int)-e->rval : 0;
	const char *n = en ? errname(en) : NULL;

	if (j) {
		char num[16];

		jw_key(j, "result");
		if (!e->done)
			jw_null(j);
		else if (e->is_error)
			jw_int(j, -1);
		else if (e->kind == EV_MMAP)
			jw_hex(j, (uint64_t)e->rval);
		else
			jw_int(j, e->rval);
		jw_key(j, "errno");
		if (!e->done || !e->is_error || e->errno_unknown) {
			jw_null(j);
		} else if (n) {
			jw_str(j, n);
		} else {
			snprintf(num, sizeof(num), "%d", en);
			jw_str(j, num);
		}
		return;
	}
	if (!e->done)
		fputs(" = ? (thread left the syscall unfinished)", f);
	else if (e->is_error && e->errno_unknown)
		fputs(" = -1 (errno not seen)", f);
	else if (e->is_error)
		fprintf(f, " = -1 %s (%s)", n ? n : "", strerror(en));
	else if (e->kind == EV_MMAP)
		fprintf(f, " = 0x%" PRIx64, (uint64_t)e->rval);
	else
		fprintf(f, " = %" PRId64, e->rval);
}

static void json_head(struct watch *w, struct jw *j, const struct event *e, const char *ev)
{
	char ts[64];

	fmt_time(&e->ts, ts, sizeof(ts), true);
	json_event(j, w->out, ev);
	jw_kstr(j, "time", ts);
	jw_kint(j, "pid", w->pid);
	jw_kint(j, "tid", e->tid);
	jw_kint(j, "fd", e->fd);
	jw_kstr(j, "fd_target", e->fd_target);
}

static void print_memslot(struct watch *w, const struct event *e)
{
	const struct im_kvm_region2 *r = &e->r;
	const char *name = e->region2 ? "KVM_SET_USER_MEMORY_REGION2" :
		"KVM_SET_USER_MEMORY_REGION";
	const char *op = r->memory_size ? "add" : "delete";
	char backing[300] = "", ts[64];

	if (e->r_read && r->memory_size)
		describe_hva(w, r->userspace_addr, backing, sizeof(backing));
	if (w->json) {
		struct jw j;

		json_head(w, &j, e, "kvm_set_user_memory_region");
		jw_kstr(&j, "ioctl", name);
		if (!e->r_read) {
			jw_knull(&j, "slot");
		} else {
			jw_kint(&j, "slot", r->slot & 0xffff);
			jw_kint(&j, "as_id", r->slot >> 16);
			jw_khex(&j, "flags", r->flags);
			jw_khex(&j, "gpa", r->guest_phys_addr);
			jw_khex(&j, "size", r->memory_size);
			jw_khex(&j, "hva", r->userspace_addr);
			jw_kstr(&j, "op", op);
			jw_kstr(&j, "backing", backing[0] ? backing : NULL);
			if (e->region2) {
				jw_kint(&j, "guest_memfd", (int)r->guest_memfd);
				jw_khex(&j, "guest_memfd_offset", r->guest_memfd_offset);
			}
		}
		print_result(w, &j, e);
		print_stack(w, &j, e);
		json_event_end(w, &j);
		return;
	}
	fmt_time(&e->ts, ts, sizeof(ts), false);
	fprintf(w->out, "%s tid %d %s fd %d", ts, e->tid, name, e->fd);
	if (!e->r_read)
		fputs(" (struct unreadable)", w->out);
	else
		fprintf(w->out, " slot %u as %u %s gpa 0x%" PRIx64 " size 0x%"
			PRIx64 " hva 0x%" PRIx64 " flags 0x%x",
			r->slot & 0xffff, r->slot >> 16, op,
			(uint64_t)r->guest_phys_addr, (uint64_t)r->memory_size,
			(uint64_t)r->userspace_addr, r->flags);
	if (e->r_read && e->region2)
		fprintf(w->out, " guest_memfd %d@0x%" PRIx64,
			(int)r->guest_memfd, (uint64_t)r->guest_memfd_offset);
	print_result(w, NULL, e);
	if (backing[0])
		fprintf(w->out, " [%s]", backing);
	fputc('\n', w->out);
	print_stack(w, NULL, e);
}

static void print_mmap(struct watch *w, const struct event *e)
{
	bool mm = e->kind == EV_MMAP;
	const struct im_device *d = e->dev >= 0 ? &w->m->devices[e->dev] : NULL;
	uint64_t bar_off = e->off & REGION_MASK;
	bool have_hpa = d && e->bar >= 0 && e->bar < IM_NBARS &&
		d->bars[e->bar].size;
	char ts[64];

	if (w->json) {
		struct jw j;

		json_head(w, &j, e, mm ? "mmap" : "munmap");
		if (mm)
			jw_khex_or_null(&j, "hva", !e->is_error && e->done, (uint64_t)e->rval);
		else
			jw_khex(&j, "hva", e->addr);
		jw_khex(&j, "size", e->len);
		if (mm)
			jw_khex(&j, "offset", e->off);
		jw_kstr(&j, "device", d ? d->bdf : NULL);
		if (e->bar >= 0) {
			jw_kint(&j, "bar", e->bar);
			jw_khex(&j, "bar_offset", bar_off);
		} else {
			jw_knull(&j, "bar");
			jw_knull(&j, "bar_offset");
		}
		jw_khex_or_null(&j, "hpa", have_hpa, have_hpa ? d->bars[e->bar].hpa + bar_off : 0);
		jw_kstr(&j, "ident", e->ident);
		print_result(w, &j, e);
		print_stack(w, &j, e);
		json_event_end(w, &j);
		return;
	}
	fmt_time(&e->ts, ts, sizeof(ts), false);
	if (mm)
		fprintf(w->out, "%s tid %d mmap fd %d (%s) size 0x%" PRIx64
			" offset 0x%" PRIx64, ts, e->tid, e->fd, e->fd_target,
			e->len, e->off);
	else
		fprintf(w->out, "%s tid %d munmap hva 0x%" PRIx64 " size 0x%"
			PRIx64, ts, e->tid, e->addr, e->len);
	print_result(w, NULL, e);
	if (d || e->bar >= 0) {
		fprintf(w->out, " [vfio %s BAR %d +0x%" PRIx64,
			d ? d->bdf : "(device unknown)", e->bar, bar_off);
		if (have_hpa)
			fprintf(w->out, " hpa 0x%" PRIx64,
				d->bars[e->bar].hpa + bar_off);
		if (e->ident && strcmp(e->ident, "model"))
			fprintf(w->out, ", by %s", e->ident);
		fputc(']', w->out);
	}
	fputc('\n', w->out);
	print_stack(w, NULL, e);
}

static void emit(struct watch *w, const struct event *e)
{
	stats.events++;
	if (e->kind == EV_MEMSLOT)
		print_memslot(w, e);
	else
		print_mmap(w, e);
	if (fflush(w->out) == EOF || ferror(w->out))
		w->out_err = true;
}

/* ---- syscall stops ----------------------------------------------------- */

/* the stack of the call being handled: a ptrace stop's, or the sample's */
static void take_stack(struct watch *w, struct event *e)
{
	if (w->smp)
		e->nips = im_unwind_sample(w->uw, w->pid, w->smp->regs,
					   w->smp->stack, w->smp->stack_len,
					   e->ips, MAX_FRAMES);
	else
		e->nips = im_unwind_tid(w->uw, e->tid, e->ips, MAX_FRAMES);
}

/*
 * A call's entry: nr is the syscall it makes (SYS_ioctl, SYS_mmap,
 * SYS_munmap; others are ignored), a[] its arguments in syscall order.
 * For kvm_vm_ioctl probes a[0] is w->vm_fd (the function takes KVMState *).
 */
static void on_call_entry(struct watch *w, struct wthread *t, uint64_t nr,
			  const uint64_t *a)
{
	struct event *e = &t->ev;

	memset(e, 0, sizeof(*e));
	e->tid = t->tid;
	e->dev = e->bar = -1;
	e->fd = -1;
	if (nr == SYS_ioctl && ((unsigned int)a[1] == KVM_SET_USER_MEMORY_REGION ||
				(unsigned int)a[1] == IM_KVM_SET_USER_MEMORY_REGION2)) {
		e->fd = (int)a[0];
		if (fd_classify(w, e->fd, e->fd_target, sizeof(e->fd_target)) !=
		    FD_VM)
			return;
		clock_gettime(CLOCK_REALTIME, &e->ts);
		e->kind = EV_MEMSLOT;
		e->region2 = (unsigned int)a[1] == IM_KVM_SET_USER_MEMORY_REGION2;
		e->r_read = !read_tracee(w, t->tid, a[2], &e->r,
					 e->region2 ? sizeof(e->r) :
					 sizeof(struct kvm_userspace_memory_region));
		take_stack(w, e);
	} else if (nr == SYS_mmap && !(a[3] & MAP_ANONYMOUS) &&
		   (int)a[4] >= 0) {
		e->fd = (int)a[4];
		if (fd_classify(w, e->fd, e->fd_target, sizeof(e->fd_target)) !=
		    FD_VFIO) {
			/* a MAP_FIXED mapping of anything replaces vfio pages */
			if (a[3] & MAP_FIXED) {
				e->kind = EV_NONE;
				e->addr = a[0];
				e->len = a[1];
				e->flags = a[3];
			}
			return;
		}
		clock_gettime(CLOCK_REALTIME, &e->ts);
		e->kind = EV_MMAP;
		e->addr = a[0];
		e->len = a[1];
		e->prot = a[2];
		e->flags = a[3];
		e->off = a[5];
		e->bar = (int)(e->off >> REGION_SHIFT);
		e->dev = fd_device(w, e->fd, e->fd_target, &e->ident);
		take_stack(w, e);
	} else if (nr == SYS_munmap) {
		bool hit = false;

		for (size_t i = 0; i < w->nvr && !hit; i++)
			hit = w->vr[i].start < a[0] + a[1] &&
			      a[0] < w->vr[i].end;
		if (!hit)
			return;
		clock_gettime(CLOCK_REALTIME, &e->ts);
		e->kind = EV_MUNMAP;
		e->addr = a[0];
		e->len = a[1];
		for (size_t i = 0; i < w->nvr; i++)
			if (w->vr[i].start <= a[0] && a[0] < w->vr[i].end) {
				e->dev = w->vr[i].dev;
				e->bar = w->vr[i].bar;
				e->off = ((uint64_t)(e->bar < 0 ? 0 : e->bar)
					  << REGION_SHIFT) |
					 (w->vr[i].bar_off + a[0] - w->vr[i].start);
			}
		take_stack(w, e);
	}
}

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

/* After a vfio mmap: name the device from the maps offset if we could not. */
static void after_mmap(struct watch *w, struct event *e)
{
	uint64_t hva = (uint64_t)e->rval;
	const struct im_map *mp;

	maps_refresh(w);
	mp = map_find(w, hva);
	if (e->dev < 0 && mp && w->m->offset_mode != IM_OFF_REGION) {
		int dev, bar;

		/* < 6.10 rewrites vm_pgoff to the BAR's HPA (+ offset) */
		if (dev_by_hpa(w->m, mp->offset + (hva - mp->start), &dev,
			       &bar) && bar == e->bar) {
			e->dev = dev;
			e->ident = "hpa";
		}
	}
	if (e->dev < 0) {
		e->dev = dev_guess(w->m, e->bar, (e->off & REGION_MASK) + e->len);
		if (e->dev >= 0)
			e->ident = "guess";
	}
	vr_remove(w, hva, hva + e->len);
	vr_add(w, hva, hva + e->len, e->dev, e->bar, e->off & REGION_MASK);
}

/* A call's return: rval, and whether it failed (rval -errno if known). */
static void on_call_exit(struct watch *w, struct wthread *t, int64_t rval,
			 bool is_error, bool errno_unknown)
{
	struct event *e = &t->ev;

	if (e->kind == EV_NONE) {
		/* MAP_FIXED of something else over a vfio range */
		if (e->flags & MAP_FIXED && !is_error)
			vr_remove(w, e->addr, e->addr + e->len);
		e->flags = 0;
		return;
	}
	e->done = true;
	e->rval = rval;
	e->is_error = is_error;
	e->errno_unknown = errno_unknown;
	if (e->kind == EV_MMAP && !e->is_error)
		after_mmap(w, e);
	emit(w, e);
	if (e->kind == EV_MUNMAP && !e->is_error) {
		vr_remove(w, e->addr, e->addr + e->len);
		maps_refresh(w);
	}
	e->kind = EV_NONE;
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

	stats.syscall_stops++;
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

/* A thread we could not probe: say so, its calls go unseen. */
static void warn_unprobed(struct watch *w, int tid, int err)
{
	stats.unprobed++;
	if (w->json) {
		struct jw j;

		json_event(&j, w->out, "unprobed");
		jw_kint(&j, "pid", w->pid);
		jw_kint(&j, "tid", tid);
		jw_kstr(&j, "error", strerror(-err));
		json_event_end(w, &j);
	} else {
		fprintf(w->out, "thread %d: cannot probe it (%s): its calls are "
			"not seen\n", tid, strerror(-err));
	}
	fflush(w->out);
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
static void on_status(struct watch *w, int tid, int st)
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
		stats.signals_passed++;
		resume(w, tid, sig);
		return;
	case PTRACE_EVENT_STOP:
		if (is_stop_sig(sig)) {
			/* group-stop: keep it stopped, as without us */
			stats.group_stops++;
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

static void explain_eperm(struct watch *w, struct im_err *err)
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
static int attach_all(struct watch *w, struct im_err *err)
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
static void detach_all(struct watch *w)
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
			stats.signals_passed++;
		if (ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)sig) == 0)
			stats.detached++;
		th_del(w, tid);
	}
}

/* ---- uprobes ------------------------------------------------------------ */

enum { UP_IOCTL, UP_IOCTL_RET, UP_MMAP, UP_MMAP_RET, UP_MUNMAP, UP_MUNMAP_RET,
       UP_N };

struct up_plan {
	struct im_uprobe_def defs[UP_N];
	char paths[2][4200];	/* the ioctl probe's file, libc */
	char where[3][160];	/* for the start line */
	bool vm_ioctl;		/* kvm_vm_ioctl(KVMState *, int, ...) */
};

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

static void up_on_rec(void *ctx, const struct im_uprobe_rec *r)
{
	struct watch *w = ctx;
	struct wthread *t;
	uint64_t a[6] = { 0 };
	const uint64_t *g = r->regs;
	struct timespec ts;
	int64_t ns;

	if (r->id < 0) {
		if (w->json) {
			struct jw j;

			json_event(&j, w->out, "lost");
			jw_kint(&j, "pid", w->pid);
			jw_key(&j, "samples");
			jw_uint(&j, r->lost);
			json_event_end(w, &j);
		} else {
			fprintf(w->out, "lost %" PRIu64 " probe samples (the "
				"ring buffer was full): events may be missing\n",
				r->lost);
		}
		stats.lost += r->lost;
		return;
	}
	if (!r->have_regs)
		return;
	t = th_add(w, r->tid);
	if (!t)
		return;
	stats.probe_hits++;
	w->smp = r;
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
		if (w->uprobe_vm_ioctl) {
			int32_t v = (int32_t)g[IM_UP_AX];	/* 0 or -errno */

			on_call_exit(w, t, v, v < 0, false);
		} else {
			int32_t v = (int32_t)g[IM_UP_AX];	/* -1: errno unseen */

			on_call_exit(w, t, v, v == -1, true);
		}
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
	/* the sample's time, not ours: events may be read a little later */
	if (t->ev.kind != EV_NONE && !t->ev.done) {
		ns = (int64_t)r->time_ns + w->mono_to_real_ns;
		ts.tv_sec = ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		t->ev.ts = ts;
	}
	w->smp = NULL;
	/* a thread not traced (gone, never seized): kept for a call in flight */
	if (!t->traced && t->ev.kind == EV_NONE && !(t->ev.flags & MAP_FIXED))
		th_del(w, t->tid);
}

static void print_start(struct watch *w, const struct up_plan *pl,
			size_t nthreads, const char *why)
{
	FILE *out = w->out;

	if (w->json) {
		struct jw j;

		json_event(&j, out, "attached");
		jw_kint(&j, "pid", w->pid);
		jw_key(&j, "threads");
		jw_uint(&j, nthreads);
		jw_kstr(&j, "method", pl ? "uprobe" : "ptrace");
		if (pl) {
			jw_key(&j, "probes");
			jw_arr_begin(&j);
			for (int i = 0; i < 3; i++)
				jw_str(&j, pl->where[i]);
			jw_arr_end(&j);
			jw_kstr(&j, "threads_followed", why);
		} else {
			jw_kstr(&j, "why", why);
		}
		json_event_end(w, &j);
	} else if (pl) {
		fprintf(out, "watching PID %d (%zu threads) with uprobes at %s, "
			"%s, %s; the target does not stop; %s; interrupt to "
			"stop\n", w->pid, nthreads, pl->where[0], pl->where[1],
			pl->where[2], why);
	} else {
		fprintf(out, "watching PID %d (%zu threads) with ptrace: every "
			"syscall stops (%s); interrupt to stop\n", w->pid,
			nthreads, why);
	}
	fflush(out);
}

/*
 * Watch with uprobes.  -EAGAIN when they cannot be used (why says why: the
 * caller falls back to ptrace), else as im_watch().
 */
static int watch_uprobes(struct watch *w, volatile sig_atomic_t *stop,
			 struct im_err *err, char *why, size_t whylen)
{
	struct im_uprobes *u = NULL;
	struct up_plan pl;
	struct timespec mono, real;
	struct pollfd *pfd = NULL;
	struct im_err perr = { .msg = "" };
	char follow[400];
	int *fds = NULL, pidfd, sigfd = -1, ret = 0;
	size_t n = 0;
	bool traced;

#if !defined(__x86_64__)
	snprintf(why, whylen, "uprobes are implemented for x86-64 only");
	return -EAGAIN;
#endif
	if (up_plan(w, &pl, why, whylen) < 0)
		return -EAGAIN;
	w->uprobe_vm_ioctl = pl.vm_ioctl;
	find_vm_fd(w);
	if (im_uprobes_open(w->pid, pl.defs, UP_N, &u, why, whylen) < 0)
		return -EAGAIN;
	w->uprobe = true;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	w->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			     (real.tv_nsec - mono.tv_nsec);
	/*
	 * ptrace only to see threads being created, stopped before their
	 * first instruction, so that their probes are open before they run:
	 * PTRACE_CONT, never a syscall stop.  Without ptrace permission, new
	 * threads are found by rescanning the task list.
	 */
	w->up = u;
	w->cont = true;
	traced = attach_all(w, &perr) == 0;
	if (traced) {
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
		snprintf(follow, sizeof(follow), "new threads are probed "
			 "before they run (ptrace, PTRACE_CONT only)");
	} else {
		detach_all(w);
		w->up = NULL;
		snprintf(follow, sizeof(follow), "new threads are probed "
			 "within %d ms (no ptrace: %s)", UP_RESCAN_MS, perr.msg);
	}
	pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	print_start(w, &pl, im_uprobes_threads(u), follow);
	for (bool changed = true; !*stop && !w->out_err;) {
		int r, tid, st;

		if (changed || w->up_changed) {
			w->up_changed = false;
			n = im_uprobes_threads(u);
			free(fds);
			free(pfd);
			fds = im_calloc(n + 2, sizeof(*fds));
			pfd = im_calloc(n + 2, sizeof(*pfd));
			if (!fds || !pfd) {
				ret = -ENOMEM;
				break;
			}
			n = im_uprobes_pollfds(u, fds, n);
			for (size_t i = 0; i < n; i++)
				pfd[i] = (struct pollfd){ .fd = fds[i],
							  .events = POLLIN };
			pfd[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			pfd[n + 1] = (struct pollfd){ .fd = sigfd,
						      .events = POLLIN };
		}
		r = poll(pfd, n + 2, im_uprobes_pending(u) ? 0 :
			 traced ? 250 : UP_RESCAN_MS);
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (traced) {
			struct signalfd_siginfo ssi;

			while (read(sigfd, &ssi, sizeof(ssi)) > 0)
				;
			/* thread births (probed in on_status), signals, exits */
			while ((tid = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
				on_status(w, tid, st);
		}
		ret = im_uprobes_drain(u, up_on_rec, w);
		if (ret < 0)
			break;
		if ((pidfd >= 0 && pfd[n].revents) ||
		    (pidfd < 0 && kill(w->pid, 0) < 0 && errno == ESRCH) ||
		    (traced && !w->nth)) {
			ret = -ECHILD;
			break;
		}
		changed = false;
		if (!traced) {
			ret = im_uprobes_rescan(u, &changed);
			if (ret == -ESRCH) {
				ret = -ECHILD;
				break;
			}
			if (ret < 0)
				break;
		}
	}
	/*
	 * What is in the buffers (all of it); then let the threads go before
	 * the slow part, closing the probes (QEMU runs meanwhile; a probe hit
	 * until then costs it a trap, no stop).
	 */
	if (ret != -ENOMEM)
		while (im_uprobes_drain(u, up_on_rec, w) == 0 &&
		       im_uprobes_pending(u) && !w->out_err)
			;
	w->up = NULL;
	if (traced)
		detach_all(w);
	im_uprobes_close(u);
	if (pidfd >= 0)
		close(pidfd);
	if (sigfd >= 0)
		close(sigfd);
	/* calls entered but not returned when we stopped */
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].ev.kind != EV_NONE) {
			emit(w, &w->th[i].ev);
			w->th[i].ev.kind = EV_NONE;
		}
	free(fds);
	free(pfd);
	(void)err;
	return ret;
}

int im_watch(struct im_model *m, FILE *out, bool json,
	     enum im_watch_method method, volatile sig_atomic_t *stop,
	     struct im_err *err)
{
	struct watch w = { .m = m, .out = out, .json = json, .pid = m->pid };
	sigset_t chld, old;
	char why[256] = "asked for";
	int ret;

	memset(&stats, 0, sizeof(stats));
	if (m->pid <= 0) {
		im_err_set(err, "", 0, "watch needs --pid");
		return -EINVAL;
	}
	w.uw = im_unwind_new(deny_read, &w);
	if (!w.uw)
		return -ENOMEM;
	im_elfsym_set_pid(w.pid);
	ret = im_maps_read_live(w.pid, &w.maps, &w.nmaps);
	if (ret == -EACCES || ret == -EPERM) {
		/* maps needs the same access as ptrace: same explanation */
		explain_eperm(&w, err);
		im_unwind_free(w.uw);
		return -EPERM;
	}
	if (ret < 0) {
		im_err_set(err, "", 0, "cannot read /proc/%d/maps: %s", w.pid,
			   strerror(-ret));
		im_unwind_free(w.uw);
		return ret == -ENOENT ? -ESRCH : ret;
	}
	/* vfio mappings already there: from the correlated model */
	vr_from_maps(&w, m->maps, m->nmaps);
	vr_from_maps(&w, w.maps, w.nmaps);

	/*
	 * SIGCHLD: waited for with sigtimedwait().  SIGPIPE: a closed output
	 * must not kill us while threads are stopped; writes fail with EPIPE
	 * instead, we detach and return -EIO.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGPIPE);
	sigprocmask(SIG_BLOCK, &chld, &old);

	if (method != IM_WATCH_PTRACE) {
		ret = watch_uprobes(&w, stop, err, why, sizeof(why));
		if (ret == -EAGAIN && method == IM_WATCH_UPROBE) {
			im_err_set(err, "", 0, "watch --method=uprobe: %s", why);
			ret = -ENOTSUP;
			goto out_mask;
		}
		if (ret != -EAGAIN)
			goto done;
	}
	ret = attach_all(&w, err);
	if (ret == 0)
		print_start(&w, NULL, w.nth, why);
	while (ret == 0 && !*stop && !w.out_err) {
		int tid, st, r = wait_next(&tid, &st, 250);

		if (r == -EAGAIN)
			continue;
		if (r < 0) {
			ret = r;
			break;
		}
		on_status(&w, tid, st);
		if (!w.nth) {
			ret = -ECHILD;
			break;
		}
	}
	detach_all(&w);
done:
	if (ret == -ECHILD)
		im_err_set(err, "", 0, "PID %d exited", w.pid);
	else if (ret == 0 && w.out_err)
		ret = -EIO;
	if (ret == 0 || ret == -ECHILD) {
		if (json)
			json_detached(&w, ret ? "target-exited" : "stopped");
		else
			fprintf(out, "detached from PID %d (%s)\n", w.pid,
				ret ? "it exited" : "stopped");
		fflush(out);
	}
out_mask:
	if (w.out_err) {
		/* consume the SIGPIPE our own writes raised */
		sigset_t pipe_set, pend;
		struct timespec zero = { 0, 0 };

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		sigpending(&pend);
		if (sigismember(&pend, SIGPIPE) && !sigismember(&old, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	im_unwind_free(w.uw);
	im_maps_free(w.maps, w.nmaps);
	free(w.fdc);
	free(w.th);
	free(w.vr);
	return ret;
}

/* ---- --poll: memslot generation through the module, no ptrace ---------- */

static int slot_cmp(const void *a, const void *b)
{
	const struct iommu_map_memslot *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void print_slot(struct watch *w, const struct timespec *ts,
		       uint64_t gen, const char *op,
		       const struct iommu_map_memslot *u, uint32_t old_flags)
{
	struct im_memslot sl;
	char backing[300] = "", t[64];

	im_kmod_memslot_from_uapi(u, &sl);
	if (sl.size && sl.hva && w->pid > 0)
		describe_hva(w, sl.hva, backing, sizeof(backing));
	stats.events++;
	if (w->json) {
		struct jw j;

		fmt_time(ts, t, sizeof(t), true);
		json_event(&j, w->out, "memslot");
		jw_kstr(&j, "op", op);
		jw_kstr(&j, "time", t);
		jw_kint(&j, "pid", w->pid);
		jw_khex(&j, "generation", gen);
		jw_kint(&j, "as_id", sl.as_id);
		jw_kint(&j, "slot", sl.slot);
		jw_khex(&j, "gpa", sl.gpa);
		jw_khex(&j, "size", sl.size);
		jw_khex(&j, "hva", sl.hva);
		jw_khex(&j, "flags", sl.flags);
		if (!strcmp(op, "flags"))
			jw_khex(&j, "old_flags", old_flags);
		jw_kstr(&j, "backing", backing[0] ? backing : NULL);
		json_event_end(w, &j);
	} else {
		fmt_time(ts, t, sizeof(t), false);
		fprintf(w->out, "%s memslot %-6s as %d slot %d gpa 0x%" PRIx64
			" size 0x%" PRIx64 " hva 0x%" PRIx64 " flags 0x%x", t, op,
			sl.as_id, sl.slot, sl.gpa, sl.size, sl.hva, sl.flags);
		if (!strcmp(op, "flags"))
			fprintf(w->out, " (was 0x%x)", old_flags);
		if (backing[0])
			fprintf(w->out, " [%s]", backing);
		fprintf(w->out, " gen 0x%" PRIx64 "\n", gen);
	}
}

/* Print what changed from old[] to cur[] (both sorted by as_id, id). */
static void diff_slots(struct watch *w, uint64_t gen,
		       const struct iommu_map_memslot *old, size_t nold,
		       const struct iommu_map_memslot *cur, size_t ncur)
{
	struct timespec ts;
	size_t i = 0, j = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	while (i < nold || j < ncur) {
		int c = i == nold ? 1 : j == ncur ? -1 : slot_cmp(&old[i], &cur[j]);

		if (c < 0) {
			print_slot(w, &ts, gen, "delete", &old[i++], 0);
		} else if (c > 0) {
			print_slot(w, &ts, gen, "add", &cur[j++], 0);
		} else {
			if (old[i].base_gfn != cur[j].base_gfn ||
			    old[i].npages != cur[j].npages ||
			    old[i].userspace_addr != cur[j].userspace_addr) {
				/* the slot id was reused: a delete and an add */
				print_slot(w, &ts, gen, "delete", &old[i], 0);
				print_slot(w, &ts, gen, "add", &cur[j], 0);
			} else if (old[i].flags != cur[j].flags) {
				print_slot(w, &ts, gen, "flags", &cur[j],
					   old[i].flags);
			}
			i++;
			j++;
		}
	}
	if (fflush(w->out) == EOF || ferror(w->out))
		w->out_err = true;
}

int im_watch_poll_with(struct im_model *m, FILE *out, bool json,
		       unsigned int interval_ms, volatile sig_atomic_t *stop,
		       im_watch_ioctl_fn fn, void *ctx, int vm_fd, int pidfd,
		       struct im_err *err)
{
	struct watch w = { .m = m, .out = out, .json = json, .pid = m->pid };
	struct iommu_map_memslot *old = NULL, *cur = NULL;
	size_t nold = 0, ncur = 0;
	uint64_t gen = 0, ngen = 0;
	sigset_t pipe_set, oldmask;
	int ret;

	memset(&stats, 0, sizeof(stats));
	if (!interval_ms)
		interval_ms = 100;
	ret = im_kmod_fetch_memslots(fn, ctx, vm_fd, &old, &nold, &gen);
	if (ret < 0) {
		im_err_set(err, "", 0, "IOMMU_MAP_MEMSLOTS: %s", strerror(-ret));
		return ret;
	}
	qsort(old, nold, sizeof(*old), slot_cmp);
	if (m->pid > 0 && im_maps_read_live(m->pid, &w.maps, &w.nmaps) == 0) {
		vr_from_maps(&w, m->maps, m->nmaps);
		vr_from_maps(&w, w.maps, w.nmaps);
	}
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &oldmask);
	if (json) {
		struct jw j;

		json_event(&j, out, "polling");
		jw_kint(&j, "pid", m->pid);
		jw_key(&j, "slots");
		jw_uint(&j, nold);
		jw_khex(&j, "generation", gen);
		jw_kint(&j, "interval_ms", interval_ms);
		json_event_end(&w, &j);
	} else {
		fprintf(out, "polling the memslots of PID %d every %u ms (%zu "
			"slots, generation 0x%" PRIx64 "); interrupt to stop\n",
			m->pid, interval_ms, nold, gen);
	}
	if (fflush(out) == EOF)
		w.out_err = true;
	while (!*stop && !w.out_err) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int r = poll(&pfd, pidfd >= 0 ? 1 : 0, (int)interval_ms);

		if (r > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
			ret = -ECHILD;
			im_err_set(err, "", 0, "PID %d exited", m->pid);
			break;
		}
		if (*stop)
			break;
		ret = im_kmod_fetch_memslots(fn, ctx, vm_fd, &cur, &ncur, &ngen);
		if (ret < 0) {
			im_err_set(err, "", 0, "IOMMU_MAP_MEMSLOTS: %s",
				   strerror(-ret));
			break;
		}
		stats.syscall_stops++;	/* here: polls */
		if (ngen != gen) {
			qsort(cur, ncur, sizeof(*cur), slot_cmp);
			if (m->pid > 0)
				maps_refresh(&w);
			vr_from_maps(&w, w.maps, w.nmaps);
			diff_slots(&w, ngen, old, nold, cur, ncur);
			free(old);
			old = cur;
			nold = ncur;
			gen = ngen;
		} else {
			free(cur);
		}
		cur = NULL;
	}
	if (!ret && w.out_err)
		ret = -EIO;
	if (ret == 0 || ret == -ECHILD) {
		if (json)
			json_detached(&w, ret ? "target-exited" : "stopped");
		else
			fprintf(out, "stopped polling PID %d (%s)\n", m->pid,
				ret ? "it exited" : "stopped");
		fflush(out);
	}
	if (w.out_err) {
		sigset_t pend;
		struct timespec zero = { 0, 0 };

		sigpending(&pend);
		if (sigismember(&pend, SIGPIPE) &&
		    !sigismember(&oldmask, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	free(old);
	im_maps_free(w.maps, w.nmaps);
	free(w.vr);
	return ret;
}

static int kmod_dev_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ioctl(*(int *)ctx, req, arg) < 0 ? -errno : 0;
}

int im_watch_poll(struct im_model *m, FILE *out, bool json,
		  unsigned int interval_ms, volatile sig_atomic_t *stop,
		  struct im_err *err)
{
	char target[128];
	struct watch w = { .m = m, .pid = m->pid };
	int kfd, pidfd, vmfd = -1, tfd = -1, ret;

	if (m->pid <= 0) {
		im_err_set(err, "", 0, "watch --poll needs --pid");
		return -EINVAL;
	}
	for (size_t i = 0; i < m->nfds && tfd < 0; i++)
		if (im_fd_target_is_kvm_vm(m->fds[i].target))
			tfd = m->fds[i].fd;
	if (tfd < 0) {
		/* not in the model: look for it */
		char path[64];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/fd", m->pid);
		d = opendir(path);
		while (d && (de = readdir(d)) && tfd < 0) {
			int fd = atoi(de->d_name);

			if (de->d_name[0] != '.' &&
			    fd_classify(&w, fd, target, sizeof(target)) == FD_VM)
				tfd = fd;
		}
		if (d)
			closedir(d);
	}
	if (tfd < 0) {
		im_err_set(err, "", 0, "PID %d holds no anon_inode:kvm-vm fd "
			   "(not a KVM guest?)", m->pid);
		return -ENOENT;
	}
	kfd = open(IOMMU_MAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (kfd < 0) {
		ret = -errno;
		im_err_set(err, "", 0, "--poll needs the iommu_map module: "
			   "%s: %s", IOMMU_MAP_DEVICE, strerror(errno));
		return ret == -ENOENT ? -ENODEV : ret;
	}
	pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (pidfd >= 0)
		vmfd = (int)syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
	if (pidfd < 0 || vmfd < 0) {
		ret = -errno;
		im_err_set(err, "", 0, "cannot get PID %d's VM fd %d: %s "
			   "(pidfd_getfd needs the same rights as ptrace)",
			   m->pid, tfd, strerror(errno));
		if (pidfd >= 0)
			close(pidfd);
		close(kfd);
		return ret;
	}
	ret = im_watch_poll_with(m, out, json, interval_ms, stop,
				 kmod_dev_ioctl, &kfd, vmfd, pidfd, err);
	close(vmfd);
	close(pidfd);
	close(kfd);
	return ret;
}
