// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of correlate.c: models built in memory, no files. */
#include <stdlib.h>
#include "iommu-map.h"
#include "t.h"

static struct im_device *add_dev(struct im_model *m, const char *bdf)
{
	struct im_device *d;

	m->devices = realloc(m->devices, (m->ndevices + 1) * sizeof(*d));
	d = &m->devices[m->ndevices++];
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->driver = strdup("vfio-pci");
	d->vfio_cdev = -1;
	return d;
}

static void bar(struct im_device *d, int i, uint64_t hpa, uint64_t size)
{
	d->bars[i].index = i;
	d->bars[i].kind = IM_BAR_MEM32;
	d->bars[i].hpa = hpa;
	d->bars[i].size = size;
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

static const struct im_finding *finding(const struct im_model *m, const char *code)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code))
			return &m->findings[i];
	return NULL;
}

static void setup(struct im_model *m, const char *kernel)
{
	im_model_free(m);
	im_model_init(m);
	m->kernel = strdup(kernel);
	m->pid = 1;
}

/* a BAR 3 with its MSI-X table at 0, mmapped, that QMP puts at 0xfeb40000;
 * kvm: what the target's fds said of a KVM VM */
static void msix_model(struct im_model *m, enum im_tri kvm)
{
	struct im_qemu_bar qb = { .bar = 3, .gpa = 0xfeb40000, .size = 0x4000, .source = "qmp" };
	struct im_device *d;

	setup(m, "6.1.0");
	d = add_dev(m, "0000:00:03.0");
	bar(d, 3, 0xfeb90000, 0x4000);
	d->caps_known = true;
	d->have_msix = true;
	d->msix_bar = 3;
	d->msix_table_off = 0;
	d->msix_table_size = 0x50;
	maps(m, "7f0000000000-7f0000004000 rw-s feb90000 00:0e 44 anon_inode:[vfio-device]\n");
	m->kvm_vm = kvm;
	snprintf(qb.host_bdf, sizeof(qb.host_bdf), "0000:00:03.0");
	im_add_qemu_bar(m, &qb);
}

/* a count of findings of a code */
static size_t nfindings(const struct im_model *m, const char *code)
{
	size_t i, n = 0;

	for (i = 0; i < m->nfindings; i++)
		n += !strcmp(m->findings[i].code, code);
	return n;
}

/* an osrelease that is not a release: unknown, never compared with 6.10 */
static void test_release(struct im_model *m)
{
	const char *rel[] = { "garbage", "", "6", "6.x", "6.1abc", "12345.1", "6.1..2" };
	struct im_device *d;
	size_t i;

	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char name[64];

		setup(m, rel[i]);
		d = add_dev(m, "0000:0a:00.0");
		bar(d, 0, 0xe2c20000, 0x1000);
		maps(m, "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n");
		snprintf(name, sizeof(name), "release '%s': correlate", rel[i]);
		T_OK(!im_correlate(m), name);
		snprintf(name, sizeof(name), "release '%s': a warning naming it", rel[i]);
		T_OK(finding(m, "kernel-release-unparsed") &&
		     finding(m, "kernel-release-unparsed")->severity == IM_SEV_WARNING &&
		     strstr(finding(m, "kernel-release-unparsed")->message, rel[i]), name);
		snprintf(name, sizeof(name), "release '%s': no version compared", rel[i]);
		T_OK(m->offset_mode == IM_OFF_HPA && !strstr(m->offset_why, "< 6.10") &&
		     !strstr(m->offset_why, ">= 6.10") && strstr(m->offset_why, "unknown") &&
		     !finding(m, "offset-format-unexpected"), name);
	}
	setup(m, "garbage");
	T_OK(!im_correlate(m) && m->offset_mode == IM_OFF_UNKNOWN &&
	     !strstr(m->offset_why, "says"), "release 'garbage', no vfio mapping: unknown");
	setup(m, "6.12.118+deb13-amd64");
	T_OK(!im_correlate(m) && !finding(m, "kernel-release-unparsed") &&
	     m->offset_mode == IM_OFF_REGION, "release 6.12.118+deb13-amd64: no warning, 6.10+");
}

/* two devices' BARs at one HPA: bar-overlap for the later one only */
static void test_bar_overlap(struct im_model *m)
{
	struct im_device *a, *b, *c;

	setup(m, "6.1.0");
	add_dev(m, "0000:01:00.0");
	add_dev(m, "0000:02:00.0");
	a = &m->devices[0];	/* add_dev moves the array */
	b = &m->devices[1];
	bar(a, 0, 0xe0000000, 0x100000);
	bar(b, 2, 0xe0080000, 0x1000);
	bar(b, 0, 0xe0100000, 0x1000);		/* adjacent: no overlap */
	T_OK(!im_correlate(m) && nfindings(m, "bar-overlap") == 1, "bar-overlap: one BAR inside another");
	T_OK(finding(m, "bar-overlap") && finding(m, "bar-overlap")->severity == IM_SEV_ERROR &&
	     !strcmp(finding(m, "bar-overlap")->subject, "0000:02:00.0 BAR 2") &&
	     strstr(finding(m, "bar-overlap")->message, "0000:01:00.0 BAR 0"),
	     "bar-overlap: names both BARs, an error");
	setup(m, "6.1.0");
	add_dev(m, "0000:01:00.0");
	add_dev(m, "0000:02:00.0");
	add_dev(m, "0000:03:00.0");
	a = &m->devices[0];
	b = &m->devices[1];
	c = &m->devices[2];
	bar(a, 0, 0, 0x1000);			/* unassigned: never compared */
	bar(b, 0, 0, 0x1000);
	bar(c, 0, 0xe0000000, 0x1000);
	bar(c, 1, 0xe0001000, 0x1000);
	T_OK(!im_correlate(m) && !finding(m, "bar-overlap"), "bar-overlap: none for HPA 0 or adjacent BARs");
}

/* an mmap past its BAR's page-rounded end; one page of a small BAR is normal */
static void test_mmap_size(struct im_model *m)
{
	struct im_device *d;

	setup(m, "6.1.0");
	d = add_dev(m, "0000:0a:00.0");
	bar(d, 0, 0xe2c00000, 0x20000);		/* 128K, mapped with 1M */
	bar(d, 2, 0xe2d00000, 0x100);		/* 256 bytes, mapped with a page */
	maps(m, "7f0000000000-7f0000100000 rw-s e2c00000 00:0e 1 anon_inode:[vfio-device]\n"
		"7f0000200000-7f0000201000 rw-s e2d00000 00:0e 1 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(m) && nfindings(m, "mmap-larger-than-bar") == 1,
	     "mmap-larger-than-bar: 1M of a 128K BAR, and only that");
	T_OK(finding(m, "mmap-larger-than-bar") &&
	     !strcmp(finding(m, "mmap-larger-than-bar")->subject, "0000:0a:00.0 BAR 0") &&
	     finding(m, "mmap-larger-than-bar")->severity == IM_SEV_ERROR &&
	     strstr(finding(m, "mmap-larger-than-bar")->message, "0x0-0xfffff"),
	     "mmap-larger-than-bar: its BAR and offsets");
	setup(m, "6.1.0");
	d = add_dev(m, "0000:0a:00.0");
	bar(d, 0, 0xe2c00000, 0x20000);
	maps(m, "7f0000000000-7f0000010000 rw-s e2c10000 00:0e 1 anon_inode:[vfio-device]\n"
		"7f0000020000-7f0000031000 rw-s e2c10000 00:0e 1 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(m) && nfindings(m, "mmap-larger-than-bar") == 1,
	     "mmap-larger-than-bar: the end of the BAR is fine, a page past it is not");
}

/* duplicate ids and overlapping GPAs, per address space */
static void test_slots(struct im_model *m)
{
	setup(m, "6.1.0");
	slot(m, 0, 1, 0x0, 0x80000000, 0x7f0000000000);
	slot(m, 0, 2, 0x100000000, 0x1000, 0x7e0000000000);
	slot(m, 1, 1, 0x0, 0x80000000, 0x7f0000000000);	/* SMM: its own ids and GPAs */
	slot(m, 1, 2, 0x100000000, 0x1000, 0x7e0000000000);
	T_OK(!im_correlate(m) && !finding(m, "memslot-duplicate-id") && !finding(m, "memslot-overlap"),
	     "slots: a sane table, in two address spaces, has no finding");
	slot(m, 0, 2, 0x200000000, 0x1000, 0x7d0000000000);	/* id 2 again */
	slot(m, 0, 2, 0x300000000, 0x1000, 0x7c0000000000);	/* and again: one id */
	slot(m, 0, 5, 0x7fff0000, 0x20000, 0x7b0000000000);	/* over slot 1's end */
	slot(m, 0, 6, 0x10000, 0x1000, 0x7a0000000000);	/* inside slot 1 */
	T_OK(!im_correlate(m) && nfindings(m, "memslot-duplicate-id") == 1 &&
	     nfindings(m, "memslot-overlap") == 1, "slots: one finding of each");
	T_OK(finding(m, "memslot-duplicate-id") &&
	     finding(m, "memslot-duplicate-id")->severity == IM_SEV_ERROR &&
	     strstr(finding(m, "memslot-duplicate-id")->message, "1 slot id of address space 0") &&
	     strstr(finding(m, "memslot-duplicate-id")->message, "slot 2 "),
	     "slots: the duplicate id counted once and named");
	T_OK(finding(m, "memslot-overlap") && finding(m, "memslot-overlap")->severity == IM_SEV_ERROR &&
	     strstr(finding(m, "memslot-overlap")->message, "2 slots of address space 0") &&
	     strstr(finding(m, "memslot-overlap")->message, "slot 1 (GPA 0x0-0x7fffffff) and slot 6"),
	     "slots: the overlaps counted, the first pair named");
}

int main(void)
{
	struct im_model m;
	struct im_device *d;
	const struct im_finding *f;

	im_model_init(&m);

	/* 1. the seed: pre-6.10 offset is the HPA */
	setup(&m, "5.11.0-38-generic");
	d = add_dev(&m, "0000:0a:00.0");
	bar(d, 0, 0xe2c20000, 0x1000);
	maps(&m, "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n");
	slot(&m, 0, 5, 0xfc078000, 0x1000, 0x7f0b5c5f4000);
	slot(&m, 1, 5, 0xfc078000, 0x1000, 0x7f0b5c5f4000);
	T_OK(!im_correlate(&m), "seed: correlate");
	T_OK(m.offset_mode == IM_OFF_HPA, "seed: offset is hpa");
	T_OK(m.devices[0].held, "seed: device held");
	T_EQ_U64(m.devices[0].bars[0].nmmaps, 1, "seed: one mmap");
	T_EQ_U64(m.devices[0].bars[0].mmaps[0].hva, 0x7f0b5c5f4000, "seed: HVA");
	T_EQ_U64(m.devices[0].bars[0].nguest, 1, "seed: one guest piece (SMM mirror left out)");
	T_EQ_U64(m.devices[0].bars[0].guest[0].gpa, 0xfc078000, "seed: GPA");
	T_EQ_U64(m.devices[0].bars[0].guest_gpa, 0xfc078000, "seed: guest BAR");
	T_OK(finding(&m, "smm-mirror") != NULL, "seed: smm mirror finding");

	/* 2. 6.10+: (index, size) match, unique -> guess; identical twins -> ambiguous */
	setup(&m, "6.12.0");
	d = add_dev(&m, "0000:01:00.0");
	bar(d, 0, 0xfc000000, 0x20000);
	d = add_dev(&m, "0000:02:00.0");
	bar(d, 2, 0xfd000000, 0x4000);
	maps(&m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n"
		 "7f0000020000-7f0000024000 rw-s 20000000000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m), "guess: correlate");
	T_OK(m.offset_mode == IM_OFF_REGION, "guess: offset is region");
	T_EQ_U64(m.devices[1].bars[2].nmmaps, 1, "guess: BAR 2 found by index and size");
	T_OK(m.devices[1].bars[2].mmaps[0].ident == IM_ID_GUESS, "guess: marked as a guess");
	T_OK(finding(&m, "device-guessed") != NULL, "guess: finding says so");
	T_OK(finding(&m, "mmap-device-ambiguous") == NULL, "guess: no ambiguity");

	setup(&m, "6.12.0");
	d = add_dev(&m, "0000:01:00.0");
	bar(d, 0, 0xfc000000, 0x20000);
	d = add_dev(&m, "0000:02:00.0");
	bar(d, 0, 0xfd000000, 0x20000);
	maps(&m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m), "twins: correlate");
	T_OK(finding(&m, "mmap-device-ambiguous") != NULL, "twins: ambiguity reported");
	T_OK(!m.devices[0].bars[0].nmmaps && !m.devices[1].bars[0].nmmaps, "twins: nothing invented");

	/* twins again, but the target holds only the second one's group open */
	setup(&m, "6.12.0");
	d = add_dev(&m, "0000:01:00.0");
	bar(d, 0, 0xfc000000, 0x20000);
	d->iommu_group = strdup("11");
	d = add_dev(&m, "0000:02:00.0");
	bar(d, 0, 0xfd000000, 0x20000);
	d->iommu_group = strdup("12");
	m.fds = calloc(2, sizeof(*m.fds));
	m.nfds = 2;
	m.fds[0].fd = 19;
	m.fds[0].target = strdup("/dev/vfio/12");
	m.fds[1].fd = 20;
	m.fds[1].target = strdup("anon_inode:[vfio-device]");
	maps(&m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m), "held group: correlate");
	T_EQ_U64(m.devices[1].bars[0].nmmaps, 1, "held group: the twin whose group is open has the mmap");
	T_OK(!m.devices[0].bars[0].nmmaps, "held group: the other twin has none");
	T_OK(m.devices[1].bars[0].nmmaps && m.devices[1].bars[0].mmaps[0].ident == IM_ID_GROUP,
	     "held group: marked as a guess by group");
	T_OK(finding(&m, "mmap-device-ambiguous") == NULL, "held group: no ambiguity");
	f = finding(&m, "device-guessed");
	T_OK(f && strstr(f->message, "IOMMU group"), "held group: the finding says how");

	/* 3. fdinfo (6.18) names the device among twins */
	setup(&m, "6.18.0");
	d = add_dev(&m, "0000:01:00.0");
	bar(d, 0, 0xfc000000, 0x20000);
	d = add_dev(&m, "0000:02:00.0");
	bar(d, 0, 0xfd000000, 0x20000);
	m.fds = calloc(1, sizeof(*m.fds));
	m.nfds = 1;
	m.fds[0].fd = 20;
	m.fds[0].target = strdup("anon_inode:[vfio-device]");
	m.fds[0].syspath = strdup("/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0");
	maps(&m, "7f0000000000-7f0000020000 rw-s 00000000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m), "fdinfo: correlate");
	T_EQ_U64(m.devices[1].bars[0].nmmaps, 1, "fdinfo: the named twin has the mmap");
	T_OK(m.devices[1].bars[0].mmaps[0].ident == IM_ID_FDINFO, "fdinfo: marked");
	T_OK(m.devices[1].bars[0].mmaps[0].fd == 20, "fdinfo: fd known");

	/* 4. MSI-X: the memslot skips the table page; a sparse mmap skips it too */
	setup(&m, "6.1.0-56-amd64");
	d = add_dev(&m, "0000:00:03.0");
	bar(d, 3, 0xfeb90000, 0x4000);
	d->have_msix = true;
	d->msix_bar = 3;
	d->msix_table_off = 0;
	d->msix_table_size = 5 * 16;
	d->msix_pba_bar = 3;
	d->msix_pba_off = 0x2000;
	d->msix_pba_size = 8;
	maps(&m, "7fb2a1217000-7fb2a121b000 rw-s feb90000 00:0e 44 anon_inode:[vfio-device]\n");
	slot(&m, 0, 4, 0xfeb41000, 0x3000, 0x7fb2a1218000);
	T_OK(!im_correlate(&m), "msix: correlate");
	f = finding(&m, "mmap-partly-in-memslots");
	T_OK(f && strstr(f->message, "0x7fb2a1217000-0x7fb2a1217fff") && strstr(f->message, "MSI-X table"),
	     "msix: the table page traps, and the finding says why");
	T_EQ_U64(m.devices[0].bars[3].guest_gpa, 0xfeb40000, "msix: guest BAR start implied through the offset");

	setup(&m, "5.4.0");
	d = add_dev(&m, "0000:00:03.0");
	bar(d, 3, 0xfeb90000, 0x4000);
	maps(&m, "7f0000001000-7f0000004000 rw-s feb91000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m), "sparse: correlate");
	f = finding(&m, "bar-partly-mmapped");
	T_OK(f && strstr(f->message, "0x0-0xfff"), "sparse: the unmapped first page is named");
	T_OK(finding(&m, "mmap-no-memslot") == NULL, "sparse: memslots unknown, no slot finding");

	/* 5. mmap without memslot; offset matching nothing; kernel/offset mismatch */
	setup(&m, "6.12.0");
	d = add_dev(&m, "0000:00:05.0");
	bar(d, 0, 0xfe000000, 0x400000);
	maps(&m, "7f0000000000-7f0000400000 rw-s fe000000 00:0e 44 anon_inode:[vfio-device]\n"
		 "7f0000400000-7f0000401000 rw-s abc00000 00:0e 44 anon_inode:[vfio-device]\n");
	slot(&m, 0, 0, 0, 0x100000, 0x7f1000000000);
	T_OK(!im_correlate(&m), "nomemslot: correlate");
	T_OK(m.offset_mode == IM_OFF_HPA, "backport: HPA offsets on 6.12 read as HPA");
	T_OK(finding(&m, "offset-format-unexpected") != NULL, "backport: reported");
	T_OK(finding(&m, "mmap-no-memslot") != NULL, "nomemslot: reported");
	T_OK(finding(&m, "offset-matches-no-bar") != NULL, "stray offset: reported");
	setup(&m, "6.12.0");
	im_add_source(&m, "pci", IM_SRC_UNAVAILABLE, "sys/bus/pci/devices: no such directory");
	maps(&m, "7f0000400000-7f0000401000 rw-s abc00000 00:0e 44 anon_inode:[vfio-device]\n");
	T_OK(!im_correlate(&m) && finding(&m, "offset-matches-no-bar") == NULL &&
	     finding(&m, "source-unavailable") != NULL,
	     "no host BARs read: a mapping's BAR is unknown, not \"matches no host BAR\"");

	/* 6. QEMU says the guest BAR is elsewhere than the memslots do */
	setup(&m, "6.1.0");
	d = add_dev(&m, "0000:0a:00.0");
	bar(d, 0, 0xe2c20000, 0x1000);
	maps(&m, "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n");
	slot(&m, 0, 5, 0xfc078000, 0x1000, 0x7f0b5c5f4000);
	{
		struct im_qemu_bar qb = { .bar = 0, .gpa = 0xfd000000, .size = 0x1000,
					  .have_hva = true, .hva = 0x7f0b5c5f4000,
					  .guest_bdf = "0000:00:04.0", .source = "qmp" };

		snprintf(qb.host_bdf, sizeof(qb.host_bdf), "0000:0a:00.0");
		im_add_qemu_bar(&m, &qb);
	}
	T_OK(!im_correlate(&m), "qmp: correlate");
	T_OK(finding(&m, "guest-gpa-mismatch") != NULL, "qmp: GPA disagreement is an error");
	T_EQ_STR(m.devices[0].guest_bdf, "0000:00:04.0", "qmp: guest BDF");

	/* 7. TCG: QEMU's own pieces, without the MSI-X table QEMU overlays */
	msix_model(&m, IM_TRI_UNKNOWN);
	T_OK(!im_correlate(&m) && !m.devices[0].bars[3].nguest,
	     "kvm vm unknown (fds not read): no TCG pieces");
	msix_model(&m, IM_TRI_NO);	/* the fds were read: no anon_inode:kvm-vm */
	T_OK(!im_correlate(&m), "tcg: correlate");
	T_EQ_U64(m.devices[0].bars[3].nguest, 1, "tcg: one piece");
	T_EQ_U64(m.devices[0].bars[3].guest[0].gpa, 0xfeb40050, "tcg: the piece starts after the MSI-X table");
	T_EQ_U64(m.devices[0].bars[3].guest[0].hva, 0x7f0000000050, "tcg: at the matching HVA");
	T_OK(m.devices[0].bars[3].guest[0].slot == -1, "tcg: no memslot");
	m.devices[0].caps_known = false;
	free(m.devices[0].bars[3].guest);
	m.devices[0].bars[3].guest = NULL;
	m.devices[0].bars[3].nguest = 0;

	/* KVM: the slot leaves the table's page out; it traps, and im_place says why */
	{
		struct im_place p;

		msix_model(&m, IM_TRI_YES);
		slot(&m, 0, 4, 0xfeb41000, 0x3000, 0x7f0000001000);
		T_OK(!im_correlate(&m), "trap: correlate");
		T_OK(finding(&m, "msix-table-trapped") != NULL, "trap: msix-table-trapped finding");
		T_OK(finding(&m, "mmap-partly-in-memslots") == NULL,
		     "trap: the table's page is not said twice (mmap-partly-in-memslots)");
		im_place_gpa(&m, -1, 0xfeb40010, &p);
		T_OK(p.f_slot.state == IM_ABSENT && p.f_trap.state == IM_KNOWN &&
		     p.trap->why == IM_TRAP_MSIX_TABLE && p.bar == 3 && p.bar_offset == 0x10 &&
		     p.hpa == 0xfeb90010, "trap: a GPA in the table's page traps (MSI-X table)");
		im_place_gpa(&m, -1, 0xfeb41010, &p);
		T_OK(p.f_trap.state == IM_ABSENT, "trap: a GPA in the slot does not");
		im_place_hva(&m, 0x7f0000000010, &p);
		T_OK(p.f_trap.state == IM_KNOWN, "trap: the HVA under the table says so too");
		msix_model(&m, IM_TRI_YES);
		m.devices[0].caps_known = false;
		m.devices[0].have_msix = false;
		slot(&m, 0, 4, 0xfeb41000, 0x3000, 0x7f0000001000);
		T_OK(!im_correlate(&m) && !m.devices[0].bars[3].ntraps &&
		     m.devices[0].bars[3].traps_why, "trap: config unread: unknown, with why");
		im_place_gpa(&m, -1, 0xfeb40010, &p);
		T_OK(p.f_trap.state == IM_UNKNOWN && p.f_trap.why, "trap: the GPA's trap is unknown (why)");
		T_OK(finding(&m, "mmap-partly-in-memslots") != NULL,
		     "trap: config unread: the slot's hole is still said");
	}

	test_release(&m);
	test_bar_overlap(&m);
	test_mmap_size(&m);
	test_slots(&m);
	im_model_free(&m);
	T_DONE();
}
