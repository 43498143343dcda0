// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * traps.c - part of correlate, pure: which stretches of a BAR trap to QEMU.
 *
 * A guest access to a BAR is direct (no exit) only where QEMU mmapped the
 * BAR and KVM has a memslot for it.  Two things leave stretches out:
 *
 *  - holes in QEMU's mmaps: an I/O BAR, a BAR vfio-pci will not mmap (a
 *    sub-page BAR not alone in its page), the kernel's sparse mmap around
 *    the MSI-X table (vfio-pci before 4.16, which had no
 *    VFIO_REGION_INFO_CAP_MSIX_MAPPABLE), QEMU's own fixup around the table
 *    (vfio_pci_fixup_msix_region: table_offset rounded down to the host
 *    page, table end rounded up) or a failed mmap;
 *  - QEMU's emulated MSI-X table (msix_init's "msix-table" region) laid
 *    over a mmapped part: KVM maps whole pages, so the table's pages,
 *    rounded the same way, trap.  QEMU disables its PBA region until a
 *    masked vector fires (vfio_msix_setup), so the PBA traps only in a hole.
 *
 * Pages are 4 KiB: x86-64 hosts.  Hosts with 64 KiB pages (arm64, ppc64)
 * round to 64 KiB; they are not this tool's case.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

#define PAGE 4096ull

struct span {
	uint64_t lo, hi;
};

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

static int cmp_trap(const void *a, const void *b)
{
	const struct im_trap *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

static int add_trap(struct im_bar *b, size_t *cap, uint64_t lo, uint64_t hi,
		    enum im_trap_why why)
{
	struct im_trap *t;

	if (lo >= hi)
		return 0;
	if (b->ntraps == *cap) {
		size_t n = *cap ? *cap * 2 : 4;

		t = realloc(b->traps, n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		b->traps = t;
		*cap = n;
	}
	b->traps[b->ntraps++] = (struct im_trap){ lo, hi - lo, why };
	return 0;
}

/*
 * The MSI-X table's (pba false) or PBA's pages inside BAR b, clipped to the
 * BAR; false: none there, or the capability is not known.
 */
static bool msix_pages(const struct im_device *d, const struct im_bar *b, bool pba,
		       struct span *s)
{
	uint64_t off = pba ? d->msix_pba_off : d->msix_table_off;
	uint64_t len = pba ? d->msix_pba_size : d->msix_table_size;

	if (!d->caps_known || !d->have_msix ||
	    (pba ? d->msix_pba_bar : d->msix_bar) != b->index || off >= b->size)
		return false;
	s->lo = page_down(off);
	s->hi = page_up(off + len);
	if (s->hi > b->size)
		s->hi = b->size;
	return true;
}

/*
 * A memslot maps the table's first byte: QEMU emulates no table there
 * (x-msix-relocation moved it to another BAR, or the machine's
 * vfio-no-msix-emulation).
 */
static bool table_direct(const struct im_device *d, const struct im_bar *b)
{
	uint64_t hva;
	size_t k;

	if (!im_bar_off_hva(b, d->msix_table_off, 1, &hva))
		return false;
	for (k = 0; k < b->nguest; k++)
		if (b->guest[k].slot >= 0 && b->guest[k].as_id == 0 &&
		    hva - b->guest[k].hva < b->guest[k].size)
			return true;
	return false;
}

static bool within(const struct span *s, uint64_t lo, uint64_t hi)
{
	return s->lo <= lo && hi <= s->hi;
}

/*
 * Why the hole [lo, hi) traps.  The MSI-X table (or PBA) is the reason only
 * for a hole inside its pages, as the sparse mmap of a kernel before 4.16
 * leaves: a larger hole (x-no-mmap=on, a failed mmap) is not its doing.
 */
static enum im_trap_why hole_why(const struct im_device *d, const struct im_bar *b,
				 uint64_t lo, uint64_t hi)
{
	struct span s;

	if (!b->nmmaps && b->size < PAGE)
		return IM_TRAP_SUBPAGE;
	if (msix_pages(d, b, false, &s) && within(&s, lo, hi))
		return IM_TRAP_MSIX_TABLE;
	if (msix_pages(d, b, true, &s) && within(&s, lo, hi))
		return IM_TRAP_MSIX_PBA;
	return d->caps_known ? IM_TRAP_NO_MMAP : IM_TRAP_UNKNOWN;
}

/* the mmapped parts of b, clipped to the BAR, sorted; *n of them */
static struct span *mapped(const struct im_bar *b, size_t *n)
{
	struct span *v = calloc(b->nmmaps ? b->nmmaps : 1, sizeof(*v));
	size_t i;

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < b->nmmaps; i++) {
		uint64_t lo = b->mmaps[i].bar_offset, hi = lo + b->mmaps[i].size;

		if (hi > b->size)
			hi = b->size;
		if (lo < hi)
			v[(*n)++] = (struct span){ lo, hi };
	}
	qsort(v, *n, sizeof(*v), cmp_span);
	return v;
}

/* sort, and join neighbours (or overlaps) of the same why */
static void tidy(struct im_bar *b)
{
	size_t i, k = 0;

	if (!b->ntraps)
		return;
	qsort(b->traps, b->ntraps, sizeof(*b->traps), cmp_trap);
	for (i = 0; i < b->ntraps; i++) {
		struct im_trap *t = &b->traps[i], *p = k ? &b->traps[k - 1] : NULL;

		if (p && p->why == t->why && t->off <= p->off + p->size) {
			uint64_t end = t->off + t->size;

			if (end > p->off + p->size)
				p->size = end - p->off;
		} else {
			b->traps[k++] = *t;
		}
	}
	b->ntraps = k;
}

/* holes in the mmaps, then the MSI-X table laid over the mapped parts */
static int mem_traps(const struct im_device *d, struct im_bar *b, size_t *cap)
{
	struct span *v, t;
	uint64_t at = 0;
	size_t i, n;
	int r = 0;

	v = mapped(b, &n);
	if (!v)
		return -ENOMEM;
	for (i = 0; i <= n && !r; i++) {
		uint64_t lo = i < n ? v[i].lo : b->size;

		if (lo > at)
			r = add_trap(b, cap, at, lo, hole_why(d, b, at, lo));
		if (i < n && v[i].hi > at)
			at = v[i].hi;
	}
	if (!r && msix_pages(d, b, false, &t) && !table_direct(d, b))
		for (i = 0; i < n && !r; i++)
			r = add_trap(b, cap, v[i].lo > t.lo ? v[i].lo : t.lo,
				     v[i].hi < t.hi ? v[i].hi : t.hi, IM_TRAP_MSIX_TABLE);
	free(v);
	return r;
}

int im_bar_traps(const struct im_device *d, struct im_bar *b)
{
	size_t cap = 0;
	int r;

	free(b->traps);
	b->traps = NULL;
	b->ntraps = 0;
	b->traps_known = false;
	b->traps_why = NULL;
	if (!b->size || b->kind == IM_BAR_NONE) {
		b->traps_why = "no such BAR";
		return 0;
	}
	if (b->kind == IM_BAR_IO)
		r = add_trap(b, &cap, 0, b->size, IM_TRAP_IO);
	else
		r = mem_traps(d, b, &cap);
	if (r)
		return r;
	tidy(b);
	b->traps_known = true;
	if (b->kind != IM_BAR_IO && !d->caps_known)
		b->traps_why = "config space not read: whether QEMU emulates an MSI-X table in this BAR is unknown";
	return 0;
}

const struct im_trap *im_bar_trap_at(const struct im_bar *b, uint64_t off)
{
	size_t a = 0, z = b->ntraps;

	while (a < z) {		/* past the last trap starting at or before off */
		size_t mid = a + (z - a) / 2;

		if (b->traps[mid].off <= off)
			a = mid + 1;
		else
			z = mid;
	}
	if (a && off - b->traps[a - 1].off < b->traps[a - 1].size)
		return &b->traps[a - 1];
	return NULL;
}

bool im_bar_off_hva(const struct im_bar *b, uint64_t off, uint64_t len, uint64_t *hva)
{
	size_t i;

	for (i = 0; i < b->nmmaps; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];

		if (off >= mm->bar_offset && off - mm->bar_offset < mm->size &&
		    len <= mm->size - (off - mm->bar_offset)) {
			*hva = mm->hva + (off - mm->bar_offset);
			return true;
		}
	}
	return false;
}
