/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * overlaps.h - what no real host shows, found by sorting and comparing
 * neighbours (overlaps.c): two devices' BARs at one HPA, a memslot id twice
 * in one address space, two memslots over one GPA.  Pure: model in,
 * findings out; correlate runs them.
 */
#ifndef IM_OVERLAPS_H
#define IM_OVERLAPS_H

#include "model.h"

/*
 * A bar-overlap finding for each memory BAR that overlaps one before it in
 * m->by_hpa (built by correlate).  BARs at HPA 0 are not compared: that is
 * how a BAR the kernel left unassigned can read.  0 or -ENOMEM.
 */
int im_check_bar_overlap(struct im_model *m);
/*
 * For each address space, one memslot-duplicate-id finding if a slot id
 * appears twice and one memslot-overlap finding if two slots share a GPA
 * (each counts them and names the first).  m->memslots must be sorted
 * (im_sort_memslots).  0 or -ENOMEM.
 */
int im_check_memslots(struct im_model *m);

#endif
