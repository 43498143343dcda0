// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_MAP_WALK: which PFNs the VMM's page tables hold
 * for a range of its VM_IO/VM_PFNMAP mappings (vfio BAR mmaps).
 *
 * pagemap reports such ranges as holes, so this is the only way to see that
 * a BAR's HVA is backed by the BAR's HPA.  Only page-table entries are
 * read: nothing is faulted in and the memory behind them is never touched.
 * Ordinary VMAs are not walked (use pagemap for them); on 6.1 that also
 * keeps follow_pte() away from transparent huge pages.  How a leaf is read
 * depends on the kernel: iommu_map_compat.h.
 */
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "iommu_map.h"

/* entries the module buffers in one call; the caller resumes from done */
#define IOMMU_MAP_WALK_BUF	4096

static_assert(sizeof(struct iommu_map_walk_entry) == 32);
static_assert(sizeof(struct iommu_map_walk) == 48);

u32 iommu_map_walk_features(void)
{
	return IOMMU_MAP_COMPAT_WALK_FEATURES;
}

struct iommu_map_runs {
	struct iommu_map_walk_entry *e;
	u32 n, cap;
};

/*
 * Add [hva, hva + len) to the runs, merging with the last run when it is of
 * the same kind and, if present, physically contiguous.  False when a new
 * run is needed and the buffer is full.
 */
static bool iommu_map_emit(struct iommu_map_runs *r, u64 hva, u64 len,
			   u64 pfn, u32 flags, u32 shift)
{
	struct iommu_map_walk_entry *last = r->n ? &r->e[r->n - 1] : NULL;

	if (last && last->hva + last->length == hva && last->flags == flags &&
	    last->page_shift == shift &&
	    (!(flags & IOMMU_MAP_WALK_PRESENT) ||
	     last->pfn + (last->length >> PAGE_SHIFT) == pfn)) {
		last->length += len;
		return true;
	}
	if (r->n == r->cap)
		return false;
	last = &r->e[r->n++];
	memset(last, 0, sizeof(*last));
	last->hva = hva;
	last->length = len;
	last->pfn = (flags & IOMMU_MAP_WALK_PRESENT) ? pfn : 0;
	last->flags = flags;
	last->page_shift = shift;
	return true;
}

/* Walk [start, end) of @mm, which the caller holds mmap_lock (read) on. */
static int iommu_map_walk_mm(struct mm_struct *mm, u64 start, u64 end,
			     struct iommu_map_runs *r, u64 *done)
{
	unsigned long budget = IOMMU_MAP_WALK_MAX_PAGES;
	unsigned long steps = 0;
	u64 addr = start;
	int ret = 0;

	while (addr < end && budget) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		u32 vflags = 0;
		u64 vend;

		if (!vma || vma->vm_start > addr) {
			vend = vma ? min_t(u64, end, vma->vm_start) : end;
			if (!iommu_map_emit(r, addr, vend - addr, 0,
					    IOMMU_MAP_WALK_NO_VMA, 0))
				break;
			addr = vend;
			continue;
		}
		vend = min_t(u64, end, vma->vm_end);
		if (vma->vm_flags & VM_IO)
			vflags |= IOMMU_MAP_WALK_VM_IO;
		if (vma->vm_flags & VM_PFNMAP)
			vflags |= IOMMU_MAP_WALK_VM_PFNMAP;
		if (!vflags) {
			if (!iommu_map_emit(r, addr, vend - addr, 0,
					    IOMMU_MAP_WALK_NOT_PFNMAP, 0))
				break;
			addr = vend;
			continue;
		}
		while (addr < vend && budget) {
			struct iommu_map_leaf leaf;
			u32 flags = vflags;
			u64 next, pfn = 0;
			u32 shift = 0;

			iommu_map_compat_lookup(vma, addr, &leaf);
			next = addr + PAGE_SIZE;
			if (leaf.present) {
				flags |= IOMMU_MAP_WALK_PRESENT;
				if (leaf.write)
					flags |= IOMMU_MAP_WALK_WRITE;
				pfn = leaf.pfn;
				shift = leaf.shift;
				/* skip to the end of a huge leaf */
				next = (addr | ((1ULL << shift) - 1)) + 1;
			}
			next = min(next, vend);
			if (!iommu_map_emit(r, addr, next - addr, pfn, flags,
					    shift))
				goto out;
			budget -= min_t(u64, budget,
					(next - addr) >> PAGE_SHIFT);
			addr = next;
			if (!(++steps & 1023)) {
				if (fatal_signal_pending(current)) {
					ret = -EINTR;
					goto out;
				}
				cond_resched();
			}
		}
	}
out:
	*done = addr - start;
	return ret;
}

int iommu_map_walk(void __user *uarg, u32 usize)
{
	struct iommu_map_runs r = { };
	struct iommu_map_walk a;
	struct mm_struct *mm;
	struct kvm *kvm;
	int ret;

	if (usize < sizeof(a))
		return -EINVAL;
	ret = copy_struct_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.flags || a.done)
		return -EINVAL;
	if (!a.length || !PAGE_ALIGNED(a.hva) || !PAGE_ALIGNED(a.length) ||
	    a.hva + a.length < a.hva)
		return -EINVAL;
	if (!a.num_entries)
		return -EMSGSIZE;
	if (!a.entries_uptr)
		return -EFAULT;

	r.cap = min_t(u32, a.num_entries, IOMMU_MAP_WALK_BUF);
	r.e = kvmalloc_array(r.cap, sizeof(*r.e), GFP_KERNEL_ACCOUNT);
	if (!r.e)
		return -ENOMEM;

	ret = iommu_map_get_vm(a.vm_fd, &kvm);
	if (ret)
		goto out_free;
	/* kvm holds an mmgrab() of its creator's mm; is the mm still alive? */
	mm = kvm->mm;
	if (!mm || !mmget_not_zero(mm)) {
		ret = -ESRCH;
		goto out_put_vm;
	}
	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto out_put_mm;
	ret = iommu_map_walk_mm(mm, a.hva, a.hva + a.length, &r, &a.done);
	mmap_read_unlock(mm);
out_put_mm:
	mmput(mm);
out_put_vm:
	iommu_map_put_vm(kvm);
	if (ret)
		goto out_free;

	if (copy_to_user(u64_to_user_ptr(a.entries_uptr), r.e,
			 array_size(r.n, sizeof(*r.e)))) {
		ret = -EFAULT;
		goto out_free;
	}
	a.num_entries = r.n;
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out_free:
	kvfree(r.e);
	return ret;
}
