// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-traps.c - the trapped stretches of a BAR (traps.c): MSI-X known,
 * absent and unknown; the page rounding QEMU and KVM use; sub-page and
 * unmapped BARs; a table QEMU relocated away.  Pages are 4 KiB: hosts with
 * 64 KiB pages would round to 64 KiB and are not this tool's case.
 */
#include "t.h"
#include "iommu-map.h"

static struct im_bar_mmap mm[2];
static struct im_bar_guest gp[2];

/* a memory BAR of size, mmapped from BAR offset 0 over msize (0: none) */
static void mem_bar(struct im_bar *b, int index, uint64_t size, uint64_t msize)
{
	free(b->traps);
	memset(b, 0, sizeof(*b));
	b->index = index;
	b->kind = IM_BAR_MEM64;
	b->hpa = 0xf0000000;
	b->size = size;
	memset(mm, 0, sizeof(mm));
	mm[0] = (struct im_bar_mmap){ .hva = 0x7f0000000000, .size = msize, .fd = -1 };
	b->mmaps = mm;
	b->nmmaps = msize ? 1 : 0;
}

/* config space read; an MSI-X table of n entries at BAR bar, offset off */
static void msix(struct im_device *d, int bar, uint64_t off, unsigned int n,
		 uint64_t pba_off)
{
	memset(d, 0, sizeof(*d));
	d->caps_known = true;
	d->have_msix = true;
	d->msix_bar = d->msix_pba_bar = bar;
	d->msix_table_off = off;
	d->msix_table_size = n * 16u;
	d->msix_pba_off = pba_off;
	d->msix_pba_size = (n + 63) / 64 * 8;
}

static bool trap_is(const struct im_bar *b, size_t i, uint64_t off, uint64_t size,
		    enum im_trap_why why)
{
	return i < b->ntraps && b->traps[i].off == off && b->traps[i].size == size &&
	       b->traps[i].why == why;
}

int main(void)
{
	struct im_device d;
	struct im_bar b = { 0 };
	uint64_t hva;

	/* known: the 82574L of the lab, table at 0 (5 entries), PBA at 0x2000, 16K BAR mmapped whole */
	msix(&d, 3, 0, 5, 0x2000);
	mem_bar(&b, 3, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.traps_known && !b.traps_why, "known: worked out, complete");
	T_OK(b.ntraps == 1 && trap_is(&b, 0, 0, 0x1000, IM_TRAP_MSIX_TABLE),
	     "known: the table's page traps, not the PBA's (QEMU disables the PBA region)");
	T_OK(im_bar_trap_at(&b, 0x4f) == &b.traps[0] && im_bar_trap_at(&b, 0xfff) == &b.traps[0],
	     "lookup: the table and the rest of its page");
	T_OK(!im_bar_trap_at(&b, 0x1000) && !im_bar_trap_at(&b, 0x2000), "lookup: past the page");

	/* table at 0x2000, size 0x100, in a 16K BAR: one page in the middle */
	msix(&d, 0, 0x2000, 16, 0x3000);
	mem_bar(&b, 0, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0x2000, 0x1000, IM_TRAP_MSIX_TABLE),
	     "table 0x2000+0x100 in 16K: BAR offsets 0x2000-0x2fff");

	/* a table not page-aligned, crossing a page: both pages */
	msix(&d, 0, 0x1f80, 16, 0x3800);
	mem_bar(&b, 0, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0x1000, 0x2000, IM_TRAP_MSIX_TABLE),
	     "table 0x1f80+0x100: rounded down and up to 0x1000-0x2fff");

	/* table and PBA on the same page: that page, once */
	msix(&d, 0, 0x1000, 4, 0x1800);
	mem_bar(&b, 0, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0x1000, 0x1000, IM_TRAP_MSIX_TABLE),
	     "table and PBA on one page: one trapped page");

	/* a kernel before 4.16: the sparse mmap leaves the table's page out */
	msix(&d, 0, 0x1000, 4, 0x3000);
	mem_bar(&b, 0, 0x4000, 0x1000);
	mm[1] = (struct im_bar_mmap){ .hva = 0x7f0000100000, .size = 0x2000, .bar_offset = 0x2000, .fd = -1 };
	b.nmmaps = 2;
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0x1000, 0x1000, IM_TRAP_MSIX_TABLE),
	     "sparse mmap around the table: the hole is the table's");
	T_OK(!im_bar_off_hva(&b, 0x1000, 0x1000, &hva), "sparse: the hole has no HVA");
	T_OK(im_bar_off_hva(&b, 0x2010, 4, &hva) && hva == 0x7f0000100010, "sparse: the second mmap's HVA");

	/* absent: config read, no MSI-X capability; a hole is then not MSI-X */
	memset(&d, 0, sizeof(d));
	d.caps_known = true;
	mem_bar(&b, 0, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.traps_known && !b.ntraps && !b.traps_why,
	     "no MSI-X: nothing traps, and that is known");
	mem_bar(&b, 0, 0x4000, 0x2000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0x2000, 0x2000, IM_TRAP_NO_MMAP),
	     "no MSI-X, half mmapped: the rest traps, not-mmapped");

	/* unknown: config space not read */
	memset(&d, 0, sizeof(d));
	mem_bar(&b, 0, 0x4000, 0x4000);
	T_OK(!im_bar_traps(&d, &b) && b.traps_known && !b.ntraps && b.traps_why,
	     "config unread: no known trap, and the MSI-X part unknown (why), not 'none'");
	mem_bar(&b, 0, 0x4000, 0x3000);
	T_OK(!im_bar_traps(&d, &b) && trap_is(&b, 0, 0x3000, 0x1000, IM_TRAP_UNKNOWN) && b.traps_why,
	     "config unread: a hole traps, why unknown");

	/* sub-page BARs */
	memset(&d, 0, sizeof(d));
	d.caps_known = true;
	mem_bar(&b, 0, 0x100, 0);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0, 0x100, IM_TRAP_SUBPAGE),
	     "sub-page BAR with no mmap: all of it, sub-page");
	mem_bar(&b, 0, 0x100, 0x1000);
	T_OK(!im_bar_traps(&d, &b) && !b.ntraps, "sub-page BAR mmapped as a page: nothing traps");
	msix(&d, 0, 0x80, 2, 0xc0);
	mem_bar(&b, 0, 0x100, 0x1000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0, 0x100, IM_TRAP_MSIX_TABLE),
	     "sub-page BAR holding the table: all of the BAR, clipped to it");

	/* no mmap at all, the table's page the whole BAR; and one with no MSI-X */
	msix(&d, 0, 0, 8, 0x800);
	mem_bar(&b, 0, 0x1000, 0);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0, 0x1000, IM_TRAP_MSIX_TABLE),
	     "unmapped BAR the table covers: msix-table");
	/* x-no-mmap=on: the 82574L's 16K BAR with the table at 0 and the PBA at 0x2000 */
	msix(&d, 0, 0, 5, 0x2000);
	mem_bar(&b, 0, 0x4000, 0);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0, 0x4000, IM_TRAP_NO_MMAP),
	     "unmapped BAR larger than the table's page: not-mmapped, not the table's doing");
	msix(&d, 2, 0, 8, 0x800);
	mem_bar(&b, 0, 0x4000, 0);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1 && trap_is(&b, 0, 0, 0x4000, IM_TRAP_NO_MMAP),
	     "unmapped BAR, table in another BAR: not-mmapped");

	/* a PBA in a hole of its own */
	msix(&d, 0, 0, 8, 0x3000);
	mem_bar(&b, 0, 0x4000, 0x3000);
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 2 && trap_is(&b, 0, 0, 0x1000, IM_TRAP_MSIX_TABLE) &&
	     trap_is(&b, 1, 0x3000, 0x1000, IM_TRAP_MSIX_PBA), "PBA in a hole: msix-pba, after the table");

	/* x-msix-relocation: a memslot maps the table's bytes, so QEMU emulates none there */
	msix(&d, 0, 0, 8, 0x800);
	mem_bar(&b, 0, 0x4000, 0x4000);
	gp[0] = (struct im_bar_guest){ .gpa = 0xfe000000, .size = 0x4000, .hva = 0x7f0000000000,
				      .slot = 3, .as_id = 0, .source = "kvm-memslot" };
	b.guest = gp;
	b.nguest = 1;
	T_OK(!im_bar_traps(&d, &b) && !b.ntraps, "relocated table: the memslot maps it, nothing traps");
	gp[0].slot = -1;	/* a TCG piece says nothing of KVM */
	T_OK(!im_bar_traps(&d, &b) && b.ntraps == 1, "TCG piece: the table still traps");
	b.guest = NULL;
	b.nguest = 0;

	/* an I/O BAR; no BAR */
	mem_bar(&b, 2, 0x20, 0);
	b.kind = IM_BAR_IO;
	T_OK(!im_bar_traps(&d, &b) && trap_is(&b, 0, 0, 0x20, IM_TRAP_IO) && !b.traps_why, "I/O BAR: io-port");
	mem_bar(&b, 4, 0, 0);
	b.kind = IM_BAR_NONE;
	T_OK(!im_bar_traps(&d, &b) && !b.traps_known && b.traps_why, "no BAR: not worked out");

	T_EQ_STR(im_trap_why_name(IM_TRAP_MSIX_TABLE), "msix-table", "name: msix-table");
	T_EQ_STR(im_trap_why_name(IM_TRAP_UNKNOWN), "not-mmapped-unknown", "name: not-mmapped-unknown");
	free(b.traps);
	T_DONE();
}
