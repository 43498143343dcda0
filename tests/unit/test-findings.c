// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of findings.c: the table of findings (findings.def) against
 * man/iommu-map.8, which documents every code under its section, and the
 * function that adds a finding by its row.
 */
#include "findings.h"
#include "iommu-map.h"
#include "t.h"

/* one ".It Li CODE Pq SEVERITIES" of FINDINGS, under its .Ss */
struct doc {
	char code[64], sect[64], sevs[64];
	bool seen;
};

/* the documented codes: the items of FINDINGS, with their .Ss */
static size_t man_codes(char *man, struct doc *d, size_t max)
{
	char *p = strstr(man, "\n.Sh FINDINGS\n"), *end, sect[64] = "";
	size_t n = 0;

	if (!p)
		return 0;
	end = strstr(p + 1, "\n.Sh ");
	for (; p && (!end || p < end); p = strchr(p + 1, '\n')) {
		char code[64], sevs[64] = "";

		if (sscanf(p, "\n.Ss %63[^\n]", sect) == 1)
			continue;
		if (sscanf(p, "\n.It Li %63s Pq %63[^\n]", code, sevs) < 1 ||
		    strncmp(p, "\n.It Li ", 8) || n == max)
			continue;
		snprintf(d[n].code, sizeof(d[n].code), "%s", code);
		snprintf(d[n].sect, sizeof(d[n].sect), "%s", sect);
		snprintf(d[n].sevs, sizeof(d[n].sevs), "%s", sevs);
		d[n++].seen = false;
	}
	return n;
}

/* "warning, info": the severities of code's rows, in table order */
static void table_sevs(const char *code, char *buf, size_t len)
{
	size_t i, k;

	buf[0] = 0;
	for (i = 0; i < IM_NFINDING_IDS; i++) {
		const char *s = im_severity_name(im_finding_defs[i].severity);
		bool again = false;

		if (strcmp(im_finding_defs[i].code, code))
			continue;
		for (k = 0; k < i; k++)
			again |= !strcmp(im_finding_defs[k].code, code) &&
				 im_finding_defs[k].severity == im_finding_defs[i].severity;
		if (!again)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", s);
	}
}

static void test_man(void)
{
	static struct doc d[128];
	char *man = t_slurp("man", "iommu-map.8", NULL, false), want[64], name[160];
	size_t n = man_codes(man, d, 128), i, k;
	bool all = true, rows = true;

	T_OK(n > 0, "man: FINDINGS lists codes");
	for (i = 0; i < IM_NFINDING_IDS; i++) {
		const struct im_finding_def *f = &im_finding_defs[i];
		bool found = false;

		for (k = 0; k < n; k++)
			if (!strcmp(d[k].code, f->code)) {
				found = true;
				d[k].seen = true;
				if (strcmp(d[k].sect, im_fsection_name(f->section))) {
					snprintf(name, sizeof(name), "man: %s under \"%s\", the table says \"%s\"",
						 f->code, d[k].sect, im_fsection_name(f->section));
					T_OK(false, name);
					rows = false;
				}
				table_sevs(f->code, want, sizeof(want));
				if (strcmp(d[k].sevs, want)) {
					snprintf(name, sizeof(name), "man: %s is (%s), the table says (%s)",
						 f->code, d[k].sevs, want);
					T_OK(false, name);
					rows = false;
				}
			}
		if (!found) {
			snprintf(name, sizeof(name), "man: %s is documented in FINDINGS", f->code);
			T_OK(false, name);
			all = false;
		}
	}
	T_OK(all, "man: every code of the table is documented");
	T_OK(rows, "man: each under its section, with its severities");
	all = true;
	for (k = 0; k < n; k++)
		if (!d[k].seen) {
			snprintf(name, sizeof(name), "man: documented %.63s is a code of the table", d[k].code);
			T_OK(false, name);
			all = false;
		}
	T_OK(all, "man: every documented code is in the table");
	all = true;
	for (k = 0; k < n; k++)
		for (i = 0; i < k; i++)
			if (!strcmp(d[i].code, d[k].code))
				all = false;
	T_OK(all, "man: each code documented once");
	free(man);
}

static void test_table(void)
{
	bool ok = true, one_sect = true;
	size_t i, k;

	for (i = 0; i < IM_NFINDING_IDS; i++) {
		const struct im_finding_def *f = &im_finding_defs[i];

		if (!f->code || !*f->code || !f->tmpl || !*f->tmpl || !im_fsection_name(f->section))
			ok = false;
		for (k = 0; k < i; k++)
			if (!strcmp(im_finding_defs[k].code, f->code) &&
			    im_finding_defs[k].section != f->section)
				one_sect = false;
	}
	T_OK(ok, "table: every row has a code, a sentence and a section");
	T_OK(one_sect, "table: the rows of a code share its section");
	T_EQ_STR(im_finding_defs[IM_F_MMAP_NO_MEMSLOT].params, "uint64_t hva",
		 "table: a row lists its parameters");
	T_OK(im_finding_lookup("io-bar") == &im_finding_defs[IM_F_IO_BAR], "lookup: a code");
	T_OK(im_finding_lookup("no-such-code") == NULL && im_finding_lookup(NULL) == NULL,
	     "lookup: not a code");
}

static void test_add(void)
{
	struct im_model m;
	int r;

	im_model_init(&m);
	T_OK(!IM_FINDING(&m, IM_F_MMAP_NO_MEMSLOT, "0000:00:03.0 BAR 0", (uint64_t)0x7f0000001000),
	     "add: a finding by its row");
	T_EQ_U64(m.nfindings, 1, "add: one finding");
	T_EQ_STR(m.findings[0].code, "mmap-no-memslot", "add: the row's code");
	T_OK(m.findings[0].severity == IM_SEV_WARNING, "add: the row's severity");
	T_EQ_STR(m.findings[0].subject, "0000:00:03.0 BAR 0", "add: the subject");
	T_OK(!strncmp(m.findings[0].message, "mmapped at HVA 0x7f0000001000 but no KVM memslot", 48),
	     "add: the template filled");
	T_OK(!IM_FINDING(&m, IM_F_SMM_MIRROR, NULL, (size_t)2, "s") &&
	     !strcmp(m.findings[1].subject, "") &&
	     !strncmp(m.findings[1].message, "2 slots in the SMM", 18),
	     "add: no subject is \"\", %zu and %s filled");
	T_OK(!IM_FINDING(&m, IM_F_IO_BAR, "x") && m.findings[2].severity == IM_SEV_INFO &&
	     m.findings[2].line == 0 &&
	     !strcmp(m.findings[2].message, im_finding_defs[IM_F_IO_BAR].tmpl),
	     "add: a row without arguments");
	T_OK(!im_finding_add(&m, IM_F_GDB_EXPORT_OTHER_PID, "f", 0, 12, 34) &&
	     !strcmp(m.findings[3].message, "the gdb export was taken from pid 12, not the target pid 34: its addresses are not this process's"),
	     "add: im_finding_add by id");
	T_OK(!IM_FINDING_AT(&m, IM_F_GDB_EXPORT_OTHER_PID, "f", 7, 1, 2) && m.findings[4].line == 7,
	     "add: a note on line 7 of a text");
	m.nfindings--;
	free(m.findings[4].subject);
	free(m.findings[4].message);
	r = im_finding_add(&m, IM_NFINDING_IDS, "x", 0);
	T_OK(r == -EINVAL && m.nfindings == 4, "add: an unknown id is -EINVAL, nothing added");
	r = im_finding_add(&m, (enum im_fid)-1, "x", 0);
	T_OK(r == -EINVAL && m.nfindings == 4, "add: a negative id is -EINVAL");

	/* a replay: the sentence as written, checked against the table */
	T_OK(!im_finding_replay(&m, IM_FS_KMOD, IM_SEV_WARNING, "iommu-rom-stale", "d", "as written") &&
	     !strcmp(m.findings[4].message, "as written") && !strcmp(m.findings[4].code, "iommu-rom-stale"),
	     "replay: a kernel finding");
	T_OK(im_finding_replay(&m, IM_FS_KMOD, IM_SEV_ERROR, "iommu-rom-stale", "d", "x") == -EINVAL,
	     "replay: another severity than the table's is -EINVAL");
	T_OK(im_finding_replay(&m, IM_FS_KMOD, IM_SEV_INFO, "io-bar", "d", "x") == -EINVAL,
	     "replay: a code of another section is -EINVAL");
	T_OK(im_finding_replay(&m, IM_FS_KMOD, IM_SEV_INFO, "no-such-code", "d", "x") == -EINVAL,
	     "replay: an unknown code is -EINVAL");
	T_EQ_U64(m.nfindings, 5, "replay: nothing added when refused");
	im_model_free(&m);
}

int main(void)
{
	test_table();
	test_add();
	test_man();
	T_DONE();
}
