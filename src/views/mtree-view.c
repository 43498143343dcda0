// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mtree-view.c - QEMU's memory-tree text, each line with what its numbers
 * are: the HVA behind a range (im_place_gpa), what a "(@ 0x...)" pointer
 * is, which host device a vfio region name is.  Reads the model and the
 * parsed text (sources/mtree.c); opens nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/mtree.h"

struct note {
	const char *code;
	char *msg;
};

struct notes {
	struct note v[12];
	size_t n;
};

static void add_note(struct notes *ns, const char *code, char *msg)
{
	if (!msg)
		return;
	if (ns->n == sizeof(ns->v) / sizeof(ns->v[0])) {
		free(msg);
		return;
	}
	ns->v[ns->n].code = code;
	ns->v[ns->n].msg = msg;
	ns->n++;
}

static void free_notes(struct notes *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i].msg);
	ns->n = 0;
}

/* "maps line N (path)" and what the mapping is, for an HVA */
static char *describe_hva(const struct im_model *m, uint64_t hva)
{
	const struct im_map *mp;
	struct im_place p;

	im_place_hva(m, hva, &p);
	if (p.f_map.state != IM_KNOWN)
		return m->nmaps ? im_strdup("no mapping of the target contains it") : NULL;
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

static bool ram_backed(const struct im_mtree_line *l)
{
	if (l->bar_part == IM_BP_MMAP || (l->name && strstr(l->name, " mmaps[")))
		return true;
	if (l->klass[0] && !strcmp(l->klass, "RAM"))
		return true;
	return !strcmp(l->type, "ram") || !strcmp(l->type, "ramd") || !strcmp(l->type, "rom") ||
	       !strcmp(l->type, "romd") || !strcmp(l->type, "nv-ram");
}

/* What ties the vfio device a line names to a host device of the model. */
struct tie {
	int dev;			/* -1: nothing does */
	bool by_hva;			/* a memslot's HVA, not the name */
	char how[400];			/* the evidence, or why none; "": nothing to say */
};

struct seen {
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
		uint64_t end = l->size_artefact ? l->real_end : l->end, a;
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
static char *name_note(const struct im_model *m, const struct im_mtree_line *l,
		       const struct tie *tie)
{
	const char *g = tie->dev >= 0 ? m->devices[tie->dev].guest_bdf : NULL;
	char what[256], ties[600];
	int fd;

	switch (l->dev_kind) {
	case IM_VN_FD:
		im_vfio_name_kind(l->qemu_dev, &fd);
		snprintf(what, sizeof(what), "%s is QEMU's name for a vfio device given to it as file descriptor %d (fd passing with iommufd, without id=), not a PCI address",
			 l->qemu_dev, fd);
		break;
	case IM_VN_ID:
		snprintf(what, sizeof(what), "%s is the id= of a vfio device given to QEMU as a file descriptor (QEMU 10.2 and later name such a device after its id=), not a PCI address",
			 l->qemu_dev);
		break;
	case IM_VN_MDEV:
		snprintf(what, sizeof(what), "%s is a mediated device's UUID (QEMU names the device after its sysfsdev=), not a PCI address",
			 l->qemu_dev);
		break;
	default:
		return NULL;
	}
	if (tie->dev >= 0)
		snprintf(ties, sizeof(ties), "it is host %s, by %s%s%s", m->devices[tie->dev].bdf,
			 tie->how, g ? "; the guest sees it as " : "", g ? g : "");
	else
		snprintf(ties, sizeof(ties), "the host device is known here only by this QEMU name%s%s%s",
			 tie->how[0] ? " (" : "", tie->how, tie->how[0] ? ")" : "");
	return im_asprintf("%s; %s", what, ties);
}

static void annotate_line(const struct im_model *m, const struct im_mtree *t,
			  const struct im_mtree_line *l, struct seen *seen, const struct tie *tie,
			  bool first_name, struct notes *ns)
{
	uint64_t end = l->size_artefact ? l->real_end : l->end;
	char hs[32];
	long si;
	size_t i;

	if (l->kind == IM_MTL_ALIAS) {
		if (l->have_ptr)
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of the alias target's MemoryRegion struct, not an address of its memory",
					     l->ptr));
		return;
	}
	if (l->kind != IM_MTL_RANGE)
		return;
	if (l->size_artefact) {
		uint64_t sz = end - l->start + 1;

		add_note(ns, "int128-size",
			 im_asprintf("real range 0x%" PRIx64 "-0x%" PRIx64 " (size 0x%" PRIx64 ", %s): the printed end 0x%" PRIx64 " is wrong, mtree.py read gdb's decimal size %" PRIu64 " as hex 0x%" PRIu64,
				     l->start, end, sz, im_human_size(sz, hs), l->end, sz, sz));
	} else if (l->end_big && t->int128_bug) {
		add_note(ns, "int128-size",
			 im_asprintf("the printed end does not fit 64 bits: mtree.py read gdb's decimal size as hex"));
	}
	if (l->have_ptr) {
		long mi = im_find_map(m, l->ptr);
		const char *where;

		if (mi >= 0) {
			const struct im_map *mp = &m->maps[mi];

			where = mp->path && *mp->path ? mp->path : "[anon]";
			if (!strcmp(where, "[heap]"))
				add_note(ns, "mr-pointer",
					 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct on QEMU's heap (maps line %u [heap] 0x%" PRIx64 "-0x%" PRIx64 "), not an HVA of the memory it describes",
						     l->ptr, mp->line, mp->start, mp->end));
			else
				add_note(ns, "mr-pointer",
					 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct (in maps line %u %s), not an HVA of the memory it describes",
						     l->ptr, mp->line, where));
		} else if (m->nmaps) {
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct in QEMU, not an HVA of the memory it describes (no mapping of this target contains it: another QEMU process or run?)",
					     l->ptr));
		} else {
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct on QEMU's heap, not an HVA of the memory it describes",
					     l->ptr));
		}
	}
	if (!strcmp(l->klass, "I/O") && !seen->io_label) {
		seen->io_label = true;
		add_note(ns, "io-label",
			 im_strdup("(I/O) is mtree.py's label for every non-alias region (mr->ops is never NULL), RAM included: it says nothing about the region's kind"));
	}
	if (l->host_bdf[0]) {
		bool first = true;

		for (i = 0; i < seen->nbdfs; i++)
			if (!strcmp(seen->bdfs[i], l->host_bdf))
				first = false;
		if (first) {
			int d = im_find_device(m, l->host_bdf);
			const char *g = d >= 0 ? m->devices[d].guest_bdf : NULL;

			if (seen->nbdfs < 16)
				snprintf(seen->bdfs[seen->nbdfs++], 16, "%s", l->host_bdf);
			if (g)
				add_note(ns, "host-bdf",
					 im_asprintf("%s is the HOST BDF (QEMU names vfio regions after the host device); the guest sees this device as %s",
						     l->host_bdf, g));
			else
				add_note(ns, "host-bdf",
					 im_asprintf("%s is the HOST BDF (QEMU names vfio regions after the host device), not the guest's BDF",
						     l->host_bdf));
		}
	} else if (l->qemu_dev[0] && first_name) {
		add_note(ns, "qemu-name", name_note(m, l, tie));
	}
	switch (l->bar_part) {
	case IM_BP_BASE:
		add_note(ns, "bar-container",
			 im_asprintf("container QEMU registers as BAR %d of the guest device: its range is the guest's BAR address (GPA)", l->bar));
		break;
	case IM_BP_REGION:
		add_note(ns, "bar-region",
			 im_asprintf("the slow path of BAR %d: guest accesses that land here trap to QEMU, which reads or writes the vfio device fd", l->bar));
		break;
	case IM_BP_MMAP:
		add_note(ns, "bar-mmap",
			 im_asprintf("RAM device region: QEMU's mmap of BAR %d from the vfio device fd, which KVM maps into the guest", l->bar));
		break;
	default:
		break;
	}
	if (t->shape == IM_MT_HMP_FLAT && t->any_kvm && ram_backed(l)) {
		if (l->kvm)
			add_note(ns, "kvm-slot", im_strdup("KVM marks this range: a memslot maps exactly it"));
		else
			add_note(ns, "no-kvm-slot",
				 im_strdup("no KVM memslot matches this range exactly (not page-aligned, or shares a page with MMIO): guest accesses outside a page-aligned slot trap to QEMU"));
	}
	/* the HVA behind the range */
	if (l->as_id < 0 || (!ram_backed(l) && l->bar_part == IM_BP_NONE))
		return;
	si = m->memslots_known || m->nmemslots ?
	     im_find_memslot_range(m, l->as_id, l->start, end) : -1;
	if (si >= 0) {
		const struct im_memslot *s = &m->memslots[si];
		uint64_t a = l->start > s->gpa ? l->start : s->gpa;
		uint64_t se = s->gpa + (s->size - 1), b = end < se ? end : se;
		uint64_t hva = s->hva + (a - s->gpa);
		char *where = describe_hva(m, hva);
		const char *lead = ram_backed(l) ? "" : "not RAM itself; its RAM subregion: ";

		add_note(ns, "hva",
			 im_asprintf("%sHVA 0x%" PRIx64 "-0x%" PRIx64 " for GPA 0x%" PRIx64 "-0x%" PRIx64 " (KVM memslot as %d slot %d: GPA 0x%" PRIx64 " -> HVA 0x%" PRIx64 ")%s%s",
				     lead, hva, hva + (b - a), a, b, s->as_id, s->slot, s->gpa, s->hva,
				     where ? "; " : "", where ? where : ""));
		free(where);
		return;
	}
	{
		uint64_t hva;

		if (bar_mmap_hva(m, l, tie->by_hva ? -1 : tie->dev, &hva)) {
			char *where = describe_hva(m, hva);

			add_note(ns, "hva",
				 im_asprintf("%sHVA 0x%" PRIx64 " (from the BAR's mmap in /proc/PID/maps; no memslot source covers this GPA)%s%s",
					     l->bar_part == IM_BP_MMAP ? "" : "not RAM itself; its RAM subregion: ",
					     hva, where ? "; " : "", where ? where : ""));
			free(where);
			return;
		}
	}
	if (ram_backed(l) && !m->memslots_known && !m->nmaps)
		add_note(ns, "hva",
			 im_strdup("HVA not known here: give --pid (maps) and a memslot source (kmod, --qemu-trace, --qmp)"));
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
	static const char *const n[] = { "text", "header", "range", "alias" };

	return k <= IM_MTL_ALIAS ? n[k] : "text";
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

static void line_json(struct jw *w, const struct im_model *m, const struct im_mtree_line *l,
		      const struct tie *tie, const struct notes *ns)
{
	size_t i;

	jw_obj_begin(w);
	jw_kint(w, "line", (int)l->line);
	jw_kstr(w, "text", l->text);
	jw_kstr(w, "kind", kind_name(l->kind));
	if (l->kind == IM_MTL_RANGE || l->kind == IM_MTL_ALIAS) {
		uint64_t end = l->size_artefact ? l->real_end : l->end;
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
		jw_key(w, "kvm");
		if (l->kind == IM_MTL_RANGE && l->type[0] && l->kvm)
			jw_bool(w, true);
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
	for (i = 0; i < ns->n; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "code", ns->v[i].code);
		jw_kstr(w, "message", ns->v[i].msg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* Each line of t, then its notes (or a JSON document of both). */
int im_mtree_view(FILE *out, const struct im_model *m, const struct im_mtree *t,
		  const char *file, bool json)
{
	struct seen seen = { .nbdfs = 0 };
	struct jw w;
	size_t i;
	int r = 0;

	if (json) {
		im_json_begin(&w, out);
		jw_kstr(&w, "input", file);
		jw_kstr(&w, "shape", shape_name(t->shape));
		jw_kbool(&w, "int128_artefact", t->int128_bug);
		jw_key(&w, "mtree");
		jw_arr_begin(&w);
	}
	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		struct notes ns = { .n = 0 };
		struct tie tie;
		bool first;
		size_t k;

		line_tie(m, t, l, &seen, &tie, &first);
		annotate_line(m, t, l, &seen, &tie, first, &ns);
		if (json) {
			line_json(&w, m, l, &tie, &ns);
		} else {
			fprintf(out, "%s\n", l->text);
			for (k = 0; k < ns.n; k++)
				fprintf(out, "%*s  # %s\n", l->depth * 2, "", ns.v[k].msg);
		}
		free_notes(&ns);
	}
	if (json) {
		char *first = t->unknown ? im_asprintf("%s:%u", file, t->first_unknown) : NULL;

		jw_arr_end(&w);
		jw_key(&w, "not_understood");
		jw_obj_begin(&w);
		jw_kint(&w, "lines", (int)t->unknown);
		jw_kstr(&w, "first", first);
		jw_obj_end(&w);
		jw_obj_end(&w);
		free(first);
		r = jw_finish(&w);
	} else if (t->unknown) {
		fprintf(out, "# %u line%s not understood (first: %s:%u)\n", t->unknown,
			t->unknown == 1 ? "" : "s", file, t->first_unknown);
	}
	return r ? r : ferror(out) ? -EIO : 0;
}

int im_mtree_annotate_buf(FILE *out, const struct im_model *m, const char *buf,
			  size_t len, const char *file, bool json, struct im_err *err)
{
	struct im_mtree t;
	int r = im_mtree_parse(buf, len, file, &t, err);

	if (r)
		return r;
	r = im_mtree_view(out, m, &t, file, json);
	im_mtree_free(&t);
	return r;
}

int im_mtree_annotate(FILE *out, const struct im_model *m, const char *file,
		      bool json, struct im_err *err)
{
	struct im_mtree t;
	const char *name;
	int r = im_mtree_load(file, &t, &name, err);

	if (r)
		return r;
	r = im_mtree_view(out, m, &t, name, json);
	im_mtree_free(&t);
	return r;
}
