// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * correlate.c - pure: model in, links and findings out.
 *
 * BAR <-> vfio mmaps (maps offset, fdinfo, cdev) <-> KVM memslots (HVA
 * overlap) <-> guest BAR.  All joins are sorted arrays and binary searches.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks/overlaps.h"
#include "findings.h"
#include "iommu-map.h"

#define PAGE 4096ull

static int cmp_bar_ref(const void *a, const void *b)
{
	const struct im_bar_ref *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static void subject(char *buf, size_t len, const struct im_device *d, int bar)
{
	if (bar < 0)
		snprintf(buf, len, "%s", d->bdf);
	else
		snprintf(buf, len, "%s BAR %d", d->bdf, bar);
}

/*
 * The kernel release in words for a sentence that cannot go by it: "kernel
 * unknown" (not read), or that it is not a release (never a comparison).
 */
static const char *kernel_words(const struct im_model *m, char *buf, size_t len)
{
	if (!m->kernel)
		return "kernel unknown";
	snprintf(buf, len, "kernel release \"%.60s\" unknown: not N.N[.N]...", m->kernel);
	return buf;
}

/* Which device and BAR a region-format offset names, among candidates. */
/*
 * Candidates for a region-format offset, indexed once: for each BAR index,
 * the BARs of (0) devices named by fdinfo and (1) all vfio-pci devices,
 * both without devices opened as a cdev, sorted by page-rounded size.
 */
struct cand {
	uint64_t size;
	int dev;
};

/* candidate classes of a region-offset mapping */
enum { CAND_FDINFO, CAND_HELD_GROUP, CAND_VFIO_PCI, NCAND };

struct cand_index {
	struct cand *v[NCAND][IM_NBARS];
	size_t n[NCAND][IM_NBARS];
	int *by_cdev;		/* cdev number -> device, or -1 */
	int ncdev;
	const size_t *vfio;	/* the maps that are vfio device mmaps, in order */
	size_t nvfio;
};

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->dev - y->dev;
}

static void free_cand_index(struct cand_index *ci)
{
	int c, i;

	for (c = 0; c < NCAND; c++)
		for (i = 0; i < IM_NBARS; i++)
			free(ci->v[c][i]);
	free(ci->by_cdev);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/*
 * The legacy vfio group numbers the target holds open (/dev/vfio/N or
 * /dev/vfio/noiommu-N), sorted:
 * a device fd got through the group API needs its group fd, and QEMU keeps
 * it open.  (A device fd passed in by fd=, or a cdev, needs none.)
 */
static long *held_groups(const struct im_model *m, size_t *n)
{
	long *g = im_calloc(m->nfds + 1, sizeof(long));
	size_t i;

	*n = 0;
	if (!g)
		return NULL;
	for (i = 0; i < m->nfds; i++) {
		int v;

		if (im_vfio_path_kind(m->fds[i].target, &v) == IM_VFIO_GROUP)
			g[(*n)++] = v;
	}
	qsort(g, *n, sizeof(long), cmp_long);
	return g;
}

static bool group_held(const long *g, size_t n, const char *group)
{
	char *e;
	long v;

	if (!group || !isdigit((unsigned char)*group))
		return false;
	errno = 0;
	v = strtol(group, &e, 10);
	return !*e && !errno && bsearch(&v, g, n, sizeof(long), cmp_long);
}

static int build_cand_index(const struct im_model *m, struct cand_index *ci)
{
	bool *named = im_calloc(m->ndevices, sizeof(bool));
	bool *as_cdev = im_calloc(m->ndevices, sizeof(bool));
	size_t i, j;
	int c, b, cdev, r = 0;

	size_t ngroups = 0;
	long *groups = held_groups(m, &ngroups);

	memset(ci, 0, sizeof(*ci));
	if (!named || !as_cdev || !groups) {
		r = -ENOMEM;
		goto out;
	}
	for (j = 0; j < m->nfds; j++) {
		const struct im_fd *f = &m->fds[j];

		if (f->dev < 0)
			continue;
		if (f->syspath)
			named[f->dev] = true;
		if (im_vfio_path_kind(f->target, &cdev) == IM_VFIO_CDEV)
			as_cdev[f->dev] = true;
	}
	for (c = 0; c < NCAND && !r; c++)
		for (b = 0; b < IM_NBARS && !r; b++) {
			ci->v[c][b] = im_calloc(m->ndevices, sizeof(struct cand));
			if (!ci->v[c][b]) {
				r = -ENOMEM;
				break;
			}
			for (i = 0; i < m->ndevices; i++) {
				const struct im_device *d = &m->devices[i];
				const struct im_bar *bar = &d->bars[b];

				if (as_cdev[i] || bar->kind == IM_BAR_NONE ||
				    bar->kind == IM_BAR_IO)
					continue;
				if (c == CAND_FDINFO ? !named[i] :
				    !d->driver || strcmp(d->driver, "vfio-pci"))
					continue;
				if (c == CAND_HELD_GROUP && !group_held(groups, ngroups, d->iommu_group))
					continue;
				ci->v[c][b][ci->n[c][b]++] =
					(struct cand){ page_up(bar->size), (int)i };
			}
			qsort(ci->v[c][b], ci->n[c][b], sizeof(struct cand), cmp_cand);
		}
	for (i = 0; i < m->ndevices; i++)
		if (m->devices[i].vfio_cdev >= ci->ncdev && m->devices[i].vfio_cdev < (1 << 20))
			ci->ncdev = m->devices[i].vfio_cdev + 1;
	ci->by_cdev = im_calloc((size_t)ci->ncdev, sizeof(int));
	if (!ci->by_cdev) {
		r = -ENOMEM;
		goto out;
	}
	for (c = 0; c < ci->ncdev; c++)
		ci->by_cdev[c] = -1;
	for (i = 0; i < m->ndevices; i++)
		if (m->devices[i].vfio_cdev >= 0 && m->devices[i].vfio_cdev < ci->ncdev)
			ci->by_cdev[m->devices[i].vfio_cdev] = (int)i;
out:
	free(named);
	free(as_cdev);
	free(groups);
	return r;
}

static int cdev_device(const struct cand_index *ci, int cdev)
{
	return cdev >= 0 && cdev < ci->ncdev ? ci->by_cdev[cdev] : -1;
}

/* first candidate with size >= want */
static size_t lower(const struct cand *v, size_t n, uint64_t want)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].size < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * How many BARs of index (offset >> 40) can hold the mapping, among the
 * devices of class `c` (named by fdinfo, vfio-pci in a group the target
 * holds, or all vfio-pci devices); `exact` keeps only BARs the
 * mapping covers whole, as QEMU maps a BAR without a sparse mmap.
 */
static int region_candidates(const struct cand_index *ci, const struct im_map *mp,
			     int c, bool exact, int *dev)
{
	uint64_t idx = mp->offset >> IM_REGION_SHIFT, off = mp->offset & IM_REGION_MASK;
	uint64_t len = mp->end - mp->start;
	const struct cand *v;
	size_t n, lo, hi;

	*dev = -1;
	if (idx >= IM_NBARS)
		return 0;
	v = ci->v[c][idx];
	n = ci->n[c][idx];
	if (exact) {
		if (off)
			return 0;
		lo = lower(v, n, len);
		hi = lower(v, n, len + 1);
	} else {
		lo = lower(v, n, off + len);
		hi = n;
	}
	if (lo < hi)
		*dev = v[lo].dev;
	return (int)(hi - lo);
}

/* fd -> device, by fdinfo syspath or cdev path */
static void link_fds(struct im_model *m, const struct cand_index *ci)
{
	size_t i;

	for (i = 0; i < m->nfds; i++) {
		struct im_fd *f = &m->fds[i];
		int cdev;

		f->dev = -1;
		if (f->syspath) {
			f->dev = im_find_device(m, im_basename(f->syspath));
		} else if (im_vfio_path_kind(f->target, &cdev) == IM_VFIO_CDEV) {
			f->dev = cdev_device(ci, cdev);
		}
		if (f->dev >= 0)
			m->devices[f->dev].held = true;
	}
}

static bool any_fdinfo(const struct im_model *m)
{
	size_t i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i].syspath)
			return true;
	return false;
}

/* the source answered nothing: what it would have said is unknown */
static bool source_unavailable(const struct im_model *m, const char *name)
{
	const struct im_source *src = im_find_source(m, name);

	return src && src->status == IM_SRC_UNAVAILABLE;
}

/* how many vfio mappings read as an HPA in a BAR, and as a region offset */
static void offset_hits(const struct im_model *m, const struct cand_index *ci,
			unsigned int *nvfio, unsigned int *hpa_hits, unsigned int *region_hits)
{
	size_t i;
	int dummy;

	*nvfio = *hpa_hits = *region_hits = 0;
	for (i = 0; i < ci->nvfio; i++) {
		const struct im_map *mp = &m->maps[ci->vfio[i]];

		(*nvfio)++;
		if (im_find_bar_hpa(m, mp->offset) >= 0)
			(*hpa_hits)++;
		if (region_candidates(ci, mp, CAND_VFIO_PCI, false, &dummy) ||
		    (mp->cdev >= 0 && (mp->offset >> IM_REGION_SHIFT) < IM_NBARS))
			(*region_hits)++;
	}
}

/*
 * The maps offset format: by the kernel release when the mappings agree,
 * else by what the mappings fit.  A release that is not known (not read,
 * or not a release) decides nothing and is never compared with 6.10.
 */
static int decide_offset_mode(struct im_model *m, const struct cand_index *ci)
{
	unsigned int hpa_hits, region_hits, nvfio;
	enum im_tri new = im_kernel_at_least(m->kernel, 6, 10);
	enum im_offset_mode by_kernel = new == IM_TRI_YES ? IM_OFF_REGION :
					new == IM_TRI_NO ? IM_OFF_HPA : IM_OFF_UNKNOWN;
	char kbuf[128];
	const char *kw = by_kernel == IM_OFF_UNKNOWN ? kernel_words(m, kbuf, sizeof(kbuf)) : NULL;

	free(m->offset_why);
	if (m->paste) {
		m->offset_mode = IM_OFF_UNKNOWN;
		m->offset_why = im_strdup("a paste: the host's kernel and BARs are not known, so each vfio offset has two readings");
		return m->offset_why ? 0 : -ENOMEM;
	}
	offset_hits(m, ci, &nvfio, &hpa_hits, &region_hits);
	if (!nvfio) {
		m->offset_mode = by_kernel;
		m->offset_why = kw ? im_asprintf("no vfio mappings; %s", kw) :
			im_asprintf("no vfio mappings; kernel %s says %s", m->kernel,
				    im_offset_mode_name(by_kernel));
	} else if (by_kernel == IM_OFF_REGION && region_hits && region_hits >= hpa_hits) {
		m->offset_mode = IM_OFF_REGION;
		m->offset_why = im_asprintf("kernel %s >= 6.10: offset is index << 40 | offset in BAR; %u of %u vfio mappings fit a BAR so",
					    m->kernel, region_hits, nvfio);
	} else if (by_kernel == IM_OFF_HPA && hpa_hits && hpa_hits >= region_hits) {
		m->offset_mode = IM_OFF_HPA;
		m->offset_why = im_asprintf("kernel %s < 6.10: offset is the BAR's HPA; %u of %u vfio mappings fall in a BAR",
					    m->kernel, hpa_hits, nvfio);
	} else if (hpa_hits > region_hits || (kw && hpa_hits && hpa_hits == region_hits)) {
		m->offset_mode = IM_OFF_HPA;
		m->offset_why = im_asprintf("%u of %u vfio offsets fall in a host BAR: read as HPA (%s%s)",
					    hpa_hits, nvfio, kw ? "" : "kernel ", kw ? kw : m->kernel);
		if (by_kernel == IM_OFF_REGION)
			IM_FINDING(m, IM_F_OFFSET_FORMAT_HPA, "kernel", m->kernel);
	} else if (region_hits) {
		m->offset_mode = IM_OFF_REGION;
		m->offset_why = im_asprintf("%u of %u vfio offsets read as index << 40 | offset; none is a host BAR address (%s%s)",
					    region_hits, nvfio, kw ? "" : "kernel ", kw ? kw : m->kernel);
		if (by_kernel == IM_OFF_HPA)
			IM_FINDING(m, IM_F_OFFSET_FORMAT_REGION, "kernel", m->kernel);
	} else {
		m->offset_mode = IM_OFF_UNKNOWN;
		m->offset_why = im_strdup("no vfio offset decodes either as a host BAR address or as a region offset");
	}
	if (!m->offset_why)
		return -ENOMEM;
	return kw && m->kernel ? IM_FINDING(m, IM_F_KERNEL_RELEASE_UNPARSED, "kernel", m->kernel) : 0;
}

/*
 * One vfio mapping's device and BAR, by the model's offset mode: the BAR
 * holding its HPA (< 6.10), or its region index and the device its cdev,
 * its fd's fdinfo, the one vfio-pci device whose BAR fits, or the one
 * in a group the target holds names (6.10+).  Returns how many devices fit
 * when it could not tell (for the ambiguity finding), else 0.
 */
static int identify_map(const struct im_model *m, const struct cand_index *ci,
			bool fdinfo, struct im_map *mp)
{
	int dev = -1, n = 0;

	mp->dev = mp->bar = -1;
	mp->ident = IM_ID_NONE;
	if (m->offset_mode == IM_OFF_HPA) {
		long r = im_find_bar_hpa(m, mp->offset);

		if (r >= 0) {
			mp->dev = m->by_hpa.v[r].dev;
			mp->bar = m->by_hpa.v[r].bar;
			mp->bar_offset = mp->offset - m->by_hpa.v[r].start;
			mp->ident = IM_ID_HPA;
		}
		return 0;
	}
	if (m->offset_mode != IM_OFF_REGION)
		return 0;
	mp->bar = (int)(mp->offset >> IM_REGION_SHIFT);
	mp->bar_offset = mp->offset & IM_REGION_MASK;
	if (mp->cdev >= 0) {
		dev = cdev_device(ci, mp->cdev);
		if (dev >= 0) {
			mp->dev = dev;
			mp->ident = IM_ID_CDEV;
		}
	} else if (fdinfo && (region_candidates(ci, mp, CAND_FDINFO, false, &dev) == 1 ||
			      region_candidates(ci, mp, CAND_FDINFO, true, &dev) == 1)) {
		mp->dev = dev;
		mp->ident = IM_ID_FDINFO;
	} else if ((n = region_candidates(ci, mp, CAND_VFIO_PCI, false, &dev)) == 1 ||
		   region_candidates(ci, mp, CAND_VFIO_PCI, true, &dev) == 1) {
		mp->dev = dev;
		mp->ident = IM_ID_GUESS;
		n = 0;
	} else if (region_candidates(ci, mp, CAND_HELD_GROUP, false, &dev) == 1 ||
		   region_candidates(ci, mp, CAND_HELD_GROUP, true, &dev) == 1) {
		mp->dev = dev;
		mp->ident = IM_ID_GROUP;
		n = 0;
	}
	if (mp->dev < 0)
		mp->bar = -1;
	return n > 1 ? n : 0;
}

/*
 * A mapping several devices' BARs fit: the one device a QEMU-side source
 * (QMP's gpa2hva, a gdb export) puts a BAR of that index at an HVA inside
 * the mapping, and whose BAR fits it; else -1.
 */
static int qemu_names_map(const struct im_model *m, const struct im_map *mp)
{
	uint64_t idx = mp->offset >> IM_REGION_SHIFT, off = mp->offset & IM_REGION_MASK;
	int dev = -1;
	size_t q;

	for (q = 0; q < m->nqbars; q++) {
		const struct im_qemu_bar *qb = &m->qbars[q];
		int di;

		if (!qb->have_hva || qb->hva < mp->start || qb->hva >= mp->end ||
		    qb->bar < 0 || (uint64_t)qb->bar != idx)
			continue;
		di = im_find_device(m, qb->host_bdf);
		if (di < 0 || (m->devices[di].bars[idx].kind != IM_BAR_MEM32 &&
				 m->devices[di].bars[idx].kind != IM_BAR_MEM64) ||
		    page_up(m->devices[di].bars[idx].size) < off + (mp->end - mp->start))
			continue;
		if (dev >= 0 && dev != di)
			return -1;	/* two devices: no answer */
		dev = di;
	}
	return dev;
}

static void identify_maps(struct im_model *m, const struct cand_index *ci)
{
	bool fdinfo = any_fdinfo(m);
	size_t i;

	for (i = 0; i < ci->nvfio; i++) {
		struct im_map *mp = &m->maps[ci->vfio[i]];
		int n;

		n = identify_map(m, ci, fdinfo, mp);
		if (n > 1 && (mp->dev = qemu_names_map(m, mp)) >= 0) {
			mp->bar = (int)(mp->offset >> IM_REGION_SHIFT);
			mp->ident = IM_ID_QEMU;
			n = 0;
		}
		mp->ambiguous = n > 1;
		if (n)
			IM_FINDING(m, IM_F_MMAP_DEVICE_AMBIGUOUS, mp->path,
				   mp->start, (int)(mp->offset >> IM_REGION_SHIFT),
				   mp->offset & IM_REGION_MASK, n);
		if (mp->dev >= 0) {
			m->devices[mp->dev].held = true;
		} else if (!n && !m->paste && !source_unavailable(m, "pci")) {
			/* no BARs read: unknown; n BARs fit it: it matches, which is unknown */
			IM_FINDING(m, IM_F_OFFSET_MATCHES_NO_BAR, mp->path,
				   mp->start, mp->end - 1, mp->line, mp->offset,
				   m->offset_mode == IM_OFF_HPA ? "an HPA" :
				   m->offset_mode == IM_OFF_REGION ? "a region offset" :
				   "either an HPA or a region offset");
		}
	}
}

int im_identify_maps(const struct im_model *m, struct im_map *maps, size_t n)
{
	struct cand_index ci;
	bool fdinfo = any_fdinfo(m);
	size_t i;
	int r = build_cand_index(m, &ci);

	for (i = 0; i < n && !r; i++)
		if (maps[i].vfio)
			identify_map(m, &ci, fdinfo, &maps[i]);
	free_cand_index(&ci);
	return r;
}

static int add_bar_mmap(struct im_model *m, struct im_bar *b, size_t mapi, int fd)
{
	const struct im_map *mp = &m->maps[mapi];
	struct im_bar_mmap *n = realloc(b->mmaps, (b->nmmaps + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	b->mmaps = n;
	n = &b->mmaps[b->nmmaps++];
	memset(n, 0, sizeof(*n));
	n->hva = mp->start;
	n->size = mp->end - mp->start;
	n->bar_offset = mp->bar_offset;
	n->maps_offset = mp->offset;
	n->fd = fd;
	n->map = mapi;
	n->ident = mp->ident;
	return 0;
}

/* the device's fd when exactly one is known */
static int device_fd(const struct im_model *m, int dev)
{
	size_t i;
	int fd = -1, n = 0;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i].dev == dev) {
			fd = m->fds[i].fd;
			n++;
		}
	return n == 1 ? fd : -1;
}

/*
 * Ranges of HVAs by start, with a running maximum of ends for overlap
 * scans: the memslots (by_hva), the host side of the DMA maps (dma_by_hva)
 * and the region mmaps placed in the maps (rmmap_by_hva).  A range_fn gives
 * element i's [*start, *start + *size).
 */
typedef void range_fn(const struct im_model *m, size_t i, uint64_t *start, uint64_t *size);

static void slot_range(const struct im_model *m, size_t i, uint64_t *start, uint64_t *size)
{
	*start = m->memslots[i].hva;
	*size = m->memslots[i].size;
}

static void dma_range(const struct im_model *m, size_t i, uint64_t *start, uint64_t *size)
{
	*start = m->dma[i].hva;
	*size = m->dma[i].size;
}

/* a region mmap with no HVA is an empty range: no lookup finds it */
static void rmmap_range(const struct im_model *m, size_t i, uint64_t *start, uint64_t *size)
{
	*start = m->rmmaps[i].have_hva ? m->rmmaps[i].hva : 0;
	*size = m->rmmaps[i].have_hva ? m->rmmaps[i].size : 0;
}

static const struct im_model *sort_model;
static range_fn *sort_range;

static int cmp_hva(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x, y, n;

	sort_range(sort_model, i, &x, &n);
	sort_range(sort_model, j, &y, &n);
	if (x != y)
		return x < y ? -1 : 1;
	return (i > j) - (i < j);	/* memslots: as_id 0 first, as they are sorted */
}

static int build_hva_index(struct im_model *m, struct im_hva_index *ix, size_t n, range_fn *get)
{
	size_t i, *idx = im_calloc(n, sizeof(*idx));
	uint64_t *maxend = im_calloc(n, sizeof(*maxend));

	if (!idx || !maxend) {
		free(idx);
		free(maxend);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		idx[i] = i;
	sort_model = m;
	sort_range = get;
	im_qsort(idx, n, sizeof(*idx), cmp_hva);
	for (i = 0; i < n; i++) {
		uint64_t a, sz, e;

		get(m, idx[i], &a, &sz);
		e = a + sz;
		maxend[i] = i && maxend[i - 1] > e ? maxend[i - 1] : e;
	}
	free(ix->idx);
	free(ix->maxend);
	ix->idx = idx;
	ix->maxend = maxend;
	ix->n = n;
	return 0;
}

/* the range of ix holding hva with the lowest index; -1: none */
static long hva_index_find(const struct im_model *m, const struct im_hva_index *ix,
			   range_fn *get, uint64_t hva)
{
	size_t a = 0, z = ix->n;
	long k, best = -1;
	uint64_t s, n;

	while (a < z) {		/* past the last range starting at or before hva */
		size_t mid = a + (z - a) / 2;

		get(m, ix->idx[mid], &s, &n);
		if (s <= hva)
			a = mid + 1;
		else
			z = mid;
	}
	for (k = (long)a - 1; k >= 0 && ix->maxend[k] > hva; k--) {
		get(m, ix->idx[k], &s, &n);
		if (hva - s < n && (best < 0 || (long)ix->idx[k] < best))
			best = (long)ix->idx[k];
	}
	return best;
}

/* is slot s an SMM (as_id 1) copy of an as_id 0 slot? */
static bool smm_mirror(const struct im_model *m, const struct im_memslot *s)
{
	long j;

	if (s->as_id != 1)
		return false;
	j = im_find_memslot_gpa(m, 0, s->gpa);
	return j >= 0 && m->memslots[j].gpa == s->gpa &&
	       m->memslots[j].size == s->size && m->memslots[j].hva == s->hva;
}

static int cmp_guest(const void *a, const void *b)
{
	const struct im_bar_guest *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id - y->as_id;
	return (x->gpa > y->gpa) - (x->gpa < y->gpa);
}

/* Guest pieces of one mmap: every memslot overlapping [hva, hva+size). */
static int link_slots(struct im_model *m,
		      struct im_bar *b, const struct im_bar_mmap *mm,
		      uint64_t *covered)
{
	uint64_t lo = mm->hva, hi = mm->hva + mm->size;
	size_t a = 0, z = m->by_hva.n;
	const size_t *idx = m->by_hva.idx;
	long k;

	*covered = 0;
	while (a < z) {		/* first slot starting at or after hi */
		size_t mid = a + (z - a) / 2;

		if (m->memslots[idx[mid]].hva < hi)
			a = mid + 1;
		else
			z = mid;
	}
	for (k = (long)a - 1; k >= 0 && m->by_hva.maxend[k] > lo; k--) {
		const struct im_memslot *s = &m->memslots[idx[k]];
		uint64_t s0 = s->hva, s1 = s->hva + s->size, p0, p1;
		struct im_bar_guest *g;

		if (s1 <= lo || s0 >= hi || smm_mirror(m, s))
			continue;
		p0 = s0 > lo ? s0 : lo;
		p1 = s1 < hi ? s1 : hi;
		g = realloc(b->guest, (b->nguest + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		b->guest = g;
		g = &b->guest[b->nguest++];
		g->gpa = s->gpa + (p0 - s0);
		g->size = p1 - p0;
		g->hva = p0;
		g->slot = s->slot;
		g->as_id = s->as_id;
		g->source = m->memslot_source ? m->memslot_source : "kvm-memslot";
		if (s->as_id == 0)
			*covered += p1 - p0;
	}
	return 0;
}

/* holes of [0, total) not covered by the sorted, merged pieces */
struct range {
	uint64_t lo, hi;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

static size_t holes(struct range *pieces, size_t n, uint64_t total,
		    struct range *out, size_t max)
{
	uint64_t at = 0;
	size_t i, k = 0;

	qsort(pieces, n, sizeof(*pieces), cmp_range);
	for (i = 0; i < n; i++) {
		if (pieces[i].lo > at && k < max)
			out[k++] = (struct range){ at, pieces[i].lo };
		if (pieces[i].hi > at)
			at = pieces[i].hi;
	}
	if (at < total && k < max)
		out[k++] = (struct range){ at, total };
	return k;
}

static const char *msix_word(const struct im_device *d, int bar, uint64_t lo,
			     uint64_t hi)
{
	if (!d->have_msix)
		return "";
	if (d->msix_bar == bar && lo < d->msix_table_off + d->msix_table_size &&
	    d->msix_table_off < hi)
		return " It holds the MSI-X table, which QEMU emulates: this is expected.";
	if (d->msix_pba_bar == bar && lo < d->msix_pba_off + d->msix_pba_size &&
	    d->msix_pba_off < hi)
		return " It holds the MSI-X PBA, which QEMU emulates: this is expected.";
	return "";
}

/* each mmap's guest pieces (memslots), and a finding for an mmap in none */
static int bar_slots(struct im_model *m, int di, int bi)
{
	struct im_device *d = &m->devices[di];
	struct im_bar *b = &d->bars[bi];
	char subj[48];
	size_t i;
	int r = 0;

	if (!m->memslots_known || b->kind == IM_BAR_NONE || b->kind == IM_BAR_IO)
		return 0;
	subject(subj, sizeof(subj), d, bi);
	for (i = 0; i < b->nmmaps && !r; i++) {
		uint64_t covered = 0;

		r = link_slots(m, b, &b->mmaps[i], &covered);
		if (!r && !covered)
			r = IM_FINDING(m, IM_F_MMAP_NO_MEMSLOT, subj, b->mmaps[i].hva);
	}
	if (b->nguest > 1)
		qsort(b->guest, b->nguest, sizeof(*b->guest), cmp_guest);
	return r;
}

/* "BAR offsets a-b (HPA ..., HVA ..., GPA ...)": HVA and GPA where known */
static void trap_where(char *buf, size_t len, const struct im_bar *b, const struct im_trap *t)
{
	uint64_t last = t->off + t->size - 1, hva;
	size_t n;

	n = (size_t)snprintf(buf, len, "BAR offsets 0x%" PRIx64 "-0x%" PRIx64 " (HPA 0x%" PRIx64 "-0x%" PRIx64,
			     t->off, last, b->hpa + t->off, b->hpa + last);
	if (n < len && im_bar_off_hva(b, t->off, t->size, &hva))
		n += (size_t)snprintf(buf + n, len - n, ", HVA 0x%" PRIx64 "-0x%" PRIx64,
				      hva, hva + t->size - 1);
	if (n < len && b->have_guest_gpa)
		n += (size_t)snprintf(buf + n, len - n, ", GPA 0x%" PRIx64 "-0x%" PRIx64,
				      b->guest_gpa + t->off, b->guest_gpa + last);
	if (n < len)
		snprintf(buf + n, len - n, ")");
}

/* why a part of a BAR QEMU did not mmap traps, in words */
static const char *hole_words(enum im_trap_why w)
{
	switch (w) {
	case IM_TRAP_MSIX_TABLE:
		return "the MSI-X table is there, and this vfio-pci did not let QEMU mmap its pages (no VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: Linux before 4.16); on a newer host kernel QEMU mmaps the whole BAR and only the table's own pages trap";
	case IM_TRAP_MSIX_PBA:
		return "the MSI-X PBA is there; QEMU emulates the PBA only while a masked vector is pending, so the kernel's sparse mmap left this out, or QEMU's mmap of it failed";
	case IM_TRAP_UNKNOWN:
		return "why is unknown: the device's config space was not read, so whether the MSI-X table is there is unknown";
	default:
		return "no MSI-X structure is there: the kernel's sparse mmap left it out, or QEMU's mmap of it failed";
	}
}

/* one finding per trapped stretch of a memory BAR */
static int trap_findings(struct im_model *m, const struct im_device *d, const struct im_bar *b,
			 const char *subj)
{
	char where[320], sz[32];
	size_t i;
	int r = 0;

	if (!b->nmmaps && b->ntraps == 1) {
		im_human_size(b->size, sz);
		return b->traps[0].why == IM_TRAP_SUBPAGE ?
		       IM_FINDING(m, IM_F_BAR_NOT_MMAPPED_SUBPAGE, subj, sz) :
		       b->traps[0].why == IM_TRAP_MSIX_TABLE ?
		       IM_FINDING(m, IM_F_BAR_NOT_MMAPPED_MSIX, subj, sz) :
		       IM_FINDING(m, IM_F_BAR_NOT_MMAPPED, subj, sz);
	}
	for (i = 0; i < b->ntraps && !r; i++) {
		const struct im_trap *t = &b->traps[i];
		uint64_t hva;

		trap_where(where, sizeof(where), b, t);
		if (t->why == IM_TRAP_MSIX_TABLE && im_bar_off_hva(b, t->off, t->size, &hva)) {
			if (m->kvm_vm != IM_TRI_NO)	/* under TCG every access is QEMU's */
				r = IM_FINDING(m, IM_F_MSIX_TABLE_TRAPPED, subj, where,
					       d->msix_table_off,
					       d->msix_table_off + d->msix_table_size - 1,
					       (unsigned int)(d->msix_table_size / 16));
		} else {
			r = IM_FINDING(m, IM_F_BAR_PARTLY_MMAPPED, subj, where, hole_words(t->why));
		}
	}
	return r;
}

/*
 * The parts of each mmap in no memslot that no trap explains: the guest
 * mapped only part of the BAR, or QEMU overlays some other region.
 */
static int slot_holes(struct im_model *m, const struct im_device *d, const struct im_bar *b,
		      const char *subj)
{
	struct range hole[8];
	size_t i, k, nh;
	int r = 0;

	for (i = 0; i < b->nmmaps && !r; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];
		uint64_t m0 = mm->bar_offset, m1 = mm->bar_offset + mm->size;
		struct range *gp = im_calloc(b->nguest + b->ntraps + 1, sizeof(*gp));
		size_t ng = 0, nslot = 0;

		if (!gp)
			return -ENOMEM;
		for (k = 0; k < b->nguest; k++)
			if (b->guest[k].as_id == 0 && b->guest[k].slot >= 0 &&
			    b->guest[k].hva - mm->hva < mm->size) {
				gp[ng++] = (struct range){ b->guest[k].hva - mm->hva,
							   b->guest[k].hva - mm->hva + b->guest[k].size };
				nslot++;
			}
		for (k = 0; k < b->ntraps; k++) {
			uint64_t t0 = b->traps[k].off, t1 = t0 + b->traps[k].size;

			if (t0 < m1 && m0 < t1)
				gp[ng++] = (struct range){ (t0 > m0 ? t0 : m0) - m0,
							   (t1 < m1 ? t1 : m1) - m0 };
		}
		nh = nslot ? holes(gp, ng, mm->size, hole, 8) : 0;
		free(gp);
		for (k = 0; k < nh && !r; k++) {
			uint64_t o0 = m0 + hole[k].lo, o1 = m0 + hole[k].hi;

			r = IM_FINDING(m, IM_F_MMAP_PARTLY_IN_MEMSLOTS, subj,
				       mm->hva + hole[k].lo, mm->hva + hole[k].hi - 1,
				       o0, o1 - 1, msix_word(d, b->index, o0, o1));
		}
	}
	return r;
}

/*
 * The BAR indexes (a bit each) of the vfio mappings that fit BARs of more
 * than one device (mmap-device-ambiguous): a BAR of that index with no mmap
 * tied to it may be one of them.
 */
static unsigned int ambiguous_bars(const struct im_model *m)
{
	unsigned int mask = 0;
	size_t i;

	for (i = 0; i < m->nmaps; i++)
		if (m->maps[i].vfio && m->maps[i].ambiguous &&
		    (m->maps[i].offset >> IM_REGION_SHIFT) < IM_NBARS)
			mask |= 1u << (m->maps[i].offset >> IM_REGION_SHIFT);
	return mask;
}

/* a memory BAR with no mmap tied to it, which an untied mapping may be: unknown */
static void mmaps_unknown(struct im_bar *b)
{
	free(b->traps);
	b->traps = NULL;
	b->ntraps = 0;
	b->traps_known = false;
	b->traps_why = "a vfio mapping of the target fits this BAR and another device's alike "
		       "(mmap-device-ambiguous): whether this BAR is mmapped is unknown";
}

/* the trapped stretches of each BAR of a held device, and their findings */
static int device_traps(struct im_model *m, size_t di, unsigned int ambiguous)
{
	struct im_device *d = &m->devices[di];
	char subj[48];
	int bi, r = 0;

	for (bi = 0; bi < IM_NBARS && !r; bi++) {
		struct im_bar *b = &d->bars[bi];

		if (!d->held) {
			b->traps_known = false;
			b->traps_why = "the target holds no fd or mmap of this device";
			continue;
		}
		r = im_bar_traps(d, b);
		if (!r && b->traps_known && b->kind != IM_BAR_IO && !b->nmmaps &&
		    (ambiguous & (1u << bi)))
			mmaps_unknown(b);
		if (r || !b->traps_known)
			continue;
		subject(subj, sizeof(subj), d, bi);
		if (b->kind == IM_BAR_IO) {
			r = IM_FINDING(m, IM_F_IO_BAR, subj);
			continue;
		}
		r = trap_findings(m, d, b, subj);
		if (!r && m->memslots_known)
			r = slot_holes(m, d, b, subj);
	}
	return r;
}

/*
 * Without KVM there are no memslots, but QEMU still maps each mmap of a BAR
 * at the guest BAR address plus its offset (what gpa2hva answers, even
 * under TCG): say so, labelled with the QEMU-side source.
 */
static int add_piece(struct im_bar *bar, const struct im_qemu_bar *qb,
		     const struct im_bar_mmap *mm, uint64_t lo, uint64_t hi)
{
	struct im_bar_guest *g;

	if (lo >= hi)
		return 0;
	g = realloc(bar->guest, (bar->nguest + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	bar->guest = g;
	g = &bar->guest[bar->nguest++];
	g->gpa = qb->gpa + lo;
	g->size = hi - lo;
	g->hva = mm->hva + (lo - mm->bar_offset);
	g->slot = g->as_id = -1;
	g->source = qb->source;
	return 0;
}

/*
 * QEMU overlays the MSI-X table of a BAR with an emulated region, so only
 * the rest of each mmap is RAM to the guest; with the capability unknown
 * (no config space in a capture) nothing is claimed.
 */
static int qemu_guest_pieces(const struct im_device *d, struct im_bar *bar,
			     const struct im_qemu_bar *qb)
{
	size_t i;
	int r = 0;

	if (!d->caps_known)
		return 0;
	for (i = 0; i < bar->nmmaps && !r; i++) {
		const struct im_bar_mmap *mm = &bar->mmaps[i];
		uint64_t lo = mm->bar_offset, hi = mm->bar_offset + mm->size;

		if (hi > bar->size && bar->size >= PAGE)
			hi = bar->size;
		if (d->have_msix && d->msix_bar == bar->index &&
		    d->msix_table_off < hi && lo < d->msix_table_off + d->msix_table_size) {
			r = add_piece(bar, qb, mm, lo, d->msix_table_off);
			if (!r)
				r = add_piece(bar, qb, mm, d->msix_table_off + d->msix_table_size, hi);
		} else {
			r = add_piece(bar, qb, mm, lo, hi);
		}
	}
	return r;
}

/* The guest BAR address implied by memslots, or told by QEMU. */
static int guest_bars(struct im_model *m)
{
	size_t i, q;
	int b, r = 0;

	for (i = 0; i < m->ndevices; i++) {
		struct im_device *d = &m->devices[i];

		for (b = 0; b < IM_NBARS; b++) {
			struct im_bar *bar = &d->bars[b];
			size_t k;

			for (k = 0; k < bar->nguest && !bar->have_guest_gpa; k++) {
				const struct im_bar_guest *g = &bar->guest[k];
				size_t j;

				if (g->as_id != 0)
					continue;
				for (j = 0; j < bar->nmmaps; j++) {
					const struct im_bar_mmap *mm = &bar->mmaps[j];

					if (g->hva >= mm->hva && g->hva < mm->hva + mm->size) {
						uint64_t off = mm->bar_offset + (g->hva - mm->hva);

						if (g->gpa >= off) {
							bar->have_guest_gpa = true;
							bar->guest_gpa = g->gpa - off;
							bar->guest_size = bar->size;
						}
					}
				}
			}
		}
	}
	for (q = 0; q < m->nqbars && !r; q++) {
		const struct im_qemu_bar *qb = &m->qbars[q];
		int di = im_find_device(m, qb->host_bdf);
		struct im_device *d;
		struct im_bar *bar;
		char subj[48];

		if (di < 0 || qb->bar < 0 || qb->bar >= IM_NBARS)
			continue;
		d = &m->devices[di];

		d->held = true;
		if (qb->guest_bdf && !d->guest_bdf)
			d->guest_bdf = im_strdup(qb->guest_bdf);
		if (qb->qdev_id && !d->qdev_id)
			d->qdev_id = im_strdup(qb->qdev_id);
		bar = &d->bars[qb->bar];
		subject(subj, sizeof(subj), d, qb->bar);
		if (bar->have_guest_gpa && qb->gpa != bar->guest_gpa)
			r = IM_FINDING(m, IM_F_GUEST_GPA_MISMATCH, subj, qb->source, qb->gpa,
				       bar->guest_gpa);
		if (!bar->have_guest_gpa) {
			bar->have_guest_gpa = true;
			bar->guest_gpa = qb->gpa;
			bar->guest_size = qb->size;
		}
		if (!r && !bar->nguest && m->kvm_vm == IM_TRI_NO)
			r = qemu_guest_pieces(d, bar, qb);
		if (qb->have_hva && m->memslots_known) {
			long s = im_find_memslot_gpa(m, 0, qb->gpa);

			if (s >= 0) {
				uint64_t hva = m->memslots[s].hva + (qb->gpa - m->memslots[s].gpa);

				if (hva != qb->hva && !r)
					r = IM_FINDING(m, IM_F_GPA2HVA_MISMATCH, subj, qb->source,
						       qb->gpa, qb->hva, m->memslots[s].slot, hva);
			}
		}
	}
	return r;
}

static bool mem_bar(const struct im_bar *bar)
{
	return (bar->kind == IM_BAR_MEM32 || bar->kind == IM_BAR_MEM64) && bar->size;
}

/*
 * mmap-larger-than-bar: a mapping tied to a BAR that reaches past the
 * BAR's end rounded up to a page.  vfio mmaps are page-granular, so one
 * page of a BAR smaller than a page is normal; vfio-pci refuses more
 * (EINVAL).  A BAR of unknown size (0) is not compared.
 */
static int mmap_past_bar(struct im_model *m, const struct im_map *mp)
{
	const struct im_device *d = &m->devices[mp->dev];
	const struct im_bar *b = &d->bars[mp->bar];
	uint64_t len = mp->end - mp->start;
	uint64_t lim = b->size > UINT64_MAX - PAGE ? b->size : page_up(b->size);
	char subj[48];

	if (!b->size || (mp->bar_offset <= lim && len <= lim - mp->bar_offset))
		return 0;
	subject(subj, sizeof(subj), d, mp->bar);
	return IM_FINDING(m, IM_F_MMAP_LARGER_THAN_BAR, subj, mp->start, mp->end - 1, mp->line,
			  mp->bar_offset, mp->bar_offset + len - 1, lim);
}

/* the model's mem BARs by HPA (by_hpa), for the offset decoding and watch */
static int build_hpa_index(struct im_model *m)
{
	struct im_bar_ref *refs;
	size_t *n = &m->by_hpa.n;
	size_t i, k = 0;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++)
			k += mem_bar(&m->devices[i].bars[b]);
	refs = im_calloc(k, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	free(m->by_hpa.v);
	m->by_hpa.v = refs;
	*n = 0;
	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_bar *bar = &m->devices[i].bars[b];

			if (mem_bar(bar))
				refs[(*n)++] = (struct im_bar_ref){ bar->hpa, bar->hpa + bar->size,
								    (int)i, b };
		}
	im_qsort(refs, *n, sizeof(*refs), cmp_bar_ref);
	return 0;
}

/* the indices of the vfio device mmaps in m->maps, in order (*vfio malloc'd) */
static int vfio_maps(const struct im_model *m, size_t **vfio, size_t *n)
{
	size_t i;

	*n = 0;
	*vfio = malloc((m->nmaps ? m->nmaps : 1) * sizeof(**vfio));
	if (!*vfio)
		return -ENOMEM;
	for (i = 0; i < m->nmaps; i++)
		if (m->maps[i].vfio)
			(*vfio)[(*n)++] = i;
	return 0;
}

/*
 * The passes over the maps look at the vfio device mmaps only: an index of
 * them is made once (a large host has 100k maps lines, 96 bytes each, and
 * 1,500 vfio ones).
 */
int im_correlate_maps(struct im_model *m)
{
	struct cand_index ci;
	size_t i, *vf, nvf;
	int r;

	r = vfio_maps(m, &vf, &nvf);
	if (r)
		return r;
	r = build_hpa_index(m);
	if (!r)
		r = build_hva_index(m, &m->dma_by_hva, m->ndma, dma_range);
	if (!r)
		r = im_check_bar_overlap(m);
	if (r) {
		free(vf);
		return r;
	}
	/* fds name devices first; the candidate index needs those names */
	r = build_cand_index(m, &ci);
	if (!r) {
		link_fds(m, &ci);
		free_cand_index(&ci);
		r = build_cand_index(m, &ci);
	}
	if (r) {
		free_cand_index(&ci);
		free(vf);
		return r;
	}
	ci.vfio = vf;
	ci.nvfio = nvf;
	r = decide_offset_mode(m, &ci);
	if (!r)
		identify_maps(m, &ci);
	free_cand_index(&ci);

	for (i = 0; i < nvf && !r; i++) {
		const struct im_map *mp = &m->maps[vf[i]];

		if (mp->dev >= 0 && mp->bar >= 0) {
			r = add_bar_mmap(m, &m->devices[mp->dev].bars[mp->bar], vf[i],
					 device_fd(m, mp->dev));
			if (!r)
				r = mmap_past_bar(m, mp);
		}
	}
	free(vf);
	return r;
}

/* bar_slots for each BAR of a held device, and whether it was guessed */
static int device_findings(struct im_model *m, size_t i)
{
	struct im_device *d = &m->devices[i];
	char subj[48];
	int b, r = 0;

	if (!d->held)
		return 0;
	for (b = 0; b < IM_NBARS && !r; b++)
		r = bar_slots(m, (int)i, b);
	for (b = 0; b < IM_NBARS && !r; b++)
		if (d->bars[b].nmmaps && (d->bars[b].mmaps[0].ident == IM_ID_GUESS ||
					  d->bars[b].mmaps[0].ident == IM_ID_GROUP)) {
			subject(subj, sizeof(subj), d, -1);
			return d->bars[b].mmaps[0].ident == IM_ID_GROUP ?
			       IM_FINDING(m, IM_F_DEVICE_GUESSED_GROUP, subj) :
			       IM_FINDING(m, IM_F_DEVICE_GUESSED, subj);
		}
	return r;
}

int im_correlate_join(struct im_model *m)
{
	unsigned int amb;
	size_t i, nmirror = 0;
	int r;

	im_sort_memslots(m);
	r = im_check_memslots(m);
	if (!r)
		r = build_hva_index(m, &m->by_hva, m->nmemslots, slot_range);
	if (!r)	/* their HVAs were placed after correlate-maps (im_trace_place) */
		r = build_hva_index(m, &m->rmmap_by_hva, m->nrmmaps, rmmap_range);
	for (i = 0; i < m->nmemslots && !r; i++)
		nmirror += smm_mirror(m, &m->memslots[i]);
	for (i = 0; i < m->ndevices && !r; i++)
		r = device_findings(m, i);
	if (!r && nmirror)
		r = IM_FINDING(m, IM_F_SMM_MIRROR, "memslots", nmirror, nmirror == 1 ? "" : "s");
	if (!r)
		r = guest_bars(m);
	amb = ambiguous_bars(m);
	for (i = 0; i < m->ndevices && !r; i++)
		r = device_traps(m, i, amb);
	for (i = 0; i < m->nsources && !r; i++)
		if (m->sources[i].status != IM_SRC_OK)
			r = m->sources[i].status == IM_SRC_PARTIAL ?
			    IM_FINDING(m, IM_F_SOURCE_PARTIAL, m->sources[i].name,
				       m->sources[i].detail ? m->sources[i].detail : "") :
			    IM_FINDING(m, IM_F_SOURCE_UNAVAILABLE, m->sources[i].name,
				       m->sources[i].detail ? m->sources[i].detail : "");
	return r;
}

int im_correlate(struct im_model *m)
{
	int r = im_correlate_maps(m);

	return r ? r : im_correlate_join(m);
}

/* ---------------------------------------------------------------- place */

static void fact(struct im_fact *f, enum im_state s, const char *why)
{
	f->state = s;
	f->why = s == IM_KNOWN ? NULL : why;
}

/* why the memslots are not known: the memslot source's own words */
static const char *slots_why(const struct im_model *m)
{
	const struct im_source *src = im_find_source(m, "memslots");

	if (src && src->detail && src->status != IM_SRC_OK)
		return src->detail;
	return "memslots unknown: no module, no fixture file and no trace";
}

/* Can a lookup (by HVA: by_hva) say "in no memslot"?  Else f says why not. */
static bool slots_searchable(const struct im_model *m, bool by_hva, struct im_fact *f)
{
	if (m->memslots_known || m->nmemslots) {
		if (!by_hva || m->by_hva.n == m->nmemslots)
			return true;
		fact(f, IM_UNKNOWN, "memslots not indexed: correlate has not run");
	} else if (m->kvm_vm == IM_TRI_NO) {
		fact(f, IM_ABSENT, "the target holds no KVM VM (TCG): there are no memslots");
	} else {
		fact(f, IM_UNKNOWN, slots_why(m));
	}
	return false;
}

/* the slot holding hva: as_id 0 before 1, lowest GPA first; -1: none */
static long slot_of_hva(const struct im_model *m, uint64_t hva)
{
	return hva_index_find(m, &m->by_hva, slot_range, hva);
}

static void use_slot(const struct im_model *m, long si, struct im_place *p)
{
	const struct im_memslot *s = &m->memslots[si];

	p->slot = si;
	p->as_id = s->as_id;
	p->smm = s->as_id == 1;
	p->gpa_source = m->memslot_source ? m->memslot_source : "kvm-memslot";
	fact(&p->f_slot, IM_KNOWN, NULL);
	fact(&p->f_gpa, IM_KNOWN, NULL);
	fact(&p->f_hva, IM_KNOWN, NULL);
}

/* mapping, device, BAR, offset and HPA of p->hva */
/* maps_why: NULL when maps[] was read, else why there are none */
static void place_map(const struct im_model *m, const struct im_map *maps,
		      size_t nmaps, const char *maps_why, struct im_place *p)
{
	const struct im_map *mp;
	const char *why;
	enum im_state st;

	p->map = maps_why ? -1 : im_maps_find(maps, nmaps, p->hva);
	if (p->map < 0) {
		/* a paste is not the whole maps: in none of it is not "no" */
		st = maps_why || m->paste ? IM_UNKNOWN : IM_ABSENT;
		why = maps_why ? maps_why : m->paste ?
		      "in none of the pasted mappings (a paste is not the whole maps: whether the process maps it is unknown)" :
		      "no mapping of the target holds it";
		fact(&p->f_map, st, why);
		fact(&p->f_dev, st, why);
		fact(&p->f_bar, st, why);
		fact(&p->f_hpa, st, why);
		return;
	}
	mp = p->mp = &maps[p->map];
	fact(&p->f_map, IM_KNOWN, NULL);
	if (!mp->vfio) {
		why = "not a vfio device mapping";
		st = IM_ABSENT;
	} else if (mp->dev < 0 || (size_t)mp->dev >= m->ndevices || mp->bar < 0 ||
		   mp->bar >= IM_NBARS) {
		why = "a vfio mapping whose device is not identified";
		st = IM_UNKNOWN;
	} else {
		p->dev = mp->dev;
		p->bar = mp->bar;
		p->bar_offset = mp->bar_offset + (p->hva - mp->start);
		p->hpa = m->devices[p->dev].bars[p->bar].hpa + p->bar_offset;
		why = NULL;
		st = IM_KNOWN;
	}
	fact(&p->f_dev, st, why);
	fact(&p->f_bar, st, why);
	fact(&p->f_hpa, st, why);
}

/* a guest piece QEMU told of (no memslot): the BAR's, holding hva or gpa */
static const struct im_bar_guest *qemu_piece(const struct im_bar *b, bool by_gpa, uint64_t a)
{
	size_t k;

	for (k = 0; k < b->nguest; k++) {
		const struct im_bar_guest *g = &b->guest[k];

		if (g->slot < 0 && (by_gpa ? a - g->gpa : a - g->hva) < g->size)
			return g;
	}
	return NULL;
}

static void place_guest_bar(const struct im_model *m, struct im_place *p)
{
	const struct im_bar *b;

	if (p->f_bar.state != IM_KNOWN) {
		fact(&p->f_guest, p->f_bar.state, p->f_bar.why);
		return;
	}
	b = &m->devices[p->dev].bars[p->bar];
	if (b->have_guest_gpa) {
		p->guest_bar = b->guest_gpa;
		fact(&p->f_guest, IM_KNOWN, NULL);
	} else {
		fact(&p->f_guest, IM_UNKNOWN, "no memslot or QEMU source puts this BAR in the guest");
	}
}

/* whether p's BAR offset traps to QEMU (f_trap, trap) */
static void place_trap(const struct im_model *m, struct im_place *p)
{
	const struct im_bar *b;

	if (p->f_bar.state != IM_KNOWN) {
		fact(&p->f_trap, p->f_bar.state, p->f_bar.why);
		return;
	}
	b = &m->devices[p->dev].bars[p->bar];
	if (!b->traps_known) {
		fact(&p->f_trap, IM_UNKNOWN, b->traps_why ? b->traps_why :
		     "the trapped parts of this BAR were not worked out");
		return;
	}
	p->trap = im_bar_trap_at(b, p->bar_offset);
	if (p->trap)
		fact(&p->f_trap, IM_KNOWN, NULL);
	else if (b->traps_why)
		fact(&p->f_trap, IM_UNKNOWN, b->traps_why);
	else
		fact(&p->f_trap, IM_ABSENT, "in no trapped part of the BAR: direct-mapped");
}

/* A GPA in no memslot and no QEMU piece: inside a guest BAR? (a trap) */
static void place_gpa_bar(const struct im_model *m, uint64_t gpa, struct im_place *p)
{
	size_t i;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_bar *bar = &m->devices[i].bars[b];
			uint64_t size = bar->guest_size ? bar->guest_size : bar->size;

			if (!bar->have_guest_gpa || !m->devices[i].held ||
			    bar->kind == IM_BAR_NONE || gpa - bar->guest_gpa >= size)
				continue;
			p->dev = (int)i;
			p->bar = b;
			p->bar_offset = gpa - bar->guest_gpa;
			p->hpa = bar->hpa + p->bar_offset;
			p->guest_bar = bar->guest_gpa;
			fact(&p->f_dev, IM_KNOWN, NULL);
			fact(&p->f_bar, IM_KNOWN, NULL);
			fact(&p->f_hpa, IM_KNOWN, NULL);
			fact(&p->f_guest, IM_KNOWN, NULL);
			return;
		}
}

static void place_init(struct im_place *p)
{
	memset(p, 0, sizeof(*p));
	p->map = p->slot = p->dma = p->dma_hva = p->rmmap = -1;
	p->dev = p->bar = p->as_id = -1;
}

/*
 * The host side of the trace's DMA maps, and its vfio_region_mmaps: which
 * holds p->hva (dma_hva, iova, f_dma_hva; rmmap).
 */
static void place_dma_hva(const struct im_model *m, struct im_place *p)
{
	if (!m->dma_source)
		fact(&p->f_dma_hva, IM_UNKNOWN,
		     "the vfio DMA maps are not known (a QEMU trace with vfio_listener_region_add_ram gives them)");
	else if (m->dma_by_hva.n != m->ndma)
		fact(&p->f_dma_hva, IM_UNKNOWN, "the DMA maps not indexed: correlate has not run");
	else if ((p->dma_hva = hva_index_find(m, &m->dma_by_hva, dma_range, p->hva)) < 0)
		fact(&p->f_dma_hva, IM_ABSENT, "in no vfio DMA map of the trace");
	else {
		p->iova = m->dma[p->dma_hva].iova + (p->hva - m->dma[p->dma_hva].hva);
		fact(&p->f_dma_hva, IM_KNOWN, NULL);
	}
	if (m->rmmap_by_hva.n == m->nrmmaps)
		p->rmmap = hva_index_find(m, &m->rmmap_by_hva, rmmap_range, p->hva);
}

static void place_hva(const struct im_model *m, const struct im_map *maps,
		      size_t nmaps, const char *maps_why, uint64_t hva,
		      struct im_place *p)
{
	long si;

	place_init(p);
	p->hva = hva;
	fact(&p->f_hva, IM_KNOWN, NULL);
	place_dma_hva(m, p);
	place_map(m, maps, nmaps, maps_why, p);
	place_guest_bar(m, p);
	place_trap(m, p);
	if (slots_searchable(m, true, &p->f_slot)) {
		si = slot_of_hva(m, hva);
		if (si >= 0) {
			use_slot(m, si, p);
			p->gpa = m->memslots[si].gpa + (hva - m->memslots[si].hva);
			return;
		}
		fact(&p->f_slot, IM_ABSENT, "in no memslot");
	}
	p->f_gpa = p->f_slot;
	if (p->f_bar.state == IM_KNOWN) {
		const struct im_bar_guest *g =
			qemu_piece(&m->devices[p->dev].bars[p->bar], false, hva);

		if (g) {
			p->gpa = g->gpa + (hva - g->hva);
			p->gpa_source = g->source;
			fact(&p->f_gpa, IM_KNOWN, NULL);
		}
	}
}

/* NULL when the model's maps were read, else why there are none */
static const char *maps_why(const struct im_model *m)
{
	if (m->nmaps)
		return NULL;
	return m->pid < 0 ? "no target process: no maps" : "the target's maps were not read";
}

void im_place_hva(const struct im_model *m, uint64_t hva, struct im_place *p)
{
	place_hva(m, m->maps, m->nmaps, maps_why(m), hva, p);
}

void im_place_hva_map(const struct im_model *m, uint64_t hva, struct im_place *p)
{
	place_init(p);
	p->hva = hva;
	fact(&p->f_hva, IM_KNOWN, NULL);
	place_map(m, m->maps, m->nmaps, maps_why(m), p);
}

void im_place_hva_in(const struct im_model *m, const struct im_map *maps,
		     size_t nmaps, uint64_t hva, struct im_place *p)
{
	place_hva(m, maps, nmaps, NULL, hva, p);
}

void im_place_iova(const struct im_model *m, uint64_t iova, struct im_place *p)
{
	long d = im_find_dma(m, iova);

	if (d < 0) {
		place_init(p);
		fact(&p->f_dma, m->dma_source ? IM_ABSENT : IM_UNKNOWN,
		     m->dma_source ? "in no vfio DMA map of the trace" :
		     "the vfio DMA maps are not known (a QEMU trace with vfio_listener_region_add_ram gives them)");
		p->f_hva = p->f_dma;
		return;
	}
	place_hva(m, m->maps, m->nmaps, maps_why(m), m->dma[d].hva + (iova - m->dma[d].iova), p);
	p->dma = d;
	fact(&p->f_dma, IM_KNOWN, NULL);
}

/* Without a memslot: the BAR piece QEMU itself maps at gpa (TCG). */
static bool place_gpa_qemu(const struct im_model *m, uint64_t gpa, struct im_place *p)
{
	size_t i;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_bar_guest *g = qemu_piece(&m->devices[i].bars[b], true, gpa);

			if (g) {
				p->hva = g->hva + (gpa - g->gpa);
				p->gpa_source = g->source;
				fact(&p->f_hva, IM_KNOWN, NULL);
				return true;
			}
		}
	return false;
}

void im_place_gpa(const struct im_model *m, int as_id, uint64_t gpa, struct im_place *p)
{
	long si = -1;

	place_init(p);
	p->gpa = gpa;
	fact(&p->f_gpa, IM_KNOWN, NULL);
	if (slots_searchable(m, false, &p->f_slot)) {
		si = im_find_memslot_gpa(m, as_id < 0 ? 0 : as_id, gpa);
		if (si < 0 && as_id < 0)
			si = im_find_memslot_gpa(m, 1, gpa);
		if (si >= 0) {
			use_slot(m, si, p);
			p->hva = m->memslots[si].hva + (gpa - m->memslots[si].gpa);
		} else {
			fact(&p->f_slot, IM_ABSENT, as_id < 0 ? "in no memslot of as_id 0 or 1" :
			     "in no memslot of that address space");
		}
	}
	if (si < 0) {
		p->f_hva = p->f_slot;
		if (!place_gpa_qemu(m, gpa, p)) {
			fact(&p->f_map, p->f_hva.state, p->f_hva.why);
			p->f_dev = p->f_bar = p->f_hpa = p->f_guest = p->f_map;
			if (p->f_slot.state == IM_ABSENT)
				place_gpa_bar(m, gpa, p);
			place_trap(m, p);
			return;
		}
	}
	place_map(m, m->maps, m->nmaps, maps_why(m), p);
	place_guest_bar(m, p);
	place_trap(m, p);
}
