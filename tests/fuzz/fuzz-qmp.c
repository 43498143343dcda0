// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-qmp.c - the QMP answer parsers: the input is query-pci JSON, info
 * qtree text and info mtree -f text separated by NUL bytes; a gpa2hva answer
 * is the qtree text itself.  Seeds in tests/fuzz/seeds/qmp/: a lab run's
 * three answers, joined so.
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE tests/fuzz/fuzz-qmp.c src/sources/qmp.c src/sources/qmp-client.c src/checks/qmp.c src/sources/mtree.c src/lib/util.c src/model.c src/lib/sysroot.c -ljson-c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3), *parts[3];
	struct im_qmp_raw raw = { 0 };
	struct im_qmp_gpa2hva g;
	struct im_model m;
	struct im_err err;
	uint64_t hva;
	size_t i, k = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = 0;
	parts[0] = buf;
	for (i = 0; i < size + 2 && k < 2; i++)
		if (!buf[i])
			parts[++k] = buf + i + 1;
	while (k < 2)
		parts[++k] = buf + size + 2;
	raw.query_pci = parts[0];
	raw.info_qtree = parts[1];
	raw.info_mtree_f = *parts[2] ? parts[2] : NULL;
	/* every guest BAR gets the same answer */
	g.gpa = 0;
	g.text = parts[1];
	raw.gpa2hva = &g;
	raw.ngpa2hva = 1;
	im_qmp_parse_gpa2hva(parts[1], &hva);
	im_model_init(&m);
	if (!im_qmp_parse_answers(&m, &raw, "fuzz", &err))
		im_qmp_crosscheck(&m);
	im_model_free(&m);
	free(buf);
	return 0;
}
