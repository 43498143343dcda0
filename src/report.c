// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - the report view: one picture per BAR, HPA <-> HVA <-> GPA.
 * Text is for people and may change; --json ("iommu-map/1") is the
 * stable contract of DESIGN.md.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include "iommu-map.h"

static bool shown(const struct im_model *m, const struct im_device *d)
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
		}
	}
	if (b->have_guest_gpa)
		fprintf(f, "    GPA   0x%" PRIx64 "-0x%" PRIx64 "  guest BAR\n", b->guest_gpa,
			b->guest_gpa + (b->guest_size ? b->guest_size : b->size) - 1);
	for (i = 0; i < b->nguest; i++) {
		const struct im_bar_guest *g = &b->guest[i];

		fprintf(f, "      0x%" PRIx64 "-0x%" PRIx64 " -> HVA 0x%" PRIx64, g->gpa,
			g->gpa + g->size - 1, g->hva);
		if (g->slot >= 0)
			fprintf(f, "  KVM slot %d%s", g->slot, g->as_id ? " (as_id 1, SMM)" : "");
		else
			fprintf(f, "  no memslot: QEMU's own mapping (TCG)");
		fprintf(f, "  [%s]\n", g->source);
	}
	(void)m;
	(void)d;
}

int im_report_text(FILE *f, const struct im_model *m)
{
	size_t i, nshown = 0;
	int b;

	fprintf(f, "target: pid %d (%s), kernel %s, root %s\n", m->pid,
		m->comm ? m->comm : "?", m->kernel ? m->kernel : "unknown", m->sysroot);
	fprintf(f, "maps offset: %s (%s)\n", im_offset_mode_name(m->offset_mode),
		m->offset_why ? m->offset_why : "");
	for (i = 0; i < m->ndevices; i++) {
		const struct im_device *d = &m->devices[i];

		if (!shown(m, d))
			continue;
		nshown++;
		fprintf(f, "\n%s %s [%04x:%04x]\n", d->bdf, d->name ? d->name : "Device",
			d->vendor_id, d->device_id);
		fprintf(f, "  driver %s, IOMMU group %s", d->driver ? d->driver : "none",
			d->iommu_group ? d->iommu_group : "none");
		if (d->guest_bdf || d->qdev_id)
			fprintf(f, "; guest %s%s%s%s", d->guest_bdf ? d->guest_bdf : "?",
				d->qdev_id ? " (" : "", d->qdev_id ? d->qdev_id : "",
				d->qdev_id ? ")" : "");
		fputc('\n', f);
		for (b = 0; b < IM_NBARS; b++)
			if (d->bars[b].kind != IM_BAR_NONE)
				text_bar(f, m, d, &d->bars[b]);
	}
	if (!nshown)
		fprintf(f, "\nno passed-through device found%s%s\n",
			m->filter_bdf ? " matching " : "", m->filter_bdf ? m->filter_bdf : "");
	fprintf(f, "\nmemslots: ");
	if (!m->memslots_known)
		fprintf(f, "not known\n");
	else
		fprintf(f, "%zu from %s\n", m->nmemslots, m->memslot_source);
	fprintf(f, "\nsources:\n");
	for (i = 0; i < m->nsources; i++)
		fprintf(f, "  %-12s %-12s %s\n", m->sources[i].name,
			im_src_status_name(m->sources[i].status),
			m->sources[i].detail ? m->sources[i].detail : "");
	fprintf(f, "\nfindings:%s\n", m->nfindings ? "" : " none");
	for (i = 0; i < m->nfindings; i++)
		fprintf(f, "  %-7s %s: %s [%s]\n", im_severity_name(m->findings[i].severity),
			m->findings[i].subject, m->findings[i].message, m->findings[i].code);
	return ferror(f) ? -EIO : 0;
}

/* ---- json ---- */

static struct json_object *json_bar(const struct im_bar *b)
{
	struct json_object *o = json_object_new_object(), *a;
	size_t i;

	im_json_obj(o, "index", json_object_new_int(b->index));
	im_json_obj(o, "kind", json_object_new_string(im_bar_kind_name(b->kind)));
	im_json_obj(o, "prefetchable", json_object_new_boolean(b->prefetch));
	im_json_obj(o, "hpa", im_json_hex(b->hpa));
	im_json_obj(o, "size", im_json_hex(b->size));
	im_json_obj(o, "guest_gpa", b->have_guest_gpa ? im_json_hex(b->guest_gpa) : NULL);
	a = json_object_new_array();
	for (i = 0; i < b->nmmaps; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];
		struct json_object *x = json_object_new_object();

		im_json_obj(x, "hva", im_json_hex(mm->hva));
		im_json_obj(x, "size", im_json_hex(mm->size));
		im_json_obj(x, "bar_offset", im_json_hex(mm->bar_offset));
		im_json_obj(x, "maps_offset", im_json_hex(mm->maps_offset));
		im_json_obj(x, "fd", mm->fd >= 0 ? json_object_new_int(mm->fd) : NULL);
		im_json_obj(x, "hpa_check", mm->hpa_check == IM_HPA_UNCHECKED ? NULL :
			    json_object_new_string(hpa_check_name(mm->hpa_check)));
		im_json_obj(x, "hpa_present_pages", mm->hpa_check == IM_HPA_UNCHECKED ? NULL :
			    im_json_hex(mm->hpa_present));
		/* only when known: older captures do not have it */
		if (mm->hpa_check != IM_HPA_UNCHECKED && mm->hpa_leaves_known) {
			struct json_object *l = json_object_new_object();
			int k;

			for (k = 0; k < IM_NLEAF; k++)
				im_json_obj(l, im_leaf_name((enum im_leaf)k),
					    im_json_hex(mm->hpa_leaves[k]));
			im_json_obj(x, "hpa_leaves", l);
		}
		json_object_array_add(a, x);
	}
	im_json_obj(o, "mmaps", a);
	a = json_object_new_array();
	for (i = 0; i < b->nguest; i++) {
		const struct im_bar_guest *g = &b->guest[i];
		struct json_object *x = json_object_new_object();

		im_json_obj(x, "gpa", im_json_hex(g->gpa));
		im_json_obj(x, "size", im_json_hex(g->size));
		im_json_obj(x, "hva", im_json_hex(g->hva));
		im_json_obj(x, "slot", g->slot >= 0 ? json_object_new_int(g->slot) : NULL);
		im_json_obj(x, "as_id", g->as_id >= 0 ? json_object_new_int(g->as_id) : NULL);
		im_json_obj(x, "source", json_object_new_string(g->source));
		json_object_array_add(a, x);
	}
	im_json_obj(o, "guest", a);
	return o;
}

int im_report_json(FILE *f, const struct im_model *m)
{
	struct json_object *root = json_object_new_object(), *t, *a;
	char buf[4200];
	size_t i;
	int b;

	im_json_obj(root, "schema", json_object_new_string("iommu-map/1"));
	t = json_object_new_object();
	im_json_obj(t, "pid", m->pid >= 0 ? json_object_new_int(m->pid) : NULL);
	im_json_obj(t, "comm", im_json_str(m->comm));
	im_json_obj(t, "sysroot", json_object_new_string(m->sysroot));
	im_json_obj(t, "kernel", im_json_str(m->kernel));
	im_json_obj(t, "maps_offset",
		    json_object_new_string(im_offset_mode_name(m->offset_mode)));
	im_json_obj(root, "target", t);

	a = json_object_new_array();
	for (i = 0; i < m->nsources; i++) {
		struct json_object *s = json_object_new_object();

		im_json_obj(s, "name", json_object_new_string(m->sources[i].name));
		im_json_obj(s, "status", json_object_new_string(
			    im_src_status_name(m->sources[i].status)));
		im_json_obj(s, "detail", im_json_str(m->sources[i].detail));
		json_object_array_add(a, s);
	}
	im_json_obj(root, "sources", a);

	a = json_object_new_array();
	for (i = 0; i < m->ndevices; i++) {
		const struct im_device *d = &m->devices[i];
		struct json_object *o, *bars, *g = NULL;

		if (!shown(m, d))
			continue;
		o = json_object_new_object();
		im_json_obj(o, "bdf", json_object_new_string(d->bdf));
		snprintf(buf, sizeof(buf), "0x%04x", d->vendor_id);
		im_json_obj(o, "vendor_id", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "0x%04x", d->device_id);
		im_json_obj(o, "device_id", json_object_new_string(buf));
		im_json_obj(o, "name", im_json_str(d->name));
		im_json_obj(o, "driver", im_json_str(d->driver));
		im_json_obj(o, "iommu_group", im_json_str(d->iommu_group));
		if (d->guest_bdf || d->qdev_id) {
			g = json_object_new_object();
			im_json_obj(g, "bdf", im_json_str(d->guest_bdf));
			im_json_obj(g, "qdev_id", im_json_str(d->qdev_id));
		}
		im_json_obj(o, "guest", g);
		bars = json_object_new_array();
		for (b = 0; b < IM_NBARS; b++)
			if (d->bars[b].kind != IM_BAR_NONE)
				json_object_array_add(bars, json_bar(&d->bars[b]));
		im_json_obj(o, "bars", bars);
		json_object_array_add(a, o);
	}
	im_json_obj(root, "devices", a);

	a = json_object_new_array();
	for (i = 0; i < m->nmemslots; i++) {
		const struct im_memslot *s = &m->memslots[i];
		struct json_object *o = json_object_new_object();
		long mi = im_find_map(m, s->hva);

		im_json_obj(o, "as_id", json_object_new_int(s->as_id));
		im_json_obj(o, "slot", json_object_new_int(s->slot));
		im_json_obj(o, "gpa", im_json_hex(s->gpa));
		im_json_obj(o, "size", im_json_hex(s->size));
		im_json_obj(o, "hva", im_json_hex(s->hva));
		im_json_obj(o, "flags", im_json_hex(s->flags));
		im_json_obj(o, "backing", mi < 0 ? NULL : json_object_new_string(
			    im_map_backing(m, &m->maps[mi], buf, sizeof(buf))));
		json_object_array_add(a, o);
	}
	im_json_obj(root, "memslots", a);

	a = json_object_new_array();
	for (i = 0; i < m->nfindings; i++) {
		const struct im_finding *fd = &m->findings[i];
		struct json_object *o = json_object_new_object();

		im_json_obj(o, "severity", json_object_new_string(im_severity_name(fd->severity)));
		im_json_obj(o, "code", json_object_new_string(fd->code));
		im_json_obj(o, "subject", json_object_new_string(fd->subject));
		im_json_obj(o, "message", json_object_new_string(fd->message));
		json_object_array_add(a, o);
	}
	im_json_obj(root, "findings", a);
	return im_json_print(f, root);
}
