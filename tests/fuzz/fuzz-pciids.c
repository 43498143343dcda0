// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-pciids.c - lib/pciids.c's excerpt of a pci.ids.  The input's first
 * byte says how many vendor:device pairs are wanted (0-15), the next 4 each
 * are the pairs (host order), its next byte the size of the pieces the list
 * is fed in (1-256, as pci.c feeds it reads), and the rest is the list.
 * Checks: the excerpt is the same whether fed whole or in pieces; it is
 * never longer than the list and a newline; each line of it is a line of
 * the list; and each is a wanted vendor's line ("hhhh" and a blank) or a
 * device line under it whose pair is wanted.
 */
/* Seeds: tests/fuzz/seeds/pciids/ (a header, then tests/pci.ids or parts of it). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "lib/pciids.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* the excerpt of list[0, n) fed in pieces of `piece` bytes, into out */
static size_t excerpt(const uint32_t *want, size_t nwant, const char *list, size_t n,
		      size_t piece, char *in, char *out)
{
	struct im_pciids f;
	size_t pos = 0, have = 0, len = 0, used;

	im_pciids_init(&f, want, nwant);
	for (;;) {
		size_t take = n - pos < piece ? n - pos : piece;

		memcpy(in + have, list + pos, take);
		pos += take;
		have += take;
		len += im_pciids_filter(&f, in, have, take == 0, out + len, &used);
		memmove(in, in + used, have - used);
		have -= used;
		if (!take)
			return len;
	}
}

/* "hhhh" and a blank at l: the ID, else -1 (the check's own reading, by ctype and strtol) */
static long hex4(const char *l, size_t n)
{
	char t[5] = { 0 };

	if (n < 5 || !isxdigit((unsigned char)l[0]) || !isxdigit((unsigned char)l[1]) ||
	    !isxdigit((unsigned char)l[2]) || !isxdigit((unsigned char)l[3]) ||
	    (l[4] != ' ' && l[4] != '\t'))
		return -1;
	memcpy(t, l, 4);
	return strtol(t, NULL, 16);
}

static bool has(const uint32_t *w, size_t n, uint32_t key)
{
	return bsearch(&key, w, n, sizeof(*w), cmp_u32) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t want[15];
	size_t nwant, piece, n, a, b, i;
	const char *list;
	char *in, *whole, *cut, *p;
	long vendor = -1;

	if (size < 2)
		return 0;
	nwant = data[0] & 15;
	if (size < 2 + 4 * nwant)
		return 0;
	memcpy(want, data + 1, 4 * nwant);
	qsort(want, nwant, sizeof(want[0]), cmp_u32);
	piece = (size_t)data[1 + 4 * nwant] + 1;
	list = (const char *)data + 2 + 4 * nwant;
	n = size - 2 - 4 * nwant;
	in = malloc(n + piece + 1);
	whole = malloc(n + 2);
	cut = malloc(n + 2);
	if (!in || !whole || !cut)
		abort();
	a = excerpt(want, nwant, list, n, n + 1, in, whole);
	b = excerpt(want, nwant, list, n, piece, in, cut);
	if (a != b || memcmp(whole, cut, a) || a > n + 1)
		abort();
	for (p = whole; p < whole + a; p += i + 1) {
		char *nl = memchr(p, '\n', (size_t)(whole + a - p));
		long id;

		if (!nl)
			abort();	/* every kept line ends with one */
		i = (size_t)(nl - p);
		if (!memmem(list, n, p, i))
			abort();
		if (p[0] == '\t') {
			id = hex4(p + 1, i - 1);
			if (vendor < 0 || id < 0 || !has(want, nwant, (uint32_t)vendor << 16 | (uint32_t)id))
				abort();
		} else {
			vendor = hex4(p, i);
			if (vendor < 0)
				abort();
			for (id = 0; id < (long)nwant && want[id] >> 16 != (uint32_t)vendor; id++)
				;
			if (id == (long)nwant)
				abort();
		}
	}
	free(in);
	free(whole);
	free(cut);
	return 0;
}
