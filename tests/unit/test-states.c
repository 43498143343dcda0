// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the three states of every finding (issue 13): for each code
 * of src/findings.def, a model built in memory in which
 *
 *   yes:     the sources it depends on were read and its condition holds:
 *            the finding is made, about the right subject, in its sentence;
 *   no:      they were read and the condition does not hold: no finding of
 *            the code (or its "known no" sentence, where the table has one);
 *   unknown: a source it depends on was not read (unavailable, partial, not
 *            given): the finding is not made as a "no" (nor as a "yes"), and
 *            where the code has an unknown sentence, that one is made.
 *
 * One row a code (rows[]); each row names its builder, which builds the
 * model for a state and runs the pass that makes the finding (correlate, a
 * check, a source's parser or the mtree annotation).  Every code of the
 * table must have a row, an exemption (exempt[], each saying why its
 * unknown state cannot exist) or a place on the TODO list (todo[], printed,
 * not failed): a new finding without a row fails this test.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks/mmio.h"
#include "checks/pagetables.h"
#include "findings.h"
#include "iommu-map.h"
#include "sources/gdbexport.h"
#include "sources/kmod.h"
#include "sources/maps-paste.h"
#include "sources/mtree.h"
#include "sources/qmp.h"
#include "sources/qtree.h"
#include "sources/trace.h"
#include "sources/widths.h"
#include "t.h"

enum st { YES, NO, UNK, NSTATES };

static const char *const st_name[NSTATES] = { "yes", "no", "unknown" };

/* ------------------------------------------------------------ model makers */

/* a sysroot of this test's own (the pci source and a QMP capture read files) */
static char top[] = "/tmp/im-states-root.XXXXXX";

static int put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) ? -EIO : 0;
}

static void fresh(struct im_model *m, const char *kernel)
{
	im_model_free(m);
	im_model_init(m);
	m->kernel = kernel ? strdup(kernel) : NULL;
	m->pid = 1;
}

/* a vfio-pci device (add them in BDF order: the array is sorted); its index */
static int dev(struct im_model *m, const char *bdf)
{
	struct im_device *d;

	m->devices = realloc(m->devices, (m->ndevices + 1) * sizeof(*d));
	d = &m->devices[m->ndevices];
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->driver = strdup("vfio-pci");
	d->vfio_cdev = -1;
	d->caps_known = true;		/* config space read: no MSI-X */
	return (int)m->ndevices++;
}

static void bar(struct im_model *m, int di, int i, enum im_bar_kind k, uint64_t hpa, uint64_t size)
{
	struct im_bar *b = &m->devices[di].bars[i];

	b->index = i;
	b->kind = k;
	b->hpa = hpa;
	b->size = size;
}

static void maps(struct im_model *m, const char *text)
{
	struct im_err e;

	if (im_proc_parse_maps(text, strlen(text), "maps", &m->maps, &m->nmaps, &e))
		printf("FAIL maps: %u: %s\n", e.line, e.msg);
}

static void slot(struct im_model *m, int as, int id, uint64_t gpa, uint64_t size, uint64_t hva)
{
	struct im_memslot s = { as, id, gpa, size, hva, 0 };

	im_add_memslot(m, &s);
	m->memslots_known = true;
	m->memslot_source = "kvm-memslot";
}

/* a source that answered nothing (its data stays out of the model) */
static void unread(struct im_model *m, const char *name, const char *why)
{
	im_add_source(m, name, IM_SRC_UNAVAILABLE, "%s", why);
}

static void slots_unread(struct im_model *m)
{
	unread(m, "memslots", "no module, no fixture file and no trace");
}

static void qbar(struct im_model *m, const char *bdf, int b, uint64_t gpa, uint64_t hva,
		 const char *source)
{
	struct im_qemu_bar q = { .bar = b, .gpa = gpa, .size = 0x1000, .have_hva = hva != 0,
				 .hva = hva, .source = source };

	snprintf(q.host_bdf, sizeof(q.host_bdf), "%s", bdf);
	im_add_qemu_bar(m, &q);
}

#define SEED_MAP "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n"
#define HEAP_MAP "56540c9e1000-56540e6b0000 rw-p 00000000 00:00 0 [heap]\n"

/* the seed: 0000:0a:00.0's 4K BAR 0 at HPA 0xe2c20000, mmapped at 0x7f0b5c5f4000 */
static int seed(struct im_model *m, const char *kernel)
{
	int d;

	fresh(m, kernel);
	d = dev(m, "0000:0a:00.0");
	bar(m, d, 0, IM_BAR_MEM32, 0xe2c20000, 0x1000);
	maps(m, SEED_MAP);
	return d;
}

/* the seed's memslot: GPA 0xfc078000 at the mmap */
static void seed_slot(struct im_model *m)
{
	slot(m, 0, 5, 0xfc078000, 0x1000, 0x7f0b5c5f4000);
}

/* -------------------------------------------- HOST: correlate's findings */

static int b_offset_format(struct im_model *m, enum st s)
{
	/* the kernel release (proc/sys/kernel/osrelease) unread: never compared */
	fresh(m, s == UNK ? NULL : "6.12.0");
	bar(m, dev(m, "0000:00:05.0"), 0, IM_BAR_MEM32, 0xfe000000, 0x400000);
	maps(m, s == NO ? "7f0000000000-7f0000400000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n" :
			  "7f0000000000-7f0000400000 rw-s fe000000 00:0e 44 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

static int b_release(struct im_model *m, enum st s)
{
	seed(m, s == YES ? "garbage" : s == NO ? "6.1.0" : NULL);
	return im_correlate(m);
}

/* twins of one BAR size on 6.10+: which one a region offset names */
static int b_ambiguous(struct im_model *m, enum st s)
{
	fresh(m, "6.12.0");
	if (s == UNK)
		unread(m, "pci", "sys/bus/pci/devices: no such directory");
	else
		bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xfc000000, 0x20000);
	if (s == YES)
		bar(m, dev(m, "0000:02:00.0"), 0, IM_BAR_MEM32, 0xfd000000, 0x20000);
	maps(m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

static int b_no_bar(struct im_model *m, enum st s)
{
	fresh(m, "6.12.0");
	if (s == UNK)
		unread(m, "pci", "sys/bus/pci/devices: no such directory");
	else
		bar(m, dev(m, "0000:00:05.0"), 0, IM_BAR_MEM32, 0xfe000000, 0x400000);
	maps(m, s == NO ? "7f0000000000-7f0000400000 rw-s fe000000 00:0e 44 anon_inode:[vfio-device]\n" :
			  "7f0000000000-7f0000400000 rw-s fe000000 00:0e 44 anon_inode:[vfio-device]\n"
			  "7f0000400000-7f0000401000 rw-s abc00000 00:0e 44 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

static int b_io_bar(struct im_model *m, enum st s)
{
	if (s == UNK) {
		fresh(m, "6.1.0");
		unread(m, "pci", "sys/bus/pci/devices: no such directory");
		maps(m, SEED_MAP);
	} else {
		int d = seed(m, "6.1.0");

		if (s == YES)
			bar(m, d, 1, IM_BAR_IO, 0xc000, 0x20);
	}
	return im_correlate(m);
}

/*
 * Twins on 6.10+: one mapping whose region offset fits BAR 0 of two
 * devices, and QMP holding the first: which of them is mmapped is unknown.
 */
static int twins(struct im_model *m)
{
	fresh(m, "6.12.0");
	bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xfc000000, 0x20000);
	bar(m, dev(m, "0000:02:00.0"), 0, IM_BAR_MEM32, 0xfd000000, 0x20000);
	maps(m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	qbar(m, "0000:01:00.0", 0, 0xfe000000, 0, "qmp");
	return im_correlate(m);
}

/* BAR 2 of the seed device: mmapped (no), or not (yes); unknown: the twins */
static int b_not_mmapped(struct im_model *m, enum st s)
{
	int d;

	if (s == UNK)
		return twins(m);
	fresh(m, "6.1.0");
	d = dev(m, "0000:0a:00.0");
	bar(m, d, 0, IM_BAR_MEM32, 0xe2c20000, 0x1000);
	bar(m, d, 2, IM_BAR_MEM32, 0xe2c30000, 0x4000);
	maps(m, s == YES ? SEED_MAP : SEED_MAP
	     "7f0b5c600000-7f0b5c604000 rw-s e2c30000 00:0e 13653 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

/* a 16K BAR 3 whose first page QEMU did not mmap; unknown: config unread */
static int b_partly_mmapped(struct im_model *m, enum st s)
{
	int d;

	fresh(m, "5.4.0");
	d = dev(m, "0000:00:03.0");
	bar(m, d, 3, IM_BAR_MEM32, 0xfeb90000, 0x4000);
	m->devices[d].caps_known = s != UNK;
	maps(m, s == NO ? "7f0000000000-7f0000004000 rw-s feb90000 00:0e 44 anon_inode:[vfio-device]\n" :
			  "7f0000001000-7f0000004000 rw-s feb91000 00:0e 44 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

/* BAR 3 with (yes) or without (no) its MSI-X table at 0, in a memslot but its first page */
static int b_msix_trapped(struct im_model *m, enum st s)
{
	int d;

	fresh(m, "6.1.0");
	d = dev(m, "0000:00:03.0");
	bar(m, d, 3, IM_BAR_MEM32, 0xfeb90000, 0x4000);
	m->devices[d].caps_known = s != UNK;
	m->devices[d].have_msix = s == YES;
	m->devices[d].msix_bar = 3;
	m->devices[d].msix_table_size = 0x50;
	maps(m, "7f0000000000-7f0000004000 rw-s feb90000 00:0e 44 anon_inode:[vfio-device]\n");
	m->kvm_vm = IM_TRI_YES;
	slot(m, 0, 4, 0xfeb41000, 0x3000, 0x7f0000001000);
	return im_correlate(m);
}

static int b_no_memslot(struct im_model *m, enum st s)
{
	seed(m, "6.1.0");
	if (s == YES)
		slot(m, 0, 1, 0, 0x100000, 0x7f1000000000);
	else if (s == NO)
		seed_slot(m);
	else
		slots_unread(m);
	return im_correlate(m);
}

static int b_partly_in_slots(struct im_model *m, enum st s)
{
	fresh(m, "6.1.0");
	bar(m, dev(m, "0000:00:03.0"), 3, IM_BAR_MEM32, 0xfeb90000, 0x4000);
	maps(m, "7f0000000000-7f0000004000 rw-s feb90000 00:0e 44 anon_inode:[vfio-device]\n");
	if (s == YES)
		slot(m, 0, 4, 0xfeb41000, 0x3000, 0x7f0000001000);
	else if (s == NO)
		slot(m, 0, 4, 0xfeb40000, 0x4000, 0x7f0000000000);
	else
		slots_unread(m);
	return im_correlate(m);
}

/* QEMU (QMP) puts the guest BAR at 0xfd000000 (yes) or where the memslot does (no) */
static int b_guest_gpa(struct im_model *m, enum st s)
{
	seed(m, "6.1.0");
	if (s == UNK)
		slots_unread(m);
	else
		seed_slot(m);
	qbar(m, "0000:0a:00.0", 0, s == NO ? 0xfc078000 : 0xfd000000, 0, "qmp");
	return im_correlate(m);
}

/* a gdb export's HVA of the guest BAR against the memslot's */
static int b_gpa2hva(struct im_model *m, enum st s)
{
	seed(m, "6.1.0");
	if (s == UNK)
		slots_unread(m);
	else
		seed_slot(m);
	qbar(m, "0000:0a:00.0", 0, 0xfc078000, s == NO ? 0x7f0b5c5f4000 : 0x7f0000001000, "gdb-export");
	return im_correlate(m);
}

/* one BAR that fits a region offset (6.10+); no: fdinfo names the device;
 * unknown: the fds were not read, so no fdinfo could name it: still a guess */
static int b_guessed(struct im_model *m, enum st s)
{
	fresh(m, "6.12.0");
	bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xfc000000, 0x20000);
	maps(m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	if (s == NO) {
		m->fds = calloc(1, sizeof(*m->fds));
		m->nfds = 1;
		m->fds[0].fd = 20;
		m->fds[0].target = strdup("anon_inode:[vfio-device]");
		m->fds[0].syspath = strdup("/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	} else if (s == UNK) {
		im_add_source(m, "proc", IM_SRC_PARTIAL, "maps: 1 lines; fd: Permission denied");
	}
	return im_correlate(m);
}

static int b_smm(struct im_model *m, enum st s)
{
	seed(m, "6.1.0");
	if (s == UNK) {
		slots_unread(m);
	} else {
		seed_slot(m);
		if (s == YES)
			slot(m, 1, 5, 0xfc078000, 0x1000, 0x7f0b5c5f4000);
	}
	return im_correlate(m);
}

/* a 128K BAR mapped with 1M (yes) or with 128K (no) */
static int b_larger(struct im_model *m, enum st s)
{
	fresh(m, "6.1.0");
	if (s == UNK)
		unread(m, "pci", "sys/bus/pci/devices: no such directory");
	else
		bar(m, dev(m, "0000:0a:00.0"), 0, IM_BAR_MEM32, 0xe2c00000, 0x20000);
	maps(m, s == NO ? "7f0000000000-7f0000020000 rw-s e2c00000 00:0e 1 anon_inode:[vfio-device]\n" :
			  "7f0000000000-7f0000100000 rw-s e2c00000 00:0e 1 anon_inode:[vfio-device]\n");
	return im_correlate(m);
}

static int b_bar_overlap(struct im_model *m, enum st s)
{
	fresh(m, "6.1.0");
	if (s == UNK) {
		unread(m, "pci", "sys/bus/pci/devices: no such directory");
		return im_correlate(m);
	}
	bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xe0000000, 0x100000);
	bar(m, dev(m, "0000:02:00.0"), 2, IM_BAR_MEM32, s == YES ? 0xe0080000 : 0xe0100000, 0x1000);
	return im_correlate(m);
}

/* memslots with an id twice (dup) or a slot inside another (!dup) */
static int slots_table(struct im_model *m, enum st s, bool dup)
{
	fresh(m, "6.1.0");
	if (s == UNK) {
		slots_unread(m);
		return im_correlate(m);
	}
	slot(m, 0, 1, 0, 0x80000000, 0x7f0000000000);
	slot(m, 0, 2, 0x100000000, 0x1000, 0x7e0000000000);
	if (s == YES && dup)
		slot(m, 0, 2, 0x200000000, 0x1000, 0x7d0000000000);
	if (s == YES && !dup)
		slot(m, 0, 6, 0x10000, 0x1000, 0x7a0000000000);
	return im_correlate(m);
}

static int b_slot_dup(struct im_model *m, enum st s)
{
	return slots_table(m, s, true);
}

static int b_slot_overlap(struct im_model *m, enum st s)
{
	return slots_table(m, s, false);
}

/* a guest BAR at 0x3fff00000000 (46 bits; no: 0xfe000000) and a width of 39 */
enum which { W_IOMMU, W_CPU, W_GUEST };

static int widths(struct im_model *m, enum st s, enum which w)
{
	struct im_width *v[] = { &m->iommu_width, &m->cpu_width, &m->guest_width };
	static const char *const what[] = { "dmar0: MGAW 39", "cpuinfo: 39 bits physical",
					     "-cpu qemu64,phys-bits=39" };
	int d;

	fresh(m, "6.1.0");
	d = dev(m, "0000:01:00.0");
	bar(m, d, 2, IM_BAR_MEM64, 0, 0x1000);
	m->devices[d].bars[2].have_guest_gpa = true;
	m->devices[d].bars[2].guest_gpa = s == NO ? 0xfe000000 : 0x3fff00000000ULL;
	if (s == UNK)
		im_width_unknown(v[w], "not read");
	else
		im_width_known(v[w], 39, "%s", what[w]);
	return im_widths_check(m);
}

static int b_w_iommu(struct im_model *m, enum st s)
{
	return widths(m, s, W_IOMMU);
}

static int b_w_cpu(struct im_model *m, enum st s)
{
	return widths(m, s, W_CPU);
}

static int b_w_guest(struct im_model *m, enum st s)
{
	return widths(m, s, W_GUEST);
}

/* 0000:00:04.0 with a 12K BAR 0 (yes), a 16K one (no), or no resource file (unknown) */
static int b_size_odd(struct im_model *m, enum st s)
{
	const char *dir = "sys/devices/pci0000:00/0000:00:04.0";
	struct im_err e;
	int r;

	fresh(m, "6.1.0");
	r = sh("rm -rf %s/sys && mkdir -p %s/%s %s/sys/bus/pci/devices && "
	       "ln -s ../../../devices/pci0000:00/0000:00:04.0 %s/sys/bus/pci/devices/0000:00:04.0",
	       top, top, dir, top, top);
	if (!r)
		r = put("sys/devices/pci0000:00/0000:00:04.0/vendor", "0x1af4\n");
	if (!r)
		r = put("sys/devices/pci0000:00/0000:00:04.0/device", "0x1110\n");
	if (!r && s != UNK)
		r = put("sys/devices/pci0000:00/0000:00:04.0/resource",
			s == YES ? "0x00000000fe800000 0x00000000fe802fff 0x0000000000040200\n" :
				   "0x00000000fe800000 0x00000000fe803fff 0x0000000000040200\n");
	if (!r)
		r = im_root_init(top);
	if (!r)
		r = im_pci_load(m, &e);
	im_root_init("/");
	return r;
}

/* ------------------------------------------------------ KMOD: page tables */

/* a 2G BAR mmap: 4K leaves on 6.1 (yes), 1G leaves on 6.12 (no), not walked (unknown) */
static int b_small_leaves(struct im_model *m, enum st s)
{
	struct im_bar_mmap *mm;
	int d;

	fresh(m, s == NO ? "6.12.118+deb13-amd64" : "6.1.0-57-amd64");
	d = dev(m, "0000:01:00.0");
	bar(m, d, 2, IM_BAR_MEM64, 0xfe80000000ULL, 1ULL << 31);
	mm = m->devices[d].bars[2].mmaps = calloc(1, sizeof(*mm));
	m->devices[d].bars[2].nmmaps = 1;
	mm->hva = 0x7febc0000000ULL;
	mm->size = 1ULL << 31;
	mm->hpa_check = s == UNK ? IM_HPA_UNCHECKED : IM_HPA_VERIFIED;
	mm->hpa_leaves_known = s != UNK;
	if (s == YES)
		mm->hpa_present = mm->hpa_leaves[IM_LEAF_4K] = (1ULL << 31) >> 12;
	if (s == NO)
		mm->hpa_present = mm->hpa_leaves[IM_LEAF_1G] = 2;
	return im_leaves_check(m);
}

/* --------------------------------- KMOD: the module's walks, through a fake */

/* what the fake module answers */
struct fake {
	uint64_t walk_pfn;		/* the walk's one run: the PFN at its first page */
	uint32_t walk_flags;
	int iommu_err;			/* IOMMU_MAP_IOMMU fails with it */
	uint32_t domain;		/* else the domain it names, */
	uint64_t ram_phys, bar_phys;	/* and where it maps RAM's GPA 0 and the BAR's GPA */
};

#define PFNMAP (IOMMU_MAP_WALK_PRESENT | IOMMU_MAP_WALK_VM_IO | IOMMU_MAP_WALK_VM_PFNMAP)
#define RAM_PFN 0x12345ULL		/* the target's pagemap puts RAM's page there */

static struct fake fk;

static int fake_ioctl(void *ctx, unsigned long req, void *arg)
{
	const struct fake *f = ctx;
	uint32_t i;

	if (req == IOMMU_MAP_WALK) {
		struct iommu_map_walk *a = arg;
		struct iommu_map_walk_entry *e = (void *)(uintptr_t)a->entries_uptr;

		e[0] = (struct iommu_map_walk_entry){ .hva = a->hva, .length = a->length,
			.pfn = f->walk_pfn, .flags = f->walk_flags,
			.page_shift = f->walk_flags & IOMMU_MAP_WALK_PRESENT ? 12 : 0 };
		a->num_entries = 1;
		a->done = a->length;
		return 0;
	}
	if (req == IOMMU_MAP_IOMMU) {
		struct iommu_map_iommu *a = arg;
		struct iommu_map_iova *v = (void *)(uintptr_t)a->iovas_uptr;

		if (f->iommu_err)
			return f->iommu_err;
		a->domain_type = f->domain;
		for (i = 0; i < a->num_iovas; i++) {
			v[i].phys = v[i].iova < 0x100000 ? f->ram_phys : f->bar_phys;
			v[i].flags = v[i].phys ? IOMMU_MAP_IOVA_MAPPED : 0;
		}
		return 0;
	}
	return -ENOTTY;
}

/* the seed's BAR mmap walked: a run of (flags, pfn) (yes) or the BAR's own (no);
 * unknown: no module (or no VM fd), so no walk */
static int walk(struct im_model *m, enum st s, uint32_t flags, uint64_t pfn)
{
	struct im_kmod_check c[1];
	size_t n;
	int r;

	seed(m, "6.1.0");
	seed_slot(m);
	r = im_correlate(m);
	fk = (struct fake){ .walk_pfn = s == YES ? pfn : 0xe2c20, .walk_flags = s == YES ? flags : PFNMAP };
	return r ? r : im_kmod_walk_findings(m, s == UNK ? NULL : fake_ioctl, &fk, 3, c, &n);
}

static int b_hpa_mismatch(struct im_model *m, enum st s)
{
	return walk(m, s, PFNMAP, 0xe2c30);
}

static int b_not_pfnmap(struct im_model *m, enum st s)
{
	return walk(m, s, IOMMU_MAP_WALK_NOT_PFNMAP, 0);
}

/*
 * The IOMMU check of the held seed device: its BAR at GPA 0xfc078000
 * (memslot 5), and 4K of RAM at GPA 0 (memslot 1, with flags) whose page the
 * target's pagemap puts at RAM_PFN; the fake answers as fk says.  pagemap
 * false: it is unreadable (no RAM sampled); slots false: memslots unread.
 */
static int iommu(struct im_model *m, bool pagemap, bool slots, uint32_t flags)
{
	struct im_memslot ram = { 0, 1, 0, 0x1000, 0x10000000, flags };
	uint64_t ent = 1ULL << 63 | RAM_PFN;
	char path[512];
	FILE *f;
	int r;

	seed(m, "6.1.0");
	if (slots) {
		seed_slot(m);
		im_add_memslot(m, &ram);
	} else {
		slots_unread(m);
	}
	r = im_correlate(m);
	if (!r)
		r = sh("rm -rf %s/proc && mkdir -p %s/proc/1", top, top);
	snprintf(path, sizeof(path), "%s/proc/1/pagemap", top);
	if (!r && pagemap) {
		f = fopen(path, "w");
		if (!f || fseek(f, (long)(ram.hva >> 12) * 8, SEEK_SET) ||
		    fwrite(&ent, sizeof(ent), 1, f) != 1)
			r = -EIO;
		if (f && fclose(f))
			r = -EIO;
	}
	if (!r)
		r = im_root_init(top);
	if (!r)
		r = im_kmod_iommu_findings(m, fake_ioctl, &fk);
	im_root_init("/");
	return r;
}

/* the IOMMU agrees with the CPU side, but where a state says otherwise */
static void agree(void)
{
	fk = (struct fake){ .domain = IOMMU_MAP_DOMAIN_UNMANAGED, .ram_phys = RAM_PFN << 12,
			    .bar_phys = 0xe2c20000 };
}

static int b_ram_unmapped(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.ram_phys = 0;
	return iommu(m, s != UNK, true, 0);
}

static int b_cpu_mismatch(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.ram_phys = 0x54321000;
	return iommu(m, s != UNK, true, 0);
}

static int b_rom_stale(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.ram_phys = 0x54321000;
	return iommu(m, s != UNK, true, 1u << 1);	/* KVM_MEM_READONLY */
}

static int b_p2p_unmapped(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.bar_phys = 0;
	return iommu(m, true, s != UNK, 0);
}

static int b_p2p_mismatch(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.bar_phys = 0xe2d00000;
	return iommu(m, true, s != UNK, 0);
}

/* the device's domain is the kernel's DMA API's (yes), vfio's (no); unknown: the query failed */
static int b_domain(struct im_model *m, enum st s)
{
	agree();
	if (s == YES)
		fk.domain = IOMMU_MAP_DOMAIN_DMA;
	if (s == UNK)
		fk.iommu_err = -ENODEV;
	return iommu(m, true, true, 0);
}

/* ------------------------------------------------- QEMU: QEMU-side sources */

static int b_gdb_pid(struct im_model *m, enum st s)
{
	static const char j[] = "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{\"pid\":42,\"accel\":null},"
		"\"pci_bars\":[],\"bar_mmaps\":[],\"kvm_slots\":null,\"kvm_slots_unknown\":null}";
	struct im_err e;

	fresh(m, "6.1.0");
	m->pid = s == YES ? 1 : s == NO ? 42 : -1;	/* unknown: no target (a paste) */
	return im_gdbexport_parse(m, j, sizeof(j) - 1, "test.json", &e);
}

/* QMP names host 0000:05:00.0; unknown: the host's devices were read in part */
static int b_qmp_host(struct im_model *m, enum st s)
{
	int r;

	seed(m, "6.1.0");
	if (s == UNK)
		im_add_source(m, "pci", IM_SRC_PARTIAL, "1 devices; 1 could not be read (0000:05:00.0: Permission denied)");
	qbar(m, s == NO ? "0000:0a:00.0" : "0000:05:00.0", 0, 0xfd000000, 0, "qmp");
	r = im_correlate(m);
	return r ? r : im_qmp_crosscheck(m);
}

/* gpa2hva of the guest BAR: elsewhere than the memslot says (yes), alike (no);
 * unknown: neither memslots nor maps were read */
static int b_qmp_gpa2hva(struct im_model *m, enum st s)
{
	int r;

	if (s == UNK) {
		fresh(m, "6.1.0");
		bar(m, dev(m, "0000:0a:00.0"), 0, IM_BAR_MEM32, 0xe2c20000, 0x1000);
		unread(m, "proc", "proc/1/maps: Permission denied");
		slots_unread(m);
	} else {
		seed(m, "6.1.0");
		seed_slot(m);
	}
	qbar(m, "0000:0a:00.0", 0, 0xfc078000, s == NO ? 0x7f0b5c5f4000 : 0x7f0000001000, "qmp");
	r = im_correlate(m);
	return r ? r : im_qmp_crosscheck(m);
}

static int b_qmp_gpa(struct im_model *m, enum st s)
{
	int r;

	seed(m, "6.1.0");
	if (s == UNK)
		slots_unread(m);
	else
		seed_slot(m);
	qbar(m, "0000:0a:00.0", 0, s == NO ? 0xfc078000 : 0xfd000000, 0, "qmp");
	r = im_correlate(m);
	return r ? r : im_qmp_crosscheck(m);
}

/*
 * A QMP capture of the lab's VM (tests/data/qemu/lab-6.1-kvm.*): info mtree
 * -f has BAR 3's mmap (around the MSI-X table) without a KVM mark (yes), the
 * same with a mark (no), or was not captured (unknown).
 */
static int b_qmp_no_slot(struct im_model *m, enum st s)
{
	static const char *const files[][2] = {
		{ "lab-6.1-kvm.query-pci.json", "iommu-map/qmp/query-pci.json" },
		{ "lab-6.1-kvm.hmp-info-qtree.txt", "iommu-map/hmp/info-qtree.txt" },
		{ "lab-6.1-kvm.hmp-info-mtree-f.txt", "iommu-map/hmp/info-mtree-f.txt" },
	};
	struct im_err e;
	size_t i;
	int r;

	fresh(m, "6.1.0");
	r = sh("rm -rf %s/iommu-map && mkdir -p %s/iommu-map/qmp %s/iommu-map/hmp", top, top, top);
	for (i = 0; !r && i < (s == UNK ? 2 : 3); i++) {
		char *t = t_slurp("tests/data/qemu", files[i][0], NULL, false), *at;

		/* the mark QEMU prints on a range a memslot maps exactly, for its offset */
		while (s == NO && (at = strstr(t, " @0000000000000050"))) {
			char *n = im_asprintf("%.*s KVM%s", (int)(at - t), t, at + 18);

			free(t);
			t = n;
		}
		r = put(files[i][1], t);
		free(t);
	}
	if (!r)
		r = im_root_init(top);
	if (!r)
		r = im_qmp_load_captured(m, &e);
	im_root_init("/");
	return r;
}

#define OK_SLOT(ua) "kvm_set_user_memory AddrSpace#0 Slot#3 flags=0x0 gpa=0x100000000 size=0x1000 " \
	"ua=" ua " guest_memfd=-1 guest_memfd_offset=0x0 ret=0\n"

/* a trace's failure lines: read (yes), none (no), cut off at the end (unknown) */
static int trace_fails(struct im_model *m, const char *txt)
{
	struct im_trace t;
	struct im_err e;
	int r;

	fresh(m, "6.1.0");
	r = im_trace_parse(txt, strlen(txt), "t.log", &t, &e);
	if (!r)
		r = im_tfail_findings(m, &t, "t.log");
	im_trace_free(&t);
	return r;
}

static int b_dma_failed(struct im_model *m, enum st s)
{
	return trace_fails(m, s == YES ? "vfio_dma_map(0x557b2f2736d0, 0x380000000000, 0x1000000, "
				 "0x7f98ac400000) = -22 (Invalid argument)\n" :
			   s == NO ? OK_SLOT("0x7f0000000000") :
			   OK_SLOT("0x7f0000000000") "vfio_dma_map(0x557b2f2736d0, 0x380000000000, 0x1000000\n");
}

static int b_slot_failed(struct im_model *m, enum st s)
{
	return trace_fails(m, s == YES ? "kvm_set_user_memory AddrSpace#0 Slot#3 flags=0x0 gpa=0x100000000 "
				 "size=0x1000 ua=0x7f0000000000 guest_memfd=-1 guest_memfd_offset=0x0 ret=-22\n" :
			   s == NO ? OK_SLOT("0x7f0000000000") :
			   OK_SLOT("0x7f0000000000") "qemu-system-x86_64: kvm_set_user_memory_region: "
			   "KVM_SET_USER_MEMORY_REGION failed, slot=4, start=0xc0000, \n");
}

/* a pasted maps line that is (no) or is not (yes) the target's; unknown: no target */
static int b_paste_other(struct im_model *m, enum st s)
{
	const char *line = s == NO ? SEED_MAP :
		"7f0000000000-7f0000001000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n";
	char path[] = "/tmp/im-states-paste.XXXXXX";
	struct im_err e;
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || close(fd))
		return -EIO;
	seed(m, "6.1.0");
	if (s == UNK) {
		fresh(m, NULL);
		m->paste = true;
		m->pid = -1;
	}
	r = im_maps_paste_load(m, path, &e);
	unlink(path);
	return r;
}

/* a pasted info qtree of a device not on this host (yes) or of the one the
 * target holds (no); unknown: the host's PCI devices read in part */
static int b_qtree_other(struct im_model *m, enum st s)
{
	const char *txt = s == NO ?
		"dev: vfio-pci, id \"hostdev0\"\n  host = \"0000:0a:00.0\"\n  bar 0: mem at 0xfc078000 [0xfc078fff]\n" :
		"dev: vfio-pci, id \"hostdev0\"\n  host = \"0000:05:00.0\"\n  bar 0: mem at 0xfd000000 [0xfd000fff]\n";
	char path[] = "/tmp/im-states-qtree.XXXXXX";
	struct im_err e;
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt) || close(fd))
		return -EIO;
	seed(m, "6.1.0");
	if (s == UNK)
		im_add_source(m, "pci", IM_SRC_PARTIAL, "sys/bus/pci/devices/0000:05:00.0/resource: Permission denied");
	else
		im_add_source(m, "pci", IM_SRC_OK, "1 device");
	r = im_correlate_maps(m);
	if (!r)
		r = im_qtree_load(m, path, &e);
	unlink(path);
	return r;
}

/* an mtree of another device at another GPA (yes), or of the target's (no);
 * unknown: the target's memslots unread and no device of it known */
static int b_mtree_other(struct im_model *m, enum st s)
{
	const char *txt = s == NO ?
		"00000000fc078000-00000000fc078fff 0000:0a:00.0 BAR 0 mmaps[0] (I/O) (@ 0x56540d8c7c30)\n" :
		"00000000fd000000-00000000fd000fff 0000:05:00.0 BAR 0 mmaps[0] (I/O) (@ 0x56540d8c7c30)\n";
	struct im_mtree t;
	struct im_err e;
	int r;

	if (s == UNK) {
		fresh(m, "6.1.0");
		bar(m, dev(m, "0000:0a:00.0"), 0, IM_BAR_MEM32, 0xe2c20000, 0x1000);
		slots_unread(m);
	} else {
		seed(m, "6.1.0");
		seed_slot(m);
	}
	r = im_correlate(m);
	if (!r)
		r = im_mtree_parse(txt, strlen(txt), "t.txt", &t, &e);
	if (!r) {
		r = im_mtree_match(m, &t, "t.txt");
		im_mtree_free(&t);
	}
	return r;
}

/* a trace whose memslot HVA is not (yes) or is (no) in the target's maps;
 * unknown: the target's maps unread */
static int b_trace_other(struct im_model *m, enum st s)
{
	const char *txt = s == NO ? OK_SLOT("0x7f0b5c5f4000") : OK_SLOT("0x7f0000000000");
	struct im_trace t;
	struct im_err e;
	int r;

	if (s == UNK) {
		fresh(m, "6.1.0");
		unread(m, "proc", "proc/1/maps: Permission denied");
	} else {
		seed(m, "6.1.0");
	}
	r = im_trace_parse(txt, strlen(txt), "t.log", &t, &e);
	if (!r)
		r = im_trace_apply(m, &t, "t.log");
	im_trace_free(&t);
	return r;
}

/* host 0000:00:04.0 as guest 0000:00:10.0: a 4K BAR 0 at 0xfe000000 and a
 * 2G 64-bit BAR 2 at gpa64; the 64-bit window 4G-12G, or unknown (no qom) */
static int mmio_model(struct im_model *m, const char *gpa64, bool windows, bool hole64)
{
	static const char pci_fmt[] =
		"{\"return\": [{\"bus\": 0, \"devices\": ["
		" {\"bus\": 0, \"slot\": 16, \"function\": 0, \"qdev_id\": \"hostdev0\", \"regions\": ["
		"  {\"bar\": 0, \"type\": \"memory\", \"address\": 4261412864, \"size\": 4096,"
		"   \"prefetch\": false, \"mem_type_64\": false},"
		"  {\"bar\": 2, \"type\": \"memory\", \"address\": %s, \"size\": 2147483648,"
		"   \"prefetch\": true, \"mem_type_64\": true}]}]}]}";
	static const char qom_fmt[] =
		"{\"path\": \"/machine/q35\", \"pci-hole-start\": 2147483648,"
		" \"pci-hole-end\": 4273995776, \"pci-hole64-start\": %s,"
		" \"pci-hole64-end\": %s, \"pci-hole64-size\": 8589934592}";
	struct im_qmp_raw raw = { 0 };
	char pci[1024], qom[512];
	int d, r;

	fresh(m, "6.1.0");
	d = dev(m, "0000:00:04.0");
	m->devices[d].guest_bdf = strdup("0000:00:10.0");
	bar(m, d, 0, IM_BAR_MEM32, 0xfd000000, 0x1000);
	bar(m, d, 2, IM_BAR_MEM64, 0x38000000000ULL, 1ULL << 31);
	m->devices[d].bars[2].prefetch = true;
	snprintf(pci, sizeof(pci), pci_fmt, gpa64);
	snprintf(qom, sizeof(qom), qom_fmt, hole64 ? "4294967296" : "0", hole64 ? "12884901888" : "0");
	raw.query_pci = pci;
	raw.qom_pci_host = windows ? qom : NULL;
	r = im_mmio_parse(m, &raw);
	return r ? r : im_mmio_check(m);
}

static int b_mmio_window(struct im_model *m, enum st s)
{
	return mmio_model(m, "4294967296", s != UNK, s == YES);
}

/* the 2G BAR at 16G, outside the 64-bit window (yes), or at 4G inside it (no) */
static int b_unassigned(struct im_model *m, enum st s)
{
	return mmio_model(m, s == NO ? "4294967296" : "17179869184", s != UNK, true);
}

/* ------------------------------------------------ MTREE: notes on lines */

static int annotate(struct im_model *m, const char *txt)
{
	FILE *f = fopen("/dev/null", "w");
	struct im_err e;
	int r;

	if (!f)
		return -errno;
	r = im_mtree_annotate_buf(f, m, txt, strlen(txt), "t.txt", false, &e);
	fclose(f);
	return r;
}

#define MMAP_LINE "00000000fc078000-00000000fc078fff 0000:0a:00.0 BAR 0 mmaps[0] (I/O) (@ 0x56540d8c7c30)\n"

/* the (@ 0x...) pointer: in the heap (yes), in no mapping (no), no maps (unknown) */
static int b_mr_pointer(struct im_model *m, enum st s)
{
	fresh(m, NULL);
	m->pid = -1;
	if (s == YES)
		maps(m, HEAP_MAP SEED_MAP);
	else if (s == NO)
		maps(m, SEED_MAP);
	else
		unread(m, "proc", "no target: give --pid");
	return annotate(m, MMAP_LINE);
}

/* the HVA of a BAR's mmap line: by a memslot (yes), none holds it (no),
 * memslots and maps unread (unknown) */
static int b_hva(struct im_model *m, enum st s)
{
	fresh(m, NULL);
	m->pid = -1;
	if (s == YES)
		seed_slot(m);
	else if (s == NO)
		slot(m, 0, 1, 0, 0x80000000, 0x7f0000000000);
	else
		slots_unread(m);
	return annotate(m, MMAP_LINE);
}

/* VFIO_FD12: fd 12 of the target is a vfio cdev (yes), no fd 12 among the
 * fds read (no), the fds unread (unknown) */
static int b_qemu_name(struct im_model *m, enum st s)
{
	fresh(m, "6.12.0");
	m->pid = -1;
	if (s == UNK) {
		im_add_source(m, "proc", IM_SRC_PARTIAL, "maps: 0 lines; fd: Permission denied");
	} else {
		int d = dev(m, "0000:00:04.0");

		m->devices[d].vfio_cdev = 0;
		m->fds = calloc(1, sizeof(*m->fds));
		m->nfds = 1;
		m->fds[0].fd = s == YES ? 12 : 13;
		m->fds[0].target = strdup("/dev/vfio/devices/vfio0");
		m->fds[0].dev = -1;
	}
	return annotate(m, "address-space: memory\n"
			"  00000000febf0000-00000000febf0fff (prio 0, ramd): VFIO_FD12 BAR 0 mmaps[0]\n");
}

/*
 * The KVM mark of -f, per FlatView.  kvm-slot: the line is marked (yes), not,
 * where its FlatView marks another range (no: no-kvm-slot), its FlatView marks
 * none, though the FlatView before does (unknown: kvm-slot-unknown).
 * no-kvm-slot: the same lines, the line not page-aligned; marked is its "no".
 * The other marked ranges are i/o ones, which get no note of their own (the
 * check looks for a code on any line); what counts is that they are marked.
 */
static int kvm_model(struct im_model *m, enum st s, bool aligned)
{
	char txt[1024];

	fresh(m, NULL);
	m->pid = -1;
	slots_unread(m);
	snprintf(txt, sizeof(txt),
		 "FlatView #0\n"
		 " AS \"%s\", root: system\n"
		 " Root memory region: system\n"
		 "  00000000%s-00000000000bffff (prio 0, ram): pc.ram%s\n"
		 "  00000000000c0000-00000000000c3fff (prio 0, i/o): pc.rom%s\n"
		 "FlatView #1\n"
		 " AS \"%s\", root: mem-container-smram\n"
		 " Root memory region: mem-container-smram\n"
		 "  0000000000000000-00000000000bffff (prio 0, i/o): pc.ram KVM\n",
		 s == UNK ? "KVM-SMRAM" : "memory", aligned ? "00000000" : "00000010",
		 s == YES ? " KVM" : "", s == UNK ? "" : " KVM",
		 s == UNK ? "memory" : "KVM-SMRAM");
	return annotate(m, txt);
}

static int b_kvm_slot(struct im_model *m, enum st s)
{
	return kvm_model(m, s, true);
}

static int b_no_kvm_slot(struct im_model *m, enum st s)
{
	return kvm_model(m, s == YES ? NO : s == NO ? YES : UNK, false);
}

/* ------------------------------------------------------------------ table */

/*
 * One row a code.  yes: the subject and words of its sentence when made.
 * no_code/no_words: the "known no" sentence, where the code has one (else
 * no finding of the code is made).  unk_code/unk_words: the unknown
 * sentence, where there is one (else no finding of the code is made); the
 * yes words must then be absent, unless unk_words are the yes words (a
 * finding that says "guess" in every state).
 */
struct row {
	const char *code;
	int (*build)(struct im_model *m, enum st s);
	const char *subject;		/* "...*": a prefix */
	const char *yes;
	const char *no_code, *no_words;
	const char *unk_code, *unk_words;
};

static const struct row rows[] = {
	/* HOST */
	{ .code = "offset-format-unexpected",
	  .build = b_offset_format,
	  .subject = "kernel",
	  .yes = "kernel 6.12.0 is 6.10 or later, but the vfio maps offsets are HPAs" },
	{ .code = "kernel-release-unparsed",
	  .build = b_release,
	  .subject = "kernel",
	  .yes = "the kernel release \"garbage\"" },
	{ .code = "mmap-device-ambiguous",
	  .build = b_ambiguous,
	  .subject = "anon_inode:[vfio-device]",
	  .yes = "(BAR 0, offset 0x0) fits 2 vfio-pci devices" },
	{ .code = "offset-matches-no-bar",
	  .build = b_no_bar,
	  .subject = "anon_inode:[vfio-device]",
	  .yes = "(maps line 2, offset 0xabc00000) matches no host BAR as an HPA" },
	{ .code = "io-bar",
	  .build = b_io_bar,
	  .subject = "0000:0a:00.0 BAR 1",
	  .yes = "an I/O port BAR cannot be mmapped" },
	{ .code = "bar-not-mmapped",
	  .build = b_not_mmapped,
	  .subject = "0000:0a:00.0 BAR 2",
	  .yes = "memory BAR of 16K has no mmap in the target" },
	{ .code = "bar-partly-mmapped",
	  .build = b_partly_mmapped,
	  .subject = "0000:00:03.0 BAR 3",
	  .yes = "BAR offsets 0x0-0xfff (HPA 0xfeb90000-0xfeb90fff) is not mmapped, so every guest access there traps to QEMU (a KVM exit, then QEMU's MMIO dispatch and a read or write of the vfio device fd): no MSI-X structure is there",
	  .unk_code = "bar-partly-mmapped",
	  .unk_words = "why is unknown: the device's config space was not read" },
	{ .code = "msix-table-trapped",
	  .build = b_msix_trapped,
	  .subject = "0000:00:03.0 BAR 3",
	  .yes = "QEMU emulates the MSI-X table (BAR offsets 0x0-0x4f, 5 entries)" },
	{ .code = "mmap-no-memslot",
	  .build = b_no_memslot,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "mmapped at HVA 0x7f0b5c5f4000 but no KVM memslot maps it" },
	{ .code = "mmap-partly-in-memslots",
	  .build = b_partly_in_slots,
	  .subject = "0000:00:03.0 BAR 3",
	  .yes = "HVA 0x7f0000000000-0x7f0000000fff (BAR offsets 0x0-0xfff) is mmapped but in no memslot" },
	{ .code = "guest-gpa-mismatch",
	  .build = b_guest_gpa,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "qmp puts the guest BAR at GPA 0xfd000000, but the memslots put it at 0xfc078000" },
	{ .code = "gpa2hva-mismatch",
	  .build = b_gpa2hva,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "gdb-export says GPA 0xfc078000 is at HVA 0x7f0000001000, but memslot 5 says 0x7f0b5c5f4000" },
	{ .code = "device-guessed",
	  .build = b_guessed,
	  .subject = "0000:01:00.0",
	  .yes = "tied to its mmaps by BAR index and size only",
	  .unk_code = "device-guessed",
	  .unk_words = "tied to its mmaps by BAR index and size only" },
	{ .code = "smm-mirror",
	  .build = b_smm,
	  .subject = "memslots",
	  .yes = "1 slot in the SMM address space (as_id 1) mirror as_id 0" },
	{ .code = "mmap-larger-than-bar",
	  .build = b_larger,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "(maps line 1) covers BAR offsets 0x0-0xfffff, past the BAR's end" },
	{ .code = "bar-overlap",
	  .build = b_bar_overlap,
	  .subject = "0000:02:00.0 BAR 2",
	  .yes = "HPA 0xe0080000-0xe0080fff overlaps 0000:01:00.0 BAR 0 at HPA 0xe0000000-0xe00fffff" },
	{ .code = "memslot-duplicate-id",
	  .build = b_slot_dup,
	  .subject = "memslots",
	  .yes = "1 slot id of address space 0 appear more than once, the first slot 2" },
	{ .code = "memslot-overlap",
	  .build = b_slot_overlap,
	  .subject = "memslots",
	  .yes = "1 slot of address space 0 overlap an earlier slot's GPAs, the first slot 1" },
	{ .code = "gpa-beyond-iommu-width",
	  .build = b_w_iommu,
	  .subject = "0000:01:00.0 BAR 2",
	  .yes = "needs 46 address bits; the host IOMMU (dmar0: MGAW 39) maps 39" },
	{ .code = "gpa-beyond-cpu-width",
	  .build = b_w_cpu,
	  .subject = "0000:01:00.0 BAR 2",
	  .yes = "needs 46 address bits; the host CPU addresses 39 (cpuinfo: 39 bits physical)" },
	{ .code = "gpa-beyond-guest-width",
	  .build = b_w_guest,
	  .subject = "0000:01:00.0 BAR 2",
	  .yes = "needs 46 address bits; the guest CPU addresses 39 (-cpu qemu64,phys-bits=39)" },
	/* KMOD */
	{ .code = "bar-small-leaves",
	  .build = b_small_leaves,
	  .subject = "0000:01:00.0 BAR 2",
	  .yes = "the 2G mapping at HVA 0x7febc0000000 is mapped with small leaves (4K x 524288, 2M x 0)",
	  .unk_code = "bar-leaves-unknown",
	  .unk_words = "the leaf sizes and page-table cost of the 2G mapping" },
	{ .code = "bar-size-odd",
	  .build = b_size_odd,
	  .subject = "0000:00:04.0 BAR 0",
	  .yes = "the BAR's size, 0x3000 bytes from its resource line, is not a power of two" },
	{ .code = "bar-hpa-mismatch",
	  .build = b_hpa_mismatch,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "QEMU's page table maps HVA 0x7f0b5c5f4000 to HPA 0xe2c30000, not this BAR's 0xe2c20000" },
	{ .code = "bar-mmap-not-pfnmap",
	  .build = b_not_pfnmap,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "part of HVA 0x7f0b5c5f4000+0x1000 is not a VM_IO/VM_PFNMAP mapping" },
	{ .code = "iommu-ram-unmapped",
	  .build = b_ram_unmapped,
	  .subject = "0000:0a:00.0",
	  .yes = "1 sampled guest RAM page(s) are not mapped in the device's IOMMU domain, first GPA 0x0" },
	{ .code = "iommu-cpu-mismatch",
	  .build = b_cpu_mismatch,
	  .subject = "0000:0a:00.0",
	  .yes = "the IOMMU maps GPA 0x0 to HPA 0x54321000 but the CPU side (HVA 0x10000000) is at HPA 0x12345000" },
	{ .code = "iommu-rom-stale",
	  .build = b_rom_stale,
	  .subject = "0000:0a:00.0",
	  .yes = "1 sampled page(s) of a read-only memslot (ROM) differ: the IOMMU maps GPA 0x0 to HPA 0x54321000" },
	{ .code = "p2p-bar-unmapped",
	  .build = b_p2p_unmapped,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "GPA 0xfc078000 of this BAR (and 0 more BAR page(s)) is not mapped for DMA from 0000:0a:00.0" },
	{ .code = "p2p-bar-mismatch",
	  .build = b_p2p_mismatch,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "the IOMMU of 0000:0a:00.0 maps GPA 0xfc078000 to HPA 0xe2d00000, not to this BAR's 0xe2c20000" },
	{ .code = "iommu-domain-not-vfio",
	  .build = b_domain,
	  .subject = "0000:0a:00.0",
	  .yes = "the device's IOMMU domain is ",
	  .unk_code = "iommu-query-failed",
	  .unk_words = "IOMMU_MAP_IOMMU failed: " },
	/* QEMU */
	{ .code = "qmp-no-kvm-slot",
	  .build = b_qmp_no_slot,
	  .subject = "0000:00:03.0 BAR 3",
	  .yes = "info mtree -f: guest range 0xfeb40050-0xfeb43fff (0000:00:03.0 BAR 3 mmaps[0]) has no KVM memslot of its exact extent" },
	{ .code = "gdb-export-other-pid",
	  .build = b_gdb_pid,
	  .subject = "test.json",
	  .yes = "the gdb export was taken from pid 42, not the target pid 1" },
	{ .code = "qmp-host-device-unknown",
	  .build = b_qmp_host,
	  .subject = "0000:05:00.0 BAR 0",
	  .yes = "QEMU passes through host device 0000:05:00.0, which the host-side sources did not find" },
	{ .code = "qmp-gpa2hva-mismatch",
	  .build = b_qmp_gpa2hva,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "QEMU's gpa2hva says GPA 0xfc078000 is HVA 0x7f0000001000, but kvm-memslot says HVA 0x7f0b5c5f4000" },
	{ .code = "qmp-gpa-mismatch",
	  .build = b_qmp_gpa,
	  .subject = "0000:0a:00.0 BAR 0",
	  .yes = "query-pci puts the guest BAR at GPA 0xfd000000" },
	{ .code = "dma-map-failed",
	  .build = b_dma_failed,
	  .subject = "iova 0x380000000000",
	  .yes = "t.log:1: QEMU could not DMA-map IOVA 0x380000000000-0x380000ffffff (HVA 0x7f98ac400000)" },
	{ .code = "memslot-failed",
	  .build = b_slot_failed,
	  .subject = "gpa 0x100000000",
	  .yes = "t.log:1: KVM did not take memslot 3 (address space 0) for GPA 0x100000000-0x100000fff" },
	{ .code = "paste-other-process",
	  .build = b_paste_other,
	  .subject = "/tmp/im-states-paste.*",
	  .yes = "none of the 1 pasted mappings is one of the target's (pid 1)" },
	{ .code = "mtree-other-vm",
	  .build = b_mtree_other,
	  .subject = "t.txt:1",
	  .yes = "nothing in this memory tree agrees with the target (pid 1)" },
	{ .code = "qtree-other-vm",
	  .build = b_qtree_other,
	  .subject = "/tmp/im-states-qtree.*",
	  .yes = "none of the 1 host devices the pasted info qtree passes through (0000:05:00.0, ...) is a PCI device of this host" },
	{ .code = "trace-other-process",
	  .build = b_trace_other,
	  .subject = "t.log",
	  .yes = "none of the 1 HVAs of the trace's memslots and DMA maps (made or failed) is in a mapping of the target (pid 1)" },
	{ .code = "mmio-window",
	  .build = b_mmio_window,
	  .subject = "root bus",
	  .yes = "the root bus's 64-bit MMIO window is 0x100000000-0x2ffffffff (8G)",
	  .no_code = "mmio-window",
	  .no_words = "the root bus's 32-bit MMIO window" },
	{ .code = "bar-unassigned",
	  .build = b_unassigned,
	  .subject = "0000:00:04.0 BAR 2",
	  .yes = "is not assigned (it is at GPA 0x400000000-0x47fffffff, outside both windows)" },
	/* MTREE */
	{ .code = "mr-pointer",
	  .build = b_mr_pointer,
	  .subject = "t.txt:1",
	  .yes = "(@ 0x56540d8c7c30) is the address of this MemoryRegion struct on QEMU's heap (maps line 1",
	  .no_code = "mr-pointer",
	  .no_words = "no mapping of this target contains it",
	  .unk_code = "mr-pointer",
	  .unk_words = "no maps here to show where" },
	{ .code = "hva",
	  .build = b_hva,
	  .subject = "t.txt:1",
	  .yes = "HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff for GPA 0xfc078000-0xfc078fff (KVM memslot as 0 slot 5",
	  .unk_code = "hva",
	  .unk_words = "HVA not known here" },
	{ .code = "kvm-slot",
	  .build = b_kvm_slot,
	  .subject = "t.txt:4",
	  .yes = "KVM marks this range: a memslot maps exactly it",
	  .no_code = "no-kvm-slot",
	  .no_words = "QEMU marks other ranges of this FlatView \" KVM\", not this one (it is 4 KiB-aligned and shares no page with an i/o range of this FlatView: the text does not say why)",
	  .unk_code = "kvm-slot-unknown",
	  .unk_words = "whether a KVM memslot maps this range is unknown: no range of its FlatView (KVM-SMRAM) carries QEMU's KVM mark, though ranges of other FlatViews do" },
	{ .code = "no-kvm-slot",
	  .build = b_no_kvm_slot,
	  .subject = "t.txt:4",
	  .yes = "not this one (it does not start and end on 4 KiB page boundaries)",
	  .no_code = "kvm-slot",
	  .no_words = "KVM marks this range",
	  .unk_code = "kvm-slot-unknown",
	  .unk_words = "is unknown: no range of its FlatView (KVM-SMRAM) carries QEMU's KVM mark" },
	{ .code = "qemu-name",
	  .build = b_qemu_name,
	  .subject = "t.txt:2",
	  .yes = "VFIO_FD12 is QEMU's name for a vfio device given to it as file descriptor 12 (fd passing with iommufd, without id=), not a PCI address; it is host 0000:00:04.0, by fd 12 of the target",
	  .no_code = "qemu-name",
	  .no_words = "the target has no fd 12",
	  .unk_code = "qemu-name",
	  .unk_words = "to follow its fd 12" },
};

/*
 * Codes whose unknown state cannot exist, and why.  Each has its unit tests
 * elsewhere (test-correlate, test-mtree, test-pagetables).
 */
static const struct {
	const char *code, *why;
} exempt[] = {
	{ "source-unavailable", "it is the unknown state itself: it says a source was not read (or in part)" },
	{ "bar-leaves-unknown", "it is the unknown state of bar-small-leaves, tested in that row" },
	{ "iommu-query-failed", "it is the unknown state of the IOMMU check (the module could not look "
				"the device's domain up), tested in the iommu-domain-not-vfio row" },
	/* notes on an --mtree text that read nothing but that text */
	{ "int128-size", "the printed end and size are both in the mtree line: the text is the only source" },
	{ "io-label", "mtree.py prints (I/O) for every non-alias region: the line is the only source" },
	{ "host-bdf", "QEMU names vfio regions after the host BDF: the line is the only source (the guest BDF, "
		      "when a model knows it, only adds to the sentence)" },
	{ "bar-container", "the region's name in the line says what it is: the text is the only source" },
	{ "bar-region", "the region's HMP type, else its name, in the line says what it is (the type "
			 "wins where they disagree): the text is the only source" },
	{ "bar-mmap", "the region's HMP type, else its name, in the line says what it is (the type "
			 "wins where they disagree): the text is the only source" },
	{ "kvm-slot-unknown", "it is the unknown state of kvm-slot and no-kvm-slot (a FlatView without "
			      "any KVM mark), tested in those rows" },
	{ "maps-line", "says which reader read a maps line of the text (--maps given the same file, a "
		       "target, or neither): the text and the command line are its only sources" },
};

/* Codes without three-state rows yet: printed, not failed (issue 13). */
static const char *const todo[] = {
	NULL,	/* none left */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ----------------------------------------------------------------- checks */

static const struct im_finding *find(const struct im_model *m, const char *code, const char *words)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code) &&
		    (!words || strstr(m->findings[i].message, words)))
			return &m->findings[i];
	return NULL;
}

static bool subject_is(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (n && want[n - 1] == '*')
		return !strncmp(got, want, n - 1);
	return !strcmp(got, want);
}

static void show(const struct im_model *m)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		printf("#   made: %s [%s] %s\n", m->findings[i].code, m->findings[i].subject,
		       m->findings[i].message);
}

static bool check_state(const struct row *r, const struct im_model *m, enum st s)
{
	const struct im_finding *f;

	switch (s) {
	case YES:
		f = find(m, r->code, r->yes);
		return f && subject_is(f->subject, r->subject);
	case NO:
		if (!r->no_code)
			return !find(m, r->code, NULL);
		return find(m, r->no_code, r->no_words) && !find(m, r->code, r->yes);
	default:
		if (!r->unk_code)
			return !find(m, r->code, NULL);
		return find(m, r->unk_code, r->unk_words) &&
		       (!strcmp(r->unk_words, r->yes) || !find(m, r->code, r->yes));
	}
}

static void run_row(struct im_model *m, const struct row *r)
{
	char name[160];
	enum st s;

	for (s = YES; s < NSTATES; s++) {
		int rc = r->build(m, s);
		bool ok = !rc && check_state(r, m, s);

		snprintf(name, sizeof(name), "%s: %s", r->code, st_name[s]);
		if (rc)
			printf("#   builder: %s\n", strerror(-rc));
		T_OK(ok, name);
		if (!ok)
			show(m);
	}
}

static bool listed(const char *code, bool *is_todo)
{
	size_t i;

	*is_todo = false;
	for (i = 0; i < N(rows); i++)
		if (!strcmp(rows[i].code, code))
			return true;
	for (i = 0; i < N(exempt); i++)
		if (!strcmp(exempt[i].code, code))
			return true;
	for (i = 0; i < N(todo); i++)
		if (todo[i] && !strcmp(todo[i], code))
			return *is_todo = true;
	return false;
}

/* every code of findings.def has a row, an exemption or a TODO; each of those is a code */
static void every_code(void)
{
	char name[160];
	size_t i, ntodo = 0;
	bool is_todo;

	for (i = 0; i < IM_NFINDING_IDS; i++) {
		const char *code = im_finding_defs[i].code;

		if (i && im_finding_lookup(code) != &im_finding_defs[i])
			continue;	/* a later row of a code seen */
		snprintf(name, sizeof(name), "every code: %s has three-state tests", code);
		if (!listed(code, &is_todo))
			T_OK(false, name);
		else if (is_todo)
			printf("# TODO %s: no three-state test yet\n", code), ntodo++;
	}
	for (i = 0; i < N(rows); i++) {
		snprintf(name, sizeof(name), "row %s: a code of findings.def", rows[i].code);
		T_OK(im_finding_lookup(rows[i].code), name);
	}
	for (i = 0; i < N(exempt); i++) {
		snprintf(name, sizeof(name), "exempt %s: a code of findings.def, with why", exempt[i].code);
		T_OK(im_finding_lookup(exempt[i].code) && exempt[i].why[0], name);
	}
	for (i = 0; i < N(todo) && todo[i]; i++) {
		snprintf(name, sizeof(name), "TODO %s: a code of findings.def", todo[i]);
		T_OK(im_finding_lookup(todo[i]), name);
	}
	printf("# %zu codes with rows, %zu exempt, %zu TODO\n", N(rows), N(exempt), ntodo);
}

/* the twins: the mapping fits two BARs, so it is not "no host BAR"; the held one's traps unknown */
static void twins_extra(struct im_model *m)
{
	struct im_place p;

	T_OK(!twins(m) && find(m, "mmap-device-ambiguous", NULL) &&
	     !find(m, "offset-matches-no-bar", NULL),
	     "twins: a mapping that fits two devices is ambiguous, not \"matches no host BAR\"");
	T_OK(!m->devices[0].bars[0].traps_known && m->devices[0].bars[0].traps_why &&
	     strstr(m->devices[0].bars[0].traps_why, "unknown"),
	     "twins: whether the held twin's BAR is mmapped is unknown, with why");
	im_place_gpa(m, -1, 0xfe000010, &p);
	T_OK(p.f_trap.state == IM_UNKNOWN && p.f_trap.why,
	     "twins: so is whether a GPA in its guest BAR traps");
	/* QMP's gpa2hva of one twin's guest BAR lands in the mapping: that twin's */
	fresh(m, "6.12.0");
	bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xfc000000, 0x20000);
	bar(m, dev(m, "0000:02:00.0"), 0, IM_BAR_MEM32, 0xfd000000, 0x20000);
	maps(m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	qbar(m, "0000:02:00.0", 0, 0xfe000000, 0x7f0000000000, "qmp");
	T_OK(!im_correlate(m) && !find(m, "mmap-device-ambiguous", NULL) &&
	     m->maps[0].dev == 1 && m->maps[0].ident == IM_ID_QEMU && !m->maps[0].ambiguous,
	     "twins: QMP's gpa2hva inside the mapping names its device (ident qemu)");
	/* ... and when QEMU puts both twins' BARs in it, nothing is decided */
	fresh(m, "6.12.0");
	bar(m, dev(m, "0000:01:00.0"), 0, IM_BAR_MEM32, 0xfc000000, 0x20000);
	bar(m, dev(m, "0000:02:00.0"), 0, IM_BAR_MEM32, 0xfd000000, 0x20000);
	maps(m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	qbar(m, "0000:01:00.0", 0, 0xfe000000, 0x7f0000000000, "qmp");
	qbar(m, "0000:02:00.0", 0, 0xfe100000, 0x7f0000010000, "qmp");
	T_OK(!im_correlate(m) && find(m, "mmap-device-ambiguous", NULL) && m->maps[0].dev < 0,
	     "twins: QEMU placing both in the mapping leaves it ambiguous");
}

int main(void)
{
	struct im_model m;
	size_t i;

	im_root_init("/");
	if (!mkdtemp(top)) {
		T_OK(false, "mkdtemp");
		T_DONE();
	}
	im_model_init(&m);
	for (i = 0; i < N(rows); i++)
		run_row(&m, &rows[i]);
	twins_extra(&m);
	sh("rm -rf %s", top);
	im_model_free(&m);
	every_code();
	T_DONE();
}
