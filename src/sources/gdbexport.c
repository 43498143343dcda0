// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gdbexport.c - the gdb script's export ('iommu-map export FILE', schema
 * "iommu-map-gdb/1") as a source: KVM memslots ("kvm_slots") and the guest
 * addresses of vfio BARs ("pci_bars", with the HVA from "bar_mmaps").
 *
 * "kvm_slots" null is either no KVM (TCG: nothing to know) or, with the
 * reason in "kvm_slots_unknown", slots gdb could not read (its types do not
 * describe that QEMU): then memslots stay unknown, with the reason in
 * m->memslots_why, and the source is partial; never "no memslots".
 *
 * Everything is checked before the model is touched: a bad document leaves
 * the model as it was and returns -EINVAL with a message naming the field.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/gdbexport.h"
#include "findings.h"
#include "iommu-map.h"

#define MAX_DEPTH 32

struct gx_bar {
	char host_bdf[16];
	int bar;
	uint64_t gpa, size;
};

struct gx_mmap {
	char host_bdf[16];
	int bar;
	uint64_t bar_offset, size, hva;
};

struct gx {
	const char *name;
	struct im_err *err;
	struct im_memslot *slots;
	size_t nslots;
	bool slots_known;
	const char *slots_unknown;	/* kvm_slots_unknown, or NULL */
	struct gx_bar *bars;
	size_t nbars;
	struct gx_mmap *mmaps;
	size_t nmmaps;
	size_t skipped;		/* entries whose device name does not fit */
	int pid;		/* -1: null */
	char accel[16];
};

static int bad(struct gx *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct gx *g, const char *fmt, ...)
{
	char msg[sizeof(g->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im_err_set(g->err, g->name, 0, "%s", msg);
	return -EINVAL;
}

/* A member of an object, with its type checked; NULL member allowed when
 * nullable.  Returns 0 and sets *out (NULL for a JSON null or absent and
 * optional), or -EINVAL. */
static int member(struct gx *g, json_object *o, const char *where,
		  const char *key, json_type want, bool optional,
		  json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (optional)
			return 0;
		return bad(g, "%s: missing \"%s\"", where, key);
	}
	if (!json_object_is_type(v, want))
		return bad(g, "%s.%s: expected %s, got %s", where, key,
			   json_type_to_name(want),
			   json_type_to_name(json_object_get_type(v)));
	*out = v;
	return 0;
}

static int hex_member(struct gx *g, json_object *o, const char *where,
		      const char *key, uint64_t *out)
{
	json_object *v;
	const char *s;
	int r = member(g, o, where, key, json_type_string, false, &v);

	if (r)
		return r;
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) ||
	    im_parse_hex(s, (size_t)json_object_get_string_len(v), out))
		return bad(g, "%s.%s: \"%.40s\" is not a 0x hex number of at "
			   "most 64 bits", where, key, s);
	return 0;
}

static int int_member(struct gx *g, json_object *o, const char *where,
		      const char *key, int lo, int hi, int *out)
{
	json_object *v;
	int64_t n;
	int r = member(g, o, where, key, json_type_int, false, &v);

	if (r)
		return r;
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < lo || n > hi)
		return bad(g, "%s.%s: %lld is out of range %d..%d", where, key,
			   (long long)n, lo, hi);
	*out = (int)n;
	return 0;
}

/* A device name such as "0000:0a:00.0"; false when it does not fit. */
static int bdf_member(struct gx *g, json_object *o, const char *where,
		      char bdf[16], bool *fits)
{
	json_object *v;
	int r = member(g, o, where, "host_bdf", json_type_string, false, &v);
	size_t n;

	if (r)
		return r;
	n = (size_t)json_object_get_string_len(v);
	*fits = n > 0 && n < 16 && !memchr(json_object_get_string(v), 0, n);
	if (*fits)
		memcpy(bdf, json_object_get_string(v), n + 1);
	return 0;
}

static int array_member(struct gx *g, json_object *top, const char *key,
			bool nullable, json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(top, key, &v))
		return bad(g, "missing \"%s\"", key);
	if (!v) {
		if (nullable)
			return 0;
		return bad(g, "\"%s\" is null", key);
	}
	if (!json_object_is_type(v, json_type_array))
		return bad(g, "\"%s\": expected an array", key);
	*out = v;
	return 0;
}

static int read_slots(struct gx *g, json_object *a)
{
	size_t i, n = json_object_array_length(a);
	char where[48];
	int r;

	g->slots_known = true;
	if (!n)
		return 0;
	g->slots = im_calloc(n, sizeof(*g->slots));
	if (!g->slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct im_memslot *s = &g->slots[g->nslots];
		uint64_t flags;

		snprintf(where, sizeof(where), "kvm_slots[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return bad(g, "%s: expected an object", where);
		if ((r = int_member(g, o, where, "as_id", 0, 1, &s->as_id)) ||
		    (r = int_member(g, o, where, "slot", 0, 0xffff, &s->slot)) ||
		    (r = hex_member(g, o, where, "gpa", &s->gpa)) ||
		    (r = hex_member(g, o, where, "size", &s->size)) ||
		    (r = hex_member(g, o, where, "hva", &s->hva)) ||
		    (r = hex_member(g, o, where, "flags", &flags)))
			return r;
		if (flags > UINT32_MAX)
			return bad(g, "%s.flags: more than 32 bits", where);
		if (!s->size || s->gpa + s->size - 1 < s->gpa ||
		    s->hva + s->size - 1 < s->hva)
			return bad(g, "%s: size 0x%llx is empty or wraps", where,
				   (unsigned long long)s->size);
		s->flags = (uint32_t)flags;
		g->nslots++;
	}
	return 0;
}

static int read_bars(struct gx *g, json_object *a)
{
	size_t i, n = json_object_array_length(a);
	char where[48];
	int r;

	if (!n)
		return 0;
	g->bars = im_calloc(n, sizeof(*g->bars));
	if (!g->bars)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct gx_bar *b = &g->bars[g->nbars];
		bool fits;

		snprintf(where, sizeof(where), "pci_bars[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return bad(g, "%s: expected an object", where);
		if ((r = bdf_member(g, o, where, b->host_bdf, &fits)) ||
		    (r = int_member(g, o, where, "bar", 0, IM_NBARS - 1, &b->bar)) ||
		    (r = hex_member(g, o, where, "gpa", &b->gpa)) ||
		    (r = hex_member(g, o, where, "size", &b->size)))
			return r;
		if (!fits) {
			g->skipped++;
			continue;
		}
		g->nbars++;
	}
	return 0;
}

static int read_mmaps(struct gx *g, json_object *a)
{
	size_t i, n = json_object_array_length(a);
	char where[48];
	int r;

	if (!n)
		return 0;
	g->mmaps = im_calloc(n, sizeof(*g->mmaps));
	if (!g->mmaps)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct gx_mmap *mm = &g->mmaps[g->nmmaps];
		bool fits;

		snprintf(where, sizeof(where), "bar_mmaps[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return bad(g, "%s: expected an object", where);
		if ((r = bdf_member(g, o, where, mm->host_bdf, &fits)) ||
		    (r = int_member(g, o, where, "bar", 0, IM_NBARS - 1, &mm->bar)) ||
		    (r = hex_member(g, o, where, "bar_offset", &mm->bar_offset)) ||
		    (r = hex_member(g, o, where, "size", &mm->size)) ||
		    (r = hex_member(g, o, where, "hva", &mm->hva)))
			return r;
		if (fits)
			g->nmmaps++;
	}
	return 0;
}

static int read_qemu(struct gx *g, json_object *top)
{
	json_object *q, *v;
	int r = member(g, top, "", "qemu", json_type_object, false, &q);

	if (r)
		return r;
	g->pid = -1;
	if ((r = member(g, q, "qemu", "pid", json_type_int, true, &v)))
		return r;
	if (v) {
		int64_t pid = json_object_get_int64(v);

		if (pid <= 0 || pid > INT_MAX)
			return bad(g, "qemu.pid: %lld is not a pid", (long long)pid);
		g->pid = (int)pid;
	}
	if ((r = member(g, q, "qemu", "accel", json_type_string, true, &v)))
		return r;
	snprintf(g->accel, sizeof(g->accel), "%s",
		 v ? json_object_get_string(v) : "unknown");
	return 0;
}

/* "kvm_slots_unknown": absent or null, else one line (no control
 * character), and then "kvm_slots" must be null. */
static int read_unknown(struct gx *g, json_object *top, bool have_slots)
{
	json_object *v;
	const char *s;
	size_t i, n;
	int r = member(g, top, "", "kvm_slots_unknown", json_type_string, true,
		       &v);

	if (r || !v)
		return r;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!n)
		return bad(g, "kvm_slots_unknown: an empty reason");
	if (n > IM_GDBEXPORT_WHY_MAX)
		return bad(g, "kvm_slots_unknown: longer than %u bytes",
			   IM_GDBEXPORT_WHY_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad(g, "kvm_slots_unknown: a control character "
				   "at byte %zu", i);
	if (have_slots)
		return bad(g, "kvm_slots_unknown is set but kvm_slots is not "
			   "null");
	g->slots_unknown = s;
	return 0;
}

static int read_doc(struct gx *g, json_object *top)
{
	json_object *v, *slots, *bars, *mmaps;
	int r;

	if (!json_object_is_type(top, json_type_object))
		return bad(g, "the document is not a JSON object");
	if ((r = member(g, top, "", "schema", json_type_string, false, &v)))
		return r;
	if (strcmp(json_object_get_string(v), IM_GDBEXPORT_SCHEMA))
		return bad(g, "schema \"%.40s\" is not \"%s\"",
			   json_object_get_string(v), IM_GDBEXPORT_SCHEMA);
	if ((r = read_qemu(g, top)) ||
	    (r = array_member(g, top, "kvm_slots", true, &slots)) ||
	    (r = array_member(g, top, "pci_bars", false, &bars)) ||
	    (r = array_member(g, top, "bar_mmaps", false, &mmaps)) ||
	    (r = read_unknown(g, top, slots != NULL)))
		return r;
	if ((slots && (r = read_slots(g, slots))) ||
	    (r = read_bars(g, bars)) || (r = read_mmaps(g, mmaps)))
		return r;
	return 0;
}

/* Everything checked: now the model changes. */
static int apply(struct im_model *m, struct gx *g)
{
	size_t i, j;
	int r;

	for (i = 0; i < g->nslots; i++)
		if ((r = im_add_memslot(m, &g->slots[i])))
			return r;
	if (g->slots_known) {
		m->memslots_known = true;
		m->memslot_source = "gdb-export";
		im_sort_memslots(m);
	}
	for (i = 0; i < g->nbars; i++) {
		struct im_qemu_bar qb = {
			.bar = g->bars[i].bar,
			.gpa = g->bars[i].gpa,
			.size = g->bars[i].size,
			.source = "gdb-export",
		};

		memcpy(qb.host_bdf, g->bars[i].host_bdf, sizeof(qb.host_bdf));
		for (j = 0; j < g->nmmaps; j++) {
			const struct gx_mmap *mm = &g->mmaps[j];

			if (mm->bar == qb.bar && !strcmp(mm->host_bdf, qb.host_bdf) &&
			    mm->bar_offset == 0 && mm->size) {
				qb.have_hva = true;
				qb.hva = mm->hva;
				break;
			}
		}
		if ((r = im_add_qemu_bar(m, &qb)))
			return r;
	}
	if (m->pid >= 0 && g->pid >= 0 && g->pid != m->pid &&
	    (r = IM_FINDING(m, IM_F_GDB_EXPORT_OTHER_PID, g->name, g->pid, m->pid)))
		return r;
	if (g->slots_unknown) {
		char *why = NULL;

		if (asprintf(&why, "%s: KVM slots unknown: %s", g->name,
			     g->slots_unknown) < 0)
			return -ENOMEM;
		free(m->memslots_why);
		m->memslots_why = why;
		r = im_add_source(m, "gdb-export", IM_SRC_PARTIAL,
				  "%s: KVM slots unknown: %s; %zu vfio BARs%s",
				  g->name, g->slots_unknown, g->nbars,
				  g->skipped ? " (some device names too long)" : "");
	} else if (g->slots_known)
		r = im_add_source(m, "gdb-export", IM_SRC_OK,
				  "%s: %zu KVM slots, %zu vfio BARs%s", g->name,
				  g->nslots, g->nbars,
				  g->skipped ? " (some device names too long)" : "");
	else
		r = im_add_source(m, "gdb-export", IM_SRC_OK,
				  "%s: no KVM slots (accel %s), %zu vfio BARs%s",
				  g->name, g->accel, g->nbars,
				  g->skipped ? " (some device names too long)" : "");
	return r;
}

static unsigned int line_of(const char *buf, size_t off)
{
	unsigned int line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

int im_gdbexport_parse(struct im_model *m, const char *buf, size_t len,
		       const char *name, struct im_err *err)
{
	struct gx g = { .name = name ? name : "gdb export", .err = err,
			.pid = -1 };
	struct json_tokener *tok;
	json_object *top;
	size_t end;
	int r;

	if (len > IM_GDBEXPORT_MAX || len > INT_MAX)
		return bad(&g, "larger than %u bytes", IM_GDBEXPORT_MAX);
	if (len && memchr(buf, 0, len))
		return bad(&g, "holds a NUL byte: not a JSON text");
	tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	top = json_tokener_parse_ex(tok, buf, (int)len);
	if (!top || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		end = json_tokener_get_parse_end(tok);
		json_object_put(top);
		json_tokener_free(tok);
		if (e == json_tokener_continue || e == json_tokener_success)
			return bad(&g, "the JSON text ends too early");
		im_err_set(err, g.name, line_of(buf, end < len ? end : len),
			   "not valid JSON: %s", json_tokener_error_desc(e));
		return -EINVAL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++)
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(top);
			im_err_set(err, g.name, line_of(buf, end),
				   "text after the JSON document");
			return -EINVAL;
		}
	r = read_doc(&g, top);
	if (!r)
		r = apply(m, &g);
	json_object_put(top);
	free(g.slots);
	free(g.bars);
	free(g.mmaps);
	return r;
}

int im_gdbexport_load(struct im_model *m, const char *path, bool keep, struct im_err *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		im_err_set(err, path, 0, "%s", strerror(-r));
		return r;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb;

			if (cap >= IM_GDBEXPORT_MAX + 1) {
				fclose(f);
				free(buf);
				im_err_set(err, path, 0, "larger than %u bytes",
					   IM_GDBEXPORT_MAX);
				return -EINVAL;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > IM_GDBEXPORT_MAX + 1)
				cap = IM_GDBEXPORT_MAX + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		r = -EIO;
		im_err_set(err, path, 0, "read error");
		fclose(f);
		free(buf);
		return r;
	}
	fclose(f);
	r = im_gdbexport_parse(m, buf ? buf : "", len, path, err);
	if (!r && keep) {
		free(m->gdb_export_text);
		m->gdb_export_text = buf;
		m->gdb_export_len = len;
		buf = NULL;
	}
	free(buf);
	return r;
}
