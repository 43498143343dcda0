// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pciids.c - the lines of a PCI ID list (pci.ids) that name some devices:
 * for each wanted vendor:device pair, the vendor's line "vvvv  Name" and
 * the device's line under it, "\tdddd  Name", as they are.  libpci parses
 * what is kept instead of the whole list (1.3 MiB, a hash entry for each of
 * its 40k lines; Intel's block alone is 3,000 devices), and formats the
 * names as it always does.  Subsystem lines ("\t\t...") are not kept: no
 * subsystem name is looked up.
 *
 * A line is read as libpci reads it: a comment ('#') or a blank line
 * leaves the block it is in open; a line that starts with a tab belongs to
 * the block it is in; any other line starts a block, a vendor's if it
 * starts with four hex digits and a blank (a class section, "C cc  Name",
 * or anything else starts one of no vendor).
 */
#include <stdlib.h>
#include <string.h>
#include "lib/pciids.h"
#include "iommu-map.h"

void im_pciids_init(struct im_pciids *f, const uint32_t *want, size_t nwant)
{
	f->want = want;
	f->nwant = nwant;
	f->in = false;
	f->vendor = 0;
}

/* the first wanted pair at or after key */
static size_t lower_bound(const struct im_pciids *f, uint32_t key)
{
	size_t lo = 0, hi = f->nwant;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->want[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* "hhhh" and a blank at l (n bytes): the ID, else -1 */
static long id4(const char *l, size_t n)
{
	unsigned int id = 0;
	size_t i;

	if (n < 5 || (l[4] != ' ' && l[4] != '\t'))
		return -1;
	for (i = 0; i < 4; i++) {
		int d = im_hex_digit(l[i]);

		if (d < 0)
			return -1;
		id = id << 4 | (unsigned int)d;
	}
	return (long)id;
}

bool im_pciids_keep(struct im_pciids *f, const char *l, size_t n)
{
	uint32_t key;
	size_t k;
	long id;

	if (!n || l[0] == '#')
		return false;
	if (l[0] == '\t') {	/* a device of the block's vendor, or a subsystem */
		if (!f->in || (id = id4(l + 1, n - 1)) < 0)
			return false;
		key = f->vendor << 16 | (uint32_t)id;
		k = lower_bound(f, key);
		return k < f->nwant && f->want[k] == key;
	}
	id = id4(l, n);
	f->in = false;
	if (id < 0)
		return false;
	f->vendor = (uint32_t)id;
	k = lower_bound(f, f->vendor << 16);
	f->in = k < f->nwant && f->want[k] >> 16 == f->vendor;
	return f->in;
}

size_t im_pciids_filter(struct im_pciids *f, const char *buf, size_t len, bool eof,
			char *out, size_t *used)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (!nl && !eof)
			break;	/* the rest comes with the next read */
		if (im_pciids_keep(f, p, (size_t)(le - p))) {
			memcpy(out + n, p, (size_t)(le - p));
			n += (size_t)(le - p);
			out[n++] = '\n';
		}
		p = nl ? nl + 1 : end;
	}
	*used = (size_t)(p - buf);
	return n;
}
