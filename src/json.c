// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - shared JSON and naming helpers for the views. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include "iommu-map.h"

struct json_object *im_json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

struct json_object *im_json_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *im_json_obj(struct json_object *o, const char *key,
				struct json_object *v)
{
	json_object_object_add(o, key, v);
	return o;
}

int im_json_print(FILE *f, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s ? 0 : -ENOMEM;

	if (s)
		fprintf(f, "%s\n", s);
	json_object_put(o);
	return r;
}

/* What backs a mapping, in the words of the report: vfio BAR, file, [anon]. */
const char *im_map_backing(const struct im_model *m, const struct im_map *mp,
			   char *buf, size_t len)
{
	if (mp->vfio && mp->dev >= 0 && mp->bar >= 0)
		snprintf(buf, len, "vfio %s BAR %d", m->devices[mp->dev].bdf, mp->bar);
	else if (mp->vfio)
		snprintf(buf, len, "vfio (unknown device)");
	else if (!mp->path[0])
		snprintf(buf, len, "[anon]");
	else
		snprintf(buf, len, "%s", mp->path);
	return buf;
}
