// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * maps-paste.c - `--maps FILE`: a /proc/PID/maps, or `pmap -X` output, as
 * people paste it: a grep of a few lines, inside a mail or a forum post.
 * Each line goes through lib/paste.c (blanks, quote markers, log prefixes),
 * then:
 *   - a maps line ("start-end perms offset dev inode [path]"), also behind a
 *     size column some tools print first ("256M 7f14...-7f14... rw-s ..."),
 *     and with HTML's &nbsp; (and &lt; &gt; &amp;) where a web page kept them;
 *   - a `pmap -X` row, read by the columns its header names (Address, Perm,
 *     Offset, Device, Inode, Size in KiB, and Mapping when there is one);
 *     a row without Mapping has no path, so whether it is vfio is unknown.
 * Anything else is skipped and counted ("N lines not understood (first:
 * FILE:LINE)"); the paste is refused only when no line could be read.
 * The mappings are sorted by start; two that overlap are from two processes
 * (or a torn read) and are an error naming both lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "findings.h"
#include "lib/paste.h"
#include "sources/maps-paste.h"
#include "sources/mtree.h"

#define MAXLINE 4096

/* [s, e) into buf without HTML's entities for blanks and brackets; its length */
static size_t unhtml(const char *s, const char *e, char *buf)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&nbsp;", ' ' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
	};
	size_t n = 0, k;

	while (s < e) {
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			size_t l = strlen(ents[k].ent);

			if ((size_t)(e - s) >= l && !memcmp(s, ents[k].ent, l))
				break;
		}
		if (k < sizeof(ents) / sizeof(ents[0])) {
			buf[n++] = ents[k].c;
			s += strlen(ents[k].ent);
		} else {
			buf[n++] = *s++;
		}
	}
	return n;
}

static const char *word_end(const char *p, const char *e)
{
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	return p;
}

static const char *skip_blanks(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "256M " / "16G " / "4K ": a size column in front of a maps line */
static const char *size_column(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == s || p + 1 >= e || !strchr("KMGT", *p) || p[1] != ' ')
		return s;
	return skip_blanks(p + 1, e);
}

enum { COL_ADDR, COL_PERM, COL_OFF, COL_DEV, COL_INODE, COL_SIZE, COL_MAP, NCOL };

/* a pmap -X header: which column holds what; false if it is not one */
static bool pmap_header(const char *s, const char *e, int col[NCOL], int *ncols)
{
	static const char *const names[NCOL] = {
		"Address", "Perm", "Offset", "Device", "Inode", "Size", "Mapping",
	};
	int c[NCOL], i = 0, k;

	for (k = 0; k < NCOL; k++)
		c[k] = -1;
	for (s = skip_blanks(s, e); s < e; s = skip_blanks(word_end(s, e), e), i++)
		for (k = 0; k < NCOL; k++)
			if ((size_t)(word_end(s, e) - s) == strlen(names[k]) &&
			    !memcmp(s, names[k], strlen(names[k]))) {
				if (c[k] >= 0)	/* a name twice: no header pmap prints */
					return false;
				c[k] = i;
			}
	for (k = 0; k < COL_MAP; k++)
		if (c[k] < 0)
			return false;
	memcpy(col, c, sizeof(c));
	*ncols = i;
	return true;
}

static int hex_word(const char *s, const char *e, uint64_t *v)
{
	return im_parse_hex(s, (size_t)(e - s), v);
}

/* a pmap -X row by the header's columns: 0, -EINVAL (not one), -ENOMEM */
static int pmap_row(const char *s, const char *e, const int col[NCOL], int ncols,
		    struct im_map *mp)
{
	const char *w[64], *we[64];
	uint64_t size, maj, min;
	const char *colon;
	int n = 0;

	for (s = skip_blanks(s, e); s < e && n < 64; s = skip_blanks(we[n - 1], e)) {
		w[n] = s;
		we[n] = word_end(s, e);
		n++;
		if (col[COL_MAP] >= 0 && n == col[COL_MAP] + 1) {
			we[n - 1] = e;	/* the mapping may hold blanks */
			while (we[n - 1] > w[n - 1] && (we[n - 1][-1] == ' ' || we[n - 1][-1] == '\t'))
				we[n - 1]--;
			break;
		}
	}
	if (n < (col[COL_MAP] >= 0 ? col[COL_MAP] : ncols))
		return -EINVAL;
	for (int k = 0; k < COL_MAP; k++)	/* every column it reads is in the row */
		if (n <= col[k])
			return -EINVAL;
	memset(mp, 0, sizeof(*mp));
	if (hex_word(w[col[COL_ADDR]], we[col[COL_ADDR]], &mp->start) ||
	    hex_word(w[col[COL_OFF]], we[col[COL_OFF]], &mp->offset) ||
	    we[col[COL_PERM]] - w[col[COL_PERM]] != 4)
		return -EINVAL;
	memcpy(mp->perms, w[col[COL_PERM]], 4);
	colon = memchr(w[col[COL_DEV]], ':', (size_t)(we[col[COL_DEV]] - w[col[COL_DEV]]));
	if (!colon || hex_word(w[col[COL_DEV]], colon, &maj) ||
	    hex_word(colon + 1, we[col[COL_DEV]], &min) || maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	mp->dev_major = (unsigned int)maj;
	mp->dev_minor = (unsigned int)min;
	{
		char num[24];
		size_t l = (size_t)(we[col[COL_SIZE]] - w[col[COL_SIZE]]);
		char *end;

		if (!l || l >= sizeof(num))
			return -EINVAL;
		memcpy(num, w[col[COL_SIZE]], l);
		num[l] = 0;
		size = strtoull(num, &end, 10);
		if (*end || !size || size > (UINT64_MAX >> 10) || mp->start + (size << 10) < mp->start)
			return -EINVAL;
		l = (size_t)(we[col[COL_INODE]] - w[col[COL_INODE]]);
		if (!l || l >= sizeof(num))
			return -EINVAL;
		memcpy(num, w[col[COL_INODE]], l);
		num[l] = 0;
		mp->inode = strtoull(num, &end, 10);
		if (*end)
			return -EINVAL;
	}
	mp->end = mp->start + (size << 10);
	mp->cdev = mp->dev = mp->bar = -1;
	if (col[COL_MAP] >= 0 && n > col[COL_MAP]) {
		mp->path = strndup(w[col[COL_MAP]], (size_t)(we[col[COL_MAP]] - w[col[COL_MAP]]));
		if (!mp->path)
			return -ENOMEM;
		im_map_classify(mp);
		return 0;
	}
	mp->path = strdup("");
	mp->unnamed = true;
	return mp->path ? 0 : -ENOMEM;
}

static int cmp_map(const void *a, const void *b)
{
	const struct im_map *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

void im_maps_paste_free(struct im_maps_paste *mp)
{
	while (mp->nmaps)
		im_map_path_free(&mp->maps[--mp->nmaps]);
	free(mp->maps);
	memset(mp, 0, sizeof(*mp));
}

/* one line [s, e), already stripped: a mapping in *m (1), not one (0), -ENOMEM */
static int one_line(const char *s, const char *e, bool pmap, const int col[NCOL], int ncols,
		    struct im_map *m)
{
	char buf[MAXLINE];
	size_t n;
	int r;

	if ((size_t)(e - s) >= sizeof(buf))
		return 0;
	n = unhtml(s, e, buf);
	s = size_column(buf, buf + n);
	memset(m, 0, sizeof(*m));
	r = im_parse_maps_line(s, buf + n, m);
	if (r && r != -ENOMEM && pmap) {
		im_map_path_free(m);
		r = pmap_row(buf, buf + n, col, ncols, m);
	}
	if (r == -ENOMEM)
		return r;
	if (r) {
		im_map_path_free(m);
		m->path = NULL;
		return 0;
	}
	return 1;
}

/* the offset field of a maps line [s, e): its digits, fewer than the 8 maps prints? */
static bool offset_short(const char *s, const char *e)
{
	int w;

	for (w = 0; w < 2 && s < e; w++) {	/* past "start-end perms " */
		while (s < e && *s != ' ')
			s++;
		while (s < e && *s == ' ')
			s++;
	}
	return s < e && (size_t)(word_end(s, e) - s) < 8;
}

/*
 * A maps line with no path whose path a mail wrapped onto the next line:
 * that line, stripped, is one word that reads as a path (/..., [..],
 * anon_inode:...).  Its end, or NULL.
 */
static const char *wrapped_path(const char *p, const char *end, const char **ws)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;

	if (le > p && le[-1] == '\r')
		le--;
	return im_paste_path_word(p, le, ws);
}

/* m's path, when it has none, from a wrapped next line at *p (then consumed;
 * *lno, the logical line, counts it) */
static int join_path(struct im_map *m, const char **p, const char *end, unsigned int *lno,
		     unsigned int *joined)
{
	const char *ws, *we = *p < end ? wrapped_path(*p, end, &ws) : NULL, *nl;

	if (!we || (m->path && *m->path))
		return 0;
	im_map_path_free(m);
	m->path = strndup(ws, (size_t)(we - ws));
	if (!m->path)
		return -ENOMEM;
	im_map_classify(m);
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*p = nl ? nl + 1 : end;
	(*lno)++;
	(*joined)++;
	return 0;
}

/*
 * The lines of text, read into out: line is the file's line of the logical
 * line lno (a QP soft break joins lines, lib/paste.h).
 */
static int parse_text(const struct im_paste_text *text, const char *file,
		      struct im_maps_paste *out, struct im_err *err)
{
	const char *p = text->buf, *end = text->buf + text->len;
	int col[NCOL], ncols = 0, r = 0;
	bool pmap = false;
	size_t cap = 0, i;
	unsigned int line = 0, lno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s;
		struct im_map m;

		line = im_paste_line(text, ++lno);
		if (le > p && le[-1] == '\r')
			le--;
		s = im_paste_strip(p, le);
		p = nl ? nl + 1 : end;
		if (s == le)
			continue;
		if (pmap_header(s, le, col, &ncols)) {
			pmap = true;
			out->pmap = true;
			continue;
		}
		r = one_line(s, le, pmap, col, ncols, &m);
		if (r < 0)
			break;
		if (!r && out->mtree && line < out->nmtree && out->mtree[line]) {
			out->by_mtree++;
			continue;
		}
		if (!r) {
			if (!out->unknown++)
				out->first_unknown = line;
			continue;
		}
		m.line = line;
		/* maps prints an offset as %08lx, and it is pgoff << PAGE_SHIFT */
		if (!pmap && (offset_short(size_column(s, le), le) || (m.offset & 0xfff))) {
			m.offset_lost = true;
			if (!out->short_offset++)
				out->first_short = line;
		}
		r = pmap ? 0 : join_path(&m, &p, end, &lno, &out->joined);
		if (!r)
			r = im_grow(&out->maps, &cap, out->nmaps + 1, sizeof(*out->maps));
		if (r) {
			im_map_path_free(&m);
			break;
		}
		out->maps[out->nmaps++] = m;
		r = 0;
	}
	out->nlines = lno;
	if (!r && !out->nmaps) {
		if (out->unknown)
			im_err_set(err, file, 0, "no /proc/PID/maps line or pmap -X row found; %u line%s not understood (first: %s:%u)",
				   out->unknown, out->unknown == 1 ? "" : "s", file, out->first_unknown);
		else
			im_err_set(err, file, 0, "no /proc/PID/maps line or pmap -X row found");
		r = -EINVAL;
	}
	if (!r && out->nmaps)
		qsort(out->maps, out->nmaps, sizeof(*out->maps), cmp_map);
	for (i = 1; !r && i < out->nmaps; i++)
		if (out->maps[i].start < out->maps[i - 1].end) {
			im_err_set(err, file, out->maps[i].line,
				   "mapping overlaps the one of line %u: two processes in one paste?",
				   out->maps[i - 1].line);
			r = -EINVAL;
		}
	if (r == -ENOMEM)
		im_err_set(err, file, line, "out of memory");
	if (r)
		im_maps_paste_free(out);
	return r;
}

/* parse_text through the frame every paste reader shares */
static int parse_any(const struct im_paste_text *text, const char *file, void *out,
		     struct im_err *err)
{
	return parse_text(text, file, out, err);
}

int im_maps_paste_parse(const char *buf, size_t len, const char *file,
			struct im_maps_paste *out, struct im_err *err)
{
	memset(out, 0, sizeof(*out));
	return im_paste_parse(buf, len, file, parse_any, out, &out->qp, &out->qp_soft, err);
}

/*
 * The file lines the memory-tree reader reads in [buf, buf + len): its range,
 * header and alias lines and the continuations it joins to them (up to the
 * next line it keeps), as a map of *n lines; NULL when it reads no tree
 * there (or out of memory: then every line is counted here, as before).
 */
static unsigned char *mtree_lines(const char *buf, size_t len, const char *file, unsigned int *n)
{
	struct im_mtree t;
	struct im_err e;
	unsigned char *map = NULL;
	size_t i;

	if (im_mtree_parse(buf, len, file, &t, &e))
		return NULL;
	*n = t.nlines ? t.lines[t.nlines - 1].line + 1 : 0;
	map = *n ? calloc(*n, 1) : NULL;
	for (i = 0; map && i < t.nlines; i++) {
		const struct im_mtree_line *l = &t.lines[i];
		unsigned int k, end = i + 1 < t.nlines ? t.lines[i + 1].line : l->line + 1;

		if (l->kind == IM_MTL_RANGE || l->kind == IM_MTL_HEADER || l->kind == IM_MTL_ALIAS)
			for (k = l->line; k < end && k < *n; k++)
				map[k] = 1;
	}
	im_mtree_free(&t);
	return map;
}

/* pasted mappings that are the target's own (same start and end): a match */
static size_t matching(const struct im_model *m, const struct im_maps_paste *mp)
{
	size_t i, n = 0;

	for (i = 0; i < mp->nmaps; i++) {
		long k = im_find_map(m, mp->maps[i].start);

		if (k >= 0 && m->maps[k].start == mp->maps[i].start &&
		    m->maps[k].end == mp->maps[i].end)
			n++;
	}
	return n;
}

static size_t count_vfio(const struct im_maps_paste *mp)
{
	size_t i, n = 0;

	for (i = 0; i < mp->nmaps; i++)
		n += mp->maps[i].vfio;
	return n;
}

int im_maps_paste_load(struct im_model *m, const char *file, struct im_err *err)
{
	return im_maps_paste_load_beside(m, file, false, err);
}

/* the paste read into *mp; beside_mtree: the lines --mtree reads are its */
static int read_paste(const char *file, bool beside_mtree, const char **name,
		      struct im_maps_paste *mp, struct im_err *err)
{
	unsigned char *taken = NULL;
	unsigned int ntaken = 0;
	size_t len = 0;
	char *buf = NULL;
	int r = im_paste_read(file, (size_t)64 << 20, name, &buf, &len, err);

	if (r)
		return r;
	if (beside_mtree)
		taken = mtree_lines(buf, len, *name, &ntaken);
	memset(mp, 0, sizeof(*mp));
	mp->mtree = taken;
	mp->nmtree = ntaken;
	r = im_paste_parse(buf, len, *name, parse_any, mp, &mp->qp, &mp->qp_soft, err);
	free(buf);
	free(taken);
	mp->mtree = NULL;
	return r;
}

int im_maps_paste_load_beside(struct im_model *m, const char *file, bool beside_mtree,
			      struct im_err *err)
{
	struct im_maps_paste mp;
	char skipped[600] = "";
	size_t same;
	int r = read_paste(file, beside_mtree, &file, &mp, err);

	if (r)
		return r;
	if (mp.unknown)
		snprintf(skipped, sizeof(skipped), "; %u line%s not understood (first: %s:%u)",
			 mp.unknown, mp.unknown == 1 ? "" : "s", file, mp.first_unknown);
	if (mp.by_mtree)
		snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped),
			 "; %u line%s read by --mtree", mp.by_mtree, mp.by_mtree == 1 ? "" : "s");
	if (mp.joined)
		snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped),
			 "; %u path%s wrapped onto the next line, joined", mp.joined,
			 mp.joined == 1 ? "" : "s");
	if (mp.short_offset)
		snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped),
			 "; %u offset%s not as maps prints one (under 8 digits, or not page-aligned; first: line %u): zeros lost on the way (a mail archive strips runs of them)? not read",
			 mp.short_offset, mp.short_offset == 1 ? "" : "s", mp.first_short);
	if (mp.qp)
		im_paste_qp_note(mp.qp, mp.qp_soft, skipped + strlen(skipped),
				 sizeof(skipped) - strlen(skipped));
	if (m->paste) {
		/* no target: the paste is the maps */
		r = im_add_source(m, "maps-paste", IM_SRC_OK, "%s: %zu mappings%s, %zu of them vfio BAR mmaps%s",
				  file, mp.nmaps, mp.pmap ? " (pmap -X)" : "", count_vfio(&mp), skipped);
		if (!r) {
			m->maps = mp.maps;
			m->nmaps = mp.nmaps;
			mp.maps = NULL;
			mp.nmaps = 0;
		}
		im_maps_paste_free(&mp);
		return r;
	}
	same = matching(m, &mp);
	if (same)
		r = im_add_source(m, "maps-paste", IM_SRC_OK,
				  "%s: %zu of its %zu mappings are the target's (pid %d), so it is this process's; the report uses the target's own maps%s",
				  file, same, mp.nmaps, m->pid, skipped);
	else
		r = im_add_source(m, "maps-paste", IM_SRC_PARTIAL,
				  "%s: none of its %zu mappings is one of the target's (pid %d): the paste comes from another process or another run, and is kept apart%s",
				  file, mp.nmaps, m->pid, skipped);
	if (!r && !same)
		r = IM_FINDING(m, IM_F_PASTE_OTHER_PROCESS, file, mp.nmaps, m->pid);
	im_maps_paste_free(&mp);
	return r;
}
