// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checks/overlaps.c - overlaps no real host shows: BARs of two devices at
 * one HPA, a memslot id twice or two memslots over one GPA in one address
 * space.  Each is a sort and a sweep that keeps the furthest end seen, so
 * a host with thousands of BARs or 32k slots costs n log n, never n^2.
 */
#include <errno.h>
#include <stdlib.h>
#include "checks/overlaps.h"
#include "findings.h"
#include "iommu-map.h"

int im_check_bar_overlap(struct im_model *m)
{
	const struct im_bar_ref *v = m->by_hpa.v;
	size_t i, far = 0;	/* the BAR with the furthest end so far */
	bool any = false;
	int r = 0;

	/* by_hpa is sorted by start: a BAR overlaps an earlier one iff it
	 * starts before the furthest end of those before it */
	for (i = 0; i < m->by_hpa.n && !r; i++) {
		char subj[48], other[48];

		if (!v[i].start)
			continue;
		if (any && v[i].start < v[far].end) {
			snprintf(subj, sizeof(subj), "%s BAR %d", m->devices[v[i].dev].bdf, v[i].bar);
			snprintf(other, sizeof(other), "%s BAR %d", m->devices[v[far].dev].bdf,
				 v[far].bar);
			r = IM_FINDING(m, IM_F_BAR_OVERLAP, subj, v[i].start, v[i].end - 1, other,
				       v[far].start, v[far].end - 1);
		}
		if (!any || v[i].end > v[far].end)
			far = i;
		any = true;
	}
	return r;
}

static int cmp_id(const void *a, const void *b)
{
	const struct im_memslot *x = *(const struct im_memslot *const *)a;
	const struct im_memslot *y = *(const struct im_memslot *const *)b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (x->gpa > y->gpa) - (x->gpa < y->gpa);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* memslot-duplicate-id for the address space of s[lo..hi), sorted by id */
static int duplicates(struct im_model *m, const struct im_memslot **s, size_t lo, size_t hi)
{
	size_t i, n = 0, first = 0;

	for (i = lo + 1; i < hi; i++)
		if (s[i]->slot == s[i - 1]->slot && (i == lo + 1 || s[i - 1]->slot != s[i - 2]->slot))
			if (!n++)
				first = i;
	if (!n)
		return 0;
	return IM_FINDING(m, IM_F_MEMSLOT_DUPLICATE_ID, "memslots", n, plural(n), s[first]->as_id,
			  s[first]->slot, s[first - 1]->gpa, s[first]->gpa);
}

/* memslot-overlap for the address space of m->memslots[lo..hi), sorted by GPA */
static int overlaps(struct im_model *m, size_t lo, size_t hi)
{
	const struct im_memslot *v = m->memslots, *a = NULL, *b = NULL;
	size_t i, far = lo, n = 0;

	for (i = lo + 1; i < hi; i++) {
		/* gpa + size cannot wrap: every source refuses a slot that wraps */
		if (v[i].gpa < v[far].gpa + v[far].size && !n++) {
			a = &v[far];
			b = &v[i];
		}
		if (v[i].gpa + v[i].size > v[far].gpa + v[far].size)
			far = i;
	}
	if (!n)
		return 0;
	return IM_FINDING(m, IM_F_MEMSLOT_OVERLAP, "memslots", n, plural(n), a->as_id, a->slot,
			  a->gpa, a->gpa + a->size - 1, b->slot, b->gpa, b->gpa + b->size - 1);
}

int im_check_memslots(struct im_model *m)
{
	const struct im_memslot **byid;
	size_t i, lo;
	int r = 0;

	if (!m->nmemslots)
		return 0;
	byid = malloc(m->nmemslots * sizeof(*byid));
	if (!byid)
		return -ENOMEM;
	for (i = 0; i < m->nmemslots; i++)
		byid[i] = &m->memslots[i];
	im_qsort(byid, m->nmemslots, sizeof(*byid), cmp_id);
	for (lo = 0; lo < m->nmemslots && !r; lo = i) {
		for (i = lo + 1; i < m->nmemslots && byid[i]->as_id == byid[lo]->as_id; i++)
			;
		r = duplicates(m, byid, lo, i);
	}
	free(byid);
	/* m->memslots is sorted by as_id, then GPA */
	for (lo = 0; lo < m->nmemslots && !r; lo = i) {
		for (i = lo + 1; i < m->nmemslots && m->memslots[i].as_id == m->memslots[lo].as_id; i++)
			;
		r = overlaps(m, lo, i);
	}
	return r;
}
