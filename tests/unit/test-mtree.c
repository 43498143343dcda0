// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-mtree.c - memory-tree text parser (gdb qemu mtree, HMP info mtree,
 * info mtree -f) on real text, and the seed golden test of the annotation.
 * Links: src/sources/mtree.c src/lib/util.c src/model.c, json-c.
 * IM_UPDATE=1 rewrites tests/data/qemu/seed-mtree.expected.{txt,json}.
 */
#include <errno.h>
#include <stdlib.h>
#include "t.h"
#include "findings.h"
#include "iommu-map.h"
#include "sources/maps-paste.h"
#include "sources/mtree.h"

#ifndef DATADIR
#define DATADIR "tests/data/qemu"
#endif

static char *slurp(const char *name, size_t *len)
{
	return t_slurp(DATADIR, name, len, true);
}

static void spit(const char *name, const char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", DATADIR, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		printf("FAIL write %s\n", path);
}

static const struct im_mtree_line *find_name(const struct im_mtree *t, const char *name,
					     size_t from)
{
	size_t i;

	for (i = from; i < t->nlines; i++)
		if (t->lines[i].name && !strcmp(t->lines[i].name, name))
			return &t->lines[i];
	return NULL;
}

static void test_seed_parse(void)
{
	struct im_mtree t;
	struct im_err err = { 0 };
	const struct im_mtree_line *l;
	size_t len;
	char *buf = slurp("seed-mtree.txt", &len);
	int r = im_mtree_parse(buf, len, "seed-mtree.txt", &t, &err);

	T_OK(r == 0, "seed: parses");
	T_OK(t.shape == IM_MT_GDB, "seed: gdb shape");
	T_EQ_U64(t.nlines, 3, "seed: lines");
	T_OK(t.int128_bug, "seed: Int128 artefact detected");
	l = &t.lines[2];
	T_EQ_STR(l->name, "0000:0a:00.0 BAR 0 mmaps[0]", "seed: name");
	T_EQ_U64(l->start, 0xfc078000, "seed: start");
	T_EQ_U64(l->end, 0xfc07c095, "seed: printed end");
	T_OK(l->size_artefact, "seed: line artefact");
	T_EQ_U64(l->real_end, 0xfc078fff, "seed: real end");
	T_OK(l->have_ptr && l->ptr == 0x56540d8c7c30, "seed: MR pointer");
	T_EQ_STR(l->klass, "I/O", "seed: klass");
	T_EQ_STR(l->host_bdf, "0000:0a:00.0", "seed: host bdf");
	T_OK(l->bar == 0 && l->mmap_index == 0 && l->bar_part == IM_BP_MMAP, "seed: mmaps[0]");
	T_OK(t.lines[0].bar_part == IM_BP_BASE && t.lines[1].bar_part == IM_BP_REGION,
	     "seed: base / region");
	T_OK(t.lines[1].depth == 1 && t.lines[2].depth == 2, "seed: depth");
	im_mtree_free(&t);
	free(buf);

	buf = slurp("seed-mtree-mail.txt", &len);
	r = im_mtree_parse(buf, len, "seed-mtree-mail.txt", &t, &err);
	T_OK(r == 0, "mail: parses");
	T_EQ_U64(t.nlines, 5, "mail: wrapped lines joined");
	l = &t.lines[3];
	T_OK(l->kind == IM_MTL_RANGE && l->have_ptr && l->ptr == 0x56540d8c7c30 &&
	     !strcmp(l->klass, "I/O") && l->line == 6, "mail: mmaps line joined");
	T_OK(t.int128_bug && l->size_artefact && l->real_end == 0xfc078fff, "mail: artefact");
	im_mtree_free(&t);
	free(buf);
}

static void test_hmp(void)
{
	struct im_mtree t;
	struct im_err err = { 0 };
	const struct im_mtree_line *l;
	size_t len;
	char *buf = slurp("lab-6.1-kvm.hmp-info-mtree.txt", &len);
	int r = im_mtree_parse(buf, len, "info-mtree", &t, &err);

	T_OK(r == 0, "hmp: parses");
	T_OK(t.shape == IM_MT_HMP && !t.int128_bug, "hmp: shape, no artefact");
	l = find_name(&t, "0000:00:03.0 BAR 3 mmaps[0]", 0);
	T_OK(l && l->start == 0xfeb40000 && l->end == 0xfeb43fff && !strcmp(l->type, "ramd") &&
	     l->prio == 0 && l->depth == 5, "hmp: ramd line");
	T_OK(l && l->space && !strcmp(l->space, "memory") && l->as_id == 0, "hmp: memory AS");
	l = find_name(&t, "ram-below-4g", 0);
	T_OK(l && l->alias && !strcmp(l->alias_target, "pc.ram") && l->alias_end == 0x3ffffff,
	     "hmp: alias");
	l = find_name(&t, "0000:00:03.0 base BAR 2", 0);
	T_OK(l && l->space && !strcmp(l->space, "I/O") && l->as_id < 0, "hmp: io space");
	im_mtree_free(&t);
	free(buf);

	buf = slurp("lab-6.1-kvm.hmp-info-mtree-f.txt", &len);
	r = im_mtree_parse(buf, len, "info-mtree-f", &t, &err);
	T_OK(r == 0, "flat: parses");
	T_OK(t.shape == IM_MT_HMP_FLAT && t.any_kvm, "flat: shape, KVM");
	l = find_name(&t, "0000:00:03.0 BAR 3 mmaps[0]", 0);
	T_OK(l && l->start == 0xfeb40050 && l->have_offset && l->offset == 0x50 && !l->kvm,
	     "flat: offset, no KVM (SMRAM view)");
	T_OK(l && l->as_id == 1, "flat: KVM-SMRAM is as_id 1");
	l = find_name(&t, "0000:00:05.0 BAR 2 mmaps[0]", 20);
	T_OK(l && l->kvm && l->as_id == 0 && l->space && !strcmp(l->space, "memory"),
	     "flat: memory FlatView, KVM");
	l = find_name(&t, "pc.ram", 20);
	T_OK(l && l->kvm && !l->have_offset && !strcmp(l->type, "ram"), "flat: pc.ram");
	im_mtree_free(&t);
	free(buf);

	buf = slurp("lab-6.1-tcg.hmp-info-mtree-f.txt", &len);
	r = im_mtree_parse(buf, len, "tcg-f", &t, &err);
	T_OK(r == 0 && !t.any_kvm, "flat tcg: no KVM marks");
	im_mtree_free(&t);
	free(buf);
}

static void test_gdb_more(void)
{
	/* a full-tree mtree.py dump with native Int128: 2^64 read as hex */
	static const char txt[] =
		"0000000000000000-18446744073709551615 system (I/O) (@ 0x5581a8c1e0a0)\n"
		"  0000000000000000-0000000067108863 alias ram-below-4g (alias) (@ 0x5581a9000000)\n"
		"    alias: pc.ram@0000000000000000 (@ 0x5581a8f00000)\n"
		"0000000000000000-0000000000065535 io (I/O) (@ 0x5581a8c1e1b0)\n"
		"0000000000000000-0000000067108863 pc.ram (I/O) (@ 0x5581a8f00000)\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	int r = im_mtree_parse(txt, sizeof(txt) - 1, "gdb", &t, &err);

	T_OK(r == 0 && t.int128_bug, "gdb: artefact from 64M read as hex");
	T_OK(t.lines[0].end_big, "gdb: 2^64 end does not fit");
	T_OK(t.lines[1].size_artefact && t.lines[1].real_end == 0x3ffffff, "gdb: 64M fixed");
	T_OK(t.lines[2].kind == IM_MTL_ALIAS && !strcmp(t.lines[2].alias_target, "pc.ram"),
	     "gdb: alias line");
	T_OK(t.lines[3].as_id < 0 && t.lines[4].as_id < 0, "gdb: io root, alias-target root");
	T_OK(t.lines[1].as_id == 0, "gdb: system root is memory");
	im_mtree_free(&t);
	/* a correct dump (struct Int128) shows no artefact */
	{
		static const char good[] =
			"00000000fc078000-00000000fc078fff x BAR 0 (I/O) (@ 0x1)\n";

		r = im_mtree_parse(good, sizeof(good) - 1, "ok", &t, &err);
	}
	T_OK(r == 0 && !t.int128_bug && !t.lines[0].size_artefact, "gdb: good dump untouched");
	im_mtree_free(&t);
	r = im_mtree_parse("hello\n", 6, "x.txt", &t, &err);
	T_OK(r == -EINVAL && !strcmp(err.file, "x.txt"), "err: no ranges");
	r = im_mtree_parse("0-1 a\n\0b", 8, "nul.txt", &t, &err);
	T_OK(r == -EINVAL && err.line == 2, "err: NUL names line");
}

/* lines not understood are counted; prompts, blank lines and headers are not */
static void test_not_understood(void)
{
	static const char txt[] =
		"(qemu) info mtree\n"
		"address-space: memory\n"
		"  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
		"    00000000fe000000-00000000fe000fff (prio 0, ramd): x\n"
		"    00000000fe001000-00000000fe001fff (prio zero, ramd): y\n"
		"\n"
		"memory-region: pc.ram\n"
		"  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram\n"
		"Dispatch\n"
		"(gdb)\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	struct im_model m;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;
	int r = im_mtree_parse(txt, sizeof(txt) - 1, "nu.txt", &t, &err);

	T_OK(r == 0, "not understood: parses");
	T_EQ_U64(t.unknown, 2, "not understood: a range with a bad prio, a dispatch line");
	T_EQ_U64(t.first_unknown, 5, "not understood: the first is line 5");
	T_OK(t.lines[6].kind == IM_MTL_HEADER && t.lines[7].kind == IM_MTL_RANGE &&
	     t.lines[7].as_id < 0 && !t.lines[7].space,
	     "memory-region: an alias target's tree is not a GPA range");
	T_OK(t.lines[3].as_id == 0, "memory-region: the address space before it is");
	im_mtree_free(&t);

	im_model_init(&m);
	f = open_memstream(&out, &olen);
	r = im_mtree_annotate_buf(f, &m, txt, sizeof(txt) - 1, "nu.txt", false, &err);
	fclose(f);
	T_OK(r == 0 && strstr(out, "\n# 2 lines not understood (first: nu.txt:5)\n"),
	     "not understood: said after the text");
	free(out);
	out = NULL;
	f = open_memstream(&out, &olen);
	r = im_mtree_annotate_buf(f, &m, txt, sizeof(txt) - 1, "nu.txt", true, &err);
	fclose(f);
	T_OK(r == 0 && strstr(out, "\"not_understood\": {\n    \"lines\": 2,\n    \"first\": \"nu.txt:5\"\n  }"),
	     "not understood: said in JSON");
	free(out);
	im_model_free(&m);

	r = im_mtree_parse("hello\n(gdb)\nworld\n", 18, "x.txt", &t, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "; 2 lines not understood (first: x.txt:1)"),
	     "not understood: nothing read, the error counts them");

	/* HMP info pci, given to --mtree: it names no host device, say so */
	{
		static const char ip[] = "  Bus  0, device   4, function 0:\n"
					 "    Ethernet controller: PCI device 8086:10d3\n"
					 "      BAR0: 32 bit memory at 0xfeb00000 [0xfeb1ffff].\n";

		r = im_mtree_parse(ip, sizeof(ip) - 1, "pci.txt", &t, &err);
		T_OK(r == -EINVAL && strstr(err.msg, "no memory-tree lines: this is info pci output") &&
		     strstr(err.msg, "info qtree"), "info pci: --mtree says to paste info qtree");
	}
}

/* vfio devices QEMU names other than by their host BDF (QEMU 10.0, 10.2+) */
static void test_names(void)
{
	static const char txt[] =
		"0000000000000000-ffffffffffffffff system (I/O) (@ 0x5581a8c1e0a0)\n"
		"  00000000febf0000-00000000febf0fff VFIO_FD12 base BAR 0 (I/O) (@ 0x5581a9000000)\n"
		"    00000000febf0000-00000000febf0fff VFIO_FD12 BAR 0 (I/O) (@ 0x5581a9000100)\n"
		"      00000000febf0000-00000000febf0fff VFIO_FD12 BAR 0 mmaps[0] (I/O) (@ 0x5581a9000200)\n"
		"  00000000fe000000-00000000fe3fffff VFIO_FD12 base BAR 2 (I/O) (@ 0x5581a9000300)\n"
		"    00000000fe000000-00000000fe3fffff VFIO_FD12 BAR 2 mmaps[1] (I/O) (@ 0x5581a9000400)\n"
		"  00000000fd000000-00000000fd000fff hostdev0 BAR 0 mmaps[0] (I/O) (@ 0x5581a9000500)\n"
		"  00000000fd001000-00000000fd001fff 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 BAR 0 (I/O) (@ 0x1)\n"
		"  00000000fd002000-00000000fd002fff my dev BAR 0 (I/O) (@ 0x2)\n"
		"  00000000fd003000-00000000fd003fff hostdev0 BAR 0 extra (I/O) (@ 0x3)\n"
		"  00000000fd004000-00000000fd004fff 1dev BAR 0 (I/O) (@ 0x4)\n"
		"  00000000fd005000-00000000fd005fff 0000:0b:00.0 BAR 1 mmaps[0] (I/O) (@ 0x5)\n"
		"  00000000fd006000-00000000fd006fff VFIO_FD BAR 0 (I/O) (@ 0x6)\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	const struct im_mtree_line *l;
	int r = im_mtree_parse(txt, sizeof(txt) - 1, "names", &t, &err), fd;

	T_OK(r == 0 && t.nlines == 13, "names: parses");
	l = &t.lines[1];
	T_OK(!strcmp(l->qemu_dev, "VFIO_FD12") && l->dev_kind == IM_VN_FD && !l->host_bdf[0] &&
	     l->bar_part == IM_BP_BASE && l->bar == 0, "names: VFIO_FD12 base BAR 0");
	l = &t.lines[2];
	T_OK(l->dev_kind == IM_VN_FD && l->bar_part == IM_BP_REGION && l->bar == 0,
	     "names: VFIO_FD12 BAR 0");
	l = &t.lines[3];
	T_OK(l->dev_kind == IM_VN_FD && l->bar_part == IM_BP_MMAP && l->bar == 0 &&
	     l->mmap_index == 0, "names: VFIO_FD12 BAR 0 mmaps[0]");
	l = &t.lines[5];
	T_OK(l->bar_part == IM_BP_MMAP && l->bar == 2 && l->mmap_index == 1,
	     "names: VFIO_FD12 BAR 2 mmaps[1]");
	l = &t.lines[6];
	T_OK(!strcmp(l->qemu_dev, "hostdev0") && l->dev_kind == IM_VN_ID &&
	     l->bar_part == IM_BP_MMAP && l->bar == 0, "names: hostdev0 BAR 0 mmaps[0] (id=)");
	l = &t.lines[7];
	T_OK(l->dev_kind == IM_VN_MDEV && l->bar_part == IM_BP_REGION, "names: an mdev UUID");
	T_OK(!t.lines[8].qemu_dev[0] && t.lines[8].bar_part == IM_BP_NONE,
	     "names: a name with a blank is no vfio device");
	T_OK(!t.lines[9].qemu_dev[0] && t.lines[9].bar_part == IM_BP_NONE,
	     "names: a region named on after the BAR is not one");
	T_OK(!t.lines[10].qemu_dev[0], "names: no id starts with a digit");
	l = &t.lines[11];
	T_OK(l->dev_kind == IM_VN_BDF && !strcmp(l->host_bdf, "0000:0b:00.0") &&
	     l->bar_part == IM_BP_MMAP && l->bar == 1, "names: a BDF as before");
	T_OK(t.lines[12].dev_kind == IM_VN_ID, "names: VFIO_FD with no number is an id");
	im_mtree_free(&t);

	T_OK(im_vfio_name_kind("VFIO_FD7", &fd) == IM_VN_FD && fd == 7, "kind: VFIO_FD7 is fd 7");
	T_OK(im_vfio_name_kind("0000:0a:00.0", &fd) == IM_VN_BDF && fd == -1, "kind: BDF");
	T_OK(im_vfio_name_kind("0a:00.0", NULL) == IM_VN_NONE, "kind: QEMU prints a BDF whole");
	{
		struct im_vfio_region vr;

		T_OK(im_vfio_region_name_parse("0000:0A:00.0 BAR 2 mmaps[1]", &vr) && vr.kind == IM_VN_BDF &&
		     !strcmp(vr.dev, "0000:0A:00.0") && !strcmp(vr.host_bdf, "0000:0a:00.0") &&
		     vr.part == IM_BP_MMAP && vr.bar == 2 && vr.mmap_index == 1, "region name: BDF, mmap");
		T_OK(im_vfio_region_name_parse("VFIO_FD7 base BAR 0", &vr) && vr.kind == IM_VN_FD &&
		     vr.part == IM_BP_BASE && vr.bar == 0 && vr.mmap_index == -1 && !vr.host_bdf[0],
		     "region name: fd, base");
		T_OK(!im_vfio_region_name_parse("hostdev0 BAR 0 extra", &vr) && vr.bar == -1 && !vr.dev[0],
		     "region name: a name other than a BDF ends there");
		T_OK(!im_vfio_region_name_parse("a b BAR 0", &vr) && !im_vfio_region_name_parse("x BAR 16", &vr) &&
		     !im_vfio_region_name_parse(NULL, &vr), "region name: not vfio BARs");
	}
	T_OK(im_vfio_name_kind("0000:00:ff.f", NULL) == IM_VN_NONE, "kind: no device 0xff");
	T_OK(im_vfio_name_kind("net-0.a_b", NULL) == IM_VN_ID, "kind: id with -._");
	T_OK(im_vfio_name_kind("", NULL) == IM_VN_NONE && im_vfio_name_kind("a b", NULL) == IM_VN_NONE &&
	     im_vfio_name_kind("a/b", NULL) == IM_VN_NONE, "kind: not names");
}

/* the QEMU 10.0 and 11.1 trees made for the synthetic fixture (tests/data/qemu/README.md) */
static void test_qemu_10_11(void)
{
	struct im_mtree t;
	struct im_err err = { 0 };
	const struct im_mtree_line *l;
	size_t len;
	char *buf = slurp("mtree-10.0-vfio-fd.hmp-info-mtree-f.txt", &len);
	int r = im_mtree_parse(buf, len, "10.0-f", &t, &err);

	T_OK(r == 0 && t.shape == IM_MT_HMP_FLAT && t.any_kvm && !t.unknown, "10.0 -f: parses, all read");
	l = find_name(&t, "VFIO_FD13 BAR 0 mmaps[0]", 20);
	T_OK(l && l->dev_kind == IM_VN_FD && l->bar_part == IM_BP_MMAP && l->kvm && l->as_id == 0 &&
	     l->start == 0xc1200000, "10.0 -f: VFIO_FD13 BAR 0 mmaps[0], KVM, memory");
	im_mtree_free(&t);
	free(buf);

	buf = slurp("mtree-11.1-id.hmp-info-mtree.txt", &len);
	r = im_mtree_parse(buf, len, "11.1", &t, &err);
	T_OK(r == 0 && t.shape == IM_MT_HMP && !t.unknown, "11.1: parses, the prompt is no unknown line");
	l = find_name(&t, "nvme0 base BAR 0", 0);
	T_OK(l && l->dev_kind == IM_VN_ID && l->bar_part == IM_BP_BASE && l->as_id == 0,
	     "11.1: nvme0 base BAR 0");
	l = find_name(&t, "0000:03:00.0 BAR 2 mmaps[0]", 0);
	T_OK(l && l->dev_kind == IM_VN_BDF && l->start == 0x380000000000, "11.1: a BDF beside it");
	l = find_name(&t, "pc.ram", 0);
	T_OK(l && l->as_id < 0, "11.1: pc.ram under memory-region: is no GPA");
	im_mtree_free(&t);
	free(buf);
}

/*
 * A model where fd 12 of QEMU is the cdev of 0000:0a:00.0 (BAR 0 mmapped at
 * 0x7f0000000000, in memslot 3 at GPA 0xfebf0000), fd 14 is /dev/null, and
 * QMP gave 0000:0b:00.0 the id "hostdev1".
 */
static void names_model(struct im_model *m)
{
	struct im_memslot s = { .as_id = 0, .slot = 3, .gpa = 0xfebf0000, .size = 0x1000,
				.hva = 0x7f0000000000 };
	struct im_bar *b;

	im_model_init(m);
	m->ndevices = 2;
	m->devices = calloc(2, sizeof(*m->devices));
	snprintf(m->devices[0].bdf, 16, "0000:0a:00.0");
	snprintf(m->devices[1].bdf, 16, "0000:0b:00.0");
	m->devices[0].vfio_cdev = 0;
	m->devices[1].vfio_cdev = -1;
	m->devices[1].qdev_id = strdup("hostdev1");
	m->devices[1].guest_bdf = strdup("0000:00:05.0");
	b = &m->devices[0].bars[0];
	b->kind = IM_BAR_MEM32;
	b->hpa = 0xe0000000;
	b->size = 0x1000;
	m->nfds = 2;
	m->fds = calloc(2, sizeof(*m->fds));
	m->fds[0] = (struct im_fd){ .fd = 12, .target = strdup("/dev/vfio/devices/vfio0"), .dev = -1 };
	m->fds[1] = (struct im_fd){ .fd = 14, .target = strdup("/dev/null"), .dev = -1 };
	m->nmaps = 1;
	m->maps = calloc(1, sizeof(*m->maps));
	m->maps[0] = (struct im_map){ .start = 0x7f0000000000, .end = 0x7f0000001000,
		.perms = "rw-s", .path = strdup("/dev/vfio/devices/vfio0"), .line = 9, .vfio = true,
		.cdev = 0, .dev = 0, .bar = 0 };
	im_add_memslot(m, &s);
	m->memslots_known = true;
	m->memslot_source = "fixture";
}

static char *annotate(struct im_model *m, const char *txt, bool json)
{
	struct im_err err = { 0 };
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);

	im_mtree_annotate_buf(f, m, txt, strlen(txt), "t.txt", json, &err);
	fclose(f);
	return out;
}

static void test_name_ties(void)
{
	struct im_model m;
	char how[400], *out;

	names_model(&m);
	T_OK(im_vfio_name_device(&m, "VFIO_FD12", how, sizeof(how)) == 0 &&
	     !strcmp(how, "fd 12 of the target, /dev/vfio/devices/vfio0"), "tie: VFIO_FD12 by fd 12");
	T_OK(im_vfio_name_device(&m, "VFIO_FD13", how, sizeof(how)) == -1 &&
	     strstr(how, "the target has no fd 13"), "tie: no fd 13, said");
	T_OK(im_vfio_name_device(&m, "VFIO_FD14", how, sizeof(how)) == -1 &&
	     strstr(how, "fd 14 of the target is /dev/null, not a vfio device"), "tie: fd 14 is no vfio device");
	T_OK(im_vfio_name_device(&m, "hostdev1", how, sizeof(how)) == 1 &&
	     strstr(how, "QEMU's monitor"), "tie: an id QMP gave");
	T_OK(im_vfio_name_device(&m, "hostdev0", how, sizeof(how)) == -1 && !how[0],
	     "tie: an id nothing gives");

	out = annotate(&m, "address-space: memory\n"
		       "  00000000febf0000-00000000febf0fff (prio 0, ramd): VFIO_FD12 BAR 0 mmaps[0]\n"
		       "  00000000fd000000-00000000fd000fff (prio 0, i/o): hostdev1 base BAR 2\n"
		       "  00000000fc000000-00000000fc000fff (prio 0, ramd): VFIO_FD14 BAR 0 mmaps[0]\n", false);
	T_OK(strstr(out, "# VFIO_FD12 is QEMU's name for a vfio device given to it as file descriptor 12 (fd passing with iommufd, without id=), not a PCI address; it is host 0000:0a:00.0, by fd 12 of the target, /dev/vfio/devices/vfio0\n") != NULL,
	     "note: VFIO_FD12 tied by its fd");
	T_OK(strstr(out, "# hostdev1 is the id= of a vfio device given to QEMU as a file descriptor (QEMU 10.2 and later name such a device after its id=), not a PCI address; it is host 0000:0b:00.0, by QEMU's monitor, which gives it id hostdev1; the guest sees it as 0000:00:05.0\n") != NULL,
	     "note: hostdev1 tied by QMP, with its guest BDF");
	T_OK(strstr(out, "the host device is known here only by this QEMU name (fd 14 of the target is /dev/null, not a vfio device: is this text from another QEMU process or run?)") != NULL,
	     "note: VFIO_FD14 known only by its name, and why");
	free(out);

	/* an id tied only by the memslot's HVA; its mmap HVA is no guess either */
	out = annotate(&m, "address-space: memory\n"
		       "  00000000febf0000-00000000febf0fff (prio 1, i/o): hostdev0 base BAR 0\n"
		       "    00000000febf0000-00000000febf0fff (prio 0, ramd): hostdev0 BAR 0 mmaps[0]\n", false);
	T_OK(strstr(out, "it is host 0000:0a:00.0, by its HVA: KVM memslot as 0 slot 3 puts GPA 0xfebf0000 (line 2) at HVA 0x7f0000000000, in maps line 9, QEMU's mmap of BAR 0 of that device\n") != NULL,
	     "note: hostdev0 tied by the memslot's HVA");
	free(out);
	out = annotate(&m, "address-space: memory\n"
		       "  00000000febf0000-00000000febf0fff (prio 0, ramd): hostdev0 BAR 0 mmaps[0]\n", true);
	T_OK(strstr(out, "\"qemu_device\": {\n        \"name\": \"hostdev0\",\n        \"kind\": \"id\",\n        \"host_bdf\": \"0000:0a:00.0\",\n        \"tied_by\": \"memslot-hva\"\n      }") != NULL,
	     "json: qemu_device of hostdev0");
	free(out);
	im_model_free(&m);

	/* without a model: known only by the name */
	im_model_init(&m);
	out = annotate(&m, "00000000febf0000-00000000febf0fff VFIO_FD12 BAR 0 mmaps[0] (I/O) (@ 0x1)\n", false);
	T_OK(strstr(out, "the host device is known here only by this QEMU name (give --pid of this QEMU to follow its fd 12)") != NULL,
	     "note: no model, VFIO_FD12 needs --pid");
	free(out);
	im_model_free(&m);
}

/* The seed fixture: maps, the memslot, host BAR 0 of 0000:0a:00.0. */
static void seed_model(struct im_model *m)
{
	struct im_memslot s = { .as_id = 0, .slot = 7, .gpa = 0xfc078000, .size = 0x1000,
				.hva = 0x7f0b5c5f4000, .flags = 0 };
	struct im_bar *b;

	im_model_init(m);
	m->offset_mode = IM_OFF_HPA;
	m->ndevices = 1;
	m->devices = calloc(1, sizeof(*m->devices));
	snprintf(m->devices[0].bdf, sizeof(m->devices[0].bdf), "0000:0a:00.0");
	b = &m->devices[0].bars[0];
	b->kind = IM_BAR_MEM32;
	b->hpa = 0xe2c20000;
	b->size = 0x1000;
	b->nmmaps = 1;
	b->mmaps = calloc(1, sizeof(*b->mmaps));
	b->mmaps[0] = (struct im_bar_mmap){ .hva = 0x7f0b5c5f4000, .size = 0x1000,
		.bar_offset = 0, .maps_offset = 0xe2c20000, .fd = -1, .map = 1,
		.ident = IM_ID_HPA };
	m->nmaps = 2;
	m->maps = calloc(2, sizeof(*m->maps));
	m->maps[0] = (struct im_map){ .start = 0x56540c9e1000, .end = 0x56540e6b0000,
		.perms = "rw-p", .path = strdup("[heap]"), .line = 1, .dev = -1, .bar = -1,
		.cdev = -1 };
	m->maps[1] = (struct im_map){ .start = 0x7f0b5c5f4000, .end = 0x7f0b5c5f5000,
		.offset = 0xe2c20000, .perms = "rw-s", .dev_major = 0, .dev_minor = 0xe,
		.inode = 13653, .path = strdup("anon_inode:[vfio-device]"), .line = 2,
		.vfio = true, .cdev = -1, .dev = 0, .bar = 0, .bar_offset = 0,
		.ident = IM_ID_HPA };
	im_add_memslot(m, &s);
	m->memslots_known = true;
	m->memslot_source = "fixture";
}

/* the build's version in JSON as @VERSION@, as tests/run.sh keeps the goldens */
static void version_placeholder(char **out, size_t *olen)
{
	char *needle = im_asprintf("\"version\": \"%s\"", im_version), *at, *t;

	at = needle ? strstr(*out, needle) : NULL;
	if (at) {
		*at = 0;
		t = im_asprintf("%s\"version\": \"@VERSION@\"%s", *out, at + strlen(needle));
		if (t) {
			free(*out);
			*out = t;
			*olen = strlen(t);
		}
	}
	free(needle);
}


/* main's --mtree FILE: load the tree, then annotate it */
static int annotate_file(FILE *f, struct im_model *m, const char *path, bool json,
			 struct im_err *err)
{
	struct im_mtree t;
	const char *name;
	int r = im_mtree_load(path, &t, &name, err);

	if (r)
		return r;
	r = im_mtree_annotate(f, m, &t, name, json);
	im_mtree_free(&t);
	return r;
}

static void golden(struct im_model *m, const char *in, bool json, const char *want)
{
	struct im_err err = { 0 };
	char *out = NULL, *exp;
	size_t olen = 0, elen;
	FILE *f = open_memstream(&out, &olen);
	char path[512], name[128];
	int r;

	snprintf(path, sizeof(path), "%s/%s", DATADIR, in);
	r = annotate_file(f, m, path, json, &err);
	fclose(f);
	version_placeholder(&out, &olen);
	snprintf(name, sizeof(name), "golden %s %s: runs", in, json ? "json" : "text");
	T_OK(r == 0, name);
	if (getenv("IM_UPDATE"))
		spit(want, out, olen);
	exp = slurp(want, &elen);
	snprintf(name, sizeof(name), "golden %s matches %s", in, want);
	T_OK(exp && elen == olen && !memcmp(exp, out, olen), name);
	if (!exp || elen != olen || memcmp(exp, out, olen))
		fputs(out, stdout);
	free(exp);
	free(out);
}

static void test_seed_golden(void)
{
	struct im_model m;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;
	struct im_err err = { 0 };

	seed_model(&m);
	golden(&m, "seed-mtree.txt", false, "seed-mtree.expected.txt");
	golden(&m, "seed-mtree.txt", true, "seed-mtree.expected.json");
	/* the explanation must be right: the key facts, whatever the wording */
	{
		size_t k, from = m.nfindings, hva = 0;
		bool lines = true;

		f = open_memstream(&out, &olen);
		annotate_file(f, &m, DATADIR "/seed-mtree.txt", false, &err);
		fclose(f);
		for (k = from; k < m.nfindings; k++) {
			const struct im_finding *fi = &m.findings[k];
			const struct im_finding_def *def = im_finding_lookup(fi->code);

			lines &= fi->line > 0 && def && def->section == IM_FS_MTREE &&
				 !strncmp(fi->subject, DATADIR "/seed-mtree.txt:",
					  strlen(DATADIR "/seed-mtree.txt:")) &&
				 strstr(out, fi->message) != NULL;
			hva += !strcmp(fi->code, "hva");
		}
		T_OK(m.nfindings > from && lines,
		     "seed: each note printed is a finding of the model, with its line and section");
		T_OK(hva > 0, "seed: the hva notes among them");
	}
	T_OK(strstr(out, "0x56540d8c7c30) is the address of this MemoryRegion struct on QEMU's heap") != NULL,
	     "seed: pointer is a MemoryRegion on the heap");
	T_OK(strstr(out, "0xfc078000-0xfc078fff") && strstr(out, "decimal size 4096 as hex 0x4096"),
	     "seed: real end 0xfc078fff, 4096 read as hex");
	T_OK(strstr(out, "HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff for GPA 0xfc078000-0xfc078fff") != NULL,
	     "seed: HVA of mmaps[0]");
	T_OK(strstr(out, "HPA 0xe2c20000") != NULL, "seed: HPA");
	T_OK(strstr(out, "0000:0a:00.0 is the HOST BDF") != NULL, "seed: host BDF");
	T_OK(strstr(out, "(I/O) is mtree.py's label for every non-alias region") != NULL,
	     "seed: (I/O) mislabel");
	free(out);
	golden(&m, "seed-mtree-mail.txt", false, "seed-mtree-mail.expected.txt");
	im_model_free(&m);

	/* no model at all: still says what the numbers are */
	im_model_init(&m);
	golden(&m, "seed-mtree.txt", false, "seed-mtree.nomodel.expected.txt");
	im_model_free(&m);
}

/* the shapes of info mtree text: -f without its header, -o, -d, wraps, nv- */
static void test_shapes(void)
{
	static const char headerless[] =
		"  0000000000000000-000000000009ffff (prio 0, ram): pc.ram KVM\n"
		"  00000000000c0000-00000000000c3fff (prio 0, rom): pc.ram @00000000000c0000 KVM\n"
		"  00000000fd000000-00000000fd0fffff (prio 0, ramd): 0000:01:00.0 BAR 0 mmaps[0]\n";
	static const char rootonly[] =
		"Root memory region: system\n"
		"  0000000080000000-0000000080087fff (prio 0, ramd): 0000:01:00.0 BAR 0 mmaps[0]\n";
	static const char owners_d[] =
		"FlatView #0\n"
		" AS \"memory\", root: system\n"
		" Root memory region: system\n"
		"  0000000000000000-000000000009ffff (prio 0, nv-ram): pc.ram owner:{obj path=/objects/ram0} KVM\n"
		"  00000000fd000000-00000000fd0fffff (prio 0, ramd): 0000:01:00.0 BAR 0 mmaps[0] @0000000000001000 owner:{dev id=hostdev0} parent:{dev path=/machine/peripheral/hostdev0} KVM\n"
		"  00000000fe000000-00000000fe000fff (prio 1, i/o): orphaned orphan\n"
		"  Dispatch\n"
		"    Physical sections\n"
		"      #0 @0000000000000000..ffffffffffffffff (noname) [unassigned]\n"
		"    Nodes (9 bits per level, 6 levels) ptr=[3] skip=4\n"
		"      [0]\n"
		"\t  0..511   skip=1  ptr=[1]\n"
		"\n";
	static const char tree[] =
		"address-space: memory\n"
		"  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
		"    00000000fd000000-00000000fd0fffff (prio 0, ramd): 0000:01:00.0 BAR 0 mmaps[0]\n";
	static const char wrapped[] =
		"> FlatView #0\n"
		">  Root memory region: system\n"
		">   00000000000c0000-00000000000c0fff (prio 0, rom): pc.ram\n"
		"> @00000000000c0000 kvm\n"
		">   00000000febc0000-00000000febc0fff (prio 0, ramd): 0000:00:1a.0 BAR 0\n"
		"> mmaps[0] kvm\n"
		">   00000000febc1000-00000000febc102f (prio 0, i/o): msix-table\n"
		"> something else\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	const struct im_mtree_line *l;

	T_OK(!im_mtree_parse(headerless, sizeof(headerless) - 1, "h", &t, &err), "headerless: parses");
	T_OK(t.shape == IM_MT_HMP_FLAT && t.flat_no_header, "headerless: -f without header");
	l = find_name(&t, "pc.ram", 0);
	T_OK(l && l->kvm && l->as_id == 0, "headerless: KVM mark, as_id 0");
	l = &t.lines[1];
	T_OK(l->have_offset && l->offset == 0xc0000 && !strcmp(l->name, "pc.ram"),
	     "headerless: offset read");
	im_mtree_free(&t);

	T_OK(!im_mtree_parse(rootonly, sizeof(rootonly) - 1, "r", &t, &err), "root: parses");
	T_OK(t.shape == IM_MT_HMP_FLAT && t.flat_no_header && t.lines[1].as_id == 0 &&
	     t.lines[1].depth == 1, "root: Root memory region line means -f");
	im_mtree_free(&t);

	T_OK(!im_mtree_parse(owners_d, sizeof(owners_d) - 1, "o", &t, &err), "-o -d: parses");
	T_OK(t.shape == IM_MT_HMP_FLAT && !t.flat_no_header && t.owners && t.dispatch,
	     "-o -d: shape and flags");
	T_OK(t.unknown == 0, "-o -d: dispatch lines are not 'not understood'");
	l = find_name(&t, "pc.ram", 0);
	T_OK(l && l->kvm && !strcmp(l->type, "ram"), "-o: owner stripped, nv- type read as ram");
	l = find_name(&t, "0000:01:00.0 BAR 0 mmaps[0]", 0);
	T_OK(l && l->kvm && l->have_offset && l->offset == 0x1000 && l->bar == 0,
	     "-o: owner and parent stripped before the offset");
	T_OK(find_name(&t, "orphaned", 0) != NULL, "-o: orphan stripped");
	im_mtree_free(&t);

	T_OK(!im_mtree_parse(tree, sizeof(tree) - 1, "t", &t, &err), "tree: parses");
	T_OK(t.shape == IM_MT_HMP && !t.flat_no_header, "tree: stays the tree");
	im_mtree_free(&t);

	T_OK(!im_mtree_parse(wrapped, sizeof(wrapped) - 1, "w", &t, &err), "wrapped: parses");
	T_EQ_U64(t.joined, 2, "wrapped: two continuations joined");
	l = find_name(&t, "pc.ram", 0);
	T_OK(l && l->have_offset && l->offset == 0xc0000 && l->kvm, "wrapped: @offset kvm joined");
	l = find_name(&t, "0000:00:1a.0 BAR 0 mmaps[0]", 0);
	T_OK(l && l->kvm && l->bar == 0 && l->mmap_index == 0, "wrapped: mmaps[0] joined");
	T_EQ_U64(t.unknown, 1, "wrapped: other text is not joined");
	im_mtree_free(&t);
}

/* /proc maps text given to --mtree: refused, never read as GPA ranges (issue 13) */
static void test_maps_lines(void)
{
	static const char maps[] =
		"cat /proc/65467/maps | grep vfio\n"
		"7f2ad4108000-7f2ad410c000 rw-s 00000000 00:0f 3091                       anon_inode:[vfio-device]\n"
		"7f2ad4110000-7f2ad4114000 rw-s 40000000000 00:0f 3091                    anon_inode:[vfio-device]\n";
	static const char pmap[] =
		"1234:   /usr/bin/qemu-system-x86_64\n"
		"         Address Perm   Offset Device  Inode  Size  Rss Pss Referenced Anonymous Mapping\n"
		"    7f2ad4108000 rw-s 00000000  00:0f   3091    16    0   0          0         0 anon_inode:[vfio-device]\n";
	static const char mixed[] =
		"7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653\n"
		"  anon_inode:[vfio-device]\n"
		"(gdb) qemu mtree\n"
		"    00000000fc078000-00000000fc078fff 0000:0a:00.0 BAR 0 mmaps[0]\n"
		"(I/O) (@ 0x56540d8c7c30)\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	int r = im_mtree_parse(maps, sizeof(maps) - 1, "m.txt", &t, &err);

	T_OK(r == -EINVAL && strstr(err.msg, "this is /proc/PID/maps text or pmap -X (2 mappings") &&
	     strstr(err.msg, "first: m.txt:2") && strstr(err.msg, "give it to --maps"),
	     "maps: --mtree refuses it, names its first line and asks for --maps");
	r = im_mtree_parse(pmap, sizeof(pmap) - 1, "p.txt", &t, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "pmap -X (1 mapping, first: p.txt:3)") &&
	     strstr(err.msg, "give it to --maps"),
	     "pmap -X: --mtree refuses it too (--maps's reader finds its mappings)");
	r = im_mtree_parse(mixed, sizeof(mixed) - 1, "x.txt", &t, &err);
	T_OK(r == 0, "maps and gdb mtree: parses");
	if (r)
		return;
	T_OK(t.lines[0].kind == IM_MTL_MAPS && !t.lines[0].name,
	     "maps and gdb mtree: the maps line is no range: the maps reader's");
	T_OK(!strcmp(t.lines[0].text, "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]"),
	     "maps and gdb mtree: its wrapped path is joined as --maps joins it");
	T_EQ_U64(t.maps_lines, 1, "maps and gdb mtree: one maps line counted");
	T_EQ_U64(t.first_maps, 1, "maps and gdb mtree: named by its line");
	T_EQ_U64(t.unknown, 0, "maps and gdb mtree: the maps line is not 'not understood'");
	T_OK(t.nlines >= 3 && t.lines[2].kind == IM_MTL_RANGE && t.lines[2].bar_part == IM_BP_MMAP,
	     "maps and gdb mtree: the gdb line is read");
	im_mtree_free(&t);
}

/* the HMP type beats the name: a ramd region whose " mmaps[0]" a wrap cut is no slow path */
static void test_type_beats_name(void)
{
	static const char txt[] =
		"FlatView #0\n"
		" AS \"memory\", root: system\n"
		" Root memory region: system\n"
		"  00000000febc0000-00000000febc0fff (prio 0, ramd): 0000:00:1a.0 BAR 0\n"
		"  00000000febc1000-00000000febc1fff (prio 0, i/o): 0000:00:1a.0 BAR 0 mmaps[1]\n"
		"  00000000febc2000-00000000febc2fff (prio 0, i/o): 0000:00:1a.0 BAR 0\n"
		"  00000000febc3000-00000000febc3fff (prio 0, ramd): 0000:00:1a.0 BAR 0 mmaps[2]\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	struct im_model m;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;
	int r = im_mtree_parse(txt, sizeof(txt) - 1, "tn.txt", &t, &err);

	T_OK(r == 0, "type beats name: parses");
	if (r)
		return;
	T_OK(t.lines[3].bar_part == IM_BP_MMAP && t.lines[3].type_wins && t.lines[3].mmap_index < 0,
	     "type beats name: a ramd \"BAR 0\" is the mmap, its index unknown");
	T_OK(t.lines[4].bar_part == IM_BP_REGION && t.lines[4].type_wins && t.lines[4].mmap_index < 0,
	     "type beats name: an i/o \"mmaps[1]\" is the slow path");
	T_OK(t.lines[5].bar_part == IM_BP_REGION && !t.lines[5].type_wins,
	     "type beats name: an i/o \"BAR 0\" agrees");
	T_OK(t.lines[6].bar_part == IM_BP_MMAP && !t.lines[6].type_wins && t.lines[6].mmap_index == 2,
	     "type beats name: a ramd \"mmaps[2]\" agrees");
	im_mtree_free(&t);

	im_model_init(&m);
	f = open_memstream(&out, &olen);
	r = im_mtree_annotate_buf(f, &m, txt, sizeof(txt) - 1, "tn.txt", false, &err);
	fclose(f);
	T_OK(r == 0 && strstr(out, "BAR 0\n    # 0000:00:1a.0 is the HOST BDF") &&
	     strstr(out, "# RAM-backed region (type ramd), so QEMU's mmap of BAR 0") &&
	     strstr(out, "likely cut by a wrap), so which mmap of the BAR this is is unknown"),
	     "type beats name: the cut ramd line is the mmap, said so");
	T_OK(r == 0 && strstr(out, "# the slow path of BAR 0, by its type (i/o), which beats its name"),
	     "type beats name: the i/o mmaps[1] line traps");
	T_OK(r == 0 && !strstr(out, "BAR 0\n    # 0000:00:1a.0 is the HOST BDF (QEMU names vfio regions after the host device), not the guest's BDF\n    # the slow path"),
	     "type beats name: the ramd line is never called the slow path");
	free(out);
	im_model_free(&m);
}

/* -f's KVM mark is judged per FlatView, and a "no" says why only as far as the text shows */
static void test_kvm_per_view(void)
{
	static const char txt[] =
		"FlatView #0\n"
		" AS \"memory\", root: system\n"
		" Root memory region: system\n"
		"  0000000000000000-00000000000bffff (prio 0, ram): pc.ram KVM\n"
		"  00000000feb40000-00000000feb4004f (prio 0, i/o): msix-table\n"
		"  00000000feb40050-00000000feb43fff (prio 0, ramd): 0000:00:03.0 BAR 3 mmaps[0] @0000000000000050\n"
		"  00000000feb44fff-00000000feb44fff (prio 0, i/o): odd\n"
		"  00000000feb45000-00000000feb45fff (prio 0, ramd): 0000:00:03.0 BAR 4 mmaps[0]\n"
		"  0000000100000000-000000013fffffff (prio 0, ram): pc.ram @00000000c0000000\n"
		"FlatView #1\n"
		" AS \"KVM-SMRAM\", root: mem-container-smram\n"
		" Root memory region: mem-container-smram\n"
		"  0000000000100000-00000000bfffffff (prio 0, ram): pc.ram @0000000000100000\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	char why[320];
	int r = im_mtree_parse(txt, sizeof(txt) - 1, "kv.txt", &t, &err);

	T_OK(r == 0, "kvm per view: parses");
	if (r)
		return;
	T_OK(t.lines[3].view == 1 && t.lines[3].view_kvm && t.lines[8].view_kvm,
	     "kvm per view: FlatView #0 is marked");
	T_OK(t.lines[12].view == 2 && !t.lines[12].view_kvm,
	     "kvm per view: the KVM-SMRAM FlatView, with no mark, is not");
	im_mtree_no_slot_why(&t, &t.lines[5], why, sizeof(why));
	T_OK(!strcmp(why, "it does not start and end on 4 KiB page boundaries, and shares a 4 KiB page with msix-table (line 5, i/o)"),
	     "kvm per view: not aligned, and a page shared with the MSI-X table");
	im_mtree_no_slot_why(&t, &t.lines[7], why, sizeof(why));
	T_OK(strstr(why, "4 KiB-aligned and shares no page"),
	     "kvm per view: an aligned range shares no page: an i/o range in the page before is not in it");
	im_mtree_no_slot_why(&t, &t.lines[8], why, sizeof(why));
	T_OK(strstr(why, "4 KiB-aligned and shares no page") && strstr(why, "the text does not say why"),
	     "kvm per view: aligned and alone: no reason made up");
	im_mtree_free(&t);
}

/* txt annotated on m, as given to --mtree and (maps_read) --maps too */
static char *annotate_mail(struct im_model *m, const char *txt, bool maps_read, bool json)
{
	struct im_mtree t;
	struct im_err err = { 0 };
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	if (im_mtree_parse(txt, strlen(txt), "mail.txt", &t, &err))
		return strdup("");
	t.maps_read = maps_read;
	f = open_memstream(&out, &olen);
	im_mtree_annotate(f, m, &t, "mail.txt", json);
	fclose(f);
	im_mtree_free(&t);
	return out;
}

/* paste mode: a pointer in none of the pasted mappings (an excerpt, as a rule) is not
 * said to be in no mapping of a target */
static void test_pointer_pasted_maps(void)
{
	static const char txt[] =
		"00000000fc078000-00000000fc078fff 0000:0a:00.0 BAR 0 mmaps[0] (I/O) (@ 0x66540d8c7c30)\n";
	struct im_model m;
	char *out;

	seed_model(&m);
	m.paste = true;
	m.pid = -1;
	out = annotate_mail(&m, txt, false, false);
	T_OK(strstr(out, "; it is in none of the pasted mappings, but a paste is not the whole maps: which mapping of the process holds it is unknown") &&
	     !strstr(out, "no mapping of this target"),
	     "pasted maps: a pointer outside them is not 'in no mapping of the target'");
	free(out);
	im_model_free(&m);
}

/* explain, and a FlatView-less text, say the KVM mark's three states */
static char *explain_at(const struct im_mtree *t, uint64_t addr)
{
	struct im_model m;
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);

	im_model_init(&m);
	m.paste = true;
	m.pid = -1;
	im_explain_mtree(f, &m, t, "ex.txt", addr, false);
	fclose(f);
	im_model_free(&m);
	return out;
}

static void test_kvm_explain(void)
{
	static const char txt[] =
		"FlatView #0\n"
		" AS \"memory\", root: system\n"
		" Root memory region: system\n"
		"  0000000000000000-00000000000bffff (prio 0, ram): pc.ram\n"
		"  00000000fec00000-00000000fec00fff (prio 0, i/o): kvm-ioapic\n"
		"FlatView #1\n"
		" AS \"KVM-SMRAM\", root: mem-container-smram\n"
		" Root memory region: mem-container-smram\n"
		"  0000000000000000-00000000000bffff (prio 0, ram): pc.ram KVM\n";
	static const char nomarks[] =
		"  0000000000000000-00000000000bffff (prio 0, ram): pc.ram @0000000000000000\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	struct im_model m;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	T_OK(!im_mtree_parse(txt, sizeof(txt) - 1, "ex.txt", &t, &err), "kvm explain: parses");
	out = explain_at(&t, 0x1000);
	T_OK(out && strstr(out, "; whether KVM maps it is unknown: no range of its FlatView carries QEMU's KVM mark") &&
	     !strstr(out, "does not map"), "kvm explain: a range of a markless FlatView: unknown");
	free(out);
	out = explain_at(&t, 0xfec00010);
	T_OK(out && strstr(out, "; an i/o region, so each access traps to QEMU"),
	     "kvm explain: an i/o region traps by its type");
	free(out);
	im_mtree_free(&t);

	im_model_init(&m);
	out = NULL;
	f = open_memstream(&out, &olen);
	T_OK(!im_mtree_annotate_buf(f, &m, nomarks, sizeof(nomarks) - 1, "nm.txt", false, &err),
	     "kvm, no mark in the text: annotates");
	fclose(f);
	T_OK(out && strstr(out, "# whether a KVM memslot maps this range is unknown: no range of its FlatView (memory) carries QEMU's KVM mark in this text"),
	     "kvm, no mark in the text: unknown, never no");
	free(out);
	im_model_free(&m);
}

/* a BAR mmap's HVA with memslots unread: not "no memslot covers this GPA" */
static void test_hva_mmap_slots_unknown(void)
{
	static const char txt[] =
		"00000000fc078000-00000000fc078fff 0000:0a:00.0 BAR 0 mmaps[0] (I/O) (@ 0x56540d8c7c30)\n";
	struct im_model m;
	char *out;

	seed_model(&m);
	m.nmemslots = 0;
	m.memslots_known = false;
	out = annotate_mail(&m, txt, false, false);
	T_OK(strstr(out, "# HVA 0x7f0b5c5f4000 (from the BAR's mmap in /proc/PID/maps; memslots not read: whether one covers this GPA is unknown)") &&
	     !strstr(out, "no memslot"), "hva by mmap, memslots unread: unknown, not 'no memslot'");
	free(out);
	im_model_free(&m);
}

/* the seed mail's shape: a maps line (its path wrapped) and gdb lines between rules */
static const char seed_mail[] =
	"#####\n"
	"7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653\n"
	"  anon_inode:[vfio-device]\n"
	"#####\n"
	"(gdb) qemu mtree\n"
	"    00000000fc078000-00000000fc07c095 0000:0a:00.0 base BAR 0 (I/O) (@\n"
	"0x56540d8c8da0)\n"
	"      00000000fc078000-00000000fc07c095 0000:0a:00.0 BAR 0 (I/O) (@\n"
	"0x56540d8c76b0)\n"
	"        00000000fc078000-00000000fc07c095 0000:0a:00.0 BAR 0 mmaps[0]\n"
	"(I/O) (@ 0x56540d8c7c30)\n"
	"#\n";

/* a maps line beside the tree: the maps reader's, never a range, never joined to a rule */
static void test_maps_lines_mail(void)
{
	static const char maps_only[] = "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653\n"
					"############\n";
	static const char ruled[] = "    00000000fc078000-00000000fc078fff x (I/O) (@\n"
				    "==========\n";
	struct im_mtree t;
	struct im_err err = { 0 };
	int r = im_mtree_parse(seed_mail, sizeof(seed_mail) - 1, "mail.txt", &t, &err);

	T_OK(r == 0, "maps line: the mail parses");
	T_OK(t.nlines >= 6 && t.lines[1].kind == IM_MTL_MAPS && t.lines[1].line == 2 &&
	     !strcmp(t.lines[1].text, "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]"),
	     "maps line: kind maps, its wrapped path joined, the rule after it not");
	T_OK(t.lines[1].start == 0x7f0b5c5f4000 && t.lines[1].end == 0x7f0b5c5f5000,
	     "maps line: start and end as maps prints them");
	T_OK(t.lines[2].kind == IM_MTL_TEXT && t.lines[2].line == 4, "maps line: the rule is a line of its own");
	T_EQ_U64(t.maps_lines, 1, "maps line: counted as the maps reader's");
	T_EQ_U64(t.unknown, 0, "maps line: not counted as not understood, nor are the three rules (no data)");
	T_EQ_U64(t.joined, 4, "maps line: its path and three gdb wraps joined");
	T_OK(t.lines[t.nlines - 1].kind == IM_MTL_TEXT && !strcmp(t.lines[t.nlines - 1].text, "#") &&
	     t.lines[t.nlines - 2].kind == IM_MTL_RANGE && !strchr(t.lines[t.nlines - 2].text, '#'),
	     "rule: a lone '#' is not joined to a gdb line");
	im_mtree_free(&t);

	r = im_mtree_parse(maps_only, sizeof(maps_only) - 1, "m.txt", &t, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "this is /proc/PID/maps text or pmap -X (1 mapping, first: m.txt:1)") &&
	     strstr(err.msg, "give it to --maps"),
	     "maps line: a text of maps lines only is no tree, and the error names --maps");
	r = im_mtree_parse(ruled, sizeof(ruled) - 1, "r.txt", &t, &err);
	T_OK(r == 0 && t.lines[0].kind == IM_MTL_RANGE && !strchr(t.lines[0].text, '=') &&
	     t.joined == 0, "rule: '=====' is no continuation of a gdb line");
	if (!r)
		im_mtree_free(&t);
}

/* a paste-mode model whose maps are the maps paste of txt */
static void pasted_model(struct im_model *m, const char *txt)
{
	struct im_maps_paste mp;
	struct im_err err = { 0 };

	im_model_init(m);
	m->paste = true;
	if (im_maps_paste_parse(txt, strlen(txt), "mail.txt", &mp, &err)) {
		printf("FAIL maps paste: %s\n", err.msg);
		return;
	}
	m->maps = mp.maps;
	m->nmaps = mp.nmaps;
	im_add_source(m, "maps-paste", IM_SRC_OK, "mail.txt: %zu mappings", mp.nmaps);
}

/* explain addr with the tree of txt on m */
static char *explain_mail(const struct im_model *m, const char *txt, uint64_t addr)
{
	struct im_mtree t;
	struct im_err err = { 0 };
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	if (im_mtree_parse(txt, strlen(txt), "mail.txt", &t, &err))
		return strdup("");
	f = open_memstream(&out, &olen);
	im_explain_mtree(f, m, &t, "mail.txt", addr, false);
	fclose(f);
	im_mtree_free(&t);
	return out;
}

/* paste mode: the maps line read by --maps, the pointers' and the mmap's HVA notes */
static void test_maps_pasted(void)
{
	struct im_model m;
	char *out;

	pasted_model(&m, seed_mail);
	out = annotate_mail(&m, seed_mail, true, false);
	T_OK(strstr(out, "  # a /proc/PID/maps line, read by --maps, not by the memory-tree reader: HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff (4K, rw-s), an mmap of a vfio device fd (anon_inode:[vfio-device])") != NULL,
	     "pasted: the maps line is read by --maps");
	T_OK(strstr(out, "(@ 0x56540d8c7c30) is the address of this MemoryRegion struct in QEMU, not an HVA of the memory it describes; it is in none of the pasted mappings, but a paste is not the whole maps: which mapping of the process holds it is unknown") &&
	     !strstr(out, "no mapping of this target"), "pasted: a pointer in no pasted mapping is unknown, not no");
	T_OK(strstr(out, "# HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff if the pasted maps line 2 is this mmap: it is the one pasted vfio device mapping of this region's size (4K); before Linux 6.10 its offset 0xe2c20000 is the HPA the mmap starts at, so 0000:0a:00.0 BAR 0 would be at HPA 0xe2c20000; on 6.10 and later it would be region 0 at offset 0xe2c20000, not this mmap's (BAR 0 at offset 0x0), so it is this mmap only on a kernel before 6.10. Unknown from the pastes: the host's kernel and BAR address") != NULL,
	     "pasted: the mmap's HVA named as a candidate, with what is unknown");
	T_OK(strstr(out, "\n# 1 /proc/PID/maps line (first: mail.txt:2), read by --maps\n") &&
	     strstr(out, "\npasted vfio mappings:\n  HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff (0x1000 bytes, line 2) anon_inode:[vfio-device], maps offset 0xe2c20000\n"),
	     "pasted: the pasted vfio mappings follow the tree");
	free(out);
	out = annotate_mail(&m, seed_mail, true, true);
	T_OK(strstr(out, "\"kind\": \"maps\"") && strstr(out, "\"code\": \"maps-line\"") &&
	     strstr(out, "\"pasted_mappings\": [") && strstr(out, "\"hpa_if_before_6_10\": \"0xe2c20000\""),
	     "pasted: JSON: kind maps, its note, pasted_mappings");
	free(out);
	out = annotate_mail(&m, seed_mail, false, false);
	T_OK(strstr(out, "# a /proc/PID/maps line: the memory-tree reader skips it; give the same file to --maps too") &&
	     strstr(out, "\n# 1 /proc/PID/maps line (first: mail.txt:2), not read here: --maps FILE reads it\n"),
	     "pasted: a maps line of another file than --maps's is said to be skipped");
	free(out);
	out = explain_mail(&m, seed_mail, 0xfc078010);
	T_OK(strstr(out, "if the pasted maps line 2 (HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff, the one pasted vfio mapping of this region's size) is this mmap, it is HVA 0x7f0b5c5f4010: whether it is, the pastes do not say") != NULL,
	     "explain: a GPA in the mmap: the HVA it would be, as a candidate");
	free(out);
	out = explain_mail(&m, seed_mail, 0x7f0b5c5f4010);
	T_OK(strstr(out, "in the memory tree: the pasted maps line 2 holding it may be the mmap of \"0000:0a:00.0 BAR 0 mmaps[0]\"") &&
	     strstr(out, "if it is, this HVA is GPA 0xfc078010. Whether it is, the pastes do not say"),
	     "explain: an HVA in the pasted mapping: the GPA it would be, as a candidate");
	free(out);
	im_model_free(&m);
}

/* paste mode with a pasted memslot: the HVA is known, and the pasted maps line that holds it said */
static void test_maps_slot(void)
{
	struct im_memslot s = { .as_id = 0, .slot = 5, .gpa = 0xfc078000, .size = 0x1000,
				.hva = 0x7f0b5c5f4000 };
	struct im_model m;
	char *out;

	pasted_model(&m, seed_mail);
	im_add_memslot(&m, &s);
	m.memslots_known = true;
	m.memslot_source = "trace";
	out = annotate_mail(&m, seed_mail, true, false);
	T_OK(strstr(out, "          # HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff for GPA 0xfc078000-0xfc078fff (KVM memslot as 0 slot 5: GPA 0xfc078000 -> HVA 0x7f0b5c5f4000); maps line 2 anon_inode:[vfio-device]\n") &&
	     !strstr(out, "if the pasted maps line"),
	     "pasted memslot: the mmap's HVA known, in the pasted maps line 2; no candidate");
	free(out);
	m.memslots[0].hva = 0x7f0b5c600000;
	out = annotate_mail(&m, seed_mail, true, false);
	T_OK(strstr(out, "-> HVA 0x7f0b5c600000); in none of the pasted mappings (a paste is not the whole maps: which mapping holds it is unknown)\n") != NULL,
	     "pasted memslot: an HVA in no pasted mapping is unknown there, not absent");
	free(out);
	im_model_free(&m);
}

/* paste mode: several, none, and a 6.10+ offset that fits the mmap's place */
static void test_maps_candidates(void)
{
	static const char tree[] =
		"    00000000fc078000-00000000fc07bfff 0000:0a:00.0 BAR 0 (I/O) (@ 0x56540d8c76b0)\n"
		"      00000000fc079000-00000000fc07afff 0000:0a:00.0 BAR 0 mmaps[0] (I/O) (@ 0x56540d8c7c30)\n";
	struct im_model m;
	char *out;

	pasted_model(&m, "7f0000000000-7f0000002000 rw-s e2c21000 00:0e 1 anon_inode:[vfio-device]\n"
		     "7f0000010000-7f0000012000 rw-s f0001000 00:0e 1 anon_inode:[vfio-device]\n"
		     "7f0000020000-7f0000022000 rw-s f0000000 00:0e 1 anon_inode:[vfio-device]\n");
	out = annotate_mail(&m, tree, false, false);
	T_OK(strstr(out, "HVA unknown: 2 pasted vfio device mappings are of this region's size (8K), maps lines 1, 2; which one is this mmap is unknown (a memslot for GPA 0xfc079000 would tell") != NULL,
	     "candidates: two of the size: unknown, both named; a third whose BAR would not be aligned is not");
	free(out);
	im_model_free(&m);

	pasted_model(&m, "7f0000000000-7f0000001000 rw-s e2c21000 00:0e 1 anon_inode:[vfio-device]\n");
	out = annotate_mail(&m, tree, false, false);
	T_OK(strstr(out, "HVA unknown: none of the pasted vfio device mappings is of this region's size (8K)") &&
	     strstr(out, "a paste is not the whole maps"), "candidates: none of the size: unknown, not no");
	free(out);
	im_model_free(&m);

	pasted_model(&m, "7f0000000000-7f0000002000 rw-s 00001000 00:0e 1 anon_inode:[vfio-device]\n");
	out = annotate_mail(&m, tree, false, false);
	T_OK(strstr(out, "on 6.10 and later it is region 0 at offset 0x1000, this mmap's own place in BAR 0") &&
	     strstr(out, "before Linux 6.10 it would put 0000:0a:00.0 BAR 0 at HPA 0x0, where no BAR of 16K can start") &&
	     strstr(out, "Unknown from the pastes: whether another device's BAR is mmapped alike"),
	     "candidates: a 6.10+ offset that is the mmap's place in its BAR, and no HPA");
	free(out);
	im_model_free(&m);

	pasted_model(&m, "7f0000000000-7f0000002000 rw-s f0000000 00:0e 1 anon_inode:[vfio-device]\n");
	out = annotate_mail(&m, tree, false, false);
	T_OK(strstr(out, "HVA unknown: none of the pasted vfio device mappings") != NULL,
	     "candidates: offset 0xf0000000 would put the 16K BAR at HPA 0xeffff000, not aligned: none");
	free(out);
	im_model_free(&m);

	pasted_model(&m, "7f0000000000-7f0000002000 rw-s 00000000 00:0e 1 anon_inode:[vfio-device]\n");
	out = annotate_mail(&m, tree, false, false);
	T_OK(strstr(out, "none of the pasted vfio device mappings is of this region's size (8K) with an offset that fits it") != NULL,
	     "candidates: offset 0 fits neither reading of an mmap at BAR offset 0x1000");
	free(out);
	im_model_free(&m);
}


int main(void)
{
	test_hva_mmap_slots_unknown();
	test_kvm_explain();
	test_pointer_pasted_maps();
	test_kvm_per_view();
	test_type_beats_name();
	test_maps_lines();
	test_seed_parse();
	test_shapes();
	test_hmp();
	test_gdb_more();
	test_not_understood();
	test_maps_lines_mail();
	test_maps_pasted();
	test_maps_candidates();
	test_maps_slot();
	test_names();
	test_name_ties();
	test_qemu_10_11();
	test_seed_golden();
	T_DONE();
}
