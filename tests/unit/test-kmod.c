// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-kmod.c - the pure parts of src/sources/kmod.c: UAPI layout, grow-and-retry
 * of MEMSLOTS, decoding walk runs into verified / not-faulted / mismatch
 * and into page-table leaf sizes, chunked walks, pagemap decoding.  The module itself is tested in the lab
 * (tests/kmod/lab-kmod.sh).
 *
 * Links: src/sources/kmod.c src/model.c src/lib/util.c src/lib/sysroot.c
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "t.h"
#include "iommu-map.h"
#include "sources/kmod.h"

/* no implicit padding: the sizes are the sums of the members */
_Static_assert(sizeof(struct iommu_map_info) == 24, "info");
_Static_assert(sizeof(struct iommu_map_memslot) == 40, "memslot");
_Static_assert(sizeof(struct iommu_map_memslots) == 72, "memslots");
_Static_assert(sizeof(struct iommu_map_walk_entry) == 32, "walk entry");
_Static_assert(sizeof(struct iommu_map_walk) == 48, "walk");
_Static_assert(sizeof(struct iommu_map_iova) == 24, "iova");
_Static_assert(sizeof(struct iommu_map_iommu) == 48, "iommu");
_Static_assert(offsetof(struct iommu_map_memslots, slots_uptr) == 16, "uptr");
_Static_assert(offsetof(struct iommu_map_walk, hva) == 16, "walk hva");

/* --- a fake module for MEMSLOTS ------------------------------------------ */

struct fake_slots {
	size_t have;		/* slots the "VM" has */
	size_t grow_each_call;	/* the VM adds this many per call */
	int fail;		/* -errno to return, 0: behave */
	unsigned int calls;
	int bad_input;		/* an out field was not zero on input */
};

static int fake_memslots(void *ctx, unsigned long req, void *arg)
{
	struct fake_slots *f = ctx;
	struct iommu_map_memslots *a = arg;
	struct iommu_map_memslot *out;
	size_t i;

	f->calls++;
	if (req != IOMMU_MAP_MEMSLOTS)
		return -ENOTTY;
	if (a->size != sizeof(*a) || a->flags || a->generation ||
	    a->num_address_spaces || a->__reserved)
		f->bad_input = 1;
	if (f->fail)
		return f->fail;
	f->have += f->grow_each_call;
	if (a->num_slots < f->have) {
		a->num_slots = (uint32_t)f->have;
		return -EMSGSIZE;
	}
	out = (struct iommu_map_memslot *)(uintptr_t)a->slots_uptr;
	for (i = 0; i < f->have; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].as_id = i >= f->have / 2;
		out[i].id = (uint32_t)i;
		out[i].base_gfn = i * 0x100;
		out[i].npages = 0x10;
		out[i].userspace_addr = 0x7f0000000000ULL + i * 0x100000;
	}
	a->num_slots = (uint32_t)f->have;
	a->generation = 42;
	return 0;
}

static void test_memslots(void)
{
	struct iommu_map_memslot *s = NULL;
	struct fake_slots f = { .have = 10 };
	struct im_memslot ms;
	uint64_t gen = 0;
	size_t n = 0;
	int r;

	T_EQ_U64(im_kmod_grow_cap(64, 10), 64, "grow_cap keeps a big enough cap");
	T_OK(im_kmod_grow_cap(64, 200) >= 200, "grow_cap reaches need");
	T_OK(im_kmod_grow_cap(0, SIZE_MAX) == SIZE_MAX, "grow_cap does not overflow");

	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == 0, "fetch 10 slots in one call");
	T_EQ_U64(n, 10, "fetch 10 slots: count");
	T_EQ_U64(f.calls, 1, "fetch 10 slots: one call");
	T_EQ_U64(gen, 42, "fetch 10 slots: generation");
	free(s);

	f = (struct fake_slots){ .have = 300 };
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == 0, "fetch 300: grows and retries");
	T_EQ_U64(n, 300, "fetch 300: count");
	T_EQ_U64(f.calls, 2, "fetch 300: two calls");
	T_OK(!f.bad_input, "fetch: out fields zero on every call");
	im_kmod_memslot_from_uapi(&s[299], &ms);
	T_EQ_U64((uint64_t)ms.as_id, 1, "uapi->memslot as_id");
	T_EQ_U64((uint64_t)ms.slot, 299, "uapi->memslot slot");
	T_EQ_U64(ms.gpa, 299ULL * 0x100 << 12, "uapi->memslot gpa = gfn << 12");
	T_EQ_U64(ms.size, 0x10000, "uapi->memslot size = npages << 12");
	T_EQ_U64(ms.hva, 0x7f0000000000ULL + 299 * 0x100000, "uapi->memslot hva");
	free(s);

	f = (struct fake_slots){ .have = 60, .grow_each_call = 1000 };
	s = NULL;
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == -EAGAIN, "fetch gives up on a VM that keeps growing");
	T_OK(s == NULL, "fetch leaves nothing behind on failure");
	T_EQ_U64(f.calls, 8, "fetch tries 8 times");

	/* fuzz-kmod's crash: a module asking room for 4G slots got 128 GiB */
	f = (struct fake_slots){ .have = 0xfffffff0 };
	s = NULL;
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == -EPROTO, "fetch refuses a module that counts 4G slots");
	T_OK(s == NULL && f.calls == 1, "... at once, with nothing allocated for them");
	f = (struct fake_slots){ .have = IM_KMOD_MAX_SLOTS + 1 };
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == -EPROTO, "fetch refuses IM_KMOD_MAX_SLOTS + 1 slots");
	f = (struct fake_slots){ .have = IM_KMOD_MAX_SLOTS };
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == 0 && n == IM_KMOD_MAX_SLOTS, "fetch takes IM_KMOD_MAX_SLOTS slots");
	free(s);

	f = (struct fake_slots){ .have = 2, .fail = -EBADF };
	r = im_kmod_fetch_memslots(fake_memslots, &f, 5, &s, &n, &gen);
	T_OK(r == -EBADF, "fetch passes the module's errno through");
}

/* --- walk decoding --------------------------------------------------------- */

#define HVA	0x7f0000000000ULL
#define HPA	0xfe000000ULL

static struct iommu_map_walk_entry run(uint64_t hva, uint64_t len, uint64_t pfn,
				       uint32_t flags, uint32_t shift)
{
	struct iommu_map_walk_entry e = { .hva = hva, .length = len, .pfn = pfn,
					  .flags = flags, .page_shift = shift };
	return e;
}

#define PFNMAP	(IOMMU_MAP_WALK_VM_IO | IOMMU_MAP_WALK_VM_PFNMAP)
#define PRES	(IOMMU_MAP_WALK_PRESENT | IOMMU_MAP_WALK_WRITE | PFNMAP)

static enum im_hpa_check fold(const struct iommu_map_walk_entry *e, size_t n,
			      uint64_t size, struct im_hpa_result *r)
{
	memset(r, 0, sizeof(*r));
	r->pages = size >> 12;
	im_hpa_fold(r, e, n, HVA, HPA);
	im_hpa_finish(r);
	return r->check;
}

static void test_fold(void)
{
	struct iommu_map_walk_entry e[4];
	struct im_hpa_result r;

	e[0] = run(HVA, 0x20000, HPA >> 12, PRES, 12);
	T_OK(fold(e, 1, 0x20000, &r) == IM_HPA_VERIFIED, "all present at the BAR: verified");
	T_EQ_U64(r.present, 0x20, "verified: 32 pages");
	T_EQ_STR(im_hpa_check_name(r.check), "verified", "name verified");

	e[0] = run(HVA, 0x1000, HPA >> 12, PRES, 12);
	e[1] = run(HVA + 0x1000, 0x2000, 0, PFNMAP, 0);
	e[2] = run(HVA + 0x3000, 0x1000, (HPA >> 12) + 3, PRES, 12);
	T_OK(fold(e, 3, 0x4000, &r) == IM_HPA_PARTLY, "holes in a pfnmap: partly faulted");
	T_EQ_U64(r.present, 2, "partly: 2 present pages");

	e[0] = run(HVA, 0x4000, 0, PFNMAP, 0);
	T_OK(fold(e, 1, 0x4000, &r) == IM_HPA_NOT_FAULTED, "nothing faulted: not-faulted, not an error");

	e[0] = run(HVA, 0x1000, HPA >> 12, PRES, 12);
	e[1] = run(HVA + 0x1000, 0x1000, 0x12345, PRES, 12);
	T_OK(fold(e, 2, 0x2000, &r) == IM_HPA_MISMATCH, "another PFN: mismatch");
	T_EQ_U64(r.bad_hva, HVA + 0x1000, "mismatch: first bad hva");
	T_EQ_U64(r.bad_pfn, 0x12345, "mismatch: found pfn");
	T_EQ_U64(r.want_pfn, (HPA >> 12) + 1, "mismatch: wanted pfn");

	e[0] = run(HVA, 0x1000, 0, IOMMU_MAP_WALK_NOT_PFNMAP, 0);
	e[1] = run(HVA + 0x1000, 0x1000, 0, IOMMU_MAP_WALK_NO_VMA, 0);
	T_OK(fold(e, 2, 0x2000, &r) == IM_HPA_NOT_PFNMAP, "anon or no vma: not-pfnmap");

	/* a 2 MiB leaf in the middle of a 2 GiB BAR mapped at 0x100000000 */
	memset(&r, 0, sizeof(r));
	r.pages = 0x400;
	e[0] = run(HVA + 0x200000, 0x200000, (0x100000000ULL + 0x200000) >> 12, PRES, 21);
	im_hpa_fold(&r, e, 1, HVA, 0x100000000ULL);
	im_hpa_finish(&r);
	T_OK(r.check == IM_HPA_PARTLY && r.present == 0x200 && r.max_shift == 21,
	     "huge pfnmap leaf counts, page size kept");

	/* sub-page BAR (ivshmem BAR0, 256 bytes) in a one-page mmap */
	memset(&r, 0, sizeof(r));
	r.pages = 1;
	e[0] = run(HVA, 0x1000, 0xfebf1, PRES, 12);
	im_hpa_fold(&r, e, 1, HVA, 0xfebf1000ULL);
	im_hpa_finish(&r);
	T_OK(r.check == IM_HPA_VERIFIED, "one-page mmap of a small BAR verified");

	memset(&r, 0, sizeof(r));
	r.err = -ESRCH;
	im_hpa_finish(&r);
	T_OK(r.check == IM_HPA_ERROR, "an errno makes error");
}

/* --- chunked walk through a fake module ----------------------------------- */

struct fake_walk {
	unsigned int calls;
	uint64_t page_limit;	/* pages the module covers per call */
	int stuck;		/* answer done = 0 */
	unsigned int shift;	/* leaves of 1 << shift (default 4 KiB) */
};

static int fake_walk(void *ctx, unsigned long req, void *arg)
{
	struct fake_walk *f = ctx;
	struct iommu_map_walk *a = arg;
	struct iommu_map_walk_entry *e;
	uint64_t len = a->length;

	f->calls++;
	if (req != IOMMU_MAP_WALK || a->done || a->flags)
		return -EINVAL;
	if (f->stuck) {
		a->num_entries = 0;
		return 0;
	}
	if (len > f->page_limit << 12)
		len = f->page_limit << 12;
	e = (struct iommu_map_walk_entry *)(uintptr_t)a->entries_uptr;
	e[0] = run(a->hva, len, (HPA + (a->hva - HVA)) >> 12, PRES, f->shift ? f->shift : 12);
	a->num_entries = 1;
	a->done = len;
	return 0;
}

static void test_walk_range(void)
{
	struct fake_walk f = { .page_limit = 3 };
	struct im_hpa_result r;
	int ret;

	ret = im_kmod_walk_range(fake_walk, &f, 7, HVA, 0x8000, HPA, &r);
	T_OK(ret == 0 && r.check == IM_HPA_VERIFIED, "walk resumes from done until the end");
	T_EQ_U64(f.calls, 3, "walk: 8 pages at 3 per call = 3 calls");
	T_EQ_U64(r.present, 8, "walk: 8 pages present");

	f = (struct fake_walk){ .page_limit = 3, .stuck = 1 };
	ret = im_kmod_walk_range(fake_walk, &f, 7, HVA, 0x8000, HPA, &r);
	T_OK(ret == -EPROTO && r.check == IM_HPA_ERROR && f.calls == 1,
	     "walk stops on a module that makes no progress");

	ret = im_kmod_walk_range(fake_walk, &f, 7, HVA + 0x10, 0x8000, HPA, &r);
	T_OK(ret == -EINVAL && r.check == IM_HPA_ERROR, "walk refuses an unaligned range");
	T_OK(!r.leaves_known, "a failed walk knows no leaf sizes");

	/* a 2 GiB BAR in 1 GiB leaves, one leaf per call (the module's cap) */
	f = (struct fake_walk){ .page_limit = 0x40000, .shift = 30 };
	ret = im_kmod_walk_range(fake_walk, &f, 7, HVA, 0x80000000ULL, HPA, &r);
	T_OK(ret == 0 && r.check == IM_HPA_VERIFIED && f.calls == 2,
	     "2 GiB of 1 GiB leaves in two calls: verified");
	T_OK(r.leaves_known && r.leaves[IM_LEAF_1G] == 2 && !r.leaves[IM_LEAF_2M] &&
	     !r.leaves[IM_LEAF_4K], "leaves across calls: 1G x 2, each counted once");
	T_EQ_U64(r.present, 0x80000, "2 GiB of 1 GiB leaves: 524288 pages present");
}

static void test_leaves(void)
{
	struct iommu_map_walk_entry e[5];
	struct im_hpa_result r;

	/* 6.1: 4 KiB PTEs only */
	e[0] = run(HVA, 0x20000, HPA >> 12, PRES, 12);
	fold(e, 1, 0x20000, &r);
	T_OK(r.leaves_known && r.leaves[IM_LEAF_4K] == 0x20 && !r.leaves[IM_LEAF_2M] &&
	     !r.leaves[IM_LEAF_1G] && !r.leaves[IM_LEAF_OTHER], "32 pages of PTEs: 4K x 32");

	/* 6.12+: PMD leaves in the aligned middle, PTEs at the unaligned ends */
	e[0] = run(HVA + 0x1ff000, 0x1000, (HPA + 0x1ff000) >> 12, PRES, 12);
	e[1] = run(HVA + 0x200000, 0x400000, (HPA + 0x200000) >> 12, PRES, 21);
	e[2] = run(HVA + 0x600000, 0x2000, (HPA + 0x600000) >> 12, PRES, 12);
	memset(&r, 0, sizeof(r));
	r.pages = 0x403;
	im_hpa_fold(&r, e, 3, HVA + 0x1ff000, HPA + 0x1ff000);
	im_hpa_finish(&r);
	T_OK(r.check == IM_HPA_VERIFIED && r.present == 0x403, "mixed leaves verified");
	T_OK(r.leaves[IM_LEAF_2M] == 2 && r.leaves[IM_LEAF_4K] == 3 && r.max_shift == 21,
	     "mixed leaves: 2M x 2, 4K x 3");

	/* not-present runs have no leaf; a mismatched leaf is still a leaf */
	e[0] = run(HVA, 0x200000, HPA >> 12, PRES, 21);
	e[1] = run(HVA + 0x200000, 0x200000, 0, PFNMAP, 0);
	e[2] = run(HVA + 0x400000, 0x200000, 0x123400, PRES, 21);
	fold(e, 3, 0x600000, &r);
	T_OK(r.check == IM_HPA_MISMATCH && r.leaves[IM_LEAF_2M] == 2 && !r.leaves[IM_LEAF_4K],
	     "holes count no leaf, a mismatch counts its leaf");

	/* a range that starts inside a leaf still touched that leaf */
	e[0] = run(HVA + 0x100000, 0x200000, (HPA + 0x100000) >> 12, PRES, 21);
	fold(e, 1, 0x200000, &r);
	T_EQ_U64(r.leaves[IM_LEAF_2M], 2, "a run across a leaf boundary touches two leaves");

	/* a size x86-64 does not have (arm64's 64 KiB), and a broken shift */
	e[0] = run(HVA, 0x40000, HPA >> 12, PRES, 16);
	e[1] = run(HVA + 0x40000, 0x2000, (HPA + 0x40000) >> 12, PRES, 0);
	fold(e, 2, 0x42000, &r);
	T_OK(r.leaves[IM_LEAF_OTHER] == 6 && !r.leaves[IM_LEAF_4K],
	     "leaves of other sizes: 4 of 64K and 2 of a bad shift, counted as other");

	T_EQ_STR(im_leaf_name(IM_LEAF_2M), "2M", "leaf name 2M");
	T_EQ_U64(im_leaf_of_shift(30), IM_LEAF_1G, "shift 30 is a 1G leaf");
	T_EQ_U64(im_leaf_of_shift(13), IM_LEAF_OTHER, "shift 13 is another size");
}

static void test_misc(void)
{
	uint64_t pfn = 0;

	T_OK(im_pagemap_pfn((1ULL << 63) | 0x1234, &pfn) && pfn == 0x1234, "pagemap present pfn");
	T_OK(!im_pagemap_pfn(1ULL << 63, &pfn), "pagemap present without pfn (no CAP_SYS_ADMIN)");
	T_OK(!im_pagemap_pfn(0x1234, &pfn), "pagemap not present");
	T_OK(!im_pagemap_pfn((1ULL << 63) | (1ULL << 62) | 5, &pfn), "pagemap swapped");
	T_EQ_STR(im_kmod_domain_name(IOMMU_MAP_DOMAIN_UNMANAGED), "unmanaged", "domain name");
	T_EQ_STR(im_kmod_domain_name(99), "other", "unknown domain type");
	T_EQ_STR(im_hpa_check_name(IM_HPA_NOT_FAULTED), "not-faulted", "name not-faulted");
	T_EQ_U64(IOMMU_MAP_MEMSLOTS >> 30 & 3, 3, "MEMSLOTS is _IOWR");
	T_EQ_U64(IOMMU_MAP_MEMSLOTS >> 16 & 0x3fff, sizeof(struct iommu_map_memslots),
		 "MEMSLOTS encodes its struct size");
}

/* the module's slots: as_id 0 or 1, at most 32,768 an address space */
static void test_check_memslots(void)
{
	struct iommu_map_memslot *u = calloc(IM_MAX_SLOTS_PER_AS + 2, sizeof(*u));
	char why[160];
	size_t i;

	for (i = 0; i < IM_MAX_SLOTS_PER_AS + 2; i++) {
		u[i].id = (uint32_t)i;
		u[i].as_id = i == IM_MAX_SLOTS_PER_AS + 1;
	}
	T_OK(!im_kmod_check_memslots(u, IM_MAX_SLOTS_PER_AS, why, sizeof(why)),
	     "check memslots: 32,768 in as_id 0");
	u[IM_MAX_SLOTS_PER_AS].as_id = 0;
	T_OK(im_kmod_check_memslots(u, IM_MAX_SLOTS_PER_AS + 2, why, sizeof(why)) == -EPROTO &&
	     strstr(why, "more than 32768 slots in address space 0"), "check memslots: a 32,769th refused");
	u[IM_MAX_SLOTS_PER_AS].as_id = 1;
	T_OK(!im_kmod_check_memslots(u, IM_MAX_SLOTS_PER_AS + 2, why, sizeof(why)),
	     "check memslots: and 2 in as_id 1");
	u[7].as_id = 7;
	T_OK(im_kmod_check_memslots(u, 10, why, sizeof(why)) == -EPROTO &&
	     strstr(why, "slot 7 has as_id 7"), "check memslots: as_id 7 refused, named");
	free(u);
}

int main(void)
{
	test_memslots();
	test_check_memslots();
	test_fold();
	test_walk_range();
	test_leaves();
	test_misc();
	T_DONE();
}
