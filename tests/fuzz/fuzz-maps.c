// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: proc.c's maps parser. */
// seeds: tests/fixtures/*/proc/*/maps tests/data/qemu/seed-maps
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_map *maps = NULL;
	struct im_err e;
	size_t n = 0;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (!im_proc_parse_maps(buf, size, "fuzz", &maps, &n, &e)) {
		while (n)
			im_map_path_free(&maps[--n]);
		free(maps);
	}
	free(buf);
	return 0;
}
