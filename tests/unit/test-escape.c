// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of escape.c: the terminal escape of strings from the input
 * (ESC and CSI, BEL, CR and LF in a name, backslash, DEL, C1 controls,
 * invalid and overlong UTF-8, valid UTF-8 unchanged), the cut at a buffer's
 * end, the FILE writer, and the UTF-8 rule JSON shares.
 */
#include "iommu-map.h"
#include "t.h"

/* s[0..n) through the buffer escape, with room enough */
static const char *esc(const char *s, size_t n)
{
	static char buf[1024];

	im_term_escape(buf, sizeof(buf), s, n, NULL);
	return buf;
}
#define ESC(lit) esc(lit, sizeof(lit) - 1)

/* the same through the FILE writer, which must agree */
static bool writer_agrees(const char *s, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool ok;

	if (!f)
		return false;
	ok = !im_term_fputn(f, s, n);
	fclose(f);
	ok = ok && !strcmp(out, esc(s, n));
	free(out);
	return ok;
}

static void test_bytes(void)
{
	T_EQ_STR(ESC("qemu-system-x86"), "qemu-system-x86", "plain ASCII unchanged");
	T_EQ_STR(ESC("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m", "ESC of a CSI sequence");
	T_EQ_STR(ESC("\x1b]0;title\a"), "\\x1b]0;title\\x07", "OSC title with BEL");
	T_EQ_STR(ESC("a\rb\nc\td"), "a\\x0db\\x0ac\\x09d", "CR, LF and TAB inside a name");
	T_EQ_STR(ESC("C:\\dir\\x1b"), "C:\\\\dir\\\\x1b", "backslash doubled: text \\x1b is not ESC");
	T_EQ_STR(ESC("del\x7f"), "del\\x7f", "DEL");
	T_EQ_STR(esc("a\0b", 3), "a\\x00b", "NUL inside the length");
	T_EQ_STR(ESC("\xc2\x9b" "31m"), "\\xc2\\x9b31m", "C1 CSI (U+009B) escaped byte by byte");
	T_EQ_STR(ESC("\xc2\x85"), "\\xc2\\x85", "C1 NEL (U+0085)");
	T_EQ_STR(ESC("\xc2\xa0"), "\xc2\xa0", "U+00A0 is not C1: unchanged");
	T_EQ_STR(ESC("a\xe2\x80\xae" "b"), "a\\xe2\\x80\\xaeb", "bidi RLO (U+202E) escaped byte by byte");
	T_EQ_STR(ESC("\xe2\x81\xa6x\xe2\x81\xa9"), "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9", "bidi isolates LRI, PDI (U+2066, U+2069)");
	T_EQ_STR(ESC("\xe2\x80\x8f\xd8\x9c"), "\\xe2\\x80\\x8f\\xd8\\x9c", "RLM (U+200F) and ALM (U+061C)");
	T_EQ_STR(ESC("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5"), "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5", "U+2029, U+202F, U+2065 are not bidi controls: unchanged");
	T_EQ_STR(ESC("\xff\xfe"), "\\xff\\xfe", "bytes that are never UTF-8");
	T_EQ_STR(ESC("\xc3("), "\\xc3(", "a lead byte without its continuation");
	T_EQ_STR(ESC("\xe2\x82"), "\\xe2\\x82", "a sequence cut at the end");
	T_EQ_STR(ESC("\xc0\xaf"), "\\xc0\\xaf", "overlong '/' (2 bytes)");
	T_EQ_STR(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", "overlong '/' (3 bytes)");
	T_EQ_STR(ESC("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf", "overlong '/' (4 bytes)");
	T_EQ_STR(ESC("\xc1\x9b"), "\\xc1\\x9b", "overlong ESC-like C1");
	T_EQ_STR(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80", "a UTF-16 surrogate");
	T_EQ_STR(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80", "past U+10FFFF");
	T_EQ_STR(ESC("Ger\xc3\xa4t \xe2\x86\x90 \xf0\x9f\x98\x80"), "Ger\xc3\xa4t \xe2\x86\x90 \xf0\x9f\x98\x80",
		 "valid 2-, 3- and 4-byte UTF-8 unchanged");
	T_OK(im_term_clean("Ger\xc3\xa4t", 6) && !im_term_clean("a\x1b", 2) &&
	     !im_term_clean("a\\b", 3) && !im_term_clean("\xff", 1), "clean: only what goes as it is");
	static const char mix[] = "x\x1b[2J\\\xff\xc2\x9b\xe2\x86\x90\n";

	T_OK(writer_agrees(mix, sizeof(mix) - 1), "the FILE writer writes what the buffer escape does");
}

static void test_cut(void)
{
	char buf[16];
	size_t used, len, cap;
	const char *s = "ab\x1b[1m";	/* a, b, \x1b (4 bytes), [, 1, m */
	bool whole = true;

	/* at every size, the output ends on a whole escape and says what it
	 * took: the output lengths at a boundary, and the input then used */
	static const size_t at[] = { 0, 1, 2, 6, 7, 8, 9 }, took[] = { 0, 1, 2, 3, 4, 5, 6 };
	for (cap = 1; cap <= 12; cap++) {
		size_t k, want = 0;

		len = im_term_escape(buf, cap, s, 6, &used);
		for (k = 0; k < 7; k++)
			if (at[k] < cap)
				want = k;
		if (len != at[want] || used != took[want] || buf[len] ||
		    strncmp(buf, "ab\\x1b[1m", len))
			whole = false;
	}
	T_OK(whole, "cut: never inside an escape, NUL-terminated, at every size");
	len = im_term_escape(buf, 6, s, 6, &used);
	T_OK(len == 2 && used == 2 && !strcmp(buf, "ab"), "cut: \\x1b needs 4 bytes and a NUL: 6 holds only ab");
	len = im_term_escape(buf, 7, s, 6, &used);
	T_OK(len == 6 && used == 3 && !strcmp(buf, "ab\\x1b"), "cut: 7 holds the escape");
	len = im_term_escape(buf, 3, "\xe2\x86\x90", 3, &used);
	T_OK(len == 0 && used == 0 && !buf[0], "cut: a UTF-8 character is never split");
	T_OK(im_term_escape(buf, 0, s, 6, &used) == 0 && used == 0, "cut: cap 0 writes nothing");
}

static void test_str(void)
{
	char buf[12];
	const char *clean = "vfio-pci";
	char big[3000];

	T_OK(im_term_str(buf, sizeof(buf), clean) == clean, "str: a clean string is not copied");
	T_OK(im_term_str(buf, sizeof(buf), NULL) == NULL, "str: NULL stays NULL");
	T_EQ_STR(im_term_str(buf, sizeof(buf), "a\x1b"), "a\\x1b", "str: escaped into the buffer");
	T_EQ_STR(im_term_str(buf, sizeof(buf), "\x1b\x1b\x1b"), "\\x1b\\x1b...", "str: cut with ...");
	memset(big, '\x1b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_OK(strlen(IM_TERM(big)) == IM_TERM_BUF - 1 && strstr(IM_TERM(big), "\\x1b...") &&
	     !strchr(IM_TERM(big), '\x1b'), "IM_TERM: a long hostile name is cut, no raw ESC");
}

static void test_utf8(void)
{
	T_OK(im_utf8_seq((const unsigned char *)"a", 1) == 1, "utf8: ASCII 1");
	T_OK(im_utf8_seq((const unsigned char *)"\xc3\xa4", 2) == 2, "utf8: 2 bytes");
	T_OK(im_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4, "utf8: 4 bytes");
	T_OK(im_utf8_seq((const unsigned char *)"\xe2\x86", 2) == -2, "utf8: maximal subpart of a cut one");
	T_OK(im_utf8_seq((const unsigned char *)"\xe0\x80", 2) == -1, "utf8: overlong lead alone");
	T_OK(im_utf8_seq((const unsigned char *)"\x80", 1) == -1, "utf8: a lone continuation");
}

int main(void)
{
	test_bytes();
	test_cut();
	test_str();
	test_utf8();
	T_DONE();
}
