// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-gdbexport.c - libFuzzer target for im_gdbexport_parse() (the gdb
 * script's JSON export).  Links src/sources/gdbexport.c, model.c, util.c, json-c.
 */
/* seeds: tests/fixtures-gdb/*.json */
#include <stddef.h>
#include <stdint.h>

#include "sources/gdbexport.h"
#include "iommu-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_model m;
	struct im_err err;

	im_model_init(&m);
	m.pid = 4242;
	im_gdbexport_parse(&m, (const char *)data, size, "fuzz", &err);
	im_model_free(&m);
	return 0;
}
