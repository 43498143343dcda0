/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each file of the module exports to the others.
 */
#ifndef IOMMU_MAP_KMOD_H
#define IOMMU_MAP_KMOD_H

#include <linux/types.h>
#include <linux/version.h>
#include <uapi/iommu_map.h>

#include "iommu_map_compat.h"

struct kvm;

/* iommu_map_main.c */
int iommu_map_get_vm(int fd, struct kvm **kvmp);
void iommu_map_put_vm(struct kvm *kvm);
u32 iommu_map_vm_features(void);

/* iommu_map_memslots.c */
int iommu_map_memslots(void __user *uarg, u32 usize);
u32 iommu_map_max_address_spaces(void);

/* iommu_map_walk.c */
int iommu_map_walk(void __user *uarg, u32 usize);
u32 iommu_map_walk_features(void);

/* iommu_map_iommu.c */
int iommu_map_iommu(void __user *uarg, u32 usize);

#endif
