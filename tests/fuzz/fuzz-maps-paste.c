// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: sources/maps-paste.c, a pasted maps or pmap -X. */
#include <stdint.h>
#include "iommu-map.h"
#include "sources/maps-paste.h"

/* seeds: tests/pastes/04-maps-grep-vfio-three-regions/paste.txt tests/pastes/21-full-maps-vfio-device-systemd-issue/paste.txt tests/pastes/25-blog-maps-sizes-nbsp/paste.txt tests/pastes/27-pmap-X-kata-h100/paste.txt tests/pastes/01-seed-gdb-mtree-maps-lfdr/paste.txt */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_maps_paste mp;
	struct im_err e;

	if (!im_maps_paste_parse((const char *)data, size, "fuzz", &mp, &e))
		im_maps_paste_free(&mp);
	return 0;
}
