// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-elfsym.c - elfsym.c on arbitrary bytes as the mapped ELF file: the
 * input goes into a memfd that a synthetic maps line names, then a few
 * addresses are resolved (segments, symbol tables, notes, build-id).
 */
/* link: src/watch/elfsym.c -lelf */
/* seeds: /usr/bin/true build/watch-tests/victim-stripped */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "iommu-map.h"
#include "watch/elfsym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct im_map map;
	struct im_sym s;
	char path[64], buf[128];
	int fd;

	if (!inited) {
		im_root_init("/");
		inited = 1;
	}
	fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&map, 0, sizeof(map));
	map.start = 0x400000;
	map.end = 0x400000 + 0x100000;
	map.offset = size > 8 ? data[size - 1] * 0x1000ULL : 0;
	map.path = path;
	for (uint64_t a = map.start; a < map.end; a += 0x3333)
		if (!im_sym_resolve(&map, 1, a, &s) && s.name)
			im_sym_format(&s, buf, sizeof(buf));
	im_sym_lookup(&map, 1, map.start + 0x1040, buf, sizeof(buf));
	im_elfsym_reset();
	close(fd);
	return 0;
}
