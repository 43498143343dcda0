// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_MAP_MEMSLOTS: a snapshot of a VM's memslots.
 */
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "iommu_map.h"

/* the largest snapshot the module will buffer in one call */
#define IOMMU_MAP_MAX_SLOTS	(2 * 32768)

static_assert(sizeof(struct iommu_map_memslot) == 40);
static_assert(sizeof(struct iommu_map_memslots) == 72);

u32 iommu_map_max_address_spaces(void)
{
	return iommu_map_compat_max_as();
}

static int iommu_map_slot_cmp(const void *a, const void *b)
{
	const struct iommu_map_memslot *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/*
 * Copy the active memslots of every address space into @buf (up to @cap
 * entries) and count them all, under the VM's SRCU read lock: the sets we
 * read cannot be freed under us, and the snapshot of each address space is
 * consistent (KVM swaps whole sets and waits for readers).
 */
static u32 iommu_map_snapshot(struct kvm *kvm, struct iommu_map_memslot *buf,
			      u32 cap, struct iommu_map_memslots *a)
{
	struct kvm_memory_slot *ms;
	struct kvm_memslots *slots;
	int idx, as_id, nr_as, bkt;
	u32 n = 0;

	nr_as = min_t(int, iommu_map_compat_nr_as(kvm), ARRAY_SIZE(a->generations));
	idx = srcu_read_lock(&kvm->srcu);
	for (as_id = 0; as_id < nr_as; as_id++) {
		slots = __kvm_memslots(kvm, as_id);
		a->generations[as_id] = slots->generation;
		a->generation += slots->generation;
		kvm_for_each_memslot(ms, bkt, slots) {
			if (n < cap) {
				struct iommu_map_memslot *o = &buf[n];

				memset(o, 0, sizeof(*o));
				o->as_id = as_id;
				o->id = ms->id;
				o->flags = ms->flags;
				o->base_gfn = ms->base_gfn;
				o->npages = ms->npages;
				o->userspace_addr = ms->userspace_addr;
			}
			n++;
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);
	a->num_address_spaces = nr_as;
	return n;
}

int iommu_map_memslots(void __user *uarg, u32 usize)
{
	struct iommu_map_memslot *buf = NULL;
	struct iommu_map_memslots a;
	struct kvm *kvm;
	u32 cap, n;
	int ret;

	if (usize < sizeof(a))
		return -EINVAL;
	ret = copy_struct_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.flags || a.__reserved || a.generation || a.num_address_spaces ||
	    memchr_inv(a.generations, 0, sizeof(a.generations)))
		return -EINVAL;
	if (a.num_slots && !a.slots_uptr)
		return -EFAULT;

	cap = min_t(u32, a.num_slots, IOMMU_MAP_MAX_SLOTS);
	if (cap) {
		buf = kvmalloc_array(cap, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}

	ret = iommu_map_get_vm(a.vm_fd, &kvm);
	if (ret)
		goto out_free;
	n = iommu_map_snapshot(kvm, buf, cap, &a);
	iommu_map_put_vm(kvm);

	ret = 0;
	if (n > cap) {
		ret = -EMSGSIZE;
	} else if (n) {
		sort(buf, n, sizeof(*buf), iommu_map_slot_cmp, NULL);
		if (copy_to_user(u64_to_user_ptr(a.slots_uptr), buf,
				 array_size(n, sizeof(*buf)))) {
			ret = -EFAULT;
			goto out_free;
		}
	}
	a.num_slots = n;
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out_free:
	kvfree(buf);
	return ret;
}
