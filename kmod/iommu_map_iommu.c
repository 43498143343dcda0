// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_MAP_IOMMU: a PCI device's IOMMU domain type and
 * what the domain translates a list of IOVAs to.
 *
 * vfio type1 maps guest RAM at IOVA = GPA, and QEMU also maps BAR mmaps for
 * peer-to-peer, so iommu-map can compare the IOMMU's view of a GPA with the
 * CPU's.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "iommu_map.h"

static_assert(sizeof(struct iommu_map_iova) == 24);
static_assert(sizeof(struct iommu_map_iommu) == 48);

struct iommu_map_lookup {
	struct device *dev;
	struct iommu_map_iova *iovas;
	u32 n;
	u32 type;
	u64 pgsize_bitmap;
	bool found;
};

static u32 iommu_map_domain_type(const struct iommu_domain *d)
{
	if (iommu_map_compat_domain_is_sva(d))
		return IOMMU_MAP_DOMAIN_SVA;
	switch (d->type) {
	case IOMMU_DOMAIN_BLOCKED:
		return IOMMU_MAP_DOMAIN_BLOCKED;
	case IOMMU_DOMAIN_IDENTITY:
		return IOMMU_MAP_DOMAIN_IDENTITY;
	case IOMMU_DOMAIN_UNMANAGED:
		return IOMMU_MAP_DOMAIN_UNMANAGED;
	case IOMMU_DOMAIN_DMA:
		return IOMMU_MAP_DOMAIN_DMA;
	case IOMMU_DOMAIN_DMA_FQ:
		return IOMMU_MAP_DOMAIN_DMA_FQ;
	default:
		return IOMMU_MAP_DOMAIN_OTHER;
	}
}

/*
 * Called by iommu_group_for_each_dev() with the group's mutex held.  Attach
 * and detach take that mutex, and vfio frees a domain only after detaching
 * it, so the domain we read here stays valid until we return.
 */
static int iommu_map_lookup_dev(struct device *dev, void *data)
{
	struct iommu_map_lookup *l = data;
	struct iommu_domain *d;
	u32 i;

	if (dev != l->dev)
		return 0;
	l->found = true;
	d = iommu_map_compat_domain_locked(dev);
	if (!d)
		return 1;
	l->type = iommu_map_domain_type(d);
	l->pgsize_bitmap = d->pgsize_bitmap;
	if (d->type == IOMMU_DOMAIN_BLOCKED)
		return 1;
	for (i = 0; i < l->n; i++) {
		struct iommu_map_iova *v = &l->iovas[i];

		v->phys = iommu_iova_to_phys(d, v->iova);
		v->flags = v->phys ? IOMMU_MAP_IOVA_MAPPED : 0;
		if (!(i & 1023))
			cond_resched();
	}
	return 1;
}

int iommu_map_iommu(void __user *uarg, u32 usize)
{
	struct iommu_map_lookup l = { };
	struct iommu_map_iova *iovas = NULL;
	struct iommu_group *group;
	struct iommu_map_iommu a;
	struct pci_dev *pdev;
	size_t bytes = 0;
	u32 i;
	int ret;

	if (usize < sizeof(a))
		return -EINVAL;
	ret = copy_struct_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.flags || a.domain_type || a.group_id || a.pgsize_bitmap ||
	    a.pci_bus > 0xff || a.pci_devfn > 0xff || a.pci_domain > 0xffff ||
	    a.num_iovas > IOMMU_MAP_MAX_IOVAS)
		return -EINVAL;
	if (a.num_iovas && !a.iovas_uptr)
		return -EFAULT;

	if (a.num_iovas) {
		bytes = array_size(a.num_iovas, sizeof(*iovas));
		iovas = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
		if (!iovas)
			return -ENOMEM;
		if (copy_from_user(iovas, u64_to_user_ptr(a.iovas_uptr),
				   bytes)) {
			ret = -EFAULT;
			goto out_free;
		}
		for (i = 0; i < a.num_iovas; i++) {
			if (iovas[i].__reserved) {
				ret = -EINVAL;
				goto out_free;
			}
			iovas[i].phys = 0;
			iovas[i].flags = 0;
		}
	}

	pdev = pci_get_domain_bus_and_slot(a.pci_domain, a.pci_bus,
					   a.pci_devfn);
	if (!pdev) {
		ret = -ENODEV;
		goto out_free;
	}
	a.domain_type = IOMMU_MAP_DOMAIN_NONE;
	a.group_id = -1;
	group = iommu_group_get(&pdev->dev);
	if (group) {
		a.group_id = iommu_group_id(group);
		l.dev = &pdev->dev;
		l.iovas = iovas;
		l.n = a.num_iovas;
		iommu_group_for_each_dev(group, &l, iommu_map_lookup_dev);
		a.domain_type = l.type;
		a.pgsize_bitmap = l.pgsize_bitmap;
		iommu_group_put(group);
	}
	pci_dev_put(pdev);

	if (bytes && copy_to_user(u64_to_user_ptr(a.iovas_uptr), iovas,
				  bytes)) {
		ret = -EFAULT;
		goto out_free;
	}
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out_free:
	kvfree(iovas);
	return ret;
}
