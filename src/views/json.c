// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - shared JSON and naming helpers for the views (the writer is jsonw.c). */
#include <stdio.h>
#include "iommu-map.h"

/* a JSON document of ours: pretty layout, an object, its schema and version first */
int im_json_begin(struct jw *w, FILE *f)
{
	jw_init(w, f, JW_PRETTY);
	jw_obj_begin(w);
	jw_kstr(w, "schema", IM_SCHEMA);
	return jw_kstr(w, "version", im_version);
}

/*
 * What backs a placed address, in the words of the report: vfio BAR, file,
 * [anon].  Only a BAR is written into buf; the rest are returned as they are
 * (a memslot each, 32k of them on a large host: no copy through printf).
 */
const char *im_map_backing(const struct im_model *m, const struct im_place *p,
			   char *buf, size_t len)
{
	const struct im_map *mp = p->f_map.state == IM_KNOWN ? p->mp : NULL;

	if (!mp)
		return "unmapped";
	if (p->f_dev.state == IM_KNOWN) {
		snprintf(buf, len, "vfio %s BAR %d", m->devices[p->dev].bdf, p->bar);
		return buf;
	}
	if (mp->vfio)
		return "vfio (unknown device)";
	return mp->path[0] ? mp->path : "[anon]";
}

/* key: true, false or null (unknown) */
void im_json_tri(struct jw *w, const char *key, enum im_tri v)
{
	if (v == IM_TRI_UNKNOWN)
		jw_knull(w, key);
	else
		jw_kbool(w, key, v == IM_TRI_YES);
}

void im_json_sources(struct jw *w, const struct im_model *m)
{
	size_t i;

	jw_key(w, "sources");
	jw_arr_begin(w);
	for (i = 0; i < m->nsources; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "name", m->sources[i].name);
		jw_kstr(w, "status", im_src_status_name(m->sources[i].status));
		jw_kstr(w, "detail", m->sources[i].detail);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* a memslot's own fields, in the order every view writes them */
/* a vfio DMA map of a trace: iova, size, hva, readonly, line (the report's
 * dma_maps[] and explain's dma_map alike) */
void im_json_dma_fields(struct jw *w, const struct im_dma_map *d)
{
	jw_khex(w, "iova", d->iova);
	jw_khex(w, "size", d->size);
	jw_khex(w, "hva", d->hva);
	im_json_tri(w, "readonly", d->readonly);
	jw_kint(w, "line", (int)d->line);
}

void im_json_memslot_fields(struct jw *w, const struct im_memslot *s)
{
	jw_kint(w, "as_id", s->as_id);
	jw_kint(w, "slot", s->slot);
	jw_khex(w, "gpa", s->gpa);
	jw_khex(w, "size", s->size);
	jw_khex(w, "hva", s->hva);
}
