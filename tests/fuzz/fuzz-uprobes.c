// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-uprobes.c - the perf sample parser of watch's uprobe method on
 * arbitrary bytes (a sample body as the kernel's ring buffer holds it).
 */
/* seeds: tests/unit/data/uprobe-sample.bin */
#include <stdint.h>
#include <string.h>
#include "watch/uprobes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_uprobe_rec r;
	volatile uint64_t sum = 0;

	if (im_uprobes_parse_sample(data, size, &r) == 0 && r.stack)
		for (uint64_t i = 0; i < r.stack_len; i++)
			sum += r.stack[i];	/* the stack lies inside the input */
	(void)sum;
	return 0;
}
