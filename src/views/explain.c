// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * explain.c - `explain ADDR`: every reading of a number, in plain words.
 * As an HVA (the mapping that contains it), as a GPA (the memslot), and as
 * an HPA (the BAR).  A reading is given only where the number means
 * something in that space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/mtree.h"
#include "watch/elfsym.h"

struct reading {
	const char *space;
	char *text;
};

struct ctx {
	const struct im_model *m;
	const struct im_mtree *t;	/* a memory tree given with --mtree, or NULL */
	const char *tfile;		/* its name, for file:line */
	uint64_t addr;
	struct jw *w;		/* --json: readings go out as they are found */
	struct reading r[8];
	int n;
};

/*
 * Keep a reading (at most 8; a ninth is dropped, text and all).  With
 * --json, true: its object is begun, "space" written, and the caller adds
 * its fields and ends it with meaning().
 */
static bool add(struct ctx *c, const char *space, char *text)
{
	if (c->n >= 8) {
		free(text);
		return false;
	}
	c->r[c->n].space = space;
	c->r[c->n].text = text;
	c->n++;
	if (!c->w)
		return false;
	jw_obj_begin(c->w);
	jw_kstr(c->w, "space", space);
	return true;
}

static void meaning(struct ctx *c, const char *text)
{
	jw_kstr(c->w, "meaning", text ? text : "");
	jw_obj_end(c->w);
}

/* "KVM slot N", and the address space when it is SMM's */
static const char *slot_words(const struct im_model *m, const struct im_place *p,
			      char *buf, size_t len)
{
	snprintf(buf, len, "KVM slot %d%s", m->memslots[p->slot].slot,
		 p->smm ? ", in the SMM address space (as_id 1)" : "");
	return buf;
}

static char *bar_places(const struct im_model *m)
{
	char *s = im_strdup(""), *n;
	size_t i, k;
	int b;

	for (i = 0; i < m->ndevices && s; i++)
		for (b = 0; b < IM_NBARS && s; b++) {
			const struct im_bar *bar = &m->devices[i].bars[b];

			for (k = 0; k < bar->nmmaps && s; k++) {
				struct im_place p;
				char g[40] = "no memslot";

				im_place_hva(m, bar->mmaps[k].hva, &p);
				if (p.f_slot.state == IM_KNOWN)
					snprintf(g, sizeof(g), "GPA 0x%" PRIx64, p.gpa);
				n = im_asprintf("%s%s%s BAR %d at HVA 0x%" PRIx64 " (%s, HPA 0x%" PRIx64 ")",
						s, *s ? "; " : "", m->devices[i].bdf, b,
						bar->mmaps[k].hva, g,
						bar->hpa + bar->mmaps[k].bar_offset);
				free(s);
				s = n;
			}
		}
	return s;
}

/* --json: "trap" (why and where, or null) and "trap_unknown" of a placed address */
/* "trap" (t, or null) and "trap_unknown" (why, or null) */
static void trap_fields(struct ctx *c, const struct im_trap *t, const char *unknown)
{
	jw_key(c->w, "trap");
	if (t) {
		jw_obj_begin(c->w);
		jw_kstr(c->w, "why", im_trap_why_name(t->why));
		jw_khex(c->w, "bar_offset", t->off);
		jw_khex(c->w, "size", t->size);
		jw_obj_end(c->w);
	} else {
		jw_null(c->w);
	}
	jw_kstr(c->w, "trap_unknown", unknown);
}

static void trap_json(struct ctx *c, const struct im_place *p)
{
	trap_fields(c, p->f_trap.state == IM_KNOWN ? p->trap : NULL,
		    p->f_trap.state == IM_UNKNOWN ? p->f_trap.why : NULL);
}

/* the reading of an HVA in a BAR mmap; sw: its slot's words, NULL: none */
static bool hva_vfio_bar(struct ctx *c, const struct im_place *p, const char *sw, char **text)
{
	const struct im_device *d = &c->m->devices[p->dev];
	const struct im_region_mmap *rm = p->rmmap >= 0 ? &c->m->rmmaps[p->rmmap] : NULL;
	char g[256] = "no memslot maps it, so the guest cannot reach it through KVM";
	char tr[320] = "";
	bool j;

	if (sw)
		snprintf(g, sizeof(g), "the guest sees it at GPA 0x%" PRIx64 " (%s)", p->gpa, sw);
	else if (p->f_trap.state == IM_KNOWN)
		snprintf(g, sizeof(g), "%sguest accesses to BAR offsets 0x%" PRIx64 "-0x%" PRIx64 " trap to QEMU (%s)",
			 p->f_slot.state == IM_UNKNOWN ? "" : "no memslot maps it: ",
			 p->trap->off, p->trap->off + p->trap->size - 1,
			 im_trap_why_words(p->trap->why));
	else if (p->f_slot.state == IM_UNKNOWN)	/* memslots not read: neither yes nor no */
		snprintf(g, sizeof(g), "whether a memslot maps it, and so whether the guest reaches it through KVM, is unknown (%s)",
			 p->f_slot.why ? p->f_slot.why : "memslots not read");
	if (rm)
		snprintf(tr, sizeof(tr), " (the trace's vfio_region_mmap of line %u: \"%s\", BAR offsets 0x%" PRIx64 "-0x%" PRIx64 ")",
			 rm->line, rm->name, rm->off, rm->off + rm->size - 1);
	*text = im_asprintf("QEMU's mmap of %s BAR %d%s, offset 0x%" PRIx64 " into the BAR: device memory at HPA 0x%" PRIx64 "; %s. Never read it through /proc/PID/mem.",
			    d->bdf, p->bar, tr, p->bar_offset, p->hpa, g);
	j = add(c, "hva", *text);
	if (j) {
		jw_kstr(c->w, "device", d->bdf);
		jw_kint(c->w, "bar", p->bar);
		jw_khex(c->w, "bar_offset", p->bar_offset);
		jw_khex(c->w, "hpa", p->hpa);
		trap_json(c, p);
		if (rm) {
			jw_key(c->w, "region_mmap");
			jw_obj_begin(c->w);
			jw_kstr(c->w, "name", rm->name);
			jw_khex(c->w, "offset", rm->off);
			jw_khex(c->w, "size", rm->size);
			jw_kint(c->w, "line", (int)rm->line);
			jw_obj_end(c->w);
		}
	}
	return j;
}

/* --json: the rest of an HVA reading's object */
static void hva_json(struct ctx *c, const struct im_place *p, const char *kind,
		     const char *sym, const char *text)
{
	const struct im_map *mp = &c->m->maps[p->map];
	struct jw *w = c->w;

	jw_kstr(w, "kind", kind);
	jw_key(w, "mapping");
	jw_obj_begin(w);
	jw_khex(w, "start", mp->start);
	jw_khex(w, "end", mp->end);
	jw_kstr(w, "perms", mp->perms);
	jw_khex(w, "offset", mp->offset);
	jw_kstr(w, "path", mp->path);
	jw_obj_end(w);
	jw_khex_or_null(w, "gpa", p->f_slot.state == IM_KNOWN, p->gpa);
	jw_kstr(w, "symbol", sym[0] ? sym : NULL);	/* null: no symbol, as every unknown */
	meaning(c, text);
}

/* JSON: "dma_map": the trace's DMA map d, as both its readings give it */
static void dma_map_json(struct jw *w, const struct im_dma_map *d)
{
	jw_key(w, "dma_map");
	jw_obj_begin(w);
	im_json_dma_fields(w, d);
	jw_obj_end(w);
}

/* the sentence a read-only DMA map adds; "" when it is not (or not known) */
static const char *dma_readonly(const struct im_dma_map *d)
{
	return d->readonly == IM_TRI_YES ?
		"; the map is read-only for the device (readonly=1): its DMA writes there fault" : "";
}

/* JSON: "dma_map_failed": the trace's DMA map d that failed */
static void dma_fail_json(struct jw *w, const struct im_dma_fail *d)
{
	jw_key(w, "dma_map_failed");
	jw_obj_begin(w);
	jw_khex(w, "iova", d->iova);
	jw_khex(w, "size", d->size);
	jw_khex_or_null(w, "hva", d->have_hva, d->hva);
	jw_kint(w, "line", (int)d->line);
	jw_key(w, "errno");
	if (d->err)
		jw_int(w, d->err);
	else
		jw_null(w);
	jw_kstr(w, "bar_device", d->bar_dev[0] ? d->bar_dev : NULL);
	jw_obj_end(w);
}

/* "-14, EFAULT", or that no line named the errno; and into bar, the
 * sentence QEMU's peer-to-peer line adds, or "" */
static void dma_fail_words(const struct im_dma_fail *d, char err[64], char bar[160])
{
	if (d->err)
		snprintf(err, 64, "-%d, %s", d->err,
			 strerrorname_np(d->err) ? strerrorname_np(d->err) : "?");
	else
		snprintf(err, 64, "errno not named");
	bar[0] = '\0';
	if (d->bar_dev[0])
		snprintf(bar, 160, "; QEMU says it is a BAR of vfio device %s, so "
			 "peer-to-peer DMA to it fails", d->bar_dev);
}

/*
 * An HVA on the host side of a DMA map of the trace: the device DMA
 * address that reaches it, and what the maps say is there, or that they
 * are not known.
 */
static void explain_hva_dma(struct ctx *c, const struct im_place *p)
{
	const struct im_model *m = c->m;
	const struct im_dma_map *d;
	char bk[4200], *text;
	const char *what, *backing;

	if (p->f_dma_hva.state != IM_KNOWN)
		return;
	d = &m->dma[p->dma_hva];
	what = backing = im_map_backing(m, p, bk, sizeof(bk));
	if (!strcmp(what, "[anon]"))
		what = "guest RAM (anonymous memory)";
	text = im_asprintf("on the host side of QEMU's vfio DMA map of IOVA 0x%" PRIx64 "-0x%" PRIx64 " -> HVA 0x%" PRIx64 " (the trace's line %u), offset 0x%" PRIx64 ": a passed-through device's DMA to IOVA 0x%" PRIx64 " (the GPA without a vIOMMU) reaches it; %s%s%s%s",
			   d->iova, d->iova + d->size - 1, d->hva, d->line, c->addr - d->hva, p->iova,
			   p->f_map.state == IM_KNOWN ? "it is " : p->f_map.state == IM_ABSENT ?
			   "no mapping of the target holds it" : m->paste ?
			   "what is mapped there (guest RAM, or a BAR's mmap: peer-to-peer) and its HPA are unknown without the host's maps (give --maps, --pid or --sysroot)" :
			   "what is mapped there is unknown: the target's maps were not read",
			   p->f_map.state == IM_KNOWN ? what : "", p->f_dev.state == IM_KNOWN ?
			   ": peer-to-peer, the IOMMU maps this BAR for device DMA" : "",
			   dma_readonly(d));
	if (add(c, "hva-dma", text)) {
		dma_map_json(c->w, d);
		jw_khex(c->w, "iova", p->iova);
		jw_kstr(c->w, "backing", p->f_map.state == IM_KNOWN ? backing : NULL);
		meaning(c, text);
	}
}

/* the mapping that holds the HVA p places, and what it is */
static void explain_hva_map(struct ctx *c, const struct im_place *pp)
{
	const struct im_model *m = c->m;
	const struct im_map *mp;
	struct im_place p = *pp;
	uint64_t off, gpa;
	char *text = NULL, sw[64];
	const char *kind;
	char sym[512] = "";
	bool j, sl;

	if (p.f_map.state != IM_KNOWN)
		return;
	mp = &m->maps[p.map];
	off = c->addr - mp->start;
	sl = p.f_slot.state == IM_KNOWN;
	gpa = sl ? p.gpa : 0;
	if (sl)
		slot_words(m, &p, sw, sizeof(sw));
	if (p.f_dev.state == IM_KNOWN) {
		kind = "vfio-bar";
		j = hva_vfio_bar(c, &p, sl ? sw : NULL, &text);
	} else if (mp->vfio) {
		kind = "vfio-unknown";
		text = im_asprintf("a vfio device mapping (maps line %u) whose device is not known; offset 0x%" PRIx64 " into it",
				   mp->line, off);
		j = add(c, "hva", text);
	} else if (!strcmp(mp->path, "[heap]")) {
		char *places = bar_places(m);

		kind = "heap";
		text = im_asprintf("an object on QEMU's heap ([heap], offset 0x%" PRIx64 "), such as a MemoryRegion struct: gdb's `qemu mtree` prints that struct's address as \"(@ 0x...)\". It is not device memory and not guest memory. %s%s",
				   c->addr - mp->start,
				   places && *places ? "The vfio BAR mmaps of this process are: " :
				   "This process has no vfio BAR mmap.",
				   places ? places : "");
		free(places);
		j = add(c, "hva", text);
	} else if (mp->path[0] == '/' || (mp->path[0] == '[' && strcmp(mp->path, "[anon]"))) {
		kind = mp->path[0] == '/' ? "file" : "special";
		if (sl && mp->perms[3] == 's')
			kind = "guest-ram";
		if (sl)
			text = im_asprintf("guest memory backed by %s at file offset 0x%" PRIx64 "; the guest sees it at GPA 0x%" PRIx64 " (%s)",
					   mp->path, mp->offset + off, gpa, sw);
		else if (mp->path[0] == '/' &&
			 !im_sym_lookup(m->maps, m->nmaps, c->addr, sym, sizeof(sym)))
			text = im_asprintf("code or data of QEMU's image or a library: %s (%s, file offset 0x%" PRIx64 ")",
					   sym, mp->perms, mp->offset + off);
		else if (mp->path[0] == '/')
			text = im_asprintf("inside %s (%s, file offset 0x%" PRIx64 "): QEMU's image or one of its libraries or files%s",
					   mp->path, mp->perms, mp->offset + off,
					   im_root_is_live() ? "" : " (the file is not in the fixture, so no symbol)");
		else
			text = im_asprintf("inside %s, offset 0x%" PRIx64, mp->path, off);
		j = add(c, "hva", text);
	} else {
		kind = sl ? "guest-ram" : "anon";
		if (sl)
			text = im_asprintf("guest RAM (anonymous memory of QEMU); the guest sees it at GPA 0x%" PRIx64 " (%s)",
					   gpa, sw);
		else
			text = im_asprintf("anonymous memory of QEMU in no memslot: thread stacks, malloc arenas, or guest RAM when there is no KVM");
		j = add(c, "hva", text);
	}
	if (j)
		hva_json(c, &p, kind, sym, text);
}

/* the first DMA map the trace says failed that holds addr, as an HVA (by_hva)
 * or as an IOVA; NULL */
static const struct im_dma_fail *failed_map(const struct im_model *m, uint64_t addr, bool by_hva)
{
	size_t i;

	for (i = 0; i < m->ndma_fails; i++) {
		const struct im_dma_fail *d = &m->dma_fails[i];
		uint64_t base = by_hva ? d->hva : d->iova;

		if ((!by_hva || d->have_hva) && addr >= base && addr - base < d->size)
			return d;
	}
	return NULL;
}

/*
 * An HVA on the host side of a DMA map the trace says failed: the device
 * DMA address that was to reach it reaches nothing.
 */
static void explain_hva_dma_failed(struct ctx *c)
{
	const struct im_model *m = c->m;
	const struct im_dma_fail *d = failed_map(m, c->addr, true);
	char err[64], bar[160], now[160] = ": the IOMMU faults it", *text;
	struct im_place q;
	uint64_t iova;

	if (!d)
		return;
	iova = d->iova + (c->addr - d->hva);
	dma_fail_words(d, err, bar);
	im_place_iova(m, iova, &q);	/* another map may hold that IOVA */
	if (q.f_dma.state == IM_KNOWN)
		snprintf(now, sizeof(now), "; the DMA map of the trace's line %u takes that IOVA to HVA 0x%" PRIx64,
			 m->dma[q.dma].line, q.hva);
	text = im_asprintf("on the host side of a DMA map that failed: QEMU could not map IOVA 0x%" PRIx64 "-0x%" PRIx64 " to HVA 0x%" PRIx64 " (the trace's line %u, %s), so a passed-through device's DMA to IOVA 0x%" PRIx64 " does not reach it%s%s",
			   d->iova, d->iova + d->size - 1, d->hva, d->line, err, iova, now, bar);
	if (add(c, "hva-dma", text)) {
		dma_fail_json(c->w, d);
		jw_khex(c->w, "iova", iova);
		meaning(c, text);
	}
}

static void explain_hva(struct ctx *c)
{
	struct im_place p;

	im_place_hva(c->m, c->addr, &p);
	explain_hva_map(c, &p);
	explain_hva_dma(c, &p);
	if (p.f_dma_hva.state != IM_KNOWN)
		explain_hva_dma_failed(c);
}

/* Without memslots: the guest piece QEMU itself told of (TCG). */
static void explain_gpa_qemu(struct ctx *c, const struct im_place *p)
{
	const struct im_model *m = c->m;
	char *text;

	if (p->f_hva.state != IM_KNOWN || p->f_bar.state != IM_KNOWN)
		return;
	text = im_asprintf("guest-physical, with no KVM: QEMU (%s) maps it to HVA 0x%" PRIx64 ", which is %s BAR %d offset 0x%" PRIx64 ", HPA 0x%" PRIx64,
			   p->gpa_source, p->hva, m->devices[p->dev].bdf, p->bar, p->bar_offset,
			   p->hpa);
	if (add(c, "gpa", text)) {
		jw_knull(c->w, "memslot");
		jw_khex(c->w, "hva", p->hva);
		jw_kstr(c->w, "source", p->gpa_source);
		meaning(c, text);
	}
}

/* In no memslot but inside a guest BAR: it traps, or why it is not known. */
static void explain_gpa_trap(struct ctx *c, const struct im_place *p)
{
	const struct im_device *d = &c->m->devices[p->dev];
	char how[400];
	char *text;

	if (p->f_trap.state == IM_KNOWN)
		snprintf(how, sizeof(how), "traps to QEMU (%s): every guest access there is a KVM exit and QEMU's MMIO dispatch; the trapped part is BAR offsets 0x%" PRIx64 "-0x%" PRIx64,
			 im_trap_why_words(p->trap->why), p->trap->off,
			 p->trap->off + p->trap->size - 1);
	else if (p->f_trap.state == IM_UNKNOWN)
		snprintf(how, sizeof(how), "traps to QEMU, for a reason not known: %s", p->f_trap.why);
	else
		snprintf(how, sizeof(how), "traps to QEMU, yet no trapped part of the BAR holds it: the guest mapped only part of the BAR, or QEMU overlays another region");
	text = im_asprintf("guest-physical, in no memslot: inside %s BAR %d (guest BAR at GPA 0x%" PRIx64 "), offset 0x%" PRIx64 ", HPA 0x%" PRIx64 "; it %s",
			   d->bdf, p->bar, p->guest_bar, p->bar_offset, p->hpa, how);
	if (add(c, "gpa", text)) {
		jw_knull(c->w, "memslot");
		jw_kstr(c->w, "device", d->bdf);
		jw_kint(c->w, "bar", p->bar);
		jw_khex(c->w, "bar_offset", p->bar_offset);
		jw_khex(c->w, "hpa", p->hpa);
		trap_json(c, p);
		meaning(c, text);
	}
}

/* paste mode: inside a guest BAR a pasted QEMU-side source names (qtree, trace, gdb export) */
static void explain_gpa_pasted(struct ctx *c)
{
	const struct im_model *m = c->m;
	size_t i;

	for (i = 0; m->paste && i < m->nqbars; i++) {
		const struct im_qemu_bar *q = &m->qbars[i];
		char *text;

		if (!q->size || c->addr < q->gpa || c->addr - q->gpa >= q->size)
			continue;
		text = im_asprintf("guest-physical: inside the guest BAR of host %s BAR %d (GPA 0x%" PRIx64 "-0x%" PRIx64 "%s%s%s%s), at offset 0x%" PRIx64 ", from %s%s; its HVA and HPA are unknown without the host (give --pid or --sysroot)",
				   q->host_bdf, q->bar, q->gpa, q->gpa + q->size - 1,
				   q->guest_bdf ? ", guest " : "", q->guest_bdf ? q->guest_bdf : "",
				   q->qdev_id ? " " : "", q->qdev_id ? q->qdev_id : "",
				   c->addr - q->gpa, q->source, q->no_mmap == IM_TRI_YES ?
				   "; QEMU runs the device with x-no-mmap=true: the BAR is not mmapped, so no memslot maps it and each access traps to QEMU" : "");
		if (!add(c, "gpa", text))
			continue;
		jw_knull(c->w, "memslot");
		jw_kstr(c->w, "source", q->source);
		jw_key(c->w, "guest_bar");
		jw_obj_begin(c->w);
		jw_kstr(c->w, "host_bdf", q->host_bdf);
		jw_kint(c->w, "bar", q->bar);
		jw_khex(c->w, "gpa", q->gpa);
		jw_khex(c->w, "size", q->size);
		jw_khex(c->w, "offset", c->addr - q->gpa);
		im_json_tri(c->w, "no_mmap", q->no_mmap);
		jw_obj_end(c->w);
		meaning(c, text);
	}
}

static void explain_gpa(struct ctx *c)
{
	const struct im_model *m = c->m;
	const struct im_memslot *s;
	struct jw *w = c->w;
	struct im_place p;
	char what[4300], sw[64], *text;

	im_place_gpa(m, -1, c->addr, &p);
	if (p.f_slot.state != IM_KNOWN) {
		if (m->paste)
			explain_gpa_pasted(c);
		if (p.f_hva.state != IM_KNOWN && p.f_dev.state == IM_KNOWN)
			explain_gpa_trap(c, &p);
		else
			explain_gpa_qemu(c, &p);
		return;
	}
	s = &m->memslots[p.slot];
	if (p.f_dev.state == IM_KNOWN) {
		snprintf(what, sizeof(what), "%s BAR %d offset 0x%" PRIx64 ", HPA 0x%" PRIx64,
			 m->devices[p.dev].bdf, p.bar, p.bar_offset, p.hpa);
	} else if (p.f_map.state == IM_KNOWN) {
		char bk[4200];

		snprintf(what, sizeof(what), "%s", im_map_backing(m, &p, bk, sizeof(bk)));
		if (!strcmp(what, "[anon]"))
			snprintf(what, sizeof(what), "guest RAM (anonymous memory)");
	} else {
		snprintf(what, sizeof(what), "%s", !m->paste ? "an HVA with no mapping in this capture" :
			 m->nmaps ? "an HVA in no pasted mapping (the paste may hold only part of the maps)" :
			 "an HVA whose mapping is unknown (no maps pasted: --maps)");
	}
	slot_words(m, &p, sw, sizeof(sw));
	text = im_asprintf("guest-physical: %s maps it to HVA 0x%" PRIx64 ", which is %s",
			   sw, p.hva, what);
	if (!add(c, "gpa", text))
		return;
	jw_key(w, "memslot");
	jw_obj_begin(w);
	im_json_memslot_fields(w, s);
	jw_obj_end(w);
	jw_khex(w, "hva", p.hva);
	meaning(c, text);
}

/* the address in a DMA map the trace says failed: the device's DMA there
 * reaches nothing (the IOMMU faults it) */
static void explain_iova_failed(struct ctx *c)
{
	const struct im_dma_fail *d = failed_map(c->m, c->addr, false);
	char host[48] = "no HVA: a dmabuf's", err[64], bar[160], *text;

	if (!d)
		return;
	if (d->have_hva)
		snprintf(host, sizeof(host), "HVA 0x%" PRIx64, d->hva + (c->addr - d->iova));
	dma_fail_words(d, err, bar);
	text = im_asprintf("a DMA address (IOVA; the GPA without a vIOMMU) in a DMA map that failed: QEMU could not map IOVA 0x%" PRIx64 "-0x%" PRIx64 " (the trace's line %u, %s) to %s, so the IOMMU does not map a passed-through device's DMA there%s",
			   d->iova, d->iova + d->size - 1, d->line, err, host, bar);
	if (add(c, "iova", text)) {
		dma_fail_json(c->w, d);
		meaning(c, text);
	}
}

/* as a device's DMA address: a vfio DMA map from a trace takes it to an HVA */
static void explain_iova(struct ctx *c)
{
	const struct im_model *m = c->m;
	const struct im_dma_map *d;
	struct im_place p;
	char bk[4200], unk[300], *text;
	const char *what, *backing;

	im_place_iova(m, c->addr, &p);
	if (p.f_dma.state != IM_KNOWN) {
		explain_iova_failed(c);
		return;
	}
	d = &m->dma[p.dma];
	what = backing = im_map_backing(m, &p, bk, sizeof(bk));
	if (!strcmp(what, "[anon]"))
		what = "guest RAM (anonymous memory)";
	snprintf(unk, sizeof(unk), "in a mapping not known here (%s)",
		 p.f_map.why ? p.f_map.why : "no maps");
	text = im_asprintf("a DMA address (IOVA; the GPA without a vIOMMU): QEMU's vfio DMA map of IOVA 0x%" PRIx64 "-0x%" PRIx64 " (the trace's line %u) takes a passed-through device's DMA there to HVA 0x%" PRIx64 ", which is %s%s%s",
			   d->iova, d->iova + d->size - 1, d->line, p.hva,
			   p.f_map.state == IM_KNOWN ? what :
			   p.f_map.state == IM_ABSENT ? "in no mapping of the target" : unk,
			   p.f_dev.state == IM_KNOWN ?
			   ": peer-to-peer, the IOMMU maps this BAR for device DMA" : "",
			   dma_readonly(d));
	if (add(c, "iova", text)) {
		dma_map_json(c->w, d);
		jw_khex(c->w, "hva", p.hva);
		jw_kstr(c->w, "backing", p.f_map.state == IM_KNOWN ? backing : NULL);
		meaning(c, text);
	}
}

/* one mtree reading's JSON fields: where it is, and the region */
static void mtree_json(struct ctx *c, const char *kind, const struct im_mtree_line *l,
		       const char *text)
{
	jw_kstr(c->w, "kind", kind);
	jw_kstr(c->w, "file", c->tfile);
	jw_kint(c->w, "line", (int)l->line);
	jw_kstr(c->w, "region", l->name);
	jw_kstr(c->w, "address_space", l->space);
	jw_khex(c->w, "start", l->start);
	jw_khex(c->w, "end", im_mtree_line_end(l));
	meaning(c, text);
}

/* text, and when the tree is another VM's, that it says nothing of the target */
static char *other_vm(struct ctx *c, char *text)
{
	char *t;

	if (!text || !c->t->other_vm)
		return text;
	t = im_asprintf("%s; but nothing in this tree agrees with the target: it is another VM's (or an earlier run's)", text);
	free(text);
	return t;
}

/* ", QEMU's name for BAR n of 0000:0a:00.0 (its mmap: no trap)" */
static void bar_words(const struct im_mtree_line *l, char *buf, size_t len)
{
	buf[0] = '\0';
	if (l->bar < 0 || !l->qemu_dev[0])
		return;
	snprintf(buf, len, ", QEMU's name for BAR %d of the vfio device %s%s", l->bar, l->qemu_dev,
		 l->bar_part == IM_BP_MMAP && l->type_wins ?
		 " (a part QEMU mmaps from the device fd, by its RAM type: the name lacks its mmaps[k], likely cut)" :
		 l->bar_part == IM_BP_MMAP ? " (a part QEMU mmaps from the device fd)" :
		 l->bar_part == IM_BP_REGION && l->type_wins ?
		 " (its region, by its i/o type, whatever the name says: an access traps to QEMU)" :
		 l->bar_part == IM_BP_REGION ? " (its region: where no mmap covers it, an access traps to QEMU)" : "");
}

/* "; KVM maps it ...": what -f's accelerator mark says of flat range l, per FlatView */
static void kvm_words(const struct im_mtree *t, const struct im_mtree_line *l, char *buf,
		      size_t len)
{
	char why[320];

	buf[0] = '\0';
	if (t->shape != IM_MT_HMP_FLAT)
		return;
	if (!strcmp(l->type, "i/o")) {
		snprintf(buf, len, "; an i/o region, so each access traps to QEMU (KVM maps only RAM-backed regions into the guest)");
	} else if (l->kvm) {
		snprintf(buf, len, "; KVM maps it (a memslot): the guest reaches it without a trap");
	} else if (l->view_kvm) {
		im_mtree_no_slot_why(t, l, why, sizeof(why));
		snprintf(buf, len, "; no KVM memslot matches the range exactly: QEMU marks other ranges of this FlatView \" KVM\", not this one (%s); an access outside a page-aligned slot traps to QEMU",
			 why);
	} else {
		snprintf(buf, len, "; whether KVM maps it is unknown: no range of its FlatView carries QEMU's KVM mark");
	}
}

/* text, and for a GPA in a BAR's mmap the one pasted vfio mapping may be,
 * the HVA it would then be (paste mode: a candidate, never a fact) */
static char *pasted_hva(struct ctx *c, const struct im_mtree_line *l, char *text)
{
	const struct im_map *mp;
	char *t;

	if (!text || im_mtree_pasted_mmaps(c->m, c->t, l, &mp) != 1)
		return text;
	t = im_asprintf("%s; if the pasted maps line %u (HVA 0x%" PRIx64 "-0x%" PRIx64 ", the one pasted vfio mapping of this region's size) is this mmap, it is HVA 0x%" PRIx64 ": whether it is, the pastes do not say (the --mtree view's note on line %u says what would tell)",
			text, mp->line, mp->start, mp->end - 1, mp->start + (c->addr - l->start), l->line);
	free(text);
	return t;
}

/*
 * Paste mode: addr in the one pasted vfio mapping that may be the mmap of a
 * BAR mmap region of the tree: that region, and the GPA addr would then be.
 */
static void explain_pasted_mmap(struct ctx *c)
{
	const struct im_map *mp;
	char bw[256], *text;
	size_t i;

	for (i = 0; c->t && i < c->t->nlines; i++) {
		const struct im_mtree_line *l = &c->t->lines[i];

		if (im_mtree_pasted_mmaps(c->m, c->t, l, &mp) != 1 || c->addr < mp->start ||
		    c->addr >= mp->end)
			continue;
		bar_words(l, bw, sizeof(bw));
		text = im_asprintf("the pasted maps line %u holding it may be the mmap of \"%s\"%s (%s:%u: GPA 0x%" PRIx64 "-0x%" PRIx64 "), the one pasted vfio mapping of that region's size; if it is, this HVA is GPA 0x%" PRIx64 ". Whether it is, the pastes do not say (the --mtree view's note on line %u says what would tell)",
				   mp->line, l->name ? l->name : "?", bw, c->tfile, l->line, l->start,
				   im_mtree_line_end(l), l->start + (c->addr - mp->start), l->line);
		if (add(c, "mtree", text))
			mtree_json(c, "pasted-mmap", l, text);
	}
}

/*
 * With a memory tree: the "(@ 0x...)" gdb's `qemu mtree` prints (the seed
 * thread's mistake: it is a MemoryRegion struct's address, not the BAR's
 * HVA), and the innermost region of the guest's memory that holds addr.
 */
static void explain_mtree(struct ctx *c)
{
	const struct im_mtree_line *in = NULL;
	char bw[256], kw[512], *text;
	size_t i;

	for (i = 0; c->t && i < c->t->nlines; i++) {
		const struct im_mtree_line *l = &c->t->lines[i];
		uint64_t end = im_mtree_line_end(l);

		if (l->have_ptr && l->ptr == c->addr) {
			bar_words(l, bw, sizeof(bw));
			text = im_asprintf("a MemoryRegion pointer: the \"(@ 0x%" PRIx64 ")\" gdb's `qemu mtree` prints on %s:%u is where the MemoryRegion struct of \"%s\"%s lives in QEMU's own memory (its heap, or a device's state), not an address of the region: not its HVA, GPA or HPA. The region is 0x%" PRIx64 "-0x%" PRIx64 " in %s%s",
					   l->ptr, c->tfile, l->line, l->name ? l->name : "?", bw,
					   l->start, end, l->space ? l->space : "its address space",
					   l->kind == IM_MTL_ALIAS ? " (this line names an alias)" : "");
			text = other_vm(c, text);
			if (add(c, "mtree", text))
				mtree_json(c, "pointer", l, text);
		}
		if (l->kind == IM_MTL_RANGE && l->as_id == 0 && !l->end_big &&
		    l->start <= c->addr && c->addr <= end && (!in || l->depth >= in->depth))
			in = l;
	}
	if (!in)
		return;
	kvm_words(c->t, in, kw, sizeof(kw));
	bar_words(in, bw, sizeof(bw));
	/* a flat range starts @offset into its region; only -f says KVM, and only where KVM maps */
	text = im_asprintf("a GPA inside \"%s\"%s (%s:%u: 0x%" PRIx64 "-0x%" PRIx64 "%s%s%s%s), at offset 0x%" PRIx64 " in it%s%s%s",
			   in->name ? in->name : "?", bw, c->tfile, in->line, in->start,
			   im_mtree_line_end(in), in->type[0] ? ", " : "",
			   in->type, in->klass[0] ? ", gdb says " : "", in->klass,
			   (in->have_offset ? in->offset : 0) + (c->addr - in->start),
			   in->alias && in->alias_target ? "; an alias of " : "",
			   in->alias && in->alias_target ? in->alias_target : "",
			   kw);
	text = pasted_hva(c, in, text);
	text = other_vm(c, text);
	if (add(c, "mtree", text))
		mtree_json(c, "range", in, text);
}

/* "; the target has not mmapped this part": and whether (t), and why, a guest access there traps */
static void hpa_unmapped(const struct im_bar *bar, const struct im_trap *t, char *tail, size_t len)
{
	if (t)
		snprintf(tail, len, "; the target has not mmapped this part of the BAR: a guest access traps to QEMU (%s), which reaches the device through the vfio fd; the trapped part is BAR offsets 0x%" PRIx64 "-0x%" PRIx64,
			 im_trap_why_words(t->why), t->off, t->off + t->size - 1);
	else
		snprintf(tail, len, "; the target has not mmapped this part of the BAR, so a guest access there would trap to QEMU (why is %s)",
			 bar->traps_why ? bar->traps_why : "not known");
}

static void explain_hpa(struct ctx *c)
{
	const struct im_model *m = c->m;
	size_t i;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_bar *bar = &m->devices[i].bars[b];
			uint64_t off = c->addr - bar->hpa, hva = 0, gpa = 0;
			const struct im_trap *t;
			struct im_place p;
			bool h, sl = false;
			char *text, tail[400] = "";

			if (bar->kind == IM_BAR_NONE || bar->kind == IM_BAR_IO ||
			    c->addr < bar->hpa || off >= bar->size)
				continue;
			h = im_bar_off_hva(bar, off, 1, &hva);
			if (h) {
				im_place_hva(m, hva, &p);
				sl = p.f_slot.state == IM_KNOWN;
				gpa = p.gpa;
			}
			if (h && sl)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 " and the guest sees it at GPA 0x%" PRIx64,
					 hva, gpa);
			else if (h && m->kvm_vm == IM_TRI_NO)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 " and, with no KVM (TCG), reaches it from there", hva);
			else if (h && m->kvm_vm == IM_TRI_UNKNOWN && !m->memslots_known)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 "; whether KVM maps it is unknown (fds not read)",
					 hva);
			else if (h)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 ", in no memslot", hva);
			/* unmapped in a held device: its trap, for the text and the JSON */
			t = !h && m->devices[i].held && bar->traps_known ? im_bar_trap_at(bar, off) : NULL;
			if (!h && m->devices[i].held)
				hpa_unmapped(bar, t, tail, sizeof(tail));
			text = im_asprintf("host-physical: %s BAR %d offset 0x%" PRIx64 " (%s)%s",
					   m->devices[i].bdf, b, off,
					   m->devices[i].driver ? m->devices[i].driver : "no driver",
					   tail);
			if (!add(c, "hpa", text))
				continue;
			jw_kstr(c->w, "device", m->devices[i].bdf);
			jw_kint(c->w, "bar", b);
			jw_khex(c->w, "bar_offset", off);
			jw_khex_or_null(c->w, "hva", h, hva);
			jw_khex_or_null(c->w, "gpa", sl, gpa);
			if (!h && m->devices[i].held)
				trap_fields(c, t, t ? NULL : bar->traps_why ? bar->traps_why : "not known");
			meaning(c, text);
		}
}

int im_explain(FILE *f, const struct im_model *m, uint64_t addr, bool json)
{
	return im_explain_mtree(f, m, NULL, NULL, addr, json);
}

int im_explain_mtree(FILE *f, const struct im_model *m, const struct im_mtree *t,
		     const char *tfile, uint64_t addr, bool json)
{
	struct ctx c = { .m = m, .t = t, .tfile = tfile, .addr = addr };
	struct jw w;
	int i, r = 0;

	if (json) {
		im_json_begin(&w, f);
		jw_khex(&w, "address", addr);
		jw_key(&w, "readings");
		jw_arr_begin(&w);
		c.w = &w;
	}
	explain_hva(&c);
	explain_gpa(&c);
	explain_iova(&c);
	explain_hpa(&c);
	explain_mtree(&c);
	explain_pasted_mmap(&c);
	if (json) {
		jw_arr_end(&w);
		im_json_sources(&w, m);	/* what a "no" or "unknown" above rests on */
		jw_obj_end(&w);
		for (i = 0; i < c.n; i++)
			free(c.r[i].text);
		return jw_finish(&w);
	}
	fprintf(f, "0x%" PRIx64 "\n", addr);
	for (i = 0; i < c.n; i++) {
		/* the reading names files and devices of the input: escaped */
		fprintf(f, "  %s: ", !strncmp(c.r[i].space, "hva", 3) ? "as an HVA" :
			!strcmp(c.r[i].space, "gpa") ? "as a GPA" :
			!strcmp(c.r[i].space, "iova") ? "as an IOVA" :
			!strcmp(c.r[i].space, "mtree") ? "in the memory tree" : "as an HPA");
		im_term_fputs(f, c.r[i].text);
		fputc('\n', f);
		free(c.r[i].text);
	}
	if (!c.n && m->paste)
		fprintf(f, "  no reading from the pastes: %s%s; %s; as an HPA unknown (no host: give --pid or --sysroot)\n",
			m->nmaps ? "in none of the pasted mappings (a paste is not the whole maps: as an HVA unknown)" :
			"as an HVA unknown (no maps pasted: --maps)",
			m->dma_source ? ", and in no vfio DMA map of the trace" : "",
			m->memslots_known ? "not a GPA of any pasted memslot" : "as a GPA unknown (no memslots pasted)");
	else if (!c.n)
		fprintf(f, "  no reading: not in any mapping of pid %d, not a GPA of any memslot, not in any host BAR\n",
			m->pid);
	else {
		bool sp[3] = { false, false, false }, dma = false;

		for (i = 0; i < c.n; i++)
			if (!strcmp(c.r[i].space, "hva-dma"))
				dma = true;
			else if (strcmp(c.r[i].space, "iova") && strcmp(c.r[i].space, "mtree"))
				sp[!strcmp(c.r[i].space, "hva") ? 0 :
				   !strcmp(c.r[i].space, "gpa") ? 1 : 2] = true;
		if (!sp[0] || !sp[1] || !sp[2])
			fprintf(f, "  not %s%s%s%s%s\n",
				!sp[0] ? (!m->paste ? "in any mapping of the target" :
					  m->nmaps ? "in any pasted mapping (a paste is not the whole maps: as an HVA unknown)" :
					  dma ? "checked against a mapping: no maps pasted" :
					  "checked as an HVA: no maps pasted") : "",
				!sp[0] && (!sp[1] || !sp[2]) ? "; not " : "",
				!sp[1] ? (m->memslots_known ? "a GPA of any memslot" :
					  m->kvm_vm == IM_TRI_NO ? "a GPA through KVM: the target has no KVM VM, so no memslots" :
					  "checked as a GPA: no memslots known") : "",
				!sp[1] && !sp[2] ? "; not " : "",
				!sp[2] ? (m->paste ? "checked as an HPA: no host (give --pid or --sysroot)" :
					  "in any host BAR") : "");
	}
	r = ferror(f) ? -EIO : 0;
	return r;
}
