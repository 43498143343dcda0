// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * paste-qp.c - a paste that is mail text in raw quoted-printable (RFC 2045,
 * 6.7): "=3D" for '=', "=20", "=D1=8F" for the UTF-8 bytes of 'я', and soft
 * line breaks, a line ending in '=' that goes on in the next one with no
 * newline.  A mail archive's raw mbox keeps it so (tests/pastes/08, 11).
 *
 * The whole text is decoded or none of it, and only when its shape is QP's:
 *   every '=' starts "=XX" (two upper-case hex digits) or ends its line
 *	(a soft break; blanks after it are transport's, RFC 2045);
 *   no line is longer than 76 bytes, not counting a quote prefix ("> >>>> ")
 *	that a reply added after encoding;
 *   at least one soft break, and every soft-broken line at least 60 bytes
 *	long (an encoder breaks at the limit, 76, or just short of an escape);
 *   and a second sign: an escape only an encoder writes (=3D, =20, =09, or a
 *	UTF-8 sequence, =D1=8F) or a second soft break.
 * A trace's "ret=-22", "size=0x1000" or "host=84:00.0,id=..." has an '='
 * that starts no escape, so such text is never touched.
 *
 * Decoding joins each soft-broken line with the next one.  Quote markers
 * are part of the encoded text when the quoted mail was encoded (the
 * continuation has none: 08's "> >>>> ...vfio_reg=" / "ion_mmap Region");
 * when a reply quoted the raw QP, the continuation starts with the same
 * quote prefix as its first line, and that prefix is dropped.  An '=' that
 * starts no escape is kept as it is (RFC 2045's advice to decoders).
 *
 * The line map: a reader numbers the decoded (logical) lines; first[i] is
 * the file line where logical line i + 1 starts, so that every error, "N
 * lines not understood (first: file:line)" and finding names the line of the
 * file the user has (im_paste_line()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "lib/paste.h"

#define QP_LINE_MAX	76	/* RFC 2045's limit of an encoded line */
#define QP_SOFT_MIN	60	/* a soft-broken line is about that long or more */

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* the byte of "=XX" at p (p[0] == '='), or -1 */
static int escape(const char *p, const char *e)
{
	if (e - p < 3 || hexv(p[1]) < 0 || hexv(p[2]) < 0)
		return -1;
	return hexv(p[1]) << 4 | hexv(p[2]);
}

/* the quote prefix of [s, e): '>' markers, each with the blanks after it */
static size_t quote_prefix(const char *s, const char *e)
{
	const char *p = s, *q = s;

	while (q < e && *q == '>') {
		q++;
		while (q < e && *q == ' ')
			q++;
		p = q;
	}
	return (size_t)(p - s);
}

/* p at '=' in [p, e) (e: the end of the line, before CR): a soft break? */
static bool soft_break(const char *p, const char *e)
{
	for (p++; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

/* an escape only an encoder writes: =3D, =20, =09, or a UTF-8 lead byte
 * escaped and followed by an escaped continuation byte */
static bool encoder_escape(int c, const char *next, const char *e)
{
	int c2;

	if (c == '=' || c == ' ' || c == '\t')
		return true;
	if (c < 0xc2 || c > 0xf4 || next >= e || *next != '=')
		return false;
	c2 = escape(next, e);
	return c2 >= 0x80 && c2 <= 0xbf;
}

struct qp_shape {
	unsigned int soft, signs;
	bool bad;
};

/* one line [s, e) (no '\n') into *sh */
static void shape_line(const char *s, const char *e, struct qp_shape *sh)
{
	const char *le = e, *p;

	while (le > s && le[-1] == '\r')
		le--;
	for (p = s; p < le; p++) {
		int c;

		if (*p != '=')
			continue;
		if (soft_break(p, le)) {
			if (p - s < QP_SOFT_MIN)
				sh->bad = true;
			sh->soft++;
			return;
		}
		c = escape(p, le);
		if (c < 0) {
			sh->bad = true;
			return;
		}
		if (encoder_escape(c, p + 3, le))
			sh->signs++;
		p += 2;
	}
}

bool im_paste_is_qp(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	struct qp_shape sh = { 0 };

	while (p < end && !sh.bad) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *le = e;

		while (le > p && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if ((size_t)(le - p) > QP_LINE_MAX + quote_prefix(p, le))
			return false;
		if (memchr(p, '=', (size_t)(e - p)))
			shape_line(p, e, &sh);
		p = nl ? nl + 1 : end;
	}
	return !sh.bad && sh.soft && (sh.signs || sh.soft >= 2);
}

/* the map: logical line t->nfirst + 1 starts at file line line */
static int map_line(struct im_paste_text *t, size_t *cap, unsigned int line)
{
	int r = im_grow(&t->first, cap, t->nfirst + 1, sizeof(*t->first));

	if (!r)
		t->first[t->nfirst++] = line;
	return r;
}

/* decode line [s, e) (no '\n') onto t->own; *soft: it ends in a soft break */
static void decode_line(struct im_paste_text *t, const char *s, const char *e, bool *soft)
{
	char *o = t->own + t->len;
	const char *p;

	*soft = false;
	for (p = s; p < e; p++) {
		int c;

		if (*p != '=') {
			*o++ = *p;
			continue;
		}
		if (soft_break(p, e)) {
			*soft = true;
			break;
		}
		c = escape(p, e);
		if (c < 0) {
			*o++ = '=';	/* no escape: kept */
			continue;
		}
		*o++ = (char)c;
		p += 2;
	}
	t->len = (size_t)(o - t->own);
}

int im_paste_qp_decode(const char *buf, size_t len, struct im_paste_text *t)
{
	const char *p = buf, *end = buf + len, *first = buf;
	unsigned int line = 0;
	size_t cap = 0, qlen = 0, from;
	bool soft = false;
	int r;

	memset(t, 0, sizeof(*t));
	t->own = malloc(len ? len : 1);
	if (!t->own)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		size_t q = quote_prefix(p, e);

		line++;
		if (!soft) {
			r = map_line(t, &cap, line);
			if (r)
				goto fail;
			qlen = q;
			first = p;
		} else {
			if (qlen && q == qlen && !memcmp(p, first, qlen))
				s += qlen;	/* a reply quoted the raw QP */
		}
		from = t->len;
		decode_line(t, s, e, &soft);
		t->soft += soft;
		/* an =0A decoded inside the line starts a logical line of its own */
		for (; from < t->len; from++)
			if (t->own[from] == '\n' && (r = map_line(t, &cap, line)))
				goto fail;
		if (!soft && nl)
			t->own[t->len++] = '\n';
		p = nl ? nl + 1 : end;
	}
	t->buf = t->own;
	t->qp = true;
	return 0;
fail:
	im_paste_text_free(t);
	return r;
}

int im_paste_text(const char *buf, size_t len, struct im_paste_text *t)
{
	if (im_paste_is_qp(buf, len))
		return im_paste_qp_decode(buf, len, t);
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	return 0;
}

unsigned int im_paste_line(const struct im_paste_text *t, unsigned int line)
{
	if (!t || !t->first || !line)
		return line;
	if (line <= t->nfirst)
		return t->first[line - 1];
	/* past the map (not reached by a reader): counted on from its end */
	return t->first[t->nfirst - 1] + (line - (unsigned int)t->nfirst);
}

void im_paste_text_free(struct im_paste_text *t)
{
	free(t->own);
	free(t->first);
	memset(t, 0, sizeof(*t));
}

const char *im_paste_qp_note(bool qp, unsigned int soft, char *buf, size_t n)
{
	if (!qp) {
		if (n)
			buf[0] = 0;
		return buf;
	}
	snprintf(buf, n, "; quoted-printable decoded (%u soft line break%s joined; lines are named as in the file)",
		 soft, soft == 1 ? "" : "s");
	return buf;
}

int im_paste_parse(const char *buf, size_t len, const char *file,
		   int (*parse)(const struct im_paste_text *, const char *, void *, struct im_err *),
		   void *out, bool *qp, unsigned int *soft, struct im_err *err)
{
	struct im_paste_text text;
	int r = im_paste_text(buf, len, &text);

	if (r) {
		im_err_set(err, file, 0, "out of memory");
		return r;
	}
	r = parse(&text, file, out, err);
	if (!r) {
		*qp = text.qp;
		*soft = text.soft;
	}
	im_paste_text_free(&text);
	return r;
}
