/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommu_map.h - the ABI of the iommu_map kernel module (/dev/iommu-map).
 *
 * The module lets a privileged diagnostic tool read back what the kernel
 * knows about a KVM guest and its passed-through PCI devices and user space
 * cannot ask for: the KVM memslots of a VM, the PFNs behind a range of the
 * VMM's VM_IO/VM_PFNMAP mappings (vfio BAR mmaps), and what a device's IOMMU
 * domain translates an IOVA to.  It only reads; it never faults a page in
 * and never touches device memory.
 *
 * General ioctl format
 * --------------------
 * Modelled on iommufd.  The ioctl numbering space is
 * _IOWR(IOMMU_MAP_TYPE, nr, struct ...); the module dispatches on type and
 * nr only.  Every struct starts with
 *
 *	__u32 size;	sizeof(struct ...) as the caller was compiled with
 *	__u32 flags;	must be 0 unless the struct documents a flag
 *
 * and is extended only at its end.  A caller built against an older header
 * passes a smaller size and gets the old behaviour; a caller built against
 * a newer header may pass a larger size if every byte the module does not
 * know is zero.  Pointers to user memory are __aligned_u64.  Reserved
 * fields must be zero on input and are zero on output; so must be the
 * fields that are output only, so that they can become inputs later.  Every ioctl needs
 * CAP_SYS_ADMIN; the device node is created 0600.  No kernel pointer is
 * ever written to user space.
 *
 * Errors (returned as -1 with errno set):
 *  ENOTTY     unknown ioctl type or number.
 *  EPERM      the caller lacks CAP_SYS_ADMIN.
 *  EFAULT     a pointer (the argument or a *_uptr) is not readable or
 *             writable user memory.
 *  EINVAL     size is smaller than the struct's first version, an unknown
 *             flag is set, a reserved field is non-zero, or an input value
 *             is out of range (unaligned or overflowing address range, too
 *             many array entries).
 *  E2BIG      size is larger than the module knows and a byte beyond what
 *             it knows is non-zero.
 *  EBADF      vm_fd is not an open file descriptor of the caller, or it is
 *             one but not a KVM VM (an eventfd, a vCPU fd, a vfio fd ...).
 *  EOPNOTSUPP KVM is not loaded, or this kernel does not give the module a
 *             safe way to recognise a KVM VM file (see kmod/README.md).
 *  ESRCH      the VM is being destroyed, or the process that created it
 *             has exited (its address space is gone).
 *  EMSGSIZE   the output array is too small; the count it needs is written
 *             back (the struct itself is copied out in this case).
 *  ENODEV     no PCI device has the given address.
 *  EINTR      a fatal signal arrived during a long walk.
 *  ENOMEM     the module could not allocate a bounce buffer.
 */
#ifndef _UAPI_IOMMU_MAP_H
#define _UAPI_IOMMU_MAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IOMMU_MAP_DEVICE	"/dev/iommu-map"
#define IOMMU_MAP_TYPE		0xB6
#define IOMMU_MAP_ABI_VERSION	1

enum {
	IOMMU_MAP_CMD_INFO = 0x80,
	IOMMU_MAP_CMD_MEMSLOTS = 0x81,
	IOMMU_MAP_CMD_WALK = 0x82,
	IOMMU_MAP_CMD_IOMMU = 0x83,
};

/**
 * struct iommu_map_info - ioctl(IOMMU_MAP_INFO)
 * @size: sizeof(struct iommu_map_info)
 * @flags: must be 0
 * @abi_version: out, IOMMU_MAP_ABI_VERSION of the module
 * @features: out, IOMMU_MAP_FEAT_*
 * @kernel_version: out, LINUX_VERSION_CODE the module was built for
 * @max_address_spaces: out, the most KVM address spaces a VM can have
 *
 * What the loaded module can do; it takes no fd and touches no VM.
 */
struct iommu_map_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 kernel_version;
	__u32 max_address_spaces;
};
/* the kernel exports file_is_kvm() and the module uses it */
#define IOMMU_MAP_FEAT_FILE_IS_KVM	(1U << 0)
/* WALK reports huge (PMD/PUD) pfnmap entries (follow_pfnmap_start, 6.12+) */
#define IOMMU_MAP_FEAT_HUGE_PFNMAP	(1U << 1)
#define IOMMU_MAP_INFO _IOWR(IOMMU_MAP_TYPE, IOMMU_MAP_CMD_INFO, \
			     struct iommu_map_info)

/**
 * struct iommu_map_memslot - one KVM memslot, as KVM holds it
 * @as_id: address space (x86: 0 normal, 1 SMM)
 * @id: slot id inside the address space (userspace's slot & 0xffff)
 * @flags: KVM_MEM_* flags of the slot (unknown bits passed through)
 * @__reserved: zero
 * @base_gfn: first guest frame; GPA = base_gfn << 12
 * @npages: number of 4 KiB guest pages; size = npages << 12
 * @userspace_addr: HVA of base_gfn in the VMM (0 for guest_memfd-only)
 */
struct iommu_map_memslot {
	__u32 as_id;
	__u32 id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 base_gfn;
	__aligned_u64 npages;
	__aligned_u64 userspace_addr;
};

/**
 * struct iommu_map_memslots - ioctl(IOMMU_MAP_MEMSLOTS)
 * @size: sizeof(struct iommu_map_memslots)
 * @flags: must be 0
 * @vm_fd: in, a KVM VM fd of the caller (e.g. from pidfd_getfd(2))
 * @num_slots: in, capacity of @slots_uptr in entries; out, the number of
 *	slots the VM has (all address spaces).  If that is more than the
 *	capacity, the ioctl fails with EMSGSIZE and nothing is written to
 *	@slots_uptr; grow the buffer and retry.
 * @slots_uptr: in, user pointer to an array of struct iommu_map_memslot
 * @generation: out, the sum of @generations.  KVM counts each address
 *	space's generation separately and only ever raises it, so this
 *	changes whenever the memslots of any address space change; compare
 *	two reads to tell whether the layout changed in between.
 * @generations: out, KVM's memslots generation of each address space at
 *	the time of the snapshot (unused entries zero)
 * @num_address_spaces: out, the number of address spaces read
 * @__reserved: zero
 *
 * One consistent snapshot, taken under the VM's SRCU read lock.  Slots are
 * sorted by (as_id, id).
 */
struct iommu_map_memslots {
	__u32 size;
	__u32 flags;
	__s32 vm_fd;
	__u32 num_slots;
	__aligned_u64 slots_uptr;
	__aligned_u64 generation;
	__aligned_u64 generations[4];
	__u32 num_address_spaces;
	__u32 __reserved;
};

#define IOMMU_MAP_MEMSLOTS _IOWR(IOMMU_MAP_TYPE, IOMMU_MAP_CMD_MEMSLOTS, \
				 struct iommu_map_memslots)

/**
 * struct iommu_map_walk_entry - one run of the walk
 * @hva: first address of the run
 * @length: bytes in the run (a multiple of 4 KiB)
 * @pfn: if PRESENT, the PFN behind @hva; the run is physically contiguous,
 *	so the PFN behind @hva + k * 4096 is @pfn + k.  Otherwise 0.
 * @flags: IOMMU_MAP_WALK_*
 * @page_shift: if PRESENT, log2 of the size of the page-table entries in
 *	the run (12, 21 or 30); otherwise 0
 *
 * A run is a stretch of equal kind: contiguous present entries of one
 * size and equal flags, or not-present entries, or a hole with no VMA, or a
 * VMA that the walk does not read.
 */
struct iommu_map_walk_entry {
	__aligned_u64 hva;
	__aligned_u64 length;
	__aligned_u64 pfn;
	__u32 flags;
	__u32 page_shift;
};
/* a present page-table entry */
#define IOMMU_MAP_WALK_PRESENT		(1U << 0)
/* the entry is writable */
#define IOMMU_MAP_WALK_WRITE		(1U << 1)
/* the VMA is VM_IO */
#define IOMMU_MAP_WALK_VM_IO		(1U << 2)
/* the VMA is VM_PFNMAP */
#define IOMMU_MAP_WALK_VM_PFNMAP	(1U << 3)
/* no VMA covers the run */
#define IOMMU_MAP_WALK_NO_VMA		(1U << 4)
/*
 * The VMA is neither VM_IO nor VM_PFNMAP (ordinary memory): it is not
 * walked; use /proc/PID/pagemap, which can read it.
 */
#define IOMMU_MAP_WALK_NOT_PFNMAP	(1U << 5)
/*
 * The entry is not a leaf the module can read (e.g. a huge entry on a
 * kernel whose API only reads PTEs); counted as not present.
 */
#define IOMMU_MAP_WALK_UNREADABLE	(1U << 6)

/**
 * struct iommu_map_walk - ioctl(IOMMU_MAP_WALK)
 * @size: sizeof(struct iommu_map_walk)
 * @flags: must be 0
 * @vm_fd: in, a KVM VM fd; the walk runs in the mm of the VM's creator
 * @num_entries: in, capacity of @entries_uptr (0 fails with EMSGSIZE); out,
 *	entries written
 * @hva: in, start of the range, 4 KiB aligned
 * @length: in, bytes, a non-zero multiple of 4 KiB
 * @entries_uptr: in, user pointer to struct iommu_map_walk_entry[]
 * @done: out, bytes of the range the entries cover, from @hva.  Less than
 *	@length when the entry array filled up or the module capped the
 *	work done in one call (IOMMU_MAP_WALK_MAX_PAGES); call again from
 *	@hva + @done.
 *
 * Reads the VMM's page tables under its mmap_lock (read).  Never faults a
 * page in and never reads or writes the memory the entries point at.
 */
struct iommu_map_walk {
	__u32 size;
	__u32 flags;
	__s32 vm_fd;
	__u32 num_entries;
	__aligned_u64 hva;
	__aligned_u64 length;
	__aligned_u64 entries_uptr;
	__aligned_u64 done;
};

#define IOMMU_MAP_WALK_MAX_PAGES	(1U << 20)
#define IOMMU_MAP_WALK _IOWR(IOMMU_MAP_TYPE, IOMMU_MAP_CMD_WALK, \
			     struct iommu_map_walk)

/**
 * struct iommu_map_iova - one IOVA lookup
 * @iova: in
 * @phys: out, iommu_iova_to_phys() of @iova, or 0
 * @flags: out, IOMMU_MAP_IOVA_MAPPED when @phys is non-zero (the kernel
 *	API returns 0 for "not mapped")
 * @__reserved: zero
 */
struct iommu_map_iova {
	__aligned_u64 iova;
	__aligned_u64 phys;
	__u32 flags;
	__u32 __reserved;
};

#define IOMMU_MAP_IOVA_MAPPED		(1U << 0)

/* struct iommu_map_iommu.domain_type */
enum {
	IOMMU_MAP_DOMAIN_NONE = 0,	/* no IOMMU group or no domain */
	IOMMU_MAP_DOMAIN_BLOCKED = 1,
	IOMMU_MAP_DOMAIN_IDENTITY = 2,	/* passthrough: IOVA = HPA */
	IOMMU_MAP_DOMAIN_UNMANAGED = 3,	/* owned by a user (vfio type1) */
	IOMMU_MAP_DOMAIN_DMA = 4,	/* the kernel's DMA API */
	IOMMU_MAP_DOMAIN_DMA_FQ = 5,	/* DMA API, flush queue */
	IOMMU_MAP_DOMAIN_SVA = 6,
	IOMMU_MAP_DOMAIN_OTHER = 15,	/* a type this ABI does not name */
};

/**
 * struct iommu_map_iommu - ioctl(IOMMU_MAP_IOMMU)
 * @size: sizeof(struct iommu_map_iommu)
 * @flags: must be 0
 * @pci_domain: in, PCI segment (the 0000 of 0000:00:03.0)
 * @pci_bus: in, bus number, 0..255
 * @pci_devfn: in, (slot << 3) | function, 0..255
 * @num_iovas: in, entries at @iovas_uptr, 0..IOMMU_MAP_MAX_IOVAS
 * @iovas_uptr: in, user pointer to struct iommu_map_iova[]; the module
 *	fills @phys and @flags of each
 * @domain_type: out, IOMMU_MAP_DOMAIN_*
 * @group_id: out, the IOMMU group number, or -1 if the device has none
 * @pgsize_bitmap: out, page sizes the domain supports, 0 without domain
 *
 * Lookups are made with the group's mutex held, so the domain cannot be
 * detached (and freed by vfio) during the call.
 */
struct iommu_map_iommu {
	__u32 size;
	__u32 flags;
	__u32 pci_domain;
	__u32 pci_bus;
	__u32 pci_devfn;
	__u32 num_iovas;
	__aligned_u64 iovas_uptr;
	__u32 domain_type;
	__s32 group_id;
	__aligned_u64 pgsize_bitmap;
};

#define IOMMU_MAP_MAX_IOVAS		65536
#define IOMMU_MAP_IOMMU _IOWR(IOMMU_MAP_TYPE, IOMMU_MAP_CMD_IOMMU, \
			      struct iommu_map_iommu)

#endif /* _UAPI_IOMMU_MAP_H */
