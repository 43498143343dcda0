// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * widths.c - does each guest BAR and memslot fit the address widths it must
 * fit?  The host IOMMU's (vfio DMA-maps guest RAM and, for peer-to-peer,
 * the BARs: an IOVA past the domain's width fails with EINVAL), the host
 * CPU's (KVM and the EPT/NPT) and the guest CPU's phys-bits.  A width that
 * is unknown makes no finding: the report says it is unknown, and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"
#include "sources/widths.h"

void im_width_clause(const struct im_width *w, const char *who, const char *verb,
		     char *b, size_t n)
{
	if (w->bits)
		snprintf(b, n, "%s (%s) %s %u bits", who, w->what ? w->what : "?", verb, w->bits);
	else
		snprintf(b, n, "%s's width is not known (%s)", who, w->why ? w->why : "not read");
}

/* what moves a guest BAR, or guest RAM, below 2^bits */
static void fix_for(bool bar, unsigned int bits, char *b, size_t n)
{
	if (bar)
		snprintf(b, n, "To keep the 64-bit MMIO window below 2^%u: -cpu ...,phys-bits=%u "
			 "(or host-phys-bits=on,host-phys-bits-limit=%u), a smaller window "
			 "(-global q35-pcihost.pci-hole64-size=SIZE), or with OVMF "
			 "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=MB", bits, bits, bits);
	else
		snprintf(b, n, "Guest RAM ends there: give the guest less memory (-m, maxmem=) "
			 "or a host whose width covers it");
}

struct range {
	const char *subject;
	bool bar;
	uint64_t first, last;
};

static int check_range(struct im_model *m, const struct range *g)
{
	unsigned int need = im_bits_for(g->last);
	char rng[96], fix[320];
	int r = 0;

	snprintf(rng, sizeof(rng), "%s 0x%" PRIx64 "-0x%" PRIx64,
		 g->bar ? "the guest BAR at GPA" : "the memslot at GPA", g->first, g->last);
	if (m->iommu_width.bits && need > m->iommu_width.bits) {
		fix_for(g->bar, m->iommu_width.bits, fix, sizeof(fix));
		r = IM_FINDING(m, IM_F_GPA_BEYOND_IOMMU, g->subject, rng, need,
			       m->iommu_width.what, m->iommu_width.bits, fix);
	}
	if (!r && m->cpu_width.bits && need > m->cpu_width.bits) {
		fix_for(g->bar, m->cpu_width.bits, fix, sizeof(fix));
		r = IM_FINDING(m, IM_F_GPA_BEYOND_CPU, g->subject, rng, need,
			       m->cpu_width.bits, m->cpu_width.what, fix);
	}
	if (!r && m->guest_width.bits && need > m->guest_width.bits)
		r = IM_FINDING(m, IM_F_GPA_BEYOND_GUEST, g->subject, rng, need,
			       m->guest_width.bits, m->guest_width.what);
	return r;
}

/* the guest BARs of one device; *used marks their memslots */
static int check_device(struct im_model *m, const struct im_device *d, bool *used)
{
	char subj[64];
	int b, r = 0;
	size_t i;

	for (b = 0; b < IM_NBARS && !r; b++) {
		const struct im_bar *bar = &d->bars[b];
		struct range g = { subj, true, 0, 0 };

		snprintf(subj, sizeof(subj), "%s BAR %d", d->bdf, b);
		for (i = 0; i < bar->nguest; i++) {
			long s = im_find_memslot_gpa(m, bar->guest[i].as_id < 0 ? 0 : bar->guest[i].as_id,
						     bar->guest[i].gpa);

			if (s >= 0)
				used[s] = true;
			if (!g.last || bar->guest[i].gpa + bar->guest[i].size - 1 > g.last) {
				g.first = bar->guest[i].gpa;
				g.last = bar->guest[i].gpa + bar->guest[i].size - 1;
			}
		}
		if (bar->have_guest_gpa) {
			g.first = bar->guest_gpa;
			g.last = bar->guest_gpa + (bar->guest_size ? bar->guest_size : bar->size) - 1;
		}
		if (g.last)
			r = check_range(m, &g);
	}
	return r;
}

int im_widths_check(struct im_model *m)
{
	bool *used = calloc(m->nmemslots + 1, sizeof(*used));
	char subj[64];
	size_t i;
	int r = 0;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < m->ndevices && !r; i++)
		r = check_device(m, &m->devices[i], used);
	for (i = 0; i < m->nmemslots && !r; i++) {
		const struct im_memslot *s = &m->memslots[i];
		struct range g = { subj, false, s->gpa, s->gpa + s->size - 1 };

		if (used[i] || !s->size || s->as_id)
			continue;
		snprintf(subj, sizeof(subj), "memslot %d", s->slot);
		r = check_range(m, &g);
	}
	free(used);
	return r;
}
