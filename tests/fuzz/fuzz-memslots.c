// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: memslots.c's parser, then correlate over the result. */
// seeds: tests/fixtures/*/iommu-map/memslots tests/data/qemu/seed-memslots
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_model m;
	struct im_err e;

	im_model_init(&m);
	if (!im_memslots_parse((const char *)data, size, "fuzz", &m, &e))
		im_correlate(&m);
	im_model_free(&m);
	return 0;
}
