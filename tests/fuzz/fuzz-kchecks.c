// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: kchecks.c's parser. */
// seeds: tests/fixtures/*/iommu-map/kernel-checks
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_model m;
	struct im_err e;

	im_model_init(&m);
	im_kchecks_parse((const char *)data, size, "fuzz", &m, &e);
	im_model_free(&m);
	return 0;
}
