// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch.c - `iommu-map watch`: ptrace syscall stops on every thread of the
 * target; report memslot ioctls and vfio mmaps with their stacks.
 *
 * Safety rules kept here:
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
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include "iommu-map.h"
#include "kmod.h"
#include "elfsym.h"
#include "unwind.h"
#include "watch.h"

#define MAX_FRAMES	32
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
	uint64_t ips[MAX_FRAMES];
	int nips;			/* < 0: -errno of the unwind */
};

struct wthread {
	int tid;
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

static const struct im_map *map_find(const struct watch *w, uint64_t addr)
{
	for (size_t i = 0; i < w->nmaps; i++)
		if (w->maps[i].start <= addr && addr < w->maps[i].end)
			return &w->maps[i];
	return NULL;
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
	if (n < 0)
		return FD_OTHER;
	target[n] = '\0';
	if (!strcmp(target, "anon_inode:kvm-vm") ||
	    (test_vm_match && strstr(target, test_vm_match)))
		return FD_VM;
	if (!strcmp(target, "anon_inode:[vfio-device]") ||
	    !strncmp(target, "/dev/vfio/devices/", 18) ||
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
			p = strstr(buf, "vfio-device-syspath:");
			if (p) {
				char *e = p + strcspn(p, "\n");
				char *b;

				*e = '\0';
				b = strrchr(p, '/');
				if (b && dev_by_bdf(w->m, b + 1) >= 0) {
					*ident = "fdinfo";
					return dev_by_bdf(w->m, b + 1);
				}
			}
		}
	}
	if (sscanf(target, "/dev/vfio/devices/vfio%d", &cdev) == 1) {
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

	if (!len || addr + len < addr || deny_read(w, addr) ||
	    deny_read(w, addr + len - 1))
		return -EFAULT;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* ---- output ------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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

static void print_stack(struct watch *w, const struct event *e)
{
	FILE *f = w->out;
	bool refreshed = false;

	if (w->json)
		fputs(",\"stack\":[", f);
	else
		fputs("    ", f);
	if (e->nips <= 0) {
		if (w->json)
			fputs("]", f);
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
		if (w->json) {
			fprintf(f, "%s{\"ip\":\"0x%" PRIx64 "\",\"symbol\":",
				i ? "," : "", e->ips[i]);
			if (!ret && s.name) {
				json_str(f, s.name);
				fprintf(f, ",\"offset\":\"0x%" PRIx64 "\"",
					s.offset + (i ? 1 : 0));
			} else {
				fputs("null,\"offset\":null", f);
			}
			fputs(",\"file\":", f);
			if (s.file)
				json_str(f, s.file);
			else
				fputs("null", f);
			if (!ret)
				fprintf(f, ",\"vaddr\":\"0x%" PRIx64 "\"",
					s.vaddr + (i ? 1 : 0));
			fputs(",\"table\":", f);
			if (!ret && s.table)
				json_str(f, s.table);
			else
				fputs("null", f);
			fputs(",\"build_id\":", f);
			if (!ret && s.build_id)
				json_str(f, s.build_id);
			else
				fputs("null", f);
			fputs("}", f);
			continue;
		}
		if (!ret && s.name) {
			/* "pthread_cond_wait@@GLIBC_2.3.2": the name is enough */
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(s.name, "@"), s.name);
		} else if (!ret) {
			const char *b = strrchr(s.file, '/');

			snprintf(name, sizeof(name), "%s+0x%" PRIx64,
				 b ? b + 1 : s.file, s.vaddr + (i ? 1 : 0));
		} else {
			snprintf(name, sizeof(name), "0x%" PRIx64, e->ips[i]);
		}
		fprintf(f, "%s%s", i ? " \u2190 " : "", name);
	}
	fputs(w->json ? "]" : "\n", f);
}

static void print_result(struct watch *w, const struct event *e)
{
	FILE *f = w->out;
	int en = e->is_error ? (int)-e->rval : 0;
	const char *n = en ? errname(en) : NULL;

	if (w->json) {
		if (!e->done)
			fputs(",\"result\":null,\"errno\":null", f);
		else if (e->is_error && n)
			fprintf(f, ",\"result\":-1,\"errno\":\"%s\"", n);
		else if (e->is_error)
			fprintf(f, ",\"result\":-1,\"errno\":\"%d\"", en);
		else if (e->kind == EV_MMAP)
			fprintf(f, ",\"result\":\"0x%" PRIx64 "\",\"errno\":null",
				(uint64_t)e->rval);
		else
			fprintf(f, ",\"result\":%" PRId64 ",\"errno\":null",
				e->rval);
		return;
	}
	if (!e->done)
		fputs(" = ? (thread left the syscall unfinished)", f);
	else if (e->is_error)
		fprintf(f, " = -1 %s (%s)", n ? n : "", strerror(en));
	else if (e->kind == EV_MMAP)
		fprintf(f, " = 0x%" PRIx64, (uint64_t)e->rval);
	else
		fprintf(f, " = %" PRId64, e->rval);
}

static void json_head(struct watch *w, const struct event *e, const char *ev)
{
	char ts[64];

	fmt_time(&e->ts, ts, sizeof(ts), true);
	fprintf(w->out, "{\"schema\":\"iommu-map/1\",\"event\":\"%s\","
		"\"time\":\"%s\",\"pid\":%d,\"tid\":%d,\"fd\":%d,\"fd_target\":",
		ev, ts, w->pid, e->tid, e->fd);
	json_str(w->out, e->fd_target);
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
		json_head(w, e, "kvm_set_user_memory_region");
		fprintf(w->out, ",\"ioctl\":\"%s\"", name);
		if (!e->r_read) {
			fputs(",\"slot\":null", w->out);
		} else {
			fprintf(w->out, ",\"slot\":%u,\"as_id\":%u,\"flags\":"
				"\"0x%x\",\"gpa\":\"0x%" PRIx64 "\",\"size\":"
				"\"0x%" PRIx64 "\",\"hva\":\"0x%" PRIx64 "\","
				"\"op\":\"%s\",\"backing\":",
				r->slot & 0xffff, r->slot >> 16, r->flags,
				(uint64_t)r->guest_phys_addr,
				(uint64_t)r->memory_size,
				(uint64_t)r->userspace_addr, op);
			if (backing[0])
				json_str(w->out, backing);
			else
				fputs("null", w->out);
			if (e->region2)
				fprintf(w->out, ",\"guest_memfd\":%d,"
					"\"guest_memfd_offset\":\"0x%" PRIx64
					"\"", (int)r->guest_memfd,
					(uint64_t)r->guest_memfd_offset);
		}
		print_result(w, e);
		print_stack(w, e);
		fputs("}\n", w->out);
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
	print_result(w, e);
	if (backing[0])
		fprintf(w->out, " [%s]", backing);
	fputc('\n', w->out);
	print_stack(w, e);
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
		json_head(w, e, mm ? "mmap" : "munmap");
		if (mm && !e->is_error && e->done)
			fprintf(w->out, ",\"hva\":\"0x%" PRIx64 "\"",
				(uint64_t)e->rval);
		else if (mm)
			fputs(",\"hva\":null", w->out);
		else
			fprintf(w->out, ",\"hva\":\"0x%" PRIx64 "\"", e->addr);
		fprintf(w->out, ",\"size\":\"0x%" PRIx64 "\"", e->len);
		if (mm)
			fprintf(w->out, ",\"offset\":\"0x%" PRIx64 "\"", e->off);
		fputs(",\"device\":", w->out);
		if (d)
			json_str(w->out, d->bdf);
		else
			fputs("null", w->out);
		if (e->bar >= 0)
			fprintf(w->out, ",\"bar\":%d,\"bar_offset\":\"0x%"
				PRIx64 "\"", e->bar, bar_off);
		else
			fputs(",\"bar\":null,\"bar_offset\":null", w->out);
		if (have_hpa)
			fprintf(w->out, ",\"hpa\":\"0x%" PRIx64 "\"",
				d->bars[e->bar].hpa + bar_off);
		else
			fputs(",\"hpa\":null", w->out);
		fputs(",\"ident\":", w->out);
		if (e->ident)
			json_str(w->out, e->ident);
		else
			fputs("null", w->out);
		print_result(w, e);
		print_stack(w, e);
		fputs("}\n", w->out);
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
	print_result(w, e);
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
	print_stack(w, e);
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

static void take_stack(struct watch *w, struct event *e)
{
	e->nips = im_unwind_tid(w->uw, e->tid, e->ips, MAX_FRAMES);
}

static void on_entry(struct watch *w, struct wthread *t,
		     const struct __ptrace_syscall_info *si)
{
	struct event *e = &t->ev;
	uint64_t nr = si->entry.nr;
	const uint64_t *a = si->entry.args;

	memset(e, 0, sizeof(*e));
	e->tid = t->tid;
	e->dev = e->bar = -1;
	e->fd = -1;
	if (si->arch != IM_AUDIT_ARCH)
		return;
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

static void on_exit_stop(struct watch *w, struct wthread *t,
			 const struct __ptrace_syscall_info *si)
{
	struct event *e = &t->ev;

	if (e->kind == EV_NONE) {
		/* MAP_FIXED of something else over a vfio range */
		if (e->flags & MAP_FIXED && !si->exit.is_error)
			vr_remove(w, e->addr, e->addr + e->len);
		e->flags = 0;
		return;
	}
	e->done = true;
	e->rval = si->exit.rval;
	e->is_error = si->exit.is_error;
	if (e->kind == EV_MMAP && !e->is_error)
		after_mmap(w, e);
	emit(w, e);
	if (e->kind == EV_MUNMAP && !e->is_error) {
		vr_remove(w, e->addr, e->addr + e->len);
		maps_refresh(w);
	}
	e->kind = EV_NONE;
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
		th_del(w, tid);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	t = th_add(w, tid);	/* a new thread may report before its parent */
	sig = WSTOPSIG(st);
	event = (unsigned int)st >> 16;
	if (!t) {
		ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)
		       (event || sig == (SIGTRAP | 0x80) ? 0 : sig));
		return;
	}
	t->listening = false;
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(w, t);
		ptrace(PTRACE_SYSCALL, tid, NULL, NULL);
		return;
	}
	switch (event) {
	case 0:
		/* signal-delivery-stop: deliver it */
		stats.signals_passed++;
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
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
			th_add(w, (int)child);
		break;
	}
	default:
		break;
	}
	ptrace(PTRACE_SYSCALL, tid, NULL, NULL);
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
			    child && th_add(w, (int)child))
				ptrace(PTRACE_INTERRUPT, (int)child, NULL, NULL);
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

int im_watch(struct im_model *m, FILE *out, bool json,
	     volatile sig_atomic_t *stop, struct im_err *err)
{
	struct watch w = { .m = m, .out = out, .json = json, .pid = m->pid };
	sigset_t chld, old;
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

	ret = attach_all(&w, err);
	if (ret == 0) {
		if (json)
			fprintf(out, "{\"schema\":\"iommu-map/1\",\"event\":"
				"\"attached\",\"pid\":%d,\"threads\":%zu}\n",
				w.pid, w.nth);
		else
			fprintf(out, "watching PID %d (%zu threads); "
				"interrupt to stop\n", w.pid, w.nth);
		fflush(out);
	}
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
	if (ret == -ECHILD)
		im_err_set(err, "", 0, "PID %d exited", w.pid);
	else if (ret == 0 && w.out_err)
		ret = -EIO;
	if (ret == 0 || ret == -ECHILD) {
		if (json)
			fprintf(out, "{\"schema\":\"iommu-map/1\",\"event\":"
				"\"detached\",\"pid\":%d,\"reason\":\"%s\"}\n",
				w.pid, ret ? "target-exited" : "stopped");
		else
			fprintf(out, "detached from PID %d (%s)\n", w.pid,
				ret ? "it exited" : "stopped");
		fflush(out);
	}
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
		fmt_time(ts, t, sizeof(t), true);
		fprintf(w->out, "{\"schema\":\"iommu-map/1\",\"event\":\"memslot\","
			"\"op\":\"%s\",\"time\":\"%s\",\"pid\":%d,\"generation\":"
			"\"0x%" PRIx64 "\",\"as_id\":%d,\"slot\":%d,\"gpa\":\"0x%"
			PRIx64 "\",\"size\":\"0x%" PRIx64 "\",\"hva\":\"0x%" PRIx64
			"\",\"flags\":\"0x%x\"", op, t, w->pid, gen, sl.as_id,
			sl.slot, sl.gpa, sl.size, sl.hva, sl.flags);
		if (!strcmp(op, "flags"))
			fprintf(w->out, ",\"old_flags\":\"0x%x\"", old_flags);
		fputs(",\"backing\":", w->out);
		if (backing[0])
			json_str(w->out, backing);
		else
			fputs("null", w->out);
		fputs("}\n", w->out);
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
	if (json)
		fprintf(out, "{\"schema\":\"iommu-map/1\",\"event\":\"polling\","
			"\"pid\":%d,\"slots\":%zu,\"generation\":\"0x%" PRIx64
			"\",\"interval_ms\":%u}\n", m->pid, nold, gen, interval_ms);
	else
		fprintf(out, "polling the memslots of PID %d every %u ms (%zu "
			"slots, generation 0x%" PRIx64 "); interrupt to stop\n",
			m->pid, interval_ms, nold, gen);
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
			fprintf(out, "{\"schema\":\"iommu-map/1\",\"event\":"
				"\"detached\",\"pid\":%d,\"reason\":\"%s\"}\n",
				m->pid, ret ? "target-exited" : "stopped");
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
		if (m->fds[i].target &&
		    !strcmp(m->fds[i].target, "anon_inode:kvm-vm"))
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
