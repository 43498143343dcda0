// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kchecks.c - what the kernel module said during a capture, kept in the
 * fixture file iommu-map/kernel-checks so that a replay reports it too:
 * the page-table walk result of each BAR mmap, the kvm-walk and iommu
 * source entries, and their findings.  Tab-separated lines:
 *   mmap	HVA	CHECK	PRESENT	PAGES[	LEAVES]
 *   source	NAME	STATUS	DETAIL
 *   finding	SEVERITY	CODE	SUBJECT	MESSAGE
 * LEAVES, the present page-table leaves by size, is SIZE:COUNT joined by
 * commas (4K:0x100,2M:0x1), "-" for none; captures made before it existed
 * have no LEAVES field, and their leaf sizes are unknown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"

#define KCHECKS_FILE "iommu-map/kernel-checks"

static const char *const check_names[] = {
	"unchecked", "verified", "partly-faulted", "not-faulted",
	"mismatch", "not-pfnmap", "error",
};

/* sources and findings that come from the module */
static bool kernel_source(const char *name)
{
	return !strcmp(name, "kvm-walk") || !strcmp(name, "iommu");
}

/*
 * Findings of the module's checks, kept as they were said; not those the
 * leaves check (checks/pagetables.c) works out again from the mmap lines
 */
static bool derived_finding(const char *code)
{
	return !strcmp(code, "bar-small-leaves") || !strcmp(code, "bar-leaves-unknown");
}

static bool kernel_finding(const char *code)
{
	const struct im_finding_def *def = im_finding_lookup(code);

	return def && def->section == IM_FS_KMOD && !derived_finding(code);
}

static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static struct im_bar_mmap *find_mmap(struct im_model *m, uint64_t hva)
{
	size_t i, k;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++)
			for (k = 0; k < m->devices[i].bars[b].nmmaps; k++)
				if (m->devices[i].bars[b].mmaps[k].hva == hva)
					return &m->devices[i].bars[b].mmaps[k];
	return NULL;
}

/* "4K:0x100,1G:0x2" or "-" into leaves[]; 0, or -1 if malformed */
static int parse_leaves(char *s, uint64_t leaves[IM_NLEAF])
{
	char *tok, *save = NULL;
	int l, seen = 0;

	memset(leaves, 0, IM_NLEAF * sizeof(*leaves));
	if (!strcmp(s, "-"))
		return 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon)
			return -1;
		*colon++ = '\0';
		for (l = 0; l < IM_NLEAF; l++)
			if (!strcmp(tok, im_leaf_name((enum im_leaf)l)))
				break;
		if (l == IM_NLEAF || seen & (1 << l) ||
		    im_parse_hex(colon, strlen(colon), &leaves[l]))
			return -1;
		seen |= 1 << l;
	}
	return seen ? 0 : -1;
}

/* split line into at most max tab-separated fields, in place */
static int split(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		if (n == max) /* the last field keeps its tabs */
			break;
		*line++ = '\0';
	}
	return n;
}

int im_kchecks_parse(const char *buf, size_t len, const char *file,
		     struct im_model *m, struct im_err *err)
{
	static const char *const sev[] = { "info", "warning", "error" };
	static const char *const st[] = { "ok", "partial", "unavailable" };
	char *copy = strndup(buf, len), *p, *nl;
	unsigned int line = 0;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy; p && *p && !r; p = nl) {
		char *f[6];
		int n;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		if (!*p || *p == '#')
			continue;
		/*
		 * a source has 4 fields, a finding 5 (the last keeps tabs), an
		 * mmap 5 or 6
		 */
		n = split(p, f, !strncmp(p, "source\t", 7) ? 4 :
				!strncmp(p, "mmap\t", 5) ? 6 : 5);
		if (!strcmp(f[0], "mmap") && (n == 5 || n == 6)) {
			uint64_t hva, present, pages, leaves[IM_NLEAF];
			int c = lookup(f[2], check_names, 7);
			struct im_bar_mmap *mm;

			if (im_parse_hex(f[1], strlen(f[1]), &hva) || c < 0 ||
			    im_parse_hex(f[3], strlen(f[3]), &present) ||
			    im_parse_hex(f[4], strlen(f[4]), &pages) || present > pages ||
			    (n == 6 && parse_leaves(f[5], leaves))) {
				im_err_set(err, file, line, "bad mmap line (want: mmap HVA CHECK PRESENT PAGES [LEAVES])");
				r = -EINVAL;
				break;
			}
			mm = find_mmap(m, hva);
			if (mm) {	/* an mmap this model does not have is left alone */
				mm->hpa_check = (enum im_hpa_check)c;
				mm->hpa_present = present;
				mm->hpa_pages = pages;
				mm->hpa_leaves_known = n == 6;
				if (n == 6)
					memcpy(mm->hpa_leaves, leaves, sizeof(leaves));
			}
		} else if (!strcmp(f[0], "source") && n == 4 && lookup(f[2], st, 3) >= 0 &&
			   kernel_source(f[1])) {
			r = im_add_source(m, f[1], (enum im_src_status)lookup(f[2], st, 3),
					  "%s", f[3]);
		} else if (!strcmp(f[0], "finding") && n == 5 && derived_finding(f[2])) {
			/* a capture made before they were left out: worked out again */
		} else if (!strcmp(f[0], "finding") && n == 5 && lookup(f[1], sev, 3) >= 0 &&
			   kernel_finding(f[2])) {
			r = im_finding_replay(m, IM_FS_KMOD, (enum im_severity)lookup(f[1], sev, 3),
					      f[2], f[3], f[4]);
			if (r == -EINVAL)
				im_err_set(err, file, line, "finding %s is not of severity %s",
					   f[2], f[1]);
		} else {
			im_err_set(err, file, line, "not a kernel-checks line (mmap, source or finding)");
			r = -EINVAL;
		}
	}
	free(copy);
	return r;
}

int im_kchecks_load(struct im_model *m, struct im_err *err)
{
	char *buf, *file;
	size_t len;
	int r = im_root_read(KCHECKS_FILE, &buf, &len);

	if (r)
		return r == -ENOENT ? 0 : im_root_err(err, KCHECKS_FILE, r);
	file = im_root_path(KCHECKS_FILE);
	r = im_kchecks_parse(buf, len, file ? file : KCHECKS_FILE, m, err);
	free(file);
	free(buf);
	return r;
}

/* no tab or newline may reach a field */
static void put_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

/* "\t4K:0x100,2M:0x1", or "\t-" when no leaf is present */
static void write_leaves(FILE *f, const uint64_t leaves[IM_NLEAF])
{
	const char *sep = "\t";
	int l;

	for (l = 0; l < IM_NLEAF; l++)
		if (leaves[l]) {
			fprintf(f, "%s%s:0x%" PRIx64, sep, im_leaf_name((enum im_leaf)l),
				leaves[l]);
			sep = ",";
		}
	if (*sep == '\t')
		fputs("\t-", f);
}

bool im_kchecks_any(const struct im_model *m)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (kernel_source(m->sources[i].name))
			return true;
	return false;
}

int im_kchecks_write(FILE *f, const struct im_model *m)
{
	size_t i, k;
	int b;

	fprintf(f, "# what /dev/iommu-map said when this was captured\n");
	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++)
			for (k = 0; k < m->devices[i].bars[b].nmmaps; k++) {
				const struct im_bar_mmap *mm = &m->devices[i].bars[b].mmaps[k];

				if (mm->hpa_check == IM_HPA_UNCHECKED || mm->hpa_check > IM_HPA_ERROR)
					continue;
				fprintf(f, "mmap\t0x%" PRIx64 "\t%s\t0x%" PRIx64 "\t0x%" PRIx64,
					mm->hva, check_names[mm->hpa_check],
					mm->hpa_present, mm->hpa_pages);
				if (mm->hpa_leaves_known)
					write_leaves(f, mm->hpa_leaves);
				fputc('\n', f);
			}
	for (i = 0; i < m->nsources; i++)
		if (kernel_source(m->sources[i].name)) {
			fprintf(f, "source\t%s\t%s\t", m->sources[i].name,
				im_src_status_name(m->sources[i].status));
			put_field(f, m->sources[i].detail ? m->sources[i].detail : "");
			fputc('\n', f);
		}
	for (i = 0; i < m->nfindings; i++)
		if (kernel_finding(m->findings[i].code)) {
			fprintf(f, "finding\t%s\t%s\t", im_severity_name(m->findings[i].severity),
				m->findings[i].code);
			put_field(f, m->findings[i].subject);
			fputc('\t', f);
			put_field(f, m->findings[i].message);
			fputc('\n', f);
		}
	return ferror(f) ? -EIO : 0;
}
