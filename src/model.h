/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.h - the one picture every source fills and every view reads.
 *
 * Sources (pci.c, proc.c, memslots.c, ...) fill plain structs here and
 * never print.  correlate.c links them and adds findings; it is pure.
 * Views (report.c, explain.c) read the model and never open a file.
 */
#ifndef IM_MODEL_H
#define IM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_NBARS 6

enum im_bar_kind { IM_BAR_NONE = 0, IM_BAR_MEM32, IM_BAR_MEM64, IM_BAR_IO };

/* vfio-pci's region offset (VFIO_PCI_INDEX_TO_OFFSET): index << 40 | offset */
#define IM_REGION_SHIFT	40
#define IM_REGION_MASK	((1ULL << IM_REGION_SHIFT) - 1)

/* How the maps offset column of a vfio mapping is to be read. */
enum im_offset_mode {
	IM_OFF_UNKNOWN = 0,
	IM_OFF_HPA,	/* < 6.10: vm_pgoff = BAR HPA + offset in BAR */
	IM_OFF_REGION,	/* >= 6.10: index << 40 | offset in BAR */
};

/* How an mmap was tied to its device; the order is the order of trust. */
enum im_ident {
	IM_ID_NONE = 0,
	IM_ID_FDINFO,	/* fdinfo vfio-device-syspath: named the only candidate */
	IM_ID_CDEV,	/* /dev/vfio/devices/vfioN path */
	IM_ID_HPA,	/* maps offset is an HPA inside the BAR */
	IM_ID_GUESS,	/* (index, size) match only */
	IM_ID_GROUP,	/* (index, size) match among the IOMMU groups the target holds open */
	IM_ID_QEMU,	/* several fit; QEMU (gpa2hva, a gdb export) puts one's BAR in it */
};

enum im_severity { IM_SEV_INFO = 0, IM_SEV_WARNING, IM_SEV_ERROR };

enum im_src_status { IM_SRC_OK = 0, IM_SRC_PARTIAL, IM_SRC_UNAVAILABLE };

/* a yes/no fact: known yes, known no, or unknown (with a why beside it) */
enum im_tri { IM_TRI_UNKNOWN = 0, IM_TRI_NO, IM_TRI_YES };

/* What the kernel module's page-table walk found behind a BAR mmap. */
enum im_hpa_check {
	IM_HPA_UNCHECKED = 0,	/* not walked: no module, replay, no VM fd */
	IM_HPA_VERIFIED,	/* every page present and at the BAR's own PFN */
	IM_HPA_PARTLY,		/* present pages match; others not faulted in */
	IM_HPA_NOT_FAULTED,	/* no page faulted in yet: nothing to compare */
	IM_HPA_MISMATCH,	/* a present page maps a different PFN */
	IM_HPA_NOT_PFNMAP,	/* part of the range is not a VM_IO/PFNMAP VMA */
	IM_HPA_ERROR,		/* the walk failed */
};

/*
 * The size of a page-table leaf that maps part of a BAR mmap: 4 KiB PTEs,
 * and from Linux 6.12, 2 MiB (PMD) and 1 GiB (PUD) leaves where vfio-pci's
 * huge_fault could use them.  OTHER is any other size a module reports.
 */
enum im_leaf { IM_LEAF_4K = 0, IM_LEAF_2M, IM_LEAF_1G, IM_LEAF_OTHER, IM_NLEAF };

/*
 * An address width in bits, and where it came from: known (bits > 0), or
 * unknown, with why.  The sources of iommu-width.c, cpuinfo.c and
 * physbits.c fill the three of the model.
 */
struct im_width {
	unsigned int bits;		/* 0: unknown */
	char *what;			/* known: "dmar0: MGAW 39, SAGAW 39/48" */
	char *why;			/* unknown: why */
};

/* One mmap of a BAR, after correlation. */
struct im_bar_mmap {
	uint64_t hva, size, bar_offset, maps_offset;
	int fd;			/* -1: not known */
	size_t map;		/* index into model.maps */
	enum im_ident ident;
	enum im_hpa_check hpa_check;
	uint64_t hpa_present, hpa_pages;
	/*
	 * How many present leaves of each size the walk found; only when
	 * hpa_leaves_known: a live walk, or a capture whose kernel-checks
	 * file has them.
	 */
	bool hpa_leaves_known;
	uint64_t hpa_leaves[IM_NLEAF];
};

/*
 * Why a stretch of a BAR traps to QEMU (every guest access a KVM exit and
 * QEMU's MMIO dispatch) instead of being direct-mapped by a memslot.
 */
enum im_trap_why {
	IM_TRAP_MSIX_TABLE = 0,	/* the MSI-X table's pages: QEMU emulates the table */
	IM_TRAP_MSIX_PBA,	/* an unmmapped part holding the MSI-X PBA */
	IM_TRAP_SUBPAGE,	/* a BAR smaller than a page, not mmapped */
	IM_TRAP_NO_MMAP,	/* not mmapped, and no MSI-X structure there */
	IM_TRAP_UNKNOWN,	/* not mmapped; config space unread: MSI-X or not unknown */
	IM_TRAP_IO,		/* an I/O port BAR: never mmapped */
};

/* One trapped stretch of a BAR, in offsets into the BAR. */
struct im_trap {
	uint64_t off, size;
	enum im_trap_why why;
};

/* One stretch of a BAR as the guest sees it. */
struct im_bar_guest {
	uint64_t gpa, size, hva;
	int slot, as_id;	/* -1: not from a memslot */
	const char *source;	/* "kvm-memslot", "qmp", "gdb-export", ... */
};

struct im_bar {
	int index;
	enum im_bar_kind kind;
	bool prefetch;
	uint64_t hpa, size;
	struct im_bar_mmap *mmaps;
	size_t nmmaps;
	struct im_bar_guest *guest;
	size_t nguest;
	/* guest-side BAR address as reported by QEMU (QMP, gdb export, ...) */
	bool have_guest_gpa;
	uint64_t guest_gpa, guest_size;
	/*
	 * The stretches that trap to QEMU, sorted by offset, none overlapping
	 * (traps.c, run by correlate).  traps_known false: not worked out, and
	 * traps_why says why; traps_known with traps_why: the list holds what
	 * is known to trap, and traps_why says what is not known.
	 */
	bool traps_known;
	const char *traps_why;		/* static text, or NULL */
	struct im_trap *traps;
	size_t ntraps;
};

struct im_device {
	char bdf[16];			/* "0000:00:03.0" */
	uint16_t vendor_id, device_id;
	char *name;			/* from pci.ids, or NULL */
	char *driver;			/* or NULL */
	char *iommu_group;		/* or NULL */
	struct im_bar bars[IM_NBARS];
	bool held;			/* the target holds an fd or mmap of it */
	int vfio_cdev;			/* N of vfio-dev/vfioN, or -1 */
	bool caps_known;		/* config space was readable */
	bool have_msix;			/* MSI-X capability read from config */
	int msix_bar, msix_pba_bar;
	uint64_t msix_table_off, msix_table_size, msix_pba_off, msix_pba_size;
	char *guest_bdf, *qdev_id;	/* from QEMU-side sources, or NULL */
};

/* One line of /proc/PID/maps. */
struct im_map {
	uint64_t start, end, offset;
	char perms[5];
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	char *path;			/* "" for anonymous */
	bool unnamed;			/* a pasted pmap -X row without Mapping:
					 * the path (and so vfio) is unknown */
	unsigned int line;		/* line number in maps */
	bool offset_lost;		/* a paste's offset that maps cannot have printed
					 * (under 8 digits, not page-aligned): unknown */
	/* vfio BAR mappings only: */
	bool vfio;
	int cdev;			/* N of /dev/vfio/devices/vfioN, or -1 */
	int dev;			/* index into model.devices, or -1 */
	int bar;			/* BAR index, or -1 */
	uint64_t bar_offset;
	enum im_ident ident;
	bool ambiguous;			/* fits BARs of several devices: dev -1, which unknown */
};

struct im_fd {
	int fd;
	char *target;			/* readlink of proc/PID/fd/N */
	char *syspath;			/* fdinfo vfio-device-syspath:, or NULL */
	int dev;			/* index into model.devices, or -1 */
};

/* A memory BAR's host range [start, end), in the model's index by HPA. */
struct im_bar_ref {
	uint64_t start, end;
	int dev, bar;
};

/*
 * The most memslots one address space may hold, in every memslot source:
 * KVM's own limit is lower (x86 KVM_USER_MEM_SLOTS, 32764).
 */
#define IM_MAX_SLOTS_PER_AS	32768

/* A KVM memslot: as_id 0, or 1 for x86's SMM address space. */
struct im_memslot {
	int as_id, slot;
	uint64_t gpa, size, hva;
	uint32_t flags;
};

struct im_source {
	char *name;
	enum im_src_status status;
	char *detail;
};

/* Made only through findings.h, by a row of findings.def. */
struct im_finding {
	enum im_severity severity;
	const char *code;		/* the row's, in the table */
	char *subject, *message;
	unsigned int line;		/* of the text it annotates (--mtree), or 0 */
};

/*
 * What a QEMU-side source (QMP, gdb export, trace log) says of one BAR of a
 * passed-through device, in the guest's terms.
 */
struct im_qemu_bar {
	char host_bdf[16];
	int bar;
	uint64_t gpa, size;		/* guest BAR; size 0: not known */
	bool have_hva;
	uint64_t hva;			/* gpa2hva of gpa, flat view, ... */
	char *guest_bdf, *qdev_id;	/* or NULL */
	const char *source;		/* "qmp", "gdb-export", "qemu-trace", "qtree" */
	enum im_tri no_mmap;		/* QEMU's x-no-mmap (qtree says it): yes, the BAR
					 * is not mmapped and every access traps */
};

/*
 * A vfio DMA map QEMU made for its passed-through devices, from a trace's
 * vfio_listener_region_add_ram or iommufd_backend_map_dma: IOVA [iova,
 * iova + size) reaches HVA hva.  Without a vIOMMU the IOVA is the GPA.
 */
struct im_dma_map {
	uint64_t iova, size, hva;
	enum im_tri readonly;		/* unknown: the event does not say */
	unsigned int line;		/* in the trace */
};

/*
 * A DMA map a trace or pasted log says failed (trace-fail.c): IOVA [iova,
 * iova + size) reaches nothing.  One per distinct failure, at its first line.
 */
struct im_dma_fail {
	uint64_t iova, size, hva;
	bool have_hva;			/* false: a dmabuf's map (no HVA) */
	int err;			/* a positive errno; 0: not named */
	unsigned int line;
	char bar_dev[64];		/* QEMU named the device whose BAR it is; "" */
};

/*
 * A mmap QEMU made of part of a vfio region, from a trace's vfio_region_mmap
 * ("Region 0000:84:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]"): region offsets
 * [off, off + size) of BAR bar of the device QEMU names dev, mmapped from
 * the device fd.  QEMU's format gives no HVA: hva comes from the target's
 * maps (the BAR's mmap holding those offsets), else hva_why says why not.
 */
struct im_region_mmap {
	char name[128];			/* QEMU's: "0000:84:00.0 BAR 0 mmaps[0]" */
	char dev[64];			/* QEMU's name of the device; "" if the
					 * region is no vfio BAR's name */
	int bar, index;			/* -1: not in the name */
	uint64_t off, size;
	int mdev;			/* the model's device, or -1: not known */
	bool have_hva;
	uint64_t hva;			/* of off */
	const char *hva_why;		/* static text: why the HVA is not known */
	unsigned int line;		/* in the trace */
};

/*
 * QEMU's answers over QMP, as text, kept as asked (a live --qmp run) so
 * that capture can store them and the cross-check knows they were asked.
 */
struct im_qmp_gpa2hva {
	uint64_t gpa;
	char *text;			/* HMP's answer */
};

struct im_qmp_raw {
	char *query_pci;		/* qmp/query-pci.json: {"return": [...]}; NULL: none kept */
	char *info_qtree;		/* hmp/info-qtree.txt */
	char *info_mtree_f;		/* hmp/info-mtree-f.txt */
	struct im_qmp_gpa2hva *gpa2hva;	/* hmp/gpa2hva-0x<gpa>.txt */
	size_t ngpa2hva;
	/*
	 * qmp/qom-pci-host.json: the PCI host bridge's window properties
	 * (qom-get), {"path": ..., "pci-hole-start": N, ...}, or {"path":
	 * null, "error": "..."} when QEMU answered none; NULL: not asked
	 */
	char *qom_pci_host;
};

/*
 * One memory BAR of a device on the guest's PCI buses, as QMP query-pci
 * lists it (every device, not only the passed-through ones).
 */
struct im_guest_pci_bar {
	char guest_bdf[16];
	int bar;
	uint64_t gpa, size;		/* gpa UINT64_MAX: QEMU maps it nowhere */
	bool mem64, prefetch;
	int dev;			/* the model's host device (vfio-pci), or -1 */
};

/* One MMIO window of the root bus, and how full it is (checks/mmio.c). */
struct im_mmio_window {
	bool present;			/* false: QEMU reports none (start = end = 0) */
	uint64_t start, end;		/* [start, end) */
	uint64_t used, largest_gap;	/* bytes of BARs inside; the largest stretch free */
	unsigned int nbars;
};

/* The guest firmware, from QEMU's command line (checks/mmio.c). */
enum im_firmware { IM_FW_UNKNOWN = 0, IM_FW_SEABIOS, IM_FW_OVMF, IM_FW_OTHER };

/*
 * The root bus's 32-bit and 64-bit MMIO windows as QEMU gives them (the
 * host bridge's pci-hole-start/-end and pci-hole64-start/-end), and the
 * guest's BARs in them.  known false: windows unknown, and why says why.
 */
struct im_mmio {
	bool known;
	char *why;
	char *host_bridge;		/* QOM path: "/machine/q35", "/machine/i440fx" */
	bool hole64_size_known;
	uint64_t hole64_size;		/* the pci-hole64-size property */
	struct im_mmio_window w32, w64;
	bool bars_known;		/* query-pci was read */
	struct im_guest_pci_bar *bars;	/* sorted by gpa */
	size_t nbars;
	enum im_firmware firmware;
	char *firmware_why;		/* the words of the command line it came from */
};

/* A process that looks like a VMM (used when --pid is not given). */
struct im_candidate {
	int pid;
	char *comm;
	unsigned int vfio_fds, vfio_maps;
};

/* The processes the scan for candidates could not tell, by why: a VMM among them is not seen. */
struct im_scan_skips {
	size_t denied;			/* fds and maps unreadable */
	int denied_why;			/* -EACCES or -EPERM */
	size_t exited;			/* gone while the scan read them */
	size_t changing;		/* maps torn IM_PROC_TRIES times */
};

/*
 * Ranges of HVAs (memslots, the host side of DMA maps) sorted by start, for
 * a lookup by HVA that overlaps allow (correlate.c).
 */
struct im_hva_index {
	size_t *idx;			/* into the array, sorted by hva */
	uint64_t *maxend;		/* running maximum of hva + size */
	size_t n;			/* the array's length when it was built */
};

struct im_model {
	/* target */
	bool paste;			/* no target and no host: only what pastes say */
	const char *sysroot;
	const char *filter_bdf;		/* -s: show only this device, or NULL */
	int pid;			/* -1: none */
	char *comm, *cmdline, *kernel;
	enum im_offset_mode offset_mode;
	char *offset_why;		/* how the decoding was chosen */
	enum im_tri kvm_vm;		/* an anon_inode:kvm-vm fd is held; unknown: */
	char *kvm_vm_why;		/* the fds were not (all) read, and why */
	bool running;			/* proc/PID/stat said it ran when first read */
	/* the maps text the model was read from (capture writes it), and on
	 * which read of a live target two maps reads were alike (0: one read) */
	char *maps_text;
	size_t maps_len;
	unsigned int maps_tries;
	/* the --qemu-trace and --gdb-export texts as read, kept for capture
	 * (keep_inputs) */
	char *trace_text;
	size_t trace_len;
	char *gdb_export_text;
	size_t gdb_export_len;
	/* VmPTE of proc/PID/status: the target's page tables, in bytes */
	bool vmpte_known;
	uint64_t vmpte;
	char *vmpte_why;		/* unknown: why */
	/* address widths: the host IOMMU's, the host CPU's, the guest's */
	struct im_width iommu_width, cpu_width, guest_width;

	struct im_device *devices;	/* sorted by bdf */
	size_t ndevices;
	struct im_map *maps;		/* sorted by start, as the kernel prints */
	size_t nmaps;
	struct im_fd *fds;		/* sorted by fd */
	size_t nfds;
	struct im_memslot *memslots;	/* sorted by as_id, gpa */
	size_t nmemslots;
	const char *memslot_source;	/* "kvm-memslot", "fixture", ... */
	bool memslots_known;		/* a memslot source answered */
	char *memslots_why;		/* a source that could not read them: why */
	struct im_qemu_bar *qbars;
	size_t nqbars;
	struct im_dma_map *dma;		/* sorted by iova, not overlapping */
	size_t ndma;
	const char *dma_source;		/* the file they came from; NULL: none read */
	struct im_dma_fail *dma_fails;	/* failed DMA maps, in the trace's order */
	size_t ndma_fails;
	struct im_region_mmap *rmmaps;	/* in the trace's order */
	size_t nrmmaps;
	const char *rmmap_source;	/* "qemu-trace"; NULL: no trace read */
	struct im_qmp_raw qmp;		/* the answers of a live --qmp run */
	struct im_mmio mmio;		/* the MMIO windows and the guest's BARs */
	/* memory BARs sorted by HPA (correlate.c builds it) */
	struct {
		struct im_bar_ref *v;
		size_t n;
	} by_hpa;
	/* memslots, the DMA maps' host side and the region mmaps placed in
	 * the maps, by HVA, for im_place_hva (correlate.c builds them) */
	struct im_hva_index by_hva, dma_by_hva, rmmap_by_hva;

	struct im_source *sources;
	size_t nsources;
	struct im_finding *findings;
	size_t nfindings;

	/* capacities of the growable arrays above (model.c) */
	struct {
		size_t sources, findings, memslots, qbars;
	} cap;
};

/* A parse error a source reports: "file:line: message". */
struct im_err {
	char file[512];
	unsigned int line;		/* 0: whole file */
	char msg[256];
};

#endif
