// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of kchecks.c: iommu-map/kernel-checks, written and read back. */
#include <stdlib.h>
#include "iommu-map.h"
#include "t.h"

static void setup(struct im_model *m)
{
	struct im_device *d;

	im_model_free(m);
	im_model_init(m);
	m->devices = calloc(1, sizeof(*d));
	m->ndevices = 1;
	d = &m->devices[0];
	snprintf(d->bdf, sizeof(d->bdf), "0000:00:03.0");
	d->bars[0].kind = IM_BAR_MEM32;
	d->bars[0].size = 0x20000;
	d->bars[0].mmaps = calloc(1, sizeof(struct im_bar_mmap));
	d->bars[0].nmmaps = 1;
	d->bars[0].mmaps[0].hva = 0x7f08b2b7d000;
	d->bars[0].mmaps[0].size = 0x20000;
}

static int parse(struct im_model *m, const char *s, struct im_err *e)
{
	return im_kchecks_parse(s, strlen(s), "kernel-checks", m, e);
}

int main(void)
{
	struct im_model m, m2;
	struct im_err e = { 0 };
	struct im_bar_mmap *mm;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	im_model_init(&m);
	im_model_init(&m2);
	setup(&m);
	mm = &m.devices[0].bars[0].mmaps[0];
	T_OK(!parse(&m, "# comment\n"
		    "mmap\t0x7f08b2b7d000\tverified\t0x20\t0x20\n"
		    "mmap\t0x7f0000000000\tmismatch\t0x1\t0x2\n"
		    "source\tkvm-walk\tok\t6 BAR mmaps walked\n"
		    "source\tiommu\tpartial\tone group\twith a tab\n"
		    "finding\twarning\tiommu-rom-stale\tmemslot 1\tGPA 0xfffc0000: the zero page\n"
		    /* an older capture's: the leaves check works it out again */
		    "finding\twarning\tbar-small-leaves\t0000:00:06.0 BAR 2\tthe 2G mapping ...\n", &e),
	     "parse a capture's checks");
	T_OK(mm->hpa_check == IM_HPA_VERIFIED && mm->hpa_present == 0x20 && mm->hpa_pages == 0x20,
	     "the mmap is marked verified, 32/32 pages");
	T_EQ_U64(m.nsources, 2, "two kernel sources");
	T_EQ_STR(m.sources[1].detail, "one group\twith a tab", "the last field keeps its tabs");
	T_EQ_U64(m.nfindings, 1, "one kernel finding (bar-small-leaves is not replayed: it would come twice)");
	T_EQ_STR(m.findings[0].code, "iommu-rom-stale", "finding code");

	f = open_memstream(&buf, &len);
	T_OK(f && !im_kchecks_write(f, &m), "write back");
	fclose(f);
	setup(&m2);
	T_OK(!parse(&m2, buf, &e), "what was written reads back");
	T_OK(m2.devices[0].bars[0].mmaps[0].hpa_check == IM_HPA_VERIFIED, "round trip: verified");
	T_EQ_U64(m2.nfindings, 1, "round trip: the finding");
	free(buf);

	setup(&m);
	T_OK(parse(&m, "mmap\t0x7f08b2b7d000\tsure\t0x20\t0x20\n", &e) == -EINVAL && e.line == 1,
	     "unknown check word refused");
	T_OK(parse(&m, "\nmmap\t0x7f08b2b7d000\tverified\t0x21\t0x20\n", &e) == -EINVAL && e.line == 2,
	     "more present than pages refused");
	T_OK(parse(&m, "source\tpci\tok\tnot the module's\n", &e) == -EINVAL,
	     "a source the module does not give is refused");
	T_OK(parse(&m, "finding\twarning\tio-bar\tx\ty\n", &e) == -EINVAL,
	     "a finding the module does not give is refused");
	T_OK(parse(&m, "\nfinding\terror\tiommu-rom-stale\tx\ty\n", &e) == -EINVAL && e.line == 2 &&
	     strstr(e.msg, "severity"), "a finding of another severity than the table's is refused");
	T_OK(parse(&m, "mmap 0x1 verified 0x1 0x1\n", &e) == -EINVAL, "blanks are not tabs");

	/* the leaf sizes (6.12+ huge pfnmap): an optional sixth field */
	setup(&m);
	T_OK(!parse(&m, "mmap\t0x7f08b2b7d000\tverified\t0x20\t0x20\n", &e) &&
	     !m.devices[0].bars[0].mmaps[0].hpa_leaves_known,
	     "a capture without leaves: leaf sizes unknown");
	T_OK(!parse(&m, "mmap\t0x7f08b2b7d000\tverified\t0x20\t0x20\t1G:0x2,4K:0x10\n", &e),
	     "leaves parse");
	mm = &m.devices[0].bars[0].mmaps[0];
	T_OK(mm->hpa_leaves_known && mm->hpa_leaves[IM_LEAF_1G] == 2 &&
	     mm->hpa_leaves[IM_LEAF_4K] == 0x10 && !mm->hpa_leaves[IM_LEAF_2M] &&
	     !mm->hpa_leaves[IM_LEAF_OTHER], "leaves: 1G x 2, 4K x 16, in any order");
	T_OK(!parse(&m, "mmap\t0x7f08b2b7d000\tnot-faulted\t0x0\t0x20\t-\n", &e) &&
	     mm->hpa_leaves_known && !mm->hpa_leaves[IM_LEAF_4K],
	     "leaves \"-\": known, none present");
	f = open_memstream(&buf, &len);
	mm->hpa_check = IM_HPA_VERIFIED;
	mm->hpa_present = 0x20;
	mm->hpa_leaves[IM_LEAF_2M] = 1;
	mm->hpa_leaves[IM_LEAF_OTHER] = 3;
	T_OK(f && !im_kchecks_write(f, &m), "write leaves");
	fclose(f);
	T_OK(buf && strstr(buf, "mmap\t0x7f08b2b7d000\tverified\t0x20\t0x20\t2M:0x1,other:0x3\n"),
	     "leaves written as SIZE:COUNT, only those present");
	setup(&m2);
	T_OK(!parse(&m2, buf, &e) && m2.devices[0].bars[0].mmaps[0].hpa_leaves_known &&
	     m2.devices[0].bars[0].mmaps[0].hpa_leaves[IM_LEAF_2M] == 1 &&
	     m2.devices[0].bars[0].mmaps[0].hpa_leaves[IM_LEAF_OTHER] == 3,
	     "leaves round trip");
	free(buf);
	buf = NULL;
	mm->hpa_leaves[IM_LEAF_2M] = mm->hpa_leaves[IM_LEAF_OTHER] = 0;
	f = open_memstream(&buf, &len);
	T_OK(f && !im_kchecks_write(f, &m), "write no leaf");
	fclose(f);
	T_OK(buf && strstr(buf, "\t0x20\t0x20\t-\n"), "no present leaf is written \"-\"");
	free(buf);
	mm->hpa_leaves_known = false;
	buf = NULL;
	f = open_memstream(&buf, &len);
	T_OK(f && !im_kchecks_write(f, &m), "write unknown leaves");
	fclose(f);
	T_OK(buf && strstr(buf, "\t0x20\t0x20\n"), "unknown leaves: the old five fields");
	free(buf);
	setup(&m);
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t3M:0x1\n", &e) == -EINVAL,
	     "an unknown leaf size is refused");
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t4K:0x1,4K:0x2\n", &e) == -EINVAL,
	     "a leaf size twice is refused");
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t\n", &e) == -EINVAL,
	     "an empty leaves field is refused");
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t4K:0xzz\n", &e) == -EINVAL,
	     "a leaf count that is not hex is refused");
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t4K\n", &e) == -EINVAL,
	     "a leaf size without a count is refused");
	T_OK(parse(&m, "mmap\t0x1\tverified\t0x1\t0x1\t4K:0x1\tmore\n", &e) == -EINVAL,
	     "a seventh field is refused");
	im_model_free(&m);
	im_model_free(&m2);
	T_DONE();
}
