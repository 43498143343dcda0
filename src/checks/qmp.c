// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checks/qmp.c - the QMP cross-check, a pass run after im_correlate(): where
 * QEMU's own answers (the qbars of source "qmp") disagree with the chain the
 * host-side sources built, error findings.
 */
#include <string.h>
#include "findings.h"
#include "iommu-map.h"
#include "sources/qmp.h"

/* the host's PCI devices were all read (pci source ok, or none in the model: a test's) */
static bool pci_all_read(const struct im_model *m)
{
	const struct im_source *src = im_find_source(m, "pci");

	return !src || src->status == IM_SRC_OK;
}

int im_qmp_crosscheck(struct im_model *m)
{
	size_t i, j;
	int r;

	for (i = 0; i < m->nqbars; i++) {
		const struct im_qemu_bar *q = &m->qbars[i];
		const struct im_bar *b;
		char subj[48];
		int d;
		bool chain = false, overlap = false;

		if (!q->source || strcmp(q->source, "qmp") || q->bar < 0 || q->bar >= IM_NBARS)
			continue;
		snprintf(subj, sizeof(subj), "%s BAR %d", q->host_bdf, q->bar);
		d = im_find_device(m, q->host_bdf);
		if (d < 0) {
			/* no host device read, or not all: whether it is there is unknown */
			if (!m->ndevices || !pci_all_read(m))
				continue;
			r = IM_FINDING(m, IM_F_QMP_HOST_DEVICE_UNKNOWN, subj, q->host_bdf);
			if (r)
				return r;
			continue;
		}
		b = &m->devices[d].bars[q->bar];
		for (j = 0; j < b->nguest; j++) {
			const struct im_bar_guest *g = &b->guest[j];

			if (g->source && !strcmp(g->source, "qmp"))
				continue;
			chain = true;
			if (g->gpa < q->gpa + (q->size ? q->size : 1) && q->gpa < g->gpa + g->size)
				overlap = true;
			if (q->have_hva && q->gpa >= g->gpa && q->gpa - g->gpa < g->size &&
			    g->hva + (q->gpa - g->gpa) != q->hva) {
				r = IM_FINDING(m, IM_F_QMP_GPA2HVA_OTHER_SOURCE, subj, q->gpa, q->hva,
					       g->source ? g->source : "our chain",
					       g->hva + (q->gpa - g->gpa));
				if (r)
					return r;
			}
		}
		if (chain && !overlap) {
			r = IM_FINDING(m, IM_F_QMP_GPA_MISMATCH, subj, q->gpa);
			if (r)
				return r;
		}
		if (q->have_hva && m->nmaps) {
			long mi = im_find_map(m, q->hva);
			const struct im_map *mp = mi >= 0 ? &m->maps[mi] : NULL;

			if (!mp || !mp->vfio) {
				r = IM_FINDING(m, IM_F_QMP_GPA2HVA_NOT_VFIO, subj, q->gpa, q->hva,
					       mp ? (mp->path && *mp->path ? mp->path : "[anon]") :
					       "no mapping: another QEMU process?");
				if (r)
					return r;
			} else if (mp->dev >= 0 && mp->bar >= 0 && (mp->dev != d || mp->bar != q->bar)) {
				r = IM_FINDING(m, IM_F_QMP_GPA2HVA_OTHER_BAR, subj, q->gpa, q->hva,
					       m->devices[mp->dev].bdf, mp->bar);
				if (r)
					return r;
			}
		}
	}
	return 0;
}
