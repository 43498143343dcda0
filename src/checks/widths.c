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

/* a guest range to check: a device's BAR, or a memslot */
struct range {
	const struct im_device *dev;	/* a BAR of dev, or NULL: memslot slot */
	int bar, slot;
	uint64_t first, last;
};

/*
 * The range against each known width.  Its subject and range are written
 * only for a finding: a large host has 32k memslots and 24k BARs, nearly
 * all within every width.
 */
static int check_range(struct im_model *m, const struct range *g)
{
	unsigned int need = im_bits_for(g->last);
	bool iommu = m->iommu_width.bits && need > m->iommu_width.bits,
	     cpu = m->cpu_width.bits && need > m->cpu_width.bits,
	     guest = m->guest_width.bits && need > m->guest_width.bits;
	char subj[64], rng[96], fix[320];
	int r = 0;

	if (!iommu && !cpu && !guest)
		return 0;
	if (g->dev)
		snprintf(subj, sizeof(subj), "%s BAR %d", g->dev->bdf, g->bar);
	else
		snprintf(subj, sizeof(subj), "memslot %d", g->slot);
	snprintf(rng, sizeof(rng), "%s 0x%" PRIx64 "-0x%" PRIx64,
		 g->dev ? "the guest BAR at GPA" : "the memslot at GPA", g->first, g->last);
	if (iommu) {
		fix_for(g->dev != NULL, m->iommu_width.bits, fix, sizeof(fix));
		r = IM_FINDING(m, IM_F_GPA_BEYOND_IOMMU, subj, rng, need,
			       m->iommu_width.what, m->iommu_width.bits, fix);
	}
	if (!r && cpu) {
		fix_for(g->dev != NULL, m->cpu_width.bits, fix, sizeof(fix));
		r = IM_FINDING(m, IM_F_GPA_BEYOND_CPU, subj, rng, need,
			       m->cpu_width.bits, m->cpu_width.what, fix);
	}
	if (!r && guest)
		r = IM_FINDING(m, IM_F_GPA_BEYOND_GUEST, subj, rng, need,
			       m->guest_width.bits, m->guest_width.what);
	return r;
}

/* the guest BARs of one device; *used marks their memslots */
static int check_device(struct im_model *m, const struct im_device *d, bool *used)
{
	int b, r = 0;
	size_t i;

	for (b = 0; b < IM_NBARS && !r; b++) {
		const struct im_bar *bar = &d->bars[b];
		struct range g = { d, b, 0, 0, 0 };

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
	size_t i;
	int r = 0;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < m->ndevices && !r; i++)
		r = check_device(m, &m->devices[i], used);
	for (i = 0; i < m->nmemslots && !r; i++) {
		const struct im_memslot *s = &m->memslots[i];
		struct range g = { NULL, -1, s->slot, s->gpa, s->gpa + s->size - 1 };

		if (used[i] || !s->size || s->as_id)
			continue;
		r = check_range(m, &g);
	}
	free(used);
	return r;
}
