// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-kmod.c - the decoding of /dev/iommu-map's replies: the MEMSLOTS
 * grow-and-retry loop and its slots (into the model, then correlate), and
 * the chunked WALK with its runs folded into a BAR's HPA check.  The module
 * is a double that answers each ioctl from the input:
 *   24 bytes: the walk's hva, size and want_hpa (u64 each, host order);
 *   then one reply per call, in call order:
 *     MEMSLOTS: u8 kind (0 ok, 1 EMSGSIZE, 2 EIO, 3 ok but a count past the
 *               buffer), u32 num_slots, then the slots (32 bytes each);
 *     WALK:     u8 kind (0 ok, else EIO), u64 done, u32 num_entries, then
 *               the entries (32 bytes each, at most WALK_CHUNK are written).
 *   A call past the end of the input fails with ENODATA.
 * Slots and entries the input lacks are zeros.  A MEMSLOTS reply adds at
 * most ZERO_TAIL zeroed slots past its input (a WALK reply at most a chunk):
 * with no bound, a 5-byte reply gave up to 65,536 zeroed slots, whose
 * sorting under the sanitizers took the target from about 1,200 runs/s to
 * 118 as libFuzzer kept such inputs.  The counts a reply claims (kinds 1
 * and 3), which the module's bounds are about, are not bounded here.
 */
/* Seeds: tests/fuzz/seeds/kmod/ (tests/fuzz/mk-kmod-seeds.py writes them). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/kmod.h"

#define WALK_CHUNK 256	/* what kmod.c hands the module */
#define ZERO_TAIL 64	/* zeroed records a reply may add past its input */

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool take(struct reader *rd, void *out, size_t n)
{
	if (rd->left < n)
		return false;
	memcpy(out, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return true;
}

/* copy up to max records of size sz, zero-filling what the input lacks */
static void fill(struct reader *rd, void *dst, size_t want, size_t sz)
{
	size_t n = want * sz, have = n < rd->left ? n : rd->left;

	memcpy(dst, rd->p, have);
	memset((char *)dst + have, 0, n - have);
	rd->p += have;
	rd->left -= have;
}

static int memslots_reply(struct reader *rd, struct iommu_map_memslots *a)
{
	uint8_t kind;
	uint32_t num;

	if (!take(rd, &kind, 1) || !take(rd, &num, 4))
		return -ENODATA;
	switch (kind & 3) {
	case 1:
		a->num_slots = num;
		return -EMSGSIZE;
	case 2:
		return -EIO;
	case 3:
		a->num_slots = num;	/* may exceed the buffer: a broken module */
		return 0;
	}
	if (num > a->num_slots)
		num = a->num_slots;
	if (num > rd->left / sizeof(struct iommu_map_memslot) + ZERO_TAIL)
		num = (uint32_t)(rd->left / sizeof(struct iommu_map_memslot) + ZERO_TAIL);
	fill(rd, (void *)(uintptr_t)a->slots_uptr, num, sizeof(struct iommu_map_memslot));
	a->num_slots = num;
	take(rd, &a->generation, 8);
	return 0;
}

static int walk_reply(struct reader *rd, struct iommu_map_walk *a)
{
	uint8_t kind;
	uint64_t done;
	uint32_t num;

	if (!take(rd, &kind, 1) || !take(rd, &done, 8) || !take(rd, &num, 4))
		return -ENODATA;
	if (kind & 1)
		return -EIO;
	fill(rd, (void *)(uintptr_t)a->entries_uptr, num < a->num_entries ? num : a->num_entries,
	     sizeof(struct iommu_map_walk_entry));
	a->done = done;
	a->num_entries = num;	/* may exceed the chunk: a broken module */
	return 0;
}

static int fake_ioctl(void *ctx, unsigned long req, void *arg)
{
	if (req == IOMMU_MAP_MEMSLOTS)
		return memslots_reply(ctx, arg);
	if (req == IOMMU_MAP_WALK)
		return walk_reply(ctx, arg);
	return -ENOTTY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = { data, size };
	struct iommu_map_memslot *slots = NULL;
	struct im_hpa_result res;
	uint64_t walk[3], gen;
	struct im_model m;
	size_t n = 0, i;
	int r;

	if (!take(&rd, walk, sizeof(walk)))
		return 0;
	im_model_init(&m);
	r = im_kmod_fetch_memslots(fake_ioctl, &rd, 5, &slots, &n, &gen);
	for (i = 0; !r && i < n; i++) {
		struct im_memslot s;

		im_kmod_memslot_from_uapi(&slots[i], &s);
		r = im_add_memslot(&m, &s);
	}
	free(slots);
	if (!r) {
		im_sort_memslots(&m);
		m.memslots_known = true;
		im_correlate(&m);
	}
	im_model_free(&m);
	im_kmod_walk_range(fake_ioctl, &rd, 5, walk[0], walk[1], walk[2], &res);
	return 0;
}
