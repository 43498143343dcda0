/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagetables.h - what a BAR mmap costs in page tables, from the leaves the
 * module's walk found (pagetables.c).
 */
#ifndef IM_PAGETABLES_H
#define IM_PAGETABLES_H

#include <stdbool.h>
#include <stdint.h>
#include "model.h"

struct im_ptcost {
	bool faulted_known;		/* the walk ran */
	uint64_t faulted;		/* bytes present */
	bool cost_known;		/* the walk said the leaf sizes */
	uint64_t pte, pmd, pud;		/* page-table pages of each level */
	uint64_t bytes;			/* 4 KiB x (pte + pmd + pud) */
	const char *why;		/* !cost_known: why */
};

/*
 * The page tables a mapping's present leaves need at the least (contiguous
 * and aligned; one more table a level where it straddles a boundary):
 *   PTE pages = ceil(n4K / 512)
 *   PMD pages = ceil((PTE pages + n2M) / 512)
 *   PUD pages = ceil((PMD pages + n1G) / 512)
 *   bytes     = 4 KiB x (PTE + PMD + PUD pages)
 * (each table is a 4 KiB page of 512 8-byte entries).
 */
void im_pt_cost(const struct im_bar_mmap *mm, struct im_ptcost *c);
/* bar-small-leaves and bar-leaves-unknown, for each large BAR mmap */
int im_leaves_check(struct im_model *m);

#endif
