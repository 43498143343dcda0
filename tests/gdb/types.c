/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * types.c - compiled with -g -fno-eliminate-unused-debug-types against the
 * configured QEMU source tree of the installed package, it gives gdb the
 * struct layouts of a stripped qemu-system-x86_64 (add-symbol-file types.o 0).
 * The globals then need a cast; gdb/iommu_map/utils.py does it.
 */
#include "qemu/osdep.h"
/* exec/ and sysemu/ up to 9.x; system/ from 10.0 (kvm_int.h) and 10.2
 * (memory.h, ramblock.h). */
#if __has_include("system/memory.h")
#include "system/memory.h"
#else
#include "exec/memory.h"
#endif
#if __has_include("system/ramblock.h")
#include "system/ramblock.h"
#else
#include "exec/ramblock.h"
#endif
#include "exec/ramlist.h"
#if __has_include("system/kvm_int.h")
#include "system/kvm_int.h"
#else
#include "sysemu/kvm_int.h"
#endif

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

/*
 * The version of the source these types come from, as enumerators: gdb
 * reads them without any memory (gdb/iommu_map/kvm.py types_version), to
 * say "the types object (from QEMU 10.2.2's source) does not match this
 * QEMU 11.1.3" when the KVM slots it reads cannot be KVM's.
 */
#ifdef QEMU_VERSION_MAJOR
enum im_types_qemu_version {
	IM_TYPES_QEMU_MAJOR = QEMU_VERSION_MAJOR,
	IM_TYPES_QEMU_MINOR = QEMU_VERSION_MINOR,
	IM_TYPES_QEMU_MICRO = QEMU_VERSION_MICRO,
};
enum im_types_qemu_version *im_t_version;
#endif

/* Private to memory.c; setup.sh copies them from the same source tree. */
#include "memory-private.h"
FlatRange *im_t_flatrange;
AddrRange *im_t_addrrange;
