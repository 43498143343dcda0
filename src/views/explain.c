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
#include "watch/elfsym.h"

struct reading {
	const char *space;
	char *text;
};

struct ctx {
	const struct im_model *m;
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

/* HVA of a BAR offset through its mmaps, or false */
static bool bar_hva(const struct im_bar *b, uint64_t off, uint64_t *hva)
{
	size_t i;

	for (i = 0; i < b->nmmaps; i++)
		if (off >= b->mmaps[i].bar_offset &&
		    off - b->mmaps[i].bar_offset < b->mmaps[i].size) {
			*hva = b->mmaps[i].hva + off - b->mmaps[i].bar_offset;
			return true;
		}
	return false;
}

/* GPA of an HVA through an as_id 0 memslot */
static long hva_slot(const struct im_model *m, uint64_t hva, uint64_t *gpa)
{
	size_t i;

	/* a linear scan: explain runs once, over at most 32k slots */
	for (i = 0; i < m->nmemslots; i++) {
		const struct im_memslot *s = &m->memslots[i];

		if (s->as_id == 0 && hva - s->hva < s->size) {
			*gpa = s->gpa + (hva - s->hva);
			return (long)i;
		}
	}
	return -1;
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
				uint64_t gpa;
				long sl = hva_slot(m, bar->mmaps[k].hva, &gpa);
				char g[40] = "no memslot";

				if (sl >= 0)
					snprintf(g, sizeof(g), "GPA 0x%" PRIx64, gpa);
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

static void explain_hva(struct ctx *c)
{
	const struct im_model *m = c->m;
	long mi = im_find_map(m, c->addr);
	const struct im_map *mp;
	struct jw *w = c->w;
	uint64_t off, gpa = 0;
	char *text = NULL;
	const char *kind;
	char sym[512] = "";
	long sl;
	bool j;

	if (mi < 0)
		return;
	mp = &m->maps[mi];
	off = c->addr - mp->start;
	sl = hva_slot(m, c->addr, &gpa);
	if (mp->vfio && mp->dev >= 0) {
		const struct im_device *d = &m->devices[mp->dev];
		const struct im_bar *b = &d->bars[mp->bar];
		uint64_t boff = mp->bar_offset + off;
		char g[64] = "no memslot maps it, so the guest cannot reach it through KVM";

		if (sl >= 0)
			snprintf(g, sizeof(g), "the guest sees it at GPA 0x%" PRIx64 " (KVM slot %d)",
				 gpa, m->memslots[sl].slot);
		kind = "vfio-bar";
		text = im_asprintf("QEMU's mmap of %s BAR %d, offset 0x%" PRIx64 " into the BAR: device memory at HPA 0x%" PRIx64 "; %s. Never read it through /proc/PID/mem.",
				   d->bdf, mp->bar, boff, b->hpa + boff, g);
		j = add(c, "hva", text);
		if (j) {
			jw_kstr(w, "device", d->bdf);
			jw_kint(w, "bar", mp->bar);
			jw_khex(w, "bar_offset", boff);
			jw_khex(w, "hpa", b->hpa + boff);
		}
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
		if (sl >= 0 && mp->perms[3] == 's')
			kind = "guest-ram";
		if (sl >= 0)
			text = im_asprintf("guest memory backed by %s at file offset 0x%" PRIx64 "; the guest sees it at GPA 0x%" PRIx64 " (KVM slot %d)",
					   mp->path, mp->offset + off, gpa, m->memslots[sl].slot);
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
		kind = sl >= 0 ? "guest-ram" : "anon";
		if (sl >= 0)
			text = im_asprintf("guest RAM (anonymous memory of QEMU); the guest sees it at GPA 0x%" PRIx64 " (KVM slot %d)",
					   gpa, m->memslots[sl].slot);
		else
			text = im_asprintf("anonymous memory of QEMU in no memslot: thread stacks, malloc arenas, or guest RAM when there is no KVM");
		j = add(c, "hva", text);
	}
	if (!j)
		return;
	jw_kstr(w, "kind", kind);
	jw_key(w, "mapping");
	jw_obj_begin(w);
	jw_khex(w, "start", mp->start);
	jw_khex(w, "end", mp->end);
	jw_kstr(w, "perms", mp->perms);
	jw_khex(w, "offset", mp->offset);
	jw_kstr(w, "path", mp->path);
	jw_obj_end(w);
	jw_khex_or_null(w, "gpa", sl >= 0, gpa);
	if (sym[0])
		jw_kstr(w, "symbol", sym);
	meaning(c, text);
}

/* Without memslots: the guest pieces QEMU itself told of (TCG). */
static void explain_gpa_qemu(struct ctx *c)
{
	const struct im_model *m = c->m;
	size_t i, k;
	int b;

	for (i = 0; i < m->ndevices; i++)
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_bar *bar = &m->devices[i].bars[b];

			for (k = 0; k < bar->nguest; k++) {
				const struct im_bar_guest *g = &bar->guest[k];
				uint64_t hva = g->hva + (c->addr - g->gpa), off = 0;
				size_t j;
				char *text;

				if (g->slot >= 0 || c->addr < g->gpa || c->addr - g->gpa >= g->size)
					continue;
				for (j = 0; j < bar->nmmaps; j++)
					if (hva - bar->mmaps[j].hva < bar->mmaps[j].size)
						off = bar->mmaps[j].bar_offset + (hva - bar->mmaps[j].hva);
				text = im_asprintf("guest-physical, with no KVM: QEMU (%s) maps it to HVA 0x%" PRIx64 ", which is %s BAR %d offset 0x%" PRIx64 ", HPA 0x%" PRIx64,
						   g->source, hva, m->devices[i].bdf, b, off, bar->hpa + off);
				if (add(c, "gpa", text)) {
					jw_knull(c->w, "memslot");
					jw_khex(c->w, "hva", hva);
					jw_kstr(c->w, "source", g->source);
					meaning(c, text);
				}
				return;
			}
		}
}

static void explain_gpa(struct ctx *c)
{
	const struct im_model *m = c->m;
	long sl = im_find_memslot_gpa(m, 0, c->addr);
	const struct im_memslot *s;
	struct jw *w = c->w;
	uint64_t hva;
	long mi;
	char what[4300], *text;

	if (sl < 0) {
		explain_gpa_qemu(c);
		return;
	}
	s = &m->memslots[sl];
	hva = s->hva + (c->addr - s->gpa);
	mi = im_find_map(m, hva);
	if (mi >= 0 && m->maps[mi].vfio && m->maps[mi].dev >= 0) {
		const struct im_map *mp = &m->maps[mi];
		const struct im_bar *b = &m->devices[mp->dev].bars[mp->bar];
		uint64_t boff = mp->bar_offset + (hva - mp->start);

		snprintf(what, sizeof(what), "%s BAR %d offset 0x%" PRIx64 ", HPA 0x%" PRIx64,
			 m->devices[mp->dev].bdf, mp->bar, boff, b->hpa + boff);
	} else if (mi >= 0) {
		char bk[4200];

		snprintf(what, sizeof(what), "%s",
			 im_map_backing(m, &m->maps[mi], bk, sizeof(bk)));
		if (!strcmp(what, "[anon]"))
			snprintf(what, sizeof(what), "guest RAM (anonymous memory)");
	} else {
		snprintf(what, sizeof(what), "an HVA with no mapping in this capture");
	}
	text = im_asprintf("guest-physical: KVM slot %d maps it to HVA 0x%" PRIx64 ", which is %s",
			   s->slot, hva, what);
	if (!add(c, "gpa", text))
		return;
	jw_key(w, "memslot");
	jw_obj_begin(w);
	jw_kint(w, "as_id", s->as_id);
	jw_kint(w, "slot", s->slot);
	jw_khex(w, "gpa", s->gpa);
	jw_khex(w, "size", s->size);
	jw_khex(w, "hva", s->hva);
	jw_obj_end(w);
	jw_khex(w, "hva", hva);
	meaning(c, text);
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
			bool h;
			long sl = -1;
			char *text, tail[128] = "";

			if (bar->kind == IM_BAR_NONE || bar->kind == IM_BAR_IO ||
			    c->addr < bar->hpa || off >= bar->size)
				continue;
			h = bar_hva(bar, off, &hva);
			if (h)
				sl = hva_slot(m, hva, &gpa);
			if (h && sl >= 0)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 " and the guest sees it at GPA 0x%" PRIx64,
					 hva, gpa);
			else if (h && m->kvm_vm == IM_TRI_NO)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 " and, with no KVM (TCG), reaches it from there", hva);
			else if (h && m->kvm_vm == IM_TRI_UNKNOWN && !m->memslots_known)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 "; whether KVM maps it is unknown (fds not read)",
					 hva);
			else if (h)
				snprintf(tail, sizeof(tail), "; QEMU maps it at HVA 0x%" PRIx64 ", in no memslot", hva);
			else if (m->devices[i].held)
				snprintf(tail, sizeof(tail), "; the target has not mmapped this part of the BAR");
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
			jw_khex_or_null(c->w, "gpa", sl >= 0, gpa);
			meaning(c, text);
		}
}

int im_explain(FILE *f, const struct im_model *m, uint64_t addr, bool json)
{
	struct ctx c = { .m = m, .addr = addr };
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
	explain_hpa(&c);
	if (json) {
		jw_arr_end(&w);
		jw_obj_end(&w);
		for (i = 0; i < c.n; i++)
			free(c.r[i].text);
		return jw_finish(&w);
	}
	fprintf(f, "0x%" PRIx64 "\n", addr);
	for (i = 0; i < c.n; i++) {
		fprintf(f, "  as %s: %s\n", !strcmp(c.r[i].space, "hva") ? "an HVA" :
			!strcmp(c.r[i].space, "gpa") ? "a GPA" : "an HPA",
			c.r[i].text ? c.r[i].text : "");
		free(c.r[i].text);
	}
	if (!c.n)
		fprintf(f, "  no reading: not in any mapping of pid %d, not a GPA of any memslot, not in any host BAR\n",
			m->pid);
	else {
		bool sp[3] = { false, false, false };

		for (i = 0; i < c.n; i++)
			sp[!strcmp(c.r[i].space, "hva") ? 0 : !strcmp(c.r[i].space, "gpa") ? 1 : 2] = true;
		if (!sp[0] || !sp[1] || !sp[2])
			fprintf(f, "  not %s%s%s%s%s\n",
				!sp[0] ? "in any mapping of the target" : "",
				!sp[0] && (!sp[1] || !sp[2]) ? "; not " : "",
				!sp[1] ? (m->memslots_known ? "a GPA of any memslot" :
					  m->kvm_vm == IM_TRI_NO ? "a GPA through KVM: the target has no KVM VM, so no memslots" :
					  "checked as a GPA: no memslots known") : "",
				!sp[1] && !sp[2] ? "; not " : "",
				!sp[2] ? "in any host BAR" : "");
	}
	r = ferror(f) ? -EIO : 0;
	return r;
}
