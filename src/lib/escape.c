// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * escape.c - the UTF-8 rule and the terminal escape of escape.h.  Every
 * string the text views and main's messages show that came from the input
 * goes through here; JSON (jsonw.c) uses the same UTF-8 rule.
 */
#include <errno.h>
#include <string.h>
#include "lib/escape.h"

static const char hexdigit[] = "0123456789abcdef";

int im_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

static size_t hex(char *out, const unsigned char *s, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		out[4 * i] = '\\';
		out[4 * i + 1] = 'x';
		out[4 * i + 2] = hexdigit[s[i] >> 4];
		out[4 * i + 3] = hexdigit[s[i] & 15];
	}
	return 4 * k;
}

/*
 * A bidirectional formatting character: U+061C, U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069.  Printed raw, one reorders what the terminal shows after it
 * ("Trojan Source", CVE-2021-42574), so a path can read as another.
 */
static bool bidi(const unsigned char *s, int k)
{
	if (k == 2)
		return s[0] == 0xd8 && s[1] == 0x9c;
	return k == 3 && s[0] == 0xe2 &&
	       ((s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae))) ||
		(s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

/*
 * The character at s[0..n): returns how many bytes of s it is; *olen is the
 * length of its escape in out (at most 12), or 0 when it goes as it is.
 */
static size_t unit(const unsigned char *s, size_t n, char out[12], size_t *olen)
{
	unsigned char c = s[0];
	int k;

	*olen = 0;
	if (c >= 0x20 && c < 0x7f && c != '\\')
		return 1;
	if (c == '\\') {
		out[0] = out[1] = '\\';
		*olen = 2;
		return 1;
	}
	k = c < 0x80 ? -1 : im_utf8_seq(s, n);
	if (k < 0) {			/* a control byte, or not UTF-8: this byte */
		*olen = hex(out, s, 1);
		return 1;
	}
	if (c == 0xc2 && s[1] < 0xa0)	/* U+0080-U+009F: C1 controls */
		*olen = hex(out, s, 2);
	else if (bidi(s, k))
		*olen = hex(out, s, (size_t)k);
	return (size_t)k;
}

bool im_term_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, olen;
	char out[12];

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			i++;
			continue;
		}
		i += unit(p + i, n - i, out, &olen);
		if (olen)
			return false;
	}
	return true;
}

size_t im_term_escape(char *dst, size_t cap, const char *s, size_t n, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len = 0, k, olen;
	char out[12];

	while (i < n) {
		k = unit(p + i, n - i, out, &olen);
		if (len + (olen ? olen : k) >= cap)
			break;
		memcpy(dst + len, olen ? out : s + i, olen ? olen : k);
		len += olen ? olen : k;
		i += k;
	}
	if (cap)
		dst[len] = '\0';
	if (used)
		*used = i;
	return len;
}

const char *im_term_str(char *buf, size_t cap, const char *s)
{
	size_t n, used, len;

	if (!s)
		return NULL;
	n = strlen(s);
	if (im_term_clean(s, n))
		return s;
	len = im_term_escape(buf, cap - 3, s, n, &used);
	if (used < n)
		memcpy(buf + len, "...", 4);
	return buf;
}

int im_term_fputn(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k = 0, olen = 0;
	char out[12];

	while (i < n) {
		/* the longest run that goes out as it is */
		for (run = i; run < n; run += k) {
			k = unit(p + run, n - run, out, &olen);
			if (olen)
				break;
		}
		if (run > i)
			fwrite(s + i, 1, run - i, f);
		if (run == n)
			break;
		fwrite(out, 1, olen, f);
		i = run + k;
	}
	return ferror(f) ? -EIO : 0;
}

int im_term_fputs(FILE *f, const char *s)
{
	return s ? im_term_fputn(f, s, strlen(s)) : 0;
}
