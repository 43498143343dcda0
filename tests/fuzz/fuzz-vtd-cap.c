// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: iommu-width.c's VT-d cap parser and width. */
/* Seeds: tests/fuzz/seeds/vtd-cap/. */
#include "iommu-map.h"
#include "sources/widths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int mgaw, sagaw;
	uint64_t cap;

	if (!im_vtd_cap_parse((const char *)data, size, &cap))
		im_vtd_domain_width(cap, &mgaw, &sagaw);
	return 0;
}
