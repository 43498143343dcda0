// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: lib/paste.c's prefix skipping, on one line, with the
 * input copied to the heap at its exact size so that any read past the end
 * is ASan's to see. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/paste.h"

/* seeds: tests/unit/data/paste-seeds.txt */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	const char *p;

	if (!s)
		return 0;
	memcpy(s, data, size);
	p = im_paste_strip(s, s + size);
	if (p < s || p > s + size)
		abort();
	free(s);
	return 0;
}
