// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-correlate: a large synthetic host in memory, timed stage by stage.
 * 4096 vfio-pci devices with 2 BARs each, 100k maps lines (8192 of them
 * vfio BAR mmaps), 32k memslots; parse maps, parse memslots, correlate,
 * and the --json report of it all written to a byte counter (best of 5).
 * Prints figures; asserts nothing about time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "iommu-map.h"

static ssize_t count_write(void *c, const char *buf, size_t n)
{
	(void)buf;
	*(size_t *)c += n;
	return (ssize_t)n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t ndev = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
	size_t nmaps = 100000, nslots = 32768, i, len = 0, cap = 1 << 24;
	char *maps = malloc(cap), *slots = malloc(cap);
	struct im_model m;
	struct im_err e;
	double t0, t1, t2, t3;
	size_t linked = 0, guest = 0;
	uint64_t hva = 0x7f0000000000ull;

	if (!maps || !slots)
		return 2;
	im_model_init(&m);
	m.kernel = strdup("6.1.0-56-amd64");
	m.devices = calloc(ndev, sizeof(*m.devices));
	m.ndevices = ndev;
	for (i = 0; i < ndev; i++) {
		struct im_device *d = &m.devices[i];

		snprintf(d->bdf, sizeof(d->bdf), "0000:%02x:%02x.%x", (unsigned)(i >> 8) & 0xff,
			 (unsigned)(i >> 3) & 0x1f, (unsigned)i & 7);
		d->driver = strdup("vfio-pci");
		d->vfio_cdev = -1;
		d->bars[0] = (struct im_bar){ .index = 0, .kind = IM_BAR_MEM32,
					      .hpa = 0x80000000ull + i * 0x40000, .size = 0x20000 };
		d->bars[2] = (struct im_bar){ .index = 2, .kind = IM_BAR_MEM64, .prefetch = true,
					      .hpa = 0x4000000000ull + i * 0x1000000ull, .size = 0x1000000 };
	}
	/* maps: a vfio mmap of both BARs of every device, anonymous lines between */
	for (i = 0; i < nmaps; i++) {
		size_t dev = i / 24, k = i % 24;
		uint64_t size = 0x1000, off = 0;
		const char *path = "";

		if (k < 2 && dev < ndev) {
			size = k ? 0x1000000 : 0x20000;
			off = m.devices[dev].bars[k ? 2 : 0].hpa;
			path = "anon_inode:[vfio-device]";
		}
		len += (size_t)snprintf(maps + len, cap - len, "%lx-%lx rw-%c %lx 00:0e 44 %s\n",
					(unsigned long)hva, (unsigned long)(hva + size),
					*path ? 's' : 'p', (unsigned long)off, path);
		hva += size + 0x1000;
	}
	t0 = now();
	if (im_proc_parse_maps(maps, len, "maps", &m.maps, &m.nmaps, &e)) {
		printf("maps: %u: %s\n", e.line, e.msg);
		return 2;
	}
	t1 = now();
	/* memslots: one per vfio mmap (as_id 0), the rest guest RAM pieces */
	len = 0;
	for (i = 0; i < m.nmaps && i < nslots; i++)
		len += (size_t)snprintf(slots + len, cap - len, "%d %zu 0x%lx 0x%lx 0x%lx 0x0\n",
					0, i, (unsigned long)(0x100000000ull + i * 0x2000000ull),
					(unsigned long)(m.maps[i].end - m.maps[i].start),
					(unsigned long)m.maps[i].start);
	t2 = now();
	if (im_memslots_parse(slots, len, "memslots", &m, &e)) {
		printf("memslots: %u: %s\n", e.line, e.msg);
		return 2;
	}
	m.memslot_source = "kvm-memslot";
	t3 = now();
	if (im_correlate(&m))
		return 2;
	for (i = 0; i < ndev; i++) {
		linked += m.devices[i].bars[0].nmmaps + m.devices[i].bars[2].nmmaps;
		guest += m.devices[i].bars[0].nguest + m.devices[i].bars[2].nguest;
	}
	printf("devices %zu, maps lines %zu, memslots %zu\n", ndev, m.nmaps, m.nmemslots);
	printf("parse maps:      %8.2f ms\n", (t1 - t0) * 1e3);
	printf("parse memslots:  %8.2f ms\n", (t3 - t2) * 1e3);
	printf("correlate:       %8.2f ms  (%zu BAR mmaps linked, %zu guest pieces, %zu findings)\n",
	       (now() - t3) * 1e3, linked, guest, m.nfindings);
	{
		size_t bytes = 0;
		FILE *out = fopencookie(&bytes, "w", (cookie_io_functions_t){ .write = count_write });
		double best = 1e9;
		int k;

		if (!out)
			return 2;
		for (k = 0; k < 5; k++) {
			double t = now();

			bytes = 0;
			if (im_report_json(out, &m) || fflush(out))
				return 2;
			t = now() - t;
			if (t < best)
				best = t;
		}
		fclose(out);
		printf("report --json:   %8.2f ms  (%zu bytes)\n", best * 1e3, bytes);
	}
	im_model_free(&m);
	free(maps);
	free(slots);
	return 0;
}
