/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module knows of, and nothing else:
 * the .c files hold no version #if.  Compiled with W=1 and no warning
 * against Debian's 6.1, 6.12 and 7.3 headers (tests/kmod/build.sh in each
 * stack's root, tests/stacks/); the other branches are for the kernels in
 * between and have only been read, not compiled.
 *
 *   5.17  tree-based memslots, kvm_for_each_memslot(ms, bkt, slots):
 *         older kernels are refused below
 *   6.2   IOMMU_DOMAIN_SVA
 *   6.8   KVM_ADDRESS_SPACE_NUM became KVM_MAX_NR_ADDRESS_SPACES plus
 *         kvm_arch_nr_memslot_as_ids() (a VM with private memory has
 *         only address space 0); tested with #ifdef on the macro
 *   6.10  follow_pte(mm, ...) became follow_pte(vma, ...)
 *   6.12  struct fd became { unsigned long word; }, read with fd_file();
 *         follow_pte() gave way to follow_pfnmap_start(), which also
 *         reads the PMD and PUD leaves vfio-pci installs from 6.12
 *   6.15  follow_pfnmap_args.addr_mask: the size of the leaf found
 *         (Alex Williamson's series of February 2025; the version is
 *         inferred from the date)
 *   ?     iommu_driver_get_domain_for_dev(), for callers that hold the
 *         group's mutex (iommu_get_domain_for_dev() asserts it is not
 *         held; Nicolin Chen, November 2025, in 7.3).  The release is
 *         not pinned down, so Kbuild looks for it in the headers and
 *         defines IOMMU_MAP_HAVE_IOMMU_DRIVER_GET_DOMAIN.
 */
#ifndef IOMMU_MAP_COMPAT_H
#define IOMMU_MAP_COMPAT_H

#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
#error "iommu_map needs the tree-based memslots of Linux 5.17 or later"
#endif

/* --- files: struct fd ---------------------------------------------------- */

/* 6.12 made fd_file() the only way in; before, it was the .file member */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/* --- KVM address spaces -------------------------------------------------- */

/* the most address spaces any VM can have (x86: 2, normal and SMM) */
static inline u32 iommu_map_compat_max_as(void)
{
#ifdef KVM_MAX_NR_ADDRESS_SPACES
	return KVM_MAX_NR_ADDRESS_SPACES;
#else
	return KVM_ADDRESS_SPACE_NUM;
#endif
}

/* the address spaces @kvm has memslots in */
static inline int iommu_map_compat_nr_as(struct kvm *kvm)
{
#ifdef KVM_MAX_NR_ADDRESS_SPACES
	return kvm_arch_nr_memslot_as_ids(kvm);
#else
	return KVM_ADDRESS_SPACE_NUM;
#endif
}

/* --- IOMMU --------------------------------------------------------------- */

static inline bool iommu_map_compat_domain_is_sva(const struct iommu_domain *d)
{
#ifdef IOMMU_DOMAIN_SVA
	return d->type == IOMMU_DOMAIN_SVA;
#else
	return false;
#endif
}

/* @dev's domain; the caller holds its group's mutex */
static inline struct iommu_domain *
iommu_map_compat_domain_locked(struct device *dev)
{
#ifdef IOMMU_MAP_HAVE_IOMMU_DRIVER_GET_DOMAIN
	return iommu_driver_get_domain_for_dev(dev);
#else
	return iommu_get_domain_for_dev(dev);
#endif
}

/* --- page tables: one leaf of a VM_IO/VM_PFNMAP mapping ------------------ */

/* what one lookup found at one address */
struct iommu_map_leaf {
	bool present;
	bool write;
	unsigned long pfn;	/* PFN of the looked-up address */
	unsigned int shift;	/* log2 of the leaf's size: 12, 21 or 30 */
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)

/* WALK reports PMD and PUD leaves */
#define IOMMU_MAP_COMPAT_WALK_FEATURES	IOMMU_MAP_FEAT_HUGE_PFNMAP

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static inline unsigned int
iommu_map_compat_leaf_shift(const struct follow_pfnmap_args *args)
{
	return __ffs(args->addr_mask);
}
#else
/*
 * 6.12 to 6.14 do not say which level the leaf was found at.  The lock
 * follow_pfnmap_start() holds is the one of that level, and the page
 * tables above a leaf cannot be freed under our mmap_lock, so reading
 * the PUD and PMD entries again here gives the same answer it had.
 */
static inline unsigned int
iommu_map_compat_leaf_shift(const struct follow_pfnmap_args *args)
{
	unsigned long addr = args->address;
	pud_t *pudp = pud_offset(p4d_offset(pgd_offset(args->vma->vm_mm, addr),
					    addr), addr);

	if (pud_leaf(READ_ONCE(*pudp)))
		return PUD_SHIFT;
	if (pmd_leaf(pmdp_get_lockless(pmd_offset(pudp, addr))))
		return PMD_SHIFT;
	return PAGE_SHIFT;
}
#endif

/* Read the leaf behind @addr; nothing is faulted in. */
static inline void iommu_map_compat_lookup(struct vm_area_struct *vma,
					   unsigned long addr,
					   struct iommu_map_leaf *leaf)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };

	memset(leaf, 0, sizeof(*leaf));
	if (follow_pfnmap_start(&args))
		return;
	leaf->present = true;
	leaf->write = args.writable;
	leaf->pfn = args.pfn;
	leaf->shift = iommu_map_compat_leaf_shift(&args);
	follow_pfnmap_end(&args);
}

#else /* before 6.12 */

#define IOMMU_MAP_COMPAT_WALK_FEATURES	0

/*
 * follow_pte() reads PTE-level entries only and says -EINVAL both for
 * "nothing mapped" and for a huge leaf.  vfio-pci installs no huge pfnmap
 * leaves before 6.12, so we report "not present".
 */
static inline void iommu_map_compat_lookup(struct vm_area_struct *vma,
					   unsigned long addr,
					   struct iommu_map_leaf *leaf)
{
	spinlock_t *ptl;
	pte_t *ptep, pte;

	memset(leaf, 0, sizeof(*leaf));
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	if (follow_pte(vma, addr, &ptep, &ptl))
		return;
#else
	if (follow_pte(vma->vm_mm, addr, &ptep, &ptl))
		return;
#endif
	pte = ptep_get(ptep);
	leaf->present = true;
	leaf->write = pte_write(pte);
	leaf->pfn = pte_pfn(pte);
	leaf->shift = PAGE_SHIFT;
	pte_unmap_unlock(ptep, ptl);
}

#endif /* 6.12 */

#endif /* IOMMU_MAP_COMPAT_H */
