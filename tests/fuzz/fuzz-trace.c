// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-trace.c - im_trace_parse() on arbitrary text.
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz-trace.c src/sources/trace.c src/lib/util.c src/model.c */
/* seeds: tests/data/qemu/lab-6.1-kvm-trace.log tests/data/qemu/trace-9.0-as.log tests/data/qemu/trace-10.0-pid.log tests/data/qemu/trace-11.1-iso.log */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_trace t;
	struct im_err err;
	struct im_model m;

	if (im_trace_parse((const char *)data, size, "fuzz", &t, &err))
		return 0;
	im_model_init(&m);
	im_trace_apply(&m, &t, "fuzz");
	im_model_free(&m);
	im_trace_free(&t);
	return 0;
}
