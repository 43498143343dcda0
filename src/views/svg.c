// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svg.c - the picture view (--svg FILE): the three address spaces side by
 * side, GPA, HVA and HPA as columns.  Each BAR (each mmap, in HVA) is a box
 * whose height grows with log2 of its size; gaps between boxes are
 * compressed to one labelled row, as in a memory map diagram.  Memslots are
 * bands from GPA to HVA, the maps offset a band from HVA to HPA; what traps
 * to QEMU is hatched; findings are numbered markers with a legend.  What
 * is unknown is a dashed box, "unknown (why)", kept apart from the axis:
 * no position is ever invented.  For people; --json is for programs.
 *
 * Every box carries its numbers as data-* attributes, which
 * tests/svg-check.py compares with the JSON of the same model.  Every
 * string from the model goes out through im_xml_escape.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

enum col { COL_GPA, COL_HVA, COL_HPA, NCOL };
/* a placed box, an unknown one, a known absence, an I/O port BAR (HPA only) */
enum bkind { BK_KNOWN, BK_UNKNOWN, BK_NONE, BK_IO };

#define MARGIN	20
#define BOX_W	250
#define GUT_W	175
#define TOP	118	/* below the title, the key and the column heads */
#define CHAR_W	6.7	/* DejaVu Sans Mono at 11px: 0.602 em, rounded up */
#define LINE_H	13
#define GAP_H	20	/* a compressed gap, with its label */
#define JOIN_H	4	/* two boxes whose addresses touch */
#define WIDTH	(2 * MARGIN + 3 * BOX_W + 2 * GUT_W)
#define BOX_CHARS ((int)((BOX_W - 12) / CHAR_W))
#define LEGEND_CHARS ((int)((WIDTH - 2 * MARGIN - 30) / CHAR_W))
#define MAX_WHY_LINES 5

struct sbox {
	int dev, bar;
	long mm;		/* HVA: the mmap; GPA without a guest BAR: the piece; else -1 */
	enum bkind kind;
	uint64_t addr, size;
	const char *why;	/* unknown or none: why */
	int y, h;
	int nmarks;		/* findings marked on it so far */
};

struct scol {
	struct sbox *v;
	size_t n, cap;
	int bottom;
};

struct sgap {
	int col, y;
	uint64_t size;
};

/* a label in a gutter between two columns: placed top-down, never overlapping */
struct slabel {
	int y, dev;
	char text[48];
};

struct svg {
	const struct im_model *m;
	FILE *f;
	struct scol col[NCOL];
	struct sgap *gaps;
	size_t ngaps, capgaps;
	struct slabel *lab[2];
	size_t nlab[2], caplab[2];
	int height;
	bool nomem;
};

static const char *const fills[] = { "#cfe2f3", "#d9ead3", "#fff2cc", "#f4cccc",
				     "#d9d2e9", "#fce5cd", "#d0e0e3", "#ead1dc" };
static const char *const strokes[] = { "#2f5f95", "#3f7a2c", "#8a6d00", "#a03030",
				       "#5a4590", "#b0601a", "#2f6f7a", "#90405f" };
#define NPAL (sizeof(fills) / sizeof(fills[0]))

/* ---- writing: every string from the model goes through here ---- */

/* the length of a valid UTF-8 sequence at s (no overlong, no surrogate), or 0 */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe)) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

void im_xml_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int n;

	while (*p) {
		switch (*p) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&apos;", f); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {		/* control bytes: dropped */
			p++;
			continue;
		}
		n = utf8_len(p);
		if (!n) {				/* not UTF-8: one U+FFFD a byte */
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		fwrite(p, 1, (size_t)n, f);
		p += n;
	}
}

static void __attribute__((format(printf, 2, 3))) esc_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	im_xml_escape(f, s ? s : "?");
	free(s);
}

/* <text> at x, y of class cls; its words escaped */
static void __attribute__((format(printf, 5, 6)))
text_at(FILE *f, double x, int y, const char *cls, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	fprintf(f, "<text x=\"%.1f\" y=\"%d\"%s%s%s>", x, y, cls ? " class=\"" : "",
		cls ? cls : "", cls ? "\"" : "");
	im_xml_escape(f, s ? s : "?");
	fputs("</text>\n", f);
	free(s);
}

/*
 * The line of s that starts at *pos, at most width characters (counting
 * UTF-8 sequences as one), broken at a space when there is one; *pos moves
 * past it.  Returns its length in bytes, 0 at the end.
 */
static size_t wrap_line(const char *s, size_t *pos, int width)
{
	size_t start = *pos, i = start, brk = 0;
	int chars = 0;

	while (s[i] == ' ')
		i++;
	start = i;
	while (s[i] && chars < width) {
		if (s[i] == ' ')
			brk = i;
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
		i++;
	}
	while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	if (s[i] && s[i] != ' ' && brk > start)
		i = brk;
	*pos = i;
	return i - start;
}

/* the number of lines wrap_line cuts s into */
static int wrap_count(const char *s, int width)
{
	size_t pos = 0;
	int n = 0;

	while (wrap_line(s, &pos, width))
		n++;
	return n;
}

/* s wrapped at width, at most maxl lines (the last ends in "…" if cut) */
static int text_wrapped(FILE *f, double x, int y, const char *cls, const char *s,
			int width, int maxl)
{
	size_t pos = 0, st, len;
	int n = 0;
	char *line;

	for (;;) {
		st = pos;
		len = wrap_line(s, &pos, width);
		if (!len || n == maxl)
			break;
		while (s[st] == ' ')
			st++;
		line = strndup(s + st, len);
		text_at(f, x, y + n * LINE_H, cls, "%s%s", line ? line : "?",
			n == maxl - 1 && s[pos] && wrap_line(s, &(size_t){ pos }, width) ? " …" : "");
		free(line);
		n++;
	}
	return n;
}

/* ---- the boxes of each column ---- */

static int box_height(uint64_t size)
{
	int l = size ? 63 - __builtin_clzll(size) : 0;

	return 30 + 4 * (l > 12 ? l - 12 : 0);
}

static int unknown_height(const char *why)
{
	/* as wrapped_why words it: "unknown (" why ")" */
	char *t = im_asprintf("unknown (%s)", why ? why : "?");
	int n = t ? wrap_count(t, BOX_CHARS) : 1;

	free(t);
	return 12 + LINE_H * (1 + (n > MAX_WHY_LINES ? MAX_WHY_LINES : n));
}

static int add_box(struct scol *c, const struct sbox *b)
{
	if (im_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v)))
		return -ENOMEM;
	c->v[c->n] = *b;
	c->v[c->n].h = b->kind == BK_KNOWN || b->kind == BK_IO ? box_height(b->size) :
		       unknown_height(b->why);
	c->n++;
	return 0;
}

/* why no mmap of a memory BAR is known: none (maps read), or unknown */
static const char *hva_why(const struct im_model *m, enum bkind *k)
{
	const struct im_source *src = im_find_source(m, "proc");

	if (src && src->status == IM_SRC_OK) {
		*k = BK_NONE;
		return "QEMU's maps hold no mmap of this BAR: every guest access traps";
	}
	*k = BK_UNKNOWN;
	return src && src->detail ? src->detail : "proc/PID/maps not read";
}

static const char *gpa_why(const struct im_model *m)
{
	if (m->paste)
		return "paste: no memslot maps this BAR";
	if (!m->memslots_known)
		return m->memslots_why ? m->memslots_why : "no memslot source answered";
	return "no memslot maps this BAR's mmaps, and no QEMU-side source named its guest address";
}

/* a memory BAR's boxes: HPA, each mmap (HVA), the guest BAR or its pieces (GPA) */
static int collect_bar(struct svg *s, int di, const struct im_bar *b)
{
	struct sbox x = { .dev = di, .bar = b->index, .mm = -1, .kind = BK_KNOWN };
	size_t i;
	int r;

	if (b->kind == IM_BAR_IO) {
		x.kind = BK_IO, x.addr = b->hpa, x.size = b->size;
		return add_box(&s->col[COL_HPA], &x);
	}
	x.addr = b->hpa, x.size = b->size;
	if ((r = add_box(&s->col[COL_HPA], &x)))
		return r;
	for (i = 0; i < b->nmmaps; i++) {
		x.mm = (long)i, x.addr = b->mmaps[i].hva, x.size = b->mmaps[i].size;
		if ((r = add_box(&s->col[COL_HVA], &x)))
			return r;
	}
	if (!b->nmmaps) {
		x.mm = -1, x.size = b->size, x.why = hva_why(s->m, &x.kind);
		if ((r = add_box(&s->col[COL_HVA], &x)))
			return r;
	}
	x.kind = BK_KNOWN, x.why = NULL, x.mm = -1;
	if (b->have_guest_gpa) {
		x.addr = b->guest_gpa, x.size = b->guest_size ? b->guest_size : b->size;
		return add_box(&s->col[COL_GPA], &x);
	}
	for (i = 0; i < b->nguest; i++) {	/* pieces of a guest BAR not named whole */
		x.mm = (long)i, x.addr = b->guest[i].gpa, x.size = b->guest[i].size;
		if ((r = add_box(&s->col[COL_GPA], &x)))
			return r;
	}
	if (!b->nguest) {
		x.kind = BK_UNKNOWN, x.size = b->size, x.why = gpa_why(s->m);
		return add_box(&s->col[COL_GPA], &x);
	}
	return 0;
}

static int collect(struct svg *s)
{
	size_t d;
	int b, r;

	for (d = 0; d < s->m->ndevices; d++) {
		const struct im_device *dv = &s->m->devices[d];

		if (!im_report_shown(s->m, dv))
			continue;
		for (b = 0; b < IM_NBARS; b++)
			if (dv->bars[b].kind != IM_BAR_NONE &&
			    (r = collect_bar(s, (int)d, &dv->bars[b])))
				return r;
	}
	return 0;
}

/* placed boxes by address first; then unknown, none and I/O, in device order */
static int box_cmp(const void *a, const void *b)
{
	const struct sbox *x = a, *y = b;
	int px = x->kind != BK_KNOWN, py = y->kind != BK_KNOWN;

	if (px != py)
		return px - py;
	if (!px && x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev - y->dev;
	if (x->bar != y->bar)
		return x->bar - y->bar;
	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

static int add_gap(struct svg *s, int c, int y, uint64_t size)
{
	if (im_grow(&s->gaps, &s->capgaps, s->ngaps + 1, sizeof(*s->gaps)))
		return -ENOMEM;
	s->gaps[s->ngaps++] = (struct sgap){ .col = c, .y = y, .size = size };
	return 0;
}

/* y of each box, top-down by address; a gap between two is one labelled row */
static int layout_col(struct svg *s, int c)
{
	struct scol *col = &s->col[c];
	int y = TOP;
	uint64_t end = 0;
	bool first = true, unplaced = false;
	size_t i;
	int r;

	if (col->n)
		qsort(col->v, col->n, sizeof(*col->v), box_cmp);
	for (i = 0; i < col->n; i++) {
		struct sbox *b = &col->v[i];

		if (b->kind != BK_KNOWN) {
			y += unplaced ? 8 : 34;		/* room for the section's head */
			unplaced = true;
		} else if (!first && b->addr > end) {
			if ((r = add_gap(s, c, y, b->addr - end)))
				return r;
			y += GAP_H;
		} else if (!first) {
			y += JOIN_H;
		}
		b->y = y;
		y += b->h;
		if (b->kind == BK_KNOWN) {
			end = b->addr + b->size > end || first ? b->addr + b->size : end;
			first = false;
		}
	}
	col->bottom = y;
	return 0;
}

static struct sbox *find_box(struct svg *s, int c, int dev, int bar, uint64_t addr)
{
	struct scol *col = &s->col[c];
	size_t i;

	for (i = 0; i < col->n; i++) {
		struct sbox *b = &col->v[i];

		if (b->dev == dev && b->bar == bar && b->kind != BK_UNKNOWN && b->kind != BK_NONE &&
		    addr >= b->addr && addr - b->addr < b->size)
			return b;
	}
	return NULL;
}

/* [a, a + len) of box b as two y's, at least 2 px apart */
static void span(const struct sbox *b, uint64_t a, uint64_t len, double *y0, double *y1)
{
	double k = (double)b->h / (double)b->size;
	uint64_t off = a - b->addr, e = off + len > b->size ? b->size : off + len;

	*y0 = b->y + k * (double)off;
	*y1 = b->y + k * (double)e;
	if (*y1 - *y0 < 2) {
		double mid = (*y0 + *y1) / 2;

		*y0 = mid - 1;
		*y1 = mid + 1;
	}
}

static double col_x(int c)
{
	return MARGIN + c * (BOX_W + GUT_W);
}

/* ---- drawing ---- */

static int add_label(struct svg *s, int g, int y, int dev, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int add_label(struct svg *s, int g, int y, int dev, const char *fmt, ...)
{
	va_list ap;
	struct slabel *l;

	if (im_grow(&s->lab[g], &s->caplab[g], s->nlab[g] + 1, sizeof(*s->lab[g])))
		return -ENOMEM;
	l = &s->lab[g][s->nlab[g]++];
	l->y = y, l->dev = dev;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	return 0;
}

static void band(struct svg *s, int c, double a0, double a1, double b0, double b1, int dev)
{
	double x0 = col_x(c) + BOX_W, x1 = col_x(c + 1), xm = (x0 + x1) / 2;

	fprintf(s->f, "<path class=\"band\" fill=\"%s\" d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f "
		"L%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f Z\"/>\n", strokes[dev % NPAL],
		x0, a0, xm, a0, xm, b0, x1, b0, x1, b1, xm, b1, xm, a1, x0, a1);
}

/* the memslot pieces of one BAR: GPA box -> HVA box */
static int bands_guest(struct svg *s, int di, const struct im_bar *b)
{
	size_t i;
	int r;

	for (i = 0; i < b->nguest; i++) {
		const struct im_bar_guest *g = &b->guest[i];
		struct sbox *gb = find_box(s, COL_GPA, di, b->index, g->gpa);
		struct sbox *hb = find_box(s, COL_HVA, di, b->index, g->hva);
		double a0, a1, b0, b1;

		if (!gb || !hb)
			continue;
		span(gb, g->gpa, g->size, &a0, &a1);
		span(hb, g->hva, g->size, &b0, &b1);
		fprintf(s->f, "<g class=\"memslot\" data-bdf=\"%s\" data-bar=\"%d\" data-gpa=\"0x%" PRIx64
			"\" data-hva=\"0x%" PRIx64 "\" data-size=\"0x%" PRIx64 "\" data-slot=\"%d\">\n",
			s->m->devices[di].bdf, b->index, g->gpa, g->hva, g->size, g->slot);
		band(s, COL_GPA, a0, a1, b0, b1, di);
		fputs("</g>\n", s->f);
		r = g->slot >= 0 ? add_label(s, 0, (int)((a0 + a1) / 2), di, "slot %d%s", g->slot,
					     g->as_id == 1 ? " (SMM)" : "")
				 : add_label(s, 0, (int)((a0 + a1) / 2), di, "QEMU's own (TCG)");
		if (r)
			return r;
	}
	return 0;
}

/* each mmap of one BAR: HVA box -> HPA box, labelled with its maps offset */
static int bands_mmap(struct svg *s, int di, const struct im_bar *b)
{
	size_t i;
	int r;

	for (i = 0; i < b->nmmaps; i++) {
		const struct im_bar_mmap *mm = &b->mmaps[i];
		struct sbox *hb = find_box(s, COL_HVA, di, b->index, mm->hva);
		struct sbox *pb = find_box(s, COL_HPA, di, b->index, b->hpa);
		double a0, a1, b0, b1;

		if (!hb || !pb)
			continue;
		span(hb, mm->hva, mm->size, &a0, &a1);
		span(pb, b->hpa + mm->bar_offset, mm->size, &b0, &b1);
		band(s, COL_HVA, a0, a1, b0, b1, di);
		if ((r = add_label(s, 1, (int)((a0 + a1) / 2), di, "maps offset 0x%" PRIx64,
				   mm->maps_offset)))
			return r;
	}
	return 0;
}

static int draw_bands(struct svg *s)
{
	size_t d;
	int b, r;

	for (d = 0; d < s->m->ndevices; d++) {
		const struct im_device *dv = &s->m->devices[d];

		if (!im_report_shown(s->m, dv))
			continue;
		for (b = 0; b < IM_NBARS; b++) {
			if (dv->bars[b].kind == IM_BAR_NONE || dv->bars[b].kind == IM_BAR_IO)
				continue;
			if ((r = bands_guest(s, (int)d, &dv->bars[b])) ||
			    (r = bands_mmap(s, (int)d, &dv->bars[b])))
				return r;
		}
	}
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const struct slabel *x = a, *y = b;

	return (x->y > y->y) - (x->y < y->y);
}

/* the gutter's labels, top-down, each at least a line below the one above; the last y */
static int draw_labels(struct svg *s, int g)
{
	int last = 0;
	size_t i;

	if (s->nlab[g])
		qsort(s->lab[g], s->nlab[g], sizeof(*s->lab[g]), label_cmp);
	for (i = 0; i < s->nlab[g]; i++) {
		struct slabel *l = &s->lab[g][i];
		int y = l->y + 4 < last + LINE_H ? last + LINE_H : l->y + 4;

		fprintf(s->f, "<text x=\"%.1f\" y=\"%d\" class=\"halo small\" fill=\"%s\">",
			col_x(g) + BOX_W + 6, y, strokes[l->dev % NPAL]);
		im_xml_escape(s->f, l->text);
		fputs("</text>\n", s->f);
		last = y;
	}
	return last;
}

static const char *const space_name[] = { "gpa", "hva", "hpa" };

/* the hatched stretches of b that trap to QEMU, where box x shows them */
static void draw_traps(struct svg *s, int c, const struct sbox *x, const struct im_bar *b)
{
	size_t i;

	for (i = 0; i < b->ntraps; i++) {
		const struct im_trap *t = &b->traps[i];
		uint64_t a, len = t->size;
		double y0, y1;

		if (c == COL_HPA) {
			a = b->hpa + t->off;
		} else if (c == COL_GPA && x->mm < 0) {
			a = x->addr + t->off;
		} else if (c == COL_HVA) {
			const struct im_bar_mmap *mm = &b->mmaps[x->mm];
			uint64_t lo = t->off > mm->bar_offset ? t->off : mm->bar_offset;
			uint64_t hi = t->off + t->size < mm->bar_offset + mm->size ?
				      t->off + t->size : mm->bar_offset + mm->size;

			if (lo >= hi)
				continue;
			a = mm->hva + (lo - mm->bar_offset), len = hi - lo;
		} else {
			continue;
		}
		if (a - x->addr >= x->size)
			continue;
		span(x, a, len, &y0, &y1);
		if (y1 - y0 < 5)
			y1 = y0 + 5 > x->y + x->h ? x->y + x->h : y0 + 5, y0 = y1 - 5;
		fprintf(s->f, "<rect class=\"trap\" data-bar-offset=\"0x%" PRIx64 "\" data-size=\"0x%"
			PRIx64 "\" data-why=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
			"fill=\"url(#hatch)\"/>\n", t->off, t->size, im_trap_why_name(t->why),
			col_x(c) + 1, y0, BOX_W - 2, y1 - y0);
	}
}

/* the box's numbers, as data-* attributes for tests/svg-check.py */
static void box_attrs(struct svg *s, int c, const struct sbox *x, const struct im_bar *b)
{
	FILE *f = s->f;

	fprintf(f, "<g class=\"box\" data-space=\"%s\" data-bdf=\"", x->kind == BK_IO ? "io" : space_name[c]);
	im_xml_escape(f, s->m->devices[x->dev].bdf);
	fprintf(f, "\" data-bar=\"%d\"", x->bar);
	if (x->kind == BK_UNKNOWN || x->kind == BK_NONE) {
		fprintf(f, " data-%s=\"", x->kind == BK_UNKNOWN ? "unknown" : "none");
		im_xml_escape(f, x->why);
		fputs("\">\n", f);
		return;
	}
	fprintf(f, " data-%s=\"0x%" PRIx64 "\" data-size=\"0x%" PRIx64 "\"",
		x->kind == BK_IO ? "io" : space_name[c], x->addr, x->size);
	if (c == COL_HVA)
		fprintf(f, " data-bar-offset=\"0x%" PRIx64 "\" data-maps-offset=\"0x%" PRIx64 "\"",
			b->mmaps[x->mm].bar_offset, b->mmaps[x->mm].maps_offset);
	if (c == COL_GPA && x->mm >= 0)
		fprintf(f, " data-piece=\"%ld\"", x->mm);
	fputs(">\n", f);
}

/* line 1 of a box: "0000:0a:00.0 BAR 0 · 4K", with the mmap's offset in the BAR */
static void box_title_line(struct svg *s, int c, const struct sbox *x, const struct im_bar *b,
			   double tx)
{
	const char *bdf = s->m->devices[x->dev].bdf;
	char hs[32], off[40] = "";

	if (c == COL_HVA && x->mm >= 0 && b->mmaps[x->mm].bar_offset)
		snprintf(off, sizeof(off), "+0x%" PRIx64, b->mmaps[x->mm].bar_offset);
	if (c == COL_GPA && x->mm >= 0)
		snprintf(off, sizeof(off), " piece");
	text_at(s->f, tx, x->y + 12, "halo b", "%s BAR %d%s · %s%s", bdf, x->bar, off,
		x->kind == BK_IO ? "I/O " : "", im_human_size(x->size, hs));
}

/* "unknown (why)" or "none (why)", wrapped in the box */
static void wrapped_why(FILE *f, double tx, int y, const struct sbox *x)
{
	char *t = im_asprintf("%s (%s)", x->kind == BK_UNKNOWN ? "unknown" : "none",
			      x->why ? x->why : "?");

	text_wrapped(f, tx, y, "halo", t ? t : "unknown", BOX_CHARS, MAX_WHY_LINES);
	free(t);
}

static void draw_box(struct svg *s, int c, const struct sbox *x)
{
	const struct im_device *d = &s->m->devices[x->dev];
	const struct im_bar *b = &d->bars[x->bar];
	double bx = col_x(c), tx = bx + 5;
	bool known = x->kind == BK_KNOWN || x->kind == BK_IO;

	box_attrs(s, c, x, b);
	fputs("<title>", s->f);
	esc_printf(s->f, "%s %s BAR %d", d->bdf, d->name ? d->name : "", x->bar);
	fputs("</title>\n", s->f);
	fprintf(s->f, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" %s/>\n", bx, x->y,
		BOX_W, x->h, x->kind == BK_UNKNOWN ? "class=\"unknown\"" : x->kind == BK_NONE ?
		"class=\"none\"" : "");
	if (known) {
		fprintf(s->f, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" fill=\"%s\" "
			"stroke=\"%s\"/>\n", bx, x->y, BOX_W, x->h, fills[x->dev % NPAL],
			strokes[x->dev % NPAL]);
		if (b->traps_known)
			draw_traps(s, c, x, b);
	}
	box_title_line(s, c, x, b, tx);
	if (known)
		text_at(s->f, tx, x->y + 25, "halo", "0x%" PRIx64 "-0x%" PRIx64, x->addr,
			x->addr + x->size - 1);
	else
		wrapped_why(s->f, tx, x->y + 25, x);
	if (known && x->h >= 44 && b->ntraps && !(c == COL_GPA && x->mm >= 0)) {
		char hs[32];

		text_at(s->f, tx, x->y + 38, "halo", "traps: %s +0x%" PRIx64 " (%s)%s",
			im_trap_why_words(b->traps[0].why), b->traps[0].off,
			im_human_size(b->traps[0].size, hs), b->ntraps > 1 ? " …" : "");
	}
	fputs("</g>\n", s->f);
}

/* "2M", or "~2.5M" where the size is not a whole number of units */
static const char *approx_size(uint64_t size, char buf[32])
{
	static const char unit[] = "KMGTPE";
	int u = -1;
	uint64_t v = size;

	while (v >= 1024 && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0 || !(size & ((1ULL << (10 * (u + 1))) - 1)))
		return im_human_size(size, buf);
	{
		double v1 = (double)size / (double)(1ULL << (10 * (u + 1)));

		snprintf(buf, 32, v1 >= 100 ? "~%.0f%c" : "~%.1f%c", v1, unit[u]);
	}
	return buf;
}

static void draw_col(struct svg *s, int c)
{
	const struct scol *col = &s->col[c];
	bool head = false;
	size_t i;

	for (i = 0; i < s->ngaps; i++) {
		char hs[32];

		if (s->gaps[i].col != c)
			continue;
		fprintf(s->f, "<text x=\"%.1f\" y=\"%d\" class=\"gap\" text-anchor=\"middle\">",
			col_x(c) + BOX_W / 2, s->gaps[i].y + 14);
		esc_printf(s->f, "… gap 0x%" PRIx64 " (%s) …", s->gaps[i].size,
			   approx_size(s->gaps[i].size, hs));
		fputs("</text>\n", s->f);
	}
	for (i = 0; i < col->n; i++) {
		if (col->v[i].kind != BK_KNOWN && !head) {
			text_at(s->f, col_x(c), col->v[i].y - 10, "sect", "%s",
				c == COL_HPA && col->v[i].kind == BK_IO ? "I/O port space, not on this axis:" :
				"not on this axis (no address known):");
			head = true;
		}
		draw_box(s, c, &col->v[i]);
	}
}

/* ---- findings: a numbered marker on the box the subject names, and the legend ---- */

/* the HPA box of "BDF BAR n" (or of the device's first BAR, for "BDF"), or NULL */
static struct sbox *subject_box(struct svg *s, const char *subj)
{
	const char *sp = strchr(subj, ' ');
	size_t len = sp ? (size_t)(sp - subj) : strlen(subj), i;
	char bdf[16];
	int dev, bar = -1;

	if (im_bdf_norm(subj, len, bdf) || (dev = im_find_device(s->m, bdf)) < 0)
		return NULL;
	if (sp && !strncmp(sp, " BAR ", 5) && sp[5] >= '0' && sp[5] <= '5')
		bar = sp[5] - '0';
	for (i = 0; i < s->col[COL_HPA].n; i++) {
		struct sbox *b = &s->col[COL_HPA].v[i];

		if (b->dev == dev && (bar < 0 || b->bar == bar))
			return b;
	}
	return NULL;
}

static void marker(FILE *f, double x, int y, size_t n, enum im_severity sev)
{
	static const char *const col[] = { "#3d6fa5", "#c07a00", "#c02020" };

	fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"8\" fill=\"%s\" stroke=\"#fff\"/>"
		"<text x=\"%.1f\" y=\"%d\" class=\"mark\" text-anchor=\"middle\">%zu</text>\n",
		x, y, col[sev <= IM_SEV_ERROR ? sev : IM_SEV_ERROR], x, y + 4, n);
}

static void draw_markers(struct svg *s)
{
	size_t i;

	for (i = 0; i < s->m->nfindings; i++) {
		const struct im_finding *fd = &s->m->findings[i];
		struct sbox *b = subject_box(s, fd->subject);

		if (!b)
			continue;
		fprintf(s->f, "<g class=\"marker\" data-finding=\"%zu\" data-code=\"", i + 1);
		im_xml_escape(s->f, fd->code);
		fprintf(s->f, "\" data-bdf=\"%s\" data-bar=\"%d\">\n", s->m->devices[b->dev].bdf, b->bar);
		/* right to left from the box's top right corner; past 4, on the next row */
		marker(s->f, col_x(COL_HPA) + BOX_W - 10 - 19 * (b->nmarks % 4),
		       b->y + 10 + 19 * (b->nmarks / 4), i + 1, fd->severity);
		fputs("</g>\n", s->f);
		b->nmarks++;
	}
}

/* the findings, numbered, each wrapped; returns the y below them */
static int draw_legend(struct svg *s, int y)
{
	size_t i;

	text_at(s->f, MARGIN, y, "h", "findings: %zu%s", s->m->nfindings,
		s->m->nfindings ? " (a marker on the HPA box of the BAR or device a finding names)" : "");
	y += 10;
	for (i = 0; i < s->m->nfindings; i++) {
		const struct im_finding *fd = &s->m->findings[i];
		char *line = im_asprintf("%s %s · %s: %s", im_severity_name(fd->severity), fd->code,
					 fd->subject, fd->message);
		int n;

		y += LINE_H + 6;
		fprintf(s->f, "<g class=\"finding\" data-finding=\"%zu\" data-severity=\"%s\" data-code=\"",
			i + 1, im_severity_name(fd->severity));
		im_xml_escape(s->f, fd->code);
		fputs("\">\n", s->f);
		marker(s->f, MARGIN + 9, y - 4, i + 1, fd->severity);
		n = text_wrapped(s->f, MARGIN + 24, y, NULL, line ? line : "?", LEGEND_CHARS, 12);
		fputs("</g>\n", s->f);
		y += (n - 1) * LINE_H;
		free(line);
	}
	return y + 20;
}

/* ---- the frame: title, key, column heads ---- */

static void draw_head(FILE *f, const struct im_model *m)
{
	char who[64];

	if (m->paste)
		text_at(f, MARGIN, 24, "h", "iommu-map: pasted text, no host (the HPA is unknown)");
	else
		text_at(f, MARGIN, 24, "h", "iommu-map: pid %d (%s), kernel %s, maps offset: %s", m->pid,
			m->comm ? m->comm : "?", m->kernel ? m->kernel : "unknown",
			im_offset_mode_name(m->offset_mode));
	if (m->memslots_known)
		text_at(f, MARGIN, 42, NULL, "memslots: %zu from %s. Box height grows with log2(size); "
			"a gap between boxes is one row, labelled with its size.", m->nmemslots,
			m->memslot_source ? m->memslot_source : "?");
	else
		text_at(f, MARGIN, 42, NULL, "memslots: unknown (%s). Box height grows with log2(size); "
			"a gap between boxes is one row.", m->memslots_why ? m->memslots_why :
			"no memslot source answered");
	/* the key */
	fprintf(f, "<rect x=\"%d\" y=\"54\" width=\"28\" height=\"14\" fill=\"url(#hatch)\" stroke=\"#888\"/>\n",
		MARGIN);
	text_at(f, MARGIN + 34, 65, NULL, "traps to QEMU");
	fprintf(f, "<rect x=\"%d\" y=\"54\" width=\"28\" height=\"14\" class=\"unknown\"/>\n", MARGIN + 150);
	text_at(f, MARGIN + 184, 65, NULL, "unknown (why): not placed");
	fprintf(f, "<path d=\"M%d 54 C%d 54 %d 68 %d 68 L%d 54 Z\" fill=\"#888\" class=\"band\"/>\n",
		MARGIN + 380, MARGIN + 394, MARGIN + 394, MARGIN + 408, MARGIN + 408);
	text_at(f, MARGIN + 414, 65, NULL, "memslot (GPA -> HVA), mmap (HVA -> HPA)");
	fprintf(f, "<circle cx=\"%d\" cy=\"61\" r=\"8\" fill=\"#3d6fa5\"/>", MARGIN + 720);
	text_at(f, MARGIN + 732, 65, NULL, "finding (listed below)");
	snprintf(who, sizeof(who), m->pid >= 0 ? "pid %d" : "QEMU", m->pid);
	text_at(f, col_x(COL_GPA), TOP - 14, "h", "GPA: guest physical");
	text_at(f, col_x(COL_HVA), TOP - 14, "h", "HVA: virtual, in %s", who);
	text_at(f, col_x(COL_HPA), TOP - 14, "h", "HPA: host physical");
}

static void svg_begin(FILE *f, int height)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
		"<style>\n"
		"text { font-family: 'DejaVu Sans Mono', monospace; font-size: 11px; }\n"
		".h { font-size: 13px; font-weight: bold; } .b { font-weight: bold; }\n"
		".small { font-size: 10.5px; } .sect { font-style: italic; fill: #555; }\n"
		".gap { font-style: italic; fill: #666; font-size: 10.5px; }\n"
		".mark { fill: #fff; font-size: 10px; font-weight: bold; }\n"
		".halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }\n"
		".band { fill-opacity: 0.22; }\n"
		".unknown { fill: #fff; stroke: #777; stroke-dasharray: 5 3; }\n"
		".none { fill: #f2f2f2; stroke: #aaa; }\n"
		"</style>\n"
		"<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\" fill-opacity=\"0.5\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c03030\" stroke-width=\"2.5\"/>"
		"</pattern></defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", WIDTH, height, WIDTH, height);
}

static void svg_free(struct svg *s)
{
	int c;

	for (c = 0; c < NCOL; c++)
		free(s->col[c].v);
	free(s->gaps);
	free(s->lab[0]);
	free(s->lab[1]);
}

/* everything below the frame, into s->f; the height it takes */
static int draw_body(struct svg *s, int *height)
{
	int c, r, y = TOP, l;

	if ((r = draw_bands(s)))
		return r;
	for (c = 0; c < NCOL; c++) {
		draw_col(s, c);
		if (s->col[c].bottom > y)
			y = s->col[c].bottom;
	}
	for (c = 0; c < 2; c++)
		if ((l = draw_labels(s, c)) > y)
			y = l;
	if (!s->col[COL_HPA].n && !s->col[COL_HVA].n)
		text_at(s->f, MARGIN, y += 20, NULL, "%s", s->m->paste ?
			"paste mode: no host devices to draw (the text report says what each pasted number is)" :
			"no passed-through device found");
	draw_markers(s);
	*height = draw_legend(s, y + 36);
	return 0;
}

int im_report_svg(FILE *f, const struct im_model *m)
{
	struct svg s = { .m = m };
	char *body = NULL;
	size_t blen = 0;
	int c, r, height = 0;

	r = collect(&s);
	for (c = 0; !r && c < NCOL; c++)
		r = layout_col(&s, c);
	if (!r && !(s.f = open_memstream(&body, &blen)))
		r = -ENOMEM;
	if (!r) {
		r = draw_body(&s, &height);
		if (fclose(s.f) && !r)
			r = -ENOMEM;
	}
	if (!r) {
		svg_begin(f, height);
		draw_head(f, m);
		fwrite(body, 1, blen, f);
		fputs("</svg>\n", f);
	}
	free(body);
	svg_free(&s);
	return r ? r : ferror(f) ? -EIO : 0;
}
