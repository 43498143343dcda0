// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: lib/parse.c's /proc/PID/fdinfo/N parser (a vfio device
 * fd's vfio-device-syspath:), on a NUL-terminated copy of the input. */
// seeds: tests/fixtures/*/proc/*/fdinfo/*
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *sp = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (!im_proc_parse_fdinfo(buf, &sp))
		free(sp);
	free(buf);
	return 0;
}
