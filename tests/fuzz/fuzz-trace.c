// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-trace.c - im_trace_parse() on arbitrary text, then what the pipeline
 * does with a trace: its memslots and DMA maps into a model (one vfio
 * device with a 16 MiB BAR mapped by QEMU), the findings of its failed
 * lines, correlate (in the pipeline's two halves), the placement of its DMA
 * ranges on BARs and of its region mmaps in the maps, and im_place_hva on
 * each DMA range's host side.
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz-trace.c build-fuzz/libiommu-map.a -lpci -ljson-c */
/* seeds: tests/data/qemu/lab-6.1-kvm-trace.log tests/data/qemu/lab-6.1-tcg-trace.log tests/data/qemu/trace-9.0-as.log tests/data/qemu/trace-10.0-pid.log tests/data/qemu/trace-11.1-iso.log */
// seeds: tests/pastes/0[5-8]-*/paste.txt tests/pastes/1[0-9]-*/paste.txt tests/pastes/2[0238]-*/paste.txt tests/pastes/29-*/paste.txt tests/pastes/30-*/paste.txt
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/trace.h"

static int setup(struct im_model *m)
{
	struct im_bar *b;

	m->devices = calloc(1, sizeof(*m->devices));
	m->maps = calloc(1, sizeof(*m->maps));
	if (!m->devices || !m->maps)
		return -1;
	m->ndevices = 1;
	snprintf(m->devices[0].bdf, 16, "0000:0a:00.0");
	m->devices[0].driver = strdup("vfio-pci");
	m->devices[0].vfio_cdev = -1;
	b = &m->devices[0].bars[0];
	b->kind = IM_BAR_MEM64;
	b->hpa = 0x380000000000;
	b->size = 0x1000000;
	m->nmaps = 1;
	m->maps[0] = (struct im_map){ .start = 0x7f0b5c000000, .end = 0x7f0b5d000000,
		.offset = 0x380000000000, .path = strdup("/dev/vfio/12"), .line = 1,
		.vfio = true, .dev = -1, .bar = -1, .cdev = -1 };
	m->kernel = strdup("6.1.0-56-amd64");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_trace t;
	struct im_err err;
	struct im_model m;

	memset(&t, 0, sizeof(t));
	if (im_trace_parse((const char *)data, size, "fuzz", &t, &err))
		return 0;
	im_model_init(&m);
	if (!setup(&m) && !im_trace_apply(&m, &t, "fuzz") &&
	    !im_tfail_findings(&m, &t, "fuzz") && !im_correlate_maps(&m) &&
	    !im_trace_place(&m, &t, "fuzz") && !im_correlate_join(&m)) {
		struct im_place p;
		size_t i;

		/* each DMA range's host side, by HVA (and the region mmaps there) */
		for (i = 0; i < m.ndma; i++)
			im_place_hva(&m, m.dma[i].hva + m.dma[i].size / 2, &p);
	}
	im_model_free(&m);
	im_trace_free(&t);
	return 0;
}
