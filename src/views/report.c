// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - the report view: one picture per BAR, HPA <-> HVA <-> GPA.
 * Text is for people and may change; --json (IM_SCHEMA) is the stable
 * contract of DESIGN.md.
 */
#include <errno.h>
#include <string.h>
#include "checks/mmio.h"
#include "checks/pagetables.h"
#include "iommu-map.h"

bool im_report_shown(const struct im_model *m, const struct im_device *d)
{
	if (m->filter_bdf)
		return !strcmp(d->bdf, m->filter_bdf);
	return d->held;
}

static const char *ident_word(enum im_ident id)
{
	switch (id) {
	case IM_ID_FDINFO: return "device named by fdinfo";
	case IM_ID_CDEV: return "device named by its vfio cdev";
	case IM_ID_HPA: return "offset is the HPA";
	case IM_ID_GUESS: return "device guessed by BAR index and size";
	case IM_ID_GROUP: return "device guessed by BAR index and size among the IOMMU groups QEMU holds";
	case IM_ID_QEMU: return "device named by QEMU: its BAR's HVA (QMP gpa2hva, a gdb export) is in this mapping";
	default: return "device unknown";
	}
}

static const char *hpa_check_name(enum im_hpa_check c)
{
	static const char *const n[] = { NULL, "verified", "partly-faulted", "not-faulted",
					 "mismatch", "not-pfnmap", "error" };

	return c <= IM_HPA_ERROR ? n[c] : "error";
}

static const char *hpa_check_word(enum im_hpa_check c)
{
	switch (c) {
	case IM_HPA_VERIFIED: return "verified";
	case IM_HPA_PARTLY: return "verified where faulted in";
	case IM_HPA_NOT_FAULTED: return "not faulted in yet";
	case IM_HPA_MISMATCH: return "MISMATCH";
	case IM_HPA_NOT_PFNMAP: return "not a pfnmap";
	default: return "walk failed";
	}
}

/* ---- text ---- */

/* "; leaves 1G x 2, 4K x 16": the present leaves, largest first */
static void text_leaves(FILE *f, const struct im_bar_mmap *mm)
{
	static const enum im_leaf order[] = { IM_LEAF_1G, IM_LEAF_2M, IM_LEAF_4K };
	const char *sep = "; leaves ";
	size_t i;

	if (!mm->hpa_leaves_known)
		return;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (mm->hpa_leaves[order[i]]) {
			fprintf(f, "%s%s x %" PRIu64, sep, im_leaf_name(order[i]),
				mm->hpa_leaves[order[i]]);
			sep = ", ";
		}
	if (mm->hpa_leaves[IM_LEAF_OTHER])
		fprintf(f, "%s%" PRIu64 " of another size", sep,
			mm->hpa_leaves[IM_LEAF_OTHER]);
}

/* the stretches of a BAR that trap to QEMU, for a device the target holds */
static void text_traps(FILE *f, const struct im_bar *b)
{
	size_t i;

	if (!b->traps_known || b->kind == IM_BAR_IO)
		return;
	for (i = 0; i < b->ntraps; i++)
		fprintf(f, "    TRAP  BAR+0x%" PRIx64 "-0x%" PRIx64 "  guest accesses exit to QEMU: %s\n",
			b->traps[i].off, b->traps[i].off + b->traps[i].size - 1,
			im_trap_why_words(b->traps[i].why));
	if (b->traps_why)
		fprintf(f, "    TRAP  %s%s\n", b->ntraps ? "maybe more: " : "?  ", IM_TERM(b->traps_why));
}

/* "faulted in 8K of 2G; page tables at least 4K": the walk's, or why not */
static void text_ptcost(FILE *f, const struct im_bar_mmap *mm)
{
	struct im_ptcost c;
	char a[32], b[32], p[32];

	im_pt_cost(mm, &c);
	fprintf(f, "          faulted in %s of %s; page tables ", im_human_size(c.faulted, a),
		im_human_size(mm->size, b));
	if (c.cost_known)
		fprintf(f, "%s (PTE/PMD/PUD pages %" PRIu64 "/%" PRIu64 "/%" PRIu64 ")\n",
			c.bytes ? im_human_size(c.bytes, p) : "0", c.pte, c.pmd, c.pud);
	else
		fprintf(f, "unknown (%s)\n", IM_TERM(c.why));
}

static void text_width(FILE *f, const char *name, const struct im_width *w, const char *sep)
{
	if (w->bits)
		fprintf(f, "%s %u bits (%s)%s", name, w->bits, IM_TERM(w->what ? w->what : "?"), sep);
	else
		fprintf(f, "%s unknown (%s)%s", name, IM_TERM(w->why ? w->why : "not read"), sep);
}

/* the widths a GPA must fit, and the target's page tables */
static void text_limits(FILE *f, const struct im_model *m)
{
	char hs[32];

	fputs("address widths: ", f);
	text_width(f, "host IOMMU", &m->iommu_width, "; ");
	text_width(f, "host CPU", &m->cpu_width, "; ");
	text_width(f, "guest", &m->guest_width, "\n");
	if (m->paste)
		return;
	if (m->vmpte_known)
		fprintf(f, "page tables: %s for the whole process (VmPTE)\n",
			m->vmpte ? im_human_size(m->vmpte, hs) : "0");
	else
		fprintf(f, "page tables: the process total is unknown (%s)\n",
			IM_TERM(m->vmpte_why ? m->vmpte_why : "proc/PID/status not read"));
}

static void text_bar(FILE *f, const struct im_model *m, const struct im_device *d,
		     const struct im_bar *b)
{
	char hs[32];
	size_t i;

	fprintf(f, "  BAR %d  %s%s, %s\n", b->index, im_bar_kind_name(b->kind),
		b->kind == IM_BAR_IO ? "" : b->prefetch ? " prefetchable" : " non-prefetchable",
		im_human_size(b->size, hs));
	fprintf(f, "    HPA   0x%" PRIx64 "-0x%" PRIx64 "\n", b->hpa, b->hpa + b->size - 1);
	for (i = 0; i < b->nmmaps; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];

		fprintf(f, "    HVA   0x%" PRIx64 "-0x%" PRIx64 "  mmap of BAR+0x%" PRIx64
			", maps offset 0x%" PRIx64 " (%s)", mm->hva, mm->hva + mm->size - 1,
			mm->bar_offset, mm->maps_offset, ident_word(mm->ident));
		if (mm->fd >= 0)
			fprintf(f, ", fd %d", mm->fd);
		fputc('\n', f);
		if (mm->hpa_check != IM_HPA_UNCHECKED) {
			fprintf(f, "          HPA %s (%" PRIu64 "/%" PRIu64 " pages present at the BAR's HPA, by the kernel's page tables",
				hpa_check_word(mm->hpa_check), mm->hpa_present, mm->hpa_pages);
			text_leaves(f, mm);
			fputs(")\n", f);
			text_ptcost(f, mm);
		}
	}
	if (b->have_guest_gpa)
		fprintf(f, "    GPA   0x%" PRIx64 "-0x%" PRIx64 "  guest BAR\n", b->guest_gpa,
			b->guest_gpa + (b->guest_size ? b->guest_size : b->size) - 1);
	for (i = 0; i < b->nguest; i++) {
		const struct im_bar_guest *g = &b->guest[i];

		fprintf(f, "      0x%" PRIx64 "-0x%" PRIx64 " -> HVA 0x%" PRIx64, g->gpa,
			g->gpa + g->size - 1, g->hva);
		if (g->slot >= 0 && g->as_id == 1)
			fprintf(f, "  KVM slot %d (as_id 1, SMM)", g->slot);
		else if (g->slot >= 0 && g->as_id)	/* no source gives one: never say SMM */
			fprintf(f, "  KVM slot %d (as_id %d)", g->slot, g->as_id);
		else if (g->slot >= 0)
			fprintf(f, "  KVM slot %d", g->slot);
		else
			fprintf(f, "  no memslot: QEMU's own mapping (TCG)");
		fprintf(f, "  [%s]\n", IM_TERM(g->source));
	}
	text_traps(f, b);
	(void)m;
	(void)d;
}


/* ---- paste mode: what each pasted number is, with no host ---- */

/* a mapping the report explains in paste mode: vfio, or a shared device
 * mapping whose path the paste does not give (pmap -X without Mapping) */
static bool paste_shown(const struct im_map *mp)
{
	return mp->vfio || (mp->unnamed && mp->perms[3] == 's' && mp->dev_major == 0 && mp->inode);
}

/* the offset's reading on 6.10+ (index << 40 | offset), if it has one */
static bool region_reading(uint64_t off, unsigned int *index, uint64_t *in)
{
	*index = (unsigned int)(off >> IM_REGION_SHIFT);
	*in = off & IM_REGION_MASK;
	return *index < 9;	/* BAR0-5, ROM, config, VGA */
}

static const char *region_word(unsigned int index)
{
	static const char *const w[] = { "BAR 0", "BAR 1", "BAR 2", "BAR 3", "BAR 4", "BAR 5",
					 "ROM", "config space", "VGA" };
	return index < 9 ? w[index] : "?";
}

/* memslots not read: "none" when the memslots source knows there are none
 * (no KVM), else "unknown"; and its words why */
static void text_no_memslots(FILE *f, const struct im_model *m)
{
	const struct im_source *src = im_find_source(m, "memslots");

	fprintf(f, "%s (%s)\n", src && src->status == IM_SRC_OK ? "none" : "unknown",
		IM_TERM(src && src->detail ? src->detail :
			m->memslots_why ? m->memslots_why : "no memslot source answered"));
}

static void text_paste_map(FILE *f, const struct im_model *m, const struct im_map *mp)
{
	unsigned int index;
	uint64_t in;
	struct im_place p;

	fprintf(f, "  HVA 0x%" PRIx64 "-0x%" PRIx64 " (0x%" PRIx64 " bytes, line %u) %s, maps offset 0x%" PRIx64 "\n",
		mp->start, mp->end - 1, mp->end - mp->start, mp->line,
		mp->unnamed ? "a shared mapping of an unnamed file (the paste has no path: vfio not known)" :
		IM_TERM(mp->path), mp->offset);
	if (mp->offset_lost) {
		fprintf(f, "    the offset is not one maps prints (under 8 digits, or not page-aligned): zeros lost on the way? the region, BAR and HPA are unknown\n");
	} else {
		if (region_reading(mp->offset, &index, &in))
			fprintf(f, "    Linux 6.10+: region %u (%s), at offset 0x%" PRIx64 " in it\n",
				index, region_word(index), in);
		else
			fprintf(f, "    Linux 6.10+: no reading (region index %u does not exist)\n", index);
		if (mp->offset)
			fprintf(f, "    before 6.10: HPA 0x%" PRIx64 " (the BAR's host address plus the mmap's offset in it)\n",
				mp->offset);
		else
			fprintf(f, "    before 6.10: no reading (0 is no BAR's host address), so the host runs 6.10+\n");
	}
	im_place_hva(m, mp->start, &p);
	if (p.f_slot.state == IM_KNOWN)
		fprintf(f, "    GPA 0x%" PRIx64 ": KVM slot %d (as_id %d) maps its first byte\n",
			p.gpa, m->memslots[p.slot].slot, p.as_id);
	else
		fprintf(f, "    GPA %s: %s\n", p.f_slot.state == IM_ABSENT ? "none" : "unknown",
			IM_TERM(p.f_slot.why ? p.f_slot.why : "no memslots"));
}

/* a guest BAR a pasted QEMU-side source names: its GPA range, guest address and id */
static void text_paste_qbar(FILE *f, const struct im_qemu_bar *q, bool first)
{
	char hs[32];

	fprintf(f, "%s  %s BAR %d: guest address 0x%" PRIx64, first ? "\nguest BARs the pastes name:\n" : "",
		IM_TERM(q->host_bdf), q->bar, q->gpa);
	if (q->size)
		fprintf(f, "-0x%" PRIx64 " (%s)", q->gpa + q->size - 1, im_human_size(q->size, hs));
	if (q->guest_bdf || q->qdev_id)
		fprintf(f, ", guest %s%s%s%s", IM_TERM(q->guest_bdf ? q->guest_bdf : "?"),
			q->qdev_id ? " (" : "", IM_TERM(q->qdev_id ? q->qdev_id : ""),
			q->qdev_id ? ")" : "");
	fprintf(f, " (from %s)%s\n", IM_TERM(q->source), q->no_mmap == IM_TRI_YES ?
		"; x-no-mmap=true: QEMU does not mmap it, so no memslot maps it and every guest "
		"access traps to QEMU" : "");
}

void im_report_paste_maps_text(FILE *f, const struct im_model *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nmaps; i++)
		if (paste_shown(&m->maps[i])) {
			if (!n++)
				fprintf(f, "\npasted vfio mappings:\n");
			text_paste_map(f, m, &m->maps[i]);
		}
}

static void text_paste(FILE *f, const struct im_model *m)
{
	size_t i;

	fprintf(f, "paste: no target and no host (give --pid or --sysroot for them): the HPA, the "
		"host's devices and the kernel's maps offset format are unknown\n");
	im_report_paste_maps_text(f, m);
	if (m->nmemslots) {
		fprintf(f, "\npasted memslots (GPA -> HVA):\n");
		for (i = 0; i < m->nmemslots; i++) {
			const struct im_memslot *ms = &m->memslots[i];

			fprintf(f, "  as_id %d slot %-3d GPA 0x%" PRIx64 "-0x%" PRIx64 " -> HVA 0x%" PRIx64 "%s\n",
				ms->as_id, ms->slot, ms->gpa, ms->gpa + ms->size - 1, ms->hva,
				ms->as_id == 1 ? " (SMM)" : "");
		}
	}
	for (i = 0; i < m->nqbars; i++)
		text_paste_qbar(f, &m->qbars[i], !i);
}

/* the vfio DMA maps a trace showed: IOVA -> HVA, and what the HVA is */
static void text_dma(FILE *f, const struct im_model *m)
{
	char bk[4200];
	size_t i;

	if (!m->dma_source)
		return;
	fprintf(f, "\nvfio DMA maps (IOVA -> HVA, from the %s): %zu\n", IM_TERM(m->dma_source), m->ndma);
	for (i = 0; i < m->ndma; i++) {
		const struct im_dma_map *d = &m->dma[i];
		struct im_place p;

		im_place_hva_map(m, d->hva, &p);	/* the backing only */
		fprintf(f, "  IOVA 0x%" PRIx64 "-0x%" PRIx64 " -> HVA 0x%" PRIx64 "%s  %s  [line %u]\n",
			d->iova, d->iova + d->size - 1, d->hva,
			d->readonly == IM_TRI_YES ? " read-only" : d->readonly == IM_TRI_NO ? " read-write" : "",
			p.f_map.state == IM_KNOWN ? IM_TERM(im_map_backing(m, &p, bk, sizeof(bk))) :
			p.f_map.state == IM_ABSENT ? "in no mapping" : "mapping unknown", d->line);
	}
}

/* the vfio region mmaps a trace showed: region offsets, and their HVA when known */
static void text_rmmaps(FILE *f, const struct im_model *m)
{
	char hs[32];
	size_t i;

	if (!m->rmmap_source)
		return;
	fprintf(f, "\nvfio region mmaps (offsets QEMU mmapped from the device fd, from the %s): %zu\n",
		IM_TERM(m->rmmap_source), m->nrmmaps);
	for (i = 0; i < m->nrmmaps; i++) {
		const struct im_region_mmap *r = &m->rmmaps[i];

		fprintf(f, "  %s: %s 0x%" PRIx64 "-0x%" PRIx64 " (%s)", IM_TERM(r->name),
			r->bar >= 0 ? "BAR offsets" : "region offsets", r->off, r->off + r->size - 1,
			im_human_size(r->size, hs));
		if (r->have_hva)
			fprintf(f, " -> HVA 0x%" PRIx64 "-0x%" PRIx64 " (host %s BAR %d, the target's maps)",
				r->hva, r->hva + r->size - 1, IM_TERM(m->devices[r->mdev].bdf), r->bar);
		else
			fprintf(f, "; HVA unknown (%s)", IM_TERM(r->hva_why ? r->hva_why : "not known"));
		fprintf(f, "  [line %u]\n", r->line);
	}
}

int im_report_text(FILE *f, const struct im_model *m)
{
	size_t i, nshown = 0;
	int b;

	if (m->paste) {
		text_paste(f, m);
	} else {
		fprintf(f, "target: pid %d (%s), kernel %s, root %s\n", m->pid,
			IM_TERM(m->comm ? m->comm : "?"), IM_TERM(m->kernel ? m->kernel : "unknown"),
			IM_TERM(m->sysroot));
		fprintf(f, "maps offset: %s (%s)\n", im_offset_mode_name(m->offset_mode),
			IM_TERM(m->offset_why ? m->offset_why : ""));
	}
	text_limits(f, m);
	im_mmio_text(f, m);
	for (i = 0; i < m->ndevices; i++) {
		const struct im_device *d = &m->devices[i];

		if (!im_report_shown(m, d))
			continue;
		nshown++;
		fprintf(f, "\n%s %s [%04x:%04x]\n", IM_TERM(d->bdf), IM_TERM(d->name ? d->name : "Device"),
			d->vendor_id, d->device_id);
		fprintf(f, "  driver %s, IOMMU group %s", IM_TERM(d->driver ? d->driver : "none"),
			IM_TERM(d->iommu_group ? d->iommu_group : "none"));
		if (d->guest_bdf || d->qdev_id)
			fprintf(f, "; guest %s%s%s%s", IM_TERM(d->guest_bdf ? d->guest_bdf : "?"),
				d->qdev_id ? " (" : "", IM_TERM(d->qdev_id ? d->qdev_id : ""),
				d->qdev_id ? ")" : "");
		fputc('\n', f);
		for (b = 0; b < IM_NBARS; b++)
			if (d->bars[b].kind != IM_BAR_NONE)
				text_bar(f, m, d, &d->bars[b]);
	}
	if (!nshown && !m->paste)
		fprintf(f, "\nno passed-through device found%s%s\n",
			m->filter_bdf ? " matching " : "", IM_TERM(m->filter_bdf ? m->filter_bdf : ""));
	fprintf(f, "\nmemslots: ");
	if (!m->memslots_known)
		text_no_memslots(f, m);
	else
		fprintf(f, "%zu from %s\n", m->nmemslots, IM_TERM(m->memslot_source));
	text_dma(f, m);
	text_rmmaps(f, m);
	fprintf(f, "\nsources:\n");
	for (i = 0; i < m->nsources; i++)
		fprintf(f, "  %-12s %-12s %s\n", IM_TERM(m->sources[i].name),
			im_src_status_name(m->sources[i].status),
			IM_TERM(m->sources[i].detail ? m->sources[i].detail : ""));
	fprintf(f, "\nfindings:%s\n", m->nfindings ? "" : " none");
	for (i = 0; i < m->nfindings; i++)
		fprintf(f, "  %-7s %s: %s [%s]\n", im_severity_name(m->findings[i].severity),
			IM_TERM(m->findings[i].subject), IM_TERM(m->findings[i].message),
			m->findings[i].code);
	return ferror(f) ? -EIO : 0;
}

/* ---- json ---- */

/* paste mode: each pasted vfio mapping, its two offset readings, its GPA */
void im_report_paste_maps_json(struct jw *w, const struct im_model *m)
{
	size_t i;

	jw_key(w, "pasted_mappings");
	jw_arr_begin(w);
	for (i = 0; i < m->nmaps; i++) {
		const struct im_map *mp = &m->maps[i];
		unsigned int index = 0;
		uint64_t in = 0;
		struct im_place p;
		bool rr;

		if (!paste_shown(mp))
			continue;
		rr = !mp->offset_lost && region_reading(mp->offset, &index, &in);
		im_place_hva(m, mp->start, &p);
		jw_obj_begin(w);
		jw_khex(w, "hva", mp->start);
		jw_khex(w, "size", mp->end - mp->start);
		jw_kint(w, "line", mp->line);
		jw_kstr(w, "path", mp->unnamed ? NULL : mp->path);
		jw_khex(w, "maps_offset", mp->offset);
		jw_kint_or_null(w, "region_if_6_10", rr, index);
		jw_khex_or_null(w, "region_offset_if_6_10", rr, in);
		jw_khex_or_null(w, "hpa_if_before_6_10", mp->offset && !mp->offset_lost, mp->offset);
		jw_khex_or_null(w, "gpa", p.f_slot.state == IM_KNOWN, p.gpa);
		jw_kstr(w, "gpa_unknown", p.f_slot.state == IM_KNOWN ? NULL :
			p.f_slot.why ? p.f_slot.why : "no memslots");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* paste mode: the guest BARs the pasted QEMU-side sources name (HPA, HVA: no host) */
static void json_paste_qbars(struct jw *w, const struct im_model *m)
{
	size_t i;

	jw_key(w, "pasted_guest_bars");
	jw_arr_begin(w);
	for (i = 0; i < m->nqbars; i++) {
		const struct im_qemu_bar *q = &m->qbars[i];

		jw_obj_begin(w);
		jw_kstr(w, "host_bdf", q->host_bdf);
		jw_kint(w, "bar", q->bar);
		jw_khex(w, "gpa", q->gpa);
		jw_khex_or_null(w, "size", q->size, q->size);
		jw_kstr(w, "guest_bdf", q->guest_bdf);
		jw_kstr(w, "qdev_id", q->qdev_id);
		jw_kstr(w, "source", q->source);
		im_json_tri(w, "no_mmap", q->no_mmap);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* "trapped": the stretches that trap to QEMU (null: not worked out), and why not known */
static void json_traps(struct jw *w, const struct im_bar *b)
{
	size_t i;

	jw_key(w, "trapped");
	if (!b->traps_known) {
		jw_null(w);
	} else {
		jw_arr_begin(w);
		for (i = 0; i < b->ntraps; i++) {
			const struct im_trap *t = &b->traps[i];
			uint64_t hva;
			bool h = im_bar_off_hva(b, t->off, t->size, &hva);

			jw_obj_begin(w);
			jw_khex(w, "bar_offset", t->off);
			jw_khex(w, "size", t->size);
			jw_kstr(w, "why", im_trap_why_name(t->why));
			jw_khex(w, "hpa", b->hpa + t->off);
			jw_khex_or_null(w, "hva", h, hva);
			jw_khex_or_null(w, "gpa", b->have_guest_gpa, b->guest_gpa + t->off);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_kstr(w, "trapped_unknown", b->traps_why);
}

/* faulted_bytes, page_table_bytes (null: unknown) and page_table_unknown */
static void json_ptcost(struct jw *w, const struct im_bar_mmap *mm)
{
	struct im_ptcost c;

	im_pt_cost(mm, &c);
	jw_khex_or_null(w, "faulted_bytes", c.faulted_known, c.faulted);
	jw_khex_or_null(w, "page_table_bytes", c.cost_known, c.bytes);
	jw_kstr(w, "page_table_unknown", c.cost_known ? NULL : c.why);
}

static void json_width(struct jw *w, const char *key, const struct im_width *wd)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kint_or_null(w, "bits", wd->bits, (int)wd->bits);
	jw_kstr(w, "from", wd->bits ? wd->what : NULL);
	jw_kstr(w, "unknown", wd->bits ? NULL : wd->why);
	jw_obj_end(w);
}

/* "address_widths" and the target's "vmpte_bytes" */
static void json_limits(struct jw *w, const struct im_model *m)
{
	jw_key(w, "address_widths");
	jw_obj_begin(w);
	json_width(w, "host_iommu", &m->iommu_width);
	json_width(w, "host_cpu", &m->cpu_width);
	json_width(w, "guest", &m->guest_width);
	jw_obj_end(w);
}

static void json_bar(struct jw *w, const struct im_bar *b)
{
	size_t i;

	jw_obj_begin(w);
	jw_kint(w, "index", b->index);
	jw_kstr(w, "kind", im_bar_kind_name(b->kind));
	jw_kbool(w, "prefetchable", b->prefetch);
	jw_khex(w, "hpa", b->hpa);
	jw_khex(w, "size", b->size);
	jw_khex_or_null(w, "guest_gpa", b->have_guest_gpa, b->guest_gpa);
	jw_key(w, "mmaps");
	jw_arr_begin(w);
	for (i = 0; i < b->nmmaps; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];
		bool checked = mm->hpa_check != IM_HPA_UNCHECKED;

		jw_obj_begin(w);
		jw_khex(w, "hva", mm->hva);
		jw_khex(w, "size", mm->size);
		jw_khex(w, "bar_offset", mm->bar_offset);
		jw_khex(w, "maps_offset", mm->maps_offset);
		jw_kint_or_null(w, "fd", mm->fd >= 0, mm->fd);
		jw_kstr(w, "hpa_check", checked ? hpa_check_name(mm->hpa_check) : NULL);
		jw_khex_or_null(w, "hpa_present_pages", checked, mm->hpa_present);
		/* the kernel's leaf sizes, when the walk said (null: unknown) */
		jw_key(w, "hpa_leaves");
		if (checked && mm->hpa_leaves_known) {
			int k;

			jw_obj_begin(w);
			for (k = 0; k < IM_NLEAF; k++)
				jw_khex(w, im_leaf_name((enum im_leaf)k), mm->hpa_leaves[k]);
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		json_ptcost(w, mm);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "guest");
	jw_arr_begin(w);
	for (i = 0; i < b->nguest; i++) {
		const struct im_bar_guest *g = &b->guest[i];

		jw_obj_begin(w);
		jw_khex(w, "gpa", g->gpa);
		jw_khex(w, "size", g->size);
		jw_khex(w, "hva", g->hva);
		jw_kint_or_null(w, "slot", g->slot >= 0, g->slot);
		jw_kint_or_null(w, "as_id", g->as_id >= 0, g->as_id);
		jw_kstr(w, "source", g->source);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	json_traps(w, b);
	jw_obj_end(w);
}

static void json_device(struct jw *w, const struct im_device *d)
{
	char buf[16];
	int b;

	jw_obj_begin(w);
	jw_kstr(w, "bdf", d->bdf);
	snprintf(buf, sizeof(buf), "0x%04x", d->vendor_id);
	jw_kstr(w, "vendor_id", buf);
	snprintf(buf, sizeof(buf), "0x%04x", d->device_id);
	jw_kstr(w, "device_id", buf);
	jw_kstr(w, "name", d->name);
	jw_kstr(w, "driver", d->driver);
	jw_kstr(w, "iommu_group", d->iommu_group);
	jw_key(w, "guest");
	if (d->guest_bdf || d->qdev_id) {
		jw_obj_begin(w);
		jw_kstr(w, "bdf", d->guest_bdf);
		jw_kstr(w, "qdev_id", d->qdev_id);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "bars");
	jw_arr_begin(w);
	for (b = 0; b < IM_NBARS; b++)
		if (d->bars[b].kind != IM_BAR_NONE)
			json_bar(w, &d->bars[b]);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_memslots(struct jw *w, const struct im_model *m)
{
	char buf[4200];
	size_t i;

	jw_key(w, "memslots");
	jw_arr_begin(w);
	for (i = 0; i < m->nmemslots; i++) {
		const struct im_memslot *s = &m->memslots[i];
		struct im_place p;

		im_place_hva_map(m, s->hva, &p);	/* the backing only */
		jw_obj_begin(w);
		im_json_memslot_fields(w, s);
		jw_khex(w, "flags", s->flags);
		jw_kstr(w, "backing", p.f_map.state != IM_KNOWN ? NULL :
			im_map_backing(m, &p, buf, sizeof(buf)));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* "dma_maps": the vfio DMA maps a trace showed, null when none was read */
static void json_dma(struct jw *w, const struct im_model *m)
{
	char bk[4200];
	size_t i;

	jw_key(w, "dma_maps");
	if (!m->dma_source) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (i = 0; i < m->ndma; i++) {
		const struct im_dma_map *d = &m->dma[i];
		struct im_place p;

		im_place_hva_map(m, d->hva, &p);	/* the backing only */
		jw_obj_begin(w);
		im_json_dma_fields(w, d);
		jw_kstr(w, "backing", p.f_map.state == IM_KNOWN ?
			im_map_backing(m, &p, bk, sizeof(bk)) : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* "region_mmaps": the vfio region mmaps a trace showed, null when none was read */
static void json_rmmaps(struct jw *w, const struct im_model *m)
{
	size_t i;

	jw_key(w, "region_mmaps");
	if (!m->rmmap_source) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (i = 0; i < m->nrmmaps; i++) {
		const struct im_region_mmap *r = &m->rmmaps[i];

		jw_obj_begin(w);
		jw_kstr(w, "name", r->name);
		jw_kstr(w, "device", r->dev[0] ? r->dev : NULL);
		jw_kstr(w, "host_bdf", r->mdev >= 0 ? m->devices[r->mdev].bdf : NULL);
		jw_kint_or_null(w, "bar", r->bar >= 0, r->bar);
		jw_kint_or_null(w, "mmap_index", r->index >= 0, r->index);
		jw_khex(w, "offset", r->off);
		jw_khex(w, "size", r->size);
		jw_khex_or_null(w, "hva", r->have_hva, r->hva);
		jw_kstr(w, "hva_unknown", r->have_hva ? NULL : r->hva_why);
		jw_kint(w, "line", (int)r->line);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

int im_report_json(FILE *f, const struct im_model *m)
{
	struct jw w;
	size_t i;

	im_json_begin(&w, f);
	jw_key(&w, "target");
	jw_obj_begin(&w);
	jw_kint_or_null(&w, "pid", m->pid >= 0, m->pid);
	jw_kstr(&w, "comm", m->comm);
	jw_kstr(&w, "sysroot", m->sysroot);
	jw_kstr(&w, "kernel", m->kernel);
	jw_kstr(&w, "maps_offset", im_offset_mode_name(m->offset_mode));
	if (m->paste)
		jw_kbool(&w, "paste", true);
	jw_khex_or_null(&w, "vmpte_bytes", m->vmpte_known, m->vmpte);
	jw_kstr(&w, "vmpte_unknown", m->vmpte_known || m->paste ? NULL : m->vmpte_why);
	jw_obj_end(&w);
	json_limits(&w, m);
	im_mmio_json(&w, m);
	if (m->paste) {
		im_report_paste_maps_json(&w, m);
		json_paste_qbars(&w, m);
	}

	im_json_sources(&w, m);

	jw_key(&w, "devices");
	jw_arr_begin(&w);
	for (i = 0; i < m->ndevices; i++)
		if (im_report_shown(m, &m->devices[i]))
			json_device(&w, &m->devices[i]);
	jw_arr_end(&w);

	json_memslots(&w, m);
	json_dma(&w, m);
	json_rmmaps(&w, m);

	jw_key(&w, "findings");
	jw_arr_begin(&w);
	for (i = 0; i < m->nfindings; i++) {
		const struct im_finding *fd = &m->findings[i];

		jw_obj_begin(&w);
		jw_kstr(&w, "severity", im_severity_name(fd->severity));
		jw_kstr(&w, "code", fd->code);
		jw_kstr(&w, "subject", fd->subject);
		jw_kstr(&w, "message", fd->message);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	return jw_finish(&w);
}
