// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod.c - the CLI side of the iommu_map kernel module; see kmod.h and
 * include/uapi/iommu_map.h.
 *
 * The VM fd the module needs is QEMU's own, duplicated into this process
 * with pidfd_getfd(2) (ptrace-attach permission on the target; we run as
 * root).  Nothing here reads device memory: the module only reads page
 * tables and IOMMU translations, and the CPU side of RAM comes from
 * /proc/PID/pagemap.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "findings.h"
#include "iommu-map.h"
#include "sources/kmod.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define KMOD_HINT "load it: modprobe iommu_map (after dkms install), or insmod kmod/iommu_map.ko; see kmod/README.md"

/* RAM pages sampled per memslot, and in all, for the IOMMU check */
#define IOMMU_SAMPLES_PER_SLOT	16
#define IOMMU_SAMPLES_MAX	4096
#define WALK_CHUNK		256

const char *im_hpa_check_name(enum im_hpa_check c)
{
	switch (c) {
	case IM_HPA_UNCHECKED:	return "unchecked";
	case IM_HPA_VERIFIED:	return "verified";
	case IM_HPA_PARTLY:	return "partly-faulted";
	case IM_HPA_NOT_FAULTED: return "not-faulted";
	case IM_HPA_MISMATCH:	return "mismatch";
	case IM_HPA_NOT_PFNMAP:	return "not-pfnmap";
	case IM_HPA_ERROR:	return "error";
	}
	return "unknown";
}

const char *im_kmod_domain_name(uint32_t type)
{
	switch (type) {
	case IOMMU_MAP_DOMAIN_NONE:	return "none";
	case IOMMU_MAP_DOMAIN_BLOCKED:	return "blocked";
	case IOMMU_MAP_DOMAIN_IDENTITY:	return "identity";
	case IOMMU_MAP_DOMAIN_UNMANAGED: return "unmanaged";
	case IOMMU_MAP_DOMAIN_DMA:	return "dma";
	case IOMMU_MAP_DOMAIN_DMA_FQ:	return "dma-fq";
	case IOMMU_MAP_DOMAIN_SVA:	return "sva";
	}
	return "other";
}

size_t im_kmod_grow_cap(size_t cap, size_t need)
{
	size_t n;

	if (need <= cap)
		return cap;
	/* room for a few slots added between the two calls */
	n = need + need / 8 + 16;
	return n < need ? need : n;
}

void im_kmod_memslot_from_uapi(const struct iommu_map_memslot *u,
			       struct im_memslot *s)
{
	memset(s, 0, sizeof(*s));
	s->as_id = (int)u->as_id;
	s->slot = (int)u->id;
	s->gpa = u->base_gfn << 12;
	s->size = u->npages << 12;
	s->hva = u->userspace_addr;
	s->flags = u->flags;
}

int im_kmod_check_memslots(const struct iommu_map_memslot *u, size_t n, char *why, size_t len)
{
	size_t i, per_as[2] = { 0, 0 };

	for (i = 0; i < n; i++) {
		if (u[i].as_id > 1) {
			snprintf(why, len, "slot %u has as_id %u: x86 KVM has address spaces 0 and 1 (SMM) only",
				 (unsigned int)u[i].id, (unsigned int)u[i].as_id);
			return -EPROTO;
		}
		if (++per_as[u[i].as_id] > IM_MAX_SLOTS_PER_AS) {
			snprintf(why, len, "more than %d slots in address space %u",
				 IM_MAX_SLOTS_PER_AS, (unsigned int)u[i].as_id);
			return -EPROTO;
		}
	}
	return 0;
}

int im_kmod_fetch_memslots(im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
			   struct iommu_map_memslot **slots, size_t *n,
			   uint64_t *generation)
{
	struct iommu_map_memslot *buf = NULL;
	size_t cap = 64;
	int tries, r = -EAGAIN;

	for (tries = 0; tries < 8; tries++) {
		struct iommu_map_memslots a;
		void *nb;

		if (cap > UINT32_MAX) {
			r = -E2BIG;
			break;
		}
		nb = realloc(buf, cap * sizeof(*buf));
		if (!nb) {
			r = -ENOMEM;
			break;
		}
		buf = nb;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.vm_fd = vm_fd;
		a.num_slots = (uint32_t)cap;
		a.slots_uptr = (uintptr_t)buf;
		r = fn(ctx, IOMMU_MAP_MEMSLOTS, &a);
		if (r == -EMSGSIZE && a.num_slots > IM_KMOD_MAX_SLOTS) {
			r = -EPROTO;	/* a broken module */
			break;
		}
		if (r == -EMSGSIZE && a.num_slots > cap) {
			cap = im_kmod_grow_cap(cap, a.num_slots);
			r = -EAGAIN;
			continue;
		}
		if (r)
			break;
		if (a.num_slots > cap) {	/* a broken module */
			r = -EPROTO;
			break;
		}
		*slots = buf;
		*n = a.num_slots;
		if (generation)
			*generation = a.generation;
		return 0;
	}
	free(buf);
	return r;
}

/* the leaves of 1 << @shift bytes that [hva, hva + len) touches */
static uint64_t leaves_touched(uint64_t hva, uint64_t len, unsigned int shift)
{
	return ((hva + len - 1) >> shift) - (hva >> shift) + 1;
}

static void count_leaves(struct im_hpa_result *r,
			 const struct iommu_map_walk_entry *e)
{
	/* a shift below a page or beyond 63 is a broken module: count pages */
	unsigned int shift = e->page_shift < 12 || e->page_shift > 63 ? 12 : e->page_shift;

	if (e->length)
		r->leaves[im_leaf_of_shift(e->page_shift)] +=
			leaves_touched(e->hva, e->length, shift);
}

void im_hpa_fold(struct im_hpa_result *r, const struct iommu_map_walk_entry *e,
		 size_t n, uint64_t hva, uint64_t want_hpa)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t pages = e[i].length >> 12;
		uint64_t want;

		if (e[i].flags & IOMMU_MAP_WALK_PRESENT) {
			want = (want_hpa + (e[i].hva - hva)) >> 12;
			if (e[i].page_shift > r->max_shift)
				r->max_shift = e[i].page_shift;
			count_leaves(r, &e[i]);
			/* both sides are contiguous: the first page decides */
			if (e[i].pfn == want) {
				r->present += pages;
			} else {
				if (!r->mismatched) {
					r->bad_hva = e[i].hva;
					r->bad_pfn = e[i].pfn;
					r->want_pfn = want;
				}
				r->mismatched += pages;
			}
		} else if (e[i].flags & (IOMMU_MAP_WALK_NO_VMA |
					 IOMMU_MAP_WALK_NOT_PFNMAP |
					 IOMMU_MAP_WALK_UNREADABLE)) {
			r->other += pages;
		}
		/* else: not faulted in yet */
	}
}

void im_hpa_finish(struct im_hpa_result *r)
{
	r->leaves_known = !r->err;
	if (r->err)
		r->check = IM_HPA_ERROR;
	else if (r->mismatched)
		r->check = IM_HPA_MISMATCH;
	else if (r->other)
		r->check = IM_HPA_NOT_PFNMAP;
	else if (r->pages && r->present == r->pages)
		r->check = IM_HPA_VERIFIED;
	else if (r->present)
		r->check = IM_HPA_PARTLY;
	else
		r->check = IM_HPA_NOT_FAULTED;
}

int im_kmod_walk_range(im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
		       uint64_t hva, uint64_t size, uint64_t want_hpa,
		       struct im_hpa_result *r)
{
	struct iommu_map_walk_entry e[WALK_CHUNK];
	uint64_t off = 0;

	memset(r, 0, sizeof(*r));
	r->pages = size >> 12;
	if ((hva | size) & 0xfff || !size) {
		r->err = -EINVAL;
		goto out;
	}
	while (off < size) {
		struct iommu_map_walk a;
		int ret;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.vm_fd = vm_fd;
		a.num_entries = WALK_CHUNK;
		a.hva = hva + off;
		a.length = size - off;
		a.entries_uptr = (uintptr_t)e;
		ret = fn(ctx, IOMMU_MAP_WALK, &a);
		if (ret) {
			r->err = ret;
			break;
		}
		if (!a.done || a.done > size - off ||
		    a.num_entries > WALK_CHUNK) {
			r->err = -EPROTO;
			break;
		}
		im_hpa_fold(r, e, a.num_entries, hva, want_hpa);
		off += a.done;
	}
out:
	im_hpa_finish(r);
	return r->err;
}

bool im_pagemap_pfn(uint64_t entry, uint64_t *pfn)
{
	uint64_t p = entry & ((1ULL << 55) - 1);

	if (!(entry >> 63) || (entry >> 62 & 1) || !p)
		return false;
	*pfn = p;
	return true;
}

/* --- live parts ------------------------------------------------------------ */

static int kmod_ioctl(void *ctx, unsigned long req, void *arg)
{
	int fd = *(int *)ctx;

	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int im_kmod_available(void)
{
	return im_root_is_live() && access(IOMMU_MAP_DEVICE, F_OK) == 0;
}

static int kmod_open(void)
{
	int fd = open(IOMMU_MAP_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* QEMU's VM fd, duplicated into this process; fd or -errno */
static int kmod_vm_fd(const struct im_model *m, int *target_fd)
{
	int pidfd, fd, tfd = -1;
	size_t i;

	for (i = 0; i < m->nfds; i++)
		if (im_fd_target_is_kvm_vm(m->fds[i].target)) {
			tfd = m->fds[i].fd;
			break;
		}
	if (tfd < 0)
		return -ENOENT;
	if (target_fd)
		*target_fd = tfd;
	pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	return fd;
}

int im_kmod_load_memslots(struct im_model *m, struct im_err *err)
{
	struct iommu_map_memslot *slots = NULL;
	uint64_t gen = 0;
	int kfd, vmfd, tfd = -1, r;
	size_t i, n = 0;
	char why[160];

	if (!im_root_is_live()) {
		return im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
				     "replay (--sysroot): the module is only asked on a live run");
	}
	if (access(IOMMU_MAP_DEVICE, F_OK)) {
		return im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
				     "%s not present; %s", IOMMU_MAP_DEVICE, KMOD_HINT);
	}
	if (m->pid < 0) {
		return im_add_source(m, "memslots", IM_SRC_UNAVAILABLE, "no target process");
	}
	vmfd = kmod_vm_fd(m, &tfd);
	if (vmfd < 0) {
		if (vmfd == -ENOENT)
			im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
				      "pid %d holds no anon_inode:kvm-vm fd (not a KVM guest?)",
				      m->pid);
		else
			im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
				      "pidfd_getfd(pid %d, fd %d): %s", m->pid, tfd,
				      strerror(-vmfd));
		im_err_set(err, "pidfd_getfd", 0, "%s", strerror(-vmfd));
		return 0;
	}
	kfd = kmod_open();
	if (kfd < 0) {
		close(vmfd);
		im_add_source(m, "memslots", IM_SRC_UNAVAILABLE, "%s: %s",
			      IOMMU_MAP_DEVICE, strerror(-kfd));
		im_err_set(err, IOMMU_MAP_DEVICE, 0, "%s", strerror(-kfd));
		return 0;
	}
	r = im_kmod_fetch_memslots(kmod_ioctl, &kfd, vmfd, &slots, &n, &gen);
	close(kfd);
	close(vmfd);
	if (r) {
		im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
			      "IOMMU_MAP_MEMSLOTS on pid %d fd %d: %s", m->pid, tfd,
			      strerror(-r));
		im_err_set(err, IOMMU_MAP_DEVICE, 0, "IOMMU_MAP_MEMSLOTS: %s",
			   strerror(-r));
		return 0;
	}
	if (im_kmod_check_memslots(slots, n, why, sizeof(why))) {
		free(slots);
		im_add_source(m, "memslots", IM_SRC_UNAVAILABLE,
			      "IOMMU_MAP_MEMSLOTS on pid %d fd %d: %s (a broken module?)", m->pid, tfd, why);
		im_err_set(err, IOMMU_MAP_DEVICE, 0, "IOMMU_MAP_MEMSLOTS: %s", why);
		return 0;
	}
	m->nmemslots = 0;
	for (i = 0; i < n && !r; i++) {
		struct im_memslot s;

		im_kmod_memslot_from_uapi(&slots[i], &s);
		r = im_add_memslot(m, &s);
	}
	free(slots);
	if (r)
		return r;
	im_sort_memslots(m);
	m->memslots_known = true;
	m->memslot_source = "kvm-memslot";
	return im_add_source(m, "memslots", IM_SRC_OK,
			     "kvm-memslot: %zu slots from %s (pid %d fd %d, generation %" PRIu64 ")",
			     n, IOMMU_MAP_DEVICE, m->pid, tfd, gen);
}

int im_kmod_walk_findings(struct im_model *m, im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
			  struct im_kmod_check *c, size_t *n)
{
	size_t i, k;
	int b, r = 0;

	*n = 0;
	for (i = 0; i < m->ndevices; i++) {
		struct im_device *d = &m->devices[i];

		for (b = 0; b < IM_NBARS; b++) {
			struct im_bar *bar = &d->bars[b];

			for (k = 0; k < bar->nmmaps; k++) {
				struct im_bar_mmap *mm = &bar->mmaps[k];
				struct im_kmod_check *ck = &c[(*n)++];
				char subj[48];

				ck->dev = i;
				ck->bar = b;
				ck->mmap = k;
				if (!fn || !bar->hpa)
					continue;	/* IM_HPA_UNCHECKED */
				im_kmod_walk_range(fn, ctx, vm_fd, mm->hva, mm->size,
						   bar->hpa + mm->bar_offset, &ck->r);
				snprintf(subj, sizeof(subj), "%s BAR %d", d->bdf, b);
				if (ck->r.check == IM_HPA_MISMATCH)
					r = IM_FINDING(m, IM_F_BAR_HPA_MISMATCH, subj,
						       ck->r.bad_hva, ck->r.bad_pfn << 12,
						       ck->r.want_pfn << 12);
				else if (ck->r.check == IM_HPA_NOT_PFNMAP)
					r = IM_FINDING(m, IM_F_BAR_MMAP_NOT_PFNMAP, subj,
						       mm->hva, mm->size);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

int im_kmod_verify(struct im_model *m, struct im_kmod_check **out,
		   size_t *nout, struct im_err *err)
{
	struct im_kmod_check *c = NULL;
	size_t i, n = 0, total = 0;
	int kfd = -1, vmfd = -1, b, r;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++)
			total += m->devices[i].bars[b].nmmaps;
	if (!total)
		return 0;
	c = im_calloc(total, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (im_kmod_available()) {
		kfd = kmod_open();
		vmfd = kmod_vm_fd(m, NULL);
	}
	r = im_kmod_walk_findings(m, kfd >= 0 && vmfd >= 0 ? kmod_ioctl : NULL, &kfd, vmfd, c, &n);
	if (r)
		goto out;
	if (kfd >= 0 && vmfd >= 0)
		im_add_source(m, "kvm-walk", IM_SRC_OK,
			      "%zu BAR mmaps walked in pid %d's page tables", n, m->pid);
	else if (im_kmod_available())
		im_add_source(m, "kvm-walk", IM_SRC_UNAVAILABLE, "%s",
			      kfd < 0 ? strerror(-kfd) : "no KVM VM fd to walk through");
	else
		im_add_source(m, "kvm-walk", IM_SRC_UNAVAILABLE,
			      "%s not present; %s", IOMMU_MAP_DEVICE, KMOD_HINT);
out:
	if (kfd >= 0)
		close(kfd);
	if (vmfd >= 0)
		close(vmfd);
	if (r) {
		free(c);
		im_err_set(err, "kvm-walk", 0, "%s", strerror(-r));
		return r;
	}
	*out = c;
	*nout = n;
	return 0;
}

/* --- IOMMU check ----------------------------------------------------------- */

struct iommu_sample {
	uint64_t gpa, hva, want;	/* want: HPA the CPU side sees */
	int dev, bar;			/* BAR samples: device and BAR, else -1 */
	uint32_t slot_flags;		/* RAM samples: the memslot's flags */
};

#define KVM_MEM_READONLY_FLAG	(1u << 1)	/* linux/kvm.h KVM_MEM_READONLY */

/* HPA of the kernel's shared zero page, via our own pagemap; 0 if unknown */
static uint64_t zero_page_hpa(void)
{
	static uint64_t cached;
	volatile unsigned char *p;
	uint64_t ent, pfn;
	int fd;

	if (cached)
		return cached;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	(void)p[0];	/* a read fault maps the zero page */
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &ent, sizeof(ent),
			  (off_t)((uintptr_t)p >> 12) * (off_t)sizeof(ent)) == sizeof(ent) &&
		    im_pagemap_pfn(ent, &pfn))
			cached = pfn << 12;
		close(fd);
	}
	munmap((void *)p, 4096);
	return cached;
}

static int add_sample(struct iommu_sample **s, size_t *n, size_t *cap,
		      const struct iommu_sample *x)
{
	int r;

	if (*n >= IOMMU_SAMPLES_MAX)
		return 0;
	r = im_grow(s, cap, *n + 1, sizeof(**s));
	if (r)
		return r;
	(*s)[(*n)++] = *x;
	return 0;
}

/* RAM pages of as_id 0 not backed by a vfio mapping, through pagemap */
static int ram_samples(const struct im_model *m, struct iommu_sample **s,
		       size_t *n, size_t *cap)
{
	char rel[64];
	size_t i;
	int fd, r = 0;

	snprintf(rel, sizeof(rel), "proc/%d/pagemap", m->pid);
	fd = im_root_open(rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	for (i = 0; i < m->nmemslots && !r; i++) {
		const struct im_memslot *ms = &m->memslots[i];
		uint64_t pages = ms->size >> 12, step, p;
		long mi;

		if (ms->as_id != 0 || !pages)
			continue;
		mi = im_find_map(m, ms->hva);
		if (mi >= 0 && m->maps[mi].vfio)
			continue;
		step = pages / IOMMU_SAMPLES_PER_SLOT;
		if (!step)
			step = 1;
		for (p = 0; p < pages && !r; p += step) {
			struct iommu_sample x = { .dev = -1, .bar = -1 };
			uint64_t ent, pfn;

			x.gpa = ms->gpa + (p << 12);
			x.hva = ms->hva + (p << 12);
			if (pread(fd, &ent, sizeof(ent),
				  (off_t)((x.hva >> 12) * sizeof(ent))) != sizeof(ent))
				continue;
			if (!im_pagemap_pfn(ent, &pfn))
				continue;	/* not faulted in: nothing to compare */
			x.want = pfn << 12;
			x.slot_flags = ms->flags;
			r = add_sample(s, n, cap, &x);
		}
	}
	close(fd);
	return r;
}

/* the first page of each guest stretch of each BAR (peer-to-peer) */
static int bar_samples(const struct im_model *m, struct iommu_sample **s,
		       size_t *n, size_t *cap)
{
	size_t i, g, k;
	int b, r = 0;

	for (i = 0; i < m->ndevices && !r; i++) {
		const struct im_device *d = &m->devices[i];

		for (b = 0; b < IM_NBARS && !r; b++) {
			const struct im_bar *bar = &d->bars[b];

			for (g = 0; g < bar->nguest && !r; g++) {
				const struct im_bar_guest *gu = &bar->guest[g];

				for (k = 0; k < bar->nmmaps; k++) {
					const struct im_bar_mmap *mm = &bar->mmaps[k];
					struct iommu_sample x;

					if (gu->hva < mm->hva ||
					    gu->hva >= mm->hva + mm->size)
						continue;
					x.gpa = gu->gpa;
					x.hva = gu->hva;
					x.want = bar->hpa + mm->bar_offset +
						 (gu->hva - mm->hva);
					x.dev = (int)i;
					x.bar = b;
					x.slot_flags = 0;
					r = add_sample(s, n, cap, &x);
					break;
				}
			}
		}
	}
	return r;
}

static bool is_vfio_device(const struct im_device *d)
{
	return d->held && d->driver && !strcmp(d->driver, "vfio-pci");
}

/*
 * One finding per device and kind (RAM unmapped, RAM elsewhere, BAR
 * unmapped, BAR elsewhere), naming the first case and the count, so that a
 * bad domain does not flood the report.
 */
static int iommu_findings(struct im_model *m, const struct im_device *d,
			  const struct iommu_sample *s,
			  const struct iommu_map_iova *v, size_t n, size_t nram,
			  unsigned int *ok, unsigned int *bad,
			  unsigned int *unmapped)
{
	size_t first[5] = { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX };
	unsigned int cnt[5] = { 0 };
	uint64_t zero = 0;
	char subj[48];
	size_t j, k;
	int r = 0;

	for (j = 0; j < n; j++) {
		bool ram = j < nram;

		if (!(v[j].flags & IOMMU_MAP_IOVA_MAPPED)) {
			k = ram ? 0 : 2;
			(*unmapped)++;
		} else if (v[j].phys == s[j].want) {
			(*ok)++;
			continue;
		} else {
			k = ram ? 1 : 3;
			if (ram && (s[j].slot_flags & KVM_MEM_READONLY_FLAG))
				k = 4;
			(*bad)++;
		}
		if (!cnt[k]++)
			first[k] = j;
	}
	if (cnt[0]) {
		j = first[0];
		r = IM_FINDING(m, IM_F_IOMMU_RAM_UNMAPPED, d->bdf, cnt[0], s[j].gpa);
	}
	if (!r && cnt[1]) {
		j = first[1];
		r = IM_FINDING(m, IM_F_IOMMU_CPU_MISMATCH, d->bdf, cnt[1], s[j].gpa,
			       (uint64_t)v[j].phys, s[j].hva, s[j].want);
	}
	if (!r && cnt[4]) {
		j = first[4];
		zero = zero_page_hpa();
		r = zero && v[j].phys == zero ?
		    IM_FINDING(m, IM_F_IOMMU_ROM_ZERO, d->bdf, cnt[4], s[j].gpa,
			       (uint64_t)v[j].phys, s[j].want) :
		    IM_FINDING(m, IM_F_IOMMU_ROM_STALE, d->bdf, cnt[4], s[j].gpa,
			       (uint64_t)v[j].phys, s[j].want);
	}
	if (!r && cnt[2]) {
		j = first[2];
		snprintf(subj, sizeof(subj), "%s BAR %d", m->devices[s[j].dev].bdf,
			 s[j].bar);
		r = IM_FINDING(m, IM_F_P2P_BAR_UNMAPPED, subj, s[j].gpa, cnt[2] - 1, d->bdf);
	}
	if (!r && cnt[3]) {
		j = first[3];
		snprintf(subj, sizeof(subj), "%s BAR %d", m->devices[s[j].dev].bdf,
			 s[j].bar);
		r = IM_FINDING(m, IM_F_P2P_BAR_MISMATCH, subj, d->bdf, s[j].gpa,
			       (uint64_t)v[j].phys, s[j].want, cnt[3]);
	}
	return r;
}

/* how the IOMMU of device b maps the n sampled GPAs: into v, and *a */
static int query_iommu(im_kmod_ioctl_fn fn, void *ctx, const struct im_bdf *b,
		       const struct iommu_sample *s, struct iommu_map_iova *v, size_t n,
		       struct iommu_map_iommu *a)
{
	size_t j;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->pci_domain = b->dom;
	a->pci_bus = b->bus;
	a->pci_devfn = (uint32_t)(b->dev << 3 | b->fn);
	for (j = 0; j < n; j++) {
		memset(&v[j], 0, sizeof(v[j]));
		v[j].iova = s[j].gpa;
	}
	a->num_iovas = (uint32_t)n;
	a->iovas_uptr = (uintptr_t)v;
	return fn(ctx, IOMMU_MAP_IOMMU, a);
}

int im_kmod_iommu_findings(struct im_model *m, im_kmod_ioctl_fn fn, void *ctx)
{
	struct iommu_sample *s = NULL;
	struct iommu_map_iova *v = NULL;
	size_t i, n = 0, cap = 0, nram = 0;
	unsigned int devs = 0, ok = 0, bad = 0, unmapped = 0;
	int r;

	r = ram_samples(m, &s, &n, &cap);
	if (r && r != -ENOENT && r != -EACCES && r != -EPERM)
		goto out;
	nram = n;
	r = bar_samples(m, &s, &n, &cap);
	if (r)
		goto out;
	if (n) {
		v = im_calloc(n, sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < m->ndevices; i++) {
		const struct im_device *d = &m->devices[i];
		struct iommu_map_iommu a;
		struct im_bdf b;

		if (!is_vfio_device(d) || im_bdf_parse(d->bdf, strlen(d->bdf), &b))
			continue;
		r = query_iommu(fn, ctx, &b, s, v, n, &a);
		if (r) {
			IM_FINDING(m, IM_F_IOMMU_QUERY_FAILED, d->bdf, strerror(-r));
			r = 0;
			continue;
		}
		devs++;
		if (a.domain_type != IOMMU_MAP_DOMAIN_UNMANAGED) {
			IM_FINDING(m, IM_F_IOMMU_DOMAIN_NOT_VFIO, d->bdf,
				   im_kmod_domain_name(a.domain_type));
			continue;
		}
		r = iommu_findings(m, d, s, v, n, nram, &ok, &bad, &unmapped);
		if (r)
			goto out;
	}
	im_add_source(m, "iommu", IM_SRC_OK,
		      "%u device(s); %zu RAM and %zu BAR pages: %u agree, %u differ, %u unmapped",
		      devs, nram, n - nram, ok, bad, unmapped);
	r = 0;
out:
	free(s);
	free(v);
	return r;
}

int im_kmod_check_iommu(struct im_model *m, struct im_err *err)
{
	int kfd, r;

	if (!im_kmod_available()) {
		im_add_source(m, "iommu", IM_SRC_UNAVAILABLE, "%s not present; %s",
			      IOMMU_MAP_DEVICE, KMOD_HINT);
		return 0;
	}
	kfd = kmod_open();
	r = kfd < 0 ? kfd : im_kmod_iommu_findings(m, kmod_ioctl, &kfd);
	if (kfd >= 0)
		close(kfd);
	if (r) {
		im_add_source(m, "iommu", IM_SRC_UNAVAILABLE, "%s", strerror(-r));
		im_err_set(err, "iommu", 0, "%s", strerror(-r));
	}
	return r;
}
