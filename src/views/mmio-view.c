// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmio-view.c - the report's "MMIO windows" part, in text and JSON: the root
 * bus's 32-bit and 64-bit windows, how full they are, and the guest BARs
 * QMP listed; unknown, with why, without a QMP source.
 */
#include <stdio.h>
#include "checks/mmio.h"
#include "iommu-map.h"
#include "lib/jsonw.h"

static void text_window(FILE *f, unsigned int bits, const struct im_mmio_window *w)
{
	char size[32], used[32], gap[32];

	if (!w->present) {
		fprintf(f, "  %u-bit: none (QEMU reports no %u-bit window)\n", bits, bits);
		return;
	}
	fprintf(f, "  %u-bit: 0x%" PRIx64 "-0x%" PRIx64 " (%s): %u BAR(s), %s used, largest free stretch %s\n",
		bits, w->start, w->end - 1, im_human_size(w->end - w->start, size), w->nbars,
		w->used ? im_human_size(w->used, used) : "0",
		w->largest_gap ? im_human_size(w->largest_gap, gap) : "0");
}

void im_mmio_text(FILE *f, const struct im_model *m)
{
	const struct im_mmio *w = &m->mmio;
	char hs[32];

	if (!w->known) {
		fprintf(f, "MMIO windows: unknown (%s)\n", IM_TERM(w->why ? w->why : "not read"));
		return;
	}
	fprintf(f, "MMIO windows: root bus of %s", IM_TERM(w->host_bridge));
	if (w->hole64_size_known)
		fprintf(f, ", pci-hole64-size %s", im_human_size(w->hole64_size, hs));
	fprintf(f, "; firmware %s (%s)\n", w->firmware ? im_firmware_name(w->firmware) : "unknown",
		IM_TERM(w->firmware_why ? w->firmware_why : "QEMU's command line was not read"));
	text_window(f, 32, &w->w32);
	text_window(f, 64, &w->w64);
}

static void json_window(struct jw *j, const char *key, const struct im_mmio_window *w)
{
	jw_key(j, key);
	if (!w->present) {
		jw_null(j);
		return;
	}
	jw_obj_begin(j);
	jw_khex(j, "start", w->start);
	jw_khex(j, "last", w->end - 1);
	jw_khex(j, "size", w->end - w->start);
	jw_khex(j, "used", w->used);
	jw_khex(j, "largest_free", w->largest_gap);
	jw_kint(j, "bars", w->nbars);
	jw_obj_end(j);
}

static void json_bars(struct jw *j, const struct im_model *m)
{
	const struct im_mmio *w = &m->mmio;
	size_t i;

	jw_key(j, "guest_bars");
	jw_arr_begin(j);
	for (i = 0; i < w->nbars; i++) {
		const struct im_guest_pci_bar *b = &w->bars[i];

		jw_obj_begin(j);
		jw_kstr(j, "guest_bdf", b->guest_bdf);
		jw_kint(j, "bar", b->bar);
		jw_khex_or_null(j, "gpa", b->gpa != UINT64_MAX, b->gpa);
		jw_khex(j, "size", b->size);
		jw_kbool(j, "mem64", b->mem64);
		jw_kbool(j, "prefetchable", b->prefetch);
		jw_kstr(j, "host_bdf", b->dev >= 0 ? m->devices[b->dev].bdf : NULL);
		jw_obj_end(j);
	}
	jw_arr_end(j);
}

void im_mmio_json(struct jw *j, const struct im_model *m)
{
	const struct im_mmio *w = &m->mmio;

	jw_key(j, "mmio_windows");
	if (!w->known) {
		jw_null(j);
		jw_kstr(j, "mmio_windows_unknown", w->why ? w->why : "not read");
		return;
	}
	jw_obj_begin(j);
	jw_kstr(j, "host_bridge", w->host_bridge);
	jw_khex_or_null(j, "pci_hole64_size", w->hole64_size_known, w->hole64_size);
	jw_kstr(j, "firmware", im_firmware_name(w->firmware));
	jw_kstr(j, "firmware_from", w->firmware_why);
	json_window(j, "window_32", &w->w32);
	json_window(j, "window_64", &w->w64);
	json_bars(j, m);
	jw_obj_end(j);
	jw_knull(j, "mmio_windows_unknown");
}
