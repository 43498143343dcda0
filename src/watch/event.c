// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * event.c - a call the target makes, into an event: its entry (number and
 * arguments, from a syscall stop or a uprobe sample) and its return feed
 * on_call_entry()/on_call_exit(), whichever method saw them.  Names the fd
 * (a KVM VM fd, a vfio device fd), the device and BAR behind it, reads the
 * struct it passes (never inside a vfio or /dev mapping) and its stack.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* process_vm_readv, getline */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "watch/unwind.h"
#include "watch/watch-int.h"

static const char *test_vm_match, *test_vfio_match;

void im_watch_test_fd_match(const char *vm_match, const char *vfio_match)
{
	test_vm_match = vm_match;
	test_vfio_match = vfio_match;
}

/* ---- fds and devices --------------------------------------------------- */


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

enum fd_kind fd_classify(struct watch *w, int fd, char *target,
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

/*
 * The device behind a vfio fd, by correlate's rules (link_fds: the sysfs
 * path fdinfo names, else the N of a cdev fd), but read now: an fd opened
 * since the model was loaded, to a device perhaps bound to vfio-pci since
 * (a hot-plug, what watch is for), is in no source the model read.  So,
 * the model's own fd first; then the fd's fdinfo now; then for a cdev fd
 * the vfio-dev/vfioN link now, where the model's vfio_cdev would miss a
 * device that was not yet vfio-pci's at load.
 */
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
				int d = im_find_device(w->m, im_basename(p));

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
			if (p && im_find_device(w->m, p + 1) >= 0) {
				*ident = "cdev";
				return im_find_device(w->m, p + 1);
			}
		}
	}
	return -1;
}

/*
 * Track the vfio mappings of a maps array not tracked yet, with the device
 * and BAR correlate gave them (the model's maps) or would give them
 * (maps read since, identified here by the same rules).
 */
void vr_from_maps(struct watch *w, struct im_map *maps, size_t n)
{
	bool model = maps == w->m->maps;

	if (!model)
		im_identify_maps(w->m, maps, n);
	for (size_t i = 0; i < n; i++) {
		const struct im_map *mp = &maps[i];
		bool known = mp->dev >= 0 && mp->bar >= 0 &&
			     (size_t)mp->dev < w->m->ndevices;

		if (!mp->vfio || vr_find(w, mp->start))
			continue;
		vr_add(w, mp->start, mp->end, known ? mp->dev : -1,
		       known ? mp->bar : -1, known ? mp->bar_offset : 0);
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
void on_call_entry(struct watch *w, struct wthread *t, uint64_t nr,
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
		e->bar = (int)(e->off >> IM_REGION_SHIFT);
		e->dev = fd_device(w, e->fd, e->fd_target, &e->ident);
		take_stack(w, e);
	} else if (nr == SYS_munmap) {
		bool hit = false;

		for (size_t i = 0; i < w->nvr && !hit; i++)
			hit = w->vr[i].start < a[0] + a[1] &&
			      a[0] < w->vr[i].end;	/* any overlap */
		if (!hit)
			return;
		clock_gettime(CLOCK_REALTIME, &e->ts);
		e->kind = EV_MUNMAP;
		e->addr = a[0];
		e->len = a[1];
		const struct im_map *v = vr_find(w, a[0]);

		if (v) {
			e->dev = v->dev;
			e->bar = v->bar;
			e->off = ((uint64_t)(e->bar < 0 ? 0 : e->bar)
				  << IM_REGION_SHIFT) |
				 (v->bar_offset + a[0] - v->start);
		}
		take_stack(w, e);
	}
}

/*
 * After a vfio mmap the fd did not name a device for: the mapping as maps
 * shows it (its offset is the HPA before 6.10), else as the call made it,
 * identified by correlate's rules.
 */
static void after_mmap(struct watch *w, struct event *e)
{
	uint64_t hva = (uint64_t)e->rval;
	const struct im_map *mp;
	struct im_map one = { .vfio = true, .cdev = -1, .dev = -1, .bar = -1 };

	maps_refresh(w);
	mp = map_find(w, hva);
	if (e->dev < 0) {
		one.start = hva;
		one.end = hva + e->len;
		one.offset = e->off;
		if (mp && mp->vfio) {
			one.offset = mp->offset + (hva - mp->start);
			one.cdev = mp->cdev;
		}
		if (!im_identify_maps(w->m, &one, 1) && one.dev >= 0 &&
		    one.bar == e->bar) {
			e->dev = one.dev;
			e->ident = im_ident_name(one.ident);
		}
	}
	vr_remove(w, hva, hva + e->len);
	vr_add(w, hva, hva + e->len, e->dev, e->bar, e->off & IM_REGION_MASK);
}

/* A call's return: rval, and whether it failed (rval -errno if known). */
void on_call_exit(struct watch *w, struct wthread *t, int64_t rval,
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
