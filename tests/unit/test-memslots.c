// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of memslots.c: the iommu-map/memslots format. */
#include "iommu-map.h"
#include "t.h"

static int parse(struct im_model *m, const char *s, struct im_err *e)
{
	im_model_free(m);
	im_model_init(m);
	return im_memslots_parse(s, strlen(s), "memslots", m, e);
}

/* n slots of address space as, then one of as_id 1: the text, malloc'd */
static char *many(size_t n, int as)
{
	char *buf = malloc(n * 48 + 64), *p = buf;
	size_t i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "%d %zu 0x%zx 0x1000 0x7f0000000000 0x0\n", as, i % 30000, i << 12);
	sprintf(p, "1 0 0x0 0x1000 0x7f0000000000 0x0\n");
	return buf;
}

/* as_id 0 and 1 only; at most 32,768 slots an address space */
static void test_bounds(struct im_model *m)
{
	struct im_err e = { 0 };
	char *t;

	T_OK(parse(m, "0 1 0 0x1000 0x1000 0\n2 1 0 0x1000 0x1000 0\n", &e) == -EINVAL &&
	     e.line == 2 && strstr(e.msg, "as_id 2") && !strcmp(e.file, "memslots"),
	     "as_id 2 refused, naming file and line");
	T_OK(parse(m, "7 0 0 0x1000 0x1000 0\n", &e) == -EINVAL && e.line == 1 &&
	     strstr(e.msg, "as_id 7"), "as_id 7 refused");
	t = many(IM_MAX_SLOTS_PER_AS, 0);
	T_OK(!parse(m, t, &e) && m->nmemslots == IM_MAX_SLOTS_PER_AS + 1,
	     "32,768 slots in as_id 0 (and one in 1) read");
	free(t);
	t = many(IM_MAX_SLOTS_PER_AS + 1, 0);
	T_OK(parse(m, t, &e) == -EINVAL && e.line == IM_MAX_SLOTS_PER_AS + 1 &&
	     strstr(e.msg, "more than 32768 slots in address space 0"), "a 32,769th slot refused at its line");
	free(t);
	T_OK(!parse(m, "0 1 0 0x2000 0x1000 0\n0 1 0x1000 0x1000 0x1000 0\n", &e) && m->nmemslots == 2,
	     "a duplicate, overlapping slot is read (correlate's findings say it)");
}

int main(void)
{
	struct im_model m;
	struct im_err e = { 0 };

	im_model_init(&m);
	T_OK(!parse(&m, "# as_id slot gpa size hva flags\n"
		    "0 7 0xfeb40000 0x20000 0x7fdafdd58000 0x0   # a BAR\n"
		    "\n1 65535 0 0x1000 7f0000000000 2\n"
		    "0 0 0x0 0xc0000 0x7f2a40000000 0x0\n", &e), "parse three slots");
	T_EQ_U64(m.nmemslots, 3, "three slots");
	T_EQ_U64(m.memslots[0].gpa, 0, "sorted: as 0 gpa 0 first");
	T_EQ_U64(m.memslots[1].hva, 0x7fdafdd58000, "second: the BAR hva");
	T_EQ_U64(m.memslots[2].as_id, 1, "as_id 1 last");
	T_EQ_U64(m.memslots[2].flags, 2, "flags without 0x");
	T_OK(m.memslots_known, "memslots known");
	T_OK(im_find_memslot_gpa(&m, 0, 0xfeb5ffff) == 1, "lookup last byte of the BAR slot");
	T_OK(im_find_memslot_gpa(&m, 0, 0xfeb60000) == -1, "lookup one past the slot");
	T_OK(im_find_memslot_gpa(&m, 1, 0xfff) == 2, "lookup in as_id 1");

	T_OK(parse(&m, "0 7 0xfeb40000 0x20000\n", &e) == -EINVAL && e.line == 1,
	     "short line refused");
	T_OK(parse(&m, "#\n0 x 0 0x1000 0x1000 0\n", &e) == -EINVAL && e.line == 2, "bad slot refused");
	T_OK(parse(&m, "65536 0 0 0x1000 0x1000 0\n", &e) == -EINVAL, "as_id too big refused");
	T_OK(parse(&m, "0 0 0 0x1000 0x1000 0 extra\n", &e) == -EINVAL, "trailing text refused");
	T_OK(parse(&m, "0 0 0 0 0x1000 0\n", &e) == -EINVAL, "empty slot refused");
	T_OK(parse(&m, "0 0 0xfffffffffffff000 0x2000 0x1000 0\n", &e) == -EINVAL, "wrapping slot refused");
	T_OK(parse(&m, "0 0 0 0x1000 0x1000 0x1ffffffff\n", &e) == -EINVAL, "flags over 32 bits refused");
	T_OK(!parse(&m, "# as_id slot gpa size hva flags\n0 1 0x0 0x1000 0x7f0000000000 0x0\n", &e),
	     "parse a table that names no source");
	T_EQ_STR(m.memslot_source, "kvm-memslot", "no source named: KVM's own table");
	T_OK(!parse(&m, "# as_id slot gpa size hva flags  (source: qemu-trace)\n"
		    "0 1 0x0 0x1000 0x7f0000000000 0x0\n", &e), "parse a capture of trace memslots");
	T_EQ_STR(m.memslot_source, "qemu-trace", "a capture keeps the trace as the source");
	T_OK(!parse(&m, "# as_id slot gpa size hva flags  (source: gdb-export)\n"
		    "0 1 0x0 0x1000 0x7f0000000000 0x0\n", &e), "parse a capture of gdb memslots");
	T_EQ_STR(m.memslot_source, "gdb-export", "a capture keeps gdb as the source");
	T_OK(!parse(&m, "# as_id slot gpa size hva flags  (source: qemu-traceX)\n"
		    "0 1 0x0 0x1000 0x7f0000000000 0x0\n", &e), "parse an unknown source name");
	T_EQ_STR(m.memslot_source, "kvm-memslot", "an unknown source name is not taken");
	test_bounds(&m);
	im_model_free(&m);
	T_DONE();
}
