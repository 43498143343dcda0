// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of im_place_hva() and im_place_gpa(): a model built in memory,
 * each fact in each of its three states, SMM, a BAR's first and last byte
 * and the address just past it.
 */
#include <stdlib.h>
#include "iommu-map.h"
#include "t.h"

static void bar(struct im_device *d, int i, uint64_t hpa, uint64_t size)
{
	d->bars[i].index = i;
	d->bars[i].kind = IM_BAR_MEM32;
	d->bars[i].hpa = hpa;
	d->bars[i].size = size;
}

static void slot(struct im_model *m, int as, int id, uint64_t gpa, uint64_t size, uint64_t hva)
{
	struct im_memslot s = { as, id, gpa, size, hva, 0 };

	im_add_memslot(m, &s);
}

/* map i is a vfio mmap of device dev, BAR b (or not identified: dev -1) */
static void vfio(struct im_model *m, size_t i, int dev, int b)
{
	m->maps[i].vfio = true;
	m->maps[i].dev = dev;
	m->maps[i].bar = b;
	m->maps[i].bar_offset = 0;
}

/*
 * 0000:01:00.0 BAR 0 (64K at HPA 0xf0000000, GPA 0xfe000000 by slot 2),
 * BAR 2 (16K, in no memslot); a vfio mmap of no known device; guest RAM
 * (slot 1, mirrored in SMM); a page only SMM maps (as_id 1 slot 5).
 */
static void model(struct im_model *m, bool join)
{
	static const char text[] =
		"00001000-00003000 r-xp 00000000 08:01 42 /usr/bin/qemu-system-x86_64\n"
		"7f0000000000-7f0000010000 rw-s 00000000 00:0e 10 anon_inode:[vfio-device]\n"
		"7f0000010000-7f0000014000 rw-s 20000000000 00:0e 10 anon_inode:[vfio-device]\n"
		"7f0000020000-7f0000021000 rw-s 00000000 00:0e 11 anon_inode:[vfio-device]\n"
		"7f1000000000-7f1000100000 rw-p 00000000 00:00 0 \n"
		"7f2000000000-7f2000001000 rw-p 00000000 00:00 0 \n";
	struct im_err e;
	struct im_device *d;

	im_model_init(m);
	m->pid = 1;
	m->kvm_vm = IM_TRI_YES;
	m->devices = calloc(1, sizeof(*m->devices));
	m->ndevices = 1;
	d = &m->devices[0];
	snprintf(d->bdf, sizeof(d->bdf), "0000:01:00.0");
	bar(d, 0, 0xf0000000, 0x10000);
	bar(d, 2, 0xf1000000, 0x4000);
	if (im_proc_parse_maps(text, sizeof(text) - 1, "maps", &m->maps, &m->nmaps, &e))
		printf("FAIL maps: %u: %s\n", e.line, e.msg);
	vfio(m, 1, 0, 0);
	vfio(m, 2, 0, 2);
	vfio(m, 3, -1, -1);
	slot(m, 0, 1, 0, 0x20000, 0x7f1000000000);
	slot(m, 0, 2, 0xfe000000, 0x10000, 0x7f0000000000);
	slot(m, 1, 1, 0, 0x20000, 0x7f1000000000);
	slot(m, 1, 5, 0x30000, 0x1000, 0x7f2000000000);
	m->memslots_known = true;
	im_sort_memslots(m);
	if (join && im_correlate_join(m))
		printf("FAIL join\n");
}

static void test_hva(void)
{
	struct im_model m;
	struct im_place p;

	model(&m, true);
	m.devices[0].bars[0].have_guest_gpa = true;
	m.devices[0].bars[0].guest_gpa = 0xfe000000;

	im_place_hva(&m, 0x7f0000000000, &p);
	T_OK(p.f_map.state == IM_KNOWN && p.map == 1, "hva: BAR 0 first byte: mapping known");
	T_OK(p.f_dev.state == IM_KNOWN && p.dev == 0 && p.f_bar.state == IM_KNOWN && p.bar == 0,
	     "hva: BAR 0 first byte: device and BAR known");
	T_EQ_U64(p.bar_offset, 0, "hva: BAR 0 first byte: offset 0");
	T_OK(p.f_hpa.state == IM_KNOWN && p.hpa == 0xf0000000, "hva: BAR 0 first byte: HPA");
	T_OK(p.f_slot.state == IM_KNOWN && m.memslots[p.slot].slot == 2 && p.as_id == 0 && !p.smm,
	     "hva: BAR 0 first byte: memslot 2, as_id 0");
	T_OK(p.f_gpa.state == IM_KNOWN && p.gpa == 0xfe000000, "hva: BAR 0 first byte: GPA");
	T_OK(p.f_guest.state == IM_KNOWN && p.guest_bar == 0xfe000000, "hva: guest BAR known");

	im_place_hva(&m, 0x7f000000ffff, &p);
	T_OK(p.f_bar.state == IM_KNOWN && p.bar == 0 && p.bar_offset == 0xffff &&
	     p.hpa == 0xf000ffff && p.gpa == 0xfe00ffff, "hva: BAR 0 last byte");

	im_place_hva(&m, 0x7f0000014000, &p);
	T_OK(p.f_map.state == IM_ABSENT && p.f_map.why && p.map == -1,
	     "hva: just past BAR 2's mmap: no mapping, known absent");
	T_OK(p.f_dev.state == IM_ABSENT && p.f_bar.state == IM_ABSENT && p.f_hpa.state == IM_ABSENT,
	     "hva: just past: no device, BAR or HPA");
	T_OK(p.f_slot.state == IM_ABSENT && p.f_gpa.state == IM_ABSENT, "hva: just past: in no memslot");
	m.paste = true;		/* the same maps, pasted: a paste is not the whole maps */
	im_place_hva(&m, 0x7f0000014000, &p);
	T_OK(p.f_map.state == IM_UNKNOWN && strstr(p.f_map.why, "a paste is not the whole maps") &&
	     p.f_dev.state == IM_UNKNOWN && p.map == -1,
	     "hva: in no pasted mapping: the mapping unknown, not absent");
	m.paste = false;

	im_place_hva(&m, 0x7f0000013fff, &p);
	T_OK(p.f_bar.state == IM_KNOWN && p.bar == 2 && p.bar_offset == 0x3fff &&
	     p.hpa == 0xf1003fff, "hva: BAR 2 last byte");
	T_OK(p.f_slot.state == IM_ABSENT && !strcmp(p.f_slot.why, "in no memslot"),
	     "hva: BAR 2 in no memslot: absent, and why");
	T_OK(p.f_guest.state == IM_UNKNOWN && p.f_guest.why, "hva: BAR 2's guest address unknown, and why");

	im_place_hva(&m, 0x7f0000020000, &p);
	T_OK(p.f_map.state == IM_KNOWN && p.f_dev.state == IM_UNKNOWN &&
	     strstr(p.f_dev.why, "not identified") && p.f_hpa.state == IM_UNKNOWN,
	     "hva: vfio mmap of no known device: device and HPA unknown, and why");

	im_place_hva(&m, 0x2000, &p);
	T_OK(p.f_map.state == IM_KNOWN && p.f_dev.state == IM_ABSENT &&
	     !strcmp(p.f_dev.why, "not a vfio device mapping") && p.f_guest.state == IM_ABSENT,
	     "hva: QEMU's image: no device, known absent");

	im_place_hva(&m, 0x7f1000000010, &p);
	T_OK(p.f_slot.state == IM_KNOWN && p.as_id == 0 && !p.smm && p.gpa == 0x10,
	     "hva: RAM also in SMM's mirror: as_id 0 first");

	im_place_hva(&m, 0x7f2000000fff, &p);
	T_OK(p.f_slot.state == IM_KNOWN && p.as_id == 1 && p.smm && p.gpa == 0x30fff,
	     "hva: a page only SMM maps: placed, and said SMM");
	im_model_free(&m);
}

static void test_unknown(void)
{
	struct im_model m;
	struct im_place p;

	/* memslots read by nobody: unknown, in the memslot source's words */
	model(&m, false);
	free(m.memslots);
	m.memslots = NULL;
	m.nmemslots = 0;
	m.cap.memslots = 0;
	m.memslots_known = false;
	im_add_source(&m, "memslots", IM_SRC_UNAVAILABLE, "no module and no trace");
	im_place_hva(&m, 0x7f0000000000, &p);
	T_OK(p.f_slot.state == IM_UNKNOWN && !strcmp(p.f_slot.why, "no module and no trace") &&
	     p.f_gpa.state == IM_UNKNOWN, "unknown: memslots not read, why from the source");
	im_place_gpa(&m, -1, 0xfe000000, &p);
	T_OK(p.f_slot.state == IM_UNKNOWN && p.f_hva.state == IM_UNKNOWN &&
	     p.f_dev.state == IM_UNKNOWN, "unknown: a GPA without memslots: all unknown");

	/* no KVM: no memslots at all, known */
	m.kvm_vm = IM_TRI_NO;
	im_place_hva(&m, 0x7f0000000000, &p);
	T_OK(p.f_slot.state == IM_ABSENT && strstr(p.f_slot.why, "no KVM"),
	     "absent: no KVM VM, so no memslot");
	im_model_free(&m);

	/* memslots, but correlate has not indexed them by HVA */
	model(&m, false);
	im_place_hva(&m, 0x7f0000000000, &p);
	T_OK(p.f_slot.state == IM_UNKNOWN && strstr(p.f_slot.why, "correlate"),
	     "unknown: memslots not indexed yet");
	im_place_gpa(&m, -1, 0xfe000000, &p);
	T_OK(p.f_slot.state == IM_KNOWN && p.f_dev.state == IM_KNOWN,
	     "gpa: found without the HVA index");
	im_model_free(&m);

	/* no maps */
	im_model_init(&m);
	m.pid = -1;
	im_place_hva(&m, 0x1000, &p);
	T_OK(p.f_map.state == IM_UNKNOWN && strstr(p.f_map.why, "no target") &&
	     p.f_dev.state == IM_UNKNOWN, "unknown: no maps");
	im_model_free(&m);
}

static void test_gpa(void)
{
	struct im_model m;
	struct im_place p;

	model(&m, true);
	im_place_gpa(&m, -1, 0xfe000000, &p);
	T_OK(p.f_slot.state == IM_KNOWN && p.f_hva.state == IM_KNOWN && p.hva == 0x7f0000000000 &&
	     p.f_bar.state == IM_KNOWN && p.bar == 0 && p.bar_offset == 0 && p.hpa == 0xf0000000,
	     "gpa: BAR 0 first byte");
	im_place_gpa(&m, -1, 0xfe00ffff, &p);
	T_OK(p.bar_offset == 0xffff && p.hpa == 0xf000ffff && p.hva == 0x7f000000ffff,
	     "gpa: BAR 0 last byte");
	im_place_gpa(&m, -1, 0xfe010000, &p);
	T_OK(p.f_slot.state == IM_ABSENT && p.f_hva.state == IM_ABSENT &&
	     p.f_map.state == IM_ABSENT && p.f_dev.state == IM_ABSENT,
	     "gpa: just past the slot: absent");
	im_place_gpa(&m, -1, 0x30010, &p);
	T_OK(p.f_slot.state == IM_KNOWN && p.smm && p.as_id == 1 && p.hva == 0x7f2000000010 &&
	     p.f_map.state == IM_KNOWN && p.f_dev.state == IM_ABSENT,
	     "gpa: only in SMM: placed, and said SMM");
	im_place_gpa(&m, 0, 0x30010, &p);
	T_OK(p.f_slot.state == IM_ABSENT, "gpa: not in as_id 0 when asked for as_id 0");
	im_place_gpa(&m, -1, 0x10, &p);
	T_OK(p.f_slot.state == IM_KNOWN && !p.smm && p.as_id == 0 && p.hva == 0x7f1000000010,
	     "gpa: RAM, as_id 0 before its SMM mirror");
	im_model_free(&m);

	/* TCG: no memslots; QEMU told of BAR 2 at 0xfd000000 */
	model(&m, false);
	free(m.memslots);
	m.memslots = NULL;
	m.nmemslots = m.cap.memslots = 0;
	m.memslots_known = false;
	m.kvm_vm = IM_TRI_NO;
	m.devices[0].bars[2].guest = calloc(1, sizeof(struct im_bar_guest));
	m.devices[0].bars[2].guest[0] = (struct im_bar_guest){ 0xfd000000, 0x4000, 0x7f0000010000,
								-1, -1, "qmp" };
	m.devices[0].bars[2].nguest = 1;
	im_place_gpa(&m, -1, 0xfd000004, &p);
	T_OK(p.f_slot.state == IM_ABSENT && p.f_hva.state == IM_KNOWN && p.hva == 0x7f0000010004 &&
	     !strcmp(p.gpa_source, "qmp") && p.bar == 2 && p.bar_offset == 4,
	     "gpa: TCG: QEMU's own word places it");
	im_place_hva(&m, 0x7f0000010004, &p);
	T_OK(p.f_slot.state == IM_ABSENT && p.f_gpa.state == IM_KNOWN && p.gpa == 0xfd000004 &&
	     !strcmp(p.gpa_source, "qmp"), "hva: TCG: GPA from QEMU's word, no memslot");
	im_model_free(&m);
}

/*
 * By HVA, the host side of a trace's DMA maps (paste 07's two ranges of one
 * mmap, around its MSI-X page, and an alias of the first at a higher IOVA):
 * known, known absent, and unknown (no trace; not indexed).
 */
static void test_dma_hva(void)
{
	struct im_model m;
	struct im_place p;

	im_model_init(&m);
	m.paste = true;
	m.dma = calloc(3, sizeof(*m.dma));
	m.dma[0] = (struct im_dma_map){ .iova = 0xf8000000, .size = 0x6000, .hva = 0x7f691e800000, .line = 79 };
	m.dma[1] = (struct im_dma_map){ .iova = 0xf8007000, .size = 0xff9000, .hva = 0x7f691e807000, .line = 82 };
	m.dma[2] = (struct im_dma_map){ .iova = 0x100000000, .size = 0x1000, .hva = 0x7f691e800000, .line = 90 };
	m.ndma = 3;
	im_place_hva(&m, 0x7f691e800010, &p);
	T_OK(p.f_dma_hva.state == IM_UNKNOWN && strstr(p.f_dma_hva.why, "not known") && p.dma_hva == -1,
	     "dma hva: no trace read: unknown, and why");
	m.dma_source = "qemu-trace";
	im_place_hva(&m, 0x7f691e800010, &p);
	T_OK(p.f_dma_hva.state == IM_UNKNOWN && strstr(p.f_dma_hva.why, "not indexed"),
	     "dma hva: before correlate: unknown, not indexed");
	T_OK(!im_correlate_maps(&m), "dma hva: correlate indexes the DMA maps");
	im_place_hva(&m, 0x7f691e800010, &p);
	T_OK(p.f_dma_hva.state == IM_KNOWN && p.dma_hva == 0 && p.iova == 0xf8000010,
	     "dma hva: inside the first range, the lowest IOVA of its two aliases");
	T_OK(p.f_map.state == IM_UNKNOWN && p.f_hpa.state == IM_UNKNOWN,
	     "dma hva: paste mode: the mapping and HPA stay unknown");
	im_place_hva(&m, 0x7f691f7fffff, &p);
	T_OK(p.f_dma_hva.state == IM_KNOWN && p.dma_hva == 1 && p.iova == 0xf8ffffff,
	     "dma hva: the last byte of the second range");
	im_place_hva(&m, 0x7f691e806000, &p);
	T_OK(p.f_dma_hva.state == IM_ABSENT && p.dma_hva == -1,
	     "dma hva: the MSI-X page between them: in no DMA map");
	im_place_hva(&m, 0x7f691f800000, &p);
	T_OK(p.f_dma_hva.state == IM_ABSENT, "dma hva: just past the second range");
	im_model_free(&m);
}

/* a trace's vfio_region_mmap whose HVA came from the maps: found by HVA after join */
static void test_rmmap_hva(void)
{
	struct im_model m;
	struct im_place p;

	model(&m, false);
	m.rmmaps = calloc(2, sizeof(*m.rmmaps));
	m.rmmaps[0] = (struct im_region_mmap){ .name = "0000:01:00.0 BAR 0 mmaps[0]", .bar = 0,
					       .off = 0, .size = 0x10000, .mdev = 0, .have_hva = true,
					       .hva = 0x7f0000000000, .line = 3 };
	m.rmmaps[1] = (struct im_region_mmap){ .name = "0000:01:00.0 BAR 2 mmaps[0]", .bar = 2,
					       .off = 0, .size = 0x4000, .mdev = -1, .line = 4 };
	m.nrmmaps = 2;
	m.rmmap_source = "qemu-trace";
	im_place_hva(&m, 0x7f0000000010, &p);
	T_OK(p.rmmap == -1, "rmmap hva: not indexed before join: none");
	T_OK(!im_correlate_join(&m), "rmmap hva: join");
	im_place_hva(&m, 0x7f0000000010, &p);
	T_OK(p.rmmap == 0, "rmmap hva: inside BAR 0's mmap: the trace's line 3");
	im_place_hva(&m, 0x7f0000010010, &p);
	T_OK(p.rmmap == -1, "rmmap hva: an mmap with no HVA is never found");
	im_model_free(&m);
}

int main(void)
{
	test_dma_hva();
	test_rmmap_hva();
	test_hva();
	test_unknown();
	test_gpa();
	T_DONE();
}
