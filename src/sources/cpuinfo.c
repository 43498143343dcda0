// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuinfo.c - the host CPU's physical address width (MAXPHYADDR), from
 * /proc/cpuinfo's "address sizes : 46 bits physical, 48 bits virtual"
 * (arch/x86/kernel/cpu/proc.c prints x86_phys_bits there).  KVM on x86
 * refuses a memslot that ends above it (Linux 5.19 and later; trace-fail.c
 * explains the EINVAL), and the EPT/NPT cannot map a GPA past it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/widths.h"

int im_cpuinfo_parse(const char *buf, size_t len, unsigned int *phys)
{
	static const char key[] = "address sizes";
	const char *p = buf, *e = buf + len, *nl;

	for (; p < e; p = nl + 1) {
		const char *q;
		unsigned int v = 0;

		nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl)
			nl = e;
		if ((size_t)(nl - p) < sizeof(key) || memcmp(p, key, sizeof(key) - 1))
			continue;
		q = memchr(p, ':', (size_t)(nl - p));
		if (!q)
			return -EINVAL;
		for (q++; q < nl && *q == ' '; q++)
			;
		if (q >= nl || *q < '0' || *q > '9')
			return -EINVAL;
		for (; q < nl && *q >= '0' && *q <= '9' && v < 1000; q++)
			v = v * 10 + (unsigned int)(*q - '0');
		if (v < 32 || v > 64 || (size_t)(nl - q) < 14 || memcmp(q, " bits physical", 14))
			return -EINVAL;
		*phys = v;
		return 0;
	}
	return -ENOENT;
}

int im_cpuinfo_load(struct im_model *m)
{
	char *buf;
	size_t len;
	unsigned int bits;
	int r = im_root_read("proc/cpuinfo", &buf, &len);

	if (r == -ENOMEM)
		return r;
	if (r)
		return im_width_unknown(&m->cpu_width, "proc/cpuinfo: %s", im_root_strerror(r));
	r = im_cpuinfo_parse(buf, len, &bits);
	free(buf);
	if (r)
		return im_width_unknown(&m->cpu_width, "proc/cpuinfo: %s",
					r == -ENOENT ? "no \"address sizes\" line (not x86?)" :
					"its \"address sizes\" line is not \"N bits physical, ...\"");
	return im_width_known(&m->cpu_width, bits, "cpuinfo: address sizes");
}
