// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iommu-width.c - the host IOMMU's address width: the highest IOVA a vfio
 * DMA mapping may use, past which VFIO_IOMMU_MAP_DMA fails with EINVAL.
 *
 * VT-d: sys/class/iommu/dmarN/intel-iommu/cap is the capability register in
 * hex.  Linux (torvalds/linux drivers/iommu/intel/iommu.h):
 *	#define cap_mgaw(c)	((((c) >> 16) & 0x3f) + 1)	max guest address width
 *	#define cap_sagaw(c)	(((c) >> 8) & 0x1f)		page-table levels supported
 * SAGAW bit 1 is a 3-level table (39 bits), bit 2 4-level (48), bit 3
 * 5-level (57): agaw_to_width(agaw) = 30 + 9 * agaw.  iommu_calculate_agaw()
 * picks the highest SAGAW bit whose width is at most 57
 * (DEFAULT_DOMAIN_ADDRESS_WIDTH), and the paging domain vfio gets
 * (drivers/iommu/intel/iommu.c, paging_domain_alloc; prepare_domain_attach_
 * device before 6.10) takes
 *	addr_width = agaw_to_width(iommu->agaw);
 *	if (addr_width > cap_mgaw(iommu->cap)) addr_width = cap_mgaw(iommu->cap);
 * so a domain maps IOVAs below 2^min(MGAW, that width).  With several units
 * the narrowest is the limit told (each device's own unit is not read here).
 *
 * AMD: sys/class/iommu/ivhdN/amd-iommu/features holds the EFR, whose HATS
 * field (bits 11:10) gives the host page-table levels; but what the file
 * holds changed between kernels ("EFR", then "EFR2:EFR", later "EFR:EFR2":
 * drivers/iommu/amd/init.c amd_iommu_show_features), and the width the
 * kernel allows also depends on the page-table mode it chose (v1 or v2):
 * it is not decoded, and the width is unknown on AMD.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "sources/widths.h"

int im_vtd_cap_parse(const char *buf, size_t len, uint64_t *cap)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (!len || len > 16)
		return -EINVAL;
	return im_parse_hex(buf, len, cap);
}

unsigned int im_vtd_domain_width(uint64_t cap, unsigned int *mgaw, unsigned int *sagaw)
{
	unsigned int agaw, width = 0;

	*mgaw = (unsigned int)((cap >> 16) & 0x3f) + 1;
	*sagaw = (unsigned int)(cap >> 8) & 0x1f;
	for (agaw = 3;; agaw--) {		/* 30 + 9 * 3 = 57: the most Linux uses */
		if (*sagaw & (1u << agaw)) {
			width = 30 + 9 * agaw;
			break;
		}
		if (!agaw)
			break;
	}
	if (!width)
		return 0;
	return width < *mgaw ? width : *mgaw;
}

/* "39/48" from the SAGAW bits */
static void sagaw_words(unsigned int sagaw, char *b, size_t n)
{
	unsigned int a;
	size_t k = 0;

	b[0] = 0;
	for (a = 0; a < 5 && k < n; a++)
		if (sagaw & (1u << a))
			k += (size_t)snprintf(b + k, n - k, "%s%u", k ? "/" : "", 30 + 9 * a);
}

struct units {
	unsigned int vtd, amd, bad, best;	/* best: the narrowest VT-d width */
	char best_name[300], what[400], bad_why[400];
};

static void one_vtd(struct units *u, const char *name)
{
	char rel[320], sg[32], *buf;
	unsigned int mgaw, sagaw, w;
	uint64_t cap;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "sys/class/iommu/%.255s/intel-iommu/cap", name);
	r = im_root_read(rel, &buf, &len);
	if (!r) {
		r = im_vtd_cap_parse(buf, len, &cap);
		free(buf);
	}
	if (r || !(w = im_vtd_domain_width(cap, &mgaw, &sagaw))) {
		if (!u->bad++)
			snprintf(u->bad_why, sizeof(u->bad_why), "%s: %s", rel,
				 r ? im_root_strerror(r) : "no page-table level in SAGAW");
		return;
	}
	u->vtd++;
	/* the narrowest; of equals the first by name (readdir has no order) */
	if (u->best && (w > u->best || (w == u->best && strcmp(name, u->best_name) > 0)))
		return;
	u->best = w;
	snprintf(u->best_name, sizeof(u->best_name), "%s", name);
	sagaw_words(sagaw, sg, sizeof(sg));
	snprintf(u->what, sizeof(u->what), "%s: MGAW %u, SAGAW %s", name, mgaw, sg);
}

static int say(struct im_model *m, const struct units *u)
{
	struct im_width *w = &m->iommu_width;

	if (u->bad)
		return im_width_unknown(w, "%s", u->bad_why);
	if (u->amd && !u->vtd)
		return im_width_unknown(w, "an AMD IOMMU: its host address size (EFR HATS in amd-iommu/features) is not decoded (what that file holds changed between kernels)");
	if (u->amd)
		return im_width_unknown(w, "VT-d and AMD units both registered: the AMD unit's width is not decoded");
	if (!u->vtd)
		return im_width_unknown(w, "sys/class/iommu: no IOMMU unit (none registered, or not captured)");
	if (u->vtd > 1)
		return im_width_known(w, u->best, "%s; the narrowest of %u VT-d units", u->what, u->vtd);
	return im_width_known(w, u->best, "%s", u->what);
}

int im_iommu_width_load(struct im_model *m)
{
	struct units u;
	struct dirent *de;
	DIR *d;
	int fd = im_root_open("sys/class/iommu", O_RDONLY | O_DIRECTORY);

	memset(&u, 0, sizeof(u));
	if (fd < 0)
		return fd == -ENOMEM ? fd :
			im_width_unknown(&m->iommu_width, "sys/class/iommu: %s",
					 fd == -ENOENT ? "no IOMMU unit (none registered, or not captured)" :
					 im_root_strerror(fd));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "dmar", 4))
			one_vtd(&u, de->d_name);
		else if (!strncmp(de->d_name, "ivhd", 4))
			u.amd++;
	}
	closedir(d);
	return say(m, &u);
}
