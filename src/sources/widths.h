/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * widths.h - the three address widths a GPA must fit: the host IOMMU's
 * (iommu-width.c), the host CPU's (cpuinfo.c) and the guest's phys-bits
 * (physbits.c).  Each loader fills its im_width of the model, known or
 * unknown with why; none fails for a file that is missing or unreadable.
 */
#ifndef IM_WIDTHS_H
#define IM_WIDTHS_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* iommu-width.c */
/* one VT-d cap file ("d2008c40660462\n"): 0 or -EINVAL */
int im_vtd_cap_parse(const char *buf, size_t len, uint64_t *cap);
/* the IOVA width Linux gives a vfio domain on a unit with this cap; 0: none */
unsigned int im_vtd_domain_width(uint64_t cap, unsigned int *mgaw, unsigned int *sagaw);
int im_iommu_width_load(struct im_model *m);

/* cpuinfo.c */
/* the first "address sizes : N bits physical": 0, -ENOENT or -EINVAL */
int im_cpuinfo_parse(const char *buf, size_t len, unsigned int *phys);
int im_cpuinfo_load(struct im_model *m);

/* physbits.c */
/*
 * The guest's phys-bits from QEMU's argv (NUL-separated, len bytes), given
 * the host CPU's width (0: unknown): fills w, known or unknown with why.
 */
int im_physbits_parse(const char *argv, size_t len, unsigned int host_bits,
		      struct im_width *w);
int im_physbits_load(struct im_model *m);

/* checks/widths.c */
/*
 * "the host IOMMU (dmar0: MGAW 39, SAGAW 39/48) maps 39 bits", or "the host
 * IOMMU's width is not known (why)": who is "the host IOMMU", ...
 */
void im_width_clause(const struct im_width *w, const char *who, const char *verb,
		     char *b, size_t n);
/* the findings of each guest BAR and memslot past a known width */
int im_widths_check(struct im_model *m);

#endif
