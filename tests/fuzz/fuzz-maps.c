// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: proc.c's maps and fdinfo parsers. */
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_map *maps = NULL;
	struct im_err e;
	size_t n = 0;
	char *buf = malloc(size + 1), *sp = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (!im_proc_parse_maps(buf, size, "fuzz", &maps, &n, &e)) {
		while (n)
			free(maps[--n].path);
		free(maps);
	}
	if (!im_proc_parse_fdinfo(buf, &sp))
		free(sp);
	free(buf);
	return 0;
}
