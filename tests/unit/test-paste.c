// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/paste.c and lib/paste-qp.c: what surrounds the data of
 * a pasted line, and a paste in raw quoted-printable. */
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "lib/paste.h"
#include "sources/maps-paste.h"
#include "sources/mtree.h"
#include "sources/trace.h"
#include "t.h"

/* the data of line s, as a string */
static const char *data(const char *s)
{
	return im_paste_strip(s, s + strlen(s));
}

static void same(const char *line, const char *want, const char *name)
{
	T_EQ_STR(data(line), want, name);
}

/* 08's shape: 76-byte lines, soft breaks, =D1=8F..., quote markers before
 * encoding (the continuation has none) */
static const char qp08[] =
	"> >>>> Some important brief from qemu trace:\n"
	"> >>>> =D1=8F=D0=BD=D0=B2 13 18:17:37 VM qemu-system-x86_64[7131]:\n"
	"> >>>> vfio_listener_region_add_ram region_add [ram] 0xf8000000 - 0xf8005ff=\n"
	"f\n"
	"> >>>> [0x7f691e800000]\n"
	"> >>>> (--enable-trace-backends=3Dsyslog).\n";

/* decoding: escapes, soft breaks, what is kept */
static void test_qp_decode(void)
{
	struct im_paste_text t;
	static const char in[] = "a=3Db=20c=\nd=D1=8F\r\ne=4\nf=G1 =\r\ng=";

	T_OK(!im_paste_qp_decode(in, sizeof(in) - 1, &t), "qp: decodes");
	T_OK(t.len == strlen("a=b cd\xd1\x8f\r\ne=4\nf=G1 g") &&
	     !memcmp(t.buf, "a=b cd\xd1\x8f\r\ne=4\nf=G1 g", t.len),
	     "qp: =3D, =20, UTF-8 bytes, soft breaks (LF, CRLF, at the end); =4 and =G1 kept as they are");
	T_EQ_U64(t.soft, 3, "qp: three soft breaks");
	T_EQ_U64(t.nfirst, 3, "qp: three logical lines");
	T_OK(im_paste_line(&t, 1) == 1 && im_paste_line(&t, 2) == 3 && im_paste_line(&t, 3) == 4,
	     "qp: line map: each logical line is named by its first line in the file");
	im_paste_text_free(&t);

	T_OK(!im_paste_qp_decode("x=0Ay\nz\n", 8, &t) && t.len == 6 && !memcmp(t.buf, "x\ny\nz\n", 6) &&
	     im_paste_line(&t, 2) == 1 && im_paste_line(&t, 3) == 2,
	     "qp: an =0A starts a logical line of its own, on the same file line");
	im_paste_text_free(&t);

	/* a reply that quoted the raw QP: the continuation has the same prefix */
	T_OK(!im_paste_qp_decode("> > ab=\n> > cd\n", 15, &t) && t.len == 9 &&
	     !memcmp(t.buf, "> > abcd\n", 9), "qp: a quote prefix repeated on the continuation is dropped");
	im_paste_text_free(&t);
	T_OK(!im_paste_qp_decode("", 0, &t) && t.len == 0 && t.qp, "qp: empty text");
	im_paste_text_free(&t);
}

/* detection: QP's shape only, never text that merely holds '=' */
static void test_qp_detect(void)
{
	char soft76[80], big[400];
	struct im_paste_text t;

	T_OK(im_paste_is_qp(qp08, sizeof(qp08) - 1), "detect: 08's shape is QP");
	T_OK(!im_paste_text(qp08, sizeof(qp08) - 1, &t) && t.qp && t.soft == 1 &&
	     strstr(t.buf, "\xd1\x8f\xd0\xbd\xd0\xb2 13") &&
	     strstr(t.buf, "0xf8005fff\n> >>>> [0x7f691e800000]") && strstr(t.buf, "=syslog") &&
	     im_paste_line(&t, 4) == 5 && im_paste_line(&t, 5) == 6,
	     "detect: 08 decoded, its soft break joined, later lines keep their file numbers");
	im_paste_text_free(&t);

	/* 11's shape: soft breaks at 76 bytes, no escape at all */
	memset(soft76, 'x', 75);
	soft76[75] = '=';
	soft76[76] = 0;
	snprintf(big, sizeof(big), "%s\nab\n%s\ncd\n", soft76, soft76);
	T_OK(im_paste_is_qp(big, strlen(big)), "detect: two soft breaks at 76 bytes, no escape");
	snprintf(big, sizeof(big), "%s\nab\n", soft76);
	T_OK(!im_paste_is_qp(big, strlen(big)), "detect: one soft break and no escape only an encoder writes: not QP");
	snprintf(big, sizeof(big), "%s\nab =3D\n", soft76);
	T_OK(im_paste_is_qp(big, strlen(big)), "detect: one soft break and an =3D");

	/* text that is not QP, each with an '=' */
	{
		static const char *const not_qp[] = {
			"kvm_set_user_memory AddrSpace#0 Slot#3 flags=0x0 gpa=0xfd000000 size=0x1000 ua=0x7f0000000000 guest_memfd=-1 guest_memfd_offset=0x0 ret=-22\n",
			"vfio_dma_map(0x55a21b03a150, 0x380000001000, 0x1000, 0x7f3bac400000) = -22 (Invalid argument)\n",
			"-device vfio-pci,host=84:00.0,id=hostdev0,bus=pci.6,addr=0x0\n",
			"7f2ad4108000-7f2ad410c000 rw-s 00000000 00:0f 3091  anon_inode:[vfio-device] size=0x1000\n",
			"short line ending in an equals sign =\nnext =3D\n",
			"Title\n=====\n",
			"a=3D\n",
		};
		char name[64];
		size_t k;

		for (k = 0; k < sizeof(not_qp) / sizeof(not_qp[0]); k++) {
			T_OK(!im_paste_text(not_qp[k], strlen(not_qp[k]), &t) && !t.qp &&
			     t.buf == not_qp[k] && t.len == strlen(not_qp[k]) && !t.first &&
			     im_paste_line(&t, 7) == 7,
			     (snprintf(name, sizeof(name), "detect: not QP, left alone (text %zu)", k), name));
			im_paste_text_free(&t);
		}
	}
	/* 08's shape with a line of 77 bytes, an '=' that starts no escape, or
	 * a lower-case escape: not QP, left alone */
	snprintf(big, sizeof(big), "%s\nab =3D\n%s\n", soft76, "y123456789y123456789y123456789y123456789y123456789y123456789y123456789y123456");
	T_OK(!im_paste_is_qp(big, strlen(big)), "detect: a line over 76 bytes: not QP");
	snprintf(big, sizeof(big), "%s\nab =3D ret=-22\n", soft76);
	T_OK(!im_paste_is_qp(big, strlen(big)), "detect: an '=' that starts no escape (ret=-22): not QP");
	snprintf(big, sizeof(big), "%s\nab =3d\n%s\n", soft76, soft76);
	T_OK(!im_paste_is_qp(big, strlen(big)), "detect: a lower-case escape is no encoder's: not QP");
	snprintf(big, sizeof(big), "> > > %s\nab =3D\n", soft76);
	T_OK(im_paste_is_qp(big, strlen(big)), "detect: a quote prefix added after encoding is not counted in 76");
}

/* every reader names the file's lines, not the decoded ones */
static void test_qp_readers(void)
{
	static const char maps[] =
		"a line that a reader does not understand, long enough to be soft-broken=\n"
		" here\n"
		"7f2ad4108000-7f2ad410c000 rw-s 00000000 00:0f 3091      anon_inode:[vfio-=\n"
		"device]\n"
		"7f2ad4110000-7f2ad4114000 rw-s 40000000000 00:0f 3091   anon_inode:[vfio-=\n"
		"device]\n";
	struct im_err err = { 0 };
	struct im_maps_paste mp;
	struct im_trace tr;
	struct im_mtree mt;

	T_OK(!im_maps_paste_parse(maps, sizeof(maps) - 1, "maps.txt", &mp, &err) && mp.qp &&
	     mp.qp_soft == 3 && mp.nmaps == 2 && mp.maps[0].line == 3 && mp.maps[1].line == 5 &&
	     mp.maps[1].vfio && mp.unknown == 1 && mp.first_unknown == 1,
	     "maps-paste: QP decoded, mappings named by their file lines");
	im_maps_paste_free(&mp);

	T_OK(!im_trace_parse(qp08, sizeof(qp08) - 1, "08.txt", &tr, &err) && tr.qp && tr.qp_soft == 1 &&
	     tr.ndma == 1 && tr.dma[0].iova == 0xf8000000 && tr.dma[0].end == 0xf8005fff &&
	     tr.dma[0].hva == 0x7f691e800000 && tr.dma[0].line == 3,
	     "trace: 08's event read whole (0xf8005fff, not 0xf8005ff), at its first file line");
	im_trace_free(&tr);
	{
		static const char bad[] =
			"kvm_set_user_memory Slot#0 flags=3D0x0 gpa=3D0x0 size=3D0x1000 ua=3D0x10=\n"
			"00 ret=3D0\n"
			"kvm_set_user_memory Slot#1 flags=3D0x0 gpa=3Dzz size=3D0x1000 ua=3D0x1000=\n"
			" ret=3D0\n";

		T_OK(!im_trace_parse(bad, sizeof(bad) - 1, "bad.txt", &tr, &err) && tr.qp &&
		     tr.nslots == 1 && tr.slots[0].hva == 0x1000 && tr.malformed == 1 &&
		     tr.first_malformed == 3, "trace: a malformed event named by its file line (3, not 2)");
		im_trace_free(&tr);
	}
	{
		static const char mtree[] =
			"not understood, and long enough for a soft break at seventy-six bytes.=\n"
			"..\n"
			"memory-region: system\n"
			"  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
			"    00000000fc078000-00000000fc078fff (prio 1, ram): 0000:0a:00.0 BAR 0 m=\n"
			"maps[0]\n";

		T_OK(!im_mtree_parse(mtree, sizeof(mtree) - 1, "mtree.txt", &mt, &err) && mt.qp &&
		     mt.qp_soft == 2 && mt.nlines == 4 && mt.lines[1].line == 3 && mt.lines[3].line == 5 &&
		     strstr(mt.lines[3].text, "BAR 0 mmaps[0]") && mt.unknown == 1 && mt.first_unknown == 1,
		     "mtree: QP decoded, lines named by their file lines");
		im_mtree_free(&mt);
	}
}

/* rules drawn round a paste, and a maps line's path a mail wrapped */
static void test_rules_paths(void)
{
	static const struct { const char *s; bool rule; } rules[] = {
		{ "#####################", true }, { "#", true }, { "  ===  ", true },
		{ "---", true }, { "--", false }, { "~~~~", true }, { "#-#", false },
		{ "", false }, { "   ", false }, { "(gdb)", false }, { "0x56540d8c8da0)", false },
	};
	const char *ws, *we;
	char name[80];
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(name, sizeof(name), "rule: \"%s\" %s", rules[i].s, rules[i].rule ? "is one" : "is none");
		T_OK(im_paste_rule(rules[i].s, rules[i].s + strlen(rules[i].s)) == rules[i].rule, name);
	}
	ws = "  anon_inode:[vfio-device]  ";
	we = im_paste_path_word(ws, ws + strlen(ws), &ws);
	T_OK(we && (size_t)(we - ws) == 24 && !memcmp(ws, "anon_inode:[vfio-device]", 24),
	     "path word: a wrapped anon_inode path, blanks around it");
	ws = "> /usr/bin/qemu-system-x86_64";
	T_OK(im_paste_path_word(ws, ws + strlen(ws), &ws) != NULL && *ws == '/',
	     "path word: a quoted file path");
	ws = "anon_inode:[vfio-device] x";
	T_OK(!im_paste_path_word(ws, ws + strlen(ws), &ws), "path word: two words are no path");
	ws = "(I/O) (@ 0x56540d8c7c30)";
	T_OK(!im_paste_path_word(ws, ws + strlen(ws), &ws), "path word: a gdb continuation is no path");
}

/* "-" given to two readers (--maps - --mtree -): both get the text */
static void test_stdin_twice(void)
{
	static const char txt[] = "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653 anon_inode:[vfio-device]\n";
	struct im_err err = { 0 };
	const char *name;
	char *a = NULL, *b = NULL, *c = NULL;
	size_t la = 0, lb = 0, lc = 0;
	int p[2], saved = dup(0);

	if (saved < 0 || pipe(p) || write(p[1], txt, sizeof(txt) - 1) != (ssize_t)(sizeof(txt) - 1) ||
	    close(p[1]) || dup2(p[0], 0) < 0) {
		T_OK(false, "stdin: a pipe for standard input");
		return;
	}
	close(p[0]);
	T_OK(!im_paste_read("-", 1 << 20, &name, &a, &la, &err) && la == sizeof(txt) - 1 &&
	     !memcmp(a, txt, la) && !strcmp(name, "<stdin>"), "stdin: the first reader reads it");
	T_OK(!im_paste_read("-", 1 << 20, &name, &b, &lb, &err) && lb == la && !memcmp(b, txt, lb),
	     "stdin: a second reader gets the same text");
	T_OK(im_paste_read("-", 8, &name, &c, &lc, &err) == -EFBIG && !c,
	     "stdin: a later reader's bound holds");
	free(a);
	free(b);
	dup2(saved, 0);
	close(saved);
}

int main(void)
{
	const char *ev = "kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x80000000 ua=0x7f0000000000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0";

	test_rules_paths();
	test_stdin_twice();
	same(ev, ev, "a bare line is its own data");
	same("", "", "an empty line");
	same("   \t", "", "blanks only: nothing");
	same("    info mtree -f", "info mtree -f", "leading blanks");
	same("> > kvm_set_user_memory x", "kvm_set_user_memory x", "two quote levels, spaced");
	same(">>kvm_set_user_memory x", "kvm_set_user_memory x", "two quote levels, packed");
	same("> 1234@1670000000.123456:kvm_set_user_memory x", "kvm_set_user_memory x",
	     "a quoted QEMU 7.2 log line");
	same("2026-12-03T14:10:34.804898Z kvm_set_user_memory x", "kvm_set_user_memory x",
	     "QEMU 11.1's ISO time");
	same("2026-12-03T14:10:34Z qemu-system-x86_64: vfio_dma_map(0x55, 0x0, 0x1000, 0x7f) = -22 (Invalid argument)",
	     "qemu-system-x86_64: vfio_dma_map(0x55, 0x0, 0x1000, 0x7f) = -22 (Invalid argument)",
	     "an ISO time, then QEMU's own error line: its program name is data");
	same("2026-12-03T14:10:34+0000 host1 qemu-system-x86_64[4242]: kvm_set_user_memory x",
	     "kvm_set_user_memory x", "journalctl -o short-iso: time, host and tag");
	same("Dec  3 14:10:34 host1 libvirtd[812]: error : qemuProcessReportLogError:1 : x",
	     "error : qemuProcessReportLogError:1 : x", "syslog: time, host and tag[pid]");
	same("Dec 13 14:10:34 host1 kernel: vfio-pci 0000:01:00.0: BAR 0: can't reserve",
	     "vfio-pci 0000:01:00.0: BAR 0: can't reserve", "syslog: a tag without a pid");
	same("Dec 13 14:10:34.123456 host1 kernel: x", "x", "rsyslog's high-precision time");
	same("2026-12-03T14:10:34.804898Z kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0",
	     "kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0",
	     "an event's own words are no host and tag");
	same("1234@:x", "x", "a pid@ with no time is still QEMU's prefix");
	same("12a@1.2:x", "12a@1.2:x", "not digits: no prefix");
	same("2026-12-03 14:10:34.804+0000: 1234: info : x", "2026-12-03 14:10:34.804+0000: 1234: info : x",
	     "libvirt's log time is not skipped (its lines are libvirt's, not QEMU's)");
	same("Foo  3 14:10:34 h t: x", "Foo  3 14:10:34 h t: x", "not a month: no syslog time");
	same("\xd1\x8f\xd0\xbd\xd0\xb2 13 18:17:24 VM qemu-system-x86_64[7131]: vfio_region_mmap Region ",
	     "vfio_region_mmap Region ", "journalctl in a Russian locale (paste 07): time, host and tag");
	same("\xce\x94\xce\xb5\xce\xba.  3 18:17:24 h t: x", "x", "a locale's month with a '.'");
	same("\xd1\x8f\xd0\xbd\xd0\xb2 13 18:17:24 x", "\xd1\x8f\xd0\xbd\xd0\xb2 13 18:17:24 x",
	     "a locale's month without a host and tag is not skipped");
	same("\xd1\x8f 13 18:17:24 h t: x", "\xd1\x8f 13 18:17:24 h t: x",
	     "one letter (two bytes) is no month");
	same("\xd1\x8f" "a 13 18:17:24 h t: x", "\xd1\x8f" "a 13 18:17:24 h t: x",
	     "a month of letters and ASCII is not a locale's");
	same("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653   anon_inode:[vfio-device]",
	     "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653   anon_inode:[vfio-device]",
	     "a maps line is data");
	/* never past the end, whatever the prefix */
	{
		const char *s = "2026-12-03T14:10:34Z ";
		T_OK(im_paste_strip(s, s + 10) == s, "a cut ISO time is not skipped");
		T_OK(data(s) == s + strlen(s), "an ISO time with nothing after: the end");
		s = "> > ";
		T_OK(data(s) == s + 4, "quote markers only: the end");
		/* unquote keeps the indentation that makes info mtree a tree */
		s = "> >>   0000000000000000-ffffffffffffffff (prio 0, container): pci";
		T_OK(im_paste_unquote(s, s + strlen(s)) == s + 5, "unquote: the markers, not the indent");
		s = ">";
		T_OK(im_paste_unquote(s, s + 1) == s + 1, "unquote: a marker alone, never past the end");
	}
	test_qp_decode();
	test_qp_detect();
	test_qp_readers();
	T_DONE();
}
