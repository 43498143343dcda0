/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mtree.h - memory-tree text from QEMU: gdb's `qemu mtree` (scripts/qemugdb/
 * mtree.py), HMP `info mtree` and HMP `info mtree -f` (sources/mtree.c); and
 * a view that annotates each line with what its numbers really are
 * (views/mtree-view.c).
 */
#ifndef IM_MTREE_H
#define IM_MTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"

enum im_mtree_shape {
	IM_MT_UNKNOWN = 0,
	IM_MT_GDB,		/* "%016x-%016x <name>< (I/O)> (@ 0x<MemoryRegion *>)" */
	IM_MT_HMP,		/* "  s-e (prio P, type): name" / "alias N @T s-e" */
	IM_MT_HMP_FLAT,		/* "FlatView #n" ... "s-e (prio P, type): name @off KVM" */
};

enum im_mtree_kind {
	IM_MTL_TEXT = 0,	/* blank or not understood: printed, not annotated */
	IM_MTL_HEADER,		/* address-space:, FlatView #, AS "..", Root memory region: */
	IM_MTL_RANGE,		/* one region or flat range */
	IM_MTL_ALIAS,		/* gdb's second line of an alias: "alias: T@off (@ p)" */
	IM_MTL_MAPS,		/* a /proc/PID/maps line pasted beside the tree: the
				 * maps reader's (--maps), not this one's; start
				 * and end as maps prints them (end exclusive) */
};

enum im_bar_part { IM_BP_NONE = 0, IM_BP_BASE, IM_BP_REGION, IM_BP_MMAP };

/*
 * What QEMU's name of a vfio device (VFIODevice.name, the start of its BAR
 * region names "%s base BAR %d", "%s BAR %d", "%s mmaps[%d]") is made of.
 */
enum im_vfio_name {
	IM_VN_NONE = 0,		/* not a vfio device name */
	IM_VN_BDF,		/* "0000:0a:00.0": the host BDF (host=, sysfsdev=) */
	IM_VN_MDEV,		/* a UUID: sysfsdev= of a mediated device */
	IM_VN_FD,		/* "VFIO_FD12": given to QEMU as fd 12 (10.0; later without id=) */
	IM_VN_ID,		/* the device's id=: given as an fd, QEMU 10.2 and later */
};

struct im_mtree_line {
	unsigned int line;		/* 1-based line in the input */
	enum im_mtree_kind kind;
	char *text;			/* the input line (joined when gdb wrapped it) */
	int depth;			/* indent / 2 */
	/* IM_MTL_RANGE */
	uint64_t start, end;		/* as printed; end_big: did not fit 64 bits */
	bool end_big;
	char *name;			/* region name (NULL: none) */
	char klass[8];			/* gdb: "I/O", "RAM", "alias" or "" */
	bool have_ptr;
	uint64_t ptr;			/* gdb "(@ 0x..)": the MemoryRegion * */
	bool size_artefact;		/* gdb Int128 bug: decimal size read as hex */
	uint64_t real_end;		/* corrected end when size_artefact */
	int prio;			/* HMP */
	char type[16];			/* HMP: ram, rom, romd, ramd, i/o, container */
	bool alias;
	char *alias_target;		/* HMP "@T", gdb "alias: T@" */
	uint64_t alias_start, alias_end;	/* HMP alias range / gdb alias offset */
	bool have_offset;
	uint64_t offset;		/* flat: " @offset_in_region" */
	bool kvm;			/* flat: " KVM" (QEMU <= 4.1: " kvm") suffix */
	unsigned int view;		/* flat: its FlatView block, 1-based (0: before any) */
	bool view_kvm;			/* flat: some range of that FlatView carries the mark:
					 * QEMU checked its address space's slots, so a range
					 * without it has no slot of its exact extent; without
					 * any, whether a slot maps it is unknown */
	bool disabled;
	/* from the name: "<device> [base ]BAR n[ mmaps[k]]" */
	char qemu_dev[64];		/* the device as QEMU names it; "": no BAR name */
	enum im_vfio_name dev_kind;
	char host_bdf[16];		/* qemu_dev when it is a BDF, else "" */
	int bar, mmap_index;		/* -1: none (or, type_wins, not known) */
	enum im_bar_part bar_part;	/* what the region is: by its HMP type, where that
					 * and the name disagree (type_wins) */
	bool type_wins;			/* the name says another BAR part than the type:
					 * "(ramd): .. BAR n" (" mmaps[k]" cut by a wrap) is
					 * the mmap, "(i/o): .. BAR n mmaps[k]" the region */
	/* context */
	const char *space;		/* "memory", "io", "smram", ... or NULL */
	int as_id;			/* KVM address space for memslot lookup, -1: not a GPA */
};

/* a range line's last address: the corrected one when gdb's Int128 bug made it wrong */
static inline uint64_t im_mtree_line_end(const struct im_mtree_line *l)
{
	return l->size_artefact ? l->real_end : l->end;
}

struct im_mtree {
	enum im_mtree_shape shape;
	struct im_mtree_line *lines;
	size_t nlines;
	bool int128_bug;		/* the file shows the gdb Int128 artefact */
	bool any_kvm;			/* some flat range carries " KVM" */
	bool flat_no_header;		/* -f text without its "FlatView #" line */
	bool owners;			/* -o: " owner:{..}", " parent:{..}", " orphan" */
	bool other_vm;			/* im_mtree_match: nothing agrees with the target */
	bool dispatch;			/* -d: "Dispatch" blocks (skipped) */
	unsigned int joined;		/* lines a mail client wrapped, joined */
	bool qp;			/* the text was quoted-printable, decoded */
	unsigned int qp_soft;		/* ... and its soft line breaks joined */
	unsigned int unknown;		/* non-blank lines not understood */
	unsigned int first_unknown;	/* the first of them, 1-based; 0: none */
	unsigned int maps_lines;	/* IM_MTL_MAPS lines, left to the maps reader */
	unsigned int first_maps;	/* the first of those, 1-based; 0: none */
	bool maps_read;			/* the same text was given to --maps (set by
					 * the caller): its reader read those lines */
	char **spaces;			/* owned strings the lines' space point into */
	size_t nspaces;
};

/* mtree.c: QEMU's vfio device names, shared with trace.c */
/* the kind of name; *fd: N of VFIO_FD<N>, else -1 */
enum im_vfio_name im_vfio_name_kind(const char *name, int *fd);
/*
 * A vfio region name, "<device> base BAR n", "<device> BAR n" or "<device>
 * BAR n mmaps[k]" (QEMU's vfio_region_setup() and vfio_region_mmap()
 * names), as mtree and trace lines give it: false when name is none.
 */
struct im_vfio_region {
	char dev[64];			/* the device as QEMU names it */
	enum im_vfio_name kind;
	char host_bdf[16];		/* dev when it is a BDF, else "" */
	enum im_bar_part part;
	int bar, mmap_index;		/* -1: none */
};
bool im_vfio_region_name_parse(const char *name, struct im_vfio_region *out);
/*
 * The model's device a vfio device name denotes, or -1.  how: the evidence
 * (the fd it was passed as, the id QEMU's monitor ties to a host device), or
 * why none, as a phrase; "" when there is nothing to say.  Never a guess.
 */
int im_vfio_name_device(const struct im_model *m, const char *name, char *how, size_t len);

/* mtree.c: is an HMP region type (ram, ramd, rom, romd) RAM-backed: no trap to QEMU on read */
bool im_mtree_type_ram(const char *type);

/*
 * mtree.c: why QEMU did not mark flat range l " KVM" where it marked other
 * ranges of l's FlatView (no slot of its exact extent), as far as the text
 * shows: not 4 KiB-aligned, a 4 KiB page shared with an i/o range (named), or
 * that the text does not say; into buf
 */
void im_mtree_no_slot_why(const struct im_mtree *t, const struct im_mtree_line *l, char *buf,
			  size_t len);

/* mtree.c: the parser */
int im_mtree_parse(const char *buf, size_t len, const char *file,
		   struct im_mtree *out, struct im_err *err);
void im_mtree_free(struct im_mtree *t);
/* file: a path or "-" (stdin), read as given (not under the sysroot), and
 * parsed; *name: what messages call it ("<stdin>" for "-") */
int im_mtree_load(const char *file, struct im_mtree *t, const char **name,
		  struct im_err *err);

/* views/mtree-view.c: the annotation */
/* the notes on t's lines, added to m's findings with their line; -ENOMEM */
/*
 * Whether t is the target's: with a target, at least one vfio BAR region of
 * a device it holds, or one range the place and size of one of its memslots;
 * else t->other_vm and an mtree-other-vm finding on t's first range line.
 */
int im_mtree_match(struct im_model *m, struct im_mtree *t, const char *file);
int im_mtree_notes(struct im_model *m, const struct im_mtree *t, const char *file);
/* t's lines, each with its notes: the findings from m->findings[from] */
int im_mtree_view(FILE *out, const struct im_model *m, const struct im_mtree *t,
		  const char *file, size_t from, bool json);
/*
 * Paste mode: how many pasted vfio device mappings may be the mmap of l, a
 * BAR's "mmaps[k]" range line (the size of its range, and an offset that
 * one of the kernel's two readings fits), the first in *one.  One of them is
 * a candidate, never a fact: the pastes do not say which kernel, or which
 * device's BAR the mapping is.
 */
unsigned int im_mtree_pasted_mmaps(const struct im_model *m, const struct im_mtree *t,
				   const struct im_mtree_line *l, const struct im_map **one);
/* a tree read from file (im_mtree_load, im_mtree_parse): match, notes, then view */
int im_mtree_annotate(FILE *out, struct im_model *m, struct im_mtree *t, const char *file,
		      bool json);
/* parse, then im_mtree_annotate */
int im_mtree_annotate_buf(FILE *out, struct im_model *m, const char *buf,
			  size_t len, const char *file, bool json, struct im_err *err);

#endif
