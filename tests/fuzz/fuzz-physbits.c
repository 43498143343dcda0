// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: physbits.c's reading of QEMU's argv, and proc.c's VmPTE. */
// seeds: tests/fixtures/*/proc/*/cmdline
#include "iommu-map.h"
#include "sources/widths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_width w = { 0 };
	uint64_t v;

	im_physbits_parse((const char *)data, size, 46, &w);
	im_width_free(&w);
	im_proc_parse_vmpte((const char *)data, size, &v);
	return 0;
}
