// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mtree-view.c - QEMU's memory-tree text, each line with what its numbers
 * are: the HVA behind a range (im_place_gpa), what a "(@ 0x...)" pointer
 * is, which host device a vfio region name is.  Reads the model and the
 * parsed text (sources/mtree.c); opens nothing.  im_mtree_notes() makes
 * the notes: findings of the model (findings.def, section MTREE), each
 * with its line; the view prints them under their lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"
#include "lib/paste.h"
#include "sources/mtree.h"

/* "maps line N (path)" and what the mapping is, for an HVA */
static char *describe_hva(const struct im_model *m, uint64_t hva)
{
	const struct im_map *mp;
	struct im_place p;

	im_place_hva(m, hva, &p);
	if (p.f_map.state != IM_KNOWN)
		return !m->nmaps ? NULL : m->paste ?
		       im_strdup("in none of the pasted mappings (a paste is not the whole maps: which mapping holds it is unknown)") :
		       im_strdup("no mapping of the target contains it");
	mp = &m->maps[p.map];
	if (p.f_dev.state == IM_KNOWN)
		return im_asprintf("maps line %u %s: QEMU's mmap of host %s BAR %d from the vfio device fd, HPA 0x%" PRIx64,
				   mp->line, mp->path, m->devices[p.dev].bdf, p.bar, p.hpa);
	return im_asprintf("maps line %u %s", mp->line, mp->path && *mp->path ? mp->path : "[anon]");
}

/* An HVA for the BAR mmap named by the line, from device d's mmaps. */
static bool bar_mmap_hva(const struct im_model *m, const struct im_mtree_line *l, int d,
			 uint64_t *hva)
{
	const struct im_bar *b;
	const struct im_bar_mmap *best = NULL;
	int k = 0;
	size_t i;

	if (l->bar_part == IM_BP_NONE || l->bar < 0 || l->bar >= IM_NBARS || d < 0 ||
	    (size_t)d >= m->ndevices)
		return false;
	b = &m->devices[d].bars[l->bar];
	/* a name cut before its mmaps[k]: only a BAR of one mmap says which */
	if (l->type_wins && l->bar_part == IM_BP_MMAP && b->nmmaps != 1)
		return false;
	/* mmaps[k]: the k-th mmap by offset in the BAR; a container: mmaps[0] */
	for (i = 0; i < b->nmmaps; i++) {
		int rank = 0;
		size_t j;

		for (j = 0; j < b->nmmaps; j++)
			if (b->mmaps[j].bar_offset < b->mmaps[i].bar_offset)
				rank++;
		if (rank == (l->mmap_index >= 0 ? l->mmap_index : 0)) {
			best = &b->mmaps[i];
			k++;
		}
	}
	if (!best || k != 1)
		return false;
	*hva = best->hva;
	return true;
}

/* RAM-backed: by the HMP type where the line has one (it beats the name), else
 * gdb's (RAM) or a BAR mmap's name */
static bool ram_backed(const struct im_mtree_line *l)
{
	if (l->type[0])
		return im_mtree_type_ram(l->type);
	if (l->klass[0] && !strcmp(l->klass, "RAM"))
		return true;
	return l->bar_part == IM_BP_MMAP || (l->name && strstr(l->name, " mmaps["));
}

/* What ties the vfio device a line names to a host device of the model. */
struct tie {
	int dev;			/* -1: nothing does */
	bool by_hva;			/* a memslot's HVA, not the name */
	char how[400];			/* the evidence, or why none; "": nothing to say */
};

struct seen {
	const char *file;		/* the text's name, for the notes' subject */
	char bdfs[16][16];
	size_t nbdfs;
	char names[16][64];		/* vfio device names other than a BDF */
	struct tie ties[16];		/* ... and what ties them */
	size_t nnames;
	bool io_label;
};

/*
 * A device named other than by its BDF, tied through the HVA a KVM memslot
 * gives one of its BAR ranges: a vfio mapping of a known device.
 */
static int hva_tie(const struct im_model *m, const struct im_mtree *t, const char *name,
		   char *how, size_t len)
{
	size_t i;

	if (!m->nmemslots || !m->nmaps)
		return -1;
	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		uint64_t end = im_mtree_line_end(l), a;
		const struct im_memslot *s;
		struct im_place p;
		long si;

		if (l->kind != IM_MTL_RANGE || l->as_id < 0 || l->bar_part == IM_BP_NONE ||
		    strcmp(l->qemu_dev, name) || (l->end_big && !l->size_artefact) || end < l->start)
			continue;
		si = im_find_memslot_range(m, l->as_id, l->start, end);
		if (si < 0)
			continue;
		s = &m->memslots[si];
		a = l->start > s->gpa ? l->start : s->gpa;
		im_place_gpa(m, l->as_id, a, &p);
		if (p.f_dev.state != IM_KNOWN)
			continue;
		snprintf(how, len, "its HVA: KVM memslot as %d slot %d puts GPA 0x%" PRIx64 " (line %u) at HVA 0x%" PRIx64 ", in maps line %u, QEMU's mmap of BAR %d of that device",
			 s->as_id, s->slot, a, l->line, p.hva, m->maps[p.map].line, p.bar);
		return p.dev;
	}
	return -1;
}

/* with_hva: also look for an HVA tie, which reads every line of the text */
static void find_tie(const struct im_model *m, const struct im_mtree *t,
		     const struct im_mtree_line *l, struct tie *tie, bool with_hva)
{
	char hv[sizeof(tie->how)];
	int d;

	tie->dev = -1;
	tie->by_hva = false;
	tie->how[0] = 0;
	if (!l->qemu_dev[0])
		return;
	tie->dev = im_vfio_name_device(m, l->qemu_dev, tie->how, sizeof(tie->how));
	if (tie->dev >= 0 || l->dev_kind == IM_VN_BDF || !with_hva)
		return;
	d = hva_tie(m, t, l->qemu_dev, hv, sizeof(hv));
	if (d < 0)
		return;
	if (tie->how[0]) {
		char both[2 * sizeof(tie->how) + 2];
		size_t n;

		snprintf(both, sizeof(both), "%s; %s", hv, tie->how);
		n = strlen(both);
		if (n >= sizeof(tie->how))
			n = sizeof(tie->how) - 1;
		memcpy(tie->how, both, n);
		tie->how[n] = 0;
	} else {
		memcpy(tie->how, hv, sizeof(hv));
	}
	tie->dev = d;
	tie->by_hva = true;
}

/*
 * The tie of the line's device, worked out once per name.  16 names are
 * kept; past them, no HVA tie (it would read the whole text for each line).
 */
static void line_tie(const struct im_model *m, const struct im_mtree *t,
		     const struct im_mtree_line *l, struct seen *seen, struct tie *tie,
		     bool *first)
{
	size_t i;

	*first = false;
	if (l->kind != IM_MTL_RANGE || !l->qemu_dev[0] || l->dev_kind == IM_VN_BDF) {
		find_tie(m, t, l, tie, false);
		return;
	}
	for (i = 0; i < seen->nnames; i++)
		if (!strcmp(seen->names[i], l->qemu_dev)) {
			*tie = seen->ties[i];
			return;
		}
	*first = true;
	find_tie(m, t, l, tie, seen->nnames < 16);
	if (seen->nnames < 16) {
		snprintf(seen->names[seen->nnames], sizeof(seen->names[0]), "%s", l->qemu_dev);
		seen->ties[seen->nnames++] = *tie;
	}
}

/* what a vfio device name other than a BDF is, and what ties it to a host device */
static int name_note(struct im_model *m, const struct im_mtree_line *l, const struct tie *tie,
		     const char *subj)
{
	const char *g = tie->dev >= 0 ? m->devices[tie->dev].guest_bdf : NULL;
	char ties[600];
	int fd;

	if (tie->dev >= 0)
		snprintf(ties, sizeof(ties), "it is host %s, by %s%s%s", m->devices[tie->dev].bdf,
			 tie->how, g ? "; the guest sees it as " : "", g ? g : "");
	else
		snprintf(ties, sizeof(ties), "the host device is known here only by this QEMU name%s%s%s",
			 tie->how[0] ? " (" : "", tie->how, tie->how[0] ? ")" : "");
	switch (l->dev_kind) {
	case IM_VN_FD:
		im_vfio_name_kind(l->qemu_dev, &fd);
		return IM_FINDING_AT(m, IM_F_QEMU_NAME_FD, subj, l->line, l->qemu_dev, fd, ties);
	case IM_VN_ID:
		return IM_FINDING_AT(m, IM_F_QEMU_NAME_ID, subj, l->line, l->qemu_dev, ties);
	case IM_VN_MDEV:
		return IM_FINDING_AT(m, IM_F_QEMU_NAME_MDEV, subj, l->line, l->qemu_dev, ties);
	default:
		return 0;
	}
}

/* the notes on one line being made: NOTE() adds one; after an error, none */
struct notes {
	struct im_model *m;		/* where the notes go */
	const struct im_model *data;	/* what they read: m, or nothing (other_vm) */
	const struct im_mtree_line *l;
	char subj[600];
	int r;
};

#define NOTE(id, ...) \
	(n->r = n->r ? n->r : IM_FINDING_AT(n->m, id, n->subj, n->l->line, ##__VA_ARGS__))

/* a /proc/PID/maps line in the text: which reader read it, and pasted, what it is */
static void maps_line_note(struct notes *n, const struct im_mtree *t)
{
	const struct im_model *m = n->data;
	const struct im_mtree_line *l = n->l;
	char hs[32], *what;
	size_t i;

	if (t->maps_read && !m->paste) {
		NOTE(IM_F_MAPS_LINE_TARGET);
		return;
	}
	for (i = 0; t->maps_read && i < m->nmaps; i++) {
		const struct im_map *mp = &m->maps[i];

		if (mp->line != l->line || mp->start != l->start)
			continue;
		what = mp->vfio ? im_asprintf("an mmap of a vfio device fd (%s): each of its numbers is read in the pasted vfio mappings part (JSON: pasted_mappings)", mp->path) :
		       im_asprintf("a mapping of %s", mp->path && *mp->path ? mp->path : "anonymous memory");
		NOTE(IM_F_MAPS_LINE, mp->start, mp->end - 1, im_human_size(mp->end - mp->start, hs),
		     mp->perms, what ? what : "");
		free(what);
		return;
	}
	NOTE(IM_F_MAPS_LINE_SKIPPED);
}

/* what the line's "(@ 0x...)" MemoryRegion pointer is, by the maps */
static void pointer_note(struct notes *n)
{
	const struct im_model *m = n->data;
	const struct im_mtree_line *l = n->l;
	long mi = im_find_map(m, l->ptr);
	const char *where;

	if (mi >= 0) {
		const struct im_map *mp = &m->maps[mi];

		where = mp->path && *mp->path ? mp->path : "[anon]";
		if (!strcmp(where, "[heap]"))
			NOTE(IM_F_MR_POINTER_HEAP, l->ptr, mp->line, mp->start, mp->end);
		else
			NOTE(IM_F_MR_POINTER_MAP, l->ptr, mp->line, where);
	} else if (m->nmaps && m->paste) {	/* a paste is not the whole maps */
		NOTE(IM_F_MR_POINTER_NOT_PASTED, l->ptr);
	} else if (m->nmaps) {
		NOTE(IM_F_MR_POINTER_NO_MAP, l->ptr);
	} else {
		NOTE(IM_F_MR_POINTER, l->ptr);
	}
}

/* the vfio device the line names (the first time it is named) and its BAR part */
static void device_notes(struct notes *n, struct seen *seen, const struct tie *tie,
			 bool first_name)
{
	const struct im_mtree_line *l = n->l;
	size_t i;

	if (l->host_bdf[0]) {
		bool first = true;

		for (i = 0; i < seen->nbdfs; i++)
			if (!strcmp(seen->bdfs[i], l->host_bdf))
				first = false;
		if (first) {
			int d = im_find_device(n->data, l->host_bdf);
			const char *g = d >= 0 ? n->data->devices[d].guest_bdf : NULL;

			if (seen->nbdfs < 16)
				snprintf(seen->bdfs[seen->nbdfs++], 16, "%s", l->host_bdf);
			if (g)
				NOTE(IM_F_HOST_BDF_GUEST, l->host_bdf, g);
			else
				NOTE(IM_F_HOST_BDF, l->host_bdf);
		}
	} else if (l->qemu_dev[0] && first_name) {
		n->r = n->r ? n->r : name_note(n->m, l, tie, n->subj);
	}
	switch (l->bar_part) {
	case IM_BP_BASE:
		NOTE(IM_F_BAR_CONTAINER, l->bar);
		break;
	case IM_BP_REGION:
		if (l->type_wins)
			NOTE(IM_F_BAR_REGION_TYPE, l->bar, l->type);
		else
			NOTE(IM_F_BAR_REGION, l->bar);
		break;
	case IM_BP_MMAP:
		if (l->type_wins)
			NOTE(IM_F_BAR_MMAP_NAME_CUT, l->type, l->bar);
		else
			NOTE(IM_F_BAR_MMAP, l->bar);
		break;
	default:
		break;
	}
}

/* where a BAR's mmap line starts in its BAR, and the BAR's size: from the
 * tree's "BAR n" (or "base BAR n") line of its device that holds it */
struct in_bar {
	bool known;			/* false: no such line in the text */
	uint64_t in, size;
};

static struct in_bar in_bar(const struct im_mtree *t, const struct im_mtree_line *l)
{
	struct in_bar ib = { .known = false };
	size_t i;

	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *b = &t->lines[i];
		uint64_t end = im_mtree_line_end(b);

		if (b->kind == IM_MTL_RANGE && b->bar == l->bar && !strcmp(b->qemu_dev, l->qemu_dev) &&
		    (b->bar_part == IM_BP_REGION || b->bar_part == IM_BP_BASE) &&
		    b->start <= l->start && l->start <= end && (!b->end_big || b->size_artefact)) {
			ib.known = true;
			ib.in = l->start - b->start;
			ib.size = end - b->start + 1;
			return ib;
		}
	}
	return ib;
}

/*
 * The two readings of a pasted vfio mapping's offset for the mmap of line l:
 * before Linux 6.10 the HPA of the mmap's first byte (the BAR's HPA, that
 * minus the mmap's place in it, is never 0 and is aligned to the BAR's size,
 * as every BAR is); 6.10 and later the region index (the BAR) << 40 | that place.
 */
static bool old_fits(const struct im_map *mp, struct in_bar ib)
{
	uint64_t hpa = mp->offset - ib.in;

	if (!mp->offset || !ib.known)
		return mp->offset != 0;
	return mp->offset > ib.in && (ib.size & (ib.size - 1) || !(hpa & (ib.size - 1)));
}

static bool new_fits(const struct im_map *mp, const struct im_mtree_line *l, struct in_bar ib)
{
	return (mp->offset >> IM_REGION_SHIFT) == (uint64_t)l->bar &&
	       (!ib.known || (mp->offset & IM_REGION_MASK) == ib.in);
}

/* what each reading of mp's offset says of it being l's mmap */
static void readings(const struct im_map *mp, const struct im_mtree_line *l, struct in_bar ib,
		     char *old, char *now, size_t len)
{
	unsigned int idx = (unsigned int)(mp->offset >> IM_REGION_SHIFT);
	uint64_t off = mp->offset & IM_REGION_MASK, hpa = mp->offset - (ib.known ? ib.in : 0);
	char hs[32];

	if (!mp->offset)
		snprintf(old, len, "before Linux 6.10 its offset 0x0 is no mmap of a BAR (0 is no BAR's host address), so it is this mmap only on 6.10 and later");
	else if (old_fits(mp, ib))
		snprintf(old, len, "before Linux 6.10 its offset 0x%" PRIx64 " is the HPA the mmap starts at, so %s BAR %d would be at HPA 0x%" PRIx64,
			 mp->offset, l->qemu_dev, l->bar, hpa);
	else
		snprintf(old, len, "before Linux 6.10 it would put %s BAR %d at HPA 0x%" PRIx64 ", where no BAR of %s can start (a BAR is aligned to its size), so it is this mmap only on 6.10 and later",
			 l->qemu_dev, l->bar, hpa, im_human_size(ib.size, hs));
	if (!ib.known)
		snprintf(now, len, "on 6.10 and later it is region %u at offset 0x%" PRIx64 " (where this mmap starts in the BAR is not in the text)",
			 idx, off);
	else if (new_fits(mp, l, ib))
		snprintf(now, len, "on 6.10 and later it is region %u at offset 0x%" PRIx64 ", this mmap's own place in BAR %d",
			 idx, off, l->bar);
	else
		snprintf(now, len, "on 6.10 and later it would be region %u at offset 0x%" PRIx64 ", not this mmap's (BAR %d at offset 0x%" PRIx64 "), so it is this mmap only on a kernel before 6.10",
			 idx, off, l->bar, ib.in);
}

/* why the pasted vfio mapping mp may be the mmap of line l, and what the
 * pastes leave unknown */
static char *pasted_why(const struct im_map *mp, const struct im_mtree_line *l, struct in_bar ib)
{
	char old[300], now[300];
	bool o = old_fits(mp, ib);

	readings(mp, l, ib, old, now, sizeof(old));
	return im_asprintf("; %s; %s. Unknown from the pastes: %s, or a memslot for GPA 0x%" PRIx64 " (a kvm_set_user_memory trace: --qemu-trace)",
			   old, now, o ? "the host's kernel and BAR address (the host's lspci -v or sysfs resource: give --sysroot)" :
			   "whether another device's BAR is mmapped alike (give --sysroot for the host)",
			   l->start);
}

/* can the pasted mapping mp be the mmap of line l, of size bytes? */
static bool may_be_mmap(const struct im_map *mp, const struct im_mtree_line *l, uint64_t size,
			struct in_bar ib)
{
	return mp->vfio && !mp->offset_lost && mp->end - mp->start == size &&
	       (old_fits(mp, ib) || new_fits(mp, l, ib));
}

unsigned int im_mtree_pasted_mmaps(const struct im_model *m, const struct im_mtree *t,
				   const struct im_mtree_line *l, const struct im_map **one)
{
	uint64_t end = im_mtree_line_end(l);
	struct in_bar ib;
	unsigned int k = 0;
	size_t i;

	*one = NULL;
	if (!m->paste || l->kind != IM_MTL_RANGE || l->bar_part != IM_BP_MMAP || end < l->start ||
	    (l->end_big && !l->size_artefact))
		return 0;
	ib = in_bar(t, l);
	for (i = 0; i < m->nmaps; i++)
		if (may_be_mmap(&m->maps[i], l, end - l->start + 1, ib) && !k++)
			*one = &m->maps[i];
	return k;
}

/*
 * Paste mode, a BAR's mmap line and pasted maps: the pasted vfio device
 * mappings of its size and an offset that fits are what its HVA may be; one
 * is named with what the pastes leave unknown, never as a fact.
 */
static void pasted_mmap_note(struct notes *n, const struct im_mtree *t, uint64_t end)
{
	const struct im_model *m = n->data;
	const struct im_mtree_line *l = n->l;
	uint64_t size = end - l->start + 1;
	struct in_bar ib = in_bar(t, l);
	const struct im_map *one;
	unsigned int k = im_mtree_pasted_mmaps(m, t, l, &one);
	char lines[80] = "", hs[32];
	size_t i, used = 0;

	im_human_size(size, hs);
	if (k == 1) {
		char *why = pasted_why(one, l, ib);

		NOTE(IM_F_HVA_PASTED, "", one->start, one->end - 1, one->line, hs, why ? why : "");
		free(why);
	} else if (k > 1) {
		for (i = 0; i < m->nmaps && used < sizeof(lines) - 16; i++)
			if (may_be_mmap(&m->maps[i], l, size, ib))
				used += (size_t)snprintf(lines + used, sizeof(lines) - used, "%s%u",
							 used ? ", " : "", m->maps[i].line);
		NOTE(IM_F_HVA_PASTED_MANY, "", k, hs, lines, l->start);
	} else {
		NOTE(IM_F_HVA_PASTED_NONE, "", hs, l->start);
	}
}

/* the HVA behind the range [l->start, end]: by a memslot, or a BAR's mmap */
static void hva_note(struct notes *n, const struct im_mtree *t, const struct tie *tie,
		     uint64_t end)
{
	const struct im_model *m = n->data;
	const struct im_mtree_line *l = n->l;
	uint64_t hva;
	long si;

	if (l->as_id < 0 || (!ram_backed(l) && l->bar_part == IM_BP_NONE))
		return;
	si = m->memslots_known || m->nmemslots ?
	     im_find_memslot_range(m, l->as_id, l->start, end) : -1;
	if (si >= 0) {
		const struct im_memslot *s = &m->memslots[si];
		uint64_t a = l->start > s->gpa ? l->start : s->gpa;
		uint64_t se = s->gpa + (s->size - 1), b = end < se ? end : se;
		char *where;
		const char *lead = ram_backed(l) ? "" : "not RAM itself; its RAM subregion: ";

		hva = s->hva + (a - s->gpa);
		where = describe_hva(m, hva);
		NOTE(IM_F_HVA_SLOT, lead, hva, hva + (b - a), a, b, s->as_id, s->slot, s->gpa, s->hva,
		     where ? "; " : "", where ? where : "");
		free(where);
		return;
	}
	if (bar_mmap_hva(m, l, tie->by_hva ? -1 : tie->dev, &hva)) {
		char *where = describe_hva(m, hva);

		/* si < 0: no memslot read covers it, or none was read */
		NOTE(IM_F_HVA_MMAP,
		     l->bar_part == IM_BP_MMAP ? "" : "not RAM itself; its RAM subregion: ", hva,
		     m->memslots_known ? "no memslot read covers this GPA" :
		     "memslots not read: whether one covers this GPA is unknown",
		     where ? "; " : "", where ? where : "");
		free(where);
		return;
	}
	if (m->paste && m->nmaps && l->bar_part == IM_BP_MMAP && end >= l->start &&
	    !(l->end_big && !l->size_artefact)) {	/* as im_mtree_pasted_mmaps() reads */
		pasted_mmap_note(n, t, end);
		return;
	}
	if (ram_backed(l) && !m->memslots_known && !m->nmaps)
		NOTE(IM_F_HVA_UNKNOWN);
}

/*
 * The accelerator mark of a flat range, per FlatView: QEMU prints it for the
 * address spaces KVM tracks, on each range one of its slots maps exactly.
 * Marked: yes.  Others of its FlatView marked: no, and why as far as the
 * text shows.  None of its FlatView marked: unknown (an address space KVM
 * does not track, or marks that QEMU or the paste did not give).
 */
static void kvm_note(struct notes *n, const struct im_mtree *t)
{
	const struct im_mtree_line *l = n->l;
	char why[320];

	if (l->kvm) {
		NOTE(IM_F_KVM_SLOT);
	} else if (l->view_kvm) {
		im_mtree_no_slot_why(t, l, why, sizeof(why));
		NOTE(IM_F_NO_KVM_SLOT, why);
	} else {
		NOTE(IM_F_KVM_SLOT_UNKNOWN, l->space ? l->space : "its address space",
		     t->any_kvm ? ", though ranges of other FlatViews do: QEMU marks only the address spaces KVM tracks, so no mark here says nothing" :
		     " in this text (a QEMU under TCG, one that prints no mark, or marks lost from the paste)");
	}
}

/* the notes on one line: findings of the model, about that line */
static int annotate_line(struct im_model *m, const struct im_model *data,
			 const struct im_mtree *t, const struct im_mtree_line *l, struct seen *seen,
			 const struct tie *tie, bool first_name)
{
	uint64_t end = im_mtree_line_end(l);
	struct notes notes = { .m = m, .data = data, .l = l, .r = 0 }, *n = &notes;
	char hs[32];

	snprintf(n->subj, sizeof(n->subj), "%s:%u", seen->file, l->line);
	if (l->kind == IM_MTL_ALIAS) {
		if (l->have_ptr)
			NOTE(IM_F_MR_POINTER_ALIAS, l->ptr);
		return n->r;
	}
	if (l->kind == IM_MTL_MAPS)
		maps_line_note(n, t);
	if (l->kind != IM_MTL_RANGE)
		return n->r;
	if (l->size_artefact) {
		uint64_t sz = end - l->start + 1;

		NOTE(IM_F_INT128_SIZE, l->start, end, sz, im_human_size(sz, hs), l->end, sz, sz);
	} else if (l->end_big && t->int128_bug) {
		NOTE(IM_F_INT128_BIG);
	}
	if (l->have_ptr)
		pointer_note(n);
	if (!strcmp(l->klass, "I/O") && !seen->io_label) {
		seen->io_label = true;
		NOTE(IM_F_IO_LABEL);
	}
	device_notes(n, seen, tie, first_name);
	if (t->shape == IM_MT_HMP_FLAT && ram_backed(l))
		kvm_note(n, t);
	hva_note(n, t, tie, end);
	return n->r;
}

#undef NOTE

/* what the notes of t read: the target's model, or for another VM's text nothing */
static const struct im_model *notes_data(const struct im_model *m, const struct im_mtree *t)
{
	static const struct im_model none = { .pid = -1 };

	return t->other_vm ? &none : m;
}

/* a line that agrees with the target: a held device's BAR, or a memslot's exact range */
static bool line_agrees(const struct im_model *m, const struct im_mtree_line *l)
{
	int d;
	long si;

	if (l->kind != IM_MTL_RANGE)
		return false;
	if (l->host_bdf[0] && (d = im_find_device(m, l->host_bdf)) >= 0 && m->devices[d].held)
		return true;
	if (l->as_id < 0 || l->end_big || l->end < l->start)
		return false;
	si = im_find_memslot_gpa(m, l->as_id, l->start);
	return si >= 0 && m->memslots[si].gpa == l->start &&
	       m->memslots[si].size == l->end - l->start + 1;
}

int im_mtree_match(struct im_model *m, struct im_mtree *t, const char *file)
{
	const struct im_mtree_line *first = NULL;
	bool held = false;
	char subj[600];
	size_t i;

	for (i = 0; i < m->ndevices && !held; i++)
		held = m->devices[i].held;
	/* nothing to compare with: a paste, or a target with no memslots or devices */
	if (m->paste || m->pid < 0 || (!m->nmemslots && !held))
		return 0;
	for (i = 0; i < t->nlines; i++) {
		if (line_agrees(m, &t->lines[i]))
			return 0;
		if (!first && t->lines[i].kind == IM_MTL_RANGE)
			first = &t->lines[i];
	}
	if (!first)
		return 0;
	t->other_vm = true;
	snprintf(subj, sizeof(subj), "%s:%u", file, first->line);
	return IM_FINDING_AT(m, IM_F_MTREE_OTHER_VM, subj, first->line, m->pid);
}

int im_mtree_notes(struct im_model *m, const struct im_mtree *t, const char *file)
{
	const struct im_model *data = notes_data(m, t);
	struct seen seen = { .file = file, .nbdfs = 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < t->nlines && !r; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		struct tie tie;
		bool first;

		line_tie(data, t, l, &seen, &tie, &first);
		r = annotate_line(m, data, t, l, &seen, &tie, first);
	}
	return r;
}

static const char *shape_name(enum im_mtree_shape s)
{
	switch (s) {
	case IM_MT_GDB:
		return "gdb-mtree";
	case IM_MT_HMP:
		return "info-mtree";
	case IM_MT_HMP_FLAT:
		return "info-mtree-f";
	default:
		return "unknown";
	}
}

static const char *kind_name(enum im_mtree_kind k)
{
	static const char *const n[] = { "text", "header", "range", "alias", "maps" };

	return k <= IM_MTL_MAPS ? n[k] : "text";
}

static const char *part_name(enum im_bar_part p)
{
	static const char *const n[] = { NULL, "base", "region", "mmap" };

	return p <= IM_BP_MMAP ? n[p] : NULL;
}

static const char *vfio_name_kind_name(enum im_vfio_name k)
{
	static const char *const n[] = { NULL, "host-bdf", "mdev-uuid", "fd", "id" };

	return k <= IM_VN_ID ? n[k] : NULL;
}

/* {name, kind, host_bdf, tied_by}: the vfio device a BAR line names, or null */
static void qemu_device_json(struct jw *w, const struct im_model *m,
			     const struct im_mtree_line *l, const struct tie *tie)
{
	const char *by = NULL;

	if (!l->qemu_dev[0]) {
		jw_null(w);
		return;
	}
	if (tie->dev >= 0)
		by = tie->by_hva ? "memslot-hva" : l->dev_kind == IM_VN_BDF ? "name" :
		     l->dev_kind == IM_VN_FD ? "fd" : "qdev-id";
	jw_obj_begin(w);
	jw_kstr(w, "name", l->qemu_dev);
	jw_kstr(w, "kind", vfio_name_kind_name(l->dev_kind));
	jw_kstr(w, "host_bdf", tie->dev >= 0 ? m->devices[tie->dev].bdf : NULL);
	jw_kstr(w, "tied_by", by);
	jw_obj_end(w);
}

/* notes: the line's findings f[0..n) */
static void line_json(struct jw *w, const struct im_model *m, const struct im_mtree_line *l,
		      const struct tie *tie, const struct im_finding *f, size_t n)
{
	size_t i;

	jw_obj_begin(w);
	jw_kint(w, "line", (int)l->line);
	jw_kstr(w, "text", l->text);
	jw_kstr(w, "kind", kind_name(l->kind));
	if (l->kind == IM_MTL_RANGE || l->kind == IM_MTL_ALIAS) {
		uint64_t end = im_mtree_line_end(l);
		bool range = l->kind == IM_MTL_RANGE;
		bool have_end = range && !(l->end_big && !l->size_artefact);

		jw_kstr(w, "name", l->name);
		jw_khex_or_null(w, "start", range, l->start);
		jw_khex_or_null(w, "end", have_end, end);
		jw_khex_or_null(w, "size", have_end && end >= l->start &&
				end - l->start != UINT64_MAX, end - l->start + 1);
		jw_khex_or_null(w, "printed_end", l->size_artefact, l->end);
		jw_kbool(w, "size_artefact", l->size_artefact);
		jw_kstr(w, "space", l->space);
		jw_kstr(w, "type", l->type[0] ? l->type : NULL);
		jw_kstr(w, "class", l->klass[0] ? l->klass : NULL);
		jw_kstr(w, "alias_of", l->alias_target);
		jw_key(w, "mr_pointer");
		if (l->have_ptr) {
			long mi = im_find_map(m, l->ptr);

			jw_obj_begin(w);
			jw_khex(w, "address", l->ptr);
			jw_kstr(w, "what", "MemoryRegion struct");
			jw_kstr(w, "mapping", mi < 0 ? NULL :
				m->maps[mi].path && *m->maps[mi].path ? m->maps[mi].path : "[anon]");
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		jw_khex_or_null(w, "offset_in_region", l->have_offset, l->offset);
		/* -f's mark, per FlatView: marked, not where others of its view are, else unknown */
		jw_key(w, "kvm");
		if (l->kind == IM_MTL_RANGE && l->type[0] && (l->kvm || l->view_kvm))
			jw_bool(w, l->kvm);
		else
			jw_null(w);
		jw_kstr(w, "host_bdf", l->host_bdf[0] ? l->host_bdf : NULL);
		jw_key(w, "qemu_device");
		qemu_device_json(w, m, l, tie);
		jw_kint_or_null(w, "bar", l->bar >= 0, l->bar);
		jw_kstr(w, "bar_part", part_name(l->bar_part));
		jw_kint_or_null(w, "mmap_index", l->mmap_index >= 0, l->mmap_index);
	}
	jw_key(w, "notes");
	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "code", f[i].code);
		jw_kstr(w, "message", f[i].message);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* what the text view says after the lines: how the text was read */
static void text_trailer(FILE *out, const struct im_mtree *t, const char *file)
{
	char qp[128];

	if (t->qp)	/* "; quoted-printable decoded (...)" */
		fprintf(out, "# %s\n", im_paste_qp_note(t->qp, t->qp_soft, qp, sizeof(qp)) + 2);
	if (t->shape == IM_MT_HMP_FLAT && t->flat_no_header)
		fprintf(out, "# read as info mtree -f without its FlatView header: the ranges are taken as the memory address space's (as_id 0)\n");
	if (t->dispatch)
		fprintf(out, "# the -d Dispatch blocks were skipped\n");
	if (t->joined)
		fprintf(out, "# %u wrapped line%s joined to the line before\n", t->joined,
			t->joined == 1 ? "" : "s");
	if (t->maps_lines)	/* HVAs, never GPAs */
		fprintf(out, "# %u /proc/PID/maps line%s (first: %s:%u), %s%s\n", t->maps_lines,
			t->maps_lines == 1 ? "" : "s", IM_TERM(file), t->first_maps,
			t->maps_read ? "read by --maps" : "not read here: --maps FILE reads ",
			t->maps_read ? "" : t->maps_lines == 1 ? "it" : "them");
	if (t->unknown)
		fprintf(out, "# %u line%s not understood (first: %s:%u)\n", t->unknown,
			t->unknown == 1 ? "" : "s", IM_TERM(file), t->first_unknown);
}

/* paste mode with --maps: the pasted mappings follow the tree, as in the report */
static bool pasted_maps(const struct im_model *m)
{
	return m->paste && im_find_source(m, "maps-paste");
}

/*
 * Each line of t, then its notes (or a JSON document of both): the findings
 * from m->findings[from] on that im_mtree_notes() added, in line order.
 */
int im_mtree_view(FILE *out, const struct im_model *m, const struct im_mtree *t,
		  const char *file, size_t from, bool json)
{
	const struct im_model *data = notes_data(m, t);
	struct seen seen = { .file = file, .nbdfs = 0 };
	size_t i, k = from;
	struct jw w;
	int r = 0;

	if (json) {
		im_json_begin(&w, out);
		jw_kstr(&w, "input", file);
		jw_kstr(&w, "shape", shape_name(t->shape));
		jw_key(&w, "flatview_header");	/* -f only: its "FlatView #" line */
		if (t->shape == IM_MT_HMP_FLAT)
			jw_bool(&w, !t->flat_no_header);
		else
			jw_null(&w);
		jw_kbool(&w, "owners", t->owners);
		jw_kbool(&w, "dispatch", t->dispatch);
		jw_kint(&w, "joined_lines", (int)t->joined);
		jw_kint(&w, "maps_lines", (int)t->maps_lines);
		jw_kbool(&w, "quoted_printable", t->qp);
		jw_kbool(&w, "int128_artefact", t->int128_bug);
		/* what the notes could read besides the text: as the report says it */
		im_json_sources(&w, m);
		jw_key(&w, "mtree");
		jw_arr_begin(&w);
	}
	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		size_t n = 0;
		struct tie tie;
		bool first;

		while (k + n < m->nfindings && m->findings[k + n].line == l->line)
			n++;
		line_tie(data, t, l, &seen, &tie, &first);
		if (json) {
			line_json(&w, data, l, &tie, m->findings + k, n);
		} else {
			/* the pasted line, and notes naming what it holds: escaped */
			im_term_fputs(out, l->text);
			fputc('\n', out);
			for (; n; n--, k++)
				fprintf(out, "%*s  # %s\n", l->depth * 2, "",
					IM_TERM(m->findings[k].message));
		}
		k += n;
	}
	if (json) {
		char *first = t->unknown ? im_asprintf("%s:%u", file, t->first_unknown) : NULL;

		jw_arr_end(&w);
		jw_key(&w, "not_understood");
		jw_obj_begin(&w);
		jw_kint(&w, "lines", (int)t->unknown);
		jw_kstr(&w, "first", first);
		jw_obj_end(&w);
		if (pasted_maps(data))
			im_report_paste_maps_json(&w, data);
		jw_obj_end(&w);
		free(first);
		r = jw_finish(&w);
	} else {
		text_trailer(out, t, file);
		if (pasted_maps(data))
			im_report_paste_maps_text(out, data);
	}
	return r ? r : ferror(out) ? -EIO : 0;
}

int im_mtree_annotate(FILE *out, struct im_model *m, struct im_mtree *t, const char *file,
		      bool json)
{
	size_t from = m->nfindings;
	int r = im_mtree_match(m, t, file);

	if (!r)
		r = im_mtree_notes(m, t, file);
	if (!r)
		r = im_mtree_view(out, m, t, file, from, json);
	return r;
}

int im_mtree_annotate_buf(FILE *out, struct im_model *m, const char *buf,
			  size_t len, const char *file, bool json, struct im_err *err)
{
	struct im_mtree t;
	int r = im_mtree_parse(buf, len, file, &t, err);

	if (r)
		return r;
	r = im_mtree_annotate(out, m, &t, file, json);
	im_mtree_free(&t);
	return r;
}
