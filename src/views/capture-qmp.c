// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture-qmp.c - `capture -o DIR` of the QMP answers: query-pci, info
 * qtree, info mtree -f and each gpa2hva, where im_qmp_load_captured() reads
 * them back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "iommu-map.h"
#include "sources/qmp.h"

static int mkdir_p(const char *path)
{
	char *p = strdup(path), *s;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST) {
			int r = -errno;

			free(p);
			return r;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST) {
		int r = -errno;

		free(p);
		return r;
	}
	free(p);
	return 0;
}

static int write_text(const char *dir, const char *rel, const char *text, struct im_err *err)
{
	char *path = im_asprintf("%s/%s", dir, rel);
	FILE *f;
	int r = 0;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "w");
	if (!f) {
		r = -errno;
	} else {
		size_t n = strlen(text);

		if (fwrite(text, 1, n, f) != n || (n && text[n - 1] != '\n' && fputc('\n', f) == EOF))
			r = -EIO;
		if (fclose(f) && !r)
			r = -errno;
	}
	if (r)
		im_err_set(err, path, 0, "cannot write: %s", strerror(-r));
	free(path);
	return r;
}

int im_qmp_write_capture(const char *dir, const struct im_model *m, struct im_err *err)
{
	const struct im_qmp_raw *raw = &m->qmp;
	char *d;
	size_t i;
	int r;

	if (!raw->query_pci || !raw->info_qtree) {
		im_err_set(err, dir, 0, "no QMP answers to store");
		return -ENOENT;
	}
	d = im_asprintf("%s/iommu-map/qmp", dir);
	r = d ? mkdir_p(d) : -ENOMEM;
	free(d);
	if (!r) {
		d = im_asprintf("%s/iommu-map/hmp", dir);
		r = d ? mkdir_p(d) : -ENOMEM;
		free(d);
	}
	if (r) {
		im_err_set(err, dir, 0, "cannot create iommu-map/qmp, iommu-map/hmp: %s",
			   strerror(-r));
		return r;
	}
	r = write_text(dir, CAP_PCI, raw->query_pci, err);
	if (!r)
		r = write_text(dir, CAP_QTREE, raw->info_qtree, err);
	if (!r && raw->info_mtree_f)
		r = write_text(dir, CAP_MTREE, raw->info_mtree_f, err);
	for (i = 0; !r && i < raw->ngpa2hva; i++) {
		char rel[96];

		snprintf(rel, sizeof(rel), CAP_GPA2HVA, raw->gpa2hva[i].gpa);
		r = write_text(dir, rel, raw->gpa2hva[i].text, err);
	}
	return r;
}
