/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtree.h - QEMU's `info qtree` text (see qtree.c): every vfio-pci device,
 * its host device, its guest address and its guest BARs.  Read from a
 * paste (--qtree) and from the answers of a QMP run (qmp.c).
 */
#ifndef IM_QTREE_H
#define IM_QTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* BARs 0-5 and the ROM (6): PCI_NUM_REGIONS, what pcibus_dev_print walks */
#define IM_QTREE_NREGIONS 7

/* one "bar N: mem|i/o at 0xADDR [0xEND]" line */
struct im_qtree_bar {
	bool present;			/* the line was there (QEMU prints only sized BARs) */
	bool io;			/* "i/o": an I/O port BAR */
	bool assigned;			/* false: at 0xffffffffffffffff, PCI_BAR_UNMAPPED */
	uint64_t addr, size;		/* guest address (assigned only) and size */
	unsigned int line;
};

/* one vfio-pci device node */
struct im_qtree_vfio {
	char qdev_id[64];		/* "" when the device has no id */
	char host_bdf[16];		/* from host=, else the basename of sysfsdev=; ""
					 * for an mdev or a device given to QEMU as an fd */
	char mdev[40];			/* sysfsdev=/sys/bus/mdev/devices/UUID: the UUID, or "" */
	int bus, slot, func;		/* guest "addr BB:SS.F" of the class line, -1: not seen */
	bool have_ids;
	uint16_t vendor_id, device_id;	/* "pci id VVVV:DDDD" of the class line */
	enum im_tri no_mmap;		/* x-no-mmap: every BAR traps to QEMU */
	char msix_relocation[16];	/* x-msix-relocation ("off", "bar2", ...), or "" */
	struct im_qtree_bar bars[IM_QTREE_NREGIONS];
	unsigned int line;		/* of its dev: line */
};

struct im_qtree {
	struct im_qtree_vfio *v;
	size_t n;
	unsigned int devices;		/* dev: lines, vfio-pci or not */
	unsigned int nlines;
	unsigned int unknown;		/* non-blank lines not understood */
	unsigned int first_unknown;	/* the first of them, 1-based; 0: none */
	bool qp;			/* the text was quoted-printable, decoded */
	unsigned int qp_soft;		/* its soft line breaks joined */
};

/*
 * Parse [buf, buf + len) (NULs end it early; quoted-printable is decoded
 * first, and lines keep the file's numbers).  0, -EINVAL (bad input in a
 * line it understands: err names file and line) or -ENOMEM.  A text with
 * no dev: line is not an error here (the loader says so).
 */
int im_qtree_parse(const char *buf, size_t len, const char *file, struct im_qtree *out,
		   struct im_err *err);
void im_qtree_free(struct im_qtree *q);
/* whether text looks like `info qtree` (a "dev: TYPE, id" line), for a hint */
bool im_qtree_looks(const char *buf, size_t len);
/*
 * whether text looks like HMP `info pci` (a "Bus  0, device   3, function 0:"
 * line), which names no host device, for a hint to paste info qtree instead
 */
bool im_info_pci_looks(const char *buf, size_t len);
/* the hint: "this is info pci output, ..." */
#define IM_INFO_PCI_HINT "this is info pci output, which names no host device: paste HMP info qtree instead, whose vfio-pci nodes name theirs (host = ...), and give it to --qtree"
/* the guest BDF of v, "0000:BB:SS.F", into out; false: no class line */
bool im_qtree_guest_bdf(const struct im_qtree_vfio *v, char out[16]);
/*
 * --qtree FILE ("-": stdin): each vfio-pci device's guest BARs become the
 * model's guest BARs (source "qtree") of its host device.  With a host, the
 * paste must name a device the target holds; otherwise it is said to be
 * another machine's or another VM's, kept apart, with a finding.
 */
int im_qtree_load(struct im_model *m, const char *file, struct im_err *err);

#endif
