// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagetables.c - the page-table cost of each BAR mmap, and why a large BAR
 * is mapped with small leaves.  vfio-pci before Linux 6.12 maps a BAR with
 * 4 KiB PTEs only; from 6.12 its huge_fault installs 2 MiB (PMD) and 1 GiB
 * (PUD) leaves where the HVA and the HPA are aligned alike to the leaf size
 * (FACTS 5.3), one leaf at each first touch.  QEMU aligns its BAR mmaps to
 * min(size, 1 GiB) since 9.2 (vfio 'Align mmaps', FACTS 3.3); before, the
 * HVA is wherever mmap put it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks/pagetables.h"
#include "findings.h"
#include "iommu-map.h"

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

static uint64_t tables(uint64_t entries)
{
	return (entries + 511) / 512;
}

void im_pt_cost(const struct im_bar_mmap *mm, struct im_ptcost *c)
{
	memset(c, 0, sizeof(*c));
	if (mm->hpa_check == IM_HPA_UNCHECKED || mm->hpa_check == IM_HPA_ERROR) {
		c->why = "no walk of the page tables: load the iommu-map kernel module (kmod/, /dev/iommu-map)";
		return;
	}
	c->faulted_known = true;
	c->faulted = mm->hpa_present << 12;
	if (!mm->hpa_leaves_known) {
		c->why = "the walk did not record the leaf sizes (a capture from before they were kept)";
		return;
	}
	c->cost_known = true;
	c->pte = tables(mm->hpa_leaves[IM_LEAF_4K]);
	c->pmd = tables(c->pte + mm->hpa_leaves[IM_LEAF_2M]);
	c->pud = tables(c->pmd + mm->hpa_leaves[IM_LEAF_1G]);
	c->bytes = (c->pte + c->pmd + c->pud) << 12;
}

static void why_small(const struct im_model *m, const struct im_bar *b,
		      const struct im_bar_mmap *mm, char *w, size_t n)
{
	uint64_t leaf = mm->size >= SZ_1G ? SZ_1G : SZ_2M;
	uint64_t hpa = b->hpa + mm->bar_offset;
	enum im_tri k = im_kernel_at_least(m->kernel, 6, 12);

	if (k == IM_TRI_NO)
		snprintf(w, n, "kernel %s is older than 6.12, whose vfio-pci maps BARs with 4K pages only (no huge_fault): Linux 6.12 and later map them with 2M and 1G leaves",
			 m->kernel);
	else if ((mm->hva ^ hpa) & (leaf - 1))
		snprintf(w, n, "HVA 0x%" PRIx64 " and HPA 0x%" PRIx64 " are not aligned alike to %s, so the kernel cannot use %s leaves: QEMU 9.2 and later align BAR mmaps to min(size, 1G); an older QEMU does not",
			 mm->hva, hpa, leaf == SZ_1G ? "1G" : "2M", leaf == SZ_1G ? "1G" : "2M");
	else if (k == IM_TRI_UNKNOWN)
		snprintf(w, n, "the kernel release is not known (vfio-pci uses 2M and 1G leaves from Linux 6.12)");
	else
		snprintf(w, n, "HVA and HPA are aligned alike and the kernel is 6.12 or later: why it used small leaves is not known (no PMD/PUD pfnmap in this kernel's configuration?)");
}

static int check_mmap(struct im_model *m, const struct im_device *d, const struct im_bar *b,
		      const struct im_bar_mmap *mm)
{
	struct im_ptcost c;
	char subj[64], hs[32], cs[32], why[400];
	bool small;

	im_pt_cost(mm, &c);
	snprintf(subj, sizeof(subj), "%s BAR %d", d->bdf, b->index);
	if (!c.cost_known) {
		if (mm->size < SZ_1G)
			return 0;
		return IM_FINDING(m, IM_F_BAR_LEAVES_UNKNOWN, subj,
				  im_human_size(mm->size, hs), mm->hva, c.why);
	}
	small = (mm->hpa_leaves[IM_LEAF_4K] && mm->size >= SZ_2M) ||
		(mm->hpa_leaves[IM_LEAF_2M] && mm->size >= SZ_1G);
	if (!small || (mm->size < SZ_1G && c.bytes < (1ULL << 20)))
		return 0;
	why_small(m, b, mm, why, sizeof(why));
	return IM_FINDING(m, IM_F_BAR_SMALL_LEAVES, subj, im_human_size(mm->size, hs), mm->hva,
			  mm->hpa_leaves[IM_LEAF_4K], mm->hpa_leaves[IM_LEAF_2M],
			  im_human_size(c.bytes, cs), why);
}

int im_leaves_check(struct im_model *m)
{
	size_t i, k;
	int b, r = 0;

	for (i = 0; i < m->ndevices && !r; i++)
		for (b = 0; b < IM_NBARS && !r; b++)
			for (k = 0; k < m->devices[i].bars[b].nmmaps && !r; k++)
				r = check_mmap(m, &m->devices[i], &m->devices[i].bars[b],
					       &m->devices[i].bars[b].mmaps[k]);
	return r;
}
