// SPDX-License-Identifier: GPL-2.0-or-later
/* pciids.h - the lines of a pci.ids that name given devices (pciids.c) */
#ifndef IM_PCIIDS_H
#define IM_PCIIDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct im_pciids {
	const uint32_t *want;	/* vendor << 16 | device, sorted */
	size_t nwant;
	bool in;		/* the lines read are in a wanted vendor's block */
	uint32_t vendor;	/* that vendor */
};

void im_pciids_init(struct im_pciids *f, const uint32_t *want, size_t nwant);
/* whether line [l, l+n) (no '\n') is kept; moves f to the block it opens */
bool im_pciids_keep(struct im_pciids *f, const char *l, size_t n);
/*
 * The kept lines of buf[0, len), each with its '\n', into out (room for
 * len + 1 bytes); returns their length.  *used: the bytes of buf read, up
 * to the last '\n' (all of them when eof: a last line without one is a line).
 */
size_t im_pciids_filter(struct im_pciids *f, const char *buf, size_t len, bool eof,
			char *out, size_t *used);
#endif
