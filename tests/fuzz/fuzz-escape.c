// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-escape.c - the terminal escape (escape.c) on arbitrary bytes.  The
 * escape must hold no control byte (C0, DEL, C1) and be valid UTF-8; it must
 * decode back to the input (\\ and \xNN are its only backslashes); the FILE
 * writer must write what the buffer escape does; a string is "clean" iff its
 * escape is itself; and at every buffer size the cut is a prefix of the
 * whole escape that ends on a whole escape, of the input it says it used.
 * The last input byte is the cut's buffer size.
 */
/* seeds: tests/fixtures/seed-2021/proc/2021/comm */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/escape.h"

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* the escape read back; aborts on a backslash that is not \\ or \xNN */
static size_t unescape(const char *e, size_t n, unsigned char *out)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (e[i] != '\\') {
			out[k++] = (unsigned char)e[i++];
		} else if (i + 1 < n && e[i + 1] == '\\') {
			out[k++] = '\\';
			i += 2;
		} else if (i + 3 < n && e[i + 1] == 'x' && hexval((unsigned char)e[i + 2]) >= 0 &&
			   hexval((unsigned char)e[i + 3]) >= 0) {
			out[k++] = (unsigned char)(hexval((unsigned char)e[i + 2]) << 4 |
						   hexval((unsigned char)e[i + 3]));
			i += 4;
		} else {
			abort();
		}
	}
	return k;
}

/* no control byte, and valid UTF-8 (by im_utf8_seq: the unit tests check it) */
static void check_safe(const unsigned char *e, size_t n)
{
	size_t i = 0;
	int k;

	while (i < n) {
		if (e[i] < 0x20 || e[i] == 0x7f)
			abort();
		k = im_utf8_seq(e + i, n - i);
		if (k < 0 || (e[i] == 0xc2 && e[i + 1] < 0xa0))
			abort();
		i += (size_t)k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t n = size ? size - 1 : 0, cap = size ? data[size - 1] : 0;
	size_t big = 8 * n + 1, len, used, wlen = 0, clen;
	char *e = malloc(big), *c = malloc(cap + 1), *w = NULL;
	unsigned char *back = malloc(n + 1);
	FILE *f = open_memstream(&w, &wlen);

	if (!e || !c || !back || !f)
		abort();
	len = im_term_escape(e, big, s, n, &used);
	if (used != n || strlen(e) != len)
		abort();
	check_safe((const unsigned char *)e, len);
	if (unescape(e, len, back) != n || memcmp(back, data, n))
		abort();
	if (im_term_clean(s, n) != (len == n && !memcmp(e, data, n)))
		abort();
	if (im_term_fputn(f, s, n))
		abort();
	fclose(f);
	if (wlen != len || memcmp(w, e, len))
		abort();
	/* the cut: a prefix of e, which is the whole escape of what it used */
	clen = im_term_escape(c, cap + 1, s, n, &used);
	if (clen > cap || clen > len || memcmp(c, e, clen) || c[clen] || used > n)
		abort();
	if (im_term_escape(e, big, s, used, NULL) != clen || memcmp(e, c, clen))
		abort();
	free(e);
	free(c);
	free(back);
	free(w);
	return 0;
}
