// SPDX-License-Identifier: GPL-2.0-or-later
/* model.c - building, searching and freeing the model. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

void im_model_init(struct im_model *m)
{
	memset(m, 0, sizeof(*m));
	m->pid = -1;
	m->sysroot = "/";
}

static void free_bar(struct im_bar *b)
{
	free(b->mmaps);
	free(b->guest);
	free(b->traps);
}

void im_qmp_raw_free(struct im_qmp_raw *raw)
{
	size_t i;

	free(raw->query_pci);
	free(raw->info_qtree);
	free(raw->info_mtree_f);
	for (i = 0; i < raw->ngpa2hva; i++)
		free(raw->gpa2hva[i].text);
	free(raw->gpa2hva);
	free(raw->qom_pci_host);
	memset(raw, 0, sizeof(*raw));
}

void im_device_free(struct im_device *d)
{
	int b;

	free(d->name);
	free(d->driver);
	free(d->iommu_group);
	free(d->guest_bdf);
	free(d->qdev_id);
	for (b = 0; b < IM_NBARS; b++)
		free_bar(&d->bars[b]);
}

void im_model_free(struct im_model *m)
{
	size_t i;

	for (i = 0; i < m->ndevices; i++)
		im_device_free(&m->devices[i]);
	free(m->devices);
	for (i = 0; i < m->nmaps; i++)
		im_map_path_free(&m->maps[i]);
	free(m->maps);
	free(m->maps_text);
	free(m->trace_text);
	free(m->gdb_export_text);
	for (i = 0; i < m->nfds; i++) {
		free(m->fds[i].target);
		free(m->fds[i].syspath);
	}
	free(m->fds);
	free(m->memslots);
	free(m->by_hpa.v);
	free(m->by_hva.idx);
	free(m->by_hva.maxend);
	free(m->dma_by_hva.idx);
	free(m->dma_by_hva.maxend);
	free(m->rmmap_by_hva.idx);
	free(m->rmmap_by_hva.maxend);
	for (i = 0; i < m->nsources; i++) {
		free(m->sources[i].name);
		free(m->sources[i].detail);
	}
	free(m->sources);
	for (i = 0; i < m->nfindings; i++) {
		free(m->findings[i].subject);
		free(m->findings[i].message);
	}
	free(m->findings);
	im_qmp_raw_free(&m->qmp);
	free(m->mmio.why);
	free(m->mmio.host_bridge);
	free(m->mmio.bars);
	free(m->mmio.firmware_why);
	for (i = 0; i < m->nqbars; i++) {
		free(m->qbars[i].guest_bdf);
		free(m->qbars[i].qdev_id);
	}
	free(m->qbars);
	free(m->dma);
	free(m->dma_fails);
	free(m->rmmaps);
	free(m->comm);
	free(m->cmdline);
	free(m->kernel);
	free(m->offset_why);
	free(m->memslots_why);
	free(m->kvm_vm_why);
	free(m->vmpte_why);
	im_width_free(&m->iommu_width);
	im_width_free(&m->cpu_width);
	im_width_free(&m->guest_width);
	memset(m, 0, sizeof(*m));
}

const struct im_source *im_find_source(const struct im_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].name, name))
			return &m->sources[i];
	return NULL;
}

int im_add_source(struct im_model *m, const char *name, enum im_src_status st,
		  const char *fmt, ...)
{
	struct im_source *s;
	va_list ap;
	size_t i;
	int r;

	/* one entry per source: a later word on the same source replaces it */
	s = (struct im_source *)im_find_source(m, name);
	i = s ? (size_t)(s - m->sources) : m->nsources;
	if (i == m->nsources) {
		r = im_grow(&m->sources, &m->cap.sources, m->nsources + 1,
			    sizeof(*m->sources));
		if (r)
			return r;
		m->sources[i].name = strdup(name);
		if (!m->sources[i].name)
			return -ENOMEM;
		m->nsources++;
	}
	s = &m->sources[i];
	s->status = st;
	free(s->detail);
	va_start(ap, fmt);
	r = vasprintf(&s->detail, fmt, ap);
	va_end(ap);
	if (r < 0) {
		s->detail = NULL;
		return -ENOMEM;
	}
	return 0;
}

int im_add_memslot(struct im_model *m, const struct im_memslot *s)
{
	int r = im_grow(&m->memslots, &m->cap.memslots, m->nmemslots + 1,
			sizeof(*m->memslots));

	if (r)
		return r;
	m->memslots[m->nmemslots++] = *s;
	return 0;
}

int im_add_qemu_bar(struct im_model *m, const struct im_qemu_bar *qb)
{
	struct im_qemu_bar *n;
	int r = im_grow(&m->qbars, &m->cap.qbars, m->nqbars + 1, sizeof(*m->qbars));

	if (r)
		return r;
	n = &m->qbars[m->nqbars];
	*n = *qb;
	n->guest_bdf = im_strdup(qb->guest_bdf);
	n->qdev_id = im_strdup(qb->qdev_id);
	if ((qb->guest_bdf && !n->guest_bdf) || (qb->qdev_id && !n->qdev_id)) {
		free(n->guest_bdf);
		free(n->qdev_id);
		return -ENOMEM;
	}
	m->nqbars++;
	return 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct im_memslot *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

void im_sort_memslots(struct im_model *m)
{
	if (m->nmemslots)
		im_qsort(m->memslots, m->nmemslots, sizeof(*m->memslots), cmp_slot);
}

int im_find_device(const struct im_model *m, const char *bdf)
{
	size_t lo = 0, hi = m->ndevices;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->devices[mid].bdf, bdf);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long im_maps_find(const struct im_map *maps, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	/* last map with start <= addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < maps[lo - 1].end)
		return (long)(lo - 1);
	return -1;
}

long im_find_bar_hpa(const struct im_model *m, uint64_t hpa)
{
	const struct im_bar_ref *r = m->by_hpa.v;
	size_t lo = 0, hi = m->by_hpa.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].start <= hpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* BARs do not overlap, but a zero-sized gap may: check the nearest */
	if (lo && hpa < r[lo - 1].end)
		return (long)(lo - 1);
	return -1;
}

long im_find_map(const struct im_model *m, uint64_t hva)
{
	return im_maps_find(m->maps, m->nmaps, hva);
}

long im_find_dma(const struct im_model *m, uint64_t iova)
{
	size_t lo = 0, hi = m->ndma;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->dma[mid].iova <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && iova - m->dma[lo - 1].iova < m->dma[lo - 1].size)
		return (long)(lo - 1);
	return -1;
}

long im_find_memslot_gpa(const struct im_model *m, int as_id, uint64_t gpa)
{
	size_t lo = 0, hi = m->nmemslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct im_memslot *s = &m->memslots[mid];

		if (s->as_id < as_id || (s->as_id == as_id && s->gpa <= gpa))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		const struct im_memslot *s = &m->memslots[lo - 1];

		if (s->as_id == as_id && gpa - s->gpa < s->size)
			return (long)(lo - 1);
	}
	return -1;
}

long im_find_memslot_range(const struct im_model *m, int as_id, uint64_t a, uint64_t b)
{
	long hit = im_find_memslot_gpa(m, as_id, a);
	size_t lo = 0, hi = m->nmemslots;

	if (hit >= 0)
		return hit;
	/* none holds a: the first slot of as_id starting after a, if it starts by b */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct im_memslot *s = &m->memslots[mid];

		if (s->as_id < as_id || (s->as_id == as_id && s->gpa <= a))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->nmemslots && m->memslots[lo].as_id == as_id &&
	       m->memslots[lo].gpa <= b; lo++)
		if (m->memslots[lo].size)
			return (long)lo;
	return -1;
}

const char *im_severity_name(enum im_severity s)
{
	static const char *const n[] = { "info", "warning", "error" };

	return s <= IM_SEV_ERROR ? n[s] : "?";
}

const char *im_src_status_name(enum im_src_status s)
{
	static const char *const n[] = { "ok", "partial", "unavailable" };

	return s <= IM_SRC_UNAVAILABLE ? n[s] : "?";
}

/* how a mapping was tied to its device, as watch -j's "ident" says it */
const char *im_ident_name(enum im_ident id)
{
	switch (id) {
	case IM_ID_FDINFO: return "fdinfo";
	case IM_ID_CDEV: return "cdev";
	case IM_ID_HPA: return "hpa";
	case IM_ID_GUESS: return "guess";
	case IM_ID_GROUP: return "group";
	case IM_ID_QEMU: return "qemu";
	case IM_ID_NONE: break;
	}
	return NULL;
}

const char *im_offset_mode_name(enum im_offset_mode o)
{
	static const char *const n[] = { "unknown", "hpa", "region" };

	return o <= IM_OFF_REGION ? n[o] : "?";
}

const char *im_bar_kind_name(enum im_bar_kind k)
{
	static const char *const n[] = { "none", "mem32", "mem64", "io" };

	return k <= IM_BAR_IO ? n[k] : "?";
}

/* the JSON name of a trap's why */
const char *im_trap_why_name(enum im_trap_why w)
{
	static const char *const n[] = { "msix-table", "msix-pba", "sub-page", "not-mmapped",
					 "not-mmapped-unknown", "io-port" };

	return w <= IM_TRAP_IO ? n[w] : "?";
}

/* the same in words, for text */
const char *im_trap_why_words(enum im_trap_why w)
{
	static const char *const n[] = { "MSI-X table", "MSI-X PBA, not mmapped", "sub-page BAR, not mmapped",
					 "not mmapped", "not mmapped, why unknown",
					 "I/O port BAR" };

	return w <= IM_TRAP_IO ? n[w] : "?";
}

const char *im_leaf_name(enum im_leaf l)
{
	static const char *const n[] = { "4K", "2M", "1G", "other" };

	return l < IM_NLEAF ? n[l] : "?";
}

enum im_leaf im_leaf_of_shift(unsigned int shift)
{
	switch (shift) {
	case 12: return IM_LEAF_4K;
	case 21: return IM_LEAF_2M;
	case 30: return IM_LEAF_1G;
	default: return IM_LEAF_OTHER;
	}
}

void im_width_free(struct im_width *w)
{
	free(w->what);
	free(w->why);
	memset(w, 0, sizeof(*w));
}

static int width_say(struct im_width *w, unsigned int bits, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return -ENOMEM;
	im_width_free(w);
	w->bits = bits;
	if (bits)
		w->what = s;
	else
		w->why = s;
	return 0;
}

int im_width_known(struct im_width *w, unsigned int bits, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = width_say(w, bits, fmt, ap);
	va_end(ap);
	return r;
}

int im_width_unknown(struct im_width *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = width_say(w, 0, fmt, ap);
	va_end(ap);
	return r;
}

unsigned int im_bits_for(uint64_t last)
{
	return last ? 64 - (unsigned int)__builtin_clzll(last) : 1;
}
