/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * types.c - compiled with -g -fno-eliminate-unused-debug-types against the
 * configured QEMU source tree of the installed package, it gives gdb the
 * struct layouts of a stripped qemu-system-x86_64 (add-symbol-file types.o 0).
 * The globals then need a cast; gdb/iommu_map/utils.py does it.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ramlist.h"
#include "sysemu/kvm_int.h"

/* Anchor the types gdb/iommu_map looks up. */
MemoryRegion *im_t_mr;
RAMBlock *im_t_rb;
RAMList *im_t_rl;
AddressSpace *im_t_as;
FlatView *im_t_fv;
FlatRange *im_t_fr;
KVMState *im_t_kvm;
KVMSlot *im_t_slot;
KVMMemoryListener *im_t_kml;

/* Private to memory.c; setup.sh copies them from the same source tree. */
#include "memory-private.h"
FlatRange *im_t_flatrange;
AddrRange *im_t_addrrange;
