// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the MMIO windows (sources/qmp-windows.c, checks/mmio.c).
 * The input is the host bridge's qom-get answer (JSON), query-pci JSON and
 * QEMU's command line, separated by NUL bytes; the check then runs on them.
 */
/* seeds: tests/fuzz/seeds/mmio/q35-small-hole64 tests/fuzz/seeds/mmio/no-host-bridge tests/fuzz/seeds/mmio/ovmf-pflash */
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "checks/mmio.h"
#include "sources/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3), *parts[3], how[200];
	struct im_qmp_raw raw = { 0 };
	struct im_model m;
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
	raw.qom_pci_host = parts[0];
	raw.query_pci = parts[1];
	im_firmware_parse(parts[2], strlen(parts[2]), how, sizeof(how));
	im_model_init(&m);
	m.cmdline = strdup(parts[2]);
	if (!im_mmio_parse(&m, &raw))
		im_mmio_check(&m);
	im_model_free(&m);
	free(buf);
	return 0;
}
