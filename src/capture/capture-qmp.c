// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture-qmp.c - `capture -o DIR` of the QMP answers: query-pci, info
 * qtree, info mtree -f, each gpa2hva and the host bridge's windows, where im_qmp_load_captured() reads
 * them back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/qmp.h"

static int write_text(struct im_outdir *o, const char *rel, const char *text, struct im_err *err)
{
	size_t n = strlen(text);
	char *nl = n && text[n - 1] == '\n' ? NULL : im_asprintf("%s\n", text);
	int r = nl || (n && text[n - 1] == '\n') ? 0 : -ENOMEM;

	if (!r)
		r = im_outdir_put(o, rel, nl ? nl : text, nl ? n + 1 : n);
	free(nl);
	if (r) {
		char *path = im_outdir_path(o, rel);

		im_err_set(err, path ? path : rel, 0, "cannot write: %s", strerror(-r));
		free(path);
	}
	return r;
}

int im_qmp_write_capture(struct im_outdir *o, const struct im_model *m, struct im_err *err)
{
	const struct im_qmp_raw *raw = &m->qmp;
	size_t i;
	int r;

	if (!raw->query_pci || !raw->info_qtree) {
		im_err_set(err, o->path, 0, "no QMP answers to store");
		return -ENOENT;
	}
	r = write_text(o, CAP_PCI, raw->query_pci, err);
	if (!r)
		r = write_text(o, CAP_QTREE, raw->info_qtree, err);
	if (!r && raw->info_mtree_f)
		r = write_text(o, CAP_MTREE, raw->info_mtree_f, err);
	if (!r && raw->qom_pci_host)
		r = write_text(o, CAP_QOM, raw->qom_pci_host, err);
	for (i = 0; !r && i < raw->ngpa2hva; i++) {
		char rel[96];

		snprintf(rel, sizeof(rel), CAP_GPA2HVA, raw->gpa2hva[i].gpa);
		r = write_text(o, rel, raw->gpa2hva[i].text, err);
	}
	return r;
}
