// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of checks/pagetables.c and the VmPTE parser: the cost formula,
 * and bar-small-leaves / bar-leaves-unknown with leaves known, absent (no
 * large mapping) and unknown.
 */
#include "checks/pagetables.h"
#include "findings.h"
#include "iommu-map.h"
#include "t.h"

#define G (1ULL << 30)

static void model(struct im_model *m, const char *kernel, uint64_t hva, uint64_t size)
{
	struct im_bar *b;

	im_model_free(m);
	im_model_init(m);
	m->kernel = im_strdup(kernel);
	m->devices = calloc(1, sizeof(struct im_device));
	m->ndevices = 1;
	snprintf(m->devices[0].bdf, sizeof(m->devices[0].bdf), "0000:01:00.0");
	b = &m->devices[0].bars[2];
	b->index = 2;
	b->kind = IM_BAR_MEM64;
	b->hpa = 0xfe80000000ULL;
	b->size = size;
	b->mmaps = calloc(1, sizeof(struct im_bar_mmap));
	b->nmmaps = 1;
	b->mmaps[0].hva = hva;
	b->mmaps[0].size = size;
	b->mmaps[0].hpa_check = IM_HPA_VERIFIED;
	b->mmaps[0].hpa_leaves_known = true;
}

static struct im_bar_mmap *mm(struct im_model *m)
{
	return &m->devices[0].bars[2].mmaps[0];
}

static bool has(const struct im_model *m, const char *code, const char *word)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code) && (!word || strstr(m->findings[i].message, word)))
			return true;
	return false;
}

int main(void)
{
	struct im_model m;
	struct im_ptcost c;
	uint64_t v = 0;

	im_model_init(&m);
	/* 128 GiB in 4K leaves: 256 MiB of PTE pages, 128 PMD pages, 1 PUD page */
	model(&m, "6.1.0-57-amd64", 0x7f0000000000ULL, 128 * G);
	mm(&m)->hpa_present = mm(&m)->hpa_leaves[IM_LEAF_4K] = 128 * G >> 12;
	im_pt_cost(mm(&m), &c);
	T_EQ_U64(c.pte, 65536, "128G in 4K: 65536 PTE pages");
	T_EQ_U64(c.pmd, 128, "... 128 PMD pages");
	T_EQ_U64(c.pud, 1, "... 1 PUD page");
	T_EQ_U64(c.faulted, 128 * G, "... all faulted in");
	T_OK(!im_leaves_check(&m) && has(&m, "bar-small-leaves", "older than 6.12"),
	     "6.1, 4K leaves: small leaves, kernel before 6.12");
	/* 2G in 1G leaves, 2 touched: one PUD page */
	model(&m, "6.12.118+deb13-amd64", 0x7febc0000000ULL, 2 * G);
	mm(&m)->hpa_present = 2;
	mm(&m)->hpa_leaves[IM_LEAF_1G] = 2;
	im_pt_cost(mm(&m), &c);
	T_OK(c.cost_known && c.bytes == 4096 && c.pud == 1 && !c.pte && !c.pmd, "2G in 1G x 2: 4K");
	T_OK(!im_leaves_check(&m) && !m.nfindings, "huge leaves: no finding");
	/* 6.12, HVA off the 1G alignment, 2M leaves: the HVA is why */
	model(&m, "6.12.118+deb13-amd64", 0x7febc0200000ULL, 2 * G);
	mm(&m)->hpa_present = 1024;
	mm(&m)->hpa_leaves[IM_LEAF_2M] = 2;
	T_OK(!im_leaves_check(&m) && has(&m, "bar-small-leaves", "not aligned alike"),
	     "6.12, unaligned HVA: says the alignment");
	/* nothing faulted: no leaves, no finding */
	model(&m, "6.12.118+deb13-amd64", 0x7febc0000000ULL, 2 * G);
	mm(&m)->hpa_check = IM_HPA_NOT_FAULTED;
	T_OK(!im_leaves_check(&m) && !m.nfindings, "not faulted: no finding");
	/* unknown: no walk, and a walk without leaf sizes */
	model(&m, "6.12.118+deb13-amd64", 0x7febc0000000ULL, 2 * G);
	mm(&m)->hpa_check = IM_HPA_UNCHECKED;
	im_pt_cost(mm(&m), &c);
	T_OK(!c.faulted_known && !c.cost_known && c.why, "no walk: unknown, with why");
	T_OK(!im_leaves_check(&m) && has(&m, "bar-leaves-unknown", "kernel module"),
	     "no walk: bar-leaves-unknown says to load the module");
	model(&m, "6.1.0-57-amd64", 0x7febc0000000ULL, 2 * G);
	mm(&m)->hpa_leaves_known = false;
	mm(&m)->hpa_present = 524288;
	im_pt_cost(mm(&m), &c);
	T_OK(c.faulted_known && c.faulted == 2 * G && !c.cost_known, "walk without leaves: faulted only");
	/* a small mapping is never "large with small leaves" */
	model(&m, "6.1.0-57-amd64", 0x7fec70200000ULL, 1 << 20);
	mm(&m)->hpa_leaves[IM_LEAF_4K] = 256;
	T_OK(!im_leaves_check(&m) && !m.nfindings, "1M in 4K: no finding");
	im_model_free(&m);

	T_OK(!im_proc_parse_vmpte("Name:\tqemu\nVmPTE:\t     120 kB\n", 30, &v) && v == 120 << 10,
	     "VmPTE: 120 kB");
	T_OK(im_proc_parse_vmpte("Name:\tkthreadd\n", 15, &v) == -ENOENT, "VmPTE: none");
	T_OK(im_proc_parse_vmpte("Name:\tq\nVmPTE:\tlots\n", 21, &v) == -EINVAL, "VmPTE: malformed");
	T_DONE();
}
