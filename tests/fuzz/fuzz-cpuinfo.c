// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: cpuinfo.c's "address sizes" parser. */
/* Seeds: tests/fuzz/seeds/cpuinfo/. */
#include "iommu-map.h"
#include "sources/widths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int bits;

	im_cpuinfo_parse((const char *)data, size, &bits);
	return 0;
}
