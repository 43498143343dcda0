// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-mtree.c - im_mtree_parse() and the annotation view on arbitrary text,
 * against the seed model (a heap, a vfio mapping, one memslot, one device,
 * and two fds of QEMU).
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE tests/fuzz/fuzz-mtree.c src/sources/mtree.c src/lib/util.c src/model.c src/findings.c -ljson-c */
/* seeds: tests/data/qemu/seed-mtree.txt tests/data/qemu/seed-mtree-mail.txt tests/data/qemu/lab-6.1-kvm.hmp-info-mtree.txt tests/data/qemu/lab-6.1-kvm.hmp-info-mtree-f.txt tests/data/qemu/mtree-10.0-vfio-fd.hmp-info-mtree-f.txt tests/data/qemu/mtree-11.1-id.hmp-info-mtree.txt */
// seeds: tests/pastes/0[1239]-*/paste.txt tests/pastes/26-*/paste.txt
/* options: -max_len=4096 */
/* (the parse and both views cost about 30 ns a byte at -O2 and ten times
 * that under ASan and coverage: at libFuzzer's default max_len, the largest
 * seed's 14 KB, the target ran 800-1,200 runs/s.  4 KiB holds every kind of
 * line, header and wrapped continuation the seeds have; the seeds' coverage
 * at 4 KiB is the same (2,132 edges against 2,121 untruncated).) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/mtree.h"

static struct im_model m;
static FILE *devnull;

static void setup(void)
{
	struct im_memslot s = { 0, 7, 0xfc078000, 0x1000, 0x7f0b5c5f4000, 0 };
	struct im_bar *b;

	im_model_init(&m);
	m.ndevices = 1;
	m.devices = calloc(1, sizeof(*m.devices));
	snprintf(m.devices[0].bdf, 16, "0000:0a:00.0");
	b = &m.devices[0].bars[0];
	b->kind = IM_BAR_MEM32;
	b->hpa = 0xe2c20000;
	b->size = 0x1000;
	b->nmmaps = 1;
	b->mmaps = calloc(1, sizeof(*b->mmaps));
	b->mmaps[0].hva = 0x7f0b5c5f4000;
	b->mmaps[0].size = 0x1000;
	m.nmaps = 2;
	m.maps = calloc(2, sizeof(*m.maps));
	m.maps[0] = (struct im_map){ .start = 0x56540c9e1000, .end = 0x56540e6b0000,
		.path = strdup("[heap]"), .line = 1, .dev = -1, .bar = -1 };
	m.maps[1] = (struct im_map){ .start = 0x7f0b5c5f4000, .end = 0x7f0b5c5f5000,
		.offset = 0xe2c20000, .path = strdup("anon_inode:[vfio-device]"), .line = 2,
		.vfio = true, .dev = 0, .bar = 0 };
	/* fd 12: the device's cdev, fd 14 no vfio fd; an id from QMP (VFIO_FD<n>, id= names) */
	m.devices[0].vfio_cdev = 0;
	m.devices[0].qdev_id = strdup("hostdev0");
	m.nfds = 2;
	m.fds = calloc(2, sizeof(*m.fds));
	m.fds[0] = (struct im_fd){ .fd = 12, .target = strdup("/dev/vfio/devices/vfio0"), .dev = -1 };
	m.fds[1] = (struct im_fd){ .fd = 14, .target = strdup("/dev/null"), .dev = -1 };
	im_add_memslot(&m, &s);
	m.memslots_known = true;
	devnull = fopen("/dev/null", "w");
	/* a JSON view is ten times its input: one write(2) per 64 KiB, not 4 */
	if (!devnull || setvbuf(devnull, NULL, _IOFBF, 1 << 16))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_err err;

	if (!devnull)
		setup();
	im_mtree_annotate_buf(devnull, &m, (const char *)data, size, "fuzz",
			      size & 1, &err);
	/* the notes are findings of the model: drop them for the next input */
	while (m.nfindings) {
		m.nfindings--;
		free(m.findings[m.nfindings].subject);
		free(m.findings[m.nfindings].message);
	}
	return 0;
}
