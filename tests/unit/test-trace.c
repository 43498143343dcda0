// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-trace.c - the QEMU trace log parser on real logs (lab 6.1 run, QEMU
 * 7.2 "Slot#" format), on the >= 9.0 "AddrSpace#" format, and on QEMU 10.0's
 * and 11.1's line prefixes.
 * Links: src/sources/trace.c src/lib/util.c src/model.c
 */
#include <errno.h>
#include <stdlib.h>
#include "t.h"
#include "iommu-map.h"
#include "sources/trace.h"

#ifndef DATADIR
#define DATADIR "tests/data/qemu"
#endif

static char *slurp(const char *name, size_t *len)
{
	return t_slurp(DATADIR, name, len, false);
}

static const struct im_trace_slot *find_slot(const struct im_trace *t, int as, int id)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].as_id == as && t->slots[i].slot == id)
			return &t->slots[i];
	return NULL;
}

/*
 * A failed vfio_dma_map line is read from [s, e) only: fuzz-trace found
 * sscanf reading past e (the line is no C string).  Here the text goes on
 * past e with more digits, which must not count.
 */
static void test_dma_error_bounded(void)
{
	static const char txt[] = "vfio_dma_map(0x5561, 0xfe000000, 0x1000, 0x7f0000000000) = -2234";
	const char *e = txt + sizeof(txt) - 1 - 2;	/* "... = -22" */
	struct im_trace_fail f;

	T_OK(im_tfail_parse(txt, e, &f) == 1 && f.err == 22 && f.addr == 0xfe000000 &&
	     f.size == 0x1000 && f.hva == 0x7f0000000000, "dma error: -22, the digits past the line not read");
	T_OK(im_tfail_parse(txt, txt + sizeof(txt) - 1, &f) == 1 && f.err == 2234,
	     "dma error: the whole line, -2234");
	T_OK(im_tfail_parse(txt, e - 3, &f) == -EINVAL, "dma error: '= ' and no number");
}

static void test_lab_kvm(void)
{
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_trace_slot *s;
	size_t len;
	char *buf = slurp("lab-6.1-kvm-trace.log", &len);
	int r = im_trace_parse(buf, len, "lab-6.1-kvm-trace.log", &t, &err);

	T_OK(r == 0, "kvm: parses");
	T_OK(t.fmt == IM_TRACE_FMT_SLOT, "kvm: <= 8.2 format");
	T_EQ_U64(t.nlines, 117, "kvm: lines");
	T_EQ_U64(t.nevents, 117, "kvm: events");
	T_EQ_U64(t.slot_events, 70, "kvm: slot events");
	/* 12 slots in each of AS 0 (memory) and AS 1 (SMM), as info mtree -f */
	T_EQ_U64(t.nslots, 24, "kvm: final slots");
	T_OK(t.slots[0].as_id == 0 && t.slots[0].gpa == 0, "kvm: sorted as_id, gpa");
	s = find_slot(&t, 0, 2);	/* re-added for 0000:00:03.0 BAR 0 */
	T_OK(s != NULL, "kvm: AS0 slot 2 present");
	if (s) {
		T_EQ_U64(s->gpa, 0xfeb00000, "kvm: slot 2 gpa (re-add replaced 0xd0000)");
		T_EQ_U64(s->size, 0x20000, "kvm: slot 2 size");
		T_EQ_U64(s->hva, 0x7fb29d882000, "kvm: slot 2 hva");
	}
	s = find_slot(&t, 1, 1);	/* Slot#65537: as_id 1, slot 1 */
	T_OK(s != NULL && s->gpa == 0xfeb00000 && s->hva == 0x7fb29d882000,
	     "kvm: Slot#65537 is AS1 slot 1");
	s = find_slot(&t, 0, 0);
	T_OK(s && s->size == 0xc3000, "kvm: slot 0 final size 0xc3000");
	s = find_slot(&t, 0, 1);
	T_OK(s && s->flags == 0x2 && s->gpa == 0xfffc0000, "kvm: slot 1 pc.bios readonly");
	s = find_slot(&t, 0, 4);
	T_OK(s && s->gpa == 0xfeb41000 && s->size == 0x3000 && s->hva == 0x7fb2a1218000,
	     "kvm: slot 4 = BAR 3 past the MSI-X page");
	T_EQ_U64(t.nregions, 18, "kvm: regions");
	T_EQ_STR(t.regions[1].dev, "0000:00:03.0", "kvm: region dev");
	T_EQ_STR(t.regions[1].name, "0000:00:03.0 BAR 1", "kvm: region name");
	T_EQ_U64(t.regions[1].offset, 0x10000000000ULL, "kvm: region offset");
	T_EQ_U64(t.regions[3].flags, 0xf, "kvm: region flags");
	T_EQ_U64(t.regions[3].size, 0x4000, "kvm: region size");
	T_EQ_U64(t.nmmaps, 6, "kvm: mmaps");
	T_EQ_STR(t.mmaps[2].name, "0000:00:03.0 BAR 3 mmaps[0]", "kvm: mmap name");
	T_OK(t.mmaps[2].bar == 3 && t.mmaps[2].index == 0 &&
	     !strcmp(t.mmaps[2].dev, "0000:00:03.0"), "kvm: mmap name split");
	T_EQ_U64(t.mmaps[2].end, 0x3fff, "kvm: mmap end");
	/* DMA: the last adds win over the early boot layout */
	T_OK(t.ndma > 0 && t.dma[0].iova == 0 && t.dma[0].end == 0xc2fff,
	     "kvm: dma final pc.ram low part");
	{
		size_t i;
		bool bar0 = false;

		for (i = 0; i < t.ndma; i++)
			if (t.dma[i].iova == 0xfeb00000 && t.dma[i].end == 0xfeb1ffff &&
			    t.dma[i].hva == 0x7fb29d882000)
				bar0 = true;
		T_OK(bar0, "kvm: dma range of 0000:00:03.0 BAR 0");
	}
	im_trace_free(&t);
	free(buf);
}

static void test_lab_tcg(void)
{
	struct im_trace t;
	struct im_err err = { 0 };
	size_t len;
	char *buf = slurp("lab-6.1-tcg-trace.log", &len);
	int r = im_trace_parse(buf, len, "tcg", &t, &err);

	T_OK(r == 0, "tcg: parses");
	T_OK(t.fmt == IM_TRACE_FMT_NONE && t.nslots == 0, "tcg: no memslots");
	T_EQ_U64(t.nregions, 18, "tcg: regions");
	T_OK(t.ndma >= 5, "tcg: dma ranges");
	im_trace_free(&t);
	free(buf);
}

static void test_90(void)
{
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_trace_slot *s;
	size_t len;
	char *buf = slurp("trace-9.0-as.log", &len);
	int r = im_trace_parse(buf, len, "trace-9.0-as.log", &t, &err);

	T_OK(r == 0, "9.0: parses");
	T_OK(t.fmt == IM_TRACE_FMT_AS, "9.0: AddrSpace# format");
	T_EQ_U64(t.nslots, 3, "9.0: final slots (delete, failed add)");
	s = find_slot(&t, 0, 4);
	T_OK(s && s->gpa == 0xe0000 && s->size == 0x20000 && s->hva == 0x7f5840de0000 &&
	     s->flags == 2, "9.0: FACTS 4.3 line");
	T_OK(s && s->line == 8, "9.0: line without prefix replaced");
	T_OK(find_slot(&t, 1, 4) != NULL, "9.0: AddrSpace#1");
	T_OK(find_slot(&t, 0, 5) == NULL, "9.0: size 0 deleted");
	T_OK(find_slot(&t, 0, 6) == NULL, "9.0: ret=-22 ignored");
	T_EQ_U64(t.failed_slot_events, 1, "9.0: failed events counted");
	im_trace_free(&t);
	free(buf);
}

/* deletes in any order, a slot id reused, both address spaces: one entry per live slot */
static void test_slot_table(void)
{
	static const char log[] =
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x7f0000000000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0x1000 size=0x1000 ua=0x7f0000001000 ret=0\n"
		"kvm_set_user_memory AddrSpace#1 Slot#1 flags=0x0 gpa=0x1000 size=0x1000 ua=0x7f0000001000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#65535 flags=0x0 gpa=0x2000 size=0x1000 ua=0x7f0000002000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x0 ua=0x7f0000000000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x0 ua=0x7f0000000000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0x5000 size=0x2000 ua=0x7f0000005000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#65535 flags=0x0 gpa=0x2000 size=0x0 ua=0x7f0000002000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x9000 size=0x1000 ua=0x7f0000009000 ret=0\n";
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_trace_slot *s;
	int r = im_trace_parse(log, sizeof(log) - 1, "slots.log", &t, &err);

	T_OK(r == 0, "slot table: parses");
	T_EQ_U64(t.nslots, 3, "slot table: 3 live slots after 3 deletes (one of a slot already gone)");
	s = find_slot(&t, 0, 0);
	T_OK(s && s->gpa == 0x9000 && s->line == 9, "slot table: slot 0 deleted, then added again");
	s = find_slot(&t, 0, 1);
	T_OK(s && s->gpa == 0x5000 && s->size == 0x2000, "slot table: slot 1 replaced in place");
	T_OK(find_slot(&t, 1, 1) != NULL, "slot table: the same id in as_id 1 is its own slot");
	T_OK(find_slot(&t, 0, 65535) == NULL, "slot table: the last id, deleted");
	im_trace_free(&t);
}

static void test_errors(void)
{
	struct im_trace t;
	struct im_err err = { 0 };
	const char *bad = "kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 ret=0\n"
			  "kvm_set_user_memory Slot#1 flags=0x0 gpa=zz size=0x1000 ua=0x1000 ret=0\n";
	const char *mixed = "kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 ret=0\n"
			    "kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0\n";
	const char *as7 = "kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0\n"
			  "kvm_set_user_memory AddrSpace#7 Slot#1 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0\n";
	const char *old7 = "kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 ret=0\n"
			   "kvm_set_user_memory Slot#458753 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 ret=0\n";
	const char *cut = "kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 ret=0\n"
			  "kvm_set_user_memory Slot#1 flags=0x0 gpa=0x10";
	int r;

	r = im_trace_parse(bad, strlen(bad), "bad.log", &t, &err);
	T_OK(r == 0 && t.nslots == 1 && t.malformed == 1 && t.first_malformed == 2 &&
	     strstr(t.malformed_msg, "malformed kvm_set_user_memory"),
	     "err: a bad gpa skips line 2, named, and the rest is read");
	im_trace_free(&t);
	r = im_trace_parse(strchr(bad, '\n') + 1, strlen(strchr(bad, '\n') + 1), "bad.log", &t, &err);
	T_OK(r == -EINVAL && err.line == 1 && strstr(err.msg, "nothing else in the log could be read"),
	     "err: a log of one malformed line is refused, naming its line");
	T_EQ_STR(err.file, "bad.log", "err: names the file");
	r = im_trace_parse(as7, strlen(as7), "as7.log", &t, &err);
	T_OK(r == 0 && t.nslots == 1 && t.malformed == 1 && t.first_malformed == 2,
	     "err: AddrSpace#7 is a malformed line, skipped");
	im_trace_free(&t);
	r = im_trace_parse(old7, strlen(old7), "old7.log", &t, &err);
	T_OK(r == 0 && t.nslots == 1 && t.malformed == 1 && t.first_malformed == 2,
	     "err: Slot#458753 (slot 1 | as_id 7 << 16) is a malformed line, skipped");
	im_trace_free(&t);
	r = im_trace_parse(mixed, strlen(mixed), "mixed.log", &t, &err);
	T_OK(r == 0 && t.malformed == 1 && t.first_malformed == 2 &&
	     strstr(t.malformed_msg, "two QEMU versions"), "err: two formats in one log: the second skipped, named");
	im_trace_free(&t);
	r = im_trace_parse("hello\nworld\n", 12, "empty.log", &t, &err);
	T_OK(r == -EINVAL, "err: no events");
	r = im_trace_parse(cut, strlen(cut), "cut.log", &t, &err);
	T_OK(r == 0 && t.nslots == 1, "err: truncated last line dropped");
	im_trace_free(&t);
	r = im_trace_parse("", 0, "zero.log", &t, &err);
	T_OK(r == -EINVAL, "err: empty file");
}

#define KSUM(slot, gpa) "kvm_set_user_memory AddrSpace#0 Slot#" #slot " flags=0x0 gpa=" #gpa \
	" size=0x1000 ua=0x7f3b20000000 guest_memfd=0 guest_memfd_offset=0x0 ret=0"

/* the prefixes a line may carry: QEMU 11.1's ISO time, 10.0's "PID@SEC.USEC:", none */
static void test_prefixes(void)
{
	static const char txt[] =
		"2026-12-03T14:10:34.804898Z " KSUM(3, 0xfebf0000) "\n"
		"2026-12-03T14:10:35Z " KSUM(4, 0xfebf1000) "\n"
		"2026-12-03T15:10:35.000001+01:00 " KSUM(5, 0xfebf2000) "\n"
		"12345@1733234567.123456:" KSUM(6, 0xfebf3000) "\r\n"
		KSUM(7, 0xfebf4000) "\n";
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_trace_slot *s;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "prefix.log", &t, &err);

	T_OK(r == 0, "prefix: parses");
	T_EQ_U64(t.nevents, 5, "prefix: ISO, ISO without fraction, ISO with offset, pid@, none");
	T_EQ_U64(t.nslots, 5, "prefix: five slots");
	T_EQ_U64(t.unknown, 0, "prefix: nothing skipped");
	s = find_slot(&t, 0, 3);
	T_OK(s && s->gpa == 0xfebf0000 && s->size == 0x1000 && s->line == 1,
	     "prefix: the 11.1 line of the brief");
	im_trace_free(&t);
}

/* what is skipped is counted: other events, lines not understood, events lost */
static void test_skipped(void)
{
	static const char txt[] =
		KSUM(1, 0x1000) "\n"
		"2026-12-03T14:10:35.001000Z Invalid read at addr 0xFED40000, size 1, region '(null)', reason: rejected\n"
		"vfio_listener_region_skip SKIPPING region_add 0xfed00000 - 0xfed003ff\n"
		"2026-12-03T14:10:35.001100Z vfio_listener_region_del region_del 0xc1000000 - 0xc101ffff\n"
		"\n"
		"2026-12-03 14:10:35 " KSUM(2, 0x2000) "\n"
		"vfio_region_mmap_fault Region x BAR 0 mmaps[0], [0x0 - 0xfff], fault: 0\n"
		"12345@1733234567.123456:" KSUM(3, 0x3000) "\n"
		"12345@1733234567.123999:kvm_set_user_memory AddrSpace#0 Slot#4 flags=0x0 gpa=0x40";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "skip.log", &t, &err);

	T_OK(r == 0, "skip: parses");
	T_EQ_U64(t.nevents, 3, "skip: three events (region_del is one)");
	T_EQ_U64(t.other_events, 2, "skip: other events (with and without a prefix)");
	T_EQ_U64(t.unknown, 3, "skip: a guest error, an unknown prefix, a cut-off line");
	T_EQ_U64(t.first_unknown, 2, "skip: the first is line 2");
	T_EQ_U64(t.lost_events, 2, "skip: two of them name kvm_set_user_memory");
	im_model_init(&m);
	r = im_trace_apply(&m, &t, "skip.log");
	T_OK(r == 0 && m.nsources == 1 && m.sources[0].status == IM_SRC_PARTIAL,
	     "skip: lost events make the source partial");
	T_OK(m.nsources == 1 && strstr(m.sources[0].detail, "; 2 lines of other events skipped; 3 lines not understood (first: skip.log:2; 2 of them name an event read here: events are missing)"),
	     "skip: the detail says what was skipped");
	printf("# %s\n", m.nsources ? m.sources[0].detail : "");
	im_model_free(&m);
	im_trace_free(&t);

	/* only a guest error not understood: the source is still ok */
	r = im_trace_parse(txt, (size_t)(strstr(txt, "vfio_listener_region_skip") - txt), "ok.log",
			   &t, &err);
	im_model_init(&m);
	T_OK(r == 0 && t.unknown == 1 && !t.lost_events && !im_trace_apply(&m, &t, "ok.log") &&
	     m.sources[0].status == IM_SRC_OK &&
	     strstr(m.sources[0].detail, "; 1 line not understood (first: ok.log:2)"),
	     "skip: a line not understood alone leaves the source ok, and is said");
	im_model_free(&m);
	im_trace_free(&t);

	/* nothing understood at all: an error that says what it skipped */
	r = im_trace_parse("2026-12-03 14:10:35 " KSUM(2, 0x2000) "\nhello\n", 20 + strlen(KSUM(2, 0x2000)) + 7,
			   "none.log", &t, &err);
	T_OK(r == -EINVAL && err.line == 0 &&
	     strstr(err.msg, "2 lines not understood (first: none.log:1)"),
	     "skip: nothing read, the error counts the lines not understood");
}

/*
 * Paste 07's shape: journald's time in a Russian locale, host and tag, and
 * a vfio_region_mmap wrapped after "Region "; a list of event names (a
 * -trace events= file) is no lost event; an event cut after its name is
 * joined to its arguments on the next line.
 */
static void test_wrapped_mmap(void)
{
	static const char txt[] =
		">> vfio_region_mmap\n"
		">> vfio_listener_region_add_ram\n"
		">>\n"
		">> \xd1\x8f\xd0\xbd\xd0\xb2 13 18:17:24 VM qemu-system-x86_64[7131]: vfio_region_mmap Region \n"
		">> 0000:84:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n"
		">> \xd1\x8f\xd0\xbd\xd0\xb2 13 18:17:24 VM qemu-system-x86_64[7131]: vfio_region_mmap\n"
		">> Region 0000:84:00.0 BAR 2 mmaps[0] [0x0 - 0xfff]\n"
		"vfio_region_mmap Region \n"
		"vfio_region_mmap Region 0000:84:00.0 BAR 4 mmaps[0] [0x0 - 0xffffff]\n"
		"vfio_region_mmap\n"
		"\n";
	struct im_trace t;
	struct im_err err = { 0 };
	int r = im_trace_parse(txt, sizeof(txt) - 1, "wrap.log", &t, &err);

	T_OK(r == 0, "wrapped mmap: parses");
	T_EQ_U64(t.nmmaps, 3, "wrapped mmap: two wraps joined, one whole line");
	T_OK(t.nmmaps == 3 && !strcmp(t.mmaps[0].name, "0000:84:00.0 BAR 0 mmaps[0]") &&
	     !strcmp(t.mmaps[0].dev, "0000:84:00.0") && t.mmaps[0].bar == 0 &&
	     t.mmaps[0].index == 0 && t.mmaps[0].start == 0 && t.mmaps[0].end == 0xffffff &&
	     t.mmaps[0].line == 4, "wrapped mmap: after \"Region \", at its first line");
	T_OK(t.nmmaps == 3 && t.mmaps[1].bar == 2 && t.mmaps[1].end == 0xfff && t.mmaps[1].line == 6,
	     "wrapped mmap: after the event's name");
	T_OK(t.nmmaps == 3 && t.mmaps[2].bar == 4 && t.mmaps[2].line == 9,
	     "wrapped mmap: a cut line before a whole event is not joined to it");
	T_EQ_U64(t.malformed, 1, "wrapped mmap: the cut line is malformed");
	T_EQ_U64(t.lost_events, 0, "wrapped mmap: names alone are no lost events");
	T_EQ_U64(t.unknown, 4, "wrapped mmap: the three names alone and a bare quote marker are not understood");
	T_EQ_U64(t.first_unknown, 1, "wrapped mmap: the first is line 1");
	im_trace_free(&t);
}

/* the QEMU 10.0 and 11.1 logs made for the synthetic fixture (tests/data/qemu/README.md) */
static void test_qemu_10_11(void)
{
	static const char *const files[] = { "trace-10.0-pid.log", "trace-11.1-iso.log" };
	static const char *const nvme[] = { "VFIO_FD13", "nvme0" };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct im_trace t;
		struct im_err err = { 0 };
		const struct im_trace_slot *s;
		char name[96];
		size_t len, i;
		char *buf = slurp(files[k], &len);
		int r = im_trace_parse(buf, len, files[k], &t, &err);
		bool mm = false;

#define N(what) (snprintf(name, sizeof(name), "%s: %s", files[k], what), name)
		T_OK(r == 0 && t.fmt == IM_TRACE_FMT_AS, N("parses, AddrSpace# format"));
		T_EQ_U64(t.nevents, 52, N("events (a region_del among them)"));
		T_EQ_U64(t.nslots, 14, N("final slots: 7 in each address space"));
		s = find_slot(&t, 0, 10);
		T_OK(s && s->gpa == 0xc1000000 && s->size == 0x20000 && s->line == 53,
		     N("NIC BAR 0 deleted and added back"));
		s = find_slot(&t, 1, 9);
		T_OK(s && s->gpa == 0x380000000000 && s->hva == 0x7f1000000000, N("AS 1 slot 9"));
		T_EQ_U64(t.nregions, 18, N("regions"));
		T_EQ_STR(t.regions[0].dev, nvme[k], N("the NVMe's QEMU name"));
		for (i = 0; i < t.nmmaps; i++)
			if (!strcmp(t.mmaps[i].dev, nvme[k]) && t.mmaps[i].bar == 0 &&
			    t.mmaps[i].index == 0 && t.mmaps[i].end == 0x3fff)
				mm = true;
		T_OK(mm, N("its mmap, split by name"));
		T_EQ_U64(t.ndma, 7, N("DMA ranges"));
		T_EQ_U64(t.other_events, 2, N("other events"));
		T_OK(t.unknown == 1 && t.first_unknown == 49 && !t.lost_events,
		     N("the guest error line is not understood"));
#undef N
		im_trace_free(&t);
		free(buf);
	}
}

/* The lab's L1 view: BAR HPAs from sysfs resource, the six vfio maps lines. */
static void lab_model(struct im_model *m)
{
	static const struct { const char *bdf; int bar; uint64_t hpa, size; } bars[] = {
		{ "0000:00:03.0", 0, 0xfeb40000, 0x20000 },
		{ "0000:00:03.0", 1, 0xfeb60000, 0x20000 },
		{ "0000:00:03.0", 3, 0xfeb90000, 0x4000 },
		{ "0000:00:04.0", 0, 0xfea00000, 0x100000 },
		{ "0000:00:05.0", 0, 0xfeb96000, 0x100 },
		{ "0000:00:05.0", 2, 0xfe000000, 0x400000 },
	};
	static const uint64_t maps[][3] = {
		{ 0x7fb29d200000, 0x7fb29d600000, 0xfe000000 },
		{ 0x7fb29d700000, 0x7fb29d800000, 0xfea00000 },
		{ 0x7fb29d862000, 0x7fb29d882000, 0xfeb60000 },
		{ 0x7fb29d882000, 0x7fb29d8a2000, 0xfeb40000 },
		{ 0x7fb2a1216000, 0x7fb2a1217000, 0xfeb96000 },
		{ 0x7fb2a1217000, 0x7fb2a121b000, 0xfeb90000 },
	};
	size_t i;

	im_model_init(m);
	m->offset_mode = IM_OFF_HPA;
	m->ndevices = 3;
	m->devices = calloc(3, sizeof(*m->devices));
	for (i = 0; i < 3; i++)
		snprintf(m->devices[i].bdf, sizeof(m->devices[i].bdf), "0000:00:0%zu.0", i + 3);
	for (i = 0; i < sizeof(bars) / sizeof(bars[0]); i++) {
		int d = im_find_device(m, bars[i].bdf);
		struct im_bar *b = &m->devices[d].bars[bars[i].bar];

		b->index = bars[i].bar;
		b->kind = IM_BAR_MEM32;
		b->hpa = bars[i].hpa;
		b->size = bars[i].size;
	}
	m->nmaps = 6;
	m->maps = calloc(6, sizeof(*m->maps));
	for (i = 0; i < 6; i++) {
		m->maps[i].start = maps[i][0];
		m->maps[i].end = maps[i][1];
		m->maps[i].offset = maps[i][2];
		m->maps[i].path = strdup("anon_inode:[vfio-device]");
		m->maps[i].vfio = true;
		m->maps[i].cdev = m->maps[i].dev = m->maps[i].bar = -1;
	}
}

static const struct im_qemu_bar *find_qbar(const struct im_model *m, const char *bdf, int bar)
{
	size_t i;

	for (i = 0; i < m->nqbars; i++)
		if (!strcmp(m->qbars[i].host_bdf, bdf) && m->qbars[i].bar == bar)
			return &m->qbars[i];
	return NULL;
}

static void test_apply(void)
{
	struct im_model m;
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_qemu_bar *q;
	size_t len;
	char *buf = slurp("lab-6.1-kvm-trace.log", &len);
	int r;

	lab_model(&m);
	r = im_trace_parse(buf, len, "kvm.log", &t, &err);
	T_OK(r == 0, "apply: parse");
	r = im_trace_apply(&m, &t, "kvm.log");
	T_OK(r == 0, "apply: ok");
	T_EQ_U64(m.nqbars, 0, "apply: no BAR placed before correlate");
	T_OK(im_correlate_maps(&m) == 0, "apply: correlate ties the maps");
	T_OK(im_trace_place(&m, &t, "kvm.log") == 0, "apply: place");
	T_OK(m.memslots_known && !strcmp(m.memslot_source, "qemu-trace"), "apply: memslots known");
	T_EQ_U64(m.nmemslots, 24, "apply: memslots added");
	T_OK(im_find_memslot_gpa(&m, 0, 0xfeb00010) >= 0, "apply: memslot lookup");
	T_EQ_U64(m.nqbars, 6, "apply: six BARs placed by DMA ranges");
	q = find_qbar(&m, "0000:00:03.0", 0);
	T_OK(q && q->gpa == 0xfeb00000 && q->have_hva && q->hva == 0x7fb29d882000 &&
	     q->size == 0x20000, "apply: 03.0 BAR 0 gpa/hva/size");
	q = find_qbar(&m, "0000:00:03.0", 3);
	T_OK(q && q->gpa == 0xfeb40000 && !q->have_hva, "apply: 03.0 BAR 3 gpa past MSI-X page");
	q = find_qbar(&m, "0000:00:05.0", 2);
	T_OK(q && q->gpa == 0xfe400000 && q->hva == 0x7fb29d200000, "apply: 05.0 BAR 2");
	T_OK(m.nsources == 1 && !strcmp(m.sources[0].name, "qemu-trace"), "apply: source");
	T_OK(m.rmmap_source && m.nrmmaps == 6, "apply: six region mmaps in the model");
	T_OK(m.nrmmaps == 6 && !strcmp(m.rmmaps[0].name, "0000:00:03.0 BAR 0 mmaps[0]") &&
	     m.rmmaps[0].mdev == 0 && m.rmmaps[0].bar == 0 && m.rmmaps[0].off == 0 &&
	     m.rmmaps[0].size == 0x20000 && m.rmmaps[0].have_hva &&
	     m.rmmaps[0].hva == 0x7fb29d882000 && !m.rmmaps[0].hva_why && m.rmmaps[0].line == 19,
	     "apply: 03.0 BAR 0's mmap, its HVA from the target's maps");
	T_OK(m.nrmmaps == 6 && m.rmmaps[5].mdev == 2 && m.rmmaps[5].bar == 2 &&
	     m.rmmaps[5].have_hva && m.rmmaps[5].hva == 0x7fb29d200000,
	     "apply: 05.0 BAR 2's mmap");
	printf("# %s\n", m.sources[0].detail);
	im_trace_free(&t);
	im_model_free(&m);
	free(buf);
}

/*
 * BAR regions QEMU names after VFIO_FD<fd> or an id, not a BDF: the fd ties
 * the device (fd 13 of the target is the cdev of 0000:00:03.0), the id does
 * not, and the BAR's size still comes from the region.
 */
static void test_names_apply(void)
{
	static const char txt[] =
		"vfio_region_setup Device VFIO_FD13, region 0 \"VFIO_FD13 BAR 0\", flags: 0x7, offset: 0x0, size: 0x20000\n"
		"vfio_region_mmap Region VFIO_FD13 BAR 0 mmaps[0] [0x0 - 0x1ffff]\n"
		"vfio_region_setup Device hostdev1, region 0 \"hostdev1 BAR 0\", flags: 0x7, offset: 0x0, size: 0x100000\n"
		"vfio_listener_region_add_ram region_add [ram] 0xfeb00000 - 0xfeb1ffff [0x7fb29d882000]\n"
		"vfio_listener_region_add_ram region_add [ram] 0xfea00000 - 0xfeafffff [0x7fb29d700000]\n";
	struct im_model m;
	struct im_trace t;
	struct im_err err = { 0 };
	const struct im_qemu_bar *q;
	int r;

	lab_model(&m);
	m.devices[0].vfio_cdev = 0;
	m.devices[1].vfio_cdev = m.devices[2].vfio_cdev = -1;
	m.nfds = 2;
	m.fds = calloc(2, sizeof(*m.fds));
	m.fds[0] = (struct im_fd){ .fd = 12, .target = strdup("/dev/iommu"), .dev = -1 };
	m.fds[1] = (struct im_fd){ .fd = 13, .target = strdup("/dev/vfio/devices/vfio0"), .dev = -1 };
	r = im_trace_parse(txt, sizeof(txt) - 1, "names.log", &t, &err);
	T_OK(r == 0 && t.nregions == 2 && t.nmmaps == 1, "names: parses");
	T_OK(t.nmmaps == 1 && !strcmp(t.mmaps[0].dev, "VFIO_FD13") && t.mmaps[0].bar == 0,
	     "names: mmap of VFIO_FD13 BAR 0");
	r = im_trace_apply(&m, &t, "names.log");
	T_OK(r == 0 && !im_correlate_maps(&m) && !im_trace_place(&m, &t, "names.log"),
	     "names: apply, correlate, place");
	q = find_qbar(&m, "0000:00:03.0", 0);
	T_OK(q && q->gpa == 0xfeb00000 && q->size == 0x20000,
	     "names: the size of VFIO_FD13's BAR 0 reaches 0000:00:03.0 through fd 13");
	q = find_qbar(&m, "0000:00:04.0", 0);
	T_OK(q && q->gpa == 0xfea00000 && q->size == 0,
	     "names: an id nothing ties gives no size to a device");
	T_OK(m.nrmmaps == 1 && m.rmmaps[0].mdev == 0 && m.rmmaps[0].have_hva &&
	     m.rmmaps[0].hva == 0x7fb29d882000,
	     "names: VFIO_FD13's mmap is 0000:00:03.0's, by fd 13: its HVA");
	T_OK(m.nsources && strstr(m.sources[0].detail,
				  "QEMU names 2 devices other than by host BDF: VFIO_FD13 (host 0000:00:03.0, by fd 13 of the target, /dev/vfio/devices/vfio0), hostdev1 (known only by this name here)"),
	     "names: the detail names both");
	printf("# %s\n", m.nsources ? m.sources[0].detail : "");
	im_trace_free(&t);
	im_model_free(&m);
}

/*
 * The HVA of a vfio_region_mmap, in its three states: known (above), not
 * known in paste mode (QEMU's format has none), and not known where the
 * device QEMU names is not the host's or no mmap of the maps holds it.
 */
static void test_rmmap_states(void)
{
	static const char txt[] =
		"vfio_region_mmap Region 0000:84:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n"
		"vfio_region_mmap Region 0000:00:03.0 BAR 0 mmaps[1] [0x30000 - 0x3ffff]\n"
		"vfio_region_mmap Region pc.ram [0x0 - 0xfff]\n";
	struct im_model m;
	struct im_trace t;
	struct im_err err = { 0 };

	im_model_init(&m);
	m.paste = true;
	T_OK(!im_trace_parse(txt, sizeof(txt) - 1, "p.log", &t, &err) &&
	     !im_trace_apply(&m, &t, "p.log") && !im_trace_place(&m, &t, "p.log") &&
	     m.nrmmaps == 3, "rmmap: paste mode, three");
	T_OK(m.nrmmaps == 3 && !m.rmmaps[0].have_hva && m.rmmaps[0].mdev == -1 &&
	     strstr(m.rmmaps[0].hva_why, "does not print it"), "rmmap: paste mode, HVA unknown and why");
	T_OK(m.nrmmaps == 3 && m.rmmaps[2].bar == -1 && !m.rmmaps[2].dev[0] &&
	     m.rmmaps[2].size == 0x1000, "rmmap: a region that is no vfio BAR's name is kept");
	im_trace_free(&t);
	im_model_free(&m);

	lab_model(&m);
	T_OK(!im_trace_parse(txt, sizeof(txt) - 1, "h.log", &t, &err) &&
	     !im_trace_apply(&m, &t, "h.log") && !im_correlate_maps(&m) &&
	     !im_trace_place(&m, &t, "h.log"), "rmmap: with a host");
	T_OK(m.nrmmaps == 3 && !m.rmmaps[0].have_hva && m.rmmaps[0].mdev == -1 &&
	     strstr(m.rmmaps[0].hva_why, "not one the host shows"), "rmmap: a device the host does not show");
	T_OK(m.nrmmaps == 3 && !m.rmmaps[1].have_hva && m.rmmaps[1].mdev == 0 &&
	     strstr(m.rmmaps[1].hva_why, "no mmap of the target's maps"),
	     "rmmap: offsets past the BAR's mmap: HVA unknown, said why");
	T_OK(m.nrmmaps == 3 && !m.rmmaps[2].have_hva && strstr(m.rmmaps[2].hva_why, "not named as a vfio BAR"),
	     "rmmap: not a BAR's name: HVA unknown");
	im_trace_free(&t);
	im_model_free(&m);
}

/* lines that say a mapping failed: each read, wraps joined, echoes counted */
static void test_failures(void)
{
	static const char txt[] =
		">>>    qemu-system-x86_64: vfio_container_dma_map(0x55a21b03a150,\n"
		">>> 0x380000001000, 0x3000, 0x7fce2c28b000) = -22 (Invalid argument)\n"
		"qemu-system-aarch64: kvm_set_user_memory_region: \n"
		"KVM_SET_USER_MEMORY_REGION failed, slot=65541, start=0x8000000000, \n"
		"size=0x100000: Invalid argument\n"
		"Jun 04 07:25:13 pve1 QEMU[3989106]: kvm: VFIO_MAP_DMA failed: Invalid argument\n"
		"\t\tRegion pc.ram: vfio_dma_map(0x55ba53e7a9d0, 0x100000000, 0xff30000000, 0x7ed243e00000) = -22 (Invalid argument)\n"
		"kvm_set_user_memory AddrSpace#0 Slot#3 flags=0x0 gpa=0x100000000 size=0x8ff40000000 ua=0x7f0000000000 guest_memfd=-1 guest_memfd_offset=0x0 ret=-22\n"
		"qemu-system-x86_64: kvm_set_user_memory_region: KVM_SET_USER_MEMORY_REGION failed, slot=4, start=0xc0000, size=0xbff40000: File exists\n"
		"vfio_dma_map(0x557b2f2736d0, 0x380000000000, 0x1000000, 0x7f98ac400000) = -22 (Invalid argument)\n"
		"vfio_dma_map(0x557b2f2736d0, 0x380000000000, 0x1000000, 0x7f98ac400000) = -22 (Invalid argument)\n"
		"vfio_dma_map(0x557b2f2736d0, 0x380000000000, 0x1000000\n";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	char why[400];
	size_t i;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "fail.log", &t, &err);

	T_OK(r == 0, "fail: a log of failures only is read");
	T_EQ_U64(t.nfails, 7, "fail: seven failures (one cut off for good at the end)");
	T_EQ_U64(t.echoes, 1, "fail: one echo line");
	T_OK(t.nfails > 0 && t.fails[0].kind == IM_TFAIL_DMA && t.fails[0].addr == 0x380000001000 &&
	     t.fails[0].size == 0x3000 && t.fails[0].hva == 0x7fce2c28b000 && t.fails[0].err == 22 &&
	     t.fails[0].line == 1, "fail: a quoted, wrapped vfio_container_dma_map, at its first line");
	T_OK(t.nfails > 1 && t.fails[1].kind == IM_TFAIL_SLOT && t.fails[1].slot == 5 &&
	     t.fails[1].as_id == 1 && t.fails[1].addr == 0x8000000000 && t.fails[1].size == 0x100000 &&
	     t.fails[1].err == 22 && t.fails[1].line == 3,
	     "fail: a KVM error cut over three lines; slot=65541 is slot 5 of address space 1");
	T_OK(t.nfails > 2 && !strcmp(t.fails[2].what, "pc.ram") && t.fails[2].line == 7,
	     "fail: a tab-indented vfio_dma_map keeps its region's name");
	T_OK(t.nfails > 3 && t.fails[3].kind == IM_TFAIL_SLOT_TRACE && t.fails[3].slot == 3 &&
	     t.fails[3].err == 22 && t.failed_slot_events == 1 && t.nslots == 0,
	     "fail: kvm_set_user_memory ret=-22 is a failure, and no slot");
	T_EQ_U64(t.unknown, 1, "fail: the cut-off last line is not understood");
	T_EQ_U64(t.first_unknown, 12, "fail: ... and named");
	for (i = 0; i < t.nfails; i++)
		if (t.fails[i].kind == IM_TFAIL_SLOT_TRACE) {
			im_tfail_explain(&t.fails[i], why, sizeof(why));
			T_OK(strstr(why, "2^31-1 pages (8 TiB") != NULL, "fail: EINVAL of a 9 TiB slot: KVM's page limit");
		}
	im_tfail_explain(&t.fails[2], why, sizeof(why));
	T_OK(strstr(why, "41-bit") && strstr(why, "HyperTransport"),
	     "fail: EINVAL of a DMA map: the bits it needs, and AMD's HyperTransport hole");
	im_tfail_explain(&t.fails[4], why, sizeof(why));
	T_OK(strstr(why, "overlaps a slot") != NULL, "fail: EEXIST of a slot: an overlap");
	im_model_init(&m);
	T_OK(im_tfail_findings(&m, &t, "fail.log") == 0, "fail: findings");
	T_EQ_U64(m.nfindings, 6, "fail: one finding per distinct failure (a repeat is counted, not repeated)");
	T_OK(m.nfindings == 6 && strstr(m.findings[5].message, "fail.log:10:") &&
	     strstr(m.findings[5].message, "(2 times in the log)") &&
	     strstr(m.findings[5].message, "-22 (EINVAL)"),
	     "fail: the repeat is said at its first line, with its errno");
	im_model_free(&m);
	im_trace_free(&t);
}

/*
 * Paste 30's shape (QEMU 9.1, iommufd backend, two blanks after the name):
 * iommufd_backend_map_dma (0) lines are DMA ranges with readonly=; other
 * vfio_* and iommufd_* events are skipped; a map_file_dma (0) is read but
 * gives no range (no HVA).  A log with only events that carry no address is
 * refused, naming them, not saying no vfio_* event was found.
 */
static void test_iommufd(void)
{
	static const char txt[] =
		"vfio_mdev  (83b8f4f2-509f-382f-3c1e-e6bfe0fa1001) is_mdev 1\n"
		"iommufd_backend_alloc_ioas  iommufd=15 ioas=2\n"
		"iommufd_backend_map_dma  iommufd=15 ioas=2 iova=0x0 size=0xc0000 addr=0x7fb80f600000 readonly=0 (0)\n"
		"iommufd_backend_map_dma  iommufd=15 ioas=2 iova=0xc0000 size=0x20000 addr=0x7fb80d400000 readonly=1 (0)\n"
		"iommufd_backend_map_file_dma  iommufd=303 ioas=2 iova=0x30000000000 size=0xb90000 fd=306 start=0 readonly=0 (0)\n"
		"iommufd_backend_map_dma  iommufd=15 ioas=2 iova=0x100000 size=0x1000 addr=0x7fb80f700000 readonly=2 (0)\n"
		"iommufd_backend_map_file_dma  iommufd=303 ioas=2 iova=0x31000000000 size=0x1000 fd=307 start=274877906944 readonly=0 (0)\n";
	static const char none[] =
		"vfio_mdev  (83b8f4f2) is_mdev 1\n"
		"iommufd_backend_connect fd=15 owned=1 users=1\n"
		"qemu-kvm: -device vfio-pci,iommufd=iommufd1:\n";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "iommufd.log", &t, &err);

	T_OK(r == 0, "iommufd: parses");
	T_EQ_U64(t.nevents, 4, "iommufd: two map_dma and two map_file_dma read (start= past 10 digits)");
	T_EQ_U64(t.ndma, 2, "iommufd: two DMA ranges (map_file_dma has no HVA)");
	T_OK(t.ndma == 2 && t.dma[0].iova == 0 && t.dma[0].end == 0xbffff &&
	     t.dma[0].hva == 0x7fb80f600000 && t.dma[0].readonly == 0 && t.dma[0].line == 3,
	     "iommufd: IOVA 0x0-0xbffff -> HVA 0x7fb80f600000, read-write, line 3");
	T_OK(t.ndma == 2 && t.dma[1].iova == 0xc0000 && t.dma[1].readonly == 1,
	     "iommufd: the ROM range is read-only");
	T_EQ_U64(t.malformed, 1, "iommufd: readonly=2 is malformed");
	T_EQ_U64(t.other_events, 2, "iommufd: vfio_mdev and alloc_ioas skipped");
	T_EQ_U64(t.other_vfio, 2, "iommufd: ... both vfio_*/iommufd_* events");
	im_model_init(&m);
	T_OK(!im_trace_apply(&m, &t, "iommufd.log") && m.ndma == 2 && m.dma[1].readonly == IM_TRI_YES &&
	     m.dma_source, "iommufd: the model's DMA maps keep readonly");
	im_model_free(&m);
	im_trace_free(&t);

	r = im_trace_parse(none, sizeof(none) - 1, "none.log", &t, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "2 lines of vfio_*/iommufd_* events carry no address") &&
	     strstr(err.msg, "(first: none.log:1, vfio_mdev)") &&
	     strstr(err.msg, "1 line not understood (first: none.log:3)") &&
	     !strstr(err.msg, "no kvm_set_user_memory or vfio_*"),
	     "iommufd: refused, naming the vfio_* events it had, not 'no vfio_* events'");
	printf("# %s\n", err.msg);
}

/*
 * Paste 18's shape: a failed iommufd map (-1), wrapped; QEMU's
 * IOMMU_IOAS_MAP failed line names the errno, and the vfio_container_dma_map
 * line after it is the same failure.  A map_file_dma that failed has no HVA.
 */
static void test_iommufd_failed(void)
{
	static const char txt[] =
		">>>    iommufd_backend_map_dma  iommufd=10 ioas=2 iova=0x380000001000\n"
		">>> size=0x3000 addr=0x7fce2c28b000 readonly=0 (-1)\n"
		">>>    qemu-system-x86_64: IOMMU_IOAS_MAP failed: Invalid argument\n"
		">>>    qemu-system-x86_64: vfio_container_dma_map(0x55a21b03a150,\n"
		">>> 0x380000001000, 0x3000, 0x7fce2c28b000) = -22 (Invalid argument)\n"
		"iommufd_backend_map_dma  iommufd=10 ioas=2 iova=0x390000000000 size=0x1000 addr=0x7f0000000000 readonly=0 (-1)\n"
		"iommufd_backend_map_file_dma  iommufd=3 ioas=2 iova=0x3a0000000000 size=0x1000 fd=7 start=0 readonly=0 (-1)\n";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "ioas.log", &t, &err);

	T_OK(r == 0, "iommufd fail: parses");
	T_EQ_U64(t.nfails, 3, "iommufd fail: the event and its two error lines are one failure; two more");
	T_OK(t.nfails == 3 && t.fails[0].kind == IM_TFAIL_DMA_TRACE && t.fails[0].line == 1 &&
	     t.fails[0].addr == 0x380000001000 && t.fails[0].size == 0x3000 &&
	     t.fails[0].hva == 0x7fce2c28b000 && t.fails[0].err == EINVAL,
	     "iommufd fail: at the event's line, the errno from QEMU's error line");
	T_OK(t.nfails == 3 && t.fails[1].err == 0 && t.fails[2].dmabuf_fd == 7 && !t.fails[2].have_hva,
	     "iommufd fail: -1 alone names no errno; map_file_dma's has a dmabuf fd, no HVA");
	im_model_init(&m);
	T_OK(!im_tfail_findings(&m, &t, "ioas.log") && m.nfindings == 3, "iommufd fail: three findings");
	T_OK(m.nfindings == 3 && strstr(m.findings[0].message, "ioas.log:1:") &&
	     strstr(m.findings[0].message, "-22 (EINVAL)") && !strstr(m.findings[0].message, "times"),
	     "iommufd fail: one finding, -22, not 'twice in the log'");
	T_OK(m.nfindings == 3 && strstr(m.findings[1].message, "the ioctl returned -1, its errno not named") &&
	     !strstr(m.findings[1].message, " 0 ("), "iommufd fail: no errno, said so, never '0'");
	T_OK(m.nfindings == 3 && strstr(m.findings[2].message, "(dmabuf fd 7, no HVA)"),
	     "iommufd fail: a dmabuf map names its fd");
	T_OK(m.ndma_fails == 3 && m.dma_fails[0].iova == 0x380000001000 && m.dma_fails[0].err == EINVAL &&
	     m.dma_fails[0].line == 1, "iommufd fail: the failed maps are in the model, for explain");
	im_model_free(&m);
	im_trace_free(&t);
}

/*
 * Paste 29's shape: format=flowed wraps kvm_set_user_memory over two and
 * three lines (each soft break a trailing blank); the ret=-22 event and
 * QEMU's KVM_SET_USER_MEMORY_REGION2 error are one failure, and the error's
 * strerror, alone on its line, is its errno.
 */
static void test_wrap3(void)
{
	static const char txt[] =
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x4 gpa=0x0 size=0x80000000 \n"
		"ua=0x7f8faffff000 guest_memfd=15 guest_memfd_offset=0x0 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x4 gpa=0x100000000 \n"
		"size=0x80000000 ua=0x7f902ffff000 guest_memfd=15 \n"
		"guest_memfd_offset=0x80000000 ret=0\n"
		"kvm_set_user_memory AddrSpace#0 Slot#3 flags=0x4 gpa=0xfeda0000 \n"
		"size=0x20000 ua=0x7f8fb009f000 guest_memfd=15 guest_memfd_offset=0xa0000 \n"
		"ret=-22\n"
		"qemu-system-x86_64: kvm_set_user_memory_region: \n"
		"KVM_SET_USER_MEMORY_REGION2 failed, slot=3, start=0xfeda0000, \n"
		"size=0x20000, flags=0x4, guest_memfd=15, guest_memfd_offset=0xa0000: \n"
		"Invalid argument\n"
		"kvm_set_phys_mem: error registering slot: Invalid argument\n";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	const struct im_trace_slot *s;
	char why[400];
	int r = im_trace_parse(txt, sizeof(txt) - 1, "flowed.log", &t, &err);

	T_OK(r == 0, "wrap3: parses");
	T_EQ_U64(t.malformed, 0, "wrap3: no malformed line");
	T_EQ_U64(t.unknown, 0, "wrap3: every line understood");
	T_EQ_U64(t.nslots, 2, "wrap3: slots 0 and 1");
	s = find_slot(&t, 0, 1);
	T_OK(s && s->gpa == 0x100000000 && s->size == 0x80000000 && s->hva == 0x7f902ffff000 &&
	     s->line == 3, "wrap3: slot 1 from three lines, at its first");
	T_EQ_U64(t.nfails, 1, "wrap3: the event and QEMU's error are one failure");
	T_OK(t.nfails == 1 && t.fails[0].kind == IM_TFAIL_SLOT_TRACE && t.fails[0].line == 6 &&
	     t.fails[0].slot == 3 && t.fails[0].err == EINVAL && !strcmp(t.fails[0].msg, "Invalid argument"),
	     "wrap3: slot 3 at line 6, EINVAL, QEMU's words from the wrapped error");
	im_tfail_explain(&t.fails[0], why, sizeof(why));
	T_OK(strstr(why, "guest_memfd range another slot already binds") != NULL,
	     "wrap3: EINVAL of a guest_memfd slot names the binding KVM refuses");
	im_model_init(&m);
	T_OK(!im_tfail_findings(&m, &t, "flowed.log") && m.nfindings == 1 &&
	     strstr(m.findings[0].message, "-22 (EINVAL)") && !strstr(m.findings[0].message, "no errno"),
	     "wrap3: one finding, with its errno");
	im_model_free(&m);
	im_trace_free(&t);

	/* the strerror alone after the error, without the trace event */
	{
		const char *q = strstr(txt, "qemu-system-x86_64:");

		r = im_trace_parse(q, strlen(q), "err.log", &t, &err);
	}
	T_OK(r == 0 && t.nfails == 1 && t.fails[0].kind == IM_TFAIL_SLOT && t.fails[0].line == 1 &&
	     t.fails[0].err == EINVAL && t.unknown == 0,
	     "wrap3: the error alone takes its wrapped strerror, over four lines");
	im_trace_free(&t);
}

/*
 * Paste 28's shape (QEMU 10.1, Markdown quote and <br>): a failed map QEMU
 * warns of, then its peer-to-peer line naming the device whose BAR it is:
 * a dma-map-failed warning that names the device.
 */
static void test_p2p(void)
{
	static const char txt[] =
		">qemu: warning: vfio_container_dma_map(0x56261b019040, 0x380810214000, 0x4000, 0x7fb876dc8000) = -14 (\xe9\x94\x99\xe8\xaf\xaf)<br>\n"
		">0000:03:00.3: PCI peer-to-peer transactions on BARs are not supported.<br>\n"
		">qemu: vfio: Error: Failed to enable MSI<br>\n"
		"vfio_container_dma_map(0x5561, 0xfe000000, 0x1000, 0x7f0000000000) = -14 (Bad address)\n"
		"kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x1000 ua=0x1000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0\n"
		"0000:04:00.0: PCI peer-to-peer transactions on BARs are not supported.\n";
	struct im_trace t;
	struct im_err err = { 0 };
	struct im_model m;
	int r = im_trace_parse(txt, sizeof(txt) - 1, "p2p.log", &t, &err);

	T_OK(r == 0, "p2p: parses");
	T_EQ_U64(t.unknown, 1, "p2p: the peer-to-peer line is understood; the MSI error is not");
	T_OK(t.nfails == 2 && t.fails[0].warning && !strcmp(t.fails[0].p2p_dev, "0000:03:00.3") &&
	     t.fails[0].err == EFAULT, "p2p: the failure is a BAR of 0000:03:00.3, a warning");
	T_OK(t.nfails == 2 && !t.fails[1].warning && !t.fails[1].p2p_dev[0],
	     "p2p: a failure whose next line is another event is not one (a later peer-to-peer line is not its)");
	im_model_init(&m);
	T_OK(!im_tfail_findings(&m, &t, "p2p.log") && m.nfindings == 2, "p2p: two findings");
	T_OK(m.nfindings == 2 && m.findings[0].severity == IM_SEV_WARNING &&
	     !strcmp(m.findings[0].code, "dma-map-failed") &&
	     strstr(m.findings[0].message, "a BAR of vfio device 0000:03:00.3") &&
	     strstr(m.findings[0].message, "peer-to-peer") &&
	     !strstr(m.findings[0].message, "not mapped in QEMU"),
	     "p2p: a warning that names the BAR's device, not the generic EFAULT sentence");
	T_OK(m.nfindings == 2 && m.findings[1].severity == IM_SEV_ERROR &&
	     strstr(m.findings[1].message, "not mapped in QEMU"), "p2p: the other stays an error");
	T_OK(m.ndma_fails == 2 && !strcmp(m.dma_fails[0].bar_dev, "0000:03:00.3"),
	     "p2p: the model's failed map names the device");
	im_model_free(&m);
	im_trace_free(&t);

	/* QEMU's warning alone, its device line not pasted: still a BAR's, a warning */
	{
		static const char w[] = "qemu-system-x86_64: warning: vfio_container_dma_map(0x55cc, "
					"0x380000000000, 0x1000000, 0x7f8762000000) = -22 (Invalid argument)\n";

		r = im_trace_parse(w, sizeof(w) - 1, "warn.log", &t, &err);
		im_model_init(&m);
		T_OK(r == 0 && !im_tfail_findings(&m, &t, "warn.log") && m.nfindings == 1 &&
		     m.findings[0].severity == IM_SEV_WARNING &&
		     strstr(m.findings[0].message, "a vfio device's BAR") &&
		     strstr(m.findings[0].message, "-22 (EINVAL)") &&
		     strstr(m.findings[0].message, "46-bit IOVAs") && m.ndma_fails == 1 &&
		     !m.dma_fails[0].bar_dev[0],
		     "p2p: 'warning:' alone: a warning, a BAR whose device is not named, the width EINVAL needs");
		im_model_free(&m);
		im_trace_free(&t);
	}
}

/*
 * Unmaps (a log of -trace 'vfio_*' has them): vfio_listener_region_del and
 * a successful iommufd_backend_unmap_dma take their range away; a range
 * they cut keeps its rest with its HVA moved along; the _skip and
 * _non_exist events and a failed unmap take nothing away.
 */
static void test_dma_unmap(void)
{
	static const char txt[] =
		"vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f0000000000]\n"
		"vfio_listener_region_add_ram region_add [ram] 0xc0000 - 0xdffff [0x7f1000000000]\n"
		"vfio_listener_region_add_ram region_add [ram] 0x100000 - 0x7fffffff [0x7f2000100000]\n"
		"vfio_listener_region_del region_del 0xc0000 - 0xdffff\n"
		"vfio_listener_region_del region_del 0x200000 - 0x2fffff \n"
		"vfio_listener_region_del_skip SKIPPING region_del 0x0 - 0x9ffff\n"
		"iommufd_backend_map_dma  iommufd=3 ioas=2 iova=0x100000000 size=0x10000 addr=0x7f3000000000 readonly=0 (0)\n"
		"iommufd_backend_map_dma  iommufd=3 ioas=2 iova=0x200000000 size=0x10000 addr=0x7f4000000000 readonly=0 (0)\n"
		"iommufd_backend_unmap_dma  iommufd=3 ioas=2 iova=0x100000000 size=0x10000 (0)\n"
		"iommufd_backend_unmap_dma  iommufd=3 ioas=2 iova=0x200000000 size=0x10000 (-1)\n"
		"iommufd_backend_unmap_dma_non_exist  Unmap nonexistent mapping: iommufd=3 ioas=2 iova=0x0 size=0xa0000 (-2)\n"
		"vfio_listener_region_del region_del 0x5 -\n";
	struct im_trace t;
	struct im_err err = { 0 };
	int r = im_trace_parse(txt, sizeof(txt) - 1, "del.log", &t, &err);
	const struct im_trace_dma *d = t.dma;

	T_OK(r == 0, "unmap: parses");
	if (r)
		return;
	T_EQ_U64(t.nevents, 9, "unmap: 3 adds, 2 region_del, 2 map_dma and 2 unmap_dma read");
	T_EQ_U64(t.other_events, 2, "unmap: region_del_skip and unmap_dma_non_exist are other events");
	T_EQ_U64(t.malformed, 1, "unmap: a region_del with no end is malformed");
	T_EQ_U64(t.ndma, 4, "unmap: the ROM range and one iommufd map gone, RAM cut in two");
	T_OK(t.ndma == 4 && d[0].iova == 0 && d[0].end == 0x9ffff && d[0].hva == 0x7f0000000000,
	     "unmap: region_del_skip leaves 0x0-0x9ffff");
	T_OK(t.ndma == 4 && d[1].iova == 0x100000 && d[1].end == 0x1fffff &&
	     d[1].hva == 0x7f2000100000, "unmap: the RAM below the cut keeps its HVA");
	T_OK(t.ndma == 4 && d[2].iova == 0x300000 && d[2].end == 0x7fffffff &&
	     d[2].hva == 0x7f2000300000, "unmap: the RAM above the cut, its HVA moved with its IOVA");
	T_OK(t.ndma == 4 && d[3].iova == 0x200000000 && d[3].hva == 0x7f4000000000,
	     "unmap: a failed iommufd unmap (-1) takes nothing away");
	im_trace_free(&t);
}

int main(void)
{
	test_iommufd();
	test_dma_unmap();
	test_iommufd_failed();
	test_wrap3();
	test_p2p();
	test_failures();
	test_dma_error_bounded();
	test_lab_kvm();
	test_lab_tcg();
	test_90();
	test_slot_table();
	test_prefixes();
	test_skipped();
	test_wrapped_mmap();
	test_qemu_10_11();
	test_errors();
	test_apply();
	test_names_apply();
	test_rmmap_states();
	T_DONE();
}
