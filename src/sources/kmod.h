/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmod.h - the CLI side of the iommu_map kernel module (/dev/iommu-map):
 * live KVM memslots, the page-table proof that a BAR's HVA is backed by the
 * BAR's HPA, and the IOMMU's view of guest RAM and of BARs used for
 * peer-to-peer.  Live runs only; a --sysroot replay never opens the device.
 *
 * The transport (ioctl) is a function pointer so that the pure parts (grow
 * and retry, decoding walk runs) are unit-tested without the module.
 */
#ifndef IM_KMOD_H
#define IM_KMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include <uapi/iommu_map.h>	/* -Iinclude, as kmod/Kbuild has it */

/* What the page-table walk says of one BAR mmap. */
/* enum im_hpa_check is in model.h: the report prints it */

struct im_hpa_result {
	enum im_hpa_check check;
	uint64_t pages;		/* 4 KiB pages in the range */
	uint64_t present;	/* of which present and matching */
	uint64_t mismatched;	/* of which present at another PFN */
	uint64_t other;		/* not pfnmap, no VMA or unreadable */
	uint64_t bad_hva, bad_pfn, want_pfn;	/* the first mismatch */
	unsigned int max_shift;	/* largest entry seen: 12, 21 or 30 */
	/*
	 * Present page-table leaves by size (enum im_leaf): the leaves each
	 * present run touches, from its page_shift; IM_LEAF_OTHER counts the
	 * leaves of any other size.  Set when no error: leaves_known.
	 */
	uint64_t leaves[IM_NLEAF];
	bool leaves_known;
	int err;		/* -errno when check is IM_HPA_ERROR */
};

/* One BAR mmap's result; the array is parallel to the model's mmaps. */
struct im_kmod_check {
	size_t dev;		/* index into model.devices */
	int bar;		/* BAR index */
	size_t mmap;		/* index into bars[bar].mmaps */
	struct im_hpa_result r;
};

/* ioctl(2) on the module, or a test double; returns 0 or -errno */
typedef int (*im_kmod_ioctl_fn)(void *ctx, unsigned long req, void *arg);

/* 1 when this is a live run and /dev/iommu-map exists, else 0 */
int im_kmod_available(void);

/*
 * Read the VM's memslots through the module into m->memslots (replacing
 * what is there), set memslots_known and memslot_source = "kvm-memslot",
 * and add a "memslots" source entry whose detail starts "kvm-memslot:".
 * Without the module, or when a call fails, the entry says unavailable and
 * why (and how to load the module), err says what failed, and the return
 * value is still 0: a missing source is a partial picture, not a failure.
 * Only running out of memory returns -ENOMEM.
 */
int im_kmod_load_memslots(struct im_model *m, struct im_err *err);

/*
 * After im_correlate(): walk every BAR mmap's HVA range in the VMM's page
 * tables and compare the PFNs with the BAR's HPA.  *out gets one entry per
 * (device, BAR, mmap), malloc'd, for the report; mismatches also become
 * findings ("bar-hpa-mismatch").  Returns 0 or -errno.
 */
int im_kmod_verify(struct im_model *m, struct im_kmod_check **out,
		   size_t *nout, struct im_err *err);

/*
 * After im_correlate(): ask each held vfio device's IOMMU domain what it
 * maps guest RAM GPAs (sampled, IOVA = GPA) and BAR GPAs (peer-to-peer)
 * to, and compare with the CPU side (pagemap for RAM, the BAR's HPA for
 * BARs).  Adds findings and an "iommu" source entry.  Returns 0 or -errno.
 */
int im_kmod_check_iommu(struct im_model *m, struct im_err *err);

/* --- the pure parts, exported for tests ---------------------------------- */

/*
 * The most memslots a VM can have: 32,768 per address space, two address
 * spaces (x86: normal and SMM); KVM's own limit, 32,764 user slots per
 * address space, is lower.  A module that counts more is broken: it is not
 * given the memory for them (4G slots would be 128 GiB).
 */
#define IM_KMOD_MAX_SLOTS	(2 * IM_MAX_SLOTS_PER_AS)

/*
 * Whether the module's slots are ones KVM can have: as_id 0 or 1, at most
 * IM_MAX_SLOTS_PER_AS in each.  0, or -EPROTO with why in @why.
 */
int im_kmod_check_memslots(const struct iommu_map_memslot *u, size_t n, char *why, size_t len);

/*
 * The walk of each BAR mmap of the model through @fn, and its findings
 * (bar-hpa-mismatch, bar-mmap-not-pfnmap): @c, parallel to the mmaps, gets
 * one result each, *@n of them (room for every mmap).  @fn NULL (no module
 * or no VM fd) or a BAR's HPA unknown: that mmap is left unchecked, and
 * nothing is said of it.  im_kmod_verify() runs it on the module.
 */
int im_kmod_walk_findings(struct im_model *m, im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
			  struct im_kmod_check *c, size_t *n);

/*
 * The IOMMU check through @fn: sampled guest RAM pages (from the target's
 * pagemap under the sysroot; unreadable: none) and the first page of each
 * guest stretch of each BAR, looked up in the IOMMU domain of each held
 * vfio-pci device, with their findings and the "iommu" source.
 * im_kmod_check_iommu() runs it on the module.  0 or -errno.
 */
int im_kmod_iommu_findings(struct im_model *m, im_kmod_ioctl_fn fn, void *ctx);

/* the next array capacity when the module says it needs @need */
size_t im_kmod_grow_cap(size_t cap, size_t need);

void im_kmod_memslot_from_uapi(const struct iommu_map_memslot *u,
			       struct im_memslot *s);

/*
 * MEMSLOTS with grow-and-retry: *slots (malloc'd) gets *n entries.  Gives up
 * with -EAGAIN if the VM keeps adding slots faster than we grow, and with
 * -EPROTO if the module asks room for more than IM_KMOD_MAX_SLOTS.
 */
int im_kmod_fetch_memslots(im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
			   struct iommu_map_memslot **slots, size_t *n,
			   uint64_t *generation);

/*
 * Fold walk runs into @r; @want_hpa is the HPA expected at @hva.  The runs
 * of one walk are split only at leaf boundaries (the module stops a call
 * at the end of a leaf), so adding up the leaves each run touches counts
 * every leaf once.
 */
void im_hpa_fold(struct im_hpa_result *r, const struct iommu_map_walk_entry *e,
		 size_t n, uint64_t hva, uint64_t want_hpa);
/* Set r->check from the counters (after all folds). */
void im_hpa_finish(struct im_hpa_result *r);

/* Walk [hva, hva + size) in chunks and fold it all into @r. */
int im_kmod_walk_range(im_kmod_ioctl_fn fn, void *ctx, int vm_fd,
		       uint64_t hva, uint64_t size, uint64_t want_hpa,
		       struct im_hpa_result *r);

/* "verified", "partly-faulted", "not-faulted", "mismatch", ... */
const char *im_hpa_check_name(enum im_hpa_check c);
const char *im_kmod_domain_name(uint32_t type);

/* decode a /proc/PID/pagemap entry: true and *pfn if present with a PFN */
bool im_pagemap_pfn(uint64_t entry, uint64_t *pfn);

#endif
