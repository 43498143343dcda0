// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: sources/qtree.c, QEMU's info qtree as captured or pasted. */
#include <stdint.h>
#include "iommu-map.h"
#include "sources/qtree.h"

/* seeds: tests/pastes/24-info-qtree-vfio-pci/paste.txt tests/data/qemu/lab-6.1-kvm.hmp-info-qtree.txt tests/data/qemu/lab-6.1-kvm.hmp-info-qtree.qp.txt tests/fixtures/synthetic-5.15-pve/iommu-map/hmp/info-qtree.txt */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_qtree q;
	struct im_err e;
	char g[16];
	size_t i;

	if (im_qtree_parse((const char *)data, size, "fuzz", &q, &e))
		return 0;
	for (i = 0; i < q.n; i++)
		(void)im_qtree_guest_bdf(&q.v[i], g);
	(void)im_qtree_looks((const char *)data, size);
	im_qtree_free(&q);
	return 0;
}
